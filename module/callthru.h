/* SPDX-License-Identifier: GPL-2.0 */
/*
 * callthru.h - shared between callthru.S and hooks.c.
 */
#ifndef KAS_CALLTHRU_H
#define KAS_CALLTHRU_H

/* "KASCALL!": marks a call-through at the callee's entry SP. */
#define KAS_CALL_MAGIC		0x214c4c4143534b41
/* Thunks in callthru.S; at least KAS_NR_HOOKS. */
#define KAS_NR_THUNKS		40

#ifndef __ASSEMBLY__
/* Call-through targets, read by the thunks: kas_hook_target[i] is hook i's. */
extern unsigned long kas_hook_target[KAS_NR_THUNKS];
/* The thunks: kas_thunks[i] calls kas_hook_target[i] (hooks.h). */
extern void *const kas_thunks[KAS_NR_THUNKS];
/* Returns x0 to the link register: see kas_return(). */
void kas_return_stub(void);
#endif

#endif /* KAS_CALLTHRU_H */
