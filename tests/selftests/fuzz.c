// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - random calls over every surface the module answers, on VMs at
 * every level the host supports: the level attribute (group, attribute,
 * flags, address), KVM_{GET,SET}_ONE_REG (listed, unlisted and malformed
 * ids, random values), KVM_GET_REG_LIST with random sizes, vGIC
 * distributor and redistributor registers (IIDR, IGROUPR and the rest)
 * through their attributes, the guest's own reads and writes of GICD_IIDR
 * and GICD_IGROUPRn, and PSCI/SMCCC calls from the guest with random
 * function ids. Each result must be in the documented set; the level of a
 * VM must never change once it has vCPUs; the register list count must be
 * the number of ids written; what the guest reads of the distributor is
 * what its VMM reads, and at IIDR revision 1 its group writes change
 * nothing; the PSCI version the guest is told is the VM's PSCI_VERSION
 * register; and afterwards nothing may be left: live VMs, module
 * references, kernel log.
 *
 *   fuzz [CALLS [SEED]]   (module loaded; a failing seed replays exactly)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "../lib/kcheck.h"
#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define MAX_VMS		6
#define MAX_REGS	4096
#define KADDR		0xffff800008000000ULL	/* a kernel address */

struct target {
	struct vmm_vm vm;
	uint64_t level;
	uint64_t regs[MAX_REGS];	/* vCPU 1's list at the start */
	uint64_t nregs;
};

static struct target t[MAX_VMS];
static unsigned int ntargets;
static uint64_t state;
static long calls, failures, by_op[6], by_errno[6][4];

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (failures++ >= 8)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tap_diag("call %ld: %s", calls, msg);
}

/* @err (0 or -errno) must be one of @ok (zero-terminated, 0 listed as 1). */
static void expect(int op, int err, const int *ok, const char *what)
{
	unsigned int i;

	by_errno[op][err == 0 ? 0 : err == -ENOENT || err == -ENXIO ? 1 :
		     err == -EINVAL ? 2 : 3]++;
	for (i = 0; ok[i]; i++)
		if ((ok[i] == 1 && !err) || -ok[i] == err)
			return;
	fail("%s: unexpected %s", what, strerror(-err));
}

static uint64_t pick_level(void)
{
	static const uint64_t l[] = {
		KVM_ABI_SHIM_LEVEL_NATIVE, KVM_ABI_SHIM_LEVEL(5, 10), KVM_ABI_SHIM_LEVEL(6, 1),
		KVM_ABI_SHIM_LEVEL(6, 12), KVM_ABI_SHIM_LEVEL(7, 3), KVM_ABI_SHIM_LEVEL(6, 6),
	};

	return rnd() % 8 ? l[rnd() % 6] : rnd();
}

/* The level attribute: any group, attribute, flags and address. */
static void op_attr(struct target *x)
{
	static const unsigned long io[] = {
		KVM_HAS_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_SET_DEVICE_ATTR,
	};
	static const int ok[] = { 1, ENXIO, EINVAL, EFAULT, EOPNOTSUPP, EBUSY, 0 };
	/* Group 0 is KVM's SMCCC filter on 6.4+: left alone (it is KVM's). */
	uint32_t group = rnd() % 8 ? KVM_ABI_SHIM_GRP : (uint32_t)rnd() | 0x100;
	uint64_t attr = rnd() % 8 ? rnd() % 5 : rnd(), val = pick_level(), addr;
	uint32_t flags = rnd() % 8 ? 0 : (uint32_t)rnd();
	int r = rnd() % 4;

	if (attr == KVM_ABI_SHIM_ATTR_IIDR_REV && rnd() % 2)
		val = rnd() % 5;
	addr = r == 0 ? 0 : r == 1 ? KADDR : (uint64_t)(uintptr_t)&val;
	expect(0, vmm_attr_flags(x->vm.fd, io[rnd() % 3], group, attr, addr, flags), ok,
	       "level attribute");
}

/* KVM_{GET,SET}_ONE_REG on vCPU 1, which never runs. */
static void op_one_reg(struct target *x)
{
	static const int ok[] = { 1, ENOENT, EINVAL, EFAULT, EPERM, EBUSY, 0 };
	struct vmm_vcpu *c = &x->vm.vcpu[1];
	unsigned int k = rnd() % 4;
	uint64_t id, val = rnd(), addr = (uint64_t)(uintptr_t)&val;
	struct kvm_one_reg reg;
	bool set = rnd() % 2;
	int ret;

	if (k < 2 && x->nregs)
		id = x->regs[rnd() % x->nregs];
	else if (k == 2)
		id = 0x6030000000130000ULL | (rnd() & 0xffff);	/* any sys-reg encoding */
	else
		id = 0x6000000000000000ULL | (rnd() & 0x00f00000ffffffffULL);
	if (set && rnd() % 2 && vmm_get_reg(c, id, &val))
		val = rnd();
	if (!(rnd() % 16))
		addr = rnd() % 2 ? 0 : KADDR;
	reg.id = id;
	reg.addr = addr;
	ret = ioctl(c->fd, set ? KVM_SET_ONE_REG : KVM_GET_ONE_REG, &reg) ? -errno : 0;
	expect(1, ret, ok, set ? "KVM_SET_ONE_REG" : "KVM_GET_ONE_REG");
}

/* KVM_GET_REG_LIST, any size: E2BIG gives the count the next call writes. */
static void op_reg_list(struct target *x)
{
	static struct {
		struct kvm_reg_list rl;
		uint64_t reg[MAX_REGS];
	} b;
	static const int ok[] = { 1, E2BIG, 0 };
	struct vmm_vcpu *c = &x->vm.vcpu[1];
	uint64_t n = rnd() % (x->nregs + 8), i;
	int ret;

	b.rl.n = n;
	memset(b.reg, 0, sizeof(b.reg));
	ret = ioctl(c->fd, KVM_GET_REG_LIST, &b.rl) ? -errno : 0;
	expect(2, ret, ok, "KVM_GET_REG_LIST");
	if (ret == -E2BIG) {
		if (b.rl.n <= n || b.rl.n > MAX_REGS) {
			fail("KVM_GET_REG_LIST n=%llu: E2BIG with n=%llu", (unsigned long long)n,
			     (unsigned long long)b.rl.n);
			return;
		}
		n = b.rl.n;
		ret = ioctl(c->fd, KVM_GET_REG_LIST, &b.rl) ? -errno : 0;
	}
	if (ret || b.rl.n > n) {
		fail("KVM_GET_REG_LIST with the count it gave (%llu): %s, n=%llu",
		     (unsigned long long)n, strerror(-ret), (unsigned long long)b.rl.n);
		return;
	}
	for (i = 0; i < b.rl.n; i++)
		if (!b.reg[i])
			break;
	if (i != b.rl.n || (b.rl.n < MAX_REGS && b.reg[b.rl.n]))
		fail("KVM_GET_REG_LIST: count %llu, ids written %llu", (unsigned long long)b.rl.n,
		     (unsigned long long)i);
}

/* vGIC registers through the device's attributes; IIDR and IGROUPR often. */
static void op_vgic(struct target *x)
{
	static const int ok[] = { 1, ENXIO, EINVAL, EFAULT, EBUSY, 0 };
	bool redist = x->vm.gic_version == 3 && rnd() % 4 == 0, set = rnd() % 2;
	uint64_t off, val = rnd() % 2 ? rnd() : 0, attr;
	uint32_t v32 = (uint32_t)val;
	unsigned int k = rnd() % 4;

	if (k == 0)
		off = 0x8;				/* IIDR */
	else if (k == 1)
		off = 0x80 + 4 * (rnd() % 32);		/* IGROUPR */
	else
		off = rnd() % 4 ? rnd() & 0xfffc : rnd() & 0x1ffff;
	if (off == 0x8 && set && rnd() % 2)
		v32 = (uint32_t)(rnd() % 4) << 12 | 0x43b;	/* a revision */
	attr = redist ? (rnd() % 2) << 32 | (off & 0xffff) : off;
	expect(3, vmm_attr(x->vm.gic_fd, set ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
			   redist ? KVM_DEV_ARM_VGIC_GRP_REDIST_REGS : KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			   attr, &v32), ok, redist ? "redistributor register" : "distributor register");
}

/*
 * The guest's own access to GICD_IIDR or a GICD_IGROUPRn (vCPU 0): it reads
 * what the VMM reads through the device attribute; its writes to IIDR, and
 * at IIDR revision 1 to the groups, change nothing.
 */
static void op_mmio(struct target *x)
{
	uint32_t off = rnd() % 3 ? 0x80 + 4 * (uint32_t)(rnd() % 4) : 0x8;
	uint32_t iidr = 0, before = 0, got = 0, vmm = 0;
	bool wrote = rnd() % 2, ignored;
	int ret;

	if (vmm_attr(x->vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x8,
		     &iidr) ||
	    vmm_attr(x->vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, off,
		     &before)) {
		fail("GICD+%#x: the VMM cannot read it", off);
		return;
	}
	ignored = off == 0x8 || ((iidr >> 12) & 0xf) == 1;
	ret = wrote ? vmm_guest_write32(&x->vm, VMM_GICD_GPA + off, (uint32_t)rnd()) : 0;
	if (!ret)
		ret = vmm_guest_read32(&x->vm, VMM_GICD_GPA + off, &got);
	by_errno[4][ret ? 3 : 0]++;
	if (ret) {
		fail("GICD+%#x: the guest did not come back (%s)", off, strerror(-ret));
		return;
	}
	if (vmm_attr(x->vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, off, &vmm) ||
	    got != vmm)
		fail("GICD+%#x: the guest reads %#x, its VMM %#x", off, got, vmm);
	else if (wrote && ignored && got != before)
		fail("GICD+%#x at revision %u: the guest's write changed %#x to %#x", off,
		     (iidr >> 12) & 0xf, before, got);
}

/* A PSCI/SMCCC call from the guest; none that stops or suspends the vCPU. */
static void op_hvc(struct target *x)
{
	static const uint32_t base[] = {
		0x84000000, 0xc4000000, 0x80000000, 0x80008000, 0x86000000, 0xc6000000,
		0xc5000020, 0x84000050, 0xc4000050, 0x82000000,
	};
	uint64_t a[4] = { 0 }, x0 = 0, v = 0;
	uint32_t fid;
	int ret;

	fid = rnd() % 8 ? base[rnd() % 10] + (uint32_t)(rnd() % 0x20) : (uint32_t)rnd();
	if ((fid & 0xbfffffe0) == 0x84000000)
		switch (fid & 0x1f) {
		case 0x1: case 0x2: case 0x3: case 0x8: case 0x9: case 0xb:
		case 0xc: case 0xe: case 0x12: case 0x15:
			fid = 0x84000000;	/* PSCI_VERSION instead */
		}
	a[0] = fid;
	a[1] = rnd();
	a[2] = rnd();
	a[3] = rnd();
	ret = vmm_guest_call(&x->vm, false, a, &x0);
	by_errno[5][ret ? 3 : 0]++;
	if (ret)
		fail("HVC %#x: the guest did not come back (%s)", fid, strerror(-ret));
	else if (fid == 0x84000000 && (vmm_get_reg(&x->vm.vcpu[0], KVM_REG_ARM_PSCI_VERSION, &v) || x0 != v))
		fail("PSCI_VERSION: the guest is told %#llx, the VM's register is %#llx",
		     (unsigned long long)x0, (unsigned long long)v);
}

static int setup(uint64_t level)
{
	struct target *x = &t[ntargets];
	struct {
		struct kvm_reg_list rl;
		uint64_t reg[MAX_REGS];
	} b = { .rl.n = MAX_REGS };
	int gic = vmm_host_gic_version();

	x->level = level;
	if (vmm_vm_create(&x->vm) || (level && vmm_shim_set(&x->vm, KVM_ABI_SHIM_ATTR_LEVEL, level)) ||
	    vmm_add_memory(&x->vm) || vmm_gic_create(&x->vm, gic) ||
	    vmm_vcpu_add(&x->vm, 1u << KVM_ARM_VCPU_PSCI_0_2) ||
	    vmm_vcpu_add(&x->vm, 1u << KVM_ARM_VCPU_PSCI_0_2) || vmm_gic_init(&x->vm) ||
	    vmm_load_routines(&x->vm))
		return -1;
	if (ioctl(x->vm.vcpu[1].fd, KVM_GET_REG_LIST, &b))
		return -1;
	x->nregs = b.rl.n;
	memcpy(x->regs, b.reg, b.rl.n * sizeof(uint64_t));
	ntargets++;
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, wrong_level = 0, live0, ref0;
	unsigned int seed = argc > 2 ? strtoul(argv[2], NULL, 0) : (unsigned int)time(NULL);
	uint64_t supported = 0, host, lvl;
	unsigned int i;
	char mark[256];

	if (!host_start("fuzz: random calls over the module's surfaces", &host))
		return tap_finish();
	state = seed ? seed : 1;
	tap_diag("seed %u, %ld calls (fuzz %ld %u replays them)", seed, n, n, seed);
	kas_log_mark(mark, sizeof(mark));
	live0 = kas_stat("vm_live");
	ref0 = kas_refcnt();
	if (vmm_vm_create(&t[0].vm) ||
	    vmm_shim_get(&t[0].vm, KVM_ABI_SHIM_ATTR_SUPPORTED, &supported))
		tap_bail("cannot read the supported levels");
	vmm_vm_destroy(&t[0].vm);
	if (setup(KVM_ABI_SHIM_LEVEL_NATIVE))
		tap_bail("cannot make a native VM with two vCPUs and a vGIC");
	for (i = 0; i < 4; i++) {
		lvl = (uint64_t[]){ KVM_ABI_SHIM_LEVEL(5, 10), KVM_ABI_SHIM_LEVEL(6, 1),
				    KVM_ABI_SHIM_LEVEL(6, 12), KVM_ABI_SHIM_LEVEL(7, 3) }[i];
		if ((supported & (1ull << i)) && lvl < host && setup(lvl))
			tap_bail("cannot make a VM at level %u.%u",
				 (unsigned int)KVM_ABI_SHIM_LEVEL_MAJOR(lvl),
				 (unsigned int)KVM_ABI_SHIM_LEVEL_MINOR(lvl));
	}
	for (calls = 0; calls < n; calls++) {
		struct target *x = &t[rnd() % ntargets];
		unsigned int op = rnd() % 20;
		uint64_t now = ~0ull;

		if (op < 5)
			op_attr(x), by_op[0]++;
		else if (op < 10)
			op_one_reg(x), by_op[1]++;
		else if (op < 13)
			op_reg_list(x), by_op[2]++;
		else if (op < 16)
			op_vgic(x), by_op[3]++;
		else if (op < 18)
			op_mmio(x), by_op[4]++;
		else
			op_hvc(x), by_op[5]++;
		/* A VM with vCPUs keeps its level, whatever was tried. */
		if (!(calls % 512) && (vmm_shim_get(&x->vm, KVM_ABI_SHIM_ATTR_LEVEL, &now) ||
				       now != x->level) && wrong_level++ < 4)
			fail("a VM at %#llx now reads level %#llx", (unsigned long long)x->level,
			     (unsigned long long)now);
	}
	for (i = 0; i < 6; i++)
		tap_diag("%s: %ld calls; 0 %ld, ENOENT/ENXIO %ld, EINVAL %ld, other %ld",
			 (const char *[]){ "level attribute", "ONE_REG", "REG_LIST", "vGIC registers",
					   "guest GICD MMIO", "guest HVC" }[i], by_op[i],
			 by_errno[i][0], by_errno[i][1],
			 by_errno[i][2], by_errno[i][3]);
	tap_ok(!failures, "%ld random calls on %u VMs (seed %u): every result as documented (%ld not)",
	       n, ntargets, seed, failures);
	tap_ok(!wrong_level, "no VM's level changed once it had vCPUs");
	for (i = 0; i < ntargets; i++)
		vmm_vm_destroy(&t[i].vm);
	tap_ok(kas_stat("vm_live") == live0 && kas_refcnt() == ref0,
	       "every VM gone: live VMs %ld (was %ld), module references %ld (was %ld)",
	       kas_stat("vm_live"), live0, kas_refcnt(), ref0);
	kas_check_log("after the calls", mark);
	return tap_finish();
}
