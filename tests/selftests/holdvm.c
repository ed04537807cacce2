// SPDX-License-Identifier: GPL-2.0
/*
 * holdvm LEVEL: create a VM pinned to LEVEL (native, 5.10, 6.1, 6.12) and
 * keep it until stdin closes or SIGTERM, so that scripts can test what
 * happens around a live VM (operator CLI, package upgrade, rmmod).
 * Prints "holding <level> pid <pid>" once the level is set.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../../tools/lib/vmm.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned int major = 0, minor = 0;
	struct vmm_vm vm;
	__u64 level = 0;
	int ret;
	char c;

	if (argc != 2 || (strcmp(argv[1], "native") &&
			  sscanf(argv[1], "%u.%u", &major, &minor) != 2)) {
		fprintf(stderr, "usage: holdvm native|MAJOR.MINOR\n");
		return 2;
	}
	if (major)
		level = KVM_ABI_SHIM_LEVEL(major, minor);
	if (vmm_vm_create(&vm))
		return 1;
	ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	if (ret) {
		fprintf(stderr, "holdvm: set level %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	signal(SIGTERM, on_term);
	printf("holding %s pid %d\n", argv[1], (int)getpid());
	fflush(stdout);
	while (!stop && read(0, &c, 1) > 0)
		;
	vmm_vm_destroy(&vm);
	return 0;
}
