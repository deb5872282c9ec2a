/* SPDX-License-Identifier: BSD-3-Clause
 * The benchmark responder (app/umbra/responder.c): frames built as umbra
 * builds them toward the shadow go in, the shadow's answers come out and
 * are decoded and checked independently (addresses, numbers, options,
 * payload, checksums).
 */
#define PEER_SUITE "responder"
#include "test_peer.h"
#include "responder.h"

#define RESP UMB_RESPONDER_HTTP
#define RESP_LEN ((uint32_t)(sizeof(RESP) - 1))
#define PER UMB_RESPONDER_PER_FRAME
#define MAX_OUT 8
#define GET "GET / HTTP/1.1\r\nHost: shadow\r\n\r\n"
#define GET_LEN ((uint32_t)(sizeof(GET) - 1))
#define CSEQ 0xfffffff0u  /* umbra's (the client's) ISN: wraps soon */

static struct umb_responder *
responder(struct rte_mempool *mp, int reply_http)
{
	struct umb_responder_params p = { .pool = mp,
		.reply_http = (uint8_t)reply_http };
	struct umb_responder *r = umb_responder_create(&p, SOCKET_ID_ANY);

	assert_non_null(r);
	return r;
}

static uint64_t
ctr(const struct umb_responder *r, enum umb_responder_ctr c)
{
	return umb_responder_counters(r)[c];
}

/* A frame umbra sends: session(af, vlan) framing, segment() numbers. */
static struct rte_mbuf *
umbra_frame(int af, uint16_t vlan, const struct umb_peer_tcp *t)
{
	struct umb_peer_l2l3 l = session(af, vlan);
	struct rte_mbuf *m = umb_peer_build(pool, &l, t);

	assert_non_null(m);
	return m;
}

static struct umb_peer_tcp
seg(uint8_t flags, uint32_t seq, uint32_t ack, const char *payload)
{
	struct umb_peer_tcp t = segment();

	t.flags = flags;
	t.seq = seq;
	t.ack = ack;
	t.payload = payload;
	t.len = payload != NULL ? (uint32_t)strlen(payload) : 0;
	return t;
}

/* Hand one frame to the responder (then free it); answers into out[]. */
static unsigned int
feed(struct umb_responder *r, int af, uint16_t vlan,
		const struct umb_peer_tcp *t, struct rte_mbuf **out,
		unsigned int max_out)
{
	struct rte_mbuf *m = umbra_frame(af, vlan, t);
	unsigned int n = umb_responder_answer(r, m, out, max_out);

	rte_pktmbuf_free(m);
	return n;
}

static void
free_all(struct rte_mbuf **out, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
}

/*
 * Decode an answer and check what never depends on the segment: toward
 * umbra from the shadow (MACs, addresses, ports swapped), the VLAN kept,
 * IPv4 header and TCP checksums right, window 65535.
 */
static void
check_answer(struct rte_mbuf *m, int af, uint16_t vlan, struct umb_pkt *pkt)
{
	const uint8_t *f = data(m);
	uint32_t n = rte_pktmbuf_data_len(m);
	uint32_t l2 = vlan != 0 ? 18 : 14;
	const uint8_t *ip = f + l2;
	uint32_t l4_len;
	int warn = 0;

	assert_int_equal(m->nb_segs, 1);
	assert_true(n >= 60);
	assert_int_equal(umb_decode(f, n, n, UMB_LINK_ETHER, pkt, &warn),
		UMB_DECODE_tcp);
	assert_int_equal(warn, 0);
	assert_memory_equal(f, our_mac, 6);
	assert_memory_equal(f + 6, shadow_mac, 6);
	assert_int_equal(pkt->af, af);
	assert_int_equal(pkt->nb_vlan, vlan != 0);
	if (vlan != 0)
		assert_int_equal(pkt->vlan[0], vlan);
	assert_int_equal(pkt->sport, 8080);
	assert_int_equal(pkt->dport, 40001);
	assert_int_equal(pkt->win, 65535);
	if (af == 4) {
		assert_memory_equal(pkt->src.b, shadow_ip4, 4);
		assert_memory_equal(pkt->dst.b, our_ip4, 4);
		assert_int_equal(fold(sum_words(0, ip, 20)), 0xffff);
		l4_len = rd16(ip + 2) - 20;
	} else {
		assert_memory_equal(pkt->src.b, shadow_ip6, 16);
		assert_memory_equal(pkt->dst.b, our_ip6, 16);
		l4_len = rd16(ip + 4);
	}
	assert_true(l4_sum_ok(af, ip, ip + (af == 4 ? 20 : 40), 6, l4_len));
}

/* SYN as umbra sends it; returns the responder's ISN from the SYN-ACK. */
static uint32_t
handshake(struct umb_responder *r, int af, uint16_t vlan, uint32_t cseq)
{
	struct umb_peer_tcp t = seg(UMB_TCP_SYN, cseq, 0, NULL);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_pkt pkt;
	uint32_t isn;

	t.mss = 1460;
	assert_int_equal(feed(r, af, vlan, &t, out, MAX_OUT), 1);
	check_answer(out[0], af, vlan, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_SYN | UMB_TCP_ACK);
	assert_int_equal(pkt.ack, cseq + 1);
	isn = pkt.seq;
	free_all(out, 1);
	return isn;
}

/* ---- handshake ---- */

static void
syn_with_options(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct umb_peer_tcp t = seg(UMB_TCP_SYN, CSEQ, 0, NULL);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_pkt pkt;
	uint32_t isn;

	(void)state;
	t.mss = 1460;
	t.wscale = 9;
	t.sack_perm = 1;
	t.has_ts = 1;
	t.tsval = 0xabcdef01;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_SYN | UMB_TCP_ACK);
	assert_int_equal(pkt.ack, CSEQ + 1);
	assert_int_equal(pkt.opt_flags, UMB_OPT_MSS | UMB_OPT_WSCALE |
		UMB_OPT_TS);
	assert_int_equal(pkt.mss, 1460);
	assert_int_equal(pkt.wscale, 7);
	assert_int_equal(pkt.tsecr, 0xabcdef01);
	assert_int_equal(pkt.tsval, 1);
	assert_int_equal(pkt.payload_len, 0);
	isn = pkt.seq;
	free_all(out, 1);

	/* A retransmitted SYN gets the same ISN (a hash of the 4-tuple), a
	 * later TSval; another responder derives the same ISN. */
	t.tsval += 1000;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, isn);
	assert_int_equal(pkt.tsval, 2);
	assert_int_equal(pkt.tsecr, 0xabcdef01 + 1000);
	free_all(out, 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_syn), 2);
	umb_responder_free(r);

	r = responder(pool, 0);
	assert_int_equal(handshake(r, 4, 0, CSEQ), isn);
	/* Another source port, another ISN. */
	t.sport = 40003;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	assert_int_equal(umb_decode(data(out[0]), rte_pktmbuf_data_len(out[0]),
		rte_pktmbuf_data_len(out[0]), UMB_LINK_ETHER, &pkt, NULL),
		UMB_DECODE_tcp);
	assert_int_equal(pkt.dport, 40003);
	assert_int_not_equal(pkt.seq, isn);
	free_all(out, 1);
	umb_responder_free(r);
}

static void
syn_without_options_v6_vlan(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct umb_peer_tcp t = seg(UMB_TCP_SYN, 1000, 0, NULL);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_pkt pkt;

	(void)state;
	assert_int_equal(feed(r, 6, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 6, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_SYN | UMB_TCP_ACK);
	assert_int_equal(pkt.ack, 1001);
	assert_int_equal(pkt.opt_flags, UMB_OPT_MSS);  /* no WS, no TS */
	assert_int_equal(pkt.mss, 1440);
	free_all(out, 1);

	t.wscale = 0;   /* window scale 0 offered: still echoed as 7 */
	assert_int_equal(feed(r, 6, 100, &t, out, MAX_OUT), 1);
	check_answer(out[0], 6, 100, &pkt);
	assert_int_equal(pkt.opt_flags, UMB_OPT_MSS | UMB_OPT_WSCALE);
	assert_int_equal(pkt.wscale, 7);
	assert_int_equal(pkt.mss, 1440);
	free_all(out, 1);

	assert_int_equal(feed(r, 4, 4094, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 4094, &pkt);
	assert_int_equal(pkt.mss, 1460);
	free_all(out, 1);
	umb_responder_free(r);
}

/* ---- data ---- */

static void
request_answered(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, cs = CSEQ + 1;

	(void)state;
	isn = handshake(r, 4, 0, CSEQ);
	/* Part of a head: acknowledged only. */
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, cs, isn + 1, "GET / HT");
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(pkt.seq, isn + 1);
	assert_int_equal(pkt.ack, cs + 8);
	assert_int_equal(pkt.payload_len, 0);
	assert_int_equal(pkt.opt_flags, 0);
	free_all(out, 1);
	/* The rest: answered, the answer carries the acknowledgement. The
	 * sequence numbers wrap past 2^32 here. */
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, cs + 8, isn + 1,
		"TP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_ACK | UMB_TCP_PSH);
	assert_int_equal(pkt.seq, isn + 1);
	assert_int_equal(pkt.ack, cs + 8 + t.len);
	assert_int_equal(pkt.payload_len, RESP_LEN);
	assert_memory_equal(data(out[0]) + pkt.payload_off, RESP, RESP_LEN);
	free_all(out, 1);
	/* umbra acknowledges the answer: nothing to say. */
	t = seg(UMB_TCP_ACK, cs + 8 + t.len, isn + 1 + RESP_LEN, NULL);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 0);
	assert_int_equal(ctr(r, UMB_RESPONDER_pure_ack), 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_responses), 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_data), 2);
	assert_int_equal(ctr(r, UMB_RESPONDER_frames_built), 3);
	umb_responder_free(r);
}

static void
head_end_split_across_segments(void **state)
{
	static const char *const parts[][2] = {
		{ "GET /a HTTP/1.1\r\n\r", "\n" },
		{ "GET /b HTTP/1.1\r\n", "\r\n" },
		{ "GET /c HTTP/1.1\r", "\n\r\n" },
	};
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, cs = 5000, ours;

	(void)state;
	isn = handshake(r, 6, 7, cs - 1);
	ours = isn + 1;
	for (unsigned int i = 0; i < RTE_DIM(parts); i++) {
		t = seg(UMB_TCP_ACK, cs, ours, parts[i][0]);
		assert_int_equal(feed(r, 6, 7, &t, out, MAX_OUT), 1);
		check_answer(out[0], 6, 7, &pkt);
		assert_int_equal(pkt.payload_len, 0);
		assert_int_equal(pkt.ack, cs + t.len);
		free_all(out, 1);
		cs += t.len;
		t = seg(UMB_TCP_ACK, cs, ours, parts[i][1]);
		assert_int_equal(feed(r, 6, 7, &t, out, MAX_OUT), 1);
		check_answer(out[0], 6, 7, &pkt);
		assert_int_equal(pkt.payload_len, RESP_LEN);
		assert_int_equal(pkt.seq, ours);
		assert_int_equal(pkt.ack, cs + t.len);
		free_all(out, 1);
		cs += t.len;
		ours += RESP_LEN;
	}
	/* "\r\n\r\r\n\r\n": the pattern restarts inside a near miss. */
	t = seg(UMB_TCP_ACK, cs, ours, "X\r\n\r\r\n\r\n");
	assert_int_equal(feed(r, 6, 7, &t, out, MAX_OUT), 1);
	check_answer(out[0], 6, 7, &pkt);
	assert_int_equal(pkt.payload_len, RESP_LEN);
	free_all(out, 1);
	umb_responder_free(r);
}

static void
pipelined_requests(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, cs = CSEQ + 1;

	(void)state;
	isn = handshake(r, 4, 0, CSEQ);
	/* Two heads in one segment: one frame, two answers. */
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, cs, isn + 1, GET GET);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, isn + 1);
	assert_int_equal(pkt.payload_len, 2 * RESP_LEN);
	assert_memory_equal(data(out[0]) + pkt.payload_off, RESP RESP,
		2 * RESP_LEN);
	free_all(out, 1);
	cs += 2 * GET_LEN;
	/* Two segments sent back to back, before umbra saw the answers: the
	 * second answer follows the first, not at the same number. */
	for (uint32_t i = 0; i < 2; i++) {
		t = seg(UMB_TCP_ACK | UMB_TCP_PSH, cs, isn + 1, GET);
		assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
		check_answer(out[0], 4, 0, &pkt);
		assert_int_equal(pkt.seq, isn + 1 + (2 + i) * RESP_LEN);
		assert_int_equal(pkt.ack, cs + GET_LEN);
		assert_int_equal(pkt.payload_len, RESP_LEN);
		free_all(out, 1);
		cs += GET_LEN;
	}
	assert_int_equal(ctr(r, UMB_RESPONDER_responses), 4);
	umb_responder_free(r);
}

static void
stateless_without_syn(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;

	(void)state;
	/* No SYN seen: umbra's stream starts at the segment, ours at its
	 * acknowledgement number; timestamps echoed. */
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, 777, 0x80000000u, GET);
	t.has_ts = 1;
	t.tsval = 4242;
	t.tsecr = 17;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, 0x80000000u);
	assert_int_equal(pkt.ack, 777 + GET_LEN);
	assert_int_equal(pkt.opt_flags, UMB_OPT_TS);
	assert_int_equal(pkt.tsecr, 4242);
	assert_int_equal(pkt.payload_len, RESP_LEN);
	free_all(out, 1);
	/* A segment far from what the slot remembers: restarted from it. */
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, 777 + 0x70000000u, 0x10, GET);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, 0x10);
	assert_int_equal(pkt.ack, 777 + 0x70000000u + GET_LEN);
	free_all(out, 1);
	umb_responder_free(r);
}

static void
retransmitted_request(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, cs = 100;

	(void)state;
	isn = handshake(r, 4, 0, cs - 1);
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, cs, isn + 1, GET GET);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	free_all(out, 1);
	/* The answer was lost: umbra re-sends the request, still
	 * acknowledging isn + 1. The answer is sent again, not twice. */
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, isn + 1);
	assert_int_equal(pkt.ack, cs + 2 * GET_LEN);
	assert_int_equal(pkt.payload_len, 2 * RESP_LEN);
	assert_memory_equal(data(out[0]) + pkt.payload_off, RESP RESP,
		2 * RESP_LEN);
	free_all(out, 1);
	/* Half of it arrived (an acknowledgement mid-answer): the rest,
	 * starting mid-answer. */
	t.ack = isn + 1 + RESP_LEN + 5;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, isn + 1 + RESP_LEN + 5);
	assert_int_equal(pkt.payload_len, RESP_LEN - 5);
	assert_memory_equal(data(out[0]) + pkt.payload_off, &RESP[5],
		RESP_LEN - 5);
	free_all(out, 1);
	/* Everything arrived, only our ACK was lost: a pure ACK. */
	t.ack = isn + 1 + 2 * RESP_LEN;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(pkt.seq, isn + 1 + 2 * RESP_LEN);
	assert_int_equal(pkt.payload_len, 0);
	free_all(out, 1);
	/* Overlap: old bytes plus a new head. Only the new one answered. */
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, cs + GET_LEN,
		isn + 1 + 2 * RESP_LEN, GET GET);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.seq, isn + 1 + 2 * RESP_LEN);
	assert_int_equal(pkt.ack, cs + 3 * GET_LEN);
	assert_int_equal(pkt.payload_len, RESP_LEN);
	free_all(out, 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_retransmits), 2);
	assert_int_equal(ctr(r, UMB_RESPONDER_old_data), 3);
	assert_int_equal(ctr(r, UMB_RESPONDER_responses), 3);
	umb_responder_free(r);
}

/* ---- ending ---- */

static void
fin_answered(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, cs = CSEQ + 1;

	(void)state;
	isn = handshake(r, 6, 0, CSEQ);
	t = seg(UMB_TCP_ACK, cs, isn + 1, GET);
	assert_int_equal(feed(r, 6, 0, &t, out, MAX_OUT), 1);
	free_all(out, 1);
	cs += GET_LEN;
	/* FIN (answer acknowledged): FIN-ACK after our answer. */
	t = seg(UMB_TCP_FIN | UMB_TCP_ACK, cs, isn + 1 + RESP_LEN, NULL);
	assert_int_equal(feed(r, 6, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 6, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(pkt.seq, isn + 1 + RESP_LEN);
	assert_int_equal(pkt.ack, cs + 1);
	assert_int_equal(pkt.payload_len, 0);
	free_all(out, 1);
	/* FIN re-sent (our FIN-ACK lost): the same FIN-ACK. */
	assert_int_equal(feed(r, 6, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 6, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(pkt.seq, isn + 1 + RESP_LEN);
	assert_int_equal(pkt.ack, cs + 1);
	free_all(out, 1);
	/* umbra's last ACK: nothing. */
	t = seg(UMB_TCP_ACK, cs + 1, isn + 2 + RESP_LEN, NULL);
	assert_int_equal(feed(r, 6, 0, &t, out, MAX_OUT), 0);

	/* A last request carried with the FIN: answer, then FIN-ACK. */
	isn = handshake(r, 4, 0, 10);
	t = seg(UMB_TCP_FIN | UMB_TCP_ACK | UMB_TCP_PSH, 11, isn + 1, GET);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 2);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_ACK | UMB_TCP_PSH);
	assert_int_equal(pkt.seq, isn + 1);
	assert_int_equal(pkt.ack, 11 + GET_LEN + 1);
	assert_int_equal(pkt.payload_len, RESP_LEN);
	check_answer(out[1], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(pkt.seq, isn + 1 + RESP_LEN);
	assert_int_equal(pkt.ack, 11 + GET_LEN + 1);
	free_all(out, 2);
	assert_int_equal(ctr(r, UMB_RESPONDER_fin), 2);
	umb_responder_free(r);
}

static void
no_answer(void **state)
{
	static const uint8_t arp[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06 };
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct rte_mbuf *m;

	(void)state;
	t = seg(UMB_TCP_RST, 1, 0, NULL);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 0);
	t = seg(UMB_TCP_RST | UMB_TCP_ACK, 1, 2, GET);
	assert_int_equal(feed(r, 6, 0, &t, out, MAX_OUT), 0);
	t = seg(UMB_TCP_ACK, 1, 2, NULL);
	assert_int_equal(feed(r, 4, 9, &t, out, MAX_OUT), 0);
	t = seg(UMB_TCP_SYN | UMB_TCP_ACK, 1, 2, NULL);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 0);
	t = seg(UMB_TCP_PSH, 1, 0, GET);   /* data without ACK */
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 0);
	m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, sizeof(arp)), arp, sizeof(arp));
	assert_int_equal(umb_responder_answer(r, m, out, MAX_OUT), 0);
	rte_pktmbuf_free(m);
	assert_int_equal(umb_responder_answer(NULL, NULL, out, MAX_OUT), 0);

	assert_int_equal(ctr(r, UMB_RESPONDER_rst), 2);
	assert_int_equal(ctr(r, UMB_RESPONDER_pure_ack), 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_other_tcp), 2);
	assert_int_equal(ctr(r, UMB_RESPONDER_not_tcp), 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_frames_built), 0);
	umb_responder_free(r);

	/* reply_http off: heads acknowledged, never answered. */
	r = responder(pool, 0);
	t = seg(UMB_TCP_ACK, 1, 2, GET);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	assert_int_equal(rte_pktmbuf_data_len(out[0]), 60);
	free_all(out, 1);
	assert_int_equal(ctr(r, UMB_RESPONDER_responses), 0);
	umb_responder_free(r);
}

/* ---- bounds ---- */

static void
max_out_and_empty_pool(void **state)
{
	static char heads[30 * 4 + 1];
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT], *held[SMALL_POOL_SIZE];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn;

	(void)state;
	for (unsigned int i = 0; i < 30; i++)
		memcpy(heads + 4 * i, "\r\n\r\n", 4);
	isn = handshake(r, 4, 0, 0);
	/* 30 heads and a FIN, 3 frames: PER answers twice, then the FIN-ACK. */
	t = seg(UMB_TCP_ACK | UMB_TCP_FIN, 1, isn + 1, heads);
	assert_int_equal(feed(r, 4, 0, &t, out, 3), 3);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.payload_len, PER * RESP_LEN);
	check_answer(out[1], 4, 0, &pkt);
	assert_int_equal(pkt.seq, isn + 1 + PER * RESP_LEN);
	assert_int_equal(pkt.payload_len, PER * RESP_LEN);
	check_answer(out[2], 4, 0, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(pkt.seq, isn + 1 + 2 * PER * RESP_LEN);
	assert_int_equal(pkt.ack, 1 + 120 + 1);
	free_all(out, 3);
	assert_int_equal(ctr(r, UMB_RESPONDER_responses), 2 * PER);
	assert_int_equal(ctr(r, UMB_RESPONDER_responses_dropped), 30 - 2 * PER);
	/* max_out 0: nothing written. */
	t = seg(UMB_TCP_SYN, 5, 0, NULL);
	assert_int_equal(feed(r, 4, 0, &t, out, 0), 0);
	t = seg(UMB_TCP_FIN | UMB_TCP_ACK, 6, 0, NULL);
	assert_int_equal(feed(r, 4, 0, &t, out, 0), 0);
	assert_int_equal(ctr(r, UMB_RESPONDER_fin_dropped), 1);
	umb_responder_free(r);

	/* Pool empty: counted, nothing returned. */
	r = responder(small_pool, 1);
	for (unsigned int i = 0; i < SMALL_POOL_SIZE; i++) {
		held[i] = rte_pktmbuf_alloc(small_pool);
		assert_non_null(held[i]);
	}
	t = seg(UMB_TCP_SYN, 5, 0, NULL);
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 0);
	assert_int_equal(ctr(r, UMB_RESPONDER_no_mbuf), 1);
	free_all(held, SMALL_POOL_SIZE);
	umb_responder_free(r);

	{
		struct umb_responder_params p = { .pool = NULL };

		assert_null(umb_responder_create(&p, SOCKET_ID_ANY));
		assert_int_equal(rte_errno, EINVAL);
		assert_null(umb_responder_create(NULL, SOCKET_ID_ANY));
	}
	umb_responder_free(NULL);
}

static void
chained_frame(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT], *m, *tail;
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, cut;
	char *p;

	(void)state;
	isn = handshake(r, 4, 0, 99);
	t = seg(UMB_TCP_ACK | UMB_TCP_PSH, 100, isn + 1, GET GET);
	m = umbra_frame(4, 0, &t);
	/* Move the last bytes (inside the payload, across the first head's
	 * end) to a second segment. */
	cut = rte_pktmbuf_data_len(m) - GET_LEN - 2;
	tail = rte_pktmbuf_alloc(pool);
	assert_non_null(tail);
	p = rte_pktmbuf_append(tail, (uint16_t)(GET_LEN + 2));
	memcpy(p, rte_pktmbuf_mtod_offset(m, char *, cut), GET_LEN + 2);
	assert_int_equal(rte_pktmbuf_trim(m, (uint16_t)(GET_LEN + 2)), 0);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	assert_int_equal(m->nb_segs, 2);
	assert_int_equal(umb_responder_answer(r, m, out, MAX_OUT), 1);
	rte_pktmbuf_free(m);
	check_answer(out[0], 4, 0, &pkt);
	assert_int_equal(pkt.payload_len, 2 * RESP_LEN);
	assert_int_equal(pkt.ack, 100 + 2 * GET_LEN);
	free_all(out, 1);
	umb_responder_free(r);
}

static void
timestamps_increase(void **state)
{
	struct umb_responder *r = responder(pool, 1);
	struct rte_mbuf *out[MAX_OUT];
	struct umb_peer_tcp t;
	struct umb_pkt pkt;
	uint32_t isn, last = 0;

	(void)state;
	t = seg(UMB_TCP_SYN, 1, 0, NULL);
	t.has_ts = 1;
	t.tsval = 1000;
	assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
	check_answer(out[0], 4, 0, &pkt);
	isn = pkt.seq;
	last = pkt.tsval;
	free_all(out, 1);
	for (uint32_t i = 0; i < 5; i++) {
		t = seg(UMB_TCP_ACK, 2 + i * GET_LEN, isn + 1 + i * RESP_LEN,
			GET);
		t.has_ts = 1;
		t.tsval = 2000 + i;
		t.tsecr = last;
		assert_int_equal(feed(r, 4, 0, &t, out, MAX_OUT), 1);
		check_answer(out[0], 4, 0, &pkt);
		assert_int_equal(pkt.opt_flags, UMB_OPT_TS);
		assert_true(pkt.tsval > last);
		assert_int_equal(pkt.tsecr, 2000 + i);
		assert_int_equal(pkt.seq, isn + 1 + i * RESP_LEN);
		last = pkt.tsval;
		free_all(out, 1);
	}
	umb_responder_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_with_options),
		cmocka_unit_test(syn_without_options_v6_vlan),
		cmocka_unit_test(request_answered),
		cmocka_unit_test(head_end_split_across_segments),
		cmocka_unit_test(pipelined_requests),
		cmocka_unit_test(stateless_without_syn),
		cmocka_unit_test(retransmitted_request),
		cmocka_unit_test(fin_answered),
		cmocka_unit_test(no_answer),
		cmocka_unit_test(max_out_and_empty_pool),
		cmocka_unit_test(chained_frame),
		cmocka_unit_test(timestamps_increase),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
