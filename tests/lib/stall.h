/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stall.h - a VMM call the kernel cannot finish: KVM_SET_DEVICE_ATTR on a
 * VM whose argument sits on a page nobody serves yet (userfaultfd), as a
 * VMM on FUSE or a stopped userfaultfd handler would leave it.
 */
#ifndef KAS_STALL_H
#define KAS_STALL_H

#include <pthread.h>

#include "../../tools/lib/vmm.h"

struct kas_stall {
	struct vmm_vm *vm;
	void *page;
	int uffd;
	pthread_t thread;
	long ret;
	volatile int done;
};

/*
 * A userfaultfd for kas_stall_start(): made before a VMM drops root, as
 * users may not make one (vm.unprivileged_userfaultfd). -ENOSYS if none.
 */
int kas_stall_uffd(void);
/*
 * Start the call on @vm in a thread, its argument's page registered with
 * @uffd (from kas_stall_uffd(), or -1 to make one; kas_stall_end() closes
 * it). 0 once the call waits on the page, else -errno (-ENOSYS: no
 * userfaultfd here; nothing is left running).
 */
int kas_stall_start(struct kas_stall *st, struct vmm_vm *vm, int uffd);
/* Serve the page (zeroed) and wait for the call: its 0 or -errno. */
long kas_stall_end(struct kas_stall *st);

#endif
