// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - per-VM state: created with the VM (kvm_arch_init_vm), freed with
 * it (kvm_arch_destroy_vm), found in O(1) from a struct kvm * however many
 * VMs live (a resizable hash table).
 *
 * Lookups run under RCU (from probe handlers) or while the caller holds the
 * VM's file (ioctls): the VM cannot be destroyed under either. Insert and
 * remove take kas_vms_lock; entries are freed after a grace period.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/rhashtable.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "compat/compat.h"
#include "hooks.h"
#include "kas.h"
#include "vgic_policy.h"
#include "vm.h"

/*
 * Every hooked call looks its VM up: a multiplicative hash of the pointer
 * and a pointer comparison, inlined, rather than jhash2 and memcmp().
 */
static u32 kas_vm_hash(const void *key, u32 len, u32 seed)
{
	return hash_64((unsigned long)*(struct kvm *const *)key ^ seed, 32);
}

static int kas_vm_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	return ((const struct kas_vm *)obj)->kvm != *(struct kvm *const *)arg->key;
}

static const struct rhashtable_params kas_vm_params = {
	.key_len = sizeof(struct kvm *),
	.key_offset = offsetof(struct kas_vm, kvm),
	.head_offset = offsetof(struct kas_vm, node),
	.hashfn = kas_vm_hash,
	.obj_cmpfn = kas_vm_cmp,
	.automatic_shrinking = true,
};

static struct rhashtable kas_vms;
static DEFINE_SPINLOCK(kas_vms_lock);
static atomic64_t kas_vm_seq = ATOMIC64_INIT(0);
static atomic64_t kas_vm_allocs = ATOMIC64_INIT(0);
static atomic64_t kas_vm_frees = ATOMIC64_INIT(0);
/* Entries of VMs whose destruction was not seen (kprobes disarmed). */
static atomic64_t kas_vm_stale = ATOMIC64_INIT(0);
/* Watchdog ticks that found the probes disarmed. */
static atomic64_t kas_disarmed_ticks = ATOMIC64_INIT(0);
/* Where the destroy hook's hits went: a VM's end lost shows here. */
static atomic64_t kas_destroys[KAS_DESTROY_NR];
static struct dentry *kas_debugfs;

/**
 * kas_vm_alloc() - allocate state for a VM about to be created
 *
 * Process context. Allocation happens before the VM exists so that a
 * failure refuses the VM instead of leaving it without state.
 *
 * Return: zeroed state, or NULL.
 */
struct kas_vm *kas_vm_alloc(void)
{
	struct kas_vm *v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);

	if (v) {
		/*
		 * Softirq-safe: the last free (xa_destroy) runs in an RCU
		 * callback, so every writer takes the lock with softirqs off.
		 */
		xa_init_flags(&v->vcpus, XA_FLAGS_LOCK_BH);
		atomic64_inc(&kas_vm_allocs);
	}
	return v;
}

/**
 * kas_vm_init() - make the VM table
 *
 * Return: 0 or -ENOMEM.
 */
int kas_vm_init(void)
{
	return rhashtable_init(&kas_vms, &kas_vm_params);
}

/* The VM is gone: nothing else can reach @v's per-vCPU storage. */
static void kas_vm_destroy(struct kas_vm *v)
{
	struct kas_vcpu *c;
	unsigned long idx;

	xa_for_each(&v->vcpus, idx, c)
		kas_vcpu_free(c);
	xa_destroy(&v->vcpus);
	kfree(v);
}

static void kas_vm_free_rcu(struct rcu_head *head)
{
	kas_vm_destroy(container_of(head, struct kas_vm, rcu));
}

/**
 * kas_vm_free() - free state that was never inserted
 * @v: state from kas_vm_alloc()
 */
void kas_vm_free(struct kas_vm *v)
{
	atomic64_inc(&kas_vm_frees);
	kfree(v);
}

static void kas_vm_unlink(struct kas_vm *v);

/**
 * kas_vm_insert() - publish state for a VM being created
 * @v: state from kas_vm_alloc()
 * @kvm: the VM, allocated and not yet initialised by the kernel
 * @level: its initial level (the operator default)
 * @rev_req: its initial IIDR revision request (the operator default)
 *
 * A VM that needs the module takes a module reference; if the module is
 * going away the VM stays native instead, since it has not run yet.
 *
 * Return: 0, or -ENOMEM (the table could not grow; @v is not published).
 */
int kas_vm_insert(struct kas_vm *v, struct kvm *kvm, u64 level,
		  unsigned int rev_req)
{
	struct kas_vm *old;
	int ret;

	v->kvm = kvm;
	v->id = atomic64_inc_return(&kas_vm_seq);
	v->owner = task_tgid_nr(current);
	if (kas_vm_update(v, level, rev_req))
		kas_vm_update(v, KVM_ABI_SHIM_LEVEL_NATIVE, 0);
	spin_lock(&kas_vms_lock);
	/*
	 * The kernel has just allocated @kvm: an entry with that address
	 * belongs to a VM whose destruction we did not see. Never let the
	 * new VM inherit it.
	 */
	old = rhashtable_lookup_fast(&kas_vms, &kvm, kas_vm_params);
	if (old)
		kas_vm_unlink(old);
	ret = rhashtable_insert_fast(&kas_vms, &v->node, kas_vm_params);
	spin_unlock(&kas_vms_lock);
	if (old) {
		atomic64_inc(&kas_vm_stale);
		pr_warn_ratelimited("state of a destroyed VM was still listed (its destruction was not seen: kprobes disarmed?); dropped\n");
	}
	if (ret)
		kas_vm_update(v, KVM_ABI_SHIM_LEVEL_NATIVE, 0);
	return ret;
}

/**
 * kas_vm_ran() - a vCPU of @kvm is about to enter the guest for a new task
 * @kvm: the VM
 *
 * Safe in a probe handler. The listing shows this flag of our own rather
 * than reading the VM, whose destruction may have gone unseen.
 */
void kas_vm_ran(struct kvm *kvm)
{
	struct kas_vm *v = kas_vm_lookup(kvm);

	if (v && !READ_ONCE(v->ran))
		WRITE_ONCE(v->ran, true);
}

NOKPROBE_SYMBOL(kas_vm_ran);

/**
 * kas_vm_note_disarmed() - count a watchdog tick that found probes disarmed
 */
void kas_vm_note_disarmed(void)
{
	atomic64_inc(&kas_disarmed_ticks);
}

/**
 * kas_vm_note_destroy() - count a hit of the destroy hook by its outcome
 * @how: what the hook did
 *
 * Safe in a probe handler.
 */
void kas_vm_note_destroy(enum kas_destroy_how how)
{
	atomic64_inc(&kas_destroys[how]);
}

NOKPROBE_SYMBOL(kas_vm_note_destroy);

/**
 * kas_vm_lookup() - find a VM's state
 * @kvm: the VM
 *
 * Caller holds rcu_read_lock() or a reference that keeps @kvm alive (the
 * entry of a live VM is never freed). The walk itself is an RCU reader:
 * other VMs' entries on the same chain may go meanwhile.
 *
 * Return: the state, or NULL for a VM created before the module loaded.
 */
struct kas_vm *kas_vm_lookup(struct kvm *kvm)
{
	return rhashtable_lookup_fast(&kas_vms, &kvm, kas_vm_params);
}

NOKPROBE_SYMBOL(kas_vm_lookup);

/**
 * kas_vm_level() - a VM's level
 * @kvm: the VM, or NULL (/dev/kvm knows no VM); as for kas_vm_lookup()
 *
 * Return: the level; native for NULL or a VM created before the module.
 */
u64 kas_vm_level(struct kvm *kvm)
{
	struct kas_vm *v = kvm ? kas_vm_lookup(kvm) : NULL;

	return v ? READ_ONCE(v->level) : KVM_ABI_SHIM_LEVEL_NATIVE;
}

NOKPROBE_SYMBOL(kas_vm_level);

static void kas_vm_unlink(struct kas_vm *v)
{
	rhashtable_remove_fast(&kas_vms, &v->node, kas_vm_params);
	kas_hooks_put(v->hooks);
	if (v->pinned)
		module_put(THIS_MODULE);
	atomic64_inc(&kas_vm_frees);
	call_rcu(&v->rcu, kas_vm_free_rcu);
}

/**
 * kas_vm_remove() - drop a VM's state as the VM is destroyed
 * @kvm: the VM
 *
 * Process context, before the kernel frees the VM.
 *
 * Return: true if the module had an entry for @kvm.
 */
bool kas_vm_remove(struct kvm *kvm)
{
	struct kas_vm *v;

	spin_lock(&kas_vms_lock);
	v = kas_vm_lookup(kvm);
	if (v)
		kas_vm_unlink(v);
	spin_unlock(&kas_vms_lock);
	return v;
}

static void kas_vm_free_left(void *ptr, void *arg)
{
	atomic64_inc(&kas_vm_frees);
	kas_vm_destroy(ptr);
}

/**
 * kas_vm_remove_all() - drop every state and the table at module exit
 *
 * Only native VMs can remain (a pinned VM holds a module reference), so
 * forgetting them changes nothing for their guests. No probe can run any
 * more; the frees queued earlier finish before the module's text goes.
 */
void kas_vm_remove_all(void)
{
	rhashtable_free_and_destroy(&kas_vms, kas_vm_free_left, NULL);
	rcu_barrier();
}

/**
 * kas_vm_update() - change the level or requested revision of a VM
 * @v: the VM's state
 * @level: an already validated level
 * @rev_req: an already validated revision request
 *
 * Caller holds v->kvm->lock (or owns @v before publication). Takes or
 * drops the module reference as the VM starts or stops needing the
 * module. Safe in a probe handler.
 *
 * Return: 0, or -ENODEV if the module is being unloaded.
 */
int kas_vm_update(struct kas_vm *v, u64 level, unsigned int rev_req)
{
	bool applied = rev_req == v->rev_req && v->rev_applied;
	bool pin = kas_vm_needs_module(level, rev_req, applied);

	if (pin && !v->pinned && !try_module_get(THIS_MODULE))
		return -ENODEV;
	if (!pin && v->pinned)
		module_put(THIS_MODULE);
	v->pinned = pin;
	v->rev_applied = applied;
	WRITE_ONCE(v->level, level);
	WRITE_ONCE(v->rev_req, rev_req);
	return 0;
}

NOKPROBE_SYMBOL(kas_vm_update);

/**
 * kas_vm_rev_applied() - the vGIC now holds the VM's requested revision
 * @v: the VM's state
 *
 * Caller holds v->kvm->lock. A native VM whose revision the kernel keeps
 * by itself (2 or 3) no longer needs the module; until then, unloading
 * would lose the request, so it keeps a module reference.
 */
void kas_vm_rev_applied(struct kas_vm *v)
{
	v->rev_applied = true;
	kas_vm_update(v, v->level, v->rev_req);
}

NOKPROBE_SYMBOL(kas_vm_rev_applied);

static int kas_vms_show(struct seq_file *m, void *unused)
{
	struct rhashtable_iter iter;
	struct kas_vm *v;

	seq_puts(m, "# id pid level iidr_rev ran\n");
	/* Under RCU, no lock: VMs come and go meanwhile at full speed. */
	rhashtable_walk_enter(&kas_vms, &iter);
	rhashtable_walk_start(&iter);
	while ((v = rhashtable_walk_next(&iter))) {
		if (IS_ERR(v)) {
			if (PTR_ERR(v) == -EAGAIN)
				continue;	/* resized: some may repeat */
			break;
		}
		/* Only our own fields: never the VM, which may be gone unseen. */
		seq_printf(m, "%llu %d %s %u %d\n", v->id, v->owner,
			   kas_level_name(READ_ONCE(v->level)),
			   kas_vgic_rev(READ_ONCE(v->level), READ_ONCE(v->rev_req)),
			   READ_ONCE(v->ran));
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kas_vms);

static int kas_stats_show(struct seq_file *m, void *unused)
{
	s64 a = atomic64_read(&kas_vm_allocs), f = atomic64_read(&kas_vm_frees);

	seq_printf(m, "vm_allocs %lld\nvm_frees %lld\nvm_live %lld\nvm_stale_dropped %lld\ndisarmed_ticks %lld\nhooks_armed %u\n",
		   a, f, a - f, (s64)atomic64_read(&kas_vm_stale),
		   (s64)atomic64_read(&kas_disarmed_ticks), kas_hooks_nr_armed());
	seq_printf(m, "destroy_removed %lld\ndestroy_untracked %lld\ndestroy_passthrough %lld\ndestroy_unseen %lld\n",
		   (s64)atomic64_read(&kas_destroys[KAS_DESTROY_REMOVED]),
		   (s64)atomic64_read(&kas_destroys[KAS_DESTROY_UNTRACKED]),
		   (s64)atomic64_read(&kas_destroys[KAS_DESTROY_PASSTHROUGH]),
		   (s64)atomic64_read(&kas_destroys[KAS_DESTROY_UNSEEN]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kas_stats);

/**
 * kas_vm_debugfs_init() - create the operator's read-only view
 *
 * <debugfs>/kvm_abi_shim/vms lists live VMs (id, owner pid, level, whether
 * a vCPU has run); stats counts state allocations for leak checks; hooks
 * lists the hooked functions (kas_hooks_debugfs()). All are root-only and
 * show no kernel pointers.
 *
 * Return: 0 (debugfs failures are not fatal).
 */
int kas_vm_debugfs_init(void)
{
	kas_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("vms", 0400, kas_debugfs, NULL, &kas_vms_fops);
	debugfs_create_file("stats", 0400, kas_debugfs, NULL, &kas_stats_fops);
	kas_hooks_debugfs(kas_debugfs);
	return 0;
}

/**
 * kas_vm_debugfs_exit() - remove the debugfs files
 */
void kas_vm_debugfs_exit(void)
{
	debugfs_remove_recursive(kas_debugfs);
}
