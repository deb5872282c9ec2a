/* SPDX-License-Identifier: BSD-3-Clause
 * HTTP/1.x exchange builder (see umb_http.h): the two llhttp parsers of a
 * connection, the FIFO that pairs responses with requests, resynchronisation
 * after errors and capture gaps, and the life of every exchange record from
 * the request's first byte to the emit callback.
 *
 * Ownership of a record. A record is held by up to three things at once: the
 * request parser (c->cur_req, while its request is being parsed), the FIFO
 * (c->pending, from the request's first byte until its final response
 * begins) and the response parser (c->cur_resp, from the response's first
 * byte until it ends). Each holder lets go in its own time; the record is
 * emitted when the last one does (x_release). Its outcome is the worst of
 * what each holder reported: the enum is ordered so that max() is that rule
 * (complete < no_response < incomplete < gap < parse_error < unsupported).
 *
 * A request that cannot get a record (pool empty) still takes a FIFO slot
 * holding NULL, so the responses that follow still pair in order. Only the
 * pipeline cap (UMB_HTTP_PIPELINE_MAX) loses a slot.
 *
 * A request parse error keeps its slot: the server usually answers the
 * broken request (a 400), and that answer must not pair with the next
 * request. The record is emitted, outcome parse_error, once its response
 * passed or at conn_end.
 *
 * Pipelining (c->pipelined) is believed only once a response began while a
 * later request already waited behind it and no server gap was seen since
 * the last response. A request that starts while an earlier one still waits
 * is only suspected of pipelining (UMB_X_PIPELINED): when a capture gap ate
 * the server's answer, reassembly reports that gap only when later bytes
 * arrive, after the client's next request.
 *
 * Two lenient llhttp flags are set, because an observer must parse what the
 * peers actually accepted rather than what a strict server would:
 * keep-alive (llhttp would otherwise drop every byte after a message that
 * implies close, HTTP/1.0 or Connection: close, yet real servers often go on
 * answering) and headers (llhttp 8.1 rejects bare-LF line ends after header
 * values, which nginx and Apache accept). Other traffic that llhttp rejects
 * is a counted parse error, and the direction resynchronises at the next
 * segment that starts a message.
 *
 * Work per call is bounded by the bytes given and by UMB_HTTP_PIPELINE_MAX.
 * A gap inside a body of known length is fed to llhttp as zeros, at most
 * the gap's length in ZERO_CHUNK pieces, each consumed in constant time
 * (llhttp skips Content-Length and chunk data without looking at it); a gap
 * in a close-delimited body, which llhttp would walk byte by byte, is only
 * counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "umb_http.h"
#include "http_private.h"

UMB_CTR_GROUP_DEFINE(http, UMB_HTTP_COUNTERS, UMB_HTTP_CTR_MAX);
UMB_CTR_GROUP_DEFINE(outcome, UMB_OUTCOMES, UMB_OUTCOME_MAX);

/* umb_http_side.in_body */
/* Why a request has no record (counted once its method is recognised). */
enum { NO_RECORD_NONE = 0, NO_RECORD_OVERFLOW, NO_RECORD_POOL_EMPTY };

#define BODY_IN    0x1 /* between headers complete and message complete */
#define BODY_CHUNK 0x2 /* inside the data of a chunk (on_chunk_header seen) */

/*
 * umb_http_side.hdr_field of the request side: how many bytes of "host" the
 * current header name matched so far (0..4), then HDR_OTHER or HDR_HOST.
 */
#define HDR_HOST_LEN 4
#define HDR_OTHER 5
#define HDR_HOST  6

/*
 * umb_http_side.hdr_field of the response side (responses collect no
 * header): how the response being parsed pairs.
 */
#define RESP_PAIRED  0x1 /* took a FIFO slot (cur_resp may still be NULL) */
#define RESP_INTERIM 0x2 /* this message is a 1xx interim response */
#define RESP_CARRY   0x4 /* an interim ended: the next response keeps the slot */

/* Gap bytes are fed to llhttp from here, at most this many per call. */
#define ZERO_CHUNK 16384
static const char zeros[ZERO_CHUNK];

const char *
umb_outcome_name(enum umb_outcome o)
{
	if ((unsigned int)o >= UMB_OUTCOME_MAX)
		return "unknown";
	return umb_outcome_ctr_names_[o];
}

static const char *const mirror_reason_names_[] = {
#define UMB_MREASON_NAME_(n, d) #n,
	UMB_MIRROR_REASONS(UMB_MREASON_NAME_)
#undef UMB_MREASON_NAME_
};

const char *
umb_mirror_reason_name(enum umb_mirror_reason r)
{
	if ((unsigned int)r >= UMB_MREASON_MAX)
		return "unknown";
	return mirror_reason_names_[r];
}

/* Method tokens that restart the request parser (llhttp's HTTP methods). */
#define METHOD_STR_(num, name, string) #string,
static const char *const method_names[] = {
	HTTP_METHOD_MAP(METHOD_STR_)
	"PRI",
};
#undef METHOD_STR_

/* ---- records and the FIFO ---------------------------------------------- */

static bool
fifo_holds(const struct umb_http_conn *c, const struct umb_exchange *x)
{
	for (unsigned int i = 0; i < c->count; i++)
		if (c->pending[(c->head + i) % UMB_HTTP_PIPELINE_MAX].x == x)
			return true;
	return false;
}

static struct umb_http_slot *
fifo_newest(struct umb_http_conn *c)
{
	return &c->pending[(c->head + c->count - 1) % UMB_HTTP_PIPELINE_MAX];
}

/* Take the oldest slot's record; its method in *@p method when not NULL. */
static struct umb_exchange *
fifo_pop_m(struct umb_http_conn *c, uint8_t *method)
{
	struct umb_http_slot *sl = &c->pending[c->head];
	struct umb_exchange *x = sl->x;

	if (method != NULL)
		*method = sl->method;
	sl->x = NULL;
	sl->method = HTTP_GET;
	c->head = (c->head + 1) % UMB_HTTP_PIPELINE_MAX;
	c->count--;
	return x;
}

static struct umb_exchange *
fifo_pop(struct umb_http_conn *c)
{
	return fifo_pop_m(c, NULL);
}

static void
fifo_remove(struct umb_http_conn *c, const struct umb_exchange *x)
{
	unsigned int i, n = c->count;

	for (i = 0; i < n; i++)
		if (c->pending[(c->head + i) % UMB_HTTP_PIPELINE_MAX].x == x)
			break;
	if (i == n)
		return;
	for (; i + 1 < n; i++)
		c->pending[(c->head + i) % UMB_HTTP_PIPELINE_MAX] =
			c->pending[(c->head + i + 1) % UMB_HTTP_PIPELINE_MAX];
	c->pending[(c->head + n - 1) % UMB_HTTP_PIPELINE_MAX].x = NULL;
	c->pending[(c->head + n - 1) % UMB_HTTP_PIPELINE_MAX].method = HTTP_GET;
	c->count--;
}

static void
x_emit(struct umb_http_conn *c, struct umb_exchange *x)
{
	struct umb_http_ctx *ctx = c->ctx;

	if (x->flags & (UMB_X_REQ_GAP | UMB_X_RESP_GAP))
		x_worsen(x, UMB_OUTCOME_gap);
	if (x->outcome >= UMB_OUTCOME_MAX)
		x->outcome = UMB_OUTCOME_parse_error;
	UMB_CTR_INC(ctx->outcome_ctr, x->outcome);
	/* Only exchanges both sides completed are compared. */
	if ((x->flags & UMB_X_KEEP) && x->outcome != UMB_OUTCOME_complete)
		umb_exchange_free_kept(x);
	if (ctx->emit != NULL) {
		ctx->emit(ctx->emit_arg, x);
	} else {
		umb_exchange_free_kept(x);
		rte_mempool_put(ctx->xpool, x);
	}
}

/* One holder let go of @p x: emit it when nothing holds it any more. */
void
http_x_release(struct umb_http_conn *c, struct umb_exchange *x)
{
	if (x == NULL || x == c->cur_req || x == c->cur_resp ||
			(*x_hold(x) & HOLD_SHADOW) || fifo_holds(c, x))
		return;
	x_emit(c, x);
}

/* End @p x now whoever holds it; its parsers go on without it. */
static void
x_finish_now(struct umb_http_conn *c, struct umb_exchange *x,
		enum umb_outcome o)
{
	if (x == NULL)
		return;
	x_worsen(x, o);
	fifo_remove(c, x);
	if (c->cur_req == x)
		c->cur_req = NULL;
	if (c->cur_resp == x)
		c->cur_resp = NULL;
	if (*x_hold(x) & HOLD_SHADOW)
		return; /* the shadow side emits it when its answer ends */
	x_emit(c, x);
}

static void
x_start(struct umb_http_conn *c, struct umb_exchange *x)
{
	memset(x, 0, offsetof(struct umb_exchange, route));
	*x_hold(x) = 0;
	x->route[0] = '\0';
	x->method[0] = '\0';
	x->uri[0] = '\0';
	x->host[0] = '\0';
	x->req_first_us = c->now_us;
	x->flow_id = c->flow_id;
	x->client = c->client;
	x->server = c->server;
	x->client_port = c->client_port;
	x->server_port = c->server_port;
	x->af = c->af;
	x->outcome = UMB_OUTCOME_complete;
	x->mirror_reason = UMB_MREASON_none;
	x->ans[UMB_SIDE_PROD].status = -1;
	x->ans[UMB_SIDE_SHADOW].status = -1;
	x->flags = c->flags;
	x->index = c->nb_requests;
	if (c->mirror != NULL && c->mirror->accepting) {
		x->flags |= UMB_X_MIRRORED;
		if (c->ctx->cpool != NULL)
			x->flags |= UMB_X_KEEP;
	} else if (c->mirror_ended) {
		if (c->mirror_ended != UMB_OUTCOME_not_sampled &&
				c->mirror_ended != UMB_OUTCOME_not_mirrored)
			x->flags |= UMB_X_MIRRORED;
		x_not_mirrored(x, (enum umb_outcome)c->mirror_ended,
				c->mirror_reason);
	}
}

static void
append(char *dst, uint16_t *len, unsigned int cap, const char *at, size_t n,
		bool *trunc)
{
	size_t room = cap - 1 - *len;

	if (n > room) {
		n = room;
		*trunc = true;
	}
	memcpy(dst + *len, at, n);
	*len += n;
	dst[*len] = '\0';
}

/* ---- unsupported protocols ----------------------------------------------- */

/* Parsing ends for the whole connection; @p x (may be NULL) is the cause. */
static void
go_unsupported(struct umb_http_conn *c, struct umb_exchange *x)
{
	c->unsupported = 1;
	c->side[UMB_HTTP_CLIENT].state = ST_DEAD;
	c->side[UMB_HTTP_SERVER].state = ST_DEAD;
	CTR_INC(c, unsupported);
	x_finish_now(c, x, UMB_OUTCOME_unsupported);
}

/* ---- request callbacks ---------------------------------------------------- */

static int
req_message_begin(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];
	struct umb_exchange *x = NULL;

	/* A request left half-parsed (never happens with llhttp) ends here. */
	if (c->cur_req != NULL) {
		struct umb_exchange *old = c->cur_req;

		x_worsen(old, UMB_OUTCOME_incomplete);
		c->cur_req = NULL;
		http_x_release(c, old);
	}
	s->state = ST_MSG;
	s->in_body = 0;
	s->hdr_field = 0;
	s->gap_in_msg = 0;
	/* Counted as a request once its method is recognised (see
	 * req_method_complete); garbage gives its slot back. */
	s->counted = 0;
	s->no_record = NO_RECORD_NONE;
	s->mirror = MSG_MIRROR_NONE;
	s->mpipelined = c->count > 0 && !c->resp_after_gap;
	if (c->count >= UMB_HTTP_PIPELINE_MAX) {
		s->no_record = NO_RECORD_OVERFLOW;
		c->nb_requests++;
		return 0;
	}
	if (c->ctx->xpool == NULL ||
			rte_mempool_get(c->ctx->xpool, (void **)&x) != 0) {
		s->no_record = NO_RECORD_POOL_EMPTY;
		x = NULL;
	}
	if (x != NULL)
		x_start(c, x);
	if (c->count > 0 && !c->resp_after_gap) {
		CTR_INC(c, pipelined_requests);
		if (x != NULL)
			x->flags |= UMB_X_PIPELINED;
	}
	c->pending[(c->head + c->count) % UMB_HTTP_PIPELINE_MAX].x = x;
	c->pending[(c->head + c->count) % UMB_HTTP_PIPELINE_MAX].method = HTTP_GET;
	c->count++;
	c->cur_req = x;
	c->nb_requests++;
	return 0;
}

static int
req_method_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];
	struct umb_exchange *x = c->cur_req;
	const char *m;
	size_t n;

	if (!s->counted) {
		s->counted = 1;
		CTR_INC(c, requests);
		if (s->no_record == NO_RECORD_OVERFLOW)
			CTR_INC(c, pipeline_overflow);
		else if (s->no_record == NO_RECORD_POOL_EMPTY)
			CTR_INC(c, record_pool_empty);
	}
	if (s->mirror == MSG_MIRROR_ENTRY && c->mirror != NULL) {
		struct umb_http_mreq *e = mq_at(c->mirror, c->mirror->count - 1);

		e->method = p->method;
		e->verdict = p->method < 64 &&
			(c->ctx->allowed_methods >> p->method) & 1 ?
			UMB_MREQ_ALLOWED : UMB_MREQ_DENIED;
		if (e->verdict == UMB_MREQ_DENIED)
			mirror_req_denied(c);
	}
	/* The slot keeps the method even without a record (HEAD answers). */
	if (s->no_record != NO_RECORD_OVERFLOW && c->count > 0 &&
			fifo_newest(c)->x == x)
		fifo_newest(c)->method = (uint8_t)p->method;
	if (x == NULL)
		return 0;
	m = llhttp_method_name((llhttp_method_t)p->method);
	n = strnlen(m, UMB_HTTP_METHOD_MAX - 1);
	memcpy(x->method, m, n);
	x->method[n] = '\0';
	x->method_len = n;
	return 0;
}

static int
req_method(llhttp_t *p, const char *at, size_t n)
{
	struct umb_http_conn *c = conn_of(p);

	RTE_SET_USED(n);
	if (c->side[UMB_HTTP_CLIENT].mirror == MSG_MIRROR_NONE)
		mirror_req_start(c, at);
	return 0;
}

static int
req_url(llhttp_t *p, const char *at, size_t n)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->cur_req;
	bool trunc = false;

	if (x == NULL || (x->flags & UMB_X_URI_TRUNC))
		return 0;
	append(x->uri, &x->uri_len, UMB_HTTP_URI_MAX, at, n, &trunc);
	if (trunc) {
		x->flags |= UMB_X_URI_TRUNC;
		CTR_INC(c, uri_truncated);
	}
	return 0;
}

static int
req_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct umb_http_side *s = &conn_of(p)->side[UMB_HTTP_CLIENT];
	static const char host[] = "host";

	for (size_t i = 0; i < n && s->hdr_field < HDR_OTHER; i++) {
		if (s->hdr_field == HDR_HOST_LEN ||
				(at[i] | 0x20) != host[s->hdr_field])
			s->hdr_field = HDR_OTHER;
		else
			s->hdr_field++;
	}
	return 0;
}

static int
req_header_field_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];
	const struct umb_exchange *x = c->cur_req;

	/* The first Host header counts; a repeated one is ignored. */
	if (s->hdr_field == HDR_HOST_LEN && x != NULL && x->host_len == 0 &&
			!(x->flags & UMB_X_HOST_TRUNC))
		s->hdr_field = HDR_HOST;
	else
		s->hdr_field = HDR_OTHER;
	return 0;
}

static int
req_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->cur_req;
	bool trunc = false;

	if (c->side[UMB_HTTP_CLIENT].hdr_field != HDR_HOST || x == NULL ||
			(x->flags & UMB_X_HOST_TRUNC))
		return 0;
	append(x->host, &x->host_len, UMB_HTTP_HOST_MAX, at, n, &trunc);
	if (trunc)
		x->flags |= UMB_X_HOST_TRUNC;
	return 0;
}

static int
req_header_value_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->cur_req;

	/* llhttp drops leading blanks of a value but keeps trailing ones. */
	if (c->side[UMB_HTTP_CLIENT].hdr_field == HDR_HOST && x != NULL) {
		while (x->host_len > 0 && (x->host[x->host_len - 1] == ' ' ||
				x->host[x->host_len - 1] == '\t'))
			x->host[--x->host_len] = '\0';
	}
	c->side[UMB_HTTP_CLIENT].hdr_field = 0;
	return 0;
}

static int
req_headers_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->cur_req;

	c->side[UMB_HTTP_CLIENT].in_body = BODY_IN;
	c->side[UMB_HTTP_CLIENT].hdr_field = 0;
	if (x != NULL) {
		x->http_major = p->http_major;
		x->http_minor = p->http_minor;
	}
	return 0;
}

static int
req_body(llhttp_t *p, const char *at, size_t n)
{
	struct umb_exchange *x = conn_of(p)->cur_req;

	RTE_SET_USED(at);
	if (x != NULL)
		x->req_body_bytes += n;
	return 0;
}

static int
chunk_header(llhttp_t *p, int dir)
{
	struct umb_http_side *s = &conn_of(p)->side[dir];

	if (p->content_length > 0)
		s->in_body |= BODY_CHUNK;
	return 0;
}

static int
chunk_complete(llhttp_t *p, int dir)
{
	conn_of(p)->side[dir].in_body &= ~BODY_CHUNK;
	return 0;
}

static int
req_chunk_header(llhttp_t *p)
{
	return chunk_header(p, UMB_HTTP_CLIENT);
}

static int
req_chunk_complete(llhttp_t *p)
{
	return chunk_complete(p, UMB_HTTP_CLIENT);
}

static int
req_message_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->cur_req;
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];

	s->state = ST_IDLE;
	s->in_body = 0;
	if (x != NULL) {
		x->flags |= UMB_X_REQ_DONE;
		x->req_last_us = c->now_us;
		c->cur_req = NULL;
		http_x_release(c, x);
	}
	if (s->mirror == MSG_MIRROR_ENTRY && c->mirror != NULL &&
			c->mirror->buf != NULL) {
		/* Pause so that feed() learns where the request ended. */
		mq_at(c->mirror, c->mirror->count - 1)->ready_us = c->now_us;
		s->mirror = MSG_MIRROR_END;
		return HPE_PAUSED;
	}
	return 0;
}

static const llhttp_settings_t req_settings = {
	.on_message_begin = req_message_begin,
	.on_method = req_method,
	.on_url = req_url,
	.on_header_field = req_header_field,
	.on_header_value = req_header_value,
	.on_headers_complete = req_headers_complete,
	.on_body = req_body,
	.on_message_complete = req_message_complete,
	.on_method_complete = req_method_complete,
	.on_header_field_complete = req_header_field_complete,
	.on_header_value_complete = req_header_value_complete,
	.on_chunk_header = req_chunk_header,
	.on_chunk_complete = req_chunk_complete,
};

/* ---- response callbacks --------------------------------------------------- */

/*
 * A response begins after a server gap on a connection that never
 * pipelined, with several requests waiting: the older ones lost their
 * answers in the gap. Keep only the newest.
 */
static void
drop_lost_answers(struct umb_http_conn *c)
{
	struct umb_exchange *newest;

	if (c->pipelined || c->count < 2)
		return;
	while (c->count > 1) {
		struct umb_exchange *x = fifo_pop(c);

		if (x != NULL)
			x->flags |= UMB_X_RESP_GAP;
		x_finish_now(c, x, UMB_OUTCOME_gap);
	}
	newest = c->pending[c->head].x;
	if (newest != NULL)
		newest->flags &= ~UMB_X_PIPELINED;
}

static int
resp_message_begin(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_side *s = &c->side[UMB_HTTP_SERVER];
	struct umb_http_hdrbuf *hb = answer_hdrbuf(c, UMB_SIDE_PROD);
	struct umb_exchange *x;

	s->state = ST_MSG;
	s->in_body = 0;
	s->gap_in_msg = 0;
	XXH64_reset(&c->hash, 0);
	if (hb != NULL)
		hdrbuf_reset(hb);

	if (s->hdr_field & RESP_CARRY) {
		/* The final response after an interim one: same exchange. */
		s->hdr_field = RESP_PAIRED;
	} else {
		if (c->cur_resp != NULL) {
			x = c->cur_resp;
			x_worsen(x, UMB_OUTCOME_incomplete);
			c->cur_resp = NULL;
			http_x_release(c, x);
		}
		if (c->resp_after_gap) {
			c->resp_after_gap = 0;
			drop_lost_answers(c);
		} else if (c->count > 1) {
			c->pipelined = 1;
		}
		if (c->count == 0) {
			CTR_INC(c, orphan_responses);
			s->hdr_field = 0;
			c->cur_resp_method = HTTP_GET;
			return 0;
		}
		c->cur_resp = fifo_pop_m(c, &c->cur_resp_method);
		s->hdr_field = RESP_PAIRED;
	}
	x = c->cur_resp;
	if (x != NULL)
		answer_begin(&x->ans[UMB_SIDE_PROD], c->now_us);
	return 0;
}

/* The request side waits after Upgrade/CONNECT: this response answers it. */
static inline bool
answers_paused(const struct umb_http_conn *c)
{
	uint8_t st = c->side[UMB_HTTP_CLIENT].state;

	return (st == ST_PAUSED || st == ST_PAUSED_LOST) && c->count == 0;
}

static void
resume_requests(struct umb_http_conn *c)
{
	struct umb_http_side *s = &c->side[UMB_HTTP_CLIENT];

	if (s->state == ST_PAUSED) {
		llhttp_resume_after_upgrade(&s->parser);
		s->state = ST_IDLE;
	} else {
		/* Bytes were dropped while waiting: find the next request. */
		s->state = ST_RESYNC;
	}
}

/* Production's headers are collected only for exchanges kept for comparing. */
static struct umb_exchange *
resp_keeps(llhttp_t *p)
{
	struct umb_exchange *x = conn_of(p)->cur_resp;

	return x != NULL && (x->flags & UMB_X_KEEP) ? x : NULL;
}

static int
resp_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct umb_exchange *x = resp_keeps(p);

	if (x != NULL)
		hdrbuf_field(conn_of(p), x, UMB_SIDE_PROD, at, n);
	return 0;
}

static int
resp_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct umb_exchange *x = resp_keeps(p);

	if (x != NULL)
		hdrbuf_value(conn_of(p), x, UMB_SIDE_PROD, at, n);
	return 0;
}

static int
resp_header_value_complete(llhttp_t *p)
{
	struct umb_exchange *x = resp_keeps(p);

	if (x != NULL)
		hdrbuf_line_end(conn_of(p), x, UMB_SIDE_PROD);
	return 0;
}

static int
resp_headers_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_side *s = &c->side[UMB_HTTP_SERVER];
	struct umb_exchange *x = c->cur_resp;
	int status = p->status_code;
	bool paused = answers_paused(c);
	bool connect;

	connect = (paused &&
		c->side[UMB_HTTP_CLIENT].parser.method == HTTP_CONNECT) ||
		c->cur_resp_method == HTTP_CONNECT;
	if (status == 101 || (connect && status / 100 == 2)) {
		/* Another protocol follows: this response ends parsing. */
		(void)answer_headers(c, x, UMB_SIDE_PROD, p, HTTP_HEAD);
		CTR_INC(c, responses);
		go_unsupported(c, x);
		return HPE_PAUSED;
	}
	if (status < 200) {
		CTR_INC(c, interim_responses);
		s->hdr_field |= RESP_INTERIM;
		if (x != NULL)
			answer_interim(&x->ans[UMB_SIDE_PROD]);
		return 1;
	}

	CTR_INC(c, responses);
	if (paused)
		resume_requests(c);
	if (x != NULL) {
		x->http_major = p->http_major;
		x->http_minor = p->http_minor;
	}
	if (!answer_headers(c, x, UMB_SIDE_PROD, p, c->cur_resp_method))
		return 1;
	s->in_body = BODY_IN;
	return 0;
}

static int
resp_body(llhttp_t *p, const char *at, size_t n)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_exchange *x = c->cur_resp;

	if (x == NULL)
		return 0;
	answer_body(c, x, UMB_SIDE_PROD, &c->hash, at, n,
			!c->side[UMB_HTTP_SERVER].gap_in_msg);
	return 0;
}

static int
resp_chunk_header(llhttp_t *p)
{
	return chunk_header(p, UMB_HTTP_SERVER);
}

static int
resp_chunk_complete(llhttp_t *p)
{
	return chunk_complete(p, UMB_HTTP_SERVER);
}

static int
resp_message_complete(llhttp_t *p)
{
	struct umb_http_conn *c = conn_of(p);
	struct umb_http_side *s = &c->side[UMB_HTTP_SERVER];
	struct umb_exchange *x = c->cur_resp;

	s->state = ST_IDLE;
	s->in_body = 0;
	if (s->hdr_field & RESP_INTERIM) {
		s->hdr_field = (s->hdr_field & RESP_PAIRED) ?
			(RESP_PAIRED | RESP_CARRY) : 0;
		return 0;
	}
	s->hdr_field = 0;
	if (x == NULL)
		return 0;
	answer_complete(x, UMB_SIDE_PROD, &c->hash, !s->gap_in_msg, c->now_us);
	c->cur_resp = NULL;
	http_x_release(c, x);
	return 0;
}

static const llhttp_settings_t resp_settings = {
	.on_message_begin = resp_message_begin,
	.on_header_field = resp_header_field,
	.on_header_value = resp_header_value,
	.on_header_value_complete = resp_header_value_complete,
	.on_headers_complete = resp_headers_complete,
	.on_body = resp_body,
	.on_message_complete = resp_message_complete,
	.on_chunk_header = resp_chunk_header,
	.on_chunk_complete = resp_chunk_complete,
};

/* ---- driving the parsers ------------------------------------------------ */

static void
side_reset(struct umb_http_side *s, int state)
{
	llhttp_reset(&s->parser);
	s->state = state;
	s->in_body = 0;
	s->hdr_field = 0;
	s->gap_in_msg = 0;
}

/*
 * The message in progress on @p dir is lost (parse error or gap): let go of
 * its record with @p o and wait for the next message start.
 */
static void
side_lose_message(struct umb_http_conn *c, int dir, enum umb_outcome o,
		uint16_t gap_flag)
{
	struct umb_http_side *s = &c->side[dir];
	struct umb_exchange *x;

	if (dir == UMB_HTTP_CLIENT) {
		x = c->cur_req;
		c->cur_req = NULL;
		if (s->state == ST_MSG && !s->counted) {
			/* Failed before a method was recognised: not a request.
			 * Take its record back from wherever it is held (a response
			 * may already have paired with it); a slot without a record
			 * is the newest in the FIFO. */
			CTR_INC(c, garbage_requests);
			if (x != NULL)
				mirror_forget(c, x);
			if (x != NULL) {
				fifo_remove(c, x);
				if (c->cur_resp == x)
					c->cur_resp = NULL;
			} else if (s->no_record == NO_RECORD_POOL_EMPTY && c->count > 0 &&
					fifo_newest(c)->x == NULL) {
				fifo_newest(c)->method = HTTP_GET;
				c->count--;
			}
			c->nb_requests--;
			if (x != NULL)
				rte_mempool_put(c->ctx->xpool, x);
			x = NULL;
		}
		mirror_req_broken(c);
	} else {
		x = c->cur_resp;
		c->cur_resp = NULL;
		c->resp_after_gap = 1;
	}
	if (x != NULL) {
		x->flags |= gap_flag;
		x_worsen(x, o);
		http_x_release(c, x);
	}
	s->state = ST_RESYNC;
	s->in_body = 0;
	s->hdr_field = 0;
	s->gap_in_msg = 0;
}

static uint32_t
bytes_after(const llhttp_t *parser, const uint8_t *p, uint32_t len)
{
	const uint8_t *e = (const uint8_t *)llhttp_get_error_pos(parser);

	if (e == NULL || e < p || e > p + len)
		return 0;
	return (uint32_t)(p + len - e);
}

/* Feed @p len bytes at @p p to the parser of @p dir and act on how it stops. */
static void
feed(struct umb_http_conn *c, int dir, const uint8_t *p, uint32_t len)
{
	struct umb_http_side *s = &c->side[dir];
	llhttp_errno_t err;
	uint32_t rest;

	/*
	 * Each turn either returns or resumes after a complete Upgrade/CONNECT
	 * request that consumed at least one byte: bounded by len.
	 */
	for (;;) {
		err = llhttp_execute(&s->parser, (const char *)p, len);
		if (err == HPE_OK)
			return;
		rest = bytes_after(&s->parser, p, len);
		switch (err) {
		case HPE_PAUSED:
			if (dir == UMB_HTTP_CLIENT && s->mirror == MSG_MIRROR_END) {
				/* A mirrored request ended right here. */
				struct umb_http_mirror *m = c->mirror;
				const uint8_t *e = (const uint8_t *)
					llhttp_get_error_pos(&s->parser);

				if (m != NULL && m->count > 0 && m->buf != NULL &&
						e != NULL)
					mq_at(m, m->count - 1)->end = m->base +
						(uint64_t)(e - m->buf);
				s->mirror = MSG_MIRROR_NONE;
				llhttp_resume(&s->parser);
				if (rest == 0 || rest > len)
					return;
				p += len - rest;
				len = rest;
				continue;
			}
			/* Otherwise only go_unsupported pauses: the rest is not parsed. */
			CTR_ADD(c, bytes_after_unsupported, rest);
			return;
		case HPE_PAUSED_UPGRADE:
		case HPE_PAUSED_H2_UPGRADE:
			if (dir == UMB_HTTP_SHADOW) {
				/* The shadow switched protocols: nothing more to compare. */
				mirror_fail(c);
				return;
			}
			if (err == HPE_PAUSED_H2_UPGRADE) {
				CTR_ADD(c, bytes_after_unsupported, rest);
				go_unsupported(c, dir == UMB_HTTP_CLIENT ?
					c->cur_req : c->cur_resp);
				return;
			}
			if (dir == UMB_HTTP_SERVER) {
				CTR_ADD(c, bytes_after_unsupported, rest);
				go_unsupported(c, c->cur_resp);
				return;
			}
			if (c->count == 0) {
				/* Its answer already began: go on at once. */
				llhttp_resume_after_upgrade(&s->parser);
				if (rest == 0 || rest >= len)
					return;
				p += len - rest;
				len = rest;
				continue;
			}
			s->state = rest > 0 ? ST_PAUSED_LOST : ST_PAUSED;
			CTR_ADD(c, resync_skipped_bytes, rest);
			return;
		default:
			if (dir == UMB_HTTP_SHADOW) {
				CTR_INC(c, shadow_parse_errors);
				mirror_fail(c);
				return;
			}
			CTR_INC(c, parse_errors);
			CTR_ADD(c, resync_skipped_bytes, rest);
			side_lose_message(c, dir, UMB_OUTCOME_parse_error, 0);
			return;
		}
	}
}

static bool
starts_message(int dir, const uint8_t *p, uint32_t len)
{
	if (dir != UMB_HTTP_CLIENT)
		return len >= 7 && memcmp(p, "HTTP/1.", 7) == 0;
	for (unsigned int i = 0; i < RTE_DIM(method_names); i++) {
		size_t n = strlen(method_names[i]);

		if (len > n && p[n] == ' ' && memcmp(p, method_names[i], n) == 0)
			return true;
	}
	return false;
}

/* Can these first bytes of a connection be (the start of) a request line? */
static bool
could_start_request(const uint8_t *p, uint32_t len)
{
	if (starts_message(UMB_HTTP_CLIENT, p, len))
		return true;
	for (unsigned int i = 0; i < RTE_DIM(method_names); i++) {
		size_t n = strlen(method_names[i]);

		if (len <= n && memcmp(p, method_names[i], len) == 0)
			return true;
	}
	return false;
}

void
umb_http_conn_init(struct umb_http_conn *c, struct umb_http_ctx *ctx,
		uint64_t flow_id, uint8_t af,
		const union umb_addr *client, uint16_t client_port,
		const union umb_addr *server, uint16_t server_port, int midstream)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->flow_id = flow_id;
	c->af = af;
	if (client != NULL)
		c->client = *client;
	if (server != NULL)
		c->server = *server;
	c->client_port = client_port;
	c->server_port = server_port;
	c->flags = midstream ? UMB_X_MIDSTREAM : 0;
	llhttp_init(&c->side[UMB_HTTP_CLIENT].parser, HTTP_REQUEST, &req_settings);
	llhttp_init(&c->side[UMB_HTTP_SERVER].parser, HTTP_RESPONSE,
		&resp_settings);
	llhttp_init(&c->side[UMB_HTTP_SHADOW].parser, HTTP_RESPONSE,
		&mirror_answer_settings);
	for (int d = 0; d < 3; d++) {
		c->side[d].parser.data = c;
		llhttp_set_lenient_keep_alive(&c->side[d].parser, 1);
		llhttp_set_lenient_headers(&c->side[d].parser, 1);
		c->side[d].state = midstream ? ST_RESYNC : ST_IDLE;
	}
	c->side[UMB_HTTP_SHADOW].state = ST_DEAD; /* until mirror_enable */
	XXH64_reset(&c->hash, 0);
}

static void data_in(struct umb_http_conn *c, int dir, const uint8_t *p,
		uint32_t len);

void
umb_http_data(struct umb_http_conn *c, int dir, const uint8_t *p,
		uint32_t len, uint64_t ts_us)
{
	struct umb_http_mirror *m;

	if (unlikely(c == NULL || dir < UMB_HTTP_CLIENT || dir > UMB_HTTP_SHADOW))
		return;
	c->now_us = ts_us;
	if (len == 0 || p == NULL)
		return;
	if (dir == UMB_HTTP_CLIENT)
		c->client_fed += len;
	m = c->mirror;
	if (dir != UMB_HTTP_CLIENT || m == NULL || !m->accepting) {
		if (dir == UMB_HTTP_CLIENT && m != NULL)
			m->fed += len;
		else if (dir == UMB_HTTP_SHADOW && m == NULL)
			return;
		data_in(c, dir, p, len);
		return;
	}
	/* Mirrored requests: the parser's callbacks turn pointers into offsets. */
	m->base = m->fed;
	m->buf = p;
	data_in(c, dir, p, len);
	m->buf = NULL;
	m->fed += len;
	if (c->side[UMB_HTTP_CLIENT].state == ST_DEAD ||
			c->side[UMB_HTTP_CLIENT].state == ST_PAUSED ||
			c->side[UMB_HTTP_CLIENT].state == ST_PAUSED_LOST)
		/* Not HTTP, or another protocol after Upgrade/CONNECT. */
		mirror_stop(c, mirror_safe_end(c), UMB_OUTCOME_suppressed, 0);
}

static void
data_in(struct umb_http_conn *c, int dir, const uint8_t *p, uint32_t len)
{
	struct umb_http_side *s;

	s = &c->side[dir];
	if (dir == UMB_HTTP_CLIENT && s->state == ST_IDLE && c->nb_requests == 0 &&
			!could_start_request(p, len)) {
		/* Not HTTP at all (TLS, MQTT, ...): no exchange to build. */
		CTR_INC(c, not_http);
		c->side[UMB_HTTP_CLIENT].state = ST_DEAD;
		c->side[UMB_HTTP_SERVER].state = ST_DEAD;
		CTR_ADD(c, bytes_after_unsupported, len);
		return;
	}
	switch (s->state) {
	case ST_ENDED:
		return;
	case ST_DEAD:
		CTR_ADD(c, bytes_after_unsupported, len);
		return;
	case ST_PAUSED:
	case ST_PAUSED_LOST:
		CTR_ADD(c, resync_skipped_bytes, len);
		s->state = ST_PAUSED_LOST;
		return;
	case ST_RESYNC:
		if (!starts_message(dir, p, len)) {
			CTR_ADD(c, resync_skipped_bytes, len);
			if (dir == UMB_HTTP_SERVER)
				c->resp_after_gap = 1;
			return;
		}
		CTR_INC(c, resyncs);
		side_reset(s, ST_IDLE);
		break;
	default:
		break;
	}
	feed(c, dir, p, len);
}

/* Can the gap be replaced in place by zeros without leaving the body? */
static bool
gap_fits_body(const struct umb_http_side *s, int dir, uint32_t len)
{
	const llhttp_t *p = &s->parser;

	if (s->state != ST_MSG || !(s->in_body & BODY_IN))
		return false;
	if (p->flags & F_CHUNKED)
		return (s->in_body & BODY_CHUNK) && p->content_length >= len;
	if (p->flags & F_CONTENT_LENGTH)
		return p->content_length >= len;
	return dir == UMB_HTTP_SERVER && llhttp_message_needs_eof(p);
}

void
umb_http_gap(struct umb_http_conn *c, int dir, uint32_t len, uint64_t ts_us)
{
	struct umb_http_side *s;
	struct umb_exchange *x;

	if (unlikely(c == NULL || dir < UMB_HTTP_CLIENT || dir > UMB_HTTP_SHADOW))
		return;
	c->now_us = ts_us;
	if (len == 0)
		return;
	if (dir == UMB_HTTP_SHADOW) {
		/* The shadow's stream lost bytes: it cannot be paired any more. */
		if (c->mirror != NULL)
			mirror_fail(c);
		return;
	}
	if (dir == UMB_HTTP_CLIENT) {
		c->client_fed += len;
		/* Bytes never seen cannot be forwarded. */
		if (c->mirror != NULL && c->mirror->accepting)
			mirror_stop(c, c->mirror->fed, UMB_OUTCOME_gap, 0);
		if (c->mirror != NULL)
			c->mirror->fed += len;
	}
	s = &c->side[dir];
	if (s->state == ST_ENDED)
		return;
	CTR_INC(c, gaps);
	switch (s->state) {
	case ST_DEAD:
		return;
	case ST_PAUSED:
	case ST_PAUSED_LOST:
		s->state = ST_PAUSED_LOST;
		return;
	case ST_RESYNC:
		if (dir == UMB_HTTP_SERVER)
			c->resp_after_gap = 1;
		return;
	case ST_MSG:
		if (gap_fits_body(s, dir, len))
			break;
		side_lose_message(c, dir, UMB_OUTCOME_gap, dir ==
			UMB_HTTP_CLIENT ? UMB_X_REQ_GAP : UMB_X_RESP_GAP);
		return;
	default:
		/* Between messages: whole messages may be lost. */
		if (dir == UMB_HTTP_SERVER) {
			x = c->cur_resp;
			c->cur_resp = NULL;
			if (x != NULL) {
				/* Its final response may be in the gap. */
				x->flags |= UMB_X_RESP_GAP;
				http_x_release(c, x);
			}
			c->resp_after_gap = 1;
		}
		s->state = ST_RESYNC;
		s->hdr_field = 0;
		return;
	}

	CTR_INC(c, gaps_filled_in_body);
	s->gap_in_msg = 1;
	x = dir == UMB_HTTP_CLIENT ? c->cur_req : c->cur_resp;
	if (x != NULL) {
		x->flags |= dir == UMB_HTTP_CLIENT ? UMB_X_REQ_GAP :
			UMB_X_RESP_GAP;
		if (dir != UMB_HTTP_CLIENT)
			x->ans[UMB_SIDE_PROD].flags &= ~UMB_A_HASH;
	}
	if (!(s->parser.flags & (F_CHUNKED | F_CONTENT_LENGTH))) {
		/*
		 * A close-delimited body: llhttp would walk the zeros byte by
		 * byte only to count them; its state does not change.
		 */
		if (x != NULL) {
			x->ans[UMB_SIDE_PROD].body_bytes += len;
			x->ans[UMB_SIDE_PROD].last_us = c->now_us;
			/* Bytes never seen cannot be compared. */
			if (x->flags & UMB_X_KEEP) {
				umb_kept_free(&x->ans[UMB_SIDE_PROD].body);
				x->ans[UMB_SIDE_PROD].flags |= UMB_A_BODY_CUT;
			}
		}
		return;
	}
	while (len > 0 && s->state == ST_MSG) {
		uint32_t n = RTE_MIN(len, (uint32_t)ZERO_CHUNK);

		feed(c, dir, (const uint8_t *)zeros, n);
		len -= n;
	}
}

void
umb_http_eof(struct umb_http_conn *c, int dir, uint64_t ts_us)
{
	struct umb_http_side *s;

	if (unlikely(c == NULL || dir < UMB_HTTP_CLIENT || dir > UMB_HTTP_SHADOW))
		return;
	c->now_us = ts_us;
	s = &c->side[dir];
	/* Only a response can be delimited by the close. */
	if (dir != UMB_HTTP_CLIENT && s->state == ST_MSG &&
			llhttp_finish(&s->parser) != HPE_OK && dir == UMB_HTTP_SHADOW)
		mirror_fail(c);
}

void
umb_http_conn_end(struct umb_http_conn *c, uint64_t ts_us)
{
	struct umb_exchange *x;

	if (unlikely(c == NULL))
		return;
	c->now_us = ts_us;
	if (c->side[UMB_HTTP_SERVER].state == ST_MSG)
		(void)llhttp_finish(&c->side[UMB_HTTP_SERVER].parser);

	x = c->cur_resp;
	if (x != NULL) {
		c->cur_resp = NULL;
		x_worsen(x, UMB_OUTCOME_incomplete);
		http_x_release(c, x);
	}
	x = c->cur_req;
	if (x != NULL) {
		c->cur_req = NULL;
		x_worsen(x, UMB_OUTCOME_incomplete);
		http_x_release(c, x);
	}
	while (c->count > 0) {
		x = fifo_pop(c);
		if (x == NULL)
			continue;
		x_worsen(x, (x->flags & UMB_X_REQ_DONE) ?
			UMB_OUTCOME_no_response : UMB_OUTCOME_incomplete);
		if (!(*x_hold(x) & HOLD_SHADOW))
			x_emit(c, x); /* else the shadow side emits it */
	}
	c->head = 0;
	c->resp_after_gap = 0;
	for (int d = 0; d < 2; d++) {
		c->side[d].state = ST_ENDED;
		c->side[d].in_body = 0;
		c->side[d].hdr_field = 0;
	}
}

struct rte_mempool *
umb_http_xpool_create(const char *name, unsigned int n, int socket_id)
{
	/*
	 * Records are taken on the reassembly lcore and returned by the
	 * consumer's: a small per-lcore cache, none for tiny pools.
	 */
	unsigned int cache = n >= 1024 ? 64 : 0;

	if (name == NULL || n == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* CPU only: objects may straddle pages (see umb_tcp_chunk_pool_create) */
	return rte_mempool_create(name, n, sizeof(struct http_rec), cache,
		0, NULL, NULL, NULL, NULL, socket_id, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
}
