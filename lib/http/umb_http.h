/* SPDX-License-Identifier: BSD-3-Clause
 * HTTP/1.x exchange builder. One connection object per TCP flow holds two
 * llhttp parsers (client->server requests, server->client responses) and a
 * bounded FIFO of requests waiting for their response, so pipelined
 * responses pair with requests in order. Each request seen becomes exactly
 * one exchange record (fixed size, taken from an rte_mempool when the
 * request starts) that ends with one outcome and is handed to the emit
 * callback, which takes ownership.
 *
 * Bodies stream through: only their length and a running XXH64 of the
 * decoded (de-chunked) response body are kept, so memory per connection is
 * constant whatever the body size.
 */
#ifndef UMB_HTTP_H
#define UMB_HTTP_H

#include <stdint.h>

#include <llhttp.h>
#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t is embedded per connection */
#endif
#include <xxhash.h>
#include <rte_mempool.h>

#include "umb_stats.h"
#include "umb_packet.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UMB_HTTP_COUNTERS(X) \
	X(requests, "requests seen (exchange records started)") \
	X(responses, "final responses seen") \
	X(interim_responses, "1xx interim responses skipped (100 Continue, 103)") \
	X(orphan_responses, "responses with no pending request (dropped)") \
	X(pipelined_requests, "requests started while an earlier one awaited its response") \
	X(pipeline_overflow, "requests over the per-connection pending cap (no record)") \
	X(record_pool_empty, "requests with no free exchange record (no record)") \
	X(parse_errors, "llhttp errors (that direction resynchronises)") \
	X(gaps, "gaps reported by reassembly") \
	X(gaps_filled_in_body, "gaps inside a body of known length, skipped in place") \
	X(resync_skipped_bytes, "bytes skipped while looking for a message start") \
	X(resyncs, "parsers restarted at a new message start") \
	X(unsupported, "connections that ended parsing: Upgrade, CONNECT, HTTP/2") \
	X(uri_truncated, "request URIs longer than the record holds") \
	X(bytes_after_unsupported, "bytes ignored after parsing ended on a connection") \
	X(not_http, "connections whose first client bytes cannot start a request (TLS, ...)") \
	X(garbage_requests, "client messages that failed before a method was recognised") \
	X(shadow_responses, "final responses of the shadow seen") \
	X(shadow_interim, "1xx interim responses of the shadow skipped") \
	X(shadow_orphans, "shadow responses with no request waiting for them (dropped)") \
	X(shadow_parse_errors, "llhttp errors in the shadow's responses (the mirror ends)") \
	X(mirror_overflow, "mirrored requests over the per-connection pending cap (capped)") \
	X(mirror_denied, "shadow connections ended before a request not on the allowlist") \
	X(shadow_close_announced, "shadow answers saying the shadow closes after them (Connection: close): the next request goes on a new connection") \
	X(headers_cut, "answers of mirrored exchanges with headers past the keep cap (the rest not kept)") \
	X(body_over_max, "answers whose body passed compare_body_max (compared by hash only)") \
	X(body_no_memory, "answers whose body found the compare memcap exhausted (compared by hash only)")

#define UMB_HTTP_ENUM_(n, d) UMB_HTTP_##n,
enum umb_http_ctr {
	UMB_HTTP_COUNTERS(UMB_HTTP_ENUM_)
	UMB_HTTP_CTR_MAX
};
#undef UMB_HTTP_ENUM_

extern const struct umb_ctr_group umb_http_ctr_group;

/*
 * Outcome of an exchange. Every record ends with exactly one. The list is
 * ordered by precedence, the worst last: when several apply, the later one
 * is kept. What the production capture lost outranks what the shadow did,
 * because without the production side there is nothing to compare.
 */
#define UMB_OUTCOMES(X) \
	X(complete, "request and final response both parsed to the end; not mirrored, so nothing to compare") \
	X(match, "mirrored: both answers complete and equal under the compare rules") \
	X(mismatch, "mirrored: both answers complete and different (the diffs say how)") \
	X(not_compared, "mirrored, both answers complete, but the comparator was saturated (live): not compared") \
	X(shadow_timeout, "mirrored: the shadow's response did not begin in time, or the shadow was unreachable") \
	X(shadow_reset, "mirrored: the shadow reset or closed the connection before answering") \
	X(shadow_error, "mirrored: the shadow failed: it answered 5xx where production did not, or its response was not valid HTTP/1.x or lost bytes") \
	X(not_mirrored, "sampled, but not sent to the shadow; mirror_reason says why (before its flow's first boundary, share lowered, ...)") \
	X(suppressed, "sampled, but its method is not on the allowlist: no byte of it reached the shadow") \
	X(capped, "sampled, but not mirrored: a cap (sessions, rate, held bytes, queue) was reached") \
	X(not_sampled, "the flow was not sampled for mirroring (not written by default)") \
	X(no_response, "request parsed, no response began before the flow ended") \
	X(incomplete, "request or response began but the flow ended before it did") \
	X(gap, "bytes of the request or response were never captured") \
	X(parse_error, "the request or response was not valid HTTP/1.x") \
	X(unsupported, "Upgrade, CONNECT tunnel or HTTP/2: not compared")

#define UMB_OUTCOME_ENUM_(n, d) UMB_OUTCOME_##n,
enum umb_outcome {
	UMB_OUTCOMES(UMB_OUTCOME_ENUM_)
	UMB_OUTCOME_MAX
};
#undef UMB_OUTCOME_ENUM_

/*
 * Why an exchange of a sampled flow did not go to the shadow, beside the
 * outcomes not_mirrored and capped (umb_exchange.mirror_reason; none
 * otherwise).
 */
#define UMB_MIRROR_REASONS(X) \
	X(none, "") \
	X(before_boundary, "it was in progress when mirroring of its flow (re)started: mirroring starts at a request boundary") \
	X(reopening, "it began while the flow's previous shadow connection was closing") \
	X(share_lowered, "the share was lowered (or the launch paused or promoted): its flow is no longer picked") \
	X(session_cap, "no shadow connection was free (max_sessions, SNAT ports)") \
	X(rate, "new shadow connections per second over new_sessions_per_sec") \
	X(queue, "more than shadow_queue_max requests waited for the shadow") \
	X(held_bytes, "held bytes over held_bytes_per_session") \
	X(rolled_back, "the launch was rolled back: mirroring stopped at once")

#define UMB_MIRROR_REASON_ENUM_(n, d) UMB_MREASON_##n,
enum umb_mirror_reason {
	UMB_MIRROR_REASONS(UMB_MIRROR_REASON_ENUM_)
	UMB_MREASON_MAX
};
#undef UMB_MIRROR_REASON_ENUM_

/** Name of a mirror reason ("unknown" out of range). */
const char *umb_mirror_reason_name(enum umb_mirror_reason r);

/** Counter group of outcomes (group "outcome"), index = enum umb_outcome. */
extern const struct umb_ctr_group umb_outcome_ctr_group;
const char *umb_outcome_name(enum umb_outcome o);

#define UMB_HTTP_METHOD_MAX 24   /**< bytes kept of the method */
#define UMB_HTTP_URI_MAX   4096  /**< bytes kept of the URI (servers commonly cap at 8 KiB) */
#define UMB_HTTP_HOST_MAX  256   /**< bytes kept of the Host header */
#define UMB_HTTP_PIPELINE_MAX 32 /**< pending requests per connection */
/**
 * Requests of one connection waiting for the shadow (sent, or kept for
 * pacing or the next shadow connection): room for a few seconds of a busy
 * keep-alive connection while the shadow link retransmits.
 */
#define UMB_HTTP_MIRROR_QUEUE_MAX 64

/* umb_exchange.flags: the request and the exchange as a whole */
#define UMB_X_MIDSTREAM   0x0001 /**< flow picked up without its handshake */
#define UMB_X_URI_TRUNC   0x0002 /**< uri holds the first UMB_HTTP_URI_MAX-1 bytes */
#define UMB_X_HOST_TRUNC  0x0004
#define UMB_X_REQ_GAP     0x0010 /**< the request crossed a capture gap */
#define UMB_X_RESP_GAP    0x0020 /**< production's response crossed a capture gap */
#define UMB_X_PIPELINED   0x0040 /**< sent before the previous response began */
#define UMB_X_REQ_DONE    0x0100 /**< request message complete */
#define UMB_X_MIRRORED    0x1000 /**< the flow was mirrored: ans[UMB_SIDE_SHADOW] applies */
#define UMB_X_SHADOW_SENT 0x2000 /**< every byte of the request went to the shadow */
#define UMB_X_KEEP        0x4000 /**< answers keep headers and bodies for the comparator */
#define UMB_X_SLOWER      0x8000 /**< comparator: the shadow was flagged slower */

/* umb_answer.flags: one side's final response */
#define UMB_A_BEGUN       0x0001 /**< a final response began */
#define UMB_A_DONE        0x0002 /**< the final response ended */
#define UMB_A_HASH        0x0004 /**< body_hash covers the whole body */
#define UMB_A_CHUNKED     0x0008 /**< chunked transfer coding */
#define UMB_A_CLOSE_DELIM 0x0010 /**< body delimited by connection close */
#define UMB_A_HDRS_CUT    0x0020 /**< headers past the keep cap were not kept */
#define UMB_A_BODY_CUT    0x0040 /**< body not kept (size or memcap): compare by hash */

/**
 * Bytes kept for the comparator: a chain of chunks from the compare pool
 * (umb_http_ctx.cpool, the global compare memcap). Freed by whoever ends
 * the record's life (umb_kept_free).
 */
#define UMB_CHUNK_DATA 2032
struct umb_chunk {
	struct umb_chunk *next;
	uint32_t len;
	uint32_t pad;
	uint8_t data[UMB_CHUNK_DATA];
};

struct umb_kept {
	struct umb_chunk *head, *tail;
	uint64_t len;             /**< bytes in the chain */
};

#define UMB_SIDE_PROD   0 /**< production's answer (as captured) */
#define UMB_SIDE_SHADOW 1 /**< the shadow's answer (umbra is its peer) */

/** One side's answer to the request: the same fields for both sides. */
struct umb_answer {
	uint64_t first_us;        /**< first byte (epoch us), 0 when none */
	uint64_t last_us;         /**< last byte, 0 when none */
	uint64_t body_bytes;      /**< decoded (de-chunked) body bytes */
	uint64_t body_hash;       /**< XXH64 (seed 0) of them (UMB_A_HASH) */
	struct umb_kept hdrs;     /**< "Name: value\r\n" lines (UMB_X_KEEP) */
	struct umb_kept body;     /**< de-chunked body, still content-encoded (UMB_X_KEEP) */
	int16_t status;           /**< final status code, -1 when none */
	uint16_t flags;           /**< UMB_A_* */
	uint8_t http_major;
	uint8_t http_minor;
};

#define UMB_X_ROUTE_MAX 160 /**< bytes of the route name the comparator writes */

/**
 * One HTTP exchange: the request half and two answer halves (production,
 * shadow), then what the comparator found. Published: the consumer stages
 * (compare, export) read it; lib/http's own bookkeeping lives elsewhere.
 */
struct umb_exchange {
	/* the request */
	uint64_t req_first_us;    /**< request first byte (epoch us) */
	uint64_t req_last_us;     /**< request last byte */
	uint64_t req_body_bytes;  /**< decoded request body bytes */
	uint64_t shadow_sent_us;  /**< its last byte sent to the shadow */
	uint64_t flow_id;         /**< caller's flow identifier */
	union umb_addr client;
	union umb_addr server;
	uint16_t client_port;
	uint16_t server_port;
	uint8_t af;               /**< 4 or 6 */
	uint8_t outcome;          /**< enum umb_outcome */
	uint8_t http_major;
	uint8_t http_minor;
	uint8_t mirror_reason;    /**< enum umb_mirror_reason (not_mirrored, capped) */
	uint32_t flags;           /**< UMB_X_* */
	uint32_t index;           /**< request number within the connection (0-based) */
	/* the answers, by UMB_SIDE_* */
	struct umb_answer ans[2];
	/* the comparison (set by the compare stage) */
	struct umb_kept diffs;    /**< the differences as a JSON array text */
	uint32_t nb_diffs;        /**< differences found (may exceed those written) */
	uint16_t cmp_flags;       /**< UMB_CMP_R_* of the comparison */
	uint16_t route_len;
	uint16_t method_len;
	uint16_t uri_len;
	uint16_t host_len;
	char route[UMB_X_ROUTE_MAX];
	char method[UMB_HTTP_METHOD_MAX];
	char uri[UMB_HTTP_URI_MAX];
	char host[UMB_HTTP_HOST_MAX];
};

/**
 * Append @p n bytes to @p k from @p pool, at most @p cap bytes in all.
 * @return 0, -ENOSPC (over @p cap: nothing appended), -ENOMEM (pool empty:
 * nothing appended).
 */
int umb_kept_append(struct rte_mempool *pool, struct umb_kept *k,
		const void *p, size_t n, uint64_t cap);
/** Copy the first @p cap bytes of @p k to @p dst; returns bytes copied. */
size_t umb_kept_copy(const struct umb_kept *k, void *dst, size_t cap);
/** Return every chunk of @p k to its pool. */
void umb_kept_free(struct umb_kept *k);
/** Free everything a record keeps (answers' headers and bodies, diffs). */
void umb_exchange_free_kept(struct umb_exchange *x);
/** Create the chunk pool of the compare memcap (@p mb MiB). NULL + rte_errno. */
struct rte_mempool *umb_kept_pool_create(const char *name, uint32_t mb,
		int socket_id);

/** Per-lcore context shared by every connection of that lcore. */
struct umb_http_ctx {
	struct rte_mempool *xpool; /**< pool of struct umb_exchange */
	/** Takes ownership of a finished record (free it with rte_mempool_put). */
	void (*emit)(void *emit_arg, struct umb_exchange *x);
	void *emit_arg;
	uint64_t *ctr;             /**< UMB_HTTP_CTR_MAX counters */
	uint64_t *outcome_ctr;     /**< UMB_OUTCOME_MAX counters */
	uint64_t allowed_methods;  /**< mirrored connections: bit llhttp_method_t */
	/**
	 * Kept content for the comparator (mirrored exchanges only): chunk
	 * pool (NULL: keep nothing), body cap per answer, header cap.
	 */
	struct rte_mempool *cpool;
	uint64_t body_max;         /**< compare_body_max: bytes of body kept per answer */
	/** Requests waiting for the shadow per connection (1..UMB_HTTP_MIRROR_QUEUE_MAX, 0: the max). */
	uint32_t mirror_queue_max;
};

#define UMB_HTTP_HDR_KEEP 4096  /**< bytes of headers kept per answer */
#define UMB_HTTP_HDR_COUNT 64   /**< headers kept per answer */

/**
 * Collecting one answer's headers (mirrored connections only): the bytes go
 * straight to the answer's kept chunks; this is the line state.
 */
struct umb_http_hdrbuf {
	uint16_t count;             /**< header lines kept */
	uint8_t cut;                /**< past a cap: the rest is not kept */
	uint8_t in_value;           /**< where the current line is */
};

#define UMB_HTTP_CLIENT 0 /**< direction: client to server (requests) */
#define UMB_HTTP_SERVER 1 /**< direction: server to client (responses) */
#define UMB_HTTP_SHADOW 2 /**< direction: shadow to umbra (the shadow's responses) */

/** Parser state of one direction (private values). */
struct umb_http_side {
	llhttp_t parser;
	uint8_t state;       /**< private: idle, in message, resync, dead */
	uint8_t in_body;     /**< between headers_complete and message_complete */
	uint8_t hdr_field;   /**< private: which header is being collected */
	uint8_t gap_in_msg;  /**< the current message crossed a gap */
	uint8_t counted;     /**< requests: the method was recognised, so it counts */
	uint8_t no_record;   /**< requests: why it has no record (private) */
	uint8_t mirror;      /**< requests: mirror state of the message (private) */
	uint8_t mpipelined;  /**< requests: started before the previous answer began */
};

/* umb_http_mreq.verdict */
#define UMB_MREQ_UNKNOWN 0 /**< method not parsed yet: hold its bytes */
#define UMB_MREQ_ALLOWED 1 /**< on the allowlist */
#define UMB_MREQ_DENIED  2 /**< not on the allowlist, or not a valid request */

/** A FIFO slot of a request awaiting its answer: the method stays here even
 * when the request has no record (pool empty), so HEAD answers pair right. */
struct umb_http_slot {
	struct umb_exchange *x;  /**< its record, NULL when it has none */
	uint8_t method;          /**< llhttp_method_t, HTTP_GET until parsed */
};

/** A request of a mirrored connection, as the shadow side sees it. */
struct umb_http_mreq {
	struct umb_exchange *x; /**< its record, NULL when it has none */
	uint64_t start;         /**< client stream offset of its first byte */
	uint64_t end;           /**< offset after its last byte, UINT64_MAX until known */
	uint64_t ready_us;      /**< time its last byte was parsed */
	uint64_t sent_us;       /**< time its last byte went to the shadow */
	uint8_t verdict;        /**< UMB_MREQ_* */
	uint8_t pipelined;      /**< the client sent it before the previous answer began */
	uint8_t sent;           /**< every byte of it went to the shadow */
	uint8_t begun;          /**< the shadow's answer began */
	uint8_t method;         /**< llhttp_method_t */
};

/**
 * Shadow side of a connection: the requests in flight toward the shadow
 * (a FIFO from their first byte until the shadow's answer ends) and the
 * client stream offsets the mirror needs (docs/peer.md: pacing, allowlist).
 */
struct umb_http_mirror {
	struct umb_http_mreq q[UMB_HTTP_MIRROR_QUEUE_MAX];
	struct umb_exchange *cur;       /**< exchange whose shadow answer is being parsed */
	XXH64_state_t hash;             /**< running hash of the shadow's body */
	uint64_t fed;                   /**< client stream bytes parsed (offset of the next) */
	uint64_t base;                  /**< offset of the buffer being parsed */
	const uint8_t *buf;             /**< the buffer being parsed */
	uint8_t head;                   /**< oldest request */
	uint8_t count;                  /**< requests held */
	uint8_t answered;               /**< requests from head whose answer began */
	uint8_t active;                 /**< mirroring on */
	uint8_t in_body;                /**< the shadow answer is in its body */
	uint8_t gap_in_msg;             /**< the shadow answer lost bytes */
	uint8_t hflags;                 /**< private: interim / carry state */
	uint8_t accepting;              /**< new requests are tracked */
	uint8_t cut;                    /**< this connection's end is decided (suppress) */
	uint8_t stop_why;               /**< outcome of the requests from stop_at on */
	uint8_t stop_reason;            /**< their enum umb_mirror_reason */
	uint64_t stop_at;               /**< nothing from this offset on may be sent */
	uint64_t done_end;              /**< end of the last request that left the FIFO */
	struct umb_http_hdrbuf hdr[2];  /**< headers being collected, by UMB_SIDE_* */
};

/** HTTP state of one TCP connection. */
struct umb_http_conn {
	struct umb_http_side side[3];   /**< by direction, UMB_HTTP_SHADOW last */
	struct umb_http_slot pending[UMB_HTTP_PIPELINE_MAX]; /**< FIFO */
	struct umb_exchange *cur_req;   /**< request being parsed (also in pending) */
	struct umb_exchange *cur_resp;  /**< exchange whose response is being parsed */
	uint8_t cur_resp_method;        /**< method of the request it answers */
	struct umb_http_ctx *ctx;
	XXH64_state_t hash;             /**< running hash of the current response body */
	uint64_t now_us;                /**< time of the bytes being parsed */
	uint64_t flow_id;
	union umb_addr client;
	union umb_addr server;
	uint16_t client_port;
	uint16_t server_port;
	uint8_t af;
	uint8_t head;                   /**< index of the oldest pending */
	uint8_t count;                  /**< pending requests */
	uint8_t unsupported;            /**< parsing ended for this connection */
	uint8_t pipelined;              /**< client pipelined at least once */
	uint8_t resp_after_gap;         /**< server gap seen since the last response */
	uint32_t flags;                 /**< UMB_X_MIDSTREAM copied into records */
	uint32_t nb_requests;
	uint64_t client_fed;            /**< client stream bytes seen (data and gaps) */
	struct umb_http_mirror *mirror; /**< the shadow side while mirrored, else NULL */
	uint8_t mirror_ended;           /**< private: outcome of requests after the mirror ended */
	uint8_t mirror_reason;          /**< private: their enum umb_mirror_reason */
	uint8_t mirror_failed;          /**< private: the shadow's bytes broke the mirror */
};

/**
 * Requests that start from now on, until umb_http_mirror_enable(), end with
 * @p why (not_sampled, capped, not_mirrored) and @p reason.
 */
void umb_http_mirror_refuse(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason);

/** The shadow's bytes broke the mirror: the caller must abort it. */
static inline int
umb_http_mirror_failed(const struct umb_http_conn *c)
{
	return c->mirror_failed;
}

/**
 * Start HTTP parsing of a connection.
 * @param midstream  the flow was picked up without its handshake: both
 *   directions wait for a message start before parsing.
 */
void umb_http_conn_init(struct umb_http_conn *c, struct umb_http_ctx *ctx,
		uint64_t flow_id, uint8_t af,
		const union umb_addr *client, uint16_t client_port,
		const union umb_addr *server, uint16_t server_port, int midstream);

/** In-order bytes of direction @p dir (UMB_HTTP_CLIENT / UMB_HTTP_SERVER). */
void umb_http_data(struct umb_http_conn *c, int dir, const uint8_t *p,
		uint32_t len, uint64_t ts_us);

/** @p len bytes of direction @p dir were never captured. */
void umb_http_gap(struct umb_http_conn *c, int dir, uint32_t len,
		uint64_t ts_us);

/** Direction @p dir ended (FIN): completes close-delimited responses. */
void umb_http_eof(struct umb_http_conn *c, int dir, uint64_t ts_us);

/**
 * The connection ended (closed, reset, idle, evicted, flushed): every record
 * still held is emitted with its outcome. Safe to call twice.
 */
void umb_http_conn_end(struct umb_http_conn *c, uint64_t ts_us);

/* ---- the shadow side (mirrored connections, docs/peer.md) ---- */

/**
 * Mirror this connection from now on: every request that starts from here
 * is also tracked for the shadow (stream offsets from the connection's
 * first byte), and its record is held until the shadow side ends (answer,
 * umb_http_mirror_end). May be called at any point of the connection
 * (a flow picked up mid-stream, a new shadow connection): a request in
 * progress is not tracked (outcome not_mirrored, before_boundary), the
 * next one is.
 * @param m  storage of the shadow side, owned by the caller until
 *   umb_http_mirror_end() returns (mirrored connections are few: the
 *   caller keeps one per shadow session, not one per flow)
 */
void umb_http_mirror_enable(struct umb_http_conn *c, struct umb_http_mirror *m);

/**
 * Where the bytes the client sent so far may be released to the shadow.
 *
 * @param limit    set to the offset below which bytes may be sent: requests
 *   whose method is allowed, not held back by pacing (a request waits for
 *   the shadow's answer to the previous one to begin, unless the client
 *   itself pipelined it)
 * @return 0, or 1 when a denied request (not on the allowlist, or not a
 *   valid request) comes next: *@p limit is then where the shadow stream
 *   must end, and umb_http_mirror_suppress() must be called.
 */
int umb_http_mirror_limit(const struct umb_http_conn *c, uint64_t *limit);

/**
 * The shadow connection ends where umb_http_mirror_limit() said (before a
 * denied request, or where the mirror was stopped). The denied request
 * there ends suppressed; the requests before it still wait for their
 * answers on this connection. What comes after is carried to the next
 * connection (umb_http_mirror_switch), unless the mirror was stopped for
 * good (share lowered, rolled back): then those end not_mirrored and no
 * new request is tracked.
 */
void umb_http_mirror_suppress(struct umb_http_conn *c);

/**
 * The current shadow connection is gone: its requests still waiting end
 * with @p why / @p reason; the requests carried past its end stay, and
 * the shadow parser starts afresh for the next connection.
 * @return the requests carried.
 */
unsigned int umb_http_mirror_switch(struct umb_http_conn *c,
		enum umb_outcome why, enum umb_mirror_reason reason,
		uint64_t ts_us);

/**
 * The first request a new shadow connection would carry: leading denied
 * requests end suppressed, and requests that start below @p held_from
 * (their bytes are no longer held) end not_mirrored (reopening).
 * @param start  set to its first byte's offset
 * @return its verdict (UMB_MREQ_*), or -1 when none is tracked.
 */
int umb_http_mirror_next(struct umb_http_conn *c, uint64_t held_from,
		uint64_t *start);

/**
 * Requests carried past the current connection's end (after
 * umb_http_mirror_suppress): how many, and where the first one starts.
 */
unsigned int umb_http_mirror_carried(const struct umb_http_conn *c,
		uint64_t *start);

/**
 * Nothing from client offset @p off on may go to the shadow on this
 * connection (@p why, @p reason for the requests there); the next
 * umb_http_mirror_limit() says so.
 */
void umb_http_mirror_stop_at(struct umb_http_conn *c, uint64_t off,
		enum umb_outcome why, enum umb_mirror_reason reason);

/**
 * The oldest request tracked for the shadow.
 * @param start    set to the stream offset of its first byte
 * @return its verdict (UMB_MREQ_*), or -1 when none is tracked.
 */
int umb_http_mirror_first(const struct umb_http_conn *c, uint64_t *start);

/**
 * Requests from the next one on must not reach the shadow (@p why, @p
 * reason): those in flight still get their answers, and the next
 * umb_http_mirror_limit() says where the shadow stream ends.
 */
void umb_http_mirror_stop_new(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason);

/** Every client byte below @p sent_off went to the shadow (at @p now_us). */
void umb_http_mirror_sent(struct umb_http_conn *c, uint64_t sent_off,
		uint64_t now_us);

/**
 * When the oldest request still waiting for the shadow's answer was sent
 * (or became ready to send, if it was not sent yet); 0 when none waits.
 */
uint64_t umb_http_mirror_waiting_since(const struct umb_http_conn *c);

/**
 * The shadow side ended (session closed, reset, timed out, capped): every
 * request still waiting ends with outcome @p why (the worse of it and what
 * it had), later requests too, and records nothing else holds are emitted.
 * @p why UMB_OUTCOME_complete only releases the records. The connection
 * lets go of the storage given to umb_http_mirror_enable().
 */
void umb_http_mirror_end(struct umb_http_conn *c, enum umb_outcome why,
		uint64_t ts_us);

/** umb_http_mirror_end() with the @p reason of capped or not_mirrored. */
void umb_http_mirror_end_why(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t ts_us);

/** Requests held for the shadow. */
static inline unsigned int
umb_http_mirror_pending(const struct umb_http_conn *c)
{
	return c->mirror != NULL ? c->mirror->count : 0;
}

/** Create a pool of @p n exchange records. NULL with rte_errno on failure. */
struct rte_mempool *umb_http_xpool_create(const char *name, unsigned int n,
		int socket_id);

#ifdef __cplusplus
}
#endif
#endif
