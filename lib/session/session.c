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
#include <sys/queue.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "session_private.h"

#define EVICT_SAMPLES 8

/* ------------------------------------------------------------------ */
/* Which flows can have an entry (the keep threshold)                  */

static inline uint32_t
keep_bucket(uint32_t v)
{
	return (uint32_t)(((uint64_t)v * KEEP_BUCKETS) / UMB_SHARE_ONE);
}

/* Recompute keep_ppm: the share, or the end of the highest bucket in use. */
static void
keep_update(struct umb_session_table *t)
{
	uint32_t hi = 0;

	if (t->record_unsampled) {
		t->keep_ppm = UMB_SHARE_ONE;
		return;
	}
	while (t->keep_top > 0 && t->live[t->keep_top] == 0)
		t->keep_top--;
	if (t->live[t->keep_top] != 0)
		hi = (uint32_t)(((uint64_t)(t->keep_top + 1) * UMB_SHARE_ONE +
				KEEP_BUCKETS - 1) / KEEP_BUCKETS);
	t->keep_ppm = RTE_MAX(t->share_ppm, RTE_MIN(hi, UMB_SHARE_ONE));
}

static void
keep_add(struct umb_session_table *t, const struct session *s)
{
	uint32_t b = keep_bucket(s->sample_ppm);

	if (!s->sampled)
		return;
	t->live[b]++;
	if (b > t->keep_top)
		t->keep_top = b;
}

/* A flow leaves the table. */
static void
keep_remove(struct umb_session_table *t, const struct session *s)
{
	uint32_t b = keep_bucket(s->sample_ppm);

	if (!s->sampled)
		return;
	if (--t->live[b] == 0 && b == t->keep_top)
		keep_update(t);
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
	if (!s->sampled)  /* record_unsampled */
		umb_http_mirror_refuse(&s->http, UMB_OUTCOME_not_sampled, 0);
}

/* ------------------------------------------------------------------ */
/* Reassembly sink: endpoint index -> HTTP direction                   */


static inline int
http_dir(const struct session *s, int dir)
{
	if (dir == UMB_PEER_TCP_DIR)
		return UMB_HTTP_SHADOW;
	return dir == s->client ? UMB_HTTP_CLIENT : UMB_HTTP_SERVER;
}

static void
sink_data(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts_us)
{
	struct umb_flow *f = arg;
	struct session *s = flow_session(f);
	int hd;

	if (s->client == CLIENT_UNKNOWN)
		s->client = guess_client(&f->key, dir, p, len);
	if (!s->http_started)
		http_start(s->t, f, s);
	hd = http_dir(s, dir);
	if (hd == UMB_HTTP_CLIENT) {
		uint64_t off = s->coff;

		s->coff += len;
		/* Mirroring (re)starts before the bytes are parsed, so the
		 * first request that begins in them is tracked. */
		sm_attach(s, ts_us);
		/* The share no longer picks the flow: requests in flight
		 * finish, none that starts from here goes. */
		if (s->mst != NULL && !picked(s))
			umb_http_mirror_stop_new(&s->http,
					UMB_OUTCOME_not_mirrored,
					UMB_MREASON_share_lowered);
		umb_http_data(&s->http, hd, p, len, ts_us);
		if (s->mst != NULL)
			sm_client_data(s, p, len, off, ts_us);
		return;
	}
	umb_http_data(&s->http, hd, p, len, ts_us);
	if (hd == UMB_HTTP_SHADOW && s->peer != NULL)
		sm_mark_dirty(s); /* an answer began or failed: act after the peer call */
}

static void
sink_gap(void *arg, int dir, uint32_t len, uint64_t ts_us)
{
	struct umb_flow *f = arg;
	struct session *s = flow_session(f);
	int hd;

	/* A gap before any byte tells nothing about roles or messages. */
	if (!s->http_started)
		return;
	hd = http_dir(s, dir);
	/* Bytes the capture never saw cannot be forwarded to the shadow:
	 * this shadow connection ends, a later request opens a new one. */
	if (hd == UMB_HTTP_CLIENT) {
		s->coff += len;
		if (s->peer != NULL)
			sm_abort(s, UMB_OUTCOME_gap, UMB_MIRROR_client_gap,
					ts_us);
		else if (s->mst != NULL)
			sm_detach(s, UMB_OUTCOME_gap, 0, ts_us);
	}
	umb_http_gap(&s->http, hd, len, ts_us);
	if (hd == UMB_HTTP_SHADOW && s->peer != NULL)
		sm_mark_dirty(s);
}

static void
sink_eof(void *arg, int dir, uint64_t ts_us)
{
	struct umb_flow *f = arg;
	struct session *s = flow_session(f);
	int hd;

	if (!s->http_started)
		return;
	hd = http_dir(s, dir);
	umb_http_eof(&s->http, hd, ts_us);
	if (hd == UMB_HTTP_CLIENT && s->peer == NULL && s->mst != NULL)
		sm_detach(s, UMB_OUTCOME_incomplete, 0, ts_us);
	if (s->peer == NULL)
		return;
	if (hd == UMB_HTTP_CLIENT) {
		s->client_eof = 1;
		sm_push(s, ts_us);
	} else if (hd == UMB_HTTP_SHADOW) {
		s->shadow_eof = 1;
		sm_mark_dirty(s);
	}
}

/* ------------------------------------------------------------------ */
/* Flow life cycle                                                      */

/* How the production side of a flow ended, for its shadow session. */
enum finish_cause {
	FINISH_CLOSED = 0, /* FINs: the shadow session closes on its own */
	FINISH_RESET,      /* RST on production: RST the shadow too */
	FINISH_DROP,       /* idle, evicted, reused, flushed: RST the shadow */
};

/* Deliver what is left, emit every record, release memory. */
static void
session_finish(struct umb_session_table *t, struct umb_flow *f,
		enum finish_cause cause)
{
	struct session *s = flow_session(f);

	if (s->peer != NULL && cause == FINISH_RESET)
		sm_abort(s, UMB_OUTCOME_shadow_reset, UMB_MIRROR_client_rst,
				t->now_us);
	else if (s->peer != NULL && cause == FINISH_DROP)
		sm_abort(s, UMB_OUTCOME_incomplete, UMB_MIRROR_flushed,
				t->now_us);
	/* Mirroring state without a connection goes with the flow. */
	if (s->peer == NULL && s->mst != NULL && cause != FINISH_CLOSED)
		sm_detach(s, UMB_OUTCOME_incomplete, 0, t->now_us);
	umb_tcp_stream_end(&t->tcp, &s->stream[0], t->now_us, f);
	umb_tcp_stream_end(&t->tcp, &s->stream[1], t->now_us, f);
	/* stream_end freed every chunk already */
	if (s->http_started)
		umb_http_conn_end(&s->http, t->now_us);
	/* The client's last bytes may have been released just now. */
	if (s->peer != NULL)
		sm_push(s, t->now_us);
	else if (s->mst != NULL)
		sm_detach(s, UMB_OUTCOME_incomplete, 0, t->now_us);
	if (s->peer == NULL && s->mst == NULL)
		sm_hold_free(s);
	if (s->state != FLOW_CLOSED) {
		s->state = FLOW_CLOSED;
		s->closed_us = t->now_us;
	}
}

static void
session_end(struct umb_session_table *t, struct umb_flow *f, int ctr)
{
	session_finish(t, f, FINISH_DROP);
	UMB_CTR_INC(t->ctr->flow, ctr);
	keep_remove(t, flow_session(f));
	umb_flow_remove(t->flows, f);
}

static struct umb_flow *
session_create(struct umb_session_table *t, const struct umb_flow_key *k,
		uint32_t hash, uint32_t sample_ppm, int start)
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
	s->f = f;
	s->client = CLIENT_UNKNOWN;
	umb_tcp_stream_init(&s->stream[0], 0);
	umb_tcp_stream_init(&s->stream[1], 1);
	s->sample_ppm = sample_ppm;
	s->hold = s->hold_tail = NULL;
	s->hold_len = 0;
	s->hold_off = 0;
	/* Picked up mid-stream or not, a flow is sampled by the share now:
	 * mirroring starts at a request boundary either way. */
	RTE_SET_USED(start);
	s->sampled = sample_ppm < t->share_ppm;
	keep_add(t, s);
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
umb_session_packet_mbuf(struct umb_session_table *t, const struct umb_pkt *pkt,
		const uint8_t *payload, struct rte_mbuf *m)
{
	t->cur_m = payload != NULL ? m : NULL;
	t->cur_p = payload;
	t->cur_len = pkt->payload_len;
	umb_session_packet(t, pkt, payload);
	t->cur_m = NULL;
}

void
umb_session_packet(struct umb_session_table *t, const struct umb_pkt *pkt,
		const uint8_t *payload)
{
	struct umb_flow_key k;
	int sender = umb_flow_key_make(&k, pkt);
	uint32_t hash = umb_flow_pkt_hash(pkt);
	uint32_t v = umb_flow_sample_ppm(umb_flow_sample_hash_of(hash, t->seed));
	uint8_t fl = pkt->tcp_flags;
	int syn = (fl & (UMB_TCP_SYN | UMB_TCP_ACK)) == UMB_TCP_SYN;
	int synack = (fl & (UMB_TCP_SYN | UMB_TCP_ACK)) == (UMB_TCP_SYN | UMB_TCP_ACK);
	struct umb_flow *f;
	struct session *s;

	if (pkt->ts_us > t->now_us)
		t->now_us = pkt->ts_us;
	/* Not sampled and no entry possible: nothing to look up. */
	if (v >= t->keep_ppm) {
		if (syn)
			UMB_CTR_INC(t->ctr->flow, UMB_FLOW_not_sampled);
		return;
	}
	f = umb_flow_lookup(t->flows, &k, hash);
	if (f != NULL) {
		/* Past its timeout, a flow ends when touched, not only when the
		 * bounded expiry scan reaches it. */
		s = flow_session(f);
		if (s->state == FLOW_CLOSED && s->peer == NULL &&
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
		if (v >= t->share_ppm && !t->record_unsampled) {
			if (syn)
				UMB_CTR_INC(t->ctr->flow, UMB_FLOW_not_sampled);
			return;
		}
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
		f = session_create(t, &k, hash, v, syn || synack);
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
			/* Its options are offered to the shadow (not its ISN). */
			s->syn.mss = (pkt->opt_flags & UMB_OPT_MSS) ? pkt->mss : 0;
			s->syn.wscale = (pkt->opt_flags & UMB_OPT_WSCALE) ?
				pkt->wscale : UMB_PEER_NO_WSCALE;
			s->syn.has_ts = !!(pkt->opt_flags & UMB_OPT_TS);
		}
	}
	/* Exchange timings use the packet's own time; expiry uses the
	 * table's clock (the latest time seen). */
	umb_tcp_segment(&t->tcp, &s->stream[sender], pkt->seq, fl, payload,
			pkt->payload_len, pkt->ts_us, f);
	if ((fl & UMB_TCP_ACK) && !(fl & UMB_TCP_RST))
		umb_tcp_ack(&t->tcp, &s->stream[!sender], pkt->ack, pkt->ts_us, f);
	if (fl & UMB_TCP_RST)
		session_finish(t, f, FINISH_RESET);
	else if (both_closed(s))
		session_finish(t, f, FINISH_CLOSED);
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
		/* A flow stays while its shadow session lives (bounded by the
		 * shadow timeouts). */
		if (!a->flush && (s->peer != NULL ||
				a->now_us - s->closed_us < t->close_timeout_us))
			return 0;
		ctr = UMB_FLOW_ended_closed;
	} else if (a->flush) {
		ctr = UMB_FLOW_ended_flush;
	} else if (a->now_us - f->last_us >= t->idle_timeout_us) {
		ctr = UMB_FLOW_ended_idle;
	} else {
		return 0;
	}
	session_finish(t, f, FINISH_DROP);
	UMB_CTR_INC(t->ctr->flow, ctr);
	keep_remove(t, s);
	return 1; /* the scan removes it */
}

void
umb_session_expire(struct umb_session_table *t, uint64_t now_us,
		unsigned int max_visit)
{
	struct expire_arg a = { t, now_us, 0 };

	if (now_us > t->now_us)
		t->now_us = now_us;
	if (t->peer != NULL) {
		if (t->close_deadline != 0 && now_us >= t->close_deadline)
			sm_reset_all(t, now_us);
		umb_peer_timers(t->peer, now_us, max_visit);
		sm_after_peer(t, now_us);
		sm_expire(t, now_us, max_visit);
	}
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

/* Every record leaves through here: the share of requests mirrored. */
static void
session_emit(void *arg, struct umb_exchange *x)
{
	struct umb_session_table *t = arg;

	if (t->peer != NULL && x->outcome != UMB_OUTCOME_not_sampled) {
		UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_requests_sampled);
		if (x->flags & UMB_X_SHADOW_SENT)
			UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_requests_mirrored);
	}
	t->emit(t->emit_arg, x);
}

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
	t->share_ppm = RTE_MIN(p->share_ppm, UMB_SHARE_ONE);
	t->seed = p->seed;
	t->midstream = p->midstream;
	t->record_unsampled = p->record_unsampled;
	keep_update(t);

	struct umb_flow_table_params fp = {
		.name = p->name,
		.max_flows = p->max_flows,
		.data_size = sizeof(struct session),
		.socket_id = p->socket_id,
		.id_first = p->id_first,
		.id_step = p->id_step,
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
	t->emit = p->emit;
	t->emit_arg = p->emit_arg;
	t->http.emit = session_emit;
	t->http.emit_arg = t;
	t->http.mirror_queue_max = p->shadow_queue_max;
	t->http.ctr = ctrs->http;
	t->http.outcome_ctr = ctrs->outcome;
	t->http.allowed_methods = p->allowed_methods;
	t->http.cpool = p->compare_pool;
	t->http.body_max = p->compare_body_max;
	TAILQ_INIT(&t->mirrored);
	if (p->peer != NULL) {
		struct umb_peer_ctx_params pp = *p->peer;

		snprintf(name, sizeof(name), "%s_peer", p->name);
		pp.name = name;
		pp.tcp = &t->tcp;
		pp.sent = sm_peer_sent;
		pp.closed = sm_peer_closed;
		pp.ctr = ctrs->peer;
		t->resp_timeout_us = p->shadow_response_timeout_us;
		t->peer = umb_peer_ctx_create(&pp);
		if (t->peer == NULL)
			goto fail;
		t->hold_max = umb_peer_ctx_held_max(t->peer);
		/* The HTTP side of each possible shadow session. */
		t->mstore = rte_zmalloc_socket("umb_mirror",
				(size_t)pp.max_conns * sizeof(*t->mstore),
				RTE_CACHE_LINE_SIZE, p->socket_id);
		t->mfree = rte_zmalloc_socket("umb_mirror_free",
				(size_t)pp.max_conns * sizeof(*t->mfree), 0,
				p->socket_id);
		if (t->mstore == NULL || t->mfree == NULL) {
			rte_errno = ENOMEM;
			goto fail;
		}
		for (uint32_t i = 0; i < pp.max_conns; i++)
			t->mfree[t->nb_mfree++] = &t->mstore[pp.max_conns - 1 - i];
	}
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
	umb_peer_ctx_free(t->peer);
	rte_free(t->mstore);
	rte_free(t->mfree);
	umb_flow_table_free(t->flows);
	rte_mempool_free(t->chunks);
	rte_mempool_free(t->xpool);
	rte_free(t);
}

void
umb_session_set_share(struct umb_session_table *t, uint32_t share_ppm)
{
	t->share_ppm = share_ppm > UMB_SHARE_ONE ? UMB_SHARE_ONE : share_ppm;
	keep_update(t);
}

uint32_t
umb_session_keep_ppm(const struct umb_session_table *t)
{
	return t->keep_ppm;
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
