/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvm_abi_shim.h - VMM contract of the kvm-abi-shim module.
 *
 * The module adds one device-attribute group to the KVM VM file
 * descriptor (KVM_{HAS,GET,SET}_DEVICE_ATTR on the fd returned by
 * KVM_CREATE_VM). A VMM probes it with KVM_HAS_DEVICE_ATTR first: on a host
 * without the module the kernel answers with an error (-EINVAL on 5.10/6.1,
 * -ENXIO on 6.12 and 7.3).
 *
 * See docs/uapi.rst for the full description.
 */
#ifndef _UAPI_LINUX_KVM_ABI_SHIM_H
#define _UAPI_LINUX_KVM_ABI_SHIM_H

#include <linux/const.h>
#include <linux/types.h>

/*
 * Attribute group on the VM fd. Upstream numbers arm64 VM groups densely
 * from 0 (KVM_ARM_VM_SMCCC_CTRL = 0; other architectures stay below 16), so
 * a large sparse value spelling "KABI" keeps clear of them.
 */
#define KVM_ABI_SHIM_GRP		0x4b414249u

/* Attributes of KVM_ABI_SHIM_GRP; attr.addr points to a __u64. */
#define KVM_ABI_SHIM_ATTR_LEVEL		0 /* rw: compatibility level */
#define KVM_ABI_SHIM_ATTR_SUPPORTED	1 /* ro: KVM_ABI_SHIM_LEVEL_BIT_* mask */
#define KVM_ABI_SHIM_ATTR_VERSION	2 /* ro: KVM_ABI_SHIM_IFACE_VERSION */
#define KVM_ABI_SHIM_ATTR_IIDR_REV	3 /* rw: vGIC GICD_IIDR revision, 0..3 */

/* Version of this interface; bumped when attributes are added. */
#define KVM_ABI_SHIM_IFACE_VERSION	2

/*
 * Level encoding: 0 is "native" (no pinning); otherwise the kernel series
 * whose ABI the VM sees, as major << 8 | minor.
 */
#define KVM_ABI_SHIM_LEVEL(major, minor) \
	((((__u64)(major)) << 8) | ((__u64)(minor)))
#define KVM_ABI_SHIM_LEVEL_NATIVE	0
#define KVM_ABI_SHIM_LEVEL_MAJOR(l)	(((l) >> 8) & 0xff)
#define KVM_ABI_SHIM_LEVEL_MINOR(l)	((l) & 0xff)

/* Bits of KVM_ABI_SHIM_ATTR_SUPPORTED, one per level of the fleet. */
#define KVM_ABI_SHIM_LEVEL_BIT_5_10	_BITULL(0)
#define KVM_ABI_SHIM_LEVEL_BIT_6_1	_BITULL(1)
#define KVM_ABI_SHIM_LEVEL_BIT_6_12	_BITULL(2)
#define KVM_ABI_SHIM_LEVEL_BIT_7_3	_BITULL(3)

#endif /* _UAPI_LINUX_KVM_ABI_SHIM_H */
