// SPDX-License-Identifier: GPL-2.0
/*
 * hooks.c - attach and detach the probe table; redirect a probed call to a
 * module function that runs in process context.
 *
 * Kprobe pre-handlers run with preemption disabled. Work that may sleep
 * (user copies, mutexes, GFP_KERNEL) is done by redirecting the probed
 * call: the handler points the PC at a module function with the same
 * prototype and returns 1, so the probed function is entered as if the
 * module function had been called instead. The module function may call
 * the original through kas_hook_orig(); the probe fires again, finds the
 * call-through cookie on the stack (callthru.S) and lets the original run.
 *
 * No handler acts before the module is live: probes fire as soon as they
 * are registered, and a load refused afterwards must leave no VM changed
 * and nothing queued. Every probe goes through one gate, opened by
 * kas_hooks_go_live() once loading can no longer fail.
 *
 * Unload must not free module text while a task may still execute it, and
 * must not wait for a task that may never come back (a VMM's user copy can
 * stall on a userfaultfd or FUSE page). A task in a redirect target holds a
 * module reference, so an unload attempted meanwhile fails at once with
 * EBUSY. On a preemptible kernel a task can also be switched out in the few
 * instructions after it dropped the reference, which synchronize_rcu_tasks()
 * waits for (it waits until every task has switched voluntarily, the way
 * ftrace frees its trampolines).
 *
 * A hook that only some VMs need (those at older levels, or whose vGIC
 * runs at revision 1) is registered disarmed and armed while such a VM
 * lives (kas_hooks_get()), so that a host whose VMs are all native runs
 * the kernel's paths as if the module were absent. Arming patches kernel
 * text and may sleep, so it is done in process context before the VM can
 * see the change (at creation, when its level or revision is set);
 * disarming waits a while after the last such VM went.
 *
 * Two mechanisms redirect. The default is ftrace's (an IPMODIFY ftrace_ops
 * whose callback rewrites the pc the trampoline returns to, as livepatch
 * does): a BL and a few dozen instructions per hit, no exception, and its
 * text patching needs no stop_machine. Kprobes (a BRK exception per hit,
 * two when the original runs) are the fallback where ftrace refuses, e.g.
 * another IPMODIFY owner on the same function or ftrace switched off, and
 * can be chosen at load (hooks=kprobe). Both pass the handlers the same
 * struct pt_regs at the function's entry, so the handlers do not know
 * which one called them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/workqueue.h>
#include <asm/debug-monitors.h>
#include <asm/insn.h>

#include "callthru.h"
#include "compat/compat.h"
#include "hooks.h"
#include "levels.h"
#include "vgic_policy.h"

unsigned long kas_hook_target[KAS_NR_THUNKS];

/* Tasks currently executing a redirect target (module text). */
static atomic_t kas_inflight = ATOMIC_INIT(0);

/* Whether handlers act; see kas_hooks_go_live(). */
static bool kas_live;

/* The attached table, for arming on demand. */
static struct kas_hook *kas_table;
static unsigned int kas_table_n;
/* Demand bits some attached on-demand hook is armed for (fixed once live). */
static u64 kas_demand_bits;
/* Per demand bit: the live VMs that hold the hooks armed for it. */
static atomic_t kas_demand_users[BITS_PER_TYPE(u64)];
/* How long on-demand hooks stay armed after their last VM. */
#define KAS_DISARM_DELAY	(2 * HZ)
/* Serialises arming and disarming. */
static DEFINE_MUTEX(kas_arm_lock);

/* The probes kas_hooks_detach() unregisters together. */
static struct kprobe *kas_detach_list[KAS_NR_THUNKS];
/* ftrace sites armed or disarmed together, and their hooks (kas_arm_lock). */
static unsigned long kas_batch_ips[KAS_NR_THUNKS];
static struct kas_hook *kas_batch[KAS_NR_THUNKS];

/* The mechanism asked for at load (hooks=) and the one in use. */
enum { KAS_HOOKS_AUTO, KAS_HOOKS_FTRACE, KAS_HOOKS_KPROBE };
static const char *const kas_hooks_names[] = { "auto", "ftrace", "kprobe" };
static int kas_hooks_req = KAS_HOOKS_AUTO;
static bool kas_ftrace;

static int kas_hooks_param_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(kas_hooks_names, val);

	if (i < 0)
		return -EINVAL;
	kas_hooks_req = i;
	return 0;
}

static int kas_hooks_param_get(char *buf, const struct kernel_param *kp)
{
	/* Once attached, the one in use. */
	if (kas_table)
		return sysfs_emit(buf, "%s\n", kas_ftrace ? "ftrace" : "kprobe");
	return sysfs_emit(buf, "%s\n", kas_hooks_names[kas_hooks_req]);
}

static const struct kernel_param_ops kas_hooks_param_ops = {
	.set = kas_hooks_param_set,
	.get = kas_hooks_param_get,
};

module_param_cb(hooks, &kas_hooks_param_ops, NULL, 0444);
MODULE_PARM_DESC(hooks, "redirect with ftrace, kprobe, or auto (ftrace, else kprobes); reads back the one in use");

static void kas_ftrace_entry(unsigned long ip, unsigned long parent_ip,
			     struct ftrace_ops *op, KAS_FREGS *fregs);

/* One ops for every ftrace hook: 5.10 and 6.1 walk every ops per hit. */
static struct ftrace_ops kas_fops = {
	.func = kas_ftrace_entry,
	.flags = KAS_FTRACE_FLAGS,
};

static bool kas_fops_on;

/* ftrace site -> hook, open addressing; fixed while kas_fops is registered. */
#define KAS_SITE_BITS	6
static struct kas_hook *kas_site[1 << KAS_SITE_BITS];

static void kas_disarm_idle(struct work_struct *work);
static DECLARE_DELAYED_WORK(kas_disarm_work, kas_disarm_idle);

/**
 * kas_resolve() - the addresses of kernel functions the module calls
 * @syms: their names (global, not exported)
 * @addrs: filled with the addresses, NULL for one missing (logged with
 *         the running kernel)
 * @n: how many
 *
 * Disabled kprobes resolve them, as for the hooks; nothing is armed, and
 * they go together (one RCU grace period, not one each). At most
 * KAS_MAX_RESOLVE (callers check at build time); any beyond stay NULL.
 */
void kas_resolve(const char *const syms[], void *addrs[], unsigned int n)
{
	struct kprobe kp[KAS_MAX_RESOLVE] = { };
	struct kprobe *reg[KAS_MAX_RESOLVE];
	unsigned int i, nr = 0;
	int ret;

	for (i = 0; i < n; i++) {
		addrs[i] = NULL;
		if (i >= KAS_MAX_RESOLVE)
			continue;
		kp[i].symbol_name = syms[i];
		kp[i].flags = KPROBE_FLAG_DISABLED;
		ret = kas_test_fail_hook(syms[i]) ? -ENOENT : register_kprobe(&kp[i]);
		if (ret) {
			pr_warn("cannot find %s on kernel %s (error %d); levels needing it are disabled\n",
				syms[i], init_utsname()->release, ret);
			continue;
		}
		addrs[i] = kp[i].addr;
		reg[nr++] = &kp[i];
	}
	if (nr)
		unregister_kprobes(reg, nr);
}

/**
 * kas_hook_passthrough() - is this hit a call-through from the module?
 * @regs: registers at the probe (function entry, before the prologue)
 *
 * A thunk of callthru.S left the cookie and the callee's address at the
 * callee's entry SP. The link register is not evidence: a kretprobe on the
 * same function replaces it first.
 *
 * Return: true if the caller is this module, i.e. the original must run.
 */
bool kas_hook_passthrough(struct pt_regs *regs)
{
	unsigned long cookie[2];

	if (copy_from_kernel_nofault(cookie, (void *)regs->sp, sizeof(cookie)))
		return false;
	return cookie[0] == KAS_CALL_MAGIC && cookie[1] == instruction_pointer(regs);
}

NOKPROBE_SYMBOL(kas_hook_passthrough);

/**
 * kas_redirect() - continue the probed call in @fn instead
 * @regs: registers at the probe
 * @fn: module function with the probed function's prototype
 *
 * The task holds a module reference until @fn calls kas_redirect_done(),
 * so that an unload attempted meanwhile is refused rather than waiting. A
 * module already going away lets the probed function run unchanged.
 *
 * Return: 1, the pre_handler's "PC changed, do not single-step" result, or
 * 0 (run the probed function) if the module is being unloaded.
 */
int kas_redirect(struct pt_regs *regs, void *fn)
{
	if (!try_module_get(THIS_MODULE))
		return 0;
	atomic_inc(&kas_inflight);
	instruction_pointer_set(regs, (unsigned long)fn);
	return 1;
}

NOKPROBE_SYMBOL(kas_redirect);

/**
 * kas_return() - return @ret from the probed function without running it
 * @regs: registers at the probe (function entry, before the prologue)
 * @ret: the return value
 *
 * x0 = @ret, and the PC at a bare RET (kas_return_stub) rather than at the
 * link register's value as seen here: a tracer that runs after this
 * handler on the same call (ftrace calls every ops on it; kprobes every
 * probe at the address) may still replace the link register with its
 * return hook, which a direct jump to the caller would skip, unbalancing
 * the function-graph tracer's return stack (a panic) or leaking a
 * kretprobe instance. The stub is module text: unload waits for tasks in
 * it (kas_hooks_detach()).
 *
 * Return: 1, the pre_handler's "PC changed" result.
 */
int kas_return(struct pt_regs *regs, unsigned long ret)
{
	regs->regs[0] = ret;
	instruction_pointer_set(regs, (unsigned long)kas_return_stub);
	return 1;
}

NOKPROBE_SYMBOL(kas_return);

/**
 * kas_redirect_done() - a redirect target is about to return
 *
 * Must be the last thing a redirect target does. The few instructions
 * after it are covered by the synchronize_rcu_tasks() in
 * kas_hooks_detach(), also where the task is preempted there.
 */
void kas_redirect_done(void)
{
	atomic_dec(&kas_inflight);
	module_put(THIS_MODULE);
}

/* Every probe's pre_handler: the hook's own, once the module is live. */
static int kas_gate_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kas_hook *h = container_of(p, struct kas_hook, kp);

	/* Pairs with kas_hooks_go_live(): the load's state is visible. */
	if (!smp_load_acquire(&kas_live))
		return 0;
	return h->pre(p, regs);
}

NOKPROBE_SYMBOL(kas_gate_pre);

static void kas_site_add(struct kas_hook *h)
{
	unsigned int i = hash_long(h->fip, KAS_SITE_BITS);

	while (kas_site[i])
		i = (i + 1) & (ARRAY_SIZE(kas_site) - 1);
	kas_site[i] = h;
}

/* The hook whose ftrace site is @ip; at most KAS_NR_THUNKS of 64 slots used. */
static notrace struct kas_hook *kas_site_find(unsigned long ip)
{
	unsigned int i = hash_long(ip, KAS_SITE_BITS);
	struct kas_hook *h;

	while ((h = READ_ONCE(kas_site[i])) && h->fip != ip)
		i = (i + 1) & (ARRAY_SIZE(kas_site) - 1);
	return h;
}

/*
 * Every ftrace hook's callback: the hook's handler, once the module is
 * live, with the registers a kprobe at the function's entry would give
 * it. A handler that returns 1 changed the pc (and maybe x0): the
 * trampoline then returns there instead of into the function.
 */
static notrace void kas_ftrace_entry(unsigned long ip, unsigned long parent_ip,
				     struct ftrace_ops *op, KAS_FREGS *fregs)
{
	struct kas_hook *h = kas_site_find(ip);
	struct pt_regs scratch __uninitialized, *regs;
	unsigned long pc;

	/* Pairs with kas_hooks_go_live(), as in kas_gate_pre(). */
	if (!h || !smp_load_acquire(&kas_live))
		return;
	/* Handlers run as under a kprobe; 6.12 and 7.3 call this preemptible. */
	preempt_disable_notrace();
	regs = kas_fregs_regs(fregs, &scratch);
	pc = instruction_pointer(regs);
	instruction_pointer_set(regs, (unsigned long)h->kp.addr);
	if (h->pre(&h->kp, regs))
		kas_fregs_commit(fregs, regs);
	else
		instruction_pointer_set(regs, pc);
	preempt_enable_notrace();
}

/**
 * kas_hooks_go_live() - let the attached hooks act
 *
 * The last step of a load that can no longer fail. Before it, every probe
 * lets the kernel run unchanged: a VM created while the probes are being
 * attached is native and unknown to the module, as one created before.
 */
void kas_hooks_go_live(void)
{
	/* Publishes everything kas_init() set up before the gate opens. */
	smp_store_release(&kas_live, true);
}

/* The demand that arms an on-demand hook. */
static u64 kas_hook_arms_for(const struct kas_hook *h)
{
	return h->armed_for ?: h->needed_by;
}

static void kas_detach_feature(struct kas_hook *hooks, unsigned int n,
			       unsigned int feature)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (hooks[i].feature != feature || !hooks[i].attached)
			continue;
		/* ftrace: before registration; its disabled kprobe goes at detach. */
		if (kas_ftrace) {
			ftrace_set_filter_ip(&kas_fops, hooks[i].fip, 1, 0);
		} else {
			unregister_kprobe(&hooks[i].kp);
			hooks[i].kp_on = false;
		}
		hooks[i].attached = false;
		WRITE_ONCE(hooks[i].armed, false);
	}
}

/* A hook is in place: its call-through thunk and state. */
static void kas_hook_attached(struct kas_hook *hooks, unsigned int i)
{
	struct kas_hook *h = &hooks[i];

	h->kp_on = true;
	kas_hook_target[i] = (unsigned long)h->kp.addr;
	h->call = kas_thunks[i];
	h->attached = true;
	WRITE_ONCE(h->armed, !h->on_demand);
}

/*
 * A hook's symbol could not be found: a core hook refuses the load (the
 * caller detaches everything), a feature's disables the levels needing it.
 */
static int kas_hook_missing(struct kas_hook *hooks, unsigned int n,
			    struct kas_hook *h, int err, u64 *disabled)
{
	if (!h->feature) {
		pr_err("cannot hook %s on kernel %s (error %d); refusing to load\n",
		       h->symbol, init_utsname()->release, err);
		return err;
	}
	pr_warn("cannot hook %s on kernel %s (error %d); levels needing it are disabled\n",
		h->symbol, init_utsname()->release, err);
	*disabled |= h->needed_by;
	kas_detach_feature(hooks, n, h->feature);
	return 0;
}

/* Unregister every kprobe of the table, together: one RCU grace period. */
static void kas_kprobes_drop(struct kas_hook *hooks, unsigned int n)
{
	unsigned int i, nr = 0;

	for (i = 0; i < n; i++) {
		if (hooks[i].kp_on)
			kas_detach_list[nr++] = &hooks[i].kp;
		hooks[i].kp_on = false;
		hooks[i].attached = false;
		WRITE_ONCE(hooks[i].armed, false);
	}
	if (nr)
		unregister_kprobes(kas_detach_list, nr);
}

/* Empty the ftrace filter and the site table (kas_fops unregistered). */
static void kas_ftrace_drop(struct kas_hook *hooks, unsigned int n)
{
	static unsigned long ips[KAS_NR_THUNKS];
	unsigned int i, nr = 0;

	for (i = 0; i < n; i++) {
		if (hooks[i].attached)
			ips[nr++] = hooks[i].fip;
		hooks[i].attached = false;
		WRITE_ONCE(hooks[i].armed, false);
	}
	kas_ftrace_free_filter(&kas_fops, ips, nr);
	memset(kas_site, 0, sizeof(kas_site));
}

/*
 * Attach with ftrace. Return: 0; or an error with *@fatal set when a core
 * hook's symbol is missing (kprobes would not find it either), else an
 * error of ftrace's, after which nothing is attached.
 */
static int kas_ftrace_attach(struct kas_hook *hooks, unsigned int n, u64 *disabled,
			     bool *fatal)
{
	unsigned int i;
	int ret = 0;

	kas_ftrace = true;
	for (i = 0; i < n && !ret && !*fatal; i++) {
		struct kas_hook *h = &hooks[i];

		if (!h->symbol)
			continue;
		if (h->feature && (*disabled & h->needed_by) == h->needed_by)
			continue;
		/*
		 * A disabled kprobe finds the address, as in kas_resolve(),
		 * and stays until detach: unregistering waits a grace period.
		 */
		memset(&h->kp, 0, sizeof(h->kp));
		h->kp.symbol_name = h->symbol;
		h->kp.flags = KPROBE_FLAG_DISABLED;
		ret = kas_test_fail_hook(h->symbol) ? -ENOENT : register_kprobe(&h->kp);
		if (ret) {
			ret = kas_hook_missing(hooks, n, h, ret, disabled);
			*fatal = ret;
			continue;
		}
		h->kp_on = true;
		h->fip = KAS_FTRACE_SITE(h->kp.addr);
		ret = ftrace_set_filter_ip(&kas_fops, h->fip, 0, 0);
		if (ret) {
			pr_warn("cannot redirect %s with ftrace on kernel %s (error %d)\n",
				h->symbol, init_utsname()->release, ret);
			continue;
		}
		/* Checked now, put in the filter when a VM needs it. */
		if (h->on_demand)
			ftrace_set_filter_ip(&kas_fops, h->fip, 1, 0);
		kas_hook_attached(hooks, i);
		kas_site_add(h);
	}
	if (!ret) {
		/* (The tests' stand-in for another IPMODIFY owner: EBUSY.) */
		ret = kas_test_fail_hook("register_ftrace_function") ? -EBUSY :
		      register_ftrace_function(&kas_fops);
		kas_fops_on = !ret;
		if (ret)
			pr_warn("cannot register the ftrace redirect on kernel %s (error %d)\n",
				init_utsname()->release, ret);
	}
	if (ret) {
		kas_ftrace_drop(hooks, n);
		kas_kprobes_drop(hooks, n);
		kas_ftrace = false;
	}
	return ret;
}

/* Attach with kprobes; return 0 or the error of a core hook. */
static int kas_kprobe_attach(struct kas_hook *hooks, unsigned int n, u64 *disabled)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		struct kas_hook *h = &hooks[i];

		if (!h->symbol)
			continue;	/* not needed on this kernel */
		if (h->feature && (*disabled & h->needed_by) == h->needed_by)
			continue;	/* feature already given up */
		memset(&h->kp, 0, sizeof(h->kp));
		h->kp.symbol_name = h->symbol;
		h->kp.pre_handler = kas_gate_pre;
		if (h->on_demand)
			h->kp.flags = KPROBE_FLAG_DISABLED;
		if (kas_test_fail_hook(h->symbol))
			ret = -ENOENT;
		else
			ret = register_kprobe(&h->kp);
		if (!ret) {
			kas_hook_attached(hooks, i);
			continue;
		}
		ret = kas_hook_missing(hooks, n, h, ret, disabled);
		if (ret) {
			kas_hooks_detach(hooks, n);
			return ret;
		}
	}
	return 0;
}

/**
 * kas_hooks_attach() - attach every hook of the table
 * @hooks: the table
 * @n: its size
 * @disabled: ORed with the level bits of every feature that could not
 *            attach completely
 *
 * With ftrace unless hooks=kprobe was given; where ftrace refuses (and
 * hooks=ftrace was not given), with kprobes, saying so. Core hooks
 * (feature 0) must all attach, else everything is detached and the error
 * returned. A feature attaches all its hooks or none; a missing one is
 * logged once, with its name and the running kernel.
 *
 * Return: 0, or the error of the first core hook that failed (or of
 * ftrace's, with hooks=ftrace).
 */
int kas_hooks_attach(struct kas_hook *hooks, unsigned int n, u64 *disabled)
{
	unsigned int i;
	u64 older = 0;
	int ret;

	if (n > KAS_NR_THUNKS)
		return -E2BIG;
	if (kas_hooks_req != KAS_HOOKS_KPROBE) {
		u64 d = *disabled;
		bool fatal = false;

		ret = kas_ftrace_attach(hooks, n, &d, &fatal);
		if (!ret) {
			*disabled = d;
			goto attached;
		}
		if (fatal || kas_hooks_req == KAS_HOOKS_FTRACE)
			return ret;
		pr_warn("redirecting with kprobes instead of ftrace on kernel %s\n",
			init_utsname()->release);
	}
	ret = kas_kprobe_attach(hooks, n, disabled);
	if (ret)
		return ret;
attached:
	kas_table = hooks;
	kas_table_n = n;
	/* Native and the host's own level never need them. */
	for (i = 0; i < kas_nr_levels; i++)
		if (kas_levels[i].level < KAS_HOST_LEVEL)
			older |= kas_levels[i].bit;
	for (i = 0; i < n; i++)
		if (hooks[i].attached && hooks[i].on_demand)
			kas_demand_bits |= kas_hook_arms_for(&hooks[i]) &
					    (older | KAS_DEMAND_VGIC_REV1);
	return 0;
}

/* Caller holds kas_arm_lock. Does any VM hold a demand bit of @mask? */
static bool kas_demanded(u64 mask)
{
	unsigned int b;

	for (b = 0; b < ARRAY_SIZE(kas_demand_users); b++)
		if ((mask & BIT_ULL(b)) && atomic_read(&kas_demand_users[b]))
			return true;
	return false;
}

/**
 * kas_hooks_demand() - what a VM needs armed
 * @level: the VM's level
 * @rev_req: its requested vGIC revision (0: none)
 *
 * Return: the demand bits for kas_hooks_get(): its level's bit, and
 * KAS_DEMAND_VGIC_REV1 if its vGIC runs at revision 1.
 */
u64 kas_hooks_demand(u64 level, unsigned int rev_req)
{
	u64 d = kas_level_bit(level);

	if (kas_vgic_groups_fixed(kas_vgic_rev(level, rev_req)))
		d |= KAS_DEMAND_VGIC_REV1;
	return d;
}

NOKPROBE_SYMBOL(kas_hooks_demand);

/* Disarm the on-demand hooks no live VM needs any more. */
static void kas_disarm_idle(struct work_struct *work)
{
	unsigned int i, nr = 0;

	mutex_lock(&kas_arm_lock);
	for (i = 0; i < kas_table_n; i++) {
		struct kas_hook *h = &kas_table[i];

		if (!h->attached || !h->armed || !h->on_demand ||
		    kas_demanded(kas_hook_arms_for(h)))
			continue;
		if (kas_ftrace) {
			kas_batch_ips[nr] = h->fip;
			kas_batch[nr++] = h;
		} else if (!disable_kprobe(&h->kp)) {
			WRITE_ONCE(h->armed, false);
		}
	}
	/* On failure they stay armed; their handlers check the VM anyway. */
	if (nr && !kas_ftrace_filter(&kas_fops, kas_batch_ips, nr, 1))
		while (nr--)
			WRITE_ONCE(kas_batch[nr]->armed, false);
	mutex_unlock(&kas_arm_lock);
}

/**
 * kas_hooks_get() - arm the hooks a VM's demand needs, and hold them armed
 * @demand: kas_hooks_demand() of the state the VM is about to get (native
 *          and the host's own level need nothing)
 *
 * Called before the VM can see the state, so its guest never sees the
 * switch. Pairs with kas_hooks_put() of the same demand.
 *
 * Context: process context: arming patches kernel text and may sleep. No
 * KVM lock held, except for a VMM's GICD_IIDR write, decided under
 * kvm->lock (after vGIC init the kernel holds it): neither the module's
 * own locks nor the kernel's text patching ever take a KVM lock.
 * Return: 0 (the hooks fire from now on), ftrace_set_filter_ip()'s or
 * enable_kprobe()'s error (EBUSY: another IPMODIFY owner on a function),
 * or -EAGAIN while kprobes are disarmed for the whole kernel; on error
 * nothing is held.
 */
int kas_hooks_get(u64 demand)
{
	u64 bits = demand & kas_demand_bits;
	unsigned int i, nr = 0;
	int ret = 0;

	if (!bits)
		return 0;
	mutex_lock(&kas_arm_lock);
	for (i = 0; i < kas_table_n && !ret; i++) {
		struct kas_hook *h = &kas_table[i];

		if (!h->attached || h->armed || !h->on_demand || !(kas_hook_arms_for(h) & bits))
			continue;
		if (kas_ftrace) {
			kas_batch_ips[nr] = h->fip;
			kas_batch[nr++] = h;
			continue;
		}
		ret = enable_kprobe(&h->kp);
		/* Enabled but left out of the text while kprobes are disarmed. */
		if (!ret && kprobe_disabled(&h->kp))
			ret = -EAGAIN;
		if (!ret)
			WRITE_ONCE(h->armed, true);
	}
	if (nr) {
		ret = kas_ftrace_filter(&kas_fops, kas_batch_ips, nr, 0);
		while (!ret && nr--)
			WRITE_ONCE(kas_batch[nr]->armed, true);
	}
	for (; !ret && bits; bits &= bits - 1)
		atomic_inc(&kas_demand_users[__ffs64(bits)]);
	mutex_unlock(&kas_arm_lock);
	if (ret) {
		pr_warn_ratelimited("cannot arm the hooks a VM needs (error %d); it is refused its level or revision\n",
				    ret);
		/* Those armed before the failure go again. */
		mod_delayed_work(KAS_SYSTEM_WQ, &kas_disarm_work, 0);
	}
	return ret;
}

/**
 * kas_hooks_put() - a VM no longer holds the hooks of @demand armed
 * @demand: the demand given to kas_hooks_get()
 *
 * The hooks are disarmed KAS_DISARM_DELAY after the last put, unless a VM
 * needs them again meanwhile: VMs created and destroyed in turn do not
 * patch the kernel's text each time.
 *
 * Context: any (the VM table's spinlock may be held).
 */
void kas_hooks_put(u64 demand)
{
	u64 bits = demand & kas_demand_bits;
	bool idle = false;

	for (; bits; bits &= bits - 1)
		idle |= atomic_dec_and_test(&kas_demand_users[__ffs64(bits)]);
	if (idle && READ_ONCE(kas_live))
		mod_delayed_work(KAS_SYSTEM_WQ, &kas_disarm_work, KAS_DISARM_DELAY);
}

NOKPROBE_SYMBOL(kas_hooks_put);

/**
 * kas_hooks_missing() - would @want need hooks armed beyond @held?
 * @held: the demand a VM holds
 * @want: the demand of its next state
 *
 * Return: true if kas_hooks_get() of @want minus @held would arm (and so
 * may sleep); false if it returns at once.
 */
bool kas_hooks_missing(u64 held, u64 want)
{
	return want & ~held & kas_demand_bits;
}

NOKPROBE_SYMBOL(kas_hooks_missing);

/**
 * kas_hooks_move() - a VM's state changed: it holds what it now needs
 * @held: the demand the VM holds; becomes @want
 * @armed: the demand the caller armed for the change (kas_hooks_get());
 *         becomes what is left for the caller to put
 * @want: kas_hooks_demand() of the VM's new state, within *@held | *@armed
 *
 * What the VM no longer needs is put here. Context: any, like
 * kas_hooks_put(); the caller serialises changes of the VM's state.
 */
void kas_hooks_move(u64 *held, u64 *armed, u64 want)
{
	u64 keep = *held & want, take = *armed & want & ~keep;

	kas_hooks_put(*held & ~keep);
	*held = keep | take;
	*armed &= ~take;
}

NOKPROBE_SYMBOL(kas_hooks_move);

/**
 * kas_hooks_nr_armed() - how many on-demand hooks are armed now
 *
 * Return: the number, for the operator's statistics.
 */
unsigned int kas_hooks_nr_armed(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < kas_table_n; i++)
		n += kas_table[i].on_demand && READ_ONCE(kas_table[i].armed);
	return n;
}

/**
 * kas_hook_armed() - is @h's hook in the kernel's text right now?
 * @h: a hook
 *
 * Kprobes can be disarmed for the whole kernel after we attached
 * (debugfs kprobes/enabled): the probe stays registered but its breakpoint
 * is gone, and nothing tells the module. An armed arm64 kprobe is a BRK at
 * its address, whoever else probes the same function; an armed ftrace
 * site is a BL (to ftrace's trampoline), which ftrace cannot take away
 * while our ops is registered (FTRACE_OPS_FL_PERMANENT).
 *
 * Return: true if @h is attached and its breakpoint or call is in place.
 */
bool kas_hook_armed(const struct kas_hook *h)
{
	void *at = kas_ftrace ? (void *)h->fip : h->kp.addr;
	u32 insn;

	/* With ftrace, another tracer on the function makes the site a BL too. */
	if (!h->attached || (kas_ftrace && !READ_ONCE(h->armed)) ||
	    copy_from_kernel_nofault(&insn, at, sizeof(insn)))
		return false;
	insn = le32_to_cpu((__force __le32)insn);
	return kas_ftrace ? aarch64_insn_is_bl(insn) : insn == BRK64_OPCODE_KPROBES;
}

static int kas_hooks_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	mutex_lock(&kas_arm_lock);
	seq_printf(m, "# %s: symbol state when\n", kas_ftrace ? "ftrace" : "kprobe");
	for (i = 0; i < kas_table_n; i++) {
		const struct kas_hook *h = &kas_table[i];

		if (h->symbol)
			seq_printf(m, "%s %s %s\n", h->symbol,
				   !h->attached ? "detached" :
				   kas_hook_armed(h) ? "armed" : "disarmed",
				   h->on_demand ? "on-demand" : "always");
	}
	mutex_unlock(&kas_arm_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kas_hooks);

/**
 * kas_hooks_debugfs() - list the hooks for the operator
 * @dir: the module's debugfs directory
 *
 * <debugfs>/kvm_abi_shim/hooks: the mechanism, then one line per hooked
 * function: whether it is armed, and whether only while a VM needs it.
 */
void kas_hooks_debugfs(struct dentry *dir)
{
	debugfs_create_file("hooks", 0400, dir, NULL, &kas_hooks_fops);
}

/**
 * kas_hooks_detach() - unregister every attached probe and wait for users
 * @hooks: the table
 * @n: its size
 *
 * After return no handler runs and no task executes a redirect target, so
 * module text and data may go.
 */
void kas_hooks_detach(struct kas_hook *hooks, unsigned int n)
{
	/* kas_hooks_attach() attaches no more than that. */
	n = min_t(unsigned int, n, KAS_NR_THUNKS);

	/* All hooks stop acting together, before any is unregistered. */
	WRITE_ONCE(kas_live, false);
	/*
	 * No VM holds hooks armed here (each such VM holds a module
	 * reference; a refused load never tracked one), so none is queued
	 * from now on.
	 */
	cancel_delayed_work_sync(&kas_disarm_work);
	if (kas_ftrace) {
		/* Waits until no callback runs (RCU-tasks for a module's ops). */
		if (kas_fops_on)
			unregister_ftrace_function(&kas_fops);
		kas_fops_on = false;
		kas_ftrace_drop(hooks, n);
	}
	kas_kprobes_drop(hooks, n);
	/*
	 * Module exit runs only with no reference held, so no task is in a
	 * redirect target; a refused load never redirected. Never wait here.
	 */
	if (atomic_read(&kas_inflight))
		pr_err("%d tasks still in a redirect target at detach\n",
		       atomic_read(&kas_inflight));
	/* Preempted between kas_redirect_done() and the return. */
	synchronize_rcu_tasks();
}
