/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel header, for the unit tests only. */
#ifndef KAS_UNIT_KERNEL_H
#define KAS_UNIT_KERNEL_H
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GENMASK_ULL(h, l) ((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define BIT_ULL(n) (1ULL << (n))
#define min(a, b) ((a) < (b) ? (a) : (b))
#endif
