/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck.h - what the selftests check after the fact: the module's state
 * accounting, its reference count, and the kernel log since a mark.
 */
#ifndef KAS_KCHECK_H
#define KAS_KCHECK_H

#include <stddef.h>

/* A counter of debugfs "stats" (vm_allocs, vm_frees, vm_live), or -1. */
long kas_stat(const char *key);
/* The module's reference count, or -1 when it is not loaded. */
long kas_refcnt(void);
/* Remember where the kernel log is now (its last line) in @mark. */
void kas_log_mark(char *mark, size_t len);
/*
 * One TAP line: the kernel log since @mark has no WARN, BUG, oops,
 * lockdep report, missed VM destroy or missing vCPU state.
 */
void kas_check_log(const char *what, const char *mark);

#endif
