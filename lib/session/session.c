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

#include "umb_session.h"

UMB_CTR_GROUP_DEFINE(mirror, UMB_MIRROR_COUNTERS, UMB_MIRROR_CTR_MAX);

#define CLIENT_UNKNOWN 0xff
#define EVICT_SAMPLES 8
#define DIRTY_MAX 256    /* sessions touched inside one peer call (timers: many) */
#define KEEP_BUCKETS 1024 /* sample values of the flows held, histogram */

enum flow_state { FLOW_ACTIVE = 0, FLOW_CLOSED };

struct session {
	struct umb_tcp_stream stream[2];   /**< by endpoint index of the key */
	struct umb_http_conn http;
	struct umb_session_table *t;
	struct umb_flow *f;
	struct umb_peer_conn *peer;        /**< shadow session, NULL when none */
	struct umb_http_mirror *mst;       /**< its HTTP side, from t->mstore */
	TAILQ_ENTRY(session) mnext;        /**< in t->mirrored while peer is set */
	uint64_t closed_us;
	uint64_t base;                     /**< client offset of the shadow connection's byte 0 */
	struct rte_mbuf *hold;             /**< client bytes kept for the shadow, not yet written */
	struct rte_mbuf *hold_tail;
	uint64_t hold_off;                 /**< client offset of hold's first byte */
	uint32_t hold_len;
	uint64_t coff;                     /**< client stream offset (bytes and gaps delivered) */
	uint32_t client_isn;
	uint32_t sample_ppm;               /**< the flow's sample value */
	struct umb_peer_syn syn;           /**< the client's SYN options (syn_seen) */
	uint8_t state;
	uint8_t client;                    /**< endpoint index, CLIENT_UNKNOWN */
	uint8_t sampled;
	uint8_t http_started;
	uint8_t handshake_seen;            /**< SYN or SYN-ACK seen */
	uint8_t syn_seen;
	uint8_t abort_why;                 /**< outcome for what waits when we abort */
	uint8_t client_eof;                /**< the client's stream ended (FIN) */
	uint8_t shut;                      /**< umb_peer_shutdown was called */
	uint8_t shadow_eof;                /**< deferred: the shadow's stream ended */
	uint8_t dirty;                     /**< in t->dirty */
};

TAILQ_HEAD(session_list, session);

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
	void (*emit)(void *arg, struct umb_exchange *x);
	void *emit_arg;
	int record_unsampled;             /**< unsampled flows get entries too */
	/*
	 * Only flows with an entry matter, and without record_unsampled only
	 * sampled flows get one. keep_ppm bounds the sample values of the
	 * flows held (from a histogram by value), so a segment whose value is
	 * at or above it is dropped before any lookup; it stays above the
	 * share until the flows a higher share picked have ended.
	 */
	uint32_t keep_ppm;
	uint32_t keep_top;                /**< highest bucket that may be in use */
	uint32_t live[KEEP_BUCKETS];      /**< sampled flows held, by value bucket */
	/* mirroring */
	struct umb_peer_ctx *peer;
	uint64_t resp_timeout_us;
	struct session_list mirrored;     /**< sessions with a shadow peer */
	struct session *mcursor;          /**< response-timeout scan position */
	struct session *dirty[DIRTY_MAX]; /**< touched inside a peer call */
	/* the segment being handled, when its payload lies in an mbuf */
	struct rte_mbuf *cur_m;
	const uint8_t *cur_p;
	uint32_t cur_len;
	struct umb_http_mirror **mfree;   /**< free HTTP mirror storage (stack) */
	uint32_t nb_mfree;
	struct umb_http_mirror *mstore;   /**< one per possible shadow session */
	unsigned int nb_dirty;
	uint32_t hold_max;                /**< bytes a session may keep (held_bytes) */
	uint64_t close_deadline;          /**< rollback: reset what is still open then */
};

static inline struct session *
flow_session(struct umb_flow *f)
{
	return (struct session *)f->data;
}

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

static inline int picked(const struct session *s);
static void mirror_attach(struct session *s, uint64_t now);
static void mirror_detach(struct session *s, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t now);
static void mirror_client_data(struct session *s, const uint8_t *p,
		uint32_t len, uint64_t off, uint64_t now);
static void mirror_abort(struct session *s, enum umb_outcome why,
		int ctr, uint64_t now);
static void mirror_push(struct session *s, uint64_t now);
static int mirror_open(struct session *s, uint64_t now);
static void mirror_reset_all(struct umb_session_table *t, uint64_t now);
static void mark_dirty(struct session *s);

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
		mirror_attach(s, ts_us);
		/* The share no longer picks the flow: requests in flight
		 * finish, none that starts from here goes. */
		if (s->mst != NULL && !picked(s))
			umb_http_mirror_stop_new(&s->http,
					UMB_OUTCOME_not_mirrored,
					UMB_MREASON_share_lowered);
		umb_http_data(&s->http, hd, p, len, ts_us);
		if (s->mst != NULL)
			mirror_client_data(s, p, len, off, ts_us);
		return;
	}
	umb_http_data(&s->http, hd, p, len, ts_us);
	if (hd == UMB_HTTP_SHADOW && s->peer != NULL)
		mark_dirty(s); /* an answer began or failed: act after the peer call */
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
			mirror_abort(s, UMB_OUTCOME_gap, UMB_MIRROR_client_gap,
					ts_us);
		else if (s->mst != NULL)
			mirror_detach(s, UMB_OUTCOME_gap, 0, ts_us);
	}
	umb_http_gap(&s->http, hd, len, ts_us);
	if (hd == UMB_HTTP_SHADOW && s->peer != NULL)
		mark_dirty(s);
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
		mirror_detach(s, UMB_OUTCOME_incomplete, 0, ts_us);
	if (s->peer == NULL)
		return;
	if (hd == UMB_HTTP_CLIENT) {
		s->client_eof = 1;
		mirror_push(s, ts_us);
	} else if (hd == UMB_HTTP_SHADOW) {
		s->shadow_eof = 1;
		mark_dirty(s);
	}
}

/* ------------------------------------------------------------------ */
/* Mirroring: the session's side of the shadow peer (docs/peer.md)     */

/*
 * Peer calls (input, timers) call back into the session through the lib/tcp
 * sink and the sent/closed callbacks. Nothing in those callbacks calls the
 * peer again: what needs the peer (release more bytes, shut down, abort) is
 * done once the peer call has returned, for the sessions marked dirty.
 */
static void
mark_dirty(struct session *s)
{
	struct umb_session_table *t = s->t;

	/* A peer call touches one session: the list cannot overflow. */
	if (s->dirty || t->nb_dirty >= DIRTY_MAX)
		return;
	s->dirty = 1;
	t->dirty[t->nb_dirty++] = s;
}

static void
mirror_unlink(struct session *s)
{
	struct umb_session_table *t = s->t;

	if (t->mcursor == s)
		t->mcursor = TAILQ_NEXT(s, mnext);
	TAILQ_REMOVE(&t->mirrored, s, mnext);
}

/* Peer callback: bytes below @p off all went out at least once. */
static void
peer_sent(void *owner, uint64_t off, uint64_t now)
{
	struct session *s = flow_session(owner);

	umb_http_mirror_sent(&s->http, s->base + off, now);
}

/* Peer callback: the shadow session ended; the peer is gone. */
static void
peer_closed(void *owner, enum umb_peer_end why, uint64_t now)
{
	struct session *s = flow_session(owner);
	enum umb_outcome o;

	switch (why) {
	case UMB_PEER_END_ABORT:
		o = (enum umb_outcome)s->abort_why;
		break;
	case UMB_PEER_END_IDLE:
	case UMB_PEER_END_RETRIES:
		o = UMB_OUTCOME_shadow_timeout;
		break;
	case UMB_PEER_END_SHADOW_RST:
	case UMB_PEER_END_CLEAN:
	default:
		/* Whatever still waits was never answered. */
		o = UMB_OUTCOME_shadow_reset;
		break;
	}
	s->peer = NULL;
	mirror_unlink(s);
	/*
	 * Closed by either side, not aborted by umbra: the requests carried
	 * past this connection's end go on the next one, opened once this
	 * peer call has returned (mirror_after_peer).
	 */
	if ((why == UMB_PEER_END_CLEAN || why == UMB_PEER_END_SHADOW_RST) &&
			s->mst != NULL && picked(s) && s->t->close_deadline == 0) {
		umb_http_mirror_switch(&s->http, o, UMB_MREASON_none, now);
		mark_dirty(s);
		return;
	}
	mirror_detach(s, o, o == UMB_OUTCOME_capped ? UMB_MREASON_held_bytes : 0,
			now);
}

/* ---- client bytes kept for the shadow, not yet written (s->hold) ---- */

static void
hold_free(struct session *s)
{
	while (s->hold != NULL) {
		struct rte_mbuf *h = s->hold;

		s->hold = h->next;
		h->next = NULL;
		rte_pktmbuf_free_seg(h);
	}
	s->hold_tail = NULL;
	s->hold_len = 0;
}

/* Forget the kept bytes below client offset @p off. */
static void
hold_trim(struct session *s, uint64_t off)
{
	while (s->hold != NULL && s->hold_off < off) {
		struct rte_mbuf *h = s->hold;
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)h->data_len,
				off - s->hold_off);

		if (n == h->data_len) {
			s->hold = h->next;
			h->next = NULL;
			rte_pktmbuf_free_seg(h);
		} else {
			h->data_off = (uint16_t)(h->data_off + n);
			h->data_len = (uint16_t)(h->data_len - n);
			h->pkt_len = h->data_len;
		}
		s->hold_off += n;
		s->hold_len -= n;
	}
	if (s->hold == NULL) {
		s->hold_tail = NULL;
		s->hold_len = 0;
		if (s->hold_off < off)
			s->hold_off = off;
	}
}

/* Keep client bytes [off, off + len): by reference to the segment in hand. */
static int
hold_append(struct session *s, const uint8_t *p, uint32_t len, uint64_t off)
{
	struct umb_session_table *t = s->t;
	struct rte_mbuf *h, *m = NULL;

	if (s->hold != NULL && off != s->hold_off + s->hold_len)
		hold_free(s); /* not contiguous: cannot happen, be safe */
	if (s->hold == NULL)
		s->hold_off = off;
	if (s->hold_len + (uint64_t)len > t->hold_max)
		return -ENOBUFS;
	if (t->cur_m != NULL && p >= t->cur_p && p + len <= t->cur_p + t->cur_len)
		m = t->cur_m;
	h = umb_peer_keep(t->peer, m, p, len);
	if (h == NULL)
		return -ENOBUFS;
	if (s->hold == NULL)
		s->hold = h;
	else
		s->hold_tail->next = h;
	while (h->next != NULL)
		h = h->next;
	s->hold_tail = h;
	s->hold_len += len;
	return 0;
}

/* Write the kept bytes below client offset @p upto to the connection. */
static int
hold_write(struct session *s, uint64_t upto, uint64_t now)
{
	uint64_t w = s->base + umb_peer_written(s->peer);

	hold_trim(s, w);
	while (s->hold != NULL && s->hold_off < upto) {
		struct rte_mbuf *h = s->hold;
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)h->data_len,
				upto - s->hold_off);
		int rc;

		if (s->hold_off != w)
			return -EPIPE; /* bytes missing: cannot happen */
		rc = umb_peer_write_ref(s->peer, h,
				rte_pktmbuf_mtod(h, const uint8_t *), n, now);
		if (rc < 0)
			return rc;
		w += n;
		hold_trim(s, w);
	}
	return 0;
}

/* Is the flow picked by the share now (sample value below it)? */
static inline int
picked(const struct session *s)
{
	return s->sample_ppm < s->t->share_ppm;
}

/*
 * The flow's mirroring state is given back (no shadow connection any
 * more): what waited for the shadow ends with @p why; requests that start
 * before mirroring restarts say why they were not mirrored.
 */
static void
mirror_detach(struct session *s, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t now)
{
	hold_free(s);
	if (s->mst == NULL)
		return;
	umb_http_mirror_end_why(&s->http, why, reason, now);
	s->t->mfree[s->t->nb_mfree++] = s->mst;
	s->mst = NULL;
	umb_http_mirror_refuse(&s->http, UMB_OUTCOME_not_mirrored, picked(s) ?
			UMB_MREASON_reopening : UMB_MREASON_share_lowered);
}

/*
 * Start mirroring a sampled flow that has no shadow connection (its first
 * bytes, a flow picked up mid-stream, after the previous connection
 * closed, the share raised): requests are tracked from the next one that
 * starts; the connection opens when the first of them may go (see
 * mirror_open).
 */
static void
mirror_attach(struct session *s, uint64_t now)
{
	struct umb_session_table *t = s->t;

	RTE_SET_USED(now);
	if (t->peer == NULL || !s->sampled || s->mst != NULL || s->client_eof)
		return;
	if (!picked(s)) {
		umb_http_mirror_refuse(&s->http, UMB_OUTCOME_not_mirrored,
				UMB_MREASON_share_lowered);
		return;
	}
	if (t->nb_mfree == 0) {
		umb_http_mirror_refuse(&s->http, UMB_OUTCOME_capped,
				UMB_MREASON_session_cap);
		return;
	}
	s->mst = t->mfree[--t->nb_mfree];
	umb_http_mirror_enable(&s->http, s->mst);
	s->shut = 0;
	s->shadow_eof = 0;
	s->abort_why = UMB_OUTCOME_shadow_reset;
}

/* RST the shadow session; what waits for the shadow ends with @p why. */
static void
mirror_abort(struct session *s, enum umb_outcome why, int ctr, uint64_t now)
{
	if (s->peer == NULL)
		return;
	UMB_CTR_INC(s->t->ctr->mirror, ctr);
	s->abort_why = (uint8_t)why;
	umb_peer_abort(s->peer, now); /* calls peer_closed */
}

/*
 * Write and release what the allowlist and pacing allow; end the
 * connection where it must end; open the next one when requests wait for
 * it. Client bytes not written yet stay kept in s->hold, so a request
 * that came while the previous connection was closing (or waited for
 * pacing) still goes, on the next connection.
 */
static void
mirror_push(struct session *s, uint64_t now)
{
	uint64_t lim, from;
	int cut;

	if (s->mst == NULL) {
		hold_free(s);
		return;
	}
	if (s->peer == NULL && !mirror_open(s, now))
		return;
	if (!s->shut) {
		cut = umb_http_mirror_limit(&s->http, &lim);
		if (lim < s->base)
			lim = s->base;
		if (hold_write(s, lim, now) < 0) {
			mirror_abort(s, UMB_OUTCOME_capped,
					UMB_MIRROR_held_over_cap, now);
			return;
		}
		/* Sequence translation: the connection's byte 0 is client
		 * offset base. */
		lim = RTE_MIN(lim - s->base, umb_peer_written(s->peer));
		umb_peer_release(s->peer, lim, now);
		if (cut) {
			/* The next request must not go on this connection:
			 * end the stream before its first byte, after the
			 * answers still owed. */
			umb_http_mirror_suppress(&s->http);
			UMB_CTR_INC(s->t->ctr->mirror, UMB_MIRROR_suppressed);
			umb_peer_shutdown(s->peer, lim, now);
			s->shut = 1;
		} else if (s->client_eof && (s->base + lim >= s->coff ||
				umb_http_mirror_pending(&s->http) == 0)) {
			/* The client closed: its FIN follows the last
			 * request it sent. */
			umb_peer_shutdown(s->peer, lim, now);
			s->shut = 1;
		}
	}
	/* Keep only what a connection still needs. */
	if (!s->shut)
		from = s->base + umb_peer_written(s->peer);
	else if (umb_http_mirror_carried(&s->http, &from) == 0)
		from = UINT64_MAX;
	hold_trim(s, from);
}

/*
 * Open the shadow connection of a flow that has none, once a request is
 * tracked whose method is allowed (or not parsed yet: its bytes are kept
 * from its first one) and whose bytes are kept. Its stream starts at that
 * request's first byte (s->base). Denied requests before it need no
 * connection: they are suppressed. 1 when open.
 */
static int
mirror_open(struct session *s, uint64_t now)
{
	struct umb_session_table *t = s->t;
	struct umb_flow *f = s->f;
	struct umb_peer_syn o;
	uint64_t start;
	int srv = !s->client;
	int v, rc;

	if (!picked(s) || t->close_deadline != 0) {
		mirror_detach(s, UMB_OUTCOME_not_mirrored, t->close_deadline != 0 ?
				UMB_MREASON_rolled_back : UMB_MREASON_share_lowered,
				now);
		return 0;
	}
	v = umb_http_mirror_next(&s->http, s->hold != NULL ? s->hold_off :
			UINT64_MAX, &start);
	hold_trim(s, v < 0 ? UINT64_MAX : start);
	if (v < 0)
		return 0;
	if (s->syn_seen) {
		o = s->syn;
	} else {
		/* No SYN seen (picked up mid-stream): umbra's own options. */
		umb_peer_syn_defaults(t->peer, f->key.af, &o);
		UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_no_syn);
	}
	o.own_isn = 1;
	rc = umb_peer_open(t->peer, f, f->key.af, &f->key.addr[srv],
			f->key.port[srv], &o, now, &s->peer);
	if (rc != 0) {
		s->peer = NULL;
		UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_capped);
		mirror_detach(s, UMB_OUTCOME_capped, rc == -EBUSY ?
				UMB_MREASON_rate : UMB_MREASON_session_cap, now);
		/* Until the next attempt, requests are capped, not reopening. */
		umb_http_mirror_refuse(&s->http, UMB_OUTCOME_capped, rc == -EBUSY ?
				UMB_MREASON_rate : UMB_MREASON_session_cap);
		return 0;
	}
	UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_sessions);
	s->base = start;
	s->shut = 0;
	s->shadow_eof = 0;
	s->abort_why = UMB_OUTCOME_shadow_reset;
	TAILQ_INSERT_TAIL(&t->mirrored, s, mnext);
	return 1;
}

/* Client bytes [off, off + len), just parsed: the shadow connection's share. */
static void
mirror_client_data(struct session *s, const uint8_t *p, uint32_t len,
		uint64_t off, uint64_t now)
{
	uint64_t start, lim;

	if (s->hold == NULL) {
		/* Nothing before the first request a connection may carry. */
		if (s->peer != NULL && !s->shut)
			start = s->base + umb_peer_written(s->peer);
		else if (s->peer != NULL)
			start = umb_http_mirror_carried(&s->http, &start) > 0 ?
				start : UINT64_MAX;
		else if (umb_http_mirror_first(&s->http, &start) < 0)
			start = UINT64_MAX;
		if (start >= off + len)
			goto push;
		if (start > off) {
			p += start - off;
			len -= (uint32_t)(start - off);
			off = start;
		}
		/* Straight from the segment in hand to the open connection:
		 * no copy, nothing kept here (the common case). */
		if (s->peer != NULL && !s->shut &&
				off == s->base + umb_peer_written(s->peer)) {
			struct umb_session_table *t = s->t;
			uint32_t n;
			int rc;

			(void)umb_http_mirror_limit(&s->http, &lim);
			n = lim > off ? (uint32_t)RTE_MIN((uint64_t)len, lim - off) : 0;
			if (n > 0) {
				if (t->cur_m != NULL && p >= t->cur_p &&
						p + n <= t->cur_p + t->cur_len)
					rc = umb_peer_write_ref(s->peer, t->cur_m,
							p, n, now);
				else
					rc = umb_peer_write(s->peer, p, n, now);
				if (rc < 0) {
					mirror_abort(s, UMB_OUTCOME_capped,
						UMB_MIRROR_held_over_cap, now);
					return;
				}
				p += n;
				off += n;
				len -= n;
			}
		}
	}
	if (len > 0 && hold_append(s, p, len, off) < 0) {
		UMB_CTR_INC(s->t->ctr->mirror, UMB_MIRROR_held_over_cap);
		if (s->peer != NULL) {
			mirror_abort(s, UMB_OUTCOME_capped,
					UMB_MIRROR_held_over_cap, now);
		} else {
			mirror_detach(s, UMB_OUTCOME_capped,
					UMB_MREASON_held_bytes, now);
		}
		return;
	}
push:
	mirror_push(s, now);
}

/* After a peer call: act on what its callbacks reported. */
static void
mirror_after_peer(struct umb_session_table *t, uint64_t now)
{
	for (unsigned int i = 0; i < t->nb_dirty && i < DIRTY_MAX; i++) {
		struct session *s = t->dirty[i];

		s->dirty = 0;
		if (s->peer == NULL) {
			/* The connection closed: the next one, if requests
			 * wait for it. */
			if (s->mst != NULL)
				mirror_push(s, now);
			continue;
		}
		if (umb_http_mirror_failed(&s->http)) {
			mirror_abort(s, UMB_OUTCOME_shadow_error,
					UMB_MIRROR_shadow_errors, now);
			continue;
		}
		if (s->shadow_eof && !s->shut) {
			/* The shadow closed: what it was sent and did not
			 * answer ends with this connection; requests not
			 * written yet go on the next one. */
			uint64_t w = umb_peer_written(s->peer);

			UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_shadow_closed);
			umb_http_mirror_stop_at(&s->http, s->base + w,
					UMB_OUTCOME_not_mirrored,
					UMB_MREASON_reopening);
			umb_http_mirror_suppress(&s->http);
			umb_peer_shutdown(s->peer, RTE_MIN(w,
					umb_peer_acked(s->peer)), now);
			s->shut = 1;
			continue;
		}
		mirror_push(s, now);
	}
	t->nb_dirty = 0;
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
		mirror_abort(s, UMB_OUTCOME_shadow_reset, UMB_MIRROR_client_rst,
				t->now_us);
	else if (s->peer != NULL && cause == FINISH_DROP)
		mirror_abort(s, UMB_OUTCOME_incomplete, UMB_MIRROR_flushed,
				t->now_us);
	/* Mirroring state without a connection goes with the flow. */
	if (s->peer == NULL && s->mst != NULL && cause != FINISH_CLOSED)
		mirror_detach(s, UMB_OUTCOME_incomplete, 0, t->now_us);
	umb_tcp_stream_end(&t->tcp, &s->stream[0], t->now_us, f);
	umb_tcp_stream_end(&t->tcp, &s->stream[1], t->now_us, f);
	/* stream_end freed every chunk already */
	if (s->http_started)
		umb_http_conn_end(&s->http, t->now_us);
	/* The client's last bytes may have been released just now. */
	if (s->peer != NULL)
		mirror_push(s, t->now_us);
	else if (s->mst != NULL)
		mirror_detach(s, UMB_OUTCOME_incomplete, 0, t->now_us);
	if (s->peer == NULL && s->mst == NULL)
		hold_free(s);
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

/* Shadow sessions whose oldest request waits too long for its answer. */
static void
mirror_expire(struct umb_session_table *t, uint64_t now, unsigned int max_visit)
{
	struct session *s = t->mcursor;

	for (unsigned int i = 0; i < max_visit; i++) {
		uint64_t since;
		struct session *next;

		if (s == NULL)
			s = TAILQ_FIRST(&t->mirrored);
		if (s == NULL)
			break;
		next = TAILQ_NEXT(s, mnext);
		since = umb_http_mirror_waiting_since(&s->http);
		if (since != 0 && now > since &&
				now - since >= t->resp_timeout_us) {
			t->mcursor = next;
			mirror_abort(s, UMB_OUTCOME_shadow_timeout,
					UMB_MIRROR_response_timeouts, now);
		}
		s = next;
	}
	t->mcursor = s;
}

/* Rollback, past its grace: reset every shadow connection still open. */
static void
mirror_reset_all(struct umb_session_table *t, uint64_t now)
{
	struct session *s;

	while ((s = TAILQ_FIRST(&t->mirrored)) != NULL)
		mirror_abort(s, UMB_OUTCOME_shadow_timeout,
				UMB_MIRROR_rollback_resets, now);
	t->close_deadline = 0;
}

unsigned int
umb_session_mirror_close_all(struct umb_session_table *t, uint64_t now_us,
		uint64_t grace_us)
{
	struct session *s;
	unsigned int n = 0;

	if (t == NULL || t->peer == NULL)
		return 0;
	if (now_us > t->now_us)
		t->now_us = now_us;
	now_us = t->now_us;
	TAILQ_FOREACH(s, &t->mirrored, mnext) {
		uint64_t w;

		if (s->peer == NULL)
			continue;
		/* What the shadow was sent is answered or ends with the
		 * connection; nothing else goes. */
		w = umb_peer_written(s->peer);
		umb_http_mirror_stop_at(&s->http, s->base + w,
				UMB_OUTCOME_not_mirrored, UMB_MREASON_rolled_back);
		umb_http_mirror_suppress(&s->http);
		hold_free(s);
		if (!s->shut) {
			umb_peer_release(s->peer, w, now_us);
			umb_peer_shutdown(s->peer, w, now_us);
			s->shut = 1;
		}
		n++;
	}
	UMB_CTR_ADD(t->ctr->mirror, UMB_MIRROR_rollback_closes, n);
	t->close_deadline = now_us + RTE_MAX(grace_us, (uint64_t)1);
	if (TAILQ_EMPTY(&t->mirrored))
		t->close_deadline = 0;
	return n;
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
			mirror_reset_all(t, now_us);
		umb_peer_timers(t->peer, now_us, max_visit);
		mirror_after_peer(t, now_us);
		mirror_expire(t, now_us, max_visit);
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

void
umb_session_shadow_packet(struct umb_session_table *t,
		const struct umb_pkt *pkt, const uint8_t *payload)
{
	if (t->peer == NULL)
		return;
	if (pkt->ts_us > t->now_us)
		t->now_us = pkt->ts_us;
	UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_shadow_packets);
	if (umb_peer_input(t->peer, pkt, payload, pkt->ts_us) != 0)
		UMB_CTR_INC(t->ctr->mirror, UMB_MIRROR_shadow_no_session);
	mirror_after_peer(t, pkt->ts_us);
}

void
umb_session_set_next_hop(struct umb_session_table *t,
		const struct rte_ether_addr *mac)
{
	if (t->peer != NULL)
		umb_peer_set_next_hop(t->peer, mac);
}

uint32_t
umb_session_mirrored(const struct umb_session_table *t)
{
	return t->peer != NULL ? umb_peer_ctx_conns(t->peer) : 0;
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
		pp.sent = peer_sent;
		pp.closed = peer_closed;
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
