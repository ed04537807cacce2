/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm.h - a tiny VMM for tests: a VM, a memory slot, a vGIC, vCPUs, a few
 * guest instructions, and the device-attribute calls of the control plane.
 * Every call returns 0 or -errno so tests can assert exact errnos.
 */
#ifndef KAS_VMM_H
#define KAS_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "../../uapi/linux/kvm_abi_shim.h"

#define VMM_MEM_GPA	0x40000000ULL
#define VMM_MEM_SIZE	0x200000ULL
#define VMM_GICD_GPA	0x08000000ULL
#define VMM_GICC_GPA	0x08010000ULL	/* GICv2 CPU interface */
#define VMM_GICR_GPA	0x080a0000ULL	/* GICv3 redistributors */
#define VMM_MMIO_GPA	0x0a000000ULL	/* unbacked: guest stores exit here */
#define VMM_MAX_VCPUS	8

/* A few A64 instructions for guest programs. */
#define A64_STR_X0_X1	0xf9000020u	/* str x0, [x1] */
#define A64_STR_X0_X5	0xf90000a0u	/* str x0, [x5]: SMCCC preserves x4 and up */
#define A64_HVC0	0xd4000002u
#define A64_B_SELF	0x14000000u	/* b . */

struct vmm_vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

struct vmm_vm {
	int kvm_fd;
	int fd;
	void *mem;
	int gic_fd;
	int gic_version;	/* 2, 3, or 0 when none */
	int nr_vcpus;
	struct vmm_vcpu vcpu[VMM_MAX_VCPUS];
};

int vmm_vm_create(struct vmm_vm *vm);
void vmm_vm_destroy(struct vmm_vm *vm);
int vmm_add_memory(struct vmm_vm *vm);
int vmm_gic_create(struct vmm_vm *vm, int version);
int vmm_gic_init(struct vmm_vm *vm);
/* A vCPU's PMU (KVM_ARM_VCPU_PMU_V3, after vGIC init): its IRQ @irq, then init. */
int vmm_pmu_init(int vcpu_fd, int irq);
int vmm_host_gic_version(void);
int vmm_vcpu_add(struct vmm_vm *vm, uint32_t features);
/* KVM_CREATE_VCPU (and its kvm_run mapping) without KVM_ARM_VCPU_INIT. */
int vmm_vcpu_create(struct vmm_vm *vm);
/* KVM_ARM_VCPU_INIT of a created vCPU with the preferred target and @features. */
int vmm_vcpu_init(struct vmm_vm *vm, int vcpu_fd, uint32_t features);
int vmm_load_code(struct vmm_vm *vm, uint64_t off, const uint32_t *insn, size_t n);
int vmm_set_reg(struct vmm_vcpu *c, uint64_t id, uint64_t val);
int vmm_get_reg(struct vmm_vcpu *c, uint64_t id, uint64_t *val);
int vmm_set_xreg(struct vmm_vcpu *c, int n, uint64_t val);
int vmm_set_pc(struct vmm_vcpu *c, uint64_t pc);
int vmm_run(struct vmm_vcpu *c);
int vmm_attr(int fd, unsigned long ioctl, uint32_t group, uint64_t attr,
	     void *addr);
int vmm_attr_flags(int fd, unsigned long ioctl, uint32_t group, uint64_t attr,
		   uint64_t addr, uint32_t flags);
int vmm_shim_get(struct vmm_vm *vm, uint64_t attr, uint64_t *val);
int vmm_shim_set(struct vmm_vm *vm, uint64_t attr, uint64_t val);
int vmm_run_to_mmio(struct vmm_vm *vm, int idx, uint64_t *addr, uint64_t *data);

/*
 * Guest routines on vCPU 0 (after vmm_load_routines()): a 32-bit MMIO read
 * or write done by the guest itself, and an SMCCC call over HVC or SMC.
 * Each reports through a store to unbacked memory; the routines sit at
 * VMM_ROUTINES_OFF, not at the slot's first bytes (see passthrough.c).
 */
#define VMM_ROUTINES_OFF 0x1000
int vmm_load_routines(struct vmm_vm *vm);
int vmm_guest_read32(struct vmm_vm *vm, uint64_t gpa, uint32_t *val);
int vmm_guest_write32(struct vmm_vm *vm, uint64_t gpa, uint32_t val);
int vmm_guest_call(struct vmm_vm *vm, bool smc, const uint64_t x[4], uint64_t *x0);
int vmm_guest_mrs(struct vmm_vm *vm, unsigned int op1, unsigned int crn,
		  unsigned int crm, unsigned int op2, uint64_t *val);
/* The guest's CCSIDR_EL1 for the cache CSSELR_EL1 = @csselr selects. */
int vmm_guest_ccsidr(struct vmm_vm *vm, uint64_t csselr, uint64_t *val);

/* Operator side: module parameter and debugfs, for tests running as root. */
int vmm_param_write(const char *param, const char *val);
int vmm_param_read(const char *param, char *buf, size_t len);
int vmm_debugfs_read(const char *file, char *buf, size_t len);
bool vmm_module_loaded(void);
int vmm_host_level(uint64_t *level);

#endif
