// SPDX-License-Identifier: GPL-2.0
/*
 * asuser CMD [ARG...]: run a selftest as the VMM of a multi-tenant host
 * runs, not root: uid 1000 in the kvm group, /dev/kvm given to that group
 * (mode 0660) for the run and restored after. Root runs it. Exit status:
 * CMD's, 128 + the signal if a signal killed it (as a shell reports it),
 * 126 if it could not be started as that user.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "../lib/host.h"

#define USER		1000

int main(int argc, char **argv)
{
	struct stat st;
	int status = 0, r;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "usage: asuser CMD [ARG...]\n");
		return 2;
	}
	r = host_kvm_to_group(&st);
	if (r) {
		fprintf(stderr, "asuser: /dev/kvm: %s\n", strerror(-r));
		return 126;
	}
	child = fork();
	if (!child) {
		r = host_become(USER);
		if (r) {
			fprintf(stderr, "asuser: cannot become uid %d: %s\n", USER, strerror(-r));
			_exit(126);
		}
		execv(argv[1], argv + 1);
		perror("asuser: exec");
		_exit(126);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0)
		status = 126 << 8;
	r = host_kvm_restore(&st);
	if (r)
		fprintf(stderr, "asuser: cannot restore /dev/kvm: %s\n", strerror(-r));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 126;
}
