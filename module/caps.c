// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - a VM at an older level has that level's capabilities: what
 * KVM_CHECK_EXTENSION and KVM_ENABLE_CAP on the VM say (caps_policy.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>

#include "caps_policy.h"
#include "compat/compat.h"
#include "kas.h"
#include "vm.h"

/* 5.10's and 6.1's IPA size limit on this host, where it is not ours. */
static u32 kas_ipa_pre_lpa2;

/**
 * kas_caps_init() - record what the older kernels' answers depend on
 */
void kas_caps_init(void)
{
	kas_ipa_pre_lpa2 = kas_compat_ipa_limit_pre_lpa2();
}

/**
 * kas_check_ext_pre() - pre-handler on kvm_vm_ioctl_check_extension_generic()
 * @p: the kprobe
 * @regs: (kvm, cap); kvm is NULL for /dev/kvm, which knows no VM
 *
 * The generic function answers first and asks the architecture's for the
 * rest, so both kinds of capability are seen here.
 *
 * Return: 1 with the level's answer, else 0 (the kernel answers).
 */
int kas_check_ext_pre(struct kprobe *p, struct pt_regs *regs)
{
	long val;

	if (!kas_cap_answer(kas_vm_level((struct kvm *)regs->regs[0]), KAS_HOST_LEVEL,
			    (long)regs->regs[1], kas_ipa_pre_lpa2, &val))
		return 0;
	return kas_return(regs, val);
}

NOKPROBE_SYMBOL(kas_check_ext_pre);

/**
 * kas_enable_cap_pre() - pre-handler on kvm_vm_ioctl_enable_cap()
 * @p: the kprobe
 * @regs: (kvm, cap), the capability copied in from the VMM
 *
 * Return: 1 with -EINVAL, as the level's kernel refuses a capability it
 * does not have, else 0.
 */
int kas_enable_cap_pre(struct kprobe *p, struct pt_regs *regs)
{
	const struct kvm_enable_cap *cap = (const struct kvm_enable_cap *)regs->regs[1];
	long val;

	if (!kas_cap_answer(kas_vm_level((struct kvm *)regs->regs[0]), KAS_HOST_LEVEL,
			    cap->cap, kas_ipa_pre_lpa2, &val) || val)
		return 0;
	return kas_return(regs, -EINVAL);
}

NOKPROBE_SYMBOL(kas_enable_cap_pre);
