/* SPDX-License-Identifier: BSD-3-Clause
 * The shadow TCP peer, per session (see umb_peer_conn.h, docs/peer.md):
 * umbra plays the client's side of one TCP connection toward the shadow.
 *
 * Sequence space. Toward the shadow every position is a 64-bit offset:
 * offset o is sequence number isn + 1 + o (mod 2^32), where isn is this
 * connection's own ISN (RFC 6528, see own_isn()), never the client's: a
 * production connection may be served by several shadow connections in
 * turn, each its own sequence space (the SYN itself is handled by the
 * state, not by an offset).
 * Data bytes sit at offsets [0, end) and, after shutdown, the FIN takes the
 * offset end: snd_una, snd_nxt and snd_max run over data and FIN alike, so
 * "FIN acknowledged" is snd_una == end + 1. Received ack numbers are turned
 * into offsets relative to snd_una modulo 2^32 and never trusted beyond
 * snd_max.
 *
 * Send buffer. The bytes [snd_una, written) sit in a chain of mbufs of the
 * context's buffer pool (linked through next, each with pkt_len ==
 * data_len, used from the start of its buffer), head at offset buf_off. A
 * cursor remembers the mbuf of the last segment read, so sending a window
 * does not walk the chain from the head each time. ACKs free whole mbufs
 * and trim the head. A segment whose bytes span mbufs is copied into the
 * context's scratch buffer (one MSS) before umb_peer_build copies it into
 * the frame.
 *
 * Timers are deadlines in the connection (retransmission/persist, delayed
 * ACK, idle), checked by umb_peer_timers over the list of open connections
 * with a round-robin cursor.
 *
 * Re-entrancy. The callbacks (lib/tcp sink, sent, closed) may call back
 * into this file for the same connection: a response byte may release the
 * next request (umb_peer_release), a parser error may abort. Every entry
 * point brackets its work with enter()/leave(); a connection that ends
 * inside a bracket is marked DEAD at once (every later call on it is a
 * no-op and every caller up the stack returns as soon as it sees it), the
 * closed callback runs at once, and the slot, port, send buffer and lib/tcp
 * chunks are given back only when the outermost bracket leaves. Output
 * started from inside output (sent callback -> release) is folded into the
 * running output loop instead of recursing.
 *
 * Ending and the lib/tcp stream: on CLEAN (both FINs, all acknowledged)
 * umb_tcp_stream_end() runs before the closed callback, so the owner gets
 * every byte and the eof first; on every other end (RST either way, idle,
 * retries, abort) the stream is released with umb_tcp_stream_release():
 * nothing more is delivered, the closed callback's reason tells the owner
 * why the response stopped.
 *
 * Choices documented here:
 *  - shutdown(at) clamps at to [bytes already sent, written] and releases
 *    everything before it (the FIN promises those bytes);
 *  - a frame that cannot be built (no MAC, pool empty) is treated like a
 *    segment lost on the wire: the state advances, the retransmission
 *    timer recovers it, the tx_* counters say why;
 *  - zero window: when bytes wait, nothing is in flight and the shadow's
 *    window is closed, the retransmission timer runs as a persist timer
 *    and sends a one-byte probe (then retransmitted like any byte). Any
 *    acceptable ACK that keeps the window closed proves the shadow alive
 *    and resets the retry count, so a slow reader is not given up on;
 *  - the RTO backoff is forgotten when new data is acknowledged (RTO back
 *    to the estimate, as Linux does); Karn: no RTT sample from a
 *    retransmitted segment (SYN included);
 *  - idle_timeout_us 0 disables the idle timer; burst 0 with a rate counts
 *    as a burst of 1;
 *  - segments from the shadow without ACK (other than the SYN-ACK case)
 *    are dropped; old duplicates are acknowledged at once.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "umb_peer_conn.h"
#include "conn_private.h"

/*
 * UMB_CTR_GROUP_DEFINE(peer, ...) would name the symbol umb_peer_ctr_group;
 * the header exports umb_peer_conn_ctr_group for the group "peer".
 */
static const char *const umb_peer_conn_ctr_names_[] = {
	UMB_PEER_CONN_COUNTERS(UMB_CTR_NAME_) };
static const char *const umb_peer_conn_ctr_descs_[] = {
	UMB_PEER_CONN_COUNTERS(UMB_CTR_DESC_) };
const struct umb_ctr_group umb_peer_conn_ctr_group = {
	"peer", umb_peer_conn_ctr_names_, umb_peer_conn_ctr_descs_,
	UMB_PEER_CONN_CTR_MAX };

static uint64_t
rto_base(const struct umb_peer_conn *k)
{
	const struct umb_peer_ctx *c = k->ctx;
	uint64_t r;

	if (!k->rtt_valid) {
		/* The shadow's RTT as this context's connections measured it
		 * (RFC 6298 2.1 allows it; the SYN of a shadow a LAN away
		 * then retries after rto_min, not a second). */
		if (c->srtt_shared == 0)
			return RTE_MIN(c->p.rto_init_us, RTO_MAX_US);
		r = c->srtt_shared + RTE_MAX(4 * c->rttvar_shared, (uint64_t)1);
		r = RTE_MAX(r, c->p.rto_min_us);
		return RTE_MIN(r, c->p.rto_init_us);
	}
	r = k->srtt + RTE_MAX(4 * k->rttvar, (uint64_t)1);
	r = RTE_MAX(r, c->p.rto_min_us);
	return RTE_MIN(r, RTO_MAX_US);
}

static void
rtt_sample(struct umb_peer_conn *k, uint64_t r)
{
	/* RFC 6298 section 2. */
	if (!k->rtt_valid) {
		k->srtt = r;
		k->rttvar = r / 2;
		k->rtt_valid = 1;
	} else {
		uint64_t d = k->srtt > r ? k->srtt - r : r - k->srtt;

		k->rttvar = (3 * k->rttvar + d) / 4;
		k->srtt = (7 * k->srtt + r) / 8;
	}
	k->ctx->srtt_shared = RTE_MAX(k->srtt, (uint64_t)1);
	k->ctx->rttvar_shared = k->rttvar;
	k->rto = rto_base(k);
}

/* ---- connection list and slots ---- */

static void
list_add(struct umb_peer_ctx *c, struct umb_peer_conn *k)
{
	k->prev = NIL;
	k->next = c->open_head;
	if (c->open_head != NIL)
		c->conns[c->open_head].prev = k->idx;
	c->open_head = k->idx;
}

static void
list_del(struct umb_peer_ctx *c, struct umb_peer_conn *k)
{
	if (c->cursor == k->idx)
		c->cursor = k->next;
	if (k->prev != NIL)
		c->conns[k->prev].next = k->next;
	else
		c->open_head = k->next;
	if (k->next != NIL)
		c->conns[k->next].prev = k->prev;
	k->next = k->prev = NIL;
}

static uint16_t
port_of(const struct umb_peer_ctx *c, uint32_t i)
{
	return (uint16_t)(c->first_port + i * c->p.nb_ctx);
}

/* Give everything back (outside any callback). */
static void
finalize(struct umb_peer_conn *k)
{
	struct umb_peer_ctx *c = k->ctx;

	list_del(c, k);
	pc_buf_free_all(k);
	umb_tcp_stream_release(c->p.tcp, &k->rstream);
	c->port_conn[k->port_idx] = NIL;
	c->port_fifo[(c->fifo_head + c->fifo_count) % c->nb_ports] =
		(uint16_t)k->port_idx;
	c->fifo_count++;
	c->free_conns[c->nb_free++] = k->idx;
	k->state = ST_FREE;
	k->owner = NULL;
}

static inline void
enter(struct umb_peer_conn *k)
{
	k->busy++;
}

static inline void
leave(struct umb_peer_conn *k)
{
	if (--k->busy == 0 && k->state == ST_DEAD)
		finalize(k);
}

static inline bool
dead(const struct umb_peer_conn *k)
{
	return k->state != ST_SYN_SENT && k->state != ST_ESTABLISHED;
}

/* The connection ends now (see the top of the file). */
static void
conn_end(struct umb_peer_conn *k, enum umb_peer_end why, uint64_t now)
{
	struct umb_peer_ctx *c = k->ctx;

	if (dead(k))
		return;
	k->state = ST_DEAD;
	k->end_why = (uint8_t)why;
	c->nb_open--;
	switch (why) {
	case UMB_PEER_END_CLEAN:
		CTR_INC(c, closed_clean);
		break;
	case UMB_PEER_END_SHADOW_RST:
		CTR_INC(c, closed_shadow_rst);
		break;
	case UMB_PEER_END_ABORT:
		CTR_INC(c, closed_abort);
		break;
	case UMB_PEER_END_IDLE:
		CTR_INC(c, closed_idle);
		break;
	case UMB_PEER_END_RETRIES:
		CTR_INC(c, closed_retries);
		break;
	}
	if (why == UMB_PEER_END_CLEAN && !k->in_tcp)
		umb_tcp_stream_end(c->p.tcp, &k->rstream, now, k->owner);
	if (c->p.closed != NULL)
		c->p.closed(k->owner, why, now);
}

/* Send a RST and end the connection. */
static void
conn_reset(struct umb_peer_conn *k, enum umb_peer_end why, uint64_t now)
{
	if (dead(k))
		return;
	pc_send_rst(k, now);
	conn_end(k, why, now);
}

/* ---- output ---- */

/* Bytes that may be sent at all: released, written, before the FIN. */
static inline uint64_t
send_limit(const struct umb_peer_conn *k)
{
	return RTE_MIN(k->released, data_end(k));
}

/* Arm or stop the retransmission / persist timer. */
static void
rearm(struct umb_peer_conn *k, uint64_t now)
{
	if (k->state != ST_ESTABLISHED)
		return;
	if (k->snd_max > k->snd_una) {
		if (k->rto_at == 0)
			k->rto_at = now + k->rto;
	} else if (k->snd_nxt < send_limit(k)) {
		/* Bytes wait but nothing is in flight: the window is shut. */
		if (k->rto_at == 0)
			k->rto_at = now + k->rto;
	} else {
		k->rto_at = 0;
	}
}

static void
output_once(struct umb_peer_conn *k, uint64_t now, bool force_one)
{
	struct umb_peer_ctx *c = k->ctx;
	uint64_t limit = send_limit(k);
	uint64_t end = data_end(k);
	uint64_t wnd = RTE_MIN(k->snd_wnd, k->cwnd);
	uint64_t data_max;
	unsigned int sent_new = 0;

	if (k->snd_nxt < k->snd_una)
		k->snd_nxt = k->snd_una;
	/* A retransmission never goes past what was sent before. */
	while (k->snd_nxt < limit && !dead(k)) {
		uint64_t off = k->snd_nxt;
		uint64_t room = k->snd_una + wnd > off ? k->snd_una + wnd - off : 0;
		uint64_t len = RTE_MIN((uint64_t)k->mss, limit - off);
		bool rexmit = off < k->snd_max;
		uint8_t flags = 0;

		if (rexmit)
			len = RTE_MIN(len, RTE_MIN(k->snd_max, end) - off);
		if (force_one) {
			/* RTO / persist: at least one segment (or byte) goes. */
			if (!rexmit)
				len = RTE_MIN(len, RTE_MAX(room, (uint64_t)1));
			force_one = false;
		} else {
			len = RTE_MIN(len, room);
		}
		if (len == 0)
			break;
		if (off + len == limit || (rexmit && off + len == k->snd_max))
			flags |= UMB_TCP_PSH;
		if (!rexmit && !k->timing) {
			k->timing = 1;
			k->rtt_end = off + len;
			k->rtt_t0 = now;
		}
		if (pc_send_data(k, off, (uint32_t)len, flags, now) == 0) {
			if (rexmit) {
				CTR_INC(c, rto_retransmits);
			} else {
				CTR_INC(c, data_segments);
				CTR_ADD(c, data_bytes, len);
			}
		}
		k->snd_nxt = off + len;
		if (k->snd_nxt > k->snd_max) {
			k->snd_max = k->snd_nxt;
			sent_new = 1;
		}
	}
	/* FIN: once every byte before it was sent and acknowledged. */
	if (!dead(k) && k->shut && k->snd_nxt == k->shut_at &&
			k->snd_una == k->shut_at) {
		struct umb_peer_tcp t;

		pc_seg_init(k, &t, UMB_TCP_FIN | UMB_TCP_ACK, now);
		t.seq = seq_of(k, k->shut_at);
		if (pc_xmit(k, &t, now) == 0) {
			CTR_INC(c, fin_sent);
			if (k->snd_max > k->shut_at)
				CTR_INC(c, rto_retransmits);
		}
		k->snd_nxt = k->shut_at + 1;
		k->snd_max = RTE_MAX(k->snd_max, k->snd_nxt);
	}
	rearm(k, now);
	data_max = RTE_MIN(k->snd_max, end);
	if (sent_new && data_max > k->sent_reported && !dead(k)) {
		k->sent_reported = data_max;
		if (c->p.sent != NULL)
			c->p.sent(k->owner, data_max, now);
	}
}

/* Send what the windows allow (folded when called from inside itself). */
static void
output(struct umb_peer_conn *k, uint64_t now, bool force_one)
{
	if (k->state != ST_ESTABLISHED)
		return;
	if (k->in_output) {
		k->output_again = 1;
		return;
	}
	k->in_output = 1;
	for (unsigned int i = 0; i < OUTPUT_ROUNDS && !dead(k); i++) {
		k->output_again = 0;
		output_once(k, now, force_one);
		force_one = false;
		if (!k->output_again)
			break;
	}
	k->in_output = 0;
}

/* ---- timers ---- */

static void
on_rto(struct umb_peer_conn *k, uint64_t now)
{
	struct umb_peer_ctx *c = k->ctx;
	uint64_t flight;

	k->rto_at = 0;
	if (k->retries >= c->p.max_retries) {
		conn_reset(k, UMB_PEER_END_RETRIES, now);
		return;
	}
	k->retries++;
	k->rto = RTE_MIN(k->rto * 2, RTO_MAX_US);
	k->timing = 0;
	if (k->state == ST_SYN_SENT) {
		CTR_INC(c, rto_retransmits);
		pc_send_syn(k, now);
		k->rto_at = now + k->rto;
		return;
	}
	flight = k->snd_max - k->snd_una;
	if (flight > 0) {
		k->ssthresh = (uint32_t)RTE_MIN(RTE_MAX(flight / 2,
			2ull * k->mss), (uint64_t)CWND_MAX);
		k->cwnd = k->mss;
		k->snd_nxt = k->snd_una;
		k->dupacks = 0;
	}
	/* Retransmission, or a persist probe when nothing was in flight. */
	output(k, now, true);
	if (!dead(k) && k->rto_at == 0 &&
			(k->snd_max > k->snd_una || k->snd_nxt < send_limit(k)))
		k->rto_at = now + k->rto;
}

static void
conn_timers(struct umb_peer_conn *k, uint64_t now)
{
	const struct umb_peer_ctx *c = k->ctx;

	if (c->p.idle_timeout_us != 0 && now >= k->last_active &&
			now - k->last_active >= c->p.idle_timeout_us) {
		conn_reset(k, UMB_PEER_END_IDLE, now);
		return;
	}
	if (k->delack_at != 0 && now >= k->delack_at &&
			k->state == ST_ESTABLISHED)
		pc_send_ack(k, now);
	if (!dead(k) && k->rto_at != 0 && now >= k->rto_at)
		on_rto(k, now);
}

/* ---- input ---- */

/* RST for a segment that found no connection (RFC 9293 3.10.7.1). */
static void
reply_rst(struct umb_peer_ctx *c, const struct umb_pkt *pkt)
{
	struct umb_peer_tcp t = { 0 };

	if (pkt->tcp_flags & UMB_TCP_RST)
		return;
	if ((pkt->af == 4 && !c->p.has_src4) ||
			(pkt->af == 6 && !c->p.has_src6) ||
			(pkt->af != 4 && pkt->af != 6))
		return;
	t.sport = pkt->dport;
	t.dport = pkt->sport;
	t.wscale = UMB_PEER_NO_WSCALE;
	if (pkt->tcp_flags & UMB_TCP_ACK) {
		t.seq = pkt->ack;
		t.flags = UMB_TCP_RST;
	} else {
		t.seq = 0;
		t.ack = pkt->seq + pkt->payload_len +
			((pkt->tcp_flags & UMB_TCP_SYN) ? 1 : 0) +
			((pkt->tcp_flags & UMB_TCP_FIN) ? 1 : 0);
		t.flags = UMB_TCP_RST | UMB_TCP_ACK;
	}
	if (pc_xmit_raw(c, pkt->af, &pkt->src, &t) == 0)
		CTR_INC(c, rst_sent);
}

static struct umb_peer_conn *
lookup(struct umb_peer_ctx *c, const struct umb_pkt *pkt)
{
	struct umb_peer_conn *k;
	uint32_t i, s;

	if (pkt->dport < c->first_port || pkt->dport > c->p.sport_max)
		return NULL;
	s = pkt->dport - c->first_port;
	if (s % c->p.nb_ctx != 0)
		return NULL;
	i = s / c->p.nb_ctx;
	if (i >= c->nb_ports || c->port_conn[i] == NIL)
		return NULL;
	k = &c->conns[c->port_conn[i]];
	if (dead(k) || k->af != pkt->af || k->dport != pkt->sport ||
			memcmp(k->dst.b, pkt->src.b, k->af == 4 ? 4 : 16) != 0)
		return NULL;
	return k;
}

/* Feed the shadow's payload (and SYN / FIN) through the lib/tcp stream. */
static void
feed(struct umb_peer_conn *k, uint32_t seq, uint8_t flags,
		const uint8_t *payload, uint32_t len, uint64_t now)
{
	k->in_tcp = 1;
	umb_tcp_segment(k->ctx->p.tcp, &k->rstream, seq, flags, payload, len,
		now, k->owner);
	k->in_tcp = 0;
}

static void
input_syn_sent(struct umb_peer_conn *k, const struct umb_pkt *pkt,
		const uint8_t *payload, uint64_t now)
{
	struct umb_peer_ctx *c = k->ctx;
	uint8_t f = pkt->tcp_flags;
	uint32_t peer_mss;

	if (f & UMB_TCP_RST) {
		/* Acceptable only when it acknowledges our SYN. */
		if ((f & UMB_TCP_ACK) && pkt->ack == k->isn + 1)
			conn_end(k, UMB_PEER_END_SHADOW_RST, now);
		return;
	}
	if ((f & (UMB_TCP_SYN | UMB_TCP_ACK)) == UMB_TCP_ACK &&
			pkt->ack != k->isn + 1) {
		/*
		 * The shadow still holds an earlier connection on this 4-tuple
		 * (an umbra killed without closing it) and answers our SYN with
		 * a challenge ACK: reset that connection (RFC 793 SYN-SENT: RST
		 * with the segment's ACK as sequence) and send the SYN again.
		 */
		struct umb_peer_tcp t = { .sport = k->sport, .dport = k->dport,
			.seq = pkt->ack, .flags = UMB_TCP_RST,
			.wscale = UMB_PEER_NO_WSCALE };

		CTR_INC(c, rx_stale_ack);
		if (pc_xmit_raw(c, k->af, &k->dst, &t) == 0)
			CTR_INC(c, rst_sent);
		if (k->stale_resyn < 3) {
			k->stale_resyn++;
			pc_send_syn(k, now);
		}
		return;
	}
	if ((f & (UMB_TCP_SYN | UMB_TCP_ACK)) != (UMB_TCP_SYN | UMB_TCP_ACK))
		return;
	if (pkt->ack != k->isn + 1) {
		struct umb_peer_tcp t = { .sport = k->sport, .dport = k->dport,
			.seq = pkt->ack, .flags = UMB_TCP_RST,
			.wscale = UMB_PEER_NO_WSCALE };

		CTR_INC(c, rx_bad_ack);
		if (pc_xmit_raw(c, k->af, &k->dst, &t) == 0)
			CTR_INC(c, rst_sent);
		return;
	}
	/* Established. */
	k->irs = pkt->seq;
	peer_mss = (pkt->opt_flags & UMB_OPT_MSS) ? pkt->mss :
		(k->af == 6 ? MSS_DEFAULT_V6 : MSS_DEFAULT_V4);
	peer_mss = RTE_MIN(peer_mss, (uint32_t)k->adv_mss);
	peer_mss = RTE_MAX(peer_mss, (uint32_t)MSS_MIN);
	if (k->syn_wscale != UMB_PEER_NO_WSCALE &&
			(pkt->opt_flags & UMB_OPT_WSCALE)) {
		k->snd_wscale = RTE_MIN(pkt->wscale, UMB_PEER_MAX_WSCALE);
		k->rcv_wscale = k->syn_wscale;
	}
	k->ts_on = k->syn_ts && (pkt->opt_flags & UMB_OPT_TS);
	if (k->ts_on)
		k->ts_recent = pkt->tsval;
	k->mss = (uint16_t)(peer_mss - (k->ts_on ? TS_OPT_LEN : 0));
	k->rcv_mss = (uint16_t)RTE_MAX((int)k->adv_mss -
		(k->ts_on ? TS_OPT_LEN : 0), MSS_MIN);
	k->cwnd = INIT_CWND_SEGS * k->mss;
	k->ssthresh = CWND_MAX;
	k->snd_wnd = pkt->win;
	k->wl1 = pkt->seq;
	k->wl2 = pkt->ack;
	if (k->retries == 0 && now >= k->syn_t0)
		rtt_sample(k, now - k->syn_t0);
	k->retries = 0;
	k->rto = rto_base(k);
	k->rto_at = 0;
	k->state = ST_ESTABLISHED;
	CTR_INC(c, established);
	/* The stream starts after the SYN; data on a SYN-ACK is kept. */
	feed(k, pkt->seq, UMB_TCP_SYN, payload, pkt->payload_len, now);
	if (dead(k))
		return;
	k->ack_now = 1;
	output(k, now, false);
	if (!dead(k) && k->ack_now)
		pc_send_ack(k, now);
}

/* ACK field of an acceptable segment; false when the segment is dropped. */
static bool
input_ack(struct umb_peer_conn *k, const struct umb_pkt *pkt, uint64_t now)
{
	struct umb_peer_ctx *c = k->ctx;
	uint32_t una = seq_of(k, k->snd_una);
	uint32_t d = pkt->ack - una;
	uint64_t wnd = (uint64_t)pkt->win << k->snd_wscale;
	uint64_t end = data_end(k);

	if ((int32_t)d < 0)
		return true; /* old ACK: nothing to learn from it */
	if (d > k->snd_max - k->snd_una) {
		CTR_INC(c, rx_bad_ack);
		pc_send_ack(k, now);
		return false;
	}
	if (d == 0) {
		if (pkt->payload_len == 0 &&
				!(pkt->tcp_flags & (UMB_TCP_SYN | UMB_TCP_FIN)) &&
				wnd == k->snd_wnd && k->snd_max > k->snd_una) {
			CTR_INC(c, rx_dup_acks);
			if (++k->dupacks == 3) {
				uint64_t flight = k->snd_max - k->snd_una;

				k->ssthresh = (uint32_t)RTE_MIN(RTE_MAX(
					flight / 2, 2ull * k->mss),
					(uint64_t)CWND_MAX);
				k->cwnd = k->ssthresh;
				k->timing = 0;
				if (k->snd_una < end) {
					uint64_t len = RTE_MIN(RTE_MIN(
						(uint64_t)k->mss,
						RTE_MIN(k->snd_max, end) -
						k->snd_una), end - k->snd_una);

					if (pc_send_data(k, k->snd_una,
							(uint32_t)len, 0,
							now) == 0)
						CTR_INC(c, fast_retransmits);
				} else if (k->shut) {
					struct umb_peer_tcp t;

					pc_seg_init(k, &t, UMB_TCP_FIN |
						UMB_TCP_ACK, now);
					t.seq = seq_of(k, k->shut_at);
					if (pc_xmit(k, &t, now) == 0) {
						CTR_INC(c, fin_sent);
						CTR_INC(c, fast_retransmits);
					}
				}
			}
		}
	} else {
		/* New data (or our FIN) acknowledged. */
		uint64_t una = k->snd_una + d;

		k->snd_una = una;
		if (k->snd_nxt < una)
			k->snd_nxt = una;
		k->dupacks = 0;
		k->retries = 0;
		if (k->timing && una >= k->rtt_end) {
			k->timing = 0;
			if (now >= k->rtt_t0)
				rtt_sample(k, now - k->rtt_t0);
		}
		k->rto = rto_base(k);
		k->rto_at = 0;
		if (k->cwnd < k->ssthresh)
			k->cwnd += k->mss;
		else
			k->cwnd += RTE_MAX((uint32_t)((uint64_t)k->mss * k->mss /
				k->cwnd), 1u);
		k->cwnd = RTE_MIN(k->cwnd, (uint32_t)CWND_MAX);
		pc_buf_trim_head(k, RTE_MIN(una, end));
	}
	/* Window update (RFC 9293 3.10.7.4). */
	if (umb_seq_lt(k->wl1, pkt->seq) ||
			(k->wl1 == pkt->seq && umb_seq_le(k->wl2, pkt->ack))) {
		k->snd_wnd = (uint32_t)RTE_MIN(wnd, (uint64_t)UINT32_MAX);
		k->wl1 = pkt->seq;
		k->wl2 = pkt->ack;
	}
	/* A shadow that answers while its window is shut is alive. */
	if (k->snd_wnd == 0)
		k->retries = 0;
	rearm(k, now);
	return true;
}

static void
input_established(struct umb_peer_conn *k, const struct umb_pkt *pkt,
		const uint8_t *payload, uint64_t now)
{
	struct umb_peer_ctx *c = k->ctx;
	uint8_t f = pkt->tcp_flags;
	uint32_t len = pkt->payload_len;
	uint32_t seg_len = len + ((f & UMB_TCP_FIN) ? 1 : 0);
	uint32_t nxt = rcv_nxt(k);
	uint32_t wnd = rcv_wnd(k);
	int64_t rel = (int32_t)(pkt->seq - nxt);
	int64_t end_rel = rel + seg_len;

	if (f & UMB_TCP_RST) {
		if (pkt->seq == nxt || (rel >= 0 && rel < wnd))
			conn_end(k, UMB_PEER_END_SHADOW_RST, now);
		return;
	}
	if (f & UMB_TCP_SYN) {
		/* A SYN-ACK again (our ACK was lost) or a bogus SYN: ACK. */
		pc_send_ack(k, now);
		return;
	}
	if (rel > (int64_t)wnd || end_rel < -(int64_t)wnd) {
		CTR_INC(c, rx_out_of_window);
		pc_send_ack(k, now);
		return;
	}
	if (!(f & UMB_TCP_ACK))
		return;
	/* RFC 7323 4.3: TS.Recent from segments covering Last.ACK.sent. */
	if (k->ts_on && (pkt->opt_flags & UMB_OPT_TS) && rel <= 0 &&
			end_rel >= 0 && umb_seq_le(pkt->seq, k->last_ack_sent) &&
			umb_seq_le(k->ts_recent, pkt->tsval))
		k->ts_recent = pkt->tsval;
	if (!input_ack(k, pkt, now) || dead(k))
		return;

	if (seg_len > 0) {
		uint32_t expected = k->rstream.next_seq;
		bool ooo_before = k->rstream.ooo != NULL;
		bool had_fin = k->fin_rcvd;

		if (len > 0 && payload == NULL)
			len = 0;
		CTR_ADD(c, rx_bytes, len);
		if (pkt->seq != expected || ooo_before)
			k->ack_now = 1;
		if (!had_fin)
			feed(k, pkt->seq, f & (UMB_TCP_FIN | UMB_TCP_PSH |
				UMB_TCP_ACK), payload, len, now);
		if (dead(k))
			return;
		if (!had_fin && (k->rstream.flags & UMB_TCP_S_FIN) &&
				k->rstream.next_seq == k->rstream.fin_seq) {
			k->fin_rcvd = 1;
			k->ack_now = 1;
		}
		if (had_fin || k->rstream.ooo != NULL)
			k->ack_now = 1;
		if ((uint32_t)(rcv_nxt(k) - k->last_ack_sent) >=
				2u * k->rcv_mss)
			k->ack_now = 1;
		if (!k->ack_now && k->delack_at == 0 &&
				rcv_nxt(k) != k->last_ack_sent)
			k->delack_at = now + c->p.delack_us;
	}
	output(k, now, false);
	if (dead(k))
		return;
	if (k->ack_now)
		pc_send_ack(k, now);
	if (k->fin_rcvd && k->shut && k->snd_una == k->shut_at + 1)
		conn_end(k, UMB_PEER_END_CLEAN, now);
}

/* ---- API ---- */

const char *
umb_peer_end_name(enum umb_peer_end e)
{
	switch (e) {
	case UMB_PEER_END_CLEAN:
		return "clean";
	case UMB_PEER_END_SHADOW_RST:
		return "shadow_rst";
	case UMB_PEER_END_ABORT:
		return "abort";
	case UMB_PEER_END_IDLE:
		return "idle";
	case UMB_PEER_END_RETRIES:
		return "retries";
	}
	return "unknown";
}

void
umb_peer_ctx_free(struct umb_peer_ctx *c)
{
	if (c == NULL)
		return;
	if (c->conns != NULL) {
		for (uint32_t i = 0; i < c->nb_conns; i++) {
			struct umb_peer_conn *k = &c->conns[i];

			if (k->state == ST_FREE)
				continue;
			pc_buf_free_all(k);
			umb_tcp_stream_release(c->p.tcp, &k->rstream);
		}
	}
	rte_mempool_free(c->buf_pool);
	rte_mempool_free(c->ref_pool);
	rte_free(c->conns);
	rte_free(c->free_conns);
	rte_free(c->port_conn);
	rte_free(c->port_fifo);
	rte_free(c->scratch);
	rte_free(c);
}

struct umb_peer_ctx *
umb_peer_ctx_create(const struct umb_peer_ctx_params *p)
{
	struct umb_peer_ctx *c;
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t first, nb_ports, room;
	int sock;

	if (p == NULL || p->name == NULL || p->ctr == NULL || p->tx == NULL ||
			p->tx_pool == NULL || p->tcp == NULL ||
			p->tcp->ctr == NULL || p->nb_ctx == 0 ||
			p->ctx_index >= p->nb_ctx ||
			p->sport_min > p->sport_max || p->max_conns == 0 ||
			p->buf_mbufs == 0 || p->held_bytes == 0 ||
			p->vlan > UMB_PEER_MAX_VLAN ||
			(!p->has_src4 && !p->has_src6) ||
			p->new_per_sec < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* The first port of the class (never port 0). */
	first = p->sport_min + (p->ctx_index + p->nb_ctx -
		p->sport_min % p->nb_ctx) % p->nb_ctx;
	if (first == 0)
		first += p->nb_ctx;
	if (first > p->sport_max) {
		rte_errno = ENOSPC;
		return NULL;
	}
	nb_ports = (p->sport_max - first) / p->nb_ctx + 1;
	sock = p->socket_id;

	c = rte_zmalloc_socket("umb_peer_ctx", sizeof(*c), 0, sock);
	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->p = *p;
	if (c->p.mtu == 0)
		c->p.mtu = UMB_PEER_DEFAULT_MTU;
	if (c->p.max_retries == 0)
		c->p.max_retries = DEF_MAX_RETRIES;
	if (c->p.rto_min_us == 0)
		c->p.rto_min_us = DEF_RTO_MIN_US;
	if (c->p.rto_init_us == 0)
		c->p.rto_init_us = DEF_RTO_INIT_US;
	if (c->p.delack_us == 0)
		c->p.delack_us = DEF_DELACK_US;
	if (c->p.buf_data_room == 0)
		c->p.buf_data_room = DEF_BUF_ROOM;
	if (c->p.burst == 0)
		c->p.burst = 1;
	c->isn_key[0] = rte_rand();
	c->isn_key[1] = rte_rand();
	c->first_port = (uint16_t)first;
	c->nb_ports = nb_ports;
	c->nb_conns = RTE_MIN(p->max_conns, nb_ports);
	c->open_head = NIL;
	c->cursor = NIL;
	c->tokens = c->p.burst;
	c->scratch_len = c->p.mtu;

	c->conns = rte_zmalloc_socket("umb_peer_conns",
		sizeof(*c->conns) * c->nb_conns, 0, sock);
	c->free_conns = rte_zmalloc_socket("umb_peer_free",
		sizeof(uint32_t) * c->nb_conns, 0, sock);
	c->port_conn = rte_zmalloc_socket("umb_peer_ports",
		sizeof(uint32_t) * nb_ports, 0, sock);
	c->port_fifo = rte_zmalloc_socket("umb_peer_fifo",
		sizeof(uint16_t) * nb_ports, 0, sock);
	c->scratch = rte_zmalloc_socket("umb_peer_scratch", c->scratch_len,
		0, sock);
	if (c->conns == NULL || c->free_conns == NULL ||
			c->port_conn == NULL || c->port_fifo == NULL ||
			c->scratch == NULL) {
		umb_peer_ctx_free(c);
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Slots popped from the top: slot 0 first. */
	for (uint32_t i = 0; i < c->nb_conns; i++) {
		c->free_conns[i] = c->nb_conns - 1 - i;
		c->conns[i].idx = i;
		c->conns[i].ctx = c;
		c->conns[i].next = c->conns[i].prev = NIL;
	}
	c->nb_free = c->nb_conns;
	for (uint32_t i = 0; i < nb_ports; i++) {
		c->port_conn[i] = NIL;
		c->port_fifo[i] = (uint16_t)i;
	}
	c->fifo_count = nb_ports;
	/* Start at a random port: an umbra restarted after kill -9 does not
	 * reuse the ports whose connections the shadow may still hold. */
	c->fifo_head = (uint32_t)(rte_rand() % nb_ports);

	room = c->p.buf_data_room;
	snprintf(name, sizeof(name), "pb_%s", p->name);
	c->buf_pool = rte_pktmbuf_pool_create(name, p->buf_mbufs,
		p->buf_mbufs >= 1024 ? 64 : 0, 0, (uint16_t)room, sock);
	if (c->buf_pool == NULL)
		goto fail;
	if (p->ref_mbufs > 0) {
		/* No data room: an indirect mbuf only points at another's. */
		snprintf(name, sizeof(name), "pr_%s", p->name);
		c->ref_pool = rte_pktmbuf_pool_create(name, p->ref_mbufs,
			p->ref_mbufs >= 1024 ? 64 : 0, 0, 0, sock);
		if (c->ref_pool == NULL)
			goto fail;
	}
	return c;
fail:
	{
		int e = rte_errno;

		umb_peer_ctx_free(c);
		rte_errno = e != 0 ? e : ENOMEM;
	}
	return NULL;
}

void
umb_peer_set_next_hop(struct umb_peer_ctx *c, const struct rte_ether_addr *mac)
{
	if (c == NULL)
		return;
	if (mac == NULL) {
		c->has_next_hop = 0;
		return;
	}
	c->next_hop = *mac;
	c->has_next_hop = 1;
}

uint32_t
umb_peer_ctx_conns(const struct umb_peer_ctx *c)
{
	return c != NULL ? c->nb_open : 0;
}

/*
 * RFC 6528: ISN = M + F(local address and port, remote address and port,
 * secret), M a 4 us clock. F is a keyed CRC32-C (the secret is two random
 * words per context): cheap, and unguessable enough for a lab peer that
 * only ever talks to the shadow.
 */
static uint32_t
own_isn(const struct umb_peer_ctx *c, const struct umb_peer_conn *k,
		uint64_t now)
{
	const union umb_addr *src = k->af == 4 ? &c->p.src4 : &c->p.src6;
	uint32_t w[8];  /* the addresses as aligned words */
	unsigned int n = k->af == 4 ? 1 : 4;
	uint32_t h = (uint32_t)c->isn_key[0];

	memcpy(w, src->b, 4 * n);
	memcpy(w + n, k->dst.b, 4 * n);
	for (unsigned int i = 0; i < 2 * n; i++)
		h = rte_hash_crc_4byte(w[i], h);
	h = rte_hash_crc_4byte(((uint32_t)k->sport << 16) | k->dport, h);
	h = rte_hash_crc_8byte(c->isn_key[1], h);
	return (uint32_t)(now / 4) + h;
}

void
umb_peer_syn_defaults(const struct umb_peer_ctx *c, uint8_t af,
		struct umb_peer_syn *s)
{
	uint32_t hdr = (af == 6 ? 40 : 20) + 20;
	uint32_t mtu = c != NULL ? c->p.mtu : UMB_PEER_DEFAULT_MTU;

	memset(s, 0, sizeof(*s));
	s->mss = (uint16_t)(mtu > hdr ? mtu - hdr : MSS_MIN);
	s->wscale = 7;
	s->has_ts = 1;
	s->own_isn = 1;
}

/* Token bucket: one token per open. */
static bool
take_token(struct umb_peer_ctx *c, uint64_t now)
{
	if (c->p.new_per_sec <= 0)
		return true;
	if (now > c->tb_last) {
		c->tokens += (double)(now - c->tb_last) * c->p.new_per_sec /
			1e6;
		if (c->tokens > c->p.burst)
			c->tokens = c->p.burst;
	}
	if (now > c->tb_last)
		c->tb_last = now;
	if (c->tokens < 1.0)
		return false;
	c->tokens -= 1.0;
	return true;
}

int
umb_peer_open(struct umb_peer_ctx *c, void *owner, uint8_t af,
		const union umb_addr *orig_dst, uint16_t orig_dport,
		const struct umb_peer_syn *syn, uint64_t now_us,
		struct umb_peer_conn **conn)
{
	struct umb_peer_conn *k;
	const union umb_addr *dst;
	uint16_t dport;
	uint32_t pi;

	if (conn != NULL)
		*conn = NULL;
	if (c == NULL || syn == NULL || conn == NULL || (af != 4 && af != 6))
		return -EINVAL;
	if ((af == 4 && !c->p.has_src4) || (af == 6 && !c->p.has_src6)) {
		CTR_INC(c, refused_family);
		return -EAFNOSUPPORT;
	}
	dst = af == 4 ? (c->p.has_target4 ? &c->p.target4 : orig_dst) :
		(c->p.has_target6 ? &c->p.target6 : orig_dst);
	dport = c->p.target_port != 0 ? c->p.target_port : orig_dport;
	if (dst == NULL || dport == 0)
		return -EINVAL;
	if (c->nb_free == 0 || c->fifo_count == 0) {
		CTR_INC(c, refused_no_port);
		return -ENOSPC;
	}
	if (!take_token(c, now_us)) {
		CTR_INC(c, refused_rate);
		return -EBUSY;
	}
	k = &c->conns[c->free_conns[--c->nb_free]];
	pi = c->port_fifo[c->fifo_head];
	c->fifo_head = (c->fifo_head + 1) % c->nb_ports;
	c->fifo_count--;

	{
		uint32_t idx = k->idx;

		memset(k, 0, sizeof(*k));
		k->idx = idx;
	}
	k->ctx = c;
	k->owner = owner;
	k->port_idx = pi;
	c->port_conn[pi] = k->idx;
	k->sport = port_of(c, pi);
	k->dport = dport;
	k->af = af;
	memset(&k->dst, 0, sizeof(k->dst));
	memcpy(k->dst.b, dst->b, af == 4 ? 4 : 16);
	umb_tcp_stream_init(&k->rstream, UMB_PEER_TCP_DIR);
	k->isn = syn->own_isn ? own_isn(c, k, now_us) : syn->isn;
	k->adv_mss = umb_peer_mss_clamp(syn->mss, c->p.mtu, af);
	k->syn_wscale = syn->wscale == UMB_PEER_NO_WSCALE ? UMB_PEER_NO_WSCALE :
		(uint8_t)RTE_MIN(syn->wscale, UMB_PEER_MAX_WSCALE);
	k->syn_ts = syn->has_ts != 0;
	k->mss = (uint16_t)RTE_MAX(MSS_MIN, (int)k->adv_mss);
	k->rcv_mss = k->mss;
	k->cwnd = INIT_CWND_SEGS * k->mss;
	k->ssthresh = CWND_MAX;
	k->rto = rto_base(k);
	k->state = ST_SYN_SENT;
	k->syn_t0 = now_us;
	k->last_active = now_us;
	k->next = k->prev = NIL;
	list_add(c, k);
	c->nb_open++;
	CTR_INC(c, opened);
	pc_send_syn(k, now_us);
	k->rto_at = now_us + k->rto;
	*conn = k;
	return 0;
}

/* May @p len more bytes be written? 0 yes, 1 nothing to do, or -errno. */
static int
write_check(struct umb_peer_conn *k, const void *p, uint32_t len)
{
	uint64_t held;

	if (k == NULL || (p == NULL && len > 0))
		return -EINVAL;
	if (dead(k) || k->shut)
		return -EPIPE;
	if (len == 0)
		return 1;
	held = k->written - RTE_MIN(k->snd_una, k->written);
	if (held + len > k->ctx->p.held_bytes) {
		CTR_INC(k->ctx, held_over_cap);
		return -ENOBUFS;
	}
	return 0;
}

/* Link the mbufs head..tail (bytes written..written+len) to the chain. */
static void
buf_link(struct umb_peer_conn *k, struct rte_mbuf *head, struct rte_mbuf *tail)
{
	if (k->buf_tail != NULL) {
		k->buf_tail->next = head;
	} else {
		/* Empty chain: every byte before written is gone. */
		k->buf_head = head;
		k->buf_off = k->written;
	}
	k->buf_tail = tail;
}

static int write_copy(struct umb_peer_conn *k, const uint8_t *src,
		uint32_t len);

int
umb_peer_write_ref(struct umb_peer_conn *k, struct rte_mbuf *m,
		const void *p, uint32_t len, uint64_t now_us)
{
	const uint8_t *b = p;
	struct rte_mbuf *mi;
	int rc = write_check(k, p, len);

	(void)now_us;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (k->ctx->ref_pool == NULL || m == NULL || len > UINT16_MAX ||
			b < rte_pktmbuf_mtod(m, const uint8_t *) ||
			b + len > rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len)
		return write_copy(k, b, len);
	mi = rte_pktmbuf_alloc(k->ctx->ref_pool);
	if (mi == NULL) {
		CTR_INC(k->ctx, ref_pool_empty);
		return write_copy(k, b, len);
	}
	rte_pktmbuf_attach(mi, m);
	mi->data_off = (uint16_t)(b - (const uint8_t *)mi->buf_addr);
	mi->data_len = (uint16_t)len;
	mi->pkt_len = len;
	buf_link(k, mi, mi);
	k->written += len;
	CTR_ADD(k->ctx, held_ref_bytes, len);
	return 0;
}

int
umb_peer_write(struct umb_peer_conn *k, const void *p, uint32_t len,
		uint64_t now_us)
{
	int rc = write_check(k, p, len);

	(void)now_us;
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return write_copy(k, p, len);
}

/* Append @p len (> 0, checked) bytes as copies: all or nothing. */
static int
write_copy(struct umb_peer_conn *k, const uint8_t *src, uint32_t len)
{
	struct umb_peer_ctx *c = k->ctx;
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t tail_room = 0, left;

	/* Never into a reference: its room is the received frame's. */
	if (k->buf_tail != NULL && RTE_MBUF_DIRECT(k->buf_tail))
		tail_room = rte_pktmbuf_tailroom(k->buf_tail);
	/* Take every new mbuf first: all or nothing. */
	if (len > tail_room) {
		left = len - tail_room;
		while (left > 0) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(c->buf_pool);
			uint32_t n;

			if (m == NULL) {
				while (head != NULL) {
					struct rte_mbuf *x = head->next;

					head->next = NULL;
					rte_pktmbuf_free_seg(head);
					head = x;
				}
				CTR_INC(c, buf_pool_empty);
				return -ENOBUFS;
			}
			m->data_off = 0;
			n = RTE_MIN(left, (uint32_t)m->buf_len);
			if (head == NULL)
				head = m;
			else
				tail->next = m;
			tail = m;
			left -= n;
		}
	}
	left = len;
	if (tail_room > 0) {
		uint32_t n = RTE_MIN(tail_room, left);

		pc_mbuf_put(k->buf_tail, src, n);
		src += n;
		left -= n;
	}
	for (struct rte_mbuf *m = head; m != NULL; m = m->next) {
		uint32_t n = RTE_MIN(left, (uint32_t)m->buf_len);

		pc_mbuf_put(m, src, n);
		src += n;
		left -= n;
	}
	if (head != NULL)
		buf_link(k, head, tail);
	k->written += len;
	CTR_ADD(c, held_copy_bytes, len);
	return 0;
}

struct rte_mbuf *
umb_peer_keep(struct umb_peer_ctx *c, struct rte_mbuf *m, const void *p,
		uint32_t len)
{
	const uint8_t *b = p;
	struct rte_mbuf *head = NULL, *tail = NULL;

	if (c == NULL || p == NULL || len == 0)
		return NULL;
	if (c->ref_pool != NULL && m != NULL && len <= UINT16_MAX &&
			b >= rte_pktmbuf_mtod(m, const uint8_t *) &&
			b + len <= rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len) {
		struct rte_mbuf *mi = rte_pktmbuf_alloc(c->ref_pool);

		if (mi != NULL) {
			rte_pktmbuf_attach(mi, m);
			mi->data_off = (uint16_t)(b - (const uint8_t *)mi->buf_addr);
			mi->data_len = (uint16_t)len;
			mi->pkt_len = len;
			CTR_ADD(c, waiting_ref_bytes, len);
			return mi;
		}
		CTR_INC(c, ref_pool_empty);
	}
	for (uint32_t left = len; left > 0;) {
		struct rte_mbuf *x = rte_pktmbuf_alloc(c->buf_pool);
		uint32_t n;

		if (x == NULL) {
			while (head != NULL) {
				struct rte_mbuf *nx = head->next;

				head->next = NULL;
				rte_pktmbuf_free_seg(head);
				head = nx;
			}
			CTR_INC(c, waiting_refused);
			return NULL;
		}
		x->data_off = 0;
		n = RTE_MIN(left, (uint32_t)x->buf_len);
		pc_mbuf_put(x, b, n);
		b += n;
		left -= n;
		if (head == NULL)
			head = x;
		else
			tail->next = x;
		tail = x;
	}
	CTR_ADD(c, waiting_copy_bytes, len);
	return head;
}

uint32_t
umb_peer_ctx_held_max(const struct umb_peer_ctx *c)
{
	return c != NULL ? c->p.held_bytes : 0;
}

uint64_t
umb_peer_written(const struct umb_peer_conn *k)
{
	return k != NULL ? k->written : 0;
}

void
umb_peer_release(struct umb_peer_conn *k, uint64_t upto, uint64_t now_us)
{
	if (k == NULL || dead(k))
		return;
	upto = RTE_MIN(upto, k->written);
	if (upto <= k->released)
		return;
	k->released = upto;
	enter(k);
	output(k, now_us, false);
	leave(k);
}

void
umb_peer_shutdown(struct umb_peer_conn *k, uint64_t at, uint64_t now_us)
{
	uint64_t sent;

	if (k == NULL || dead(k) || k->shut)
		return;
	sent = RTE_MIN(k->snd_max, k->written);
	at = RTE_MIN(at, k->written);
	at = RTE_MAX(at, sent);
	pc_buf_trim_tail(k, at);
	k->written = at;
	k->released = at;
	k->shut_at = at;
	k->shut = 1;
	enter(k);
	output(k, now_us, false);
	leave(k);
}

void
umb_peer_abort(struct umb_peer_conn *k, uint64_t now_us)
{
	if (k == NULL || dead(k))
		return;
	enter(k);
	conn_reset(k, UMB_PEER_END_ABORT, now_us);
	leave(k);
}

int
umb_peer_input(struct umb_peer_ctx *c, const struct umb_pkt *pkt,
		const uint8_t *payload, uint64_t now_us)
{
	struct umb_peer_conn *k;

	if (c == NULL || pkt == NULL ||
			(payload == NULL && pkt->payload_len > 0))
		return -EINVAL;
	k = lookup(c, pkt);
	if (k == NULL) {
		CTR_INC(c, rx_no_conn);
		reply_rst(c, pkt);
		return -ENOENT;
	}
	enter(k);
	CTR_INC(c, rx_segments);
	k->last_active = now_us;
	if (k->state == ST_SYN_SENT) {
		if (pkt->payload_len > 0)
			CTR_ADD(c, rx_bytes, pkt->payload_len);
		input_syn_sent(k, pkt, payload, now_us);
	} else {
		input_established(k, pkt, payload, now_us);
	}
	leave(k);
	return 0;
}

void
umb_peer_timers(struct umb_peer_ctx *c, uint64_t now_us,
		unsigned int max_visit)
{
	if (c == NULL)
		return;
	/* Each open connection at most once per call. */
	max_visit = RTE_MIN(max_visit, c->nb_open);
	for (unsigned int i = 0; i < max_visit; i++) {
		struct umb_peer_conn *k;

		if (c->cursor == NIL)
			c->cursor = c->open_head;
		if (c->cursor == NIL)
			break;
		k = &c->conns[c->cursor];
		c->cursor = k->next;
		if (dead(k))
			continue;
		enter(k);
		conn_timers(k, now_us);
		leave(k);
	}
}

void *
umb_peer_owner(const struct umb_peer_conn *k)
{
	return k != NULL ? k->owner : NULL;
}

uint16_t
umb_peer_sport(const struct umb_peer_conn *k)
{
	return k != NULL ? k->sport : 0;
}

int
umb_peer_established(const struct umb_peer_conn *k)
{
	return k != NULL && k->state == ST_ESTABLISHED;
}

uint64_t
umb_peer_acked(const struct umb_peer_conn *k)
{
	if (k == NULL)
		return 0;
	return RTE_MIN(k->snd_una, k->written);
}
