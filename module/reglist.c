// SPDX-License-Identifier: GPL-2.0
/*
 * reglist.c - the vCPU registers a VM at an older level has: the
 * KVM_GET_REG_LIST it gets, and KVM_{GET,SET}_ONE_REG refusing (-ENOENT)
 * the registers its level's kernel does not have (reg_policy.c decides).
 *
 * Level 5.10 on 6.x also has 5.10's PMU registers when the vCPU has no
 * PMU (5.12 hid them): listed, and kept per vCPU (vcpu.c) for GET/SET
 * here. So does level 6.12 on 7.3 with TCR2_EL1, PIRE0_EL1 and PIR_EL1
 * where 7.3 hides them.
 *
 * kvm_arm_copy_reg_indices() writes straight to the VMM's buffer, which
 * is sized for the shorter list; so the module rebuilds the kernel's list
 * in kernel memory (the sys-reg table's part by asking the kernel which
 * ids it has), checks it against the kernel's own counts, filters it, and
 * copies it out. No user memory but the VMM's buffer is touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "compat/compat.h"
#include "fw_policy.h"
#include "kas.h"
#include "reg_policy.h"
#include "vm.h"

#define L612	KVM_ABI_SHIM_LEVEL(6, 12)

typedef unsigned long (*kas_num_regs_fn)(struct kvm_vcpu *);
typedef int (*kas_copy_regs_fn)(struct kvm_vcpu *, u64 __user *);

/**
 * kas_older_level() - the level of a VM older than the running kernel
 * @kvm: the VM
 *
 * Its registers (list, ID and cache values) are then that level's.
 * Callers hold rcu_read_lock() or run in a kprobe handler.
 *
 * Return: the level, or 0 (native or the running kernel's own).
 */
u64 kas_older_level(struct kvm *kvm)
{
	u64 level = kas_vm_level(kvm);

	return kas_reg_level_filters(level, KAS_HOST_LEVEL) ? level : 0;
}

NOKPROBE_SYMBOL(kas_older_level);

/**
 * kas_older_below() - is a VM at an older level, and one before @below?
 * @kvm: the VM
 * @below: the first level that keeps the running kernel's behaviour
 *
 * As for kas_older_level().
 *
 * Return: true if the VM's level is older than the running kernel's and
 * than @below.
 */
bool kas_older_below(struct kvm *kvm, u64 below)
{
	u64 level = kas_older_level(kvm);

	return level && level < below;
}

NOKPROBE_SYMBOL(kas_older_below);

/**
 * kas_redirect_below() - redirect a probed vCPU function for older levels
 * @regs: registers at the probe; x0 is the vCPU
 * @fn: the redirect target
 * @below: only for levels below this one
 *
 * Return: 1 when redirected (VM at an older level below @below, not a
 * call-through), else 0.
 */
int kas_redirect_below(struct pt_regs *regs, void *fn, u64 below)
{
	/* The cookie last: every native VM's call stops at the level. */
	if (!kas_older_below(((struct kvm_vcpu *)regs->regs[0])->kvm, below) ||
	    kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, fn);
}

NOKPROBE_SYMBOL(kas_redirect_below);

/**
 * kas_redirect_older() - redirect a probed vCPU function for older levels
 * @regs: registers at the probe; x0 is the vCPU
 * @fn: the redirect target
 *
 * Return: 1 when redirected (VM at an older level, not a call-through),
 * else 0.
 */
int kas_redirect_older(struct pt_regs *regs, void *fn)
{
	return kas_redirect_below(regs, fn, U64_MAX);
}

NOKPROBE_SYMBOL(kas_redirect_older);

/**
 * kas_regs_of() - the registers the module keeps for @vcpu
 * @vcpu: a vCPU of a VM at an older level, in one of its own ioctls
 *
 * Made at its KVM_CREATE_VCPU (vcpu.c); GET/SET_ONE_REG and KVM_RUN need
 * an initialised vCPU, so they exist. The VM, and so its state, lives
 * while its vCPU ioctl runs.
 *
 * Return: the state, or NULL (logged once) for a vCPU made another way.
 */
struct kas_vcpu *kas_regs_of(struct kvm_vcpu *vcpu)
{
	struct kas_vm *v = kas_vm_lookup(vcpu->kvm);
	struct kas_vcpu *c = v ? kas_vcpu_of(v, vcpu) : NULL;

	if (!c)
		pr_warn_once("a vCPU at an older level has no state (created another way?)\n");
	return c;
}

typedef int (*kas_sys_reg_get_fn)(struct kvm_vcpu *, const struct kvm_one_reg *);
typedef unsigned long (*kas_num_sys_regs_fn)(struct kvm_vcpu *);
typedef u64 (*kas_pmu_mask_fn)(struct kvm_vcpu *);

static kas_sys_reg_get_fn kas_sys_reg_get;
static kas_num_sys_regs_fn kas_num_sys_regs;
static kas_pmu_mask_fn kas_pmu_mask;

/*
 * Sys-reg encodings (an id's low 16 bits; Op0 is 2 or 3) the kernel's
 * table was seen to list for some vCPU: the candidates asked each time. A
 * vCPU they do not cover (the kernel counts more) makes the module ask all
 * 32768 once, and the set grows.
 */
#define KAS_ENC_BASE		0x8000
#define KAS_NR_ENC		0x8000
static DECLARE_BITMAP(kas_enc_seen, KAS_NR_ENC);

#define KAS_CORE_ID(size, word) \
	(KVM_REG_ARM64 | KVM_REG_ARM_CORE | KVM_REG_SIZE_##size | (word))
#define KAS_CCSIDR_ID(i) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_DEMUX | KVM_REG_ARM_DEMUX_ID_CCSIDR | (i))

/* A list being built: entries past @cap are counted, not stored. */
struct kas_list {
	u64 *ids;
	unsigned int n;
	unsigned int cap;
};

static void kas_list_put(struct kas_list *l, u64 id)
{
	if (l->n < l->cap)
		l->ids[l->n] = id;
	l->n++;
}

/* The id the kernel lists for the table entry at @enc. */
static u64 kas_enc_listed_id(unsigned int enc)
{
	u64 id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG | (KAS_ENC_BASE + enc);

	if (KAS_REGLIST_TIMER_SWAP && id == KVM_REG_ARM_TIMER_CVAL)
		return KVM_REG_ARM_TIMER_CNT;
	if (KAS_REGLIST_TIMER_SWAP && id == KVM_REG_ARM_TIMER_CNT)
		return KVM_REG_ARM_TIMER_CVAL;
	return id;
}

static bool kas_is_invariant(u64 id)
{
	const u64 *inv = kas_compat_reglist_invariant();

	for (; *inv; inv++)
		if (*inv == id)
			return true;
	return false;
}

/*
 * Does the kernel's sys-reg walk list @enc for @vcpu? Its GET_ONE_REG
 * answers -ENOENT exactly for the entries the walk skips (no storage, no
 * accessor, hidden), and runs the same accessors a VMM's GET does. The
 * value is aimed at a kernel address, which put_user() refuses (-EFAULT)
 * without writing: no user memory is involved.
 */
static bool kas_enc_listed(struct kvm_vcpu *vcpu, unsigned int enc)
{
	u64 sink;
	struct kvm_one_reg reg = {
		.id = kas_enc_listed_id(enc),
		.addr = (u64)(unsigned long)&sink,
	};

	if (kas_is_invariant(reg.id))
		return false;	/* answered outside the table */
	return kas_sys_reg_get(vcpu, &reg) != -ENOENT;
}

/* Ask the kernel about every encoding the candidates lack. */
static void kas_enc_sweep(struct kvm_vcpu *vcpu)
{
	unsigned int enc;

	for (enc = 0; enc < KAS_NR_ENC; enc++) {
		if (!test_bit(enc, kas_enc_seen) && kas_enc_listed(vcpu, enc))
			set_bit(enc, kas_enc_seen);
		if (!(enc & 1023))
			cond_resched();
	}
}

/*
 * @vcpu's list as the kernel composes it for a VM at @level (whose
 * firmware registers the module already decides), in @l. Returns how many
 * of them come from kvm_arm_copy_sys_reg_indices().
 */
static unsigned int kas_compose(struct kvm_vcpu *vcpu, u64 level, struct kas_list *l)
{
	bool own = kas_fw_acts(level);
	const struct kas_fw_level *fl = kas_fw_level(own ? level : KAS_HOST_LEVEL);
	unsigned int i, enc, sys;
	bool sve = vcpu_has_sve(vcpu);
	const u64 *fixed;

	l->n = 0;
	/* Core: struct kvm_regs in 32-bit words (copy_core_reg_indices()). */
	for (i = 0; i < KVM_REG_ARM_CORE_REG(sp_el1); i += 2)
		kas_list_put(l, KAS_CORE_ID(U64, i));	/* x0-x30, sp, pc, pstate */
	/* (fp_regs is 16-byte aligned: a word pair of padding before it.) */
	for (i = KVM_REG_ARM_CORE_REG(sp_el1);
	     i <= KVM_REG_ARM_CORE_REG(spsr[KVM_NR_SPSR - 1]); i += 2)
		kas_list_put(l, KAS_CORE_ID(U64, i));	/* sp_el1, elr_el1, spsr[] */
	/* An SVE vCPU has the Z registers instead of the V registers. */
	for (i = 0; !sve && i < 32; i++)
		kas_list_put(l, KAS_CORE_ID(U128, KVM_REG_ARM_CORE_REG(fp_regs.vregs[0]) + 4 * i));
	kas_list_put(l, KAS_CORE_ID(U32, KVM_REG_ARM_CORE_REG(fp_regs.fpsr)));
	kas_list_put(l, KAS_CORE_ID(U32, KVM_REG_ARM_CORE_REG(fp_regs.fpcr)));
	if (sve) {
		/* One slice: vectors of at most 2048 bits. */
		kas_list_put(l, KVM_REG_ARM64_SVE_VLS);
		for (i = 0; i < SVE_NUM_ZREGS; i++)
			kas_list_put(l, KVM_REG_ARM64_SVE_ZREG(i, 0));
		for (i = 0; i < SVE_NUM_PREGS; i++)
			kas_list_put(l, KVM_REG_ARM64_SVE_PREG(i, 0));
		kas_list_put(l, KVM_REG_ARM64_SVE_FFR(0));
	}
	for (i = 0; fl && i < fl->nr_regs; i++)
		kas_list_put(l, fl->regs[i]);
	for (fixed = kas_compat_reglist_timer(); *fixed; fixed++)
		kas_list_put(l, *fixed);
	sys = l->n;
	for (fixed = kas_compat_reglist_invariant(); *fixed; fixed++)
		kas_list_put(l, *fixed);
	for_each_set_bit(enc, kas_enc_seen, KAS_NR_ENC)
		if (kas_enc_listed(vcpu, enc))
			kas_list_put(l, kas_enc_listed_id(enc));
	for (i = 0; i < KAS_CSSELR_MAX; i++)
		if (KAS_REGLIST_ALL_CACHES || kas_reg_valid_cache(kas_host_clidr(), i))
			kas_list_put(l, KAS_CCSIDR_ID(i));
	return l->n - sys;
}

/*
 * Room for @n ids. The kernel's KVM_GET_REG_LIST allocates nothing, so it
 * never fails with ENOMEM, and at an older level it must not either. The
 * list is a few KiB (order 0 or 1), which the page allocator gives without
 * failing but to a task being killed: __GFP_NOFAIL says so, and keeps
 * fault injection off a site the kernel does not have.
 */
static u64 *kas_ids_alloc(unsigned int n)
{
	if ((size_t)n * sizeof(u64) <= 2 * PAGE_SIZE)
		return kmalloc_array(n, sizeof(u64), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	return kvmalloc_array(n, sizeof(u64), GFP_KERNEL_ACCOUNT);
}

/*
 * The kernel's list for @vcpu at @level, built in kernel memory with room
 * for @extra more ids; *@out is the caller's to free. The kernel's own
 * counts (total and sys-reg part) must match: another vCPU may change the
 * VM's ID registers meanwhile (retried), and the candidates may miss an
 * entry (all encodings asked once). Never anything else on the kernels the
 * module builds for; -EIO rather than a wrong list if it ever is.
 */
static long kas_reglist_raw(struct kvm_vcpu *vcpu, u64 level, unsigned int extra, u64 **out)
{
	kas_num_regs_fn num = kas_hook_orig(&kas_hook_table[KAS_HOOK_NUM_REGS]);
	struct kas_list l = { };
	unsigned long want, want_sys;
	unsigned int tries, sys;

	for (tries = 0; tries < 4; tries++) {
		want = num(vcpu);
		want_sys = kas_num_sys_regs(vcpu);
		if (want + extra > l.cap) {
			kvfree(l.ids);
			l.cap = want + extra;
			l.ids = kas_ids_alloc(l.cap);
			if (!l.ids)
				return -ENOMEM;
		}
		sys = kas_compose(vcpu, level, &l);
		if (l.n == want && sys == want_sys) {
			*out = l.ids;
			return l.n;
		}
		if (sys < want_sys)
			kas_enc_sweep(vcpu);
	}
	kvfree(l.ids);
	pr_err_once("cannot rebuild KVM_GET_REG_LIST on kernel %s (%u ids, %u in sys_regs; kernel: %lu, %lu); such VMs get -EIO\n",
		    init_utsname()->release, l.n, sys, want, want_sys);
	return -EIO;
}

/*
 * The list for @vcpu at @level: the kernel's, filtered. Returns the length
 * (*@out for the caller to free) or a negative errno.
 */
static long kas_reglist_fetch(struct kvm_vcpu *vcpu, u64 level, u64 **out)
{
	unsigned int i, m;
	long n;
	u64 *ids;

	/* Room for the registers levels 5.10 and 6.12 may add. */
	n = kas_reglist_raw(vcpu, level, KAS_NR_PMU510 + KAS_NR_KEPT_612, &ids);
	if (n < 0)
		return n;
	m = kas_reg_filter(level, KAS_HOST_LEVEL, kas_host_clidr(), ids, n);
	if (kas_reg_pmu510_applies(level, KAS_HOST_LEVEL) && !kas_compat_vcpu_has_pmu(vcpu))
		for (i = 0; i < KAS_NR_PMU510; i++)
			m = kas_reg_add_sorted(ids, m, kas_reg_pmu510_id(i));
	*out = ids;
	return m;
}

/*
 * KVM_GET_REG_LIST counts (kvm_arm_num_regs()), then copies
 * (kvm_arm_copy_reg_indices()), both in one ioctl under the vCPU's mutex:
 * the list the count was taken from is kept for the copy, so the count
 * returned is always the number of ids written.
 */
static void kas_stash(struct kas_vcpu *c, u64 *ids, long n)
{
	kvfree(c->list);
	c->list = ids;
	c->list_n = n;
	c->list_task = (ids || n < 0) ? current : NULL;
}

/*
 * Redirect target of kvm_arm_num_regs(). Once the VM has run, the list is
 * kept for the vCPU's life (until its next reset): composing it asks the
 * kernel about every sys-reg candidate, which is most of what a VMM's
 * register save would cost at an older level. The flag is read before
 * composing, so the list kept was composed after the last change the
 * kernel allowed.
 */
static unsigned long kas_num_regs(struct kvm_vcpu *vcpu)
{
	struct kas_vcpu *c = kas_regs_of(vcpu);
	u64 *ids = NULL, level;
	bool ran;
	long n;

	if (c && c->regs) {
		n = c->regs_n;
		goto out;
	}
	ran = kas_compat_vm_ran_once(vcpu->kvm);
	/* Pairs with the kernel's lock ordering ID writes before the flag. */
	smp_rmb();
	rcu_read_lock();
	level = kas_older_level(vcpu->kvm);
	rcu_read_unlock();
	n = kas_reglist_fetch(vcpu, level, &ids);
	if (c && n >= 0 && ran) {
		kas_stash(c, NULL, 0);
		c->regs = ids;
		c->regs_n = n;
	} else if (c) {
		kas_stash(c, n < 0 ? NULL : ids, n);
	} else {
		kvfree(ids);
	}
out:
	kas_redirect_done();
	/* On failure, none: the copy then reports the error. */
	return n < 0 ? 0 : n;
}

/* Redirect target of kvm_arm_copy_reg_indices(). */
static int kas_copy_regs(struct kvm_vcpu *vcpu, u64 __user *uindices)
{
	struct kas_vcpu *c = kas_regs_of(vcpu);
	u64 *ids = NULL, level;
	long n;
	int ret;

	if (c && c->regs) {
		ret = copy_to_user(uindices, c->regs, c->regs_n * sizeof(u64)) ? -EFAULT : 0;
		kas_redirect_done();
		return ret;
	}
	if (c && c->list_task == current) {
		ids = c->list;
		n = c->list_n;
		c->list = NULL;
		c->list_task = NULL;
	} else {
		rcu_read_lock();
		level = kas_older_level(vcpu->kvm);
		rcu_read_unlock();
		n = kas_reglist_fetch(vcpu, level, &ids);
	}
	if (n < 0)
		ret = n;
	else
		ret = copy_to_user(uindices, ids, n * sizeof(u64)) ? -EFAULT : 0;
	kvfree(ids);
	kas_redirect_done();
	return ret;
}

/**
 * kas_reglist_init() - find the kernel functions the register list needs
 *
 * Return: 0, or -ENOENT (logged) when one is missing.
 */
int kas_reglist_init(void)
{
	/* The last only where the kernel has it (one grace period for all). */
	static const char *const syms[] = {
		KAS_SYM_SYS_REG_GET, KAS_SYM_NUM_SYS_REGS, KAS_SYM_PMU_MASK
	};
	void *addrs[ARRAY_SIZE(syms)];

	BUILD_BUG_ON(ARRAY_SIZE(syms) > KAS_MAX_RESOLVE);
	kas_resolve(syms, addrs, ARRAY_SIZE(syms) - !KAS_SYM_PMU_MASK);
	kas_sys_reg_get = addrs[0];
	kas_num_sys_regs = addrs[1];
	kas_pmu_mask = KAS_SYM_PMU_MASK ? addrs[2] : NULL;
	return kas_sys_reg_get && kas_num_sys_regs && (kas_pmu_mask || !KAS_SYM_PMU_MASK) ?
	       0 : -ENOENT;
}

/**
 * kas_num_regs_pre() - pre-handler on kvm_arm_num_regs()
 * @p: the kprobe
 * @regs: (vcpu)
 *
 * Return: 1 when redirected (VM at an older level), else 0.
 */
int kas_num_regs_pre(struct kprobe *p, struct pt_regs *regs)
{
	return kas_redirect_older(regs, kas_num_regs);
}

NOKPROBE_SYMBOL(kas_num_regs_pre);

/**
 * kas_copy_regs_pre() - pre-handler on kvm_arm_copy_reg_indices()
 * @p: the kprobe
 * @regs: (vcpu, uindices)
 *
 * Return: 1 when redirected (VM at an older level), else 0.
 */
int kas_copy_regs_pre(struct kprobe *p, struct pt_regs *regs)
{
	return kas_redirect_older(regs, kas_copy_regs);
}

NOKPROBE_SYMBOL(kas_copy_regs_pre);

/* Redirect target of kvm_arm_get_reg() for a 5.10 PMU register. */
static int kas_pmu510_get(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	int i = kas_reg_pmu510_index(reg->id), ret;
	struct kas_vcpu *c = kas_regs_of(vcpu);
	u64 __user *uaddr = u64_to_user_ptr(reg->addr);

	if (!c)
		ret = -EIO;
	else
		ret = put_user(c->pmu510[i], uaddr) ? -EFAULT : 0;
	kas_redirect_done();
	return ret;
}

/* Redirect target of kvm_arm_set_reg(): 5.10 stores any value. */
static int kas_pmu510_set(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	int i = kas_reg_pmu510_index(reg->id), alias = kas_reg_pmu510_alias(i), ret;
	struct kas_vcpu *c = kas_regs_of(vcpu);
	u64 val;

	if (!c) {
		ret = -EIO;
	} else if (get_user(val, (u64 __user *)u64_to_user_ptr(reg->addr))) {
		ret = -EFAULT;
	} else {
		c->pmu510[i] = val;
		if (alias >= 0)
			c->pmu510[alias] = val;
		ret = 0;
	}
	kas_redirect_done();
	return ret;
}

/*
 * Redirect target of kvm_arm_get_reg() for PMCR_EL0 of a vCPU with a PMU at
 * level 5.10 or 6.1 (kas_reg_pmcr_applies()): the kernel's value, with the
 * level's implementer, ID code and writable byte.
 */
static int kas_pmcr_get(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	kas_one_reg_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_GET_REG]);
	u64 __user *uaddr = u64_to_user_ptr(reg->addr);
	struct kas_vcpu *c = kas_regs_of(vcpu);
	int ret = c ? orig(vcpu, reg) : -EIO;
	u64 val;

	if (!ret && (get_user(val, uaddr) || put_user(kas_reg_pmcr_view(val, c->pmcr), uaddr)))
		ret = -EFAULT;
	kas_redirect_done();
	return ret;
}

/*
 * Redirect target of kvm_arm_set_reg() for the same: 5.10 and 6.1 store
 * the value whole; the kernel takes its part (and its checks) first.
 */
static int kas_pmcr_set(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	kas_one_reg_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_SET_REG]);
	struct kas_vcpu *c = kas_regs_of(vcpu);
	u64 val;
	int ret;

	if (!c)
		ret = -EIO;
	else if (get_user(val, (u64 __user *)u64_to_user_ptr(reg->addr)))
		ret = -EFAULT;
	else
		ret = orig(vcpu, reg);
	if (!ret)
		c->pmcr = val;
	kas_redirect_done();
	return ret;
}

/*
 * Redirect target of kvm_arm_set_reg() for a PMU SET/CLR register of a
 * vCPU with a PMU at level 5.10 or 6.1 where the kernel would OR or clear
 * (kas_compat_pmreg()): the value stored, as those kernels store it.
 * Nothing else happens on such a write: the kernel's own only stores.
 */
static int kas_pmreg_set(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	int ret = 0;
	u64 val;

	if (get_user(val, (u64 __user *)u64_to_user_ptr(reg->addr)))
		ret = -EFAULT;
	else
		kas_compat_pmreg_store(vcpu, kas_compat_pmreg(reg->id), val & kas_pmu_mask(vcpu));
	kas_redirect_done();
	return ret;
}

/*
 * Redirect target of kvm_arm_{get,set}_reg() for a register level 6.12
 * has and the kernel may hide: the kernel's, else the kept one.
 */
static int kas_kept612_access(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg,
			      bool set)
{
	kas_one_reg_fn orig = kas_hook_orig(&kas_hook_table[set ? KAS_HOOK_SET_REG :
							     KAS_HOOK_GET_REG]);
	u64 __user *uaddr = u64_to_user_ptr(reg->addr);
	int i = kas_reg_kept_612(L612, KAS_HOST_LEVEL, reg->id);
	int ret = orig(vcpu, reg);
	struct kas_vcpu *c;
	u64 val;

	if (ret != -ENOENT)
		return ret;
	c = kas_regs_of(vcpu);
	if (!c)
		return -EIO;
	if (!set)
		return put_user(c->kept612[i], uaddr) ? -EFAULT : 0;
	if (get_user(val, uaddr))
		return -EFAULT;
	c->kept612[i] = val;
	return 0;
}

static int kas_kept612_get(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	int ret = kas_kept612_access(vcpu, reg, false);

	kas_redirect_done();
	return ret;
}

static int kas_kept612_set(struct kvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	int ret = kas_kept612_access(vcpu, reg, true);

	kas_redirect_done();
	return ret;
}

/**
 * kas_one_reg_pre() - pre-handler on kvm_arm_get_reg() and kvm_arm_set_reg()
 * @p: the kprobe
 * @regs: (vcpu, reg); reg is the kernel's copy of struct kvm_one_reg
 *
 * Return: 1 with -ENOENT for a register the VM's level does not have (but
 * for the physical counter's writes: kas_reg_set_passes()), or redirected
 * for a 5.10 PMU register of a vCPU without a PMU, PMCR_EL0 of 5.10 and 6.1
 * with a PMU, their PMU SET/CLR registers on 6.12, or a register 6.12
 * keeps; else 0.
 */
int kas_one_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	const struct kvm_one_reg *reg = (const struct kvm_one_reg *)regs->regs[1];
	bool set = p == &kas_hook_table[KAS_HOOK_SET_REG].kp;
	void *fn = NULL;
	u64 level;

	/*
	 * A firmware bitmap the level lacks: refused here, where the kernel
	 * would call kvm_arm_get_fw_reg(), so that reading the firmware
	 * registers every level has passes one hook, not two. Writes go
	 * through the firmware hook (kas_fw_set_pre()).
	 */
	if (!set && kas_fw_reg_level_may_deny(reg->id)) {
		int ret = 0;

		if (kas_fw_decides(vcpu, reg->id, &ret) && ret)
			return kas_return(regs, ret);
		return 0;
	}
	/* The VMM's most frequent accesses (core registers) first. */
	if (!kas_reg_level_may_act(reg->id))
		return 0;
	level = kas_older_level(vcpu->kvm);
	if (!level)
		return 0;
	/* What the level does first; the call-through cookie only if it acts. */
	if (kas_reg_hidden(level, KAS_HOST_LEVEL, kas_host_clidr(), reg->id)) {
		if ((set && kas_reg_set_passes(KAS_HOST_LEVEL, reg->id)) ||
		    kas_hook_passthrough(regs))
			return 0;
		return kas_return(regs, -ENOENT);
	}
	if (kas_reg_pmu510_applies(level, KAS_HOST_LEVEL) && !kas_compat_vcpu_has_pmu(vcpu) &&
	    kas_reg_pmu510_index(reg->id) >= 0)
		fn = set ? (void *)kas_pmu510_set : (void *)kas_pmu510_get;
	else if (reg->id == KAS_PMCR_EL0 && kas_reg_pmcr_applies(level, KAS_HOST_LEVEL) &&
		 kas_compat_vcpu_has_pmu(vcpu))
		fn = set ? (void *)kas_pmcr_set : (void *)kas_pmcr_get;
	else if (set && kas_compat_pmreg(reg->id) >= 0 &&
		 kas_reg_pmcr_applies(level, KAS_HOST_LEVEL) && kas_compat_vcpu_has_pmu(vcpu))
		fn = kas_pmreg_set;
	else if (kas_reg_kept_612(level, KAS_HOST_LEVEL, reg->id) >= 0)
		fn = set ? (void *)kas_kept612_set : (void *)kas_kept612_get;
	if (!fn || kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, fn);
}

NOKPROBE_SYMBOL(kas_one_reg_pre);
