// SPDX-License-Identifier: GPL-2.0
/*
 * ktext SYMBOL...: print the instructions around each kernel function's
 * entry as memory holds them (/proc/kcore), 4 words before the symbol
 * and 4 from it: the ftrace patch site (NOP, or the BL to ftrace's
 * trampoline) and, on kernels with per-call-site ops, the ops pointer
 * before it. Root only (kallsyms addresses, /proc/kcore). A diagnostic:
 * what the CPU should execute, to set against what a hook saw.
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t ksym(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");
	uint64_t found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    !strcmp(sym, name))
			found = addr;
	fclose(f);
	return found;
}

/* Read @len bytes of kernel memory at @va from /proc/kcore's segments. */
static int kread(int fd, const Elf64_Ehdr *eh, uint64_t va, void *buf, size_t len)
{
	Elf64_Phdr ph;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh->e_phoff + (off_t)i * eh->e_phentsize) !=
		    sizeof(ph))
			return -1;
		if (ph.p_type != PT_LOAD || va < ph.p_vaddr || va + len > ph.p_vaddr + ph.p_memsz)
			continue;
		return pread(fd, buf, len, ph.p_offset + (va - ph.p_vaddr)) == (ssize_t)len ? 0 : -1;
	}
	return -1;
}

int main(int argc, char **argv)
{
	uint32_t w[8];
	Elf64_Ehdr eh;
	uint64_t va;
	int fd, i, j, bad = 0;

	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		perror("ktext: /proc/kcore");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		va = ksym(argv[i]);
		if (!va || kread(fd, &eh, va - 16, w, sizeof(w))) {
			printf("%s: cannot read its text\n", argv[i]);
			bad = 1;
			continue;
		}
		printf("%s at %#" PRIx64 ":", argv[i], va);
		for (j = 0; j < 8; j++)
			printf("%s%08" PRIx32, j == 4 ? " | " : " ", w[j]);
		printf("\n");
	}
	close(fd);
	return bad;
}
