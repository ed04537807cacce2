/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every per-host-kernel difference the module depends on, in one
 * place. Selected by the kernel tree the module is built against; the rest
 * of the module has no version conditionals.
 *
 * Supported series: Debian 5.10, 6.1, 6.12 and 7.3 (see tests/vm/fleet).
 */
#ifndef KAS_COMPAT_H
#define KAS_COMPAT_H

#include <linux/version.h>
#include <generated/utsrelease.h>
#include <linux/build_bug.h>
#include <linux/kvm_host.h>
#include <asm/kvm_emulate.h>

#include "../levels.h"
#include "../reg_policy.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 10, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define KAS_HOST_MAJOR 5
#define KAS_HOST_MINOR 10
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define KAS_HOST_MAJOR 6
#define KAS_HOST_MINOR 1
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define KAS_HOST_MAJOR 6
#define KAS_HOST_MINOR 12
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0)
#define KAS_HOST_MAJOR 7
#define KAS_HOST_MINOR 3
#else
/*
 * The build's only error names the kernel and the reason: with
 * KAS_REFUSED, nothing else of the module is compiled (unity.c).
 */
#define KAS_REFUSED
static_assert(0, "kvm-abi-shim: kernel " UTS_RELEASE
	      ": not a supported series (5.10, 6.1, 6.12, 7.3)");
#endif

/* Host is at least series @maj.@min. */
#define KAS_HOST_AT_LEAST(maj, min) \
	((KAS_HOST_MAJOR << 8 | KAS_HOST_MINOR) >= ((maj) << 8 | (min)))

/*
 * PREEMPT_RT (Debian's -rt flavour) turns spinlocks into sleeping locks and
 * runs more in threads; the module is tested on PREEMPT_VOLUNTARY (5.10,
 * 6.1, 6.12) and PREEMPT_LAZY (7.3) only, so RT is refused at build time.
 * At load time a module built for another kernel is refused by its
 * vermagic, which names PREEMPT_RT.
 */
#if defined(CONFIG_PREEMPT_RT) && !defined(KAS_REFUSED)
#define KAS_REFUSED
static_assert(0, "kvm-abi-shim: kernel " UTS_RELEASE
	      ": PREEMPT_RT, not supported (tested on PREEMPT_VOLUNTARY and PREEMPT_LAZY only)");
#endif

#ifndef KAS_REFUSED

/* The level the running kernel itself provides. */
#define KAS_HOST_LEVEL KVM_ABI_SHIM_LEVEL(KAS_HOST_MAJOR, KAS_HOST_MINOR)

/*
 * The levels that need a feature's hooks on this host, so that a missing
 * hook disables exactly them. 6.12 differs from 6.1 in neither firmware
 * registers nor (but for the hidden ones) the register list; 7.3 differs
 * from every older level in both (PSCI 1.3, VENDOR_HYP_BMAP_2, the list's
 * order).
 */
#if KAS_HOST_AT_LEAST(7, 3)
#define KAS_NEED_FW		(KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1 | \
				 KVM_ABI_SHIM_LEVEL_BIT_6_12)
#define KAS_NEED_REGLIST	KAS_NEED_FW
#define KAS_NEED_IDREGS		KAS_NEED_FW
#else
#define KAS_NEED_FW		KVM_ABI_SHIM_LEVEL_BIT_5_10
#define KAS_NEED_REGLIST	(KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1)
#define KAS_NEED_IDREGS		KAS_NEED_REGLIST
#endif

/*
 * Capabilities and VM ioctls differ between every two fleet kernels: every
 * level below the host's needs them hooked. The generic function answers
 * /dev/kvm and the VM alike and asks arm64's for the rest; it is static in
 * kvm_main.c but called from three places (the two CHECK_EXTENSION ioctls
 * and the dirty ring's enable), so no fleet kernel inlines it.
 */
#if KAS_HOST_AT_LEAST(7, 3)
#define KAS_NEED_CAPS		(KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1 | \
				 KVM_ABI_SHIM_LEVEL_BIT_6_12)
#elif KAS_HOST_AT_LEAST(6, 12)
#define KAS_NEED_CAPS		(KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1)
#else
#define KAS_NEED_CAPS		KVM_ABI_SHIM_LEVEL_BIT_5_10
#endif
#if KAS_HOST_MAJOR >= 6
#define KAS_SYM_CHECK_EXT	"kvm_vm_ioctl_check_extension_generic"
#define KAS_SYM_ENABLE_CAP	"kvm_vm_ioctl_enable_cap"
#else
#define KAS_SYM_CHECK_EXT	NULL
#define KAS_SYM_ENABLE_CAP	NULL
#endif
/* The EL2 timers' interrupt attributes came with 6.12 among the fleet. */
#if KAS_HOST_AT_LEAST(6, 12)
#define KAS_SYM_TIMER_HAS_ATTR	"kvm_arm_timer_has_attr"
#define KAS_SYM_TIMER_GET_ATTR	"kvm_arm_timer_get_attr"
#define KAS_SYM_TIMER_SET_ATTR	"kvm_arm_timer_set_attr"
#define KAS_NEED_TIMER_ATTR	(KVM_ABI_SHIM_LEVEL_BIT_5_10 | KVM_ABI_SHIM_LEVEL_BIT_6_1)
#else
#define KAS_SYM_TIMER_HAS_ATTR	NULL
#define KAS_SYM_TIMER_GET_ATTR	NULL
#define KAS_SYM_TIMER_SET_ATTR	NULL
#define KAS_NEED_TIMER_ATTR	0
#endif

/*
 * The per-CPU system workqueue, for mod_delayed_work(): 7.3 warns when
 * work is queued on system_wq, renamed system_percpu_wq (which
 * schedule_delayed_work() uses there).
 */
#if KAS_HOST_AT_LEAST(7, 3)
#define KAS_SYSTEM_WQ		system_percpu_wq
#else
#define KAS_SYSTEM_WQ		system_wq
#endif

/*
 * Redistributor features 6.x added and 5.10 lacks (INVLPIR/INVALLR/SYNCR,
 * GICR_CTLR.RWP, GICR_TYPER.Last reported to userspace): hooked on 6.x
 * hosts only, to hide them from VMs at level 5.10. NULL: not needed here.
 */
#if KAS_HOST_MAJOR >= 6
#define KAS_SYM_GICR_WRITE_INVLPI	"vgic_mmio_write_invlpi"
#define KAS_SYM_GICR_WRITE_INVALL	"vgic_mmio_write_invall"
#define KAS_SYM_GICR_READ_SYNC		"vgic_mmio_read_sync"
#define KAS_SYM_GICR_READ_CTLR		"vgic_mmio_read_v3r_ctlr"
#define KAS_SYM_GICR_UACCESS		"vgic_v3_redist_uaccess"
#else
#define KAS_SYM_GICR_WRITE_INVLPI	NULL
#define KAS_SYM_GICR_WRITE_INVALL	NULL
#define KAS_SYM_GICR_READ_SYNC		NULL
#define KAS_SYM_GICR_READ_CTLR		NULL
#define KAS_SYM_GICR_UACCESS		NULL
#endif

/*
 * A vCPU enters the guest for a new task: 5.10's kvm_arch_vcpu_run_pid_change()
 * is an inline wrapper of kvm_arch_vcpu_run_map_fp() (same argument).
 */
#if KAS_HOST_MAJOR >= 6
#define KAS_SYM_VCPU_RUN	"kvm_arch_vcpu_run_pid_change"
#else
#define KAS_SYM_VCPU_RUN	"kvm_arch_vcpu_run_map_fp"
#endif

/*
 * Firmware registers and hypercalls: on a 5.10 host no older level exists,
 * so nothing is hooked. The SMC conduit is serviced from 6.4 on, so only a
 * 6.12 host hides it from older levels.
 */
#if KAS_HOST_MAJOR >= 6
#define KAS_SYM_FW_NUM_REGS	"kvm_arm_get_fw_num_regs"
#define KAS_SYM_FW_COPY_IDS	"kvm_arm_copy_fw_reg_indices"
#define KAS_SYM_FW_SET		"kvm_arm_set_fw_reg"
#define KAS_SYM_PSCI_CALL	"kvm_psci_call"
#else
#define KAS_SYM_FW_NUM_REGS	NULL
#define KAS_SYM_FW_COPY_IDS	NULL
#define KAS_SYM_FW_SET		NULL
#define KAS_SYM_PSCI_CALL	NULL
#endif
/* vCPU register list and access: 6.x hosts have older levels' registers to hide. */
#if KAS_HOST_MAJOR >= 6
#define KAS_SYM_NUM_REGS	"kvm_arm_num_regs"
#define KAS_SYM_COPY_REGS	"kvm_arm_copy_reg_indices"
#define KAS_SYM_GET_REG		"kvm_arm_get_reg"
#define KAS_SYM_SET_REG		"kvm_arm_set_reg"
#else
#define KAS_SYM_NUM_REGS	NULL
#define KAS_SYM_COPY_REGS	NULL
#define KAS_SYM_GET_REG		NULL
#define KAS_SYM_SET_REG		NULL
#endif
/*
 * KVM_GET_REG_LIST as the kernel composes it (guest.c, sys_regs.c): core,
 * SVE and firmware ids, then a fixed timer block, the invariant registers
 * answered outside the sys-reg table, the table's walk, and the CCSIDR
 * demux (6.1: the host's cache levels; later: all 14). 7.3 lists its
 * CNTV_CVAL_EL0 and CNTVCT_EL0 entries under each other's id (the
 * historic KVM_REG_ARM_TIMER_CVAL/_CNT swap). The module rebuilds the
 * list in kernel memory, asking the sys-reg table which ids it has.
 */
#define KAS_SYM_SYS_REG_GET	"kvm_arm_sys_reg_get_reg"
#define KAS_SYM_NUM_SYS_REGS	"kvm_arm_num_sys_reg_descs"
#define KAS_REGLIST_TIMER_SWAP	KAS_HOST_AT_LEAST(7, 3)
#define KAS_REGLIST_ALL_CACHES	KAS_HOST_AT_LEAST(6, 12)

/**
 * kas_compat_reglist_timer() - the timer block of KVM_GET_REG_LIST
 *
 * Return: its ids in list order, zero-terminated (none on 7.3, where the
 * timer registers are entries of the sys-reg table).
 */
static inline const u64 *kas_compat_reglist_timer(void)
{
	static const u64 ids[] = {
#if !KAS_HOST_AT_LEAST(7, 3)
		KVM_REG_ARM_TIMER_CTL, KVM_REG_ARM_TIMER_CNT, KVM_REG_ARM_TIMER_CVAL,
#if KAS_HOST_AT_LEAST(6, 12)
		KVM_REG_ARM_PTIMER_CTL, KVM_REG_ARM_PTIMER_CNT, KVM_REG_ARM_PTIMER_CVAL,
#endif
#endif
		0
	};

	return ids;
}

/**
 * kas_compat_reglist_invariant() - the invariant registers, listed before
 *                                  the sys-reg table's walk
 *
 * They are answered outside the table (get_invariant_sys_reg()).
 *
 * Return: their ids in list order, zero-terminated (none on 7.3).
 */
static inline const u64 *kas_compat_reglist_invariant(void)
{
	static const u64 ids[] = {
#if KAS_HOST_AT_LEAST(6, 12) && !KAS_HOST_AT_LEAST(7, 3)
		ARM64_SYS_REG(3, 0, 0, 0, 0), ARM64_SYS_REG(3, 0, 0, 0, 6),	/* MIDR, REVIDR */
		ARM64_SYS_REG(3, 1, 0, 0, 7),					/* AIDR */
#elif !KAS_HOST_AT_LEAST(6, 12)
		ARM64_SYS_REG(3, 0, 0, 0, 0), ARM64_SYS_REG(3, 0, 0, 0, 6),	/* MIDR, REVIDR */
		ARM64_SYS_REG(3, 1, 0, 0, 1), ARM64_SYS_REG(3, 1, 0, 0, 7),	/* CLIDR, AIDR */
		ARM64_SYS_REG(3, 3, 0, 0, 1),					/* CTR_EL0 */
#endif
		0
	};

	return ids;
}

#if KAS_HOST_AT_LEAST(6, 12)
#define KAS_SYM_HANDLE_SMC	"handle_smc"
#else
#define KAS_SYM_HANDLE_SMC	NULL
#endif

/**
 * kas_compat_fw_bitmaps() - read and optionally replace the hypercall
 *                           service bitmaps of a VM (6.x only)
 * @kvm: the VM
 * @old: receives std, std_hyp and vendor_hyp bitmaps
 * @new: values to store, or NULL
 */
static inline void kas_compat_fw_bitmaps(struct kvm *kvm, unsigned long old[3],
					 const unsigned long *new)
{
#if KAS_HOST_MAJOR >= 6
	struct kvm_smccc_features *f = &kvm->arch.smccc_feat;

	old[0] = f->std_bmap;
	old[1] = f->std_hyp_bmap;
	old[2] = f->vendor_hyp_bmap;
	if (new) {
		f->std_bmap = new[0];
		f->std_hyp_bmap = new[1];
		f->vendor_hyp_bmap = new[2];
	}
#else
	old[0] = 0;
	old[1] = 0;
	old[2] = 0;
#endif
}

/**
 * kas_compat_skip_insn() - step the guest past the trapped instruction
 * @vcpu: the vCPU, in its exit handler
 */
static inline void kas_compat_skip_insn(struct kvm_vcpu *vcpu)
{
#if KAS_HOST_MAJOR >= 6
	kvm_incr_pc(vcpu);
#else
	/* Unused on 5.10 (no SMC hook there); kvm_skip_instr32 is not exported. */
	*vcpu_pc(vcpu) += 4;
#endif
}

/*
 * 6.12's set_pmreg() ORs a SET register's value in and clears a CLR
 * register's: a VMM restoring PMCNTEN, PMINTEN and PMOVS through both ids
 * (in register-list order) keeps reset bits the saved VM never had. 5.10
 * and 6.1 store the value, as 7.3 does (masked by the counters). For older
 * levels on 6.12 the module stores it: the kernel's mask, its storage.
 */
#if KAS_HOST_MAJOR == 6 && KAS_HOST_MINOR == 12
#define KAS_SYM_PMU_MASK	"kvm_pmu_valid_counter_mask"

/**
 * kas_compat_pmreg() - the storage of a PMU SET/CLR register
 * @id: a KVM_{GET,SET}_ONE_REG id
 *
 * Return: its index in the vCPU's system registers, or -1 for another id.
 */
static inline int kas_compat_pmreg(u64 id)
{
	switch (id) {
	case 0x603000000013c4f1ULL:	/* PMINTENSET_EL1 */
	case 0x603000000013c4f2ULL:	/* PMINTENCLR_EL1 */
		return PMINTENSET_EL1;
	case 0x603000000013dce1ULL:	/* PMCNTENSET_EL0 */
	case 0x603000000013dce2ULL:	/* PMCNTENCLR_EL0 */
		return PMCNTENSET_EL0;
	case 0x603000000013dce3ULL:	/* PMOVSCLR_EL0 */
	case 0x603000000013dcf3ULL:	/* PMOVSSET_EL0 */
		return PMOVSSET_EL0;
	}
	return -1;
}

static inline void kas_compat_pmreg_store(struct kvm_vcpu *vcpu, int idx, u64 val)
{
	__vcpu_sys_reg(vcpu, idx) = val;
}
#else
#define KAS_SYM_PMU_MASK	NULL

static inline int kas_compat_pmreg(u64 id)
{
	return -1;
}

static inline void kas_compat_pmreg_store(struct kvm_vcpu *vcpu, int idx, u64 val)
{
}
#endif

/**
 * kas_compat_vcpu_has_pmu() - was @vcpu created with a PMU?
 * @vcpu: the vCPU
 *
 * Return: true with KVM_ARM_VCPU_PMU_V3.
 */
static inline bool kas_compat_vcpu_has_pmu(struct kvm_vcpu *vcpu)
{
#if KAS_HOST_MAJOR >= 6
	return kvm_vcpu_has_pmu(vcpu);
#else
	return test_bit(KVM_ARM_VCPU_PMU_V3, vcpu->arch.features);
#endif
}

/**
 * kas_compat_vm_ran_once() - has a vCPU of @kvm run?
 * @kvm: the VM
 *
 * From then on the kernel refuses what would change a vCPU's register
 * list (its features, the VM's ID registers). 5.10 has no VM-wide flag,
 * and no level below its own: nothing asks there.
 *
 * Return: true once the kernel marked the VM as having run.
 */
static inline bool kas_compat_vm_ran_once(struct kvm *kvm)
{
#if KAS_HOST_AT_LEAST(6, 12)
	return kvm_vm_has_ran_once(kvm);
#elif KAS_HOST_MAJOR >= 6
	return test_bit(KVM_ARCH_FLAG_HAS_RAN_ONCE, &kvm->arch.flags);
#else
	return false;
#endif
}

/**
 * kas_compat_ipa_limit_pre_lpa2() - KVM_CAP_ARM_VM_IPA_SIZE as 5.10 and
 *                                   6.1 answer on this host
 *
 * 6.12 gives stage 2 52 bits with LPA2 on 4K and 16K pages; 5.10 and 6.1
 * cap those at 48 (their kvm_set_ipa_limit()). Called once, at load.
 *
 * Return: that limit, or 0 where it is the running kernel's own answer.
 */
static inline u32 kas_compat_ipa_limit_pre_lpa2(void)
{
#if KAS_HOST_AT_LEAST(6, 12)
	u64 mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	unsigned int parange;

	parange = cpuid_feature_extract_unsigned_field(mmfr0, ID_AA64MMFR0_EL1_PARANGE_SHIFT);
	if (PAGE_SIZE != SZ_64K)
		parange = min(parange, (unsigned int)ID_AA64MMFR0_EL1_PARANGE_48);
	return id_aa64mmfr0_parange_to_phys_shift(parange);
#else
	return 0;
#endif
}

/**
 * kas_compat_vm_caps_level() - the oldest level with every capability
 *                              and VM-wide setting @kvm already uses
 * @kvm: the VM, its kvm->lock held
 *
 * A VMM may enable a capability (or set a counter offset, an SMCCC filter,
 * a 52-bit IPA space) and then ask for an older level, whose kernel would
 * have refused it: the level is then refused. KVM_ENABLE_CAP sets most of
 * these under kvm->lock; system suspend and SEA to user are set without
 * it, the eager split under slots_lock and the filter under config_lock,
 * so a setting racing with the level's SET may be missed: the check is
 * for a VMM that set them first. A filter SET that failed may leave the
 * filter's reserved ranges: such a VM counts as filtered.
 *
 * Return: that level, or KVM_ABI_SHIM_LEVEL_NATIVE when any level will do.
 */
static inline u64 kas_compat_vm_caps_level(struct kvm *kvm)
{
#if KAS_HOST_AT_LEAST(7, 3)
	if (test_bit(KVM_ARCH_FLAG_WRITABLE_IMP_ID_REGS, &kvm->arch.flags) ||
	    test_bit(KVM_ARCH_FLAG_EXIT_SEA, &kvm->arch.flags))
		return KVM_ABI_SHIM_LEVEL(7, 3);
#endif
#if KAS_HOST_AT_LEAST(6, 12)
	if (READ_ONCE(kvm->dirty_ring_size) || READ_ONCE(kvm->arch.mmu.split_page_chunk_size) !=
	    KVM_ARM_EAGER_SPLIT_CHUNK_SIZE_DEFAULT ||
	    test_bit(KVM_ARCH_FLAG_VM_COUNTER_OFFSET, &kvm->arch.flags) ||
	    !mtree_empty(&kvm->arch.smccc_filter) ||
	    VTCR_EL2_IPA(kvm->arch.mmu.vtcr) > kas_compat_ipa_limit_pre_lpa2())
		return KVM_ABI_SHIM_LEVEL(6, 12);
#endif
#if KAS_HOST_MAJOR >= 6
	if (test_bit(KVM_ARCH_FLAG_MTE_ENABLED, &kvm->arch.flags) ||
	    test_bit(KVM_ARCH_FLAG_SYSTEM_SUSPEND_ENABLED, &kvm->arch.flags))
		return KVM_ABI_SHIM_LEVEL(6, 1);
#endif
	return KVM_ABI_SHIM_LEVEL_NATIVE;
}

/* sys_reg() encoding of a KVM_{GET,SET}_ONE_REG system-register id. */
static inline u32 kas_compat_enc(u64 id)
{
	return sys_reg((id >> 14) & 3, (id >> 11) & 7, (id >> 7) & 0xf,
		       (id >> 3) & 0xf, id & 7);
}

/*
 * kvm_reset_vcpu(): the vCPU reset (KVM_ARM_VCPU_INIT, PSCI CPU_ON, a
 * pending reset before GET/SET_ONE_REG); it returns void from 6.12 and int
 * on 6.1. The module resets what it keeps per vCPU after it (older levels;
 * a 5.10 host has none). kas_compat_reset_vcpu() calls the kernel's and
 * gives its result (0 when void); kas_compat_reset_vcpu_target() is the
 * redirect target in the kernel's signature, around idregs.c's
 * kas_reset_vcpu_after().
 */
int kas_reset_vcpu_after(struct kvm_vcpu *vcpu);

#if KAS_HOST_AT_LEAST(6, 12)
#define KAS_SYM_RESET_VCPU	"kvm_reset_vcpu"
typedef void (*kas_compat_reset_vcpu_fn)(struct kvm_vcpu *vcpu);

static inline int kas_compat_reset_vcpu(void *fn, struct kvm_vcpu *vcpu)
{
	((kas_compat_reset_vcpu_fn)fn)(vcpu);
	return 0;
}

static inline void kas_compat_reset_vcpu_target(struct kvm_vcpu *vcpu)
{
	kas_reset_vcpu_after(vcpu);
}
#else
#if KAS_HOST_AT_LEAST(6, 1)
#define KAS_SYM_RESET_VCPU	"kvm_reset_vcpu"
#else
#define KAS_SYM_RESET_VCPU	NULL
#endif
typedef int (*kas_compat_reset_vcpu_fn)(struct kvm_vcpu *vcpu);

static inline int kas_compat_reset_vcpu(void *fn, struct kvm_vcpu *vcpu)
{
	return ((kas_compat_reset_vcpu_fn)fn)(vcpu);
}

static inline int kas_compat_reset_vcpu_target(struct kvm_vcpu *vcpu)
{
	return kas_reset_vcpu_after(vcpu);
}
#endif

/*
 * Per-VM ID registers, CLIDR and CCSIDR storage: 6.12 keeps them in kernel
 * state the module can set (kvm->arch.id_regs, the vCPU's CLIDR_EL1 and
 * ccsidr array); older hosts compute them on every read (not hooked yet).
 */
#if KAS_HOST_AT_LEAST(6, 12)
#define KAS_SYM_SYS_REG_SET	"kvm_arm_sys_reg_set_reg"
#define KAS_COMPAT_IDREGS	1

static inline bool kas_compat_id_regs_ready(struct kvm *kvm)
{
	return test_bit(KVM_ARCH_FLAG_ID_REGS_INITIALIZED, &kvm->arch.flags);
}

/* The VM's ID register @id (ID space: Op0 3, Op1 0, CRn 0, CRm 1..7). */
static inline u64 *kas_compat_vm_id_reg(struct kvm *kvm, u64 id)
{
	return &kvm->arch.id_regs[IDREG_IDX(kas_compat_enc(id))];
}

/* 7.3's __vcpu_sys_reg() is an rvalue; __ctxt_sys_reg() is the storage. */
static inline u64 *kas_compat_vcpu_clidr(struct kvm_vcpu *vcpu)
{
#if KAS_HOST_AT_LEAST(7, 3)
	return __ctxt_sys_reg(&vcpu->arch.ctxt, CLIDR_EL1);
#else
	return &__vcpu_sys_reg(vcpu, CLIDR_EL1);
#endif
}

static inline u32 **kas_compat_vcpu_ccsidr(struct kvm_vcpu *vcpu)
{
	return &vcpu->arch.ccsidr;
}

static inline u64 kas_compat_vm_ctr(struct kvm *kvm)
{
	return kvm->arch.ctr_el0;
}

/*
 * The guest's trapped ID register and CTR_EL0 reads: access_id_reg(vcpu,
 * params, desc); its struct sys_reg_params is private
 * (arch/arm64/kvm/sys_regs.h), spelled out here.
 */
#define KAS_SYM_ACCESS_ID_REG	"access_id_reg"
#define KAS_SYM_ACCESS_CCSIDR	"access_ccsidr"
/*
 * The guest's trapped PMCR_EL0 accesses, same prototype: static, but in
 * the register table, so never inlined.
 */
#define KAS_SYM_ACCESS_PMCR	"access_pmcr"

struct kas_compat_sys_reg_params {
	u8 op0, op1, crn, crm, op2;	/* Op0, Op1, CRn, CRm, Op2 */
	u64 regval;
	bool is_write;
};

static inline u32 kas_compat_params_enc(const struct kas_compat_sys_reg_params *p)
{
	return sys_reg(p->op0, p->op1, p->crn, p->crm, p->op2);
}

/*
 * The guest's CSSELR_EL1, as vcpu_read_sys_reg() (not exported) finds it:
 * in memory. Its accesses always trap on 6.12, so VHE never loads it into
 * the CPU (it is not in __vcpu_read_sys_reg_from_cpu()).
 */
static inline u64 kas_compat_vcpu_csselr(struct kvm_vcpu *vcpu)
{
	return __vcpu_sys_reg(vcpu, CSSELR_EL1);
}

/* Whether 5.10 and 6.1 would trap CTR_EL0 (HCR_EL2.TID2) for @vcpu. */
static inline bool kas_compat_old_traps_ctr(struct kvm_vcpu *vcpu)
{
	return cpus_have_final_cap(ARM64_MISMATCHED_CACHE_TYPE) || vcpu_el1_is_32bit(vcpu);
}
#else
#define KAS_SYM_SYS_REG_SET	NULL
#define KAS_SYM_ACCESS_ID_REG	NULL
#define KAS_SYM_ACCESS_CCSIDR	NULL
#define KAS_SYM_ACCESS_PMCR	NULL
#define KAS_COMPAT_IDREGS	0
#endif

/*
 * 6.1 computes ID registers on every read (read_id_reg(vcpu, rd)), for the
 * guest's trapped reads, GET_ONE_REG and the exact-match check of
 * SET_ONE_REG alike: redirecting it gives a VM one consistent value. Its
 * struct sys_reg_desc is private (arch/arm64/kvm/sys_regs.h); the leading
 * fields, which are all this reads, are spelled out here.
 */
#if KAS_HOST_MAJOR == 6 && KAS_HOST_MINOR == 1
#define KAS_SYM_READ_ID_REG	"read_id_reg"
#define KAS_COMPAT_READ_ID_REG	1

struct kas_compat_sys_reg_desc {
	const char *name;
	int aarch32_map;
	u8 op0, op1, crn, crm, op2;	/* Op0, Op1, CRn, CRm, Op2 */
};

/* KVM_{GET,SET}_ONE_REG id of a 6.1 struct sys_reg_desc. */
static inline u64 kas_compat_desc_id(const void *rd)
{
	const struct kas_compat_sys_reg_desc *r = rd;

	return KAS_SYSREG(r->op0, r->op1, r->crn, r->crm, r->op2);
}
#else
#define KAS_SYM_READ_ID_REG	NULL
#define KAS_COMPAT_READ_ID_REG	0
#endif

/*
 * The ftrace redirect (hooks.c). Every fleet kernel patches a BL to
 * ftrace's trampoline at the function's second instruction (gcc's
 * -fpatchable-function-entry=2; Debian's gcc kernels have no BTI), and the
 * trampoline returns to the pc saved in its frame, so a callback that
 * rewrites that pc redirects the call, as livepatch does. 5.10 and 6.1 save
 * a full struct pt_regs (SAVE_REGS) and pass it; 6.12 and 7.3 save only
 * the argument registers, fp, lr, sp and pc (WITH_ARGS, where SAVE_REGS is
 * refused with EINVAL), which the callback copies into a struct pt_regs
 * for the handlers and copies back. PERMANENT: while the module is loaded,
 * ftrace cannot be switched off (sysctl kernel.ftrace_enabled), which would
 * silently stop every redirect.
 */
#include <linux/ftrace.h>

/* The ftrace site of the function at @sym: the BL after its first NOP. */
#define KAS_FTRACE_SITE(sym)	((unsigned long)(sym) + AARCH64_INSN_SIZE)

#ifdef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#define KAS_FTRACE_FLAGS	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
				 FTRACE_OPS_FL_PERMANENT)
#else
#define KAS_FTRACE_FLAGS	(FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT)
#endif

#if KAS_HOST_MAJOR < 6
/* 5.10 passes the saved struct pt_regs itself. */
#define KAS_FREGS	struct pt_regs

static __always_inline struct pt_regs *kas_fregs_regs(KAS_FREGS *f, struct pt_regs *scratch)
{
	return f;
}

static __always_inline void kas_fregs_commit(KAS_FREGS *f, const struct pt_regs *regs)
{
}

/*
 * 5.10 exports no ftrace_free_filter(): removing the last address empties
 * the filter, which frees it (what 5.10's livepatch does).
 */
static inline void kas_ftrace_free_filter(struct ftrace_ops *ops, const unsigned long *ips,
					  unsigned int n)
{
	while (n--)
		ftrace_set_filter_ip(ops, ips[n], 1, 0);
}

/* One site at a time (no ftrace_set_filter_ips() on 5.10), all or none. */
static inline int kas_ftrace_filter(struct ftrace_ops *ops, unsigned long *ips,
				    unsigned int n, int remove)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = ftrace_set_filter_ip(ops, ips[i], remove, 0);
	if (ret)
		for (i--; i--; )
			ftrace_set_filter_ip(ops, ips[i], !remove, 0);
	return ret;
}
#else
#define KAS_FREGS	struct ftrace_regs

#ifdef CONFIG_DYNAMIC_FTRACE_WITH_REGS
/* 6.1: a full struct pt_regs inside the struct ftrace_regs. */
static __always_inline struct pt_regs *kas_fregs_regs(KAS_FREGS *f, struct pt_regs *scratch)
{
	return ftrace_get_regs(f);
}

static __always_inline void kas_fregs_commit(KAS_FREGS *f, const struct pt_regs *regs)
{
}
#else
/* 6.12, 7.3: the handlers' registers are a copy. */
static __always_inline struct pt_regs *kas_fregs_regs(KAS_FREGS *f, struct pt_regs *scratch)
{
	return ftrace_partial_regs(f, scratch);
}

/* What a handler may change: the pc and, returning at once, x0. */
static __always_inline void kas_fregs_commit(KAS_FREGS *f, const struct pt_regs *regs)
{
	ftrace_regs_set_instruction_pointer(f, regs->pc);
	ftrace_regs_set_return_value(f, regs->regs[0]);
}
#endif

static inline void kas_ftrace_free_filter(struct ftrace_ops *ops, const unsigned long *ips,
					  unsigned int n)
{
	ftrace_free_filter(ops);
}

/*
 * Add (remove) @n sites to (from) @ops's filter in one update: each update
 * of a registered ops walks every ftrace record of the kernel.
 */
static inline int kas_ftrace_filter(struct ftrace_ops *ops, unsigned long *ips,
				    unsigned int n, int remove)
{
	return ftrace_set_filter_ips(ops, ips, n, remove, 0);
}
#endif

/*
 * The handlers' copy of the registers (6.12, 7.3) is filled before use, as
 * far as they read it: not worth zeroing (INIT_STACK_ALL_ZERO) per call.
 */
#ifndef __uninitialized
#define __uninitialized
#endif

#endif /* !KAS_REFUSED */

#endif /* KAS_COMPAT_H */
