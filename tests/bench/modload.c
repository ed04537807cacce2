// SPDX-License-Identifier: GPL-2.0
/*
 * modload - load a module and say how long finit_module() took, in
 * emulated instructions (boot with -icount shift=0: one CNTVCT tick is 16
 * instructions, one instruction one nanosecond of the guest's clock).
 *
 *   modload [-n LOADS] MODULE.ko [PARAMS]
 *
 * With -n, the module is loaded LOADS times, unloaded between loads, and
 * stays loaded after the last; the least time is printed, then each, then
 * each load's CPU time in the loading task (the same clock): a load waits
 * for the kernel's own timers at times (an RCU grace period ends on a
 * tick), and other tasks may run meanwhile. The least of a few is the
 * load's own cost, as the least of many runs is each operation's in
 * exitcost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The calling thread's CPU time, in ns of the guest's clock. */
static uint64_t cputime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t cntvct(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

/* The module's name as the kernel knows it: the file's, '-' as '_'. */
static void module_name(const char *path, char *name, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t i;

	b = b ? b + 1 : path;
	for (i = 0; i + 1 < len && b[i] && strcmp(b + i, ".ko"); i++)
		name[i] = b[i] == '-' ? '_' : b[i];
	name[i] = '\0';
}

int main(int argc, char **argv)
{
	uint64_t t0, c0, t, least = UINT64_MAX, each[16], cpu[16];
	char name[64];
	int fd, i, n = 1, a = 1;
	long ret;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		n = atoi(argv[2]);
		a = 3;
	}
	if (argc - a < 1 || argc - a > 2 || n < 1 || n > 16) {
		fprintf(stderr, "usage: modload [-n LOADS (1-16)] MODULE.ko [PARAMS]\n");
		return 2;
	}
	fd = open(argv[a], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "modload: %s: %s\n", argv[a], strerror(errno));
		return 1;
	}
	module_name(argv[a], name, sizeof(name));
	for (i = 0; i < n; i++) {
		if (i && syscall(SYS_delete_module, name, O_NONBLOCK)) {
			fprintf(stderr, "modload: delete_module %s: %s\n", name, strerror(errno));
			return 1;
		}
		c0 = cputime();
		t0 = cntvct();
		ret = syscall(SYS_finit_module, fd, argc - a > 1 ? argv[a + 1] : "", 0);
		t = (cntvct() - t0) * 16;
		cpu[i] = cputime() - c0;
		if (ret) {
			fprintf(stderr, "modload: finit_module: %s\n", strerror(errno));
			return 1;
		}
		each[i] = t;
		if (t < least)
			least = t;
	}
	printf("%llu", (unsigned long long)least);
	if (n > 1) {
		printf(" loads=");
		for (i = 0; i < n; i++)
			printf("%s%llu", i ? "," : "", (unsigned long long)each[i]);
	}
	printf(" cpu=");
	for (i = 0; i < n; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)cpu[i]);
	printf("\n");
	return 0;
}
