/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KAS_TEST_HOST_H
#define KAS_TEST_HOST_H

void host_setup(void);

#endif
