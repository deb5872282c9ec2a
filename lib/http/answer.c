/* SPDX-License-Identifier: BSD-3-Clause
 * One answer parser for both sides. Production's responses (exchange.c)
 * and the shadow's (mirror.c) pair with their requests differently, but
 * what a final response is — its status, its framing, the RFC 9112 6.3
 * rule that HEAD, 1xx, 204 and 304 answers have no body, its body's length
 * and hash, and the headers and body kept for the comparator — is decided
 * here, once, into the same struct umb_answer.
 *
 * Kept content is bounded three ways: headers by UMB_HTTP_HDR_KEEP bytes and
 * UMB_HTTP_HDR_COUNT lines, bodies by ctx->body_max per answer, and every
 * chunk by the pool (the compare memcap). Past any bound the answer says so
 * (UMB_A_HDRS_CUT, UMB_A_BODY_CUT) and the count goes up; parsing goes on.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "umb_http.h"
#include "http_private.h"

void
answer_begin(struct umb_answer *a, uint64_t now_us)
{
	a->flags |= UMB_A_BEGUN;
	a->first_us = now_us;
}

void
answer_interim(struct umb_answer *a)
{
	a->flags &= ~UMB_A_BEGUN;
	a->first_us = 0;
}

/* The headers of @p side were collected (or not): say what is missing. */
static void
keep_headers(struct umb_http_conn *c, struct umb_exchange *x, int side)
{
	struct umb_http_hdrbuf *hb = answer_hdrbuf(c, side);
	struct umb_answer *a = &x->ans[side];

	if (hb == NULL || hb->cut) {
		/* Parsed without the mirror, or past a cap: not whole. */
		a->flags |= UMB_A_HDRS_CUT;
		if (hb != NULL)
			CTR_INC(c, headers_cut);
	}
}

bool
answer_headers(struct umb_http_conn *c, struct umb_exchange *x, int side,
		const llhttp_t *p, uint8_t method)
{
	int status = p->status_code;
	bool body = answer_has_body(method, status);
	struct umb_answer *a;

	if (x == NULL)
		return body;
	a = &x->ans[side];
	a->status = (int16_t)status;
	a->http_major = p->http_major;
	a->http_minor = p->http_minor;
	a->last_us = c->now_us;
	if ((x->flags & UMB_X_KEEP) && c->ctx->cpool != NULL &&
			x->outcome == UMB_OUTCOME_complete)
		keep_headers(c, x, side);
	if (!body)
		return false;
	if (p->flags & F_CHUNKED)
		a->flags |= UMB_A_CHUNKED;
	else if (llhttp_message_needs_eof(p))
		a->flags |= UMB_A_CLOSE_DELIM;
	return true;
}

void
answer_body(struct umb_http_conn *c, struct umb_exchange *x, int side,
		XXH64_state_t *h, const char *at, size_t n, bool hash)
{
	struct umb_answer *a = &x->ans[side];
	int rc;

	a->body_bytes += n;
	a->last_us = c->now_us;
	if (hash)
		XXH64_update(h, at, n);
	if (!(x->flags & UMB_X_KEEP) || (a->flags & UMB_A_BODY_CUT) ||
			c->ctx->cpool == NULL)
		return;
	if (x->outcome != UMB_OUTCOME_complete) {
		/* Capped, suppressed, lost: it will not be compared, so its
		 * bytes are not copied any further (what was kept goes back). */
		x->flags &= ~UMB_X_KEEP;
		umb_exchange_free_kept(x);
		return;
	}
	rc = umb_kept_append(c->ctx->cpool, &a->body, at, n, c->ctx->body_max);
	if (rc == 0)
		return;
	/* Compared by hash only from now on: the chunks go back at once. */
	umb_kept_free(&a->body);
	a->flags |= UMB_A_BODY_CUT;
	if (rc == -ENOSPC)
		CTR_INC(c, body_over_max);
	else
		CTR_INC(c, body_no_memory);
}

void
answer_complete(struct umb_exchange *x, int side, XXH64_state_t *h,
		bool hash_valid, uint64_t now_us)
{
	struct umb_answer *a = &x->ans[side];

	a->flags |= UMB_A_DONE;
	/* A close-delimited body ended at its last byte, not at the FIN. */
	if (!(a->flags & UMB_A_CLOSE_DELIM))
		a->last_us = now_us;
	if (hash_valid) {
		a->body_hash = XXH64_digest(h);
		a->flags |= UMB_A_HASH;
	}
}

/* ---- header collection ---------------------------------------------------- */

/*
 * Lines go to the answer's chunks as llhttp hands their pieces over, so a
 * mirrored connection costs no header buffer of its own. Past
 * UMB_HTTP_HDR_KEEP bytes or UMB_HTTP_HDR_COUNT lines (or with the memcap
 * spent) the rest is not kept and the answer says so: the comparator then
 * leaves headers out rather than report the missing ones. Values keep
 * llhttp's trailing blanks; the comparator trims them.
 */

/* hdrbuf.in_value */
enum { HB_NONE = 0, HB_FIELD, HB_VALUE };

struct umb_http_hdrbuf *
answer_hdrbuf(struct umb_http_conn *c, int side)
{
	return c->mirror != NULL ? &c->mirror->hdr[side] : NULL;
}

void
hdrbuf_reset(struct umb_http_hdrbuf *hb)
{
	hb->count = 0;
	hb->cut = 0;
	hb->in_value = HB_NONE;
}

static void
hb_put(struct umb_http_conn *c, struct umb_exchange *x, int side,
		struct umb_http_hdrbuf *hb, const char *at, size_t n)
{
	if (hb->cut || c->ctx->cpool == NULL || x->outcome != UMB_OUTCOME_complete)
		return;
	if (umb_kept_append(c->ctx->cpool, &x->ans[side].hdrs, at, n,
			UMB_HTTP_HDR_KEEP) != 0)
		hb->cut = 1;
}

void
hdrbuf_field(struct umb_http_conn *c, struct umb_exchange *x, int side,
		const char *at, size_t n)
{
	struct umb_http_hdrbuf *hb = answer_hdrbuf(c, side);

	if (hb == NULL)
		return;
	if (hb->in_value != HB_FIELD) {
		if (hb->count >= UMB_HTTP_HDR_COUNT)
			hb->cut = 1;
		hb->in_value = HB_FIELD;
	}
	hb_put(c, x, side, hb, at, n);
}

void
hdrbuf_value(struct umb_http_conn *c, struct umb_exchange *x, int side,
		const char *at, size_t n)
{
	struct umb_http_hdrbuf *hb = answer_hdrbuf(c, side);

	if (hb == NULL)
		return;
	if (hb->in_value != HB_VALUE) {
		hb_put(c, x, side, hb, ": ", 2);
		hb->in_value = HB_VALUE;
	}
	hb_put(c, x, side, hb, at, n);
}

void
hdrbuf_line_end(struct umb_http_conn *c, struct umb_exchange *x, int side)
{
	struct umb_http_hdrbuf *hb = answer_hdrbuf(c, side);

	if (hb == NULL || hb->in_value == HB_NONE)
		return;
	if (hb->in_value == HB_FIELD)
		hb_put(c, x, side, hb, ": ", 2);
	hb_put(c, x, side, hb, "\r\n", 2);
	if (!hb->cut)
		hb->count++;
	hb->in_value = HB_NONE;
}
