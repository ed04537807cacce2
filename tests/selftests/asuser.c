// SPDX-License-Identifier: GPL-2.0
/*
 * asuser CMD [ARG...]: run a selftest as the VMM of a multi-tenant host
 * runs, not root: uid 1000 in the kvm group, /dev/kvm given to that group
 * (mode 0660) for the run and restored after. Root runs it. Exit status:
 * CMD's (126 if it could not be started as that user).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define KVM_GID		990
#define USER		1000

int main(int argc, char **argv)
{
	gid_t g = KVM_GID;
	struct stat st;
	int status = 0;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: asuser CMD [ARG...]\n");
		return 2;
	}
	if (stat("/dev/kvm", &st) || chown("/dev/kvm", 0, KVM_GID) || chmod("/dev/kvm", 0660)) {
		fprintf(stderr, "asuser: /dev/kvm: %s\n", strerror(errno));
		return 126;
	}
	child = fork();
	if (!child) {
		if (setgroups(1, &g) || setgid(KVM_GID) || setuid(USER)) {
			fprintf(stderr, "asuser: cannot become uid %d: %s\n", USER, strerror(errno));
			_exit(126);
		}
		execv(argv[1], argv + 1);
		fprintf(stderr, "asuser: %s: %s\n", argv[1], strerror(errno));
		_exit(126);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0)
		status = 126 << 8;
	if (chown("/dev/kvm", st.st_uid, st.st_gid) || chmod("/dev/kvm", st.st_mode & 07777))
		fprintf(stderr, "asuser: cannot restore /dev/kvm: %s\n", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
}
