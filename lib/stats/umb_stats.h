/* SPDX-License-Identifier: BSD-3-Clause
 * Counter groups. Every library owns a list of counters (an X-macro in its
 * public header), stored per lcore as a plain uint64_t array with a single
 * writer. This library only knows how to name, sum and print such arrays, so
 * that the summary, telemetry and Prometheus views cannot drift from the code
 * that counts.
 */
#ifndef UMB_STATS_H
#define UMB_STATS_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Static description of one library's counters. */
struct umb_ctr_group {
	const char *name;            /**< group name, e.g. "tcp" */
	const char *const *names;    /**< counter names, index = enum value */
	const char *const *descs;    /**< one-line descriptions */
	uint16_t n;                  /**< number of counters */
};

/*
 * Helpers for a library's header and .c file:
 *   #define UMB_TCP_COUNTERS(X) X(segments, "TCP segments seen") ...
 *   enum umb_tcp_ctr { UMB_TCP_COUNTERS(UMB_CTR_ENUM_TCP) UMB_TCP_CTR_MAX };
 * and in the .c file UMB_CTR_GROUP_DEFINE(tcp, UMB_TCP_COUNTERS, UMB_TCP_CTR_MAX).
 */
#define UMB_CTR_NAME_(n, d) #n,
#define UMB_CTR_DESC_(n, d) d,
#define UMB_CTR_GROUP_DEFINE(gname, LIST, max) \
	static const char *const umb_##gname##_ctr_names_[] = { LIST(UMB_CTR_NAME_) }; \
	static const char *const umb_##gname##_ctr_descs_[] = { LIST(UMB_CTR_DESC_) }; \
	const struct umb_ctr_group umb_##gname##_ctr_group = { \
		#gname, umb_##gname##_ctr_names_, umb_##gname##_ctr_descs_, max }

/** Add @p n to counter @p idx of array @p arr (single writer, no atomics). */
#define UMB_CTR_ADD(arr, idx, n) ((arr)[(idx)] += (n))
#define UMB_CTR_INC(arr, idx) ((arr)[(idx)]++)

/**
 * Sum @p nb_arrays counter arrays of group @p g into @p out.
 * Readers on another lcore may see a value one update old; each counter is
 * loaded atomically (relaxed), so no torn reads.
 */
void umb_ctr_sum(const struct umb_ctr_group *g, const uint64_t *const *arrays,
		unsigned int nb_arrays, uint64_t *out);

/**
 * Print a group as "group.name value" lines, skipping zeros unless @p all.
 */
void umb_ctr_print(FILE *f, const struct umb_ctr_group *g, const uint64_t *vals,
		int all);

/** Look up a counter index by name; -1 when the group has no such name. */
int umb_ctr_index(const struct umb_ctr_group *g, const char *name);

#ifdef __cplusplus
}
#endif
#endif
