// SPDX-License-Identifier: GPL-2.0
/*
 * fwrestore - restore the firmware registers a fingerprint recorded (on
 * another kernel, or at another level) into a fresh vCPU, the way QEMU
 * writes back its saved register list, and report each KVM_SET_ONE_REG.
 *
 *   fwrestore LEVEL FILE    LEVEL: native, 5.10, 6.1 or 6.12
 *
 * Prints "fwrestore.reg.<id> <errno>" lines; the harness judges them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/lib/vmm.h"

int main(int argc, char **argv)
{
	unsigned int maj, min;
	uint64_t level = 0;
	struct vmm_vm vm;
	char line[512];
	FILE *f;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: fwrestore LEVEL FILE\n");
		return 2;
	}
	if (strcmp(argv[1], "native")) {
		if (sscanf(argv[1], "%u.%u", &maj, &min) != 2)
			return 2;
		level = KVM_ABI_SHIM_LEVEL(maj, min);
	}
	f = fopen(argv[2], "r");
	if (!f)
		return 2;
	ret = vmm_vm_create(&vm);
	if (!ret && level)
		ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	ret = ret ?: vmm_add_memory(&vm) ?: vmm_gic_create(&vm, vmm_host_gic_version()) ?:
	      vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) ?: vmm_gic_init(&vm);
	if (ret) {
		printf("fwrestore.setup %d\n", ret);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long id, val;
		unsigned int coproc;

		if (sscanf(line, "reg.0x%llx 0x%llx", &id, &val) != 2)
			continue;
		coproc = (id >> 16) & 0xffff;
		if (coproc != 0x14 && coproc != 0x16)
			continue;
		printf("fwrestore.reg.0x%016llx %d\n", id, vmm_set_reg(&vm.vcpu[0], id, val));
	}
	fclose(f);
	vmm_vm_destroy(&vm);
	return 0;
}
