// SPDX-License-Identifier: GPL-2.0
/*
 * docs/levels.md carries a table generated from the policy tables; this
 * test regenerates it and fails if the document drifted. With --print it
 * prints the block to paste.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/tap.h"
#include "fw_policy.h"
#include "levels.h"
#include "vgic_policy.h"

#define BEGIN "<!-- generated from the policy tables: begin -->\n"
#define END "<!-- generated from the policy tables: end -->\n"

static void gen(char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	n += snprintf(buf + n, len - n, BEGIN
		      "| level | IIDR revision | firmware registers | PSCI | TRNG | PV time | KVM vendor calls | guest SMC | PSCI affinity bits |\n"
		      "|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < kas_nr_levels; i++) {
		const struct kas_fw_level *fl = kas_fw_level(kas_levels[i].level);

		n += snprintf(buf + n, len - n,
			      "| %s | %u | %u | %llu.%llu | %s | %s | %s | %s | %s |\n",
			      kas_levels[i].name, kas_level_default_rev(kas_levels[i].level),
			      fl->nr_regs, (unsigned long long)fl->psci_max >> 16,
			      (unsigned long long)fl->psci_max & 0xffff,
			      fl->std_bmap ? "yes" : "no", fl->std_hyp_bmap ? "yes" : "no",
			      fl->vendor_hyp_bmap == 3 ? "UID, FEATURES, PTP" :
			      fl->vendor_hyp_bmap ? "UID, FEATURES" : "no",
			      fl->smc_serviced ? "serviced" : "not serviced",
			      fl->psci_mask_affinity ? "masked" : "refused");
	}
	snprintf(buf + n, len - n, END);
}

int main(int argc, char **argv)
{
	static char want[4096], doc[1 << 16];
	const char *b, *e;
	FILE *f;
	size_t n;

	gen(want, sizeof(want));
	if (argc > 1 && !strcmp(argv[1], "--print")) {
		fputs(want, stdout);
		return 0;
	}
	tap_header("unit: docs/levels.md is in step with the policy tables");
	f = fopen(argc > 1 ? argv[1] : "../../docs/levels.md", "r");
	if (!f)
		tap_bail("cannot read docs/levels.md");
	n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = 0;
	fclose(f);
	b = strstr(doc, BEGIN);
	e = b ? strstr(b, END) : NULL;
	tap_ok(b && e, "docs/levels.md has the generated block");
	tap_ok(b && e && (size_t)(e + strlen(END) - b) == strlen(want) &&
	       !strncmp(b, want, strlen(want)),
	       "the block matches the tables (regenerate: tests/unit/build/test_levels_doc --print)");
	return tap_finish();
}
