// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/vgic_policy.c: every row of the revision,
 * IIDR-write and IGROUPR tables (issue #4).
 */
#include <stdio.h>

#include "../lib/tap.h"
#include "levels.h"
#include "vgic_policy.h"

#define L(a, b) KVM_ABI_SHIM_LEVEL(a, b)
#define NATIVE KVM_ABI_SHIM_LEVEL_NATIVE

static void test_values_and_defaults(void)
{
	tap_ok(kas_iidr_value(2) == 0x4b00243b && kas_iidr_value(3) == 0x4b00343b &&
	       kas_iidr_value(1) == 0x4b00143b, "IIDR values as KVM reports them");
	tap_ok(kas_level_default_rev(L(5, 10)) == 2, "level 5.10 starts at revision 2");
	tap_ok(kas_level_default_rev(L(6, 1)) == 3 && kas_level_default_rev(L(6, 12)) == 3,
	       "levels 6.1 and 6.12 start at revision 3");
	tap_ok(kas_level_default_rev(NATIVE) == 0, "native leaves the kernel's default");
	tap_ok(kas_vgic_rev(L(5, 10), 0) == 2 && kas_vgic_rev(L(6, 1), 0) == 3 &&
	       kas_vgic_rev(NATIVE, 0) == 0, "no request: the level decides");
	tap_ok(kas_vgic_rev(L(5, 10), 1) == 1 && kas_vgic_rev(NATIVE, 2) == 2 &&
	       kas_vgic_rev(L(6, 12), 1) == 1, "a request wins over the level");
}

static void test_rev_check(void)
{
	static const struct { unsigned int rev; u64 level, host; int ret; } rows[] = {
		{ 0, L(5, 10), L(6, 12), 0 }, { 1, L(5, 10), L(6, 12), 0 },
		{ 2, L(5, 10), L(6, 12), 0 }, { 3, L(5, 10), L(6, 12), -EINVAL },
		{ 3, L(6, 1), L(6, 12), 0 }, { 3, NATIVE, L(6, 1), 0 },
		{ 3, NATIVE, L(5, 10), -EOPNOTSUPP }, { 3, L(5, 10), L(5, 10), -EINVAL },
		{ 1, NATIVE, L(5, 10), 0 }, { 2, NATIVE, L(5, 10), 0 },
		{ 4, NATIVE, L(6, 12), -EINVAL }, { 15, L(6, 1), L(6, 12), -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tap_ok(kas_vgic_rev_check(rows[i].rev, rows[i].level, rows[i].host) == rows[i].ret,
		       "revision %u at level 0x%llx on host 0x%llx -> %d", rows[i].rev,
		       (unsigned long long)rows[i].level, (unsigned long long)rows[i].host,
		       rows[i].ret);
}

static void test_iidr_write(void)
{
	static const struct { unsigned int cur; u32 val; u64 level, host; int ret;
			      unsigned int rev; } rows[] = {
		{ 3, 0x4b00143b, NATIVE, L(6, 1), 0, 1 },
		{ 3, 0x4b00243b, NATIVE, L(6, 1), 0, 2 },
		{ 2, 0x4b00343b, NATIVE, L(6, 1), 0, 3 },
		{ 3, 0x4b00043b, NATIVE, L(6, 1), -EINVAL, 0 },
		{ 3, 0x4b00443b, NATIVE, L(6, 1), -EINVAL, 0 },
		{ 3, 0x4b00f43b, NATIVE, L(6, 12), -EINVAL, 0 },
		{ 3, 0x4b00343a, NATIVE, L(6, 1), -EINVAL, 0 },
		{ 3, 0x4c00343b, NATIVE, L(6, 1), -EINVAL, 0 },
		{ 3, 0x4b01343b, NATIVE, L(6, 1), -EINVAL, 0 },
		{ 2, 0x4b00343b, L(5, 10), L(6, 12), -EINVAL, 0 },
		{ 2, 0x4b00143b, L(5, 10), L(6, 12), 0, 1 },
		{ 2, 0x4b00243b, L(5, 10), L(5, 10), 0, 2 },
		{ 2, 0x4b00143b, NATIVE, L(5, 10), 0, 1 },
		{ 2, 0x4b00343b, NATIVE, L(5, 10), -EINVAL, 0 },
		{ 1, 0x4b00243b, L(6, 1), L(6, 12), 0, 2 },
		{ 1, 0x4b00343b, L(6, 12), L(6, 12), 0, 3 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned int rev = 0;
		int ret = kas_vgic_iidr_write(rows[i].cur, rows[i].val, rows[i].level,
					      rows[i].host, &rev);

		tap_ok(ret == rows[i].ret && (ret || rev == rows[i].rev),
		       "IIDR write 0x%08x over rev %u at level 0x%llx host 0x%llx -> %d rev %u",
		       rows[i].val, rows[i].cur, (unsigned long long)rows[i].level,
		       (unsigned long long)rows[i].host, rows[i].ret, rows[i].rev);
	}
}

static void test_groups(void)
{
	unsigned long v = 0x1234;

	tap_ok(kas_vgic_group_read(1, true, 4, &v) && v == 0xffffffffUL,
	       "rev 1 GICv3 IGROUPR reads all ones");
	tap_ok(kas_vgic_group_read(1, true, 1, &v) && v == 0xffUL, "... at any access size");
	tap_ok(kas_vgic_group_read(1, false, 4, &v) && v == 0, "rev 1 GICv2 IGROUPR reads zero");
	tap_ok(!kas_vgic_group_read(2, true, 4, &v) && !kas_vgic_group_read(3, false, 4, &v) &&
	       !kas_vgic_group_read(0, true, 4, &v), "rev 0/2/3 read the stored groups");
	tap_ok(kas_vgic_groups_fixed(kas_vgic_rev(NATIVE, 1)) &&
	       kas_vgic_groups_fixed(kas_vgic_rev(L(5, 10), 1)) &&
	       !kas_vgic_groups_fixed(kas_vgic_rev(L(5, 10), 0)) &&
	       !kas_vgic_groups_fixed(kas_vgic_rev(L(6, 1), 0)) &&
	       !kas_vgic_groups_fixed(kas_vgic_rev(NATIVE, 0)) &&
	       !kas_vgic_groups_fixed(kas_vgic_rev(NATIVE, 2)),
	       "the group hooks are needed at rev 1 only, requested; no level defaults to it");
	tap_ok(kas_vgic_group_write_ignored(1) && !kas_vgic_group_write_ignored(2) &&
	       !kas_vgic_group_write_ignored(3) && !kas_vgic_group_write_ignored(0),
	       "only rev 1 drops group writes");
	tap_ok(!kas_vgic_v2_user_writable(1) && kas_vgic_v2_user_writable(2) &&
	       kas_vgic_v2_user_writable(3), "GICv2 groups user-writable from rev 2 without IIDR write");
	tap_ok(kas_vm_needs_module(L(5, 10), 0, false) && kas_vm_needs_module(NATIVE, 1, true) &&
	       !kas_vm_needs_module(NATIVE, 2, true) && !kas_vm_needs_module(NATIVE, 0, false),
	       "pinned levels and rev 1 hold the module");
	tap_ok(kas_vm_needs_module(NATIVE, 2, false) && kas_vm_needs_module(NATIVE, 3, false) &&
	       !kas_vm_needs_module(NATIVE, 3, true),
	       "a requested revision holds the module until the vGIC has it");
}

static void test_ctrl(void)
{
	tap_ok(kas_ctrl_set_rev(1, L(5, 10), L(6, 12), true, false) == 0, "SET rev 1 at 5.10");
	tap_ok(kas_ctrl_set_rev(3, L(5, 10), L(6, 12), true, false) == -EINVAL, "SET rev 3 at 5.10 EINVAL");
	tap_ok(kas_ctrl_set_rev(3, NATIVE, L(5, 10), true, false) == -EOPNOTSUPP,
	       "SET rev 3 on a 5.10 host EOPNOTSUPP");
	tap_ok(kas_ctrl_set_rev(4, NATIVE, L(6, 1), true, false) == -EINVAL, "SET rev 4 EINVAL");
	tap_ok(kas_ctrl_set_rev(2, NATIVE, L(6, 1), false, false) == -EOPNOTSUPP,
	       "SET rev without vGIC hooks EOPNOTSUPP");
	tap_ok(kas_ctrl_set_rev(1, NATIVE, L(6, 1), false, false) == -EOPNOTSUPP &&
	       kas_ctrl_set_rev(1, L(5, 10), L(6, 12), false, false) == -EOPNOTSUPP,
	       "SET rev 1 without vGIC hooks EOPNOTSUPP (native and 5.10)");
	tap_ok(kas_ctrl_set_rev(2, NATIVE, L(6, 1), true, true) == -EBUSY, "SET rev after vCPU EBUSY");
	tap_ok(kas_ctrl_set_level(L(5, 10), 3, L(6, 12), 0, false) == -EINVAL,
	       "level 5.10 refused while rev 3 is requested");
	tap_ok(kas_ctrl_set_level(L(5, 10), 1, L(6, 12), 0, false) == 0, "level 5.10 with rev 1");
}

int main(void)
{
	tap_header("unit: vGIC revision and IGROUPR policy");
	test_values_and_defaults();
	test_rev_check();
	test_iidr_write();
	test_groups();
	test_ctrl();
	tap_ok(kas_vgic_redist_510(L(5, 10), L(6, 1)) && kas_vgic_redist_510(L(5, 10), L(6, 12)),
	       "level 5.10 on 6.x gets 5.10's redistributor");
	tap_ok(!kas_vgic_redist_510(L(5, 10), L(5, 10)) && !kas_vgic_redist_510(L(6, 1), L(6, 12)) &&
	       !kas_vgic_redist_510(NATIVE, L(6, 12)), "nobody else does");
	return tap_finish();
}
