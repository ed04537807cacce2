// SPDX-License-Identifier: GPL-2.0
/*
 * demo - what a VM at native and a VM at level 5.10 read back on this host,
 * side by side (make demo). Not a test: it prints values for people.
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
	uint64_t iidr_guest, iidr_user, psci, smccc, nregs;
};

static void look(uint64_t level, struct view *v)
{
	static const uint32_t code[] = {
		A64_LDR_W2_X3, A64_STR_X2_X1,		/* guest reads GICD_IIDR */
		A64_HVC0, A64_STR_X0_X1, A64_B_SELF,	/* SMCCC_VERSION */
	};
	struct kvm_reg_list probe = { .n = 0 };
	uint64_t addr, data, l = 0;
	uint32_t iidr = 0;
	struct vmm_vm vm;
	struct vmm_vcpu *c;

	memset(v, 0, sizeof(*v));
	if (vmm_vm_create(&vm) || vmm_add_memory(&vm))
		exit(1);
	if (level && vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level))
		printf("# setting level failed: %s\n", strerror(errno));
	vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &l);
	snprintf(v->level, sizeof(v->level), "%s", !l ? "native" :
		 l == KVM_ABI_SHIM_LEVEL(5, 10) ? "5.10" : "other");
	if (vmm_gic_create(&vm, vmm_host_gic_version()) ||
	    vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) || vmm_gic_init(&vm))
		exit(1);
	c = &vm.vcpu[0];
	vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &iidr);
	v->iidr_user = iidr;
	vmm_get_reg(c, FW_REG(0), &v->psci);
	ioctl(c->fd, KVM_GET_REG_LIST, &probe);
	v->nregs = probe.n;
	vmm_load_code(&vm, 0, code, 5);
	vmm_set_pc(c, VMM_MEM_GPA);
	vmm_set_xreg(c, 0, 0x80000000);		/* SMCCC_VERSION */
	vmm_set_xreg(c, 1, VMM_MMIO_GPA);
	vmm_set_xreg(c, 3, VMM_GICD_GPA + 8);	/* GICD_IIDR */
	if (!vmm_run_to_mmio(&vm, 0, &addr, &data))
		v->iidr_guest = data;
	if (!vmm_run_to_mmio(&vm, 0, &addr, &data))
		v->smccc = data;
	vmm_vm_destroy(&vm);
}

int main(void)
{
	struct view n, o;

	look(KVM_ABI_SHIM_LEVEL_NATIVE, &n);
	look(KVM_ABI_SHIM_LEVEL(5, 10), &o);
	printf("%-32s %-14s %-14s\n", "", "VM 1", "VM 2");
	printf("%-32s %-14s %-14s\n", "level (KVM_GET_DEVICE_ATTR)", n.level, o.level);
	printf("%-32s 0x%-12llx 0x%-12llx\n", "GICD_IIDR read by the guest",
	       (unsigned long long)n.iidr_guest, (unsigned long long)o.iidr_guest);
	printf("%-32s 0x%-12llx 0x%-12llx\n", "GICD_IIDR read by the VMM",
	       (unsigned long long)n.iidr_user, (unsigned long long)o.iidr_user);
	printf("%-32s 0x%-12llx 0x%-12llx\n", "SMCCC_VERSION (guest HVC)",
	       (unsigned long long)n.smccc, (unsigned long long)o.smccc);
	printf("%-32s 0x%-12llx 0x%-12llx\n", "PSCI_VERSION firmware register",
	       (unsigned long long)n.psci, (unsigned long long)o.psci);
	printf("%-32s %-14llu %-14llu\n", "KVM_GET_REG_LIST entries",
	       (unsigned long long)n.nregs, (unsigned long long)o.nregs);
	return 0;
}
