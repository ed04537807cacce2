// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle - per-VM state lives and dies with the VM, the operator listing
 * shows it, rmmod is refused while a pinned VM lives, and nothing leaks.
 *
 *   lifecycle MODULE.ko   (module loaded; it is unloaded and reloaded)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

static char buf[65536];

static long stat_of(const char *key)
{
	char *p;

	if (vmm_debugfs_read("stats", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

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
	long live0 = stat_of("vm_live");

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
	tap_ok(stat_of("vm_live") == live0, "closing the VM frees its state (live %ld)",
	       stat_of("vm_live"));
}

static void test_cycles(void)
{
	long a0 = stat_of("vm_allocs"), f0 = stat_of("vm_frees");
	long live0 = stat_of("vm_live");
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
	tap_ok(stat_of("vm_allocs") - a0 == 64 && stat_of("vm_frees") - f0 == 64 &&
	       stat_of("vm_live") == live0,
	       "64 allocations, 64 frees, no live state left (allocs +%ld frees +%ld)",
	       stat_of("vm_allocs") - a0, stat_of("vm_frees") - f0);
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

static void test_refusal(const char *ko)
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
	TAP_ERRNO(insmod(ko), 0, "module loads normally afterwards");
}

int main(int argc, char **argv)
{
	tap_header("lifecycle: per-VM state, listing, unload rules, leaks");
	if (argc != 2)
		tap_bail("usage: lifecycle MODULE.ko");
	if (!vmm_module_loaded())
		tap_bail("module not loaded");
	test_banner();
	test_listing_and_rmmod();
	test_cycles();
	test_unload_with_native_vm(argv[1]);
	test_refusal(argv[1]);
	return tap_finish();
}
