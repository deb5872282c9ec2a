/* SPDX-License-Identifier: BSD-3-Clause
 * Compare role: the stage between reassembly and export. Each compare lcore
 * owns the exchanges of its share of the flows (flow id modulo the number
 * of compare lcores), so its route statistics have one writer and need no
 * lock. For every record it names the route, and when both answers of a
 * mirrored exchange completed it compares them (lib/compare: status,
 * headers, bodies decoded here rather than on the reassembly core, latency),
 * sets the outcome (match, mismatch, shadow_error), writes the difference
 * list into the record for export, keeps the last mismatches as samples,
 * and lets go of the kept content.
 *
 * Bounds: one burst per input ring per poll; the work per record is bounded
 * by compare_body_max (bodies), the decode caps and the JSON caps of the
 * rules; a full ring toward export stops this role from taking input (its
 * input rings fill; reassembly then sends records past it, not_compared,
 * when live, or waits, offline) — it never drops a record.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "umbra.h"

UMB_CTR_GROUP_DEFINE(compare, UMB_COMPARE_COUNTERS, UMB_COMPARE_CTR_MAX);

_Static_assert(UMB_ROUTE_MAX <= UMB_X_ROUTE_MAX, "route names fit the record");
_Static_assert(UMB_OUTCOME_MAX <= UMB_CMP_OUTCOMES, "outcomes fit route stats");

#define MAX_DIFFS_CAP 10000 /* storage for the largest max_diffs of any rules */

/* ---- kept headers --------------------------------------------------------- */

/* The value of header @p name in a kept block ("Name: value\r\n"...). */
static const char *
header_value(const char *blk, size_t len, const char *name, size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = blk, *end = blk + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol != NULL ? eol : end;

		if ((size_t)(le - p) > nlen && p[nlen] == ':' &&
				strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1;

			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			while (le > v && (le[-1] == '\r' || le[-1] == ' '))
				le--;
			*vlen = (size_t)(le - v);
			return v;
		}
		p = le + 1;
	}
	*vlen = 0;
	return NULL;
}

/* ---- bodies ----------------------------------------------------------------- */

/*
 * Make side @p s's body contiguous and decoded. Returns its bytes and sets
 * *@p len; on a decode failure the raw bytes are compared (counted).
 */
static const uint8_t *
body_of(struct umb_compare_ctx *k, const struct umb_exchange *x, int s,
		const char *hdrs, size_t hlen, const struct umb_cmp_rules *rules,
		size_t *len)
{
	const struct umb_answer *a = &x->ans[s];
	uint64_t cap = k->app->opt.compare_body_max;
	size_t raw = umb_kept_copy(&a->body, k->raw[s], cap);
	const char *ce;
	size_t celen, out = 0;
	enum umb_cmp_encoding enc;
	int rc;

	ce = header_value(hdrs, hlen, "content-encoding", &celen);
	enc = ce != NULL ? umb_cmp_encoding_parse(ce, celen) : UMB_ENC_IDENTITY;
	if (enc == UMB_ENC_IDENTITY || raw == 0) {
		*len = raw;
		return k->raw[s];
	}
	rc = umb_cmp_decode(enc, k->raw[s], raw, k->dec[s],
			RTE_MIN(rules->decode_max, cap), rules->decode_ratio, &out);
	if (rc == UMB_DEC_OK) {
		UMB_CTR_INC(k->ctr, UMB_COMPARE_decoded);
		*len = out;
		return k->dec[s];
	}
	if (rc == UMB_DEC_BOMB)
		UMB_CTR_INC(k->ctr, UMB_COMPARE_decode_bombs);
	else if (rc == UMB_DEC_TOO_BIG)
		UMB_CTR_INC(k->ctr, UMB_COMPARE_decode_too_big);
	else
		UMB_CTR_INC(k->ctr, UMB_COMPARE_decode_errors);
	*len = raw;
	return k->raw[s];
}

/* ---- writing the difference list ------------------------------------------ */

static void
write_value(struct umb_jw *w, const char *key, int vt, const char *v)
{
	if (vt == UMB_CMP_V_NONE)
		return;
	umb_jw_key(w, key);
	if (vt == UMB_CMP_V_JSON)
		umb_jw_raw(w, v, strlen(v));
	else
		umb_jw_cstr(w, v);
}

/* The JSON array of @p r's differences into @p w (reset first). */
static void
write_diffs(struct umb_jw *w, const struct umb_cmp_result *r)
{
	umb_jw_reset(w);
	umb_jw_arr_open(w);
	for (uint32_t i = 0; i < r->n; i++) {
		const struct umb_cmp_diff *d = &r->diffs[i];

		umb_jw_obj_open(w);
		umb_jw_kcstr(w, "kind", umb_cmp_kind_name(d->kind));
		umb_jw_kcstr(w, "path", d->path);
		write_value(w, "production", d->vtype[0], d->val[0]);
		write_value(w, "shadow", d->vtype[1], d->val[1]);
		if (d->kind == UMB_CMP_body && d->offset != UINT64_MAX) {
			umb_jw_ku64(w, "offset", d->offset);
			if (d->line != 0)
				umb_jw_ku64(w, "line", d->line);
		}
		umb_jw_obj_close(w);
	}
	umb_jw_arr_close(w);
}

/* ---- one exchange ----------------------------------------------------------- */

static inline void
umb_hist_add_rs(struct umb_route_stat *rs, int series, uint64_t v)
{
	if (rs != NULL && v != UINT64_MAX)
		umb_hist_add(&rs->lat[series], v);
}

static uint64_t
delta(uint64_t from, uint64_t to)
{
	return from != 0 && to >= from ? to - from : UINT64_MAX;
}

static void
sample(struct umb_compare_ctx *k, const struct umb_exchange *x,
		uint64_t pt, uint64_t st)
{
	struct umb_sample *s;

	if (k->nb_samples == 0)
		return;
	s = &k->samples[k->sample_next];
	k->sample_next = (k->sample_next + 1) % k->nb_samples;
	s->ts_us = x->req_first_us;
	s->ttlb_us[0] = pt == UINT64_MAX ? 0 : pt;
	s->ttlb_us[1] = st == UINT64_MAX ? 0 : st;
	s->status[0] = x->ans[UMB_SIDE_PROD].status;
	s->status[1] = x->ans[UMB_SIDE_SHADOW].status;
	s->outcome = x->outcome;
	snprintf(s->route, sizeof(s->route), "%s", x->route);
	snprintf(s->request, sizeof(s->request), "%s %.*s", x->method,
			(int)RTE_MIN((size_t)x->uri_len, sizeof(s->request) - 32), x->uri);
	if (k->jw.len < sizeof(s->diffs)) {
		memcpy(s->diffs, k->jw.buf, k->jw.len + 1);
		s->diffs_len = (uint16_t)k->jw.len;
	} else {
		/* Cut: a reader sees "..." and the line's full list. */
		s->diffs_len = 3;
		memcpy(s->diffs, "...", 4);
	}
	/* Published once whole: a reader on another thread (the exporter)
	 * copies a slot, then checks that samples_seen did not move past it. */
	__atomic_store_n(&k->samples_seen, k->samples_seen + 1, __ATOMIC_RELEASE);
}

/* Compare the two answers of @p x under @p rules; sets its outcome. */
static void
compare_answers(struct umb_compare_ctx *k, struct umb_exchange *x,
		const struct umb_cmp_rules *rules, struct umb_route_stat *rs,
		uint64_t pt, uint64_t st)
{
	const struct umb_answer *pa = &x->ans[UMB_SIDE_PROD];
	const struct umb_answer *sa = &x->ans[UMB_SIDE_SHADOW];
	char hb[2][UMB_HTTP_HDR_KEEP];
	size_t hl[2];
	struct umb_cmp_result *r = &k->res;

	UMB_CTR_INC(k->ctr, UMB_COMPARE_compared);
	umb_cmp_result_clear(r);
	r->max = RTE_MIN(rules->max_diffs, (uint32_t)MAX_DIFFS_CAP);
	umb_cmp_status(rules, pa->status, sa->status, r);

	hl[0] = umb_kept_copy(&pa->hdrs, hb[0], sizeof(hb[0]));
	hl[1] = umb_kept_copy(&sa->hdrs, hb[1], sizeof(hb[1]));
	if ((pa->flags | sa->flags) & UMB_A_HDRS_CUT)
		UMB_CTR_INC(k->ctr, UMB_COMPARE_headers_not_kept);
	else
		umb_cmp_headers(rules, hb[0], hl[0], hb[1], hl[1], 1, r);

	if (!rules->body_on) {
		/* bodies not compared on this route */
	} else if ((pa->flags | sa->flags) & UMB_A_BODY_CUT) {
		UMB_CTR_INC(k->ctr, UMB_COMPARE_hash_only);
		r->flags |= UMB_CMP_R_HASH_ONLY;
		if (!(pa->flags & sa->flags & UMB_A_HASH) ||
				pa->body_hash != sa->body_hash ||
				pa->body_bytes != sa->body_bytes) {
			char v0[32], v1[32];
			struct umb_cmp_diff *d;

			snprintf(v0, sizeof(v0), "%" PRIu64, pa->body_bytes);
			snprintf(v1, sizeof(v1), "%" PRIu64, sa->body_bytes);
			d = umb_cmp_add(r, UMB_CMP_body, "", UMB_CMP_V_JSON, v0,
					UMB_CMP_V_JSON, v1);
			if (d != NULL)
				d->offset = UINT64_MAX; /* unknown: not kept */
		}
	} else {
		size_t l0, l1, ctl0, ctl1;
		const uint8_t *b0 = body_of(k, x, 0, hb[0], hl[0], rules, &l0);
		const uint8_t *b1 = body_of(k, x, 1, hb[1], hl[1], rules, &l1);
		const char *ct0 = header_value(hb[0], hl[0], "content-type", &ctl0);
		const char *ct1 = header_value(hb[1], hl[1], "content-type", &ctl1);

		if (umb_cmp_body(rules, ct0, ctl0, b0, l0, ct1, ctl1, b1, l1, r) < 0)
			UMB_CTR_INC(k->ctr, UMB_COMPARE_decode_errors);
		if (r->flags & UMB_CMP_R_JSON)
			UMB_CTR_INC(k->ctr, UMB_COMPARE_json);
		if (r->flags & UMB_CMP_R_CAPPED)
			UMB_CTR_INC(k->ctr, UMB_COMPARE_json_capped);
	}

	umb_cmp_result_clear(&k->lat);
	if (pt != UINT64_MAX && st != UINT64_MAX &&
			umb_cmp_latency(rules, pt, st, &k->lat)) {
		x->flags |= UMB_X_SLOWER;
		UMB_CTR_INC(k->ctr, UMB_COMPARE_slower);
		if (rs != NULL)
			rs->slow++;
	}

	x->nb_diffs = (uint32_t)RTE_MIN(r->total, (uint64_t)UINT32_MAX);
	x->cmp_flags = (uint16_t)r->flags;
	UMB_CTR_ADD(k->ctr, UMB_COMPARE_diffs, r->total);
	if (r->flags & UMB_CMP_R_DIFFS_CUT)
		UMB_CTR_INC(k->ctr, UMB_COMPARE_diffs_cut);
	if (sa->status >= 500 && !(pa->status >= 500)) {
		x->outcome = UMB_OUTCOME_shadow_error;
		UMB_CTR_INC(k->ctr, UMB_COMPARE_shadow_5xx);
	} else if (r->total == 0) {
		x->outcome = UMB_OUTCOME_match;
		UMB_CTR_INC(k->ctr, UMB_COMPARE_match);
	} else {
		x->outcome = UMB_OUTCOME_mismatch;
		UMB_CTR_INC(k->ctr, UMB_COMPARE_mismatch);
	}
	if (rs != NULL) {
		rs->compared++;
		if (r->total != 0)
			rs->mismatched++;
		if (pa->status != sa->status)
			umb_route_stat_status(rs, pa->status, sa->status);
		for (uint32_t i = 0; i < r->n; i++)
			umb_route_stat_field(rs, r->diffs[i].path,
					r->diffs[i].kind);
	}

	if (r->total == 0 && x->outcome == UMB_OUTCOME_match)
		return;
	write_diffs(&k->jw, r);
	if (k->jw.err == 0 && umb_kept_append(k->app->cpool, &x->diffs,
			k->jw.buf, k->jw.len, UINT64_MAX) != 0) {
		umb_kept_free(&x->diffs);
		UMB_CTR_INC(k->ctr, UMB_COMPARE_diffs_not_exported);
	}
	sample(k, x, pt, st);
}

static void
handle(struct umb_compare_ctx *k, struct umb_exchange *x)
{
	const struct umb_cmp_rules *rules;
	struct umb_route_stat *rs;
	const struct umb_answer *pa = &x->ans[UMB_SIDE_PROD];
	const struct umb_answer *sa = &x->ans[UMB_SIDE_SHADOW];
	uint64_t pt = UINT64_MAX, st = UINT64_MAX;

	UMB_CTR_INC(k->ctr, UMB_COMPARE_records);
	rules = umb_cmp_ruleset_route(k->app->rules, x->method, x->method_len,
			x->uri, x->uri_len, x->route, sizeof(x->route));
	x->route_len = (uint16_t)strnlen(x->route, sizeof(x->route));
	rs = umb_route_table_get(k->routes, x->route);

	if (x->flags & UMB_X_REQ_DONE) {
		if (pa->flags & UMB_A_BEGUN)
			umb_hist_add_rs(rs, UMB_LAT_PROD_TTFB,
					delta(x->req_last_us, pa->first_us));
		if (pa->flags & UMB_A_DONE) {
			pt = delta(x->req_last_us, pa->last_us);
			umb_hist_add_rs(rs, UMB_LAT_PROD_TTLB, pt);
		}
	}
	if ((x->flags & UMB_X_SHADOW_SENT) && x->shadow_sent_us != 0) {
		if (sa->flags & UMB_A_BEGUN)
			umb_hist_add_rs(rs, UMB_LAT_SHADOW_TTFB,
					delta(x->shadow_sent_us, sa->first_us));
		if (sa->flags & UMB_A_DONE) {
			st = delta(x->shadow_sent_us, sa->last_us);
			umb_hist_add_rs(rs, UMB_LAT_SHADOW_TTLB, st);
		}
	}
	if (x->outcome == UMB_OUTCOME_complete && (x->flags & UMB_X_MIRRORED)) {
		if ((pa->flags & UMB_A_DONE) && (sa->flags & UMB_A_DONE))
			compare_answers(k, x, rules, rs, pt, st);
		else
			UMB_CTR_INC(k->ctr, UMB_COMPARE_unanswered);
	}
	if (rs != NULL) {
		rs->exchanges++;
		rs->outcome[x->outcome]++;
	}
	/* The answers' content is done with; the differences go on to export. */
	for (int s = 0; s < 2; s++) {
		umb_kept_free(&x->ans[s].hdrs);
		umb_kept_free(&x->ans[s].body);
	}
}

/* ---- the role ------------------------------------------------------------ */

static int
upstream_done(const struct umb_compare_ctx *k)
{
	const struct umb_app *app = k->app;

	for (unsigned int i = 0; i < app->nb_reasm; i++)
		if (!umb_role_reasm.done(app->reasm[i]) ||
				!rte_ring_empty(k->in[i]))
			return 0;
	return 1;
}

static unsigned int
compare_poll(void *arg)
{
	struct umb_compare_ctx *k = arg;
	struct umb_app *app = k->app;
	unsigned int work = 0;
	/* Read before draining: an upstream done before the drain left
	 * nothing behind it. */
	int up_done = upstream_done(k);

	if (k->nb_pend > 0) {
		unsigned int n = rte_ring_sp_enqueue_burst(k->out,
				(void **)k->pend, k->nb_pend, NULL);

		if (n < k->nb_pend) {
			memmove(k->pend, k->pend + n,
					(k->nb_pend - n) * sizeof(k->pend[0]));
			k->nb_pend -= n;
			UMB_CTR_INC(k->ctr, UMB_COMPARE_out_full);
			return n;
		}
		k->nb_pend = 0;
		work += n;
	}
	for (unsigned int i = 0; i < app->nb_reasm && k->nb_pend == 0; i++) {
		struct umb_exchange *xs[UMB_BURST];
		unsigned int n = rte_ring_sc_dequeue_burst(k->in[i], (void **)xs,
				UMB_BURST, NULL), m;

		if (n == 0)
			continue;
		for (unsigned int j = 0; j < n; j++)
			handle(k, xs[j]);
		m = rte_ring_sp_enqueue_burst(k->out, (void **)xs, n, NULL);
		if (m < n) {
			memcpy(k->pend, xs + m, (n - m) * sizeof(xs[0]));
			k->nb_pend = (uint16_t)(n - m);
		}
		work += n;
	}
	if (up_done && work == 0 && k->nb_pend == 0)
		__atomic_store_n(&k->done, 1, __ATOMIC_RELEASE);
	return work;
}

static int
compare_done(void *arg)
{
	const struct umb_compare_ctx *k = arg;

	return __atomic_load_n(&k->done, __ATOMIC_ACQUIRE);
}

const struct umb_role umb_role_compare = {
	.name = "compare",
	.poll = compare_poll,
	.done = compare_done,
};

int
umb_compare_init(struct umb_app *app, unsigned int idx, unsigned int lcore)
{
	const struct umb_options *o = &app->opt;
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct umb_compare_ctx *k;
	char name[32];

	k = rte_zmalloc_socket("umb_compare", sizeof(*k), RTE_CACHE_LINE_SIZE,
			socket);
	if (k == NULL)
		return -ENOMEM;
	app->cmp[idx] = k;
	k->app = app;
	k->idx = idx;
	snprintf(name, sizeof(name), "umb_cmp2exp%u", idx);
	k->out = rte_ring_create(name, o->ring_size, socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (k->out == NULL) {
		fprintf(stderr, "rings: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	k->routes = umb_route_table_create(app->rules->max_routes);
	k->res.diffs = calloc(MAX_DIFFS_CAP, sizeof(*k->res.diffs));
	k->res.max = MAX_DIFFS_CAP;
	k->lat.diffs = calloc(4, sizeof(*k->lat.diffs));
	k->lat.max = 4;
	k->nb_samples = app->rules->samples;
	k->samples = calloc(RTE_MAX(k->nb_samples, 1u), sizeof(*k->samples));
	for (int s = 0; s < 2; s++) {
		/* Only live mirroring keeps content: offline, no buffers. */
		size_t sz = app->cpool != NULL ? o->compare_body_max + 1 : 1;

		k->raw[s] = malloc(sz);
		k->dec[s] = malloc(sz);
		if (k->raw[s] == NULL || k->dec[s] == NULL)
			return -ENOMEM;
	}
	if (k->routes == NULL || k->res.diffs == NULL || k->lat.diffs == NULL ||
			k->samples == NULL || umb_jw_init(&k->jw, 4096) != 0)
		return -ENOMEM;
	return 0;
}

void
umb_compare_fini(struct umb_compare_ctx *k)
{
	if (k == NULL)
		return;
	rte_ring_free(k->out);
	umb_route_table_free(k->routes);
	free(k->res.diffs);
	free(k->lat.diffs);
	free(k->samples);
	for (int s = 0; s < 2; s++) {
		free(k->raw[s]);
		free(k->dec[s]);
	}
	umb_jw_free(&k->jw);
	rte_free(k);
}

struct umb_route_table *
umb_compare_snapshot(struct umb_app *app)
{
	struct umb_route_table *t = umb_route_table_create(
			app->rules->max_routes);

	if (t == NULL)
		return NULL;
	for (unsigned int i = 0; i < app->nb_cmp; i++) {
		if (umb_route_table_merge(t, app->cmp[i]->routes) != 0) {
			umb_route_table_free(t);
			return NULL;
		}
	}
	return t;
}
