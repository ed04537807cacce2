/* SPDX-License-Identifier: GPL-2.0 */
/*
 * caps_policy.h - the VM capabilities and VM ioctls each level's kernel
 * has, as data and pure decisions (unit-tested on the host).
 */
#ifndef KAS_CAPS_POLICY_H
#define KAS_CAPS_POLICY_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "levels.h"

/* uapi numbers (linux/kvm.h), spelled out: older headers lack the newer. */
#define KAS_CAP_NR_MEMSLOTS		10
#define KAS_CAP_ARM_VM_IPA_SIZE		165
#define KAS_CAP_ARM_MTE			205
#define KAS_CAP_ARM_SYSTEM_SUSPEND	216
#define KAS_CAP_COUNTER_OFFSET		227
#define KAS_NR_MEMSLOTS_5_10		512
#define KAS_KVMIO			0xAE
/* KVM_ARM_VCPU_TIMER_IRQ_HVTIMER, _HPTIMER: the EL2 timers (6.12) */
#define KAS_TIMER_IRQ_HVTIMER		2
#define KAS_TIMER_IRQ_HPTIMER		3
#define KAS_IOC_NR_MTE_COPY_TAGS	0xb4
#define KAS_IOC_NR_SET_COUNTER_OFFSET	0xb5
#define KAS_IOC_NR_GET_REG_WRITABLE_MASKS 0xb6

/**
 * struct kas_since - a capability or VM ioctl not every fleet kernel has
 * @nr: capability number, or the ioctl's number within KVMIO
 * @since: the first fleet level whose kernel has it; a level above every
 *         fleet level for what only a newer host has
 * @name: for messages and documentation
 */
struct kas_since {
	unsigned int nr;
	u64 since;
	const char *name;
};

extern const struct kas_since kas_caps_since[];
extern const unsigned int kas_nr_caps_since;
extern const struct kas_since kas_vm_ioctls_since[];
extern const unsigned int kas_nr_vm_ioctls_since;

bool kas_caps_differ(u64 level, u64 host_level);
bool kas_cap_answer(u64 level, u64 host_level, long cap, u32 ipa_pre_lpa2, long *val);
bool kas_vm_ioctl_checked(unsigned int ioctl);
bool kas_vm_ioctl_absent(u64 level, u64 host_level, unsigned int ioctl);
bool kas_vm_attr_absent(u64 level, u64 host_level);
bool kas_timer_attr_absent(u64 level, u64 host_level, u64 attr);
int kas_timer_set_510(bool irqchip, bool fault, int irq, bool enabled);

#endif /* KAS_CAPS_POLICY_H */
