/* SPDX-License-Identifier: BSD-3-Clause
 * Shadow connections end to end inside one session table: production
 * segments in, umbra's frames toward the shadow out, answered by a small
 * scripted shadow (one TCP connection at a time, one answer per request).
 * Each case is one way a production connection is served by several
 * shadow connections in turn (docs/peer.md "Shadow connections").
 */
#define PEER_SUITE "session_mirror"
#include "test_peer.h"
#include "umb_session.h"

#define TXP_SIZE 1023
#define SHADOW_PORT 8080
#define MAX_REC 16
#define MAX_FRAMES 256
#define MAX_SCONN 8

#define GET(u) "GET " u " HTTP/1.1\r\nHost: x\r\n\r\n"
#define POST(u) "POST " u " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd"
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define ACK UMB_TCP_ACK
#define PSH (UMB_TCP_ACK | UMB_TCP_PSH)

static struct rte_mempool *txp;
static struct rte_mbuf *frames[MAX_FRAMES];
static unsigned int nb_frames;

/* One connection as the scripted shadow sees it. */
struct sconn {
	uint16_t sport;          /* umbra's port */
	uint32_t isn;            /* umbra's ISN */
	uint32_t sisn, snd_nxt;  /* the shadow's */
	uint16_t syn_mss;
	uint8_t syn_ws, syn_ts;
	char rx[4096];           /* bytes received, in order */
	uint32_t rx_len;
	unsigned int answered;
	int fin_in, fin_out, rst;
};

struct fixture {
	struct umb_session_table *t;
	struct umb_session_ctrs ctr;
	struct umb_exchange rec[MAX_REC];
	unsigned int nb_rec;
	uint64_t now;
	uint32_t cseq, sseq;
	struct sconn sc[MAX_SCONN];
	unsigned int nb_sc;
	int hold_answers;          /* the shadow reads but does not answer */
	unsigned int close_after;  /* answer N says Connection: close, then FIN */
	int black_hole;            /* the shadow receives nothing at all */
};

static struct fixture FX;

static void
tx_cb(void *arg, struct rte_mbuf *m)
{
	(void)arg;
	if (nb_frames == MAX_FRAMES) {
		rte_pktmbuf_free(m);
		return;
	}
	frames[nb_frames++] = m;
}

static void
collect(void *arg, struct umb_exchange *x)
{
	struct fixture *fx = arg;

	if (fx->nb_rec < MAX_REC)
		fx->rec[fx->nb_rec++] = *x;
	rte_mempool_put(rte_mempool_from_obj(x), x);
}

static struct fixture *
fixture_new(uint32_t queue_max)
{
	static int n;
	struct fixture *fx = &FX;
	struct rte_ether_addr mac;
	char name[32];
	struct umb_peer_ctx_params pp = {
		.socket_id = SOCKET_ID_ANY,
		.has_src4 = 1, .has_target4 = 1, .target_port = SHADOW_PORT,
		.sport_min = 40000, .sport_max = 40099, .nb_ctx = 1,
		.max_conns = 8, .held_bytes = 256 * 1024, .buf_mbufs = 256,
		.idle_timeout_us = 60 * SEC, .tx_pool = txp, .tx = tx_cb,
	};

	memset(fx, 0, sizeof(*fx));
	memcpy(pp.src_mac.addr_bytes, our_mac, 6);
	memcpy(pp.src4.b, our_ip4, 4);
	memcpy(pp.target4.b, shadow_ip4, 4);
	snprintf(name, sizeof(name), "sm%d", n++);
	struct umb_session_params p = {
		.name = name, .socket_id = 0, .max_flows = 64,
		.reasm_chunks = 256, .stream_cap = 65536, .records = 64,
		.idle_timeout_us = 60 * SEC, .close_timeout_us = SEC,
		.share_ppm = UMB_SHARE_ONE, .midstream = 1, .peer = &pp,
		.allowed_methods = (1ull << HTTP_GET) | (1ull << HTTP_HEAD),
		.shadow_response_timeout_us = 10 * SEC,
		.shadow_queue_max = queue_max,
		.emit = collect, .emit_arg = fx,
	};
	fx->t = umb_session_create(&p, &fx->ctr);
	assert_non_null(fx->t);
	memcpy(mac.addr_bytes, shadow_mac, 6);
	umb_session_set_next_hop(fx->t, &mac);
	fx->now = 1700000000000000ULL;
	nb_frames = 0;
	return fx;
}

static void
fixture_free(struct fixture *fx)
{
	umb_session_flush(fx->t, fx->now);
	for (unsigned int i = 0; i < nb_frames; i++)
		rte_pktmbuf_free(frames[i]);
	nb_frames = 0;
	assert_int_equal(rte_mempool_avail_count(umb_session_xpool(fx->t)), 64);
	umb_session_free(fx->t);
	assert_int_equal(rte_mempool_avail_count(txp), TXP_SIZE);
}

/* ---- the shadow ---- */

static void
shadow_send(struct fixture *fx, struct sconn *c, uint8_t flags,
		const char *data)
{
	struct umb_pkt p;
	uint32_t len = data != NULL ? (uint32_t)strlen(data) : 0;

	memset(&p, 0, sizeof(p));
	p.af = 4;
	memcpy(p.src.b, shadow_ip4, 4);
	memcpy(p.dst.b, our_ip4, 4);
	p.sport = SHADOW_PORT;
	p.dport = c->sport;
	p.seq = c->snd_nxt;
	p.ack = c->isn + 1 + c->rx_len + (c->fin_in ? 1 : 0);
	p.tcp_flags = flags;
	p.win = 65535;
	p.payload_len = len;
	p.ts_us = fx->now;
	if (flags & UMB_TCP_SYN) {
		p.opt_flags |= UMB_OPT_MSS;
		p.mss = 1460;
	}
	c->snd_nxt += len + !!(flags & (UMB_TCP_SYN | UMB_TCP_FIN));
	umb_session_shadow_packet(fx->t, &p, (const uint8_t *)data);
}

static unsigned int
requests_in(const struct sconn *c)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i + 4 <= c->rx_len; i++)
		if (memcmp(c->rx + i, "\r\n\r\n", 4) == 0)
			n++;
	return n;
}

static void
shadow_answer(struct fixture *fx, struct sconn *c)
{
	while (!fx->hold_answers && !c->fin_out && c->answered < requests_in(c)) {
		c->answered++;
		if (fx->close_after != 0 && c->answered == fx->close_after) {
			shadow_send(fx, c, PSH, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
				"Content-Length: 5\r\n\r\nhello");
			shadow_send(fx, c, ACK | UMB_TCP_FIN, NULL);
			c->fin_out = 1;
		} else {
			shadow_send(fx, c, PSH, RESP);
		}
	}
	/* A half-closed connection is answered, then closed. */
	if (c->fin_in && !c->fin_out && c->answered == requests_in(c)) {
		c->fin_out = 1;
		shadow_send(fx, c, ACK | UMB_TCP_FIN, NULL);
	}
}

/* Handle every frame umbra sent (and what the answers make it send). */
static void
shadow_run(struct fixture *fx)
{
	struct umb_peer_l2l3 l = session(4, 0);

	for (unsigned int rounds = 0; nb_frames > 0 && rounds < 1000; rounds++) {
		struct rte_mbuf *m = frames[0];
		struct umb_pkt pkt;
		struct sconn *c = NULL;

		memmove(frames, frames + 1, (nb_frames - 1) * sizeof(frames[0]));
		nb_frames--;
		if (fx->black_hole) {
			rte_pktmbuf_free(m);
			continue;
		}
		decode_built(m, &l, &pkt);
		for (unsigned int i = 0; i < fx->nb_sc; i++)
			if (fx->sc[i].sport == pkt.sport && !fx->sc[i].rst &&
					!(fx->sc[i].fin_in && fx->sc[i].fin_out))
				c = &fx->sc[i];
		if (pkt.tcp_flags & UMB_TCP_SYN) {
			assert_true(fx->nb_sc < MAX_SCONN);
			c = &fx->sc[fx->nb_sc++];
			memset(c, 0, sizeof(*c));
			c->sport = pkt.sport;
			c->isn = pkt.seq;
			c->sisn = c->snd_nxt = 7000000u * fx->nb_sc;
			c->syn_mss = (pkt.opt_flags & UMB_OPT_MSS) ? pkt.mss : 0;
			c->syn_ws = (pkt.opt_flags & UMB_OPT_WSCALE) ? pkt.wscale : 0xff;
			c->syn_ts = !!(pkt.opt_flags & UMB_OPT_TS);
			rte_pktmbuf_free(m);
			shadow_send(fx, c, UMB_TCP_SYN | ACK, NULL);
			continue;
		}
		if (c == NULL || (pkt.tcp_flags & UMB_TCP_RST)) {
			if (c != NULL)
				c->rst = 1;
			rte_pktmbuf_free(m);
			continue;
		}
		if (pkt.payload_len > 0) {
			/* Sequence translation: this connection's bytes follow its
			 * own ISN, in order. */
			assert_int_equal(pkt.seq, c->isn + 1 + c->rx_len);
			assert_true(c->rx_len + pkt.payload_len < sizeof(c->rx));
			memcpy(c->rx + c->rx_len, data(m) + pkt.payload_off,
				pkt.payload_len);
			c->rx_len += pkt.payload_len;
		}
		rte_pktmbuf_free(m);
		if (pkt.tcp_flags & UMB_TCP_FIN) {
			int had_fin = c->fin_out;

			c->fin_in = 1;
			shadow_send(fx, c, ACK, NULL);
			if (!had_fin)
				shadow_answer(fx, c);
			continue;
		}
		if (pkt.payload_len > 0) {
			shadow_send(fx, c, ACK, NULL);
			shadow_answer(fx, c);
		}
	}
}

/* ---- production ---- */

static void
seg(struct fixture *fx, int dir, uint8_t flags, const char *data)
{
	struct umb_pkt p;
	uint32_t len = data ? (uint32_t)strlen(data) : 0;
	uint32_t caddr = 0x0100000a, saddr = 0xfe00000a;

	memset(&p, 0, sizeof(p));
	p.af = 4;
	memcpy(dir == 0 ? p.src.b : p.dst.b, &caddr, 4);
	memcpy(dir == 0 ? p.dst.b : p.src.b, &saddr, 4);
	p.sport = dir == 0 ? 40000 : 80;
	p.dport = dir == 0 ? 80 : 40000;
	p.tcp_flags = flags;
	p.seq = dir == 0 ? fx->cseq : fx->sseq;
	p.ack = dir == 0 ? fx->sseq : fx->cseq;
	p.payload_len = len;
	p.ts_us = fx->now;
	fx->now += 1000;
	umb_session_packet(fx->t, &p, (const uint8_t *)data);
	if (dir == 0)
		fx->cseq += len + !!(flags & (UMB_TCP_SYN | UMB_TCP_FIN));
	else
		fx->sseq += len + !!(flags & (UMB_TCP_SYN | UMB_TCP_FIN));
	shadow_run(fx);
}

static void
handshake(struct fixture *fx)
{
	fx->cseq = 1000;
	fx->sseq = 5000;
	seg(fx, 0, UMB_TCP_SYN, NULL);
	seg(fx, 1, UMB_TCP_SYN | ACK, NULL);
	seg(fx, 0, ACK, NULL);
}

/* A request and production's answer. */
static void
exchange(struct fixture *fx, const char *req)
{
	seg(fx, 0, PSH, req);
	seg(fx, 1, PSH, RESP);
}

static void
close_production(struct fixture *fx)
{
	seg(fx, 0, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 1, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 0, ACK, NULL);
	umb_session_flush(fx->t, fx->now);
}

static const struct umb_exchange *
rec_of(struct fixture *fx, const char *uri)
{
	for (unsigned int i = 0; i < fx->nb_rec; i++)
		if (strcmp(fx->rec[i].uri, uri) == 0)
			return &fx->rec[i];
	fail_msg("no record for %s", uri);
	return NULL;
}

static void
assert_mirrored(struct fixture *fx, const char *uri)
{
	const struct umb_exchange *x = rec_of(fx, uri);

	assert_int_equal(x->outcome, UMB_OUTCOME_complete);
	assert_int_equal(x->ans[UMB_SIDE_SHADOW].status, 200);
	assert_true(x->flags & UMB_X_SHADOW_SENT);
}

static int
contains(const struct sconn *c, const char *s)
{
	size_t n = strlen(s);

	for (uint32_t i = 0; i + n <= c->rx_len; i++)
		if (memcmp(c->rx + i, s, n) == 0)
			return 1;
	return 0;
}

/* ---- cases ---- */

/* Each shadow connection carries the requests mapped onto it from its own
 * ISN on: byte 0 of the second is the first byte of the request after the
 * skipped one, and neither uses the client's ISN. */
static void
sequence_translation_across_connection_switches(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));
	exchange(fx, GET("/3"));
	exchange(fx, GET("/4"));
	assert_int_equal(fx->nb_sc, 2);
	assert_int_equal(fx->sc[0].rx_len, strlen(GET("/1")));
	assert_memory_equal(fx->sc[0].rx, GET("/1"), fx->sc[0].rx_len);
	assert_int_equal(fx->sc[1].rx_len, strlen(GET("/3") GET("/4")));
	assert_memory_equal(fx->sc[1].rx, GET("/3") GET("/4"), fx->sc[1].rx_len);
	assert_int_not_equal(fx->sc[0].isn, 1000);
	assert_int_not_equal(fx->sc[1].isn, 1000);
	assert_int_not_equal(fx->sc[0].isn, fx->sc[1].isn);
	close_production(fx);
	fixture_free(fx);
}

/* Before a request not on the allowlist the shadow connection closes, after
 * the shadow answered what it was sent; the next allowed request opens a
 * new one. No byte of the denied request reaches the shadow. */
static void
denied_request_closes_the_connection_and_the_next_allowed_reopens(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));
	/* The first connection closed cleanly (FIN both ways) before any new one. */
	assert_int_equal(fx->nb_sc, 1);
	assert_true(fx->sc[0].fin_in && fx->sc[0].fin_out && !fx->sc[0].rst);
	exchange(fx, GET("/3"));
	assert_int_equal(fx->nb_sc, 2);
	for (unsigned int i = 0; i < fx->nb_sc; i++)
		assert_false(contains(&fx->sc[i], "POST"));
	close_production(fx);
	assert_int_equal(fx->nb_rec, 3);
	assert_mirrored(fx, "/1");
	assert_int_equal(rec_of(fx, "/2")->outcome, UMB_OUTCOME_suppressed);
	assert_mirrored(fx, "/3");
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_sessions], 2);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_requests_sampled], 3);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_requests_mirrored], 2);
	fixture_free(fx);
}

/* The shadow closes a connection production keeps open (its keepalive
 * limit: Connection: close, then FIN): the next request opens a new one. */
static void
shadow_closes_and_the_next_request_reopens(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	fx->close_after = 1;
	handshake(fx);
	exchange(fx, GET("/1"));
	assert_int_equal(fx->nb_sc, 1);
	assert_true(fx->sc[0].fin_in);
	exchange(fx, GET("/2"));
	exchange(fx, GET("/3"));
	assert_int_equal(fx->nb_sc, 3);
	close_production(fx);
	assert_int_equal(fx->nb_rec, 3);
	assert_mirrored(fx, "/1");
	assert_mirrored(fx, "/2");
	assert_mirrored(fx, "/3");
	assert_true(fx->ctr.http[UMB_HTTP_shadow_close_announced] >= 1);
	fixture_free(fx);
}

/* A flow first seen without its handshake is mirrored from the first
 * request that starts on a message boundary, with umbra's own options. */
static void
picked_up_mid_stream_from_a_boundary(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	fx->cseq = 777777;
	fx->sseq = 5000;
	seg(fx, 0, PSH, "ody of an earlier request\r\n");   /* no handshake */
	seg(fx, 1, PSH, RESP);
	assert_int_equal(fx->nb_sc, 0);
	exchange(fx, GET("/2"));
	assert_int_equal(fx->nb_sc, 1);
	assert_int_equal(fx->sc[0].syn_mss, 1460);  /* MTU 1500 */
	assert_int_equal(fx->sc[0].syn_ws, 7);
	assert_true(fx->sc[0].syn_ts);
	assert_memory_equal(fx->sc[0].rx, GET("/2"), fx->sc[0].rx_len);
	close_production(fx);
	assert_int_equal(fx->nb_rec, 1);
	assert_mirrored(fx, "/2");
	assert_true(rec_of(fx, "/2")->flags & UMB_X_MIDSTREAM);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_no_syn], 1);
	fixture_free(fx);
}

/* Past the queue cap a request is skipped (capped, queue); the connection
 * closes after the answers it is owed and mirroring resumes at a later
 * request on a fresh connection. */
static void
capped_then_resume_on_a_fresh_connection(void **state)
{
	struct fixture *fx = fixture_new(1);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	seg(fx, 0, PSH, GET("/1"));
	seg(fx, 0, PSH, GET("/2"));   /* pipelined, over the cap of 1 */
	seg(fx, 1, PSH, RESP);
	seg(fx, 1, PSH, RESP);
	fx->hold_answers = 0;
	shadow_answer(fx, &fx->sc[0]);
	shadow_run(fx);
	assert_int_equal(fx->nb_sc, 1);
	assert_true(fx->sc[0].fin_in && fx->sc[0].fin_out);
	exchange(fx, GET("/3"));
	assert_int_equal(fx->nb_sc, 2);
	assert_false(contains(&fx->sc[0], "/2"));
	assert_false(contains(&fx->sc[1], "/2"));
	close_production(fx);
	assert_int_equal(fx->nb_rec, 3);
	assert_mirrored(fx, "/1");
	assert_int_equal(rec_of(fx, "/2")->outcome, UMB_OUTCOME_capped);
	assert_int_equal(rec_of(fx, "/2")->mirror_reason, UMB_MREASON_queue);
	assert_mirrored(fx, "/3");
	fixture_free(fx);
}

/* The share applies at request boundaries: lowered, the flow's next
 * request does not go and its connection closes; raised, the next request
 * opens a new one. */
static void
share_lowered_then_raised_at_boundaries(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	exchange(fx, GET("/1"));
	umb_session_set_share(fx->t, 0);
	exchange(fx, GET("/2"));
	exchange(fx, GET("/3"));
	assert_int_equal(fx->nb_sc, 1);
	assert_true(fx->sc[0].fin_in && fx->sc[0].fin_out);
	assert_false(contains(&fx->sc[0], "/2"));
	umb_session_set_share(fx->t, UMB_SHARE_ONE);
	exchange(fx, GET("/4"));
	assert_int_equal(fx->nb_sc, 2);
	close_production(fx);
	assert_int_equal(fx->nb_rec, 4);
	assert_mirrored(fx, "/1");
	assert_int_equal(rec_of(fx, "/2")->outcome, UMB_OUTCOME_not_mirrored);
	assert_int_equal(rec_of(fx, "/2")->mirror_reason, UMB_MREASON_share_lowered);
	assert_int_equal(rec_of(fx, "/3")->outcome, UMB_OUTCOME_not_mirrored);
	assert_int_equal(rec_of(fx, "/3")->mirror_reason, UMB_MREASON_share_lowered);
	assert_mirrored(fx, "/4");
	fixture_free(fx);
}

/* Requests that come while the previous shadow connection is closing are
 * kept and go on the next one: after a denied request, a later denied one
 * and an allowed one after it, with the shadow slow to answer. */
static void
requests_during_a_close_go_on_the_next_connection(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));   /* the connection ends before it */
	exchange(fx, GET("/3"));    /* while it closes: kept */
	exchange(fx, POST("/4"));
	exchange(fx, GET("/5"));
	assert_int_equal(fx->nb_sc, 1);
	assert_true(fx->sc[0].fin_in);
	fx->hold_answers = 0;
	shadow_answer(fx, &fx->sc[0]);
	shadow_run(fx);
	/* one connection per run of allowed requests, one after the other */
	assert_int_equal(fx->nb_sc, 3);
	assert_int_equal(fx->sc[1].rx_len, strlen(GET("/3")));
	assert_memory_equal(fx->sc[1].rx, GET("/3"), fx->sc[1].rx_len);
	assert_int_equal(fx->sc[2].rx_len, strlen(GET("/5")));
	assert_memory_equal(fx->sc[2].rx, GET("/5"), fx->sc[2].rx_len);
	for (unsigned int i = 0; i < fx->nb_sc; i++) {
		assert_false(contains(&fx->sc[i], "POST"));
		assert_false(fx->sc[i].rst);
	}
	assert_true(fx->sc[0].fin_out && fx->sc[1].fin_in && fx->sc[1].fin_out);
	close_production(fx);
	assert_int_equal(fx->nb_rec, 5);
	assert_mirrored(fx, "/1");
	assert_mirrored(fx, "/3");
	assert_mirrored(fx, "/5");
	assert_int_equal(rec_of(fx, "/2")->outcome, UMB_OUTCOME_suppressed);
	assert_int_equal(rec_of(fx, "/4")->outcome, UMB_OUTCOME_suppressed);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_requests_mirrored], 3);
	fixture_free(fx);
}

/* The shadow announces its close (keepalive limit) while the client's next
 * request waits (pacing): that request goes on a new connection. */
static void
shadow_close_with_a_request_waiting(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	fx->close_after = 1;
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	exchange(fx, GET("/2"));   /* waits for /1's answer: kept */
	assert_int_equal(fx->nb_sc, 1);
	assert_false(contains(&fx->sc[0], "/2"));
	fx->hold_answers = 0;
	shadow_answer(fx, &fx->sc[0]);
	shadow_run(fx);
	assert_int_equal(fx->nb_sc, 2);
	assert_false(contains(&fx->sc[0], "/2"));
	assert_memory_equal(fx->sc[1].rx, GET("/2"), fx->sc[1].rx_len);
	close_production(fx);
	assert_int_equal(fx->nb_rec, 2);
	assert_mirrored(fx, "/1");
	assert_mirrored(fx, "/2");
	fixture_free(fx);
}

/* A request skipped past the queue cap leaves bytes no entry covers: the
 * shadow connection ends before them and the next request goes on a new
 * one; the skipped bytes never reach the shadow (they did once: a PUT
 * skipped by the cap went out with the GETs around it). */
static void
skipped_request_bytes_never_sent(void **state)
{
	struct fixture *fx = fixture_new(4);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));    /* the first connection ends before it */
	exchange(fx, GET("/3"));     /* carried */
	exchange(fx, GET("/4"));
	exchange(fx, GET("/5"));     /* the queue holds 4: /1 /3 /4 /5 */
	exchange(fx, POST("/6"));    /* over the cap: skipped, never tracked */
	fx->hold_answers = 0;
	shadow_answer(fx, &fx->sc[0]);
	shadow_run(fx);
	assert_int_equal(fx->nb_sc, 2);
	exchange(fx, GET("/7"));     /* after the skipped bytes */
	assert_int_equal(fx->nb_sc, 3);
	for (unsigned int i = 0; i < fx->nb_sc; i++) {
		assert_false(contains(&fx->sc[i], "POST"));
		assert_false(contains(&fx->sc[i], "/6"));
	}
	assert_int_equal(fx->sc[1].rx_len, strlen(GET("/3") GET("/4") GET("/5")));
	assert_memory_equal(fx->sc[2].rx, GET("/7"), fx->sc[2].rx_len);
	close_production(fx);
	assert_mirrored(fx, "/1");
	assert_mirrored(fx, "/3");
	assert_mirrored(fx, "/5");
	assert_mirrored(fx, "/7");
	assert_int_equal(rec_of(fx, "/6")->outcome, UMB_OUTCOME_capped);
	assert_int_equal(rec_of(fx, "/6")->mirror_reason, UMB_MREASON_queue);
	fixture_free(fx);
}

/* The same, with a denied request right after the skipped bytes: the
 * connection still ends before the gap; the denied request is suppressed
 * and the next allowed one goes on a new connection (they once ended
 * shadow_reset with the connection before them). */
static void
skipped_bytes_then_denied(void **state)
{
	struct fixture *fx = fixture_new(4);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));
	exchange(fx, GET("/3"));
	exchange(fx, GET("/4"));
	exchange(fx, GET("/5"));
	exchange(fx, POST("/6"));    /* over the cap: skipped */
	fx->hold_answers = 0;
	shadow_answer(fx, &fx->sc[0]);
	shadow_run(fx);
	assert_int_equal(fx->nb_sc, 2);
	exchange(fx, POST("/7"));    /* denied, after the skipped bytes */
	exchange(fx, GET("/8"));
	assert_int_equal(fx->nb_sc, 3);
	for (unsigned int i = 0; i < fx->nb_sc; i++)
		assert_false(contains(&fx->sc[i], "POST"));
	assert_memory_equal(fx->sc[2].rx, GET("/8"), fx->sc[2].rx_len);
	close_production(fx);
	assert_mirrored(fx, "/5");
	assert_int_equal(rec_of(fx, "/6")->outcome, UMB_OUTCOME_capped);
	assert_int_equal(rec_of(fx, "/7")->outcome, UMB_OUTCOME_suppressed);
	assert_mirrored(fx, "/8");
	fixture_free(fx);
}

/* A run of denied requests takes one place in the queue: with a cap of 3,
 * a GET after three POSTs still goes while the first GET waits. */
static void
denied_run_takes_one_queue_slot(void **state)
{
	struct fixture *fx = fixture_new(3);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));
	exchange(fx, POST("/3"));
	exchange(fx, POST("/4"));
	exchange(fx, POST("/5"));
	exchange(fx, GET("/6"));
	fx->hold_answers = 0;
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < fx->nb_sc; i++)
			shadow_answer(fx, &fx->sc[i]);
		shadow_run(fx);
	}
	assert_int_equal(fx->nb_sc, 2);
	close_production(fx);
	assert_mirrored(fx, "/1");
	for (int i = 2; i <= 5; i++) {
		char u[8];

		snprintf(u, sizeof(u), "/%d", i);
		assert_int_equal(rec_of(fx, u)->outcome, UMB_OUTCOME_suppressed);
	}
	assert_mirrored(fx, "/6");
	fixture_free(fx);
}

/* A slow shadow, the queue cap, denied requests and the client closing
 * while requests wait: every request ends with what happened to it. */
static void
slow_shadow_denied_capped_then_client_closes(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	exchange(fx, POST("/2"));
	exchange(fx, GET("/3"));
	exchange(fx, GET("/4"));
	exchange(fx, GET("/5"));
	exchange(fx, POST("/6"));
	exchange(fx, POST("/7"));
	exchange(fx, GET("/8"));
	seg(fx, 0, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 1, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 0, ACK, NULL);
	fx->hold_answers = 0;
	for (unsigned int i = 0; i < fx->nb_sc; i++)
		shadow_answer(fx, &fx->sc[i]);
	shadow_run(fx);
	for (unsigned int round = 0; round < 4; round++) {
		for (unsigned int i = 0; i < fx->nb_sc; i++)
			shadow_answer(fx, &fx->sc[i]);
		shadow_run(fx);
	}
	umb_session_flush(fx->t, fx->now);
	for (unsigned int i = 0; i < fx->nb_sc; i++)
		assert_false(contains(&fx->sc[i], "POST"));
	assert_mirrored(fx, "/1");
	assert_mirrored(fx, "/3");
	assert_mirrored(fx, "/4");
	assert_mirrored(fx, "/5");
	assert_int_equal(rec_of(fx, "/6")->outcome, UMB_OUTCOME_suppressed);
	assert_int_equal(rec_of(fx, "/7")->outcome, UMB_OUTCOME_suppressed);
	assert_mirrored(fx, "/8");
	fixture_free(fx);
}

/* A shadow that never answers the SYN: the request waiting for it ends
 * shadow_timeout after shadow_response_timeout, not at the flow's end. */
static void
handshake_never_answered_times_out(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	fx->black_hole = 1;
	exchange(fx, GET("/1"));
	for (int step = 0; step < 24; step++) {
		fx->now += SEC / 2;
		umb_session_expire(fx->t, fx->now, 64);
		shadow_run(fx);
	}
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(rec_of(fx, "/1")->outcome, UMB_OUTCOME_shadow_timeout);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_response_timeouts], 1);
	fx->black_hole = 0;
	close_production(fx);
	fixture_free(fx);
}

/* Rollback: every shadow connection is shut at once (FIN); one the shadow
 * does not close within the grace is reset; nothing opens again. */
static void
rollback_closes_every_connection(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	fx->hold_answers = 1;
	exchange(fx, GET("/1"));
	assert_int_equal(fx->nb_sc, 1);
	umb_session_set_share(fx->t, 0);
	assert_int_equal(umb_session_mirror_close_all(fx->t, fx->now, 500000), 1);
	shadow_run(fx);
	assert_true(fx->sc[0].fin_in);
	assert_false(fx->sc[0].rst);
	/* the shadow never answers: reset once the grace is over */
	fx->now += 600000;
	umb_session_expire(fx->t, fx->now, 64);
	shadow_run(fx);
	assert_true(fx->sc[0].rst);
	assert_int_equal(umb_session_mirrored(fx->t), 0);
	fx->hold_answers = 0;
	exchange(fx, GET("/2"));
	assert_int_equal(fx->nb_sc, 1);
	close_production(fx);
	assert_int_equal(rec_of(fx, "/1")->outcome, UMB_OUTCOME_shadow_timeout);
	assert_int_equal(rec_of(fx, "/2")->outcome, UMB_OUTCOME_not_mirrored);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_rollback_closes], 1);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_rollback_resets], 1);
	fixture_free(fx);
}

/* Rollback with a shadow that answers: a clean close, no reset. */
static void
rollback_clean_close(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	handshake(fx);
	exchange(fx, GET("/1"));
	umb_session_set_share(fx->t, 0);
	assert_int_equal(umb_session_mirror_close_all(fx->t, fx->now, 500000), 1);
	shadow_run(fx);
	assert_true(fx->sc[0].fin_in && fx->sc[0].fin_out);
	fx->now += 600000;
	umb_session_expire(fx->t, fx->now, 64);
	shadow_run(fx);
	assert_false(fx->sc[0].rst);
	assert_int_equal(umb_session_mirrored(fx->t), 0);
	close_production(fx);
	assert_mirrored(fx, "/1");
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_rollback_resets], 0);
	fixture_free(fx);
}

/* A rollback seen while this lcore still runs the old share (launch.c bumps
 * the generation before it lowers the share): nothing was open, and no
 * shadow connection opens during the grace, the share notwithstanding;
 * after the grace the share (0 by then) decides. */
static void
rollback_before_share_opens_nothing(void **state)
{
	struct fixture *fx = fixture_new(0);

	(void)state;
	assert_int_equal(umb_session_mirror_close_all(fx->t, fx->now, 500000), 0);
	handshake(fx);
	exchange(fx, GET("/1"));
	assert_int_equal(fx->nb_sc, 0);
	close_production(fx);
	assert_int_equal(rec_of(fx, "/1")->outcome, UMB_OUTCOME_not_mirrored);
	assert_int_equal(rec_of(fx, "/1")->mirror_reason, UMB_MREASON_rolled_back);
	assert_int_equal(fx->ctr.mirror[UMB_MIRROR_rollback_closes], 0);
	fixture_free(fx);
}

static int
suite_setup(void **state)
{
	if (group_setup(state) != 0)
		return -1;
	txp = rte_pktmbuf_pool_create("sm_tx", TXP_SIZE, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return txp != NULL ? 0 : -1;
}

static int
suite_teardown(void **state)
{
	rte_mempool_free(txp);
	return group_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sequence_translation_across_connection_switches),
		cmocka_unit_test(denied_request_closes_the_connection_and_the_next_allowed_reopens),
		cmocka_unit_test(shadow_closes_and_the_next_request_reopens),
		cmocka_unit_test(picked_up_mid_stream_from_a_boundary),
		cmocka_unit_test(capped_then_resume_on_a_fresh_connection),
		cmocka_unit_test(share_lowered_then_raised_at_boundaries),
		cmocka_unit_test(requests_during_a_close_go_on_the_next_connection),
		cmocka_unit_test(shadow_close_with_a_request_waiting),
		cmocka_unit_test(skipped_request_bytes_never_sent),
		cmocka_unit_test(skipped_bytes_then_denied),
		cmocka_unit_test(denied_run_takes_one_queue_slot),
		cmocka_unit_test(slow_shadow_denied_capped_then_client_closes),
		cmocka_unit_test(handshake_never_answered_times_out),
		cmocka_unit_test(rollback_closes_every_connection),
		cmocka_unit_test(rollback_clean_close),
		cmocka_unit_test(rollback_before_share_opens_nothing),
	};

	return cmocka_run_group_tests_name("session_mirror", tests, suite_setup,
		suite_teardown);
}
