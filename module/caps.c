// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - a VM at an older level has that level's capabilities: what
 * KVM_CHECK_EXTENSION and KVM_ENABLE_CAP on the VM say (caps_policy.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/uaccess.h>

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

static bool kas_timer_absent(struct pt_regs *regs)
{
	const struct kvm_vcpu *vcpu = (const struct kvm_vcpu *)regs->regs[0];
	const struct kvm_device_attr *attr = (const struct kvm_device_attr *)regs->regs[1];

	return kas_timer_attr_absent(kas_vm_level(vcpu->kvm), KAS_HOST_LEVEL, attr->attr);
}

NOKPROBE_SYMBOL(kas_timer_absent);

/**
 * kas_timer_attr_pre() - pre-handler on kvm_arm_timer_{has,get}_attr()
 * @p: the kprobe
 * @regs: (vcpu, attr), the attribute copied in from the VMM
 *
 * Return: 1 with -ENXIO for an EL2 timer at a level without them, else 0.
 */
int kas_timer_attr_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_timer_absent(regs) || kas_hook_passthrough(regs))
		return 0;
	return kas_return(regs, -ENXIO);
}

NOKPROBE_SYMBOL(kas_timer_attr_pre);

/*
 * KVM_SET_DEVICE_ATTR of an EL2 timer's interrupt at 5.10 or 6.1: their
 * errno, in their order. Process context: it reads the VMM's argument.
 */
static int kas_timer_set(struct kvm_vcpu *vcpu, struct kvm_device_attr *attr)
{
	int __user *uaddr = (int __user *)(long)attr->addr;
	int irq = 0, ret;
	bool fault;

	fault = irqchip_in_kernel(vcpu->kvm) && get_user(irq, uaddr);
	ret = kas_timer_set_510(irqchip_in_kernel(vcpu->kvm), fault, irq,
				READ_ONCE(vcpu->arch.timer_cpu.enabled));
	kas_redirect_done();
	return ret;
}

/**
 * kas_timer_set_attr_pre() - pre-handler on kvm_arm_timer_set_attr()
 * @p: the kprobe
 * @regs: (vcpu, attr)
 *
 * Return: 1 when redirected (an EL2 timer at a level without them), else 0.
 */
int kas_timer_set_attr_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (!kas_timer_absent(regs) || kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_timer_set);
}

NOKPROBE_SYMBOL(kas_timer_set_attr_pre);
