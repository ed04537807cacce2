// SPDX-License-Identifier: GPL-2.0
/*
 * vgic.c - GICD_IIDR revisions and interrupt-group (IGROUPR) semantics per
 * VM, on stock kernels.
 *
 * The revision lives where the kernel keeps it, dist->implementation_rev,
 * set once at vGIC init for the VM's level or requested revision: the
 * kernel then honours it on its own paths (IIDR reads, GICR_CTLR.{IR,CES}
 * on 6.x). Probes cover what the kernel cannot be told: IIDR writes
 * (revisions 1..3 everywhere, pre-init on GICv3) and revision 1, which no
 * Debian kernel implements (IGROUPR fixed, writes ignored). IGROUPR
 * accesses are configuration-time traps, not a hot path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/uaccess.h>
#include <kvm/arm_vgic.h>
#include <linux/irqchip/arm-gic-v3.h>

#include "compat/compat.h"
#include "kas.h"
#include "vgic_policy.h"
#include "vm.h"

#define KAS_GICD_IIDR	0x8

typedef int (*kas_vgic_init_fn)(struct kvm *);
typedef int (*kas_dev_attr_fn)(struct kvm_device *, struct kvm_device_attr *);

/**
 * kas_vgic_attached() - are the vGIC hooks in place?
 *
 * Return: true if the vGIC feature attached on this kernel.
 */
bool kas_vgic_attached(void)
{
	return kas_hook_table[KAS_HOOK_VGIC_INIT].attached;
}

/* Set the VM's revision in the kernel's own state. */
static void kas_vgic_set_rev(struct kvm *kvm, unsigned int rev)
{
	struct vgic_dist *dist = &kvm->arch.vgic;

	dist->implementation_rev = rev;
	if (dist->vgic_model == KVM_DEV_TYPE_ARM_VGIC_V2)
		dist->v2_groups_user_writable = kas_vgic_v2_user_writable(rev);
}

NOKPROBE_SYMBOL(kas_vgic_set_rev);

/* The vGIC takes @rev; the VM no longer needs the module for it. Safe in a handler. */
static void kas_vgic_give_rev(struct kvm *kvm, struct kas_vm *v, unsigned int rev)
{
	kas_vgic_set_rev(kvm, rev);
	kas_vm_rev_applied(v);
}

NOKPROBE_SYMBOL(kas_vgic_give_rev);

/**
 * kas_vgic_reapply() - apply a VM's revision if its vGIC is initialised
 * @kvm: the VM
 * @v: its state
 *
 * For a level or revision changed after a vGIC init that happened before
 * any vCPU existed. Caller holds kvm->lock.
 */
void kas_vgic_reapply(struct kvm *kvm, struct kas_vm *v)
{
	unsigned int rev = kas_vgic_rev(v->level, v->rev_req);

	if (rev && vgic_initialized(kvm) && kas_vgic_attached())
		kas_vgic_give_rev(kvm, v, rev);
}

/* Redirect target of vgic_init(): apply the revision at first init. */
static int kas_vgic_init(struct kvm *kvm)
{
	kas_vgic_init_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_VGIC_INIT]);
	bool was = vgic_initialized(kvm);
	struct kas_vm *v;
	int ret;

	ret = orig(kvm);
	if (!ret && !was && vgic_initialized(kvm)) {
		rcu_read_lock();
		v = kas_vm_lookup(kvm);
		if (v && kas_vgic_rev(v->level, v->rev_req))
			kas_vgic_give_rev(kvm, v, kas_vgic_rev(v->level, v->rev_req));
		rcu_read_unlock();
	}
	kas_redirect_done();
	return ret;
}

/**
 * kas_vgic_init_pre() - kprobe pre-handler on vgic_init()
 * @p: the kprobe
 * @regs: registers at entry
 *
 * Return: 1 (redirected) or 0 (call-through from the module).
 */
int kas_vgic_init_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_vgic_init);
}

NOKPROBE_SYMBOL(kas_vgic_init_pre);

/*
 * A VMM's GICD_IIDR write @val to @v's VM, whose vGIC runs at @cur: decide
 * it and give the VM the revision, with the hooks the revision needs armed
 * first. Caller holds kvm->lock. Sleeps only if something must be armed
 * (kas_vgic_iidr_arms()); @rev gets the revision given.
 */
static int kas_vgic_iidr_set(struct kas_vm *v, unsigned int cur, u32 val, unsigned int *rev)
{
	u64 armed;
	int ret;

	ret = kas_vgic_iidr_write(cur, val, v->level, KAS_HOST_LEVEL, rev);
	if (ret)
		return ret;
	armed = kas_hooks_demand(v->level, *rev) & ~v->hooks;
	ret = kas_hooks_get(armed);
	if (ret)
		return ret;
	ret = kas_vm_update(v, v->level, *rev);
	if (!ret)
		kas_hooks_move(&v->hooks, &armed, kas_hooks_demand(v->level, v->rev_req));
	kas_hooks_put(armed);
	return ret;
}

NOKPROBE_SYMBOL(kas_vgic_iidr_set);

/* Would kas_vgic_iidr_set() arm hooks (and so sleep)? */
static bool kas_vgic_iidr_arms(struct kas_vm *v, unsigned int cur, u32 val)
{
	unsigned int rev;

	return !kas_vgic_iidr_write(cur, val, v->level, KAS_HOST_LEVEL, &rev) &&
	       kas_hooks_missing(v->hooks, kas_hooks_demand(v->level, rev));
}

NOKPROBE_SYMBOL(kas_vgic_iidr_arms);

/*
 * Redirect target of vgic_mmio_uaccess_write_v{2,3}_misc() for a GICD_IIDR
 * write whose revision needs hooks armed: in process context, under the
 * caller's kvm->lock, before any vCPU can run again.
 */
static int kas_vgic_misc_arm(struct kvm_vcpu *vcpu, gpa_t addr, unsigned int len,
			     unsigned long val)
{
	struct kvm *kvm = vcpu->kvm;
	struct kas_vm *v = kas_vm_lookup(kvm);
	unsigned int rev;
	int ret = -EINVAL;

	if (v) {
		ret = kas_vgic_iidr_set(v, kvm->arch.vgic.implementation_rev, val, &rev);
		if (!ret)
			kas_vgic_give_rev(kvm, v, rev);
	}
	kas_redirect_done();
	return ret;
}

/**
 * kas_vgic_misc_pre() - pre-handler on vgic_mmio_uaccess_write_v{2,3}_misc()
 * @p: the kprobe
 * @regs: (vcpu, offset, len, val)
 *
 * Userspace GICD_IIDR writes of a tracked VM follow our rules: revision 1,
 * 2 or 3, nothing else may differ; revision 3 refused at level 5.10. The
 * callers hold kvm->lock, which orders this against the control plane. A
 * revision whose hooks are not armed yet is given in process context.
 *
 * Return: 1 if the write was decided or redirected here, 0 for other
 * registers.
 */
int kas_vgic_misc_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	struct kvm *kvm = vcpu->kvm;
	unsigned int rev, cur;
	struct kas_vm *v;
	int ret;

	if ((regs->regs[1] & 0xc) != KAS_GICD_IIDR)
		return 0;
	rcu_read_lock();
	v = kas_vm_lookup(kvm);
	if (!v) {
		rcu_read_unlock();
		return 0;
	}
	cur = kvm->arch.vgic.implementation_rev;
	if (kas_vgic_iidr_arms(v, cur, regs->regs[3])) {
		rcu_read_unlock();
		return kas_redirect(regs, kas_vgic_misc_arm);
	}
	ret = kas_vgic_iidr_set(v, cur, regs->regs[3], &rev);
	if (!ret)
		kas_vgic_give_rev(kvm, v, rev);
	rcu_read_unlock();
	return kas_return(regs, ret);
}

NOKPROBE_SYMBOL(kas_vgic_misc_pre);

/**
 * kas_vgic_read_group_pre() - pre-handler on vgic_mmio_read_group()
 * @p: the kprobe
 * @regs: (vcpu, addr, len)
 *
 * Revision 1 (set only by this module): IGROUPR reads as its fixed value,
 * whatever was written before, for the guest and for userspace.
 *
 * Return: 1 if the read was answered here.
 */
int kas_vgic_read_group_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	struct vgic_dist *dist = &vcpu->kvm->arch.vgic;
	unsigned long val;

	if (!kas_vgic_group_read(dist->implementation_rev,
				 dist->vgic_model == KVM_DEV_TYPE_ARM_VGIC_V3,
				 regs->regs[2], &val))
		return 0;
	return kas_return(regs, val);
}

NOKPROBE_SYMBOL(kas_vgic_read_group_pre);

/**
 * kas_vgic_write_group_pre() - pre-handler on vgic_mmio_write_group()
 * @p: the kprobe
 * @regs: (vcpu, addr, len, val)
 *
 * Return: 1 if the write is dropped (revision 1).
 */
int kas_vgic_write_group_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];

	if (!kas_vgic_group_write_ignored(vcpu->kvm->arch.vgic.implementation_rev))
		return 0;
	return kas_return(regs, 0);
}

NOKPROBE_SYMBOL(kas_vgic_write_group_pre);

/*
 * GICv3 GICD_IIDR access before vGIC init (the kernel says -EBUSY before
 * 6.17): the requested revision is kept and applied at init. Reads are
 * answered only where a revision is in effect, so a native VM without one
 * sees the kernel's answer.
 */
static int kas_v3_attr(struct kvm_device *dev, struct kvm_device_attr *attr,
		       bool write)
{
	unsigned int hook = write ? KAS_HOOK_V3_SET_ATTR : KAS_HOOK_V3_GET_ATTR;
	kas_dev_attr_fn orig = kas_hook_orig(&kas_hook_table[hook]);
	u32 __user *uaddr = u64_to_user_ptr(attr->addr);
	struct kvm *kvm = dev->kvm;
	unsigned int cur, rev;
	struct kas_vm *v;
	u32 val = 0;
	int ret;

	if (attr->group != KVM_DEV_ARM_VGIC_GRP_DIST_REGS ||
	    (attr->attr & KVM_DEV_ARM_VGIC_OFFSET_MASK) != KAS_GICD_IIDR)
		return orig(dev, attr);
	if (write && get_user(val, uaddr))
		return -EFAULT;
	mutex_lock(&kvm->lock);
	v = kas_vm_lookup(kvm);
	if (vgic_initialized(kvm) || !v ||
	    (!write && !kas_vgic_rev(v->level, v->rev_req))) {
		mutex_unlock(&kvm->lock);
		return orig(dev, attr);
	}
	cur = kas_vgic_rev(v->level, v->rev_req);
	if (!cur)
		cur = kas_level_default_rev(KAS_HOST_LEVEL);
	if (write)
		ret = kas_vgic_iidr_set(v, cur, val, &rev);
	mutex_unlock(&kvm->lock);
	/* Not under kvm->lock: a stalled user page must not stall the VM. */
	if (!write)
		ret = put_user(kas_iidr_value(cur), uaddr) ? -EFAULT : 0;
	return ret;
}

static int kas_v3_set_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	int ret = kas_v3_attr(dev, attr, true);

	kas_redirect_done();
	return ret;
}

static int kas_v3_get_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	int ret = kas_v3_attr(dev, attr, false);

	kas_redirect_done();
	return ret;
}

/**
 * kas_vgic_v3_attr_pre() - pre-handler on vgic_v3_{set,get}_attr()
 * @p: the kprobe (tells set from get)
 * @regs: (dev, attr)
 *
 * Return: 1 (redirected to process context) or 0 (call-through).
 */
int kas_vgic_v3_attr_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (kas_hook_passthrough(regs))
		return 0;
	if (p == &kas_hook_table[KAS_HOOK_V3_SET_ATTR].kp)
		return kas_redirect(regs, kas_v3_set_attr);
	return kas_redirect(regs, kas_v3_get_attr);
}

NOKPROBE_SYMBOL(kas_vgic_v3_attr_pre);

/* Is this vCPU's VM at level 5.10? Caller is a probe handler (RCU-safe). */
static bool kas_vcpu_at_510(struct kvm_vcpu *vcpu)
{
	struct kas_vm *v = kas_vm_lookup(vcpu->kvm);

	return v && kas_vgic_redist_510(READ_ONCE(v->level), KAS_HOST_LEVEL);
}

NOKPROBE_SYMBOL(kas_vcpu_at_510);

/**
 * kas_gicr510_ignore_pre() - pre-handler on the GICR_INVLPIR/INVALLR write
 *                            and GICR_SYNCR read handlers (6.x)
 * @p: the kprobe
 * @regs: (vcpu, addr, len[, val])
 *
 * 5.10 has no such registers: at level 5.10 writes are ignored and reads
 * return zero, as for any unknown redistributor offset there.
 *
 * Return: 1 if answered here.
 */
int kas_gicr510_ignore_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_vcpu_at_510((struct kvm_vcpu *)regs->regs[0]))
		return 0;
	return kas_return(regs, 0);
}

NOKPROBE_SYMBOL(kas_gicr510_ignore_pre);

typedef unsigned long (*kas_mmio_read_fn)(struct kvm_vcpu *, gpa_t, unsigned int);
typedef int (*kas_redist_uaccess_fn)(struct kvm_vcpu *, bool, int, u32 *);

/* GICR_CTLR at level 5.10: never shows RWP (5.10 has no such state). */
static unsigned long kas_gicr510_ctlr(struct kvm_vcpu *vcpu, gpa_t addr, unsigned int len)
{
	kas_mmio_read_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_GICR_CTLR]);
	unsigned long val = orig(vcpu, addr, len) & ~GICR_CTLR_RWP;

	kas_redirect_done();
	return val;
}

/**
 * kas_gicr510_ctlr_pre() - pre-handler on vgic_mmio_read_v3r_ctlr() (6.x)
 * @p: the kprobe
 * @regs: (vcpu, addr, len)
 *
 * Return: 1 when redirected (VM at level 5.10), else 0.
 */
int kas_gicr510_ctlr_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_vcpu_at_510((struct kvm_vcpu *)regs->regs[0]) || kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_gicr510_ctlr);
}

NOKPROBE_SYMBOL(kas_gicr510_ctlr_pre);

/* Userspace GICR_TYPER reads at level 5.10: no Last bit, as 5.10 reports. */
static int kas_gicr510_uaccess(struct kvm_vcpu *vcpu, bool is_write, int offset, u32 *val)
{
	kas_redist_uaccess_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_GICR_UACCESS]);
	int ret = orig(vcpu, is_write, offset, val);

	if (!ret && !is_write && offset == GICR_TYPER)
		*val &= ~GICR_TYPER_LAST;
	kas_redirect_done();
	return ret;
}

/**
 * kas_gicr510_uaccess_pre() - pre-handler on vgic_v3_redist_uaccess() (6.x)
 * @p: the kprobe
 * @regs: (vcpu, is_write, offset, val)
 *
 * Return: 1 when redirected (VM at level 5.10), else 0.
 */
int kas_gicr510_uaccess_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_vcpu_at_510((struct kvm_vcpu *)regs->regs[0]) || kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_gicr510_uaccess);
}

NOKPROBE_SYMBOL(kas_gicr510_uaccess_pre);
