// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-level.c - how a VMM pins a new VM to a compatibility level with
 * kvm-abi-shim, and falls back cleanly when the module is absent.
 *
 *   cc $(pkg-config --cflags kvm-abi-shim) -o vmm-level vmm-level.c
 *   (kvm-abi-shim-dev: the header is /usr/include/kvm-abi-shim/linux/)
 *   ./vmm-level 6.1
 *
 * The level must be set after KVM_CREATE_VM and before the first vCPU
 * is created; a VM restored from another host gets the level it was
 * saved with (carry KVM_ABI_SHIM_ATTR_LEVEL in the migration stream).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/kvm_abi_shim.h>

static int shim_attr(int vm, unsigned long op, __u64 attr, __u64 *val)
{
	struct kvm_device_attr a = {
		.group = KVM_ABI_SHIM_GRP,
		.attr = attr,
		.addr = (__u64)(unsigned long)val,
	};

	return ioctl(vm, op, &a) ? -errno : 0;
}

int main(int argc, char **argv)
{
	unsigned int major, minor;
	__u64 level, supported, bit;
	int kvm, vm, ret;

	if (argc != 2 || sscanf(argv[1], "%u.%u", &major, &minor) != 2) {
		fprintf(stderr, "usage: %s MAJOR.MINOR (e.g. 6.1)\n", argv[0]);
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		perror("/dev/kvm");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		perror("KVM_CREATE_VM");
		return 1;
	}
	/*
	 * Without the module the kernel does not know the group: EINVAL on
	 * 5.10 and 6.1 (no VM attributes at all), ENXIO on 6.12 and 7.3.
	 * Either way: run natively.
	 */
	ret = shim_attr(vm, KVM_HAS_DEVICE_ATTR, KVM_ABI_SHIM_ATTR_LEVEL, NULL);
	if (ret) {
		printf("kvm-abi-shim absent (%s): VM runs with the host kernel's ABI\n",
		       strerror(-ret));
		return 0;
	}
	ret = shim_attr(vm, KVM_GET_DEVICE_ATTR, KVM_ABI_SHIM_ATTR_SUPPORTED,
			&supported);
	if (ret) {
		fprintf(stderr, "SUPPORTED: %s\n", strerror(-ret));
		return 1;
	}
	bit = major == 5 && minor == 10 ? KVM_ABI_SHIM_LEVEL_BIT_5_10 :
	      major == 6 && minor == 1 ? KVM_ABI_SHIM_LEVEL_BIT_6_1 :
	      major == 6 && minor == 12 ? KVM_ABI_SHIM_LEVEL_BIT_6_12 :
	      major == 7 && minor == 3 ? KVM_ABI_SHIM_LEVEL_BIT_7_3 : 0;
	if (!(supported & bit)) {
		/* A VMM refuses to start (or to accept a migration) here. */
		fprintf(stderr, "level %u.%u not supported on this host\n",
			major, minor);
		return 1;
	}
	level = KVM_ABI_SHIM_LEVEL(major, minor);
	ret = shim_attr(vm, KVM_SET_DEVICE_ATTR, KVM_ABI_SHIM_ATTR_LEVEL, &level);
	if (ret) {
		fprintf(stderr, "set level %u.%u: %s\n", major, minor,
			strerror(-ret));
		return 1;
	}
	level = 0;
	ret = shim_attr(vm, KVM_GET_DEVICE_ATTR, KVM_ABI_SHIM_ATTR_LEVEL, &level);
	if (ret)
		return 1;
	printf("VM pinned to level %llu.%llu\n",
	       (unsigned long long)KVM_ABI_SHIM_LEVEL_MAJOR(level),
	       (unsigned long long)KVM_ABI_SHIM_LEVEL_MINOR(level));
	/* ...KVM_CREATE_VCPU, KVM_ARM_VCPU_INIT, KVM_RUN as usual. */
	close(vm);
	close(kvm);
	return 0;
}
