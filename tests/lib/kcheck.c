// SPDX-License-Identifier: GPL-2.0
/*
 * kcheck.c - the module's state accounting and the kernel log, as the
 * selftests check them after a run.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#include "kcheck.h"
#include "tap.h"
#include "../../tools/lib/vmm.h"

long kas_stat(const char *key)
{
	static char buf[4096];
	char *p;

	if (vmm_debugfs_read("stats", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key) + 1, NULL, 10) : -1;
}

long kas_refcnt(void)
{
	char buf[32];
	int fd = open("/sys/module/kvm_abi_shim/refcnt", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strtol(buf, NULL, 10);
}

static char klog[1 << 17];

static int read_klog(void)
{
	int n = klogctl(3, klog, sizeof(klog) - 1);	/* SYSLOG_ACTION_READ_ALL */

	klog[n > 0 ? n : 0] = 0;
	return n > 0 ? n : 0;
}

void kas_log_mark(char *mark, size_t len)
{
	int n = read_klog();
	char *p;

	while (n > 0 && klog[n - 1] == '\n')
		klog[--n] = 0;
	p = strrchr(klog, '\n');
	p = p ? p + 1 : klog;
	/* Each line carries a timestamp: a prefix finds it again. */
	memcpy(mark, p, strnlen(p, len - 1));
	mark[strnlen(p, len - 1)] = 0;
}

void kas_check_log(const char *what, const char *mark)
{
	static const char * const bad[] = {
		"WARNING:", "BUG:", "Oops", "Unable to handle", "lockdep", "circular locking",
		"refcount_t", "state of a destroyed VM was still listed", "kprobes are disarmed",
		"has no state",
	};
	bool clean = true;
	unsigned int i;
	char *p;

	read_klog();
	p = *mark ? strstr(klog, mark) : NULL;
	/* Rotated out meanwhile: all that is left is since then. */
	if (!p)
		p = klog;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strstr(p, bad[i])) {
			tap_diag("kernel log: %.160s", strstr(p, bad[i]));
			clean = false;
		}
	tap_ok(clean, "%s: kernel log clean (no WARN, BUG, lockdep, missed destroy, missing vCPU state)",
	       what);
}
