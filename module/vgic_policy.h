/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgic_policy.h - pure decisions about GICD_IIDR revisions and interrupt
 * groups (IGROUPR), shared by the module and the host unit tests.
 *
 * Revision 1: groups are not configurable (GICv2 IGROUPR reads 0, GICv3
 * reads all ones; writes from guest and userspace are ignored).
 * Revision 2: groups configurable by guest and userspace.
 * Revision 3: as 2, and GICv3 GICR_CTLR advertises {IR, CES}.
 */
#ifndef KAS_VGIC_POLICY_H
#define KAS_VGIC_POLICY_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "levels.h"

#define KAS_IIDR_REV_SHIFT	12
#define KAS_IIDR_REV_MASK	(0xfU << KAS_IIDR_REV_SHIFT)
/* GICD_IIDR of KVM's vGIC: ProductID 0x4b ("K"), implementer ARM (0x43b). */
#define KAS_IIDR_KVM		0x4b00043bU
#define KAS_REV_MAX		3

u32 kas_iidr_value(unsigned int rev);
unsigned int kas_level_default_rev(u64 level);
unsigned int kas_vgic_rev(u64 level, unsigned int rev_req);
int kas_vgic_rev_check(unsigned int rev, u64 level, u64 host_level);
int kas_vgic_iidr_write(unsigned int cur_rev, u32 val, u64 level,
			u64 host_level, unsigned int *rev);
bool kas_vgic_groups_fixed(unsigned int rev);
bool kas_vgic_group_read(unsigned int rev, bool v3, unsigned int len,
			 unsigned long *val);
bool kas_vgic_group_write_ignored(unsigned int rev);
bool kas_vgic_v2_user_writable(unsigned int rev);
bool kas_vm_needs_module(u64 level, unsigned int rev, bool applied);
bool kas_vgic_redist_510(u64 level, u64 host_level);

#endif /* KAS_VGIC_POLICY_H */
