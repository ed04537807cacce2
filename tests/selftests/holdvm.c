// SPDX-License-Identifier: GPL-2.0
/*
 * holdvm LEVEL: create a VM pinned to LEVEL (native, 5.10, 6.1, 6.12, 7.3)
 * and keep it until stdin closes or SIGTERM, so that scripts can test what
 * happens around a live VM (operator CLI, package upgrade, rmmod).
 * Prints "holding <level> pid <pid>" once the level is set. LEVEL
 * "default" sets nothing, as a VMM that knows nothing of the module, and
 * prints the level the VM got from the operator's default. LEVEL "bare"
 * asks the module nothing (it need not be loaded): a VM alive meanwhile.
 */
#include <signal.h>
#include <stdbool.h>
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
	uint64_t level = 0;
	int ret;
	char name[16];
	char c;
	bool bare;

	if (argc != 2 || (strcmp(argv[1], "native") && strcmp(argv[1], "default") &&
			  strcmp(argv[1], "bare") &&
			  sscanf(argv[1], "%u.%u", &major, &minor) != 2)) {
		fprintf(stderr, "usage: holdvm native|default|bare|MAJOR.MINOR\n");
		return 2;
	}
	if (major)
		level = KVM_ABI_SHIM_LEVEL(major, minor);
	if (vmm_vm_create(&vm))
		return 1;
	bare = !strcmp(argv[1], "bare");
	if (bare)
		ret = 0;
	else if (strcmp(argv[1], "default"))
		ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	else
		ret = vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &level);
	if (ret) {
		fprintf(stderr, "holdvm: %s level %s: %s\n",
			strcmp(argv[1], "default") ? "set" : "get", argv[1], strerror(-ret));
		return 1;
	}
	if (bare)
		snprintf(name, sizeof(name), "bare");
	else if (level)
		snprintf(name, sizeof(name), "%u.%u", (unsigned int)KVM_ABI_SHIM_LEVEL_MAJOR(level),
			 (unsigned int)KVM_ABI_SHIM_LEVEL_MINOR(level));
	else
		snprintf(name, sizeof(name), "native");
	signal(SIGTERM, on_term);
	printf("holding %s pid %d\n", name, (int)getpid());
	fflush(stdout);
	while (!stop && read(0, &c, 1) > 0)
		;
	vmm_vm_destroy(&vm);
	return 0;
}
