/* SPDX-License-Identifier: GPL-2.0 */
/*
 * reg_policy.h - which vCPU registers a level's kernel lists in
 * KVM_GET_REG_LIST, as data and pure decisions (unit-tested on the host).
 */
#ifndef KAS_REG_POLICY_H
#define KAS_REG_POLICY_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "levels.h"

/* uapi register ids (arm64 asm/kvm.h), spelled out for the host tests. */
#define KAS_SYSREG(op0, op1, crn, crm, op2)				\
	(0x6030000000130000ULL | ((u64)(op0) << 14) | ((u64)(op1) << 11) | \
	 ((u64)(crn) << 7) | ((u64)(crm) << 3) | (u64)(op2))
#define KAS_DEMUX_CCSIDR(i)	(0x6020000000110000ULL | (i))
#define KAS_REG_CLASS(id)	((id) & 0xffffffffffff0000ULL)
#define KAS_COPROC_DEMUX	0x11
#define KAS_COPROC_SYSREG	0x13

/**
 * kas_reg_level_may_act() - may a level change KVM_{GET,SET}_ONE_REG of @id?
 * @id: a register id
 *
 * Every register a level hides, keeps or stores itself is a system
 * register or a CCSIDR (demux); the core and SVE registers are the
 * kernel's at every level, and the firmware registers the firmware
 * policy's (kas_fw_reg_level_may_deny()), so their accesses skip this
 * policy's look at the VM.
 *
 * Return: true if @id is a system register or a demux register.
 */
static inline bool kas_reg_level_may_act(u64 id)
{
	return KAS_REG_COPROC(id) == KAS_COPROC_SYSREG ||
	       KAS_REG_COPROC(id) == KAS_COPROC_DEMUX;
}

#define KAS_CSSELR_MAX		14

/**
 * struct kas_reg_since - a register the fleet's older kernels do not list
 * @id: its KVM_GET_REG_LIST id
 * @since: the first fleet level whose kernel lists it
 * @name: for messages and documentation
 */
struct kas_reg_since {
	u64 id;
	u64 since;
	const char *name;
};

extern const struct kas_reg_since kas_reg_since[];
extern const unsigned int kas_nr_reg_since;

/* 5.10's PMU registers of a vCPU without a PMU (see reg_policy.c). */
#define KAS_NR_PMU510		74
#define KAS_PMCR_EL0		KAS_SYSREG(3, 3, 9, 12, 0)
/* CNTPCT_EL0: KVM_REG_ARM_PTIMER_CNT, the physical counter. */
#define KAS_PTIMER_CNT		KAS_SYSREG(3, 3, 14, 0, 1)

/* Level 6.12's TCR2_EL1, PIRE0_EL1, PIR_EL1 where the host hides them. */
#define KAS_NR_KEPT_612		3
extern const u64 kas_reg_kept_612_ids[KAS_NR_KEPT_612];
extern const u64 kas_reg_kept_612_reset[KAS_NR_KEPT_612];
int kas_reg_kept_612(u64 level, u64 host_level, u64 id);

u64 kas_reg_pmu510_id(unsigned int i);
int kas_reg_pmu510_index(u64 id);
int kas_reg_pmu510_alias(unsigned int i);
u64 kas_reg_pmu510_reset(unsigned int i, u64 host_pmcr, bool aarch32_el0);
bool kas_reg_pmu510_applies(u64 level, u64 host_level);
u64 kas_reg_pmcr_reset(u64 host_pmcr, bool aarch32_el0);
bool kas_reg_pmcr_applies(u64 level, u64 host_level);
u64 kas_reg_pmcr_view(u64 kernel, u64 kept);
u64 kas_reg_pmcr_guest_read(u64 kernel, u64 kept);
u64 kas_reg_pmcr_guest_write(u64 level, u64 kept, u64 val, bool aarch32_el0);
unsigned int kas_reg_add_sorted(u64 *ids, unsigned int n, u64 id);

bool kas_reg_valid_cache(u64 clidr, unsigned int csselr);
bool kas_reg_hidden(u64 level, u64 host_level, u64 clidr, u64 id);
bool kas_reg_set_passes(u64 host_level, u64 id);
bool kas_reg_level_filters(u64 level, u64 host_level);
unsigned int kas_reg_filter(u64 level, u64 host_level, u64 clidr, u64 *ids,
			    unsigned int n);

#endif /* KAS_REG_POLICY_H */
