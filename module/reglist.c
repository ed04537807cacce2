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
 * is sized for the shorter list; so the kernel's list is produced in a
 * scratch mapping of the calling process, filtered, then copied out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat/compat.h"
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
	struct kas_vm *v = kas_vm_lookup(kvm);
	u64 level = v ? READ_ONCE(v->level) : KVM_ABI_SHIM_LEVEL_NATIVE;

	return kas_reg_level_filters(level, KAS_HOST_LEVEL) ? level : 0;
}

NOKPROBE_SYMBOL(kas_older_level);

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
	u64 level;

	if (kas_hook_passthrough(regs))
		return 0;
	level = kas_older_level(((struct kvm_vcpu *)regs->regs[0])->kvm);
	if (!level || level >= below)
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

/*
 * The kernel's list for @vcpu, filtered for @level, in a kernel buffer the
 * caller frees. Returns the length or a negative errno.
 */
static long kas_reglist_fetch(struct kvm_vcpu *vcpu, u64 level, u64 **out)
{
	kas_num_regs_fn num = kas_hook_orig(&kas_hook_table[KAS_HOOK_NUM_REGS]);
	kas_copy_regs_fn copy = kas_hook_orig(&kas_hook_table[KAS_HOOK_COPY_REGS]);
	unsigned long n = num(vcpu), uaddr;
	size_t size = PAGE_ALIGN(n * sizeof(u64));
	unsigned int i, m;
	long ret;
	u64 *ids;

	/* Room for the registers levels 5.10 and 6.12 may add. */
	ids = kvmalloc_array(n + KAS_NR_PMU510 + KAS_NR_KEPT_612, sizeof(u64),
			     GFP_KERNEL_ACCOUNT);
	if (!ids)
		return -ENOMEM;
	uaddr = vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(uaddr)) {
		kvfree(ids);
		return (long)uaddr;
	}
	ret = copy(vcpu, (u64 __user *)uaddr);
	if (!ret && copy_from_user(ids, (const void __user *)uaddr, n * sizeof(u64)))
		ret = -EFAULT;
	vm_munmap(uaddr, size);
	if (ret) {
		kvfree(ids);
		return ret;
	}
	*out = ids;
	m = kas_reg_filter(level, KAS_HOST_LEVEL, kas_host_clidr(), ids, n);
	if (kas_reg_pmu510_applies(level, KAS_HOST_LEVEL) && !kas_compat_vcpu_has_pmu(vcpu))
		for (i = 0; i < KAS_NR_PMU510; i++)
			m = kas_reg_add_sorted(ids, m, kas_reg_pmu510_id(i));
	return m;
}

/* Redirect target of kvm_arm_num_regs(). */
static unsigned long kas_num_regs(struct kvm_vcpu *vcpu)
{
	kas_num_regs_fn num = kas_hook_orig(&kas_hook_table[KAS_HOOK_NUM_REGS]);
	u64 *ids = NULL, level;
	long n;

	rcu_read_lock();
	level = kas_older_level(vcpu->kvm);
	rcu_read_unlock();
	n = level ? kas_reglist_fetch(vcpu, level, &ids) : -EAGAIN;
	kvfree(ids);
	/* On failure, the full count: the copy then fails the same way. */
	if (n < 0)
		n = num(vcpu);
	kas_redirect_done();
	return n;
}

/* Redirect target of kvm_arm_copy_reg_indices(). */
static int kas_copy_regs(struct kvm_vcpu *vcpu, u64 __user *uindices)
{
	kas_copy_regs_fn copy = kas_hook_orig(&kas_hook_table[KAS_HOOK_COPY_REGS]);
	u64 *ids = NULL, level;
	long n;
	int ret;

	rcu_read_lock();
	level = kas_older_level(vcpu->kvm);
	rcu_read_unlock();
	if (!level) {
		ret = copy(vcpu, uindices);
	} else {
		n = kas_reglist_fetch(vcpu, level, &ids);
		if (n < 0)
			ret = n;
		else
			ret = copy_to_user(uindices, ids, n * sizeof(u64)) ? -EFAULT : 0;
		kvfree(ids);
	}
	kas_redirect_done();
	return ret;
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

/*
 * The registers the module keeps for @vcpu, made at its KVM_CREATE_VCPU
 * (vcpu.c); GET/SET_ONE_REG need an initialised vCPU, so they exist. The
 * VM, and so its state, lives while its vCPU ioctl runs.
 */
static struct kas_vcpu *kas_regs_of(struct kvm_vcpu *vcpu)
{
	struct kas_vm *v = kas_vm_lookup(vcpu->kvm);
	struct kas_vcpu *c = v ? kas_vcpu_of(v, vcpu) : NULL;

	if (!c)
		pr_warn_once("a vCPU at an older level has no state (created another way?)\n");
	return c;
}

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
 * Return: 1 with -ENOENT for a register the VM's level does not have, or
 * redirected for a 5.10 PMU register of a vCPU without a PMU; else 0.
 */
int kas_one_reg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	const struct kvm_one_reg *reg = (const struct kvm_one_reg *)regs->regs[1];
	u64 level = kas_older_level(vcpu->kvm);

	if (!level || kas_hook_passthrough(regs))
		return 0;
	if (kas_reg_hidden(level, KAS_HOST_LEVEL, kas_host_clidr(), reg->id))
		return kas_return(regs, -ENOENT);
	if (kas_reg_pmu510_applies(level, KAS_HOST_LEVEL) && !kas_compat_vcpu_has_pmu(vcpu) &&
	    kas_reg_pmu510_index(reg->id) >= 0)
		return kas_redirect(regs, p == &kas_hook_table[KAS_HOOK_GET_REG].kp ?
				    (void *)kas_pmu510_get : (void *)kas_pmu510_set);
	if (kas_reg_kept_612(level, KAS_HOST_LEVEL, reg->id) >= 0)
		return kas_redirect(regs, p == &kas_hook_table[KAS_HOOK_GET_REG].kp ?
				    (void *)kas_kept612_get : (void *)kas_kept612_set);
	return 0;
}

NOKPROBE_SYMBOL(kas_one_reg_pre);
