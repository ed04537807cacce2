// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static unsigned int n_test, n_pass, n_fail, n_skip;

void tap_header(const char *name)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# %s\n", name);
}

static void vresult(const char *prefix, const char *suffix, const char *fmt,
		    va_list ap)
{
	printf("%s %u ", prefix, ++n_test);
	vprintf(fmt, ap);
	printf("%s\n", suffix);
}

void tap_ok(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vresult(ok ? "ok" : "not ok", "", fmt, ap);
	va_end(ap);
	if (ok)
		n_pass++;
	else
		n_fail++;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %u # SKIP ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	n_skip++;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("not ok %u ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nBail out!\n");
	exit(KSFT_FAIL);
}

void tap_expect_errno(int got, int want, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", got == want ? "ok" : "not ok", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (got == want) {
		n_pass++;
		printf("\n");
	} else {
		n_fail++;
		printf(" # got %d (%s), want %d (%s)\n", got,
		       got ? strerror(-got) : "success", want,
		       want ? strerror(-want) : "success");
	}
}

int tap_finish(void)
{
	printf("1..%u\n", n_test);
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       n_pass, n_fail, n_skip);
	if (n_fail)
		return KSFT_FAIL;
	return n_pass ? KSFT_PASS : KSFT_SKIP;
}
