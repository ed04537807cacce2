/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_policy.h - firmware pseudo-registers and hypercall services per level,
 * as data and pure decisions (unit-tested on the host).
 */
#ifndef KAS_FW_POLICY_H
#define KAS_FW_POLICY_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "levels.h"

/* uapi register ids (arm64 asm/kvm.h), spelled out for the host tests. */
#define KAS_FW_REG(i)		(0x6030000000140000ULL | (i))
#define KAS_FW_BMAP_REG(i)	(0x6030000000160000ULL | (i))
#define KAS_COPROC_FW_BMAP	0x16
#define KAS_PSCI_1_0		0x10000
#define KAS_PSCI_1_1		0x10001
#define KAS_PSCI_1_3		0x10003
#define KAS_PSCI_CPU_ON		0x84000003
#define KAS_PSCI_CPU_ON64	0xc4000003
#define KAS_PSCI_AFFINITY_INFO	0x84000004
#define KAS_PSCI_AFFINITY_INFO64 0xc4000004

/**
 * struct kas_fw_level - what a level's kernel offers, where it differs
 * @level: the level
 * @nr_regs: firmware registers KVM_GET_REG_LIST lists (coprocs 0x14, 0x16)
 * @regs: their ids, in list order
 * @psci_max: highest PSCI version, also the default
 * @std_bmap: services behind the standard bitmap (TRNG)
 * @std_hyp_bmap: standard hypervisor services (PV time)
 * @vendor_hyp_bmap: KVM vendor services (UID/FEATURES, PTP)
 * @smc_serviced: guest SMCs with immediate 0 are handled like HVCs
 * @psci_mask_affinity: CPU_ON/AFFINITY_INFO mask the target affinity
 *                      instead of refusing bits outside MPIDR_HWID_BITMASK
 */
struct kas_fw_level {
	u64 level;
	unsigned int nr_regs;
	u64 regs[8];
	u64 psci_max;
	unsigned long std_bmap, std_hyp_bmap, vendor_hyp_bmap;
	bool smc_serviced;
	bool psci_mask_affinity;
};

const struct kas_fw_level *kas_fw_level(u64 level);
int kas_fw_reg_access(u64 level, u64 host_level, u64 id);
int kas_fw_psci_set(u64 level, u64 host_level, u64 val);
bool kas_fw_differs(u64 level, u64 host_level);
bool kas_fw_hooked(u64 level, u64 host_level, u64 need);
bool kas_psci_mask_affinity(u64 level, u64 host_level, u32 fn);

/**
 * kas_fw_reg_level_may_deny() - may a level refuse firmware register @id?
 * @id: a KVM_{GET,SET}_ONE_REG id
 *
 * Only service bitmap registers are missing at some level; the others
 * (PSCI version, the workarounds) exist at every level, and the kernel
 * decides their accesses: those pass without a look at the VM's level.
 *
 * Return: true for a bitmap register (coproc 0x16).
 */
static inline bool kas_fw_reg_level_may_deny(u64 id)
{
	return KAS_REG_COPROC(id) == KAS_COPROC_FW_BMAP;
}

/**
 * kas_fw_set_level_may_act() - may a level act on a write of register @id?
 * @id: a KVM_SET_ONE_REG id
 *
 * A level refuses bitmap registers it lacks and decides PSCI_VERSION
 * writes (kas_fw_psci_set()); every other write is the kernel's.
 *
 * Return: true for a bitmap register or PSCI_VERSION.
 */
static inline bool kas_fw_set_level_may_act(u64 id)
{
	return kas_fw_reg_level_may_deny(id) || id == KAS_FW_REG(0);
}

/**
 * kas_psci_affinity_fn() - does PSCI function @fn take a target affinity?
 * @fn: the PSCI function id in x0
 *
 * Only these calls can need a level's masking: every other call (PSCI_VERSION
 * the most frequent) passes without a look at the VM's level.
 *
 * Return: true for CPU_ON and AFFINITY_INFO, 32- and 64-bit.
 */
static inline bool kas_psci_affinity_fn(u32 fn)
{
	return fn == KAS_PSCI_CPU_ON || fn == KAS_PSCI_CPU_ON64 ||
	       fn == KAS_PSCI_AFFINITY_INFO || fn == KAS_PSCI_AFFINITY_INFO64;
}

#endif /* KAS_FW_POLICY_H */
