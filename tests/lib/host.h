/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KAS_TEST_HOST_H
#define KAS_TEST_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The group a multi-tenant host gives /dev/kvm to, for the unprivileged tests. */
#define HOST_KVM_GID	990

void host_setup(void);
bool host_start(const char *title, uint64_t *host);
int host_kvm_to_group(struct stat *saved);
int host_kvm_restore(const struct stat *saved);
int host_become(uid_t uid);

#endif
