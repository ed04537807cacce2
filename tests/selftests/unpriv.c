// SPDX-License-Identifier: GPL-2.0
/*
 * unpriv - VMMs that are not root, as on a multi-tenant host: a user in
 * the kvm group pins its own VM and runs it; it cannot change the host's
 * defaults or read the VM listing; a VM's fd in another process gets KVM's
 * -EIO and changes nothing; and a VMM left waiting in the kernel (its
 * argument on a page nobody serves) does not hold up another user's VM.
 *
 * Root runs it: /dev/kvm is given to a kvm group for the test and its mode
 * restored after; the users are uid 1000 and 1001 in that group.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../lib/stall.h"
#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define USER_A		1000
#define USER_B		1001
#define PSCI_VERSION_FN	0x84000000ULL

static uint64_t older;	/* a level below the host's, or 0 on a 5.10 host */

/* Wait for @pid at most @ms; its exit status, or -1 (killed) on timeout. */
static int wait_for(pid_t pid, long ms, long *took)
{
	struct timespec t0, t;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
		clock_gettime(CLOCK_MONOTONIC, &t);
		*took = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (*took > ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(5000);
	}
}

/*
 * As user A: a VM pinned to the older level, with a vCPU and a vGIC, whose
 * guest reads its PSCI version. Bits of the exit status: 1 VM or level,
 * 2 vCPU or vGIC, 4 register list, 8 guest call.
 */
static int own_vm(void)
{
	uint64_t lvl = ~0ull, x0 = 0, a[4] = { PSCI_VERSION_FN };
	struct kvm_reg_list probe = { .n = 0 };
	struct vmm_vm vm;
	int bad = 0;

	if (vmm_vm_create(&vm) || (older && vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, older)) ||
	    vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &lvl) || lvl != older)
		return 1;
	if (vmm_add_memory(&vm) || vmm_gic_create(&vm, vmm_host_gic_version()) ||
	    vmm_vcpu_add(&vm, 1u << KVM_ARM_VCPU_PSCI_0_2) || vmm_gic_init(&vm))
		return 2;
	if (ioctl(vm.vcpu[0].fd, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG || !probe.n)
		bad |= 4;
	if (vmm_load_routines(&vm) || vmm_guest_call(&vm, false, a, &x0) || !x0 || x0 >> 32)
		bad |= 8;
	vmm_vm_destroy(&vm);
	return bad;
}

static void test_own_vm(void)
{
	char buf[64];
	long took = 0;
	pid_t pid;
	int st;

	pid = fork();
	if (!pid)
		_exit(host_become(USER_A) ? 64 : own_vm());
	st = wait_for(pid, 20000, &took);
	tap_ok(!st, "a kvm-group user pins its VM (level %#llx), adds a vCPU and a vGIC, lists its registers and runs its guest (status %d)",
	       (unsigned long long)older, st);
	pid = fork();
	if (!pid) {
		if (host_become(USER_A))
			_exit(64);
		_exit((vmm_param_write("default_level", "native") == -EACCES ? 0 : 1) |
		      (vmm_param_write("defaults", "native") == -EACCES ? 0 : 2) |
		      (vmm_param_read("default_level", buf, sizeof(buf)) ? 4 : 0) |
		      (vmm_debugfs_read("vms", buf, sizeof(buf)) ? 0 : 8));
	}
	st = wait_for(pid, 5000, &took);
	tap_ok(!(st & 3) && st >= 0 && st != 64,
	       "it cannot change the host's defaults (EACCES) (status %d)", st);
	tap_ok(!(st & 4) && st >= 0, "it can read them");
	tap_ok(!(st & 8) && st >= 0, "it cannot read the VM listing");
}

/*
 * A VM fd inherited by another process (as one passed over a socket):
 * KVM answers -EIO before the module sees the call; the VM keeps its level.
 */
static void test_passed_fd(void)
{
	uint64_t lvl = older ? KVM_ABI_SHIM_LEVEL_NATIVE : ~0ull, now = ~0ull;
	struct vmm_vm vm;
	long took = 0;
	pid_t pid;
	int st;

	if (vmm_vm_create(&vm) || (older && vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, older)))
		tap_bail("cannot create a VM");
	pid = fork();
	if (!pid) {
		uint64_t got;

		if (host_become(USER_B))
			_exit(64);
		_exit((vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, lvl) == -EIO ? 0 : 1) |
		      (vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &got) == -EIO ? 0 : 2));
	}
	st = wait_for(pid, 5000, &took);
	tap_ok(!st, "the VM's fd in another user's process: SET and GET of its level are EIO (status %d)",
	       st);
	tap_ok(!vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &now) && now == older,
	       "the owner still reads level %#llx (%#llx)", (unsigned long long)older,
	       (unsigned long long)now);
	vmm_vm_destroy(&vm);
}

/*
 * User B's VMM waits in the kernel on its argument's page; user A's VM is
 * made, pinned and run meanwhile, within a second or two, not after B.
 */
static void test_no_stall(void)
{
	int to_b[2], from_b[2];
	long took = 0;
	pid_t b, a;
	char c = 0;
	int st;

	if (pipe(to_b) || pipe(from_b))
		tap_bail("pipe: %s", strerror(errno));
	b = fork();
	if (!b) {
		/* Made as root: users may not make one (unprivileged_userfaultfd). */
		int r, uffd = kas_stall_uffd();
		struct kas_stall s;
		struct vmm_vm vm;

		close(to_b[1]);
		close(from_b[0]);
		if (uffd == -ENOSYS)
			r = -ENOSYS;
		else if (host_become(USER_B) || vmm_vm_create(&vm))
			r = -EPERM;
		else
			r = kas_stall_start(&s, &vm, uffd);
		c = r == -ENOSYS ? 's' : r ? 'e' : 'w';
		if (write(from_b[1], &c, 1) != 1 || r)
			_exit(r == -ENOSYS ? 4 : 65);
		if (read(to_b[0], &c, 1) != 1)
			_exit(66);
		/* Its call ends once served. */
		_exit(s.done ? 67 : (kas_stall_end(&s), 0));
	}
	close(to_b[0]);
	close(from_b[1]);
	if (read(from_b[0], &c, 1) != 1 || c != 'w') {
		wait_for(b, 5000, &took);
		close(to_b[1]);
		close(from_b[0]);
		if (c == 's')
			tap_skip("no userfaultfd on this kernel");
		else
			tap_ok(false, "user B's VMM waits in the kernel (%c)", c);
		return;
	}
	a = fork();
	if (!a)
		_exit(host_become(USER_A) ? 64 : own_vm());
	st = wait_for(a, 15000, &took);
	tap_ok(!st, "while user B's VMM waits in the kernel, user A's VM is pinned and run in %ld ms (status %d)",
	       took, st);
	c = 'r';
	if (write(to_b[1], &c, 1) != 1)
		tap_bail("pipe: %s", strerror(errno));
	st = wait_for(b, 5000, &took);
	tap_ok(!st, "user B's call ends once its page is served (status %d)", st);
	close(to_b[1]);
	close(from_b[0]);
}

int main(void)
{
	uint64_t host, supported = 0;
	struct vmm_vm vm;
	struct stat kvm;
	int r;

	tap_header("unpriv: VMMs that are not root");
	host_setup();
	if (!vmm_module_loaded()) {
		tap_skip("kvm_abi_shim is not loaded");
		return tap_finish();
	}
	if (geteuid()) {
		tap_skip("needs root to make the users (run it as root)");
		return tap_finish();
	}
	if (vmm_host_level(&host) || vmm_vm_create(&vm) ||
	    vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_SUPPORTED, &supported))
		tap_bail("cannot read the host's level and the supported levels");
	vmm_vm_destroy(&vm);
	if (host > KVM_ABI_SHIM_LEVEL(6, 1) && (supported & KVM_ABI_SHIM_LEVEL_BIT_6_1))
		older = KVM_ABI_SHIM_LEVEL(6, 1);
	else if (host > KVM_ABI_SHIM_LEVEL(5, 10) && (supported & KVM_ABI_SHIM_LEVEL_BIT_5_10))
		older = KVM_ABI_SHIM_LEVEL(5, 10);
	r = host_kvm_to_group(&kvm);
	if (r)
		tap_bail("cannot give /dev/kvm to group %d: %s", HOST_KVM_GID, strerror(-r));
	test_own_vm();
	test_passed_fd();
	test_no_stall();
	r = host_kvm_restore(&kvm);
	if (r)
		tap_ok(false, "/dev/kvm restored: %s", strerror(-r));
	return tap_finish();
}
