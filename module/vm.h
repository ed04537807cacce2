/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm.h - per-VM state of the module.
 */
#ifndef KAS_VM_H
#define KAS_VM_H

#include <linux/kvm_host.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "reg_policy.h"

/**
 * struct kas_vcpu - what the module keeps for one vCPU of a VM at an older
 *                   level (made at KVM_CREATE_VCPU, reset with the vCPU)
 * @pmu510: the PMU registers level 5.10 has for a vCPU without a PMU
 * @pmcr: PMCR_EL0 of levels 5.10 and 6.1 for a vCPU with a PMU, on
 *        kernels that keep only part of it (kas_reg_pmcr_applies())
 * @kept612: TCR2_EL1, PIRE0_EL1 and PIR_EL1 of level 6.12 where 7.3 hides
 *           them
 * @ccsidr: the 32-bit cache geometry of levels 5.10 and 6.1, handed to KVM
 *          (which frees it) at the vCPU's first reset; NULL once handed
 * @list: the register list KVM_GET_REG_LIST counted, for its copy
 * @list_n: its length, or the error the copy is to return
 * @list_task: the task whose ioctl counted it; NULL when none is kept
 * @regs: the register list, kept from the first KVM_GET_REG_LIST after the
 *        VM has run (the kernel then refuses what would change it) until
 *        the vCPU is reset; NULL when none is kept
 * @regs_n: its length
 */
struct kas_vcpu {
	u64 pmu510[KAS_NR_PMU510];
	u64 pmcr;
	u64 kept612[KAS_NR_KEPT_612];
	u32 *ccsidr;
	u64 *list;
	long list_n;
	const struct task_struct *list_task;
	u64 *regs;
	unsigned int regs_n;
};

/**
 * struct kas_vm - what the module keeps for one VM
 * @node: link in the VM table, keyed by @kvm
 * @rcu: deferred free
 * @kvm: the VM (a key only: never dereferenced after the VM is destroyed)
 * @id: sequence number shown to operators instead of a kernel pointer
 * @owner: thread-group id of the process that created the VM
 * @level: compatibility level; fixed once the VM has a vCPU
 * @rev_req: vGIC IIDR revision requested (attribute, operator default or a
 *           userspace IIDR write), 0 for none
 * @pinned: holds a module reference (unloading would change the guest)
 * @ran: a vCPU has entered the guest (seen by our probe, for the listing)
 * @rev_applied: the vGIC holds @rev_req (given at vGIC init)
 * @fw_bmap: the kernel's own hypercall bitmaps, saved while a level
 *           replaces them
 * @fw_saved: @fw_bmap is valid
 * @idregs_done: the level's ID register values are in the VM (6.12 hosts)
 * @hooks: the demand whose hooks the VM holds armed (kas_hooks_demand(),
 *         kas_hooks_get()), at least that of its level and revision;
 *         released when the entry goes
 * @vcpus: per vCPU (at its vcpu_id), a struct kas_vcpu
 */
struct kas_vm {
	struct rhash_head node;
	struct rcu_head rcu;
	struct kvm *kvm;
	u64 id;
	pid_t owner;
	u64 level;
	unsigned int rev_req;
	bool pinned;
	bool ran;
	bool rev_applied;
	unsigned long fw_bmap[3];
	bool fw_saved;
	bool idregs_done;
	u64 hooks;
	struct xarray vcpus;
};

struct kas_vm *kas_vm_alloc(void);
void kas_vm_free(struct kas_vm *v);
int kas_vm_init(void);
int kas_vm_insert(struct kas_vm *v, struct kvm *kvm, u64 level,
		  unsigned int rev_req);
struct kas_vm *kas_vm_lookup(struct kvm *kvm);
u64 kas_vm_level(struct kvm *kvm);
bool kas_vm_remove(struct kvm *kvm);
void kas_vm_remove_all(void);
void kas_vm_ran(struct kvm *kvm);
void kas_vm_note_disarmed(void);

/**
 * enum kas_destroy_how - what the destroy hook did with a hit (stats)
 * @KAS_DESTROY_REMOVED: redirected; the VM's entry was removed
 * @KAS_DESTROY_UNTRACKED: redirected; no entry (a VM from before the load)
 * @KAS_DESTROY_PASSTHROUGH: the module's own call-through, one per redirect
 * @KAS_DESTROY_UNSEEN: not redirected (the module is going away)
 * @KAS_DESTROY_NR: the number of outcomes
 */
enum kas_destroy_how {
	KAS_DESTROY_REMOVED,
	KAS_DESTROY_UNTRACKED,
	KAS_DESTROY_PASSTHROUGH,
	KAS_DESTROY_UNSEEN,
	KAS_DESTROY_NR,
};

void kas_vm_note_destroy(enum kas_destroy_how how);
int kas_vm_update(struct kas_vm *v, u64 level, unsigned int rev_req);
void kas_vm_rev_applied(struct kas_vm *v);
int kas_vm_debugfs_init(void);
void kas_vm_debugfs_exit(void);

#endif /* KAS_VM_H */
