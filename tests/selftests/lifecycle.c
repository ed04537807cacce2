// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle - per-VM state lives and dies with the VM, the operator listing
 * shows it, rmmod is refused while a pinned VM lives, and nothing leaks.
 *
 *   lifecycle MODULE.ko   (module loaded; it is unloaded and reloaded)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/kcheck.h"
#include "../lib/stall.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

static char buf[65536];

/* How many listing lines "id pid level iidr_rev ran" match ours? */
static int listed(const char *level, int ran)
{
	char *line, lvl[16];
	int n = 0, pid, r, rev;
	unsigned long long id;

	if (vmm_debugfs_read("vms", buf, sizeof(buf)))
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (line[0] != '#' &&
		    sscanf(line, "%llu %d %15s %d %d", &id, &pid, lvl, &rev, &r) == 5 &&
		    pid == getpid() && !strcmp(lvl, level) && r == ran)
			n++;
	return n;
}

static int mine_listed(void)
{
	char want[32], *line;
	int n = 0;

	snprintf(want, sizeof(want), " %d ", getpid());
	if (vmm_debugfs_read("vms", buf, sizeof(buf)))
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (line[0] != '#' && strstr(line, want))
			n++;
	return n;
}

static int rmmod(void)
{
	return syscall(SYS_delete_module, "kvm_abi_shim", O_NONBLOCK) ? -errno : 0;
}

static int insmod_args(const char *path, const char *args)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, args, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int insmod(const char *path)
{
	return insmod_args(path, "");
}

static int run_once(struct vmm_vm *vm)
{
	static const uint32_t code[] = { A64_STR_X0_X1, A64_B_SELF };
	uint64_t addr, data;
	int ret;

	if (vmm_add_memory(vm) || vmm_load_code(vm, 0, code, 2))
		return -ENOMEM;
	vmm_set_pc(&vm->vcpu[0], VMM_MEM_GPA);
	vmm_set_xreg(&vm->vcpu[0], 0, 0x5a);
	vmm_set_xreg(&vm->vcpu[0], 1, VMM_MMIO_GPA);
	ret = vmm_run_to_mmio(vm, 0, &addr, &data);
	if (!ret && (addr != VMM_MMIO_GPA || data != 0x5a))
		ret = -EIO;
	return ret;
}

static void test_banner(void)
{
	struct utsname u;
	int n = klogctl(3, buf, sizeof(buf) - 1);	/* SYSLOG_ACTION_READ_ALL */
	char *p;

	uname(&u);
	buf[n > 0 ? n : 0] = 0;
	p = strstr(buf, "kvm_abi_shim: version ");
	tap_ok(p && strstr(p, u.release) && strstr(p, u.release) < strchr(p, '\n'),
	       "load banner names the version and kernel %s", u.release);
}

static void test_listing_and_rmmod(void)
{
	struct vmm_vm vm;
	long live0 = kas_stat("vm_live");

	if (vmm_vm_create(&vm))
		tap_bail("cannot create a VM");
	tap_ok(listed("native", 0) == 1, "new VM listed as native, not run");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), 0,
		  "pin the VM to 5.10");
	tap_ok(listed("5.10", 0) == 1, "listing shows level 5.10");
	TAP_ERRNO(vmm_vcpu_add(&vm, 0), 0, "add a vCPU");
	TAP_ERRNO(run_once(&vm), 0, "guest ran to its MMIO store");
	tap_ok(listed("5.10", 1) == 1, "listing shows the VM has run");
	TAP_ERRNO(rmmod(), -EWOULDBLOCK, "rmmod refused while a pinned VM lives");
	tap_ok(vmm_module_loaded(), "module still loaded");
	vmm_vm_destroy(&vm);
	tap_ok(mine_listed() == 0, "closing the VM removes it from the listing");
	tap_ok(kas_stat("vm_live") == live0, "closing the VM frees its state (live %ld)",
	       kas_stat("vm_live"));
}

static void test_cycles(void)
{
	long a0 = kas_stat("vm_allocs"), f0 = kas_stat("vm_frees");
	long live0 = kas_stat("vm_live");
	int i, bad = 0;

	for (i = 0; i < 64; i++) {
		struct vmm_vm vm;

		if (vmm_vm_create(&vm)) {
			bad++;
			break;
		}
		if (i & 1)
			bad += !!vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL,
					      KVM_ABI_SHIM_LEVEL(5, 10));
		if (i & 2)
			bad += !!vmm_vcpu_add(&vm, 0);
		vmm_vm_destroy(&vm);
	}
	tap_ok(!bad, "64 VM create/pin/destroy cycles");
	tap_ok(kas_stat("vm_allocs") - a0 == 64 && kas_stat("vm_frees") - f0 == 64 &&
	       kas_stat("vm_live") == live0,
	       "64 allocations, 64 frees, no live state left (allocs +%ld frees +%ld)",
	       kas_stat("vm_allocs") - a0, kas_stat("vm_frees") - f0);
}


/* A VM with one vCPU at @level (0: the default): its KVM_REG_ARM_STD_BMAP read. */
static int vm_std_bmap(struct vmm_vm *vm, uint64_t level)
{
	uint64_t val;
	int ret;

	if (vmm_vm_create(vm))
		tap_bail("cannot create a VM");
	ret = level ? vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, level) : 0;
	return ret ?: vmm_vcpu_add(vm, 0) ?: vmm_get_reg(&vm->vcpu[0], KVM_REG_ARM_STD_BMAP, &val);
}

/*
 * The kernel's own view: how many functions it redirects for the module
 * now. With ftrace, its records with an IPMODIFY callback ("I" in
 * enabled_functions, after the "R" of a saved pt_regs or two blanks);
 * with kprobes, the probes not listed as [DISABLED].
 */
static int kernel_armed(void)
{
	char mech[16] = "", line[512];
	bool ft;
	FILE *f;
	int n = 0;

	if (vmm_param_read("hooks", mech, sizeof(mech)))
		return -1;
	ft = !strncmp(mech, "ftrace", 6);
	f = fopen(ft ? "/sys/kernel/debug/tracing/enabled_functions" :
		  "/sys/kernel/debug/kprobes/list", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += ft ? strstr(line, ") R I") || strstr(line, ")   I") :
			  !strstr(line, "[DISABLED]");
	fclose(f);
	return n;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait up to 10 s for the on-demand hooks armed to number @want. */
static long armed_after_wait(long want, long *ms)
{
	struct timespec t = { 0, 50 * 1000 * 1000 };
	long n = kas_stat("hooks_armed"), t0 = now_ms();

	while ((*ms = now_ms() - t0) < 10000 && n != want) {
		nanosleep(&t, NULL);
		n = kas_stat("hooks_armed");
	}
	return n;
}

static char default_level0[16];

static void restore_default_level(void)
{
	if (default_level0[0])
		vmm_param_write("default_level", default_level0);
}

/*
 * Hooks that only older levels need are armed while a VM at such a level
 * lives, before its guest can run, and disarmed a while after the last one
 * went: a host whose VMs are all native runs the kernel's own paths.
 */
static void test_on_demand(uint64_t host)
{
	struct timespec delay = { 3, 0 };	/* beyond the disarm delay */
	struct vmm_vm a, b, c;
	int i, d0, d1;
	long n, n510, ms;

	if (host < KVM_ABI_SHIM_LEVEL(6, 1)) {
		for (i = 0; i < 13; i++)
			tap_skip("no level is older than a 5.10 host's: nothing is armed on demand");
		return;
	}
	vmm_param_read("default_level", default_level0, sizeof(default_level0));
	default_level0[strcspn(default_level0, "\n")] = 0;
	atexit(restore_default_level);
	n = armed_after_wait(0, &ms);
	d0 = kernel_armed();
	tap_ok(n == 0 && d0 > 0,
	       "no VM at an older level: no on-demand hook armed (hooks_armed %ld; the kernel redirects %d functions)",
	       n, d0);
	/* A SET the module refuses arms nothing. */
	if (vmm_vm_create(&a))
		tap_bail("cannot create a VM");
	TAP_ERRNO(vmm_vcpu_add(&a, 0), 0, "a native VM with a vCPU");
	TAP_ERRNO(vmm_shim_set(&a, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), -EBUSY,
		  "... cannot be set to 5.10 (EBUSY)");
	n = kas_stat("hooks_armed");
	tap_ok(n == 0 && kernel_armed() == d0, "... and nothing was armed (hooks_armed %ld)", n);
	vmm_vm_destroy(&a);

	if (vmm_vm_create(&a))
		tap_bail("cannot create a VM");
	TAP_ERRNO(vmm_shim_set(&a, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), 0,
		  "a VM set to 5.10");
	n510 = kas_stat("hooks_armed");
	d1 = kernel_armed();
	tap_ok(n510 > 0 && d1 - d0 == n510,
	       "... has its hooks armed when the SET returns, before it has a vCPU (%ld armed; the kernel redirects %d functions, %d before)",
	       n510, d1, d0);
	TAP_ERRNO(vmm_shim_set(&a, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL_NATIVE), 0,
		  "... set back to native");
	n = armed_after_wait(0, &ms);
	tap_ok(n == 0 && kernel_armed() == d0, "... which disarms them after %ld ms (hooks_armed %ld)",
	       ms, n);
	vmm_vm_destroy(&a);

	TAP_ERRNO(vm_std_bmap(&a, KVM_ABI_SHIM_LEVEL(5, 10)), -ENOENT,
		  "a VM at 5.10 has no KVM_REG_ARM_STD_BMAP, as on 5.10");
	TAP_ERRNO(vm_std_bmap(&b, 0), 0, "a native VM beside it has the kernel's");
	nanosleep(&delay, NULL);
	n = kas_stat("hooks_armed");
	tap_ok(n == n510 && vmm_get_reg(&a.vcpu[0], KVM_REG_ARM_STD_BMAP, &(uint64_t){ 0 }) == -ENOENT,
	       "3 s on, the VM at 5.10 still has its hooks and its level's answer (hooks_armed %ld)", n);
	vmm_vm_destroy(&a);
	n = armed_after_wait(0, &ms);
	i = vm_std_bmap(&c, 0);
	tap_ok(n == 0 && kernel_armed() == d0 && !i,
	       "its end disarms them after %ld ms; a new native VM has the kernel's register (hooks_armed %ld)",
	       ms, n);
	vmm_vm_destroy(&c);
	/* The operator's default arms them too, at VM creation. */
	if (vmm_param_write("default_level", "5.10"))
		tap_bail("cannot set default_level 5.10");
	TAP_ERRNO(vm_std_bmap(&a, 0), -ENOENT, "a VM created at the default level 5.10 re-arms them");
	restore_default_level();
	vmm_vm_destroy(&a);
	vmm_vm_destroy(&b);
}

/* A VMM's GICD_IIDR (offset 8) or GICD_IGROUPR1 (0x84) access. */
static int dist_reg(struct vmm_vm *vm, bool write, uint32_t off, uint32_t *val)
{
	return vmm_attr(vm->gic_fd, write ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
			KVM_DEV_ARM_VGIC_GRP_DIST_REGS, off, val);
}

static int vm_with_vgic(struct vmm_vm *vm, int gic)
{
	if (vmm_vm_create(vm))
		tap_bail("cannot create a VM");
	return vmm_gic_create(vm, gic) ?: vmm_vcpu_add(vm, 0) ?: vmm_gic_init(vm);
}

/*
 * The interrupt group hooks act only for a vGIC at revision 1, which only
 * the module implements: armed while a VM runs at it, whether a VMM's
 * GICD_IIDR write or the revision attribute asked for it, on every host.
 */
static void test_on_demand_rev1(uint64_t host)
{
	uint32_t iidr1 = 0x4b00043b | (1 << 12), back, g = 0x5a5a5a5a;
	uint32_t fixed;
	int gic = vmm_host_gic_version();
	struct vmm_vm a;
	long n, ms;

	if (!gic) {
		for (n = 0; n < 6; n++)
			tap_skip("no vGIC on this host");
		return;
	}
	fixed = gic == 3 ? 0xffffffff : 0;
	back = 0x4b00043b | ((host == KVM_ABI_SHIM_LEVEL(5, 10) ? 2u : 3u) << 12);
	n = armed_after_wait(0, &ms);
	TAP_ERRNO(vm_with_vgic(&a, gic), 0, "a native VM with an initialised GICv%d", gic);
	n = kas_stat("hooks_armed");
	tap_ok(n == 0, "... arms no hook (hooks_armed %ld)", n);
	TAP_ERRNO(dist_reg(&a, true, 8, &iidr1), 0, "... takes a GICD_IIDR write of revision 1");
	dist_reg(&a, true, 0x84, &g);
	dist_reg(&a, false, 0x84, &g);
	n = kas_stat("hooks_armed");
	tap_ok(n == 2 && g == fixed,
	       "... which armed the group hooks before it returned: hooks_armed %ld, IGROUPR1 keeps 0x%x",
	       n, g);
	TAP_ERRNO(dist_reg(&a, true, 8, &back), 0, "... and a write of revision %u back", back >> 12 & 15);
	n = armed_after_wait(0, &ms);
	tap_ok(n == 0, "... which disarms them after %ld ms (hooks_armed %ld)", ms, n);
	vmm_vm_destroy(&a);
}

static void test_unload_with_native_vm(const char *ko)
{
	struct vmm_vm vm;
	uint64_t v = 1;

	if (vmm_vm_create(&vm))
		tap_bail("cannot create a VM");
	TAP_ERRNO(rmmod(), 0, "rmmod succeeds while only native VMs live");
	tap_ok(!vmm_module_loaded(), "module gone");
	TAP_ERRNO(vmm_vcpu_add(&vm, 0), 0, "native VM keeps working after unload");
	TAP_ERRNO(run_once(&vm), 0, "its guest runs");
	TAP_ERRNO(insmod(ko), 0, "module loads again");
	TAP_ERRNO(vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &v), 0,
		  "a VM older than the module answers GET");
	tap_ok(v == KVM_ABI_SHIM_LEVEL_NATIVE, "... as native");
	vmm_vm_destroy(&vm);
}

/* rmmod in a child; 0 if it was refused as busy (EWOULDBLOCK or EBUSY). */
static int rmmod_in_child(long *ms)
{
	struct timespec t0, t;
	int status = -1;
	pid_t child;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = fork();
	if (!child) {
		int r = rmmod();

		_exit(r == -EBUSY || r == -EWOULDBLOCK ? 0 : 1);
	}
	do {
		if (waitpid(child, &status, WNOHANG) == child)
			break;
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC, &t);
		*ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	} while (*ms < 5000);
	if (*ms >= 5000)
		return -ETIMEDOUT;	/* still in the kernel: the caller frees it */
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/*
 * A VMM whose attribute argument sits on a page nobody serves (a
 * userfaultfd here, FUSE alike) keeps a module function waiting in a user
 * copy. Unload must be refused at once, not wait for it.
 */
static void test_unload_bounded(const char *ko)
{
	struct kvm_device_attr zero = { 0 };
	uint64_t host = 0, lvl = 0;
	struct vmm_vm vm, vm2;
	struct kas_stall st;
	long want, ms = 0, ret;
	char dflt[32];
	int r, held;

	if (vmm_vm_create(&vm))
		tap_bail("cannot create a VM");
	/* What the kernel answers for the argument the stalled call will read. */
	want = ioctl(vm.fd, KVM_SET_DEVICE_ATTR, &zero) ? -errno : 0;
	r = kas_stall_start(&st, &vm, -1);
	if (r == -ENOSYS) {
		tap_skip("no userfaultfd on this kernel");
		vmm_vm_destroy(&vm);
		return;
	}
	tap_ok(!r, "the VMM's KVM_SET_DEVICE_ATTR waits on its argument's page");
	if (r)
		tap_bail("userfaultfd: %s", strerror(-r));
	held = !st.done;
	r = rmmod_in_child(&ms);
	if (held)
		tap_ok(!r && vmm_module_loaded() && !st.done,
		       "rmmod meanwhile is refused as busy in %ld ms, not left waiting (%s)", ms,
		       r == -ETIMEDOUT ? "still waiting after 5 s" :
		       r ? "unloaded or other error" : "refused");
	else
		tap_skip("the call was not held on the page (it returned %s at once): nothing to test",
			 strerror(-st.ret));
	/* The refused unload changed nothing: new VMs get the operator's default. */
	if (held && !vmm_host_level(&host) && host > KVM_ABI_SHIM_LEVEL(5, 10) &&
	    !vmm_param_read("default_level", dflt, sizeof(dflt)) &&
	    !vmm_param_write("default_level", "5.10")) {
		dflt[strcspn(dflt, "\n")] = '\0';
		ret = vmm_vm_create(&vm2);
		if (!ret) {
			ret = vmm_shim_get(&vm2, KVM_ABI_SHIM_ATTR_LEVEL, &lvl);
			vmm_vm_destroy(&vm2);
		}
		tap_ok(!ret && lvl == KVM_ABI_SHIM_LEVEL(5, 10) && !st.done,
		       "while the call is still held, a new VM gets the default level 5.10 (0x%llx, %ld)",
		       (unsigned long long)lvl, ret);
		vmm_param_write("default_level", dflt);
	} else if (held) {
		tap_skip("no older level on this host: new VMs during the held call");
	}
	ret = kas_stall_end(&st);
	tap_ok(ret == want,
	       "once the page is served, the ioctl ends with the kernel's answer to a zeroed argument (%s, want %s)",
	       strerror(-ret), strerror(-want));
	wait(NULL);
	if (!vmm_module_loaded())
		insmod(ko);
	vmm_vm_destroy(&vm);
	TAP_ERRNO(rmmod(), 0, "rmmod succeeds once no call is in the module");
	TAP_ERRNO(insmod(ko), 0, "and the module loads again");
}

/*
 * A native VM that asked for IIDR revision 2 gets it at vGIC init, from the
 * module: unloading before that would lose the request, so it is refused
 * until the kernel holds the revision, and allowed after.
 */
static void test_rev_until_init(const char *ko)
{
	uint32_t iidr = 0;
	struct vmm_vm vm;

	if (vmm_host_gic_version() != 3) {
		tap_skip("GICv2 host: the GICv3 device is needed for this test");
		return;
	}
	if (vmm_vm_create(&vm))
		tap_bail("cannot create a VM");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, 2), 0,
		  "a native VM asks for IIDR revision 2");
	if (vmm_gic_create(&vm, 3) || vmm_vcpu_add(&vm, 0))
		tap_bail("cannot create the vGIC and a vCPU");
	TAP_ERRNO(rmmod(), -EWOULDBLOCK, "rmmod refused before vGIC init: the revision is still to give");
	TAP_ERRNO(vmm_gic_init(&vm), 0, "vGIC init");
	vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &iidr);
	tap_ok(((iidr >> 12) & 0xf) == 2, "GICD_IIDR has revision 2 (0x%x)", iidr);
	TAP_ERRNO(rmmod(), 0, "rmmod allowed once the kernel holds it");
	iidr = 0;
	vmm_attr(vm.gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 8, &iidr);
	tap_ok(((iidr >> 12) & 0xf) == 2, "... and the VM keeps revision 2 without the module (0x%x)",
	       iidr);
	vmm_vm_destroy(&vm);
	TAP_ERRNO(insmod(ko), 0, "the module loads again");
}

/* Does the kernel log hold a line with both strings? */
static bool logged(const char *a, const char *b)
{
	int n = klogctl(3, buf, sizeof(buf) - 1);
	char *line;

	buf[n > 0 ? n : 0] = 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, a) && strstr(line, b))
			return true;
	return false;
}

/*
 * What a level rewrites in a new VM: its PSCI version and the firmware
 * feature bitmaps (6.0+; elsewhere each read's error, which must not change
 * either).
 */
#define NR_FW 4
struct fw_regs {
	int ret[NR_FW];
	uint64_t val[NR_FW];
};

static int read_fw_regs(struct vmm_vcpu *c, struct fw_regs *f)
{
	static const uint64_t ids[NR_FW] = {
		KVM_REG_ARM_PSCI_VERSION, KVM_REG_ARM_STD_BMAP, KVM_REG_ARM_STD_HYP_BMAP,
		KVM_REG_ARM_VENDOR_HYP_BMAP,
	};
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < NR_FW; i++)
		f->ret[i] = vmm_get_reg(c, ids[i], &f->val[i]);
	return f->ret[0];
}

static volatile sig_atomic_t churn_stop;

static void churn_term(int sig)
{
	churn_stop = 1;
}

/*
 * Child: create and destroy VMs until SIGTERM; each VM's firmware registers
 * must be the kernel's own (@native). Exit status: the number of VMs that
 * read anything else (at most 100), or 101 if none was created.
 */
static void churn(const struct fw_regs *native)
{
	unsigned int vms = 0, changed = 0;
	struct fw_regs f;
	struct vmm_vm vm;

	signal(SIGTERM, churn_term);
	while (!churn_stop) {
		if (vmm_vm_create(&vm))
			continue;
		if (!vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) &&
		    !read_fw_regs(&vm.vcpu[0], &f)) {
			vms++;
			changed += !!memcmp(&f, native, sizeof(f));
		}
		vmm_vm_destroy(&vm);
	}
	_exit(!vms ? 101 : changed > 100 ? 100 : changed);
}

/*
 * A load refused after probes were attached must leave no VM changed: a
 * core hook missing (the first two are attached, the third not), and the
 * default level impossible because a feature it needs is missing (every
 * hook is attached when the check fails). VMs are created meanwhile.
 */
static void test_refusal_under_load(const char *ko, uint64_t host, unsigned int rounds)
{
	static const char *const args[] = {
		"default_level=5.10 fail_hook=kvm_arch_destroy_vm",
		"default_level=5.10 fail_hook=kvm_arm_set_fw_reg",
	};
	unsigned int i, k, refused;
	struct fw_regs native;
	struct vmm_vm vm;
	int status;
	pid_t child;

	if (host == KVM_ABI_SHIM_LEVEL(5, 10)) {
		tap_skip("level 5.10 is the host's own on a 5.10 host: nothing to change");
		tap_skip("level 5.10 is the host's own on a 5.10 host: nothing to change");
		return;
	}
	if (vmm_vm_create(&vm) || vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) ||
	    read_fw_regs(&vm.vcpu[0], &native))
		tap_bail("cannot read the kernel's PSCI version");
	vmm_vm_destroy(&vm);
	for (i = 0; i < 2; i++) {
		child = fork();
		if (child < 0)
			tap_bail("fork: %s", strerror(errno));
		if (!child)
			churn(&native);
		for (k = refused = 0; k < rounds; k++)
			refused += insmod_args(ko, args[i]) == (i ? -EINVAL : -ENOENT);
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
		tap_ok(refused == rounds && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		       !vmm_module_loaded(),
		       "%s: %u loads refused (%u), VMs created meanwhile read the kernel's PSCI version 0x%llx and firmware bitmaps (exit %d)",
		       args[i], rounds, refused, (unsigned long long)native.val[0],
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
}

static void test_refusal(const char *ko, uint64_t host, unsigned int rounds)
{
	static const char *const core[] = {
		"kvm_arch_vm_ioctl", "kvm_arch_init_vm", "kvm_arch_destroy_vm",
	};
	char args[96], want[96];
	struct utsname u;
	unsigned int i;

	uname(&u);
	TAP_ERRNO(rmmod(), 0, "unload before the refusal tests");
	for (i = 0; i < 3; i++) {
		snprintf(args, sizeof(args), "fail_hook=%s", core[i]);
		TAP_ERRNO(insmod_args(ko, args), -ENOENT,
			  "load refused when core hook %s is missing", core[i]);
		snprintf(want, sizeof(want), "cannot hook %s on kernel ", core[i]);
		tap_ok(logged(want, u.release), "dmesg names %s and kernel %s", core[i],
		       u.release);
		tap_ok(!vmm_module_loaded(), "nothing left loaded");
	}
	TAP_ERRNO(insmod_args(ko, "default_level=9.9"), -EINVAL,
		  "load refused with an invalid default_level");
	test_refusal_under_load(ko, host, rounds);
	TAP_ERRNO(insmod(ko), 0, "module loads normally afterwards");
}

/*
 * Loaded without its vGIC hooks (here: vgic_init treated as missing), the
 * module cannot give a VM a vGIC revision: every revision request, 1
 * (interrupt groups read-only) included, is refused at once, for a VM and
 * as a default, rather than accepted and never applied.
 */
static void test_vgic_hooks_missing(const char *ko)
{
	unsigned int rev;
	struct vmm_vm vm;
	uint64_t val = 0;

	TAP_ERRNO(rmmod(), 0, "unload before the load without vGIC hooks");
	TAP_ERRNO(insmod_args(ko, "fail_hook=vgic_init"), 0,
		  "loads with vgic_init missing (no vGIC hooks)");
	if (vmm_vm_create(&vm)) {
		tap_bail("KVM_CREATE_VM: %s", strerror(errno));
		return;
	}
	for (rev = 1; rev <= 3; rev++)
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, rev), -EOPNOTSUPP,
			  "without vGIC hooks, a VM's revision %u is refused", rev);
	tap_ok(!vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &val) && val == 0,
	       "the VM's revision request stays 0 (%llu)", (unsigned long long)val);
	vmm_vm_destroy(&vm);
	TAP_ERRNO(vmm_param_write("defaults", "native 1"), -EINVAL,
		  "without vGIC hooks, the default revision 1 is refused");
	TAP_ERRNO(vmm_param_write("default_iidr_rev", "1"), -EINVAL,
		  "default_iidr_rev=1 is refused too");
	TAP_ERRNO(rmmod(), 0, "unloads");
	TAP_ERRNO(insmod_args(ko, "default_iidr_rev=1 fail_hook=vgic_init"), -EINVAL,
		  "a load asking for revision 1 without vGIC hooks is refused");
	TAP_ERRNO(insmod(ko), 0, "module loads normally afterwards");
}

int main(int argc, char **argv)
{
	unsigned int rounds = 20;
	uint64_t host;

	tap_header("lifecycle: per-VM state, listing, unload rules, leaks");
	if (argc < 2 || argc > 3 || (argc == 3 && sscanf(argv[2], "%u", &rounds) != 1) || !rounds)
		tap_bail("usage: lifecycle MODULE.ko [REFUSED_LOADS]");
	if (!vmm_module_loaded())
		tap_bail("module not loaded");
	test_banner();
	test_listing_and_rmmod();
	test_cycles();
	if (vmm_host_level(&host))
		tap_bail("cannot read the kernel version");
	test_on_demand(host);
	test_on_demand_rev1(host);
	test_unload_with_native_vm(argv[1]);
	test_unload_bounded(argv[1]);
	test_rev_until_init(argv[1]);
	test_refusal(argv[1], host, rounds);
	test_vgic_hooks_missing(argv[1]);
	return tap_finish();
}
