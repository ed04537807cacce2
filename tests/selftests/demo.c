// SPDX-License-Identifier: GPL-2.0
/*
 * demo [LEVEL] - what a VM at native and a VM at level LEVEL (default 5.10)
 * read back on this host, side by side (make demo). Not a test: it prints
 * values for people.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../../tools/lib/vmm.h"

#define A64_LDR_W2_X3	0xb9400062u	/* ldr w2, [x3] */
#define A64_STR_X2_X1	0xf9000022u	/* str x2, [x1] */
#define FW_REG(i)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | (i))

struct view {
	char level[16];
	uint32_t iidr_guest, iidr_user, groups_restored;
	uint64_t psci, smccc, trng, smc, nregs, nfw;
};

static uint64_t call(struct vmm_vm *vm, bool smc, uint64_t fn)
{
	uint64_t x[4] = { fn, 0, 0, 0 }, x0 = 0;

	vmm_guest_call(vm, smc, x, &x0);
	return x0;
}

static void look(uint64_t level, struct view *v)
{
	struct kvm_reg_list *list, probe = { .n = 0 };
	uint64_t l = 0;
	uint32_t grp = 0x12345678;
	struct vmm_vm vm;
	struct vmm_vcpu *c;
	unsigned int i;

	memset(v, 0, sizeof(*v));
	if (vmm_vm_create(&vm) || vmm_add_memory(&vm))
		exit(1);
	if (level && vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level))
		printf("# setting level failed: %s\n", strerror(errno));
	vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &l);
	if (l)
		snprintf(v->level, sizeof(v->level), "%llu.%llu",
			 (unsigned long long)KVM_ABI_SHIM_LEVEL_MAJOR(l),
			 (unsigned long long)KVM_ABI_SHIM_LEVEL_MINOR(l));
	else
		snprintf(v->level, sizeof(v->level), "native");
	if (vmm_gic_create(&vm, vmm_host_gic_version()) ||
	    vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) || vmm_gic_init(&vm) ||
	    vmm_load_routines(&vm))
		exit(1);
	c = &vm.vcpu[0];
	vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &v->iidr_user);
	vmm_guest_read32(&vm, VMM_GICD_GPA + 8, &v->iidr_guest);
	/* A VMM restoring interrupt groups without writing GICD_IIDR (QEMU). */
	vmm_attr(vm.gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x84, &grp);
	vmm_guest_read32(&vm, VMM_GICD_GPA + 0x84, &v->groups_restored);
	vmm_get_reg(c, FW_REG(0), &v->psci);
	ioctl(c->fd, KVM_GET_REG_LIST, &probe);
	v->nregs = probe.n;
	list = calloc(1, sizeof(*list) + probe.n * 8);
	list->n = probe.n;
	ioctl(c->fd, KVM_GET_REG_LIST, list);
	for (i = 0; i < list->n; i++)
		v->nfw += (list->reg[i] & 0xffff0000ULL) == 0x140000 ||
			  (list->reg[i] & 0xffff0000ULL) == 0x160000;
	free(list);
	v->smccc = call(&vm, false, 0x80000000);
	v->trng = call(&vm, false, 0x84000050);
	v->smc = call(&vm, true, 0x80000000);
	vmm_vm_destroy(&vm);
}

#define ROW(name, fmt, a, b) printf("%-40s " fmt " " fmt "\n", name, a, b)

int main(int argc, char **argv)
{
	unsigned int major = 5, minor = 10;
	struct view n, o;

	if (argc > 2 || (argc == 2 && sscanf(argv[1], "%u.%u", &major, &minor) != 2)) {
		fprintf(stderr, "usage: demo [MAJOR.MINOR]\n");
		return 2;
	}
	look(KVM_ABI_SHIM_LEVEL_NATIVE, &n);
	look(KVM_ABI_SHIM_LEVEL(major, minor), &o);
	printf("%-40s %-14s %-14s\n", "", "VM 1", "VM 2");
	ROW("level (KVM_GET_DEVICE_ATTR)", "%-14s", n.level, o.level);
	ROW("GICD_IIDR read by the guest", "0x%-12x", n.iidr_guest, o.iidr_guest);
	ROW("GICD_IIDR read by the VMM", "0x%-12x", n.iidr_user, o.iidr_user);
	ROW("IGROUPR1 after a VMM restore, no IIDR", "0x%-12x", n.groups_restored,
	    o.groups_restored);
	ROW("KVM_GET_REG_LIST entries", "%-14llu", (unsigned long long)n.nregs,
	    (unsigned long long)o.nregs);
	ROW("... of which firmware registers", "%-14llu", (unsigned long long)n.nfw,
	    (unsigned long long)o.nfw);
	ROW("PSCI_VERSION firmware register", "0x%-12llx", (unsigned long long)n.psci,
	    (unsigned long long)o.psci);
	ROW("SMCCC_VERSION (guest HVC)", "0x%-12llx", (unsigned long long)n.smccc,
	    (unsigned long long)o.smccc);
	ROW("TRNG_VERSION (guest HVC)", "0x%-12llx", (unsigned long long)n.trng,
	    (unsigned long long)o.trng);
	ROW("SMCCC_VERSION (guest SMC)", "0x%-12llx", (unsigned long long)n.smc,
	    (unsigned long long)o.smc);
	return 0;
}
