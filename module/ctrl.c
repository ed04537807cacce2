// SPDX-License-Identifier: GPL-2.0
/*
 * ctrl.c - the VMM-facing control plane: KVM_{HAS,GET,SET}_DEVICE_ATTR on
 * the VM fd, group KVM_ABI_SHIM_GRP. Every other group, and every other VM
 * ioctl, reaches the kernel's kvm_arch_vm_ioctl() untouched, but for the
 * VM ioctls and attributes a VM's older level does not have.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/uaccess.h>

#include "caps_policy.h"
#include "compat/compat.h"
#include "kas.h"
#include "vgic_policy.h"
#include "vm.h"

typedef long (*kas_vm_ioctl_fn)(struct file *, unsigned int, unsigned long);

static u64 kas_attr_value(struct kas_vm *v, u64 attr)
{
	switch (attr) {
	case KVM_ABI_SHIM_ATTR_LEVEL:
		return v ? READ_ONCE(v->level) : KVM_ABI_SHIM_LEVEL_NATIVE;
	case KVM_ABI_SHIM_ATTR_SUPPORTED:
		return kas_levels_supported(KAS_HOST_LEVEL, kas_disabled_levels);
	case KVM_ABI_SHIM_ATTR_IIDR_REV:
		return v ? READ_ONCE(v->rev_req) : 0;
	default:
		return KVM_ABI_SHIM_IFACE_VERSION;
	}
}

/*
 * A level whose kernel lacks a capability the VM has enabled (before any
 * vCPU, like the level) would leave the VM with both.
 */
static bool kas_level_has_caps(struct kvm *kvm, u64 level)
{
	u64 need = kas_compat_vm_caps_level(kvm);

	return level == KVM_ABI_SHIM_LEVEL_NATIVE || level >= need;
}

static int kas_set(struct kvm *kvm, struct kas_vm *v, u64 attr, u64 __user *uaddr)
{
	u64 val, hooks = 0;
	int ret;

	if (get_user(val, uaddr))
		return -EFAULT;
	/*
	 * The hooks of the new state are armed first (this may sleep, so not
	 * under kvm->lock); the VM then holds what its new state needs and
	 * the rest is released again. A SET that will be refused arms
	 * nothing, so that a VMM cannot make the host patch its text at
	 * will; the checks are repeated below.
	 */
	if (attr == KVM_ABI_SHIM_ATTR_LEVEL && v &&
	    !kas_ctrl_set_level(val, READ_ONCE(v->rev_req), KAS_HOST_LEVEL,
				kas_disabled_levels, READ_ONCE(kvm->created_vcpus) > 0) &&
	    kas_level_has_caps(kvm, val))
		hooks = kas_hooks_demand(val, READ_ONCE(v->rev_req));
	else if (attr == KVM_ABI_SHIM_ATTR_IIDR_REV && v &&
		 !kas_ctrl_set_rev(val, READ_ONCE(v->level), KAS_HOST_LEVEL, kas_vgic_attached(),
				   READ_ONCE(kvm->created_vcpus) > 0))
		hooks = kas_hooks_demand(READ_ONCE(v->level), val);
	ret = kas_hooks_get(hooks);
	if (ret)
		return ret;
	/* kvm->lock orders us against KVM_CREATE_VCPU and vGIC accesses. */
	mutex_lock(&kvm->lock);
	if (attr == KVM_ABI_SHIM_ATTR_LEVEL) {
		ret = kas_ctrl_set_level(val, v ? v->rev_req : 0, KAS_HOST_LEVEL,
					 kas_disabled_levels, kvm->created_vcpus > 0);
		if (!ret && !kas_level_has_caps(kvm, val))
			ret = -EBUSY;
	} else {
		ret = kas_ctrl_set_rev(val, v ? v->level : KVM_ABI_SHIM_LEVEL_NATIVE,
				       KAS_HOST_LEVEL, kas_vgic_attached(),
				       kvm->created_vcpus > 0);
	}
	if (!ret && !v)
		ret = -EOPNOTSUPP;	/* VM predates the module */
	if (!ret && attr == KVM_ABI_SHIM_ATTR_LEVEL)
		ret = kas_vm_update(v, val, v->rev_req);
	else if (!ret)
		ret = kas_vm_update(v, v->level, val);
	if (!ret) {
		/* Never less than it needs: its old hooks or those just armed. */
		kas_hooks_move(&v->hooks, &hooks, kas_hooks_demand(v->level, v->rev_req));
		kas_vgic_reapply(kvm, v);
		kas_fw_apply(kvm, v);
	}
	mutex_unlock(&kvm->lock);
	kas_hooks_put(hooks);
	return ret;
}

static int kas_ctrl(struct kvm *kvm, enum kas_op op, struct kvm_device_attr *attr)
{
	u64 __user *uaddr = u64_to_user_ptr(attr->addr);
	struct kas_vm *v = kas_vm_lookup(kvm);
	int ret;

	ret = kas_ctrl_access(op, attr->attr, attr->flags);
	if (ret || op == KAS_OP_HAS)
		return ret;
	if (op == KAS_OP_GET)
		return put_user(kas_attr_value(v, attr->attr), uaddr) ? -EFAULT : 0;
	return kas_set(kvm, v, attr->attr, uaddr);
}

/**
 * kas_vm_ioctl() - replacement entry of kvm_arch_vm_ioctl() for the
 *                  device-attribute ioctls
 * @filp: the VM file
 * @ioctl: KVM_HAS_DEVICE_ATTR, KVM_GET_DEVICE_ATTR or KVM_SET_DEVICE_ATTR
 * @arg: user pointer to struct kvm_device_attr
 *
 * Runs in process context (redirected from the probe). Our group is
 * handled here; anything else, including an unreadable argument, goes to
 * the kernel so its answer is unchanged, unless the VM's level predates
 * VM device attributes: its kernel then knows none of these ioctls.
 *
 * Return: 0 or a negative errno, as the ioctl's result.
 */
long kas_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	kas_vm_ioctl_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_VM_IOCTL]);
	struct kvm_device_attr attr;
	enum kas_op op;
	long ret;

	op = ioctl == KVM_HAS_DEVICE_ATTR ? KAS_OP_HAS :
	     ioctl == KVM_GET_DEVICE_ATTR ? KAS_OP_GET : KAS_OP_SET;
	if (copy_from_user(&attr, (void __user *)arg, sizeof(attr)) ||
	    attr.group != KVM_ABI_SHIM_GRP)
		ret = kas_vm_attr_absent(kas_vm_level(filp->private_data), KAS_HOST_LEVEL) ?
		      -EINVAL : orig(filp, ioctl, arg);
	else
		ret = kas_ctrl(filp->private_data, op, &attr);
	kas_redirect_done();
	return ret;
}

/**
 * kas_vm_ioctl_pre() - kprobe pre-handler on kvm_arch_vm_ioctl()
 * @p: the kprobe
 * @regs: registers at function entry
 *
 * Only the device-attribute ioctls are redirected; they need a user copy
 * to see the group, which cannot happen here. The arm64 VM ioctls an older
 * level's kernel lacks fail as there, with EINVAL.
 *
 * Return: 1 if redirected or answered, 0 to run the kernel's function.
 */
int kas_vm_ioctl_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned int ioctl = regs->regs[1];

	if (kas_hook_passthrough(regs))
		return 0;
	if (kas_vm_ioctl_checked(ioctl) &&
	    kas_vm_ioctl_absent(kas_vm_level(((struct file *)regs->regs[0])->private_data),
				KAS_HOST_LEVEL, ioctl))
		return kas_return(regs, -EINVAL);
	if (ioctl != KVM_HAS_DEVICE_ATTR && ioctl != KVM_GET_DEVICE_ATTR &&
	    ioctl != KVM_SET_DEVICE_ATTR)
		return 0;
	return kas_redirect(regs, kas_vm_ioctl);
}

NOKPROBE_SYMBOL(kas_vm_ioctl_pre);
