/* SPDX-License-Identifier: BSD-3-Clause
 * The per-flow state machine of the reassembly role.
 *
 * A flow is created by a SYN, a SYN-ACK or (when pickup is on) the first
 * segment with payload; segments without payload never create one, so the
 * ACKs and FINs that trail a closed connection do not resurrect it. The
 * client is the SYN's sender, the SYN-ACK's receiver or, for a flow picked
 * up mid-stream, the side whose first bytes look like a request (then the
 * side whose first bytes look like a response, then the well-known or
 * lower port as server).
 *
 * A flow ends exactly once, through session_end(), whatever the cause:
 * both FINs delivered, RST, idle timeout, eviction, port reuse or flush.
 * Ending delivers what reassembly still holds (with gaps for holes) and
 * then ends the HTTP connection, which emits every record it still holds:
 * that is what makes the outcome counters add up to the requests seen.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "umb_session.h"

#define CLIENT_UNKNOWN 0xff
#define EVICT_SAMPLES 8

enum flow_state { FLOW_ACTIVE = 0, FLOW_CLOSED };

struct session {
	struct umb_tcp_stream stream[2];   /**< by endpoint index of the key */
	struct umb_http_conn http;
	struct umb_session_table *t;
	uint64_t closed_us;
	uint32_t client_isn;
	uint8_t state;
	uint8_t client;                    /**< endpoint index, CLIENT_UNKNOWN */
	uint8_t sampled;
	uint8_t http_started;
	uint8_t handshake_seen;            /**< SYN or SYN-ACK seen */
	uint8_t syn_seen;
	uint8_t fin_seen;                  /**< unsampled flows: bit per endpoint */
};

struct umb_session_table {
	struct umb_flow_table *flows;
	struct rte_mempool *chunks;
	struct rte_mempool *xpool;
	struct umb_session_ctrs *ctr;
	struct umb_tcp_ctx tcp;
	struct umb_http_ctx http;
	struct umb_tcp_sink sink;
	uint64_t now_us;
	uint64_t idle_timeout_us;
	uint64_t close_timeout_us;
	uint64_t seed;
	uint32_t share_ppm;
	int midstream;
};

static inline struct session *
flow_session(struct umb_flow *f)
{
	return (struct session *)f->data;
}

/* ------------------------------------------------------------------ */
/* Who is the client                                                   */

static int
looks_like_request(const uint8_t *p, uint32_t len)
{
	uint32_t i;

	/* A method token: 3..16 upper-case letters (or '-') then a space. */
	for (i = 0; i < len && i < 17; i++) {
		if (p[i] == ' ')
			return i >= 3;
		if (!((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-'))
			return 0;
	}
	return 0;
}

static int
looks_like_response(const uint8_t *p, uint32_t len)
{
	return len >= 5 && memcmp(p, "HTTP/", 5) == 0;
}

static int
well_known_server_port(uint16_t port)
{
	switch (port) {
	case 80: case 8080: case 8000: case 8008: case 8081: case 8888:
	case 3128: case 631: case 5000: case 9000:
		return 1;
	default:
		return 0;
	}
}

/* Pick the client from the first bytes a flow without handshake shows. */
static uint8_t
guess_client(const struct umb_flow_key *k, int sender, const uint8_t *p,
		uint32_t len)
{
	if (looks_like_request(p, len))
		return (uint8_t)sender;
	if (looks_like_response(p, len))
		return (uint8_t)!sender;
	if (well_known_server_port(k->port[0]) != well_known_server_port(k->port[1]))
		return well_known_server_port(k->port[0]) ? 1 : 0;
	return k->port[0] < k->port[1] ? 1 : 0;
}

static void
http_start(struct umb_session_table *t, struct umb_flow *f, struct session *s)
{
	uint8_t c = s->client, sv = !s->client;

	umb_http_conn_init(&s->http, &t->http, f->id, f->key.af,
			&f->key.addr[c], f->key.port[c],
			&f->key.addr[sv], f->key.port[sv], !s->handshake_seen);
	s->http_started = 1;
}

/* ------------------------------------------------------------------ */
/* Reassembly sink: endpoint index -> HTTP direction                   */

static void
sink_data(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts_us)
{
	struct umb_flow *f = arg;
	struct session *s = flow_session(f);

	if (s->client == CLIENT_UNKNOWN)
		s->client = guess_client(&f->key, dir, p, len);
	if (!s->http_started)
		http_start(s->t, f, s);
	umb_http_data(&s->http, dir == s->client ? UMB_HTTP_CLIENT : UMB_HTTP_SERVER,
			p, len, ts_us);
}

static void
sink_gap(void *arg, int dir, uint32_t len, uint64_t ts_us)
{
	struct umb_flow *f = arg;
	struct session *s = flow_session(f);

	/* A gap before any byte tells nothing about roles or messages. */
	if (!s->http_started)
		return;
	umb_http_gap(&s->http, dir == s->client ? UMB_HTTP_CLIENT : UMB_HTTP_SERVER,
			len, ts_us);
}

static void
sink_eof(void *arg, int dir, uint64_t ts_us)
{
	struct umb_flow *f = arg;
	struct session *s = flow_session(f);

	if (!s->http_started)
		return;
	umb_http_eof(&s->http, dir == s->client ? UMB_HTTP_CLIENT : UMB_HTTP_SERVER,
			ts_us);
}

/* ------------------------------------------------------------------ */
/* Flow life cycle                                                      */

/* Deliver what is left, emit every record, release memory. */
static void
session_finish(struct umb_session_table *t, struct umb_flow *f)
{
	struct session *s = flow_session(f);

	if (s->sampled) {
		umb_tcp_stream_end(&t->tcp, &s->stream[0], t->now_us, f);
		umb_tcp_stream_end(&t->tcp, &s->stream[1], t->now_us, f);
		/* stream_end freed every chunk already */
		if (s->http_started)
			umb_http_conn_end(&s->http, t->now_us);
	}
	if (s->state != FLOW_CLOSED) {
		s->state = FLOW_CLOSED;
		s->closed_us = t->now_us;
	}
}

static void
session_end(struct umb_session_table *t, struct umb_flow *f, int ctr)
{
	session_finish(t, f);
	UMB_CTR_INC(t->ctr->flow, ctr);
	umb_flow_remove(t->flows, f);
}

static struct umb_flow *
session_create(struct umb_session_table *t, const struct umb_flow_key *k,
		uint32_t hash)
{
	struct umb_flow *f = umb_flow_insert(t->flows, k, hash, t->now_us);
	struct session *s;

	if (f == NULL) {
		struct umb_flow *victim =
			umb_flow_table_evict_candidate(t->flows, EVICT_SAMPLES);

		if (victim == NULL) {
			UMB_CTR_INC(t->ctr->flow, UMB_FLOW_table_full);
			return NULL;
		}
		session_end(t, victim, UMB_FLOW_evicted);
		f = umb_flow_insert(t->flows, k, hash, t->now_us);
		if (f == NULL) {
			UMB_CTR_INC(t->ctr->flow, UMB_FLOW_table_full);
			return NULL;
		}
	}
	s = flow_session(f);
	s->t = t;
	s->client = CLIENT_UNKNOWN;
	umb_tcp_stream_init(&s->stream[0], 0);
	umb_tcp_stream_init(&s->stream[1], 1);
	s->sampled = umb_flow_sampled(umb_flow_sample_hash(k, t->seed), t->share_ppm);
	UMB_CTR_INC(t->ctr->flow, s->sampled ? UMB_FLOW_sampled : UMB_FLOW_not_sampled);
	UMB_CTR_INC(t->ctr->flow, UMB_FLOW_created);
	return f;
}

static int
both_closed(const struct session *s)
{
	return (s->stream[0].flags & UMB_TCP_S_CLOSED) &&
		(s->stream[1].flags & UMB_TCP_S_CLOSED);
}

void
umb_session_packet(struct umb_session_table *t, const struct umb_pkt *pkt,
		const uint8_t *payload)
{
	struct umb_flow_key k;
	int sender = umb_flow_key_make(&k, pkt);
	uint32_t hash = umb_flow_hash(&k);
	uint8_t fl = pkt->tcp_flags;
	int syn = (fl & (UMB_TCP_SYN | UMB_TCP_ACK)) == UMB_TCP_SYN;
	int synack = (fl & (UMB_TCP_SYN | UMB_TCP_ACK)) == (UMB_TCP_SYN | UMB_TCP_ACK);
	struct umb_flow *f;
	struct session *s;

	if (pkt->ts_us > t->now_us)
		t->now_us = pkt->ts_us;

	f = umb_flow_lookup(t->flows, &k, hash);
	if (f != NULL) {
		/* Past its timeout, a flow ends when touched, not only when the
		 * bounded expiry scan reaches it. */
		s = flow_session(f);
		if (s->state == FLOW_CLOSED &&
				t->now_us - s->closed_us >= t->close_timeout_us) {
			session_end(t, f, UMB_FLOW_ended_closed);
			f = NULL;
		} else if (s->state != FLOW_CLOSED &&
				t->now_us - f->last_us >= t->idle_timeout_us) {
			session_end(t, f, UMB_FLOW_ended_idle);
			f = NULL;
		}
	}
	if (f != NULL && syn) {
		s = flow_session(f);
		/* A new connection on the same 5-tuple: a SYN after close, or
		 * with another ISN (a retransmitted SYN keeps its ISN; a SYN
		 * reordered behind the SYN-ACK or data finds no ISN yet). */
		if (s->state == FLOW_CLOSED ||
				(s->syn_seen && s->client_isn != pkt->seq)) {
			session_end(t, f, UMB_FLOW_reused);
			f = NULL;
		}
	}
	if (f == NULL) {
		if (!syn && !synack) {
			if (pkt->payload_len == 0) {
				UMB_CTR_INC(t->ctr->flow, UMB_FLOW_ignored_no_payload);
				return;
			}
			if (!t->midstream) {
				UMB_CTR_INC(t->ctr->flow, UMB_FLOW_ignored_no_syn);
				return;
			}
		}
		f = session_create(t, &k, hash);
		if (f == NULL)
			return;
		if (!syn && !synack)
			UMB_CTR_INC(t->ctr->flow, UMB_FLOW_created_midstream);
	}
	s = flow_session(f);
	f->last_us = t->now_us;
	if (s->state == FLOW_CLOSED) {
		UMB_CTR_INC(t->ctr->flow, UMB_FLOW_after_close);
		return;
	}

	if (syn || synack) {
		s->handshake_seen = 1;
		if (s->client == CLIENT_UNKNOWN)
			s->client = syn ? (uint8_t)sender : (uint8_t)!sender;
		if (syn && !s->syn_seen) {
			s->syn_seen = 1;
			s->client_isn = pkt->seq;
		}
	}
	if (!s->sampled) {
		/* Not reassembled, but closed as soon as both sides said so, so
		 * that unsampled flows do not hold table entries until idle. */
		if (fl & UMB_TCP_FIN)
			s->fin_seen |= (uint8_t)(1u << sender);
		if ((fl & UMB_TCP_RST) || s->fin_seen == 3)
			session_finish(t, f);
		return;
	}

	/* Exchange timings use the packet's own time; expiry uses the
	 * table's clock (the latest time seen). */
	umb_tcp_segment(&t->tcp, &s->stream[sender], pkt->seq, fl, payload,
			pkt->payload_len, pkt->ts_us, f);
	if ((fl & UMB_TCP_ACK) && !(fl & UMB_TCP_RST))
		umb_tcp_ack(&t->tcp, &s->stream[!sender], pkt->ack, pkt->ts_us, f);
	if ((fl & UMB_TCP_RST) || both_closed(s))
		session_finish(t, f);
}

struct expire_arg {
	struct umb_session_table *t;
	uint64_t now_us;
	int flush;
};

static int
expire_cb(void *arg, struct umb_flow *f)
{
	struct expire_arg *a = arg;
	struct umb_session_table *t = a->t;
	struct session *s = flow_session(f);
	int ctr;

	if (s->state == FLOW_CLOSED) {
		if (!a->flush && a->now_us - s->closed_us < t->close_timeout_us)
			return 0;
		ctr = UMB_FLOW_ended_closed;
	} else if (a->flush) {
		ctr = UMB_FLOW_ended_flush;
	} else if (a->now_us - f->last_us >= t->idle_timeout_us) {
		ctr = UMB_FLOW_ended_idle;
	} else {
		return 0;
	}
	session_finish(t, f);
	UMB_CTR_INC(t->ctr->flow, ctr);
	return 1; /* the scan removes it */
}

void
umb_session_expire(struct umb_session_table *t, uint64_t now_us,
		unsigned int max_visit)
{
	struct expire_arg a = { t, now_us, 0 };

	if (now_us > t->now_us)
		t->now_us = now_us;
	if (umb_flow_table_count(t->flows) == 0)
		return;
	umb_flow_table_scan(t->flows, max_visit, expire_cb, &a);
}

void
umb_session_flush(struct umb_session_table *t, uint64_t now_us)
{
	struct expire_arg a = { t, now_us, 1 };

	if (now_us > t->now_us)
		t->now_us = now_us;
	a.now_us = t->now_us;
	umb_flow_table_scan(t->flows, umb_flow_table_capacity(t->flows),
			expire_cb, &a);
}

/* ------------------------------------------------------------------ */

struct umb_session_table *
umb_session_create(const struct umb_session_params *p,
		struct umb_session_ctrs *ctrs)
{
	struct umb_session_table *t;
	char name[64];
	int err;

	if (p == NULL || ctrs == NULL || p->emit == NULL || p->name == NULL ||
			p->records == 0 || p->reasm_chunks == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("umb_session", sizeof(*t), RTE_CACHE_LINE_SIZE,
			p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->ctr = ctrs;
	t->idle_timeout_us = p->idle_timeout_us;
	t->close_timeout_us = p->close_timeout_us;
	t->share_ppm = p->share_ppm;
	t->seed = p->seed;
	t->midstream = p->midstream;

	struct umb_flow_table_params fp = {
		.name = p->name,
		.max_flows = p->max_flows,
		.data_size = sizeof(struct session),
		.socket_id = p->socket_id,
	};
	t->flows = umb_flow_table_create(&fp);
	if (t->flows == NULL)
		goto fail;
	snprintf(name, sizeof(name), "%s_ooo", p->name);
	t->chunks = umb_tcp_chunk_pool_create(name, p->reasm_chunks, p->socket_id);
	if (t->chunks == NULL)
		goto fail;
	snprintf(name, sizeof(name), "%s_x", p->name);
	t->xpool = umb_http_xpool_create(name, p->records, p->socket_id);
	if (t->xpool == NULL)
		goto fail;

	t->sink.data = sink_data;
	t->sink.gap = sink_gap;
	t->sink.eof = sink_eof;
	t->tcp.chunk_pool = t->chunks;
	t->tcp.stream_cap = p->stream_cap;
	t->tcp.sink = &t->sink;
	t->tcp.ctr = ctrs->tcp;
	t->http.xpool = t->xpool;
	t->http.emit = p->emit;
	t->http.emit_arg = p->emit_arg;
	t->http.ctr = ctrs->http;
	t->http.outcome_ctr = ctrs->outcome;
	return t;
fail:
	err = rte_errno;
	umb_session_free(t);
	rte_errno = err;
	return NULL;
}

void
umb_session_free(struct umb_session_table *t)
{
	if (t == NULL)
		return;
	umb_flow_table_free(t->flows);
	rte_mempool_free(t->chunks);
	rte_mempool_free(t->xpool);
	rte_free(t);
}

void
umb_session_set_share(struct umb_session_table *t, uint32_t share_ppm)
{
	t->share_ppm = share_ppm > UMB_SHARE_ONE ? UMB_SHARE_ONE : share_ppm;
}

uint64_t
umb_session_now(const struct umb_session_table *t)
{
	return t->now_us;
}

uint32_t
umb_session_flows(const struct umb_session_table *t)
{
	return umb_flow_table_count(t->flows);
}

struct rte_mempool *
umb_session_xpool(const struct umb_session_table *t)
{
	return t->xpool;
}
