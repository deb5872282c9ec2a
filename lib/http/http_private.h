/* SPDX-License-Identifier: BSD-3-Clause
 * What the two halves of the HTTP builder share: exchange.c (records, the
 * production parsers) and mirror.c (the shadow side). Private to lib/http.
 */
#ifndef UMB_HTTP_PRIVATE_H
#define UMB_HTTP_PRIVATE_H

#include <stdbool.h>

#include "umb_http.h"

/* umb_http_side.state */
enum {
	ST_IDLE = 0,     /* between messages, parser ready */
	ST_MSG,          /* inside a message */
	ST_RESYNC,       /* skipping until a segment starts a message */
	ST_PAUSED,       /* request side: after Upgrade/CONNECT, until its answer */
	ST_PAUSED_LOST,  /* as ST_PAUSED, and client bytes were dropped meanwhile */
	ST_DEAD,         /* unsupported protocol: nothing more is parsed */
	ST_ENDED,        /* conn_end ran */
};

#define CTR_INC(c, n) UMB_CTR_INC((c)->ctx->ctr, UMB_HTTP_##n)
#define CTR_ADD(c, n, v) UMB_CTR_ADD((c)->ctx->ctr, UMB_HTTP_##n, (v))



static inline struct umb_http_conn *
conn_of(llhttp_t *p)
{
	return p->data;
}

static inline void
x_worsen(struct umb_exchange *x, enum umb_outcome o)
{
	if (x->outcome < o)
		x->outcome = o;
}

/* @p x did not go to the shadow: @p o, and why when that is its outcome. */
static inline void
x_not_mirrored(struct umb_exchange *x, enum umb_outcome o, uint8_t reason)
{
	x_worsen(x, o);
	if (x->outcome == o && x->mirror_reason == 0)
		x->mirror_reason = reason;
}

/* umb_http_side.mirror of the request side: what the message is to the mirror. */
enum {
	MSG_MIRROR_NONE = 0, /* its method has not started yet */
	MSG_MIRROR_ENTRY,    /* it is the newest entry of the shadow FIFO */
	MSG_MIRROR_SKIP,     /* not tracked (mirror off, stopped, full) */
	MSG_MIRROR_END,      /* complete: feed() records where it ended */
};

static inline struct umb_http_mreq *
mq_at(struct umb_http_mirror *m, unsigned int i)
{
	return &m->q[(m->head + i) % UMB_HTTP_MIRROR_QUEUE_MAX];
}

static inline const struct umb_http_mreq *
mq_at_c(const struct umb_http_mirror *m, unsigned int i)
{
	return &m->q[(m->head + i) % UMB_HTTP_MIRROR_QUEUE_MAX];
}

/*
 * The record as lib/http allocates it: the published exchange first (the
 * consumer returns it to its pool by that pointer), then what only the
 * builder uses.
 */
struct http_rec {
	struct umb_exchange x;
	uint32_t hold;           /* HOLD_*: who still holds it besides the parsers */
};
#define HOLD_SHADOW 0x1      /* held until the shadow side ends */

static inline uint32_t *
x_hold(struct umb_exchange *x)
{
	return &((struct http_rec *)(void *)x)->hold;
}

/* answer.c: one response parser's work, for production and shadow alike */
/* RFC 9112 6.3: does a final response with @p status to @p method have a body? */
static inline bool
answer_has_body(uint8_t method, int status)
{
	return !(method == HTTP_HEAD || status == 204 || status == 304 ||
			(status >= 100 && status < 200));
}
void answer_begin(struct umb_answer *a, uint64_t now_us);
void answer_interim(struct umb_answer *a);
/* Final headers: status, version, framing flags; true when a body follows. */
bool answer_headers(struct umb_http_conn *c, struct umb_exchange *x, int side,
		const llhttp_t *p, uint8_t method);
void answer_body(struct umb_http_conn *c, struct umb_exchange *x, int side,
		XXH64_state_t *h, const char *at, size_t n, bool hash);
void answer_complete(struct umb_exchange *x, int side, XXH64_state_t *h,
		bool hash_valid, uint64_t now_us);
/* Header collection of a mirrored connection's answers (either side),
 * into @p x's answer @p side. */
struct umb_http_hdrbuf *answer_hdrbuf(struct umb_http_conn *c, int side);
void hdrbuf_reset(struct umb_http_hdrbuf *hb);
void hdrbuf_field(struct umb_http_conn *c, struct umb_exchange *x, int side,
		const char *at, size_t n);
void hdrbuf_value(struct umb_http_conn *c, struct umb_exchange *x, int side,
		const char *at, size_t n);
void hdrbuf_line_end(struct umb_http_conn *c, struct umb_exchange *x, int side);

/* exchange.c */
/* One holder let go of @p x: emit it when nothing holds it any more. */
void http_x_release(struct umb_http_conn *c, struct umb_exchange *x);

/* mirror.c */
void mirror_stop(struct umb_http_conn *c, uint64_t off, enum umb_outcome why,
		uint8_t reason);
uint64_t mirror_safe_end(const struct umb_http_conn *c);
void mirror_req_start(struct umb_http_conn *c, const char *at);
void mirror_req_broken(struct umb_http_conn *c);
void mirror_forget(struct umb_http_conn *c, const struct umb_exchange *x);
void mirror_req_denied(struct umb_http_conn *c);
void mirror_fail(struct umb_http_conn *c);
extern const llhttp_settings_t mirror_answer_settings;

#endif
