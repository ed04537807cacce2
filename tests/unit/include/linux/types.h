/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel header, for the unit tests only. */
#ifndef KAS_UNIT_TYPES_H
#define KAS_UNIT_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/types.h>
#include <linux/const.h>
typedef __u64 u64;
typedef __u32 u32;
typedef __s8 s8;
#endif
