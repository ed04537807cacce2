// SPDX-License-Identifier: GPL-2.0
/*
 * modload - load a module and say how long finit_module() took, in
 * emulated instructions (boot with -icount shift=0: one CNTVCT tick is 16
 * instructions, one instruction one nanosecond of the guest's clock).
 *
 *   modload MODULE.ko [PARAMS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t cntvct(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

int main(int argc, char **argv)
{
	uint64_t t0, t;
	long ret;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: modload MODULE.ko [PARAMS]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "modload: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	t0 = cntvct();
	ret = syscall(SYS_finit_module, fd, argc > 2 ? argv[2] : "", 0);
	t = cntvct() - t0;
	if (ret) {
		fprintf(stderr, "modload: finit_module: %s\n", strerror(errno));
		return 1;
	}
	printf("%llu\n", (unsigned long long)t * 16);
	return 0;
}
