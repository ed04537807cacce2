// SPDX-License-Identifier: GPL-2.0
/*
 * reglist - the vCPU registers of a VM at an older level: KVM_GET_REG_LIST
 * holds what that level's kernel lists and KVM_{GET,SET}_ONE_REG refuse
 * the rest with ENOENT (but for writes of the physical counter, part of the
 * host's counter offset interface); a native VM keeps the running kernel's
 * set.
 * Expected caches come from the host's sysfs cache description.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define SYSREG(op0, op1, crn, crm, op2)					\
	(0x6030000000130000ULL | ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | \
	 ((uint64_t)(crn) << 7) | ((uint64_t)(crm) << 3) | (uint64_t)(op2))
#define CCSIDR(i)	(0x6020000000110000ULL | (i))
#define L(a, b)		KVM_ABI_SHIM_LEVEL(a, b)
#define PMCR_EL0	SYSREG(3, 3, 9, 12, 0)
#define PMEVCNTR0	SYSREG(3, 3, 14, 8, 0)
#define PMCCFILTR	SYSREG(3, 3, 14, 15, 7)
#define PMINTENSET	SYSREG(3, 0, 9, 14, 1)
#define PMINTENCLR	SYSREG(3, 0, 9, 14, 2)

/* KVM_CAP_COUNTER_OFFSET (linux/kvm.h from 6.4; the headers here are 6.1's). */
#define CAP_COUNTER_OFFSET 227

struct named { uint64_t id; const char *name; uint64_t since; };

/* Registers a kernel of the fleet lists only from level @since on. */
static const struct named newer[] = {
	{ SYSREG(2, 0, 1, 1, 4), "OSLSR_EL1", L(6, 1) },
	{ SYSREG(3, 3, 14, 2, 1), "PTIMER_CTL", L(6, 12) },
	{ SYSREG(3, 3, 14, 0, 1), "PTIMER_CNT", L(6, 12) },
	{ SYSREG(3, 3, 14, 2, 2), "PTIMER_CVAL", L(6, 12) },
	{ SYSREG(3, 0, 2, 0, 3), "TCR2_EL1", L(6, 12) },
	{ SYSREG(3, 0, 10, 2, 2), "PIRE0_EL1", L(6, 12) },
	{ SYSREG(3, 0, 10, 2, 3), "PIR_EL1", L(6, 12) },
};

struct list { uint64_t n; uint64_t *id; };

static int get_list(struct vmm_vcpu *c, struct list *l)
{
	struct kvm_reg_list probe = { .n = 0 }, *rl;

	if (ioctl(c->fd, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG)
		return -EINVAL;
	rl = calloc(1, sizeof(*rl) + probe.n * sizeof(uint64_t));
	if (!rl)
		return -ENOMEM;
	rl->n = probe.n;
	if (ioctl(c->fd, KVM_GET_REG_LIST, rl)) {
		free(rl);
		return -errno;
	}
	l->n = rl->n;
	l->id = malloc(l->n * sizeof(uint64_t));
	memcpy(l->id, rl->reg, l->n * sizeof(uint64_t));
	free(rl);
	return 0;
}

static long find(const struct list *l, uint64_t id)
{
	uint64_t i;

	for (i = 0; i < l->n; i++)
		if (l->id[i] == id)
			return i;
	return -1;
}

/* CSSELR values of the host's caches, from /sys/devices/system/cpu. */
static unsigned int host_caches(bool valid[14])
{
	unsigned int i, n = 0, level;
	char path[96], type[32];
	FILE *f;

	memset(valid, 0, 14 * sizeof(bool));
	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%u/level", i);
		f = fopen(path, "r");
		if (!f)
			break;
		if (fscanf(f, "%u", &level) != 1)
			level = 0;
		fclose(f);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%u/type", i);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%31s", type) != 1)
			strcpy(type, "?");
		if (f)
			fclose(f);
		if (level < 1 || level > 7)
			continue;
		if (!strcmp(type, "Instruction") || !strcmp(type, "Data") ||
		    !strcmp(type, "Unified")) {
			valid[(level - 1) << 1 | !strcmp(type, "Instruction")] = true;
			n++;
		}
	}
	return n;
}

/* KVM_REG_ARM_VENDOR_HYP_BMAP_2, 7.3 (6.15) */
#define FW_BMAP2 0x6030000000160003ULL

static int one_reg(struct vmm_vcpu *c, unsigned long op, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return ioctl(c->fd, op, &r) ? -errno : 0;
}

/* KVM_ARM_VCPU_INIT again, as a VMM resets a vCPU (QEMU on system reset). */
static int vcpu_reinit(struct vmm_vm *vm, struct vmm_vcpu *c)
{
	struct kvm_vcpu_init init = { 0 };

	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	return ioctl(c->fd, KVM_ARM_VCPU_INIT, &init) < 0 ? -errno : 0;
}

/*
 * Level 6.12 on a 7.3 host: TCR2_EL1, PIRE0_EL1 and PIR_EL1, which 7.3
 * hides on a CPU without TCRX/S1PIE, are listed and kept as 6.12 keeps
 * them: 6.12's reset values, a VMM's writes, reset again with the vCPU.
 */
static void check_kept_612(void)
{
	static const struct { uint64_t id; const char *name; uint64_t reset; } kept[] = {
		{ SYSREG(3, 0, 2, 0, 3), "TCR2_EL1", 0 },
		{ SYSREG(3, 0, 10, 2, 2), "PIRE0_EL1", 0x1de7ec7edbadc0deULL },
		{ SYSREG(3, 0, 10, 2, 3), "PIR_EL1", 0x1de7ec7edbadc0deULL },
	};
	struct vmm_vm vm;
	struct list l;
	uint64_t val, w = 0x5;
	unsigned int i;

	if (vmm_vm_create(&vm) || vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 12)) ||
	    vmm_vcpu_add(&vm, 0) || get_list(&vm.vcpu[0], &l))
		tap_bail("cannot create a VM at level 6.12 with a vCPU");
	for (i = 0; i < 3; i++) {
		val = ~0ULL;
		tap_ok(find(&l, kept[i].id) >= 0 &&
		       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, kept[i].id, &val) &&
		       val == kept[i].reset,
		       "level 6.12 on 7.3: %s listed, reads 6.12's reset value (%#llx)",
		       kept[i].name, (unsigned long long)val);
		val = 0;
		tap_ok(!one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, kept[i].id, &w) &&
		       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, kept[i].id, &val) && val == w,
		       "level 6.12 on 7.3: %s keeps what the VMM writes", kept[i].name);
	}
	TAP_ERRNO(vcpu_reinit(&vm, &vm.vcpu[0]), 0, "level 6.12: KVM_ARM_VCPU_INIT again (a reset)");
	for (i = 0; i < 3; i++) {
		val = w;
		tap_ok(!one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, kept[i].id, &val) &&
		       val == kept[i].reset, "level 6.12: the reset gives %s %#llx again",
		       kept[i].name, (unsigned long long)val);
	}
	free(l.id);
	vmm_vm_destroy(&vm);
}

/* The process's address-space size in bytes (VmSize), or 0. */
static unsigned long vm_size(void)
{
	char line[128];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* KVM_GET_REG_LIST into @rl (room for @n): 0 if it gave @want exactly. */
static int list_again(struct vmm_vcpu *c, struct kvm_reg_list *rl, const struct list *want)
{
	struct kvm_reg_list probe = { .n = 0 };

	if (ioctl(c->fd, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG)
		return errno ? -errno : -EINVAL;
	if (probe.n != want->n)
		return -ERANGE;
	rl->n = want->n;
	if (ioctl(c->fd, KVM_GET_REG_LIST, rl))
		return -errno;
	return rl->n == want->n && !memcmp(rl->reg, want->id, want->n * sizeof(uint64_t)) ?
	       0 : -ERANGE;
}

/*
 * A VMM that can map no more memory (RLIMIT_AS at its size; mlockall()
 * with no RLIMIT_MEMLOCK left and no CAP_IPC_LOCK) still gets its list: the
 * kernel's KVM_GET_REG_LIST needs no user memory but the VMM's buffer, and
 * neither may a VM at an older level. In a child (the limits stay there);
 * its exit status holds one bit per failed case.
 */
static void check_no_user_memory(uint64_t level, const char *name)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int status = -1;
	pid_t child;

	child = fork();
	if (!child) {
		/* 1 byte: mlockall() is allowed, no locked page is. */
		struct rlimit as, as0, ml = { 1, 1 };
		struct kvm_reg_list *rl;
		struct vmm_vm vm;
		struct list l;
		int bad = 0;

		if (vmm_vm_create(&vm) || vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level) ||
		    vmm_vcpu_add(&vm, 0) || get_list(&vm.vcpu[0], &l))
			_exit(64);
		rl = calloc(1, sizeof(*rl) + l.n * sizeof(uint64_t));
		/*
		 * The soft limit only: a VMM that is not root could not
		 * raise a lowered hard limit again.
		 */
		if (getrlimit(RLIMIT_AS, &as0))
			_exit(64);
		as = as0;
		as.rlim_cur = vm_size();
		if (!rl || !as.rlim_cur || setrlimit(RLIMIT_AS, &as))
			bad |= 4;
		else if (list_again(&vm.vcpu[0], rl, &l))
			bad |= 1;
		if (setrlimit(RLIMIT_AS, &as0) || syscall(SYS_capget, &h, d))
			_exit(64);
		d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
		if (syscall(SYS_capset, &h, d) || setrlimit(RLIMIT_MEMLOCK, &ml) ||
		    mlockall(MCL_FUTURE))
			bad |= 8;
		else if (list_again(&vm.vcpu[0], rl, &l))
			bad |= 2;
		_exit(bad);
	}
	if (child > 0)
		waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 64) {
		tap_ok(false, "level %s: a VMM that can map no more memory (no VM: status %#x)",
		       name, status);
		return;
	}
	status = WEXITSTATUS(status);
	tap_ok(!(status & 5),
	       "level %s: with RLIMIT_AS at the VMM's size, KVM_GET_REG_LIST gives the same list%s",
	       name, status & 4 ? " (limit not set)" : "");
	tap_ok(!(status & 10),
	       "level %s: under mlockall(MCL_FUTURE) with no RLIMIT_MEMLOCK left, the same list%s",
	       name, status & 8 ? " (mlockall refused)" : "");
}

/*
 * An SVE vCPU (QEMU's -cpu host on SVE hardware) at an older level: its
 * list has the SVE registers instead of the V registers, and the count a
 * short buffer gets back is the number of ids written.
 */
static void check_sve(uint64_t level, const char *name)
{
	struct kvm_reg_list probe = { .n = 0 };
	int feature = KVM_ARM_VCPU_SVE;
	struct vmm_vm vm;
	struct list l;
	int ret;

	if (vmm_vm_create(&vm) || vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level))
		tap_bail("cannot create a VM at level %s", name);
	if (!ioctl(vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE)) {
		tap_skip("level %s, SVE vCPU: no SVE on this host", name);
		vmm_vm_destroy(&vm);
		return;
	}
	ret = vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_SVE);
	if (!ret && ioctl(vm.vcpu[0].fd, KVM_ARM_VCPU_FINALIZE, &feature))
		ret = -errno;
	if (!ret)
		ret = get_list(&vm.vcpu[0], &l);
	tap_ok(!ret, "level %s, SVE vCPU: KVM_GET_REG_LIST answers (%s)", name, strerror(-ret));
	if (!ret) {
		tap_ok(find(&l, KVM_REG_ARM64_SVE_VLS) >= 0 && find(&l, KVM_REG_ARM64_SVE_FFR(0)) >= 0 &&
		       find(&l, 0x6040000000100000ULL | 0x54) < 0,
		       "level %s, SVE vCPU: VLS and FFR listed, V0 not (%llu ids)", name,
		       (unsigned long long)l.n);
		tap_ok(ioctl(vm.vcpu[0].fd, KVM_GET_REG_LIST, &probe) < 0 && errno == E2BIG &&
		       probe.n == l.n, "level %s, SVE vCPU: n=0 is E2BIG with n=%llu", name,
		       (unsigned long long)l.n);
		free(l.id);
	}
	vmm_vm_destroy(&vm);
}

static bool same_list(const struct list *a, const struct list *b)
{
	return a->n == b->n && !memcmp(a->id, b->id, a->n * sizeof(uint64_t));
}

/* The first KVM_RUN of vCPU @idx: the kernel's first-run work, no guest code. */
static int run_once(struct vmm_vm *vm, int idx)
{
	int ret;

	vm->vcpu[idx].run->immediate_exit = 1;
	ret = vmm_run(&vm->vcpu[idx]);
	vm->vcpu[idx].run->immediate_exit = 0;
	return ret == -EINTR ? 0 : ret ? ret : -EIO;
}

/*
 * Once a VM has run, the module keeps each vCPU's list rather than compose
 * it at every KVM_GET_REG_LIST (what a register save costs): the list must
 * stay the one the level gives (@want, taken before the run), count and
 * copy agreeing, and a reset that changes the vCPU's features (where the
 * kernel allows it) must not leave it stale.
 */
static void check_after_run(uint64_t level, const char *name, const struct list *want)
{
	struct list ran = { 0 }, again = { 0 }, pmu = { 0 }, fresh = { 0 };
	struct kvm_reg_list *rl = calloc(1, sizeof(*rl) + want->n * sizeof(uint64_t));
	struct vmm_vm vm, other;
	int r, f;

	if (!rl || vmm_vm_create(&vm)) {
		tap_ok(false, "level %s: a VM to run", name);
		free(rl);
		return;
	}
	r = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level) ?: vmm_vcpu_add(&vm, 0) ?:
	    run_once(&vm, 0);
	TAP_ERRNO(r, 0, "level %s: the vCPU's first KVM_RUN (immediate_exit) returns", name);
	tap_ok(!r && !get_list(&vm.vcpu[0], &ran) && same_list(&ran, want),
	       "level %s: after the VM ran, KVM_GET_REG_LIST gives the list it gave before (%llu)",
	       name, (unsigned long long)ran.n);
	tap_ok(!r && !get_list(&vm.vcpu[0], &again) && same_list(&again, want) &&
	       !list_again(&vm.vcpu[0], rl, want),
	       "level %s: and again, count and copy agreeing (E2BIG with n=0, then the list)", name);
	/* A reset (the module drops what it kept), then one asking for a PMU. */
	TAP_ERRNO(vcpu_reinit(&vm, &vm.vcpu[0]), 0,
		  "level %s: KVM_ARM_VCPU_INIT again after the run (a reset)", name);
	free(again.id);
	again.id = NULL;
	tap_ok(!get_list(&vm.vcpu[0], &again) && same_list(&again, want),
	       "level %s: after the reset, the same list again (%llu)", name,
	       (unsigned long long)again.n);
	/* A vCPU asking for a PMU it did not have. */
	f = vmm_vcpu_init(&vm, vm.vcpu[0].fd, 1u << KVM_ARM_VCPU_PMU_V3);
	if (!f) {
		/* The kernel took it: the list is a new vCPU's with a PMU. */
		r = vmm_vm_create(&other);
		if (!r) {
			r = vmm_shim_set(&other, KVM_ABI_SHIM_ATTR_LEVEL, level) ?:
			    vmm_vcpu_add(&other, 1u << KVM_ARM_VCPU_PMU_V3) ?:
			    get_list(&other.vcpu[0], &fresh);
			vmm_vm_destroy(&other);
		}
		tap_ok(!r && !get_list(&vm.vcpu[0], &pmu) && same_list(&pmu, &fresh) &&
		       !same_list(&pmu, want),
		       "level %s: KVM_ARM_VCPU_INIT with a PMU after the run: the list is a PMU vCPU's (%llu, was %llu)",
		       name, (unsigned long long)pmu.n, (unsigned long long)want->n);
	} else {
		tap_ok(!get_list(&vm.vcpu[0], &pmu) && same_list(&pmu, want),
		       "level %s: KVM_ARM_VCPU_INIT with a PMU after the run is refused (%s): the list stays (%llu)",
		       name, strerror(-f), (unsigned long long)pmu.n);
	}
	free(ran.id);
	free(again.id);
	free(pmu.id);
	free(fresh.id);
	free(rl);
	vmm_vm_destroy(&vm);
}

/*
 * PMCR_EL0 of a vCPU with a PMU as 5.10 and 6.1 keep it (@level 0: the
 * running kernel's own, on those kernels): the host's implementer, ID code
 * and number of counters, the writable byte reset to 0xdecafbad's with E
 * clear; the guest reads it without P and C; a VMM's value is kept whole
 * (what a VM saved on 6.12 shows after its restore); a reset gives the
 * first value again. The counter enable, interrupt enable and overflow
 * registers take a restored value whole through their SET and CLR ids.
 */
static void check_pmcr(uint64_t level, const char *name)
{
	static const struct { uint64_t first, second; const char *name; } pmpair[] = {
		{ SYSREG(3, 0, 9, 14, 1), SYSREG(3, 0, 9, 14, 2), "PMINTENSET/CLR" },
		{ SYSREG(3, 3, 9, 12, 1), SYSREG(3, 3, 9, 12, 2), "PMCNTENSET/CLR" },
		{ SYSREG(3, 3, 9, 12, 3), SYSREG(3, 3, 9, 14, 3), "PMOVSCLR/SET" },
	};
	struct kvm_vcpu_init init = { 0 };
	unsigned int i;
	uint64_t v0 = 0, v = 0, g = 0, low;
	struct vmm_vm vm;
	int r;

	r = vmm_vm_create(&vm);
	if (!r && level)
		r = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	r = r ?: vmm_add_memory(&vm) ?: vmm_gic_create(&vm, vmm_host_gic_version());
	if (!r && vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PMU_V3)) {
		tap_skip("level %s: no vCPU with a PMU on this host", name);
		vmm_vm_destroy(&vm);
		return;
	}
	r = r ?: vmm_gic_init(&vm) ?: vmm_pmu_init(vm.vcpu[0].fd, 23) ?: vmm_load_routines(&vm);
	if (r)
		tap_bail("level %s: cannot make a VM with a PMU: %s", name, strerror(-r));
	TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMCR_EL0, &v0), 0,
		  "level %s, PMU: PMCR_EL0 readable (%#llx)", name, (unsigned long long)v0);
	tap_ok((v0 & 0xbf) == 0xac && (v0 >> 11 & 0x1f),
	       "level %s, PMU: PMCR_EL0 as 5.10 and 6.1 reset it (writable byte 0xdecafbad's, E clear, N %llu)",
	       name, (unsigned long long)(v0 >> 11 & 0x1f));
	tap_ok(!vmm_guest_mrs(&vm, 3, 9, 12, 0, &g) && g == (v0 & ~6ULL),
	       "level %s, PMU: the guest reads it without P and C (%#llx)", name,
	       (unsigned long long)g);
	/* What 6.12 saves: no implementer, no ID code, no writable bits. */
	low = v0 & 0xf840;
	tap_ok(!one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, PMCR_EL0, &low) &&
	       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMCR_EL0, &v) && v == low &&
	       !vmm_guest_mrs(&vm, 3, 9, 12, 0, &g) && g == low,
	       "level %s, PMU: a restored %#llx is what the VMM and the guest read (%#llx, %#llx)",
	       name, (unsigned long long)low, (unsigned long long)v, (unsigned long long)g);
	tap_ok(!one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, PMCR_EL0, &v0) &&
	       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMCR_EL0, &v) && v == v0,
	       "level %s, PMU: a restored %#llx reads back whole", name, (unsigned long long)v0);
	/*
	 * The SET/CLR pairs, restored as QEMU does (every listed id, in list
	 * order, the same value into both): each register holds that value.
	 */
	for (i = 0; i < 3; i++) {
		uint64_t want = 0x80000001, got = 0;

		tap_ok(!one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, pmpair[i].first, &want) &&
		       !one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, pmpair[i].second, &want) &&
		       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, pmpair[i].first, &got) && got == want,
		       "level %s, PMU: %s restored through both ids holds %#llx (%#llx)", name,
		       pmpair[i].name, (unsigned long long)want, (unsigned long long)got);
	}
	v = 0;
	r = ioctl(vm.fd, KVM_ARM_PREFERRED_TARGET, &init) < 0 ? -errno : 0;
	init.features[0] = 1u << KVM_ARM_VCPU_PMU_V3;
	if (!r && ioctl(vm.vcpu[0].fd, KVM_ARM_VCPU_INIT, &init) < 0)
		r = -errno;
	tap_ok(!r && !one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, PMCR_EL0, &low) &&
	       !ioctl(vm.vcpu[0].fd, KVM_ARM_VCPU_INIT, &init) &&
	       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMCR_EL0, &v) && v == v0,
	       "level %s, PMU: KVM_ARM_VCPU_INIT again resets it to %#llx (%#llx)", name,
	       (unsigned long long)v0, (unsigned long long)v);
	vmm_vm_destroy(&vm);
}

static void check_level(uint64_t host, uint64_t level, const struct list *native,
			const bool valid[14], unsigned int ncaches)
{
	const char *name = level == L(5, 10) ? "5.10" : "6.1";
	struct kvm_reg_list probe = { .n = 0 };
	struct vmm_vm vm;
	struct list l;
	uint64_t val;
	unsigned int i, hidden = 0, added = 0;
	long a, b;

	if (vmm_vm_create(&vm) || vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, level) ||
	    vmm_vcpu_add(&vm, 0) || get_list(&vm.vcpu[0], &l)) {
		tap_ok(false, "level %s: VM with a vCPU and its register list", name);
		return;
	}
	for (i = 0; i < sizeof(newer) / sizeof(newer[0]); i++) {
		bool want = level < newer[i].since && host >= newer[i].since;

		if (!want)
			continue;
		hidden += find(native, newer[i].id) >= 0;
		tap_ok(find(&l, newer[i].id) < 0, "level %s: %s is not listed", name,
		       newer[i].name);
		TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, newer[i].id, &val), -ENOENT,
			  "level %s: KVM_GET_ONE_REG %s is ENOENT", name, newer[i].name);
		val = 0;
		if (newer[i].id == SYSREG(3, 3, 14, 0, 1)) {
			/*
			 * The counter offset interface is the host's, whatever
			 * the level: a VMM that finds it on /dev/kvm resets the
			 * physical counter (Firecracker's boot) and must not fail.
			 */
			int kvm = open("/dev/kvm", O_RDWR);
			int cap = kvm < 0 ? -1 : ioctl(kvm, KVM_CHECK_EXTENSION, CAP_COUNTER_OFFSET);

			int ret = one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, newer[i].id, &val);

			if (kvm >= 0)
				close(kvm);
			tap_ok(cap == 1 && !ret,
			       "level %s: with KVM_CAP_COUNTER_OFFSET on /dev/kvm (%d), KVM_SET_ONE_REG %s = 0 is accepted (%d)",
			       name, cap, newer[i].name, ret);
			continue;
		}
		TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, newer[i].id, &val), -ENOENT,
			  "level %s: KVM_SET_ONE_REG %s is ENOENT", name, newer[i].name);
	}
	if (host >= L(6, 12)) {
		/* 6.1 and 5.10 list one CCSIDR per cache CLIDR describes. */
		unsigned int listed = 0, right = 0;

		for (i = 0; i < 14; i++) {
			bool in = find(&l, CCSIDR(i)) >= 0;
			uint32_t v32;

			listed += in;
			right += in == valid[i];
			TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, CCSIDR(i),
					  (uint64_t *)&v32), valid[i] ? 0 : -ENOENT,
				  "level %s: CCSIDR[%u] is %s", name, i,
				  valid[i] ? "readable" : "ENOENT");
		}
		hidden += 14 - listed;
		tap_ok(right == 14 && listed == ncaches,
		       "level %s: CCSIDR entries are the host's %u caches (listed %u)",
		       name, ncaches, listed);
		/* Before 6.3: MIDR, REVIDR, CLIDR, AIDR, CTR come first. */
		a = find(&l, SYSREG(3, 0, 0, 0, 6));
		b = find(&l, SYSREG(3, 1, 0, 0, 1));
		tap_ok(a >= 0 && b == a + 1 && find(&l, SYSREG(3, 1, 0, 0, 7)) == b + 1 &&
		       find(&l, SYSREG(3, 3, 0, 0, 1)) == b + 2,
		       "level %s: REVIDR, CLIDR, AIDR, CTR_EL0 in 6.1's order", name);
	}
	/* The firmware bitmap registers (fwregs.c) are not 5.10's either. */
	for (i = 0; level == L(5, 10) && i < native->n; i++)
		hidden += ((native->id[i] >> 16) & 0xffff) == 0x16;
	/* Nor is 7.3's fourth, VENDOR_HYP_BMAP_2, 6.1's. */
	if (level != L(5, 10) && host >= L(7, 3)) {
		hidden += find(native, FW_BMAP2) >= 0;
		tap_ok(find(native, FW_BMAP2) >= 0 && find(&l, FW_BMAP2) < 0,
		       "level %s: VENDOR_HYP_BMAP_2 is not listed", name);
		TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, FW_BMAP2, &val), -ENOENT,
			  "level %s: KVM_GET_ONE_REG VENDOR_HYP_BMAP_2 is ENOENT", name);
	}
	/* 5.10 lists 74 PMU registers for a vCPU without a PMU, as this one. */
	if (level == L(5, 10)) {
		uint64_t pmcr = 0, ev = 0, clr = 5, set = 0;

		added = 74;
		a = find(&l, PMCR_EL0);
		tap_ok(a > 0 && find(&l, PMEVCNTR0) > a && find(&l, PMCCFILTR) > a &&
		       l.id[a - 1] < PMCR_EL0 && l.id[a + 1] > PMCR_EL0,
		       "level 5.10, no PMU: PMCR_EL0, PMEVCNTR0, PMCCFILTR listed, in order");
		TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMCR_EL0, &pmcr), 0,
			  "level 5.10, no PMU: PMCR_EL0 readable (%#llx)", (unsigned long long)pmcr);
		tap_ok(!(pmcr & 1) && (pmcr & 0x7f) >= 0x2c,
		       "level 5.10: PMCR_EL0 as 5.10 resets it (E clear, writable bits 0xdecafbad's)");
		tap_ok(!one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMEVCNTR0, &ev) &&
		       ev == 0x1de7ec7edbadc0deULL,
		       "level 5.10: PMEVCNTR0_EL0 reads 5.10's reset pattern (%#llx)",
		       (unsigned long long)ev);
		one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMINTENSET, &val);
		tap_ok(!one_reg(&vm.vcpu[0], KVM_SET_ONE_REG, PMINTENCLR, &clr) &&
		       !one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMINTENSET, &set) && set == 5,
		       "level 5.10: PMINTENCLR written, PMINTENSET reads it (one register in 5.10)");
		/* kvm_reset_vcpu(), as for PSCI CPU_ON: hooked on 6.1 and later. */
		set = 5;
		TAP_ERRNO(vcpu_reinit(&vm, &vm.vcpu[0]), 0, "level 5.10: KVM_ARM_VCPU_INIT again (a reset)");
		tap_ok(!one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMINTENSET, &set) && set == val,
		       "level 5.10: the reset gives PMINTENSET its reset value again (%#llx)",
		       (unsigned long long)set);
	} else {
		TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, PMCR_EL0, &val), -ENOENT,
			  "level %s, no PMU: PMCR_EL0 is ENOENT, as on %s", name, name);
	}
	tap_ok(l.n == native->n - hidden + added,
	       "level %s: the list is the native one minus the %u hidden plus %u (%llu of %llu)",
	       name, hidden, added, (unsigned long long)l.n, (unsigned long long)native->n);
	tap_ok(ioctl(vm.vcpu[0].fd, KVM_GET_REG_LIST, &probe) < 0 && errno == E2BIG &&
	       probe.n == l.n, "level %s: KVM_GET_REG_LIST n=0 is E2BIG with n=%llu",
	       name, (unsigned long long)l.n);
	probe.n = l.n - 1;
	tap_ok(ioctl(vm.vcpu[0].fd, KVM_GET_REG_LIST, &probe) < 0 && errno == E2BIG,
	       "level %s: a buffer one short is E2BIG", name);
	vmm_vm_destroy(&vm);
	check_after_run(level, name, &l);
	free(l.id);
	check_no_user_memory(level, name);
	check_sve(level, name);
}

int main(void)
{
	struct vmm_vm vm;
	struct list native;
	uint64_t host, val;
	unsigned int ncaches;
	bool valid[14];

	if (!host_start("reglist: vCPU registers of VMs at older levels", &host))
		return tap_finish();
	ncaches = host_caches(valid);
	tap_diag("host caches described in sysfs: %u", ncaches);
	if (vmm_vm_create(&vm) || vmm_vcpu_add(&vm, 0) || get_list(&vm.vcpu[0], &native))
		tap_bail("cannot create a native VM with a vCPU");
	if (host >= L(6, 12)) {
		tap_ok(find(&native, SYSREG(3, 3, 14, 2, 1)) >= 0 &&
		       find(&native, CCSIDR(13)) >= 0,
		       "native: 6.12's list (PTIMER_CTL, 14 CCSIDR) is untouched");
		TAP_ERRNO(one_reg(&vm.vcpu[0], KVM_GET_ONE_REG, SYSREG(3, 3, 14, 2, 1), &val), 0,
			  "native: PTIMER_CTL is readable");
	} else if (host >= L(6, 1)) {
		/* (6.1's sysfs cacheinfo is no oracle for CLIDR: it may merge L1.) */
		tap_ok(find(&native, SYSREG(2, 0, 1, 1, 4)) >= 0, "native: OSLSR_EL1 is listed");
	}
	if (host > L(5, 10))
		check_level(host, L(5, 10), &native, valid, ncaches);
	if (host > L(6, 1))
		check_level(host, L(6, 1), &native, valid, ncaches);
	if (host <= L(5, 10))
		tap_skip("no older level on a 5.10 host");
	/* PMCR_EL0 with a PMU: natively on 5.10 and 6.1 (the oracle), at their levels elsewhere. */
	if (host <= L(6, 1))
		check_pmcr(0, host == L(5, 10) ? "5.10 (native)" : "6.1 (native)");
	if (host > L(5, 10))
		check_pmcr(L(5, 10), "5.10");
	if (host > L(6, 1))
		check_pmcr(L(6, 1), "6.1");
	/* Kept only where 7.3 hides them (no TCRX/S1PIE in the VM). */
	if (host >= L(7, 3) && find(&native, SYSREG(3, 0, 2, 0, 3)) < 0)
		check_kept_612();
	else
		tap_skip("TCR2/PIRE0/PIR are kept by the module only on 7.3 hosts that hide them");
	free(native.id);
	vmm_vm_destroy(&vm);
	return tap_finish();
}
