// SPDX-License-Identifier: GPL-2.0
/*
 * vgic_policy.c - which IIDR revision applies, what an IGROUPR read
 * returns, whether a write lands. No kernel state: unit-tested on the host.
 */
#include "vgic_policy.h"

/**
 * kas_iidr_value() - GICD_IIDR as KVM reports it for a revision
 * @rev: implementation revision
 *
 * Return: the register value.
 */
u32 kas_iidr_value(unsigned int rev)
{
	return KAS_IIDR_KVM | (rev << KAS_IIDR_REV_SHIFT);
}

/**
 * kas_level_default_rev() - the revision kernel X starts its VMs with
 * @level: encoded level
 *
 * Return: 2 for 5.10, 3 for 6.1 and 6.12, 0 (the running kernel's own
 * default, left alone) for native.
 */
unsigned int kas_level_default_rev(u64 level)
{
	if (level == KVM_ABI_SHIM_LEVEL_NATIVE)
		return 0;
	return level == KVM_ABI_SHIM_LEVEL(5, 10) ? 2 : 3;
}

/**
 * kas_vgic_rev() - the revision a VM runs with
 * @level: the VM's level
 * @rev_req: revision requested for the VM (attribute, operator default
 *           or a userspace IIDR write), 0 if none
 *
 * Return: the revision to apply, or 0 to leave the kernel's default.
 */
unsigned int kas_vgic_rev(u64 level, unsigned int rev_req)
{
	return rev_req ? rev_req : kas_level_default_rev(level);
}

/**
 * kas_vgic_rev_check() - may a VM at @level request revision @rev?
 * @rev: 0 (follow the level) or 1..3
 * @level: the VM's level
 * @host_level: the running kernel's level
 *
 * Revision 3 is not a 5.10 revision: refused at level 5.10 as 5.10 would
 * refuse it, and on a 5.10 host, which lacks the GICv3 features it
 * advertises.
 *
 * Return: 0, -EINVAL, or -EOPNOTSUPP (host cannot honour it).
 */
int kas_vgic_rev_check(unsigned int rev, u64 level, u64 host_level)
{
	if (rev > KAS_REV_MAX)
		return -EINVAL;
	if (rev == 3 && level == KVM_ABI_SHIM_LEVEL(5, 10))
		return -EINVAL;
	if (rev == 3 && host_level == KVM_ABI_SHIM_LEVEL(5, 10))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * kas_vgic_iidr_write() - decide a userspace GICD_IIDR write
 * @cur_rev: the VM's current revision
 * @val: the value written
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @rev: the new revision, on success
 *
 * Only the revision field may differ from what the register reads.
 *
 * Return: 0 or -EINVAL.
 */
int kas_vgic_iidr_write(unsigned int cur_rev, u32 val, u64 level,
			u64 host_level, unsigned int *rev)
{
	unsigned int r = (val & KAS_IIDR_REV_MASK) >> KAS_IIDR_REV_SHIFT;

	if ((kas_iidr_value(cur_rev) ^ val) & ~KAS_IIDR_REV_MASK)
		return -EINVAL;
	if (r < 1 || kas_vgic_rev_check(r, level, host_level))
		return -EINVAL;
	*rev = r;
	return 0;
}

/**
 * kas_vgic_groups_fixed() - does the module answer a VM's interrupt group
 *                           registers?
 * @rev: the VM's revision (0: kernel default)
 *
 * Return: true at revision 1 (the groups are not configurable), which no
 * kernel implements itself.
 */
bool kas_vgic_groups_fixed(unsigned int rev)
{
	return rev == 1;
}

/**
 * kas_vgic_group_read() - the value of an IGROUPR read, if fixed
 * @rev: the VM's revision (0: kernel default)
 * @v3: GICv3 model
 * @len: access size in bytes
 * @val: the value to return, when fixed
 *
 * Return: true if the read must return @val instead of the stored groups.
 */
bool kas_vgic_group_read(unsigned int rev, bool v3, unsigned int len,
			 unsigned long *val)
{
	if (!kas_vgic_groups_fixed(rev))
		return false;
	*val = v3 ? (len >= sizeof(long) ? ~0UL : (1UL << (len * 8)) - 1) : 0;
	return true;
}

/**
 * kas_vgic_group_write_ignored() - is an IGROUPR write dropped?
 * @rev: the VM's revision
 *
 * Return: true at revision 1, for guest and userspace writes alike.
 */
bool kas_vgic_group_write_ignored(unsigned int rev)
{
	return kas_vgic_groups_fixed(rev);
}

/**
 * kas_vgic_v2_user_writable() - are GICv2 groups restorable by userspace?
 * @rev: the VM's revision, nonzero
 *
 * Return: true from revision 2, without an IIDR write first.
 */
bool kas_vgic_v2_user_writable(unsigned int rev)
{
	return rev >= 2;
}

/**
 * kas_vm_needs_module() - would unloading change what this VM sees?
 * @level: the VM's level
 * @rev: the revision requested for it (0: none)
 * @applied: whether the kernel holds @rev already (set at vGIC init)
 *
 * Return: true for a pinned level, revision 1 (emulated by probes), or a
 * revision the module has yet to give the vGIC.
 */
bool kas_vm_needs_module(u64 level, unsigned int rev, bool applied)
{
	return level != KVM_ABI_SHIM_LEVEL_NATIVE || rev == 1 || (rev && !applied);
}

/**
 * kas_vgic_redist_510() - does this VM get 5.10's GICv3 redistributor?
 * @level: the VM's level
 * @host_level: the running kernel's level
 *
 * No INVLPIR/INVALLR/SYNCR, no GICR_CTLR.RWP, no GICR_TYPER.Last for
 * userspace: what 6.x added, hidden at level 5.10 on newer hosts.
 *
 * Return: true for level 5.10 above a 5.10 host.
 */
bool kas_vgic_redist_510(u64 level, u64 host_level)
{
	return level == KVM_ABI_SHIM_LEVEL(5, 10) && host_level > level;
}
