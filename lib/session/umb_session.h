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
 *
 * Mirroring (live, with a shadow port): a sampled flow gets shadow TCP
 * connections of umbra's own (lib/peer, umb_peer_conn.h), one at a time:
 * each starts at a request boundary and carries the client's requests
 * from there (sequence translation: its byte 0 is the client stream
 * offset of its first request), released request by request (allowlist,
 * pacing: umb_http_mirror_*); it closes before a request that must not
 * reach the shadow, when the shadow closes, or when the share no longer
 * picks the flow, and the next request opens a new one. The shadow's
 * answers come back through umb_session_shadow_packet() and complete the
 * same records.
 * A flow whose production side ended stays in the table until its shadow
 * session ends too (bounded by the shadow timeouts).
 */
#ifndef UMB_SESSION_H
#define UMB_SESSION_H

#include <stdint.h>

#include <rte_common.h>

#include "umb_flow.h"
#include "umb_http.h"
#include "umb_packet.h"
#include "umb_peer_conn.h"
#include "umb_tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Mirroring decisions of the session layer (group "mirror"). */
#define UMB_MIRROR_COUNTERS(X) \
	X(sessions, "shadow connections opened (a flow may have several over its life, one at a time)") \
	X(no_syn, "shadow connections opened with umbra's default options: the client's SYN was not seen") \
	X(capped, "shadow connections refused by a cap (sessions, SNAT ports, rate)") \
	X(held_over_cap, "shadow connections ended: held bytes over the cap (capped)") \
	X(rollback_closes, "shadow connections shut by a rollback (FIN)") \
	X(rollback_resets, "shadow connections reset by a rollback: not closed within its grace") \
	X(suppressed, "shadow connections closed at a request boundary (not on the allowlist, the shadow announced close, queue cap, share lowered)") \
	X(client_gap, "shadow connections reset: the capture lost client bytes") \
	X(client_rst, "shadow connections reset because production was reset") \
	X(response_timeouts, "shadow connections reset: an answer did not begin in time") \
	X(shadow_closed, "shadow connections the shadow closed first") \
	X(shadow_errors, "shadow connections reset: the shadow's bytes were not valid HTTP") \
	X(flushed, "shadow connections reset at shutdown, eviction or port reuse") \
	X(shadow_packets, "TCP segments from the shadow handed to the session layer") \
	X(shadow_no_session, "segments from the shadow for no session (answered with RST)") \
	X(requests_sampled, "exchange records of sampled flows (every outcome but not_sampled)") \
	X(requests_mirrored, "exchange records whose request went to the shadow whole")

#define UMB_MIRROR_ENUM_(n, d) UMB_MIRROR_##n,
enum umb_mirror_ctr { UMB_MIRROR_COUNTERS(UMB_MIRROR_ENUM_) UMB_MIRROR_CTR_MAX };
#undef UMB_MIRROR_ENUM_

extern const struct umb_ctr_group umb_mirror_ctr_group;

/** Counters of one session table (one writer: its lcore). */
struct umb_session_ctrs {
	uint64_t flow[UMB_FLOW_CTR_MAX];
	uint64_t peer[UMB_PEER_CONN_CTR_MAX];
	uint64_t mirror[UMB_MIRROR_CTR_MAX];
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
	/** Flow ids of this table: id_first + k * id_step (0, 0: 1, 2, ...);
	 * the reassembly lcore i of n uses i + 1, n so ids are unique. */
	uint64_t id_first, id_step;
	int midstream;             /**< follow flows picked up without a SYN */
	/**
	 * Unsampled flows are reassembled and parsed too, their records
	 * written with outcome not_sampled (a production-side baseline of all
	 * traffic). Off: they cost no table entry, no lookup.
	 */
	int record_unsampled;
	/**
	 * Mirroring: the shadow peer's context parameters (the session layer
	 * fills tcp, sent, closed and ctr), NULL: no mirroring.
	 */
	const struct umb_peer_ctx_params *peer;
	uint64_t allowed_methods;   /**< bit per llhttp method: may reach the shadow */
	uint64_t shadow_response_timeout_us; /**< request sent -> answer begun */
	uint32_t shadow_queue_max;  /**< requests waiting for the shadow per flow, 0: 64 */
	/** Kept content of mirrored exchanges for the comparator (NULL: none). */
	struct rte_mempool *compare_pool;
	uint64_t compare_body_max;  /**< body bytes kept per answer */
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

/**
 * umb_session_packet() with the segment's mbuf @p m, whose data holds
 * @p payload: client bytes written to a shadow session straight from this
 * segment are then held as references to @p m (umb_peer_write_ref), not
 * copied. @p m must stay unmodified; the caller frees it as usual (the
 * references keep it until the shadow acknowledges the bytes).
 */
void umb_session_packet_mbuf(struct umb_session_table *t,
		const struct umb_pkt *pkt, const uint8_t *payload,
		struct rte_mbuf *m);

/**
 * Handle one TCP segment received from the shadow (its destination port is
 * in this table's SNAT class). No-op without mirroring.
 */
void umb_session_shadow_packet(struct umb_session_table *t,
		const struct umb_pkt *pkt, const uint8_t *payload);

/** The shadow's next-hop MAC (NULL: unknown). */
void umb_session_set_next_hop(struct umb_session_table *t,
		const struct rte_ether_addr *mac);

/** Shadow sessions open. */
uint32_t umb_session_mirrored(const struct umb_session_table *t);

/**
 * End flows idle for longer than their timeout, visiting at most @p max_visit;
 * with mirroring also run the shadow sessions' timers and response timeouts.
 */
void umb_session_expire(struct umb_session_table *t, uint64_t now_us,
		unsigned int max_visit);

/** End every flow (end of input, shutdown). */
void umb_session_flush(struct umb_session_table *t, uint64_t now_us);

/**
 * Change the sampling share. It applies at request boundaries: a flow
 * newly picked (sample value below the share) is mirrored from its next
 * request, a flow no longer picked stops after its requests in flight.
 */
void umb_session_set_share(struct umb_session_table *t, uint32_t share_ppm);

/**
 * Stop mirroring now (launch rolled back): every shadow connection of this
 * table is shut at once (a FIN after what the shadow already received;
 * requests still waiting for the shadow end not_mirrored, reason
 * rolled_back), and a connection the shadow has not closed within
 * @p grace_us (at most 1 s is what a rollback promises) is reset by
 * umb_session_expire(). The caller lowers the share to 0 first (or at the
 * same time), so nothing opens again. Returns the connections shut.
 */
unsigned int umb_session_mirror_close_all(struct umb_session_table *t,
		uint64_t now_us, uint64_t grace_us);

/**
 * Sample value (umb_flow_sample_ppm, with this table's seed) at and above
 * which a segment cannot matter to this table: its flow is not sampled and
 * holds no entry. At least the share; higher while flows picked under a
 * higher share are still held. A receive stage may drop such segments
 * before handing them over (they are counted there, not here).
 */
uint32_t umb_session_keep_ppm(const struct umb_session_table *t);

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
