// SPDX-License-Identifier: GPL-2.0
/*
 * reg_policy.c - registers per level: what KVM_GET_REG_LIST holds and what
 * KVM_{GET,SET}_ONE_REG know, at a level older than the running kernel.
 */
#include "reg_policy.h"

#define L(maj, min)	KVM_ABI_SHIM_LEVEL(maj, min)

/*
 * From the kernels' sources (matrix D.4): 5.18 emulates the OS lock
 * (OSLSR_EL1); 6.12 lists the physical timer (guest.c timer_reg_list),
 * TCR2_EL1, PIRE0_EL1 and PIR_EL1 unconditionally, and POR_EL0/POR_EL1
 * with FEAT_S1POE. 7.3 lists SCTLR2_EL1 (FEAT_SCTLR2) and, with a PMU,
 * PMMIR_EL1.
 */
const struct kas_reg_since kas_reg_since[] = {
	{ KAS_SYSREG(2, 0, 1, 1, 4), L(6, 1), "OSLSR_EL1" },
	{ KAS_SYSREG(3, 3, 14, 2, 1), L(6, 12), "CNTP_CTL_EL0 (KVM_REG_ARM_PTIMER_CTL)" },
	{ KAS_PTIMER_CNT, L(6, 12), "CNTPCT_EL0 (KVM_REG_ARM_PTIMER_CNT)" },
	{ KAS_SYSREG(3, 3, 14, 2, 2), L(6, 12), "CNTP_CVAL_EL0 (KVM_REG_ARM_PTIMER_CVAL)" },
	{ KAS_SYSREG(3, 0, 2, 0, 3), L(6, 12), "TCR2_EL1" },
	{ KAS_SYSREG(3, 0, 10, 2, 2), L(6, 12), "PIRE0_EL1" },
	{ KAS_SYSREG(3, 0, 10, 2, 3), L(6, 12), "PIR_EL1" },
	{ KAS_SYSREG(3, 0, 10, 2, 4), L(6, 12), "POR_EL1" },
	{ KAS_SYSREG(3, 3, 10, 2, 4), L(6, 12), "POR_EL0" },
	{ KAS_SYSREG(3, 0, 1, 0, 3), L(7, 3), "SCTLR2_EL1" },
	{ KAS_SYSREG(3, 0, 9, 14, 6), L(7, 3), "PMMIR_EL1" },
};

const unsigned int kas_nr_reg_since = ARRAY_SIZE(kas_reg_since);

/*
 * 5.10 lists the PMU registers of a vCPU without a PMU too (5.12 hid them:
 * pmu_visibility()): every PMU descriptor with storage, in table order.
 * The SET/CLR pairs share one register; reset values are reset_unknown()'s
 * pattern, reset_pmcr()'s, or 0 (PMUSERENR_EL0, PMCCFILTR_EL0).
 */
static const u64 kas_pmu510_fixed[] = {
	KAS_SYSREG(3, 0, 9, 14, 1),	/* PMINTENSET_EL1 */
	KAS_SYSREG(3, 0, 9, 14, 2),	/* PMINTENCLR_EL1 */
	KAS_PMCR_EL0,
	KAS_SYSREG(3, 3, 9, 12, 1),	/* PMCNTENSET_EL0 */
	KAS_SYSREG(3, 3, 9, 12, 2),	/* PMCNTENCLR_EL0 */
	KAS_SYSREG(3, 3, 9, 12, 3),	/* PMOVSCLR_EL0 */
	KAS_SYSREG(3, 3, 9, 12, 4),	/* PMSWINC_EL0 */
	KAS_SYSREG(3, 3, 9, 12, 5),	/* PMSELR_EL0 */
	KAS_SYSREG(3, 3, 9, 13, 0),	/* PMCCNTR_EL0 */
	KAS_SYSREG(3, 3, 9, 14, 0),	/* PMUSERENR_EL0 */
	KAS_SYSREG(3, 3, 9, 14, 3),	/* PMOVSSET_EL0 */
};

#define KAS_NR_PMU510_FIXED	ARRAY_SIZE(kas_pmu510_fixed)
#define KAS_PMU510_UNKNOWN	0x1de7ec7edbadc0deULL
/* PMCR_EL0: writable bits E, P, C, D, X, DP, LC, LP; the number of counters */
#define KAS_PMCR_MASK		0xffULL
#define KAS_PMCR_E		BIT_ULL(0)
#define KAS_PMCR_P		BIT_ULL(1)
#define KAS_PMCR_C		BIT_ULL(2)
#define KAS_PMCR_LC		BIT_ULL(6)
#define KAS_PMCR_N		GENMASK_ULL(15, 11)
/* What the kernel's counters follow: they stay the kernel's. */
#define KAS_PMCR_KERNEL		(KAS_PMCR_N | KAS_PMCR_E | KAS_PMCR_LC)

/**
 * kas_reg_pmu510_id() - the @i-th PMU register 5.10 lists without a PMU
 * @i: 0 .. KAS_NR_PMU510 - 1, in list (ascending) order
 *
 * Return: its id: the fixed ones, PMEVCNTR0..30_EL0, PMEVTYPER0..30_EL0,
 * PMCCFILTR_EL0.
 */
u64 kas_reg_pmu510_id(unsigned int i)
{
	if (i < KAS_NR_PMU510_FIXED)
		return kas_pmu510_fixed[i];
	i -= KAS_NR_PMU510_FIXED;
	if (i < 31)
		return KAS_SYSREG(3, 3, 14, 8 + i / 8, i % 8);
	i -= 31;
	if (i < 31)
		return KAS_SYSREG(3, 3, 14, 12 + i / 8, i % 8);
	return KAS_SYSREG(3, 3, 14, 15, 7);
}

/**
 * kas_reg_pmu510_index() - position of @id among kas_reg_pmu510_id()
 * @id: a register id
 *
 * Return: the index, or -1 if @id is not one of them.
 */
int kas_reg_pmu510_index(u64 id)
{
	unsigned int i, crn = (id >> 7) & 0xf, crm = (id >> 3) & 0xf, n;

	/* Every VMM register access asks: reject all but CRn 9 and 14 at once. */
	if ((id & ~0xffffULL) != KAS_SYSREG(0, 0, 0, 0, 0) || (crn != 9 && crn != 14))
		return -1;
	/* The event registers by their encoding (the timers share CRn 14). */
	if ((id & ~0x7fULL) == KAS_SYSREG(3, 3, 14, 0, 0) && crm >= 8) {
		n = (crm & 3) * 8 + (id & 7);
		if (n < 31)
			return KAS_NR_PMU510_FIXED + (crm >= 12 ? 31 : 0) + n;
		return crm == 15 ? KAS_NR_PMU510 - 1 : -1;
	}
	for (i = 0; i < KAS_NR_PMU510_FIXED; i++)
		if (kas_pmu510_fixed[i] == id)
			return i;
	return -1;
}

/**
 * kas_reg_pmu510_alias() - the register sharing storage with the @i-th
 * @i: an index of kas_reg_pmu510_id()
 *
 * Return: the partner's index (SET/CLR pairs), or -1.
 */
int kas_reg_pmu510_alias(unsigned int i)
{
	/* PMINTENSET/CLR, PMCNTENSET/CLR, PMOVSCLR/SET */
	static const s8 alias[KAS_NR_PMU510_FIXED] = { 1, 0, -1, 4, 3, 10, -1, -1, -1, -1, 5 };

	return i < KAS_NR_PMU510_FIXED ? alias[i] : -1;
}

/**
 * kas_reg_pmu510_reset() - 5.10's value of the @i-th register after reset
 * @i: an index of kas_reg_pmu510_id()
 * @host_pmcr: the host's PMCR_EL0 (0 without a PMU)
 * @aarch32_el0: whether the host runs 32-bit EL0
 *
 * Return: the value KVM_GET_ONE_REG gives on 5.10 before any write.
 */
u64 kas_reg_pmu510_reset(unsigned int i, u64 host_pmcr, bool aarch32_el0)
{
	u64 id = kas_reg_pmu510_id(i);

	if (id == KAS_PMCR_EL0)
		return kas_reg_pmcr_reset(host_pmcr, aarch32_el0);
	if (id == KAS_SYSREG(3, 3, 9, 14, 0) || id == KAS_SYSREG(3, 3, 14, 15, 7))
		return 0;
	return KAS_PMU510_UNKNOWN;
}

/**
 * kas_reg_pmcr_reset() - PMCR_EL0 after reset_pmcr() of 5.10 and 6.1
 * @host_pmcr: the host's PMCR_EL0 (0 without a PMU)
 * @aarch32_el0: whether the host runs 32-bit EL0
 *
 * Both keep the host's read-only fields (implementer, ID code, number of
 * counters) and give the writable byte a fixed UNKNOWN pattern with E
 * clear; without a host PMU they leave the register alone (0).
 *
 * Return: the value KVM_GET_ONE_REG gives on those kernels before any
 * write.
 */
u64 kas_reg_pmcr_reset(u64 host_pmcr, bool aarch32_el0)
{
	u64 v;

	if (!host_pmcr)
		return 0;
	v = ((host_pmcr & ~KAS_PMCR_MASK) | (KAS_PMCR_MASK & 0xdecafbad)) & ~KAS_PMCR_E;
	return aarch32_el0 ? v : v | KAS_PMCR_LC;
}

/**
 * kas_reg_pmcr_applies() - does the module keep PMCR_EL0 of a vCPU with a
 *                          PMU at @level?
 * @level: the VM's level (0 = native)
 * @host_level: the running kernel's level
 *
 * From 6.12 (reset_pmcr() keeps the number of counters only) the kernel
 * stores neither the implementer nor the ID code that 5.10 and 6.1 copy
 * from the host, nor their reset pattern.
 *
 * Return: true for levels 5.10 and 6.1 on 6.12 and newer.
 */
bool kas_reg_pmcr_applies(u64 level, u64 host_level)
{
	return level && level <= L(6, 1) && host_level >= L(6, 12);
}

/**
 * kas_reg_pmcr_view() - PMCR_EL0 as the level's kernel shows it to a VMM
 * @kernel: the running kernel's value
 * @kept: the level's register (kas_reg_pmcr_reset(), a SET or a write)
 *
 * The counters follow the kernel's enable bit, 64-bit cycle counter bit
 * and number of counters: those stay the kernel's, so what a VM reads is
 * what it gets.
 *
 * Return: the value KVM_GET_ONE_REG gives at the level.
 */
u64 kas_reg_pmcr_view(u64 kernel, u64 kept)
{
	return (kernel & KAS_PMCR_KERNEL) | (kept & ~KAS_PMCR_KERNEL);
}

/**
 * kas_reg_pmcr_guest_read() - PMCR_EL0 as a guest at the level reads it
 * @kernel: what the running kernel's emulation returned
 * @kept: the level's register
 *
 * Return: kas_reg_pmcr_view() with P and C reading as zero.
 */
u64 kas_reg_pmcr_guest_read(u64 kernel, u64 kept)
{
	return kas_reg_pmcr_view(kernel, kept) & ~(KAS_PMCR_P | KAS_PMCR_C);
}

/**
 * kas_reg_pmcr_guest_write() - the level's PMCR_EL0 after a guest's write
 * @level: L(5, 10) or L(6, 1)
 * @kept: the register before
 * @val: the value written
 * @aarch32_el0: whether the host runs 32-bit EL0 (else LC is RES1)
 *
 * Return: the register with the writable byte from @val; 6.1 stores
 * neither counter-reset bit (kvm_pmu_handle_pmcr()), 5.10 keeps both.
 */
u64 kas_reg_pmcr_guest_write(u64 level, u64 kept, u64 val, bool aarch32_el0)
{
	kept = (kept & ~KAS_PMCR_MASK) | (val & KAS_PMCR_MASK);
	if (!aarch32_el0)
		kept |= KAS_PMCR_LC;
	if (level != L(5, 10))
		kept &= ~(KAS_PMCR_P | KAS_PMCR_C);
	return kept;
}

/**
 * kas_reg_pmu510_applies() - does a VM at @level list 5.10's PMU registers
 *                            without a PMU, where the kernel does not?
 * @level: the VM's level (0 = native)
 * @host_level: the running kernel's level
 *
 * Return: true for level 5.10 on 6.x.
 */
bool kas_reg_pmu510_applies(u64 level, u64 host_level)
{
	return level == L(5, 10) && host_level > L(5, 10);
}

/**
 * kas_reg_add_sorted() - put a system register into a list in table order
 * @ids: the list, with room for one more
 * @n: its length
 * @id: a system register id
 *
 * Kernels list system registers in encoding order, after a few invariant
 * ones listed first: @id goes after the last smaller system register.
 *
 * Return: the new length.
 */
unsigned int kas_reg_add_sorted(u64 *ids, unsigned int n, u64 id)
{
	const u64 class = 0xffffffffffff0000ULL;
	unsigned int i, pos = n;

	for (i = n; i > 0; i--) {
		if ((ids[i - 1] & class) == (id & class) && ids[i - 1] < id) {
			pos = i;
			break;
		}
	}
	for (i = n; i > pos; i--)
		ids[i] = ids[i - 1];
	ids[pos] = id;
	return n + 1;
}

/**
 * kas_reg_valid_cache() - does CLIDR describe the cache CSSELR selects?
 * @clidr: the host's CLIDR_EL1
 * @csselr: CSSELR_EL1 value (level << 1 | InD)
 *
 * As 5.10 and 6.1 decide which CCSIDR demux registers exist (is_valid_cache):
 * they read CLIDR only up to its first level without a cache (their
 * cache_levels, cut there at boot, as the architecture says to read it).
 *
 * Return: true if that cache exists.
 */
bool kas_reg_valid_cache(u64 clidr, unsigned int csselr)
{
	unsigned int ctype, i;

	if (csselr >= KAS_CSSELR_MAX)
		return false;
	for (i = 0; i < csselr >> 1; i++)
		if (!((clidr >> (i * 3)) & 7))
			return false;
	ctype = (clidr >> ((csselr >> 1) * 3)) & 7;
	switch (ctype) {
	case 1:			/* instruction only */
		return csselr & 1;
	case 2:			/* data only */
	case 4:			/* unified */
		return !(csselr & 1);
	case 3:			/* separate I and D */
		return true;
	default:		/* none, or reserved */
		return false;
	}
}

/**
 * kas_reg_level_filters() - may a VM at @level see fewer registers here?
 * @level: the VM's level (0 = native)
 * @host_level: the running kernel's level
 *
 * Return: true if the level is older than the running kernel.
 */
bool kas_reg_level_filters(u64 level, u64 host_level)
{
	return level != KVM_ABI_SHIM_LEVEL_NATIVE && level < host_level;
}

/**
 * kas_reg_hidden() - is register @id absent at @level on this host?
 * @level: the VM's level (0 = native)
 * @host_level: the running kernel's level
 * @clidr: the host's CLIDR_EL1
 * @id: a KVM_{GET,SET}_ONE_REG / KVM_GET_REG_LIST id
 *
 * Levels before 6.12 list one CCSIDR per cache the host's CLIDR describes
 * (6.12 lists all 14).
 *
 * Return: true if the level's kernel has no such register.
 */
bool kas_reg_hidden(u64 level, u64 host_level, u64 clidr, u64 id)
{
	unsigned int i;

	if (!kas_reg_level_filters(level, host_level))
		return false;
	if ((id & ~0xfULL) == KAS_DEMUX_CCSIDR(0))
		return level < L(6, 12) && host_level >= L(6, 12) &&
		       !kas_reg_valid_cache(clidr, id & 0xf);
	for (i = 0; i < kas_nr_reg_since; i++)
		if (kas_reg_since[i].id == id)
			return level < kas_reg_since[i].since &&
			       host_level >= kas_reg_since[i].since;
	return false;
}

/**
 * kas_reg_set_passes() - does KVM_SET_ONE_REG of hidden register @id reach
 *                        the kernel anyway?
 * @host_level: the running kernel's level
 * @id: a register kas_reg_hidden() hides at the VM's level
 *
 * The physical counter (KVM_REG_ARM_PTIMER_CNT) belongs to the counter
 * offset interface, which a host from 6.4 on offers whatever the VM's level
 * (KVM_CAP_COUNTER_OFFSET on /dev/kvm, which knows no VM). A VMM that sees
 * the capability sets the register (Firecracker resets it to 0 at boot and
 * fails if it cannot), so the write goes through; the register stays out of
 * the level's list and its reads.
 *
 * Return: true if the kernel takes the write.
 */
bool kas_reg_set_passes(u64 host_level, u64 id)
{
	return id == KAS_PTIMER_CNT && host_level >= L(6, 12);
}

#define KAS_CLIDR_EL1	KAS_SYSREG(3, 1, 0, 0, 1)
#define KAS_AIDR_EL1	KAS_SYSREG(3, 1, 0, 0, 7)
#define KAS_CTR_EL0	KAS_SYSREG(3, 3, 0, 0, 1)

/* Remove @id from @ids[0..n); return the new length. */
static unsigned int kas_reg_remove(u64 *ids, unsigned int n, u64 id)
{
	unsigned int i, m = 0;

	for (i = 0; i < n; i++)
		if (ids[i] != id)
			ids[m++] = ids[i];
	return m;
}

/* Insert @id at @pos of @ids[0..n); return the new length. */
static unsigned int kas_reg_insert(u64 *ids, unsigned int n, unsigned int pos, u64 id)
{
	unsigned int i;

	for (i = n; i > pos; i--)
		ids[i] = ids[i - 1];
	ids[pos] = id;
	return n + 1;
}

/*
 * Before 6.3, CLIDR_EL1 and CTR_EL0 were invariant registers, listed
 * first: MIDR, REVIDR, CLIDR, AIDR, CTR, then the table. 6.12 lists only
 * MIDR, REVIDR, AIDR first and the two within the table.
 */
static unsigned int kas_reg_order_invariant(u64 *ids, unsigned int n)
{
	unsigned int i, aidr = n, clidr = 0, ctr = 0;

	for (i = 0; i < n; i++) {
		clidr += ids[i] == KAS_CLIDR_EL1;
		ctr += ids[i] == KAS_CTR_EL0;
		if (ids[i] == KAS_AIDR_EL1 && aidr == n)
			aidr = i;
	}
	if (aidr == n || clidr != 1 || ctr != 1)
		return n;	/* not the list this expects: leave it */
	n = kas_reg_remove(ids, n, KAS_CLIDR_EL1);
	n = kas_reg_remove(ids, n, KAS_CTR_EL0);
	for (i = 0; ids[i] != KAS_AIDR_EL1; i++)
		;
	n = kas_reg_insert(ids, n, i, KAS_CLIDR_EL1);
	return kas_reg_insert(ids, n, i + 2, KAS_CTR_EL0);
}

/*
 * Up to 6.12 the list is: core, SVE, firmware, a timer block, the invariant
 * MIDR, REVIDR, AIDR, then the system register table. 7.3 lists the timer
 * registers and the three invariant ones within the table, in encoding
 * order (the timer ids as KVM_REG_ARM_TIMER_*).
 */
static const u64 kas_reg_block_612[] = {
	KAS_SYSREG(3, 3, 14, 3, 1),	/* KVM_REG_ARM_TIMER_CTL */
	KAS_SYSREG(3, 3, 14, 3, 2),	/* KVM_REG_ARM_TIMER_CNT */
	KAS_SYSREG(3, 3, 14, 0, 2),	/* KVM_REG_ARM_TIMER_CVAL */
	KAS_SYSREG(3, 3, 14, 2, 1),	/* KVM_REG_ARM_PTIMER_CTL */
	KAS_SYSREG(3, 3, 14, 0, 1),	/* KVM_REG_ARM_PTIMER_CNT */
	KAS_SYSREG(3, 3, 14, 2, 2),	/* KVM_REG_ARM_PTIMER_CVAL */
	KAS_SYSREG(3, 0, 0, 0, 0),	/* MIDR_EL1 */
	KAS_SYSREG(3, 0, 0, 0, 6),	/* REVIDR_EL1 */
	KAS_AIDR_EL1,
};

static unsigned int kas_reg_order_612(u64 *ids, unsigned int n)
{
	u64 moved[ARRAY_SIZE(kas_reg_block_612)];
	unsigned int i, j, k = 0, pos = 0;

	for (j = 0; j < ARRAY_SIZE(kas_reg_block_612); j++) {
		for (i = 0; i < n && ids[i] != kas_reg_block_612[j]; i++)
			;
		if (i < n) {
			moved[k++] = ids[i];
			n = kas_reg_remove(ids, n, ids[i]);
		}
	}
	/* After the last core, SVE or firmware register. */
	for (i = 0; i < n; i++)
		if (KAS_REG_CLASS(ids[i]) != KAS_REG_CLASS(KAS_SYSREG(0, 0, 0, 0, 0)) &&
		    (ids[i] & ~0xfULL) != KAS_DEMUX_CCSIDR(0))
			pos = i + 1;
	for (j = 0; j < k; j++)
		n = kas_reg_insert(ids, n, pos + j, moved[j]);
	return n;
}

/**
 * kas_reg_kept_612() - is @id a register level 6.12 lists that this host
 *                      may not?
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @id: a register id
 *
 * 7.3 lists TCR2_EL1, PIRE0_EL1 and PIR_EL1 only if the VM's
 * ID_AA64MMFR3_EL1 has TCRX or S1PIE; 6.12 always does, storing what a
 * VMM writes. The module keeps them where the kernel does not.
 *
 * Return: its index in kas_reg_kept_612_ids[], or -1.
 */
int kas_reg_kept_612(u64 level, u64 host_level, u64 id)
{
	unsigned int i;

	if (level != L(6, 12) || host_level < L(7, 3))
		return -1;
	for (i = 0; i < KAS_NR_KEPT_612; i++)
		if (kas_reg_kept_612_ids[i] == id)
			return i;
	return -1;
}

/* TCR2_EL1 resets to 0; PIRE0_EL1, PIR_EL1 to reset_unknown()'s pattern. */
const u64 kas_reg_kept_612_ids[KAS_NR_KEPT_612] = {
	KAS_SYSREG(3, 0, 2, 0, 3), KAS_SYSREG(3, 0, 10, 2, 2), KAS_SYSREG(3, 0, 10, 2, 3),
};

const u64 kas_reg_kept_612_reset[KAS_NR_KEPT_612] = {
	0, KAS_PMU510_UNKNOWN, KAS_PMU510_UNKNOWN,
};

/**
 * kas_reg_filter() - drop the registers @level lacks from a list, in place
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @clidr: the host's CLIDR_EL1
 * @ids: the running kernel's list
 * @n: its length
 *
 * The list keeps the order of the level's kernel (VMMs may compare lists).
 * @ids has room for KAS_NR_KEPT_612 more: level 6.12's kept registers are
 * added where the host lacks them.
 *
 * Return: the new length.
 */
unsigned int kas_reg_filter(u64 level, u64 host_level, u64 clidr, u64 *ids,
			    unsigned int n)
{
	unsigned int i, m = 0;

	for (i = 0; i < n; i++)
		if (!kas_reg_hidden(level, host_level, clidr, ids[i]))
			ids[m++] = ids[i];
	if (kas_reg_level_filters(level, host_level) && host_level >= L(7, 3))
		m = kas_reg_order_612(ids, m);
	if (kas_reg_level_filters(level, host_level) && level < L(6, 12) &&
	    host_level >= L(6, 12))
		m = kas_reg_order_invariant(ids, m);
	for (i = 0; i < KAS_NR_KEPT_612; i++) {
		u64 id = kas_reg_kept_612_ids[i];
		unsigned int j;

		if (kas_reg_kept_612(level, host_level, id) < 0)
			break;
		for (j = 0; j < m && ids[j] != id; j++)
			;
		if (j == m)
			m = kas_reg_add_sorted(ids, m, id);
	}
	return m;
}

/* This file is part of the module's one translation unit (unity.c). */
#undef L
