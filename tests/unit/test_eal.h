/* SPDX-License-Identifier: BSD-3-Clause
 * EAL start-up shared by the unit suites: no hugepages, no PCI, in-memory,
 * quiet logs, one lcore. Each suite passes its own name as file prefix.
 */
#ifndef UMB_TEST_EAL_H
#define UMB_TEST_EAL_H

#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>

static inline int
umb_test_eal_init(const char *prefix)
{
	char pfx[64];
	char *argv[] = { "umb_test", "--no-huge", "--no-pci", "--no-shconf",
		"-m", "512", "-l", "0", "--log-level=lib.*:error",
		"--no-telemetry", pfx, NULL };

	snprintf(pfx, sizeof(pfx), "--file-prefix=umbt_%s", prefix);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return -1;
	}
	return 0;
}

#endif
