/* SPDX-License-Identifier: BSD-3-Clause
 * Sessions: what the reassembly role does with each decoded TCP segment.
 * A session table owns one flow table and, per flow, the two reassembly
 * streams and the HTTP connection; it decides who the client is, which
 * flows are sampled, when a flow ends (FIN/RST, idle, eviction, flush) and
 * makes sure every exchange record still held is emitted when it does.
 *
 * One table per reassembly lcore, single-threaded, no locks. All time is
 * the caller's clock in microseconds (capture time offline, receive time
 * live), so timeouts are deterministic on a replayed capture.
 */
#ifndef UMB_SESSION_H
#define UMB_SESSION_H

#include <stdint.h>

#include <rte_common.h>

#include "umb_flow.h"
#include "umb_http.h"
#include "umb_packet.h"
#include "umb_tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counters of one session table (one writer: its lcore). */
struct umb_session_ctrs {
	uint64_t flow[UMB_FLOW_CTR_MAX];
	uint64_t tcp[UMB_TCP_CTR_MAX];
	uint64_t http[UMB_HTTP_CTR_MAX];
	uint64_t outcome[UMB_OUTCOME_MAX];
} __rte_cache_aligned;

struct umb_session_params {
	const char *name;          /**< unique per table (names DPDK objects) */
	int socket_id;
	uint32_t max_flows;        /**< flow cap */
	uint32_t reasm_chunks;     /**< out-of-order memcap, in UMB_TCP_CHUNK_DATA chunks */
	uint32_t stream_cap;       /**< out-of-order bytes per stream */
	uint32_t records;          /**< exchange records in the pool */
	uint64_t idle_timeout_us;  /**< flow idle timeout */
	uint64_t close_timeout_us; /**< time a closed flow is kept to absorb stragglers */
	uint32_t share_ppm;        /**< sampling share, UMB_SHARE_ONE = all */
	uint64_t seed;             /**< sampling seed */
	int midstream;             /**< follow flows picked up without a SYN */
	/** Receives every finished record; must rte_mempool_put it eventually. */
	void (*emit)(void *arg, struct umb_exchange *x);
	void *emit_arg;
};

struct umb_session_table;

/** Create a table. NULL with rte_errno set on failure. */
struct umb_session_table *umb_session_create(const struct umb_session_params *p,
		struct umb_session_ctrs *ctrs);

/** Free a table (flush it first to emit its records). */
void umb_session_free(struct umb_session_table *t);

/**
 * Handle one decoded segment.
 * @param payload  the segment's payload (pkt->payload_len bytes, contiguous)
 */
void umb_session_packet(struct umb_session_table *t, const struct umb_pkt *pkt,
		const uint8_t *payload);

/** End flows idle for longer than their timeout, visiting at most @p max_visit. */
void umb_session_expire(struct umb_session_table *t, uint64_t now_us,
		unsigned int max_visit);

/** End every flow (end of input, shutdown). */
void umb_session_flush(struct umb_session_table *t, uint64_t now_us);

/** Change the sampling share for flows created from now on. */
void umb_session_set_share(struct umb_session_table *t, uint32_t share_ppm);

/** Latest time seen by this table. */
uint64_t umb_session_now(const struct umb_session_table *t);

/** Flows held. */
uint32_t umb_session_flows(const struct umb_session_table *t);

/** The exchange record pool (for the consumer to return records). */
struct rte_mempool *umb_session_xpool(const struct umb_session_table *t);

#ifdef __cplusplus
}
#endif
#endif
