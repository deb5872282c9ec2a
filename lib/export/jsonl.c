/* SPDX-License-Identifier: BSD-3-Clause
 * Exchange records as JSON lines. This file owns the line format: its keys,
 * their order and when each is null, all in umb_exchange_write_json. Lines
 * are built with the streaming writer (umb_json.h) in one buffer reused
 * from line to line, so writing a record allocates nothing and spells its
 * numbers by hand. Only the export role calls this: it does stdio I/O,
 * which a data lcore must not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "umb_compare.h"
#include "umb_export.h"

/* A line's usual size with room to spare; a long URI grows the buffer once
 * and it stays grown. */
#define JSONL_LINE_INITIAL 4096

/* ---- values the format spells its own way -------------------------------------- */

/* Decimal digits of @p v (< 100000) at @p p; returns the end. */
static char *
put_dec(char *p, unsigned int v)
{
	char tmp[8], *t = tmp + sizeof(tmp);

	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(p, t, (size_t)(tmp + sizeof(tmp) - t));
	return p + (tmp + sizeof(tmp) - t);
}

/*
 * "a.b.c.d:port", or "[v6]:port", or null. IPv4, the common case, is
 * spelled here by hand: the same text umb_endpoint_str gives (the tests
 * hold the two equal) without its inet_ntop and snprintf, which were a
 * quarter of a line's cost.
 */
static void
put_endpoint(struct umb_jw *w, const char *key, uint8_t af,
		const union umb_addr *a, uint16_t port)
{
	char buf[64], *p = buf;
	int n;

	umb_jw_key(w, key);
	if (af == 4) {
		for (int i = 0; i < 4; i++) {
			p = put_dec(p, a->b[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		p = put_dec(p, port);
		umb_jw_str(w, buf, (size_t)(p - buf));
		return;
	}
	n = umb_endpoint_str(af, a, port, buf, sizeof(buf));
	if (n < 0 || (size_t)n >= sizeof(buf))
		umb_jw_null(w);
	else
		umb_jw_str(w, buf, (size_t)n);
}

/* A latency in microseconds; null unless both ends are known and ordered. */
static void
put_delta_us(struct umb_jw *w, const char *key, uint64_t from, uint64_t to)
{
	umb_jw_key(w, key);
	if (from == 0 || to == 0 || to < from)
		umb_jw_null(w);
	else
		umb_jw_u64(w, to - from);
}

/* A body hash as 16 lowercase hex digits, or null when not valid. */
static void
put_hash(struct umb_jw *w, const char *key, int valid, uint64_t h)
{
	static const char hexd[] = "0123456789abcdef";
	char hex[16];

	umb_jw_key(w, key);
	if (!valid) {
		umb_jw_null(w);
		return;
	}
	for (int i = 15; i >= 0; i--, h >>= 4)
		hex[i] = hexd[h & 0xf];
	umb_jw_str(w, hex, sizeof(hex));
}

/*
 * Epoch seconds with microseconds, trailing zeros dropped ("1700000000.1",
 * "1700000000"). Written in fixed point rather than as the double us / 1e6:
 * the decimal text is exact, so it reads back as the same double that
 * division gives (both are the nearest double to us / 10^6), without a
 * printf per line.
 */
static void
put_ts(struct umb_jw *w, const char *key, uint64_t us)
{
	char tmp[32], *end = tmp + sizeof(tmp), *p = end;
	uint64_t sec = us / 1000000;
	unsigned int frac = (unsigned int)(us % 1000000);

	if (frac != 0) {
		int digits = 6;

		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		while (digits-- > 0) {
			*--p = (char)('0' + frac % 10);
			frac /= 10;
		}
		*--p = '.';
	}
	do {
		*--p = (char)('0' + sec % 10);
		sec /= 10;
	} while (sec != 0);
	umb_jw_key(w, key);
	umb_jw_raw(w, p, (size_t)(end - p));
}

/* A NUL-terminated field of a fixed array (method, uri, host). */
static void
put_field(struct umb_jw *w, const char *key, const char *s, size_t size)
{
	umb_jw_key(w, key);
	umb_jw_str(w, s, strnlen(s, size));
}

/* ---- the line format ------------------------------------------------------------ */

/*
 * How the bodies were compared, and the difference list the comparator
 * wrote (a JSON array in x->diffs, usually one chunk). A list the compare
 * memcap could not hold is null; the count still says how many there were.
 */
static void
put_comparison(struct umb_jw *w, const struct umb_exchange *x)
{
	const struct umb_chunk *c = x->diffs.head;
	uint16_t cf = x->cmp_flags;

	umb_jw_kcstr(w, "body_compared", (cf & UMB_CMP_R_HASH_ONLY) ? "hash" :
			(cf & UMB_CMP_R_CAPPED) ? "bytes_capped" :
			(cf & UMB_CMP_R_JSON) ? "json" : "bytes");
	umb_jw_ku64(w, "diffs_total", x->nb_diffs);
	if (cf & UMB_CMP_R_DIFFS_CUT)
		umb_jw_kbool(w, "diffs_cut", 1);
	umb_jw_key(w, "diffs");
	if (x->nb_diffs == 0) {
		umb_jw_arr_open(w);
		umb_jw_arr_close(w);
	} else if (c == NULL) {
		umb_jw_null(w);
	} else if (c->next == NULL) {
		umb_jw_raw(w, (const char *)c->data, c->len);
	} else {
		/* Several chunks: rare (over 2 KB of differences). */
		char *tmp = malloc(x->diffs.len);

		if (tmp == NULL) {
			umb_jw_null(w);
			return;
		}
		umb_kept_copy(&x->diffs, tmp, x->diffs.len);
		umb_jw_raw(w, tmp, x->diffs.len);
		free(tmp);
	}
}

int
umb_exchange_write_json(struct umb_jw *w, const struct umb_exchange *x)
{
	const struct umb_answer *prod = &x->ans[UMB_SIDE_PROD];
	const struct umb_answer *shadow = &x->ans[UMB_SIDE_SHADOW];
	uint32_t f = x->flags;

	umb_jw_obj_open(w);

	/* Who and when. */
	put_ts(w, "ts", x->req_first_us);
	put_endpoint(w, "client", x->af, &x->client, x->client_port);
	put_endpoint(w, "server", x->af, &x->server, x->server_port);

	/* The request. Bytes come off the wire as they are: the writer escapes
	 * them and replaces invalid UTF-8. */
	put_field(w, "method", x->method, sizeof(x->method));
	put_field(w, "uri", x->uri, sizeof(x->uri));
	if (x->host_len > 0)
		put_field(w, "host", x->host, sizeof(x->host));
	else
		umb_jw_knull(w, "host");

	/* Production's answer. Latencies count from the request's last byte;
	 * without a complete request there is no meaningful start. */
	if (prod->status >= 0)
		umb_jw_ki64(w, "status", prod->status);
	else
		umb_jw_knull(w, "status");
	umb_jw_ku64(w, "req_body_bytes", x->req_body_bytes);
	umb_jw_ku64(w, "resp_body_bytes", prod->body_bytes);
	put_hash(w, "resp_body_hash", !!(prod->flags & UMB_A_HASH), prod->body_hash);
	put_delta_us(w, "ttfb_us", x->req_last_us, prod->first_us);
	put_delta_us(w, "ttlb_us", x->req_last_us,
			(prod->flags & UMB_A_DONE) ? prod->last_us : 0);

	/* The shadow's answer, only for mirrored flows; its timings count from
	 * the moment umbra sent the request's last byte to the shadow. */
	if (f & UMB_X_MIRRORED) {
		if (shadow->status >= 0)
			umb_jw_ki64(w, "shadow_status", shadow->status);
		else
			umb_jw_knull(w, "shadow_status");
		put_delta_us(w, "shadow_ttfb_us", x->shadow_sent_us,
				(shadow->flags & UMB_A_BEGUN) ? shadow->first_us : 0);
		put_delta_us(w, "shadow_ttlb_us", x->shadow_sent_us,
				(shadow->flags & UMB_A_DONE) ? shadow->last_us : 0);
		if (shadow->flags & (UMB_A_BEGUN | UMB_A_DONE))
			umb_jw_ku64(w, "shadow_resp_body_bytes", shadow->body_bytes);
		else
			umb_jw_knull(w, "shadow_resp_body_bytes");
		put_hash(w, "shadow_resp_body_hash", !!(shadow->flags & UMB_A_HASH),
				shadow->body_hash);
	}

	/* Outcome and flags: the four booleans always, the rarer ones only
	 * when true. */
	umb_jw_kcstr(w, "outcome", umb_outcome_name(x->outcome));
	if (x->mirror_reason != UMB_MREASON_none)
		umb_jw_kcstr(w, "mirror_reason",
				umb_mirror_reason_name(x->mirror_reason));
	umb_jw_kbool(w, "midstream", !!(f & UMB_X_MIDSTREAM));
	umb_jw_kbool(w, "pipelined", !!(f & UMB_X_PIPELINED));
	umb_jw_kbool(w, "req_gap", !!(f & UMB_X_REQ_GAP));
	umb_jw_kbool(w, "resp_gap", !!(f & UMB_X_RESP_GAP));
	if (f & UMB_X_URI_TRUNC)
		umb_jw_kbool(w, "uri_truncated", 1);
	if (prod->flags & UMB_A_CHUNKED)
		umb_jw_kbool(w, "chunked", 1);

	/* The comparison: the route always (once the compare stage named it);
	 * for mirrored exchanges the latency flag, and for compared ones how
	 * the bodies were compared and the differences (docs/compare.md). */
	if (x->route_len > 0)
		put_field(w, "route", x->route, sizeof(x->route));
	if (f & UMB_X_MIRRORED)
		umb_jw_kbool(w, "shadow_slower", !!(f & UMB_X_SLOWER));
	if (x->outcome == UMB_OUTCOME_match || x->outcome == UMB_OUTCOME_mismatch ||
			(x->outcome == UMB_OUTCOME_shadow_error &&
			(prod->flags & shadow->flags & UMB_A_DONE)))
		put_comparison(w, x);

	/* Where the record came from. */
	umb_jw_ku64(w, "flow", x->flow_id);
	umb_jw_ku64(w, "index", x->index);

	umb_jw_obj_close(w);
	return w->err;
}

cJSON *
umb_exchange_to_json(const struct umb_exchange *x)
{
	struct umb_jw w;
	cJSON *o = NULL;

	if (umb_jw_init(&w, JSONL_LINE_INITIAL) != 0)
		return NULL;
	if (umb_exchange_write_json(&w, x) == 0)
		o = cJSON_ParseWithLength(w.buf, w.len);
	umb_jw_free(&w);
	return o;
}

/* ---- the file ------------------------------------------------------------------- */

int
umb_jsonl_open(struct umb_jsonl *w, const char *path)
{
	int rc;

	memset(w, 0, sizeof(*w));
	rc = umb_jw_init(&w->jw, JSONL_LINE_INITIAL);
	if (rc != 0)
		return rc;
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		return 0;
	}
	w->f = fopen(path, "w");
	if (w->f == NULL) {
		rc = -errno;
		umb_jw_free(&w->jw);
		return rc;
	}
	/* Large stdio buffer: lines are small and many. */
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	return 0;
}

int
umb_jsonl_write_exchange(struct umb_jsonl *w, const struct umb_exchange *x)
{
	struct umb_jw *jw = &w->jw;
	int rc;

	umb_jw_reset(jw);
	rc = umb_exchange_write_json(jw, x);
	if (rc != 0) {
		w->errors++;
		return rc;
	}
	/* The writer keeps a NUL after the text, always inside the buffer:
	 * the newline takes its place so that the line goes out in one call. */
	jw->buf[jw->len] = '\n';
	if (fwrite(jw->buf, 1, jw->len + 1, w->f) != jw->len + 1) {
		w->errors++;
		rc = -EIO;
	} else {
		w->lines++;
	}
	jw->buf[jw->len] = '\0';
	return rc;
}

int
umb_jsonl_close(struct umb_jsonl *w)
{
	int rc = 0;

	umb_jw_free(&w->jw);
	if (w->f == NULL)
		return 0;
	if (fflush(w->f) != 0)
		rc = -errno;
	if (w->f != stdout && fclose(w->f) != 0 && rc == 0)
		rc = -errno;
	w->f = NULL;
	return rc;
}
