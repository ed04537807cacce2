// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the test suite. Built only with KAS_TEST=y (the test
 * harness's builds): the packaged module has none of these parameters, so
 * no one can make a production host's module fail on purpose.
 */
#include <linux/compiler.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "hooks.h"

/* Attach behaves as if this symbol did not exist. Load time only. */
static char *kas_fail_hook;
module_param_named(fail_hook, kas_fail_hook, charp, 0400);
MODULE_PARM_DESC(fail_hook, "Test builds only: treat this hooked symbol as missing (register_ftrace_function: ftrace refuses with EBUSY)");

static bool kas_fail_alloc;
module_param_named(fail_alloc, kas_fail_alloc, bool, 0600);
MODULE_PARM_DESC(fail_alloc, "Test builds only: per-vCPU allocations fail (-ENOMEM)");

/**
 * kas_test_fail_hook() - should hooking @sym fail as if it were absent?
 * @sym: kernel symbol about to be probed
 *
 * Return: true if @sym is the fail_hook parameter.
 */
bool kas_test_fail_hook(const char *sym)
{
	return kas_fail_hook && !strcmp(kas_fail_hook, sym);
}

/**
 * kas_test_fail_alloc() - should per-vCPU allocations fail?
 *
 * Return: the fail_alloc parameter.
 */
bool kas_test_fail_alloc(void)
{
	return READ_ONCE(kas_fail_alloc);
}
