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
	X(garbage_requests, "client messages that failed before a method was recognised")

#define UMB_HTTP_ENUM_(n, d) UMB_HTTP_##n,
enum umb_http_ctr {
	UMB_HTTP_COUNTERS(UMB_HTTP_ENUM_)
	UMB_HTTP_CTR_MAX
};
#undef UMB_HTTP_ENUM_

extern const struct umb_ctr_group umb_http_ctr_group;

/*
 * Outcome of an exchange. Every record ends with exactly one.
 * Later features (shadow side, comparator) add to this list.
 */
#define UMB_OUTCOMES(X) \
	X(complete, "request and final response both parsed to the end") \
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

/** Counter group of outcomes (group "outcome"), index = enum umb_outcome. */
extern const struct umb_ctr_group umb_outcome_ctr_group;
const char *umb_outcome_name(enum umb_outcome o);

#define UMB_HTTP_METHOD_MAX 24   /**< bytes kept of the method */
#define UMB_HTTP_URI_MAX   4096  /**< bytes kept of the URI (servers commonly cap at 8 KiB) */
#define UMB_HTTP_HOST_MAX  256   /**< bytes kept of the Host header */
#define UMB_HTTP_PIPELINE_MAX 32 /**< pending requests per connection */

/* umb_exchange.flags */
#define UMB_X_MIDSTREAM   0x0001 /**< flow picked up without its handshake */
#define UMB_X_URI_TRUNC   0x0002 /**< uri holds the first UMB_HTTP_URI_MAX-1 bytes */
#define UMB_X_HOST_TRUNC  0x0004
#define UMB_X_HASH_VALID  0x0008 /**< resp_body_hash covers the whole body */
#define UMB_X_REQ_GAP     0x0010 /**< the request crossed a capture gap */
#define UMB_X_RESP_GAP    0x0020 /**< the response crossed a capture gap */
#define UMB_X_PIPELINED   0x0040 /**< sent before the previous response began */
#define UMB_X_RESP_CHUNKED 0x0080
#define UMB_X_REQ_DONE    0x0100 /**< request message complete */
#define UMB_X_RESP_BEGUN  0x0200 /**< a final response began */
#define UMB_X_RESP_DONE   0x0400 /**< final response message complete */
#define UMB_X_CLOSE_DELIM 0x0800 /**< response body delimited by connection close */

/** One HTTP exchange: a request and the response paired with it. */
struct umb_exchange {
	uint64_t req_first_us;    /**< request first byte (epoch us) */
	uint64_t req_last_us;     /**< request last byte */
	uint64_t resp_first_us;   /**< response first byte, 0 when none */
	uint64_t resp_last_us;    /**< response last byte, 0 when none */
	uint64_t req_body_bytes;  /**< decoded request body bytes */
	uint64_t resp_body_bytes; /**< decoded response body bytes */
	uint64_t resp_body_hash;  /**< XXH64 (seed 0) of the decoded body */
	uint64_t flow_id;         /**< caller's flow identifier */
	union umb_addr client;
	union umb_addr server;
	uint16_t client_port;
	uint16_t server_port;
	uint8_t af;               /**< 4 or 6 */
	uint8_t outcome;          /**< enum umb_outcome */
	int16_t status;           /**< final status code, -1 when none */
	uint16_t flags;           /**< UMB_X_* */
	uint8_t http_major;
	uint8_t http_minor;
	uint32_t index;           /**< request number within the connection (0-based) */
	uint16_t method_len;
	uint16_t uri_len;
	uint16_t host_len;
	char method[UMB_HTTP_METHOD_MAX];
	char uri[UMB_HTTP_URI_MAX];
	char host[UMB_HTTP_HOST_MAX];
};

/** Per-lcore context shared by every connection of that lcore. */
struct umb_http_ctx {
	struct rte_mempool *xpool; /**< pool of struct umb_exchange */
	/** Takes ownership of a finished record (free it with rte_mempool_put). */
	void (*emit)(void *emit_arg, struct umb_exchange *x);
	void *emit_arg;
	uint64_t *ctr;             /**< UMB_HTTP_CTR_MAX counters */
	uint64_t *outcome_ctr;     /**< UMB_OUTCOME_MAX counters */
};

#define UMB_HTTP_CLIENT 0 /**< direction: client to server (requests) */
#define UMB_HTTP_SERVER 1 /**< direction: server to client (responses) */

/** Parser state of one direction (private values). */
struct umb_http_side {
	llhttp_t parser;
	uint8_t state;       /**< private: idle, in message, resync, dead */
	uint8_t in_body;     /**< between headers_complete and message_complete */
	uint8_t hdr_field;   /**< private: which header is being collected */
	uint8_t gap_in_msg;  /**< the current message crossed a gap */
	uint8_t counted;     /**< requests: the method was recognised, so it counts */
	uint8_t no_record;   /**< requests: why it has no record (private) */
};

/** HTTP state of one TCP connection. */
struct umb_http_conn {
	struct umb_http_side side[2];
	struct umb_exchange *pending[UMB_HTTP_PIPELINE_MAX]; /**< FIFO */
	struct umb_exchange *cur_req;   /**< request being parsed (also in pending) */
	struct umb_exchange *cur_resp;  /**< exchange whose response is being parsed */
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
	uint16_t flags;                 /**< UMB_X_MIDSTREAM copied into records */
	uint32_t nb_requests;
};

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

/** Create a pool of @p n exchange records. NULL with rte_errno on failure. */
struct rte_mempool *umb_http_xpool_create(const char *name, unsigned int n,
		int socket_id);

#ifdef __cplusplus
}
#endif
#endif
