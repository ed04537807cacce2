// SPDX-License-Identifier: GPL-2.0
/*
 * fp.c - fingerprint items: collect, sort, print, load, diff. Plain C with
 * no KVM dependency, so the host builds it too (to diff fingerprints that
 * came back from test VMs).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		perror("strdup");
		exit(2);
	}
	return d;
}

void fp_add(struct fp *fp, const char *key, const char *fmt, ...)
{
	char val[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (fp->n == fp->cap) {
		fp->cap = fp->cap ? fp->cap * 2 : 256;
		fp->items = xrealloc(fp->items, fp->cap * sizeof(*fp->items));
	}
	fp->items[fp->n].key = xstrdup(key);
	fp->items[fp->n].val = xstrdup(val);
	fp->n++;
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct fp_item *)a)->key, ((const struct fp_item *)b)->key);
}

void fp_sort(struct fp *fp)
{
	qsort(fp->items, fp->n, sizeof(*fp->items), cmp_item);
}

void fp_print(const struct fp *fp)
{
	size_t i;

	for (i = 0; i < fp->n; i++)
		printf("%s %s\n", fp->items[i].key, fp->items[i].val);
}

/* Lines "key value"; '#' lines are comments. */
int fp_load(struct fp *fp, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *sp;

		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		sp = strchr(line, ' ');
		if (sp)
			*sp++ = 0;
		fp_add(fp, line, "%s", sp ? sp : "");
	}
	fclose(f);
	fp_sort(fp);
	return 0;
}

/* Print every differing item, one per line; return how many. */
int fp_diff(const struct fp *a, const struct fp *b, const char *an, const char *bn)
{
	size_t i = 0, j = 0;
	int n = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 :
			strcmp(a->items[i].key, b->items[j].key);

		if (c < 0) {
			printf("%s %s=%s %s=(absent)\n", a->items[i].key, an, a->items[i].val, bn);
			i++, n++;
		} else if (c > 0) {
			printf("%s %s=(absent) %s=%s\n", b->items[j].key, an, bn, b->items[j].val);
			j++, n++;
		} else {
			if (strcmp(a->items[i].val, b->items[j].val)) {
				printf("%s %s=%s %s=%s\n", a->items[i].key, an, a->items[i].val,
				       bn, b->items[j].val);
				n++;
			}
			i++, j++;
		}
	}
	return n;
}

void fp_free(struct fp *fp)
{
	size_t i;

	for (i = 0; i < fp->n; i++) {
		free(fp->items[i].key);
		free(fp->items[i].val);
	}
	free(fp->items);
	memset(fp, 0, sizeof(*fp));
}
