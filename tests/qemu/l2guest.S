/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the drill's L2 guest: QEMU jumps here at EL1, MMU and caches
 * off. Set a stack and run the C loop; it never returns.
 */
	.section .text.start, "ax"
	.global _start
_start:
	adrp	x0, l2_stack_top
	add	x0, x0, :lo12:l2_stack_top
	mov	sp, x0
	bl	l2_main
1:	wfi
	b	1b
