// SPDX-License-Identifier: GPL-2.0
/*
 * vgic - GICD_IIDR revisions and interrupt groups per VM (issue #4), as
 * the guest and the VMM see them, on the host's GIC model.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/host.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define GICD_IIDR	0x8
#define GICD_IGROUPR1	0x84
#define GICR_CTLR	0x0
#define GICR_IGROUPR0	0x10080
#define GICR_CTLR_IR_CES 0x6
#define GICR_TYPER_LAST	0x10
#define NO_REV		(~0U)

struct vcase {
	const char *name;
	uint64_t level;		/* or ~0: do not set */
	unsigned int rev;	/* attribute, or NO_REV */
	const char *param;	/* default_iidr_rev to set before creating, or NULL */
};

static int gic;
static uint64_t host;

static unsigned int host_default_rev(void)
{
	return host == KVM_ABI_SHIM_LEVEL(5, 10) ? 2 : 3;
}

/* The revision the VM must run with, per issue #4. */
static unsigned int want_rev(const struct vcase *c)
{
	if (c->param)
		return c->param[0] - '0';
	if (c->rev != NO_REV)
		return c->rev;
	if (c->level == ~0ULL || c->level == KVM_ABI_SHIM_LEVEL_NATIVE)
		return host_default_rev();
	return c->level == KVM_ABI_SHIM_LEVEL(5, 10) ? 2 : 3;
}

static int make_vm(struct vmm_vm *vm, const struct vcase *c, bool init)
{
	int ret;

	if (c->param && vmm_param_write("default_iidr_rev", c->param))
		return -EIO;
	ret = vmm_vm_create(vm);
	if (c->param)
		vmm_param_write("default_iidr_rev", "0");
	if (!ret && c->level != ~0ULL)
		ret = vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_LEVEL, c->level);
	if (!ret && c->rev != NO_REV)
		ret = vmm_shim_set(vm, KVM_ABI_SHIM_ATTR_IIDR_REV, c->rev);
	ret = ret ?: vmm_add_memory(vm) ?: vmm_gic_create(vm, gic) ?:
	      vmm_vcpu_add(vm, 1u << KVM_ARM_VCPU_PSCI_0_2) ?: vmm_load_routines(vm);
	if (!ret && init)
		ret = vmm_gic_init(vm);
	return ret;
}

static int dist_user(struct vmm_vm *vm, bool write, uint32_t off, uint32_t *val)
{
	return vmm_attr(vm->gic_fd, write ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
			off >= 0x10000 || (gic == 3 && off == GICR_CTLR && val == NULL) ?
			KVM_DEV_ARM_VGIC_GRP_REDIST_REGS : KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			off, val);
}

static int redist_user(struct vmm_vm *vm, bool write, uint32_t off, uint32_t *val)
{
	return vmm_attr(vm->gic_fd, write ? KVM_SET_DEVICE_ATTR : KVM_GET_DEVICE_ATTR,
			KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, off, val);
}

/*
 * 5.10's redistributor: userspace reads GICR_TYPER without the Last bit
 * (the guest sees it); SYNCR reads zero. A VM at level 5.10 on 6.x gets
 * the same. (INVLPIR/INVALLR writes and GICR_CTLR.RWP only show with LPIs,
 * which this VMM does not set up.)
 */
static void check_gicr_510(struct vmm_vm *vm, const struct vcase *c, const char *tag)
{
	bool as510 = host == KVM_ABI_SHIM_LEVEL(5, 10) || c->level == KVM_ABI_SHIM_LEVEL(5, 10);
	uint32_t u = 0, g = 0, sync = 1;

	redist_user(vm, false, 0x8, &u);
	vmm_guest_read32(vm, VMM_GICR_GPA + 0x8, &g);
	tap_ok(!!(u & GICR_TYPER_LAST) == !as510 && (g & GICR_TYPER_LAST),
	       "%s: GICR_TYPER.Last to userspace %s, to the guest set (0x%x / 0x%x)", tag,
	       as510 ? "clear as on 5.10" : "set", u, g);
	vmm_guest_read32(vm, VMM_GICR_GPA + 0xc0, &sync);
	tap_ok(sync == 0, "%s: GICR_SYNCR reads 0 (0x%x)", tag, sync);
}

/* Groups of one register: guest and userspace, reads and writes. */
static void check_groups(struct vmm_vm *vm, const char *tag, unsigned int rev, bool redist)
{
	uint64_t gpa = redist ? VMM_GICR_GPA + GICR_IGROUPR0 : VMM_GICD_GPA + GICD_IGROUPR1;
	uint32_t off = redist ? GICR_IGROUPR0 : GICD_IGROUPR1;
	const char *reg = redist ? "GICR_IGROUPR0" : "GICD_IGROUPR1";
	uint32_t reset = gic == 3 ? 0xffffffff : 0, v = 0, w = 0x0000ffff;
	/* Without a revision of ours, GICv2 follows the kernel: user writes dropped. */
	bool user_lands = gic == 3 || rev >= 2;
	bool fixed = rev == 1;
	int ret;

	ret = vmm_guest_read32(vm, gpa, &v);
	tap_ok(!ret && v == reset, "%s: guest reads %s reset 0x%x (got 0x%x)", tag, reg, reset, v);
	vmm_guest_write32(vm, gpa, 0xa5a55a5a);
	ret = vmm_guest_read32(vm, gpa, &v);
	tap_ok(!ret && v == (fixed ? reset : 0xa5a55a5a),
	       "%s: guest write of %s %s (reads 0x%x)", tag, reg,
	       fixed ? "is ignored" : "lands", v);
	ret = redist ? redist_user(vm, true, off, &w) : dist_user(vm, true, off, &w);
	TAP_ERRNO(ret, 0, "%s: userspace write of %s succeeds", tag, reg);
	ret = redist ? redist_user(vm, false, off, &v) : dist_user(vm, false, off, &v);
	tap_ok(!ret && v == (fixed ? reset : user_lands ? w : 0xa5a55a5a),
	       "%s: userspace write of %s %s (reads 0x%x)", tag, reg,
	       fixed || !user_lands ? "is ignored" : "lands", v);
	ret = vmm_guest_read32(vm, gpa, &v);
	tap_ok(!ret && v == (fixed ? reset : user_lands ? w : 0xa5a55a5a),
	       "%s: guest sees the same %s (0x%x)", tag, reg, v);
}

static void check_case(const struct vcase *c)
{
	unsigned int rev = want_rev(c);
	struct vmm_vm vm;
	uint32_t v = 0;
	char tag[64];

	snprintf(tag, sizeof(tag), "GICv%d %s", gic, c->name);
	if (make_vm(&vm, c, true)) {
		tap_ok(false, "%s: set up the VM", tag);
		return;
	}
	dist_user(&vm, false, GICD_IIDR, &v);
	tap_ok(((v >> 12) & 0xf) == rev, "%s: userspace reads IIDR revision %u (0x%08x)", tag, rev, v);
	vmm_guest_read32(&vm, VMM_GICD_GPA + GICD_IIDR, &v);
	tap_ok(((v >> 12) & 0xf) == rev, "%s: guest reads IIDR revision %u (0x%08x)", tag, rev, v);
	if (gic == 3) {
		vmm_guest_read32(&vm, VMM_GICR_GPA + GICR_CTLR, &v);
		tap_ok((v & GICR_CTLR_IR_CES) == (rev == 3 ? GICR_CTLR_IR_CES : 0),
		       "%s: GICR_CTLR.{IR,CES} %s (0x%x)", tag, rev == 3 ? "set" : "clear", v);
		check_gicr_510(&vm, c, tag);
	}
	/* A native VM with no revision written is the kernel's: rev 0 here. */
	check_groups(&vm, tag, c->level == ~0ULL && c->rev == NO_REV && !c->param ? 0 : rev,
		     false);
	if (gic == 3)
		check_groups(&vm, tag, rev, true);
	vmm_vm_destroy(&vm);
}

/* IIDR writes: every revision, after init and (GICv3) before it. */
static void check_iidr_writes(const struct vcase *c)
{
	unsigned int w, cur = want_rev(c);
	int pre;

	for (pre = 0; pre <= (gic == 3); pre++) {
		for (w = 0; w <= 4; w++) {
			bool ok = w >= 1 && w <= 3 &&
				  !(w == 3 && (c->level == KVM_ABI_SHIM_LEVEL(5, 10) ||
					       host == KVM_ABI_SHIM_LEVEL(5, 10)));
			uint32_t val = 0x4b00043b | (w << 12), r = 0;
			struct vmm_vm vm;
			int ret;

			if (make_vm(&vm, c, !pre)) {
				tap_ok(false, "GICv%d %s: set up the VM", gic, c->name);
				return;
			}
			ret = dist_user(&vm, true, GICD_IIDR, &val);
			if (pre)
				vmm_gic_init(&vm);
			dist_user(&vm, false, GICD_IIDR, &r);
			tap_ok(ret == (ok ? 0 : -EINVAL) && ((r >> 12) & 0xf) == (ok ? w : cur),
			       "GICv%d %s: IIDR write of revision %u %s %s (ret %d, reads rev %u)",
			       gic, c->name, w, pre ? "before init" : "after init",
			       ok ? "accepted" : "refused", ret, (r >> 12) & 0xf);
			if (w == 1 && ok) {
				uint32_t g = 0;

				vmm_guest_write32(&vm, VMM_GICD_GPA + GICD_IGROUPR1, 0x5a5a5a5a);
				vmm_guest_read32(&vm, VMM_GICD_GPA + GICD_IGROUPR1, &g);
				tap_ok(g == (gic == 3 ? 0xffffffff : 0),
				       "GICv%d %s: after a revision-1 write groups are fixed (0x%x)",
				       gic, c->name, g);
			}
			vmm_vm_destroy(&vm);
		}
	}
	/* Anything but the revision must match. */
	{
		struct vmm_vm vm;
		uint32_t val = 0x4b00043b | (cur << 12) | 0x100000;

		if (make_vm(&vm, c, true)) {
			tap_ok(false, "GICv%d %s: set up the VM", gic, c->name);
			return;
		}
		TAP_ERRNO(dist_user(&vm, true, GICD_IIDR, &val), -EINVAL,
			  "GICv%d %s: IIDR write with another variant is refused", gic, c->name);
		vmm_vm_destroy(&vm);
	}
}

/* QEMU-style save/restore: no IIDR write; groups move to a second VM. */
static void check_save_restore(const struct vcase *c)
{
	unsigned int rev = want_rev(c);
	uint32_t saved = 0, v = 0, reset = gic == 3 ? 0xffffffff : 0;
	struct vmm_vm a, b;
	int ret;

	if (make_vm(&a, c, true) || make_vm(&b, c, true)) {
		tap_ok(false, "GICv%d %s: set up the VMs", gic, c->name);
		return;
	}
	vmm_guest_write32(&a, VMM_GICD_GPA + GICD_IGROUPR1, 0x5a5a5a5a);
	dist_user(&a, false, GICD_IGROUPR1, &saved);
	ret = dist_user(&b, true, GICD_IGROUPR1, &saved);
	vmm_guest_read32(&b, VMM_GICD_GPA + GICD_IGROUPR1, &v);
	if (c->level == ~0ULL && c->rev == NO_REV && !c->param && gic == 2)
		tap_ok(!ret && saved == 0x5a5a5a5a && v == reset,
		       "GICv2 %s: untouched kernel behaviour, group restore without IIDR write dropped (guest reads 0x%x)",
		       c->name, v);
	else if (rev == 1)
		tap_ok(!ret && saved == reset && v == reset,
		       "GICv%d %s: save/restore at revision 1 changes nothing and fails nothing",
		       gic, c->name);
	else
		tap_ok(!ret && saved == 0x5a5a5a5a && v == 0x5a5a5a5a,
		       "GICv%d %s: groups restored without an IIDR write (saved 0x%x, restored guest reads 0x%x)",
		       gic, c->name, saved, v);
	vmm_vm_destroy(&b);
	vmm_vm_destroy(&a);
}

int main(void)
{
	static const struct vcase cases[] = {
		{ "native, no revision", ~0ULL, NO_REV },
		{ "level 5.10", KVM_ABI_SHIM_LEVEL(5, 10), NO_REV },
		{ "level 6.1", KVM_ABI_SHIM_LEVEL(6, 1), NO_REV },
		{ "level 6.12", KVM_ABI_SHIM_LEVEL(6, 12), NO_REV },
		{ "revision 1", ~0ULL, 1 },
		{ "revision 2", ~0ULL, 2 },
		{ "revision 3", ~0ULL, 3 },
		{ "level 5.10 revision 1", KVM_ABI_SHIM_LEVEL(5, 10), 1 },
		{ "default_iidr_rev=1", ~0ULL, NO_REV, "1" },
	};
	unsigned int i;

	tap_header("vgic: IIDR revisions and interrupt groups per VM");
	host_setup();
	if (!vmm_module_loaded())
		tap_diag("kvm_abi_shim is not loaded: this run shows what the kernel lacks");
	vmm_host_level(&host);
	gic = vmm_host_gic_version();
	if (!gic)
		tap_bail("no vGIC");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];

		if ((c->level != ~0ULL && c->level > host) ||
		    (c->rev == 3 && host == KVM_ABI_SHIM_LEVEL(5, 10))) {
			tap_skip("GICv%d %s: not available on this host", gic, c->name);
			continue;
		}
		check_case(c);
		check_iidr_writes(c);
		check_save_restore(c);
	}
	return tap_finish();
}
