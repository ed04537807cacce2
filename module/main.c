// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - kvm-abi-shim: pin each arm64 KVM VM's guest-visible ABI to a
 * compatibility level (the ABI of an older fleet kernel).
 *
 * Load: attach the core probes (VM creation and destruction, the VM ioctl
 * for the control plane) or refuse to load, naming the missing symbol.
 * Unload: refused while any VM is pinned (each holds a module reference)
 * or a task is in a module function (it holds one too, so unload never waits),
 * since unloading would change what its guest sees.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>

#include "callthru.h"
#include "compat/compat.h"
#include "kas.h"
#include "vgic_policy.h"
#include "vm.h"

#ifndef KAS_VERSION
#define KAS_VERSION "unknown"
#endif

u64 kas_disabled_levels;

/*
 * The defaults given to VMs whose VMM chooses nothing: level and IIDR
 * revision in one word, so that a VM created while an operator changes
 * both gets the old pair or the new one, never a mix (revision 3 is not a
 * 5.10 revision). Low 32 bits: the encoded level; bits 32-39: revision.
 */
static u64 kas_defaults;
#define KAS_DEF_LEVEL(d)	((d) & U32_MAX)
#define KAS_DEF_REV(d)		((unsigned int)((d) >> 32))
#define KAS_DEF(level, rev)	((level) | (u64)(rev) << 32)

/* Writers of the defaults, serialised; readers take one snapshot. */
static DEFINE_MUTEX(kas_default_lock);

/**
 * kas_default_get_pair() - the defaults for a VM created now, consistently
 * @level: the encoded default level
 * @rev: the default IIDR revision (0: follow the level)
 */
void kas_default_get_pair(u64 *level, unsigned int *rev)
{
	u64 d = READ_ONCE(kas_defaults);

	*level = KAS_DEF_LEVEL(d);
	*rev = KAS_DEF_REV(d);
}

/**
 * kas_default_level() - the level given to VMs created from now on
 *
 * Return: the encoded default level (module parameter default_level).
 */
u64 kas_default_level(void)
{
	return KAS_DEF_LEVEL(READ_ONCE(kas_defaults));
}

/**
 * kas_default_rev() - the IIDR revision requested for VMs created from now on
 *
 * Return: 0 (follow the level) to 3 (module parameter default_iidr_rev).
 */
unsigned int kas_default_rev(void)
{
	return KAS_DEF_REV(READ_ONCE(kas_defaults));
}

/* Set once the hooks are attached: what the host can honour is known. */
static bool kas_loaded;
/* Set as the module is unloaded: the hooks go, a new default would not apply. */
static bool kas_going;

/*
 * Caller holds kas_default_lock. Publishes the pair if this host can
 * honour it: 0, -EINVAL, or -ENODEV while the module is being unloaded.
 */
static int kas_defaults_store(u64 level, unsigned int rev)
{
	if (kas_going)
		return -ENODEV;
	if (kas_level_check(level, KAS_HOST_LEVEL, kas_disabled_levels) ||
	    kas_vgic_rev_check(rev, level, KAS_HOST_LEVEL))
		return -EINVAL;
	/* A revision needs the vGIC hooks (at load time, kas_init() checks). */
	if (rev && READ_ONCE(kas_loaded) && !kas_vgic_attached())
		return -EINVAL;
	/* An operator's change says who made it; kas_init() logs the first pair. */
	if (READ_ONCE(kas_loaded) && (level != kas_default_level() || rev != kas_default_rev()))
		pr_info_ratelimited("defaults for new VMs: level %s revision %u -> level %s revision %u (by %s[%d])\n",
				    kas_level_name(kas_default_level()), kas_default_rev(),
				    kas_level_name(level), rev, current->comm,
				    task_pid_nr(current));
	WRITE_ONCE(kas_defaults, KAS_DEF(level, rev));
	return 0;
}

static int kas_default_set(const char *val, const struct kernel_param *kp)
{
	unsigned int rev;
	u64 level;
	int ret;

	mutex_lock(&kas_default_lock);
	rev = kas_default_rev();
	ret = kas_level_parse(val, &level);
	if (!ret)
		ret = kas_defaults_store(level, rev);
	mutex_unlock(&kas_default_lock);
	if (ret == -ENODEV)
		return ret;
	if (ret)
		pr_warn_ratelimited("default_level: '%s' is not a level this host supports with default_iidr_rev %u\n",
				    strim((char *)val), rev);
	return ret ? -EINVAL : 0;
}

static int kas_default_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", kas_level_name(kas_default_level()));
}

static const struct kernel_param_ops kas_default_ops = {
	.set = kas_default_set,
	.get = kas_default_get,
};
module_param_cb(default_level, &kas_default_ops, NULL, 0644);
MODULE_PARM_DESC(default_level,
		 "Level of VMs whose VMM does not choose one: native (default), 5.10, 6.1, 6.12 or 7.3. Applies to VMs created after the change.");

static int kas_default_rev_set(const char *val, const struct kernel_param *kp)
{
	unsigned int rev;
	u64 level;
	int ret;

	mutex_lock(&kas_default_lock);
	level = kas_default_level();
	ret = kstrtouint(val, 10, &rev);
	if (!ret)
		ret = kas_defaults_store(level, rev);
	mutex_unlock(&kas_default_lock);
	if (ret == -ENODEV)
		return ret;
	if (ret)
		pr_warn_ratelimited("default_iidr_rev: '%s' is not a revision this host supports at default_level %s\n",
				    strim((char *)val), kas_level_name(level));
	return ret ? -EINVAL : 0;
}

static int kas_default_rev_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", kas_default_rev());
}

static const struct kernel_param_ops kas_default_rev_ops = {
	.set = kas_default_rev_set,
	.get = kas_default_rev_get,
};
module_param_cb(default_iidr_rev, &kas_default_rev_ops, NULL, 0644);
MODULE_PARM_DESC(default_iidr_rev,
		 "vGIC IIDR revision of new VMs: 0 = follow the level (default), 1 = read-only interrupt groups, 2, 3.");

/* "LEVEL [REV]": both defaults in one step (REV 0, follow the level, if absent). */
static int kas_defaults_set(const char *val, const struct kernel_param *kp)
{
	char buf[32], *rest, *lvl;
	unsigned int rev = 0;
	u64 level;
	int ret;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	rest = strim(buf);
	lvl = strsep(&rest, " \t");
	if (rest && kstrtouint(skip_spaces(rest), 10, &rev))
		return -EINVAL;
	ret = kas_level_parse(lvl, &level);
	if (ret)
		return -EINVAL;
	mutex_lock(&kas_default_lock);
	ret = kas_defaults_store(level, rev);
	mutex_unlock(&kas_default_lock);
	if (ret == -ENODEV)
		return ret;
	if (ret)
		pr_warn_ratelimited("defaults: level %s with IIDR revision %u is not possible on this host\n",
				    lvl, rev);
	return ret ? -EINVAL : 0;
}

static int kas_defaults_show(char *buf, const struct kernel_param *kp)
{
	u64 level;
	unsigned int rev;

	kas_default_get_pair(&level, &rev);
	return sysfs_emit(buf, "%s %u\n", kas_level_name(level), rev);
}

static const struct kernel_param_ops kas_defaults_ops = {
	.set = kas_defaults_set,
	.get = kas_defaults_show,
};
module_param_cb(defaults, &kas_defaults_ops, NULL, 0644);
MODULE_PARM_DESC(defaults,
		 "Both defaults at once, \"LEVEL [IIDR_REV]\" (revision 0, follow the level, if omitted): VMs created meanwhile get the old pair or the new one.");

/* Read-only: the levels this host can honour, for operators' tools. */
static int kas_supported_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int kas_supported_get(char *buf, const struct kernel_param *kp)
{
	u64 mask = kas_levels_supported(KAS_HOST_LEVEL, kas_disabled_levels);
	unsigned int i;
	int n = sysfs_emit(buf, "native");

	for (i = 0; i < kas_nr_levels; i++)
		if (mask & kas_levels[i].bit)
			n += sysfs_emit_at(buf, n, " %s", kas_levels[i].name);
	return n + sysfs_emit_at(buf, n, "\n");
}

static const struct kernel_param_ops kas_supported_ops = {
	.set = kas_supported_set,
	.get = kas_supported_get,
};
module_param_cb(supported_levels, &kas_supported_ops, NULL, 0444);
MODULE_PARM_DESC(supported_levels,
		 "Read-only: the levels this host can give VMs (native and the fleet levels not above the running kernel).");

typedef int (*kas_init_vm_fn)(struct kvm *, unsigned long);

/*
 * Redirect target of kvm_arch_init_vm(): our state is allocated and
 * published first, so that running out of memory refuses the VM rather
 * than leaving it untracked; removed again if the kernel refuses the VM.
 */
static int kas_init_vm(struct kvm *kvm, unsigned long type)
{
	kas_init_vm_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_INIT_VM]);
	struct kas_vm *v = kas_vm_alloc();
	unsigned int rev;
	u64 level;
	int ret;

	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	kas_default_get_pair(&level, &rev);
	/* Armed before the VM exists: its guest never sees the switch. */
	v->hooks = kas_hooks_demand(level, rev);
	ret = kas_hooks_get(v->hooks);
	if (ret) {
		kas_vm_free(v);
		goto out;
	}
	/* Published first: a VM the table has no room for is refused. */
	ret = kas_vm_insert(v, kvm, level, rev);
	if (ret) {
		kas_hooks_put(v->hooks);
		kas_vm_free(v);
		goto out;
	}
	ret = orig(kvm, type);
	if (ret)
		kas_vm_remove(kvm);
	else
		kas_fw_apply(kvm, v);
out:
	kas_redirect_done();
	return ret;
}

static int kas_init_vm_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (kas_hook_passthrough(regs))
		return 0;
	return kas_redirect(regs, kas_init_vm);
}

NOKPROBE_SYMBOL(kas_init_vm_pre);

typedef void (*kas_destroy_vm_fn)(struct kvm *);

/*
 * Redirect target of kvm_arch_destroy_vm(): the entry goes before the VM
 * does, in process context (the table lock is not taken in a handler).
 */
static void kas_destroy_vm(struct kvm *kvm)
{
	kas_destroy_vm_fn orig = kas_hook_orig(&kas_hook_table[KAS_HOOK_DESTROY_VM]);

	kas_vm_note_destroy(kas_vm_remove(kvm) ? KAS_DESTROY_REMOVED : KAS_DESTROY_UNTRACKED);
	orig(kvm);
	kas_redirect_done();
}

static int kas_destroy_vm_pre(struct kprobe *p, struct pt_regs *regs)
{
	if (kas_hook_passthrough(regs)) {
		kas_vm_note_destroy(KAS_DESTROY_PASSTHROUGH);
		return 0;
	}
	if (kas_redirect(regs, kas_destroy_vm))
		return 1;
	kas_vm_note_destroy(KAS_DESTROY_UNSEEN);
	return 0;
}

NOKPROBE_SYMBOL(kas_destroy_vm_pre);

/* A vCPU enters the guest for a new task (first KVM_RUN included). */
static int kas_vcpu_run_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];

	kas_vm_ran(vcpu->kvm);
	return 0;
}

NOKPROBE_SYMBOL(kas_vcpu_run_pre);

/*
 * Kprobes disarmed for the whole kernel after load: say so once per
 * episode, loudly, and count it (stats). VMs created meanwhile are native
 * and unknown to the module; VMs destroyed meanwhile keep their entries
 * (and a pinned one its module reference) until their address is reused.
 */
static bool kas_disarmed;

static void kas_watch(struct work_struct *work);
static DECLARE_DELAYED_WORK(kas_watch_work, kas_watch);

static void kas_watch(struct work_struct *work)
{
	bool armed = kas_hook_armed(&kas_hook_table[KAS_HOOK_DESTROY_VM]);

	if (!armed) {
		kas_vm_note_disarmed();
		if (!kas_disarmed)
			pr_crit("kprobes are disarmed on kernel %s (debugfs kprobes/enabled is 0): new VMs get the native ABI and destroyed VMs are not seen until they are armed again\n",
				init_utsname()->release);
	} else if (kas_disarmed) {
		pr_warn("kprobes are armed again; VMs created while they were not are native and not listed\n");
	}
	kas_disarmed = !armed;
	schedule_delayed_work(&kas_watch_work, HZ);
}

#define KAS_ALL_LEVELS (KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1 | \
			KVM_ABI_SHIM_LEVEL_BIT_6_12)
/*
 * The vGIC hooks that give VMs their revision stay armed (every level has
 * one); those of the interrupt groups act only at revision 1 and are armed
 * while a VM runs at it. The others act only for VMs at their levels and
 * are armed while one lives.
 */
#define KAS_VGIC_HOOK(sym, fn) \
	{ .symbol = sym, .pre = fn, .feature = KAS_FEAT_VGIC, .needed_by = KAS_ALL_LEVELS }
#define KAS_GROUP_HOOK(sym, fn) \
	{ .symbol = sym, .pre = fn, .feature = KAS_FEAT_VGIC, .needed_by = KAS_ALL_LEVELS, \
	  .on_demand = true, .armed_for = KAS_DEMAND_VGIC_REV1 }
#define KAS_DEMAND_HOOK(sym, fn, feat, levels) \
	{ .symbol = sym, .pre = fn, .feature = feat, .needed_by = levels, .on_demand = true }
#define KAS_GICR510_HOOK(sym, fn) \
	KAS_DEMAND_HOOK(sym, fn, KAS_FEAT_GICR_510, KVM_ABI_SHIM_LEVEL_BIT_5_10)
#define KAS_FW_HOOK(sym, fn) KAS_DEMAND_HOOK(sym, fn, KAS_FEAT_FW, KAS_NEED_FW)
#define KAS_IDREGS_HOOK(sym, fn) KAS_DEMAND_HOOK(sym, fn, KAS_FEAT_IDREGS, KAS_NEED_IDREGS)
#define KAS_REGLIST_HOOK(sym, fn) KAS_DEMAND_HOOK(sym, fn, KAS_FEAT_REGLIST, KAS_NEED_REGLIST)

struct kas_hook kas_hook_table[KAS_NR_HOOKS] = {
	[KAS_HOOK_VM_IOCTL]	= { "kvm_arch_vm_ioctl", kas_vm_ioctl_pre },
	[KAS_HOOK_INIT_VM]	= { "kvm_arch_init_vm", kas_init_vm_pre },
	[KAS_HOOK_DESTROY_VM]	= { "kvm_arch_destroy_vm", kas_destroy_vm_pre },
	[KAS_HOOK_VCPU_RUN]	= { KAS_SYM_VCPU_RUN, kas_vcpu_run_pre },
	/* Per-vCPU state of older levels, made before the vCPU is. */
	[KAS_HOOK_VCPU_PRECREATE] = { "kvm_arch_vcpu_precreate", kas_vcpu_precreate_pre },
	/* Every level defines the vGIC's revision. */
	[KAS_HOOK_VGIC_INIT]	= KAS_VGIC_HOOK("vgic_init", kas_vgic_init_pre),
	[KAS_HOOK_V2_MISC]	= KAS_VGIC_HOOK("vgic_mmio_uaccess_write_v2_misc",
						kas_vgic_misc_pre),
	[KAS_HOOK_V3_MISC]	= KAS_VGIC_HOOK("vgic_mmio_uaccess_write_v3_misc",
						kas_vgic_misc_pre),
	[KAS_HOOK_READ_GROUP]	= KAS_GROUP_HOOK("vgic_mmio_read_group",
						 kas_vgic_read_group_pre),
	[KAS_HOOK_WRITE_GROUP]	= KAS_GROUP_HOOK("vgic_mmio_write_group",
						 kas_vgic_write_group_pre),
	[KAS_HOOK_V3_SET_ATTR]	= KAS_VGIC_HOOK("vgic_v3_set_attr", kas_vgic_v3_attr_pre),
	[KAS_HOOK_V3_GET_ATTR]	= KAS_VGIC_HOOK("vgic_v3_get_attr", kas_vgic_v3_attr_pre),
	/* 5.10's GICv3 redistributor on 6.x hosts. */
	[KAS_HOOK_GICR_INVLPI]	= KAS_GICR510_HOOK(KAS_SYM_GICR_WRITE_INVLPI,
						   kas_gicr510_ignore_pre),
	[KAS_HOOK_GICR_INVALL]	= KAS_GICR510_HOOK(KAS_SYM_GICR_WRITE_INVALL,
						   kas_gicr510_ignore_pre),
	[KAS_HOOK_GICR_SYNC]	= KAS_GICR510_HOOK(KAS_SYM_GICR_READ_SYNC,
						   kas_gicr510_ignore_pre),
	[KAS_HOOK_GICR_CTLR]	= KAS_GICR510_HOOK(KAS_SYM_GICR_READ_CTLR,
						   kas_gicr510_ctlr_pre),
	[KAS_HOOK_GICR_UACCESS]	= KAS_GICR510_HOOK(KAS_SYM_GICR_UACCESS,
						   kas_gicr510_uaccess_pre),
	/* Firmware registers and PSCI of older levels (on 6.12: of 5.10). */
	[KAS_HOOK_FW_NUM_REGS]	= KAS_FW_HOOK(KAS_SYM_FW_NUM_REGS, kas_fw_num_regs_pre),
	[KAS_HOOK_FW_COPY_IDS]	= KAS_FW_HOOK(KAS_SYM_FW_COPY_IDS, kas_fw_copy_ids_pre),
	[KAS_HOOK_FW_SET]	= KAS_FW_HOOK(KAS_SYM_FW_SET, kas_fw_set_pre),
	[KAS_HOOK_PSCI_CALL]	= KAS_FW_HOOK(KAS_SYM_PSCI_CALL, kas_psci_call_pre),
	/* The SMC conduit, serviced from 6.4: hidden from older levels. */
	[KAS_HOOK_HANDLE_SMC]	= KAS_DEMAND_HOOK(KAS_SYM_HANDLE_SMC, kas_handle_smc_pre,
						  KAS_FEAT_SMC, KVM_ABI_SHIM_LEVEL_BIT_5_10 |
						  KVM_ABI_SHIM_LEVEL_BIT_6_1),
	/* vCPU registers older kernels do not have (not needed on 5.10). */
	[KAS_HOOK_NUM_REGS]	= KAS_REGLIST_HOOK(KAS_SYM_NUM_REGS, kas_num_regs_pre),
	[KAS_HOOK_COPY_REGS]	= KAS_REGLIST_HOOK(KAS_SYM_COPY_REGS, kas_copy_regs_pre),
	[KAS_HOOK_GET_REG]	= KAS_REGLIST_HOOK(KAS_SYM_GET_REG, kas_one_reg_pre),
	[KAS_HOOK_SET_REG]	= KAS_REGLIST_HOOK(KAS_SYM_SET_REG, kas_one_reg_pre),
	/* ID registers and caches of older levels (6.12; 6.1: ID values only). */
	[KAS_HOOK_RESET_VCPU]	= KAS_IDREGS_HOOK(KAS_SYM_RESET_VCPU, kas_reset_vcpu_pre),
	[KAS_HOOK_SYS_REG_SET]	= KAS_IDREGS_HOOK(KAS_SYM_SYS_REG_SET, kas_sys_reg_set_pre),
	[KAS_HOOK_READ_ID_REG]	= KAS_IDREGS_HOOK(KAS_SYM_READ_ID_REG, kas_read_id_reg_pre),
	[KAS_HOOK_ACCESS_ID_REG] = KAS_IDREGS_HOOK(KAS_SYM_ACCESS_ID_REG, kas_access_id_reg_pre),
	[KAS_HOOK_ACCESS_CCSIDR] = KAS_IDREGS_HOOK(KAS_SYM_ACCESS_CCSIDR, kas_access_ccsidr_pre),
	/* The guest's PMCR_EL0 of 5.10 and 6.1 (6.12 and newer hosts). */
	[KAS_HOOK_ACCESS_PMCR]	= KAS_DEMAND_HOOK(KAS_SYM_ACCESS_PMCR, kas_access_pmcr_pre,
						  KAS_FEAT_IDREGS, KVM_ABI_SHIM_LEVEL_BIT_5_10 |
						  KVM_ABI_SHIM_LEVEL_BIT_6_1),
	/* The capabilities of older levels, asked and enabled on the VM. */
	[KAS_HOOK_CHECK_EXT]	= KAS_DEMAND_HOOK(KAS_SYM_CHECK_EXT, kas_check_ext_pre,
						  KAS_FEAT_CAPS, KAS_NEED_CAPS),
	[KAS_HOOK_ENABLE_CAP]	= KAS_DEMAND_HOOK(KAS_SYM_ENABLE_CAP, kas_enable_cap_pre,
						  KAS_FEAT_CAPS, KAS_NEED_CAPS),
	/* The EL2 timers' interrupts, which 5.10 and 6.1 do not have. */
	[KAS_HOOK_TIMER_HAS_ATTR] = KAS_DEMAND_HOOK(KAS_SYM_TIMER_HAS_ATTR, kas_timer_attr_pre,
						    KAS_FEAT_CAPS, KAS_NEED_TIMER_ATTR),
	[KAS_HOOK_TIMER_GET_ATTR] = KAS_DEMAND_HOOK(KAS_SYM_TIMER_GET_ATTR, kas_timer_attr_pre,
						    KAS_FEAT_CAPS, KAS_NEED_TIMER_ATTR),
	[KAS_HOOK_TIMER_SET_ATTR] = KAS_DEMAND_HOOK(KAS_SYM_TIMER_SET_ATTR,
						    kas_timer_set_attr_pre, KAS_FEAT_CAPS,
						    KAS_NEED_TIMER_ATTR),
};

static int __init kas_init(void)
{
	int ret;

	BUILD_BUG_ON(KAS_NR_HOOKS > KAS_NR_THUNKS);
	pr_info("version %s on kernel %s (%s), host level %s\n", KAS_VERSION,
		init_utsname()->release, init_utsname()->version,
		kas_level_name(KAS_HOST_LEVEL));
	kas_idregs_init();
	kas_caps_init();
	ret = kas_vm_init();
	if (ret)
		return ret;
	/* The register list calls two kernel functions besides its hooks. */
	if (KAS_SYM_NUM_REGS && kas_reglist_init())
		kas_disabled_levels |= KAS_NEED_REGLIST;
	ret = kas_hooks_attach(kas_hook_table, KAS_NR_HOOKS, &kas_disabled_levels);
	if (ret) {
		kas_vm_remove_all();
		return ret;
	}
	/*
	 * Kprobes can be disarmed for the whole kernel (debugfs
	 * kprobes/enabled): probes then register but never fire, and every
	 * VM would silently get the native ABI. A core hook, always armed,
	 * is a breakpoint in the kernel's text when they fire.
	 */
	if (!kas_hook_armed(&kas_hook_table[KAS_HOOK_INIT_VM])) {
		pr_err("kprobes do not fire on kernel %s (disabled in /sys/kernel/debug/kprobes/enabled?); refusing to load\n",
		       init_utsname()->release);
		kas_hooks_detach(kas_hook_table, KAS_NR_HOOKS);
		kas_vm_remove_all();
		return -EOPNOTSUPP;
	}
	/*
	 * Defaults given at load time must still be honourable; from here
	 * on, kas_defaults_store() checks them (the parameters are writable
	 * in sysfs while this runs).
	 */
	mutex_lock(&kas_default_lock);
	if (kas_level_check(kas_default_level(), KAS_HOST_LEVEL, kas_disabled_levels) ||
	    (kas_default_rev() && !kas_vgic_attached())) {
		mutex_unlock(&kas_default_lock);
		pr_err("default_level %s / default_iidr_rev %u cannot be honoured on kernel %s; refusing to load\n",
		       kas_level_name(kas_default_level()), kas_default_rev(),
		       init_utsname()->release);
		kas_hooks_detach(kas_hook_table, KAS_NR_HOOKS);
		kas_vm_remove_all();
		return -EINVAL;
	}
	WRITE_ONCE(kas_loaded, true);
	pr_info("defaults for new VMs: level %s revision %u\n",
		kas_level_name(kas_default_level()), kas_default_rev());
	mutex_unlock(&kas_default_lock);
	kas_vm_debugfs_init();
	/* Nothing can fail any more: let the hooks act. */
	kas_hooks_go_live();
	schedule_delayed_work(&kas_watch_work, HZ);
	return 0;
}

static void __exit kas_exit(void)
{
	mutex_lock(&kas_default_lock);
	kas_going = true;
	mutex_unlock(&kas_default_lock);
	cancel_delayed_work_sync(&kas_watch_work);
	kas_vm_debugfs_exit();
	kas_hooks_detach(kas_hook_table, KAS_NR_HOOKS);
	kas_vm_remove_all();
	pr_info("unloaded\n");
}

module_init(kas_init);
module_exit(kas_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Pin arm64 KVM guest-visible ABI to an older kernel's, per VM");
MODULE_VERSION(KAS_VERSION);
