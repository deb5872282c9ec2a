/* SPDX-License-Identifier: BSD-3-Clause
 * The shadow TCP peer state machine (umb_peer_conn.h): every frame the
 * connection sends is decoded with umb_decode and its checksums checked
 * independently (test_peer.h); the shadow's segments are struct umb_pkt
 * built here; the shadow's bytes are collected by a small lib/tcp sink.
 */
#define PEER_SUITE "peer_conn"
#include "test_peer.h"
#include "umb_peer_conn.h"
#include "umb_tcp.h"

#define TXP_SIZE 511
#define CHUNKS 64
#define MS 1000ull
#define SHADOW_PORT 8080
#define ORIG_PORT 80
#define MAX_FRAMES 256

static struct rte_mempool *txp;
static struct rte_mempool *chunks;
static uint64_t ctr[UMB_PEER_CONN_CTR_MAX];
static uint64_t tcp_ctr[UMB_TCP_CTR_MAX];
static struct umb_tcp_ctx tcpx;
static struct umb_peer_ctx_params P;
static struct umb_peer_ctx *ctx;
static struct umb_peer_conn *cur;    /* connection under test */
static uint8_t cur_af = 4;
static uint16_t cur_vlan;
static int owner_tag;

/* captured frames */
static struct rte_mbuf *frames[MAX_FRAMES];
static unsigned int nb_frames, rd_frames;
static uint8_t pl[65536];            /* payload of the last popped frame */

/* callbacks */
static uint8_t rx[1 << 16];
static uint32_t rx_len, rx_gap;
static int rx_eof;
static int nb_closed;
static enum umb_peer_end closed_why;
static void *closed_owner;
static uint64_t sent_offs[64];
static unsigned int nb_sent;
static void (*data_hook)(void);
static void (*sent_hook)(uint64_t off, uint64_t now);

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
sent_cb(void *owner, uint64_t off, uint64_t now)
{
	assert_ptr_equal(owner, &owner_tag);
	if (nb_sent < 64)
		sent_offs[nb_sent++] = off;
	if (sent_hook != NULL)
		sent_hook(off, now);
}

static void
closed_cb(void *owner, enum umb_peer_end why, uint64_t now)
{
	(void)now;
	nb_closed++;
	closed_why = why;
	closed_owner = owner;
}

static void
sink_data(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts)
{
	(void)ts;
	assert_ptr_equal(arg, &owner_tag);
	assert_int_equal(dir, UMB_PEER_TCP_DIR);
	assert_true(rx_len + len <= sizeof(rx));
	memcpy(rx + rx_len, p, len);
	rx_len += len;
	if (data_hook != NULL)
		data_hook();
}

static void
sink_gap(void *arg, int dir, uint32_t len, uint64_t ts)
{
	(void)arg;
	(void)dir;
	(void)ts;
	rx_gap += len;
}

static void
sink_eof(void *arg, int dir, uint64_t ts)
{
	(void)ts;
	assert_ptr_equal(arg, &owner_tag);
	assert_int_equal(dir, UMB_PEER_TCP_DIR);
	rx_eof++;
}

static const struct umb_tcp_sink sink = {
	.data = sink_data, .gap = sink_gap, .eof = sink_eof,
};

/* ---- fixture ---- */

static int
setup(void **state)
{
	(void)state;
	memset(ctr, 0, sizeof(ctr));
	memset(tcp_ctr, 0, sizeof(tcp_ctr));
	tcpx = (struct umb_tcp_ctx){ .chunk_pool = chunks,
		.stream_cap = 64 * 1024, .sink = &sink, .ctr = tcp_ctr };
	memset(&P, 0, sizeof(P));
	P.name = "tpc";
	P.socket_id = SOCKET_ID_ANY;
	memcpy(P.src_mac.addr_bytes, our_mac, 6);
	memcpy(P.src4.b, our_ip4, 4);
	memcpy(P.src6.b, our_ip6, 16);
	P.has_src4 = P.has_src6 = 1;
	memcpy(P.target4.b, shadow_ip4, 4);
	memcpy(P.target6.b, shadow_ip6, 16);
	P.has_target4 = P.has_target6 = 1;
	P.target_port = SHADOW_PORT;
	P.sport_min = 40000;
	P.sport_max = 40099;
	P.nb_ctx = 1;
	P.max_conns = 16;
	P.held_bytes = 256 * 1024;
	P.buf_mbufs = 256;
	P.idle_timeout_us = 60 * SEC;
	P.tx_pool = txp;
	P.tcp = &tcpx;
	P.tx = tx_cb;
	P.sent = sent_cb;
	P.closed = closed_cb;
	P.ctr = ctr;
	ctx = NULL;
	cur = NULL;
	cur_af = 4;
	cur_vlan = 0;
	nb_frames = rd_frames = 0;
	rx_len = rx_gap = 0;
	rx_eof = 0;
	nb_closed = 0;
	closed_owner = NULL;
	nb_sent = 0;
	data_hook = NULL;
	sent_hook = NULL;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	umb_peer_ctx_free(ctx);
	ctx = NULL;
	for (unsigned int i = rd_frames; i < nb_frames; i++)
		rte_pktmbuf_free(frames[i]);
	nb_frames = rd_frames = 0;
	/* Nothing leaks: every frame and chunk is back. */
	assert_int_equal(rte_mempool_avail_count(txp), TXP_SIZE);
	assert_int_equal(rte_mempool_avail_count(chunks), CHUNKS);
	return 0;
}

static void
mk(void)
{
	struct rte_ether_addr mac;

	ctx = umb_peer_ctx_create(&P);
	assert_non_null(ctx);
	memcpy(mac.addr_bytes, shadow_mac, 6);
	umb_peer_set_next_hop(ctx, &mac);
}

/* ---- frames ---- */

static unsigned int
pending(void)
{
	return nb_frames - rd_frames;
}

static void
no_frame_at(int line)
{
	if (pending() != 0)
		fail_msg("%u unexpected frame(s) at line %d", pending(), line);
}

#define no_frame() no_frame_at(__LINE__)

/* Oldest frame sent, decoded and checked; payload copied into pl. */
static struct umb_pkt
pop_at(int line)
{
	struct umb_peer_l2l3 l = session(cur_af, cur_vlan);
	struct rte_mbuf *m;
	struct umb_pkt pkt;

	if (pending() == 0)
		fail_msg("no frame at line %d", line);
	m = frames[rd_frames++];
	decode_built(m, &l, &pkt);
	assert_true(pkt.payload_len <= sizeof(pl));
	memcpy(pl, data(m) + pkt.payload_off, pkt.payload_len);
	rte_pktmbuf_free(m);
	if (rd_frames == nb_frames)
		rd_frames = nb_frames = 0;
	return pkt;
}

#define pop() pop_at(__LINE__)

static void
drop_frames(void)
{
	while (pending() > 0)
		pop();
}

/* ---- the shadow's segments ---- */

struct sg {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const void *data;
	uint32_t len;
	uint8_t ts;
	uint32_t tsval, tsecr;
	uint16_t mss;       /* 0: no option */
	uint8_t ws;         /* 0xff: no option */
	uint16_t sport;     /* 0: SHADOW_PORT */
	uint16_t dport;     /* 0: cur's port */
	uint8_t other_src;  /* from another address */
};

static int
rx_seg(struct sg s, uint64_t now)
{
	struct umb_pkt p;

	memset(&p, 0, sizeof(p));
	p.af = cur_af;
	if (cur_af == 4) {
		memcpy(p.src.b, s.other_src ? other_ip4 : shadow_ip4, 4);
		memcpy(p.dst.b, our_ip4, 4);
	} else {
		memcpy(p.src.b, shadow_ip6, 16);
		if (s.other_src)
			p.src.b[15] ^= 1;
		memcpy(p.dst.b, our_ip6, 16);
	}
	p.sport = s.sport != 0 ? s.sport : SHADOW_PORT;
	p.dport = s.dport != 0 ? s.dport : umb_peer_sport(cur);
	p.seq = s.seq;
	p.ack = s.ack;
	p.tcp_flags = s.flags;
	p.win = s.win;
	p.payload_len = s.len;
	p.ts_us = now;
	if (s.mss != 0) {
		p.opt_flags |= UMB_OPT_MSS;
		p.mss = s.mss;
	}
	if (s.ws != 0xff) {
		p.opt_flags |= UMB_OPT_WSCALE;
		p.wscale = s.ws;
	}
	if (s.ts) {
		p.opt_flags |= UMB_OPT_TS;
		p.tsval = s.tsval;
		p.tsecr = s.tsecr;
	}
	return umb_peer_input(ctx, &p, s.data, now);
}

/* Window scale defaults to "none"; a test may set it (override-init). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define SG(...) ((struct sg){ .ws = 0xff, __VA_ARGS__ })
#define A UMB_TCP_ACK
#define F UMB_TCP_FIN
#define S UMB_TCP_SYN
#define R UMB_TCP_RST
#define PSH UMB_TCP_PSH

static struct umb_peer_syn
syn_of(uint32_t isn, uint16_t mss, uint8_t ws, uint8_t ts)
{
	struct umb_peer_syn s = { .isn = isn, .mss = mss, .wscale = ws,
		.has_ts = ts };

	return s;
}

static int
open_conn(const struct umb_peer_syn *s, uint64_t now)
{
	union umb_addr orig = { .b = { 192, 0, 2, 80 } };

	return umb_peer_open(ctx, &owner_tag, cur_af, &orig, ORIG_PORT, s,
		now, &cur);
}

/*
 * Open and complete the handshake at @p now (SYN-ACK at the same time).
 * Shadow: ISN @p sisn, MSS @p smss, window scale @p sws (0xff none), window
 * @p win; timestamps when the client offered them (TSval 5000).
 */
static void
estab(uint32_t isn, uint32_t sisn, uint16_t cmss, uint8_t cws, uint8_t ts,
		uint16_t smss, uint8_t sws, uint16_t win, uint64_t now)
{
	struct umb_peer_syn s = syn_of(isn, cmss, cws, ts);
	struct umb_pkt p;

	assert_int_equal(open_conn(&s, now), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(rx_seg(SG(.seq = sisn, .ack = isn + 1, .flags = S | A,
		.win = win, .mss = smss, .ws = sws, .ts = ts, .tsval = 5000,
		.tsecr = p.tsval), now), 0);
	assert_true(umb_peer_established(cur));
}

/* The pure ACK of the handshake (no data waited). */
static void
pop_handshake_ack(uint32_t isn, uint32_t sisn)
{
	struct umb_pkt p = pop();

	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(p.seq, isn + 1);
	assert_int_equal(p.ack, sisn + 1);
	assert_int_equal(p.payload_len, 0);
}

static void
fill(uint8_t *b, uint32_t n, uint32_t base)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = (uint8_t)((base + i) * 7 + 3);
}

static uint8_t wbuf[256 * 1024];

/* Write @p n pattern bytes at the current end and release them. */
static void
write_rel(uint32_t n, uint64_t now)
{
	uint64_t w = umb_peer_written(cur);

	fill(wbuf, n, (uint32_t)w);
	assert_int_equal(umb_peer_write(cur, wbuf, n, now), 0);
	umb_peer_release(cur, w + n, now);
}

/* A popped data segment: flags, seq, length and the pattern bytes. */
static void
check_data(const struct umb_pkt *p, uint32_t isn, uint64_t off, uint32_t len)
{
	uint8_t exp[2048];

	assert_true(p->tcp_flags & UMB_TCP_ACK);
	assert_int_equal(p->seq, (uint32_t)(isn + 1 + off));
	assert_int_equal(p->payload_len, len);
	assert_true(len <= sizeof(exp));
	fill(exp, len, (uint32_t)off);
	assert_memory_equal(pl, exp, len);
}

/* ---- tests ---- */

static void
syn_contents(void **state)
{
	struct umb_peer_syn s = syn_of(0x11223344, 1460, 7, 1);
	struct umb_pkt p;

	(void)state;
	P.mtu = 1400;
	mk();
	assert_int_equal(open_conn(&s, 123456789), 0);
	assert_non_null(cur);
	assert_ptr_equal(umb_peer_owner(cur), &owner_tag);
	assert_false(umb_peer_established(cur));
	assert_int_equal(umb_peer_ctx_conns(ctx), 1);
	p = pop();
	no_frame();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(p.seq, 0x11223344);
	assert_int_equal(p.ack, 0);
	assert_int_equal(p.win, 65535);
	assert_int_equal(p.sport, umb_peer_sport(cur));
	assert_true(p.sport >= 40000 && p.sport <= 40099);
	assert_int_equal(p.dport, SHADOW_PORT);
	assert_int_equal(p.opt_flags, UMB_OPT_MSS | UMB_OPT_WSCALE | UMB_OPT_TS);
	assert_int_equal(p.mss, 1400 - 40);      /* clamped to the MTU */
	assert_int_equal(p.wscale, 7);
	assert_int_equal(p.tsval, 123456);        /* ms clock */
	assert_int_equal(p.tsecr, 0);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(ctr[UMB_PEER_CONN_opened], 1);
	assert_int_equal(ctr[UMB_PEER_CONN_syn_sent], 1);
	assert_string_equal(umb_peer_conn_ctr_group.name, "peer");
	assert_int_equal(umb_ctr_index(&umb_peer_conn_ctr_group, "rx_bad_ack"),
		UMB_PEER_CONN_rx_bad_ack);
	assert_string_equal(umb_peer_end_name(UMB_PEER_END_RETRIES), "retries");
}

static void
syn_without_options(void **state)
{
	struct umb_peer_syn s = syn_of(7, 0, UMB_PEER_NO_WSCALE, 0);
	struct umb_pkt p;

	(void)state;
	mk();
	assert_int_equal(open_conn(&s, 0), 0);
	p = pop();
	assert_int_equal(p.opt_flags, UMB_OPT_MSS);
	assert_int_equal(p.mss, 536);
	assert_int_equal(p.seq, 7);
	/* A SYN-ACK with options we did not offer: none taken. */
	assert_int_equal(rx_seg(SG(.seq = 100, .ack = 8, .flags = S | A,
		.win = 1000, .mss = 1460, .ws = 7, .ts = 1, .tsval = 1), 0), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(p.opt_flags, 0);
	assert_int_equal(p.ack, 101);
	/* Window unscaled: 1000 bytes, MSS 536 (ours bounds the shadow's). */
	write_rel(3000, 0);
	p = pop();
	check_data(&p, 7, 0, 536);
	p = pop();
	check_data(&p, 7, 536, 464);
	no_frame();
}

static void
snat_port_class_and_fifo(void **state)
{
	struct umb_peer_syn s = syn_of(1, 1460, 7, 0);
	struct umb_peer_conn *k[6];
	static const uint16_t want[5] = { 40001, 40005, 40009, 40013, 40017 };
	int first = -1;

	(void)state;
	P.sport_min = 40000;
	P.sport_max = 40020;
	P.nb_ctx = 4;
	P.ctx_index = 1;
	mk();
	/* The class in order, from a random first port (a restarted umbra
	 * does not reuse the ports the shadow may still hold). */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(open_conn(&s, 0), 0);
		k[i] = cur;
		if (first < 0)
			for (int j = 0; j < 5; j++)
				if (want[j] == umb_peer_sport(cur))
					first = j;
		assert_true(first >= 0);
		assert_int_equal(umb_peer_sport(cur), want[(first + i) % 5]);
		assert_int_equal(umb_peer_sport(cur) % 4, 1);
	}
	assert_int_equal(open_conn(&s, 0), -ENOSPC);
	assert_null(cur);
	assert_int_equal(ctr[UMB_PEER_CONN_refused_no_port], 1);
	drop_frames();
	/* Freed the second then the fourth: reused in that order, oldest first. */
	umb_peer_abort(k[1], 1);
	umb_peer_abort(k[3], 1);
	assert_int_equal(nb_closed, 2);
	assert_int_equal(umb_peer_ctx_conns(ctx), 3);
	assert_int_equal(open_conn(&s, 2), 0);
	assert_int_equal(umb_peer_sport(cur), want[(first + 1) % 5]);
	assert_int_equal(open_conn(&s, 2), 0);
	assert_int_equal(umb_peer_sport(cur), want[(first + 3) % 5]);
	assert_int_equal(open_conn(&s, 2), -ENOSPC);
	umb_peer_abort(k[0], 3);
	assert_int_equal(open_conn(&s, 4), 0);
	assert_int_equal(umb_peer_sport(cur), want[first]);
	drop_frames();
	/* max_conns below the class size bounds the connections. */
	umb_peer_ctx_free(ctx);
	ctx = NULL;
	P.max_conns = 2;
	P.name = "tpc2";
	mk();
	assert_int_equal(open_conn(&s, 0), 0);
	assert_int_equal(open_conn(&s, 0), 0);
	assert_int_equal(open_conn(&s, 0), -ENOSPC);
	drop_frames();
}

static void
refusals(void **state)
{
	struct umb_peer_syn s = syn_of(1, 1460, 7, 0);
	union umb_addr orig = { .b = { 192, 0, 2, 80 } };

	(void)state;
	P.has_src6 = 0;
	P.new_per_sec = 10;
	P.burst = 2;
	mk();
	cur_af = 6;
	assert_int_equal(open_conn(&s, 0), -EAFNOSUPPORT);
	assert_int_equal(ctr[UMB_PEER_CONN_refused_family], 1);
	cur_af = 4;
	assert_int_equal(open_conn(&s, 0), 0);
	assert_int_equal(open_conn(&s, 0), 0);
	assert_int_equal(open_conn(&s, 0), -EBUSY);
	assert_int_equal(open_conn(&s, 50 * MS), -EBUSY);
	assert_int_equal(ctr[UMB_PEER_CONN_refused_rate], 2);
	assert_int_equal(open_conn(&s, 100 * MS), 0);   /* one token back */
	assert_int_equal(open_conn(&s, 110 * MS), -EBUSY);
	assert_int_equal(umb_peer_ctx_conns(ctx), 3);
	assert_int_equal(ctr[UMB_PEER_CONN_opened], 3);
	/* Bad arguments. */
	assert_int_equal(umb_peer_open(ctx, NULL, 5, &orig, 80, &s, 0, &cur),
		-EINVAL);
	assert_int_equal(umb_peer_open(ctx, NULL, 4, &orig, 80, NULL, 0, &cur),
		-EINVAL);
	assert_int_equal(umb_peer_open(ctx, NULL, 4, &orig, 80, &s, 0, NULL),
		-EINVAL);
	drop_frames();
}

static void
ctx_create_errors(void **state)
{
	(void)state;
	P.sport_min = 40000;
	P.sport_max = 40002;
	P.nb_ctx = 4;
	P.ctx_index = 3;
	assert_null(umb_peer_ctx_create(&P));
	assert_int_equal(rte_errno, ENOSPC);
	P.nb_ctx = 0;
	assert_null(umb_peer_ctx_create(&P));
	assert_int_equal(rte_errno, EINVAL);
	P.nb_ctx = 1;
	P.ctx_index = 0;
	P.ctr = NULL;
	assert_null(umb_peer_ctx_create(&P));
	assert_int_equal(rte_errno, EINVAL);
	P.ctr = ctr;
	P.vlan = 4095;
	assert_null(umb_peer_ctx_create(&P));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(umb_peer_ctx_create(NULL));
	P.vlan = 0;
	mk();
}

static void
data_held_until_synack(void **state)
{
	struct umb_peer_syn s = syn_of(1000, 1460, 7, 0);
	struct umb_pkt p;

	(void)state;
	mk();
	assert_int_equal(open_conn(&s, 0), 0);
	pop();
	write_rel(100, 1);
	assert_int_equal(umb_peer_written(cur), 100);
	no_frame();
	assert_int_equal(nb_sent, 0);
	assert_int_equal(rx_seg(SG(.seq = 5000, .ack = 1001, .flags = S | A,
		.win = 65535, .mss = 1460, .ws = 7), 10 * MS), 0);
	assert_int_equal(ctr[UMB_PEER_CONN_established], 1);
	/* The data segment carries the handshake's ACK. */
	p = pop();
	no_frame();
	check_data(&p, 1000, 0, 100);
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK | UMB_TCP_PSH);
	assert_int_equal(p.ack, 5001);
	assert_int_equal(nb_sent, 1);
	assert_int_equal(sent_offs[0], 100);
	assert_int_equal(ctr[UMB_PEER_CONN_data_segments], 1);
	assert_int_equal(ctr[UMB_PEER_CONN_data_bytes], 100);
	assert_int_equal(ctr[UMB_PEER_CONN_acks_sent], 0);
}

static void
segmentation_at_mss_with_ts(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 1, 1000, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(3000, 1 * MS);
	for (int i = 0; i < 3; i++) {
		p = pop();
		check_data(&p, 1, (uint64_t)i * 988, 988);
		assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
		assert_int_equal(p.opt_flags, UMB_OPT_TS);
		assert_int_equal(p.tsval, 1);
		assert_int_equal(p.tsecr, 5000);
	}
	p = pop();
	check_data(&p, 1, 3 * 988, 3000 - 3 * 988);
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK | UMB_TCP_PSH);
	no_frame();
	assert_int_equal(ctr[UMB_PEER_CONN_data_segments], 4);
	/* Without timestamps: the whole MSS. */
	cur = NULL;
	estab(50, 90, 1460, 7, 0, 1000, 7, 65535, 2 * MS);
	pop_handshake_ack(50, 90);
	write_rel(1500, 2 * MS);
	p = pop();
	check_data(&p, 50, 0, 1000);
	assert_int_equal(p.opt_flags, 0);
	p = pop();
	check_data(&p, 50, 1000, 500);
	no_frame();
}

static void
window_limit_scaled(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	/* SYN-ACK window 1000, never scaled; then scaled by 2^2. */
	estab(1, 9, 1460, 7, 0, 1460, 2, 1000, 0);
	pop_handshake_ack(1, 9);
	write_rel(10000, 1 * MS);
	p = pop();
	check_data(&p, 1, 0, 1000);
	no_frame();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1002, .flags = A,
		.win = 500), 2 * MS), 0);
	assert_int_equal(umb_peer_acked(cur), 1000);
	p = pop();
	check_data(&p, 1, 1000, 1460);
	p = pop();
	check_data(&p, 1, 2460, 540);
	no_frame();
	/* The window advertised by us stays 65535 (scaled by the client's). */
	assert_int_equal(p.win, 65535);
}

static void
cwnd_initial_and_slow_start(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1000, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(30000, 1 * MS);
	for (int i = 0; i < 10; i++) {
		p = pop();
		check_data(&p, 1, (uint64_t)i * 1000, 1000);
	}
	no_frame();
	assert_int_equal(nb_sent, 1);
	assert_int_equal(sent_offs[0], 10000);
	/* One ACK of new data: cwnd 11 MSS, 9 in flight: two more. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1002, .flags = A,
		.win = 65535), 2 * MS), 0);
	p = pop();
	check_data(&p, 1, 10000, 1000);
	p = pop();
	check_data(&p, 1, 11000, 1000);
	no_frame();
	assert_int_equal(nb_sent, 2);
	assert_int_equal(sent_offs[1], 12000);
}

static void
release_limit(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	fill(wbuf, 5000, 0);
	assert_int_equal(umb_peer_write(cur, wbuf, 5000, 1), 0);
	no_frame();
	umb_peer_release(cur, 1500, 1);
	p = pop();
	check_data(&p, 1, 0, 1460);
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	p = pop();
	check_data(&p, 1, 1460, 40);
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK | UMB_TCP_PSH);
	no_frame();
	umb_peer_release(cur, 1000, 2);      /* never moves back */
	no_frame();
	umb_peer_release(cur, 1 << 20, 3);   /* at most what was written */
	p = pop();
	check_data(&p, 1, 1500, 1460);
	p = pop();
	check_data(&p, 1, 2960, 1460);
	p = pop();
	check_data(&p, 1, 4420, 580);
	no_frame();
	assert_int_equal(nb_sent, 2);
	assert_int_equal(sent_offs[0], 1500);
	assert_int_equal(sent_offs[1], 5000);
}

static void
held_cap_and_buffer_pool(void **state)
{
	(void)state;
	P.held_bytes = 4096;
	P.buf_mbufs = 3;
	P.buf_data_room = 1024;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(3000, 1);
	assert_int_equal(umb_peer_write(cur, wbuf, 1097, 1), -ENOBUFS);
	assert_int_equal(ctr[UMB_PEER_CONN_held_over_cap], 1);
	/* 3000 bytes took 3 mbufs of 1024; 72 bytes of room left. */
	assert_int_equal(umb_peer_write(cur, wbuf, 100, 1), -ENOBUFS);
	assert_int_equal(ctr[UMB_PEER_CONN_buf_pool_empty], 1);
	assert_int_equal(umb_peer_written(cur), 3000);
	write_rel(72, 1);
	drop_frames();
	/* The ACK of 2048 bytes frees two mbufs. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2 + 2048, .flags = A,
		.win = 65535), 2), 0);
	assert_int_equal(umb_peer_acked(cur), 2048);
	write_rel(2048, 3);
	assert_int_equal(umb_peer_written(cur), 5120);
	assert_int_equal(umb_peer_write(cur, wbuf, 1, 3), -ENOBUFS);
	/* The bytes that crossed mbuf boundaries went out whole. */
	{
		struct umb_pkt p = pop();

		check_data(&p, 1, 3072, 1460);
	}
	drop_frames();
}

/* A "received frame" of txp: 54 header bytes, @p n pattern bytes of stream
 * offset @p base, 20 trailer bytes 0xee. */
static struct rte_mbuf *
rx_frame(uint32_t base, uint32_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(txp);
	uint8_t *d;

	assert_non_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(54 + n + 20));
	assert_non_null(d);
	memset(d, 0x45, 54);
	fill(d + 54, n, base);
	memset(d + 54 + n, 0xee, 20);
	return m;
}

/*
 * Bytes written by reference: the received mbuf is held (its reference
 * count), not copied; a copy appended after a reference never writes into
 * the referenced frame; frames carry the bytes across reference/copy
 * boundaries; over the reference pool a write is a copy; the ACK gives
 * every received mbuf back.
 */
static void
write_by_reference(void **state)
{
	struct rte_mbuf *m0, *m1, *m2;
	struct rte_mempool *refp;
	struct umb_pkt p;
	const uint8_t *t0;

	(void)state;
	P.ref_mbufs = 2;
	mk();
	refp = rte_mempool_lookup("pr_tpc");
	assert_non_null(refp);
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	m0 = rx_frame(0, 1000);
	m1 = rx_frame(1200, 1000);
	m2 = rx_frame(2200, 1000);
	assert_int_equal(umb_peer_write_ref(cur, m0,
		rte_pktmbuf_mtod_offset(m0, uint8_t *, 54), 1000, 1), 0);
	assert_int_equal(rte_mbuf_refcnt_read(m0), 2);
	fill(wbuf, 200, 1000);
	assert_int_equal(umb_peer_write(cur, wbuf, 200, 1), 0);
	t0 = rte_pktmbuf_mtod_offset(m0, const uint8_t *, 54 + 1000);
	for (int i = 0; i < 20; i++)
		assert_int_equal(t0[i], 0xee);
	assert_int_equal(umb_peer_write_ref(cur, m1,
		rte_pktmbuf_mtod_offset(m1, uint8_t *, 54), 1000, 1), 0);
	assert_int_equal(umb_peer_write_ref(cur, m2,
		rte_pktmbuf_mtod_offset(m2, uint8_t *, 54), 1000, 1), 0);
	assert_int_equal(rte_mbuf_refcnt_read(m1), 2);
	assert_int_equal(rte_mbuf_refcnt_read(m2), 1);   /* copied */
	assert_int_equal(ctr[UMB_PEER_CONN_ref_pool_empty], 1);
	assert_int_equal(ctr[UMB_PEER_CONN_held_ref_bytes], 2000);
	assert_int_equal(ctr[UMB_PEER_CONN_held_copy_bytes], 1200);
	assert_int_equal(rte_mempool_avail_count(refp), 0);
	/* A pointer outside the mbuf's data is copied, not referenced. */
	fill(wbuf, 10, 3200);
	assert_int_equal(umb_peer_write_ref(cur, m2, wbuf, 10, 1), 0);
	assert_int_equal(ctr[UMB_PEER_CONN_held_copy_bytes], 1210);
	/* The caller frees its frames as reassembly does: the peer's
	 * references keep m0 and m1. */
	rte_pktmbuf_free(m0);
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
	umb_peer_release(cur, 3210, 2);
	p = pop();
	check_data(&p, 1, 0, 1460);
	p = pop();
	check_data(&p, 1, 1460, 1460);
	p = pop();
	check_data(&p, 1, 2920, 290);
	no_frame();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2 + 3210, .flags = A,
		.win = 65535), 3), 0);
	assert_int_equal(umb_peer_acked(cur), 3210);
	assert_int_equal(rte_mempool_avail_count(refp), 2);
	drop_frames();
	/* teardown: every txp mbuf (the frames too) is back */
}

static void
ack_frees_and_sent_offsets(void **state)
{
	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(3000, 1 * MS);
	drop_frames();
	assert_int_equal(nb_sent, 1);
	assert_int_equal(sent_offs[0], 3000);
	assert_int_equal(umb_peer_acked(cur), 0);
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1462, .flags = A,
		.win = 65535), 2 * MS), 0);
	assert_int_equal(umb_peer_acked(cur), 1460);
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 3002, .flags = A,
		.win = 65535), 3 * MS), 0);
	assert_int_equal(umb_peer_acked(cur), 3000);
	no_frame();
	/* Nothing outstanding: no retransmission ever. */
	umb_peer_timers(ctx, 10 * SEC, 16);
	no_frame();
	assert_int_equal(ctr[UMB_PEER_CONN_rto_retransmits], 0);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_segments], 3);
}

static void
delayed_ack(void **state)
{
	static const char msg[] = "HTTP/1.1 200 OK\r\n";
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 1, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A | PSH,
		.win = 65535, .data = msg, .len = 17, .ts = 1, .tsval = 6000),
		1 * MS), 0);
	no_frame();
	assert_int_equal(rx_len, 17);
	assert_memory_equal(rx, msg, 17);
	umb_peer_timers(ctx, 40 * MS, 16);
	no_frame();
	umb_peer_timers(ctx, 41 * MS, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(p.ack, 10 + 17);
	assert_int_equal(p.seq, 2);
	assert_int_equal(p.tsecr, 6000);   /* ts_recent updated */
	assert_int_equal(p.tsval, 41);
	umb_peer_timers(ctx, 200 * MS, 16);
	no_frame();
	assert_int_equal(ctr[UMB_PEER_CONN_acks_sent], 2);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_bytes], 17);
}

static void
immediate_ack_two_segments(void **state)
{
	uint8_t d[1460];
	struct umb_pkt p;

	(void)state;
	memset(d, 'x', sizeof(d));
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.win = 65535, .data = d, .len = 1460), 1 * MS), 0);
	no_frame();
	assert_int_equal(rx_seg(SG(.seq = 10 + 1460, .ack = 2, .flags = A,
		.win = 65535, .data = d, .len = 1460), 2 * MS), 0);
	p = pop();
	assert_int_equal(p.ack, 10 + 2920);
	no_frame();
	/* Nothing more is owed: the delayed ACK was cancelled. */
	umb_peer_timers(ctx, 100 * MS, 16);
	no_frame();
	assert_int_equal(rx_len, 2920);
}

static void
immediate_ack_out_of_order(void **state)
{
	uint8_t d[300];
	struct umb_pkt p;

	(void)state;
	for (int i = 0; i < 300; i++)
		d[i] = (uint8_t)i;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	/* Bytes 100..299 first: duplicate ACK at once. */
	assert_int_equal(rx_seg(SG(.seq = 110, .ack = 2, .flags = A,
		.win = 65535, .data = d + 100, .len = 200), 1 * MS), 0);
	p = pop();
	assert_int_equal(p.ack, 10);
	assert_int_equal(rx_len, 0);
	/* The hole filled: everything acknowledged at once. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.win = 65535, .data = d, .len = 100), 2 * MS), 0);
	p = pop();
	assert_int_equal(p.ack, 310);
	assert_int_equal(rx_len, 300);
	assert_memory_equal(rx, d, 300);
	/* An old duplicate: acknowledged at once too. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.win = 65535, .data = d, .len = 100), 3 * MS), 0);
	p = pop();
	assert_int_equal(p.ack, 310);
	no_frame();
	assert_int_equal(rx_len, 300);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_out_of_window], 0);
}

static void
rto_backoff_and_rtt(void **state)
{
	struct umb_pkt p;

	(void)state;
	P.rto_min_us = 1 * MS;
	mk();
	/* The SYN itself times out after rto_init (1 s). */
	{
		struct umb_peer_syn s = syn_of(1, 1460, 7, 0);

		assert_int_equal(open_conn(&s, 0), 0);
	}
	pop();
	umb_peer_timers(ctx, SEC - 1, 16);
	no_frame();
	umb_peer_timers(ctx, SEC, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(p.seq, 1);
	umb_peer_timers(ctx, 3 * SEC - 1, 16);
	no_frame();
	umb_peer_timers(ctx, 3 * SEC, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(ctr[UMB_PEER_CONN_syn_sent], 3);
	assert_int_equal(ctr[UMB_PEER_CONN_rto_retransmits], 2);
	umb_peer_abort(cur, 3 * SEC);
	drop_frames();

	/* SYN-ACK after 10 ms: srtt 10 ms, rttvar 5 ms, RTO 30 ms. */
	cur = NULL;
	{
		struct umb_peer_syn s = syn_of(100, 1460, 7, 0);
		uint64_t t0 = 10 * SEC;

		assert_int_equal(open_conn(&s, t0), 0);
		pop();
		assert_int_equal(rx_seg(SG(.seq = 9, .ack = 101,
			.flags = S | A, .win = 65535, .mss = 1460, .ws = 7),
			t0 + 10 * MS), 0);
		pop_handshake_ack(100, 9);
		write_rel(100, t0 + 10 * MS);
		p = pop();
		check_data(&p, 100, 0, 100);
		umb_peer_timers(ctx, t0 + 40 * MS - 1, 16);
		no_frame();
		umb_peer_timers(ctx, t0 + 40 * MS, 16);
		p = pop();
		check_data(&p, 100, 0, 100);
		assert_int_equal(ctr[UMB_PEER_CONN_rto_retransmits], 3);
		/* Backed off: 60 ms. */
		umb_peer_timers(ctx, t0 + 100 * MS - 1, 16);
		no_frame();
		umb_peer_timers(ctx, t0 + 100 * MS, 16);
		p = pop();
		check_data(&p, 100, 0, 100);
		/* The ACK (Karn: no sample) stops the timer. */
		assert_int_equal(rx_seg(SG(.seq = 10, .ack = 201, .flags = A,
			.win = 65535), t0 + 105 * MS), 0);
		umb_peer_timers(ctx, t0 + 10 * SEC, 16);
		no_frame();
		/* A fresh segment, acked in 2 ms: RTO back to the estimate. */
		write_rel(10, t0 + 10 * SEC);
		pop();
		assert_int_equal(rx_seg(SG(.seq = 10, .ack = 211, .flags = A,
			.win = 65535), t0 + 10 * SEC + 2 * MS), 0);
		/* srtt 9 ms, rttvar 5.75 ms: RTO 32 ms. */
		write_rel(10, t0 + 11 * SEC);
		pop();
		umb_peer_timers(ctx, t0 + 11 * SEC + 32 * MS - 1, 16);
		no_frame();
		umb_peer_timers(ctx, t0 + 11 * SEC + 32 * MS, 16);
		p = pop();
		check_data(&p, 100, 110, 10);
	}
}

static void
fast_retransmit(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1000, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(5000, 1 * MS);
	drop_frames();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1002, .flags = A,
		.win = 65535), 2 * MS), 0);
	/* cwnd grew: one more segment. */
	drop_frames();
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1002, .flags = A,
			.win = 65535), 3 * MS), 0);
		no_frame();
	}
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1002, .flags = A,
		.win = 65535), 3 * MS), 0);
	p = pop();
	check_data(&p, 1, 1000, 1000);
	no_frame();
	assert_int_equal(ctr[UMB_PEER_CONN_rx_dup_acks], 3);
	assert_int_equal(ctr[UMB_PEER_CONN_fast_retransmits], 1);
	/* A window change is not a duplicate. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 1002, .flags = A,
		.win = 60000), 4 * MS), 0);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_dup_acks], 3);
	/* The whole rest acknowledged. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 5002, .flags = A,
		.win = 65535), 5 * MS), 0);
	assert_int_equal(umb_peer_acked(cur), 5000);
	no_frame();
}

static void
give_up_after_retries(void **state)
{
	struct umb_peer_syn s = syn_of(77, 1460, 7, 0);
	struct umb_pkt p;

	(void)state;
	P.max_retries = 2;
	mk();
	assert_int_equal(open_conn(&s, 0), 0);
	pop();
	umb_peer_timers(ctx, 1 * SEC, 16);
	pop();
	umb_peer_timers(ctx, 3 * SEC, 16);
	pop();
	assert_int_equal(nb_closed, 0);
	umb_peer_timers(ctx, 7 * SEC, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST);
	assert_int_equal(p.seq, 78);
	no_frame();
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_RETRIES);
	assert_ptr_equal(closed_owner, &owner_tag);
	assert_int_equal(umb_peer_ctx_conns(ctx), 0);
	assert_int_equal(ctr[UMB_PEER_CONN_closed_retries], 1);
	assert_int_equal(ctr[UMB_PEER_CONN_rst_sent], 1);
	umb_peer_timers(ctx, 100 * SEC, 16);
	no_frame();
	assert_int_equal(nb_closed, 1);

	/* Established, data never acknowledged. */
	cur = NULL;
	estab(1000, 9, 1460, 7, 0, 1460, 7, 65535, 200 * SEC);
	pop_handshake_ack(1000, 9);
	write_rel(10, 200 * SEC);
	pop();
	/* RTO 200 ms (rto_min), then 400 ms, then give up. */
	for (int i = 1; i <= 2; i++) {
		umb_peer_timers(ctx, 200 * SEC + SEC * (uint64_t)i, 16);
		p = pop();
		check_data(&p, 1000, 0, 10);
	}
	umb_peer_timers(ctx, 203 * SEC, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST | UMB_TCP_ACK);
	assert_int_equal(p.seq, 1011);
	assert_int_equal(p.ack, 10);
	assert_int_equal(nb_closed, 2);
	assert_int_equal(closed_why, UMB_PEER_END_RETRIES);
}

static void
idle_timeout(void **state)
{
	struct umb_pkt p;

	(void)state;
	P.idle_timeout_us = 5 * SEC;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	umb_peer_timers(ctx, 5 * SEC - 1, 16);
	no_frame();
	/* Traffic moves the deadline. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.win = 65535), 4 * SEC), 0);
	umb_peer_timers(ctx, 9 * SEC - 1, 16);
	no_frame();
	umb_peer_timers(ctx, 9 * SEC, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST | UMB_TCP_ACK);
	assert_int_equal(p.seq, 2);
	assert_int_equal(p.ack, 10);
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_IDLE);
	assert_int_equal(ctr[UMB_PEER_CONN_closed_idle], 1);
	assert_int_equal(umb_peer_ctx_conns(ctx), 0);
}

static void
shadow_rst(void **state)
{
	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	/* Outside the window: ignored. */
	assert_int_equal(rx_seg(SG(.seq = 10 + (1u << 31), .flags = R), 1), 0);
	assert_int_equal(rx_seg(SG(.seq = 9, .flags = R), 1), 0);
	assert_int_equal(nb_closed, 0);
	assert_true(umb_peer_established(cur));
	/* In the window. */
	assert_int_equal(rx_seg(SG(.seq = 10 + 5000, .flags = R), 2), 0);
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_SHADOW_RST);
	assert_int_equal(ctr[UMB_PEER_CONN_closed_shadow_rst], 1);
	no_frame();                        /* never a RST back */
	assert_int_equal(rx_seg(SG(.seq = 10, .flags = R), 3), -ENOENT);
	no_frame();

	/* Refused: RST+ACK to our SYN. */
	cur = NULL;
	{
		struct umb_peer_syn s = syn_of(500, 1460, 7, 0);

		assert_int_equal(open_conn(&s, 10), 0);
		pop();
		/* Not acking our SYN: ignored. */
		assert_int_equal(rx_seg(SG(.seq = 0, .ack = 5, .flags = R | A),
			11), 0);
		assert_int_equal(nb_closed, 1);
		assert_int_equal(rx_seg(SG(.seq = 0, .ack = 501, .flags = R | A),
			12), 0);
		assert_int_equal(nb_closed, 2);
		assert_int_equal(closed_why, UMB_PEER_END_SHADOW_RST);
		no_frame();
	}
}

static void
shutdown_then_clean(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 1, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(100, 1 * MS);
	fill(wbuf, 50, 100);
	assert_int_equal(umb_peer_write(cur, wbuf, 50, 1 * MS), 0);
	umb_peer_shutdown(cur, 100, 1 * MS);  /* the last 50 never go */
	assert_int_equal(umb_peer_written(cur), 100);
	assert_int_equal(umb_peer_write(cur, wbuf, 1, 1 * MS), -EPIPE);
	p = pop();
	check_data(&p, 1, 0, 100);
	no_frame();                           /* no FIN before the ACK */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 102, .flags = A,
		.win = 65535, .ts = 1, .tsval = 5001), 2 * MS), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(p.seq, 102);
	assert_int_equal(p.ack, 10);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(ctr[UMB_PEER_CONN_fin_sent], 1);
	no_frame();
	/* The FIN is retransmitted on RTO (1 s before any sample). */
	umb_peer_timers(ctx, 2 * MS + SEC, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(p.seq, 102);
	/* The response, our FIN acknowledged, and the shadow's FIN. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 103, .flags = A | F | PSH,
		.win = 65535, .data = resp, .len = 19, .ts = 1, .tsval = 5002),
		2 * SEC), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(p.seq, 103);
	assert_int_equal(p.ack, 10 + 19 + 1);
	assert_int_equal(p.tsecr, 5002);
	no_frame();
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_CLEAN);
	assert_int_equal(rx_len, 19);
	assert_memory_equal(rx, resp, 19);
	assert_int_equal(rx_eof, 1);
	assert_int_equal(ctr[UMB_PEER_CONN_closed_clean], 1);
	assert_int_equal(umb_peer_ctx_conns(ctx), 0);
	/* No TIME_WAIT: a late FIN finds no connection. */
	assert_int_equal(rx_seg(SG(.seq = 29, .ack = 103, .flags = A | F,
		.win = 65535), 3 * SEC), -ENOENT);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST);
	assert_int_equal(p.seq, 103);
}

/* The first RTO of a new connection (its SYN) comes from the RTT the
 * context measured on earlier ones (RFC 2140 sharing), at least rto_min;
 * before any measurement it is rto_init (1 s). */
static void
syn_rto_from_shared_rtt(void **state)
{
	struct umb_peer_syn s = syn_of(500, 1460, 7, 0);
	struct umb_pkt p;

	(void)state;
	mk();
	assert_int_equal(open_conn(&s, 0), 0);
	pop();
	/* The SYN-ACK 2 ms later: an RTT sample. */
	assert_int_equal(rx_seg(SG(.seq = 9, .ack = 501, .flags = S | A,
		.mss = 1460), 2 * MS), 0);
	drop_frames();
	s = syn_of(900, 1460, 7, 0);
	assert_int_equal(open_conn(&s, 2 * SEC), 0);
	pop();
	umb_peer_timers(ctx, 2 * SEC + 150 * MS, 16);
	no_frame();
	umb_peer_timers(ctx, 2 * SEC + 201 * MS, 16);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);   /* after rto_min, not 1 s */
	assert_int_equal(p.seq, 900);
	drop_frames();
}

/* The shadow still holds an earlier connection on the 4-tuple (umbra was
 * killed): it answers our SYN with a challenge ACK; we reset that
 * connection (RST, seq = its ACK) and send the SYN again at once. */
static void
stale_connection_challenge_ack(void **state)
{
	struct umb_peer_syn s = syn_of(500, 1460, 7, 0);
	struct umb_pkt p;

	(void)state;
	mk();
	assert_int_equal(open_conn(&s, 10), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(rx_seg(SG(.seq = 777, .ack = 90000, .flags = A), 11), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST);
	assert_int_equal(p.seq, 90000);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(p.seq, 500);
	no_frame();
	assert_int_equal(ctr[UMB_PEER_CONN_rx_stale_ack], 1);
	/* Then the shadow accepts the new connection. */
	assert_int_equal(rx_seg(SG(.seq = 9, .ack = 501, .flags = S | A,
		.mss = 1460), 12), 0);
	assert_true(umb_peer_established(cur));
	drop_frames();
}

static void
shadow_fin_first(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A | F,
		.win = 65535, .data = "bye", .len = 3), 1 * MS), 0);
	p = pop();                             /* FIN: ACK at once */
	assert_int_equal(p.ack, 10 + 3 + 1);
	assert_int_equal(rx_eof, 1);
	assert_int_equal(nb_closed, 0);
	/* The caller decides: shutdown at once (nothing written). */
	umb_peer_timers(ctx, 10 * SEC, 16);
	no_frame();
	umb_peer_shutdown(cur, 0, 11 * SEC);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	assert_int_equal(p.seq, 2);
	assert_int_equal(p.ack, 14);
	assert_int_equal(rx_seg(SG(.seq = 14, .ack = 3, .flags = A,
		.win = 65535), 11 * SEC + 1), 0);
	no_frame();
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_CLEAN);
	assert_int_equal(rx_eof, 1);
}

static void
abort_sends_rst(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(10, 1);
	pop();
	umb_peer_abort(cur, 2);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST | UMB_TCP_ACK);
	assert_int_equal(p.seq, 12);
	assert_int_equal(p.ack, 10);
	no_frame();
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_ABORT);
	assert_int_equal(ctr[UMB_PEER_CONN_closed_abort], 1);
	assert_int_equal(rx_eof, 0);          /* released, not delivered */
	assert_int_equal(umb_peer_ctx_conns(ctx), 0);
}

static void
unknown_port_rst(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	/* ACK to a free port of the class: RST seq = its ack. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 777, .flags = A,
		.dport = 40050), 1), -ENOENT);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST);
	assert_int_equal(p.seq, 777);
	assert_int_equal(p.sport, 40050);
	assert_int_equal(p.dport, SHADOW_PORT);
	/* No ACK: RST+ACK acknowledging the segment. */
	assert_int_equal(rx_seg(SG(.seq = 10, .flags = S | F, .data = "ab",
		.len = 2, .dport = 40051), 1), -ENOENT);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST | UMB_TCP_ACK);
	assert_int_equal(p.seq, 0);
	assert_int_equal(p.ack, 10 + 2 + 2);
	/* A RST is never answered; a port outside the range neither finds one. */
	assert_int_equal(rx_seg(SG(.seq = 10, .flags = R, .dport = 40050), 1),
		-ENOENT);
	no_frame();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 5, .flags = A,
		.dport = 50000), 1), -ENOENT);
	pop();
	/* Right port, wrong source address or port: not ours either. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.other_src = 1), 1), -ENOENT);
	{
		struct rte_mbuf *m = frames[rd_frames++];
		struct umb_pkt q;

		assert_int_equal(umb_decode(data(m), rte_pktmbuf_data_len(m),
			rte_pktmbuf_data_len(m), UMB_LINK_ETHER, &q, NULL),
			UMB_DECODE_tcp);
		assert_memory_equal(q.dst.b, other_ip4, 4);
		rte_pktmbuf_free(m);
		rd_frames = nb_frames = 0;
	}
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.sport = 8081), 1), -ENOENT);
	pop();
	assert_int_equal(ctr[UMB_PEER_CONN_rx_no_conn], 6);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_segments], 1);
	assert_true(umb_peer_established(cur));
	assert_int_equal(umb_peer_input(ctx, NULL, NULL, 1), -EINVAL);
}

static void
ack_of_unsent_data(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(10, 1);
	pop();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2 + 11, .flags = A,
		.win = 65535, .data = "zz", .len = 2), 2), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(p.ack, 10);           /* data dropped */
	assert_int_equal(p.seq, 12);
	assert_int_equal(rx_len, 0);
	assert_int_equal(umb_peer_acked(cur), 0);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_bad_ack], 1);
	/* A bad SYN-ACK (not acking our SYN) gets a RST. */
	cur = NULL;
	{
		struct umb_peer_syn s = syn_of(300, 1460, 7, 0);

		assert_int_equal(open_conn(&s, 3), 0);
		pop();
		assert_int_equal(rx_seg(SG(.seq = 1, .ack = 999, .flags = S | A,
			.win = 100), 4), 0);
		p = pop();
		assert_int_equal(p.tcp_flags, UMB_TCP_RST);
		assert_int_equal(p.seq, 999);
		assert_false(umb_peer_established(cur));
		assert_int_equal(ctr[UMB_PEER_CONN_rx_bad_ack], 2);
	}
}

static void
sequence_wraparound(void **state)
{
	uint8_t d[100];
	struct umb_pkt p;

	(void)state;
	for (int i = 0; i < 100; i++)
		d[i] = (uint8_t)(i + 1);
	mk();
	estab(0xfffffff0u, 0xffffffc0u, 1460, 7, 0, 1000, 7, 65535, 0);
	pop_handshake_ack(0xfffffff0u, 0xffffffc0u);
	write_rel(3000, 1);
	p = pop();
	check_data(&p, 0xfffffff0u, 0, 1000);
	assert_int_equal(p.seq, 0xfffffff1u);
	p = pop();
	check_data(&p, 0xfffffff0u, 1000, 1000);
	assert_int_equal(p.seq, 1000 - 15);
	drop_frames();
	assert_int_equal(rx_seg(SG(.seq = 0xffffffc1u, .ack = 0xfffffff1u + 1500,
		.flags = A, .win = 65535), 2), 0);
	assert_int_equal(umb_peer_acked(cur), 1500);
	assert_int_equal(rx_seg(SG(.seq = 0xffffffc1u, .ack = 0xfffffff1u + 3000,
		.flags = A, .win = 65535, .data = d, .len = 100), 3), 0);
	assert_int_equal(umb_peer_acked(cur), 3000);
	assert_int_equal(rx_len, 100);
	assert_memory_equal(rx, d, 100);
	umb_peer_timers(ctx, 3 + 40 * MS, 16);
	p = pop();
	assert_int_equal(p.ack, 0xffffffc1u + 100);
	assert_int_equal(p.seq, 0xfffffff1u + 3000);
	/* A stale ACK from before the wrap changes nothing. */
	assert_int_equal(rx_seg(SG(.seq = 0xffffffc1u + 100,
		.ack = 0xfffffff1u + 10, .flags = A, .win = 65535), 4), 0);
	assert_int_equal(umb_peer_acked(cur), 3000);
	no_frame();
}

static void
ipv6_session(void **state)
{
	struct umb_pkt p;

	(void)state;
	cur_af = 6;
	mk();
	estab(1, 9, 1460, 7, 1, 1440, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(2000, 1);
	p = pop();
	check_data(&p, 1, 0, 1440 - 12);
	p = pop();
	check_data(&p, 1, 1428, 572);
	no_frame();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2002, .flags = A | F,
		.win = 65535, .ts = 1, .tsval = 5005), 2), 0);
	p = pop();
	assert_int_equal(p.ack, 11);
	/* SYN of a v6 session: MSS clamped to 1500 - 60. */
	cur = NULL;
	{
		struct umb_peer_syn s = syn_of(2, 9000, 3, 0);

		assert_int_equal(open_conn(&s, 3), 0);
		p = pop();
		assert_int_equal(p.mss, 1440);
		assert_int_equal(p.af, 6);
	}
}

static void
vlan_framing(void **state)
{
	struct umb_pkt p;

	(void)state;
	P.vlan = 100;
	cur_vlan = 100;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	write_rel(10, 1);
	p = pop();
	check_data(&p, 1, 0, 10);
	assert_int_equal(p.nb_vlan, 1);
	assert_int_equal(p.vlan[0], 100);
}

/* Decode a frame whose destination is not the configured shadow. */
static struct umb_pkt
pop_raw(void)
{
	struct rte_mbuf *m = frames[rd_frames++];
	const uint8_t *f = data(m);
	uint32_t n = rte_pktmbuf_data_len(m);
	struct umb_pkt q;

	assert_int_equal(umb_decode(f, n, n, UMB_LINK_ETHER, &q, NULL),
		UMB_DECODE_tcp);
	assert_true(l4_sum_ok(q.af, f + q.l3_off, f + q.l4_off, 6,
		q.payload_off + q.payload_len - q.l4_off));
	rte_pktmbuf_free(m);
	if (rd_frames == nb_frames)
		rd_frames = nb_frames = 0;
	return q;
}

static void
target_keep_or_configured(void **state)
{
	struct umb_peer_syn s = syn_of(1, 1460, 7, 0);
	union umb_addr orig = { .b = { 192, 0, 2, 80 } };
	struct umb_pkt p;

	(void)state;
	P.has_target4 = 0;
	P.target_port = 0;
	mk();
	assert_int_equal(umb_peer_open(ctx, &owner_tag, 4, &orig, 443, &s, 0,
		&cur), 0);
	p = pop_raw();
	assert_memory_equal(p.dst.b, orig.b, 4);
	assert_memory_equal(p.src.b, our_ip4, 4);
	assert_int_equal(p.dport, 443);
	/* The SYN-ACK must come from the original address and port. */
	{
		struct umb_pkt q;

		memset(&q, 0, sizeof(q));
		q.af = 4;
		memcpy(q.src.b, orig.b, 4);
		memcpy(q.dst.b, our_ip4, 4);
		q.sport = 443;
		q.dport = umb_peer_sport(cur);
		q.seq = 50;
		q.ack = 2;
		q.tcp_flags = S | A;
		q.win = 100;
		assert_int_equal(umb_peer_input(ctx, &q, NULL, 1), 0);
		assert_true(umb_peer_established(cur));
		p = pop_raw();
		assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
		assert_memory_equal(p.dst.b, orig.b, 4);
	}
	/* v6 configured, port configured. */
	umb_peer_ctx_free(ctx);
	ctx = NULL;
	P.has_target4 = 1;
	P.target_port = 8443;
	P.name = "tpc3";
	mk();
	assert_int_equal(umb_peer_open(ctx, &owner_tag, 4, &orig, 443, &s, 0,
		&cur), 0);
	p = pop_raw();
	assert_memory_equal(p.dst.b, shadow_ip4, 4);
	assert_int_equal(p.dport, 8443);
	assert_int_equal(umb_peer_open(ctx, &owner_tag, 4, NULL, 443, &s, 0,
		&cur), 0);                     /* the original is not needed */
	drop_frames();
}

static void
zero_window_probe(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 0, 0);
	pop_handshake_ack(1, 9);
	write_rel(100, 1 * MS);
	no_frame();
	assert_int_equal(nb_sent, 0);
	/* Persist: a one-byte probe on the retransmission timer (200 ms). */
	umb_peer_timers(ctx, 201 * MS - 1, 16);
	no_frame();
	umb_peer_timers(ctx, 201 * MS, 16);
	p = pop();
	check_data(&p, 1, 0, 1);
	no_frame();
	assert_int_equal(nb_sent, 1);
	assert_int_equal(sent_offs[0], 1);
	/* Still shut, but the shadow answers: probing continues. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A, .win = 0),
		SEC + 2 * MS), 0);
	no_frame();
	/* The window opens with the byte acknowledged: the rest goes. */
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 3, .flags = A,
		.win = 1000), SEC + 3 * MS), 0);
	p = pop();
	check_data(&p, 1, 1, 99);
	no_frame();
	assert_int_equal(nb_closed, 0);
}

/* Re-entrancy: the sink aborts, the sent callback releases more. */
static void
hook_abort(void)
{
	umb_peer_abort(cur, 5);
	umb_peer_release(cur, 100, 5);       /* no-op after the end */
}

static void
hook_release(uint64_t off, uint64_t now)
{
	if (off < 400)
		umb_peer_release(cur, off + 100, now);
}

static void
callbacks_reenter(void **state)
{
	uint8_t d[50] = { 0 };
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 0);
	pop_handshake_ack(1, 9);
	fill(wbuf, 400, 0);
	assert_int_equal(umb_peer_write(cur, wbuf, 400, 1), 0);
	sent_hook = hook_release;
	umb_peer_release(cur, 100, 1);
	/* 100, then 100 more from the callback each time, up to 400. */
	for (int i = 0; i < 4; i++) {
		p = pop();
		check_data(&p, 1, (uint64_t)i * 100, 100);
	}
	no_frame();
	assert_int_equal(nb_sent, 4);
	assert_int_equal(sent_offs[3], 400);
	sent_hook = NULL;
	data_hook = hook_abort;
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = A,
		.win = 65535, .data = d, .len = 50), 5), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_RST | UMB_TCP_ACK);
	no_frame();
	assert_int_equal(nb_closed, 1);
	assert_int_equal(closed_why, UMB_PEER_END_ABORT);
	assert_int_equal(umb_peer_ctx_conns(ctx), 0);
	data_hook = NULL;
	/* The slot is free again. */
	cur = NULL;
	estab(1, 9, 1460, 7, 0, 1460, 7, 65535, 10);
	pop_handshake_ack(1, 9);
}

static void
out_of_window_data(void **state)
{
	struct umb_pkt p;

	(void)state;
	mk();
	estab(1, 9, 1460, 0, 0, 1460, 0, 65535, 0);
	pop_handshake_ack(1, 9);
	/* No scaling: our window is 65535 bytes. */
	assert_int_equal(rx_seg(SG(.seq = 10 + 70000, .ack = 2, .flags = A,
		.win = 65535, .data = "x", .len = 1), 1), 0);
	p = pop();
	assert_int_equal(p.ack, 10);
	assert_int_equal(ctr[UMB_PEER_CONN_rx_out_of_window], 1);
	assert_int_equal(rx_len, 0);
	/* Segments without ACK are dropped silently; SYN in the window: ACK. */
	assert_int_equal(rx_seg(SG(.seq = 10, .flags = 0, .data = "x",
		.len = 1), 2), 0);
	no_frame();
	assert_int_equal(rx_seg(SG(.seq = 10, .ack = 2, .flags = S | F | A,
		.win = 1), 3), 0);
	p = pop();
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
	assert_int_equal(rx_len, 0);
	assert_true(umb_peer_established(cur));
}

static void
no_mac_counts(void **state)
{
	struct umb_peer_syn s = syn_of(1, 1460, 7, 0);

	(void)state;
	mk();
	umb_peer_set_next_hop(ctx, NULL);
	assert_int_equal(open_conn(&s, 0), 0);
	no_frame();
	assert_int_equal(ctr[UMB_PEER_CONN_tx_no_mac], 1);
	assert_int_equal(ctr[UMB_PEER_CONN_syn_sent], 0);
	umb_peer_abort(cur, 1);
	assert_int_equal(ctr[UMB_PEER_CONN_tx_no_mac], 2);
	assert_int_equal(nb_closed, 1);
}

static int
suite_setup(void **state)
{
	if (group_setup(state) != 0)
		return -1;
	txp = rte_pktmbuf_pool_create("pc_tx", TXP_SIZE, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	chunks = umb_tcp_chunk_pool_create("pc_chunks", CHUNKS, SOCKET_ID_ANY);
	return txp != NULL && chunks != NULL ? 0 : -1;
}

static int
suite_teardown(void **state)
{
	rte_mempool_free(txp);
	rte_mempool_free(chunks);
	return group_teardown(state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(syn_contents),
		T(syn_without_options),
		T(snat_port_class_and_fifo),
		T(refusals),
		T(ctx_create_errors),
		T(data_held_until_synack),
		T(segmentation_at_mss_with_ts),
		T(window_limit_scaled),
		T(cwnd_initial_and_slow_start),
		T(release_limit),
		T(held_cap_and_buffer_pool),
		T(write_by_reference),
		T(ack_frees_and_sent_offsets),
		T(delayed_ack),
		T(immediate_ack_two_segments),
		T(immediate_ack_out_of_order),
		T(rto_backoff_and_rtt),
		T(fast_retransmit),
		T(give_up_after_retries),
		T(idle_timeout),
		T(shadow_rst),
		T(stale_connection_challenge_ack),
		T(syn_rto_from_shared_rtt),
		T(shutdown_then_clean),
		T(shadow_fin_first),
		T(abort_sends_rst),
		T(unknown_port_rst),
		T(ack_of_unsent_data),
		T(sequence_wraparound),
		T(ipv6_session),
		T(vlan_framing),
		T(target_keep_or_configured),
		T(zero_window_probe),
		T(callbacks_reenter),
		T(out_of_window_data),
		T(no_mac_counts),
	};

	return cmocka_run_group_tests_name("peer_conn", tests, suite_setup,
		suite_teardown);
}
