/* SPDX-License-Identifier: BSD-3-Clause
 * Private to lib/peer's connection code: the state of a connection and of a
 * context, sequence helpers, and what conn_out.c (frames and the send
 * buffer) gives conn.c (the state machine and the API).
 */
#ifndef UMB_PEER_CONN_PRIVATE_H
#define UMB_PEER_CONN_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "umb_peer_conn.h"

#define CTR_INC(c, n) UMB_CTR_INC((c)->p.ctr, UMB_PEER_CONN_##n)
#define CTR_ADD(c, n, v) UMB_CTR_ADD((c)->p.ctr, UMB_PEER_CONN_##n, (v))

#define NIL UINT32_MAX
#define US_PER_MS 1000ull
#define RTO_MAX_US (60ull * 1000 * 1000)
#define DEF_MAX_RETRIES 8
#define DEF_RTO_MIN_US (200ull * 1000)
#define DEF_RTO_INIT_US (1000ull * 1000)
#define DEF_DELACK_US (40ull * 1000)
#define DEF_BUF_ROOM 2048
#define MSS_DEFAULT_V4 536
#define MSS_DEFAULT_V6 1220
/* Smallest MSS taken from a SYN-ACK (Linux TCP_MIN_MSS). */
#define MSS_MIN 88
#define TS_OPT_LEN 12
#define OUR_WIN 65535u
#define INIT_CWND_SEGS 10
#define CWND_MAX (1u << 30)
#define OUTPUT_ROUNDS 64

enum conn_state {
	ST_FREE = 0,
	ST_SYN_SENT,
	ST_ESTABLISHED,
	ST_DEAD,        /* ended: closed called, slot given back on leave */
};

struct umb_peer_conn {
	struct umb_tcp_stream rstream;  /* the shadow's bytes */
	struct umb_peer_ctx *ctx;
	void *owner;
	union umb_addr dst;             /* the shadow's address */
	/* send buffer: bytes [buf_off, buf_off + chain length) */
	struct rte_mbuf *buf_head, *buf_tail, *cur_m;
	uint64_t buf_off, cur_off;
	/* offsets (see the top of the file) */
	uint64_t written, released, shut_at;
	uint64_t snd_una, snd_nxt, snd_max, sent_reported;
	/* retransmission */
	uint64_t srtt, rttvar, rto;
	uint64_t rtt_end, rtt_t0, syn_t0;
	uint64_t rto_at, delack_at, last_active;
	uint32_t isn, irs;
	uint32_t snd_wnd, cwnd, ssthresh, wl1, wl2;
	uint32_t ts_recent, last_ack_sent;
	uint32_t retries;
	uint8_t stale_resyn;         /**< SYNs resent after a stale connection's ACK */
	uint32_t idx, port_idx, next, prev;
	uint16_t sport, dport;
	uint16_t adv_mss;               /* MSS we sent in the SYN */
	uint16_t mss;                   /* payload bytes per segment we send */
	uint16_t rcv_mss;               /* payload bytes per full segment received */
	uint8_t af, state, busy, end_why;
	uint8_t syn_wscale, syn_ts;     /* what our SYN offered */
	uint8_t snd_wscale, rcv_wscale, ts_on;
	uint8_t fin_rcvd, shut, timing, rtt_valid, dupacks;
	uint8_t ack_now, in_tcp, in_output, output_again;
};

struct umb_peer_ctx {
	struct umb_peer_ctx_params p;   /* defaults filled in */
	struct umb_peer_conn *conns;
	uint32_t nb_conns;
	uint32_t *free_conns;           /* stack of free slot indices */
	uint32_t nb_free;
	uint32_t *port_conn;            /* port index -> slot, NIL */
	uint16_t *port_fifo;            /* ring of free port indices */
	uint32_t fifo_head, fifo_count;
	uint32_t nb_ports;
	uint16_t first_port;
	struct rte_mempool *buf_pool;
	struct rte_mempool *ref_pool;   /* indirect mbufs: bytes held by reference */
	uint8_t *scratch;
	uint32_t scratch_len;
	struct rte_ether_addr next_hop;
	uint8_t has_next_hop;
	uint32_t open_head, cursor, nb_open;
	double tokens;
	uint64_t tb_last;
	uint32_t ts_last;
	uint16_t ip_id;
	uint64_t isn_key[2];            /* RFC 6528 secret, random per context */
	/* RTT of the shadow as the context's connections measured it (RFC
	 * 2140 sharing): the first RTO of a new connection, SYN included. */
	uint64_t srtt_shared;           /* 0: no measurement yet */
	uint64_t rttvar_shared;
};

/* ---- helpers ---- */

static inline uint32_t
seq_of(const struct umb_peer_conn *k, uint64_t off)
{
	return k->isn + 1 + (uint32_t)off;
}

/* End of the data: FIN offset after shutdown, else what was written. */
static inline uint64_t
data_end(const struct umb_peer_conn *k)
{
	return k->shut ? k->shut_at : k->written;
}

/* Next byte of the shadow's stream umbra expects (its FIN included). */
static inline uint32_t
rcv_nxt(const struct umb_peer_conn *k)
{
	return k->rstream.next_seq + (k->fin_rcvd ? 1 : 0);
}

static inline uint32_t
rcv_wnd(const struct umb_peer_conn *k)
{
	return OUR_WIN << k->rcv_wscale;
}

/* umbra's millisecond clock for timestamps, never moving back. */
static inline uint32_t
ts_clock(struct umb_peer_ctx *c, uint64_t now)
{
	uint32_t t = (uint32_t)(now / US_PER_MS);

	if (umb_seq_lt(t, c->ts_last))
		t = c->ts_last;
	c->ts_last = t;
	return t;
}

/* conn_out.c: frames toward the shadow and the send buffer */
int pc_xmit_raw(struct umb_peer_ctx *c, uint8_t af, const union umb_addr *dst,
		struct umb_peer_tcp *t);
void pc_seg_init(struct umb_peer_conn *k, struct umb_peer_tcp *t, uint8_t flags,
		uint64_t now);
int pc_xmit(struct umb_peer_conn *k, struct umb_peer_tcp *t, uint64_t now);
void pc_send_syn(struct umb_peer_conn *k, uint64_t now);
void pc_send_ack(struct umb_peer_conn *k, uint64_t now);
void pc_send_rst(struct umb_peer_conn *k, uint64_t now);
const uint8_t * pc_buf_bytes(struct umb_peer_conn *k, uint64_t off, uint32_t len);
int pc_send_data(struct umb_peer_conn *k, uint64_t off, uint32_t len, uint8_t extra,
		uint64_t now);
void pc_mbuf_put(struct rte_mbuf *m, const uint8_t *src, uint32_t n);
void pc_buf_free_all(struct umb_peer_conn *k);
void pc_buf_trim_head(struct umb_peer_conn *k, uint64_t upto);
void pc_buf_trim_tail(struct umb_peer_conn *k, uint64_t at);

#endif
