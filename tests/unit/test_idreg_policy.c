// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/idreg_policy.c: ID register values of levels
 * 5.10 and 6.1, derived from host values (issue #7). The expected values
 * are what the real 5.10.223 and 6.1.176 kernels showed on QEMU -cpu max
 * (tests/vm fingerprints), derived here from that CPU's registers.
 */
#include "../lib/tap.h"
#include "idreg_policy.h"

#define L(a, b) KVM_ABI_SHIM_LEVEL(a, b)

int main(void)
{
	/* QEMU 7.2 -cpu max as 6.12 sanitises it, and 6.12's VM defaults. */
	const u64 host_dfr0 = 0x10305609, vm612_dfr0 = 0x10305009;
	const u64 host_mmfr1 = 0x0000011010211122, host_dfr0_32 = 0x06010009;

	tap_header("unit: ID registers per level");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64DFR0_EL1, vm612_dfr0, host_dfr0) == 0x10305006,
	       "6.1, no PMU: ID_AA64DFR0 0x10305006 (DebugVer 6, PMUVer 0) as 6.1.176 shows");
	tap_ok(kas_idreg_value(L(5, 10), KAS_ID_AA64DFR0_EL1, vm612_dfr0, host_dfr0) == 0x10305409,
	       "5.10: ID_AA64DFR0 0x10305409 (host DebugVer, PMUVer capped at v8.1) as 5.10.223");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64DFR0_EL1, 0x10305609, host_dfr0) == 0x10305506,
	       "6.1 with a PMU: PMUVer capped at v8.4 (0x10305506, as measured with QEMU)");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64DFR0_EL1, 0x100, 0xf1f0f00f09ULL) == 0xf0f0f00006ULL,
	       "6.1: SPE (PMSVer) hidden, undescribed fields dropped, IMP DEF PMU counts as none");
	tap_ok(kas_idreg_value(L(5, 10), KAS_ID_AA64DFR0_EL1, 0, 0xf09) == 0x9,
	       "5.10: an IMPLEMENTATION DEFINED PMU reads as none");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64MMFR1_EL1, host_mmfr1, host_mmfr1) ==
	       0x0000001010211122, "6.1: ID_AA64MMFR1 without HCX (0x1010211122, as 6.1.176)");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64MMFR1_EL1, 0, ~0ULL) == 0xf0f0f0ffffffffffULL &&
	       kas_idreg_value(L(5, 10), KAS_ID_AA64MMFR1_EL1, 0, ~0ULL) == 0x0000f0ffffffffffULL,
	       "MMFR1 fields: 5.10 up to ETS and AFP; 6.1 adds TIDCP1 and ECBHB");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64MMFR3_EL1, 0x1101, 0x1101) == 0 &&
	       kas_idreg_value(L(5, 10), KAS_ID_AA64MMFR3_EL1, 0x1101, 0x1101) == 0,
	       "ID_AA64MMFR3 is unallocated (zero) before 6.5");
	tap_ok(kas_idreg_value(L(5, 10), KAS_ID_DFR0_EL1, 0x00010009, host_dfr0_32) == 0x04010009,
	       "5.10: ID_DFR0 0x04010009 (PerfMon capped at v8.1, even without a PMU)");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_DFR0_EL1, 0x00010009, host_dfr0_32) == 0x00010009,
	       "6.1 without a PMU: ID_DFR0 PerfMon 0");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_DFR0_EL1, 0x06010009, host_dfr0_32) == 0x05010009,
	       "6.1 with a PMU: ID_DFR0 PerfMon capped at v8.4 (0x05010009, as measured)");
	tap_ok(kas_idreg_value(L(5, 10), KAS_ID_AA64ISAR2_EL1, ~0ULL, ~0ULL) == 0xf00000f0 &&
	       kas_idreg_value(L(6, 1), KAS_ID_AA64ISAR2_EL1, 0, ~0ULL) == 0xf0f000f0,
	       "ISAR2: 5.10 shows CLRBHB and RPRES; 6.1 adds BC, and ptrauth/WFxT as the VM has them");
	tap_ok(kas_idreg_value(0, KAS_ID_AA64DFR0_EL1, 0x123, 0x456) == 0x123 &&
	       kas_idreg_value(L(6, 12), KAS_ID_AA64DFR0_EL1, 0x123, 0x456) == 0x123 &&
	       kas_idreg_value(L(6, 1), KAS_SYSREG(3, 0, 0, 4, 0), 0x123, 0x456) == 0x123,
	       "native, 6.12 and unmanaged registers keep the running kernel's value");
	tap_ok(kas_idreg_exact(KAS_ID_AA64DFR0_EL1) && kas_idreg_exact(KAS_SYSREG(3, 1, 0, 0, 1)) &&
	       kas_idreg_exact(KAS_SYSREG(3, 3, 0, 0, 1)) && kas_idreg_exact(KAS_DEMUX_CCSIDR(2)) &&
	       !kas_idreg_exact(KAS_SYSREG(3, 0, 0, 0, 0)) &&
	       !kas_idreg_exact(KAS_SYSREG(3, 0, 1, 0, 0)) && !kas_idreg_exact(KAS_SYSREG(2, 0, 1, 1, 4)),
	       "invariant before 6.3: ID space, CLIDR, CTR, CCSIDR; not MIDR (kernel's), SCTLR, OSLSR");
	tap_ok(kas_idreg_needs_host(KAS_ID_AA64DFR0_EL1) && !kas_idreg_needs_host(KAS_ID_AA64MMFR3_EL1) &&
	       !kas_idreg_needs_host(KAS_SYSREG(3, 0, 0, 4, 0)),
	       "the host's sanitised value is read only where used (not MMFR3, unknown to 6.1)");
	tap_ok(kas_idreg_host_ccidx(0x1221011112101011ULL) && !kas_idreg_host_ccidx(0x1021011010011011ULL),
	       "FEAT_CCIDX read from ID_AA64MMFR2 (QEMU neoverse-n2: yes; 7.2 max: no)");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_AA64MMFR2_EL1, 0x1221011112001011ULL,
			       0x1221011112101011ULL) == 0x1221011112101011ULL &&
	       kas_idreg_value(L(5, 10), KAS_ID_AA64MMFR2_EL1, 0x1221011112001011ULL,
			       0x1221011112101011ULL) == 0x1221011112101011ULL &&
	       kas_idreg_value(L(6, 1), KAS_ID_AA64MMFR2_EL1, 0x1021011010011011ULL,
			       0x1021011010011011ULL) == 0x1021011010011011ULL,
	       "ID_AA64MMFR2: 5.10 and 6.1 show the host's CCIDX, 6.12 masks it; no CCIDX host unchanged");
	tap_ok(kas_idreg_value(L(6, 1), KAS_ID_MMFR4_EL1, 0x00021110, 0x01021110) == 0x01021110 &&
	       kas_idreg_value(L(6, 12), KAS_ID_MMFR4_EL1, 0x00021110, 0x01021110) == 0x00021110,
	       "ID_MMFR4: the host's CCIDX at 6.1, the running kernel's at 6.12");
	tap_ok(kas_idreg_host_pmuv3(0x10305609) && !kas_idreg_host_pmuv3(0x10305009) &&
	       !kas_idreg_host_pmuv3(0x10305f09),
	       "PMUv3 on the host: PMUVer 1..14, not 0 or IMPLEMENTATION DEFINED");
	tap_ok(kas_idreg_host_aarch32_el0(0x1101001121110222ULL) &&
	       !kas_idreg_host_aarch32_el0(0x1101001121110111ULL),
	       "AArch32 EL0 on the host: ID_AA64PFR0.EL0 2 (QEMU max), not 1");
	return tap_finish();
}
