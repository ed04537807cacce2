/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fp.h - the ABI fingerprint: a sorted list of "key value" items.
 */
#ifndef KAS_FP_H
#define KAS_FP_H

#include <stddef.h>

struct fp_item {
	char *key;
	char *val;
};

struct fp {
	struct fp_item *items;
	size_t n, cap;
};

void fp_add(struct fp *fp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fp_sort(struct fp *fp);
void fp_print(const struct fp *fp);
int fp_load(struct fp *fp, const char *path);
int fp_diff(const struct fp *a, const struct fp *b, const char *an, const char *bn);
void fp_free(struct fp *fp);

#endif
