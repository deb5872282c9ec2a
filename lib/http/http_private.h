/* SPDX-License-Identifier: BSD-3-Clause
 * What the two halves of the HTTP builder share: exchange.c (records, the
 * production parsers) and mirror.c (the shadow side). Private to lib/http.
 */
#ifndef UMB_HTTP_PRIVATE_H
#define UMB_HTTP_PRIVATE_H

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
	return &m->q[(m->head + i) % UMB_HTTP_PIPELINE_MAX];
}

static inline const struct umb_http_mreq *
mq_at_c(const struct umb_http_mirror *m, unsigned int i)
{
	return &m->q[(m->head + i) % UMB_HTTP_PIPELINE_MAX];
}

/* exchange.c */
/* One holder let go of @p x: emit it when nothing holds it any more. */
void http_x_release(struct umb_http_conn *c, struct umb_exchange *x);

/* mirror.c */
void mirror_stop(struct umb_http_conn *c, uint64_t off, enum umb_outcome why);
uint64_t mirror_safe_end(const struct umb_http_conn *c);
void mirror_req_start(struct umb_http_conn *c, const char *at);
void mirror_req_broken(struct umb_http_conn *c);
void mirror_fail(struct umb_http_conn *c);
extern const llhttp_settings_t mirror_answer_settings;

#endif
