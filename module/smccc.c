// SPDX-License-Identifier: GPL-2.0
/*
 * smccc.c - hypercall behaviour that a level's kernel had and the running
 * kernel changed, beyond what the service bitmaps and PSCI version (set in
 * fwregs.c) already decide: PSCI's affinity argument check, and the SMC
 * conduit that 6.4+ services.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <asm/cputype.h>
#include <asm/kvm_emulate.h>

#include "compat/compat.h"
#include "fw_policy.h"
#include "kas.h"
#include "vm.h"

static const struct kas_fw_level *kas_smccc_of(struct kvm_vcpu *vcpu)
{
	u64 level = kas_vm_level(vcpu->kvm);

	return kas_fw_differs(level, KAS_HOST_LEVEL) ? kas_fw_level(level) : NULL;
}

NOKPROBE_SYMBOL(kas_smccc_of);

/**
 * kas_psci_call_pre() - pre-handler on kvm_psci_call() (6.x)
 * @p: the kprobe
 * @regs: (vcpu)
 *
 * 5.10 masks CPU_ON and AFFINITY_INFO targets to MPIDR_HWID_BITMASK where
 * 6.x answers INVALID_PARAMETERS: mask the guest's argument first. PSCI
 * returns only x0 and KVM zeroes x1..x3, so the guest cannot see this.
 *
 * Return: 0, the kernel's function always runs.
 */
int kas_psci_call_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	u32 fn = vcpu_get_reg(vcpu, 0);
	struct kas_vm *v;

	/* The guest's most frequent calls take no affinity: no VM lookup. */
	if (!kas_psci_affinity_fn(fn))
		return 0;
	v = kas_vm_lookup(vcpu->kvm);
	if (v && kas_psci_mask_affinity(READ_ONCE(v->level), KAS_HOST_LEVEL, fn))
		vcpu_set_reg(vcpu, 1, vcpu_get_reg(vcpu, 1) & MPIDR_HWID_BITMASK);
	return 0;
}

NOKPROBE_SYMBOL(kas_psci_call_pre);

/**
 * kas_handle_smc_pre() - pre-handler on handle_smc() (6.12)
 * @p: the kprobe
 * @regs: (vcpu)
 *
 * Before 6.4 a guest SMC was never serviced: x0 = ~0, PC past the SMC.
 *
 * Return: 1 with 1 ("resume the guest") at older levels, else 0.
 */
int kas_handle_smc_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];
	const struct kas_fw_level *fl = kas_smccc_of(vcpu);

	if (!fl || fl->smc_serviced)
		return 0;
	vcpu_set_reg(vcpu, 0, ~0UL);
	kas_compat_skip_insn(vcpu);
	return kas_return(regs, 1);
}

NOKPROBE_SYMBOL(kas_handle_smc_pre);
