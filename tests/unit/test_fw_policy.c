// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/fw_policy.c: the per-level firmware-register
 * and service tables and the decisions made from them (issue #6).
 */
#include "../lib/tap.h"
#include "fw_policy.h"

#define L(a, b) KVM_ABI_SHIM_LEVEL(a, b)

int main(void)
{
	const struct kas_fw_level *l510 = kas_fw_level(L(5, 10)), *l61 = kas_fw_level(L(6, 1)),
				  *l612 = kas_fw_level(L(6, 12));
	unsigned int i;

	tap_header("unit: firmware registers and hypercall services per level");
	tap_ok(l510 && l61 && l612 && !kas_fw_level(0) && !kas_fw_level(L(6, 5)),
	       "a table per fleet level, none for native");
	tap_ok(l510->nr_regs == 4 && l61->nr_regs == 7 && l612->nr_regs == 7,
	       "5.10 lists 4 firmware registers, 6.x 7");
	for (i = 0; i < 4; i++)
		tap_ok(l510->regs[i] == KAS_FW_REG(i) && l61->regs[i] == KAS_FW_REG(i),
		       "register %u is KVM_REG_ARM_FW(%u) on every level", i, i);
	for (i = 0; i < 3; i++)
		tap_ok(l61->regs[4 + i] == KAS_FW_BMAP_REG(i) && l612->regs[4 + i] == KAS_FW_BMAP_REG(i),
		       "6.x lists bitmap register %u after them", i);
	tap_ok(l510->psci_max == 0x10000 && l61->psci_max == 0x10001 && l612->psci_max == 0x10001,
	       "PSCI 1.0 on 5.10, 1.1 on 6.x");
	tap_ok(l510->std_bmap == 0 && l510->std_hyp_bmap == 1 && l510->vendor_hyp_bmap == 0,
	       "5.10: no TRNG, PV time, no vendor services");
	tap_ok(l61->std_bmap == 1 && l61->std_hyp_bmap == 1 && l61->vendor_hyp_bmap == 3,
	       "6.1: every service");
	tap_ok(!l510->smc_serviced && !l61->smc_serviced && l612->smc_serviced,
	       "guest SMCs serviced from 6.12 (6.4) only");
	tap_ok(l510->psci_mask_affinity && !l61->psci_mask_affinity, "5.10 masks PSCI affinity");
	tap_ok(kas_fw_differs(L(5, 10), L(6, 1)) && kas_fw_differs(L(6, 1), L(6, 12)) &&
	       !kas_fw_differs(L(6, 1), L(6, 1)) && !kas_fw_differs(0, L(6, 12)) &&
	       !kas_fw_differs(L(5, 10), L(5, 10)), "emulation only below the running kernel");
	tap_ok(kas_fw_hooked(L(5, 10), L(6, 12), KVM_ABI_SHIM_LEVEL_BIT_5_10) &&
	       !kas_fw_hooked(L(6, 1), L(6, 12), KVM_ABI_SHIM_LEVEL_BIT_5_10) &&
	       kas_fw_hooked(L(6, 12), L(7, 3), KVM_ABI_SHIM_LEVEL_BIT_6_12) &&
	       !kas_fw_hooked(L(7, 3), L(7, 3), KVM_ABI_SHIM_LEVEL_BIT_7_3) &&
	       !kas_fw_hooked(0, L(6, 12), KVM_ABI_SHIM_LEVEL_BIT_5_10),
	       "firmware hooks act only for older levels that arm them");
	tap_ok(kas_fw_reg_access(L(5, 10), L(6, 1), KAS_FW_BMAP_REG(0)) == -ENOENT &&
	       kas_fw_reg_access(L(5, 10), L(6, 12), KAS_FW_BMAP_REG(2)) == -ENOENT &&
	       kas_fw_reg_access(L(5, 10), L(6, 12), KAS_FW_BMAP_REG(3)) == -ENOENT,
	       "bitmap registers absent at 5.10");
	tap_ok(!kas_fw_reg_access(L(5, 10), L(6, 1), KAS_FW_REG(0)) &&
	       !kas_fw_reg_access(L(5, 10), L(6, 1), KAS_FW_REG(3)) &&
	       !kas_fw_reg_access(L(5, 10), L(6, 1), KAS_FW_REG(7)),
	       "FW registers (and unknown ones) left to the kernel");
	tap_ok(!kas_fw_reg_access(L(6, 1), L(6, 12), KAS_FW_BMAP_REG(0)) &&
	       !kas_fw_reg_access(0, L(6, 12), KAS_FW_BMAP_REG(0)) &&
	       !kas_fw_reg_access(L(5, 10), L(5, 10), KAS_FW_BMAP_REG(0)),
	       "bitmaps untouched at 6.1, native, and on a 5.10 host");
	tap_ok(kas_fw_psci_set(L(5, 10), L(6, 1), 0x10001) == -EINVAL &&
	       !kas_fw_psci_set(L(5, 10), L(6, 1), 0x10000) &&
	       !kas_fw_psci_set(L(5, 10), L(6, 1), 0x2) &&
	       !kas_fw_psci_set(L(6, 1), L(6, 12), 0x10001) && !kas_fw_psci_set(0, L(6, 1), 0x10001),
	       "PSCI 1.1 refused at 5.10 only");
	tap_ok(kas_psci_mask_affinity(L(5, 10), L(6, 1), KAS_PSCI_CPU_ON) &&
	       kas_psci_mask_affinity(L(5, 10), L(6, 12), KAS_PSCI_CPU_ON64) &&
	       kas_psci_mask_affinity(L(5, 10), L(6, 1), KAS_PSCI_AFFINITY_INFO) &&
	       kas_psci_mask_affinity(L(5, 10), L(6, 12), KAS_PSCI_AFFINITY_INFO64),
	       "5.10 masks CPU_ON and AFFINITY_INFO targets on 6.x");
	tap_ok(!kas_psci_mask_affinity(L(5, 10), L(6, 1), 0x84000000) &&
	       !kas_psci_mask_affinity(L(5, 10), L(6, 1), 0x84000002),
	       "... and no other PSCI call");
	{
		/* What the pre-filter passes, every level leaves to the kernel. */
		static const u64 lv[] = { L(5, 10), L(6, 1), L(6, 12), L(7, 3) };
		const u64 ids[] = { KAS_FW_REG(0), KAS_FW_REG(1), KAS_FW_REG(2), KAS_FW_REG(3),
				    KAS_FW_REG(4), 0x6030000000100000ULL };
		bool same = true;
		unsigned int a, b, c;

		for (a = 0; a < ARRAY_SIZE(lv); a++)
			for (b = 0; b < ARRAY_SIZE(lv); b++)
				for (c = 0; c < ARRAY_SIZE(ids); c++)
					same &= !kas_fw_reg_level_may_deny(ids[c]) &&
						!kas_fw_reg_access(lv[a], lv[b], ids[c]);
		tap_ok(kas_fw_set_level_may_act(KAS_FW_REG(0)) &&
		       kas_fw_set_level_may_act(KAS_FW_BMAP_REG(3)) &&
		       !kas_fw_set_level_may_act(KAS_FW_REG(1)) &&
		       !kas_fw_set_level_may_act(KAS_FW_REG(3)),
		       "a level acts on writes of PSCI_VERSION and bitmap registers only");
		tap_ok(same && kas_fw_reg_level_may_deny(KAS_FW_BMAP_REG(0)) &&
		       kas_fw_reg_access(L(5, 10), L(6, 12), KAS_FW_BMAP_REG(0)) == -ENOENT,
		       "only bitmap registers can be refused: the others skip the VM's lookup");
	}
	tap_ok(kas_psci_affinity_fn(KAS_PSCI_CPU_ON) && kas_psci_affinity_fn(KAS_PSCI_CPU_ON64) &&
	       kas_psci_affinity_fn(KAS_PSCI_AFFINITY_INFO) &&
	       kas_psci_affinity_fn(KAS_PSCI_AFFINITY_INFO64) &&
	       !kas_psci_affinity_fn(0x84000000) && !kas_psci_affinity_fn(0x84000008),
	       "the PSCI calls that skip the VM's lookup: all but CPU_ON and AFFINITY_INFO");
	tap_ok(!kas_psci_mask_affinity(L(6, 1), L(6, 12), KAS_PSCI_CPU_ON) &&
	       !kas_psci_mask_affinity(0, L(6, 12), KAS_PSCI_CPU_ON) &&
	       !kas_psci_mask_affinity(L(5, 10), L(5, 10), KAS_PSCI_CPU_ON),
	       "not at 6.1, native, or on a 5.10 host");
	return tap_finish();
}
