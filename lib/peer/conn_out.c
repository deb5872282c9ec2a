/* SPDX-License-Identifier: BSD-3-Clause
 * The shadow peer's output side: building and sending its frames (SYN,
 * ACK, RST, data cut from the send buffer), and the send buffer itself (a
 * chain of mbufs of the context's buffer pool holding the bytes from the
 * oldest unacknowledged one to the last written).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "conn_private.h"

/* ---- frames ---- */

/* Build and send one frame; 0 when it was handed to tx. */
int
pc_xmit_raw(struct umb_peer_ctx *c, uint8_t af, const union umb_addr *dst,
		struct umb_peer_tcp *t)
{
	struct umb_peer_l2l3 l = { .af = af, .vlan = c->p.vlan,
		.mtu = c->p.mtu };
	struct rte_mbuf *m;

	if (!c->has_next_hop) {
		CTR_INC(c, tx_no_mac);
		return -1;
	}
	l.src = af == 4 ? c->p.src4 : c->p.src6;
	l.dst = *dst;
	l.src_mac = c->p.src_mac;
	l.dst_mac = c->next_hop;
	t->ip_id = c->ip_id++;
	m = umb_peer_build(c->p.tx_pool, &l, t);
	if (m == NULL) {
		if (rte_errno == ENOBUFS)
			CTR_INC(c, tx_no_mbuf);
		else
			CTR_INC(c, tx_build_error);
		return -1;
	}
	c->p.tx(c->p.tx_arg, m);
	return 0;
}

/* A segment of connection @p k with the common fields filled. */
void
pc_seg_init(struct umb_peer_conn *k, struct umb_peer_tcp *t, uint8_t flags,
		uint64_t now)
{
	memset(t, 0, sizeof(*t));
	t->sport = k->sport;
	t->dport = k->dport;
	t->flags = flags;
	t->win = OUR_WIN;
	t->wscale = UMB_PEER_NO_WSCALE;
	if (k->state == ST_ESTABLISHED || k->state == ST_DEAD) {
		if (flags & UMB_TCP_ACK)
			t->ack = rcv_nxt(k);
		if (k->ts_on) {
			t->has_ts = 1;
			t->tsval = ts_clock(k->ctx, now);
			t->tsecr = k->ts_recent;
		}
	}
}

/* Send @p t; every segment with ACK acknowledges what we have. */
int
pc_xmit(struct umb_peer_conn *k, struct umb_peer_tcp *t, uint64_t now)
{
	k->last_active = now;
	if (t->flags & UMB_TCP_ACK) {
		k->last_ack_sent = t->ack;
		k->delack_at = 0;
		k->ack_now = 0;
	}
	return pc_xmit_raw(k->ctx, k->af, &k->dst, t);
}

void
pc_send_syn(struct umb_peer_conn *k, uint64_t now)
{
	struct umb_peer_tcp t;

	pc_seg_init(k, &t, UMB_TCP_SYN, now);
	t.seq = k->isn;
	t.mss = k->adv_mss;
	t.wscale = k->syn_wscale;
	if (k->syn_ts) {
		t.has_ts = 1;
		t.tsval = ts_clock(k->ctx, now);
		t.tsecr = 0;
	}
	if (pc_xmit(k, &t, now) == 0)
		CTR_INC(k->ctx, syn_sent);
}

void
pc_send_ack(struct umb_peer_conn *k, uint64_t now)
{
	struct umb_peer_tcp t;

	pc_seg_init(k, &t, UMB_TCP_ACK, now);
	t.seq = seq_of(k, k->snd_nxt);
	if (pc_xmit(k, &t, now) == 0)
		CTR_INC(k->ctx, acks_sent);
}

void
pc_send_rst(struct umb_peer_conn *k, uint64_t now)
{
	struct umb_peer_tcp t;

	if (k->state == ST_SYN_SENT) {
		pc_seg_init(k, &t, UMB_TCP_RST, now);
		t.seq = k->isn + 1;
	} else {
		pc_seg_init(k, &t, UMB_TCP_RST | UMB_TCP_ACK, now);
		t.seq = seq_of(k, k->snd_nxt);
	}
	t.win = 0;
	if (pc_xmit(k, &t, now) == 0)
		CTR_INC(k->ctx, rst_sent);
}

/*
 * Pointer to @p len contiguous bytes of the send buffer at offset @p off
 * (copied into the scratch buffer when they span mbufs).
 */
const uint8_t *
pc_buf_bytes(struct umb_peer_conn *k, uint64_t off, uint32_t len)
{
	struct umb_peer_ctx *c = k->ctx;
	struct rte_mbuf *m = k->cur_m;
	uint64_t moff = k->cur_off;
	uint32_t in, done = 0;

	if (m == NULL || moff > off) {
		m = k->buf_head;
		moff = k->buf_off;
	}
	while (m != NULL && moff + m->data_len <= off) {
		moff += m->data_len;
		m = m->next;
	}
	if (m == NULL || len > c->scratch_len)
		return NULL;
	k->cur_m = m;
	k->cur_off = moff;
	in = (uint32_t)(off - moff);
	if (m->data_len - in >= len)
		return rte_pktmbuf_mtod_offset(m, const uint8_t *, in);
	while (done < len && m != NULL) {
		uint32_t n = RTE_MIN((uint32_t)(m->data_len - in), len - done);

		memcpy(c->scratch + done,
			rte_pktmbuf_mtod_offset(m, const uint8_t *, in), n);
		done += n;
		in = 0;
		m = m->next;
	}
	return done == len ? c->scratch : NULL;
}

/* Send the data segment [off, off + len) (and FIN when @p fin). */
int
pc_send_data(struct umb_peer_conn *k, uint64_t off, uint32_t len, uint8_t extra,
		uint64_t now)
{
	struct umb_peer_tcp t;

	pc_seg_init(k, &t, UMB_TCP_ACK | extra, now);
	t.seq = seq_of(k, off);
	if (len > 0) {
		t.payload = pc_buf_bytes(k, off, len);
		if (t.payload == NULL) {
			/* Cannot happen while the buffer invariant holds. */
			CTR_INC(k->ctx, tx_build_error);
			return -1;
		}
		t.len = len;
	}
	return pc_xmit(k, &t, now);
}

/* ---- send buffer ---- */

/*
 * The chain is linked through next but every mbuf is handled alone
 * (rte_pktmbuf_append/trim would walk to the last segment).
 */
void
pc_mbuf_put(struct rte_mbuf *m, const uint8_t *src, uint32_t n)
{
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len), src, n);
	m->data_len = (uint16_t)(m->data_len + n);
	m->pkt_len = m->data_len;
}

void
pc_buf_free_all(struct umb_peer_conn *k)
{
	struct rte_mbuf *m = k->buf_head;

	while (m != NULL) {
		struct rte_mbuf *n = m->next;

		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = n;
	}
	k->buf_head = k->buf_tail = k->cur_m = NULL;
}

/* Drop bytes below offset @p upto from the head. */
void
pc_buf_trim_head(struct umb_peer_conn *k, uint64_t upto)
{
	struct rte_mbuf *m;

	while ((m = k->buf_head) != NULL && k->buf_off < upto) {
		uint64_t n = upto - k->buf_off;

		if (n < m->data_len) {
			rte_pktmbuf_adj(m, (uint16_t)n);
			k->buf_off += n;
			if (k->cur_m == m)
				k->cur_off = k->buf_off;
			break;
		}
		k->buf_off += m->data_len;
		k->buf_head = m->next;
		if (k->buf_head == NULL)
			k->buf_tail = NULL;
		if (k->cur_m == m)
			k->cur_m = NULL;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	if (k->buf_head == NULL)
		k->buf_off = upto;
}

/* Drop bytes from offset @p at on (shutdown). */
void
pc_buf_trim_tail(struct umb_peer_conn *k, uint64_t at)
{
	struct rte_mbuf *m = k->buf_head, *prev = NULL;
	uint64_t moff = k->buf_off;

	while (m != NULL && moff + m->data_len <= at) {
		moff += m->data_len;
		prev = m;
		m = m->next;
	}
	if (m == NULL)
		return;
	if (at > moff) {
		m->data_len = (uint16_t)(at - moff);
		m->pkt_len = m->data_len;
		prev = m;
		m = m->next;
	}
	if (prev != NULL)
		prev->next = NULL;
	else
		k->buf_head = NULL;
	k->buf_tail = prev;
	k->cur_m = NULL;
	while (m != NULL) {
		struct rte_mbuf *n = m->next;

		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = n;
	}
}

