// SPDX-License-Identifier: GPL-2.0
/*
 * idregs - ID registers and cache registers of VMs at older levels: what
 * the VMM reads, what the guest reads (trapped MRS), and the older
 * kernels' write rule (the current value only, else EINVAL). The real
 * older kernels' values are compared by the differential test.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define SYSREG(op0, op1, crn, crm, op2)					\
	(0x6030000000130000ULL | ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) | \
	 ((uint64_t)(crn) << 7) | ((uint64_t)(crm) << 3) | (uint64_t)(op2))
#define CCSIDR(i)	(0x6020000000110000ULL | (i))
#define L(a, b)		KVM_ABI_SHIM_LEVEL(a, b)
#define FIELD(v, s)	(((v) >> (s)) & 0xf)

struct reg { const char *name; unsigned int op1, crn, crm, op2; };

static const struct reg dfr0 = { "ID_AA64DFR0_EL1", 0, 0, 5, 0 };
static const struct reg mmfr1 = { "ID_AA64MMFR1_EL1", 0, 0, 7, 1 };
static const struct reg mmfr3 = { "ID_AA64MMFR3_EL1", 0, 0, 7, 3 };
static const struct reg clidr = { "CLIDR_EL1", 1, 0, 0, 1 };

static uint64_t id_of(const struct reg *r)
{
	return SYSREG(3, r->op1, r->crn, r->crm, r->op2);
}

static int get(struct vmm_vm *vm, uint64_t id, uint64_t *v)
{
	*v = 0;
	return vmm_get_reg(&vm->vcpu[0], id, v);
}

static int set(struct vmm_vm *vm, uint64_t id, uint64_t v)
{
	return vmm_set_reg(&vm->vcpu[0], id, v);
}

static int make_vm(struct vmm_vm *vm, uint64_t level)
{
	int ret = vmm_vm_create(vm);

	if (!ret && level)
		ret = vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, level);
	return ret ?: vmm_add_memory(vm) ?: vmm_vcpu_add(vm, 0) ?: vmm_load_routines(vm);
}

static bool valid_cache(uint64_t clidr_v, unsigned int i)
{
	unsigned int t = (clidr_v >> ((i >> 1) * 3)) & 7;

	return i < 14 && (t == 3 || (t == 1 && (i & 1)) || ((t == 2 || t == 4) && !(i & 1)));
}

static void check_level(uint64_t host, uint64_t level, const char *name, uint64_t nat_dfr0,
			uint64_t nat_mmfr1)
{
	const struct reg *seen[] = { &dfr0, &mmfr1, &mmfr3, &clidr };
	uint64_t d, m1, m3, c, g, v;
	struct vmm_vm vm;
	unsigned int i, right = 0;

	if (make_vm(&vm, level)) {
		tap_ok(false, "level %s: VM with memory and a vCPU", name);
		return;
	}
	if (get(&vm, id_of(&dfr0), &d) || get(&vm, id_of(&mmfr1), &m1) ||
	    get(&vm, id_of(&mmfr3), &m3) || get(&vm, id_of(&clidr), &c)) {
		tap_ok(false, "level %s: GET_ONE_REG of the ID registers", name);
		vmm_vm_destroy(&vm);
		return;
	}
	tap_diag("level %s: ID_AA64DFR0 %#llx MMFR1 %#llx CLIDR %#llx", name,
		 (unsigned long long)d, (unsigned long long)m1, (unsigned long long)c);
	if (level == L(6, 1))
		tap_ok(FIELD(d, 0) == 6 && FIELD(d, 8) == 0 && FIELD(d, 32) == 0,
		       "level 6.1: ID_AA64DFR0 DebugVer 6 (v8.0), no PMU, no SPE");
	else if (host >= L(6, 12))	/* 6.12 shows the host's DebugVer too */
		tap_ok(FIELD(d, 0) == FIELD(nat_dfr0, 0) && FIELD(d, 8) <= 4,
		       "level 5.10: ID_AA64DFR0 DebugVer the host's (%llu), PMUVer at most v8.1",
		       (unsigned long long)FIELD(nat_dfr0, 0));
	else				/* 6.1 forces 6; 5.10 shows the host's */
		tap_ok(FIELD(d, 0) >= 6 && FIELD(d, 8) <= 4 && d != nat_dfr0,
		       "level 5.10: ID_AA64DFR0 DebugVer the host's (%llu, not 6.1's 6), PMUVer at most v8.1",
		       (unsigned long long)FIELD(d, 0));
	tap_ok(FIELD(m1, 40) == 0 && (m1 & 0xffffffffffULL) == (nat_mmfr1 & 0xffffffffffULL),
	       "level %s: ID_AA64MMFR1 without HCX, lower fields the host's", name);
	tap_ok(m3 == 0, "level %s: ID_AA64MMFR3 reads as zero", name);
	for (i = 0; i < 14; i++) {
		uint32_t c32 = 0;
		int r = vmm_get_reg(&vm.vcpu[0], CCSIDR(i), (uint64_t *)&c32);

		right += valid_cache(c, i) ? (r == 0 && c32 != 0) : r == -ENOENT;
	}
	tap_ok(right == 14, "level %s: a CCSIDR for each cache CLIDR describes, no other", name);
	/*
	 * The guest's view: 5.10 and 6.1 leave CCSIDR reads untrapped (no
	 * HCR_EL2.TID2 without mismatched caches), so their guests read the
	 * host's geometry, which is also what their VMMs read.
	 */
	for (i = 0; i < 3; i++) {
		uint32_t c32 = 0;

		if (!valid_cache(c, i) || vmm_get_reg(&vm.vcpu[0], CCSIDR(i), (uint64_t *)&c32))
			continue;
		tap_ok(!vmm_guest_ccsidr(&vm, i, &g) && g == c32,
		       "level %s: the guest reads CCSIDR[%u] as the VMM does (%#llx)",
		       name, i, (unsigned long long)g);
	}
	for (i = 0; i < 4; i++) {
		get(&vm, id_of(seen[i]), &v);
		g = ~v;
		tap_ok(!vmm_guest_mrs(&vm, seen[i]->op1, seen[i]->crn, seen[i]->crm,
				      seen[i]->op2, &g) && g == v,
		       "level %s: the guest reads %s as the VMM does (%#llx)", name,
		       seen[i]->name, (unsigned long long)g);
	}
	/* Older kernels: ID and cache registers are invariant. */
	TAP_ERRNO(set(&vm, id_of(&dfr0), d), 0, "level %s: writing ID_AA64DFR0's value back", name);
	TAP_ERRNO(set(&vm, id_of(&dfr0), nat_dfr0), d == nat_dfr0 ? 0 : -EINVAL,
		  "level %s: writing the native ID_AA64DFR0 is EINVAL", name);
	TAP_ERRNO(set(&vm, id_of(&mmfr1), m1 | (1ULL << 40)), -EINVAL,
		  "level %s: writing ID_AA64MMFR1 with HCX is EINVAL", name);
	TAP_ERRNO(set(&vm, id_of(&clidr), c), 0, "level %s: writing CLIDR's value back", name);
	TAP_ERRNO(set(&vm, id_of(&clidr), c ^ 1), -EINVAL,
		  "level %s: writing another CLIDR is EINVAL", name);
	vmm_vm_destroy(&vm);
}

static int raw_get(int fd, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)v };

	*v = 0;
	return ioctl(fd, KVM_GET_ONE_REG, &r) ? -errno : 0;
}

/*
 * The module's per-vCPU allocation failing (its fail_alloc test
 * parameter): KVM_CREATE_VCPU fails with -ENOMEM before the kernel makes
 * the vCPU, the VM stays as it was, and the vCPU made once memory is there
 * has the whole level; never a mix.
 */
static void check_alloc_failure(void)
{
	uint64_t want_dfr0, want_cc, v;
	struct kvm_vcpu_init init;
	struct vmm_vm ref, vm;
	int fd, ret;

	if (make_vm(&ref, L(5, 10)) || get(&ref, id_of(&dfr0), &want_dfr0) ||
	    get(&ref, CCSIDR(0), &want_cc)) {
		tap_ok(false, "allocation failure: a reference VM at level 5.10");
		return;
	}
	vmm_vm_destroy(&ref);
	if (vmm_param_write("fail_alloc", "1")) {
		tap_skip("allocation failure: the module has no fail_alloc parameter");
		return;
	}
	if (vmm_vm_create(&vm) || vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(5, 10))) {
		vmm_param_write("fail_alloc", "0");
		tap_bail("allocation failure: cannot create a VM at level 5.10");
	}
	ret = ioctl(vm.fd, KVM_CREATE_VCPU, 0);
	TAP_ERRNO(ret < 0 ? -errno : 0, -ENOMEM,
		  "level 5.10, allocation failing: KVM_CREATE_VCPU fails with -ENOMEM");
	if (ret >= 0)
		close(ret);
	TAP_ERRNO(vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, L(5, 10)), 0,
		  "level 5.10, allocation failing: the VM has no vCPU (its level can still be set)");
	ret = make_vm(&ref, 0);
	tap_ok(!ret, "allocation failing: a native VM's vCPU is created (%d)", ret);
	vmm_vm_destroy(&ref);
	vmm_param_write("fail_alloc", "0");
	fd = ioctl(vm.fd, KVM_CREATE_VCPU, 0);
	ret = fd < 0 || ioctl(vm.fd, KVM_ARM_PREFERRED_TARGET, &init) ||
	      ioctl(fd, KVM_ARM_VCPU_INIT, &init) ? -errno : 0;
	TAP_ERRNO(ret, 0, "level 5.10: KVM_CREATE_VCPU and KVM_ARM_VCPU_INIT once memory is there");
	tap_ok(!ret && !raw_get(fd, id_of(&dfr0), &v) && v == want_dfr0 &&
	       !raw_get(fd, CCSIDR(0), &v) && v == want_cc,
	       "level 5.10: that vCPU has the whole level (ID_AA64DFR0 0x%llx, CCSIDR0 0x%llx)",
	       (unsigned long long)want_dfr0, (unsigned long long)want_cc);
	if (fd >= 0)
		close(fd);
	vmm_vm_destroy(&vm);
}

int main(void)
{
	uint64_t host, d, m1;
	struct vmm_vm vm;

	if (!host_start("idregs: ID and cache registers of VMs at older levels", &host))
		return tap_finish();
	if (host < L(6, 1)) {
		tap_skip("no older level on a 5.10 host");
		return tap_finish();
	}
	if (make_vm(&vm, 0) || get(&vm, id_of(&dfr0), &d) || get(&vm, id_of(&mmfr1), &m1))
		tap_bail("cannot create a native VM");
	/* Native is untouched: the kernel's own rules and values. */
	if (host >= L(7, 3))	/* 7.3 lets a VMM lower HCX */
		TAP_ERRNO(set(&vm, id_of(&mmfr1), m1 & ~(0xfULL << 40)), 0,
			  "native: 7.3's rule for ID_AA64MMFR1.HCX (writable) is kept");
	else if (host >= L(6, 12))
		TAP_ERRNO(set(&vm, id_of(&mmfr1), m1 & ~(0xfULL << 40)),
			  FIELD(m1, 40) ? -EINVAL : 0, "native: 6.12's rule for ID_AA64MMFR1 is kept");
	else
		tap_ok(FIELD(d, 0) == 6, "native: 6.1's ID_AA64DFR0 DebugVer 6 is kept");
	vmm_vm_destroy(&vm);
	if (host >= L(7, 3)) {
		/* Level 6.12 on 7.3: 6.12's rule, whatever 7.3 allows. */
		if (make_vm(&vm, L(6, 12)) || get(&vm, id_of(&mmfr1), &m1))
			tap_bail("cannot create a VM at level 6.12");
		if (FIELD(m1, 40))
			TAP_ERRNO(set(&vm, id_of(&mmfr1), m1 & ~(0xfULL << 40)), -EINVAL,
				  "level 6.12: ID_AA64MMFR1.HCX cannot be lowered, as on 6.12");
		else
			tap_skip("level 6.12: the host has no HCX to lower");
		TAP_ERRNO(set(&vm, id_of(&mmfr1), m1), 0,
			  "level 6.12: writing ID_AA64MMFR1's own value succeeds");
		vmm_vm_destroy(&vm);
	}
	if (host >= L(6, 12))
		check_level(host, L(6, 1), "6.1", d, m1);
	check_level(host, L(5, 10), "5.10", d, m1);
	check_alloc_failure();
	return tap_finish();
}
