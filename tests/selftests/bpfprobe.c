// SPDX-License-Identifier: GPL-2.0
/*
 * bpfprobe SYMBOL...: what an operator's bpftrace 'kprobe:F, kretprobe:F'
 * does, without bpftrace: a BPF program on a kprobe and one on a kretprobe
 * of each SYMBOL (perf's kprobe PMU), each counting its hits in a map.
 * Prints "attached N" once every probe is in place, keeps them until stdin
 * closes, then prints "hits ENTRY RETURN" and detaches. Exit 4 (skip) on a
 * kernel without the bpf system call or perf's kprobe PMU.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#define MAX_SYMS	64

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* A number from a sysfs file of the kprobe PMU ("6", "config:0"). */
static int pmu_number(const char *file)
{
	char path[128], buf[64], *p;
	FILE *f;
	int n = -1;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/kprobe/%s", file);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f)) {
		p = strchr(buf, ':');
		n = atoi(p ? p + 1 : buf);
	}
	if (f)
		fclose(f);
	return n;
}

/* A kprobe program that adds one to the map's entry KEY and returns 0. */
static int load_counter(int map, int key)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_10, .off = -4, .imm = key },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_0, .off = 2 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_DW | BPF_ATOMIC, .dst_reg = BPF_REG_0,
		  .src_reg = BPF_REG_1, .imm = BPF_ADD },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr a;
	struct utsname u;
	unsigned int x = 0, y = 0, z = 0;
	int fd;

	uname(&u);
	sscanf(u.release, "%u.%u.%u", &x, &y, &z);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	a.license = (uintptr_t)"GPL";
	a.kern_version = x << 16 | y << 8 | (z > 255 ? 255 : z);
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		fprintf(stderr, "bpfprobe: BPF_PROG_LOAD: %s\n%s", strerror(errno), log);
	return fd;
}

static int attach(const char *sym, int type, uint64_t config, int prog)
{
	struct perf_event_attr pa;
	int fd;

	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = type;
	pa.config = config;
	pa.kprobe_func = (uintptr_t)sym;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	fd = syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		fprintf(stderr, "bpfprobe: %s%s: %s\n", sym, config ? "%return" : "",
			strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int type = pmu_number("type"), retbit = pmu_number("format/retprobe");
	uint64_t hits[2] = { 0, 0 };
	union bpf_attr a;
	int map, prog[2], i, k, n = 0;
	char c;

	if (argc < 2 || argc - 1 > MAX_SYMS) {
		fprintf(stderr, "usage: bpfprobe SYMBOL... (at most %d)\n", MAX_SYMS);
		return 2;
	}
	if (type < 0 || retbit < 0) {
		fprintf(stderr, "bpfprobe: no kprobe PMU (perf events)\n");
		return 4;
	}
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 2;
	map = bpf(BPF_MAP_CREATE, &a);
	if (map < 0) {
		fprintf(stderr, "bpfprobe: BPF_MAP_CREATE: %s\n", strerror(errno));
		return errno == ENOSYS ? 4 : 1;
	}
	prog[0] = load_counter(map, 0);
	prog[1] = load_counter(map, 1);
	if (prog[0] < 0 || prog[1] < 0)
		return 1;
	for (i = 1; i < argc; i++) {
		if (attach(argv[i], type, 0, prog[0]) < 0 ||
		    attach(argv[i], type, 1ULL << retbit, prog[1]) < 0)
			return 1;
		n++;
	}
	printf("attached %d\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	for (k = 0; k < 2; k++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = map;
		a.key = (uintptr_t)&k;
		a.value = (uintptr_t)&hits[k];
		if (bpf(BPF_MAP_LOOKUP_ELEM, &a))
			return 1;
	}
	printf("hits %llu %llu\n", (unsigned long long)hits[0], (unsigned long long)hits[1]);
	return 0;
}
