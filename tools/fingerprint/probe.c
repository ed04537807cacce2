// SPDX-License-Identifier: GPL-2.0
/*
 * probe.c - create a VM the way a typical VMM does and record what the VMM
 * and the guest can observe (arm64 KVM hosts only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vmm.h"
#include "fp.h"
#include "probe.h"

#define GICR_SGI	0x10000

#define FW_REG(i)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW | (i))
#define FW_BMAP(i)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | (0x0016ULL << 16) | (i))
#define SYS(op0, op1, crn, crm, op2) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
	KVM_REG_ARM64_SYSREG | ((uint64_t)(op0) << 14) | ((op1) << 11) | \
	((crn) << 7) | ((crm) << 3) | (op2))

/*
 * Registers whose value is not a property of the ABI: counters move with
 * time. Everything else KVM_GET_REG_LIST lists is recorded with its value.
 */
static const uint64_t volatile_regs[] = {
	SYS(3, 3, 14, 3, 2),	/* KVM_REG_ARM_TIMER_CNT (CNTVCT_EL0) */
	SYS(3, 3, 14, 0, 1),	/* KVM_REG_ARM_PTIMER_CNT (CNTPCT_EL0) */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "kvm-abi-fingerprint: %s: %s\n", what, strerror(-err));
	exit(2);
}

/* Does the VM offer capability @cap (what a VMM asks before using it)? */
static bool offered(struct vmm_vm *vm, long cap)
{
	return ioctl(vm->fd, KVM_CHECK_EXTENSION, cap) > 0;
}

#define ITS_GPA		0x08080000ULL	/* QEMU virt's; below the redistributors */
#define GITS_TRANSLATER	(ITS_GPA + 0x10040)	/* where a device writes its MSI */
#define ITS_TABLES	(VMM_MEM_GPA + 0x100000)	/* device, then collection table */
#define ITS_ITT		(VMM_MEM_GPA + 0x120000)	/* device 0's interrupt translations */
#define ITS_CMDQ	(VMM_MEM_GPA + 0x130000)
#define LPI_PROP	(VMM_MEM_GPA + 0x140000)	/* GICR_PROPBASER's table */
#define LPI_PEND	(VMM_MEM_GPA + 0x150000)	/* vCPU 0's GICR_PENDBASER table */
#define LPI_ID_BITS	14		/* LPIs 8192 to 16383 */
#define MSI_LPI		8192
#define PVTIME_GPA	(VMM_MEM_GPA + VMM_MEM_SIZE - 0x1000)

/* The ITS of the VM setup_vm() made last (-1: none), and its result. */
static int its_fd = -1;
static int its_init;
/* Each vCPU's KVM_ARM_VCPU_PVTIME_IPA result, when the shape places it. */
static int pvtime_set[VMM_MAX_VCPUS];

static void teardown(struct vmm_vm *vm)
{
	if (its_fd >= 0)
		close(its_fd);
	its_fd = -1;
	vmm_vm_destroy(vm);
}

/* An ITS at ITS_GPA, initialised; its errors are part of the fingerprint. */
static void its_create(struct vmm_vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	uint64_t addr = ITS_GPA;

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0) {
		its_init = -errno;
		return;
	}
	its_fd = cd.fd;
	its_init = vmm_attr(its_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			    KVM_VGIC_ITS_ADDR_TYPE, &addr) ?:
		   vmm_attr(its_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL,
			    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

static void pvtime_place(struct vmm_vm *vm, int i)
{
	uint64_t ipa = PVTIME_GPA + 64 * i;

	pvtime_set[i] = vmm_attr(vm->vcpu[i].fd, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PVTIME_CTRL,
				 KVM_ARM_VCPU_PVTIME_IPA, &ipa);
}

static int iidr_rev_write(struct vmm_vm *vm, const struct probe_opts *o)
{
	uint32_t iidr;
	int ret = vmm_attr(vm->gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8,
			   &iidr);

	iidr = (iidr & ~0xf000u) | ((uint32_t)o->iidr_rev << 12);
	return ret ?: vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8,
			       &iidr);
}

/*
 * The VM in the order its VMM makes it. QEMU (and the minimal VM): the
 * vGIC, each vCPU created and initialised, the vGIC initialised, then the
 * ITS, the PMU and stolen time. Firecracker: every vCPU created, the vGIC
 * with its ITS initialised and 128 interrupts, the vGIC initialised, then
 * each vCPU's stolen time placed before its KVM_ARM_VCPU_INIT (PSCI 0.2,
 * the secondaries powered off; no PMU: it refuses one).
 */
static int setup_vm(struct vmm_vm *vm, const struct probe_opts *o)
{
	bool fc = o->shape && !strcmp(o->shape, "firecracker");
	uint32_t feat = o->psci02 ? 1u << KVM_ARM_VCPU_PSCI_0_2 : 0;
	int i, ret, sve = KVM_ARM_VCPU_SVE, nr_irqs = 128;

	its_fd = -1;
	ret = vmm_vm_create(vm);
	if (ret)
		return ret;
	if (o->sve && offered(vm, KVM_CAP_ARM_SVE))
		feat |= 1u << KVM_ARM_VCPU_SVE;
	if (o->pauth && offered(vm, KVM_CAP_ARM_PTRAUTH_ADDRESS) &&
	    offered(vm, KVM_CAP_ARM_PTRAUTH_GENERIC))
		feat |= 1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS | 1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (o->pmu)
		feat |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (o->level != PROBE_LEVEL_NONE) {
		ret = vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, o->level);
		if (ret)
			return ret;
	}
	ret = vmm_add_memory(vm);
	for (i = 0; !ret && fc && i < o->vcpus; i++)
		ret = vmm_vcpu_create(vm);
	if (!ret)
		ret = vmm_gic_create(vm, o->gic);
	if (!ret && fc && o->its && o->gic == 3)
		its_create(vm);
	if (!ret && fc)
		ret = vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
			       &nr_irqs);
	for (i = 0; !ret && !fc && i < o->vcpus; i++) {
		ret = vmm_vcpu_add(vm, feat);
		/* SVE at the host's vector lengths, as QEMU's default. */
		if (!ret && (feat & 1u << KVM_ARM_VCPU_SVE) &&
		    ioctl(vm->vcpu[i].fd, KVM_ARM_VCPU_FINALIZE, &sve) < 0)
			ret = -errno;
	}
	if (!ret && o->iidr_rev && o->gic == 2)
		ret = iidr_rev_write(vm, o);
	if (!ret)
		ret = vmm_gic_init(vm);
	if (!ret && o->iidr_rev && o->gic == 3)
		ret = iidr_rev_write(vm, o);
	if (!ret && !fc && o->its && o->gic == 3)
		its_create(vm);
	for (i = 0; !ret && fc && i < o->vcpus; i++) {
		if (o->pvtime)
			pvtime_place(vm, i);
		ret = vmm_vcpu_init(vm, vm->vcpu[i].fd,
				    feat | (i ? 1u << KVM_ARM_VCPU_POWER_OFF : 0));
		if (!ret && (feat & 1u << KVM_ARM_VCPU_SVE) &&
		    ioctl(vm->vcpu[i].fd, KVM_ARM_VCPU_FINALIZE, &sve) < 0)
			ret = -errno;
	}
	for (i = 0; !ret && o->pmu && i < o->vcpus; i++)
		ret = vmm_pmu_init(vm->vcpu[i].fd, 23);
	for (i = 0; !ret && !fc && o->pvtime && i < o->vcpus; i++)
		pvtime_place(vm, i);
	return ret ?: vmm_load_routines(vm);
}

static void rec_errno_or(struct fp *fp, const char *key, int ret, uint64_t v)
{
	if (ret)
		fp_add(fp, key, "err%d", ret);
	else
		fp_add(fp, key, "0x%llx", (unsigned long long)v);
}

/* Read @n registers of one vGIC attribute group; keys "vgic.user.<fmt>". */
static void user_regs(struct fp *fp, struct vmm_vm *vm, uint32_t group, const char *fmt,
		      const uint32_t *off, unsigned int n)
{
	char key[64], name[32];
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t v = 0;
		int ret = vmm_attr(vm->gic_fd, KVM_GET_DEVICE_ATTR, group, off[i], &v);

		snprintf(name, sizeof(name), fmt, off[i]);
		snprintf(key, sizeof(key), "vgic.user.%s", name);
		rec_errno_or(fp, key, ret, v);
	}
}

/* Distributor, redistributor and CPU-interface registers through the vGIC device. */
static void probe_gic_user(struct fp *fp, struct vmm_vm *vm, int gic)
{
	static const uint32_t dist[] = {
		0x0, 0x4, 0x8, 0xc, 0x10, 0x80, 0x84, 0x88, 0x100, 0x104, 0x200, 0x300,
		0x400, 0x420, 0x800, 0x820, 0xc00, 0xc08, 0xd00, 0xe00, 0xf10, 0x6100,
		0x6104, 0xffe8,
	};
	static const uint32_t redist[] = {
		0x0, 0x4, 0x8, 0xc, 0x10, 0x14, 0x70, 0x74, 0x78, 0x7c, 0xa0, 0xa4,
		0xb0, 0xb4, 0xc0, 0xffe8, GICR_SGI + 0x80, GICR_SGI + 0x100,
		GICR_SGI + 0x200, GICR_SGI + 0x300, GICR_SGI + 0x400, GICR_SGI + 0xc00,
		GICR_SGI + 0xc04, GICR_SGI + 0xd00,
	};
	static const uint32_t cpu[] = { 0x0, 0x4, 0x8, 0x1c, 0xd0, 0xfc };

	user_regs(fp, vm, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, "gicd.0x%04x", dist,
		  sizeof(dist) / sizeof(dist[0]));
	if (gic == 3)
		user_regs(fp, vm, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, "gicr.0x%05x", redist,
			  sizeof(redist) / sizeof(redist[0]));
	else
		user_regs(fp, vm, KVM_DEV_ARM_VGIC_GRP_CPU_REGS, "gicc.0x%03x", cpu,
			  sizeof(cpu) / sizeof(cpu[0]));
}

/* The same registers as the guest reads them over MMIO. */
static void probe_gic_guest(struct fp *fp, struct vmm_vm *vm, int gic)
{
	static const uint32_t dist[] = { 0x0, 0x4, 0x8, 0xc, 0x80, 0x84, 0xffe8 };
	static const uint32_t redist[] = {
		0x0, 0x4, 0x8, 0xc, 0x14, 0xa0, 0xb0, 0xc0, 0xffe8, GICR_SGI + 0x80,
	};
	char key[64];
	unsigned int i;

	for (i = 0; i < sizeof(dist) / sizeof(dist[0]); i++) {
		uint32_t v = 0;
		int ret = vmm_guest_read32(vm, VMM_GICD_GPA + dist[i], &v);

		snprintf(key, sizeof(key), "vgic.guest.gicd.0x%04x", dist[i]);
		rec_errno_or(fp, key, ret, v);
	}
	for (i = 0; gic == 3 && i < sizeof(redist) / sizeof(redist[0]); i++) {
		uint32_t v = 0;
		int ret = vmm_guest_read32(vm, VMM_GICR_GPA + redist[i], &v);

		snprintf(key, sizeof(key), "vgic.guest.gicr.0x%05x", redist[i]);
		rec_errno_or(fp, key, ret, v);
	}
	if (gic == 2) {
		uint32_t v = 0;

		rec_errno_or(fp, "vgic.guest.gicc.0x0fc",
			     vmm_guest_read32(vm, VMM_GICC_GPA + 0xfc, &v), v);
	}
}

/*
 * Interrupt groups: reset value, then whether a userspace write lands, then
 * whether a guest write lands (and what userspace reads after it).
 */
static void probe_igroupr(struct fp *fp, const struct probe_opts *o, int redist)
{
	const char *name = redist ? "vgic.igroupr.gicr0" : "vgic.igroupr.gicd1";
	uint32_t grp = redist ? KVM_DEV_ARM_VGIC_GRP_REDIST_REGS : KVM_DEV_ARM_VGIC_GRP_DIST_REGS;
	uint64_t off = redist ? GICR_SGI + 0x80 : 0x84;
	uint64_t gpa = (redist ? VMM_GICR_GPA : VMM_GICD_GPA) + off;
	uint32_t v = 0, w = 0x0000ffff, g = 0;
	struct vmm_vm vm;
	char key[96];
	int ret;

	ret = setup_vm(&vm, o);
	if (ret)
		die("VM setup", ret);
	ret = vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, grp, off, &v);
	snprintf(key, sizeof(key), "%s.reset", name);
	rec_errno_or(fp, key, ret, v);
	ret = vmm_attr(vm.gic_fd, KVM_SET_DEVICE_ATTR, grp, off, &w);
	snprintf(key, sizeof(key), "%s.user_write_0000ffff", name);
	fp_add(fp, key, "%d", ret);
	ret = vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, grp, off, &v);
	snprintf(key, sizeof(key), "%s.user_read_after_user_write", name);
	rec_errno_or(fp, key, ret, v);
	vmm_guest_write32(&vm, gpa, 0xa5a55a5a);
	ret = vmm_guest_read32(&vm, gpa, &g);
	snprintf(key, sizeof(key), "%s.guest_read_after_guest_write_a5a55a5a", name);
	rec_errno_or(fp, key, ret, g);
	ret = vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, grp, off, &v);
	snprintf(key, sizeof(key), "%s.user_read_after_guest_write", name);
	rec_errno_or(fp, key, ret, v);
	teardown(&vm);
}

/*
 * On a fresh VM (no revision requested), write GICD_IIDR as read with
 * @clear bits cleared, @set set and @flip flipped; *@read is the value
 * after. Return: the write's result.
 */
static int iidr_write(const struct probe_opts *o, uint32_t clear, uint32_t set, uint32_t flip,
		      uint32_t *read)
{
	struct probe_opts po = *o;
	struct vmm_vm vm;
	uint32_t iidr = 0, w;
	int ret;

	po.iidr_rev = 0;
	ret = setup_vm(&vm, &po);
	if (ret)
		die("VM setup", ret);
	vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &iidr);
	w = ((iidr & ~clear) | set) ^ flip;
	ret = vmm_attr(vm.gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &w);
	*read = 0;
	vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, read);
	teardown(&vm);
	return ret;
}

/* Userspace writes of IIDR revisions: accepted or errno, and what sticks. */
static void probe_iidr_writes(struct fp *fp, const struct probe_opts *o)
{
	static const uint32_t revs[] = { 0, 1, 2, 3, 4 };
	unsigned int i;
	uint32_t r = 0;
	char key[96];
	int ret;

	for (i = 0; i < sizeof(revs) / sizeof(revs[0]); i++) {
		ret = iidr_write(o, 0xf000, revs[i] << 12, 0, &r);
		snprintf(key, sizeof(key), "vgic.iidr_write.rev%u", revs[i]);
		fp_add(fp, key, "%d read=0x%x", ret, r);
	}
	/* The implementer field differs. */
	fp_add(fp, "vgic.iidr_write.bad_implementer", "%d", iidr_write(o, 0, 0, 0x1, &r));
}

static void probe_reg_list(struct fp *fp, const struct probe_opts *o)
{
	struct kvm_reg_list *list, probe = { .n = 0 };
	struct vmm_vm vm;
	uint64_t hash = 1469598103934665603ULL;
	char key[64], val[160];
	unsigned int i, j;
	int ret = setup_vm(&vm, o);

	if (ret)
		die("VM setup", ret);
	ioctl(vm.vcpu[0].fd, KVM_GET_REG_LIST, &probe);
	list = calloc(1, sizeof(*list) + probe.n * sizeof(uint64_t));
	if (!list)
		die("calloc", -ENOMEM);
	list->n = probe.n;
	if (ioctl(vm.vcpu[0].fd, KVM_GET_REG_LIST, list) < 0)
		die("KVM_GET_REG_LIST", -errno);
	fp_add(fp, "reglist.count", "%llu", (unsigned long long)list->n);
	for (i = 0; i < list->n; i++) {
		uint64_t id = list->reg[i], buf[32] = { 0 };
		unsigned int size = 1u << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
		bool vol = false;

		hash = (hash ^ id) * 1099511628211ULL;
		for (j = 0; j < sizeof(volatile_regs) / sizeof(volatile_regs[0]); j++)
			vol |= volatile_regs[j] == id;
		snprintf(key, sizeof(key), "reg.0x%016llx", (unsigned long long)id);
		if (vol || size > sizeof(buf)) {
			fp_add(fp, key, "listed");
			continue;
		}
		{
			struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)buf };

			if (ioctl(vm.vcpu[0].fd, KVM_GET_ONE_REG, &r) < 0) {
				fp_add(fp, key, "err%d", -errno);
				continue;
			}
		}
		val[0] = 0;
		for (j = (size + 7) / 8; j-- > 0;)
			snprintf(val + strlen(val), sizeof(val) - strlen(val),
				 size < 8 ? "0x%llx" : j == (size + 7) / 8 - 1 ? "0x%016llx" : "%016llx",
				 (unsigned long long)buf[j]);
		fp_add(fp, key, "%s", val);
	}
	fp_add(fp, "reglist.order", "%016llx", (unsigned long long)hash);
	free(list);
	teardown(&vm);
}

/* SMCCC/PSCI calls (matrix C.2) as the guest sees them, over HVC and SMC. */
static void probe_calls(struct fp *fp, const struct probe_opts *o)
{
	static const struct { const char *name; uint64_t x0, x1; bool vol; } calls[] = {
		{ "smccc_version", 0x80000000, 0 },
		{ "arch_features.smccc_version", 0x80000001, 0x80000000 },
		{ "arch_features.arch_features", 0x80000001, 0x80000001 },
		{ "arch_features.workaround_1", 0x80000001, 0x80008000 },
		{ "arch_features.workaround_2", 0x80000001, 0x80007fff },
		{ "arch_features.workaround_3", 0x80000001, 0x80003fff },
		{ "arch_features.pv_time_features", 0x80000001, 0xc5000020 },
		{ "arch_features.trng_version", 0x80000001, 0x84000050 },
		{ "arch_features.unknown", 0x80000001, 0x8000fffe },
		{ "pv_time_features.pv_time_features", 0xc5000020, 0xc5000020 },
		{ "pv_time_features.pv_time_st", 0xc5000020, 0xc5000021 },
		{ "pv_time_st", 0xc5000021, 0 },
		{ "trng_version", 0x84000050, 0 },
		{ "trng_features.rnd64", 0x84000051, 0xc4000053 },
		{ "trng_get_uuid", 0x84000052, 0 },
		{ "trng_rnd64", 0xc4000053, 64, true },
		{ "vendor_hyp_call_uid", 0x8600ff01, 0 },
		{ "vendor_hyp_kvm_features", 0x86000000, 0 },
		{ "vendor_hyp_kvm_ptp", 0x86000001, 0, true },
		{ "psci_version", 0x84000000, 0 },
		{ "psci_features.cpu_suspend", 0x8400000a, 0xc4000001 },
		{ "psci_features.cpu_off", 0x8400000a, 0x84000002 },
		{ "psci_features.cpu_on", 0x8400000a, 0xc4000003 },
		{ "psci_features.affinity_info", 0x8400000a, 0xc4000004 },
		{ "psci_features.migrate_info_type", 0x8400000a, 0x84000006 },
		{ "psci_features.system_off", 0x8400000a, 0x84000008 },
		{ "psci_features.system_reset", 0x8400000a, 0x84000009 },
		{ "psci_features.psci_features", 0x8400000a, 0x8400000a },
		{ "psci_features.system_suspend", 0x8400000a, 0xc400000e },
		{ "psci_features.system_reset2", 0x8400000a, 0xc4000012 },
		{ "psci_features.smccc_version", 0x8400000a, 0x80000000 },
		{ "psci_migrate_info_type", 0x84000006, 0 },
		{ "psci_affinity_info.self", 0xc4000004, 0 },
		{ "psci_affinity_info.aff_outside_mask", 0xc4000004, 1ULL << 40 },
		{ "psci_unknown", 0x8400001f, 0 },
		{ "unknown_std", 0x840000ff, 0 },
		{ "unknown_oem", 0x83000000, 0 },
	};
	static const char *const conduit[] = { "hvc", "smc" };
	struct vmm_vm vm;
	char key[128];
	unsigned int i, c;
	int ret = setup_vm(&vm, o);

	if (ret)
		die("VM setup", ret);
	for (c = 0; c < 2; c++) {
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			uint64_t x[4] = { calls[i].x0, calls[i].x1, 0, 0 }, v = 0;

			ret = vmm_guest_call(&vm, c, x, &v);
			snprintf(key, sizeof(key), "call.%s.%s", conduit[c], calls[i].name);
			if (ret)
				fp_add(fp, key, "run-err%d", ret);
			else if (calls[i].vol && (int64_t)v >= 0)
				fp_add(fp, key, "success");	/* value varies */
			else
				fp_add(fp, key, "0x%llx", (unsigned long long)v);
		}
	}
	teardown(&vm);
}

/* Writes of a fixed set of values to the firmware registers. */
static void probe_fw_writes(struct fp *fp, const struct probe_opts *o)
{
	static const struct { const char *name; uint64_t id; uint64_t v[6]; int n; } regs[] = {
		{ "psci_version", FW_REG(0), { 0x2, 0x10000, 0x10001, 0x10002, 0x1, 0x10000 }, 6 },
		{ "workaround_1", FW_REG(1), { 0, 1, 2, 3 }, 4 },
		{ "workaround_2", FW_REG(2), { 0, 1, 2, 3, 0x10 }, 5 },
		{ "workaround_3", FW_REG(3), { 0, 1, 2, 3 }, 4 },
		{ "std_bmap", FW_BMAP(0), { 0, 1, 3 }, 3 },
		{ "std_hyp_bmap", FW_BMAP(1), { 0, 1, 3 }, 3 },
		{ "vendor_hyp_bmap", FW_BMAP(2), { 0, 1, 3, 7 }, 4 },
		{ "vendor_hyp_bmap_2", FW_BMAP(3), { 0 }, 1 },
	};
	struct vmm_vm vm;
	char key[96];
	unsigned int i;
	int j, ret = setup_vm(&vm, o);

	if (ret)
		die("VM setup", ret);
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint64_t orig = 0;
		int gr = vmm_get_reg(&vm.vcpu[0], regs[i].id, &orig);

		for (j = 0; j < regs[i].n; j++) {
			snprintf(key, sizeof(key), "fwset.%s.0x%llx", regs[i].name,
				 (unsigned long long)regs[i].v[j]);
			fp_add(fp, key, "%d", vmm_set_reg(&vm.vcpu[0], regs[i].id, regs[i].v[j]));
		}
		if (!gr)	/* leave the VM as it was for the next register */
			vmm_set_reg(&vm.vcpu[0], regs[i].id, orig);
	}
	teardown(&vm);
}

/*
 * ID, cache and debug registers as the guest reads them (MRS at EL1): the
 * VMM's values are in the register list items, but a kernel may trap or not
 * and answer the guest differently (CTR_EL0, CCSIDR).
 */
static void probe_guest_sysregs(struct fp *fp, struct vmm_vm *vm)
{
	static const struct { const char *name; unsigned int op1, crn, crm, op2; } r[] = {
		{ "midr_el1", 0, 0, 0, 0 },	{ "id_dfr0_el1", 0, 0, 1, 2 },
		{ "id_aa64pfr0_el1", 0, 0, 4, 0 }, { "id_aa64pfr1_el1", 0, 0, 4, 1 },
		{ "id_aa64dfr0_el1", 0, 0, 5, 0 }, { "id_aa64isar0_el1", 0, 0, 6, 0 },
		{ "id_aa64isar1_el1", 0, 0, 6, 1 }, { "id_aa64isar2_el1", 0, 0, 6, 2 },
		{ "id_aa64mmfr0_el1", 0, 0, 7, 0 }, { "id_aa64mmfr1_el1", 0, 0, 7, 1 },
		{ "id_aa64mmfr2_el1", 0, 0, 7, 2 }, { "id_aa64mmfr3_el1", 0, 0, 7, 3 },
		{ "clidr_el1", 1, 0, 0, 1 },	{ "ctr_el0", 3, 0, 0, 1 },
	};
	char key[64];
	unsigned int i;
	uint64_t v;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		snprintf(key, sizeof(key), "guest.sysreg.%s", r[i].name);
		rec_errno_or(fp, key, vmm_guest_mrs(vm, r[i].op1, r[i].crn, r[i].crm, r[i].op2, &v), v);
	}
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "guest.sysreg.ccsidr.%u", i);
		rec_errno_or(fp, key, vmm_guest_ccsidr(vm, i, &v), v);
	}
}

#ifndef KVM_CAP_COUNTER_OFFSET
#define KVM_CAP_COUNTER_OFFSET	227
#endif

/* A vCPU's register list: its length and a hash of its order. */
static void vcpu_list(struct fp *fp, struct vmm_vcpu *c, int i)
{
	struct kvm_reg_list *list, probe = { .n = 0 };
	uint64_t hash = 1469598103934665603ULL;
	char key[64];
	unsigned int j;

	ioctl(c->fd, KVM_GET_REG_LIST, &probe);
	list = calloc(1, sizeof(*list) + probe.n * sizeof(uint64_t));
	if (!list)
		die("calloc", -ENOMEM);
	list->n = probe.n;
	snprintf(key, sizeof(key), "shape.vcpu%d.reglist", i);
	if (ioctl(c->fd, KVM_GET_REG_LIST, list) < 0) {
		fp_add(fp, key, "err%d", -errno);
	} else {
		for (j = 0; j < list->n; j++)
			hash = (hash ^ list->reg[j]) * 1099511628211ULL;
		fp_add(fp, key, "%llu %016llx", (unsigned long long)list->n,
		       (unsigned long long)hash);
	}
	free(list);
}

/*
 * The ITS setup_vm() made: its registers after init, the device and
 * collection tables placed in guest memory, and a save and restore of the
 * tables (what a migration does).
 */
static void probe_its(struct fp *fp)
{
	static const uint32_t regs[] = { 0x0, 0x4, 0x8, 0x80, 0x88, 0x90, 0x100, 0x108 };
	char key[64];
	unsigned int i;
	uint64_t v;

	fp_add(fp, "its.init", "%d", its_init);
	if (its_fd < 0 || its_init)
		return;
	for (i = 0; i < 2; i++) {
		/* Valid, one page of flat table each; the rest the ITS's. */
		v = 0;
		vmm_attr(its_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x100 + 8 * i, &v);
		v = (v & ~0x0000fffffffff0ffULL) | 1ULL << 63 | (ITS_TABLES + 0x10000 * i);
		snprintf(key, sizeof(key), "its.set.baser%u", i);
		fp_add(fp, key, "%d", vmm_attr(its_fd, KVM_SET_DEVICE_ATTR,
					       KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x100 + 8 * i, &v));
	}
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		v = 0;
		snprintf(key, sizeof(key), "its.0x%04x", regs[i]);
		rec_errno_or(fp, key, vmm_attr(its_fd, KVM_GET_DEVICE_ATTR,
					       KVM_DEV_ARM_VGIC_GRP_ITS_REGS, regs[i], &v), v);
	}
	fp_add(fp, "its.save_tables", "%d", vmm_attr(its_fd, KVM_SET_DEVICE_ATTR,
		KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_SAVE_TABLES, NULL));
	fp_add(fp, "its.restore_tables", "%d", vmm_attr(its_fd, KVM_SET_DEVICE_ATTR,
		KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_RESTORE_TABLES, NULL));
}

/* A 64-bit redistributor register of vCPU 0, as QEMU writes one: two halves. */
static int gicr_write64(struct vmm_vm *vm, uint32_t off, uint64_t v)
{
	uint32_t lo = v, hi = v >> 32;

	return vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, off,
			&lo) ?:
	       vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, off + 4,
			&hi);
}

/* The VMM's view of guest memory at @gpa (in the VM's one memory slot). */
static void *guest_mem(struct vmm_vm *vm, uint64_t gpa)
{
	return (char *)vm->mem + (gpa - VMM_MEM_GPA);
}

/*
 * One device with one MSI through the ITS probe_its() set up, as a
 * migration brings them to the destination and a device then signals:
 * the LPI configured and vCPU 0's LPIs on (GICR_PROPBASER, PENDBASER,
 * CTLR, read back), the tables in guest memory in KVM's ITS table ABI
 * (revision 0: device 0 with an ITT of two events, event 0 to LPI 8192 in
 * collection 0, collection 0 on vCPU 0) restored, the ITS enabled, the MSI signalled
 * (KVM_SIGNAL_MSI: 1 when delivered), then the tables saved again into
 * zeroed entries and the pending LPIs saved into vCPU 0's pending table.
 */
static void probe_its_msi(struct fp *fp, struct vmm_vm *vm)
{
	uint64_t *dte = guest_mem(vm, ITS_TABLES), *cte = guest_mem(vm, ITS_TABLES + 0x10000);
	uint64_t *ite = guest_mem(vm, ITS_ITT), v;
	uint8_t *prop = guest_mem(vm, LPI_PROP), *pend = guest_mem(vm, LPI_PEND);
	struct kvm_msi msi = {
		.address_lo = (uint32_t)GITS_TRANSLATER,
		.address_hi = GITS_TRANSLATER >> 32,
		.data = 0,
		.flags = KVM_MSI_VALID_DEVID,
		.devid = 0,
	};
	uint32_t one = 1, ctlr;
	int ret;

	/* Priority 0xa0, enabled; GICR_CTLR.EnableLPIs needs both tables. */
	prop[MSI_LPI - 8192] = 0xa1;
	ret = gicr_write64(vm, 0x70, LPI_PROP | (LPI_ID_BITS - 1)) ?:
	      gicr_write64(vm, 0x78, LPI_PEND);
	fp_add(fp, "its.msi.set.lpi_tables", "%d", ret);
	*dte = 1ULL << 63 | (ITS_ITT >> 8) << 5 | 0;	/* valid, ITT, 1 event bit */
	*ite = (uint64_t)MSI_LPI << 16 | 0;		/* last, LPI, collection 0 */
	*cte = 1ULL << 63 | 0ULL << 16 | 0;		/* valid, vCPU 0, collection 0 */
	v = 1ULL << 63 | ITS_CMDQ;			/* valid, one page */
	fp_add(fp, "its.msi.set.cbaser", "%d",
	       vmm_attr(its_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x80, &v));
	fp_add(fp, "its.msi.restore_tables", "%d", vmm_attr(its_fd, KVM_SET_DEVICE_ATTR,
		KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_RESTORE_TABLES, NULL));
	v = 1;
	fp_add(fp, "its.msi.enable_its", "%d",
	       vmm_attr(its_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ITS_REGS, 0x0, &v));
	fp_add(fp, "its.msi.enable_lpis", "%d", vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR,
		KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0x0, &one));
	ctlr = 0;
	rec_errno_or(fp, "its.msi.gicr_ctlr", vmm_attr(vm->gic_fd, KVM_GET_DEVICE_ATTR,
		     KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0x0, &ctlr), ctlr);
	ret = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	fp_add(fp, "its.msi.signal", "%d", ret < 0 ? -errno : ret);
	*dte = *ite = *cte = 0;
	fp_add(fp, "its.msi.save_tables", "%d", vmm_attr(its_fd, KVM_SET_DEVICE_ATTR,
		KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_ITS_SAVE_TABLES, NULL));
	fp_add(fp, "its.msi.saved.dte", "%016llx", (unsigned long long)*dte);
	fp_add(fp, "its.msi.saved.ite", "%016llx", (unsigned long long)*ite);
	fp_add(fp, "its.msi.saved.cte", "%016llx", (unsigned long long)*cte);
	fp_add(fp, "its.msi.save_pending", "%d", vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR,
		KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES, NULL));
	fp_add(fp, "its.msi.saved.pending", "%02x", pend[MSI_LPI / 8]);
}

/*
 * What a shape's VMM sees beyond the minimal VM's items: each vCPU's MPIDR,
 * redistributor type and register list, the timers' interrupts, stolen
 * time, the counter offset interface and the ITS.
 */
static void probe_vm_shape(struct fp *fp, const struct probe_opts *o)
{
	struct vmm_vm vm;
	char key[64];
	uint64_t v;
	int i, ret = setup_vm(&vm, o);

	if (ret)
		die("VM setup", ret);
	for (i = 0; i < o->vcpus; i++) {
		uint32_t lo = 0, hi = 0;
		uint64_t aff;

		v = 0;
		ret = vmm_get_reg(&vm.vcpu[i], SYS(3, 0, 0, 0, 5), &v);
		snprintf(key, sizeof(key), "shape.vcpu%d.mpidr", i);
		rec_errno_or(fp, key, ret, v);
		/* GICR_TYPER of the vCPU's redistributor, by its affinity. */
		aff = ((v >> 32 & 0xff) << 24 | (v & 0xffffff)) << 32;
		if (o->gic == 3) {
			ret = vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
				       aff | 0x8, &lo) ?:
			      vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
				       aff | 0xc, &hi);
			snprintf(key, sizeof(key), "shape.vcpu%d.gicr_typer", i);
			rec_errno_or(fp, key, ret, (uint64_t)hi << 32 | lo);
		}
		vcpu_list(fp, &vm.vcpu[i], i);
		if (o->pvtime) {
			snprintf(key, sizeof(key), "shape.vcpu%d.pvtime_ipa", i);
			fp_add(fp, key, "%d", pvtime_set[i]);
		}
	}
	for (i = 0; i < 4; i++) {
		uint32_t irq = 0;

		snprintf(key, sizeof(key), "shape.timer_irq%d", i);
		rec_errno_or(fp, key, vmm_attr(vm.vcpu[0].fd, KVM_GET_DEVICE_ATTR,
					       KVM_ARM_VCPU_TIMER_CTRL, i, &irq), irq);
	}
	/* The guest's PMCR_EL0 (trapped): the implementer it names. */
	if (o->pmu) {
		v = 0;
		rec_errno_or(fp, "shape.guest.pmcr_el0", vmm_guest_mrs(&vm, 3, 9, 12, 0, &v), v);
	}
	/*
	 * Stolen time as vCPU 0's guest finds it: PV_TIME_ST gives the
	 * structure's address, and KVM then writes the structure (over bytes
	 * of all ones here): revision, attributes and a stolen time (its value
	 * varies; only that it was written is kept).
	 */
	if (o->pvtime) {
		uint64_t x[4] = { 0xc5000021, 0, 0, 0 };	/* ARM_SMCCC_HV_PV_TIME_ST */
		uint8_t *st = guest_mem(&vm, PVTIME_GPA);
		uint64_t stolen;
		uint32_t w[2];

		memset(st, 0xff, 64);
		v = 0;
		rec_errno_or(fp, "shape.guest.pv_time_st", vmm_guest_call(&vm, false, x, &v), v);
		memcpy(w, st, sizeof(w));
		memcpy(&stolen, st + 8, sizeof(stolen));
		fp_add(fp, "shape.guest.steal.revision", "0x%x", w[0]);
		fp_add(fp, "shape.guest.steal.attributes", "0x%x", w[1]);
		fp_add(fp, "shape.guest.steal.time_written", "%d", stolen != ~0ULL);
	}
	fp_add(fp, "shape.cap.steal_time", "%d", offered(&vm, KVM_CAP_STEAL_TIME));
	fp_add(fp, "shape.cap.counter_offset", "%d", offered(&vm, KVM_CAP_COUNTER_OFFSET));
	if (o->its && o->gic == 3) {
		probe_its(fp);
		if (its_fd >= 0 && !its_init)
			probe_its_msi(fp, &vm);
	}
	teardown(&vm);
}

/*
 * Every capability number a fleet kernel knows, asked on the VM: what a
 * VMM learns of the VM (0 for one the kernel does not have).
 */
static void probe_caps(struct fp *fp, struct vmm_vm *vm)
{
	char key[32];
	int cap, r;

	for (cap = 0; cap < 256; cap++) {
		r = ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);
		snprintf(key, sizeof(key), "cap.%03d", cap);
		fp_add(fp, key, "%d", r < 0 ? -errno : r);
	}
}

/**
 * probe_shape() - set @o to a named VM shape
 * @o: the configuration to change
 * @name: "minimal" (one vCPU, no device but the vGIC: the default) or
 *        "qemu-virt" (what QEMU's -machine virt -cpu host gives: 4 vCPUs
 *        with a PMU on PPI 23, SVE, pointer authentication and stolen time
 *        where the host offers them, and an ITS), or "firecracker" (its
 *        aarch64 VM: 2 vCPUs with PSCI 0.2 only, the secondary powered off,
 *        stolen time placed before each vCPU's init, 128 interrupts and an
 *        ITS initialised before the vGIC; setup_vm())
 *
 * Return: 0, or -EINVAL for an unknown name.
 */
int probe_shape(struct probe_opts *o, const char *name)
{
	if (!strcmp(name, "minimal")) {
		o->shape = NULL;
		return 0;
	}
	if (!strcmp(name, "qemu-virt")) {
		o->shape = "qemu-virt";
		o->vcpus = 4;
		o->pmu = true;
		o->sve = true;
		o->pauth = true;
		o->pvtime = true;
		o->its = true;
		return 0;
	}
	if (!strcmp(name, "firecracker")) {
		o->shape = "firecracker";
		o->vcpus = 2;
		o->pvtime = true;
		o->its = true;
		return 0;
	}
	return -EINVAL;
}

/**
 * probe_all() - the whole fingerprint of one VM configuration
 * @fp: collects the items
 * @o: the VM configuration
 */
void probe_all(struct fp *fp, const struct probe_opts *o)
{
	struct vmm_vm vm;
	uint64_t lvl = 0;
	int ret = setup_vm(&vm, o);

	if (ret)
		die("VM setup", ret);
	if (o->level != PROBE_LEVEL_NONE && !vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &lvl) &&
	    lvl != o->level)
		die("level did not stick", -EIO);
	probe_gic_user(fp, &vm, o->gic);
	probe_gic_guest(fp, &vm, o->gic);
	probe_guest_sysregs(fp, &vm);
	probe_caps(fp, &vm);
	teardown(&vm);
	probe_igroupr(fp, o, 0);
	if (o->gic == 3)
		probe_igroupr(fp, o, 1);
	probe_iidr_writes(fp, o);
	probe_reg_list(fp, o);
	probe_calls(fp, o);
	probe_fw_writes(fp, o);
	if (o->shape)
		probe_vm_shape(fp, o);
}
