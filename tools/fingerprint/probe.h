/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KAS_PROBE_H
#define KAS_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "fp.h"

#define PROBE_LEVEL_NONE (~0ULL)	/* VMM that knows nothing of the module */

/**
 * struct probe_opts - the VM configuration to fingerprint
 * @vcpus: number of vCPUs
 * @gic: 2 or 3
 * @psci02: vCPUs with KVM_ARM_VCPU_PSCI_0_2
 * @pmu: vCPUs with a PMU
 * @level: level to request, or PROBE_LEVEL_NONE
 * @iidr_rev: IIDR revision to write, 0 for none
 * @shape: a named VM shape (probe_shape()), NULL for the minimal VM
 * @sve: vCPUs with SVE (at the host's vector lengths), where offered
 * @pauth: vCPUs with address and generic pointer authentication, where offered
 * @pvtime: each vCPU's stolen-time structure placed, where offered
 * @its: a GICv3 ITS, where offered
 */
struct probe_opts {
	int vcpus;
	int gic;
	bool psci02;
	bool pmu;
	uint64_t level;
	unsigned int iidr_rev;
	const char *shape;
	bool sve;
	bool pauth;
	bool pvtime;
	bool its;
};

int probe_shape(struct probe_opts *o, const char *name);

void probe_all(struct fp *fp, const struct probe_opts *o);

#endif
