/* SPDX-License-Identifier: BSD-3-Clause
 * Passive TCP reassembly, one stream per direction of a flow.
 *
 * A stream turns captured segments into an ordered byte stream handed to a
 * sink: in-order bytes are delivered straight from the segment (no copy);
 * out-of-order bytes are copied into fixed-size chunks from a shared
 * rte_mempool and delivered once the hole before them fills. Memory is
 * bounded twice: the pool (global memcap) and a per-stream byte cap, both
 * checked before taking a chunk. A hole that can never fill (the receiver
 * acknowledged bytes the capture never saw, the per-stream queue is over its
 * cap, the pool is empty, or the stream ends) is skipped with a gap callback
 * that says how many bytes are missing, and delivery resumes after it.
 *
 * Sequence numbers wrap: every comparison is modulo 2^32.
 * Overlaps: the first copy of a byte wins. Retransmitted bytes already
 * delivered are dropped silently (counted); overlaps between queued
 * out-of-order chunks are compared and a mismatch is counted as a conflict.
 */
#ifndef UMB_TCP_H
#define UMB_TCP_H

#include <stdint.h>

#include <rte_mempool.h>

#include "umb_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sequence number order (RFC 9293 modular comparison): a before b. */
static inline int
umb_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/** a before or equal to b, modulo 2^32. */
static inline int
umb_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

#define UMB_TCP_COUNTERS(X) \
	X(segments, "segments handed to reassembly") \
	X(in_order, "segments delivered in order without queueing") \
	X(bytes_delivered, "bytes delivered to the sink") \
	X(ooo_queued, "segments queued out of order") \
	X(ooo_bytes_queued, "bytes queued out of order") \
	X(retransmit, "segments wholly retransmitted (all bytes seen before)") \
	X(overlap_partial, "segments partly overlapping bytes already seen") \
	X(overlap_conflict, "segments whose overlapping bytes differ from the first copy") \
	X(gaps, "holes skipped (bytes never captured)") \
	X(gap_bytes, "bytes skipped in holes") \
	X(gap_acked, "holes declared because the receiver acked past them") \
	X(gap_stream_cap, "holes declared because the stream queue cap was hit") \
	X(gap_pool_empty, "holes declared because the chunk pool was empty") \
	X(gap_at_end, "holes declared when the stream ended") \
	X(drop_stream_cap, "out-of-order segments dropped: per-stream cap") \
	X(drop_pool_empty, "out-of-order segments dropped: chunk pool empty") \
	X(drop_out_of_window, "segments dropped: too far from the expected sequence") \
	X(drop_after_fin, "data beyond the FIN dropped") \
	X(syn, "SYN segments") \
	X(syn_data, "SYN segments with payload") \
	X(fin, "FIN segments") \
	X(rst, "RST segments") \
	X(midstream, "streams picked up without a SYN")

#define UMB_TCP_ENUM_(n, d) UMB_TCP_##n,
enum umb_tcp_ctr {
	UMB_TCP_COUNTERS(UMB_TCP_ENUM_)
	UMB_TCP_CTR_MAX
};
#undef UMB_TCP_ENUM_

extern const struct umb_ctr_group umb_tcp_ctr_group;

/** Bytes of payload held by one chunk of the out-of-order pool. */
#define UMB_TCP_CHUNK_DATA 2048

/** Segments further than this from the expected sequence are dropped. */
#define UMB_TCP_MAX_WINDOW (1u << 30)

/** Where a stream's bytes go. Callbacks may be NULL. */
struct umb_tcp_sink {
	/** In-order bytes; @p ts_us is the time of the packet that made them deliverable. */
	void (*data)(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts_us);
	/** @p len bytes that will never be seen were skipped. */
	void (*gap)(void *arg, int dir, uint32_t len, uint64_t ts_us);
	/** All bytes up to the FIN were delivered (or RST / end): no more data. */
	void (*eof)(void *arg, int dir, uint64_t ts_us);
};

/** Shared per-lcore reassembly context. */
struct umb_tcp_ctx {
	struct rte_mempool *chunk_pool; /**< elements of struct umb_tcp_chunk size */
	uint32_t stream_cap;             /**< max out-of-order bytes per stream */
	const struct umb_tcp_sink *sink;
	uint64_t *ctr;                   /**< UMB_TCP_CTR_MAX counters of this lcore */
};

struct umb_tcp_chunk; /* private */

/** State of one direction. Zero it (or umb_tcp_stream_init) before use. */
struct umb_tcp_stream {
	struct umb_tcp_chunk *ooo;  /**< queued chunks, sorted by sequence */
	uint32_t next_seq;          /**< next byte to deliver */
	uint32_t fin_seq;           /**< sequence of the FIN (if UMB_TCP_S_FIN) */
	uint32_t acked;             /**< highest ack the peer sent for this stream */
	uint32_t ooo_bytes;         /**< bytes held in ooo */
	uint16_t flags;             /**< UMB_TCP_S_* */
	uint8_t dir;                /**< passed back to the sink */
	uint8_t pad;
};

#define UMB_TCP_S_STARTED   0x01 /**< next_seq is valid */
#define UMB_TCP_S_SYN       0x02 /**< saw the SYN */
#define UMB_TCP_S_FIN       0x04 /**< saw the FIN, fin_seq valid */
#define UMB_TCP_S_ACKED     0x08 /**< acked is valid */
#define UMB_TCP_S_CLOSED    0x10 /**< eof delivered; ignore further data */
#define UMB_TCP_S_MIDSTREAM 0x20 /**< started without a SYN */

/**
 * Create the chunk pool for @p nb_chunks chunks (the global memcap is
 * nb_chunks * UMB_TCP_CHUNK_DATA bytes).
 * @return the pool, or NULL with rte_errno set.
 */
struct rte_mempool *umb_tcp_chunk_pool_create(const char *name,
		unsigned int nb_chunks, int socket_id);

/** Initialise @p s for direction @p dir. */
void umb_tcp_stream_init(struct umb_tcp_stream *s, uint8_t dir);

/**
 * Feed one segment of this direction.
 *
 * @param seq    sequence number of the segment
 * @param flags  UMB_TCP_* flags of the segment
 * @param p,len  payload
 * @param arg    opaque, passed to the sink callbacks
 * @return 0, or a negative errno for invalid arguments.
 */
int umb_tcp_segment(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t seq, uint8_t flags, const uint8_t *p, uint32_t len,
		uint64_t ts_us, void *arg);

/**
 * The peer acknowledged @p ack for this stream. When the receiver has acked
 * bytes that were never captured and out-of-order data waits behind them,
 * the hole is skipped (gap) and the queued data delivered.
 */
void umb_tcp_ack(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t ack, uint64_t ts_us, void *arg);

/**
 * End the stream (flow closed, reset, timed out or flushed): skip remaining
 * holes, deliver what is queued, then eof. Frees every chunk. Idempotent.
 */
void umb_tcp_stream_end(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint64_t ts_us, void *arg);

/** Free every chunk without delivering anything (flow evicted/destroyed). */
void umb_tcp_stream_release(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s);

#ifdef __cplusplus
}
#endif
#endif
