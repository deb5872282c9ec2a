/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of TCP reassembly. Most cases are tables of steps (segment in,
 * ack, end) with the exact byte stream expected out, in the style of
 * Suricata's stream-tcp-reassemble tests: the test sink writes data as bytes,
 * a skipped hole as "[GAP n]" and the end as "[EOF]" into one buffer, so a
 * case reads as input on one side and output on the other. Each table case is
 * its own cmocka test named after the case; after its steps it also checks
 * the counters it names, then ends the stream and checks that every chunk
 * went back to the pool and that eof came at most once. After every step the
 * queue's invariants are checked (tcp_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "test_eal.h"
#include "umb_packet.h"
#include "umb_tcp.h"
#include "tcp_check.h"

#define BIG_POOL 256
#define SMALL_POOL 4
#define DEFAULT_CAP (1u << 20)
#define MAX_STEPS 16
#define MAX_CTRS 8

static struct rte_mempool *big_pool;
static struct rte_mempool *small_pool;

/* ---- recording sink ---- */

struct rec {
	char buf[65536];
	size_t n;
	unsigned int eofs;
	int dir;
	uint64_t data_ts;
	uint64_t gap_ts;
	uint64_t eof_ts;
};

static void
rec_put(struct rec *r, const void *p, size_t len)
{
	assert_true(r->n + len < sizeof(r->buf));
	memcpy(r->buf + r->n, p, len);
	r->n += len;
	r->buf[r->n] = '\0';
}

static void
rec_data(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts)
{
	struct rec *r = arg;

	assert_true(len > 0);
	r->dir = dir;
	r->data_ts = ts;
	rec_put(r, p, len);
}

static void
rec_gap(void *arg, int dir, uint32_t len, uint64_t ts)
{
	struct rec *r = arg;
	char s[32];

	r->dir = dir;
	r->gap_ts = ts;
	rec_put(r, s, (size_t)snprintf(s, sizeof(s), "[GAP %u]", len));
}

static void
rec_eof(void *arg, int dir, uint64_t ts)
{
	struct rec *r = arg;

	r->dir = dir;
	r->eof_ts = ts;
	r->eofs++;
	rec_put(r, "[EOF]", 5);
}

static const struct umb_tcp_sink rec_sink = {
	.data = rec_data,
	.gap = rec_gap,
	.eof = rec_eof,
};

/* ---- table of cases ---- */

enum step_kind { STEP_NONE, STEP_SEG, STEP_ACK, STEP_END, STEP_RELEASE,
	STEP_TAKE };

struct step {
	enum step_kind kind;
	uint32_t seq;     /* segment sequence, ack, or chunks to take */
	uint8_t flags;
	const char *data;
};

#define SYN(s) { STEP_SEG, (s), UMB_TCP_SYN, "" }
#define SEG(s, d) { STEP_SEG, (s), 0, (d) }
#define FIN(s, d) { STEP_SEG, (s), UMB_TCP_FIN, (d) }
#define RST(s) { STEP_SEG, (s), UMB_TCP_RST | UMB_TCP_ACK, "" }
#define ACK(a) { STEP_ACK, (a), 0, NULL }
#define END { STEP_END, 0, 0, NULL }
#define RELEASE { STEP_RELEASE, 0, 0, NULL }
/* Take chunks out of the pool, as other streams would hold them. */
#define TAKE(n) { STEP_TAKE, (n), 0, NULL }

/* Counter index + 1, so that a zeroed entry ends the list. */
struct ctr_expect {
	int idx1;
	uint64_t val;
};
#define C(name, v) { UMB_TCP_##name + 1, (v) }

struct reasm_case {
	const char *name;
	uint32_t stream_cap;   /* 0: DEFAULT_CAP */
	bool small_pool;       /* pool of SMALL_POOL chunks */
	struct step steps[MAX_STEPS];
	const char *expect;
	struct ctr_expect ctr[MAX_CTRS];
};

static const struct reasm_case cases[] = {
{
	"in order",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(4, "def"), FIN(7, "gh") },
	"abcdefgh[EOF]",
	{ C(in_order, 3), C(bytes_delivered, 8), C(syn, 1), C(fin, 1),
	  C(ooo_queued, 0), C(segments, 4) },
},
{
	"out of order two segments",
	0, false,
	{ SYN(0), SEG(4, "def"), SEG(1, "abc") },
	"abcdef",
	{ C(ooo_queued, 1), C(ooo_bytes_queued, 3), C(in_order, 1),
	  C(bytes_delivered, 6), C(gaps, 0) },
},
{
	"three segments reversed",
	0, false,
	{ SYN(0), SEG(7, "ghi"), SEG(4, "def"), SEG(1, "abc") },
	"abcdefghi",
	{ C(ooo_queued, 2), C(ooo_bytes_queued, 6), C(bytes_delivered, 9) },
},
{
	"retransmission of delivered data",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(1, "abc"), SEG(4, "de") },
	"abcde",
	{ C(retransmit, 1), C(in_order, 2), C(bytes_delivered, 5) },
},
{
	"partial overlap at front",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(2, "bcdef") },
	"abcdef",
	{ C(overlap_partial, 1), C(retransmit, 0), C(bytes_delivered, 6) },
},
{
	"overlap inside queued data with same bytes",
	0, false,
	{ SYN(0), SEG(5, "efgh"), SEG(6, "fg"), SEG(4, "defghi"),
	  SEG(1, "abc") },
	"abcdefghi",
	{ C(retransmit, 1), C(overlap_partial, 1), C(overlap_conflict, 0),
	  C(ooo_queued, 2), C(ooo_bytes_queued, 6) },
},
{
	"overlap across several queued chunks",
	0, false,
	{ SYN(0), SEG(3, "c"), SEG(6, "f"), SEG(2, "bcdefgh"), SEG(1, "a") },
	"abcdefgh",
	{ C(overlap_partial, 1), C(overlap_conflict, 0), C(ooo_queued, 3),
	  C(ooo_bytes_queued, 7) },
},
{
	"conflicting overlap keeps the first copy",
	0, false,
	{ SYN(0), SEG(5, "efgh"), SEG(5, "EFgh"), SEG(3, "cdEFghij"),
	  SEG(1, "ab") },
	"abcdefghij",
	{ C(overlap_conflict, 2), C(retransmit, 1), C(overlap_partial, 1) },
},
{
	"in-order segment wins over queued bytes it covers",
	0, false,
	{ SYN(0), SEG(3, "cd"), SEG(1, "abXYe") },
	"abXYe",
	{ C(overlap_conflict, 1), C(bytes_delivered, 5) },
},
{
	"gap at start filled later",
	0, false,
	{ SYN(0), SEG(4, "def"), SEG(7, "ghi"), SEG(1, "abc") },
	"abcdefghi",
	{ C(gaps, 0), C(ooo_queued, 2) },
},
{
	"hole confirmed by ack",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(7, "ghi"), ACK(5), ACK(10) },
	"abc[GAP 3]ghi",
	{ C(gaps, 1), C(gap_bytes, 3), C(gap_acked, 1), C(bytes_delivered, 6) },
},
{
	"ack at the start of queued data confirms the hole",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(7, "ghi"), ACK(7) },
	"abc[GAP 3]ghi",
	{ C(gap_acked, 1) },
},
{
	"ack confirms several holes",
	0, false,
	{ SYN(0), SEG(1, "a"), SEG(3, "c"), SEG(5, "e"), SEG(9, "i"), ACK(6),
	  END },
	"a[GAP 1]c[GAP 1]e[GAP 3]i[EOF]",
	{ C(gaps, 3), C(gap_bytes, 5), C(gap_acked, 2), C(gap_at_end, 1) },
},
{
	"hole confirmed by a segment behind an ack",
	0, false,
	{ SYN(0), SEG(1, "abc"), ACK(10), SEG(7, "ghi"), SEG(10, "j") },
	"abc[GAP 3]ghij",
	{ C(gaps, 1), C(gap_acked, 1), C(ooo_queued, 0), C(in_order, 3) },
},
{
	"hole skipped at end",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(7, "ghi"), SEG(13, "mn"), END },
	"abc[GAP 3]ghi[GAP 3]mn[EOF]",
	{ C(gaps, 2), C(gap_bytes, 6), C(gap_at_end, 2), C(gap_acked, 0) },
},
{
	"per-stream cap reached",
	8, false,
	{ SYN(0), SEG(1, "ab"), SEG(5, "efg"), SEG(10, "jklmn"), SEG(16, "pq"),
	  END },
	"ab[GAP 2]efg[GAP 2]jklmn[GAP 1]pq[EOF]",
	{ C(gap_stream_cap, 1), C(gap_at_end, 2), C(drop_stream_cap, 0),
	  C(ooo_queued, 3) },
},
{
	"per-stream cap drops a segment larger than the cap",
	4, false,
	{ SYN(0), SEG(3, "cd"), SEG(6, "fghij"), SEG(5, "e"), ACK(11),
	  SEG(11, "k") },
	"[GAP 2]cde[GAP 5]k",
	{ C(gap_stream_cap, 1), C(drop_stream_cap, 1), C(gap_acked, 1),
	  C(gaps, 2) },
},
{
	"pool exhaustion",
	0, true,
	{ SYN(0), SEG(1, "a"), SEG(3, "c"), SEG(5, "e"), SEG(7, "g"),
	  SEG(9, "i"), SEG(11, "k"), END },
	"a[GAP 1]c[GAP 1]e[GAP 1]g[GAP 1]i[GAP 1]k[EOF]",
	{ C(gap_pool_empty, 1), C(drop_pool_empty, 0), C(gap_at_end, 4),
	  C(ooo_queued, 5) },
},
{
	"pool empty with nothing queued drops the segment",
	0, true,
	{ TAKE(SMALL_POOL), SYN(0), SEG(4, "d"), SEG(1, "abc"), ACK(6),
	  SEG(6, "f") },
	"abc[GAP 2]f",
	{ C(drop_pool_empty, 1), C(gap_pool_empty, 0), C(gap_acked, 1) },
},
{
	"SYN with data",
	0, false,
	{ { STEP_SEG, 0, UMB_TCP_SYN, "abc" }, SEG(4, "def"), SYN(0),
	  { STEP_SEG, 0, UMB_TCP_SYN, "abc" } },
	"abcdef",
	{ C(syn, 3), C(syn_data, 2), C(retransmit, 1), C(midstream, 0),
	  C(bytes_delivered, 6) },
},
{
	"midstream start",
	0, false,
	{ SEG(5000, "hello"), SEG(5005, " world") },
	"hello world",
	{ C(midstream, 1), C(syn, 0), C(in_order, 2) },
},
{
	"ack before the SYN is forgotten",
	0, false,
	{ ACK(500), SYN(0), SEG(10, "j"), END },
	"[GAP 9]j[EOF]",
	{ C(gap_acked, 0), C(gap_at_end, 1) },
},
{
	"FIN after holes filled",
	0, false,
	{ SYN(0), SEG(1, "abc"), FIN(7, "ghi"), SEG(4, "def"), SEG(1, "abc") },
	"abcdefghi[EOF]",
	{ C(fin, 1), C(retransmit, 1), C(bytes_delivered, 9) },
},
{
	"data after FIN",
	0, false,
	{ SYN(0), FIN(4, "def"), SEG(7, "xyz"), SEG(5, "efgh"), SEG(1, "abc") },
	"abcdef[EOF]",
	{ C(drop_after_fin, 2), C(retransmit, 1), C(bytes_delivered, 6) },
},
{
	"FIN before queued data drops that data",
	0, false,
	{ SYN(0), SEG(8, "hij"), FIN(4, "def"), SEG(1, "abc") },
	"abcdef[EOF]",
	{ C(drop_after_fin, 1), C(bytes_delivered, 6) },
},
{
	"ack of the FIN slot is no gap",
	0, false,
	{ SYN(0), FIN(1, "abc"), ACK(5), SEG(1, "abc") },
	"abc[EOF]",
	{ C(gaps, 0), C(retransmit, 1) },
},
{
	"hole before FIN confirmed by ack",
	0, false,
	{ SYN(0), SEG(1, "abc"), FIN(7, ""), ACK(8) },
	"abc[GAP 3][EOF]",
	{ C(gaps, 1), C(gap_acked, 1), C(gap_bytes, 3) },
},
{
	"hole before FIN skipped at end",
	0, false,
	{ SYN(0), SEG(1, "abc"), FIN(7, "g"), END },
	"abc[GAP 3]g[EOF]",
	{ C(gap_at_end, 1) },
},
{
	"RST",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(7, "ghi"), RST(10), SEG(4, "def") },
	"abc[GAP 3]ghi[EOF]",
	{ C(rst, 1), C(gap_at_end, 1), C(retransmit, 1) },
},
{
	"RST far outside the window is ignored",
	0, false,
	{ SYN(0), SEG(1, "abc"), RST(0x80000000u), SEG(4, "d") },
	"abcd",
	{ C(rst, 1), C(drop_out_of_window, 1) },
},
{
	"sequence wraparound in order",
	0, false,
	{ SYN(0xfffffff0u), SEG(0xfffffff1u, "0123456789abcdef"),
	  SEG(0x1, "ghij"), FIN(0x5, "") },
	"0123456789abcdefghij[EOF]",
	{ C(in_order, 2), C(ooo_queued, 0) },
},
{
	"sequence wraparound out of order",
	0, false,
	{ SYN(0xfffffff0u), SEG(0x3, "ijk"), SEG(0xfffffffbu, "abcdefgh"),
	  SEG(0xfffffff1u, "0123456789") },
	"0123456789abcdefghijk",
	{ C(ooo_queued, 2), C(bytes_delivered, 21) },
},
{
	"sequence wraparound hole confirmed by ack",
	0, false,
	{ SYN(0xfffffff0u), SEG(0xfffffff1u, "ab"), SEG(0x2, "xy"), ACK(0x4) },
	"ab[GAP 15]xy",
	{ C(gap_acked, 1), C(gap_bytes, 15) },
},
{
	"out of window drop",
	0, false,
	{ SYN(0), SEG(1, "a"), SEG(2 + UMB_TCP_MAX_WINDOW + 5, "zz"),
	  SEG(2, "b") },
	"ab",
	{ C(drop_out_of_window, 1), C(ooo_queued, 0) },
},
{
	"keep-alive probe",
	0, false,
	{ SYN(0), SEG(1, "abc"), SEG(3, "x"), SEG(4, "d") },
	"abcd",
	{ C(retransmit, 1), C(overlap_conflict, 0) },
},
{
	"end is idempotent",
	0, false,
	{ SYN(0), SEG(1, "abc"), END, END, SEG(4, "d") },
	"abc[EOF]",
	{ C(retransmit, 1) },
},
{
	"end of a stream never started",
	0, false,
	{ END },
	"[EOF]",
	{ C(gaps, 0) },
},
{
	"release frees queued data without callbacks",
	0, false,
	{ SYN(0), SEG(5, "e"), RELEASE, SEG(1, "abcd") },
	"abcd",
	{ C(ooo_queued, 1), C(bytes_delivered, 4) },
},
};

#define NB_CASES (sizeof(cases) / sizeof(cases[0]))

/* ---- harness ---- */

struct env {
	struct umb_tcp_ctx ctx;
	struct umb_tcp_stream s;
	uint64_t ctr[UMB_TCP_CTR_MAX];
	struct rec rec;
	void *taken[SMALL_POOL];
	unsigned int nb_taken;
};

static struct env *
env_new(struct rte_mempool *mp, uint32_t cap)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->ctx.chunk_pool = mp;
	e->ctx.stream_cap = cap;
	e->ctx.sink = &rec_sink;
	e->ctx.ctr = e->ctr;
	umb_tcp_stream_init(&e->s, 0);
	return e;
}

/* End the stream, give back what was taken and check the pool is full. */
static void
env_free(struct env *e)
{
	umb_tcp_stream_end(&e->ctx, &e->s, 0, &e->rec);
	assert_int_equal(e->rec.eofs, 1);
	assert_null(e->s.ooo);
	assert_int_equal(e->s.ooo_bytes, 0);
	if (e->nb_taken > 0)
		rte_mempool_put_bulk(e->ctx.chunk_pool, e->taken, e->nb_taken);
	assert_int_equal(rte_mempool_avail_count(e->ctx.chunk_pool),
		e->ctx.chunk_pool->size);
	free(e);
}

static void
seg(struct env *e, uint32_t seq, uint8_t flags, const void *p, uint32_t len,
		uint64_t ts)
{
	assert_int_equal(umb_tcp_segment(&e->ctx, &e->s, seq, flags, p, len, ts,
		&e->rec), 0);
	assert_true(e->s.ooo_bytes <= e->ctx.stream_cap);
	assert_int_equal(umb_tcp_queue_check(&e->s), 0);
}

static void
run_case(void **state)
{
	const struct reasm_case *c = *state;
	struct env *e = env_new(c->small_pool ? small_pool : big_pool,
		c->stream_cap != 0 ? c->stream_cap : DEFAULT_CAP);

	for (unsigned int i = 0; i < MAX_STEPS &&
			c->steps[i].kind != STEP_NONE; i++) {
		const struct step *st = &c->steps[i];
		uint64_t ts = i + 1;

		switch (st->kind) {
		case STEP_NONE:
			break;
		case STEP_SEG:
			seg(e, st->seq, st->flags, st->data,
				(uint32_t)strlen(st->data), ts);
			break;
		case STEP_ACK:
			umb_tcp_ack(&e->ctx, &e->s, st->seq, ts, &e->rec);
			break;
		case STEP_END:
			umb_tcp_stream_end(&e->ctx, &e->s, ts, &e->rec);
			break;
		case STEP_RELEASE:
			umb_tcp_stream_release(&e->ctx, &e->s);
			assert_null(e->s.ooo);
			break;
		case STEP_TAKE:
			assert_true(e->nb_taken + st->seq <= SMALL_POOL);
			assert_int_equal(rte_mempool_get_bulk(e->ctx.chunk_pool,
				e->taken + e->nb_taken, st->seq), 0);
			e->nb_taken += st->seq;
			break;
		}
		assert_int_equal(umb_tcp_queue_check(&e->s), 0);
	}
	if (strcmp(e->rec.buf, c->expect) != 0)
		fail_msg("case \"%s\": got \"%s\" want \"%s\"", c->name,
			e->rec.buf, c->expect);
	for (unsigned int i = 0; i < MAX_CTRS && c->ctr[i].idx1 != 0; i++) {
		int idx = c->ctr[i].idx1 - 1;

		if (e->ctr[idx] != c->ctr[i].val)
			fail_msg("case \"%s\": counter %s = %llu want %llu",
				c->name, umb_tcp_ctr_group.names[idx],
				(unsigned long long)e->ctr[idx],
				(unsigned long long)c->ctr[i].val);
	}
	if (e->rec.eofs == 0)
		assert_null(strstr(e->rec.buf, "[EOF]"));
	else
		assert_int_equal(e->rec.eofs, 1);
	env_free(e);
}

/* ---- cases that need more than a table ---- */

static uint8_t
pattern(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

static void
fill_pattern(uint8_t *p, uint32_t seq, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = pattern(seq + i);
}

static void
check_pattern(const struct rec *r, uint32_t seq, uint32_t len)
{
	assert_int_equal(r->n, len);
	for (uint32_t i = 0; i < len; i++)
		if ((uint8_t)r->buf[i] != pattern(seq + i))
			fail_msg("byte %u differs", i);
}

static void
big_segment_queued_out_of_order(void **state)
{
	static uint8_t buf[5100];
	struct env *e = env_new(big_pool, DEFAULT_CAP);
	unsigned int avail = rte_mempool_avail_count(big_pool);

	(void)state;
	fill_pattern(buf, 1, sizeof(buf));
	seg(e, 0, UMB_TCP_SYN, NULL, 0, 1);
	seg(e, 101, 0, buf + 100, 5000, 2);
	/* 5000 bytes take three chunks of UMB_TCP_CHUNK_DATA. */
	assert_int_equal(rte_mempool_avail_count(big_pool), avail - 3);
	assert_int_equal(e->s.ooo_bytes, 5000);
	assert_int_equal(e->rec.n, 0);
	seg(e, 1, 0, buf, 100, 3);
	check_pattern(&e->rec, 1, sizeof(buf));
	assert_int_equal(rte_mempool_avail_count(big_pool), avail);
	assert_int_equal(e->s.ooo_bytes, 0);
	assert_int_equal(e->s.next_seq, 5101);
	assert_int_equal(e->ctr[UMB_TCP_bytes_delivered], 5100);
	env_free(e);
}

static void
contiguous_segments_share_a_chunk(void **state)
{
	static uint8_t buf[1100];
	struct env *e = env_new(big_pool, DEFAULT_CAP);
	unsigned int avail = rte_mempool_avail_count(big_pool);

	(void)state;
	fill_pattern(buf, 1, sizeof(buf));
	seg(e, 0, UMB_TCP_SYN, NULL, 0, 1);
	/* Ten 100-byte segments after a hole fill one chunk's tail room. */
	for (uint32_t i = 1; i < 11; i++)
		seg(e, 1 + i * 100, 0, buf + i * 100, 100, 2);
	assert_int_equal(rte_mempool_avail_count(big_pool), avail - 1);
	assert_int_equal(e->ctr[UMB_TCP_ooo_queued], 10);
	seg(e, 1, 0, buf, 100, 3);
	check_pattern(&e->rec, 1, sizeof(buf));
	env_free(e);
}

static void
tiny_segments_hit_the_chunk_limit(void **state)
{
	struct env *e = env_new(big_pool, 2048);
	uint8_t b = 'x';

	(void)state;
	seg(e, 0, UMB_TCP_SYN, NULL, 0, 1);
	/*
	 * One byte every other position: 2048 bytes of cap would otherwise
	 * hold 2048 chunks; the limit is 4 + 2048 / 512 = 8 chunks.
	 */
	for (uint32_t i = 0; i < 9; i++)
		seg(e, 2 + 2 * i, 0, &b, 1, 2);
	assert_int_equal(e->ctr[UMB_TCP_gap_stream_cap], 1);
	assert_int_equal(e->ctr[UMB_TCP_ooo_queued], 9);
	assert_string_equal(e->rec.buf, "[GAP 1]x");
	env_free(e);
}

static void
timestamps_and_direction(void **state)
{
	struct env *e = env_new(big_pool, DEFAULT_CAP);

	(void)state;
	umb_tcp_stream_init(&e->s, 1);
	seg(e, 0, UMB_TCP_SYN, NULL, 0, 10);
	seg(e, 4, 0, "def", 3, 20);
	seg(e, 10, 0, "jk", 2, 30);
	seg(e, 1, 0, "abc", 3, 40);
	assert_int_equal(e->rec.dir, 1);
	/* Queued "def" became deliverable with the segment at ts 40. */
	assert_int_equal(e->rec.data_ts, 40);
	umb_tcp_ack(&e->ctx, &e->s, 12, 50, &e->rec);
	assert_int_equal(e->rec.gap_ts, 50);
	assert_int_equal(e->rec.data_ts, 50);
	assert_string_equal(e->rec.buf, "abcdef[GAP 3]jk");
	umb_tcp_stream_end(&e->ctx, &e->s, 60, &e->rec);
	assert_int_equal(e->rec.eof_ts, 60);
	env_free(e);
}

/* xorshift32: reproducible shuffles without libc's rand state. */
static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
shuffled_segments_reassemble_exactly(void **state)
{
	enum { NSEG = 64, LEN = 20000 };
	static uint8_t buf[LEN];
	uint32_t starts[NSEG + 1], order[2 * NSEG];
	uint32_t isn = 0xffffc000u, x = 12345;

	(void)state;
	fill_pattern(buf, isn + 1, LEN);
	for (unsigned int round = 0; round < 20; round++) {
		struct env *e = env_new(big_pool, DEFAULT_CAP);

		/* Random cut points, then every segment twice in random order. */
		starts[0] = 0;
		starts[NSEG] = LEN;
		for (unsigned int i = 1; i < NSEG; i++)
			starts[i] = rnd(&x) % LEN;
		for (unsigned int i = 1; i < NSEG; i++)
			for (unsigned int j = i + 1; j < NSEG; j++)
				if (starts[j] < starts[i]) {
					uint32_t t = starts[i];

					starts[i] = starts[j];
					starts[j] = t;
				}
		for (unsigned int i = 0; i < 2 * NSEG; i++)
			order[i] = i % NSEG;
		for (unsigned int i = 2 * NSEG - 1; i > 0; i--) {
			uint32_t j = rnd(&x) % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		seg(e, isn, UMB_TCP_SYN, NULL, 0, 1);
		for (unsigned int i = 0; i < 2 * NSEG; i++) {
			uint32_t k = order[i];
			/* Stretch some segments over their neighbour. */
			uint32_t end = RTE_MIN(starts[k + 1] + (rnd(&x) % 3) * 50,
				(uint32_t)LEN);

			seg(e, isn + 1 + starts[k], 0, buf + starts[k],
				end - starts[k], 2);
		}
		check_pattern(&e->rec, isn + 1, LEN);
		assert_int_equal(e->ctr[UMB_TCP_gaps], 0);
		assert_int_equal(e->ctr[UMB_TCP_overlap_conflict], 0);
		env_free(e);
	}
}

static void
invalid_arguments(void **state)
{
	struct env *e = env_new(big_pool, DEFAULT_CAP);
	struct umb_tcp_ctx no_ctr = e->ctx;

	(void)state;
	no_ctr.ctr = NULL;
	assert_int_equal(umb_tcp_segment(NULL, &e->s, 0, 0, NULL, 0, 0, NULL),
		-EINVAL);
	assert_int_equal(umb_tcp_segment(&e->ctx, NULL, 0, 0, NULL, 0, 0, NULL),
		-EINVAL);
	assert_int_equal(umb_tcp_segment(&no_ctr, &e->s, 0, 0, NULL, 0, 0,
		NULL), -EINVAL);
	assert_int_equal(umb_tcp_segment(&e->ctx, &e->s, 0, 0, NULL, 5, 0,
		NULL), -EINVAL);
	assert_int_equal(e->ctr[UMB_TCP_segments], 0);
	umb_tcp_ack(NULL, &e->s, 0, 0, NULL);
	umb_tcp_stream_end(&e->ctx, NULL, 0, NULL);
	umb_tcp_stream_release(NULL, NULL);

	rte_errno = 0;
	assert_null(umb_tcp_chunk_pool_create(NULL, 4, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(umb_tcp_chunk_pool_create("tcp_zero", 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	env_free(e);
}

static void
counter_group_names_every_counter(void **state)
{
	(void)state;
	assert_int_equal(umb_tcp_ctr_group.n, UMB_TCP_CTR_MAX);
	assert_string_equal(umb_tcp_ctr_group.name, "tcp");
	assert_int_equal(umb_ctr_index(&umb_tcp_ctr_group, "gap_acked"),
		UMB_TCP_gap_acked);
	assert_int_equal(umb_ctr_index(&umb_tcp_ctr_group, "midstream"),
		UMB_TCP_midstream);
}

/* ---- group ---- */

static int
group_setup(void **state)
{
	(void)state;
	if (umb_test_eal_init("tcp") < 0)
		return -1;
	big_pool = umb_tcp_chunk_pool_create("tcp_big", BIG_POOL,
		SOCKET_ID_ANY);
	small_pool = umb_tcp_chunk_pool_create("tcp_small", SMALL_POOL,
		SOCKET_ID_ANY);
	return big_pool != NULL && small_pool != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(big_pool);
	rte_mempool_free(small_pool);
	rte_eal_cleanup();
	return 0;
}

static const struct CMUnitTest other_tests[] = {
	cmocka_unit_test(big_segment_queued_out_of_order),
	cmocka_unit_test(contiguous_segments_share_a_chunk),
	cmocka_unit_test(tiny_segments_hit_the_chunk_limit),
	cmocka_unit_test(timestamps_and_direction),
	cmocka_unit_test(shuffled_segments_reassemble_exactly),
	cmocka_unit_test(invalid_arguments),
	cmocka_unit_test(counter_group_names_every_counter),
};

#define NB_OTHER (sizeof(other_tests) / sizeof(other_tests[0]))

int
main(void)
{
	static struct CMUnitTest tests[NB_CASES + NB_OTHER];

	for (size_t i = 0; i < NB_CASES; i++) {
		tests[i] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = run_case,
			.initial_state = (void *)(uintptr_t)&cases[i],
		};
	}
	for (size_t i = 0; i < NB_OTHER; i++)
		tests[NB_CASES + i] = other_tests[i];
	return _cmocka_run_group_tests("tcp", tests, NB_CASES + NB_OTHER,
		group_setup, group_teardown);
}
