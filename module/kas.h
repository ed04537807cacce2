/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kas.h - module-wide state shared between main.c and the feature files.
 */
#ifndef KAS_KAS_H
#define KAS_KAS_H

#include <linux/fs.h>
#include <linux/types.h>

#include "hooks.h"

/* Levels disabled because a hook they need is missing on this kernel. */
extern u64 kas_disabled_levels;

u64 kas_default_level(void);

/* Indices into kas_hook_table[] (main.c). */
enum {
	KAS_HOOK_VM_IOCTL,
	KAS_HOOK_INIT_VM,
	KAS_HOOK_DESTROY_VM,
	KAS_NR_HOOKS
};

extern struct kas_hook kas_hook_table[KAS_NR_HOOKS];

long kas_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg);
int kas_vm_ioctl_pre(struct kprobe *p, struct pt_regs *regs);

#endif /* KAS_KAS_H */
