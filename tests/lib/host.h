/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KAS_TEST_HOST_H
#define KAS_TEST_HOST_H

#include <stdbool.h>
#include <stdint.h>

void host_setup(void);
bool host_start(const char *title, uint64_t *host);

#endif
