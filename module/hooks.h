/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hooks.h - declarative kprobe table and the redirect-to-process-context
 * helper.
 */
#ifndef KAS_HOOKS_H
#define KAS_HOOKS_H

#include <linux/kprobes.h>
#include <linux/types.h>

/**
 * struct kas_hook - one probed kernel function
 * @symbol: function name in the running kernel (kallsyms); NULL when the
 *          hook is not needed on this kernel (see compat/compat.h)
 * @pre: kprobe pre_handler
 * @feature: 0 for a core hook (missing = refuse to load), else the feature
 *           the hook belongs to; a feature attaches all its hooks or none
 * @needed_by: KVM_ABI_SHIM_LEVEL_BIT_* of the levels that need @feature
 * @on_demand: armed only while a live VM needs it (registered disarmed:
 *             see kas_hooks_get())
 * @armed_for: with @on_demand, the demand that arms it: level bits (VMs at
 *             those levels below the host's) and KAS_DEMAND_VGIC_REV1;
 *             0 for @needed_by
 * @kp: the kprobe, filled in by kas_hooks_attach() (with ftrace, a disabled
 *      one that found the address)
 * @kp_on: whether @kp is registered
 * @fip: with ftrace, the function's ftrace site
 * @call: the original, callable from a redirect target (a thunk)
 * @attached: whether @kp is registered
 * @armed: whether @kp is enabled (an on-demand hook may be registered but
 *         disabled)
 */
struct kas_hook {
	const char *symbol;
	kprobe_pre_handler_t pre;
	unsigned int feature;
	u64 needed_by;
	bool on_demand;
	u64 armed_for;
	struct kprobe kp;
	bool kp_on;
	unsigned long fip;
	void *call;
	bool attached;
	bool armed;
};

int kas_hooks_attach(struct kas_hook *hooks, unsigned int n, u64 *disabled);
/* At most this many symbols per kas_resolve() call. */
#define KAS_MAX_RESOLVE	4
void kas_resolve(const char *const syms[], void *addrs[], unsigned int n);
void kas_hooks_detach(struct kas_hook *hooks, unsigned int n);
void kas_hooks_go_live(void);
bool kas_hook_armed(const struct kas_hook *h);
struct dentry;
void kas_hooks_debugfs(struct dentry *dir);
/*
 * A demand bit beside the level bits: a VM whose vGIC runs at IIDR
 * revision 1, whose interrupt group registers the module answers.
 */
#define KAS_DEMAND_VGIC_REV1	BIT_ULL(63)

u64 kas_hooks_demand(u64 level, unsigned int rev_req);
int kas_hooks_get(u64 demand);
void kas_hooks_put(u64 demand);
bool kas_hooks_missing(u64 held, u64 want);
void kas_hooks_move(u64 *held, u64 *armed, u64 want);
unsigned int kas_hooks_nr_armed(void);
int kas_redirect(struct pt_regs *regs, void *fn);
void kas_redirect_done(void);
bool kas_hook_passthrough(struct pt_regs *regs);
int kas_return(struct pt_regs *regs, unsigned long ret);

/**
 * kas_hook_orig() - the probed function, for call-through
 * @h: an attached hook
 *
 * Only for redirect targets. The call re-enters the probe, and
 * kas_hook_passthrough() lets it run the original (callthru.S).
 *
 * Return: a function with the probed function's prototype.
 */
static inline void *kas_hook_orig(const struct kas_hook *h)
{
	return h->call;
}

/* testhooks.c: fault injection, in test builds (KAS_TEST=y) only. */
#ifdef KAS_TEST
bool kas_test_fail_hook(const char *sym);
bool kas_test_fail_alloc(void);
#else
/**
 * kas_test_fail_hook() - should hooking @sym fail as if it were absent?
 * @sym: kernel symbol about to be probed
 *
 * Return: false: the packaged module has no fault injection.
 */
static inline bool kas_test_fail_hook(const char *sym)
{
	return false;
}

/**
 * kas_test_fail_alloc() - should per-vCPU allocations fail?
 *
 * Return: false: the packaged module has no fault injection.
 */
static inline bool kas_test_fail_alloc(void)
{
	return false;
}
#endif

#endif /* KAS_HOOKS_H */
