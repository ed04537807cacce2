// SPDX-License-Identifier: GPL-2.0
/*
 * stall.c - a KVM_SET_DEVICE_ATTR left waiting on a userfaultfd page.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "stall.h"

static void *stalled_ioctl(void *arg)
{
	struct kas_stall *st = arg;

	st->ret = ioctl(st->vm->fd, KVM_SET_DEVICE_ATTR, st->page) ? -errno : 0;
	st->done = 1;
	return NULL;
}

int kas_stall_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		return -ENOSYS;
	if (ioctl(uffd, UFFDIO_API, &api)) {
		close(uffd);
		return -ENOSYS;
	}
	return uffd;
}

int kas_stall_start(struct kas_stall *st, struct vmm_vm *vm, int uffd)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct pollfd pfd;
	int err;

	memset(st, 0, sizeof(*st));
	st->vm = vm;
	st->uffd = uffd < 0 ? kas_stall_uffd() : uffd;
	if (st->uffd < 0)
		return st->uffd;
	st->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)st->page;
	reg.range.len = 4096;
	if (st->page == MAP_FAILED || ioctl(st->uffd, UFFDIO_REGISTER, &reg)) {
		err = -errno;
		close(st->uffd);
		return err;
	}
	pthread_create(&st->thread, NULL, stalled_ioctl, st);
	pfd.fd = st->uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1) {
		kas_stall_end(st);
		return -ETIMEDOUT;
	}
	/* The fault is reported: the call now waits in the kernel. */
	usleep(100000);
	return 0;
}

long kas_stall_end(struct kas_stall *st)
{
	struct uffdio_zeropage zp = { 0 };

	zp.range.start = (unsigned long)st->page;
	zp.range.len = 4096;
	ioctl(st->uffd, UFFDIO_ZEROPAGE, &zp);
	pthread_join(st->thread, NULL);
	close(st->uffd);
	munmap(st->page, 4096);
	return st->ret;
}
