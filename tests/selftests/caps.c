// SPDX-License-Identifier: GPL-2.0
/*
 * caps - what a VMM learns about a VM at an older level from the VM itself:
 * KVM_CHECK_EXTENSION and KVM_ENABLE_CAP on the VM fd and the arm64 VM
 * ioctls answer as the level's kernel does (from the kernels' sources:
 * arm.c, kvm_main.c), every other answer as a native VM's on this host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define L(a, b)		KVM_ABI_SHIM_LEVEL(a, b)
#define NR_CAPS		256
#define CAP_NR_MEMSLOTS	10
#define CAP_MTE		205
#define CAP_IPA_SIZE	165
#define CAP_SUSPEND	216
#define CAP_RING_ACQ_REL 223
#define CAP_COUNTER_OFFSET 227

/* The headers here are 6.1's: the 6.4+ VM ioctls, spelled out. */
struct counter_offset { uint64_t offset, reserved; };
struct mask_range { uint64_t addr; uint32_t range, reserved[13]; };
struct smccc_filter { uint32_t base, nr_functions; uint8_t action, pad[15]; };
#define SET_COUNTER_OFFSET	_IOW(KVMIO, 0xb5, struct counter_offset)
#define GET_WRITABLE_MASKS	_IOR(KVMIO, 0xb6, struct mask_range)

/* Capabilities each level's kernel lacks and this host's may have. */
static const unsigned int absent_510[] = {
	195, 198, 203, 205, 215, 216, 223, 225, 227, 228, 229, 230, 231,
	234, 239, 240, 241, 243, 244, 245, 251, 0
};
static const unsigned int absent_61[] = {
	223, 225, 227, 228, 229, 230, 231, 234, 239, 240, 241, 243, 244, 245, 251, 0
};
static const unsigned int absent_612[] = { 234, 239, 240, 241, 243, 244, 245, 251, 0 };

/* The levels this host can honour (KVM_ABI_SHIM_ATTR_SUPPORTED). */
static uint64_t supported;

static bool in(const unsigned int *set, unsigned int cap)
{
	for (; *set; set++)
		if (*set == cap)
			return true;
	return false;
}

static int check(int fd, unsigned int cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

static int enable(int fd, unsigned int cap, uint64_t arg)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg } };

	return ioctl(fd, KVM_ENABLE_CAP, &ec) ? -errno : 0;
}

static int vm_at(struct vmm_vm *vm, uint64_t level)
{
	int ret = vmm_vm_create(vm);

	if (!ret && level)
		ret = vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	if (ret && vm->fd >= 0)
		vmm_vm_destroy(vm);
	return ret;
}

/* A native VM and one at @level, or neither. */
static int vm_pair(struct vmm_vm *nat, struct vmm_vm *vm, uint64_t level)
{
	int ret = vm_at(nat, 0);

	if (ret)
		return ret;
	ret = vm_at(vm, level);
	if (ret)
		vmm_vm_destroy(nat);
	return ret;
}

static void check_answers(uint64_t level, const char *name, const unsigned int *absent,
			  int kvm_fd)
{
	struct vmm_vm nat, vm;
	unsigned int cap, wrong = 0, hidden = 0;
	char list[256] = "";

	if (vm_pair(&nat, &vm, level)) {
		tap_ok(false, "level %s: a native VM and one at the level", name);
		return;
	}
	for (cap = 0; cap < NR_CAPS; cap++) {
		int n = check(nat.fd, cap), a = check(vm.fd, cap), want = n;

		if (in(absent, cap))
			want = 0;
		else if (cap == CAP_NR_MEMSLOTS && level == L(5, 10))
			want = 512;
		else if (cap == CAP_IPA_SIZE && level < L(6, 12) && n > 48)
			want = 48;	/* 5.10 and 6.1 have no LPA2 at stage 2 */
		hidden += in(absent, cap) && n > 0;
		if (a != want) {
			wrong++;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), " %u:%d/%d",
				 cap, a, want);
		}
	}
	if (wrong)
		tap_diag("level %s: cap:answer/expected%s", name, list);
	tap_ok(!wrong, "level %s: KVM_CHECK_EXTENSION on the VM answers as the level's kernel for capabilities 0-%u (%u this host has are 0)",
	       name, NR_CAPS - 1, hidden);
	tap_ok(check(kvm_fd, CAP_COUNTER_OFFSET) == check(nat.fd, CAP_COUNTER_OFFSET),
	       "level %s: /dev/kvm, which knows no VM, still answers as the host (COUNTER_OFFSET %d)",
	       name, check(kvm_fd, CAP_COUNTER_OFFSET));
	vmm_vm_destroy(&vm);
	vmm_vm_destroy(&nat);
}

static void check_enables(uint64_t host, uint64_t level, const char *name)
{
	struct vmm_vm nat, vm;
	struct counter_offset off = { 0, 0 };
	static uint64_t masks[512];
	struct mask_range range = { .addr = (uintptr_t)masks };
	struct kvm_device_attr smccc = { .group = 0, .attr = 0 };
	bool new_host = host >= L(6, 12);

	if (vm_pair(&nat, &vm, level)) {
		tap_ok(false, "level %s: a native VM and one at the level", name);
		return;
	}
	TAP_ERRNO(enable(vm.fd, CAP_SUSPEND, 0), level < L(6, 1) ? -EINVAL : 0,
		  "level %s: KVM_ENABLE_CAP(ARM_SYSTEM_SUSPEND)", name);
	TAP_ERRNO(enable(nat.fd, CAP_SUSPEND, 0), 0, "native: KVM_ENABLE_CAP(ARM_SYSTEM_SUSPEND)");
	if (check(nat.fd, CAP_MTE) > 0)
		TAP_ERRNO(enable(vm.fd, CAP_MTE, 0), level < L(6, 1) ? -EINVAL : 0,
			  "level %s: KVM_ENABLE_CAP(ARM_MTE)", name);
	else
		tap_skip("level %s: the host has no MTE to enable", name);
	if (new_host) {
		TAP_ERRNO(enable(vm.fd, CAP_RING_ACQ_REL, 65536), level < L(6, 12) ? -EINVAL : 0,
			  "level %s: KVM_ENABLE_CAP(DIRTY_LOG_RING_ACQ_REL)", name);
		TAP_ERRNO(enable(nat.fd, CAP_RING_ACQ_REL, 65536), 0,
			  "native: KVM_ENABLE_CAP(DIRTY_LOG_RING_ACQ_REL)");
		TAP_ERRNO(ioctl(vm.fd, SET_COUNTER_OFFSET, &off) ? -errno : 0,
			  level < L(6, 12) ? -EINVAL : 0, "level %s: KVM_ARM_SET_COUNTER_OFFSET", name);
		TAP_ERRNO(ioctl(nat.fd, SET_COUNTER_OFFSET, &off) ? -errno : 0, 0,
			  "native: KVM_ARM_SET_COUNTER_OFFSET");
		TAP_ERRNO(ioctl(vm.fd, GET_WRITABLE_MASKS, &range) ? -errno : 0,
			  level < L(6, 12) ? -EINVAL : 0,
			  "level %s: KVM_ARM_GET_REG_WRITABLE_MASKS", name);
		TAP_ERRNO(ioctl(nat.fd, GET_WRITABLE_MASKS, &range) ? -errno : 0, 0,
			  "native: KVM_ARM_GET_REG_WRITABLE_MASKS");
		TAP_ERRNO(ioctl(vm.fd, KVM_HAS_DEVICE_ATTR, &smccc) ? -errno : 0,
			  level < L(6, 12) ? -EINVAL : 0,
			  "level %s: KVM_HAS_DEVICE_ATTR(SMCCC filter) on the VM", name);
		TAP_ERRNO(ioctl(nat.fd, KVM_HAS_DEVICE_ATTR, &smccc) ? -errno : 0, 0,
			  "native: KVM_HAS_DEVICE_ATTR(SMCCC filter) on the VM");
	}
	{
		uint64_t got = 0;

		TAP_ERRNO(vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &got), 0,
			  "level %s: the module's own attributes still answer", name);
	}
	vmm_vm_destroy(&vm);
	vmm_vm_destroy(&nat);
}

static int timer_attr(struct vmm_vm *vm, unsigned long req, uint64_t attr, uint32_t irq)
{
	return vmm_attr(vm->vcpu[0].fd, req, KVM_ARM_VCPU_TIMER_CTRL, attr, &irq);
}

/*
 * The EL2 timers' interrupt attributes (HVTIMER 2, HPTIMER 3): a vCPU at
 * 5.10 or 6.1 has none (ENXIO), with those kernels' argument checks first;
 * the EL1 timers answer as the host's.
 */
static void check_timers(uint64_t level, const char *name)
{
	struct vmm_vm nat, vm;
	int gic = vmm_host_gic_version();
	uint64_t a;

	if (vm_pair(&nat, &vm, level)) {
		tap_ok(false, "level %s: a native VM and one at the level", name);
		return;
	}
	if (vmm_gic_create(&nat, gic) || vmm_gic_create(&vm, gic) || vmm_vcpu_add(&nat, 0) ||
	    vmm_vcpu_add(&vm, 0)) {
		tap_ok(false, "level %s: two VMs with a vGIC and a vCPU", name);
		goto out;
	}
	for (a = 2; a <= 3; a++) {
		bool old = level < L(6, 12);

		TAP_ERRNO(timer_attr(&vm, KVM_HAS_DEVICE_ATTR, a, 0), old ? -ENXIO : 0,
			  "level %s: HAS timer attribute %llu", name, (unsigned long long)a);
		TAP_ERRNO(timer_attr(&vm, KVM_GET_DEVICE_ATTR, a, 0), old ? -ENXIO : 0,
			  "level %s: GET timer attribute %llu", name, (unsigned long long)a);
		TAP_ERRNO(timer_attr(&vm, KVM_SET_DEVICE_ATTR, a, 26), old ? -ENXIO : 0,
			  "level %s: SET timer attribute %llu to PPI 26", name, (unsigned long long)a);
		TAP_ERRNO(timer_attr(&vm, KVM_SET_DEVICE_ATTR, a, 5), -EINVAL,
			  "level %s: SET timer attribute %llu to 5, not a PPI", name,
			  (unsigned long long)a);
		TAP_ERRNO(timer_attr(&nat, KVM_HAS_DEVICE_ATTR, a, 0), 0,
			  "native: HAS timer attribute %llu", (unsigned long long)a);
	}
	TAP_ERRNO(timer_attr(&vm, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_TIMER_IRQ_VTIMER, 27), 0,
		  "level %s: SET of the virtual timer's PPI as the host's", name);
out:
	vmm_vm_destroy(&vm);
	vmm_vm_destroy(&nat);
}

/*
 * A VM-wide setting only 6.12 has, made first: levels 5.10 and 6.1 are
 * refused (EBUSY), 6.12 is taken.
 */
static void set_first(uint64_t host, const char *what, unsigned long req, void *arg)
{
	struct vmm_vm vm;

	if (vm_at(&vm, 0)) {
		tap_ok(false, "%s first: a native VM", what);
		return;
	}
	TAP_ERRNO(ioctl(vm.fd, req, arg) ? -errno : 0, 0, "%s first: set on a native VM", what);
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 1)), -EBUSY,
		  "%s first: level 6.1 (which has none) is refused", what);
	if (host >= L(7, 3) && (supported & KVM_ABI_SHIM_LEVEL_BIT_6_12))
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 12)), 0,
			  "%s first: level 6.12 is taken", what);
	vmm_vm_destroy(&vm);
}

/*
 * A VM made with an IPA space wider than 5.10 and 6.1 can give (52 bits
 * where 6.12 has LPA2): those levels are refused (EBUSY).
 */
static void check_ipa_first(uint64_t host, int kvm_fd)
{
	int limit = check(kvm_fd, CAP_IPA_SIZE);
	struct vmm_vm vm;

	if (limit <= 48) {
		tap_skip("wide IPA first: the host's IPA limit is %d bits", limit);
		return;
	}
	memset(&vm, 0, sizeof(vm));
	vm.gic_fd = -1;
	vm.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm.fd = vm.kvm_fd < 0 ? -1 : ioctl(vm.kvm_fd, KVM_CREATE_VM, limit);
	if (vm.fd < 0) {
		tap_ok(false, "wide IPA first: a VM with a %d-bit IPA space (%s)", limit,
		       strerror(errno));
		if (vm.kvm_fd >= 0)
			close(vm.kvm_fd);
		return;
	}
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(5, 10)), -EBUSY,
		  "wide IPA first: level 5.10 of a %d-bit VM is refused", limit);
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 1)), -EBUSY,
		  "wide IPA first: level 6.1 of a %d-bit VM is refused", limit);
	if (host >= L(7, 3) && (supported & KVM_ABI_SHIM_LEVEL_BIT_6_12))
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 12)), 0,
			  "wide IPA first: level 6.12 of a %d-bit VM is taken", limit);
	vmm_vm_destroy(&vm);
}

/*
 * A capability enabled first, the level asked for after: a level whose
 * kernel lacks it is refused (EBUSY) and the VM stays native.
 */
static void check_enabled_first(uint64_t host, int kvm_fd)
{
	struct counter_offset off = { 1000000, 0 };
	/* Deny one vendor-hypervisor call: a filter only 6.4+ kernels know. */
	static struct smccc_filter filter = { 0xc6000000, 1, 1 };
	struct kvm_device_attr filter_attr = {
		.group = 0, .attr = 0, .addr = (uintptr_t)&filter
	};
	struct vmm_vm vm;
	uint64_t got = ~0ULL;

	if (vm_at(&vm, 0)) {
		tap_ok(false, "enabled first: a native VM");
		return;
	}
	TAP_ERRNO(enable(vm.fd, CAP_SUSPEND, 0), 0, "enabled first: ARM_SYSTEM_SUSPEND on a native VM");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(5, 10)), -EBUSY,
		  "enabled first: level 5.10 (no system suspend) is refused");
	tap_ok(!vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &got) && got == 0,
	       "enabled first: the VM stays native (%llu)", (unsigned long long)got);
	if (host >= L(6, 12))
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 1)), 0,
			  "enabled first: level 6.1 (which has it) is taken");
	vmm_vm_destroy(&vm);
	if (host < L(6, 12))
		return;
	if (vm_at(&vm, 0)) {
		tap_ok(false, "enabled first: a native VM");
		return;
	}
	TAP_ERRNO(enable(vm.fd, CAP_RING_ACQ_REL, 65536), 0,
		  "enabled first: DIRTY_LOG_RING_ACQ_REL on a native VM");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 1)), -EBUSY,
		  "enabled first: level 6.1 (no dirty ring) is refused");
	if (host >= L(7, 3) && (supported & KVM_ABI_SHIM_LEVEL_BIT_6_12))
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(6, 12)), 0,
			  "enabled first: level 6.12 (which has it) is taken");
	vmm_vm_destroy(&vm);
	set_first(host, "counter offset", SET_COUNTER_OFFSET, &off);
	set_first(host, "SMCCC filter", KVM_SET_DEVICE_ATTR, &filter_attr);
	check_ipa_first(host, kvm_fd);
}

int main(void)
{
	static const struct {
		uint64_t level, bit;
		const char *name;
		const unsigned int *absent;
	} levels[] = {
		{ L(5, 10), KVM_ABI_SHIM_LEVEL_BIT_5_10, "5.10", absent_510 },
		{ L(6, 1), KVM_ABI_SHIM_LEVEL_BIT_6_1, "6.1", absent_61 },
		{ L(6, 12), KVM_ABI_SHIM_LEVEL_BIT_6_12, "6.12", absent_612 },
	};
	uint64_t host;
	struct vmm_vm probe;
	unsigned int i;
	int kvm_fd;

	if (!host_start("caps: VM capabilities and VM ioctls at older levels", &host))
		return tap_finish();
	if (host < L(6, 1)) {
		tap_skip("no older level on a 5.10 host");
		return tap_finish();
	}
	if (vm_at(&probe, 0))
		tap_bail("cannot create a VM");
	if (vmm_shim_get(&probe, KVM_ABI_SHIM_ATTR_SUPPORTED, &supported))
		tap_bail("cannot read the supported levels");
	vmm_vm_destroy(&probe);
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		tap_bail("cannot open /dev/kvm");
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (host <= levels[i].level)
			break;
		if (!(supported & levels[i].bit)) {
			tap_skip("level %s is disabled on this host", levels[i].name);
			continue;
		}
		check_answers(levels[i].level, levels[i].name, levels[i].absent, kvm_fd);
		check_enables(host, levels[i].level, levels[i].name);
		if (host >= L(6, 12))
			check_timers(levels[i].level, levels[i].name);
	}
	if ((supported & (KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1)) ==
	    (KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1))
		check_enabled_first(host, kvm_fd);
	else
		tap_skip("enabled first: levels 5.10 and 6.1 are not both enabled");
	close(kvm_fd);
	return tap_finish();
}
