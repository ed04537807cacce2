// SPDX-License-Identifier: GPL-2.0
/*
 * vmscale - what one VM's creation and destruction (KVM_CREATE_VM, then
 * close) costs while 0, 100, 1,000 and 10,000 other VMs live, and what a
 * KVM_GET_ONE_REG of a system register of one of them costs (a call the
 * module's hook looks its VM up for), in emulated instructions (boot with
 * -smp 1 -icount shift=0: one CNTVCT tick is 16 instructions, whatever
 * else the kernel does meanwhile included).
 *
 *   vmscale [LEVEL]   LEVEL: the module's default_level for every VM made
 *                     here (restored afterwards); none: no module
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "../../tools/lib/vmm.h"

#define REPS	12
#define MAX_VMS	10000

static const int steps[] = { 0, 100, 1000, MAX_VMS };

/* SCTLR_EL1: no level changes it. */
#define SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)

static uint64_t cntvct(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

/* The cheapest of REPS creations and destructions of one VM, or 0. */
static uint64_t cycle(int kvm)
{
	uint64_t best = ~0ULL, t0, t;
	int r, fd;

	for (r = 0; r < REPS; r++) {
		t0 = cntvct();
		fd = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fd < 0)
			return 0;
		close(fd);
		t = cntvct() - t0;
		if (t < best)
			best = t;
	}
	return best * 16;
}

/* The cheapest of REPS rounds of 200 KVM_GET_ONE_REG of SCTLR_EL1, per call. */
static uint64_t get_sysreg(struct vmm_vcpu *c)
{
	uint64_t best = ~0ULL, t0, t, v;
	int r, i;

	for (r = 0; r < REPS; r++) {
		t0 = cntvct();
		for (i = 0; i < 200; i++)
			if (vmm_get_reg(c, SCTLR_EL1, &v))
				return 0;
		t = cntvct() - t0;
		if (t < best)
			best = t;
	}
	return best * 16 / 200;
}

int main(int argc, char **argv)
{
	const char *lvl = argc > 1 ? argv[1] : "none";
	struct rlimit rl = { MAX_VMS + 64, MAX_VMS + 64 };
	static uint64_t gets[sizeof(steps) / sizeof(steps[0])];
	static int fds[MAX_VMS];
	char saved[32] = "";
	int kvm, n = 0, s, ret = 1;
	struct vmm_vm vm;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "vmscale: /dev/kvm or RLIMIT_NOFILE: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(lvl, "none")) {
		if (vmm_param_read("default_level", saved, sizeof(saved)) ||
		    vmm_param_write("default_level", lvl)) {
			fprintf(stderr, "vmscale: cannot set default_level %s\n", lvl);
			return 1;
		}
		saved[strcspn(saved, "\n")] = 0;
	}
	/* The VM whose register is read, at the default level, first. */
	if (vmm_vm_create(&vm) || vmm_vcpu_add(&vm, 0)) {
		fprintf(stderr, "vmscale: cannot make the measured VM\n");
		goto restore;
	}
	printf("bench-scale level=%s", lvl);
	for (s = 0; s < (int)(sizeof(steps) / sizeof(steps[0])); s++) {
		while (n < steps[s]) {
			fds[n] = ioctl(kvm, KVM_CREATE_VM, 0);
			if (fds[n] < 0)
				break;
			n++;
		}
		if (n < steps[s]) {
			fprintf(stderr, "vmscale: only %d VMs fit: %s\n", n, strerror(errno));
			goto out;
		}
		printf(" live%d=%llu", n, (unsigned long long)cycle(kvm));
		gets[s] = get_sysreg(&vm.vcpu[0]);
	}
	for (s = 0; s < (int)(sizeof(steps) / sizeof(steps[0])); s++)
		printf(" get%d=%llu", steps[s], (unsigned long long)gets[s]);
	printf("\n");
	ret = 0;
out:
	while (n)
		close(fds[--n]);
	vmm_vm_destroy(&vm);
restore:
	if (saved[0])
		vmm_param_write("default_level", saved);
	return ret;
}
