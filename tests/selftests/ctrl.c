// SPDX-License-Identifier: GPL-2.0
/*
 * ctrl - the control plane on the VM fd: attributes, values, every errno,
 * the vCPU rule, per-VM independence, the default_level, default_iidr_rev
 * and defaults parameters.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

static const uint64_t fleet[] = {
	KVM_ABI_SHIM_LEVEL(5, 10), KVM_ABI_SHIM_LEVEL(6, 1), KVM_ABI_SHIM_LEVEL(6, 12),
	KVM_ABI_SHIM_LEVEL(7, 3),
};
static const uint64_t bits[] = {
	KVM_ABI_SHIM_LEVEL_BIT_5_10, KVM_ABI_SHIM_LEVEL_BIT_6_1, KVM_ABI_SHIM_LEVEL_BIT_6_12,
	KVM_ABI_SHIM_LEVEL_BIT_7_3,
};

static uint64_t level_of(struct vmm_vm *vm)
{
	uint64_t v = ~0ULL;

	if (vmm_shim_get(vm, KVM_ABI_SHIM_ATTR_LEVEL, &v))
		return ~0ULL;
	return v;
}

static void test_attrs(struct vmm_vm *vm, uint64_t host)
{
	uint64_t v, want = 0;
	unsigned int i;

	for (i = 0; i < 4; i++)
		TAP_ERRNO(vmm_attr(vm->fd, KVM_HAS_DEVICE_ATTR, KVM_ABI_SHIM_GRP, i, NULL),
			  0, "HAS attr %u", i);
	TAP_ERRNO(vmm_attr(vm->fd, KVM_HAS_DEVICE_ATTR, KVM_ABI_SHIM_GRP, 4, NULL),
		  -ENXIO, "HAS unknown attr 4 is ENXIO");
	TAP_ERRNO(vmm_attr(vm->fd, KVM_GET_DEVICE_ATTR, KVM_ABI_SHIM_GRP, 0x1000, &v),
		  -ENXIO, "GET unknown attr 0x1000 is ENXIO");
	TAP_ERRNO(vmm_shim_set(vm, 77, 0), -ENXIO, "SET unknown attr 77 is ENXIO");

	v = 0;
	TAP_ERRNO(vmm_shim_get(vm, KVM_ABI_SHIM_ATTR_VERSION, &v), 0, "GET version");
	tap_ok(v == KVM_ABI_SHIM_IFACE_VERSION, "interface version is %d (got %llu)",
	       KVM_ABI_SHIM_IFACE_VERSION, (unsigned long long)v);
	for (i = 0; i < sizeof(fleet) / sizeof(fleet[0]); i++)
		if (fleet[i] <= host)
			want |= bits[i];
	v = 0;
	TAP_ERRNO(vmm_shim_get(vm, KVM_ABI_SHIM_ATTR_SUPPORTED, &v), 0, "GET supported");
	tap_ok(v == want, "supported levels are those <= the running kernel (0x%llx, want 0x%llx)",
	       (unsigned long long)v, (unsigned long long)want);
	TAP_ERRNO(vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_SUPPORTED, want), -ENXIO,
		  "SET of read-only 'supported' is ENXIO");
	TAP_ERRNO(vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_VERSION, 1), -ENXIO,
		  "SET of read-only 'version' is ENXIO");
}

static void test_level_values(struct vmm_vm *vm, uint64_t host)
{
	static const uint64_t invalid[] = {
		1, KVM_ABI_SHIM_LEVEL(6, 5), KVM_ABI_SHIM_LEVEL(4, 19),
		KVM_ABI_SHIM_LEVEL(5, 10) | (1ULL << 32), ~0ULL,
	};
	unsigned int i;

	tap_ok(level_of(vm) == KVM_ABI_SHIM_LEVEL_NATIVE, "new VM is native by default");
	for (i = 0; i < sizeof(fleet) / sizeof(fleet[0]); i++) {
		if (fleet[i] > host) {
			TAP_ERRNO(vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, fleet[i]),
				  -EOPNOTSUPP, "level 0x%llx above the host is EOPNOTSUPP",
				  (unsigned long long)fleet[i]);
			continue;
		}
		TAP_ERRNO(vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, fleet[i]), 0,
			  "SET level 0x%llx", (unsigned long long)fleet[i]);
		tap_ok(level_of(vm) == fleet[i], "GET returns level 0x%llx",
		       (unsigned long long)fleet[i]);
	}
	TAP_ERRNO(vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), 0,
		  "SET level 5.10");
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		TAP_ERRNO(vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, invalid[i]), -EINVAL,
			  "SET level 0x%llx is EINVAL", (unsigned long long)invalid[i]);
	tap_ok(level_of(vm) == KVM_ABI_SHIM_LEVEL(5, 10),
	       "refused SETs left the level unchanged");

	TAP_ERRNO(vmm_attr(vm->fd, KVM_GET_DEVICE_ATTR, KVM_ABI_SHIM_GRP,
			   KVM_ABI_SHIM_ATTR_LEVEL, NULL), -EFAULT, "GET to NULL is EFAULT");
	TAP_ERRNO(vmm_attr_flags(vm->fd, KVM_GET_DEVICE_ATTR, KVM_ABI_SHIM_GRP,
				 KVM_ABI_SHIM_ATTR_SUPPORTED, 0xfffffffffff00000ULL, 0),
		  -EFAULT, "GET to a kernel address is EFAULT");
	TAP_ERRNO(vmm_attr(vm->fd, KVM_SET_DEVICE_ATTR, KVM_ABI_SHIM_GRP,
			   KVM_ABI_SHIM_ATTR_LEVEL, (void *)16), -EFAULT,
		  "SET from an unmapped address is EFAULT");
	TAP_ERRNO(vmm_attr(vm->fd, KVM_HAS_DEVICE_ATTR, KVM_ABI_SHIM_GRP,
			   KVM_ABI_SHIM_ATTR_LEVEL, (void *)16), 0,
		  "HAS does not touch addr");
	{
		uint64_t v = KVM_ABI_SHIM_LEVEL_NATIVE;

		TAP_ERRNO(vmm_attr_flags(vm->fd, KVM_SET_DEVICE_ATTR, KVM_ABI_SHIM_GRP,
					 KVM_ABI_SHIM_ATTR_LEVEL, (uintptr_t)&v, 1),
			  -EINVAL, "nonzero flags are EINVAL");
	}
	tap_ok(level_of(vm) == KVM_ABI_SHIM_LEVEL(5, 10), "level still 5.10 after bad calls");
}

static void test_vcpu_rule(uint64_t host)
{
	struct vmm_vm vm;

	if (vmm_vm_create(&vm))
		tap_bail("cannot create VM");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), 0,
		  "SET before the first vCPU");
	TAP_ERRNO(vmm_vcpu_add(&vm, 0), 0, "create a vCPU");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL_NATIVE),
		  -EBUSY, "SET after the first vCPU is EBUSY");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)),
		  -EBUSY, "SET of the same level after the first vCPU is EBUSY");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, 3), -EINVAL,
		  "invalid value after the first vCPU is still EINVAL");
	tap_ok(level_of(&vm) == KVM_ABI_SHIM_LEVEL(5, 10), "GET still works, level kept");
	vmm_vm_destroy(&vm);
	(void)host;
}

static void test_two_vms(uint64_t host)
{
	struct vmm_vm a, b;
	uint64_t lb = host >= KVM_ABI_SHIM_LEVEL(6, 1) ? KVM_ABI_SHIM_LEVEL(6, 1) :
							KVM_ABI_SHIM_LEVEL(5, 10);

	if (vmm_vm_create(&a) || vmm_vm_create(&b))
		tap_bail("cannot create VMs");
	TAP_ERRNO(vmm_shim_set(&a, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), 0,
		  "VM A at 5.10");
	tap_ok(level_of(&b) == KVM_ABI_SHIM_LEVEL_NATIVE, "VM B still native");
	TAP_ERRNO(vmm_shim_set(&b, KVM_ABI_SHIM_ATTR_LEVEL, lb), 0, "VM B at 0x%llx",
		  (unsigned long long)lb);
	TAP_ERRNO(vmm_vcpu_add(&a, 0), 0, "vCPU on A");
	TAP_ERRNO(vmm_shim_set(&b, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL_NATIVE), 0,
		  "B still settable after A got a vCPU");
	tap_ok(level_of(&a) == KVM_ABI_SHIM_LEVEL(5, 10) &&
	       level_of(&b) == KVM_ABI_SHIM_LEVEL_NATIVE, "A and B keep their own levels");
	vmm_vm_destroy(&b);
	tap_ok(level_of(&a) == KVM_ABI_SHIM_LEVEL(5, 10), "closing B leaves A alone");
	vmm_vm_destroy(&a);
}

static void test_iidr_rev_attr(uint64_t host)
{
	bool h510 = host == KVM_ABI_SHIM_LEVEL(5, 10);
	struct vmm_vm vm;
	uint64_t v = 9;
	unsigned int r;

	if (vmm_vm_create(&vm))
		tap_bail("cannot create VM");
	TAP_ERRNO(vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &v), 0, "GET iidr_rev");
	tap_ok(v == 0, "new VM requests no revision (got %llu)", (unsigned long long)v);
	for (r = 1; r <= 3; r++)
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, r),
			  r == 3 && h510 ? -EOPNOTSUPP : 0, "SET iidr_rev %u", r);
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, 4), -EINVAL, "SET iidr_rev 4 is EINVAL");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, 1ULL << 32), -EINVAL,
		  "SET iidr_rev 2^32 is EINVAL");
	vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &v);
	tap_ok(v == (h510 ? 2 : 3), "refused SETs kept the last accepted revision (%llu)",
	       (unsigned long long)v);
	if (!h510) {
		TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)),
			  -EINVAL, "level 5.10 refused while revision 3 is requested");
	} else {
		tap_skip("revision 3 cannot be requested on a 5.10 host");
	}
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, 1), 0, "SET iidr_rev 1");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, KVM_ABI_SHIM_LEVEL(5, 10)), 0,
		  "level 5.10 with revision 1");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, 3), -EINVAL,
		  "revision 3 refused at level 5.10");
	TAP_ERRNO(vmm_vcpu_add(&vm, 0), 0, "add a vCPU");
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, 2), -EBUSY,
		  "SET iidr_rev after the first vCPU is EBUSY");
	vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &v);
	tap_ok(v == 1, "revision 1 kept");
	vmm_vm_destroy(&vm);

	TAP_ERRNO(vmm_param_write("default_iidr_rev", "1"), 0, "default_iidr_rev=1");
	if (vmm_vm_create(&vm))
		tap_bail("cannot create VM");
	vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &v);
	tap_ok(v == 1, "a new VM gets the default revision 1");
	vmm_vm_destroy(&vm);
	TAP_ERRNO(vmm_param_write("default_iidr_rev", "4"), -EINVAL, "default_iidr_rev=4 is EINVAL");
	TAP_ERRNO(vmm_param_write("default_iidr_rev", "x"), -EINVAL, "default_iidr_rev=x is EINVAL");
	TAP_ERRNO(vmm_param_write("default_iidr_rev", "0"), 0, "default_iidr_rev=0");
	if (!h510) {
		TAP_ERRNO(vmm_param_write("default_iidr_rev", "3"), 0, "default_iidr_rev=3");
		TAP_ERRNO(vmm_param_write("default_level", "5.10"), -EINVAL,
			  "default_level=5.10 refused while default_iidr_rev=3");
		TAP_ERRNO(vmm_param_write("default_iidr_rev", "0"), 0, "default_iidr_rev=0 again");
	}
}

static void test_default_level(uint64_t host)
{
	struct vmm_vm old, new1, new2;
	char buf[64];

	if (vmm_vm_create(&old))
		tap_bail("cannot create VM");
	TAP_ERRNO(vmm_param_write("default_level", "5.10\n"), 0, "default_level=5.10");
	TAP_ERRNO(vmm_param_read("default_level", buf, sizeof(buf)), 0, "read default_level");
	tap_ok(!strcmp(buf, "5.10\n"), "default_level reads back 5.10 (got '%.*s')",
	       (int)strcspn(buf, "\n"), buf);
	if (vmm_vm_create(&new1))
		tap_bail("cannot create VM");
	tap_ok(level_of(&new1) == KVM_ABI_SHIM_LEVEL(5, 10), "a VM created afterwards is at 5.10");
	tap_ok(level_of(&old) == KVM_ABI_SHIM_LEVEL_NATIVE, "an existing VM is not changed");
	TAP_ERRNO(vmm_param_write("default_level", "6.5"), -EINVAL, "default_level=6.5 is EINVAL");
	TAP_ERRNO(vmm_param_write("default_level", "bogus"), -EINVAL, "default_level=bogus is EINVAL");
	TAP_ERRNO(vmm_param_write("default_level", "\n"), -EINVAL, "empty default_level is EINVAL");
	if (host < KVM_ABI_SHIM_LEVEL(7, 3))
		TAP_ERRNO(vmm_param_write("default_level", "7.3"), -EINVAL,
			  "default_level above the host is EINVAL");
	else
		tap_skip("no level above a 7.3 host");
	vmm_param_read("default_level", buf, sizeof(buf));
	tap_ok(!strcmp(buf, "5.10\n"), "refused writes left default_level at 5.10");
	TAP_ERRNO(vmm_param_write("default_level", "native"), 0, "default_level=native");
	if (vmm_vm_create(&new2))
		tap_bail("cannot create VM");
	tap_ok(level_of(&new2) == KVM_ABI_SHIM_LEVEL_NATIVE, "next VM is native again");
	tap_ok(level_of(&new1) == KVM_ABI_SHIM_LEVEL(5, 10), "earlier VM kept 5.10");
	vmm_vm_destroy(&new2);
	vmm_vm_destroy(&new1);
	vmm_vm_destroy(&old);
}

/* Whether a VM got one of the pairs the defaults passed through. */
static bool pair_published(uint64_t level, uint64_t rev)
{
	if (level == KVM_ABI_SHIM_LEVEL(5, 10))
		return rev == 2 || rev == 0;
	return level == KVM_ABI_SHIM_LEVEL_NATIVE && (rev == 3 || rev == 0);
}

/*
 * Both defaults flip between (5.10, 2) and (native, 3) while VMs are
 * created: in steps through default_iidr_rev/default_level (each step a
 * consistent pair), then in one step through "defaults". Each VM must get
 * a pair that was published, never a mix such as (5.10, 3).
 */
static void race_defaults(bool one_step)
{
	const char *how = one_step ? "defaults" : "default_level/default_iidr_rev";
	unsigned int vms = 0, bad = 0, odd = 0;
	uint64_t level, rev;
	struct timespec t0, t;
	struct vmm_vm vm;
	pid_t child;

	vmm_param_write("defaults", "5.10 2");
	child = fork();
	if (child < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!child) {
		for (;;) {
			if (one_step) {
				vmm_param_write("defaults", "native 3");
				vmm_param_write("defaults", "5.10 2");
			} else {
				vmm_param_write("default_iidr_rev", "0");
				vmm_param_write("default_level", "native");
				vmm_param_write("default_iidr_rev", "3");
				vmm_param_write("default_iidr_rev", "0");
				vmm_param_write("default_level", "5.10");
				vmm_param_write("default_iidr_rev", "2");
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (vmm_vm_create(&vm)) {
			odd++;
			break;
		}
		level = rev = ~0ULL;
		if (vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &level) ||
		    vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &rev))
			odd++;
		else if (!pair_published(level, rev))
			bad++;
		vmm_vm_destroy(&vm);
		vms++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (vms < 4000 && t.tv_sec - t0.tv_sec < 2);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	tap_ok(vms > 0 && !bad && !odd,
	       "%u VMs created while %s flipped between (5.10, 2) and (native, 3): %u got a mixed pair, %u errors",
	       vms, how, bad, odd);
	TAP_ERRNO(vmm_param_write("defaults", "native"), 0, "defaults=native after the race");
}

static void test_defaults_pair(uint64_t host)
{
	char buf[64];

	TAP_ERRNO(vmm_param_write("defaults", "5.10 2\n"), 0, "defaults=\"5.10 2\"");
	vmm_param_read("defaults", buf, sizeof(buf));
	tap_ok(!strcmp(buf, "5.10 2\n"), "defaults reads back \"5.10 2\" (got '%.*s')",
	       (int)strcspn(buf, "\n"), buf);
	vmm_param_read("default_iidr_rev", buf, sizeof(buf));
	tap_ok(!strcmp(buf, "2\n"), "... and default_iidr_rev reads 2");
	TAP_ERRNO(vmm_param_write("defaults", "5.10 3"), -EINVAL, "defaults=\"5.10 3\" is EINVAL");
	TAP_ERRNO(vmm_param_write("defaults", "5.10 x"), -EINVAL, "defaults=\"5.10 x\" is EINVAL");
	TAP_ERRNO(vmm_param_write("defaults", "9.9 1"), -EINVAL, "defaults=\"9.9 1\" is EINVAL");
	TAP_ERRNO(vmm_param_write("defaults", "\n"), -EINVAL, "empty defaults is EINVAL");
	vmm_param_read("defaults", buf, sizeof(buf));
	tap_ok(!strcmp(buf, "5.10 2\n"), "refused writes left both defaults alone (got '%.*s')",
	       (int)strcspn(buf, "\n"), buf);
	TAP_ERRNO(vmm_param_write("defaults", "5.10"), 0, "defaults=5.10 (revision omitted)");
	vmm_param_read("defaults", buf, sizeof(buf));
	tap_ok(!strcmp(buf, "5.10 0\n"), "... reads \"5.10 0\": the revision follows the level");
	if (host == KVM_ABI_SHIM_LEVEL(5, 10)) {
		tap_skip("revision 3 cannot be requested on a 5.10 host: no race test");
		tap_skip("revision 3 cannot be requested on a 5.10 host: no race test");
	} else {
		race_defaults(false);
		race_defaults(true);
	}
	TAP_ERRNO(vmm_param_write("defaults", "native 0"), 0, "defaults=\"native 0\"");
}

int main(void)
{
	struct vmm_vm vm;
	uint64_t host;

	if (!host_start("ctrl: kvm-abi-shim control plane on the VM fd", &host))
		return tap_finish();
	if (vmm_vm_create(&vm))
		tap_bail("cannot create a VM: %s", strerror(errno));
	test_attrs(&vm, host);
	test_level_values(&vm, host);
	vmm_vm_destroy(&vm);
	test_vcpu_rule(host);
	test_two_vms(host);
	test_default_level(host);
	test_iidr_rev_attr(host);
	test_defaults_pair(host);
	return tap_finish();
}
