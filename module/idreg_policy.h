/* SPDX-License-Identifier: GPL-2.0 */
/*
 * idreg_policy.h - ID register values of a level, derived from the host's
 * sanitised registers the way that level's kernel derives them (pure,
 * unit-tested on the host).
 */
#ifndef KAS_IDREG_POLICY_H
#define KAS_IDREG_POLICY_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "levels.h"
#include "reg_policy.h"

/* Encodings as KVM_{GET,SET}_ONE_REG ids. */
#define KAS_ID_DFR0_EL1		KAS_SYSREG(3, 0, 0, 1, 2)
#define KAS_ID_MMFR4_EL1	KAS_SYSREG(3, 0, 0, 2, 6)
#define KAS_ID_AA64DFR0_EL1	KAS_SYSREG(3, 0, 0, 5, 0)
#define KAS_ID_AA64ISAR2_EL1	KAS_SYSREG(3, 0, 0, 6, 2)
#define KAS_ID_AA64MMFR1_EL1	KAS_SYSREG(3, 0, 0, 7, 1)
#define KAS_ID_AA64MMFR2_EL1	KAS_SYSREG(3, 0, 0, 7, 2)
#define KAS_ID_AA64MMFR3_EL1	KAS_SYSREG(3, 0, 0, 7, 3)

/* The registers whose value a level derives differently (in apply order). */
extern const u64 kas_idreg_managed[];
extern const unsigned int kas_nr_idreg_managed;

u64 kas_idreg_value(u64 level, u64 id, u64 cur, u64 host);
bool kas_idreg_needs_host(u64 id);
bool kas_idreg_exact(u64 id);
u64 kas_idreg_locked(u64 level, u64 host_level, u64 id);
bool kas_idreg_host_ccidx(u64 host_mmfr2);
bool kas_idreg_host_pmuv3(u64 host_aa64dfr0);
bool kas_idreg_host_aarch32_el0(u64 host_aa64pfr0);

#endif /* KAS_IDREG_POLICY_H */
