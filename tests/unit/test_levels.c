// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/levels.c: level encoding, parsing, what a host
 * supports, and every decision of the control plane.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/tap.h"
#include "levels.h"

#define L(a, b) KVM_ABI_SHIM_LEVEL(a, b)
#define B510 KVM_ABI_SHIM_LEVEL_BIT_5_10
#define B61 KVM_ABI_SHIM_LEVEL_BIT_6_1
#define B612 KVM_ABI_SHIM_LEVEL_BIT_6_12
#define B73 KVM_ABI_SHIM_LEVEL_BIT_7_3

static void test_encoding(void)
{
	tap_ok(L(5, 10) == 0x50a && L(6, 1) == 0x601 && L(6, 12) == 0x60c,
	       "encoding is major << 8 | minor");
	tap_ok(KVM_ABI_SHIM_LEVEL_MAJOR(L(6, 12)) == 6 && KVM_ABI_SHIM_LEVEL_MINOR(L(6, 12)) == 12,
	       "major/minor decode");
	tap_ok(L(5, 10) < L(6, 1) && L(6, 1) < L(6, 12) && L(6, 12) < L(7, 3),
	       "levels order like kernel versions");
	tap_ok(kas_nr_levels == 4, "four fleet levels");
	tap_ok(!strcmp(kas_level_name(0), "native") && !strcmp(kas_level_name(L(5, 10)), "5.10") &&
	       !strcmp(kas_level_name(L(6, 1)), "6.1") && !strcmp(kas_level_name(L(6, 12)), "6.12") &&
	       !strcmp(kas_level_name(L(7, 3)), "7.3") &&
	       !strcmp(kas_level_name(L(6, 5)), "invalid"), "level names");
	tap_ok(kas_level_bit(L(5, 10)) == B510 && kas_level_bit(L(6, 1)) == B61 &&
	       kas_level_bit(L(6, 12)) == B612 && kas_level_bit(L(7, 3)) == B73 &&
	       !kas_level_bit(KVM_ABI_SHIM_LEVEL_NATIVE) && !kas_level_bit(L(6, 5)),
	       "level bits (none for native or a level not in the fleet)");
}

static void test_parse(void)
{
	static const struct { const char *s; int ret; u64 level; } rows[] = {
		{ "native", 0, 0 }, { "native\n", 0, 0 }, { "5.10", 0, L(5, 10) },
		{ "5.10\n", 0, L(5, 10) }, { "6.1", 0, L(6, 1) }, { "6.12", 0, L(6, 12) },
		{ "6.12\n", 0, L(6, 12) }, { "", -EINVAL, 0 }, { "\n", -EINVAL, 0 },
		{ "6.5", -EINVAL, 0 }, { "6.10", -EINVAL, 0 }, { "6.1 ", -EINVAL, 0 },
		{ "6.12x", -EINVAL, 0 }, { "5.1", -EINVAL, 0 }, { "Native", -EINVAL, 0 },
		{ "0", -EINVAL, 0 }, { "6.1\n\n", -EINVAL, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		u64 level = 0xdead;
		int ret = kas_level_parse(rows[i].s, &level);

		tap_ok(ret == rows[i].ret && (ret || level == rows[i].level),
		       "parse \"%.*s%s\" -> %d", (int)strcspn(rows[i].s, "\n"), rows[i].s,
		       strchr(rows[i].s, '\n') ? "\\n" : "", rows[i].ret);
	}
}

static void test_host_and_supported(void)
{
	tap_ok(kas_host_level(5, 10) == L(5, 10) && kas_host_level(6, 1) == L(6, 1) &&
	       kas_host_level(6, 12) == L(6, 12), "fleet kernels map to their level");
	tap_ok(kas_host_level(6, 6) == 0 && kas_host_level(4, 19) == 0 && kas_host_level(7, 0) == 0,
	       "other kernels have no level");
	tap_ok(kas_levels_supported(L(5, 10), 0) == B510, "5.10 host supports 5.10");
	tap_ok(kas_levels_supported(L(6, 1), 0) == (B510 | B61), "6.1 host supports 5.10, 6.1");
	tap_ok(kas_levels_supported(L(6, 12), 0) == (B510 | B61 | B612), "6.12 host supports all but 7.3");
	tap_ok(kas_levels_supported(L(7, 3), 0) == (B510 | B61 | B612 | B73), "7.3 host supports all");
	tap_ok(kas_levels_supported(L(6, 12), B510) == (B61 | B612), "disabled level is dropped");
	tap_ok(kas_levels_supported(L(6, 1), B612) == (B510 | B61), "disabling an unsupported level is harmless");
}

static void test_check(void)
{
	static const struct { u64 level, host, disabled; int ret; } rows[] = {
		{ 0, L(5, 10), 0, 0 }, { 0, L(6, 12), B510 | B61 | B612, 0 },
		{ L(5, 10), L(5, 10), 0, 0 }, { L(6, 1), L(5, 10), 0, -EOPNOTSUPP },
		{ L(6, 12), L(5, 10), 0, -EOPNOTSUPP }, { L(6, 12), L(6, 1), 0, -EOPNOTSUPP },
		{ L(6, 1), L(6, 12), 0, 0 }, { L(5, 10), L(6, 12), B510, -EOPNOTSUPP },
		{ L(6, 5), L(6, 12), 0, -EINVAL }, { 1, L(6, 12), 0, -EINVAL },
		{ ~0ULL, L(6, 12), 0, -EINVAL }, { L(5, 10) | (1ULL << 40), L(6, 12), 0, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tap_ok(kas_level_check(rows[i].level, rows[i].host, rows[i].disabled) == rows[i].ret,
		       "check level 0x%llx host 0x%llx disabled 0x%llx -> %d",
		       (unsigned long long)rows[i].level, (unsigned long long)rows[i].host,
		       (unsigned long long)rows[i].disabled, rows[i].ret);
}

static void test_ctrl(void)
{
	static const struct { enum kas_op op; u64 attr; u32 flags; int ret; } acc[] = {
		{ KAS_OP_HAS, KVM_ABI_SHIM_ATTR_LEVEL, 0, 0 },
		{ KAS_OP_HAS, KVM_ABI_SHIM_ATTR_SUPPORTED, 0, 0 },
		{ KAS_OP_HAS, KVM_ABI_SHIM_ATTR_VERSION, 0, 0 },
		{ KAS_OP_HAS, 4, 0, -ENXIO }, { KAS_OP_GET, 4, 0, -ENXIO },
		{ KAS_OP_SET, 4, 0, -ENXIO }, { KAS_OP_GET, ~0ULL, 0, -ENXIO },
		{ KAS_OP_HAS, KVM_ABI_SHIM_ATTR_IIDR_REV, 0, 0 },
		{ KAS_OP_SET, KVM_ABI_SHIM_ATTR_IIDR_REV, 0, 0 },
		{ KAS_OP_GET, KVM_ABI_SHIM_ATTR_LEVEL, 0, 0 },
		{ KAS_OP_SET, KVM_ABI_SHIM_ATTR_LEVEL, 0, 0 },
		{ KAS_OP_GET, KVM_ABI_SHIM_ATTR_SUPPORTED, 0, 0 },
		{ KAS_OP_SET, KVM_ABI_SHIM_ATTR_SUPPORTED, 0, -ENXIO },
		{ KAS_OP_SET, KVM_ABI_SHIM_ATTR_VERSION, 0, -ENXIO },
		{ KAS_OP_GET, KVM_ABI_SHIM_ATTR_LEVEL, 1, -EINVAL },
		{ KAS_OP_HAS, KVM_ABI_SHIM_ATTR_LEVEL, 0x80000000u, -EINVAL },
		{ KAS_OP_SET, 3, 1, -EINVAL },
	};
	static const struct { u64 level, host; int vcpus; int ret; } set[] = {
		{ L(5, 10), L(6, 1), 0, 0 }, { 0, L(6, 1), 0, 0 },
		{ L(5, 10), L(6, 1), 1, -EBUSY }, { 0, L(6, 1), 1, -EBUSY },
		{ L(6, 5), L(6, 1), 1, -EINVAL }, { L(6, 12), L(6, 1), 1, -EOPNOTSUPP },
		{ L(6, 12), L(6, 1), 0, -EOPNOTSUPP }, { L(6, 12), L(6, 12), 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(acc) / sizeof(acc[0]); i++)
		tap_ok(kas_ctrl_access(acc[i].op, acc[i].attr, acc[i].flags) == acc[i].ret,
		       "access op %d attr 0x%llx flags 0x%x -> %d", acc[i].op,
		       (unsigned long long)acc[i].attr, acc[i].flags, acc[i].ret);
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		tap_ok(kas_ctrl_set_level(set[i].level, 0, set[i].host, 0, set[i].vcpus) == set[i].ret,
		       "set level 0x%llx on host 0x%llx with%s vCPUs -> %d",
		       (unsigned long long)set[i].level, (unsigned long long)set[i].host,
		       set[i].vcpus ? "" : "out", set[i].ret);
}

int main(void)
{
	tap_header("unit: levels and control-plane decisions");
	test_encoding();
	test_parse();
	test_host_and_supported();
	test_check();
	test_ctrl();
	return tap_finish();
}
