// SPDX-License-Identifier: GPL-2.0
/*
 * idregs.c - ID registers, CLIDR_EL1 and CCSIDR of a VM at an older level,
 * on hosts that keep them per VM (6.12): the values are written into the
 * kernel's own state when the vCPU is reset, so the VMM (GET_ONE_REG) and
 * the guest (trapped reads) see the same thing; writes follow the older
 * kernels' rule: equal to the current value, else -EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>

#include "compat/compat.h"
#include "idreg_policy.h"
#include "kas.h"
#include "reg_policy.h"
#include "vm.h"

/*
 * The ID register, cache and CTR_EL0 emulation is for levels 5.10 and 6.1
 * (computed ID registers, the pre-6.3 cache model). Level 6.12 on a 7.3
 * host keeps the kernel's: 7.3 stores and traps them as 6.12 does.
 */
#define KAS_IDREGS_BELOW	KVM_ABI_SHIM_LEVEL(6, 12)

static u64 kas_host_clidr_v;
/* With FEAT_CCIDX the CPU's CCSIDR is 64 bits; the register ABI keeps 32. */
static u64 kas_host_ccsidr64[KAS_CSSELR_MAX];
static bool kas_host_ccidx;
static u64 kas_host_pmcr;
static bool kas_host_aarch32;

/**
 * kas_host_pmcr_el0() - the host's PMCR_EL0, read at load (0 without PMUv3)
 *
 * Return: its value.
 */
u64 kas_host_pmcr_el0(void)
{
	return kas_host_pmcr;
}

/**
 * kas_host_aarch32_el0() - does the host run 32-bit EL0 on every CPU?
 *
 * Return: ID_AA64PFR0_EL1.EL0 (sanitised) says AArch32 too.
 */
bool kas_host_aarch32_el0(void)
{
	return kas_host_aarch32;
}

/**
 * kas_host_clidr() - the host's CLIDR_EL1, read at load
 *
 * Return: its value.
 */
u64 kas_host_clidr(void)
{
	return kas_host_clidr_v;
}

NOKPROBE_SYMBOL(kas_host_clidr);

/**
 * kas_idregs_init() - record the host's cache geometry
 */
void kas_idregs_init(void)
{
	unsigned long flags;
	unsigned int i;

	kas_host_clidr_v = read_sysreg(clidr_el1);
	/* As 5.10 and 6.1 read it: CSSELR then CCSIDR, undisturbed. */
	local_irq_save(flags);
	for (i = 0; i < KAS_CSSELR_MAX; i++) {
		if (!kas_reg_valid_cache(kas_host_clidr_v, i))
			continue;
		write_sysreg(i, csselr_el1);
		isb();
		kas_host_ccsidr64[i] = read_sysreg(ccsidr_el1);
	}
	local_irq_restore(flags);
	kas_host_ccidx = kas_idreg_host_ccidx(read_sanitised_ftr_reg(SYS_ID_AA64MMFR2_EL1));
	/* 5.10 seeds a vCPU's PMCR_EL0 from the host's (if it has PMUv3). */
	if (kas_idreg_host_pmuv3(read_sanitised_ftr_reg(SYS_ID_AA64DFR0_EL1)))
		kas_host_pmcr = read_sysreg(pmcr_el0);
	/* system_supports_32bit_el0() is not usable from a module. */
	kas_host_aarch32 = kas_idreg_host_aarch32_el0(read_sanitised_ftr_reg(SYS_ID_AA64PFR0_EL1));
}

#if KAS_COMPAT_IDREGS || KAS_COMPAT_READ_ID_REG
/* The host's sanitised @id, where the policy uses it (else 0). */
static u64 kas_idregs_host(u64 id)
{
	return kas_idreg_needs_host(id) ? read_sanitised_ftr_reg(kas_compat_enc(id)) : 0;
}

#endif

#if KAS_COMPAT_IDREGS
/*
 * Write @level's values into the VM (once: they are VM-wide and survive
 * vCPU resets) and the vCPU's cache registers (every reset rewrites them).
 * Runs after kvm_reset_vcpu(), preemptible (kvm_reset_sys_regs() runs with
 * preemption off, so it is not the hook), under kvm->arch.config_lock on
 * the vCPU's first reset.
 */
static void kas_idregs_apply(struct kvm_vcpu *vcpu, struct kas_vm *v, u64 level,
			     struct kas_vcpu *c)
{
	struct kvm *kvm = vcpu->kvm;
	u32 **ccsidr = kas_compat_vcpu_ccsidr(vcpu);
	unsigned int i;

	if (!v->idregs_done && kas_compat_id_regs_ready(kvm)) {
		for (i = 0; i < kas_nr_idreg_managed; i++) {
			u64 id = kas_idreg_managed[i], *p = kas_compat_vm_id_reg(kvm, id);

			*p = kas_idreg_value(level, id, *p, kas_idregs_host(id));
		}
		v->idregs_done = true;
	}
	*kas_compat_vcpu_clidr(vcpu) = kas_host_clidr_v;
	/* KVM's array from now on (it frees it), made at KVM_CREATE_VCPU. */
	if (!*ccsidr && c) {
		*ccsidr = c->ccsidr;
		c->ccsidr = NULL;
	}
}

/**
 * kas_idregs_prepare() - allocate what a vCPU's first reset hands to KVM
 * @level: the VM's level
 * @ccsidr: set to the 32-bit cache geometry array where @level has one
 *
 * Return: 0 or -ENOMEM.
 */
int kas_idregs_prepare(u64 level, u32 **ccsidr)
{
	unsigned int i;

	if (level >= KAS_IDREGS_BELOW)
		return 0;
	/* 32 bits per cache, as 5.10 and 6.1 report. */
	*ccsidr = kmalloc_array(KAS_CSSELR_MAX, sizeof(u32), GFP_KERNEL_ACCOUNT);
	if (!*ccsidr)
		return -ENOMEM;
	for (i = 0; i < KAS_CSSELR_MAX; i++)
		(*ccsidr)[i] = kas_host_ccsidr64[i];
	return 0;
}

/* The value a write must match, or -ENOENT if the kernel decides. */
static int kas_idregs_current(struct kvm_vcpu *vcpu, u64 id, u64 *val)
{
	u32 *ccsidr = *kas_compat_vcpu_ccsidr(vcpu);

	if ((id & ~0xfULL) == KAS_DEMUX_CCSIDR(0)) {
		if (!ccsidr || (id & 0xf) >= KAS_CSSELR_MAX)
			return -ENOENT;
		*val = ccsidr[id & 0xf];
	} else if (id == KAS_SYSREG(3, 1, 0, 0, 1)) {
		*val = *kas_compat_vcpu_clidr(vcpu);
	} else if (id == KAS_SYSREG(3, 3, 0, 0, 1)) {
		*val = kas_compat_vm_ctr(vcpu->kvm);
	} else {
		*val = *kas_compat_vm_id_reg(vcpu->kvm, id);
	}
	return 0;
}

/*
 * The bits of @id a VM at @level may not change: all of them for the
 * invariant registers of 5.10 and 6.1, the fields 7.3 made writable for
 * 6.12.
 */
static u64 kas_sys_reg_locked(u64 level, u64 id)
{
	if (level < KAS_IDREGS_BELOW)
		return kas_idreg_exact(id) ? ~0ULL : 0;
	return kas_idreg_locked(level, KAS_HOST_LEVEL, id);
}

NOKPROBE_SYMBOL(kas_sys_reg_locked);

/*
 * Redirect target of kvm_arm_sys_reg_set_reg() for registers a level
 * locks: a write that changes a locked bit is -EINVAL; an invariant one
 * that changes nothing succeeds; the rest is the kernel's to decide.
 */
static int kas_sys_reg_set(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	kas_one_reg_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_SYS_REG_SET]);
	bool u32reg = (reg->id & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U32;
	u64 val = 0, cur, level, locked;
	u32 v32;
	int ret;

	rcu_read_lock();
	level = kas_older_level(vcpu->kvm);
	rcu_read_unlock();
	locked = kas_sys_reg_locked(level, reg->id);

	if (u32reg)
		ret = get_user(v32, (u32 __user *)u64_to_user_ptr(reg->addr)) ? -EFAULT : 0;
	else
		ret = get_user(val, (u64 __user *)u64_to_user_ptr(reg->addr)) ? -EFAULT : 0;
	if (u32reg)
		val = v32;
	if (!ret) {
		mutex_lock(&vcpu->kvm->arch.config_lock);
		ret = kas_idregs_current(vcpu, reg->id, &cur);
		mutex_unlock(&vcpu->kvm->arch.config_lock);
		if (!ret && ((val ^ cur) & locked))
			ret = -EINVAL;
		else if (!ret && locked == ~0ULL)
			ret = 0;
		else
			ret = orig(vcpu, reg);
	}
	kas_redirect_done();
	return ret;
}

/**
 * kas_sys_reg_set_pre() - pre-handler on kvm_arm_sys_reg_set_reg()
 * @p: the kprobe
 * @regs: (vcpu, reg); reg is the kernel's copy of struct kvm_one_reg
 *
 * Return: 1 when redirected (a register the VM's older level locks),
 * else 0.
 */
int kas_sys_reg_set_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	const struct kvm_one_reg *reg = (const struct kvm_one_reg *)regs->regs[1];

	u64 level = kas_older_level(vcpu->kvm);

	if (!level || !kas_sys_reg_locked(level, reg->id) || kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_sys_reg_set);
}

NOKPROBE_SYMBOL(kas_sys_reg_set_pre);

typedef bool (*kas_access_fn)(struct kvm_vcpu *, void *, const void *);

/**
 * kas_access_id_reg_pre() - pre-handler on access_id_reg() (6.12)
 * @p: the kprobe
 * @regs: (vcpu, params, desc)
 *
 * Without FEAT_EVT, 6.12 traps CTR_EL0 and returns the VM's value, the
 * sanitised one (which may carry an IDC the kernel infers from CLIDR).
 * 5.10 and 6.1 trap it only for mismatched caches or a 32-bit EL1: their
 * guests read the CPU's own register, and so does a guest at their level
 * here. A read is all access_id_reg() does then, so the answer is given
 * here, with no call into the kernel's function.
 *
 * Return: 1 with true (handled) for a CTR_EL0 read by a guest at an older
 * level, else 0.
 */
int kas_access_id_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	struct kas_compat_sys_reg_params *params = (void *)regs->regs[1];

	if (params->is_write || kas_compat_params_enc(params) != SYS_CTR_EL0 ||
	    !kas_older_below(vcpu->kvm, KAS_IDREGS_BELOW) || kas_compat_old_traps_ctr(vcpu))
		return 0;
	params->regval = read_sysreg(ctr_el0);
	return kas_return(regs, true);
}

NOKPROBE_SYMBOL(kas_access_id_reg_pre);

/*
 * Redirect target of access_ccsidr() on a FEAT_CCIDX host: 6.12 answers
 * from the vCPU's 32-bit array; 5.10 and 6.1 guests read the CPU's 64-bit
 * register (CCIDX format), so a guest at their level gets that here.
 */
static bool kas_access_ccsidr(struct kvm_vcpu *vcpu, void *params, const void *rd)
{
	kas_access_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_ACCESS_CCSIDR]);
	struct kas_compat_sys_reg_params *p = params;
	bool ret = orig(vcpu, params, rd);
	u64 csselr = kas_compat_vcpu_csselr(vcpu) & 0xf;	/* Level, InD */

	if (!p->is_write && csselr < KAS_CSSELR_MAX && kas_host_ccsidr64[csselr])
		p->regval = kas_host_ccsidr64[csselr];
	kas_redirect_done();
	return ret;
}

/**
 * kas_access_ccsidr_pre() - pre-handler on access_ccsidr() (6.12)
 * @p: the kprobe
 * @regs: (vcpu, params, desc)
 *
 * Return: 1 when redirected (FEAT_CCIDX host, VM at an older level),
 * else 0.
 */
int kas_access_ccsidr_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_host_ccidx)
		return 0;
	return kas_redirect_below(regs, kas_access_ccsidr, KAS_IDREGS_BELOW);
}

NOKPROBE_SYMBOL(kas_access_ccsidr_pre);

/*
 * Redirect target of access_pmcr() for a vCPU at level 5.10 or 6.1: the
 * kernel's emulation (its counters act on the write), then the level's
 * register: a write is kept, a read shows the host's implementer and ID
 * code and the level's writable byte. Runs on the vCPU's own thread, as
 * its ONE_REG ioctls and its reset do, so nothing races on the register.
 */
static bool kas_access_pmcr(struct kvm_vcpu *vcpu, void *params, const void *rd)
{
	kas_access_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_ACCESS_PMCR]);
	struct kas_compat_sys_reg_params *p = params;
	bool ret = orig(vcpu, params, rd);
	u64 level = kas_older_level(vcpu->kvm);
	struct kas_vcpu *c = NULL;

	/* false: the kernel injected an UNDEF (EL0 access not enabled). */
	if (ret && kas_reg_pmcr_applies(level, KAS_HOST_LEVEL))
		c = kas_regs_of(vcpu);
	if (c) {
		if (p->is_write)
			c->pmcr = kas_reg_pmcr_guest_write(level, c->pmcr, p->regval,
							   kas_host_aarch32);
		else
			p->regval = kas_reg_pmcr_guest_read(p->regval, c->pmcr);
	}
	kas_redirect_done();
	return ret;
}

/**
 * kas_access_pmcr_pre() - pre-handler on access_pmcr() (6.12 and newer)
 * @p: the kprobe
 * @regs: (vcpu, params, desc)
 *
 * Return: 1 when redirected (VM at level 5.10 or 6.1), else 0.
 */
int kas_access_pmcr_pre(struct kprobe *p, struct pt_regs *regs)
{
	return kas_redirect_below(regs, kas_access_pmcr, KAS_IDREGS_BELOW);
}

NOKPROBE_SYMBOL(kas_access_pmcr_pre);
#else
int kas_idregs_prepare(u64 level, u32 **ccsidr)
{
	return 0;
}

static void kas_idregs_apply(struct kvm_vcpu *vcpu, struct kas_vm *v, u64 level,
			     struct kas_vcpu *c)
{
}

int kas_sys_reg_set_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

int kas_access_id_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

int kas_access_ccsidr_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

int kas_access_pmcr_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}
#endif

/**
 * kas_reset_vcpu_after() - redirect of kvm_reset_vcpu(): the kernel's
 *                          reset, then the level's
 * @vcpu: the vCPU being reset
 *
 * After the kernel's reset: the level's ID and cache registers (6.12
 * hosts) and the registers the module keeps, as the level's kernel resets
 * its own. Runs where kvm_reset_vcpu() runs, preemptible: its work with
 * preemption off is done when it returns.
 *
 * Return: the kernel's result (0 where it returns void).
 */
int kas_reset_vcpu_after(struct kvm_vcpu *vcpu)
{
	int ret = kas_compat_reset_vcpu(kas_hook_orig(&kas_hook_table[KAS_HOOK_RESET_VCPU]),
					vcpu);
	struct kas_vcpu *c = NULL;
	struct kas_vm *v;
	u64 level;

	rcu_read_lock();
	v = kas_vm_lookup(vcpu->kvm);
	level = v ? kas_older_level(vcpu->kvm) : 0;
	rcu_read_unlock();
	/* The VM cannot go away under its own vCPU's ioctl. */
	if (!ret && level)
		c = kas_vcpu_of(v, vcpu);
	if (!ret && level && level < KAS_IDREGS_BELOW)
		kas_idregs_apply(vcpu, v, level, c);
	if (c)
		kas_vcpu_reset(c);
	kas_redirect_done();
	return ret;
}

/**
 * kas_reset_vcpu_pre() - pre-handler on kvm_reset_vcpu()
 * @p: the kprobe
 * @regs: (vcpu)
 *
 * Return: 1 when redirected (VM at an older level), else 0.
 */
int kas_reset_vcpu_pre(struct kprobe *p, struct pt_regs *regs)
{
	return kas_redirect_older(regs, kas_compat_reset_vcpu_target);
}

NOKPROBE_SYMBOL(kas_reset_vcpu_pre);

#if KAS_COMPAT_READ_ID_REG
typedef u64 (*kas_read_id_reg_fn)(const struct kvm_vcpu *, const void *);

/* Redirect target of 6.1's read_id_reg(): the level's value. */
static u64 kas_read_id_reg(const struct kvm_vcpu *vcpu, const void *rd)
{
	kas_read_id_reg_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_READ_ID_REG]);
	u64 val = orig(vcpu, rd), id = kas_compat_desc_id(rd), level;

	rcu_read_lock();
	level = kas_older_level(vcpu->kvm);
	rcu_read_unlock();
	if (level)
		val = kas_idreg_value(level, id, val, kas_idregs_host(id));
	kas_redirect_done();
	return val;
}

/**
 * kas_read_id_reg_pre() - pre-handler on read_id_reg() (6.1)
 * @p: the kprobe
 * @regs: (vcpu, rd)
 *
 * Return: 1 when redirected (VM at an older level), else 0.
 */
int kas_read_id_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	return kas_redirect_below(regs, kas_read_id_reg, KAS_IDREGS_BELOW);
}

NOKPROBE_SYMBOL(kas_read_id_reg_pre);
#else
int kas_read_id_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}
#endif
