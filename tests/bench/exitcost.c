// SPDX-License-Identifier: GPL-2.0
/*
 * exitcost - instructions per guest exit and per VMM ioctl on the paths the
 * module probes, measured the deterministic way (docs: perf-method): boot
 * with -smp 1 -icount shift=0,sleep=off, where one CNTVCT tick is 16
 * emulated instructions; minimum over repetitions.
 *
 *   exitcost [LEVEL]   LEVEL: set through the module (native, 5.10, ...)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../../tools/lib/vmm.h"

#define ITER	200
#define REPS	12
#define CODE	0x2000

extern const char kas_bench_guest[], kas_bench_guest_end[];

static uint64_t cntvct(void)
{
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
}

static uint64_t guest_loop(struct vmm_vm *vm, uint64_t op, uint64_t arg)
{
	struct vmm_vcpu *c = &vm->vcpu[0];
	uint64_t best = ~0ULL, addr, ticks;
	int r;

	for (r = 0; r < REPS; r++) {
		vmm_set_xreg(c, 3, arg);
		vmm_set_xreg(c, 8, arg);
		vmm_set_xreg(c, 5, VMM_MMIO_GPA);
		vmm_set_xreg(c, 6, ITER);
		vmm_set_xreg(c, 7, op);
		vmm_set_pc(c, VMM_MEM_GPA + CODE);
		if (vmm_run_to_mmio(vm, 0, &addr, &ticks))
			return 0;
		if (ticks < best)
			best = ticks;
	}
	return best * 16 / ITER;
}

static uint64_t ioctl_loop(struct vmm_vm *vm, uint64_t id)
{
	uint64_t best = ~0ULL, t0, t, v;
	int r, i;

	for (r = 0; r < REPS; r++) {
		t0 = cntvct();
		for (i = 0; i < ITER; i++)
			vmm_get_reg(&vm->vcpu[0], id, &v);
		t = cntvct() - t0;
		if (t < best)
			best = t;
	}
	return best * 16 / ITER;
}

/*
 * What a migration does in its downtime, for a VM of 4 vCPUs that has run:
 * each vCPU's KVM_GET_REG_LIST, then KVM_GET_ONE_REG of every register
 * listed. The cheapest of REPS, in instructions for the whole save (0: it
 * failed); *nregs: the registers one save read. Each vCPU enters KVM_RUN
 * once first (immediate_exit: the kernel's first-run work, no guest
 * code), as a migrated VM's have. An older level may list more registers
 * than the host (5.10's PMU registers): a kernel of that level saves them
 * too, so the cost per register is the fair comparison for such a level.
 */
static uint64_t regsave(const char *lvl, unsigned int *nregs)
{
	static struct {
		struct kvm_reg_list rl;
		uint64_t id[2048];
	} l;
	uint64_t best = ~0ULL, t0, t, buf[32];
	unsigned int maj, min;
	struct vmm_vm vm;
	int r, c, i, ret;

	ret = vmm_vm_create(&vm);
	if (!ret && sscanf(lvl, "%u.%u", &maj, &min) == 2)
		ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(maj, min));
	for (c = 0; c < 4 && !ret; c++)
		ret = vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2);
	for (c = 0; c < 4 && !ret; c++) {
		vm.vcpu[c].run->immediate_exit = 1;
		ret = vmm_run(&vm.vcpu[c]);
		ret = ret == -EINTR ? 0 : ret ? ret : -EIO;
		vm.vcpu[c].run->immediate_exit = 0;
	}
	for (r = 0; r < REPS && !ret; r++) {
		*nregs = 0;
		t0 = cntvct();
		for (c = 0; c < 4 && !ret; c++) {
			l.rl.n = sizeof(l.id) / sizeof(l.id[0]);
			ret = ioctl(vm.vcpu[c].fd, KVM_GET_REG_LIST, &l);
			for (i = 0; i < (int)l.rl.n && !ret; i++) {
				struct kvm_one_reg one = { l.id[i], (uint64_t)(uintptr_t)buf };

				/* Registers larger than the buffer (SVE) are not offered here. */
				if ((1u << ((l.id[i] & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT)) > sizeof(buf))
					continue;
				ret = ioctl(vm.vcpu[c].fd, KVM_GET_ONE_REG, &one);
				(*nregs)++;
			}
		}
		t = cntvct() - t0;
		if (t < best)
			best = t;
	}
	vmm_vm_destroy(&vm);
	return ret ? 0 : best * 16;
}

int main(int argc, char **argv)
{
	const char *lvl = argc > 1 ? argv[1] : "none";
	unsigned int maj, min, nregs = 0;
	uint64_t save;
	struct vmm_vm vm;
	int ret;

	ret = vmm_vm_create(&vm);
	if (!ret && argc > 1 && sscanf(lvl, "%u.%u", &maj, &min) == 2)
		ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(maj, min));
	ret = ret ?: vmm_add_memory(&vm) ?: vmm_gic_create(&vm, vmm_host_gic_version()) ?:
	      vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) ?: vmm_gic_init(&vm);
	if (ret) {
		fprintf(stderr, "exitcost: setup failed (%d)\n", ret);
		return 1;
	}
	vmm_load_code(&vm, CODE, (const uint32_t *)kas_bench_guest,
		      (kas_bench_guest_end - kas_bench_guest) / 4);
	save = regsave(lvl, &nregs);
	printf("bench level=%s gicd_iidr_read=%llu gicd_igroupr1_read=%llu hvc_smccc_version=%llu "
	       "hvc_psci_version=%llu get_one_reg_psci=%llu get_one_reg_x0=%llu "
	       "mrs_id_aa64pfr0=%llu mrs_ctr_el0=%llu regsave_4vcpu=%llu "
	       "regsave_regs=%u regsave_per_reg=%llu\n", lvl,
	       (unsigned long long)guest_loop(&vm, 0, VMM_GICD_GPA + 0x8),
	       (unsigned long long)guest_loop(&vm, 0, VMM_GICD_GPA + 0x84),
	       (unsigned long long)guest_loop(&vm, 1, 0x80000000),
	       (unsigned long long)guest_loop(&vm, 1, 0x84000000),
	       (unsigned long long)ioctl_loop(&vm, KVM_REG_ARM64 | KVM_REG_SIZE_U64 |
					      KVM_REG_ARM_FW | 0),
	       (unsigned long long)ioctl_loop(&vm, KVM_REG_ARM64 | KVM_REG_SIZE_U64 |
					      KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.regs[0])),
	       (unsigned long long)guest_loop(&vm, 2, 0),
	       (unsigned long long)guest_loop(&vm, 3, 0),
	       (unsigned long long)save, nregs,
	       (unsigned long long)(nregs ? save / nregs : 0));
	vmm_vm_destroy(&vm);
	return 0;
}
