/* SPDX-License-Identifier: BSD-3-Clause
 * Passive TCP reassembly of one direction (see umb_tcp.h): the segment, ack
 * and end state machine, the out-of-order queue and the chunk pool.
 *
 * The queue is a singly linked list of chunks sorted by sequence. Chunks hold
 * disjoint byte ranges that all lie strictly after next_seq (a chunk that
 * next_seq reaches is delivered at once) and less than 2^31 bytes ahead of
 * it: segments are accepted at most UMB_TCP_MAX_WINDOW ahead and are at most
 * SEG_MAX long, so inside the queue every position is handled as an unsigned
 * offset from next_seq that cannot wrap. The head chunk also carries the
 * tail pointer and the chunk count, so the common case of a lost segment
 * followed by a window of later ones appends in constant time.
 *
 * Every loop is bounded by the number of chunks it frees or by a fixed retry
 * count. Nothing here logs: every outcome is a counter.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "umb_packet.h"
#include "umb_tcp.h"
#include "tcp_check.h"

UMB_CTR_GROUP_DEFINE(tcp, UMB_TCP_COUNTERS, UMB_TCP_CTR_MAX);

/*
 * Longest segment accepted (GRO/TSO aggregates stay far below). Keeps
 * window + length under 2^31 so queue offsets never wrap.
 */
#define SEG_MAX (1u << 24)

/*
 * A 1-byte segment still takes a whole chunk, so the byte cap alone would let
 * one stream hold UMB_TCP_CHUNK_DATA times its cap in chunks. A stream may
 * also hold at most CHUNK_SLACK + stream_cap / CHUNK_CHARGE chunks: pool
 * memory per stream stays under 4 x stream_cap + 4 chunks whatever the
 * segment sizes. Full-size segments never reach this limit first.
 */
#define CHUNK_CHARGE (UMB_TCP_CHUNK_DATA / 4)
#define CHUNK_SLACK 4

/* Chunks taken from or returned to the pool per bulk call. */
#define CHUNK_BULK 32

/*
 * Rounds of the segment loop: at most one skip of acknowledged holes and one
 * retry after freeing the queue, then the segment is delivered, queued or
 * dropped.
 */
#define SEG_ROUNDS 4

struct umb_tcp_chunk {
	struct umb_tcp_chunk *next;
	struct umb_tcp_chunk *tail; /* head chunk only: last chunk */
	uint32_t seq;
	uint32_t len;
	uint32_t nb;                /* head chunk only: chunks queued */
	uint8_t data[UMB_TCP_CHUNK_DATA];
};

#define CTR_INC(ctx, n) UMB_CTR_INC((ctx)->ctr, UMB_TCP_##n)
#define CTR_ADD(ctx, n, v) UMB_CTR_ADD((ctx)->ctr, UMB_TCP_##n, (v))

/* ---- sink ---- */

static inline void
emit_data(const struct umb_tcp_ctx *ctx, const struct umb_tcp_stream *s,
		const uint8_t *p, uint32_t len, uint64_t ts, void *arg)
{
	const struct umb_tcp_sink *k = ctx->sink;

	CTR_ADD(ctx, bytes_delivered, len);
	if (k != NULL && k->data != NULL)
		k->data(arg, s->dir, p, len, ts);
}

/* Skip the hole up to @p to (never-seen bytes), counting it under @p why. */
static void
skip_hole(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t to, enum umb_tcp_ctr why, uint64_t ts, void *arg)
{
	const struct umb_tcp_sink *k = ctx->sink;
	uint32_t len = to - s->next_seq;

	if (len == 0)
		return;
	CTR_INC(ctx, gaps);
	CTR_ADD(ctx, gap_bytes, len);
	UMB_CTR_INC(ctx->ctr, why);
	s->next_seq = to;
	if (k != NULL && k->gap != NULL)
		k->gap(arg, s->dir, len, ts);
}

/* ---- chunks ---- */

static void
chunks_put(struct rte_mempool *mp, struct umb_tcp_chunk *c)
{
	void *objs[CHUNK_BULK];
	unsigned int n = 0;

	while (c != NULL) {
		objs[n++] = c;
		c = c->next;
		if (n == CHUNK_BULK || c == NULL) {
			rte_mempool_put_bulk(mp, objs, n);
			n = 0;
		}
	}
}

/*
 * Take @p n chunks, all or none, linked through next. The pool is checked
 * before any byte is copied, so a failure leaves the queue untouched.
 */
static int
chunks_get(struct rte_mempool *mp, uint32_t n, struct umb_tcp_chunk **out)
{
	struct umb_tcp_chunk *list = NULL;
	void *objs[CHUNK_BULK];

	*out = NULL;
	if (mp == NULL)
		return -ENOBUFS;
	while (n > 0) {
		unsigned int b = RTE_MIN(n, (uint32_t)CHUNK_BULK);

		if (rte_mempool_get_bulk(mp, objs, b) != 0) {
			chunks_put(mp, list);
			return -ENOBUFS;
		}
		for (unsigned int i = 0; i < b; i++) {
			struct umb_tcp_chunk *c = objs[i];

			c->next = list;
			list = c;
		}
		n -= b;
	}
	*out = list;
	return 0;
}

static void
ooo_free_all(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s)
{
	if (s->ooo == NULL)
		return;
	chunks_put(ctx->chunk_pool, s->ooo);
	s->ooo = NULL;
	s->ooo_bytes = 0;
}

/* Unlink and free the head chunk, moving the list metadata to its successor. */
static void
ooo_pop(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s)
{
	struct umb_tcp_chunk *c = s->ooo;
	struct umb_tcp_chunk *next = c->next;

	if (next != NULL) {
		next->tail = c->tail;
		next->nb = c->nb - 1;
	}
	s->ooo = next;
	s->ooo_bytes -= c->len;
	rte_mempool_put(ctx->chunk_pool, c);
}

/*
 * Deliver every queued chunk that next_seq has reached. When the caller has
 * just delivered a segment straight from its buffer (@p seg_p), the queued
 * copy of the bytes it covered is compared with it before being trimmed: the
 * segment's bytes were delivered, a difference is a conflict.
 */
static void
ooo_flush(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint64_t ts, void *arg, uint32_t seg_seq, const uint8_t *seg_p,
		uint32_t seg_len)
{
	struct umb_tcp_chunk *c;
	bool conflict = false;

	while ((c = s->ooo) != NULL && umb_seq_le(c->seq, s->next_seq)) {
		uint32_t skip = s->next_seq - c->seq;

		if (seg_p != NULL && skip > 0) {
			uint32_t off = c->seq - seg_seq;

			if (off < seg_len) {
				uint32_t n = RTE_MIN(c->len, seg_len - off);

				if (memcmp(c->data, seg_p + off, n) != 0)
					conflict = true;
			}
		}
		if (skip < c->len) {
			emit_data(ctx, s, c->data + skip, c->len - skip, ts, arg);
			s->next_seq = c->seq + c->len;
		}
		ooo_pop(ctx, s);
	}
	if (conflict)
		CTR_INC(ctx, overlap_conflict);
}

/* Outcome of walking the queue for one segment. */
struct ooo_fill {
	struct umb_tcp_chunk *spare; /* commit pass: chunks to fill */
	struct umb_tcp_chunk *last;  /* commit pass: last chunk created */
	uint32_t new_bytes;          /* bytes not queued yet */
	uint32_t chunks;             /* chunks those bytes need */
	bool conflict;               /* overlap with queued bytes differs */
};

/*
 * Place the uncovered range [rs, rs + n) (offsets from @p base) after @p prev:
 * first into the free room of @p prev when it ends exactly at rs, then into
 * new chunks. The plan pass only counts; the commit pass, with chunks already
 * taken, copies and links.
 */
static struct umb_tcp_chunk *
fill_range(struct umb_tcp_stream *s, struct umb_tcp_chunk *prev, uint32_t base,
		uint32_t rs, const uint8_t *src, uint32_t n, struct ooo_fill *f,
		bool commit)
{
	if (!commit)
		f->new_bytes += n;
	if (prev != NULL && prev->seq + prev->len - base == rs &&
			prev->len < UMB_TCP_CHUNK_DATA) {
		uint32_t room = RTE_MIN(UMB_TCP_CHUNK_DATA - prev->len, n);

		if (commit) {
			memcpy(prev->data + prev->len, src, room);
			prev->len += room;
		}
		rs += room;
		src += room;
		n -= room;
	}
	while (n > 0) {
		uint32_t take = RTE_MIN(n, (uint32_t)UMB_TCP_CHUNK_DATA);

		if (!commit) {
			f->chunks++;
		} else {
			struct umb_tcp_chunk *c = f->spare;

			f->spare = c->next;
			c->seq = base + rs;
			c->len = take;
			memcpy(c->data, src, take);
			if (prev != NULL) {
				c->next = prev->next;
				prev->next = c;
			} else {
				c->next = s->ooo;
				s->ooo = c;
			}
			prev = c;
			f->last = c;
		}
		rs += take;
		src += take;
		n -= take;
	}
	return prev;
}

/*
 * Walk the queue for the segment [seq, seq + len), which lies after next_seq:
 * bytes already queued are compared (first copy wins), the others are
 * placed by fill_range. Run once to plan, once to commit.
 */
static void
ooo_walk(struct umb_tcp_stream *s, uint32_t seq, const uint8_t *p,
		uint32_t len, struct ooo_fill *f, bool commit)
{
	uint32_t base = s->next_seq;
	uint32_t start = seq - base;
	uint32_t cur = start;
	uint32_t end = start + len;
	struct umb_tcp_chunk *prev = NULL;
	struct umb_tcp_chunk *c = s->ooo;

	if (c != NULL && c->tail->seq + c->tail->len - base <= cur) {
		prev = c->tail;
		c = NULL;
	}
	while (c != NULL && c->seq + c->len - base <= cur) {
		prev = c;
		c = c->next;
	}
	while (cur < end) {
		uint32_t cs, ce, oe;

		if (c == NULL || c->seq - base >= end) {
			fill_range(s, prev, base, cur, p + (cur - start),
				end - cur, f, commit);
			break;
		}
		cs = c->seq - base;
		ce = cs + c->len;
		if (cs > cur) {
			prev = fill_range(s, prev, base, cur, p + (cur - start),
				cs - cur, f, commit);
			cur = cs;
		}
		oe = RTE_MIN(ce, end);
		if (!commit && memcmp(c->data + (cur - cs), p + (cur - start),
				oe - cur) != 0)
			f->conflict = true;
		cur = oe;
		prev = c;
		c = c->next;
	}
}

/*
 * Queue a copy of a future segment. Cap and pool are checked before any byte
 * is copied. Returns 0 (queued, or nothing new), -ENOSPC (stream cap) or
 * -ENOBUFS (pool empty).
 */
static int
ooo_queue(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t seq, const uint8_t *p, uint32_t len)
{
	struct umb_tcp_chunk *head = s->ooo;
	struct umb_tcp_chunk *old_tail = head != NULL ? head->tail : NULL;
	uint32_t old_nb = head != NULL ? head->nb : 0;
	struct ooo_fill f = { 0 };
	uint64_t max_chunks;

	ooo_walk(s, seq, p, len, &f, false);
	if (f.new_bytes == 0) {
		CTR_INC(ctx, retransmit);
		if (f.conflict)
			CTR_INC(ctx, overlap_conflict);
		return 0;
	}
	max_chunks = CHUNK_SLACK + ctx->stream_cap / CHUNK_CHARGE;
	if ((uint64_t)s->ooo_bytes + f.new_bytes > ctx->stream_cap ||
			(uint64_t)old_nb + f.chunks > max_chunks)
		return -ENOSPC;
	if (f.chunks > 0 && chunks_get(ctx->chunk_pool, f.chunks, &f.spare) != 0)
		return -ENOBUFS;

	ooo_walk(s, seq, p, len, &f, true);
	head = s->ooo;
	if (head != NULL) {
		head->nb = old_nb + f.chunks;
		head->tail = old_tail;
		if (f.last != NULL && f.last->next == NULL)
			head->tail = f.last;
	}
	s->ooo_bytes += f.new_bytes;
	CTR_INC(ctx, ooo_queued);
	CTR_ADD(ctx, ooo_bytes_queued, f.new_bytes);
	if (f.new_bytes < len)
		CTR_INC(ctx, overlap_partial);
	if (f.conflict)
		CTR_INC(ctx, overlap_conflict);
	return 0;
}

/*
 * Drop queued bytes at or after a FIN that arrived after them: one of the two
 * is bogus and the FIN wins, as it does for data that comes after it. Rare,
 * so the list metadata is rebuilt by a walk.
 */
static void
ooo_trim_fin(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s)
{
	struct umb_tcp_chunk **pp = &s->ooo;
	struct umb_tcp_chunk *c, *tail = NULL;
	uint32_t nb = 0;
	bool cut = false;

	while ((c = *pp) != NULL) {
		uint32_t keep;

		if (umb_seq_le(c->seq + c->len, s->fin_seq)) {
			tail = c;
			nb++;
			pp = &c->next;
			continue;
		}
		cut = true;
		keep = umb_seq_lt(c->seq, s->fin_seq) ? s->fin_seq - c->seq : 0;
		s->ooo_bytes -= c->len - keep;
		if (keep > 0) {
			c->len = keep;
			tail = c;
			nb++;
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		rte_mempool_put(ctx->chunk_pool, c);
	}
	if (s->ooo != NULL) {
		s->ooo->tail = tail;
		s->ooo->nb = nb;
	}
	if (cut)
		CTR_INC(ctx, drop_after_fin);
}

/* ---- stream state ---- */

/* The receiver acknowledged @p seq although next_seq has not reached it. */
static inline bool
acked_covers(const struct umb_tcp_stream *s, uint32_t seq)
{
	return (s->flags & UMB_TCP_S_ACKED) &&
		umb_seq_lt(s->next_seq, s->acked) &&
		s->acked - s->next_seq <= UMB_TCP_MAX_WINDOW &&
		umb_seq_le(seq, s->acked);
}

/*
 * Move next_seq to @p target: holes become gaps (counted under @p why),
 * queued chunks on the way are delivered. Each round pops a chunk or ends.
 */
static void
skip_to(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t target, enum umb_tcp_ctr why, uint64_t ts, void *arg)
{
	while (umb_seq_lt(s->next_seq, target)) {
		struct umb_tcp_chunk *c = s->ooo;
		uint32_t to = target;

		if (c != NULL && umb_seq_lt(c->seq, target))
			to = c->seq;
		skip_hole(ctx, s, to, why, ts, arg);
		ooo_flush(ctx, s, ts, arg, 0, NULL, 0);
	}
}

static void
stream_close(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint64_t ts, void *arg)
{
	const struct umb_tcp_sink *k = ctx->sink;

	s->flags |= UMB_TCP_S_CLOSED;
	ooo_free_all(ctx, s);
	if (k != NULL && k->eof != NULL)
		k->eof(arg, s->dir, ts);
}

static inline void
check_eof(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint64_t ts, void *arg)
{
	if ((s->flags & (UMB_TCP_S_FIN | UMB_TCP_S_CLOSED)) == UMB_TCP_S_FIN &&
			s->next_seq == s->fin_seq)
		stream_close(ctx, s, ts, arg);
}

static void
record_fin(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t fin_seq)
{
	/* A FIN before bytes already delivered cannot be the real one. */
	if ((s->flags & UMB_TCP_S_FIN) || umb_seq_lt(fin_seq, s->next_seq))
		return;
	s->fin_seq = fin_seq;
	s->flags |= UMB_TCP_S_FIN;
	if (s->ooo != NULL)
		ooo_trim_fin(ctx, s);
}

/* Payload [seq, seq + len) that passed the window and FIN checks. */
static void
segment_data(const struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t seq, const uint8_t *p, uint32_t len, uint64_t ts,
		void *arg)
{
	bool retried = false;

	for (unsigned int round = 0; round < SEG_ROUNDS; round++) {
		int32_t d = (int32_t)(seq - s->next_seq);
		enum umb_tcp_ctr gap_why, drop_why;
		int rc;

		if (d < 0) {
			uint32_t old = -(uint32_t)d;

			if (old >= len) {
				CTR_INC(ctx, retransmit);
				return;
			}
			CTR_INC(ctx, overlap_partial);
			seq += old;
			p += old;
			len -= old;
			d = 0;
		}
		if (d == 0) {
			CTR_INC(ctx, in_order);
			emit_data(ctx, s, p, len, ts, arg);
			s->next_seq += len;
			if (s->ooo != NULL)
				ooo_flush(ctx, s, ts, arg, seq, p, len);
			return;
		}
		if (acked_covers(s, seq)) {
			skip_to(ctx, s, seq, UMB_TCP_gap_acked, ts, arg);
			continue;
		}
		rc = ooo_queue(ctx, s, seq, p, len);
		if (rc == 0)
			return;
		if (rc == -ENOSPC) {
			gap_why = UMB_TCP_gap_stream_cap;
			drop_why = UMB_TCP_drop_stream_cap;
		} else {
			gap_why = UMB_TCP_gap_pool_empty;
			drop_why = UMB_TCP_drop_pool_empty;
		}
		if (retried || s->ooo == NULL) {
			UMB_CTR_INC(ctx->ctr, drop_why);
			return;
		}
		/*
		 * Make room by giving up on the oldest hole: what is queued
		 * behind it is delivered and its chunks freed.
		 */
		retried = true;
		skip_hole(ctx, s, s->ooo->seq, gap_why, ts, arg);
		ooo_flush(ctx, s, ts, arg, 0, NULL, 0);
	}
}

/* ---- API ---- */

struct rte_mempool *
umb_tcp_chunk_pool_create(const char *name, unsigned int nb_chunks,
		int socket_id)
{
	/*
	 * rte_mempool_create refuses a cache above n / 1.5; small pools (tests,
	 * fuzzing) also want exact counts, so they get no cache.
	 */
	unsigned int cache = nb_chunks >= 1024 ? 64 : 0;

	if (name == NULL || nb_chunks == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/*
	 * No device reads these: objects may straddle pages, so that without
	 * hugepages (4 KiB pages, not IOVA-contiguous) a 2 KiB chunk does not
	 * take a page of its own and the memcap is what it says.
	 */
	return rte_mempool_create(name, nb_chunks, sizeof(struct umb_tcp_chunk),
		cache, 0, NULL, NULL, NULL, NULL, socket_id,
		RTE_MEMPOOL_F_NO_IOVA_CONTIG);
}

void
umb_tcp_stream_init(struct umb_tcp_stream *s, uint8_t dir)
{
	if (s == NULL)
		return;
	memset(s, 0, sizeof(*s));
	s->dir = dir;
}

int
umb_tcp_segment(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t seq, uint8_t flags, const uint8_t *p, uint32_t len,
		uint64_t ts_us, void *arg)
{
	uint32_t dseq = seq;
	int32_t d;

	if (ctx == NULL || s == NULL || ctx->ctr == NULL ||
			(p == NULL && len > 0) || len > SEG_MAX)
		return -EINVAL;
	CTR_INC(ctx, segments);

	if (flags & UMB_TCP_RST) {
		CTR_INC(ctx, rst);
		d = (int32_t)(seq - s->next_seq);
		if ((s->flags & (UMB_TCP_S_STARTED | UMB_TCP_S_CLOSED)) ==
				UMB_TCP_S_STARTED &&
				(d > (int32_t)UMB_TCP_MAX_WINDOW ||
				 d < -(int32_t)UMB_TCP_MAX_WINDOW)) {
			CTR_INC(ctx, drop_out_of_window);
			return 0;
		}
		umb_tcp_stream_end(ctx, s, ts_us, arg);
		return 0;
	}
	if (s->flags & UMB_TCP_S_CLOSED) {
		if (len > 0 || (flags & (UMB_TCP_SYN | UMB_TCP_FIN)))
			CTR_INC(ctx, retransmit);
		return 0;
	}

	if (flags & UMB_TCP_SYN) {
		CTR_INC(ctx, syn);
		if (len > 0)
			CTR_INC(ctx, syn_data);
		/* Payload follows the SYN's own sequence slot. */
		dseq = seq + 1;
		if (!(s->flags & UMB_TCP_S_STARTED)) {
			/* An ack seen before the SYN belongs to another connection. */
			s->flags &= ~UMB_TCP_S_ACKED;
			s->flags |= UMB_TCP_S_STARTED | UMB_TCP_S_SYN;
			s->next_seq = dseq;
		}
	} else if (!(s->flags & UMB_TCP_S_STARTED)) {
		s->flags |= UMB_TCP_S_STARTED | UMB_TCP_S_MIDSTREAM;
		s->next_seq = seq;
		CTR_INC(ctx, midstream);
	}

	d = (int32_t)(dseq - s->next_seq);
	if (d > (int32_t)UMB_TCP_MAX_WINDOW || d < -(int32_t)UMB_TCP_MAX_WINDOW) {
		CTR_INC(ctx, drop_out_of_window);
		return 0;
	}

	if (flags & UMB_TCP_FIN) {
		CTR_INC(ctx, fin);
		record_fin(ctx, s, dseq + len);
	}
	if ((s->flags & UMB_TCP_S_FIN) && len > 0 &&
			umb_seq_lt(s->fin_seq, dseq + len)) {
		CTR_INC(ctx, drop_after_fin);
		len = umb_seq_lt(dseq, s->fin_seq) ? s->fin_seq - dseq : 0;
	}
	if (len > 0)
		segment_data(ctx, s, dseq, p, len, ts_us, arg);
	check_eof(ctx, s, ts_us, arg);
	return 0;
}

void
umb_tcp_ack(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint32_t ack, uint64_t ts_us, void *arg)
{
	struct umb_tcp_chunk *c;

	if (ctx == NULL || s == NULL || ctx->ctr == NULL)
		return;
	if ((s->flags & UMB_TCP_S_STARTED) &&
			(int32_t)(ack - s->next_seq) > (int32_t)UMB_TCP_MAX_WINDOW)
		return;
	if (!(s->flags & UMB_TCP_S_ACKED) || umb_seq_lt(s->acked, ack)) {
		s->acked = ack;
		s->flags |= UMB_TCP_S_ACKED;
	}
	if ((s->flags & (UMB_TCP_S_STARTED | UMB_TCP_S_CLOSED)) !=
			UMB_TCP_S_STARTED)
		return;

	/*
	 * Holes the receiver acknowledged will never be retransmitted. Each
	 * round skips one and delivers at least the chunk behind it.
	 */
	while ((c = s->ooo) != NULL && acked_covers(s, c->seq)) {
		skip_hole(ctx, s, c->seq, UMB_TCP_gap_acked, ts_us, arg);
		ooo_flush(ctx, s, ts_us, arg, 0, NULL, 0);
	}
	/* Only a hole before the FIN is missing data, not its own slot. */
	if (s->ooo == NULL && (s->flags & UMB_TCP_S_FIN) &&
			umb_seq_lt(s->next_seq, s->fin_seq) &&
			acked_covers(s, s->fin_seq))
		skip_hole(ctx, s, s->fin_seq, UMB_TCP_gap_acked, ts_us, arg);
	check_eof(ctx, s, ts_us, arg);
}

void
umb_tcp_stream_end(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s,
		uint64_t ts_us, void *arg)
{
	if (ctx == NULL || s == NULL || ctx->ctr == NULL)
		return;
	if (s->flags & UMB_TCP_S_CLOSED) {
		ooo_free_all(ctx, s);
		return;
	}
	if (s->flags & UMB_TCP_S_STARTED) {
		/* Each round skips one hole and pops at least one chunk. */
		while (s->ooo != NULL) {
			skip_hole(ctx, s, s->ooo->seq, UMB_TCP_gap_at_end, ts_us,
				arg);
			ooo_flush(ctx, s, ts_us, arg, 0, NULL, 0);
		}
		if ((s->flags & UMB_TCP_S_FIN) && umb_seq_lt(s->next_seq, s->fin_seq))
			skip_hole(ctx, s, s->fin_seq, UMB_TCP_gap_at_end, ts_us,
				arg);
	}
	stream_close(ctx, s, ts_us, arg);
}

void
umb_tcp_stream_release(struct umb_tcp_ctx *ctx, struct umb_tcp_stream *s)
{
	if (ctx == NULL || s == NULL)
		return;
	ooo_free_all(ctx, s);
}

int
umb_tcp_queue_check(const struct umb_tcp_stream *s)
{
	const struct umb_tcp_chunk *c, *last = NULL;
	uint64_t bytes = 0;
	uint32_t nb = 0;

	if (s->ooo != NULL && (s->flags & UMB_TCP_S_CLOSED))
		return -1;
	for (c = s->ooo; c != NULL; c = c->next) {
		uint32_t rel = c->seq - s->next_seq;

		if (c->len == 0 || c->len > UMB_TCP_CHUNK_DATA)
			return -2;
		if (rel == 0 || rel + c->len > (1u << 31) || rel + c->len < rel)
			return -3;
		if (last != NULL &&
				umb_seq_lt(c->seq, last->seq + last->len))
			return -4;
		if ((s->flags & UMB_TCP_S_FIN) &&
				umb_seq_lt(s->fin_seq, c->seq + c->len))
			return -5;
		bytes += c->len;
		last = c;
		if (++nb > (1u << 24))
			return -6;
	}
	if (bytes != s->ooo_bytes)
		return -7;
	if (s->ooo != NULL && (s->ooo->tail != last || s->ooo->nb != nb))
		return -8;
	return 0;
}
