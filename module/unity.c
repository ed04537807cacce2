// SPDX-License-Identifier: GPL-2.0
/*
 * unity.c - the module's one translation unit.
 *
 * Nearly every file includes KVM's headers (linux/kvm_host.h and arm64's
 * kvm_host.h, kvm_emulate.h, arm_vgic.h), and parsing them is most of the
 * cost of a build: about 2 s per file natively, minutes per file where DKMS
 * runs emulated. Compiled once here, a build costs a third of the CPU time,
 * so DKMS on a host (at every kernel upgrade) and every build of the test
 * suite are that much faster. The files stay separate for reading; their
 * static names share this one namespace, so a clash is a compile error.
 * The pure policy files (no kernel headers) come last: their short local
 * macros are undefined at their end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "compat/compat.h"
/* A kernel the module refuses: the refusal is the build's only error. */
#ifndef KAS_REFUSED
#include "main.c"
#include "hooks.c"
#include "vm.c"
#include "ctrl.c"
#include "levels.c"
#include "vgic.c"
#include "fwregs.c"
#include "smccc.c"
#include "reglist.c"
#include "vcpu.c"
#include "idregs.c"
#include "caps.c"
#include "vgic_policy.c"
#include "fw_policy.c"
#include "reg_policy.c"
#include "idreg_policy.c"
#include "caps_policy.c"
#ifdef KAS_TEST
#include "testhooks.c"
#endif
#endif /* !KAS_REFUSED */
