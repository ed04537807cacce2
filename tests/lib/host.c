// SPDX-License-Identifier: GPL-2.0
/*
 * host.c - what a selftest asks of the host, as kselftest expects: no
 * usable /dev/kvm is a SKIP (exit 4), not a failure; the host's defaults
 * for new VMs are native for the test (a host pinned to a level must not
 * make it fail) and are restored when it exits, also on SIGTERM (the
 * kselftest runner's timeout), so a test never leaves the host changed.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "tap.h"
#include "../../tools/lib/vmm.h"

static char saved[64];
static pid_t owner;

static void restore(void)
{
	/* Not in a forked child that exits: only the test's own process. */
	if (owner && getpid() == owner)
		vmm_param_write("defaults", saved);
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/**
 * host_setup() - SKIP without /dev/kvm; native defaults until exit
 *
 * Call first in main(), after tap_header(). Without the module (or as a
 * user who cannot write its parameters) the defaults are left alone: the
 * tests that need them skip.
 */
void host_setup(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	unsigned int i;

	if (access("/dev/kvm", R_OK | W_OK)) {
		tap_skip("no usable /dev/kvm: %s", strerror(errno));
		exit(tap_finish());
	}
	if (!vmm_module_loaded() || geteuid() ||
	    vmm_param_read("defaults", saved, sizeof(saved)))
		return;
	owner = getpid();
	atexit(restore);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
	if (strcmp(saved, "native 0\n")) {
		tap_diag("host defaults '%.*s' set to native for the test, restored at exit",
			 (int)strcspn(saved, "\n"), saved);
		vmm_param_write("defaults", "native 0");
	}
}

/**
 * host_start() - begin a selftest of the loaded module
 * @title: the test's TAP header
 * @host: set to the running kernel's level
 *
 * Return: true to go on; false when the module is not loaded (one SKIP:
 * the caller returns tap_finish()). No kernel version is a bail out.
 */
bool host_start(const char *title, uint64_t *host)
{
	tap_header(title);
	host_setup();
	if (!vmm_module_loaded()) {
		tap_skip("kvm_abi_shim is not loaded");
		return false;
	}
	if (vmm_host_level(host))
		tap_bail("cannot read the kernel version");
	return true;
}

/*
 * Give /dev/kvm to the kvm group, mode 0660, as a multi-tenant host does;
 * *@saved keeps what it was for host_kvm_restore(). Root only: 0 or -errno.
 */
int host_kvm_to_group(struct stat *saved)
{
	return stat("/dev/kvm", saved) || chown("/dev/kvm", 0, HOST_KVM_GID) ||
	       chmod("/dev/kvm", 0660) ? -errno : 0;
}

/* Put /dev/kvm's owner and mode back: 0 or -errno. */
int host_kvm_restore(const struct stat *saved)
{
	return chown("/dev/kvm", saved->st_uid, saved->st_gid) ||
	       chmod("/dev/kvm", saved->st_mode & 07777) ? -errno : 0;
}

/* Become @uid, in the kvm group and no other (for good): 0 or -errno. */
int host_become(uid_t uid)
{
	gid_t g = HOST_KVM_GID;

	return setgroups(1, &g) || setgid(HOST_KVM_GID) || setuid(uid) ? -errno : 0;
}
