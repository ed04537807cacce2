/* SPDX-License-Identifier: GPL-2.0 */
/*
 * levels.h - what each compatibility level means, as data, and the pure
 * decisions of the control plane. Compiled into the module and, unchanged,
 * into the host unit tests (tests/unit), so nothing here may depend on
 * kernel state, and only the headers tests/unit/include provides.
 */
#ifndef KAS_LEVELS_H
#define KAS_LEVELS_H

/* The unit tests provide these three headers for userspace. */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "../uapi/linux/kvm_abi_shim.h"

/* A register id's coproc field (KVM_REG_ARM_COPROC_MASK, uapi asm/kvm.h). */
#define KAS_REG_COPROC(id)	(((id) >> 16) & 0xfff)

/**
 * struct kas_level_info - one compatibility level of the fleet
 * @level: encoded level, KVM_ABI_SHIM_LEVEL(major, minor)
 * @bit: its bit in KVM_ABI_SHIM_ATTR_SUPPORTED
 * @name: the name operators use ("5.10")
 */
struct kas_level_info {
	u64 level;
	u64 bit;
	const char *name;
};

/* Ascending by level. */
extern const struct kas_level_info kas_levels[];
extern const unsigned int kas_nr_levels;

/**
 * enum kas_op - the three device-attribute ioctls
 * @KAS_OP_HAS: KVM_HAS_DEVICE_ATTR
 * @KAS_OP_GET: KVM_GET_DEVICE_ATTR
 * @KAS_OP_SET: KVM_SET_DEVICE_ATTR
 */
enum kas_op { KAS_OP_HAS, KAS_OP_GET, KAS_OP_SET };

const struct kas_level_info *kas_level_find(u64 level);
u64 kas_level_bit(u64 level);
const char *kas_level_name(u64 level);
int kas_level_parse(const char *s, u64 *level);
u64 kas_host_level(unsigned int major, unsigned int minor);
u64 kas_levels_supported(u64 host_level, u64 disabled);
int kas_level_check(u64 level, u64 host_level, u64 disabled);
int kas_ctrl_access(enum kas_op op, u64 attr, u32 flags);
int kas_ctrl_set_level(u64 level, unsigned int rev, u64 host_level, u64 disabled,
		       bool has_vcpus);
int kas_ctrl_set_rev(u64 rev, u64 level, u64 host_level, bool vgic_ok,
		     bool has_vcpus);

#endif /* KAS_LEVELS_H */
