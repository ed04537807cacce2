/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - minimal TAP 13 output in the kselftest style (ok / not ok /
 * # SKIP, kselftest exit codes). Our own, so that nothing is copied from
 * the kernel tree.
 */
#ifndef KAS_TAP_H
#define KAS_TAP_H

#include <stdbool.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

void tap_header(const char *name);
void tap_ok(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int tap_finish(void);

/* Check an errno-style result (0 or -errno) against an expectation. */
#define TAP_ERRNO(got, want, ...) \
	tap_expect_errno((got), (want), __VA_ARGS__)
void tap_expect_errno(int got, int want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
