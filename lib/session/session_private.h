/* SPDX-License-Identifier: BSD-3-Clause
 * lib/session's private state, shared by session.c (flows: the capture's
 * TCP streams and HTTP exchanges) and mirror.c (the flow's shadow
 * connections, docs/peer.md). Nothing outside lib/session includes it.
 */
#ifndef UMB_SESSION_PRIVATE_H
#define UMB_SESSION_PRIVATE_H

#include <stdint.h>
#include <sys/queue.h>

#include <rte_mbuf.h>

#include "umb_session.h"

#define CLIENT_UNKNOWN 0xff
#define DIRTY_MAX 256    /* sessions touched inside one peer call (timers: many) */
#define KEEP_BUCKETS 1024 /* sample values of the flows held, histogram */

enum flow_state { FLOW_ACTIVE = 0, FLOW_CLOSED };

struct session {
	struct umb_tcp_stream stream[2];   /**< by endpoint index of the key */
	struct umb_http_conn http;
	struct umb_session_table *t;
	struct umb_flow *f;
	struct umb_peer_conn *peer;        /**< shadow session, NULL when none */
	struct umb_http_mirror *mst;       /**< its HTTP side, from t->mstore */
	TAILQ_ENTRY(session) mnext;        /**< in t->mirrored while peer is set */
	uint64_t closed_us;
	uint64_t base;                     /**< client offset of the shadow connection's byte 0 */
	struct rte_mbuf *hold;             /**< client bytes kept for the shadow, not yet written */
	struct rte_mbuf *hold_tail;
	uint64_t hold_off;                 /**< client offset of hold's first byte */
	uint32_t hold_len;
	uint64_t coff;                     /**< client stream offset (bytes and gaps delivered) */
	uint32_t client_isn;
	uint32_t sample_ppm;               /**< the flow's sample value */
	struct umb_peer_syn syn;           /**< the client's SYN options (syn_seen) */
	uint8_t state;
	uint8_t client;                    /**< endpoint index, CLIENT_UNKNOWN */
	uint8_t sampled;
	uint8_t http_started;
	uint8_t handshake_seen;            /**< SYN or SYN-ACK seen */
	uint8_t syn_seen;
	uint8_t abort_why;                 /**< outcome for what waits when we abort */
	uint8_t client_eof;                /**< the client's stream ended (FIN) */
	uint8_t shut;                      /**< umb_peer_shutdown was called */
	uint8_t shadow_eof;                /**< deferred: the shadow's stream ended */
	uint8_t dirty;                     /**< in t->dirty */
};

TAILQ_HEAD(session_list, session);

struct umb_session_table {
	struct umb_flow_table *flows;
	struct rte_mempool *chunks;
	struct rte_mempool *xpool;
	struct umb_session_ctrs *ctr;
	struct umb_tcp_ctx tcp;
	struct umb_http_ctx http;
	struct umb_tcp_sink sink;
	uint64_t now_us;
	uint64_t idle_timeout_us;
	uint64_t close_timeout_us;
	uint64_t seed;
	uint32_t share_ppm;
	int midstream;
	void (*emit)(void *arg, struct umb_exchange *x);
	void *emit_arg;
	int record_unsampled;             /**< unsampled flows get entries too */
	/*
	 * Only flows with an entry matter, and without record_unsampled only
	 * sampled flows get one. keep_ppm bounds the sample values of the
	 * flows held (from a histogram by value), so a segment whose value is
	 * at or above it is dropped before any lookup; it stays above the
	 * share until the flows a higher share picked have ended.
	 */
	uint32_t keep_ppm;
	uint32_t keep_top;                /**< highest bucket that may be in use */
	uint32_t live[KEEP_BUCKETS];      /**< sampled flows held, by value bucket */
	/* mirroring */
	struct umb_peer_ctx *peer;
	uint64_t resp_timeout_us;
	struct session_list mirrored;     /**< sessions with a shadow peer */
	struct session *mcursor;          /**< response-timeout scan position */
	struct session *dirty[DIRTY_MAX]; /**< touched inside a peer call */
	/* the segment being handled, when its payload lies in an mbuf */
	struct rte_mbuf *cur_m;
	const uint8_t *cur_p;
	uint32_t cur_len;
	struct umb_http_mirror **mfree;   /**< free HTTP mirror storage (stack) */
	uint32_t nb_mfree;
	struct umb_http_mirror *mstore;   /**< one per possible shadow session */
	unsigned int nb_dirty;
	uint32_t hold_max;                /**< bytes a session may keep (held_bytes) */
	uint64_t close_deadline;          /**< rollback: reset what is still open then */
};

static inline struct session *
flow_session(struct umb_flow *f)
{
	return (struct session *)f->data;
}

/* Is the flow picked by the share now (sample value below it)? */
static inline int
picked(const struct session *s)
{
	return s->sample_ppm < s->t->share_ppm;
}

/* mirror.c: the flow's shadow connections */
void sm_attach(struct session *s, uint64_t now);
void sm_detach(struct session *s, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t now);
void sm_client_data(struct session *s, const uint8_t *p, uint32_t len,
		uint64_t off, uint64_t now);
void sm_abort(struct session *s, enum umb_outcome why, int ctr, uint64_t now);
void sm_push(struct session *s, uint64_t now);
void sm_mark_dirty(struct session *s);
void sm_after_peer(struct umb_session_table *t, uint64_t now);
void sm_expire(struct umb_session_table *t, uint64_t now,
		unsigned int max_visit);
void sm_reset_all(struct umb_session_table *t, uint64_t now);
void sm_hold_free(struct session *s);
void sm_peer_sent(void *owner, uint64_t off, uint64_t now);
void sm_peer_closed(void *owner, enum umb_peer_end why, uint64_t now);

#endif /* UMB_SESSION_PRIVATE_H */
