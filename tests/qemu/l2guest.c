// SPDX-License-Identifier: GPL-2.0
/*
 * The L2 guest of the QEMU save/restore drill (tests/qemu): a bare-metal
 * program that QEMU runs under KVM in the test VM. Twice a second (by the
 * virtual counter) it prints one line on the PL011 with a tick number and
 * the ID, cache and debug registers as *the guest* reads them:
 *
 *   tick N midr=... aa64dfr0=... mmfr1=... ... end
 *
 * After a restore the tick numbers go on from where the save stopped (no
 * "l2 start" line again) and the register values must be those seen before
 * the save: that is what the drill asserts.
 */
#include <stdint.h>

#define UART_BASE	0x09000000UL	/* virt machine's PL011 */
#define UART_DR		0x00
#define UART_FR		0x18
#define UART_FR_TXFF	(1U << 5)
#define UART_CR		0x30
#define UART_CR_ON	0x301U		/* UARTEN | TXE | RXE */

static inline void mmio_w32(unsigned long a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static inline uint32_t mmio_r32(unsigned long a)
{
	return *(volatile uint32_t *)a;
}

static void putc(char c)
{
	while (mmio_r32(UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	mmio_w32(UART_BASE + UART_DR, (uint32_t)c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void puthex(uint64_t v)
{
	static const char d[] = "0123456789abcdef";
	int i, started = 0;

	puts("0x");
	for (i = 60; i >= 0; i -= 4) {
		unsigned int n = (v >> i) & 0xf;

		if (n || started || i == 0) {
			putc(d[n]);
			started = 1;
		}
	}
}

static void putdec(uint64_t v)
{
	char b[24];
	int i = 0;

	do {
		b[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		putc(b[--i]);
}

#define MRS(name) ({ uint64_t __v; asm volatile("mrs %0, " name : "=r"(__v)); __v; })

/* CCSIDR of the cache CSSELR selects (level and InD in csselr). */
static uint64_t ccsidr(uint64_t csselr)
{
	uint64_t v;

	asm volatile("msr csselr_el1, %1\n\tisb\n\tmrs %0, ccsidr_el1"
		     : "=r"(v) : "r"(csselr));
	return v;
}

static void field(const char *name, uint64_t v)
{
	putc(' ');
	puts(name);
	putc('=');
	puthex(v);
}

/* Counters live in memory, so a restore carries them on. */
static volatile uint64_t tick;

void l2_main(void)
{
	uint64_t frq = MRS("cntfrq_el0"), next;

	mmio_w32(UART_BASE + UART_CR, UART_CR_ON);
	puts("l2 start\r\n");
	next = MRS("cntvct_el0");
	for (;;) {
		while (MRS("cntvct_el0") < next)
			;
		next += frq / 2;
		tick++;
		puts("tick ");
		putdec(tick);
		field("midr", MRS("midr_el1"));
		field("pfr0", MRS("id_aa64pfr0_el1"));
		field("aa64dfr0", MRS("id_aa64dfr0_el1"));
		field("dfr0", MRS("id_dfr0_el1"));
		field("isar0", MRS("id_aa64isar0_el1"));
		field("isar1", MRS("id_aa64isar1_el1"));
		field("isar2", MRS("s3_0_c0_c6_2"));
		field("mmfr0", MRS("id_aa64mmfr0_el1"));
		field("mmfr1", MRS("id_aa64mmfr1_el1"));
		field("mmfr2", MRS("id_aa64mmfr2_el1"));
		field("mmfr3", MRS("s3_0_c0_c7_3"));
		field("clidr", MRS("clidr_el1"));
		field("ctr", MRS("ctr_el0"));
		field("ccsidr.l1d", ccsidr(0));
		field("ccsidr.l1i", ccsidr(1));
		field("ccsidr.l2", ccsidr(2));
		/* A line cut by the save has no end mark. */
		puts(" end\r\n");
	}
}
