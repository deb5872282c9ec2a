/* SPDX-License-Identifier: BSD-3-Clause
 * Summing and printing of counter groups (see umb_stats.h).
 */
#include <string.h>

#include "umb_stats.h"

void
umb_ctr_sum(const struct umb_ctr_group *g, const uint64_t *const *arrays,
		unsigned int nb_arrays, uint64_t *out)
{
	memset(out, 0, sizeof(*out) * g->n);
	for (unsigned int a = 0; a < nb_arrays; a++) {
		if (arrays[a] == NULL)
			continue;
		for (uint16_t i = 0; i < g->n; i++)
			out[i] += __atomic_load_n(&arrays[a][i], __ATOMIC_RELAXED);
	}
}

void
umb_ctr_print(FILE *f, const struct umb_ctr_group *g, const uint64_t *vals,
		int all)
{
	for (uint16_t i = 0; i < g->n; i++)
		if (all || vals[i] != 0)
			fprintf(f, "  %-8s %-34s %12llu\n", g->name, g->names[i],
				(unsigned long long)vals[i]);
}

int
umb_ctr_index(const struct umb_ctr_group *g, const char *name)
{
	for (uint16_t i = 0; i < g->n; i++)
		if (strcmp(g->names[i], name) == 0)
			return i;
	return -1;
}
