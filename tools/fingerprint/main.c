// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-abi-fingerprint - print what a VMM and a guest can observe of a KVM
 * VM on this arm64 host, as sorted "key value" lines; or compare two such
 * fingerprints.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "fp.h"
#ifdef __aarch64__
#include "../lib/vmm.h"
#include "probe.h"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kvm-abi-fingerprint [options]      fingerprint a fresh VM on this host\n"
		"       kvm-abi-fingerprint diff A B       items that differ; exit 1 if any\n"
		"\n"
		"options:\n"
		"  --vcpus N          number of vCPUs (default 1)\n"
		"  --gic v2|v3        vGIC model (default: what the host can emulate, v3 first)\n"
		"  --no-psci02        vCPUs without the PSCI 0.2 feature\n"
		"  --pmu              vCPUs with a PMU\n"
		"  --shape NAME       a VM shape: minimal (the default), qemu-virt (4 vCPUs,\n"
		"                     PMU, SVE, pointer auth, stolen time, ITS where offered)\n"
		"                     or firecracker (2 vCPUs, stolen time, ITS, its order)\n"
		"  --level L          ask kvm-abi-shim for level L (native, 5.10, 6.1, 6.12, 7.3);\n"
		"                     default: do not use the control plane at all\n"
		"  --iidr-rev N       write GICD_IIDR revision N before running\n"
		"\n"
		"exit status: 0 ok (diff: no difference), 1 differences, 2 error\n");
}

static int do_diff(int argc, char **argv)
{
	struct fp a = { 0 }, b = { 0 };
	int n;

	if (argc != 4) {
		usage(stderr);
		return 2;
	}
	if (fp_load(&a, argv[2]) || fp_load(&b, argv[3])) {
		perror("kvm-abi-fingerprint: cannot read a fingerprint");
		return 2;
	}
	n = fp_diff(&a, &b, "A", "B");
	fp_free(&a);
	fp_free(&b);
	return n ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "vcpus", required_argument, NULL, 'c' },
		{ "gic", required_argument, NULL, 'g' },
		{ "no-psci02", no_argument, NULL, 'n' },
		{ "pmu", no_argument, NULL, 'p' },
		{ "shape", required_argument, NULL, 's' },
		{ "level", required_argument, NULL, 'l' },
		{ "iidr-rev", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
#ifdef __aarch64__
	struct probe_opts o = { .vcpus = 1, .psci02 = true, .level = PROBE_LEVEL_NONE };
	struct utsname u;
	struct fp fp = { 0 };
#endif
	int c;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return do_diff(argc, argv);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
#ifdef __aarch64__
		case 'c':
			o.vcpus = atoi(optarg);
			if (o.vcpus < 1 || o.vcpus > VMM_MAX_VCPUS)
				goto bad;
			break;
		case 'g':
			o.gic = !strcmp(optarg, "v2") ? 2 : !strcmp(optarg, "v3") ? 3 : 0;
			if (!o.gic)
				goto bad;
			break;
		case 'n':
			o.psci02 = false;
			break;
		case 'p':
			o.pmu = true;
			break;
		case 's':
			if (probe_shape(&o, optarg))
				goto bad;
			break;
		case 'l':
			if (!strcmp(optarg, "native")) {
				o.level = KVM_ABI_SHIM_LEVEL_NATIVE;
			} else {
				unsigned int maj, min;
				char extra;

				if (sscanf(optarg, "%u.%u%c", &maj, &min, &extra) != 2)
					goto bad;
				o.level = KVM_ABI_SHIM_LEVEL(maj, min);
			}
			break;
		case 'r':
			o.iidr_rev = atoi(optarg);
			if (o.iidr_rev < 1 || o.iidr_rev > 15)
				goto bad;
			break;
#endif
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
#ifdef __aarch64__
	if (!o.gic)
		o.gic = vmm_host_gic_version();
	if (!o.gic) {
		fprintf(stderr, "kvm-abi-fingerprint: no usable KVM vGIC on this host\n");
		return 2;
	}
	uname(&u);
	printf("# kvm-abi-fingerprint on %s: shape=%s vcpus=%d gic=v%d psci02=%d pmu=%d level=%s iidr-rev=%u\n",
	       u.release, o.shape ? o.shape : "minimal", o.vcpus, o.gic, o.psci02, o.pmu,
	       o.level == PROBE_LEVEL_NONE ? "none" : "set", o.iidr_rev);
	probe_all(&fp, &o);
	fp_sort(&fp);
	fp_print(&fp);
	fp_free(&fp);
	return 0;
#else
	fprintf(stderr, "kvm-abi-fingerprint: fingerprinting runs on arm64 KVM hosts only\n");
	return 2;
#endif
bad:
	usage(stderr);
	return 2;
}
