/* SPDX-License-Identifier: BSD-3-Clause
 * Minimal in-process responder standing in for the shadow server in
 * benchmarks (see responder.h). Frames are parsed with lib/packet and built
 * with lib/peer, so the answers are framed and checksummed exactly like the
 * frames umbra itself sends.
 *
 * Sequence numbers: umbra's stream is tracked per slot (rcv_nxt and how
 * much of "\r\n\r\n" ends it), ours too (snd_nxt, whether our FIN went).
 * A slot that belongs to another connection, or whose numbers do not fit
 * the segment (more than a window apart), is (re)started from the segment
 * itself: umbra's stream at the segment's seq, ours at its ack. Our stream
 * is UMB_RESPONDER_HTTP repeated from ISN + 1, so any part of it can be
 * rebuilt from the sequence number alone.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "umb_packet.h"
#include "umb_peer.h"
#include "umb_tcp.h"
#include "responder.h"

UMB_CTR_GROUP_DEFINE(responder, UMB_RESPONDER_COUNTERS, UMB_RESPONDER_CTR_MAX);

#define CTR_INC(r, name) UMB_CTR_INC((r)->ctr, UMB_RESPONDER_##name)
#define CTR_ADD(r, name, n) UMB_CTR_ADD((r)->ctr, UMB_RESPONDER_##name, (n))

#define RESP_LEN ((uint32_t)(sizeof(UMB_RESPONDER_HTTP) - 1))
#define RESP_MAX_PAYLOAD (UMB_RESPONDER_PER_FRAME * RESP_LEN)
#define WIN 65535
#define WSCALE 7
#define MSS_V4 1460
#define MSS_V6 1440
/* Sequence numbers further apart than this are not the same stream. */
#define SEQ_SANE (1u << 30)
/* Headers read into a scratch buffer when the frame is chained. */
#define HDR_SCRATCH 256
#define SCAN_CHUNK 256
#define HASH_SEED 0x756d6272u  /* "umbr" */
#define ISN_SEED 0x73686477u   /* "shdw" */

/* The answer, repeated: one more copy than a frame carries, so a frame of
 * RESP_MAX_PAYLOAD bytes can start at any offset of the period. */
#define R_ UMB_RESPONDER_HTTP
static const char resp_stream[] = R_ R_ R_ R_ R_;
#undef R_
_Static_assert(sizeof(resp_stream) - 1 ==
		(UMB_RESPONDER_PER_FRAME + 1) * RESP_LEN, "resp_stream copies");
_Static_assert((UMB_RESPONDER_SLOTS & (UMB_RESPONDER_SLOTS - 1)) == 0,
		"slots: power of two");

/** What the responder remembers of one connection (16 bytes). */
struct slot {
	uint32_t tag;       /**< hash of the 4-tuple with bit 0 set; 0: free */
	uint32_t rcv_nxt;   /**< next byte of umbra's stream */
	uint32_t snd_nxt;   /**< next sequence number of ours (FIN counted) */
	uint16_t sport;     /**< umbra's port: a second check of the tag */
	uint8_t match;      /**< bytes of "\r\n\r\n" matched just before rcv_nxt */
	uint8_t fin_sent;   /**< our FIN went: it is at snd_nxt - 1 */
};

struct umb_responder {
	struct rte_mempool *pool;
	uint32_t tsval;     /**< TSval of the last frame built */
	uint8_t reply_http;
	uint64_t ctr[UMB_RESPONDER_CTR_MAX];
	struct slot slots[UMB_RESPONDER_SLOTS];
};

/* What one call works with. */
struct answer {
	struct umb_peer_l2l3 l;
	struct umb_peer_tcp t;   /* template: ports, window, timestamps */
	struct rte_mbuf **out;
	unsigned int max_out;
	unsigned int n;
};

struct umb_responder *
umb_responder_create(const struct umb_responder_params *p, int socket_id)
{
	struct umb_responder *r;

	if (p == NULL || p->pool == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc_socket("umb_responder", sizeof(*r), RTE_CACHE_LINE_SIZE,
			socket_id);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->pool = p->pool;
	r->reply_http = p->reply_http != 0;
	return r;
}

void
umb_responder_free(struct umb_responder *r)
{
	rte_free(r);
}

const uint64_t *
umb_responder_counters(const struct umb_responder *r)
{
	return r->ctr;
}

/* Hash of the 4-tuple as umbra sends it (its address and port first). */
static uint32_t
tuple_hash(const struct umb_pkt *pkt)
{
	uint32_t key[9];
	uint32_t nw = pkt->af == 4 ? 3 : 9;

	if (pkt->af == 4) {
		key[0] = pkt->src.w[0];
		key[1] = pkt->dst.w[0];
	} else {
		memcpy(key, pkt->src.b, 16);
		memcpy(key + 4, pkt->dst.b, 16);
	}
	key[nw - 1] = (uint32_t)pkt->sport << 16 | pkt->dport;
	return rte_jhash_32b(key, nw, HASH_SEED);
}

static uint32_t
isn_of(uint32_t hash)
{
	return rte_jhash_1word(hash, ISN_SEED);
}

/*
 * Count the ends of request heads ("\r\n\r\n") in @p len bytes, carrying
 * the partial match in *@p match from one call to the next: state k means
 * the last k bytes seen are the first k bytes of the pattern.
 */
static uint32_t
scan(const uint8_t *p, uint32_t len, uint8_t *match)
{
	const uint8_t *end = p + len;
	uint8_t st = *match;
	uint32_t n = 0;

	while (p < end) {
		uint8_t c;

		if (st == 0) {
			p = memchr(p, '\r', (size_t)(end - p));
			if (p == NULL)
				break;
		}
		c = *p++;
		if (c == '\r')
			st = st == 2 ? 3 : 1;
		else if (c == '\n' && st == 1)
			st = 2;
		else if (c == '\n' && st == 3) {
			n++;
			st = 0;
		} else
			st = 0;
	}
	*match = st;
	return n;
}

/* scan() over bytes off..off+len of a frame that may be chained. */
static uint32_t
count_heads(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		uint8_t *match)
{
	uint8_t buf[SCAN_CHUNK];
	uint32_t n = 0;

	if (off + len <= rte_pktmbuf_data_len(m))
		return scan(rte_pktmbuf_mtod_offset(m, const uint8_t *, off),
				len, match);
	while (len > 0) {
		uint32_t k = RTE_MIN(len, (uint32_t)sizeof(buf));
		const uint8_t *p = rte_pktmbuf_read(m, off, k, buf);

		if (p == NULL)
			break;
		n += scan(p, k, match);
		off += k;
		len -= k;
	}
	return n;
}

/*
 * Build one frame from the template with these numbers and payload.
 * Returns 1 when built, 0 when not (counted).
 */
static int
emit(struct umb_responder *r, struct answer *a, uint8_t flags, uint32_t seq,
		uint32_t ack, const void *payload, uint32_t len)
{
	struct umb_peer_tcp t = a->t;
	struct rte_mbuf *m;

	if (a->n >= a->max_out)
		return 0;
	t.flags = flags;
	t.seq = seq;
	t.ack = ack;
	t.payload = payload;
	t.len = len;
	if (t.has_ts)
		t.tsval = ++r->tsval;
	m = umb_peer_build(r->pool, &a->l, &t);
	if (m == NULL) {
		if (rte_errno == ENOBUFS)
			CTR_INC(r, no_mbuf);
		else
			CTR_INC(r, build_error);
		return 0;
	}
	a->out[a->n++] = m;
	CTR_INC(r, frames_built);
	return 1;
}

static unsigned int
answer_syn(struct umb_responder *r, struct answer *a, const struct umb_pkt *pkt,
		struct slot *s, uint32_t tag)
{
	uint32_t isn = isn_of(tag);

	if (s->tag != 0 && (s->tag != tag || s->sport != pkt->sport))
		CTR_INC(r, slot_taken);
	s->tag = tag;
	s->sport = pkt->sport;
	s->rcv_nxt = pkt->seq + 1;
	s->snd_nxt = isn + 1;
	s->match = 0;
	s->fin_sent = 0;
	CTR_INC(r, syn);
	a->t.mss = pkt->af == 4 ? MSS_V4 : MSS_V6;
	if (pkt->opt_flags & UMB_OPT_WSCALE)
		a->t.wscale = WSCALE;
	emit(r, a, UMB_TCP_SYN | UMB_TCP_ACK, isn, pkt->seq + 1, NULL, 0);
	return a->n;
}

/* A segment with payload and/or FIN (ACK set, no SYN, no RST). */
static unsigned int
answer_data(struct umb_responder *r, struct answer *a,
		const struct rte_mbuf *sent, const struct umb_pkt *pkt,
		struct slot *s, uint32_t tag)
{
	uint32_t len = pkt->payload_len;
	uint32_t end = pkt->seq + len;
	uint32_t una = pkt->ack;
	uint32_t new_off, heads = 0, data_end, ack;
	int fin = (pkt->tcp_flags & UMB_TCP_FIN) != 0;
	unsigned int reserve = fin ? 1 : 0;
	int old;

	if (len > 0)
		CTR_INC(r, data);
	else
		CTR_INC(r, fin);
	if (s->tag != tag || s->sport != pkt->sport) {
		if (s->tag != 0)
			CTR_INC(r, slot_taken);
		s->tag = tag;
		s->sport = pkt->sport;
		s->rcv_nxt = pkt->seq;
		s->snd_nxt = una;
		s->match = 0;
		s->fin_sent = 0;
	}
	/* Umbra's stream: which bytes are new. */
	if (umb_seq_lt(s->rcv_nxt, pkt->seq) ||
			s->rcv_nxt - pkt->seq > SEQ_SANE) {
		s->rcv_nxt = pkt->seq;   /* a hole, or another stream: resync */
		s->match = 0;
	}
	new_off = RTE_MIN(s->rcv_nxt - pkt->seq, len);
	old = (len > 0 && new_off == len) ||
		(len == 0 && fin && s->rcv_nxt == end + 1);
	if (new_off < len) {
		if (r->reply_http && !s->fin_sent)
			heads = count_heads(sent, pkt->payload_off + new_off,
					len - new_off, &s->match);
		s->rcv_nxt = end;
	}
	if (fin && s->rcv_nxt == end)
		s->rcv_nxt = end + 1;
	ack = s->rcv_nxt;
	if (old && len > 0)
		CTR_INC(r, old_data);

	/* Our stream: umbra has acknowledged up to una. */
	if (umb_seq_lt(s->snd_nxt, una) || s->snd_nxt - una > SEQ_SANE) {
		s->snd_nxt = una;
		s->fin_sent = 0;
	}
	data_end = s->snd_nxt - s->fin_sent;

	/* Umbra re-sent what we had: rebuild what it lacks of ours. */
	if (old && umb_seq_lt(una, data_end) && a->n + reserve < a->max_out) {
		uint32_t off = (una - (isn_of(tag) + 1)) % RESP_LEN;
		uint32_t k = RTE_MIN(data_end - una, RESP_MAX_PAYLOAD);
		uint8_t fl = UMB_TCP_ACK | UMB_TCP_PSH;

		if (una + k == data_end && s->fin_sent && !fin)
			fl |= UMB_TCP_FIN;
		if (emit(r, a, fl, una, ack, resp_stream + off, k))
			CTR_INC(r, retransmits);
	}

	/* New answers, at most UMB_RESPONDER_PER_FRAME per frame. */
	while (heads > 0 && a->n + reserve < a->max_out) {
		uint32_t k = RTE_MIN(heads, (uint32_t)UMB_RESPONDER_PER_FRAME);

		/* Sent even when the pool is empty: the retransmission above
		 * recovers it when umbra re-sends for want of our ACK. */
		emit(r, a, UMB_TCP_ACK | UMB_TCP_PSH, data_end, ack,
				resp_stream, k * RESP_LEN);
		data_end += k * RESP_LEN;
		heads -= k;
		CTR_ADD(r, responses, k);
	}
	if (heads > 0)
		CTR_ADD(r, responses_dropped, heads);
	s->snd_nxt = data_end + s->fin_sent;

	if (fin) {
		if (a->n < a->max_out) {
			emit(r, a, UMB_TCP_FIN | UMB_TCP_ACK, data_end, ack,
					NULL, 0);
			s->fin_sent = 1;
			s->snd_nxt = data_end + 1;
		} else {
			CTR_INC(r, fin_dropped);
		}
	} else if (a->n == 0) {
		emit(r, a, UMB_TCP_ACK, s->snd_nxt, ack, NULL, 0);
	}
	return a->n;
}

unsigned int
umb_responder_answer(struct umb_responder *r, const struct rte_mbuf *sent,
		struct rte_mbuf **out, unsigned int max_out)
{
	uint8_t scratch[HDR_SCRATCH];
	struct answer a;
	struct umb_pkt pkt;
	const uint8_t *f;
	uint32_t frame_len, avail, tag;
	struct slot *s;
	uint8_t fl;

	if (r == NULL || sent == NULL || out == NULL)
		return 0;
	frame_len = rte_pktmbuf_pkt_len(sent);
	avail = RTE_MIN(frame_len, (uint32_t)sizeof(scratch));
	f = rte_pktmbuf_read(sent, 0, avail, scratch);
	if (f == NULL || umb_decode(f, avail, frame_len, UMB_LINK_ETHER, &pkt,
			NULL) != UMB_DECODE_tcp) {
		CTR_INC(r, not_tcp);
		return 0;
	}
	fl = pkt.tcp_flags;
	if (fl & UMB_TCP_RST) {
		CTR_INC(r, rst);
		return 0;
	}
	if (pkt.nb_vlan > 1) {
		CTR_INC(r, unsupported);
		return 0;
	}
	if ((fl & UMB_TCP_SYN) ? (fl & UMB_TCP_ACK) != 0 :
			(fl & UMB_TCP_ACK) == 0) {
		CTR_INC(r, other_tcp);
		return 0;
	}
	if (!(fl & (UMB_TCP_SYN | UMB_TCP_FIN)) && pkt.payload_len == 0) {
		CTR_INC(r, pure_ack);
		return 0;
	}

	memset(&a, 0, sizeof(a));
	a.l.af = pkt.af;
	a.l.src = pkt.dst;
	a.l.dst = pkt.src;
	memcpy(a.l.src_mac.addr_bytes, f, RTE_ETHER_ADDR_LEN);
	memcpy(a.l.dst_mac.addr_bytes, f + RTE_ETHER_ADDR_LEN,
			RTE_ETHER_ADDR_LEN);
	a.l.vlan = pkt.nb_vlan > 0 ? pkt.vlan[0] : 0;
	a.t.sport = pkt.dport;
	a.t.dport = pkt.sport;
	a.t.win = WIN;
	a.t.wscale = UMB_PEER_NO_WSCALE;
	if (pkt.opt_flags & UMB_OPT_TS) {
		a.t.has_ts = 1;
		a.t.tsecr = pkt.tsval;
	}
	a.out = out;
	a.max_out = max_out;

	tag = tuple_hash(&pkt) | 1;
	s = &r->slots[tag >> 1 & (UMB_RESPONDER_SLOTS - 1)];
	if (fl & UMB_TCP_SYN)
		return answer_syn(r, &a, &pkt, s, tag);
	return answer_data(r, &a, sent, &pkt, s, tag);
}
