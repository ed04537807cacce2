// SPDX-License-Identifier: GPL-2.0
/*
 * caps_policy.c - VM capabilities and VM ioctls per level: what
 * KVM_CHECK_EXTENSION and KVM_ENABLE_CAP on a VM, and the arm64 VM ioctls,
 * answer at a level older than the running kernel.
 */
#include "caps_policy.h"

#define L(maj, min)	KVM_ABI_SHIM_LEVEL(maj, min)

/*
 * From the kernels' sources (arm.c kvm_vm_ioctl_check_extension(),
 * kvm_main.c kvm_vm_ioctl_check_extension_generic()): the capabilities
 * that answer nonzero on a newer kernel and 0 on an older one. Every one a
 * VMM can enable is among them, so an older level's refusal to enable it
 * (EINVAL) follows from the same table; the generic dirty-ring enables
 * ask the same question first.
 */
const struct kas_since kas_caps_since[] = {
	{ 195, L(6, 1), "KVM_CAP_SET_GUEST_DEBUG2" },
	{ 198, L(6, 1), "KVM_CAP_PTP_KVM" },
	{ 203, L(6, 1), "KVM_CAP_BINARY_STATS_FD" },
	{ KAS_CAP_ARM_MTE, L(6, 1), "KVM_CAP_ARM_MTE" },
	{ 215, L(6, 1), "KVM_CAP_SYSTEM_EVENT_DATA" },
	{ KAS_CAP_ARM_SYSTEM_SUSPEND, L(6, 1), "KVM_CAP_ARM_SYSTEM_SUSPEND" },
	{ 223, L(6, 12), "KVM_CAP_DIRTY_LOG_RING_ACQ_REL" },
	{ 225, L(6, 12), "KVM_CAP_DIRTY_LOG_RING_WITH_BITMAP" },
	{ KAS_CAP_COUNTER_OFFSET, L(6, 12), "KVM_CAP_COUNTER_OFFSET" },
	{ 228, L(6, 12), "KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE" },
	{ 229, L(6, 12), "KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES" },
	{ 230, L(6, 12), "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES" },
	{ 231, L(6, 12), "KVM_CAP_USER_MEMORY2" },
	{ 234, L(7, 3), "KVM_CAP_GUEST_MEMFD" },
	{ 239, L(7, 3), "KVM_CAP_ARM_WRITABLE_IMP_ID_REGS" },
	{ 240, L(7, 3), "KVM_CAP_ARM_EL2" },
	{ 241, L(7, 3), "KVM_CAP_ARM_EL2_E2H0" },
	{ 243, L(7, 3), "KVM_CAP_ARM_CACHEABLE_PFNMAP_SUPPORTED" },
	{ 244, L(7, 3), "KVM_CAP_GUEST_MEMFD_FLAGS" },
	{ 245, L(7, 3), "KVM_CAP_ARM_SEA_TO_USER" },
	{ 251, L(7, 3), "KVM_CAP_ARM_PMU_V3_STRICT" },
};

const unsigned int kas_nr_caps_since = ARRAY_SIZE(kas_caps_since);

/* arm64 VM ioctls (arm.c kvm_arch_vm_ioctl()); older kernels say EINVAL. */
const struct kas_since kas_vm_ioctls_since[] = {
	{ KAS_IOC_NR_MTE_COPY_TAGS, L(6, 1), "KVM_ARM_MTE_COPY_TAGS" },
	{ KAS_IOC_NR_SET_COUNTER_OFFSET, L(6, 12), "KVM_ARM_SET_COUNTER_OFFSET" },
	{ KAS_IOC_NR_GET_REG_WRITABLE_MASKS, L(6, 12), "KVM_ARM_GET_REG_WRITABLE_MASKS" },
};

const unsigned int kas_nr_vm_ioctls_since = ARRAY_SIZE(kas_vm_ioctls_since);

static bool kas_absent(const struct kas_since *t, unsigned int n, unsigned int nr, u64 level)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (t[i].nr == nr)
			return level < t[i].since;
	return false;
}

/**
 * kas_caps_differ() - do a VM's capabilities and VM ioctls differ here?
 * @level: the VM's level
 * @host_level: the running kernel's level
 *
 * Return: true for a fleet level below the running kernel.
 */
bool kas_caps_differ(u64 level, u64 host_level)
{
	return kas_level_find(level) && level < host_level;
}

/**
 * kas_cap_answer() - KVM_CHECK_EXTENSION on a VM at @level
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @cap: the capability asked
 * @ipa_pre_lpa2: the IPA size limit 5.10 and 6.1 have on this host, 0 if
 *                it is the running kernel's
 * @val: set to the answer when the level decides it
 *
 * Return: true if @val is the answer (0 for a capability the level's
 * kernel lacks; 5.10's memory slot limit; the IPA limit before 6.12),
 * false to let the kernel answer.
 */
bool kas_cap_answer(u64 level, u64 host_level, long cap, u32 ipa_pre_lpa2, long *val)
{
	if (!kas_caps_differ(level, host_level) || cap < 0 || cap > 0xffff)
		return false;
	if (cap == KAS_CAP_NR_MEMSLOTS && level < L(6, 1)) {
		*val = KAS_NR_MEMSLOTS_5_10;
		return true;
	}
	if (cap == KAS_CAP_ARM_VM_IPA_SIZE && level < L(6, 12) && ipa_pre_lpa2) {
		*val = ipa_pre_lpa2;
		return true;
	}
	if (!kas_absent(kas_caps_since, kas_nr_caps_since, cap, level))
		return false;
	*val = 0;
	return true;
}

/**
 * kas_vm_ioctl_checked() - might a VM's level lack this VM ioctl?
 * @ioctl: the ioctl number
 *
 * A cheap range test for the probe on every VM ioctl.
 *
 * Return: true for the arm64 VM ioctls some fleet kernel lacks.
 */
bool kas_vm_ioctl_checked(unsigned int ioctl)
{
	unsigned int nr = ioctl & 0xff;

	return ((ioctl >> 8) & 0xff) == KAS_KVMIO && nr >= KAS_IOC_NR_MTE_COPY_TAGS &&
	       nr <= KAS_IOC_NR_GET_REG_WRITABLE_MASKS;
}

/**
 * kas_vm_ioctl_absent() - does a VM at @level lack this arm64 VM ioctl?
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @ioctl: the ioctl number
 *
 * Return: true if the level's kernel has no such ioctl (it says EINVAL).
 */
bool kas_vm_ioctl_absent(u64 level, u64 host_level, unsigned int ioctl)
{
	if (!kas_caps_differ(level, host_level) || ((ioctl >> 8) & 0xff) != KAS_KVMIO)
		return false;
	return kas_absent(kas_vm_ioctls_since, kas_nr_vm_ioctls_since, ioctl & 0xff, level);
}

/**
 * kas_vm_attr_absent() - does a VM at @level lack the VM device attributes?
 * @level: the VM's level
 * @host_level: the running kernel's level
 *
 * KVM_{HAS,SET}_DEVICE_ATTR on the VM (the SMCCC filter) came with 6.4;
 * older kernels say EINVAL. The module's own group is not affected.
 *
 * Return: true if the level's kernel has no VM device attributes.
 */
bool kas_vm_attr_absent(u64 level, u64 host_level)
{
	return kas_caps_differ(level, host_level) && level < L(6, 12);
}

/**
 * kas_timer_attr_absent() - does a vCPU at @level lack this timer attribute?
 * @level: the VM's level
 * @host_level: the running kernel's level
 * @attr: the attribute in group KVM_ARM_VCPU_TIMER_CTRL
 *
 * The EL2 timers' interrupts came with nested virtualization (6.12 among
 * the fleet); older kernels say ENXIO for them.
 *
 * Return: true if the level's kernel has no such attribute.
 */
bool kas_timer_attr_absent(u64 level, u64 host_level, u64 attr)
{
	return kas_caps_differ(level, host_level) && level < L(6, 12) &&
	       (attr == KAS_TIMER_IRQ_HVTIMER || attr == KAS_TIMER_IRQ_HPTIMER);
}

/**
 * kas_timer_set_510() - KVM_SET_DEVICE_ATTR of an EL2 timer's interrupt,
 *                       as 5.10 and 6.1 answer it
 * @irqchip: the VM has an in-kernel vGIC
 * @fault: the interrupt number could not be read
 * @irq: the interrupt number
 * @enabled: the vCPU's timer is enabled (it has run)
 *
 * They check the argument before the attribute (arch_timer.c).
 *
 * Return: the errno they return; never 0.
 */
int kas_timer_set_510(bool irqchip, bool fault, int irq, bool enabled)
{
	if (!irqchip)
		return -EINVAL;
	if (fault)
		return -EFAULT;
	if (irq < 16 || irq >= 32)	/* not a PPI */
		return -EINVAL;
	if (enabled)
		return -EBUSY;
	return -ENXIO;
}

#undef L
