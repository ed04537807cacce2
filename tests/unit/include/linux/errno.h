/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel header, for the unit tests only. */
#include <asm/errno.h>
