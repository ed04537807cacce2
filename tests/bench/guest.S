/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest timing loop for exitcost.c, copied into guest memory.
 * In: x3 MMIO address, x5 report address, x6 iterations, x7 op
 * (0: 32-bit MMIO read at x3, 1: HVC with x0 = x8, 2: MRS ID_AA64PFR0_EL1,
 * 3: MRS CTR_EL0; both trap on 6.12 without FEAT_EVT). Out: a store of the
 * elapsed CNTVCT ticks to x5. SMCCC calls preserve x4 and up.
 */
	.text
	.balign	4
	.globl	kas_bench_guest, kas_bench_guest_end
kas_bench_guest:
	isb
	mrs	x9, cntvct_el0
1:	cbz	x7, 2f
	cmp	x7, #2
	b.eq	4f
	b.gt	5f
	mov	x0, x8
	hvc	#0
	b	3f
4:	mrs	x2, id_aa64pfr0_el1
	b	3f
5:	mrs	x2, ctr_el0
	b	3f
2:	ldr	w2, [x3]
3:	subs	x6, x6, #1
	b.ne	1b
	isb
	mrs	x10, cntvct_el0
	sub	x0, x10, x9
	str	x0, [x5]
	b	.
kas_bench_guest_end:
