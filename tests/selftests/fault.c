// SPDX-License-Identifier: GPL-2.0
/*
 * fault: die of a data abort (a store to address 8), as a crashing test
 * program would: what the harness reports of such a death is checked
 * against it (tests/vm/init.sh).
 */
#include <stdlib.h>

int main(int argc, char **argv)
{
	/* From a string: the compiler cannot see the address is bad. */
	volatile int *p = (volatile int *)strtoul("8", NULL, 0);

	*p = argc;
	return 0;
}
