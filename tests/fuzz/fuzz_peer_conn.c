/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for the shadow TCP peer state machine (umb_peer_conn.h).
 *
 * Input: byte 0 picks the context (bit 0 timestamps offered, bit 1 window
 * scale offered, bit 2 a small held-bytes cap, bit 3 a tiny send buffer
 * pool with 256-byte mbufs, bit 4 IPv6, bit 5 VLAN, bits 6-7 max_retries),
 * bytes 1-4 the client ISN. Then steps of 8 bytes: op, connection slot,
 * and six argument bytes. Ops (op % 12): 0-4 a segment from the shadow
 * (flags, sequence and ack relative to what umbra last sent or absolute,
 * window, options, payload of a pattern or of the input), 5 write, 6
 * release, 7 shutdown, 8 abort, 9 time passes and timers run, 10 open a
 * connection in an empty slot, 11 the next hop MAC disappears or returns.
 * A write (op 5) whose third argument byte is odd goes by reference: the
 * bytes are put in a "received" mbuf (rxp) handed to umb_peer_write_ref,
 * which the fuzzer then frees as reassembly does (a reference pool of 4
 * indirect mbufs, so it also runs dry and falls back to copies).
 *
 * Checked, aborting on violation: every frame decodes as TCP from umbra's
 * address and a port of the class, with right checksums; a data segment
 * carries exactly the bytes written at its offset and never bytes beyond
 * what was released or beyond the shutdown offset; the closed callback
 * comes once per connection; the connection count matches; acked and sent
 * offsets never move back and never pass what was written; input returns
 * 0 or -ENOENT and counts each segment once; at the end (every connection
 * aborted) every mbuf (received ones and references too) and chunk is
 * back in its pool.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "umb_packet.h"
#include "umb_peer.h"
#include "umb_peer_conn.h"
#include "umb_tcp.h"

#define TX_POOL 256
#define CHUNKS 32
#define SLOTS 3
#define STREAM_MAX (48 * 1024)
#define STEP 8
#define MAX_STEPS 256
#define SPORT_MIN 40000
#define SPORT_MAX 40011
#define NB_CTX 2
#define CTX_INDEX 1
#define SHADOW_PORT 8080

static struct rte_mempool *txp;
static struct rte_mempool *rxp;   /* "received" frames written by reference */
#define RX_POOL 64
static struct rte_mempool *chunks;

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t shadow_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t our_ip4[4] = { 10, 0, 0, 1 };
static const uint8_t shadow_ip4[4] = { 10, 0, 0, 2 };
static const uint8_t our_ip6[16] = { 0xfd, [15] = 0x01 };
static const uint8_t shadow_ip6[16] = { 0xfd, [15] = 0x02 };

struct slot {
	struct umb_peer_conn *k;
	bool closed;            /* the closed callback came */
	uint32_t isn;
	uint64_t written, released, shut_at;
	bool shut;
	uint64_t acked, sent;
	uint32_t last_seq, last_ack; /* of umbra's latest frame */
	uint8_t stream[STREAM_MAX];
};

static struct slot slots[SLOTS];
static uint8_t af;
static uint16_t vlan;
static uint64_t nb_closed_calls;

static void
check(int ok)
{
	if (!ok)
		abort();
}

static uint8_t
pattern(uint64_t off)
{
	return (uint8_t)(off * 13 + 7);
}

static struct slot *
slot_of(void *owner)
{
	struct slot *s = owner;

	check(s >= slots && s < slots + SLOTS);
	return s;
}

static void
closed_cb(void *owner, enum umb_peer_end why, uint64_t now)
{
	struct slot *s = slot_of(owner);

	(void)now;
	check(why <= UMB_PEER_END_RETRIES);
	check(s->k != NULL && !s->closed);
	s->closed = true;
	nb_closed_calls++;
}

static void
sent_cb(void *owner, uint64_t off, uint64_t now)
{
	struct slot *s = slot_of(owner);

	(void)now;
	check(!s->closed);
	check(off > s->sent && off <= s->written && off <= s->released);
	s->sent = off;
}

static volatile uint8_t sink_sum;

static void
sink_data(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts)
{
	(void)ts;
	check(dir == UMB_PEER_TCP_DIR);
	check(!slot_of(arg)->closed);
	/* Every delivered byte is readable (ASan). */
	for (uint32_t i = 0; i < len; i++)
		sink_sum += p[i];
}

static void
sink_eof(void *arg, int dir, uint64_t ts)
{
	(void)ts;
	(void)arg;
	check(dir == UMB_PEER_TCP_DIR);
}

static const struct umb_tcp_sink sink = { .data = sink_data, .eof = sink_eof };

/* A frame umbra sent: well formed, its data what was written. */
static void
tx_cb(void *arg, struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t n = rte_pktmbuf_data_len(m);
	struct umb_pkt p;
	struct slot *s = NULL;

	(void)arg;
	check(m->nb_segs == 1 && n >= 60);
	check(umb_decode(f, n, n, UMB_LINK_ETHER, &p, NULL) == UMB_DECODE_tcp);
	check(p.af == af);
	check(memcmp(f, shadow_mac, 6) == 0 && memcmp(f + 6, our_mac, 6) == 0);
	check(p.nb_vlan == (vlan != 0) && (vlan == 0 || p.vlan[0] == vlan));
	check(memcmp(p.src.b, af == 4 ? our_ip4 : our_ip6, af == 4 ? 4 : 16) ==
		0);
	check(p.sport >= SPORT_MIN && p.sport <= SPORT_MAX);
	/* Only RST replies to segments for no connection use other ports. */
	check(p.sport % NB_CTX == CTX_INDEX || (p.tcp_flags & UMB_TCP_RST));
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].k != NULL && !slots[i].closed &&
				umb_peer_sport(slots[i].k) == p.sport)
			s = &slots[i];
	if (s != NULL && !(p.tcp_flags & (UMB_TCP_SYN | UMB_TCP_RST))) {
		uint32_t off = p.seq - s->isn - 1;

		check(memcmp(p.dst.b, af == 4 ? shadow_ip4 : shadow_ip6,
			af == 4 ? 4 : 16) == 0);
		check(p.tcp_flags & UMB_TCP_ACK);
		if (p.payload_len > 0) {
			check((uint64_t)off + p.payload_len <= s->written);
			check((uint64_t)off + p.payload_len <= s->released);
			check(!s->shut ||
				(uint64_t)off + p.payload_len <= s->shut_at);
			check(memcmp(f + p.payload_off, s->stream + off,
				p.payload_len) == 0);
			check(!(p.tcp_flags & UMB_TCP_FIN));
		}
		if (p.tcp_flags & UMB_TCP_FIN)
			check(s->shut && off == s->shut_at);
		s->last_seq = p.seq + p.payload_len;
		s->last_ack = p.ack;
	}
	if (s != NULL && (p.tcp_flags & UMB_TCP_SYN)) {
		check(p.seq == s->isn && !(p.tcp_flags & UMB_TCP_ACK));
		s->last_seq = p.seq + 1;
	}
	rte_pktmbuf_free(m);
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static unsigned int
live(void)
{
	unsigned int n = 0;

	for (int i = 0; i < SLOTS; i++)
		if (slots[i].k != NULL && !slots[i].closed)
			n++;
	return n;
}

/* Forget connections whose closed callback came. */
static void
reap(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].k != NULL && slots[i].closed)
			slots[i].k = NULL;
}

static void
check_slot(struct slot *s)
{
	uint64_t a;

	if (s->k == NULL || s->closed)
		return;
	a = umb_peer_acked(s->k);
	check(a >= s->acked && a <= s->written);
	check(a <= s->sent || a == 0);
	s->acked = a;
	check(umb_peer_written(s->k) == s->written);
	check(umb_peer_owner(s->k) == s);
}

static void
open_slot(struct umb_peer_ctx *c, struct slot *s, uint32_t isn, uint8_t b,
		uint64_t now)
{
	struct umb_peer_syn syn = { .isn = isn, .mss = (uint16_t)(b & 1 ?
		0 : 200 + b * 8), .wscale = (b & 2) ? (uint8_t)(b >> 4) :
		UMB_PEER_NO_WSCALE, .has_ts = (b >> 2) & 1 };
	union umb_addr orig = { .b = { 192, 0, 2, 1 } };
	int rc;

	memset(s, 0, offsetof(struct slot, stream));
	s->isn = isn;
	rc = umb_peer_open(c, s, af, &orig, 80, &syn, now, &s->k);
	check(rc == 0 || rc == -ENOSPC || rc == -EBUSY);
	if (rc != 0)
		check(s->k == NULL);
}

static void
shadow_segment(struct umb_peer_ctx *c, struct slot *s, const uint8_t *a,
		const uint8_t *d, size_t avail, uint64_t now, uint64_t *inputs,
		uint64_t *ok)
{
	static uint8_t payload[4096];
	struct umb_pkt p;
	uint8_t mode = a[0];
	uint32_t len = 0;
	int rc;

	memset(&p, 0, sizeof(p));
	p.af = af;
	memcpy(p.src.b, af == 4 ? shadow_ip4 : shadow_ip6, af == 4 ? 4 : 16);
	memcpy(p.dst.b, af == 4 ? our_ip4 : our_ip6, af == 4 ? 4 : 16);
	p.sport = (mode & 0x80) ? (uint16_t)(SHADOW_PORT + 1) : SHADOW_PORT;
	p.dport = s->k != NULL ? umb_peer_sport(s->k) :
		(uint16_t)(SPORT_MIN + a[1] % (SPORT_MAX - SPORT_MIN + 1));
	p.tcp_flags = a[1];
	if (mode & 1) {
		p.seq = s->last_ack + (uint32_t)(int8_t)a[2] * ((mode & 2) ?
			1 : 977);
		p.ack = s->last_seq + (uint32_t)(int8_t)a[3] * ((mode & 4) ?
			1 : 1201);
	} else {
		p.seq = rd32(a + 2);
		p.ack = rd32(a + 2) * 2654435761u;
	}
	/* SYN-ACK shortcut: ack of the SYN. */
	if ((mode & 0x18) == 0x18) {
		p.tcp_flags = UMB_TCP_SYN | UMB_TCP_ACK;
		p.ack = s->isn + 1;
	}
	p.win = (mode & 0x20) ? a[4] : (uint16_t)(a[4] << 8 | 0xff);
	p.opt_flags = a[5] & (UMB_OPT_MSS | UMB_OPT_WSCALE | UMB_OPT_TS);
	p.mss = (uint16_t)(a[5] * 9);
	p.wscale = a[5] >> 4;
	p.tsval = (uint32_t)now / 1000 + a[3];
	if (mode & 0x40) {
		len = (uint32_t)a[3] * 16;
		len = RTE_MIN(len, (uint32_t)sizeof(payload));
		for (uint32_t i = 0; i < len; i++)
			payload[i] = (uint8_t)(i < avail ? d[i] : i);
	}
	p.payload_len = len;
	rc = umb_peer_input(c, &p, len > 0 ? payload : NULL, now);
	check(rc == 0 || rc == -ENOENT);
	(*inputs)++;
	if (rc == 0)
		(*ok)++;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal_argv[] = { "fuzz_peer_conn", "--no-huge", "--no-pci",
		"--no-shconf", "-m", "512", "--no-telemetry", "-l", "0",
		"--log-level=lib.*:error", "--file-prefix=umbf_peerconn", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1,
			eal_argv) < 0)
		abort();
	txp = rte_pktmbuf_pool_create("fz_pc_tx", TX_POOL, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	rxp = rte_pktmbuf_pool_create("fz_pc_rx", RX_POOL, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	chunks = umb_tcp_chunk_pool_create("fz_pc_chunks", CHUNKS,
		SOCKET_ID_ANY);
	if (txp == NULL || rxp == NULL || chunks == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t sz)
{
	uint64_t ctr[UMB_PEER_CONN_CTR_MAX] = { 0 };
	uint64_t tcp_ctr[UMB_TCP_CTR_MAX] = { 0 };
	struct umb_tcp_ctx tcpx = { .chunk_pool = chunks, .stream_cap = 16384,
		.sink = &sink, .ctr = tcp_ctr };
	struct umb_peer_ctx_params P;
	struct rte_ether_addr mac;
	struct rte_mempool *bp;
	struct umb_peer_ctx *c;
	uint64_t now = 1000000, inputs = 0, ok = 0;
	uint32_t isn;
	size_t i = 5;
	unsigned int steps = 0;
	static uint8_t wbuf[8192];

	if (sz < 5)
		return 0;
	af = (d[0] & 0x10) ? 6 : 4;
	vlan = (d[0] & 0x20) ? 7 : 0;
	isn = rd32(d + 1);
	memset(&P, 0, sizeof(P));
	P.name = "fz";
	P.socket_id = SOCKET_ID_ANY;
	memcpy(P.src_mac.addr_bytes, our_mac, 6);
	memcpy(P.src4.b, our_ip4, 4);
	memcpy(P.src6.b, our_ip6, 16);
	P.has_src4 = P.has_src6 = 1;
	memcpy(P.target4.b, shadow_ip4, 4);
	memcpy(P.target6.b, shadow_ip6, 16);
	P.has_target4 = P.has_target6 = 1;
	P.target_port = SHADOW_PORT;
	P.vlan = vlan;
	P.sport_min = SPORT_MIN;
	P.sport_max = SPORT_MAX;
	P.nb_ctx = NB_CTX;
	P.ctx_index = CTX_INDEX;
	P.max_conns = SLOTS;
	P.held_bytes = (d[0] & 4) ? 3000 : STREAM_MAX;
	P.buf_mbufs = (d[0] & 8) ? 8 : 128;
	P.buf_data_room = (d[0] & 8) ? 256 : 0;
	P.ref_mbufs = 4;
	P.new_per_sec = 20;
	P.burst = 4;
	P.idle_timeout_us = 30000000;
	P.max_retries = (uint32_t)(d[0] >> 6) + 1;
	P.tx_pool = txp;
	P.tcp = &tcpx;
	P.tx = tx_cb;
	P.sent = sent_cb;
	P.closed = closed_cb;
	P.ctr = ctr;
	c = umb_peer_ctx_create(&P);
	check(c != NULL);
	bp = rte_mempool_lookup("pb_fz");
	check(bp != NULL);
	memcpy(mac.addr_bytes, shadow_mac, 6);
	umb_peer_set_next_hop(c, &mac);
	nb_closed_calls = 0;
	for (int k = 0; k < SLOTS; k++)
		slots[k].k = NULL;
	open_slot(c, &slots[0], isn, d[0], now);

	while (i + STEP <= sz && steps++ < MAX_STEPS) {
		const uint8_t *a = d + i + 2;
		struct slot *s = &slots[d[i + 1] % SLOTS];
		uint8_t op = d[i] % 12;
		uint64_t before_closed = nb_closed_calls;

		i += STEP;
		switch (op) {
		case 0: case 1: case 2: case 3: case 4:
			shadow_segment(c, s, a, d + i, sz - i, now, &inputs,
				&ok);
			break;
		case 5:
			if (s->k != NULL) {
				uint32_t n = rd16(a) % sizeof(wbuf);
				int rc;

				for (uint32_t j = 0; j < n; j++)
					wbuf[j] = pattern(s->written + j);
				if (s->written + n > STREAM_MAX)
					n = 0;
				if ((a[2] & 1) && n > 0 && n <= 1500) {
					/* by reference, from a received frame */
					struct rte_mbuf *m = rte_pktmbuf_alloc(rxp);
					uint8_t *f;

					check(m != NULL);
					f = (uint8_t *)rte_pktmbuf_append(m,
						(uint16_t)(n + 60));
					check(f != NULL);
					memset(f, 0xa5, 60);
					memcpy(f + 60, wbuf, n);
					rc = umb_peer_write_ref(s->k, m, f + 60, n, now);
					rte_pktmbuf_free(m);
				} else {
					rc = umb_peer_write(s->k, wbuf, n, now);
				}
				check(rc == 0 || rc == -ENOBUFS ||
					(rc == -EPIPE && (s->shut || s->closed)));
				if (rc == 0) {
					memcpy(s->stream + s->written, wbuf, n);
					s->written += n;
				}
			}
			break;
		case 6:
			if (s->k != NULL) {
				uint64_t up = s->released + rd16(a);

				/* Known before any frame of the call. */
				if (!s->shut)
					s->released = RTE_MIN(up, s->written);
				umb_peer_release(s->k, up, now);
			}
			break;
		case 7:
			if (s->k != NULL && !s->shut) {
				uint64_t at = s->written - RTE_MIN(s->written,
					(uint64_t)a[0] * 8);

				/* Bytes already sent stay: the end is at least
				 * what was sent; everything before it is
				 * released.
				 */
				s->shut = true;
				s->shut_at = RTE_MAX(at, s->sent);
				s->written = s->shut_at;
				s->released = s->shut_at;
				umb_peer_shutdown(s->k, at, now);
				if (!s->closed)
					check(umb_peer_written(s->k) ==
						s->shut_at);
			}
			break;
		case 8:
			if (s->k != NULL) {
				umb_peer_abort(s->k, now);
				check(s->closed);
			}
			break;
		case 9:
			now += (uint64_t)rd16(a) << (a[2] % 12);
			umb_peer_timers(c, now, a[3] % 4 + 1);
			break;
		case 10:
			if (s->k == NULL)
				open_slot(c, s, isn + rd32(a), a[4], now);
			break;
		case 11:
			umb_peer_set_next_hop(c, (a[0] & 1) ? NULL : &mac);
			break;
		}
		check(nb_closed_calls - before_closed <= SLOTS);
		for (int k = 0; k < SLOTS; k++)
			check_slot(&slots[k]);
		reap();
		check(umb_peer_ctx_conns(c) == live());
		check(ctr[UMB_PEER_CONN_rx_segments] + ctr[UMB_PEER_CONN_rx_no_conn]
			== inputs);
		check(ctr[UMB_PEER_CONN_rx_segments] == ok);
		now += 1000;
	}
	/* Always end with the MAC known so aborts are checked frames. */
	umb_peer_set_next_hop(c, &mac);
	for (int k = 0; k < SLOTS; k++) {
		if (slots[k].k != NULL) {
			umb_peer_abort(slots[k].k, now);
			check(slots[k].closed);
			slots[k].k = NULL;
		}
	}
	check(umb_peer_ctx_conns(c) == 0);
	check(ctr[UMB_PEER_CONN_opened] == nb_closed_calls);
	check(ctr[UMB_PEER_CONN_opened] == ctr[UMB_PEER_CONN_closed_clean] +
		ctr[UMB_PEER_CONN_closed_shadow_rst] +
		ctr[UMB_PEER_CONN_closed_abort] +
		ctr[UMB_PEER_CONN_closed_idle] +
		ctr[UMB_PEER_CONN_closed_retries]);
	/* Every send buffer mbuf is back before the context goes. */
	check(rte_mempool_avail_count(bp) == P.buf_mbufs);
	check(rte_mempool_avail_count(rte_mempool_lookup("pr_fz")) == P.ref_mbufs);
	umb_peer_ctx_free(c);
	check(rte_mempool_avail_count(txp) == TX_POOL);
	check(rte_mempool_avail_count(rxp) == RX_POOL);
	check(rte_mempool_avail_count(chunks) == CHUNKS);
	return 0;
}
