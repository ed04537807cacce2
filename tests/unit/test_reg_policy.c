// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/reg_policy.c: which vCPU registers a level's
 * kernel lists (issue #7, register-list part).
 */
#include "../lib/tap.h"
#include "reg_policy.h"

#define L(a, b) KVM_ABI_SHIM_LEVEL(a, b)
#define OSLSR	KAS_SYSREG(2, 0, 1, 1, 4)
#define PCTL	KAS_SYSREG(3, 3, 14, 2, 1)
#define TCR2	KAS_SYSREG(3, 0, 2, 0, 3)
#define MIDR	KAS_SYSREG(3, 0, 0, 0, 0)
#define REVIDR	KAS_SYSREG(3, 0, 0, 0, 6)
#define CLIDR	KAS_SYSREG(3, 1, 0, 0, 1)
#define AIDR	KAS_SYSREG(3, 1, 0, 0, 7)
#define CTR	KAS_SYSREG(3, 3, 0, 0, 1)
#define CSSELR	KAS_SYSREG(3, 2, 0, 0, 0)
/* QEMU -cpu max: L1 separate I/D (3), L2 unified (4). */
#define QCLIDR	0x2000023ULL

int main(void)
{
	/* 6.12's order: invariant MIDR, REVIDR, AIDR; CLIDR, CTR in the table. */
	u64 list[] = { MIDR, REVIDR, AIDR, OSLSR, CLIDR, CSSELR, CTR, PCTL, TCR2,
		       KAS_DEMUX_CCSIDR(0), KAS_DEMUX_CCSIDR(1), KAS_DEMUX_CCSIDR(2),
		       KAS_DEMUX_CCSIDR(3), KAS_DEMUX_CCSIDR(13) };
	const u64 want61[] = { MIDR, REVIDR, CLIDR, AIDR, CTR, OSLSR, CSSELR,
			       KAS_DEMUX_CCSIDR(0), KAS_DEMUX_CCSIDR(1), KAS_DEMUX_CCSIDR(2) };
	u64 copy[ARRAY_SIZE(list)];
	unsigned int i, n, same;

	tap_header("unit: registers per level");
	tap_ok(kas_reg_valid_cache(QCLIDR, 0) && kas_reg_valid_cache(QCLIDR, 1) &&
	       kas_reg_valid_cache(QCLIDR, 2) && !kas_reg_valid_cache(QCLIDR, 3) &&
	       !kas_reg_valid_cache(QCLIDR, 4) && !kas_reg_valid_cache(QCLIDR, 14),
	       "CLIDR 0x2000023: L1 D and I, L2 unified, nothing else");
	tap_ok(kas_reg_valid_cache(1, 1) && !kas_reg_valid_cache(1, 0) &&
	       kas_reg_valid_cache(2, 0) && !kas_reg_valid_cache(2, 1) &&
	       !kas_reg_valid_cache(5, 0) && !kas_reg_valid_cache(5, 1),
	       "instruction-only, data-only and reserved cache types");
	/* L1 separate, no L2, an L3 unified: 5.10 and 6.1 stop at L2. */
	tap_ok(kas_reg_valid_cache(0x103, 0) && kas_reg_valid_cache(0x103, 1) &&
	       !kas_reg_valid_cache(0x103, 2) && !kas_reg_valid_cache(0x103, 4),
	       "CLIDR 0x103: nothing beyond the first level without a cache");
	tap_ok(!kas_reg_hidden(0, L(6, 12), QCLIDR, PCTL) &&
	       !kas_reg_hidden(0, L(6, 12), QCLIDR, KAS_DEMUX_CCSIDR(13)),
	       "native hides nothing");
	tap_ok(!kas_reg_hidden(L(6, 12), L(6, 12), QCLIDR, PCTL) &&
	       !kas_reg_hidden(L(6, 1), L(6, 1), QCLIDR, OSLSR),
	       "the host's own level hides nothing");
	tap_ok(kas_reg_hidden(L(6, 1), L(6, 12), QCLIDR, PCTL) &&
	       kas_reg_hidden(L(6, 1), L(6, 12), QCLIDR, TCR2) &&
	       !kas_reg_hidden(L(6, 1), L(6, 12), QCLIDR, OSLSR),
	       "6.1 on 6.12: no physical timer, TCR2; OSLSR stays");
	tap_ok(kas_reg_set_passes(L(6, 12), KAS_PTIMER_CNT) &&
	       kas_reg_set_passes(L(7, 3), KAS_PTIMER_CNT) &&
	       !kas_reg_set_passes(L(6, 12), PCTL) && !kas_reg_set_passes(L(6, 12), TCR2) &&
	       !kas_reg_set_passes(L(6, 1), OSLSR),
	       "a hidden PTIMER_CNT is still writable (counter offsets, 6.12+ hosts); nothing else");
	tap_ok(kas_reg_hidden(L(5, 10), L(6, 1), QCLIDR, OSLSR) &&
	       !kas_reg_hidden(L(5, 10), L(6, 1), QCLIDR, PCTL) &&
	       !kas_reg_hidden(L(5, 10), L(6, 1), QCLIDR, KAS_DEMUX_CCSIDR(3)),
	       "5.10 on 6.1: no OSLSR; 6.1 has no PTIMER or extra CCSIDR to hide");
	tap_ok(kas_reg_hidden(L(6, 1), L(6, 12), QCLIDR, KAS_DEMUX_CCSIDR(3)) &&
	       !kas_reg_hidden(L(6, 1), L(6, 12), QCLIDR, KAS_DEMUX_CCSIDR(2)),
	       "6.1 on 6.12: CCSIDR only for the host's caches");
	tap_ok(!kas_reg_level_filters(0, L(6, 12)) && !kas_reg_level_filters(L(6, 12), L(6, 12)) &&
	       kas_reg_level_filters(L(6, 1), L(6, 12)), "filtering only below the running kernel");

	for (i = 0; i < ARRAY_SIZE(list); i++)
		copy[i] = list[i];
	n = kas_reg_filter(L(6, 1), L(6, 12), QCLIDR, copy, ARRAY_SIZE(copy));
	for (i = 0, same = n == ARRAY_SIZE(want61); same && i < n; i++)
		same = copy[i] == want61[i];
	tap_ok(same, "6.1 on 6.12: filtered to 6.1's list in 6.1's order (%u entries)", n);
	for (i = 0; i < ARRAY_SIZE(list); i++)
		copy[i] = list[i];
	n = kas_reg_filter(L(5, 10), L(6, 12), QCLIDR, copy, ARRAY_SIZE(copy));
	tap_ok(n == ARRAY_SIZE(want61) - 1 && copy[2] == CLIDR && copy[5] == CSSELR,
	       "5.10 on 6.12: the same without OSLSR");
	for (i = 0; i < ARRAY_SIZE(list); i++)
		copy[i] = list[i];
	n = kas_reg_filter(L(5, 10), L(6, 1), QCLIDR, copy, ARRAY_SIZE(copy));
	tap_ok(n == ARRAY_SIZE(list) - 1 && copy[2] == AIDR && copy[3] == CLIDR,
	       "5.10 on 6.1: only OSLSR goes, nothing is reordered");
	{
		u64 odd[] = { MIDR, AIDR, CSSELR, CTR };

		n = kas_reg_filter(L(6, 1), L(6, 12), QCLIDR, odd, ARRAY_SIZE(odd));
		tap_ok(n == 4 && odd[1] == AIDR && odd[3] == CTR,
		       "a list without CLIDR is not reordered");
	}
	n = kas_reg_filter(0, L(6, 12), QCLIDR, list, ARRAY_SIZE(list));
	tap_ok(n == ARRAY_SIZE(list) && list[2] == AIDR, "native: the list is untouched");

	/* 5.10's PMU registers without a PMU: the ids 5.10.223 listed. */
	{
		unsigned int ok = 1, unknown = 0;
		u64 prev = 0, l[6] = { MIDR, CLIDR, KAS_SYSREG(3, 0, 7, 4, 0),
				       KAS_SYSREG(3, 0, 10, 2, 0), 0x6020000000110000ULL };

		for (i = 0; i < KAS_NR_PMU510; i++) {
			ok &= kas_reg_pmu510_id(i) > prev &&
			      kas_reg_pmu510_index(kas_reg_pmu510_id(i)) == (int)i;
			prev = kas_reg_pmu510_id(i);
			unknown += kas_reg_pmu510_reset(i, 0x41013080, true) == 0x1de7ec7edbadc0deULL;
		}
		tap_ok(ok && kas_reg_pmu510_id(0) == 0x603000000013c4f1ULL &&
		       kas_reg_pmu510_id(11) == 0x603000000013df40ULL &&
		       kas_reg_pmu510_id(42) == 0x603000000013df60ULL &&
		       kas_reg_pmu510_id(73) == 0x603000000013df7fULL &&
		       kas_reg_pmu510_index(0x603000000013dce6ULL) == -1,
		       "74 PMU registers, ascending, as 5.10 lists them (no PMCEID, PMXEV*)");
		/* Every encoding of CRn 9 and 14: an index exactly for the 74. */
		{
			unsigned int hits = 0, bad = 0, op1, crn, crm, op2;

			for (op1 = 0; op1 < 8; op1++)
				for (crn = 9; crn <= 14; crn += 5)
					for (crm = 0; crm < 16; crm++)
						for (op2 = 0; op2 < 8; op2++) {
							u64 id = KAS_SYSREG(3, op1, crn, crm, op2);
							int x = kas_reg_pmu510_index(id);

							hits += x >= 0;
							bad += x >= 0 && kas_reg_pmu510_id(x) != id;
						}
			tap_ok(hits == KAS_NR_PMU510 && !bad,
			       "the PMU index finds each of the 74 and nothing else in CRn 9 and 14 (%u, %u wrong)",
			       hits, bad);
		}
		tap_ok(unknown == 71 &&
		       kas_reg_pmu510_reset(kas_reg_pmu510_index(KAS_PMCR_EL0), 0x41013080, true) ==
		       0x410130acULL &&
		       kas_reg_pmu510_reset(kas_reg_pmu510_index(KAS_PMCR_EL0), 0x41013080, false) ==
		       0x410130ecULL,
		       "reset values as 5.10.223 showed: 71 UNKNOWN pattern, PMCR 0x410130ac, 2 zero");
		/* A host PMU without PMUv3p5 (its driver leaves LP clear). */
		tap_ok(kas_reg_pmcr_reset(0x41013040, true) == 0x410130acULL &&
		       kas_reg_pmcr_reset(0x41023000, false) == 0x410230ecULL &&
		       kas_reg_pmcr_reset(0, true) == 0,
		       "PMCR reset keeps the host's upper bits whatever its low byte (LP too); 0 without a PMU");
		tap_ok(kas_reg_pmu510_alias(0) == 1 && kas_reg_pmu510_alias(4) == 3 &&
		       kas_reg_pmu510_alias(10) == 5 && kas_reg_pmu510_alias(2) == -1 &&
		       kas_reg_pmu510_alias(50) == -1, "SET/CLR pairs share their register");
		tap_ok(kas_reg_pmu510_applies(L(5, 10), L(6, 1)) &&
		       !kas_reg_pmu510_applies(L(6, 1), L(6, 12)) &&
		       !kas_reg_pmu510_applies(L(5, 10), L(5, 10)) && !kas_reg_pmu510_applies(0, L(6, 12)),
		       "only level 5.10 on 6.x");
		/* PMCR of a vCPU with a PMU at 5.10 and 6.1 on 6.12 and newer. */
		tap_ok(kas_reg_pmcr_applies(L(5, 10), L(6, 12)) &&
		       kas_reg_pmcr_applies(L(6, 1), L(7, 3)) &&
		       !kas_reg_pmcr_applies(L(6, 12), L(7, 3)) &&
		       !kas_reg_pmcr_applies(L(5, 10), L(6, 1)) && !kas_reg_pmcr_applies(0, L(7, 3)),
		       "the module keeps PMCR for levels 5.10 and 6.1 on 6.12 and newer only");
		tap_ok(kas_reg_pmcr_view(0x3000, 0x410130ac) == 0x410130ac &&
		       kas_reg_pmcr_view(0x2001, 0x410130ac) == 0x410120ad &&
		       kas_reg_pmcr_view(0x3040, 0x410130ac) == 0x410130ec,
		       "the VMM's PMCR: the kernel's N, E and LC, the level's other bits");
		tap_ok(kas_reg_pmcr_guest_read(0x3001, 0x410130af) == 0x410130a9,
		       "the guest's PMCR read: P and C read as zero");
		tap_ok(kas_reg_pmcr_guest_write(L(5, 10), 0x410130ac, 0x47, true) == 0x41013047 &&
		       kas_reg_pmcr_guest_write(L(6, 1), 0x410130ac, 0x47, true) == 0x41013041 &&
		       kas_reg_pmcr_guest_write(L(6, 1), 0x410130ac, 0xffffff01, false) == 0x41013041,
		       "a guest's PMCR write: its low byte, LC forced without 32-bit EL0, 6.1 drops P and C");
		n = kas_reg_add_sorted(l, 5, KAS_SYSREG(3, 0, 9, 14, 1));
		tap_ok(n == 6 && l[3] == KAS_SYSREG(3, 0, 9, 14, 1) && l[2] == KAS_SYSREG(3, 0, 7, 4, 0) &&
		       l[5] == 0x6020000000110000ULL,
		       "added in table order, after the invariant registers listed first");
	}
	{
		/* Every id a level acts on passes the pre-filter; others do not. */
		bool all = true;

		for (i = 0; i < kas_nr_reg_since; i++)
			all &= kas_reg_level_may_act(kas_reg_since[i].id);
		for (i = 0; i < KAS_NR_PMU510; i++)
			all &= kas_reg_level_may_act(kas_reg_pmu510_id(i));
		for (i = 0; i < KAS_NR_KEPT_612; i++)
			all &= kas_reg_level_may_act(kas_reg_kept_612_ids[i]);
		for (i = 0; i < KAS_CSSELR_MAX; i++)
			all &= kas_reg_level_may_act(KAS_DEMUX_CCSIDR(i));
		tap_ok(all && kas_reg_level_may_act(KAS_PMCR_EL0) && kas_reg_level_may_act(CTR),
		       "every register a level hides, keeps or stores passes the pre-filter");
		tap_ok(!kas_reg_level_may_act(0x6030000000100000ULL) &&	/* x0 */
		       !kas_reg_level_may_act(0x6040000000100054ULL) &&	/* V0 */
		       !kas_reg_level_may_act(0x6030000000140000ULL) &&	/* PSCI version */
		       !kas_reg_level_may_act(0x6030000000160000ULL) &&	/* a bitmap register */
		       !kas_reg_level_may_act(0x6080000000150000ULL),	/* SVE Z0 */
		       "core, firmware and SVE registers skip the VM's lookup");
	}
	return tap_finish();
}
