/* SPDX-License-Identifier: BSD-3-Clause
 * One snapshot of every statistic: each counter group summed over the
 * lcores that count it, the final outcomes, and (when asked) the
 * comparator's per-route tables merged. The summary at exit, telemetry
 * (/umbra/stats) and the metrics endpoint all read it; nothing else sums
 * counters. Taken from any thread: each counter is loaded whole (relaxed),
 * so a live snapshot may be one update old, never torn.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "umbra.h"


/* Every counter group of the summary, in print order, and where its sums
 * live in struct umb_totals. */
static const struct {
	const struct umb_ctr_group *g;
	size_t off;
} groups[] = {
	{ &umb_rx_ctr_group, offsetof(struct umb_totals, rx) },
	{ &umb_decode_ctr_group, offsetof(struct umb_totals, decode) },
	{ &umb_tunnel_ctr_group, offsetof(struct umb_totals, tunnel) },
	{ &umb_flow_ctr_group, offsetof(struct umb_totals, flow) },
	{ &umb_tcp_ctr_group, offsetof(struct umb_totals, tcp) },
	{ &umb_http_ctr_group, offsetof(struct umb_totals, http) },
	{ &umb_outcome_ctr_group, offsetof(struct umb_totals, outcome) },
	{ &umb_reasm_ctr_group, offsetof(struct umb_totals, reasm) },
	{ &umb_compare_ctr_group, offsetof(struct umb_totals, cmp) },
	{ &umb_export_ctr_group, offsetof(struct umb_totals, exp) },
	{ &umb_shadow_ctr_group, offsetof(struct umb_totals, shadow) },
	{ &umb_neigh_ctr_group, offsetof(struct umb_totals, neigh) },
	{ &umb_mirror_ctr_group, offsetof(struct umb_totals, mirror) },
	{ &umb_peer_conn_ctr_group, offsetof(struct umb_totals, peer) },
	{ &umb_responder_ctr_group, offsetof(struct umb_totals, responder) },
};

static void
sum_totals(struct umb_app *app, struct umb_totals *t)
{
	const uint64_t *a[UMB_MAX_REASM + UMB_MAX_COMPARE + 1] = { NULL };
	unsigned int n = app->nb_reasm;

	memcpy(t->rx, app->rx->ctr, sizeof(t->rx));
	memcpy(t->decode, app->rx->decode, sizeof(t->decode));
	memcpy(t->tunnel, app->rx->tunnel, sizeof(t->tunnel));
	memcpy(t->exp, app->exp->ctr, sizeof(t->exp));
	memset(t->shadow, 0, sizeof(t->shadow));
	memset(t->neigh, 0, sizeof(t->neigh));
	memset(t->responder, 0, sizeof(t->responder));
	if (app->shadow != NULL && app->shadow->responder != NULL)
		memcpy(t->responder, umb_responder_counters(app->shadow->responder),
				sizeof(t->responder));
	if (app->shadow != NULL) {
		memcpy(t->shadow, app->shadow->ctr, sizeof(t->shadow));
		memcpy(t->neigh, app->shadow->neigh_ctr, sizeof(t->neigh));
	}
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->sctr.flow;
	a[n] = app->rx->flow;    /* flows rx found unsampled */
	umb_ctr_sum(&umb_flow_ctr_group, a, n + 1, t->flow);
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->sctr.tcp;
	umb_ctr_sum(&umb_tcp_ctr_group, a, n, t->tcp);
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->sctr.http;
	umb_ctr_sum(&umb_http_ctr_group, a, n, t->http);
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->sctr.outcome;
	umb_ctr_sum(&umb_outcome_ctr_group, a, n, t->emitted);
	/* The final outcome of a record is known where its life ends: export. */
	a[0] = app->exp->outcome;
	umb_ctr_sum(&umb_outcome_ctr_group, a, 1, t->outcome);
	for (unsigned int i = 0; i < app->nb_cmp; i++) a[i] = app->cmp[i]->ctr;
	umb_ctr_sum(&umb_compare_ctr_group, a, app->nb_cmp, t->cmp);
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->ctr;
	umb_ctr_sum(&umb_reasm_ctr_group, a, n, t->reasm);
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->sctr.mirror;
	umb_ctr_sum(&umb_mirror_ctr_group, a, n, t->mirror);
	for (unsigned int i = 0; i < n; i++) a[i] = app->reasm[i]->sctr.peer;
	umb_ctr_sum(&umb_peer_conn_ctr_group, a, n, t->peer);
}

static uint64_t
sum_array(const uint64_t *v, unsigned int n)
{
	uint64_t s = 0;

	for (unsigned int i = 0; i < n; i++)
		s += v[i];
	return s;
}

/*
 * Every request that got a record ends in exactly one outcome, counted
 * where the record's life ends: export (every outcome), or reassembly's
 * staging when it was full (records_dropped, live only). Lib/http's own
 * count of the records it let go must agree. Returns 0 when it adds up.
 */
int
umb_snapshot_accounting(const struct umb_snapshot *s, char *why, size_t size)
{
	const struct umb_totals *t = &s->t;
	const uint64_t *emitted = t->emitted;
	uint64_t outcomes = sum_array(t->outcome, UMB_OUTCOME_MAX);
	uint64_t dropped = t->reasm[UMB_REASM_records_dropped];
	uint64_t recorded = t->http[UMB_HTTP_requests] -
		t->http[UMB_HTTP_pipeline_overflow] - t->http[UMB_HTTP_record_pool_empty];
	uint64_t http_emitted = sum_array(emitted, UMB_OUTCOME_MAX);

	if (outcomes + dropped != recorded) {
		snprintf(why, size, "outcomes %" PRIu64 " + dropped %" PRIu64
				" != requests with a record %" PRIu64,
				outcomes, dropped, recorded);
		return -1;
	}
	if (http_emitted != recorded) {
		snprintf(why, size, "records let go by http %" PRIu64
				" != requests with a record %" PRIu64,
				http_emitted, recorded);
		return -1;
	}
	if (t->exp[UMB_EXPORT_records] != outcomes) {
		snprintf(why, size, "exported %" PRIu64 " != outcomes %" PRIu64,
				t->exp[UMB_EXPORT_records], outcomes);
		return -1;
	}
	snprintf(why, size, "ok");
	return 0;
}


int
umb_snapshot_take(struct umb_app *app, struct umb_snapshot *s, int with_routes)
{
	memset(s, 0, sizeof(*s));
	sum_totals(app, &s->t);
	if (with_routes) {
		s->routes = umb_compare_snapshot(app);
		if (s->routes == NULL)
			return -ENOMEM;
	}
	return 0;
}

void
umb_snapshot_release(struct umb_snapshot *s)
{
	umb_route_table_free(s->routes);
	s->routes = NULL;
}

unsigned int
umb_snapshot_nb_groups(void)
{
	return RTE_DIM(groups);
}

const struct umb_ctr_group *
umb_snapshot_group(const struct umb_snapshot *s, unsigned int i,
		const uint64_t **vals)
{
	if (i >= RTE_DIM(groups))
		return NULL;
	*vals = (const uint64_t *)((const char *)&s->t + groups[i].off);
	return groups[i].g;
}

static int
route_by_name(const void *a, const void *b)
{
	return strcmp((*(const struct umb_route_stat *const *)a)->name,
			(*(const struct umb_route_stat *const *)b)->name);
}

static int
route_by_exchanges(const void *a, const void *b)
{
	const struct umb_route_stat *x = *(const struct umb_route_stat *const *)a;
	const struct umb_route_stat *y = *(const struct umb_route_stat *const *)b;

	return x->exchanges < y->exchanges ? 1 : x->exchanges > y->exchanges ? -1 :
		strcmp(x->name, y->name);
}

struct umb_route_stat **
umb_snapshot_routes(const struct umb_route_table *t, int order, uint32_t *n)
{
	uint32_t nb = t != NULL ? __atomic_load_n(&t->nb, __ATOMIC_ACQUIRE) : 0, k = 0;
	struct umb_route_stat **v = calloc(nb + 1, sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (uint32_t i = 0; i < nb; i++)
		if (t->routes[i] != NULL && t->routes[i]->exchanges > 0)
			v[k++] = t->routes[i];
	qsort(v, k, sizeof(*v), order == UMB_ROUTES_BY_NAME ? route_by_name :
			route_by_exchanges);
	*n = k;
	return v;
}
