// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of module/caps_policy.c: the capabilities and VM ioctls
 * each level's kernel has, and the answers the module gives from them.
 */
#include "../lib/tap.h"
#include "caps_policy.h"

#define L(a, b) KVM_ABI_SHIM_LEVEL(a, b)
#define IOC(nr)	(0xc0000000u | 16u << 16 | KAS_KVMIO << 8 | (nr))

static bool hidden(u64 level, u64 host, long cap)
{
	long v = -1;

	return kas_cap_answer(level, host, cap, 0, &v) && v == 0;
}

int main(void)
{
	unsigned int i, sorted = 1;
	long v = 0;

	tap_header("unit: VM capabilities and VM ioctls per level");
	for (i = 1; i < kas_nr_caps_since; i++)
		sorted &= kas_caps_since[i - 1].nr < kas_caps_since[i].nr;
	tap_ok(sorted, "the capability table is sorted by number, no duplicates");
	tap_ok(!kas_cap_answer(0, L(7, 3), KAS_CAP_COUNTER_OFFSET, 0, &v) &&
	       !kas_cap_answer(L(7, 3), L(7, 3), 251, 0, &v) &&
	       !kas_cap_answer(L(6, 12), L(6, 12), KAS_CAP_COUNTER_OFFSET, 0, &v) &&
	       !kas_cap_answer(L(6, 5), L(7, 3), KAS_CAP_COUNTER_OFFSET, 0, &v),
	       "native, the host's own level and unknown levels: the kernel answers");
	tap_ok(hidden(L(5, 10), L(6, 1), KAS_CAP_ARM_MTE) &&
	       hidden(L(5, 10), L(6, 1), KAS_CAP_ARM_SYSTEM_SUSPEND) &&
	       !kas_cap_answer(L(6, 1), L(6, 12), KAS_CAP_ARM_MTE, 0, &v),
	       "MTE and SYSTEM_SUSPEND: hidden at 5.10 only");
	tap_ok(hidden(L(6, 1), L(6, 12), KAS_CAP_COUNTER_OFFSET) &&
	       hidden(L(5, 10), L(7, 3), KAS_CAP_COUNTER_OFFSET) &&
	       !kas_cap_answer(L(6, 12), L(7, 3), KAS_CAP_COUNTER_OFFSET, 0, &v),
	       "COUNTER_OFFSET: hidden at 5.10 and 6.1");
	tap_ok(hidden(L(6, 12), L(7, 3), 234) && hidden(L(6, 12), L(7, 3), 251) &&
	       hidden(L(6, 12), L(7, 3), 239), "7.3's new capabilities hidden at 6.12");
	tap_ok(!kas_cap_answer(L(5, 10), L(7, 3), 170, 0, &v) &&
	       !kas_cap_answer(L(5, 10), L(7, 3), 187, 0, &v),
	       "SVE and STEAL_TIME: every level has them, the kernel answers");
	v = 0;
	tap_ok(kas_cap_answer(L(5, 10), L(6, 12), KAS_CAP_NR_MEMSLOTS, 0, &v) && v == 512 &&
	       !kas_cap_answer(L(6, 1), L(6, 12), KAS_CAP_NR_MEMSLOTS, 0, &v),
	       "NR_MEMSLOTS is 512 at 5.10, the kernel's at 6.1");
	v = 0;
	tap_ok(kas_cap_answer(L(6, 1), L(7, 3), KAS_CAP_ARM_VM_IPA_SIZE, 48, &v) && v == 48 &&
	       kas_cap_answer(L(5, 10), L(6, 12), KAS_CAP_ARM_VM_IPA_SIZE, 44, &v) && v == 44 &&
	       !kas_cap_answer(L(6, 12), L(7, 3), KAS_CAP_ARM_VM_IPA_SIZE, 48, &v) &&
	       !kas_cap_answer(L(5, 10), L(6, 1), KAS_CAP_ARM_VM_IPA_SIZE, 0, &v),
	       "VM_IPA_SIZE: the pre-LPA2 limit below 6.12, the kernel's where it is the same");
	tap_ok(!kas_cap_answer(L(5, 10), L(6, 12), -1, 0, &v) &&
	       !kas_cap_answer(L(5, 10), L(6, 12), 0x10000 + KAS_CAP_ARM_MTE, 0, &v),
	       "out-of-range capability numbers: the kernel answers");
	tap_ok(kas_vm_ioctl_absent(L(5, 10), L(6, 1), IOC(KAS_IOC_NR_MTE_COPY_TAGS)) &&
	       !kas_vm_ioctl_absent(L(6, 1), L(6, 12), IOC(KAS_IOC_NR_MTE_COPY_TAGS)),
	       "MTE_COPY_TAGS absent at 5.10 only");
	tap_ok(kas_vm_ioctl_absent(L(6, 1), L(7, 3), IOC(KAS_IOC_NR_SET_COUNTER_OFFSET)) &&
	       kas_vm_ioctl_absent(L(5, 10), L(6, 12), IOC(KAS_IOC_NR_GET_REG_WRITABLE_MASKS)) &&
	       !kas_vm_ioctl_absent(L(6, 12), L(7, 3), IOC(KAS_IOC_NR_SET_COUNTER_OFFSET)) &&
	       !kas_vm_ioctl_absent(0, L(7, 3), IOC(KAS_IOC_NR_SET_COUNTER_OFFSET)),
	       "SET_COUNTER_OFFSET and GET_REG_WRITABLE_MASKS absent below 6.12");
	tap_ok(kas_vm_ioctl_checked(IOC(0xb4)) && kas_vm_ioctl_checked(IOC(0xb6)) &&
	       !kas_vm_ioctl_checked(IOC(0xb3)) && !kas_vm_ioctl_checked(IOC(0xb7)) &&
	       !kas_vm_ioctl_checked((0x12u << 8) | 0xb5),
	       "only KVM's 0xb4-0xb6 are looked at on the VM ioctl path");
	tap_ok(!kas_vm_ioctl_absent(L(5, 10), L(6, 12), (0x12u << 8) | KAS_IOC_NR_SET_COUNTER_OFFSET),
	       "another driver's ioctl with the same number is not KVM's");
	tap_ok(kas_vm_attr_absent(L(5, 10), L(6, 12)) && kas_vm_attr_absent(L(6, 1), L(7, 3)) &&
	       !kas_vm_attr_absent(L(6, 12), L(7, 3)) && !kas_vm_attr_absent(0, L(7, 3)) &&
	       !kas_vm_attr_absent(L(6, 1), L(6, 1)),
	       "VM device attributes (SMCCC filter) absent below 6.12");
	tap_ok(kas_timer_attr_absent(L(5, 10), L(6, 12), KAS_TIMER_IRQ_HVTIMER) &&
	       kas_timer_attr_absent(L(6, 1), L(7, 3), KAS_TIMER_IRQ_HPTIMER) &&
	       !kas_timer_attr_absent(L(6, 1), L(7, 3), 0) &&
	       !kas_timer_attr_absent(L(6, 1), L(7, 3), 1) &&
	       !kas_timer_attr_absent(L(6, 12), L(7, 3), KAS_TIMER_IRQ_HVTIMER) &&
	       !kas_timer_attr_absent(0, L(7, 3), KAS_TIMER_IRQ_HVTIMER),
	       "EL2 timer attributes absent at 5.10 and 6.1 only; EL1 timers everywhere");
	tap_ok(kas_timer_set_510(false, true, 5, true) == -EINVAL &&
	       kas_timer_set_510(true, true, 26, true) == -EFAULT &&
	       kas_timer_set_510(true, false, 15, false) == -EINVAL &&
	       kas_timer_set_510(true, false, 32, false) == -EINVAL &&
	       kas_timer_set_510(true, false, 16, true) == -EBUSY &&
	       kas_timer_set_510(true, false, 31, false) == -ENXIO,
	       "SET of an EL2 timer at 5.10/6.1: no vGIC, fault, not a PPI, ran, then ENXIO");
	return tap_finish();
}
