// SPDX-License-Identifier: GPL-2.0
/*
 * idreg_policy.c - ID registers per level. A level's kernel starts from the
 * host's sanitised register (only the fields its cpufeature.c describes)
 * and applies its KVM limits (read_id_reg() in 5.10 and 6.1); matrix D.2.
 */
#include "idreg_policy.h"

#define L(maj, min)	KVM_ABI_SHIM_LEVEL(maj, min)
#define F(shift)	(0xfULL << (shift))
#define GET(v, shift)	(((v) >> (shift)) & 0xf)

/* ID_AA64DFR0_EL1 fields */
#define DFR0_DEBUGVER	0
#define DFR0_PMUVER	8
#define DFR0_PMSVER	32
/* Described by 5.10 and 6.1: DebugVer, PMUVer, BRPs, WRPs, CTX_CMPs, PMSVer, DoubleLock. */
#define DFR0_DESCRIBED	(F(0) | F(8) | F(12) | F(20) | F(28) | F(32) | F(36))
/* ID_DFR0_EL1.PerfMon */
#define PERFMON		24
/* ID_AA64MMFR1_EL1 fields described by 5.10 (...ETS, AFP) and 6.1 (+TIDCP1, ECBHB); no HCX. */
#define MMFR1_510	(GENMASK_ULL(39, 0) | F(44))
#define MMFR1_61	(MMFR1_510 | F(52) | F(60))
/* ID_AA64ISAR2_EL1: 5.10 describes CLRBHB and RPRES; 6.1 adds WFxT, GPA3, APA3, BC. */
#define ISAR2_510	(F(4) | F(28))
#define ISAR2_61	(ISAR2_510 | F(0) | F(8) | F(12) | F(20))
/* Fields 6.1 also hides per VM (ptrauth, WFxT): as the running kernel does. */
#define ISAR2_KVM	(F(0) | F(8) | F(12))
/* ID_AA64MMFR2_EL1.CCIDX and ID_MMFR4_EL1.CCIDX: 6.3+ mask them per VM. */
#define MMFR2_CCIDX	20
#define MMFR4_CCIDX	24

const u64 kas_idreg_managed[] = {
	KAS_ID_DFR0_EL1, KAS_ID_AA64DFR0_EL1, KAS_ID_AA64ISAR2_EL1,
	KAS_ID_AA64MMFR1_EL1, KAS_ID_AA64MMFR2_EL1, KAS_ID_AA64MMFR3_EL1, KAS_ID_MMFR4_EL1,
};

const unsigned int kas_nr_idreg_managed = ARRAY_SIZE(kas_idreg_managed);

/* @v with the 4-bit field at @shift set to @f. */
static u64 kas_put(u64 v, unsigned int shift, u64 f)
{
	return (v & ~F(shift)) | (f << shift);
}

/* cpuid_feature_cap_perfmon_field(): IMPLEMENTATION DEFINED counts as none. */
static u64 kas_cap_perfmon(u64 v, unsigned int shift, u64 cap)
{
	u64 f = GET(v, shift);

	if (f == 0xf)
		f = 0;
	return kas_put(v, shift, min(f, cap));
}

/**
 * kas_idreg_value() - an ID register as a level's kernel would present it
 * @level: the VM's level (5.10 or 6.1; anything else returns @cur)
 * @id: the register (KVM_{GET,SET}_ONE_REG id)
 * @cur: the running kernel's value for this VM
 * @host: the host's sanitised value (read_sanitised_ftr_reg()); only used
 *        where kas_idreg_needs_host()
 *
 * Whether the vCPU has a PMU is read from @cur: newer kernels show no
 * PMU version without one.
 *
 * Return: the level's value.
 */
u64 kas_idreg_value(u64 level, u64 id, u64 cur, u64 host)
{
	bool v510 = level == L(5, 10), v61 = level == L(6, 1);
	u64 v;

	if (!v510 && !v61)
		return cur;
	switch (id) {
	case KAS_ID_AA64DFR0_EL1:
		v = host & DFR0_DESCRIBED;
		if (v510)	/* PMUv3 for ARMv8.1, with or without a PMU */
			return kas_cap_perfmon(v, DFR0_PMUVER, 4);
		/* 6.1: debug v8.0, PMUv3 for ARMv8.4 if the vCPU has one, no SPE */
		v = kas_put(v, DFR0_DEBUGVER, 6);
		v = GET(cur, DFR0_PMUVER) ? kas_cap_perfmon(v, DFR0_PMUVER, 5) :
					    kas_put(v, DFR0_PMUVER, 0);
		return kas_put(v, DFR0_PMSVER, 0);
	case KAS_ID_DFR0_EL1:
		v = kas_put(cur, PERFMON, GET(host, PERFMON));
		if (v510)	/* v8.1, with or without a PMU */
			return kas_cap_perfmon(v, PERFMON, 4);
		if (!GET(cur, PERFMON))
			return kas_put(cur, PERFMON, 0);
		return kas_cap_perfmon(v, PERFMON, 5);
	case KAS_ID_AA64MMFR1_EL1:
		return host & (v510 ? MMFR1_510 : MMFR1_61);
	case KAS_ID_AA64MMFR2_EL1:	/* FEAT_CCIDX as the host has it */
		return kas_put(cur, MMFR2_CCIDX, GET(host, MMFR2_CCIDX));
	case KAS_ID_MMFR4_EL1:
		return kas_put(cur, MMFR4_CCIDX, GET(host, MMFR4_CCIDX));
	case KAS_ID_AA64MMFR3_EL1:
		return 0;	/* unallocated (RAZ) before 6.5 */
	case KAS_ID_AA64ISAR2_EL1:
		if (v510)
			return host & ISAR2_510;
		return (host & ISAR2_61 & ~ISAR2_KVM) | (cur & ISAR2_KVM);
	}
	return cur;
}

/**
 * kas_idreg_needs_host() - does a level's value of @id use the host's?
 * @id: a KVM_{GET,SET}_ONE_REG id
 *
 * Only those are read with read_sanitised_ftr_reg(), which warns for a
 * register the running kernel does not describe.
 *
 * Return: true for the registers kas_idreg_value() derives from the host.
 */
bool kas_idreg_needs_host(u64 id)
{
	return id == KAS_ID_AA64DFR0_EL1 || id == KAS_ID_DFR0_EL1 ||
	       id == KAS_ID_AA64MMFR1_EL1 || id == KAS_ID_AA64ISAR2_EL1 ||
	       id == KAS_ID_AA64MMFR2_EL1 || id == KAS_ID_MMFR4_EL1;
}

/**
 * kas_idreg_exact() - does a level before 6.3 accept only its own value?
 * @id: a KVM_SET_ONE_REG id
 *
 * 5.10 and 6.1 treat every ID register, CLIDR_EL1, CTR_EL0 and the CCSIDR
 * registers as invariant: a write must equal the value (else -EINVAL).
 *
 * Return: true for those registers.
 */
bool kas_idreg_exact(u64 id)
{
	if ((id & ~0xfULL) == KAS_DEMUX_CCSIDR(0))
		return true;
	if (id == KAS_SYSREG(3, 1, 0, 0, 1) || id == KAS_SYSREG(3, 3, 0, 0, 1))
		return true;	/* CLIDR_EL1, CTR_EL0 */
	/* Op0 3, Op1 0, CRn 0, CRm 1..7: the ID register space */
	return (id & ~0x3fULL) == KAS_SYSREG(3, 0, 0, 0, 0) && ((id >> 3) & 7) != 0;
}

/* ID fields 7.3 lets a VMM change and 6.12 refuses to (6.12 sys_regs.c). */
static const struct {
	u64 id, mask;
} kas_idreg_locked_612[] = {
	/* PFR0.RAS; PFR1.DF2, RAS_frac; PFR2.GCIE, MTEFAR, MTESTOREONLY */
	{ KAS_SYSREG(3, 0, 0, 4, 0), GENMASK_ULL(31, 28) },
	{ KAS_SYSREG(3, 0, 0, 4, 1), GENMASK_ULL(59, 56) | GENMASK_ULL(15, 12) },
	{ KAS_SYSREG(3, 0, 0, 4, 2), GENMASK_ULL(15, 4) },
	/* ISAR3: unallocated (RAZ) in 6.12 */
	{ KAS_SYSREG(3, 0, 0, 6, 3), ~0ULL },
	/* MMFR0.TGRAN{4,64,16}_2; MMFR1.HCX, TWED; MMFR3.SCTLRX; MMFR4.NV_frac */
	{ KAS_SYSREG(3, 0, 0, 7, 0), GENMASK_ULL(43, 32) },
	{ KAS_SYSREG(3, 0, 0, 7, 1), GENMASK_ULL(43, 40) | GENMASK_ULL(35, 32) },
	{ KAS_SYSREG(3, 0, 0, 7, 3), GENMASK_ULL(7, 4) },
	{ KAS_SYSREG(3, 0, 0, 7, 4), GENMASK_ULL(23, 20) },
	/* CTR_EL0.L1Ip */
	{ KAS_SYSREG(3, 3, 0, 0, 1), GENMASK_ULL(15, 14) },
};

/**
 * kas_idreg_locked() - the fields of @id a VM at @level may not change
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @id: a KVM_SET_ONE_REG id
 *
 * Level 6.12 on a 7.3 host: the fields 7.3 made writable. (Levels 5.10
 * and 6.1 accept no change at all: kas_idreg_exact().)
 *
 * Return: a mask; a write changing any of its bits gets -EINVAL.
 */
u64 kas_idreg_locked(u64 level, u64 host_level, u64 id)
{
	unsigned int i;

	if (level != KVM_ABI_SHIM_LEVEL(6, 12) || host_level < KVM_ABI_SHIM_LEVEL(7, 3))
		return 0;
	for (i = 0; i < ARRAY_SIZE(kas_idreg_locked_612); i++)
		if (kas_idreg_locked_612[i].id == id)
			return kas_idreg_locked_612[i].mask;
	return 0;
}

/**
 * kas_idreg_host_ccidx() - does the host have FEAT_CCIDX (64-bit CCSIDR)?
 * @host_mmfr2: the host's sanitised ID_AA64MMFR2_EL1
 *
 * 5.10 and 6.1 show it to guests, who then read 64-bit CCSIDR values from
 * the CPU; 6.12 hides it and answers trapped CCSIDR reads with 32 bits.
 *
 * Return: true if CCIDX is implemented.
 */
bool kas_idreg_host_ccidx(u64 host_mmfr2)
{
	return GET(host_mmfr2, MMFR2_CCIDX) != 0;
}

/**
 * kas_idreg_host_pmuv3() - does the host have PMUv3 (PMCR_EL0 readable)?
 * @host_aa64dfr0: the host's sanitised ID_AA64DFR0_EL1
 *
 * Return: true for PMUVer 1..14 (15 is IMPLEMENTATION DEFINED).
 */
bool kas_idreg_host_pmuv3(u64 host_aa64dfr0)
{
	u64 f = GET(host_aa64dfr0, DFR0_PMUVER);

	return f && f != 0xf;
}

/**
 * kas_idreg_host_aarch32_el0() - does every CPU run AArch32 at EL0?
 * @host_aa64pfr0: the host's sanitised ID_AA64PFR0_EL1
 *
 * Return: true if EL0 is AArch64 and AArch32 (2).
 */
bool kas_idreg_host_aarch32_el0(u64 host_aa64pfr0)
{
	return GET(host_aa64pfr0, 0) == 2;
}

/* This file is part of the module's one translation unit (unity.c). */
#undef L
#undef F
#undef GET
