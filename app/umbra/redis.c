/* SPDX-License-Identifier: BSD-3-Clause
 * The exporter to the fleet store (Redis; docs/redis.md has the key
 * layout). With [launch] redis or --redis, a control thread (never a data
 * lcore) takes one snapshot of every statistic each second (snapshot.c,
 * routes included), computes what changed since the last export Redis
 * acknowledged, and sends it as one pipelined MULTI ... EXEC batch:
 * counters and histogram buckets as HINCRBY increments, new mismatch
 * samples to a capped stream, the appliance's heartbeat, and a read of the
 * launch record, whose state and share it follows through launch.c
 * (umb_launch_follow: the effective share in app->share_ppm, the same
 * atomic /umbra/share stores; a close-all on rolled_back). When it sees the
 * record turn promoted it exports at once, that batch's counter increments
 * also added to the launch's :final hash (its final flush). The record is
 * re-read every REDIS_RECORD_MS, and at once when a message comes on the
 * launch's :events channel (umbractl PUBLISHes each change in the same
 * transaction): a second connection, the subscriber, owned by this thread
 * too, SUBSCRIBEs to it. A message only triggers a read through the batch
 * connection (read_record), so a missed message costs at most the
 * periodic read. Pause and rollback are urgent: their message itself is
 * applied at once (redis_sub.c), also while a batch is in flight (the
 * subscriber is served during batch waits), and a record answer asked for
 * before that is set aside. The subscriber's failures are its own (sub_* counters,
 * reconnects with the same backoff) and never touch the batch connection.
 *
 * Bounds: hiredis 0.14 has no command timeouts, so this file owns the
 * socket in non-blocking mode and waits with its own poll() and deadlines
 * (connect with AUTH, SELECT and PING: REDIS_CONNECT_MS; a batch:
 * REDIS_BATCH_MS; the final flush after the lcores return: REDIS_STOP_MS
 * from the stop request). The subscriber never blocks: its socket is in
 * the same poll() as the thread's naps, its connect, AUTH, SELECT and
 * SUBSCRIBE are steps of a state machine under REDIS_CONNECT_MS, it is
 * PINGed every REDIS_SUB_PING_MS, and its replies are bounded (flat arrays
 * of a few elements, REDIS_SUB_REPLY_MAX bytes; anything else is an error
 * and a reconnect). The data lcores are never waited for: counters
 * are read with relaxed loads, the route tables are merged into a private
 * copy, mismatch samples are copied and checked against samples_seen.
 * Nothing is queued while Redis is away: the next batch is the difference
 * of two snapshots, so the backlog is bounded by construction. A batch sent
 * whose EXEC answer never came is not resent: it is counted as lost (its
 * counter increments go to the launch's :lost hash) and the baseline moves
 * on. Reconnects back off from REDIS_BACKOFF_MIN_MS to REDIS_BACKOFF_MAX_MS.
 * A host name is resolved by a helper thread (redis_resolve.c), never on
 * this one: hiredis only ever gets numeric addresses. The password is never
 * printed; the URL is shown with "***" in its place.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <hiredis/hiredis.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "umbra.h"

#include "redis_private.h"

UMB_CTR_GROUP_DEFINE(redis, UMB_REDIS_COUNTERS, UMB_REDIS_CTR_MAX);

struct exporter umb_redis_exporter; /* one per process: hiredis callbacks find it here */

/* ---- building a batch ---------------------------------------------------- */

static void
cmd(struct exporter *x, uint8_t kind, uint32_t idx, uint64_t val, int argc,
		const char **argv)
{
	size_t len[32];

	if (x->build_failed)
		return;
	RTE_VERIFY(argc <= (int)RTE_DIM(len));
	for (int i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	if (x->nb_meta == x->cap_meta) {
		size_t cap = x->cap_meta != 0 ? x->cap_meta * 2 : 1024;
		struct meta *m = realloc(x->meta, cap * sizeof(*m));

		if (m == NULL) {
			x->build_failed = 1;
			return;
		}
		x->meta = m;
		x->cap_meta = cap;
	}
	if (redisAppendCommandArgv(x->bl.c, argc, argv, len) != REDIS_OK) {
		x->build_failed = 1;
		return;
	}
	x->meta[x->nb_meta++] = (struct meta){ kind, idx, val };
}

/* HINCRBY @p key @p field by cur - base when it grew; 1 when sent. */
static int
incr(struct exporter *x, uint8_t kind, uint32_t idx, const char *key,
		const char *field, uint64_t cur, uint64_t base)
{
	char num[24];
	const char *argv[] = { "HINCRBY", key, field, num };

	if (cur <= base)
		return 0;
	snprintf(num, sizeof(num), "%" PRIu64, cur - base);
	cmd(x, kind, idx, cur - base, 4, argv);
	return 1;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(const struct umb_route_stat *const *)a)->name,
			(*(const struct umb_route_stat *const *)b)->name);
}

static const struct umb_route_stat *
base_route(const struct exporter *x, const char *name)
{
	struct umb_route_stat key, *kp = &key, **hit;

	if (x->nb_base_sorted == 0)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	hit = bsearch(&kp, x->base_sorted, x->nb_base_sorted, sizeof(*hit), by_name);
	return hit != NULL ? *hit : NULL;
}

/* Take @p t as the baseline of the routes (owned from now on). */
static void
set_base_routes(struct exporter *x, struct umb_route_table *t)
{
	uint32_t nb = t != NULL ? t->nb : 0, n = 0;

	umb_route_table_free(x->base_routes);
	free(x->base_sorted);
	x->base_routes = t;
	x->base_sorted = calloc(nb + 1, sizeof(*x->base_sorted));
	x->nb_base_sorted = 0;
	if (x->base_sorted == NULL)
		return;     /* every route counted from 0 again: see docs/redis.md */
	for (uint32_t i = 0; i < nb; i++)
		if (t->routes[i] != NULL)
			x->base_sorted[n++] = t->routes[i];
	qsort(x->base_sorted, n, sizeof(*x->base_sorted), by_name);
	x->nb_base_sorted = n;
}

static const char *const lat_names[UMB_LAT_MAX] = {
	"production_ttfb", "production_ttlb", "shadow_ttfb", "shadow_ttlb",
};

static void
add_route(struct exporter *x, const struct umb_route_stat *r,
		const struct umb_route_stat *b)
{
	static const struct umb_route_stat zero;
	char key[REDIS_KEY_MAX], field[REDIS_FIELD_MAX], num[24];
	int any = 0;

	if (b == NULL)
		b = &zero;
	snprintf(key, sizeof(key), "%s:route:%s:counters", x->k_launch, r->name);
	any |= incr(x, M_OTHER, 0, key, "exchanges", r->exchanges, b->exchanges);
	any |= incr(x, M_OTHER, 0, key, "compared", r->compared, b->compared);
	any |= incr(x, M_OTHER, 0, key, "mismatched", r->mismatched, b->mismatched);
	any |= incr(x, M_OTHER, 0, key, "slow", r->slow, b->slow);
	any |= incr(x, M_OTHER, 0, key, "fields_dropped", r->fields_dropped,
			b->fields_dropped);
	for (unsigned int k = 0; k < UMB_OUTCOME_MAX && k < UMB_CMP_OUTCOMES; k++) {
		snprintf(field, sizeof(field), "outcome.%s", umb_outcome_name(k));
		any |= incr(x, M_OTHER, 0, key, field, r->outcome[k], b->outcome[k]);
	}
	for (uint32_t k = 0; k < r->nb_fields && k < UMB_CMP_FIELD_TOP; k++) {
		const struct umb_cmp_field_stat *f = &r->fields[k];
		uint64_t was = 0;

		for (uint32_t j = 0; j < b->nb_fields && j < UMB_CMP_FIELD_TOP; j++)
			if (b->fields[j].kind == f->kind &&
					strcmp(b->fields[j].path, f->path) == 0)
				was = b->fields[j].count;
		snprintf(field, sizeof(field), "diff.%s.%s", umb_cmp_kind_name(f->kind),
				f->path);
		any |= incr(x, M_OTHER, 0, key, field, f->count, was);
	}
	for (uint32_t k = 0; k < r->nb_status && k < UMB_CMP_STATUS_TOP; k++) {
		const struct umb_cmp_status_stat *st = &r->status[k];
		uint64_t was = 0;

		for (uint32_t j = 0; j < b->nb_status && j < UMB_CMP_STATUS_TOP; j++)
			if (b->status[j].prod == st->prod && b->status[j].shadow == st->shadow)
				was = b->status[j].count;
		snprintf(field, sizeof(field), "status.%d.%d", st->prod, st->shadow);
		any |= incr(x, M_OTHER, 0, key, field, st->count, was);
	}
	for (int s = 0; s < UMB_LAT_MAX; s++) {
		const struct umb_hist *h = &r->lat[s], *bh = &b->lat[s];

		if (h->count <= bh->count)
			continue;
		snprintf(key, sizeof(key), "%s:route:%s:lat:%s", x->k_launch, r->name,
				lat_names[s]);
		for (unsigned int i = 0; i < UMB_HIST_BUCKETS; i++) {
			if (h->b[i] <= bh->b[i])
				continue;
			snprintf(field, sizeof(field), "%u", i);
			incr(x, M_OTHER, 0, key, field, h->b[i], bh->b[i]);
		}
		incr(x, M_OTHER, 0, key, "count", h->count, bh->count);
		incr(x, M_OTHER, 0, key, "sum", h->sum, bh->sum);
		if (h->max != bh->max) {
			char kmax[REDIS_KEY_MAX + 8];
			const char *argv[] = { "HSET", kmax, x->appliance, num };

			snprintf(kmax, sizeof(kmax), "%s:max", key);
			snprintf(num, sizeof(num), "%" PRIu64, h->max);
			cmd(x, M_OTHER, 0, 0, 4, argv);
		}
		any = 1;
	}
	if (any) {
		const char *argv[] = { "SADD", field, r->name };

		snprintf(field, sizeof(field), "%s:routes", x->k_launch);
		cmd(x, M_OTHER, 0, 0, 3, argv);
	}
}

/*
 * New mismatch samples of every comparator, oldest first. The comparator
 * lcore counts a sample (samples_seen) and then writes it into the ring
 * slot seq % nb_samples, with no lock: a slot is copied, then samples_seen
 * is read again, and the copy is kept only when no later sample can have
 * started to overwrite it. The newest sample may still be being written:
 * it is taken once samples_seen did not move for a whole tick, or at the
 * end (the lcores have returned).
 */
static void
add_samples(struct exporter *x, int final)
{
	const struct umb_app *app = x->app;
	uint32_t cap = app->rules != NULL ? app->rules->samples : 0;
	char key[REDIS_KEY_MAX], maxlen[16];

	x->batch_samples = 0;
	snprintf(key, sizeof(key), "%s:mismatches", x->k_launch);
	snprintf(maxlen, sizeof(maxlen), "%u", cap);
	for (unsigned int i = 0; i < app->nb_cmp; i++) {
		const struct umb_compare_ctx *k = app->cmp[i];
		uint64_t seen = __atomic_load_n(&k->samples_seen, __ATOMIC_ACQUIRE);
		uint64_t limit = seen, from = x->sample_done[i];
		uint32_t nb = k->nb_samples;

		x->sample_next[i] = from;
		if (nb == 0 || cap == 0)
			continue;
		if (!final && seen != x->sample_prev_seen[i] && seen > 0)
			limit = seen - 1;
		x->sample_prev_seen[i] = seen;
		if (limit > nb && from < limit - nb) {
			x->ctr[UMB_REDIS_samples_overrun] += limit - nb - from;
			from = limit - nb;
		}
		for (uint64_t q = from; q < limit; q++) {
			struct umb_sample sm;
			char ts[24], t0[24], t1[24], st0[12], st1[12], cmpi[12];
			const char *argv[] = { "XADD", key, "MAXLEN", "~", maxlen, "*",
				"appliance", x->appliance, "comparator", cmpi, "ts_us", ts,
				"route", sm.route, "request", sm.request,
				"outcome", "",
				"status", st0, "shadow_status", st1,
				"ttlb_us", t0, "shadow_ttlb_us", t1, "diffs", sm.diffs };

			memcpy(&sm, &k->samples[q % nb], sizeof(sm));
			rte_smp_rmb();
			if (__atomic_load_n(&k->samples_seen, __ATOMIC_ACQUIRE) > q + nb) {
				x->ctr[UMB_REDIS_samples_torn]++;
				continue;
			}
			sm.route[sizeof(sm.route) - 1] = '\0';
			sm.request[sizeof(sm.request) - 1] = '\0';
			sm.diffs[RTE_MIN((size_t)sm.diffs_len, sizeof(sm.diffs) - 1)] = '\0';
			if (sm.outcome >= UMB_OUTCOME_MAX)
				sm.outcome = 0;
			argv[17] = umb_outcome_name(sm.outcome);
			snprintf(cmpi, sizeof(cmpi), "%u", i);
			snprintf(ts, sizeof(ts), "%" PRIu64, sm.ts_us);
			snprintf(st0, sizeof(st0), "%d", sm.status[0]);
			snprintf(st1, sizeof(st1), "%d", sm.status[1]);
			snprintf(t0, sizeof(t0), "%" PRIu64, sm.ttlb_us[0]);
			snprintf(t1, sizeof(t1), "%" PRIu64, sm.ttlb_us[1]);
			cmd(x, M_OTHER, 0, 0, (int)RTE_DIM(argv), argv);
			x->batch_samples++;
		}
		x->sample_next[i] = limit;
	}
}

/* The whole batch of one tick, into hiredis' output buffer. */
static void
build_batch(struct exporter *x, const struct umb_snapshot *s, int final)
{
	char key[REDIS_KEY_MAX], klost[REDIS_KEY_MAX], num[24], share[24];
	unsigned int f = 0;

	x->nb_meta = 0;
	x->build_failed = 0;
	redisAppendCommand(x->bl.c, "MULTI");
	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		const struct umb_ctr_group *g = umb_snapshot_group(s, i, &v);

		for (uint16_t k = 0; k < g->n && f < x->nb_fields; k++)
			x->cur[f++] = v[k];
	}
	snprintf(key, sizeof(key), "%s:counters", x->k_launch);
	snprintf(klost, sizeof(klost), "%s:lost", x->k_launch);
	for (f = 0; f < x->nb_fields; f++) {
		incr(x, M_CTR, f, key, x->names[f], x->cur[f], x->base[f]);
		incr(x, M_LOST, f, klost, x->names[f], x->lost[f], 0);
	}
	if (x->final_flush) {
		/* Promoted: what this appliance counted until it knew goes to
		 * the frozen totals too (umbractl copied :counters there). */
		char kfinal[REDIS_KEY_MAX];

		snprintf(kfinal, sizeof(kfinal), "%s:final", x->k_launch);
		for (f = 0; f < x->nb_fields; f++)
			incr(x, M_OTHER, 0, kfinal, x->names[f], x->cur[f], x->base[f]);
	}
	if (s->routes != NULL) {
		const struct umb_route_table *t = s->routes;

		for (uint32_t i = 0; i < t->nb; i++)
			if (t->routes[i] != NULL && t->routes[i]->exchanges > 0)
				add_route(x, t->routes[i], base_route(x, t->routes[i]->name));
	}
	add_samples(x, final);
	/* the heartbeat */
	snprintf(key, sizeof(key), "%s:appliances", x->k_launch);
	snprintf(num, sizeof(num), "%lld", (long long)time(NULL));
	{
		const char *argv[] = { "HSET", key, x->appliance, num };

		cmd(x, M_OTHER, 0, 0, 4, argv);
	}
	if (x->final_flush) {
		char kfa[REDIS_KEY_MAX];
		const char *argv[] = { "HSET", kfa, x->appliance, num };

		snprintf(kfa, sizeof(kfa), "%s:final:appliances", x->k_launch);
		cmd(x, M_OTHER, 0, 0, 4, argv);
	}
	/* the launch record: created when absent (each field), read back */
	umb_launch_share_str(x->app->opt.share_ppm, share, sizeof(share));
	{
		char us[24], hash[24];
		const char *const fields[][2] = {
			{ "name", x->app->opt.launch }, { "id", x->app->launch.id },
			{ "state", "active" }, { "share", share },
			{ "rules_name", x->app->rules->name }, { "rules_hash", hash },
			{ "created", num }, { "created_us", us }, { "updated_us", us },
		};
		const char *rd[] = { "HMGET", x->k_launch, "state", "share", "id",
			"rules_name", "rules_hash" };

		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(us, sizeof(us), "%" PRIu64, (uint64_t)ts.tv_sec * 1000000u +
				(uint64_t)ts.tv_nsec / 1000u);
		snprintf(hash, sizeof(hash), "%016" PRIx64, x->app->rules->hash);
		for (size_t i = 0; i < RTE_DIM(fields); i++) {
			const char *argv[] = { "HSETNX", x->k_launch, fields[i][0],
				fields[i][1] };

			cmd(x, M_OTHER, 0, 0, 4, argv);
		}
		cmd(x, M_RECORD, 0, 0, (int)RTE_DIM(rd), rd);
		x->rec_seq = x->msg_seq;
	}
	redisAppendCommand(x->bl.c, "EXEC");
}

/* ---- the launch record ------------------------------------------------------ */

/* An element of an HMGET reply: its string, or NULL (nil, other). */
static const char *
elem_str(const redisReply *r, size_t i)
{
	return i < r->elements && r->element[i]->type == REDIS_REPLY_STRING ?
		r->element[i]->str : NULL;
}

/*
 * Follow the record (HMGET state share id rules_name rules_hash): the
 * launch's state and share through launch.c, and on turning promoted
 * while this appliance ran, the final flush (the next batch, at once).
 */
static void
apply_record(struct exporter *x, const redisReply *r)
{
	const char *state, *share, *id, *rname, *rhash;
	enum umb_launch_state st, was;
	char hash[24];
	uint32_t ppm;
	int applied = 0;

	if (x->rec_seq != x->msg_seq) {
		/* Asked for before a pause or rollback was applied from its
		 * message (redis_sub.c): it may say what was true before. */
		x->ctr[UMB_REDIS_record_set_aside]++;
		x->reread = 1;
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 5 ||
			(state = elem_str(r, 0)) == NULL || (share = elem_str(r, 1)) == NULL) {
		x->ctr[UMB_REDIS_record_errors]++;
		set_error(x, "launch record: no state or share");
		return;
	}
	id = elem_str(r, 2);
	rname = elem_str(r, 3);
	rhash = elem_str(r, 4);
	if (umb_launch_parse_share(share, &ppm) != 0) {
		x->ctr[UMB_REDIS_record_errors]++;
		set_error(x, "launch record: share '%.32s' is not a percentage in [0, 100]",
				share);
		return;
	}
	if (umb_launch_state_parse(state, &st) != 0) {
		x->ctr[UMB_REDIS_record_errors]++;
		set_error(x, "launch record: state '%.32s' is not active, paused, "
				"promoted or rolled_back", state);
		return;
	}
	was = umb_launch_follow(x->app, st, ppm, id, &applied);
	if (applied) {
		x->ctr[UMB_REDIS_record_applied]++;
		fprintf(stderr, "redis: launch %s: state %s, share %s%%: applying share "
				"%u ppm\n", x->app->opt.launch, state, share,
				umb_launch_effective_ppm(&(struct umb_launch){ st, ppm }));
	} else if (strcmp(state, x->state) != 0) {
		fprintf(stderr, "redis: launch %s: state %s, share %s%%\n",
				x->app->opt.launch, state, share);
	}
	if (st == UMB_LAUNCH_ROLLED_BACK && was != UMB_LAUNCH_ROLLED_BACK)
		fprintf(stderr, "redis: launch %s: rolled back: every shadow connection "
				"is shut now\n", x->app->opt.launch);
	/* Promoted while this appliance followed it: its final flush. */
	if (st == UMB_LAUNCH_PROMOTED && was != UMB_LAUNCH_PROMOTED &&
			x->state[0] != '\0' && strcmp(x->state, "promoted") != 0)
		x->final_flush = 1;
	snprintf(x->state, sizeof(x->state), "%s", state);
	snprintf(hash, sizeof(hash), "%016" PRIx64, x->app->rules->hash);
	if (!x->rules_warned && rhash != NULL && strcmp(rhash, hash) != 0) {
		x->rules_warned = 1;
		fprintf(stderr, "redis: launch %s: the record's compare rules are %.64s "
				"(%.20s), this appliance's %s (%s)\n", x->app->opt.launch,
				rname != NULL ? rname : "?", rhash, x->app->rules->name, hash);
	}
}

/* ---- one export --------------------------------------------------------------- */

struct batch_result {
	int end;                /**< B_* */
	size_t errors;          /**< error elements of the EXEC array */
	redisReply *exec;       /**< kept: the EXEC reply */
};

static int
on_batch(struct exporter *x, size_t i, redisReply *r, void *arg)
{
	struct batch_result *b = arg;

	if (i == x->nb_meta + 1) {      /* EXEC */
		if (r->type == REDIS_REPLY_ARRAY && r->elements == x->nb_meta) {
			b->end = B_DONE;
			b->exec = r;    /* kept: export_once frees it */
			return 1;
		}
		b->end = B_ABORTED;
	}
	if (r->type == REDIS_REPLY_ERROR && x->batch_error[0] == '\0')
		snprintf(x->batch_error, sizeof(x->batch_error), "%.150s", r->str);
	return 0;
}

/* Counted as lost: not resent, the increments go to the :lost hash. */
static void
batch_lost(struct exporter *x)
{
	x->ctr[UMB_REDIS_lost_batches]++;
	x->ctr[UMB_REDIS_lost_commands] += x->nb_meta;
	x->ctr[UMB_REDIS_samples_lost] += x->batch_samples;
	for (size_t i = 0; i < x->nb_meta; i++)
		if (x->meta[i].kind == M_CTR) {
			x->lost[x->meta[i].idx] += x->meta[i].val;
			x->ctr[UMB_REDIS_lost_increments] += x->meta[i].val;
		}
}

/* The baseline moves to this snapshot (acknowledged, or lost). */
static void
advance(struct exporter *x, struct umb_snapshot *s)
{
	memcpy(x->base, x->cur, x->nb_fields * sizeof(*x->base));
	set_base_routes(x, s->routes);
	s->routes = NULL;
	memcpy(x->sample_done, x->sample_next, sizeof(x->sample_done));
}

static void
exec_done(struct exporter *x, const redisReply *exec, int final_flush)
{
	x->ctr[UMB_REDIS_batches]++;
	if (final_flush) {
		x->final_flush = 0;
		x->ctr[UMB_REDIS_final_flushes]++;
		fprintf(stderr, "redis: launch %s: promoted; final flush written\n",
				x->app->opt.launch);
	}
	x->ctr[UMB_REDIS_commands] += x->nb_meta;
	x->ctr[UMB_REDIS_samples_exported] += x->batch_samples;
	for (size_t i = 0; i < x->nb_meta; i++) {
		const redisReply *e = exec->element[i];
		const struct meta *m = &x->meta[i];

		if (e->type == REDIS_REPLY_ERROR) {
			/* Refused (e.g. WRONGTYPE): not applied, the rest was. */
			set_error(x, "batch: %.150s", e->str);
			if (m->kind == M_CTR) {
				x->lost[m->idx] += m->val;
				x->ctr[UMB_REDIS_lost_increments] += m->val;
			}
			continue;
		}
		if (m->kind == M_LOST)
			x->lost[m->idx] -= RTE_MIN(m->val, x->lost[m->idx]);
		else if (m->kind == M_RECORD)
			apply_record(x, e);
	}
}

/* One export: connect when needed, send, account. 0 when acknowledged. */
static int
export_once(struct exporter *x, int final)
{
	struct batch_result b = { B_NOT_SENT, 0, NULL };
	struct umb_snapshot snap;
	uint64_t now = now_ms(), deadline;
	int written = 0, rc, final_flush;

	if (x->bl.c == NULL) {
		if (!final && now < x->bl.next_connect_ms)
			return -1;
		deadline = final ? RTE_MAX(x->stop_deadline_ms, now + 100) :
			now + REDIS_CONNECT_MS;
		if (connect_redis(x, deadline) != 0)
			return -1;
		now = now_ms();
	}
	deadline = final ? RTE_MAX(x->stop_deadline_ms, now + 100) : now + REDIS_BATCH_MS;
	if (umb_snapshot_take(x->app, &snap, 1) != 0) {
		umb_snapshot_release(&snap);
		set_error(x, "snapshot: out of memory");
		return -1;
	}
	x->batch_error[0] = '\0';
	final_flush = x->final_flush;
	build_batch(x, &snap, final);
	if (x->build_failed) {
		/* hiredis' buffer holds part of a batch: start afresh. */
		set_error(x, "batch: out of memory");
		disconnect(x);
		umb_snapshot_release(&snap);
		return -1;
	}
	x->reread = 0;          /* the batch reads the record */
	x->last_read_ms = now;
	rc = pipeline(x, x->nb_meta + 2, deadline, &written, on_batch, &b);
	if (b.end == B_DONE) {
		exec_done(x, b.exec, final_flush);
		freeReplyObject(b.exec);
		advance(x, &snap);
	} else if (rc != 0 && written) {
		/* EXEC left whole; its answer never came: maybe applied. */
		batch_lost(x);
		x->final_flush &= !final_flush;   /* not resent either */
		advance(x, &snap);
	} else if (b.end == B_ABORTED) {
		set_error(x, "batch refused: %s", x->batch_error[0] != '\0' ?
				x->batch_error : "EXEC failed");
	}
	umb_snapshot_release(&snap);
	if (rc != 0) {
		disconnect(x);
		x->bl.next_connect_ms = now_ms();
		return -1;
	}
	x->bl_answered = 1;
	return b.end == B_DONE ? 0 : -1;
}

static int
on_record(struct exporter *x, size_t i, redisReply *r, void *arg)
{
	(void)i;
	(void)arg;
	if (r->type == REDIS_REPLY_ERROR)
		set_error(x, "launch record: %.150s", r->str);
	else
		apply_record(x, r);
	return 0;
}

/*
 * Between two exports, the launch record alone (HMGET), on the batch
 * connection: every REDIS_RECORD_MS, and at once when the subscriber got a
 * message. A change made in Redis is applied within REDIS_RECORD_MS plus
 * one round trip even when its message was missed.
 */
void
read_record(struct exporter *x)
{
	const char *argv[] = { "HMGET", x->k_launch, "state", "share", "id",
		"rules_name", "rules_hash" };
	int written;

	if (x->reread)
		x->ctr[UMB_REDIS_sub_reads]++;
	x->reread = 0;
	x->last_read_ms = now_ms();
	x->rec_seq = x->msg_seq;
	if (redisAppendCommandArgv(x->bl.c, (int)RTE_DIM(argv), argv, NULL) != REDIS_OK ||
			pipeline(x, 1, now_ms() + REDIS_BATCH_MS, &written, on_record, NULL) != 0) {
		disconnect(x);
		x->bl.next_connect_ms = now_ms();
		return;
	}
	x->bl_answered = 1;
}

/* ---- the thread ------------------------------------------------------------ */

/*
 * Sleep until @p until (monotonic ms), a stop request or the subscriber's
 * socket ready (then serve it).
 */
static void
wait_events(struct exporter *x, uint64_t until)
{
	struct pollfd p[2] = { { .fd = x->wake[0], .events = POLLIN } };
	uint64_t now = now_ms();

	sub_pollfd(x, &p[1]);
	if (poll(p, 2, until > now ? (int)RTE_MIN(until - now, (uint64_t)REDIS_TICK_MS) : 0)
			> 0 && p[1].revents != 0)
		sub_io(x, p[1].revents);
}

static void *
exporter_main(void *arg)
{
	struct exporter *x = arg;
	uint64_t next_tick = now_ms(), next_record = next_tick + REDIS_RECORD_MS;
	sigset_t ss;

	/* A write to a closed socket is EPIPE here, not a signal. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	while (!__atomic_load_n(&x->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = now_ms(), until;

		if (now >= next_tick) {
			export_once(x, 0);
			next_tick = RTE_MAX(next_tick + REDIS_TICK_MS, now_ms() + 1);
			next_record = now_ms() + REDIS_RECORD_MS;
			if (x->final_flush)
				next_tick = now_ms();   /* promoted: flush now */
		} else if (x->bl.c == NULL && now >= x->bl.next_connect_ms) {
			/* Back sooner than the tick: export at once. */
			if (export_once(x, 0) == 0) {
				next_tick = now_ms() + REDIS_TICK_MS;
				next_record = now_ms() + REDIS_RECORD_MS;
			}
		} else if (x->bl.c != NULL && (now >= next_record || (x->reread &&
				now >= x->last_read_ms + REDIS_REREAD_GAP_MS))) {
			if (now >= next_record)
				next_record = next_tick + REDIS_RECORD_MS;
			read_record(x);
			if (x->final_flush)
				next_tick = now_ms();   /* promoted: flush now */
		}
		now = now_ms();
		if (x->bl.c == NULL)
			until = RTE_MIN(next_tick, RTE_MAX(x->bl.next_connect_ms, now + 1));
		else if (x->reread)
			until = RTE_MIN(next_tick, RTE_MIN(next_record,
					x->last_read_ms + REDIS_REREAD_GAP_MS));
		else
			until = RTE_MIN(next_tick, next_record);
		wait_events(x, RTE_MIN(until, sub_due(x)));
		sub_tick(x, now_ms());
	}
	sub_close(x);
	/* The final flush: the lcores have returned, every counter is final. */
	if (export_once(x, 1) != 0 && x->bl.c == NULL && now_ms() < x->stop_deadline_ms)
		export_once(x, 1);
	{
		struct umb_snapshot snap;
		unsigned int f = 0;

		umb_snapshot_take(x->app, &snap, 0);
		for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
			const uint64_t *v;
			const struct umb_ctr_group *g = umb_snapshot_group(&snap, i, &v);

			for (uint16_t k = 0; k < g->n && f < x->nb_fields; k++, f++)
				if (v[k] > x->base[f])
					x->ctr[UMB_REDIS_pending_increments] += v[k] - x->base[f];
		}
		umb_snapshot_release(&snap);
	}
	disconnect(x);
	return NULL;
}

int
umb_redis_start(struct umb_app *app)
{
	struct exporter *x = &umb_redis_exporter;
	unsigned int n = 0, f = 0;
	int rc;

	if (!app->opt.redis.enabled || x->started)
		return 0;
	memset(x, 0, sizeof(*x));
	x->app = app;
	x->conf = app->opt.redis;
	umb_config_redis_str(&x->conf, x->where, sizeof(x->where));
	umb_appliance_id(x->appliance, sizeof(x->appliance));
	snprintf(x->k_launch, sizeof(x->k_launch), "umbra:v1:launch:%s", app->opt.launch);
	snprintf(x->k_events, sizeof(x->k_events), "umbra:v1:launch:%s:events",
			app->opt.launch);
	x->bl = (struct link){ .name = "", .i_errors = UMB_REDIS_errors,
		.i_connects = UMB_REDIS_connects, .i_reconnects = UMB_REDIS_reconnects,
		.backoff_ms = REDIS_BACKOFF_MIN_MS };
	x->sl = (struct link){ .name = "subscriber: ", .i_errors = UMB_REDIS_sub_errors,
		.i_connects = UMB_REDIS_sub_connects,
		.i_reconnects = UMB_REDIS_sub_reconnects, .backoff_ms = REDIS_BACKOFF_MIN_MS };
	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		struct umb_snapshot none;

		memset(&none, 0, sizeof(none));
		n += umb_snapshot_group(&none, i, &v)->n;
	}
	x->nb_fields = n;
	x->names = calloc(n + 1, sizeof(*x->names));
	x->base = calloc(n + 1, sizeof(*x->base));
	x->cur = calloc(n + 1, sizeof(*x->cur));
	x->lost = calloc(n + 1, sizeof(*x->lost));
	if (x->names == NULL || x->base == NULL || x->cur == NULL || x->lost == NULL ||
			pipe(x->wake) != 0) {
		fprintf(stderr, "redis: cannot start the exporter: out of memory\n");
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		struct umb_snapshot none;
		const struct umb_ctr_group *g;

		memset(&none, 0, sizeof(none));
		g = umb_snapshot_group(&none, i, &v);
		for (uint16_t k = 0; k < g->n; k++, f++)
			snprintf(x->names[f], sizeof(x->names[f]), "%s.%s", g->name, g->names[k]);
	}
	rc = rte_ctrl_thread_create(&x->tid, "umb-redis", NULL, exporter_main, x);
	if (rc != 0) {
		fprintf(stderr, "redis: cannot start a control thread: %s\n", strerror(rc));
		rc = -rc;
		goto fail;
	}
	x->started = 1;
	fprintf(stderr, "redis: exporting launch %s to %s as %s\n", app->opt.launch,
			x->where, x->appliance);
	return 0;
fail:
	free(x->names);
	free(x->base);
	free(x->cur);
	free(x->lost);
	x->names = NULL;
	x->base = x->cur = x->lost = NULL;
	return rc;
}

void
umb_redis_stop(struct umb_app *app)
{
	struct exporter *x = &umb_redis_exporter;
	char one = 1;

	(void)app;
	if (!x->started)
		return;
	x->stop_deadline_ms = now_ms() + REDIS_STOP_MS;
	__atomic_store_n(&x->stop, 1, __ATOMIC_RELEASE);
	if (write(x->wake[1], &one, 1) != 1) {
		/* the thread wakes within a tick anyway */
	}
	pthread_join(x->tid, NULL);
	x->started = 0;
	close(x->wake[0]);
	close(x->wake[1]);
	umb_route_table_free(x->base_routes);
	x->base_routes = NULL;
	free(x->base_sorted);
	free(x->meta);
	free(x->names);
	free(x->base);
	free(x->cur);
	free(x->lost);
	x->base_sorted = NULL;
	x->meta = NULL;
	x->names = NULL;
	x->base = x->cur = x->lost = NULL;
	/* The password is not needed any more. */
	memset(x->conf.password, 0, sizeof(x->conf.password));
}

void
umb_redis_print(const struct umb_app *app, FILE *f)
{
	const struct exporter *x = &umb_redis_exporter;

	if (!app->opt.redis.enabled)
		return;
	if (x->where[0] == '\0') {
		fprintf(f, "redis: launch=%s exporter not started\n", app->opt.launch);
		return;
	}
	fprintf(f, "redis: launch=%s appliance=%s url=%s", app->opt.launch, x->appliance,
			x->where);
	for (unsigned int i = 0; i < UMB_REDIS_CTR_MAX; i++)
		fprintf(f, " %s=%" PRIu64, umb_redis_ctr_group.names[i], x->ctr[i]);
	fprintf(f, " last_error=\"%s\"\n", x->last_error);
}
