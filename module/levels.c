// SPDX-License-Identifier: GPL-2.0
/*
 * levels.c - compatibility levels as data, and the control plane's pure
 * decisions. No kernel state here: the unit tests link this file as is.
 */
#include <linux/string.h>

#include "levels.h"
#include "vgic_policy.h"

const struct kas_level_info kas_levels[] = {
	{ KVM_ABI_SHIM_LEVEL(5, 10), KVM_ABI_SHIM_LEVEL_BIT_5_10, "5.10" },
	{ KVM_ABI_SHIM_LEVEL(6, 1), KVM_ABI_SHIM_LEVEL_BIT_6_1, "6.1" },
	{ KVM_ABI_SHIM_LEVEL(6, 12), KVM_ABI_SHIM_LEVEL_BIT_6_12, "6.12" },
	{ KVM_ABI_SHIM_LEVEL(7, 3), KVM_ABI_SHIM_LEVEL_BIT_7_3, "7.3" },
};

const unsigned int kas_nr_levels = ARRAY_SIZE(kas_levels);

/**
 * kas_level_find() - look up a level of the fleet
 * @level: encoded level; KVM_ABI_SHIM_LEVEL_NATIVE is not in the table
 *
 * Return: the table entry, or NULL if @level is not a fleet level.
 */
const struct kas_level_info *kas_level_find(u64 level)
{
	unsigned int i;

	for (i = 0; i < kas_nr_levels; i++)
		if (kas_levels[i].level == level)
			return &kas_levels[i];
	return NULL;
}

/**
 * kas_level_bit() - a level's bit in KVM_ABI_SHIM_ATTR_SUPPORTED
 * @level: encoded level
 *
 * Return: the bit, or 0 for native and for what is not a fleet level.
 */
u64 kas_level_bit(u64 level)
{
	const struct kas_level_info *li = kas_level_find(level);

	return li ? li->bit : 0;
}

/**
 * kas_level_name() - the operator-facing name of a level
 * @level: encoded level
 *
 * Return: "native", the level's name, or "invalid".
 */
const char *kas_level_name(u64 level)
{
	const struct kas_level_info *li;

	if (level == KVM_ABI_SHIM_LEVEL_NATIVE)
		return "native";
	li = kas_level_find(level);
	return li ? li->name : "invalid";
}

/**
 * kas_level_parse() - parse an operator's level name
 * @s: "native" or a level's name ("6.12"); one trailing newline is allowed
 *     (sysfs writes carry one)
 * @level: where the encoded level is stored on success
 *
 * Return: 0, or -EINVAL if @s names no level.
 */
int kas_level_parse(const char *s, u64 *level)
{
	size_t n = strlen(s);
	unsigned int i;

	if (n && s[n - 1] == '\n')
		n--;
	if (n == 6 && !strncmp(s, "native", 6)) {
		*level = KVM_ABI_SHIM_LEVEL_NATIVE;
		return 0;
	}
	for (i = 0; i < kas_nr_levels; i++) {
		if (strlen(kas_levels[i].name) == n &&
		    !strncmp(s, kas_levels[i].name, n)) {
			*level = kas_levels[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * kas_host_level() - the level a running kernel series provides
 * @major: kernel major version
 * @minor: kernel minor version
 *
 * Return: the encoded level, or KVM_ABI_SHIM_LEVEL_NATIVE if the series is
 * not one the module supports.
 */
u64 kas_host_level(unsigned int major, unsigned int minor)
{
	u64 level = KVM_ABI_SHIM_LEVEL(major, minor);

	return kas_level_find(level) ? level : KVM_ABI_SHIM_LEVEL_NATIVE;
}

/**
 * kas_levels_supported() - the levels a host can honour
 * @host_level: the running kernel's level
 * @disabled: KVM_ABI_SHIM_LEVEL_BIT_* of levels whose hooks are missing
 *
 * A level is supported if it is not above the running kernel and none of
 * the hooks it needs is missing.
 *
 * Return: mask of KVM_ABI_SHIM_LEVEL_BIT_*.
 */
u64 kas_levels_supported(u64 host_level, u64 disabled)
{
	u64 mask = 0;
	unsigned int i;

	for (i = 0; i < kas_nr_levels; i++)
		if (kas_levels[i].level <= host_level)
			mask |= kas_levels[i].bit;
	return mask & ~disabled;
}

/**
 * kas_level_check() - may a VM (or the default) be set to this level?
 * @level: the requested encoded level
 * @host_level: the running kernel's level
 * @disabled: levels disabled by missing hooks
 *
 * Return: 0; -EINVAL if @level is no level at all; -EOPNOTSUPP if it is a
 * fleet level this host cannot honour (above the running kernel, or a hook
 * it needs is missing).
 */
int kas_level_check(u64 level, u64 host_level, u64 disabled)
{
	const struct kas_level_info *li;

	if (level == KVM_ABI_SHIM_LEVEL_NATIVE)
		return 0;
	li = kas_level_find(level);
	if (!li)
		return -EINVAL;
	if (!(kas_levels_supported(host_level, disabled) & li->bit))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * kas_ctrl_access() - is this attribute access valid at all?
 * @op: which ioctl
 * @attr: attribute number within KVM_ABI_SHIM_GRP
 * @flags: kvm_device_attr.flags, reserved
 *
 * Decided before any user memory is touched.
 *
 * Return: 0; -EINVAL for nonzero @flags; -ENXIO for an unknown attribute,
 * or a SET of a read-only one.
 */
int kas_ctrl_access(enum kas_op op, u64 attr, u32 flags)
{
	if (flags)
		return -EINVAL;
	switch (attr) {
	case KVM_ABI_SHIM_ATTR_LEVEL:
	case KVM_ABI_SHIM_ATTR_IIDR_REV:
		return 0;
	case KVM_ABI_SHIM_ATTR_SUPPORTED:
	case KVM_ABI_SHIM_ATTR_VERSION:
		return op == KAS_OP_SET ? -ENXIO : 0;
	default:
		return -ENXIO;
	}
}

/**
 * kas_ctrl_set_level() - decide a KVM_ABI_SHIM_ATTR_LEVEL write
 * @level: the requested level
 * @rev: the VM's requested IIDR revision (0: none)
 * @host_level: the running kernel's level
 * @disabled: levels disabled by missing hooks
 * @has_vcpus: whether the VM has created a vCPU
 *
 * A VM's level is fixed once it has a vCPU: from then on the guest may
 * observe it. Value errors are reported before -EBUSY so that a VMM learns
 * about a bad value whatever the VM's state. The level must agree with the
 * revision already requested (revision 3 is not a 5.10 revision).
 *
 * Return: 0 if the write may be applied, else the errno for the VMM.
 */
int kas_ctrl_set_level(u64 level, unsigned int rev, u64 host_level, u64 disabled,
		       bool has_vcpus)
{
	int ret = kas_level_check(level, host_level, disabled);

	if (!ret && kas_vgic_rev_check(rev, level, host_level))
		ret = -EINVAL;
	if (ret)
		return ret;
	if (has_vcpus)
		return -EBUSY;
	return 0;
}

/**
 * kas_ctrl_set_rev() - decide a KVM_ABI_SHIM_ATTR_IIDR_REV write
 * @rev: requested revision, 0 (follow the level) to 3
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @vgic_ok: the vGIC hooks are attached
 * @has_vcpus: whether the VM has created a vCPU
 *
 * Return: 0 if the write may be applied, else the errno for the VMM.
 */
int kas_ctrl_set_rev(u64 rev, u64 level, u64 host_level, bool vgic_ok,
		     bool has_vcpus)
{
	int ret;

	if (rev > KAS_REV_MAX)
		return -EINVAL;
	ret = kas_vgic_rev_check(rev, level, host_level);
	if (!ret && !vgic_ok)
		ret = -EOPNOTSUPP;
	if (ret)
		return ret;
	if (has_vcpus)
		return -EBUSY;
	return 0;
}
