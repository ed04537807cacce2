// SPDX-License-Identifier: GPL-2.0
/*
 * fw_policy.c - the firmware-register and hypercall tables of each level.
 * Kernel facts: docs/levels.md and the differential test, which compares
 * every entry with the real kernel booted in the same run.
 */
#include "fw_policy.h"

static const struct kas_fw_level kas_fw_levels[] = {
	{
		/* 5.10: PSCI 1.0, no bitmap registers, no TRNG/vendor calls. */
		.level = KVM_ABI_SHIM_LEVEL(5, 10),
		.nr_regs = 4,
		.regs = { KAS_FW_REG(0), KAS_FW_REG(1), KAS_FW_REG(2), KAS_FW_REG(3) },
		.psci_max = KAS_PSCI_1_0,
		.std_bmap = 0, .std_hyp_bmap = 1, .vendor_hyp_bmap = 0,
		.smc_serviced = false,
		.psci_mask_affinity = true,
	}, {
		.level = KVM_ABI_SHIM_LEVEL(6, 1),
		.nr_regs = 7,
		.regs = { KAS_FW_REG(0), KAS_FW_REG(1), KAS_FW_REG(2), KAS_FW_REG(3),
			  KAS_FW_BMAP_REG(0), KAS_FW_BMAP_REG(1), KAS_FW_BMAP_REG(2) },
		.psci_max = KAS_PSCI_1_1,
		.std_bmap = 1, .std_hyp_bmap = 1, .vendor_hyp_bmap = 3,
		.smc_serviced = false,
	}, {
		.level = KVM_ABI_SHIM_LEVEL(6, 12),
		.nr_regs = 7,
		.regs = { KAS_FW_REG(0), KAS_FW_REG(1), KAS_FW_REG(2), KAS_FW_REG(3),
			  KAS_FW_BMAP_REG(0), KAS_FW_BMAP_REG(1), KAS_FW_BMAP_REG(2) },
		.psci_max = KAS_PSCI_1_1,
		.std_bmap = 1, .std_hyp_bmap = 1, .vendor_hyp_bmap = 3,
		.smc_serviced = true,
	}, {
		/* 7.3: PSCI 1.3 (6.13), VENDOR_HYP_BMAP_2 (6.15), default 0. */
		.level = KVM_ABI_SHIM_LEVEL(7, 3),
		.nr_regs = 8,
		.regs = { KAS_FW_REG(0), KAS_FW_REG(1), KAS_FW_REG(2), KAS_FW_REG(3),
			  KAS_FW_BMAP_REG(0), KAS_FW_BMAP_REG(1), KAS_FW_BMAP_REG(2),
			  KAS_FW_BMAP_REG(3) },
		.psci_max = KAS_PSCI_1_3,
		.std_bmap = 1, .std_hyp_bmap = 1, .vendor_hyp_bmap = 3,
		.smc_serviced = true,
	},
};

/**
 * kas_fw_level() - the firmware table of a level
 * @level: encoded level
 *
 * Return: the entry, or NULL for native or an unknown level.
 */
const struct kas_fw_level *kas_fw_level(u64 level)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kas_fw_levels); i++)
		if (kas_fw_levels[i].level == level)
			return &kas_fw_levels[i];
	return NULL;
}

/**
 * kas_fw_differs() - does a VM at @level need firmware emulation here?
 * @level: the VM's level
 * @host_level: the running kernel's level
 *
 * Return: true for a level below the running kernel.
 */
bool kas_fw_differs(u64 level, u64 host_level)
{
	return kas_fw_level(level) && level < host_level;
}

/**
 * kas_fw_hooked() - do the firmware-register hooks act for a VM at @level?
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @need: the levels that arm those hooks on this host (KAS_NEED_FW)
 *
 * Only for the levels that arm them, so that what a VM sees does not
 * depend on whether another VM holds the hooks armed.
 *
 * Return: true if the VM's firmware registers are its level's, not the
 * kernel's.
 */
bool kas_fw_hooked(u64 level, u64 host_level, u64 need)
{
	return (kas_level_bit(level) & need) && kas_fw_differs(level, host_level);
}

/**
 * kas_psci_mask_affinity() - mask this PSCI call's target affinity?
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @fn: the PSCI function id in x0
 *
 * 5.10 masks the CPU_ON and AFFINITY_INFO target to MPIDR_HWID_BITMASK where
 * 6.x refuses bits outside it.
 *
 * Return: true if x1 must be masked before the kernel sees the call.
 */
bool kas_psci_mask_affinity(u64 level, u64 host_level, u32 fn)
{
	const struct kas_fw_level *fl = kas_fw_level(level);

	if (!fl || !fl->psci_mask_affinity || !kas_fw_differs(level, host_level))
		return false;
	return kas_psci_affinity_fn(fn);
}

/**
 * kas_fw_reg_access() - may this firmware register be read or written?
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @id: register id (coproc 0x14 or 0x16)
 *
 * A register kernel X does not list does not exist for a VM at level X.
 *
 * Return: 0 to let the kernel handle it, -ENOENT if absent at @level.
 */
int kas_fw_reg_access(u64 level, u64 host_level, u64 id)
{
	const struct kas_fw_level *fl = kas_fw_level(level);
	unsigned int i;

	if (!fl || !kas_fw_differs(level, host_level))
		return 0;
	for (i = 0; i < fl->nr_regs; i++)
		if (fl->regs[i] == id)
			return 0;
	/* Bitmap registers kernel X lacks; anything else is the kernel's call. */
	return kas_fw_reg_level_may_deny(id) ? -ENOENT : 0;
}

/**
 * kas_fw_psci_set() - decide a KVM_REG_ARM_PSCI_VERSION write
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @val: the version written
 *
 * Return: 0 to let the kernel decide, -EINVAL for a version newer than
 * kernel X knows.
 */
int kas_fw_psci_set(u64 level, u64 host_level, u64 val)
{
	const struct kas_fw_level *fl = kas_fw_level(level);

	if (!fl || !kas_fw_differs(level, host_level))
		return 0;
	return val > fl->psci_max ? -EINVAL : 0;
}
