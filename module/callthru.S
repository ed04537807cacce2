/* SPDX-License-Identifier: GPL-2.0 */
/*
 * callthru.S - call a probed function from a redirect target so that the
 * probe lets it through.
 *
 * The probe recognises a call-through by a cookie on the stack, not by the
 * link register: a kretprobe or another tracer on the same function may
 * have replaced the link register before our handler runs, but nothing
 * moves the stack pointer before the function's first instruction. The
 * cookie (KAS_CALL_MAGIC, then the callee's address) sits at the callee's
 * entry SP and is cleared on return, so it never outlives the call.
 *
 * kas_thunk_N has the probed function's prototype (all arguments in x0-x7,
 * none on the stack) and calls kas_hook_target[N].
 */
#include <linux/linkage.h>
#include <asm/assembler.h>

#include "callthru.h"

SYM_FUNC_START_LOCAL(kas_call_through)
	sub	sp, sp, #32
	stp	x29, x30, [sp, #16]
	add	x29, sp, #16
	adr_l	x17, kas_hook_target
	ldr	x16, [x17, x16, lsl #3]
	mov_q	x17, KAS_CALL_MAGIC
	stp	x17, x16, [sp]
	blr	x16
	stp	xzr, xzr, [sp]
	ldp	x29, x30, [sp, #16]
	add	sp, sp, #32
	ret
SYM_FUNC_END(kas_call_through)

/*
 * kas_return_stub: where a hook that answers without running the function
 * sends the call (x0 already holds the answer). Returning through the link
 * register, rather than jumping to the caller, honours whatever another
 * tracer on the same call put there after our handler ran: the
 * function-graph tracer's and a kretprobe's return hooks, or a BPF
 * trampoline that calls "the function" and expects it to return.
 */
SYM_FUNC_START(kas_return_stub)
	ret
SYM_FUNC_END(kas_return_stub)

#define KAS_THUNK(n)				\
SYM_FUNC_START_LOCAL(kas_thunk_##n)			\
	mov	x16, #(n);			\
	b	kas_call_through;		\
SYM_FUNC_END(kas_thunk_##n)

KAS_THUNK(0)
KAS_THUNK(1)
KAS_THUNK(2)
KAS_THUNK(3)
KAS_THUNK(4)
KAS_THUNK(5)
KAS_THUNK(6)
KAS_THUNK(7)
KAS_THUNK(8)
KAS_THUNK(9)
KAS_THUNK(10)
KAS_THUNK(11)
KAS_THUNK(12)
KAS_THUNK(13)
KAS_THUNK(14)
KAS_THUNK(15)
KAS_THUNK(16)
KAS_THUNK(17)
KAS_THUNK(18)
KAS_THUNK(19)
KAS_THUNK(20)
KAS_THUNK(21)
KAS_THUNK(22)
KAS_THUNK(23)
KAS_THUNK(24)
KAS_THUNK(25)
KAS_THUNK(26)
KAS_THUNK(27)
KAS_THUNK(28)
KAS_THUNK(29)
KAS_THUNK(30)
KAS_THUNK(31)
KAS_THUNK(32)
KAS_THUNK(33)
KAS_THUNK(34)
KAS_THUNK(35)
KAS_THUNK(36)
KAS_THUNK(37)
KAS_THUNK(38)
KAS_THUNK(39)

/* Their addresses, for hooks.c. */
	.pushsection .rodata, "a"
	.balign	8
SYM_DATA_START(kas_thunks)
	.quad	kas_thunk_0
	.quad	kas_thunk_1
	.quad	kas_thunk_2
	.quad	kas_thunk_3
	.quad	kas_thunk_4
	.quad	kas_thunk_5
	.quad	kas_thunk_6
	.quad	kas_thunk_7
	.quad	kas_thunk_8
	.quad	kas_thunk_9
	.quad	kas_thunk_10
	.quad	kas_thunk_11
	.quad	kas_thunk_12
	.quad	kas_thunk_13
	.quad	kas_thunk_14
	.quad	kas_thunk_15
	.quad	kas_thunk_16
	.quad	kas_thunk_17
	.quad	kas_thunk_18
	.quad	kas_thunk_19
	.quad	kas_thunk_20
	.quad	kas_thunk_21
	.quad	kas_thunk_22
	.quad	kas_thunk_23
	.quad	kas_thunk_24
	.quad	kas_thunk_25
	.quad	kas_thunk_26
	.quad	kas_thunk_27
	.quad	kas_thunk_28
	.quad	kas_thunk_29
	.quad	kas_thunk_30
	.quad	kas_thunk_31
	.quad	kas_thunk_32
	.quad	kas_thunk_33
	.quad	kas_thunk_34
	.quad	kas_thunk_35
	.quad	kas_thunk_36
	.quad	kas_thunk_37
	.quad	kas_thunk_38
	.quad	kas_thunk_39
SYM_DATA_END(kas_thunks)
	.popsection
