/* SPDX-License-Identifier: BSD-3-Clause
 * The shadow side of the HTTP builder (docs/peer.md): the requests of a
 * mirrored connection as client stream offsets with their allowlist
 * verdict, pacing, and the shadow's answers (a third llhttp parser) paired
 * with them. A record of a mirrored connection is held (HOLD_SHADOW)
 * until the shadow's answer ends or the mirror does.
 */
#include <string.h>

#include <rte_common.h>

#include "umb_http.h"
#include "http_private.h"

/* ---- the shadow side: requests ------------------------------------------- */

/* Nothing from @p off on may reach the shadow; requests there end with @p why. */
void
mirror_stop(struct umb_http_conn *c, uint64_t off, enum umb_outcome why,
		uint8_t reason)
{
	if (off < c->mirror->stop_at) {
		c->mirror->stop_at = off;
		c->mirror->stop_why = (uint8_t)why;
		c->mirror->stop_reason = reason;
	}
}

/* Offset after the last byte known to belong to a complete, tracked request. */
uint64_t
mirror_safe_end(const struct umb_http_conn *c)
{
	const struct umb_http_mirror *m = c->mirror;
	const struct umb_http_mreq *e;

	if (m->count == 0)
		return m->done_end;
	e = mq_at_c(m, m->count - 1);
	return e->end != UINT64_MAX ? e->end : e->start;
}

/* The first byte of a request's method: it joins the shadow FIFO. */
void
mirror_req_start(struct umb_http_conn *c, const char *at)
{
	struct umb_http_mirror *m = c->mirror;
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];
	struct umb_http_mreq *e;
	uint64_t off;

	s->mirror = MSG_MIRROR_SKIP;
	if (m == NULL || !m->accepting || m->buf == NULL)
		return;
	off = m->base + (uint64_t)((const uint8_t *)at - m->buf);
	if (m->count >= RTE_MIN(c->ctx->mirror_queue_max != 0 ?
			c->ctx->mirror_queue_max : UMB_HTTP_MIRROR_QUEUE_MAX,
			(uint32_t)UMB_HTTP_MIRROR_QUEUE_MAX)) {
		/* Skipped; the shadow connection closes after the requests it
		 * has, and mirroring resumes at a later request on a fresh one. */
		CTR_INC(c, mirror_overflow);
		mirror_stop(c, off, UMB_OUTCOME_capped, UMB_MREASON_queue);
		if (c->cur_req != NULL)
			x_not_mirrored(c->cur_req, UMB_OUTCOME_capped,
					UMB_MREASON_queue);
		return;
	}
	e = mq_at(m, m->count);
	m->count++;
	memset(e, 0, sizeof(*e));
	e->x = c->cur_req;
	e->start = off;
	e->end = UINT64_MAX;
	e->pipelined = s->mpipelined;
	if (e->x != NULL)
		*x_hold(e->x) |= HOLD_SHADOW;
	s->mirror = MSG_MIRROR_ENTRY;
}

static void mirror_unpair_from(struct umb_http_conn *c, unsigned int idx);

/*
 * The newest request's method is not on the allowlist: it will never reach
 * the shadow, whatever connection comes. Its record is done with the
 * shadow now (suppressed), and its entry stays only as the place where a
 * shadow connection must end; right after another denied request, the two
 * become one entry (a run of denied requests takes one slot of the queue).
 */
void
mirror_req_denied(struct umb_http_conn *c)
{
	struct umb_http_mirror *m = c->mirror;
	struct umb_http_mreq *e, *prev;

	if (m == NULL || m->count == 0)
		return;
	e = mq_at(m, m->count - 1);
	if (e->x != NULL) {
		x_worsen(e->x, UMB_OUTCOME_suppressed);
		*x_hold(e->x) &= ~HOLD_SHADOW;
		http_x_release(c, e->x);
		e->x = NULL;
	}
	if (m->count < 2)
		return;
	prev = mq_at(m, m->count - 2);
	if (prev->verdict == UMB_MREQ_DENIED && prev->end == e->start &&
			(prev->start >= m->stop_at) == (e->start >= m->stop_at)) {
		/* The message ends into prev: feed() records the newest's end. */
		prev->end = UINT64_MAX;
		mirror_unpair_from(c, m->count - 1u);
		m->count--;
	}
}

/*
 * @p x goes back to the pool without being emitted (a request that turned
 * out not to be one): no entry may hold it any more, nor the shadow's
 * answer in progress, which may already have paired with it (the shadow
 * can answer before the request is whole). A holder left behind would
 * emit it a second time: the pool would then hand one record to two
 * requests.
 */
void
mirror_forget(struct umb_http_conn *c, const struct umb_exchange *x)
{
	struct umb_http_mirror *m = c->mirror;

	if (m == NULL)
		return;
	for (uint8_t i = 0; i < m->count; i++)
		if (mq_at(m, i)->x == x)
			mq_at(m, i)->x = NULL;
	if (m->cur == x)
		m->cur = NULL;
}

/* The request being parsed is broken: it must not reach the shadow. */
void
mirror_req_broken(struct umb_http_conn *c)
{
	struct umb_http_mirror *m = c->mirror;
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];

	if (m == NULL || !m->accepting)
		return;
	if (s->mirror == MSG_MIRROR_ENTRY && m->count > 0)
		mq_at(m, m->count - 1)->verdict = UMB_MREQ_DENIED;
	else
		mirror_stop(c, mirror_safe_end(c), UMB_OUTCOME_suppressed, 0);
	s->mirror = MSG_MIRROR_SKIP;
}

/* ---- the shadow side: answers ------------------------------------------- */

#define SH_INTERIM 0x1 /* this shadow message is a 1xx interim response */
#define SH_CARRY   0x2 /* an interim ended: the next message answers the same request */
#define SH_PAIRED  0x4 /* the message answers the FIFO's head */

/*
 * The entries from @p idx on leave the FIFO (suppressed, merged): an answer
 * the shadow has begun for one of them answers nothing now. It goes on as
 * an orphan (shadow_orphans), so its end pops no other entry: the shadow
 * can begin an answer before the request is whole, and before umbra finds
 * the request broken or denied.
 */
static void
mirror_unpair_from(struct umb_http_conn *c, unsigned int idx)
{
	struct umb_http_mirror *m = c->mirror;

	if (m->answered <= idx)
		return;
	m->answered = (uint8_t)idx;
	if (m->hflags & (SH_PAIRED | SH_CARRY)) {
		m->hflags &= (uint8_t)~(SH_PAIRED | SH_CARRY);
		m->cur = NULL;
		CTR_INC(c, shadow_orphans);
	}
}

/* The FIFO's head leaves it, ending with @p why (complete: as it is). */
static void
mirror_pop(struct umb_http_conn *c, enum umb_outcome why, uint8_t reason)
{
	struct umb_http_mirror *m = c->mirror;
	struct umb_exchange *x = mq_at(m, 0)->x;

	m->head = (uint8_t)((m->head + 1) % UMB_HTTP_MIRROR_QUEUE_MAX);
	m->count--;
	if (x == NULL)
		return;
	if (why == UMB_OUTCOME_suppressed)
		x_worsen(x, why);
	else if (why != UMB_OUTCOME_complete)
		x_not_mirrored(x, why, reason);
	*x_hold(x) &= ~HOLD_SHADOW;
	http_x_release(c, x);
}

/* Release what the FIFO held and forget every entry. */
static void
mirror_drop_all(struct umb_http_conn *c, enum umb_outcome why, uint8_t reason)
{
	struct umb_http_mirror *m = c->mirror;

	while (m->count > 0)
		mirror_pop(c, why, reason);
	m->answered = 0;
	m->cur = NULL;
	m->hflags = 0;
	if (c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_ENTRY ||
			c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_END)
		c->side[UMB_HTTP_CLIENT].mirror = MSG_MIRROR_SKIP;
}

/* A new shadow connection: its answers start a fresh parse. */
static void
shadow_parser_reset(struct umb_http_conn *c)
{
	struct umb_http_side *s = &c->side[UMB_HTTP_SHADOW];

	llhttp_init(&s->parser, HTTP_RESPONSE, &mirror_answer_settings);
	s->parser.data = c;
	llhttp_set_lenient_keep_alive(&s->parser, 1);
	llhttp_set_lenient_headers(&s->parser, 1);
	s->state = ST_IDLE;
}

void
umb_http_mirror_end_why(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t ts_us)
{
	struct umb_http_mirror *m;

	if (unlikely(c == NULL) || c->mirror == NULL)
		return;
	m = c->mirror;
	c->now_us = ts_us;
	mirror_drop_all(c, why, (uint8_t)reason);
	m->active = 0;
	m->accepting = 0;
	if (why != UMB_OUTCOME_complete && c->mirror_ended == 0) {
		c->mirror_ended = (uint8_t)why;
		c->mirror_reason = (uint8_t)reason;
	}
	c->side[UMB_HTTP_SHADOW].state = ST_DEAD;
	c->mirror = NULL; /* its owner may reuse it now */
}

void
umb_http_mirror_end(struct umb_http_conn *c, enum umb_outcome why,
		uint64_t ts_us)
{
	umb_http_mirror_end_why(c, why, UMB_MREASON_none, ts_us);
}

/* The shadow's bytes cannot be paired any more: the mirror ends. */
void
mirror_fail(struct umb_http_conn *c)
{
	c->mirror_failed = 1;
	umb_http_mirror_end(c, UMB_OUTCOME_shadow_error, c->now_us);
}

static int
sresp_message_begin(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_mirror *m = c->mirror;
	struct umb_http_side *s = &c->side[UMB_HTTP_SHADOW];
	struct umb_http_mreq *e;

	s->state = ST_MSG;
	m->in_body = 0;
	XXH64_reset(&m->hash, 0);
	hdrbuf_reset(&m->hdr[UMB_SIDE_SHADOW]);
	if (m->hflags & SH_CARRY) {
		m->hflags = SH_PAIRED;
	} else {
		if (m->answered >= m->count ||
				mq_at(m, m->answered)->start >= m->stop_at) {
			/* e.g. a 408 the shadow sends before closing an idle connection */
			CTR_INC(c, shadow_orphans);
			m->hflags = 0;
			m->cur = NULL;
			return 0;
		}
		e = mq_at(m, m->answered);
		e->begun = 1;
		m->answered++;
		m->cur = e->x;
		m->hflags = SH_PAIRED;
	}
	if (m->cur != NULL)
		answer_begin(&m->cur->ans[UMB_SIDE_SHADOW], c->now_us);
	return 0;
}

/* The shadow's headers are collected only for exchanges kept for comparing. */
static struct umb_exchange *
sresp_keeps(llhttp_t *p)
{
	struct umb_http_mirror *m = conn_of(p)->mirror;

	if (m == NULL || m->cur == NULL || !(m->cur->flags & UMB_X_KEEP))
		return NULL;
	return m->cur;
}

static int
sresp_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct umb_exchange *x = sresp_keeps(p);

	if (x != NULL)
		hdrbuf_field(conn_of(p), x, UMB_SIDE_SHADOW, at, n);
	return 0;
}

static int
sresp_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct umb_exchange *x = sresp_keeps(p);

	if (x != NULL)
		hdrbuf_value(conn_of(p), x, UMB_SIDE_SHADOW, at, n);
	return 0;
}

static int
sresp_header_value_complete(llhttp_t *p)
{
	struct umb_exchange *x = sresp_keeps(p);

	if (x != NULL)
		hdrbuf_line_end(conn_of(p), x, UMB_SIDE_SHADOW);
	return 0;
}

static int
sresp_headers_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_mirror *m = c->mirror;
	struct umb_exchange *x = m->cur;
	int status = p->status_code;
	uint8_t method = HTTP_GET;

	if (status < 200 && status != 101) {
		CTR_INC(c, shadow_interim);
		m->hflags |= SH_INTERIM;
		if (x != NULL)
			answer_interim(&x->ans[UMB_SIDE_SHADOW]);
		return 1;
	}
	CTR_INC(c, shadow_responses);
	if ((m->hflags & SH_PAIRED) && m->count > 0) {
		const struct umb_http_mreq *e = mq_at(m, 0);

		method = e->method;
		/* The shadow will close after this answer (Connection: close,
		 * its keepalive limit): nothing after this request goes on
		 * this connection; the next request opens a new one. */
		if (!llhttp_should_keep_alive(p) && e->end != UINT64_MAX &&
				m->accepting) {
			CTR_INC(c, shadow_close_announced);
			mirror_stop(c, e->end, UMB_OUTCOME_not_mirrored,
					UMB_MREASON_reopening);
		}
	}
	/* A 101 ends the comparison; its bytes after it are never parsed. */
	if (!answer_headers(c, x, UMB_SIDE_SHADOW, p,
			status == 101 ? HTTP_HEAD : method))
		return 1;
	m->in_body = 1;
	return 0;
}

static int
sresp_body(llhttp_t *p, const char *at, size_t n)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->mirror->cur;

	if (x == NULL)
		return 0;
	answer_body(c, x, UMB_SIDE_SHADOW, &c->mirror->hash, at, n, true);
	return 0;
}

static int
sresp_message_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_mirror *m = c->mirror;
	struct umb_exchange *x = m->cur;
	struct umb_http_mreq *e;

	c->side[UMB_HTTP_SHADOW].state = ST_IDLE;
	m->in_body = 0;
	if (m->hflags & SH_INTERIM) {
		m->hflags = (m->hflags & SH_PAIRED) ? (SH_PAIRED | SH_CARRY) : 0;
		return 0;
	}
	if (!(m->hflags & SH_PAIRED) || m->count == 0) {
		m->hflags = 0;
		return 0;
	}
	m->hflags = 0;
	/* Answers come in order: this one answers the FIFO's head. */
	e = mq_at(m, 0);
	m->done_end = e->end != UINT64_MAX ? e->end : e->start;
	m->head = (uint8_t)((m->head + 1) % UMB_HTTP_MIRROR_QUEUE_MAX);
	m->count--;
	m->answered--;
	m->cur = NULL;
	if (x == NULL)
		return 0;
	answer_complete(x, UMB_SIDE_SHADOW, &m->hash, true, c->now_us);
	*x_hold(x) &= ~HOLD_SHADOW;
	http_x_release(c, x);
	return 0;
}

const llhttp_settings_t mirror_answer_settings = {
	.on_message_begin = sresp_message_begin,
	.on_header_field = sresp_header_field,
	.on_header_value = sresp_header_value,
	.on_header_value_complete = sresp_header_value_complete,
	.on_headers_complete = sresp_headers_complete,
	.on_body = sresp_body,
	.on_message_complete = sresp_message_complete,
};

void
umb_http_mirror_refuse(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason)
{
	if (c == NULL)
		return;
	c->mirror_ended = (uint8_t)why;
	c->mirror_reason = (uint8_t)reason;
}

void
umb_http_mirror_enable(struct umb_http_conn *c, struct umb_http_mirror *m)
{
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];

	memset(m, 0, sizeof(*m));
	c->mirror = m;
	m->active = 1;
	m->accepting = 1;
	/* Offsets count from the connection's first byte, whenever the
	 * mirror starts; a request in progress is left out (its first bytes
	 * are gone), the next one is the first tracked. */
	m->fed = c->client_fed;
	m->done_end = c->client_fed;
	if (s->state != ST_IDLE && s->state != ST_RESYNC) {
		if (s->mirror == MSG_MIRROR_NONE || s->mirror == MSG_MIRROR_ENTRY ||
				s->mirror == MSG_MIRROR_END)
			s->mirror = MSG_MIRROR_SKIP;
		if (c->cur_req != NULL && c->mirror_ended == 0)
			x_not_mirrored(c->cur_req, UMB_OUTCOME_not_mirrored,
					UMB_MREASON_before_boundary);
	}
	c->mirror_ended = 0;
	c->mirror_reason = 0;
	c->mirror_failed = 0;
	m->stop_at = UINT64_MAX;
	shadow_parser_reset(c);
	XXH64_reset(&m->hash, 0);
}

int
umb_http_mirror_limit(const struct umb_http_conn *c, uint64_t *limit)
{
	const struct umb_http_mirror *m = c->mirror;
	uint64_t lim;

	if (m == NULL) {
		*limit = 0;
		return 0;
	}
	lim = m->done_end;

	for (unsigned int i = 0; i < m->count; i++) {
		const struct umb_http_mreq *e = mq_at_c(m, i);

		if (e->start >= m->stop_at)
			break;
		/*
		 * A denied request, or bytes no entry covers before this one
		 * (a request skipped past the queue cap): this connection's
		 * stream ends here; what follows goes on the next one.
		 */
		if (e->verdict == UMB_MREQ_DENIED || e->start > lim) {
			*limit = lim;
			return m->accepting && !m->cut;
		}
		if (e->verdict != UMB_MREQ_ALLOWED)
			break;
		/* Pacing: wait for the previous answer unless the client pipelined. */
		if (i > 0 && !e->pipelined && !mq_at_c(m, i - 1)->begun)
			break;
		if (e->end == UINT64_MAX) {
			lim = m->fed; /* its bytes so far */
			break;
		}
		lim = e->end;
	}
	if (m->stop_at != UINT64_MAX && lim >= m->stop_at) {
		*limit = m->stop_at;
		return m->accepting && !m->cut;
	}
	*limit = lim;
	return 0;
}

/* May requests after this connection's end go on a later one? */
static int
mirror_carries(const struct umb_http_mirror *m)
{
	return m->stop_reason != UMB_MREASON_share_lowered &&
		m->stop_reason != UMB_MREASON_rolled_back &&
		m->stop_why != UMB_OUTCOME_gap;
}

void
umb_http_mirror_suppress(struct umb_http_conn *c)
{
	struct umb_http_mirror *m = c->mirror;
	unsigned int keep = 0, w;
	uint64_t prev;

	if (m == NULL || !m->accepting || m->cut)
		return;
	/* Keep the requests before the first one that must not go out on
	 * this connection: denied, past the stop, or after bytes no entry
	 * covers (as umb_http_mirror_limit decides). */
	prev = m->done_end;
	while (keep < m->count) {
		const struct umb_http_mreq *e = mq_at(m, keep);

		if (e->verdict == UMB_MREQ_DENIED || e->start >= m->stop_at ||
				e->start > prev)
			break;
		prev = e->end != UINT64_MAX ? e->end : m->fed;
		keep++;
	}
	if (keep < m->count && mq_at(m, keep)->start > prev) {
		/* A gap (whatever comes after it, a denied request too): this
		 * connection ends before it. */
		if (prev < m->stop_at)
			m->stop_at = prev;
	} else if (keep < m->count &&
			mq_at(m, keep)->verdict == UMB_MREQ_DENIED &&
			mq_at(m, keep)->start < m->stop_at) {
		/* This connection ends before the denied request, which is
		 * suppressed; what follows it may go on the next one. */
		struct umb_http_mreq *e = mq_at(m, keep);

		CTR_INC(c, mirror_denied);
		m->stop_at = e->start;
		if (e->x != NULL) {
			x_worsen(e->x, UMB_OUTCOME_suppressed);
			*x_hold(e->x) &= ~HOLD_SHADOW;
			http_x_release(c, e->x);
		}
		for (unsigned int i = keep; i + 1 < m->count; i++)
			*mq_at(m, i) = *mq_at(m, i + 1);
		m->count--;
		if (c->side[UMB_HTTP_CLIENT].mirror != MSG_MIRROR_NONE &&
				m->count == keep &&
				c->side[UMB_HTTP_CLIENT].mirror != MSG_MIRROR_SKIP)
			c->side[UMB_HTTP_CLIENT].mirror = MSG_MIRROR_SKIP;
	}
	mirror_unpair_from(c, keep);
	m->cut = 1;
	if (mirror_carries(m))
		return;
	/* Stopped for good: nothing after the end goes anywhere. */
	for (w = keep; w < m->count; w++) {
		const struct umb_http_mreq *e = mq_at(m, w);
		struct umb_exchange *x = e->x;

		if (x == NULL)
			continue;
		if (e->verdict == UMB_MREQ_DENIED)
			x_worsen(x, UMB_OUTCOME_suppressed);
		else
			x_not_mirrored(x, (enum umb_outcome)m->stop_why,
					m->stop_reason);
		*x_hold(x) &= ~HOLD_SHADOW;
		http_x_release(c, x);
	}
	m->count = (uint8_t)keep;
	if (c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_ENTRY ||
			c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_END)
		c->side[UMB_HTTP_CLIENT].mirror = MSG_MIRROR_SKIP;
	m->accepting = 0;
	c->mirror_ended = UMB_OUTCOME_not_mirrored;
	c->mirror_reason = m->stop_reason;
}

unsigned int
umb_http_mirror_switch(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason, uint64_t ts_us)
{
	struct umb_http_mirror *m = c->mirror;

	if (m == NULL)
		return 0;
	c->now_us = ts_us;
	while (m->count > 0 && mq_at(m, 0)->start < m->stop_at)
		mirror_pop(c, why, (uint8_t)reason);
	m->answered = 0;
	m->cur = NULL;
	m->hflags = 0;
	m->in_body = 0;
	m->gap_in_msg = 0;
	m->stop_at = UINT64_MAX;
	m->stop_why = 0;
	m->stop_reason = 0;
	m->cut = 0;
	m->done_end = m->count > 0 ? mq_at(m, 0)->start : m->fed;
	c->mirror_failed = 0;
	shadow_parser_reset(c);
	XXH64_reset(&m->hash, 0);
	return m->count;
}

int
umb_http_mirror_next(struct umb_http_conn *c, uint64_t held_from,
		uint64_t *start)
{
	struct umb_http_mirror *m = c->mirror;

	if (m == NULL || !m->accepting || m->cut)
		return -1;
	while (m->count > 0) {
		const struct umb_http_mreq *e = mq_at(m, 0);

		if (e->verdict == UMB_MREQ_DENIED) {
			CTR_INC(c, mirror_denied);
			mirror_pop(c, UMB_OUTCOME_suppressed, 0);
		} else if (e->start < held_from) {
			mirror_pop(c, UMB_OUTCOME_not_mirrored,
					UMB_MREASON_reopening);
		} else {
			break;
		}
		m->done_end = m->count > 0 ? mq_at(m, 0)->start : m->fed;
	}
	if (m->count == 0) {
		if (c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_ENTRY ||
				c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_END)
			c->side[UMB_HTTP_CLIENT].mirror = MSG_MIRROR_SKIP;
		return -1;
	}
	/* A connection opened now starts at this request. */
	m->done_end = mq_at(m, 0)->start;
	*start = mq_at(m, 0)->start;
	return mq_at(m, 0)->verdict;
}

unsigned int
umb_http_mirror_carried(const struct umb_http_conn *c, uint64_t *start)
{
	const struct umb_http_mirror *m = c->mirror;

	if (m == NULL || !m->cut || !m->accepting)
		return 0;
	for (unsigned int i = 0; i < m->count; i++) {
		if (mq_at_c(m, i)->start >= m->stop_at) {
			*start = mq_at_c(m, i)->start;
			return m->count - i;
		}
	}
	return 0;
}

void
umb_http_mirror_stop_at(struct umb_http_conn *c, uint64_t off,
		enum umb_outcome why, enum umb_mirror_reason reason)
{
	if (c->mirror == NULL || !c->mirror->accepting || c->mirror->cut)
		return;
	mirror_stop(c, off, why, (uint8_t)reason);
}

int
umb_http_mirror_first(const struct umb_http_conn *c, uint64_t *start)
{
	const struct umb_http_mirror *m = c->mirror;

	if (m == NULL || m->count == 0 || !m->accepting)
		return -1;
	*start = mq_at_c(m, 0)->start;
	return mq_at_c(m, 0)->verdict;
}

void
umb_http_mirror_stop_new(struct umb_http_conn *c, enum umb_outcome why,
		enum umb_mirror_reason reason)
{
	struct umb_http_mirror *m = c->mirror;

	if (m == NULL || !m->accepting)
		return;
	mirror_stop(c, mirror_safe_end(c), why, (uint8_t)reason);
}

void
umb_http_mirror_sent(struct umb_http_conn *c, uint64_t sent_off,
		uint64_t now_us)
{
	struct umb_http_mirror *m = c->mirror;

	if (m == NULL)
		return;
	for (unsigned int i = 0; i < m->count; i++) {
		struct umb_http_mreq *e = mq_at(m, i);

		if (e->sent)
			continue;
		if (e->end == UINT64_MAX || e->end > sent_off)
			break;
		e->sent = 1;
		e->sent_us = now_us;
		if (e->x != NULL) {
			e->x->flags |= UMB_X_SHADOW_SENT;
			e->x->shadow_sent_us = now_us;
		}
	}
}

uint64_t
umb_http_mirror_waiting_since(const struct umb_http_conn *c)
{
	const struct umb_http_mirror *m = c->mirror;

	if (m == NULL)
		return 0;
	for (unsigned int i = 0; i < m->count; i++) {
		const struct umb_http_mreq *e = mq_at_c(m, i);

		if (e->begun)
			continue;
		if (e->sent)
			return e->sent_us;
		return e->end != UINT64_MAX ? e->ready_us : 0;
	}
	return 0;
}

