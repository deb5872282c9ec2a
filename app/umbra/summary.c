/* SPDX-License-Identifier: BSD-3-Clause
 * The end-of-run summary: every counter of every role, summed over lcores
 * (one snapshot, snapshot.c), on stdout as a table and as JSON
 * (--summary-json), the per-route statistics, plus the accounting check
 * that every request seen ended in exactly one outcome.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <rte_ethdev.h>

#include "umbra.h"

/* Upper bound of the log2 bucket holding quantile q of the ttfb samples. */
static uint64_t
ttfb_quantile(const struct umb_export_ctx *e, double q)
{
	uint64_t want = (uint64_t)(q * (double)e->ttfb_n + 0.5), seen = 0;

	for (unsigned int b = 0; b < 64; b++) {
		seen += e->ttfb_hist[b];
		if (seen >= want && seen > 0)
			return b == 0 ? 0 : (1ULL << b) - 1;
	}
	return 0;
}

/* Seconds from lcore launch to the last lcore's return (never 0). */
static double
run_seconds(const struct umb_app *app)
{
	uint64_t d = app->run_end_tsc > app->run_start_tsc ?
		app->run_end_tsc - app->run_start_tsc : 1;

	return (double)d / (double)app->tsc_hz;
}



/* ---- per-route statistics (one snapshot: umb_compare_snapshot) ---------- */

static const char *const lat_names[UMB_LAT_MAX] = {
	"production_ttfb", "production_ttlb", "shadow_ttfb", "shadow_ttlb",
};

static double
ms(uint64_t us)
{
	return (double)us / 1000.0;
}

static void
print_routes(const struct umb_route_table *t, FILE *f)
{
	struct umb_route_stat **v;
	uint32_t n = 0;

	if (t == NULL)
		return;
	v = umb_snapshot_routes(t, UMB_ROUTES_BUSIEST, &n);
	if (v != NULL && n > 0) {
		fprintf(f, "  routes (busiest first; latency to last byte, ms):\n");
		fprintf(f, "    %-36s %8s %8s %9s %6s %17s %17s\n", "route", "requests",
				"compared", "mismatch", "slow", "production p50/p95",
				"shadow p50/p95");
		for (uint32_t i = 0; i < n && i < 25; i++) {
			const struct umb_route_stat *rs = v[i];
			const struct umb_hist *p = &rs->lat[UMB_LAT_PROD_TTLB];
			const struct umb_hist *sh = &rs->lat[UMB_LAT_SHADOW_TTLB];
			char pq[32] = "-", sq[32] = "-", mr[16] = "-";

			if (p->count > 0)
				snprintf(pq, sizeof(pq), "%.1f/%.1f",
						ms(umb_hist_quantile(p, 0.50)),
						ms(umb_hist_quantile(p, 0.95)));
			if (sh->count > 0)
				snprintf(sq, sizeof(sq), "%.1f/%.1f",
						ms(umb_hist_quantile(sh, 0.50)),
						ms(umb_hist_quantile(sh, 0.95)));
			if (rs->compared > 0)
				snprintf(mr, sizeof(mr), "%.1f%%", 100.0 *
						(double)rs->mismatched / (double)rs->compared);
			fprintf(f, "    %-36.36s %8" PRIu64 " %8" PRIu64 " %9s %6" PRIu64
					" %17s %17s\n", rs->name, rs->exchanges,
					rs->compared, mr, rs->slow, pq, sq);
			for (uint32_t j = 0; j < rs->nb_fields && j < 3; j++)
				fprintf(f, "      %-10s %s  (%" PRIu64 ")\n",
						umb_cmp_kind_name(rs->fields[j].kind),
						rs->fields[j].path[0] ? rs->fields[j].path : "-",
						rs->fields[j].count);
			for (uint32_t j = 0; j < rs->nb_status && j < 3; j++)
				fprintf(f, "      status     %d -> %d  (%" PRIu64 ")\n",
						rs->status[j].prod, rs->status[j].shadow,
						rs->status[j].count);
		}
		if (n > 25)
			fprintf(f, "    ... %u more routes (--summary-json has them all)\n",
					n - 25);
	}
	free(v);
}

static void
add_hist(cJSON *o, const char *key, const struct umb_hist *h)
{
	cJSON *j = cJSON_AddObjectToObject(o, key);

	cJSON_AddNumberToObject(j, "count", (double)h->count);
	if (h->count == 0)
		return;
	cJSON_AddNumberToObject(j, "mean", (double)h->sum / (double)h->count);
	cJSON_AddNumberToObject(j, "p50", (double)umb_hist_quantile(h, 0.50));
	cJSON_AddNumberToObject(j, "p90", (double)umb_hist_quantile(h, 0.90));
	cJSON_AddNumberToObject(j, "p95", (double)umb_hist_quantile(h, 0.95));
	cJSON_AddNumberToObject(j, "p99", (double)umb_hist_quantile(h, 0.99));
	cJSON_AddNumberToObject(j, "max", (double)h->max);
}

/* Every route of the snapshot as JSON (summary, telemetry share it). */
static void
add_routes(const struct umb_route_table *t, cJSON *root)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "routes");
	struct umb_route_stat **v;
	uint32_t n = 0;

	if (t == NULL)
		return;
	v = umb_snapshot_routes(t, UMB_ROUTES_BUSIEST, &n);
	for (uint32_t i = 0; v != NULL && i < n; i++) {
		const struct umb_route_stat *rs = v[i];
		cJSON *o = cJSON_CreateObject(), *oc, *fl, *st, *lat;

		cJSON_AddStringToObject(o, "route", rs->name);
		cJSON_AddNumberToObject(o, "exchanges", (double)rs->exchanges);
		cJSON_AddNumberToObject(o, "compared", (double)rs->compared);
		cJSON_AddNumberToObject(o, "mismatched", (double)rs->mismatched);
		cJSON_AddNumberToObject(o, "slow", (double)rs->slow);
		cJSON_AddNumberToObject(o, "fields_dropped", (double)rs->fields_dropped);
		oc = cJSON_AddObjectToObject(o, "outcomes");
		for (unsigned int k = 0; k < UMB_OUTCOME_MAX; k++)
			if (rs->outcome[k] != 0)
				cJSON_AddNumberToObject(oc, umb_outcome_name(k),
						(double)rs->outcome[k]);
		fl = cJSON_AddArrayToObject(o, "differences");
		for (uint32_t k = 0; k < rs->nb_fields; k++) {
			cJSON *d = cJSON_CreateObject();

			cJSON_AddStringToObject(d, "path", rs->fields[k].path);
			cJSON_AddStringToObject(d, "kind",
					umb_cmp_kind_name(rs->fields[k].kind));
			cJSON_AddNumberToObject(d, "count", (double)rs->fields[k].count);
			cJSON_AddItemToArray(fl, d);
		}
		st = cJSON_AddArrayToObject(o, "status_pairs");
		for (uint32_t k = 0; k < rs->nb_status; k++) {
			cJSON *d = cJSON_CreateObject();

			cJSON_AddNumberToObject(d, "production", rs->status[k].prod);
			cJSON_AddNumberToObject(d, "shadow", rs->status[k].shadow);
			cJSON_AddNumberToObject(d, "count", (double)rs->status[k].count);
			cJSON_AddItemToArray(st, d);
		}
		lat = cJSON_AddObjectToObject(o, "latency_us");
		for (int k = 0; k < UMB_LAT_MAX; k++)
			add_hist(lat, lat_names[k], &rs->lat[k]);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddNumberToObject(root, "routes_over_limit", (double)t->routes_over);
	free(v);
}

/* The last mismatch samples of every comparator, oldest first. */
static void
add_samples(struct umb_app *app, cJSON *root)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "mismatch_samples");

	for (unsigned int i = 0; i < app->nb_cmp; i++) {
		const struct umb_compare_ctx *k = app->cmp[i];
		uint32_t have = (uint32_t)RTE_MIN(k->samples_seen, (uint64_t)k->nb_samples);

		for (uint32_t j = 0; j < have; j++) {
			uint32_t idx = (k->sample_next + k->nb_samples - have + j) %
				k->nb_samples;
			const struct umb_sample *sm = &k->samples[idx];
			cJSON *o = cJSON_CreateObject();
			cJSON *d = cJSON_ParseWithLength(sm->diffs, sm->diffs_len);

			cJSON_AddNumberToObject(o, "ts", (double)sm->ts_us / 1e6);
			cJSON_AddStringToObject(o, "route", sm->route);
			cJSON_AddStringToObject(o, "request", sm->request);
			cJSON_AddStringToObject(o, "outcome", umb_outcome_name(sm->outcome));
			cJSON_AddNumberToObject(o, "status", sm->status[0]);
			cJSON_AddNumberToObject(o, "shadow_status", sm->status[1]);
			cJSON_AddNumberToObject(o, "ttlb_us", (double)sm->ttlb_us[0]);
			cJSON_AddNumberToObject(o, "shadow_ttlb_us", (double)sm->ttlb_us[1]);
			if (d != NULL)
				cJSON_AddItemToObject(o, "diffs", d);
			else
				cJSON_AddStringToObject(o, "diffs", "(cut)");
			cJSON_AddItemToArray(arr, o);
		}
	}
}

void
umb_summary_print(struct umb_app *app, FILE *f)
{
	struct umb_snapshot snap;
	const struct umb_totals *tp;
	const struct umb_export_ctx *e = app->exp;
	char why[128];

	umb_snapshot_take(app, &snap, 1);
	tp = &snap.t;
	fprintf(f, "\numbra summary\n");
	fprintf(f, "  frames %" PRIu64 "  tcp segments %" PRIu64 "  flows %" PRIu64
			"  requests %" PRIu64 "  exchanges exported %" PRIu64 "\n",
			tp->rx[UMB_RX_packets], tp->decode[UMB_DECODE_tcp],
			tp->flow[UMB_FLOW_created], tp->http[UMB_HTTP_requests],
			tp->exp[UMB_EXPORT_records]);
	fprintf(f, "  exchanges by outcome:");
	for (unsigned int i = 0; i < UMB_OUTCOME_MAX; i++)
		if (tp->outcome[i] != 0)
			fprintf(f, " %s=%" PRIu64, umb_outcome_name(i), tp->outcome[i]);
	if (tp->mirror[UMB_MIRROR_requests_sampled] > 0)
		fprintf(f, "\n  requests of sampled flows mirrored: %" PRIu64 " of %" PRIu64
				" (%.1f%%)", tp->mirror[UMB_MIRROR_requests_mirrored],
				tp->mirror[UMB_MIRROR_requests_sampled], 100.0 *
				(double)tp->mirror[UMB_MIRROR_requests_mirrored] /
				(double)tp->mirror[UMB_MIRROR_requests_sampled]);
	fprintf(f, "\n  responses by status: none=%" PRIu64 " 1xx=%" PRIu64 " 2xx=%" PRIu64
			" 3xx=%" PRIu64 " 4xx=%" PRIu64 " 5xx=%" PRIu64 "\n",
			e->by_status_class[0], e->by_status_class[1], e->by_status_class[2],
			e->by_status_class[3], e->by_status_class[4], e->by_status_class[5]);
	if (e->ttfb_n > 0)
		fprintf(f, "  time to first byte: mean %.1f ms, p50 <= %.1f ms, p95 <= %.1f ms (%" PRIu64 " samples)\n",
				(double)e->ttfb_sum_us / (double)e->ttfb_n / 1000.0,
				(double)ttfb_quantile(e, 0.50) / 1000.0,
				(double)ttfb_quantile(e, 0.95) / 1000.0, e->ttfb_n);
	fprintf(f, "  response body bytes %" PRIu64 "\n", e->resp_bytes);
	fprintf(f, "  data path: %.3f s, %.2f Mpps, %.1f MB/s\n", run_seconds(app),
			(double)tp->rx[UMB_RX_packets] / run_seconds(app) / 1e6,
			(double)tp->rx[UMB_RX_bytes] / run_seconds(app) / 1048576.0);
	if (snap.routes != NULL)
		print_routes(snap.routes, f);
	umb_snapshot_accounting(&snap, why, sizeof(why));
	fprintf(f, "  accounting: %s\n", why);
	fprintf(f, "counters (non-zero):\n");
	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		const struct umb_ctr_group *g = umb_snapshot_group(&snap, i, &v);

		if (g != &umb_outcome_ctr_group) /* printed above */
			umb_ctr_print(f, g, v, 0);
	}
	umb_snapshot_release(&snap);
}

static void
add_group(cJSON *root, const struct umb_ctr_group *g, const uint64_t *v)
{
	cJSON *o = cJSON_AddObjectToObject(root, g->name);

	for (uint16_t i = 0; i < g->n; i++)
		cJSON_AddNumberToObject(o, g->names[i], (double)v[i]);
}

int
umb_summary_json(struct umb_app *app, const char *path)
{
	struct umb_snapshot snap;
	cJSON *root = cJSON_CreateObject();
	cJSON *ports;
	char why[128];
	char *s;
	FILE *f;
	int rc = 0;

	if (root == NULL)
		return -ENOMEM;
	umb_snapshot_take(app, &snap, 1);
	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		const struct umb_ctr_group *g = umb_snapshot_group(&snap, i, &v);

		add_group(root, g, v);
	}
	ports = cJSON_AddArrayToObject(root, "ports");
	for (unsigned int i = 0; i < app->nb_ports; i++) {
		struct rte_eth_stats st;
		cJSON *p = cJSON_CreateObject();

		cJSON_AddStringToObject(p, "name", app->ports[i].name);
		cJSON_AddStringToObject(p, "link", umb_link_name(app->ports[i].link));
		if (rte_eth_stats_get(app->ports[i].port_id, &st) == 0) {
			cJSON_AddNumberToObject(p, "ipackets", (double)st.ipackets);
			cJSON_AddNumberToObject(p, "ibytes", (double)st.ibytes);
			cJSON_AddNumberToObject(p, "imissed", (double)st.imissed);
			cJSON_AddNumberToObject(p, "ierrors", (double)st.ierrors);
			cJSON_AddNumberToObject(p, "rx_nombuf", (double)st.rx_nombuf);
		}
		cJSON_AddItemToArray(ports, p);
	}
	cJSON *run = cJSON_AddObjectToObject(root, "run");

	cJSON_AddNumberToObject(run, "seconds", run_seconds(app));
	cJSON_AddNumberToObject(run, "lcores", app->nb_plans);
	cJSON_AddNumberToObject(run, "reasm_lcores", app->nb_reasm);
	if (snap.routes != NULL)
		add_routes(snap.routes, root);
	add_samples(app, root);
	cJSON_AddBoolToObject(root, "accounting_ok", umb_snapshot_accounting(&snap, why, sizeof(why)) == 0);
	cJSON_AddStringToObject(root, "accounting", why);
	umb_snapshot_release(&snap);

	s = cJSON_Print(root);
	cJSON_Delete(root);
	if (s == NULL)
		return -ENOMEM;
	f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (f == NULL) {
		rc = -errno;
	} else {
		if (fprintf(f, "%s\n", s) < 0)
			rc = -EIO;
		if (f != stdout && fclose(f) != 0 && rc == 0)
			rc = -errno;
	}
	cJSON_free(s);
	return rc;
}
