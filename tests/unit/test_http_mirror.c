/* SPDX-License-Identifier: BSD-3-Clause
 * Unit cases of the shadow side of the HTTP exchange builder
 * (umb_http_mirror_*): request boundaries as client stream offsets, the
 * method allowlist, pacing, the shadow's answers paired with the requests,
 * records held until the shadow side ends, and the shadow outcomes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mempool.h>

#include "test_eal.h"
#include "umb_http.h"

#define POOL_N 64
#define MAX_REC 32

#define CLI UMB_HTTP_CLIENT
#define SRV UMB_HTTP_SERVER
#define SHD UMB_HTTP_SHADOW

static struct rte_mempool *pool;

static struct {
	struct umb_http_ctx ctx;
	uint64_t ctr[UMB_HTTP_CTR_MAX];
	uint64_t oc[UMB_OUTCOME_MAX];
	struct umb_exchange *x[MAX_REC];
	unsigned int nx;
	struct umb_http_conn conn;
	struct umb_http_mirror mirror;
} T;

static const char OK2[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
static const char GET_A[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
static const char GET_B[] = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
static const char POST_C[] = "POST /c HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";

static void
collect(void *arg, struct umb_exchange *x)
{
	(void)arg;
	if (T.nx >= MAX_REC)
		fail_msg("too many records");
	T.x[T.nx++] = x;
}

static uint64_t
bit(llhttp_method_t m)
{
	return 1ULL << m;
}

static struct umb_http_conn *
fresh(void)
{
	union umb_addr a = { .w = { 0x0100000a } }, b = { .w = { 0x0200000a } };

	for (unsigned int i = 0; i < T.nx; i++)
		rte_mempool_put(pool, T.x[i]);
	memset(&T, 0, sizeof(T));
	T.ctx.xpool = pool;
	T.ctx.emit = collect;
	T.ctx.ctr = T.ctr;
	T.ctx.outcome_ctr = T.oc;
	T.ctx.allowed_methods = bit(HTTP_GET) | bit(HTTP_HEAD) | bit(HTTP_OPTIONS);
	umb_http_conn_init(&T.conn, &T.ctx, 7, 4, &a, 40000, &b, 80, 0);
	umb_http_mirror_enable(&T.conn, &T.mirror);
	return &T.conn;
}

static void
feed(struct umb_http_conn *c, int dir, const char *s, uint64_t ts)
{
	umb_http_data(c, dir, (const uint8_t *)s, (uint32_t)strlen(s), ts);
}

/* Feed @p s in pieces of @p k bytes. */
static void
feed_split(struct umb_http_conn *c, int dir, const char *s, uint32_t k,
		uint64_t ts)
{
	uint32_t n = (uint32_t)strlen(s);

	for (uint32_t off = 0; off < n; off += k)
		umb_http_data(c, dir, (const uint8_t *)s + off,
				n - off < k ? n - off : k, ts);
}

static uint64_t
limit_of(struct umb_http_conn *c, int *suppress)
{
	uint64_t lim = 12345;

	*suppress = umb_http_mirror_limit(c, &lim);
	return lim;
}

static void
teardown_all(void)
{
	for (unsigned int i = 0; i < T.nx; i++)
		rte_mempool_put(pool, T.x[i]);
	T.nx = 0;
}

/* Boundaries are exact whatever the segmentation, leading CRLF included. */
static void
offsets_any_split(void **state)
{
	(void)state;
	for (uint32_t k = 1; k <= 40; k++) {
		struct umb_http_conn *c = fresh();
		int sup;
		char two[128];

		snprintf(two, sizeof(two), "%s%s", GET_A, GET_B);
		feed_split(c, CLI, two, k, 10);
		/* pipelined by the client: both may go */
		assert_int_equal(limit_of(c, &sup), strlen(two));
		assert_int_equal(sup, 0);
		assert_int_equal(c->mirror->count, 2);
		assert_int_equal(c->mirror->q[0].start, 0);
		assert_int_equal(c->mirror->q[0].end, strlen(GET_A));
		assert_int_equal(c->mirror->q[1].start, strlen(GET_A));
		assert_int_equal(c->mirror->q[1].end, strlen(two));
		assert_true(c->mirror->q[1].pipelined);
		umb_http_mirror_end(c, UMB_OUTCOME_complete, 20);
		umb_http_conn_end(c, 20);
	}
	teardown_all();
}

/* A method split across segments holds the bytes until it is known. */
static void
method_unknown_holds(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;

	(void)state;
	feed(c, CLI, "DE", 1);
	assert_int_equal(limit_of(c, &sup), 0);
	assert_int_equal(sup, 0);
	feed(c, CLI, "LETE /x HTTP/1.1\r\n\r\n", 2);
	assert_int_equal(limit_of(c, &sup), 0);
	assert_int_equal(sup, 1);
	c = fresh();
	feed(c, CLI, "GE", 1);
	assert_int_equal(limit_of(c, &sup), 0);
	feed(c, CLI, "T /x HTTP/1.1\r\n", 2);
	/* allowed, still being received: its bytes so far may go */
	assert_int_equal(limit_of(c, &sup), 17);
	assert_int_equal(sup, 0);
	umb_http_conn_end(c, 3);
	umb_http_mirror_end(c, UMB_OUTCOME_shadow_timeout, 3);
	assert_int_equal(T.nx, 1);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_incomplete);
	teardown_all();
}

/* What fuzz_http does after every chunk: the release limit, a suppression
 * when asked, and everything released reported sent. */
static void
step(struct umb_http_conn *c, int dir, const char *s, uint64_t ts)
{
	uint64_t lim = 0;

	feed(c, dir, s, ts);
	if (umb_http_mirror_limit(c, &lim))
		umb_http_mirror_suppress(c);
	umb_http_mirror_sent(c, lim, ts);
}

/*
 * The shadow begins an answer before the request is whole, and the request
 * then turns out to be no request at all; a real one follows, and only
 * then does the shadow's answer end. That answer answers nothing: each
 * record is emitted once and every one goes back to the pool. fuzz_http
 * found both halves: the broken request's record, already back in the
 * pool, emitted a second time (one record then served two requests), and,
 * once that was fixed, the next request's entry popped by the answer
 * without its record (never emitted).
 */
/* One run of the scenario below: @p first, then @p second (which makes it
 * no request), then @p next; the shadow's answer begins before @p second
 * and ends after @p next. Exactly one record, @p next's, comes out. */
static void
broken_under_shadow_answer(const char *first, const char *second,
		const char *next, const char *method, enum umb_outcome o)
{
	unsigned int avail = rte_mempool_avail_count(pool);
	struct umb_http_conn *c = fresh();

	step(c, CLI, first, 1);
	step(c, SHD, "HTTP/1.1 204", 2);
	step(c, CLI, second, 3);
	step(c, CLI, next, 4);
	step(c, SHD, "\n\n", 5);
	umb_http_conn_end(c, 6);
	umb_http_mirror_end(c, UMB_OUTCOME_shadow_timeout, 7);
	assert_int_equal(T.nx, 1);
	assert_string_equal(T.x[0]->method, method);
	assert_int_equal(T.x[0]->outcome, o);
	assert_int_equal(rte_mempool_avail_count(pool) + T.nx, avail);
	assert_true(T.ctr[UMB_HTTP_shadow_orphans] >= 1);
	teardown_all();
	assert_int_equal(rte_mempool_avail_count(pool), avail);
}

/*
 * The shadow begins an answer before the request is whole, and the request
 * then turns out to be no request at all; a real one follows, and only
 * then does the shadow's answer end. That answer answers nothing: each
 * record is emitted once and every one goes back to the pool. fuzz_http
 * found both halves: the broken request's record, already back in the
 * pool, emitted a second time (one record then served two requests), and,
 * once that was fixed, the next request's entry popped by the answer
 * without its record (never emitted).
 */
static void
shadow_answer_begun_for_a_broken_request(void **state)
{
	(void)state;
	/* "TN": broken, its entry suppressed; a HEAD, never finished */
	broken_under_shadow_answer("T", "N", "HEAD ", "HEAD",
			UMB_OUTCOME_incomplete);
	/* "G\r": broken while the answer is paired with it; a denied PUT,
	 * cut short by the end (incomplete is the worse) */
	broken_under_shadow_answer("G", "\r", "PUT ", "PUT",
			UMB_OUTCOME_incomplete);
}

/* Pacing: the next request waits for the shadow's previous answer. */
static void
pacing_waits_for_answer(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;
	uint64_t a = strlen(GET_A), b = strlen(GET_B);

	(void)state;
	feed(c, CLI, GET_A, 100);
	feed(c, SRV, OK2, 150);
	feed(c, CLI, GET_B, 200);
	assert_false(c->mirror->q[1].pipelined);
	assert_int_equal(limit_of(c, &sup), a);
	umb_http_mirror_sent(c, a, 110);
	assert_int_equal(umb_http_mirror_waiting_since(c), 110);
	/* production is done with /a, the shadow is not: nothing emitted */
	assert_int_equal(T.nx, 0);
	feed(c, SHD, "HTTP/1.1 200 OK\r\n", 160);
	assert_int_equal(limit_of(c, &sup), a + b);
	assert_int_equal(sup, 0);
	feed(c, SHD, "Content-Length: 2\r\n\r\nok", 170);
	assert_int_equal(T.nx, 1);
	assert_string_equal(T.x[0]->uri, "/a");
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_complete);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].status, 200);
	assert_int_equal(T.x[0]->shadow_sent_us, 110);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].first_us, 160);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].last_us, 170);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].body_bytes, 2);
	assert_true(T.x[0]->ans[UMB_SIDE_SHADOW].flags & UMB_A_HASH);
	assert_true(T.x[0]->flags & UMB_X_MIRRORED);
	assert_true(T.x[0]->ans[UMB_SIDE_SHADOW].body_hash == T.x[0]->ans[UMB_SIDE_PROD].body_hash);
	/* /b: sent, no answer yet */
	umb_http_mirror_sent(c, a + b, 210);
	assert_int_equal(umb_http_mirror_waiting_since(c), 210);
	umb_http_conn_end(c, 300);
	assert_int_equal(T.nx, 1); /* /b still waits for the shadow */
	umb_http_mirror_end(c, UMB_OUTCOME_shadow_timeout, 400);
	assert_int_equal(T.nx, 2);
	assert_int_equal(T.x[1]->outcome, UMB_OUTCOME_no_response);
	assert_int_equal(T.oc[UMB_OUTCOME_complete], 1);
	teardown_all();
}

/* A request off the allowlist stops the stream before its first byte. */
static void
allowlist_suppresses(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;
	uint64_t a = strlen(GET_A), b = 0, b2 = 0;

	(void)state;
	feed(c, CLI, GET_A, 100);
	feed(c, SRV, OK2, 110);
	feed(c, CLI, POST_C, 120);
	feed(c, SRV, OK2, 130);
	feed(c, CLI, GET_B, 140); /* after the POST: for the next connection */
	feed(c, SRV, OK2, 150);
	assert_int_equal(limit_of(c, &sup), a);
	assert_int_equal(sup, 1);
	umb_http_mirror_suppress(c);
	/* the POST is suppressed; the GET after it waits for the next connection */
	assert_int_equal(T.nx, 1);
	assert_string_equal(T.x[0]->method, "POST");
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_suppressed);
	assert_int_equal(umb_http_mirror_carried(c, &b), 1);
	assert_int_equal(b, a + strlen(POST_C));
	/* the connection's end is decided: limit says nothing new */
	assert_int_equal(limit_of(c, &sup), a);
	assert_int_equal(sup, 0);
	/* the GET before still gets its answer */
	umb_http_mirror_sent(c, a, 115);
	feed(c, SHD, OK2, 125);
	assert_int_equal(T.nx, 2);
	assert_string_equal(T.x[1]->uri, "/a");
	assert_int_equal(T.x[1]->outcome, UMB_OUTCOME_complete);
	/* requests that start while the connection closes are tracked too */
	feed(c, CLI, GET_A, 200);
	feed(c, SRV, OK2, 210);
	assert_int_equal(T.nx, 2);
	assert_int_equal(umb_http_mirror_carried(c, &b2), 2);
	assert_int_equal(b2, b);
	/* the old connection closed: the carried requests go on the next one */
	assert_int_equal(umb_http_mirror_switch(c, UMB_OUTCOME_shadow_reset,
			UMB_MREASON_none, 220), 2);
	assert_int_equal(umb_http_mirror_next(c, b, &b2), UMB_MREQ_ALLOWED);
	assert_int_equal(b2, b);
	assert_int_equal(limit_of(c, &sup), b + strlen(GET_B));
	assert_int_equal(sup, 0);
	umb_http_mirror_sent(c, b + strlen(GET_B), 230);
	feed(c, SHD, OK2, 240);
	assert_int_equal(T.nx, 3);
	assert_string_equal(T.x[2]->uri, "/b");
	assert_int_equal(T.x[2]->outcome, UMB_OUTCOME_complete);
	assert_true(T.x[2]->flags & UMB_X_SHADOW_SENT);
	assert_int_equal(T.ctr[UMB_HTTP_mirror_denied], 1);
	umb_http_conn_end(c, 300);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 300);
	assert_int_equal(T.nx, 4);
	teardown_all();
}

/* Carried requests whose bytes are gone, and denied ones first, are dropped. */
static void
next_drops_denied_and_unheld(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;
	uint64_t a = strlen(GET_A), p = strlen(POST_C), s;

	(void)state;
	feed(c, CLI, GET_A, 100);
	feed(c, SRV, OK2, 100);
	feed(c, CLI, POST_C, 101);
	feed(c, SRV, OK2, 101);
	/* a denied request's record is done with the shadow at once */
	assert_int_equal(T.nx, 1);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_suppressed);
	feed(c, CLI, GET_B, 102);
	feed(c, SRV, OK2, 102);
	feed(c, CLI, POST_C, 103);
	feed(c, SRV, OK2, 103);
	assert_int_equal(T.nx, 2);
	feed(c, CLI, GET_A, 104);
	feed(c, SRV, OK2, 104);
	assert_int_equal(limit_of(c, &sup), a);
	assert_int_equal(sup, 1);
	umb_http_mirror_suppress(c);
	assert_int_equal(umb_http_mirror_carried(c, &s), 3);
	assert_int_equal(s, a + p);
	assert_int_equal(umb_http_mirror_switch(c, UMB_OUTCOME_shadow_reset,
			UMB_MREASON_none, 110), 3);
	/* /a, never answered, ended with the old connection */
	assert_int_equal(T.nx, 3);
	assert_int_equal(T.x[2]->outcome, UMB_OUTCOME_shadow_reset);
	/* /b: its bytes are no longer held; the second POST is dropped */
	assert_int_equal(umb_http_mirror_next(c, a + p + 1, &s),
			UMB_MREQ_ALLOWED);
	assert_int_equal(s, a + 2 * p + strlen(GET_B));
	assert_int_equal(T.nx, 4);
	assert_string_equal(T.x[3]->uri, "/b");
	assert_int_equal(T.x[3]->outcome, UMB_OUTCOME_not_mirrored);
	assert_int_equal(T.x[3]->mirror_reason, UMB_MREASON_reopening);
	umb_http_conn_end(c, 300);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 300);
	assert_int_equal(T.nx, 5);
	teardown_all();
}

/* Bytes that are not a request never reach the shadow. */
static void
garbage_never_released(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;

	(void)state;
	feed(c, CLI, "\x16\x03\x01\x02\x00\x01", 1); /* TLS */
	assert_int_equal(limit_of(c, &sup), 0);
	assert_int_equal(sup, 1);
	c = fresh();
	feed(c, CLI, GET_A, 1);
	feed(c, CLI, "GET /x HTTP/1.1\r\nBad Header\r\n\r\n", 2);
	assert_int_equal(limit_of(c, &sup), strlen(GET_A));
	assert_int_equal(sup, 1);
	umb_http_mirror_suppress(c);
	umb_http_conn_end(c, 3);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 3);
	assert_int_equal(T.nx, 2);
	teardown_all();
}

/* The shadow answers HEAD without a body; 1xx are skipped; hashes differ. */
static void
shadow_head_interim_and_diff(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;
	const char *head = "HEAD /h HTTP/1.1\r\n\r\n";

	(void)state;
	feed(c, CLI, head, 1);
	feed(c, SRV, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 2);
	assert_int_equal(limit_of(c, &sup), strlen(head));
	umb_http_mirror_sent(c, strlen(head), 3);
	feed(c, SHD, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n"
			"Content-Length: 9\r\n\r\n", 4);
	assert_int_equal(T.nx, 1);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_PROD].status, 200);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].status, 404);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].body_bytes, 0);
	assert_int_equal(T.ctr[UMB_HTTP_shadow_interim], 1);
	feed(c, CLI, GET_A, 5);
	feed(c, SRV, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 6);
	umb_http_mirror_sent(c, strlen(head) + strlen(GET_A), 7);
	feed(c, SHD, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			"2\r\nab\r\n1\r\nd\r\n0\r\n\r\n", 8);
	assert_int_equal(T.nx, 2);
	assert_int_equal(T.x[1]->ans[UMB_SIDE_SHADOW].body_bytes, 3);
	assert_true(T.x[1]->ans[UMB_SIDE_SHADOW].flags & UMB_A_CHUNKED);
	assert_true(T.x[1]->ans[UMB_SIDE_PROD].body_hash != T.x[1]->ans[UMB_SIDE_SHADOW].body_hash);
	umb_http_conn_end(c, 9);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 9);
	teardown_all();
}

/* Invalid bytes from the shadow end the mirror with shadow_error. */
static void
shadow_garbage_fails(void **state)
{
	struct umb_http_conn *c = fresh();

	(void)state;
	feed(c, CLI, GET_A, 1);
	feed(c, SRV, OK2, 2);
	umb_http_mirror_sent(c, strlen(GET_A), 3);
	feed(c, SHD, "HTTP/1.1 abc\r\n\r\n", 4);
	assert_true(c->mirror_failed);
	assert_null(c->mirror);
	assert_int_equal(T.ctr[UMB_HTTP_shadow_parse_errors], 1);
	assert_int_equal(T.nx, 1);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_shadow_error);
	/* later requests carry the mirror's end */
	feed(c, CLI, GET_B, 5);
	feed(c, SRV, OK2, 6);
	assert_int_equal(T.nx, 2);
	assert_int_equal(T.x[1]->outcome, UMB_OUTCOME_shadow_error);
	assert_true(T.x[1]->flags & UMB_X_MIRRORED);
	umb_http_conn_end(c, 9);
	teardown_all();
}

/* An answer the shadow ends by closing the connection. */
static void
shadow_close_delimited(void **state)
{
	struct umb_http_conn *c = fresh();

	(void)state;
	feed(c, CLI, GET_A, 1);
	feed(c, SRV, OK2, 2);
	umb_http_mirror_sent(c, strlen(GET_A), 3);
	feed(c, SHD, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody", 4);
	assert_int_equal(T.nx, 0);
	umb_http_eof(c, SHD, 5);
	assert_int_equal(T.nx, 1);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].body_bytes, 4);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_complete);
	umb_http_conn_end(c, 9);
	umb_http_mirror_end(c, UMB_OUTCOME_shadow_reset, 9);
	teardown_all();
}

/* Capture gaps in the client stream stop the mirror there. */
static void
client_gap_stops(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;

	(void)state;
	feed(c, CLI, GET_A, 1);
	umb_http_gap(c, CLI, 10, 2);
	feed(c, CLI, GET_B, 3);
	assert_int_equal(limit_of(c, &sup), strlen(GET_A));
	assert_int_equal(sup, 1);
	umb_http_mirror_suppress(c);
	umb_http_conn_end(c, 4);
	umb_http_mirror_end(c, UMB_OUTCOME_gap, 4);
	assert_int_equal(T.nx, 2);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_gap);
	teardown_all();
}

/* Past the per-connection cap, requests are capped, never queued. */
static void
overflow_caps(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;
	char many[64 * 40];
	size_t n = 0;

	(void)state;
	/* shadow_queue_max 32 (the default is UMB_HTTP_MIRROR_QUEUE_MAX) */
	c->ctx->mirror_queue_max = UMB_HTTP_PIPELINE_MAX;
	for (int i = 0; i < UMB_HTTP_PIPELINE_MAX + 2; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
				"GET /%02d HTTP/1.1\r\n\r\n", i);
	feed(c, CLI, many, 1);
	assert_int_equal(limit_of(c, &sup), 20 * UMB_HTTP_PIPELINE_MAX);
	assert_int_equal(sup, 1);
	assert_int_equal(T.ctr[UMB_HTTP_mirror_overflow], 2);
	umb_http_mirror_suppress(c);
	umb_http_conn_end(c, 2);
	umb_http_mirror_end(c, UMB_OUTCOME_shadow_timeout, 3);
	assert_int_equal(T.nx, UMB_HTTP_PIPELINE_MAX);
	c->ctx->mirror_queue_max = 0;
	teardown_all();
}

/* Without mirror_enable nothing changes: records go as before. */
static void
not_mirrored_unchanged(void **state)
{
	struct umb_http_conn *c = fresh();

	(void)state;
	c->mirror = NULL;
	c->side[SHD].state = 5;
	feed(c, CLI, GET_A, 1);
	feed(c, SRV, OK2, 2);
	assert_int_equal(T.nx, 1);
	assert_false(T.x[0]->flags & UMB_X_MIRRORED);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_SHADOW].status, -1);
	umb_http_conn_end(c, 3);
	teardown_all();
}

/* ---- kept content for the comparator ------------------------------------ */

static struct rte_mempool *kpool;

static size_t
kept_str(const struct umb_kept *k, char *buf, size_t cap)
{
	size_t n = umb_kept_copy(k, buf, cap - 1);

	buf[n] = '\0';
	return n;
}

/* Both answers keep their headers (as lines) and their de-chunked bodies. */
static void
kept_headers_and_bodies_of_both_sides(void **state)
{
	struct umb_http_conn *c = fresh();
	char buf[512];

	(void)state;
	T.ctx.cpool = kpool;
	T.ctx.body_max = 1024;
	feed(c, CLI, GET_A, 100);
	umb_http_mirror_sent(c, strlen(GET_A), 110);
	feed(c, SRV, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"X-Pad:  spaced  \r\nContent-Length: 7\r\n\r\n{\"a\":1}", 150);
	feed_split(c, SHD, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":2}\r\n0\r\n\r\n", 5, 160);
	assert_int_equal(T.nx, 1);
	assert_true(T.x[0]->flags & UMB_X_KEEP);
	kept_str(&T.x[0]->ans[UMB_SIDE_PROD].hdrs, buf, sizeof(buf));
	assert_string_equal(buf, "Content-Type: application/json\r\n"
		"X-Pad: spaced  \r\nContent-Length: 7\r\n");
	kept_str(&T.x[0]->ans[UMB_SIDE_PROD].body, buf, sizeof(buf));
	assert_string_equal(buf, "{\"a\":1}");
	kept_str(&T.x[0]->ans[UMB_SIDE_SHADOW].hdrs, buf, sizeof(buf));
	assert_string_equal(buf, "Content-Type: application/json\r\n"
		"Transfer-Encoding: chunked\r\n");
	kept_str(&T.x[0]->ans[UMB_SIDE_SHADOW].body, buf, sizeof(buf));
	assert_string_equal(buf, "{\"a\":2}");
	assert_false(T.x[0]->ans[UMB_SIDE_PROD].flags & (UMB_A_BODY_CUT | UMB_A_HDRS_CUT));
	umb_exchange_free_kept(T.x[0]);
	assert_int_equal(rte_mempool_in_use_count(kpool), 0);
	umb_http_conn_end(c, 300);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 300);
	teardown_all();
}

/* A body past compare_body_max is let go at once: compared by hash only. */
static void
kept_body_over_max_is_hash_only(void **state)
{
	struct umb_http_conn *c = fresh();
	char resp[256];

	(void)state;
	T.ctx.cpool = kpool;
	T.ctx.body_max = 10;
	feed(c, CLI, GET_A, 100);
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"
		"01234567890123456789");
	feed_split(c, SRV, resp, 7, 150);
	feed(c, SHD, OK2, 160);
	assert_int_equal(T.nx, 1);
	assert_true(T.x[0]->ans[UMB_SIDE_PROD].flags & UMB_A_BODY_CUT);
	assert_null(T.x[0]->ans[UMB_SIDE_PROD].body.head);
	assert_true(T.x[0]->ans[UMB_SIDE_PROD].flags & UMB_A_HASH);
	assert_int_equal(T.x[0]->ans[UMB_SIDE_PROD].body_bytes, 20);
	assert_false(T.x[0]->ans[UMB_SIDE_SHADOW].flags & UMB_A_BODY_CUT);
	assert_int_equal(T.ctr[UMB_HTTP_body_over_max], 1);
	umb_exchange_free_kept(T.x[0]);
	assert_int_equal(rte_mempool_in_use_count(kpool), 0);
	umb_http_conn_end(c, 300);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 300);
	teardown_all();
}

/* The memcap spent: bodies compare by hash, counted; nothing leaks. */
static void
kept_memcap_exhausted_is_counted(void **state)
{
	struct umb_http_conn *c = fresh();
	static void *all[4096];
	unsigned int n = 0;

	(void)state;
	T.ctx.cpool = kpool;
	T.ctx.body_max = 1 << 20;
	while (n < RTE_DIM(all) && rte_mempool_get(kpool, &all[n]) == 0)
		n++;
	assert_int_equal(rte_mempool_avail_count(kpool), 0);
	feed(c, CLI, GET_A, 100);
	feed(c, SRV, OK2, 150);
	feed(c, SHD, OK2, 160);
	assert_int_equal(T.nx, 1);
	assert_true(T.x[0]->ans[UMB_SIDE_PROD].flags & UMB_A_BODY_CUT);
	assert_true(T.x[0]->ans[UMB_SIDE_PROD].flags & UMB_A_HDRS_CUT);
	assert_true(T.ctr[UMB_HTTP_body_no_memory] >= 2);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_complete);
	rte_mempool_put_bulk(kpool, all, n);
	umb_exchange_free_kept(T.x[0]);
	assert_int_equal(rte_mempool_in_use_count(kpool), 0);
	umb_http_conn_end(c, 300);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 300);
	teardown_all();
}

/* A request the mirror will not compare (capped, suppressed) keeps nothing. */
static void
kept_nothing_for_suppressed(void **state)
{
	struct umb_http_conn *c = fresh();
	int sup;

	(void)state;
	T.ctx.cpool = kpool;
	T.ctx.body_max = 1 << 20;
	feed(c, CLI, POST_C, 100);
	assert_int_equal(limit_of(c, &sup), 0);
	assert_int_equal(sup, 1);
	umb_http_mirror_suppress(c);
	feed(c, SRV, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 150);
	assert_int_equal(T.nx, 1);
	assert_int_equal(T.x[0]->outcome, UMB_OUTCOME_suppressed);
	assert_null(T.x[0]->ans[UMB_SIDE_PROD].body.head);
	assert_null(T.x[0]->ans[UMB_SIDE_PROD].hdrs.head);
	assert_int_equal(rte_mempool_in_use_count(kpool), 0);
	umb_http_conn_end(c, 300);
	umb_http_mirror_end(c, UMB_OUTCOME_complete, 300);
	teardown_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_any_split),
		cmocka_unit_test(method_unknown_holds),
		cmocka_unit_test(shadow_answer_begun_for_a_broken_request),
		cmocka_unit_test(pacing_waits_for_answer),
		cmocka_unit_test(allowlist_suppresses),
		cmocka_unit_test(next_drops_denied_and_unheld),
		cmocka_unit_test(garbage_never_released),
		cmocka_unit_test(shadow_head_interim_and_diff),
		cmocka_unit_test(shadow_garbage_fails),
		cmocka_unit_test(shadow_close_delimited),
		cmocka_unit_test(client_gap_stops),
		cmocka_unit_test(overflow_caps),
		cmocka_unit_test(not_mirrored_unchanged),
		cmocka_unit_test(kept_headers_and_bodies_of_both_sides),
		cmocka_unit_test(kept_body_over_max_is_hash_only),
		cmocka_unit_test(kept_memcap_exhausted_is_counted),
		cmocka_unit_test(kept_nothing_for_suppressed),
	};
	int rc;

	if (umb_test_eal_init("umbtest_httpm") < 0)
		return 1;
	/* The builder's own pool: its records carry private state. */
	pool = umb_http_xpool_create("xm", POOL_N, SOCKET_ID_ANY);
	kpool = umb_kept_pool_create("xk", 1, SOCKET_ID_ANY);
	if (pool == NULL || kpool == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_mempool_free(kpool);
	return rc;
}
