// SPDX-License-Identifier: GPL-2.0
/*
 * faultinj - the kernel's own fault injection (fail-nth: failslab,
 * fail_page_alloc and fail_usercopy) at every allocation and user copy,
 * one at a time, of the calls that give a VM its level: VM creation under
 * a default level, the level attribute, vCPU creation and init,
 * KVM_GET_REG_LIST and vGIC init.
 *
 * Each call either succeeds with the whole level (the same register list,
 * firmware and ID register values, GICD_IIDR as a VM at that level made
 * without faults) or fails with an errno the kernel itself gives for that
 * call on a native VM (or -ENOMEM/-EFAULT, but for KVM_GET_REG_LIST,
 * which allocates nothing in the kernel), and the VM keeps what it had
 * and recovers. Afterwards no VM entry and no module reference is left
 * behind, and the kernel log is clean (KASAN, lockdep, WARN).
 *
 * Needs CONFIG_FAULT_INJECTION, FAILSLAB, FAULT_INJECTION_DEBUG_FS (the
 * rig's debug kernel): without /proc/thread-self/fail-nth it skips.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "../lib/host.h"
#include "../lib/kcheck.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define L(a, b)		KVM_ABI_SHIM_LEVEL(a, b)
#define NATIVE		KVM_ABI_SHIM_LEVEL_NATIVE
#define MAX_NTH		4000	/* far above any call's count of fault sites */
#define MAX_REGS	1024
#define GICD_IIDR	0x8

static int nth_fd = -1;
static int gic;

/* Arm the Nth fault site this thread reaches from now on. */
static void arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		tap_bail("cannot write fail-nth: %s", strerror(errno));
}

/*
 * Disarm; true if the armed fault was injected. A fault still armed may
 * hit the read or the reset itself (their user copies are fault sites
 * too): the value is read before the copy, and the reset is retried once
 * the fault is spent.
 */
static bool injected(void)
{
	char buf[16] = "";
	bool hit = pread(nth_fd, buf, sizeof(buf) - 1, 0) > 0 && buf[0] == '0';
	int i;

	for (i = 0; i < 3 && pwrite(nth_fd, "0", 1, 0) != 1; i++)
		if (errno != EFAULT)
			tap_bail("cannot reset fail-nth: %s", strerror(errno));
	if (i == 3)
		tap_bail("cannot reset fail-nth: %s", strerror(errno));
	return hit;
}

/* What a vCPU shows a VMM: its register list, firmware and ID registers. */
struct vstate {
	uint64_t n;
	uint64_t id[MAX_REGS];
	uint64_t val[MAX_REGS];	/* firmware and ID registers; 0 otherwise */
	uint32_t iidr;
};

static bool stable_reg(uint64_t id)
{
	uint64_t coproc = id & KVM_REG_ARM_COPROC_MASK;

	if (coproc == KVM_REG_ARM_FW || coproc == KVM_REG_ARM_FW_FEAT_BMAP)
		return true;
	/* ID registers: op0 3, op1 0, CRn 0, CRm 1..7. */
	return coproc == KVM_REG_ARM64_SYSREG && ((id >> 14) & 3) == 3 &&
	       ((id >> 11) & 7) == 0 && ((id >> 7) & 15) == 0 &&
	       ((id >> 3) & 15) >= 1 && ((id >> 3) & 15) <= 7;
}

static int reg_list(int vcpu_fd, struct vstate *s)
{
	struct {
		struct kvm_reg_list rl;
		uint64_t id[MAX_REGS];
	} l = { .rl.n = MAX_REGS };

	if (ioctl(vcpu_fd, KVM_GET_REG_LIST, &l))
		return -errno;
	s->n = l.rl.n;
	memcpy(s->id, l.id, s->n * sizeof(uint64_t));
	return 0;
}

static int vstate_read(int vcpu_fd, struct vstate *s)
{
	uint64_t i;
	int ret = reg_list(vcpu_fd, s);

	for (i = 0; !ret && i < s->n; i++) {
		struct kvm_one_reg r = { .id = s->id[i], .addr = (uintptr_t)&s->val[i] };

		s->val[i] = 0;
		if (stable_reg(s->id[i]) && (s->id[i] & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U64 &&
		    ioctl(vcpu_fd, KVM_GET_ONE_REG, &r))
			ret = -errno;
	}
	return ret;
}

/* "" if @a and @b are the same; else which register differs. */
static const char *vstate_diff(const struct vstate *a, const struct vstate *b)
{
	static char why[96];
	uint64_t i;

	if (a->n != b->n) {
		snprintf(why, sizeof(why), "%llu registers listed, want %llu",
			 (unsigned long long)b->n, (unsigned long long)a->n);
		return why;
	}
	for (i = 0; i < a->n; i++) {
		if (a->id[i] != b->id[i] || a->val[i] != b->val[i]) {
			snprintf(why, sizeof(why), "register 0x%llx: 0x%llx, want 0x%llx",
				 (unsigned long long)b->id[i], (unsigned long long)b->val[i],
				 (unsigned long long)a->val[i]);
			return why;
		}
	}
	return "";
}

/* One call under test, on a VM at @level, repeated for every fault site. */
struct ctx {
	uint64_t level;
	struct vmm_vm vm;
	const struct vstate *ref;	/* the VM at this level, made without faults */
	char why[160];
};

struct op {
	const char *name;
	/* Make the state before the call (no faults armed). */
	int (*prep)(struct ctx *c);
	/* The one call faults are injected into: 0 or -errno. */
	int (*call)(struct ctx *c);
	/* After the call (no faults armed): 0, or why the VM is not whole. */
	int (*check)(struct ctx *c, int ret);
	/*
	 * The call allocates nothing in the kernel (its documented errors
	 * are E2BIG and EFAULT): at a level no errno but the kernel's either,
	 * not even ENOMEM.
	 */
	bool kernel_errnos_only;
};

static int vm_at(struct ctx *c)
{
	int ret = vmm_vm_create(&c->vm);

	if (!ret && c->level != NATIVE)
		ret = vmm_shim_set(&c->vm, KVM_ABI_SHIM_ATTR_LEVEL, c->level);
	return ret;
}

/* The VM's vCPU 0 shows exactly the reference state. */
static int whole(struct ctx *c, int vcpu_fd)
{
	static struct vstate s;
	uint64_t level = ~0ULL;
	int ret;

	if (vmm_shim_get(&c->vm, KVM_ABI_SHIM_ATTR_LEVEL, &level) || level != c->level) {
		snprintf(c->why, sizeof(c->why), "level 0x%llx, want 0x%llx",
			 (unsigned long long)level, (unsigned long long)c->level);
		return -1;
	}
	if (vcpu_fd < 0)
		return 0;
	ret = vstate_read(vcpu_fd, &s);
	if (ret) {
		snprintf(c->why, sizeof(c->why), "register state unreadable: %s", strerror(-ret));
		return -1;
	}
	snprintf(c->why, sizeof(c->why), "%s", vstate_diff(c->ref, &s));
	return c->why[0] ? -1 : 0;
}

/* VM creation, the level coming from the operator's default. */
static int create_prep(struct ctx *c)
{
	char d[32];

	if (c->level == NATIVE)
		snprintf(d, sizeof(d), "native 0");
	else
		snprintf(d, sizeof(d), "%llu.%llu 0",
			 (unsigned long long)KVM_ABI_SHIM_LEVEL_MAJOR(c->level),
			 (unsigned long long)KVM_ABI_SHIM_LEVEL_MINOR(c->level));
	memset(&c->vm, 0, sizeof(c->vm));
	c->vm.fd = c->vm.gic_fd = -1;
	c->vm.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return c->vm.kvm_fd < 0 ? -errno : vmm_param_write("defaults", d);
}

static int create_call(struct ctx *c)
{
	c->vm.fd = ioctl(c->vm.kvm_fd, KVM_CREATE_VM, 0);
	return c->vm.fd < 0 ? -errno : 0;
}

static int create_check(struct ctx *c, int ret)
{
	int r = ret ? 0 : whole(c, -1);

	vmm_param_write("defaults", "native 0");
	return r;
}

/* The level attribute on a VM made native. */
static int level_prep(struct ctx *c)
{
	return vmm_vm_create(&c->vm);
}

static int level_call(struct ctx *c)
{
	return vmm_shim_set(&c->vm, KVM_ABI_SHIM_ATTR_LEVEL, c->level);
}

static int level_check(struct ctx *c, int ret)
{
	uint64_t want = c->level;

	if (ret) {
		/* The VM keeps its level, and the attribute works afterwards. */
		uint64_t got = ~0ULL;

		if (vmm_shim_get(&c->vm, KVM_ABI_SHIM_ATTR_LEVEL, &got) || got != NATIVE) {
			snprintf(c->why, sizeof(c->why), "after the failure the level is 0x%llx",
				 (unsigned long long)got);
			return -1;
		}
		if (vmm_shim_set(&c->vm, KVM_ABI_SHIM_ATTR_LEVEL, want)) {
			snprintf(c->why, sizeof(c->why), "the level cannot be set afterwards");
			return -1;
		}
	}
	return whole(c, -1);
}

/* vCPU creation, then init without faults. */
static int vcpu_call(struct ctx *c)
{
	int fd = ioctl(c->vm.fd, KVM_CREATE_VCPU, 0);

	if (fd < 0)
		return -errno;
	c->vm.vcpu[0].fd = fd;
	c->vm.nr_vcpus = 1;
	return 0;
}

static int vcpu_check(struct ctx *c, int ret)
{
	if (ret && vcpu_call(c)) {
		snprintf(c->why, sizeof(c->why), "KVM_CREATE_VCPU fails afterwards: %s",
			 strerror(errno));
		return -1;
	}
	if (vmm_vcpu_init(&c->vm, c->vm.vcpu[0].fd, 1u << KVM_ARM_VCPU_PSCI_0_2)) {
		snprintf(c->why, sizeof(c->why), "KVM_ARM_VCPU_INIT fails afterwards");
		return -1;
	}
	return whole(c, c->vm.vcpu[0].fd);
}

/* vCPU init on a created vCPU. */
static int init_prep(struct ctx *c)
{
	return vm_at(c) ?: vcpu_call(c);
}

static int init_call(struct ctx *c)
{
	return vmm_vcpu_init(&c->vm, c->vm.vcpu[0].fd, 1u << KVM_ARM_VCPU_PSCI_0_2);
}

static int init_check(struct ctx *c, int ret)
{
	/* KVM lets a VMM repeat KVM_ARM_VCPU_INIT with the same features. */
	if (ret && vmm_vcpu_init(&c->vm, c->vm.vcpu[0].fd, 1u << KVM_ARM_VCPU_PSCI_0_2)) {
		snprintf(c->why, sizeof(c->why), "KVM_ARM_VCPU_INIT fails afterwards");
		return -1;
	}
	return whole(c, c->vm.vcpu[0].fd);
}

/* KVM_GET_REG_LIST of an initialised vCPU. */
static int list_prep(struct ctx *c)
{
	return init_prep(c) ?: init_call(c);
}

static struct vstate list_got;

static int list_call(struct ctx *c)
{
	return reg_list(c->vm.vcpu[0].fd, &list_got);
}

static int list_check(struct ctx *c, int ret)
{
	if (!ret && (list_got.n != c->ref->n ||
		     memcmp(list_got.id, c->ref->id, list_got.n * sizeof(uint64_t)))) {
		snprintf(c->why, sizeof(c->why), "the list has %llu ids, want the %llu of the level",
			 (unsigned long long)list_got.n, (unsigned long long)c->ref->n);
		return -1;
	}
	return whole(c, c->vm.vcpu[0].fd);
}

/*
 * vGIC init with one vCPU and the fewest interrupts a VMM may ask for (32
 * SPIs): KVM allocates one routing entry per SPI, the same site in a loop,
 * so the default 224 SPIs would add hundreds of identical fault sites.
 */
static int gic_prep(struct ctx *c)
{
	uint32_t nr_irqs = 64;

	return vm_at(c) ?: vmm_add_memory(&c->vm) ?: vmm_gic_create(&c->vm, gic) ?:
	       vmm_attr(c->vm.gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
			&nr_irqs) ?:
	       vmm_vcpu_add(&c->vm, 1u << KVM_ARM_VCPU_PSCI_0_2);
}

static int gic_call(struct ctx *c)
{
	return vmm_gic_init(&c->vm);
}

static int gic_check(struct ctx *c, int ret)
{
	uint32_t iidr = 0;

	if (ret && vmm_gic_init(&c->vm)) {
		snprintf(c->why, sizeof(c->why), "vGIC init fails afterwards");
		return -1;
	}
	if (vmm_attr(c->vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
		     GICD_IIDR, &iidr) || iidr != c->ref->iidr) {
		snprintf(c->why, sizeof(c->why), "GICD_IIDR 0x%x, want 0x%x", iidr, c->ref->iidr);
		return -1;
	}
	return whole(c, c->vm.vcpu[0].fd);
}

static const struct op ops[] = {
	{ "VM creation (level from the default)", create_prep, create_call, create_check },
	{ "level attribute", level_prep, level_call, level_check },
	{ "KVM_CREATE_VCPU", vm_at, vcpu_call, vcpu_check },
	{ "KVM_ARM_VCPU_INIT", init_prep, init_call, init_check },
	{ "KVM_GET_REG_LIST", list_prep, list_call, list_check, true },
	{ "vGIC init", gic_prep, gic_call, gic_check },
};
#define NR_OPS (sizeof(ops) / sizeof(ops[0]))

static void teardown(struct ctx *c)
{
	if (c->vm.fd < 0 && c->vm.kvm_fd >= 0) {
		close(c->vm.kvm_fd);
		return;
	}
	vmm_vm_destroy(&c->vm);
}

/* The state of a vCPU at @level made without faults (with a vGIC). */
static int reference(uint64_t level, struct vstate *s)
{
	struct ctx c = { .level = level };
	int ret = gic_prep(&c) ?: gic_call(&c) ?: vstate_read(c.vm.vcpu[0].fd, s) ?:
		  vmm_attr(c.vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			   GICD_IIDR, &s->iidr);

	teardown(&c);
	return ret;
}

/* errno bit sets: which errnos a call gave under faults. */
#define EBIT(e)	(1ULL << ((e) & 63))

static const char *errnames(uint64_t set)
{
	static char buf[160];
	size_t len = 0;
	int e;

	buf[0] = 0;
	for (e = 1; e < 64 && len < sizeof(buf) - 16; e++)
		if (set & EBIT(e))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%d", len ? "," : "", e);
	return len ? buf : "none";
}

/*
 * Run @op at @level with a fault at each site in turn. Returns the number
 * of sites (-1 when the calls never stop hitting faults), the errnos seen
 * in @errs, and counts the broken outcomes in @bad.
 */
static int sweep(const struct op *op, uint64_t level, const struct vstate *ref,
		 uint64_t *errs, unsigned int *bad)
{
	unsigned int n;

	*errs = 0;
	*bad = 0;
	for (n = 1; n <= MAX_NTH; n++) {
		struct ctx c = { .level = level, .ref = ref };
		int ret, pret;
		bool hit;

		pret = op->prep(&c);
		if (pret) {
			teardown(&c);
			tap_diag("%s: preparing the call failed without faults: %s", op->name,
				 strerror(-pret));
			(*bad)++;
			return n - 1;
		}
		arm(n);
		ret = op->call(&c);
		hit = injected();
		if (ret < 0)
			*errs |= EBIT(-ret);
		if (!hit && ret) {
			tap_diag("%s: fails without a fault: %s", op->name, strerror(-ret));
			(*bad)++;
		} else if (op->check(&c, ret)) {
			if (*bad < 5)
				tap_diag("%s, fault %u (%s): %s", op->name, n,
					 ret ? strerror(-ret) : "call succeeded", c.why);
			(*bad)++;
		}
		teardown(&c);
		if (!hit)
			return n - 1;
	}
	return -1;
}

static uint64_t oldest_level(void)
{
	struct vmm_vm vm;
	uint64_t mask = 0;

	if (vmm_vm_create(&vm))
		return NATIVE;
	vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_SUPPORTED, &mask);
	vmm_vm_destroy(&vm);
	if (mask & KVM_ABI_SHIM_LEVEL_BIT_5_10)
		return L(5, 10);
	if (mask & KVM_ABI_SHIM_LEVEL_BIT_6_1)
		return L(6, 1);
	if (mask & KVM_ABI_SHIM_LEVEL_BIT_6_12)
		return L(6, 12);
	return NATIVE;
}

/*
 * Only fail-nth injects: probability stays 0; quiet, GFP_KERNEL included.
 * Page allocations of order 1 and more are sites too (fail_page_alloc's
 * min-order stays 1): large kmallocs, kvmalloc's, new slab pages. Order 0
 * would make every page a VM's memory touches a site.
 */
static const char *const knobs[][2] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "1" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/fail_usercopy/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
};
#define NR_KNOBS (sizeof(knobs) / sizeof(knobs[0]))
static char saved[NR_KNOBS][16];

static int knob(const char *path, char *old, size_t len, const char *val)
{
	int fd = open(path, O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (old) {
		n = read(fd, old, len - 1);
		old[n > 0 ? n : 0] = 0;
	}
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static void restore_knobs(void)
{
	unsigned int i;

	for (i = 0; i < NR_KNOBS; i++)
		if (saved[i][0])
			knob(knobs[i][0], NULL, 0, saved[i]);
}

int main(void)
{
	static struct vstate ref_native, ref_level;
	long live0, ref0;
	uint64_t level;
	unsigned int i;
	char mark[256];

	tap_header("faultinj");
	host_setup();
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0 || access("/sys/kernel/debug/failslab", F_OK)) {
		tap_skip("no fail-nth fault injection in this kernel (CONFIG_FAILSLAB, debugfs)");
		return tap_finish();
	}
	if (!vmm_module_loaded() || geteuid()) {
		tap_skip("needs the module loaded and root");
		return tap_finish();
	}
	gic = vmm_host_gic_version();
	level = oldest_level();
	if (level == NATIVE || !gic) {
		tap_skip("no older level or no vGIC on this host");
		return tap_finish();
	}
	for (i = 0; i < NR_KNOBS; i++)
		knob(knobs[i][0], saved[i], sizeof(saved[i]), knobs[i][1]);
	atexit(restore_knobs);
	kas_log_mark(mark, sizeof(mark));
	live0 = kas_stat("vm_live");
	ref0 = kas_refcnt();
	if (reference(NATIVE, &ref_native) || reference(level, &ref_level))
		tap_bail("cannot make the reference VMs");
	tap_diag("level %llu.%llu: %llu registers; native: %llu",
		 (unsigned long long)KVM_ABI_SHIM_LEVEL_MAJOR(level),
		 (unsigned long long)KVM_ABI_SHIM_LEVEL_MINOR(level),
		 (unsigned long long)ref_level.n, (unsigned long long)ref_native.n);

	for (i = 0; i < NR_OPS; i++) {
		uint64_t nerr, lerr, extra;
		unsigned int nbad, lbad;
		int nsites, lsites;

		nsites = sweep(&ops[i], NATIVE, &ref_native, &nerr, &nbad);
		lsites = sweep(&ops[i], level, &ref_level, &lerr, &lbad);
		extra = lerr & ~(nerr | (ops[i].kernel_errnos_only ? 0 : EBIT(ENOMEM) | EBIT(EFAULT)));
		tap_ok(nsites > 0 && !nbad,
		       "%s, native VM: a fault at each of its %d sites gave the whole VM or a clean error (errnos %s)",
		       ops[i].name, nsites, errnames(nerr));
		tap_ok(lsites > 0 && !lbad && !extra,
		       "%s, level VM: a fault at each of its %d sites gave the whole level or a clean error (errnos %s%s%s)",
		       ops[i].name, lsites, errnames(lerr), extra ? "; not the kernel's: " : "",
		       extra ? errnames(extra) : "");
	}
	tap_ok(kas_stat("vm_live") == live0, "no VM entry left behind (vm_live %ld, was %ld)",
	       kas_stat("vm_live"), live0);
	tap_ok(kas_refcnt() == ref0, "no module reference left behind (refcnt %ld, was %ld)",
	       kas_refcnt(), ref0);
	kas_check_log("fault injection", mark);
	return tap_finish();
}
