// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - what the module keeps per vCPU of a VM at an older level,
 * allocated at KVM_CREATE_VCPU before the kernel allocates the vCPU: a VM
 * gets its whole level or KVM_CREATE_VCPU fails with -ENOMEM, as it may on
 * a stock kernel, and no vCPU exists; never a mix. Everything that later
 * needs the state (vCPU reset, GET/SET_ONE_REG) finds it without
 * allocating. The state is keyed by vCPU id, which is what KVM_CREATE_VCPU
 * names (a vCPU's index is not known yet).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "compat/compat.h"
#include "kas.h"
#include "reg_policy.h"
#include "vm.h"

typedef int (*kas_vcpu_precreate_fn)(struct kvm *, unsigned int);

/* 5.10's reset values of its PMU registers on this host. */
static void kas_pmu510_reset_values(u64 *reset)
{
	unsigned int i;

	for (i = 0; i < KAS_NR_PMU510; i++)
		reset[i] = kas_reg_pmu510_reset(i, kas_host_pmcr_el0(), kas_host_aarch32_el0());
}

/**
 * kas_vcpu_of() - the module's state for @vcpu
 * @v: its VM's state
 * @vcpu: a vCPU of that VM
 *
 * Return: the state, or NULL for a vCPU the module did not see created.
 */
struct kas_vcpu *kas_vcpu_of(struct kas_vm *v, struct kvm_vcpu *vcpu)
{
	return xa_load(&v->vcpus, vcpu->vcpu_id);
}

/**
 * kas_vcpu_reset() - reset the registers the module keeps for a vCPU
 * @c: its state
 *
 * As the level's kernel resets its own copies in kvm_reset_sys_regs().
 * The kept register list goes too: a reset is where the kernel takes a
 * vCPU's features. Caller holds the vCPU's mutex, or runs the vCPU, in
 * process context; nothing is allocated.
 */
void kas_vcpu_reset(struct kas_vcpu *c)
{
	kas_pmu510_reset_values(c->pmu510);
	c->pmcr = kas_reg_pmcr_reset(kas_host_pmcr_el0(), kas_host_aarch32_el0());
	memcpy(c->kept612, kas_reg_kept_612_reset, sizeof(c->kept612));
	kvfree(c->regs);
	c->regs = NULL;
}

/**
 * kas_vcpu_free() - free a vCPU's state
 * @c: state from kas_vcpu_prepare(), or NULL
 */
void kas_vcpu_free(struct kas_vcpu *c)
{
	if (c) {
		kfree(c->ccsidr);
		kvfree(c->list);
		kvfree(c->regs);
	}
	kfree(c);
}

/*
 * Make the state of vCPU @id, with everything its level needs. A failed
 * or duplicate KVM_CREATE_VCPU leaves it for the next vCPU with that id.
 */
static int kas_vcpu_prepare(struct kas_vm *v, unsigned int id, u64 level)
{
	struct kas_vcpu *c;
	int ret;

	if (xa_load(&v->vcpus, id))
		return 0;
	if (kas_test_fail_alloc())
		return -ENOMEM;
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	ret = kas_idregs_prepare(level, &c->ccsidr);
	if (!ret) {
		kas_vcpu_reset(c);
		ret = xa_insert_bh(&v->vcpus, id, c, GFP_KERNEL_ACCOUNT);
	}
	if (ret)
		kas_vcpu_free(c);
	/* Created meanwhile for the same id (a racing KVM_CREATE_VCPU). */
	return ret == -EBUSY ? 0 : ret;
}

/*
 * Redirect target of kvm_arch_vcpu_precreate(): the VM's level is final
 * (the first KVM_CREATE_VCPU fixes it, under kvm->lock).
 */
static int kas_vcpu_precreate(struct kvm *kvm, unsigned int id)
{
	kas_vcpu_precreate_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_VCPU_PRECREATE]);
	struct kas_vm *v;
	u64 level;
	int ret;

	ret = orig(kvm, id);
	/* The VM cannot go away under its own ioctl. */
	rcu_read_lock();
	v = kas_vm_lookup(kvm);
	level = v ? kas_older_level(kvm) : 0;
	rcu_read_unlock();
	if (!ret && level)
		ret = kas_vcpu_prepare(v, id, level);
	kas_redirect_done();
	return ret;
}

/**
 * kas_vcpu_precreate_pre() - pre-handler on kvm_arch_vcpu_precreate()
 * @p: the kprobe
 * @regs: (kvm, id)
 *
 * Return: 1 when redirected (VM at an older level), else 0.
 */
int kas_vcpu_precreate_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_older_level((struct kvm *)regs->regs[0]) || kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_vcpu_precreate);
}

NOKPROBE_SYMBOL(kas_vcpu_precreate_pre);
