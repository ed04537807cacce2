/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel header, for the unit tests only. */
#ifndef KAS_UNIT_KERNEL_H
#define KAS_UNIT_KERNEL_H
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
