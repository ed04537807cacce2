// SPDX-License-Identifier: GPL-2.0
/*
 * fwregs.c - firmware pseudo-registers (KVM_REG_ARM_FW, _FW_FEAT_BMAP) as
 * a VM's level defines them: enumeration and set (a read of a bitmap the
 * level lacks is refused by the register hook, reglist.c).
 *
 * The services behind them (PSCI version, hypercall bitmaps) are set in
 * the kernel's own per-VM state, once, when the level is chosen; probes
 * only cover the register ioctls, a cold path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/uaccess.h>

#include "compat/compat.h"
#include "fw_policy.h"
#include "kas.h"
#include "vm.h"

typedef int (*kas_copy_ids_fn)(struct kvm_vcpu *, u64 __user *);

/**
 * kas_fw_acts() - do the firmware-register hooks act for a VM at @level
 *                 on this kernel?
 * @level: the VM's level
 *
 * Return: true if the module, not the kernel, decides the VM's firmware
 * registers.
 */
bool kas_fw_acts(u64 level)
{
	return kas_fw_hooked(level, KAS_HOST_LEVEL, KAS_NEED_FW);
}

NOKPROBE_SYMBOL(kas_fw_acts);

/* The table of @kvm's level when its hooks act for it. */
static const struct kas_fw_level *kas_fw_of(struct kvm *kvm)
{
	u64 level = kas_vm_level(kvm);

	return kas_fw_acts(level) ? kas_fw_level(level) : NULL;
}

NOKPROBE_SYMBOL(kas_fw_of);

/**
 * kas_fw_apply() - set a VM's PSCI default and hypercall bitmaps for its
 *                  level, or restore the kernel's for native
 * @kvm: the VM, which has no vCPU yet
 * @v: its state
 *
 * Caller holds kvm->lock or owns the new VM.
 */
void kas_fw_apply(struct kvm *kvm, struct kas_vm *v)
{
	const struct kas_fw_level *fl = kas_fw_differs(v->level, KAS_HOST_LEVEL) ?
					kas_fw_level(v->level) : NULL;
	unsigned long cur[3];

	if (!fl) {
		/* Undo only what a previous level changed: native is untouched. */
		if (v->fw_saved) {
			kas_compat_fw_bitmaps(kvm, cur, v->fw_bmap);
			kvm->arch.psci_version = 0;	/* the kernel's latest */
		}
		v->fw_saved = false;
		return;
	}
	if (!v->fw_saved) {
		kas_compat_fw_bitmaps(kvm, v->fw_bmap, NULL);
		v->fw_saved = true;
	}
	{
		const unsigned long bm[3] = {
			fl->std_bmap, fl->std_hyp_bmap, fl->vendor_hyp_bmap,
		};

		kas_compat_fw_bitmaps(kvm, cur, bm);
	}
	kvm->arch.psci_version = fl->psci_max;
}

/**
 * kas_fw_num_regs_pre() - pre-handler on kvm_arm_get_fw_num_regs()
 * @p: the kprobe
 * @regs: (vcpu)
 *
 * Return: 1 with the level's count, or 0.
 */
int kas_fw_num_regs_pre(struct kprobe *p, struct pt_regs *regs)
{
	const struct kas_fw_level *fl = kas_fw_of(((struct kvm_vcpu *)regs->regs[0])->kvm);

	return fl ? kas_return(regs, fl->nr_regs) : 0;
}

NOKPROBE_SYMBOL(kas_fw_num_regs_pre);

/* Redirect target of kvm_arm_copy_fw_reg_indices(): the level's ids. */
static int kas_fw_copy_ids(struct kvm_vcpu *vcpu, u64 __user *uindices)
{
	const struct kas_fw_level *fl;
	unsigned int i;
	int ret = 0;

	rcu_read_lock();
	fl = kas_fw_of(vcpu->kvm);
	rcu_read_unlock();
	for (i = 0; fl && i < fl->nr_regs && !ret; i++)
		ret = put_user(fl->regs[i], uindices++) ? -EFAULT : 0;
	kas_redirect_done();
	return ret;
}

/**
 * kas_fw_copy_ids_pre() - pre-handler on kvm_arm_copy_fw_reg_indices()
 * @p: the kprobe
 * @regs: (vcpu, uindices)
 *
 * Return: 1 when redirected (user copies need process context), else 0.
 */
int kas_fw_copy_ids_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_fw_of(((struct kvm_vcpu *)regs->regs[0])->kvm))
		return 0;
	return kas_redirect(regs, kas_fw_copy_ids);
}

NOKPROBE_SYMBOL(kas_fw_copy_ids_pre);

/**
 * kas_fw_decides() - does the module decide firmware register @id for @vcpu?
 * @vcpu: the vCPU whose register is accessed
 * @id: the KVM_{GET,SET}_ONE_REG id
 * @ret: set to the answer when decided (0: allowed, else the errno)
 *
 * The level is read once: the CLI may change it beside this call.
 *
 * Return: true if the VM's level decides the access here.
 */
bool kas_fw_decides(struct kvm_vcpu *vcpu, u64 id, int *ret)
{
	struct kas_vm *v = kas_vm_lookup(vcpu->kvm);
	u64 level;

	if (!v)
		return false;
	level = READ_ONCE(v->level);
	if (!kas_fw_acts(level))
		return false;
	*ret = kas_fw_reg_access(level, KAS_HOST_LEVEL, id);
	return true;
}

NOKPROBE_SYMBOL(kas_fw_decides);

/* Redirect target of kvm_arm_set_fw_reg() for PSCI_VERSION at old levels. */
static int kas_fw_set_psci(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	kas_one_reg_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_FW_SET]);
	u64 __user *uaddr = u64_to_user_ptr(reg->addr);
	struct kas_vm *v;
	u64 val;
	int ret;

	ret = get_user(val, uaddr) ? -EFAULT : 0;
	if (!ret) {
		rcu_read_lock();
		v = kas_vm_lookup(vcpu->kvm);
		ret = v ? kas_fw_psci_set(READ_ONCE(v->level), KAS_HOST_LEVEL, val) : 0;
		rcu_read_unlock();
	}
	if (!ret)
		ret = orig(vcpu, reg);
	kas_redirect_done();
	return ret;
}

/**
 * kas_fw_set_pre() - pre-handler on kvm_arm_set_fw_reg()
 * @p: the kprobe
 * @regs: (vcpu, reg)
 *
 * Return: 1 if decided or redirected here, 0 to run the kernel's function.
 */
int kas_fw_set_pre(struct kprobe *p, struct pt_regs *regs)
{
	const struct kvm_one_reg *reg = (const struct kvm_one_reg *)regs->regs[1];
	int ret = 0;

	/* Only bitmap registers are refused, only PSCI_VERSION redirected. */
	if (!kas_fw_set_level_may_act(reg->id) ||
	    !kas_fw_decides((struct kvm_vcpu *)regs->regs[0], reg->id, &ret) ||
	    kas_hook_passthrough(regs))
		return 0;
	if (ret)
		return kas_return(regs, ret);
	if (reg->id == KVM_REG_ARM_PSCI_VERSION)
		return kas_redirect(regs, kas_fw_set_psci);
	return 0;
}

NOKPROBE_SYMBOL(kas_fw_set_pre);
