/* SPDX-License-Identifier: BSD-3-Clause
 * A sampled flow's shadow connections (docs/peer.md, "Shadow
 * connections"): when one opens and closes, sequence translation (byte 0
 * of a connection is client offset base), the client bytes kept for a
 * connection (pacing, or the previous one closing), the share at request
 * boundaries, response timeouts, and rollback. The flow itself (capture
 * streams, HTTP exchanges, life cycle) is session.c's.
 */
#include <errno.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_common.h>

#include "session_private.h"

UMB_CTR_GROUP_DEFINE(mirror, UMB_MIRROR_COUNTERS, UMB_MIRROR_CTR_MAX);

static int mirror_open(struct session *s, uint64_t now);

/* ------------------------------------------------------------------ */
/* The session's side of the shadow peer                               */

/*
 * Peer calls (input, timers) call back into the session through the lib/tcp
 * sink and the sent/closed callbacks. Nothing in those callbacks calls the
 * peer again: what needs the peer (release more bytes, shut down, abort) is
 * done once the peer call has returned, for the sessions marked dirty.
 */
void
sm_mark_dirty(struct session *s)
{
	struct umb_session_table *t = s->t;

	/* Timers may close many connections in one call: DIRTY_MAX is
	 * above the visits a call makes; a session missed would act at its
	 * next segment. */
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
void
sm_peer_sent(void *owner, uint64_t off, uint64_t now)
{
	struct session *s = flow_session(owner);

	umb_http_mirror_sent(&s->http, s->base + off, now);
}

/* Peer callback: the shadow session ended; the peer is gone. */
void
sm_peer_closed(void *owner, enum umb_peer_end why, uint64_t now)
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
	 * peer call has returned (sm_after_peer).
	 */
	if ((why == UMB_PEER_END_CLEAN || why == UMB_PEER_END_SHADOW_RST) &&
			s->mst != NULL && picked(s) && s->t->close_deadline == 0) {
		umb_http_mirror_switch(&s->http, o, UMB_MREASON_none, now);
		sm_mark_dirty(s);
		return;
	}
	sm_detach(s, o, o == UMB_OUTCOME_capped ? UMB_MREASON_held_bytes : 0,
			now);
}

/* ---- client bytes kept for the shadow, not yet written (s->hold) ---- */

void
sm_hold_free(struct session *s)
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
		sm_hold_free(s); /* not contiguous: cannot happen, be safe */
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


/*
 * The flow's mirroring state is given back (no shadow connection any
 * more): what waited for the shadow ends with @p why; requests that start
 * before mirroring restarts say why they were not mirrored.
 */
void
sm_detach(struct session *s, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t now)
{
	sm_hold_free(s);
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
void
sm_attach(struct session *s, uint64_t now)
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
void
sm_abort(struct session *s, enum umb_outcome why, int ctr, uint64_t now)
{
	if (s->peer == NULL)
		return;
	UMB_CTR_INC(s->t->ctr->mirror, ctr);
	s->abort_why = (uint8_t)why;
	umb_peer_abort(s->peer, now); /* calls sm_peer_closed */
}

/*
 * Write and release what the allowlist and pacing allow; end the
 * connection where it must end; open the next one when requests wait for
 * it. Client bytes not written yet stay kept in s->hold, so a request
 * that came while the previous connection was closing (or waited for
 * pacing) still goes, on the next connection.
 */
void
sm_push(struct session *s, uint64_t now)
{
	uint64_t lim, from;
	int cut;

	if (s->mst == NULL) {
		sm_hold_free(s);
		return;
	}
	if (s->peer == NULL && !mirror_open(s, now))
		return;
	if (!s->shut) {
		cut = umb_http_mirror_limit(&s->http, &lim);
		if (lim < s->base)
			lim = s->base;
		if (hold_write(s, lim, now) < 0) {
			sm_abort(s, UMB_OUTCOME_capped,
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
		sm_detach(s, UMB_OUTCOME_not_mirrored, t->close_deadline != 0 ?
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
		sm_detach(s, UMB_OUTCOME_capped, rc == -EBUSY ?
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
void
sm_client_data(struct session *s, const uint8_t *p, uint32_t len,
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
					sm_abort(s, UMB_OUTCOME_capped,
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
			sm_abort(s, UMB_OUTCOME_capped,
					UMB_MIRROR_held_over_cap, now);
		} else {
			sm_detach(s, UMB_OUTCOME_capped,
					UMB_MREASON_held_bytes, now);
		}
		return;
	}
push:
	sm_push(s, now);
}

/* After a peer call: act on what its callbacks reported. */
void
sm_after_peer(struct umb_session_table *t, uint64_t now)
{
	for (unsigned int i = 0; i < t->nb_dirty && i < DIRTY_MAX; i++) {
		struct session *s = t->dirty[i];

		s->dirty = 0;
		if (s->peer == NULL) {
			/* The connection closed: the next one, if requests
			 * wait for it. */
			if (s->mst != NULL)
				sm_push(s, now);
			continue;
		}
		if (umb_http_mirror_failed(&s->http)) {
			sm_abort(s, UMB_OUTCOME_shadow_error,
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
		sm_push(s, now);
	}
	t->nb_dirty = 0;
}


/* Shadow sessions whose oldest request waits too long for its answer. */
void
sm_expire(struct umb_session_table *t, uint64_t now, unsigned int max_visit)
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
			sm_abort(s, UMB_OUTCOME_shadow_timeout,
					UMB_MIRROR_response_timeouts, now);
		}
		s = next;
	}
	t->mcursor = s;
}

/* Rollback, past its grace: reset every shadow connection still open. */
void
sm_reset_all(struct umb_session_table *t, uint64_t now)
{
	struct session *s;

	while ((s = TAILQ_FIRST(&t->mirrored)) != NULL)
		sm_abort(s, UMB_OUTCOME_shadow_timeout,
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
		sm_hold_free(s);
		if (!s->shut) {
			umb_peer_release(s->peer, w, now_us);
			umb_peer_shutdown(s->peer, w, now_us);
			s->shut = 1;
		}
		n++;
	}
	UMB_CTR_ADD(t->ctr->mirror, UMB_MIRROR_rollback_closes, n);
	/* Set even when nothing was open: until it passes, no shadow
	 * connection opens (mirror_open), whatever share this lcore still
	 * sees (launch.c bumps the generation before it lowers the share). */
	t->close_deadline = now_us + RTE_MAX(grace_us, (uint64_t)1);
	return n;
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
	sm_after_peer(t, pkt->ts_us);
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

