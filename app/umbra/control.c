/* SPDX-License-Identifier: BSD-3-Clause
 * Live control through DPDK telemetry (the socket dpdk-telemetry.py talks
 * to): `/umbra/share` reads the sampling share, `/umbra/share,PCT` sets it;
 * `/umbra/stats` every counter by group (one snapshot, snapshot.c);
 * `/umbra/routes` lists the comparator's routes and `/umbra/route,ID` (or
 * `/umbra/route,NAME`) shows one: outcomes, differing fields, status pairs,
 * latency quantiles; `/umbra/launch` shows the launch (launch.c) and
 * `/umbra/launch,VERB[ PCT][ who=WHO]` changes it (embedded mode).
 * Route reads merge the comparators' tables into a
 * snapshot (umb_compare_snapshot): counters may be one update old.
 * The telemetry thread only stores the new share; each reassembly lcore
 * reads it once per poll and applies it to the flows it creates from then
 * on (flows already decided keep their decision, so raising the share
 * keeps every flow a lower share picked). Without Redis, setting the share
 * is the launch's verb `share` (refused once promoted or rolled back; while
 * paused it is the share resume brings back); with Redis the launch record
 * decides and a share set here (only while the record says active) lasts
 * until the exporter's next read.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "umbra.h"

/* Telemetry callbacks carry no argument: the one app, set at init. */
static struct umb_app *control_app;

static int
cmd_share(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct umb_app *app = control_app;
	uint32_t ppm;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		char *end;
		double pct;

		errno = 0;
		pct = strtod(params, &end);
		if (errno != 0 || end == params || *end != '\0' ||
				!(pct >= 0.0 && pct <= 100.0))
			return -EINVAL;
		ppm = (uint32_t)(pct * (UMB_CONFIG_SHARE_ONE / 100) + 0.5);
		switch (umb_launch_do(app, UMB_LAUNCH_SHARE, 1, ppm, "telemetry",
				NULL, 0, NULL)) {
		case UMB_LAUNCH_CHANGED:
		case UMB_LAUNCH_UNCHANGED:
			break;
		case UMB_LAUNCH_REFUSED: {
			/* Redis decides: an override until its next read, and
			 * only while the record says active. */
			int active;

			pthread_mutex_lock(&app->launch.lock);
			active = app->launch.l.state == UMB_LAUNCH_ACTIVE;
			if (active)
				__atomic_store_n(&app->share_ppm, ppm, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&app->launch.lock);
			if (!active)
				return -EPERM;
			break;
		}
		default:
			return -EPERM;  /* promoted or rolled back */
		}
	}
	ppm = __atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "share_ppm", ppm);
	rte_tel_data_add_dict_u64(d, "share_percent_x1000", ppm / 10);
	return 0;
}

static int
cmd_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct umb_route_table *t = umb_compare_snapshot(control_app);
	struct umb_route_stat **v;
	uint32_t n = 0;

	(void)cmd;
	(void)params;
	if (t == NULL)
		return -ENOMEM;
	v = umb_snapshot_routes(t, UMB_ROUTES_BY_NAME, &n);
	/*
	 * Telemetry names allow [A-Za-z0-9_/] only, and arrays hold no dicts:
	 * one dict per route under "route_ID", its name a value.
	 */
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; v != NULL && i < n && i < RTE_TEL_MAX_DICT_ENTRIES;
			i++) {
		struct rte_tel_data *r = rte_tel_data_alloc();
		char key[32];

		if (r == NULL)
			break;
		snprintf(key, sizeof(key), "route_%u", i);
		rte_tel_data_start_dict(r);
		rte_tel_data_add_dict_u64(r, "id", i);
		rte_tel_data_add_dict_string(r, "route", v[i]->name);
		rte_tel_data_add_dict_u64(r, "exchanges", v[i]->exchanges);
		rte_tel_data_add_dict_u64(r, "compared", v[i]->compared);
		rte_tel_data_add_dict_u64(r, "mismatched", v[i]->mismatched);
		rte_tel_data_add_dict_u64(r, "slow", v[i]->slow);
		rte_tel_data_add_dict_container(d, key, r, 0);
	}
	free(v);
	umb_route_table_free(t);
	return 0;
}

static void
hist_dict(struct rte_tel_data *d, const char *name, const struct umb_hist *h)
{
	struct rte_tel_data *r = rte_tel_data_alloc();

	if (r == NULL)
		return;
	rte_tel_data_start_dict(r);
	rte_tel_data_add_dict_u64(r, "count", h->count);
	rte_tel_data_add_dict_u64(r, "p50_us", umb_hist_quantile(h, 0.50));
	rte_tel_data_add_dict_u64(r, "p90_us", umb_hist_quantile(h, 0.90));
	rte_tel_data_add_dict_u64(r, "p95_us", umb_hist_quantile(h, 0.95));
	rte_tel_data_add_dict_u64(r, "p99_us", umb_hist_quantile(h, 0.99));
	rte_tel_data_add_dict_u64(r, "max_us", h->max);
	rte_tel_data_add_dict_container(d, name, r, 0);
}

static int
cmd_route(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const lat[UMB_LAT_MAX] = { "production_ttfb",
		"production_ttlb", "shadow_ttfb", "shadow_ttlb" };
	struct umb_route_table *t;
	struct umb_route_stat **v, *rs = NULL;
	uint32_t n = 0;
	char *end;
	unsigned long id;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	t = umb_compare_snapshot(control_app);
	if (t == NULL)
		return -ENOMEM;
	v = umb_snapshot_routes(t, UMB_ROUTES_BY_NAME, &n);
	id = strtoul(params, &end, 10);
	for (uint32_t i = 0; v != NULL && i < n; i++)
		if ((*end == '\0' && end != params && i == id) ||
				strcmp(v[i]->name, params) == 0)
			rs = v[i];
	if (rs == NULL) {
		free(v);
		umb_route_table_free(t);
		return -ENOENT;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "route", rs->name);
	rte_tel_data_add_dict_u64(d, "exchanges", rs->exchanges);
	rte_tel_data_add_dict_u64(d, "compared", rs->compared);
	rte_tel_data_add_dict_u64(d, "mismatched", rs->mismatched);
	rte_tel_data_add_dict_u64(d, "slow", rs->slow);
	struct rte_tel_data *oc = rte_tel_data_alloc();

	if (oc != NULL) {
		rte_tel_data_start_dict(oc);
		for (unsigned int k = 0; k < UMB_OUTCOME_MAX; k++)
			if (rs->outcome[k] != 0)
				rte_tel_data_add_dict_u64(oc, umb_outcome_name(k),
						rs->outcome[k]);
		rte_tel_data_add_dict_container(d, "outcomes", oc, 0);
	}
	struct rte_tel_data *fl = rte_tel_data_alloc();

	if (fl != NULL) {
		/* "KIND PATH COUNT" strings: paths are not valid names. */
		rte_tel_data_start_array(fl, RTE_TEL_STRING_VAL);
		for (uint32_t k = 0; k < rs->nb_fields; k++) {
			char e[RTE_TEL_MAX_STRING_LEN];

			snprintf(e, sizeof(e), "%s %.*s %" PRIu64,
					umb_cmp_kind_name(rs->fields[k].kind),
					(int)sizeof(e) - 40, rs->fields[k].path,
					rs->fields[k].count);
			rte_tel_data_add_array_string(fl, e);
		}
		rte_tel_data_add_dict_container(d, "differences", fl, 0);
	}
	struct rte_tel_data *sp = rte_tel_data_alloc();

	if (sp != NULL) {
		rte_tel_data_start_array(sp, RTE_TEL_STRING_VAL);
		for (uint32_t k = 0; k < rs->nb_status; k++) {
			char e[64];

			snprintf(e, sizeof(e), "%d -> %d %" PRIu64, rs->status[k].prod,
					rs->status[k].shadow, rs->status[k].count);
			rte_tel_data_add_array_string(sp, e);
		}
		rte_tel_data_add_dict_container(d, "status_pairs", sp, 0);
	}
	for (int k = 0; k < UMB_LAT_MAX; k++)
		hist_dict(d, lat[k], &rs->lat[k]);
	free(v);
	umb_route_table_free(t);
	return 0;
}

/* Every counter group of the snapshot, the one the summary prints. */
static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct umb_snapshot snap;

	(void)cmd;
	(void)params;
	if (umb_snapshot_take(control_app, &snap, 0) != 0)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		const struct umb_ctr_group *g = umb_snapshot_group(&snap, i, &v);
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			break;
		rte_tel_data_start_dict(c);
		for (uint16_t k = 0; k < g->n && k < RTE_TEL_MAX_DICT_ENTRIES; k++)
			rte_tel_data_add_dict_u64(c, g->names[k], v[k]);
		rte_tel_data_add_dict_container(d, g->name, c, 0);
	}
	{
		/* Live, records between the stages have no outcome yet. */
		const struct umb_totals *t = &snap.t;
		uint64_t recorded = t->http[UMB_HTTP_requests] -
			t->http[UMB_HTTP_pipeline_overflow] -
			t->http[UMB_HTTP_record_pool_empty], done = 0;

		for (unsigned int k = 0; k < UMB_OUTCOME_MAX; k++)
			done += t->outcome[k];
		done += t->reasm[UMB_REASM_records_dropped];
		rte_tel_data_add_dict_u64(d, "records_in_flight",
				recorded > done ? recorded - done : 0);
	}
	umb_snapshot_release(&snap);
	return 0;
}

/* ---- the launch ------------------------------------------------------------- */

/* Requests seen, sampled and mirrored, and every outcome, from @p t. */
static void
launch_counts(struct rte_tel_data *d, const struct umb_totals *t)
{
	struct rte_tel_data *oc = rte_tel_data_alloc();

	rte_tel_data_add_dict_u64(d, "requests", t->http[UMB_HTTP_requests]);
	rte_tel_data_add_dict_u64(d, "requests_sampled",
			t->mirror[UMB_MIRROR_requests_sampled]);
	rte_tel_data_add_dict_u64(d, "requests_mirrored",
			t->mirror[UMB_MIRROR_requests_mirrored]);
	if (oc == NULL)
		return;
	rte_tel_data_start_dict(oc);
	for (unsigned int k = 0; k < UMB_OUTCOME_MAX; k++)
		rte_tel_data_add_dict_u64(oc, umb_outcome_name(k), t->outcome[k]);
	rte_tel_data_add_dict_container(d, "outcomes", oc, 0);
}

/* /umbra/launch: the launch, its counts (one snapshot) and its history. */
static int
launch_status(struct umb_app *app, struct rte_tel_data *d)
{
	struct umb_app_launch L;
	struct umb_totals *final = malloc(sizeof(*final));
	struct umb_snapshot snap;
	struct rte_tel_data *h;
	char buf[64];
	uint32_t first;
	int has_final = 0;

	if (final == NULL)
		return -ENOMEM;
	umb_launch_get(app, &L, final, &has_final);
	if (umb_snapshot_take(app, &snap, 0) != 0) {
		free(final);
		return -ENOMEM;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", app->opt.launch);
	rte_tel_data_add_dict_string(d, "id", L.id);
	rte_tel_data_add_dict_string(d, "mode", L.follows_redis ? "redis" : "embedded");
	umb_appliance_id(buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "appliance", buf);
	rte_tel_data_add_dict_string(d, "state", umb_launch_state_name(L.l.state));
	rte_tel_data_add_dict_u64(d, "share_ppm", L.l.share_ppm);
	rte_tel_data_add_dict_u64(d, "effective_share_ppm",
			__atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE));
	rte_tel_data_add_dict_string(d, "rules_name", app->rules->name);
	snprintf(buf, sizeof(buf), "%016" PRIx64, app->rules->hash);
	rte_tel_data_add_dict_string(d, "rules_hash", buf);
	rte_tel_data_add_dict_u64(d, "created_us", L.created_us);
	rte_tel_data_add_dict_u64(d, "updated_us", L.updated_us);
	rte_tel_data_add_dict_u64(d, "now_us", umb_now_us(app));
	rte_tel_data_add_dict_u64(d, "rollbacks", L.rollbacks);
	launch_counts(d, &snap.t);
	umb_snapshot_release(&snap);
	/* Oldest first, "e0" ... (telemetry arrays hold no dicts). */
	h = rte_tel_data_alloc();
	if (h != NULL) {
		rte_tel_data_start_dict(h);
		first = L.nb_hist > UMB_LAUNCH_HISTORY ? L.nb_hist - UMB_LAUNCH_HISTORY : 0;
		for (uint32_t i = first; i < L.nb_hist; i++) {
			const struct umb_launch_event *e = &L.hist[i % UMB_LAUNCH_HISTORY];
			struct rte_tel_data *ev = rte_tel_data_alloc();

			if (ev == NULL)
				break;
			rte_tel_data_start_dict(ev);
			rte_tel_data_add_dict_u64(ev, "ts_us", e->ts_us);
			rte_tel_data_add_dict_string(ev, "who", e->who);
			rte_tel_data_add_dict_string(ev, "verb", umb_launch_verb_name(e->verb));
			rte_tel_data_add_dict_string(ev, "arg", e->arg);
			rte_tel_data_add_dict_string(ev, "from", umb_launch_state_name(e->from));
			rte_tel_data_add_dict_string(ev, "to", umb_launch_state_name(e->to));
			snprintf(buf, sizeof(buf), "e%u", i - first);
			rte_tel_data_add_dict_container(h, buf, ev, 0);
		}
		rte_tel_data_add_dict_container(d, "history", h, 0);
	}
	if (has_final) {
		struct rte_tel_data *f = rte_tel_data_alloc();

		if (f != NULL) {
			rte_tel_data_start_dict(f);
			rte_tel_data_add_dict_u64(f, "frozen_us", L.final_us);
			launch_counts(f, final);
			rte_tel_data_add_dict_container(d, "final", f, 0);
		}
	}
	free(final);
	return 0;
}

static const char *const launch_results[] = {
	[UMB_LAUNCH_CHANGED] = "changed",
	[UMB_LAUNCH_UNCHANGED] = "unchanged",
};

static const char *
launch_result_name(int rc)
{
	switch (rc) {
	case UMB_LAUNCH_CHANGED:
	case UMB_LAUNCH_UNCHANGED:
		return launch_results[rc];
	case UMB_LAUNCH_ILLEGAL:
		return "illegal";
	case UMB_LAUNCH_REFUSED:
		return "refused";
	default:
		return "invalid";
	}
}

/*
 * /umbra/launch,VERB[ PCT][ who=WHO]: one verb of lib/launch. The answer
 * is a dict whatever happened (so the reason reaches the caller): result
 * changed, unchanged, illegal, invalid or refused, message, and the state
 * and shares after.
 */
static int
launch_verb(struct umb_app *app, const char *params, struct rte_tel_data *d)
{
	char p[256], why[256] = "", *tok, *save = NULL;
	const char *who = "telemetry";
	enum umb_launch_state from = UMB_LAUNCH_NONE;
	enum umb_launch_verb verb = UMB_LAUNCH_VERB_MAX;
	uint32_t ppm = 0;
	int has_arg = 0, rc = UMB_LAUNCH_INVALID, n = 0;

	if (strlen(params) >= sizeof(p)) {
		snprintf(why, sizeof(why), "parameters longer than %zu bytes", sizeof(p) - 1);
		goto answer;
	}
	snprintf(p, sizeof(p), "%s", params);
	for (tok = strtok_r(p, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (n++ == 0) {
			if (umb_launch_verb_parse(tok, &verb) != 0) {
				snprintf(why, sizeof(why), "unknown verb '%.32s' (start, "
						"pause, resume, share PCT, promote, rollback)", tok);
				goto answer;
			}
		} else if (strncmp(tok, "who=", 4) == 0) {
			if (umb_launch_check_who(tok + 4) != 0) {
				snprintf(why, sizeof(why), "who '%.64s': 1 to %d of "
						"[A-Za-z0-9_.@:+-]", tok + 4, UMB_LAUNCH_WHO_LEN - 1);
				goto answer;
			}
			who = tok + 4;
		} else if (!has_arg && umb_launch_verb_arg(verb) >= 0) {
			if (umb_launch_parse_share(tok, &ppm) != 0) {
				snprintf(why, sizeof(why), "share '%.32s': expected a "
						"percentage from 0 to 100 (at most 4 decimals)", tok);
				goto answer;
			}
			has_arg = 1;
		} else {
			snprintf(why, sizeof(why), "unexpected '%.32s' after %s", tok,
					umb_launch_verb_name(verb));
			goto answer;
		}
	}
	if (verb == UMB_LAUNCH_VERB_MAX) {
		snprintf(why, sizeof(why), "no verb");
		goto answer;
	}
	rc = umb_launch_do(app, verb, has_arg, ppm, who, why, sizeof(why), &from);
answer:
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", launch_result_name(rc));
	rte_tel_data_add_dict_string(d, "message", why);
	rte_tel_data_add_dict_string(d, "verb", umb_launch_verb_name(verb));
	pthread_mutex_lock(&app->launch.lock);
	rte_tel_data_add_dict_string(d, "from", umb_launch_state_name(
			verb != UMB_LAUNCH_VERB_MAX && rc != UMB_LAUNCH_INVALID ? from :
			app->launch.l.state));
	rte_tel_data_add_dict_string(d, "state", umb_launch_state_name(app->launch.l.state));
	rte_tel_data_add_dict_u64(d, "share_ppm", app->launch.l.share_ppm);
	pthread_mutex_unlock(&app->launch.lock);
	rte_tel_data_add_dict_u64(d, "effective_share_ppm",
			__atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE));
	return 0;
}

static int
cmd_launch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params == NULL || *params == '\0')
		return launch_status(control_app, d);
	return launch_verb(control_app, params, d);
}

int
umb_control_init(struct umb_app *app)
{
	int rc;

	control_app = app;
	rc = umb_launch_init(app);
	if (rc != 0)
		return rc;
	rc = rte_telemetry_register_cmd("/umbra/share", cmd_share,
			"Sampling share. Parameter: new share in percent (0-100), optional");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/umbra/routes", cmd_routes,
				"Routes of the comparator: id, exchanges, compared, mismatched, slow");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/umbra/stats", cmd_stats,
				"Every counter, by group (the summary's snapshot)");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/umbra/route", cmd_route,
				"One route's statistics. Parameter: id (from /umbra/routes) or name");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/umbra/launch", cmd_launch,
				"The launch: state, share, counts, history. Parameter: "
				"VERB [PCT] [who=WHO] changes it (docs/umbractl.md)");
	if (rc != 0)
		fprintf(stderr, "telemetry: cannot register the /umbra/ commands: %s\n",
				strerror(rc < 0 ? -rc : rc));
	return rc;
}
