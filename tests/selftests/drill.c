// SPDX-License-Identifier: GPL-2.0
/*
 * drill - the rollback drill's VMM (issue #3): run a guest to a checkpoint,
 * save the whole VM the way QEMU does (every KVM_GET_REG_LIST register, the
 * vGIC state through device attributes, guest memory), and on another
 * kernel restore it and let the guest finish, checking what it sees.
 *
 *   drill save LEVEL FILE   LEVEL: native or 5.10/6.1/6.12 (via the module)
 *   drill restore FILE [LEVEL]  natively, or at LEVEL; prints
 *                               "drill.<item> <result>" lines
 *
 * The guest, before the checkpoint, reads GICD_IIDR, writes its interrupt
 * groups and calls SMCCC_VERSION, TRNG_VERSION and PSCI_VERSION; after it,
 * it does the same again. Both sets of answers are compared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../../tools/lib/vmm.h"

#define CODE_OFF	0x2000
#define DATA_OFF	0x3000
#define SAVE_MEM	0x4000		/* guest memory saved: code and data */

static const uint32_t code[] = {
	/* before the checkpoint */
	0xb9400162,	/* ldr w2, [x11]      GICD_IIDR */
	0xf90000e2,	/* str x2, [x7] */
	0xb90000c4,	/* str w4, [x6]       GICD_IGROUPR1 = x4 */
	0xb94000c2,	/* ldr w2, [x6] */
	0xf90004e2,	/* str x2, [x7, #8] */
	0xaa0803e0, 0xd4000002, 0xf90008e0,	/* SMCCC_VERSION -> [x7, #16] */
	0xaa0903e0, 0xd4000002, 0xf9000ce0,	/* TRNG_VERSION -> [x7, #24] */
	0xaa0a03e0, 0xd4000002, 0xf90010e0,	/* PSCI_VERSION -> [x7, #32] */
	0xf90000a0,	/* str x0, [x5]       checkpoint */
	/* after the restore */
	0xb9400162, 0xf90020e2,			/* GICD_IIDR -> [x7, #64] */
	0xb94000c2, 0xf90024e2,			/* IGROUPR1 -> [x7, #72] */
	0xaa0803e0, 0xd4000002, 0xf90028e0,	/* SMCCC_VERSION -> [x7, #80] */
	0xaa0903e0, 0xd4000002, 0xf9002ce0,	/* TRNG_VERSION -> [x7, #88] */
	0xaa0a03e0, 0xd4000002, 0xf90030e0,	/* PSCI_VERSION -> [x7, #96] */
	0xf90000a0,	/* str x0, [x5]       done */
	A64_B_SELF,
};

static const char *const seen[] = { "iidr", "igroupr1", "smccc_version", "trng_version",
				    "psci_version" };

/*
 * vGIC registers QEMU carries through the device attributes: distributor
 * control, groups, enables, priorities and configuration of the first 256
 * interrupts, and the redistributor's SGI/PPI frame. (Pending/active state
 * and the GICv3 CPU-interface system registers are not saved: the drill's
 * guest has no interrupt in flight.)
 */
#define RANGE8(base) base, base + 4, base + 8, base + 12, base + 16, base + 20, base + 24, base + 28
static const uint32_t dist_regs[] = {
	0x0, RANGE8(0x80), RANGE8(0x100), RANGE8(0x400), RANGE8(0x420),
	RANGE8(0xc00), RANGE8(0xc20),
};
static const uint32_t redist_regs[] = {
	0x10080, 0x10100, RANGE8(0x10400), 0x10c00, 0x10c04,
};

static int setup(struct vmm_vm *vm, uint64_t level, bool set_level)
{
	int ret = vmm_vm_create(vm);

	if (!ret && set_level)
		ret = vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	return ret ?: vmm_add_memory(vm) ?: vmm_gic_create(vm, vmm_host_gic_version()) ?:
	       vmm_vcpu_add(vm, 1u << KVM_ARM_VCPU_PSCI_0_2) ?: vmm_gic_init(vm);
}

static int gic_attr(struct vmm_vm *vm, bool set, bool redist, uint32_t off, uint32_t *val)
{
	return vmm_attr(vm->gic_fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
			redist ? KVM_DEV_ARM_VGIC_GRP_REDIST_REGS : KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			off, val);
}

static int save(uint64_t level, bool set_level, const char *path)
{
	struct kvm_reg_list *list, probe = { .n = 0 };
	struct vmm_vcpu *c;
	struct vmm_vm vm;
	uint64_t addr, data;
	unsigned int i, j;
	FILE *f;
	int ret;

	ret = setup(&vm, level, set_level);
	if (ret) {
		fprintf(stderr, "drill: setup: %s\n", strerror(-ret));
		return 1;
	}
	c = &vm.vcpu[0];
	vmm_load_code(&vm, CODE_OFF, code, sizeof(code) / sizeof(code[0]));
	vmm_set_pc(c, VMM_MEM_GPA + CODE_OFF);
	vmm_set_xreg(c, 4, 0x5a5a5a5a);
	vmm_set_xreg(c, 5, VMM_MMIO_GPA);
	vmm_set_xreg(c, 6, VMM_GICD_GPA + 0x84);
	vmm_set_xreg(c, 7, VMM_MEM_GPA + DATA_OFF);
	vmm_set_xreg(c, 8, 0x80000000);		/* SMCCC_VERSION */
	vmm_set_xreg(c, 9, 0x84000050);		/* TRNG_VERSION */
	vmm_set_xreg(c, 10, 0x84000000);	/* PSCI_VERSION */
	vmm_set_xreg(c, 11, VMM_GICD_GPA + 0x8);
	ret = vmm_run_to_mmio(&vm, 0, &addr, &data);
	if (ret || addr != VMM_MMIO_GPA) {
		fprintf(stderr, "drill: guest did not reach its checkpoint (%d)\n", ret);
		return 1;
	}
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "gic %d\n", vm.gic_version);
	ioctl(c->fd, KVM_GET_REG_LIST, &probe);
	list = calloc(1, sizeof(*list) + probe.n * sizeof(uint64_t));
	list->n = probe.n;
	ioctl(c->fd, KVM_GET_REG_LIST, list);
	for (i = 0; i < list->n; i++) {
		uint64_t id = list->reg[i], buf[32] = { 0 };
		unsigned int size = 1u << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
		struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)buf };

		if (size > sizeof(buf) || ioctl(c->fd, KVM_GET_ONE_REG, &r))
			continue;
		fprintf(f, "reg 0x%016llx", (unsigned long long)id);
		for (j = 0; j < (size + 7) / 8; j++)
			fprintf(f, " %llx", (unsigned long long)buf[j]);
		fprintf(f, "\n");
	}
	free(list);
	for (i = 0; i < sizeof(dist_regs) / sizeof(dist_regs[0]); i++) {
		uint32_t v;

		if (!gic_attr(&vm, false, false, dist_regs[i], &v))
			fprintf(f, "gicd 0x%x 0x%x\n", dist_regs[i], v);
	}
	for (i = 0; vm.gic_version == 3 && i < sizeof(redist_regs) / sizeof(redist_regs[0]); i++) {
		uint32_t v;

		if (!gic_attr(&vm, false, true, redist_regs[i], &v))
			fprintf(f, "gicr 0x%x 0x%x\n", redist_regs[i], v);
	}
	for (i = 0; i < SAVE_MEM; i += 8)
		fprintf(f, "mem 0x%x %llx\n", i, (unsigned long long)*(uint64_t *)((char *)vm.mem + i));
	fclose(f);
	vmm_vm_destroy(&vm);
	return 0;
}

static int restore(const char *path, uint64_t level, bool set_level)
{
	char line[1024], kind[8];
	struct vmm_vcpu *c;
	struct vmm_vm vm;
	uint64_t addr, data, *d;
	unsigned int i;
	FILE *f = fopen(path, "r");
	int ret, gic = 0;

	if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "gic %d", &gic) != 1)
		return 2;
	if (gic != vmm_host_gic_version()) {
		printf("drill.setup gic-mismatch\n");
		return 1;
	}
	ret = setup(&vm, level, set_level);
	if (ret) {
		printf("drill.setup %d\n", ret);
		return 1;
	}
	c = &vm.vcpu[0];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, v[32] = { 0 };
		int n = sscanf(line, "%7s %llx %llx %llx %llx %llx", kind, &a, &v[0], &v[1], &v[2],
			       &v[3]);

		if (n < 3)
			continue;
		if (!strcmp(kind, "reg")) {
			struct kvm_one_reg r = { .id = a, .addr = (uintptr_t)v };

			printf("drill.set.reg.0x%016llx %d\n", a,
			       ioctl(c->fd, KVM_SET_ONE_REG, &r) ? -errno : 0);
		} else if (!strcmp(kind, "gicd") || !strcmp(kind, "gicr")) {
			uint32_t w = v[0];

			printf("drill.set.vgic.%s.0x%llx %d\n", kind, a,
			       gic_attr(&vm, true, kind[3] == 'r', a, &w));
		} else if (!strcmp(kind, "mem") && a + 8 <= SAVE_MEM) {
			*(uint64_t *)((char *)vm.mem + a) = v[0];
		}
	}
	fclose(f);
	ret = vmm_run_to_mmio(&vm, 0, &addr, &data);
	printf("drill.resume %d\n", ret || addr != VMM_MMIO_GPA ? (ret ?: -EIO) : 0);
	d = (uint64_t *)((char *)vm.mem + DATA_OFF);
	for (i = 0; !ret && i < 5; i++) {
		if (d[i] == d[8 + i])
			printf("drill.guest.v%d.%s same\n", gic, seen[i]);
		else
			printf("drill.guest.v%d.%s changed:0x%llx->0x%llx\n", gic, seen[i],
			       (unsigned long long)d[i], (unsigned long long)d[8 + i]);
	}
	vmm_vm_destroy(&vm);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int maj, min;

	if (argc == 4 && !strcmp(argv[1], "save")) {
		if (!strcmp(argv[2], "native"))
			return save(0, false, argv[3]);
		if (sscanf(argv[2], "%u.%u", &maj, &min) != 2)
			return 2;
		return save(KVM_ABI_SHIM_LEVEL(maj, min), true, argv[3]);
	}
	if (argc == 3 && !strcmp(argv[1], "restore"))
		return restore(argv[2], 0, false);
	if (argc == 4 && !strcmp(argv[1], "restore") &&
	    sscanf(argv[3], "%u.%u", &maj, &min) == 2)
		return restore(argv[2], KVM_ABI_SHIM_LEVEL(maj, min), true);
	fprintf(stderr, "usage: drill save LEVEL FILE | drill restore FILE [LEVEL]\n");
	return 2;
}
