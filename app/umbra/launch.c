/* SPDX-License-Identifier: BSD-3-Clause
 * The launch in the appliance. Every umbra runs one launch: its name
 * (--launch, [launch] launch, else "default"), an id (random hex at start,
 * or the Redis record's), a state and a share (lib/launch decides which
 * verbs are legal), the compare rules' name and hash (app->rules), the last
 * UMB_LAUNCH_HISTORY events, and, once promoted, its statistics frozen.
 *
 * Embedded (no Redis) the telemetry command /umbra/launch changes it
 * (umb_launch_do); with Redis the exporter follows the launch record
 * (umb_launch_follow) and local verbs are refused. Either way the effects
 * are the same, and reach the data path through two atomics only:
 *  - app->share_ppm, the effective share (0 unless active), which each
 *    reassembly lcore reads once per poll: pause and promote stop new
 *    requests from being mirrored, requests in flight finish;
 *  - app->rollback_gen, bumped before the share is set to 0, which each
 *    reassembly lcore compares with its own copy: on a change it shuts
 *    every shadow connection of its table (umb_session_mirror_close_all, a
 *    reset after UMB_ROLLBACK_GRACE_US), and opens none during that grace
 *    whatever share it still sees. That is a rollback. (The other order
 *    let a lcore run on share 0 while this thread was descheduled between
 *    the two stores: the short flows in flight then ended on their own, as
 *    share_lowered, and the rollback found nothing to close.)
 * Promote freezes one snapshot (snapshot.c) of the counters in memory;
 * /umbra/launch shows it beside the live ones.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "umbra.h"

static uint64_t
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000ULL + (uint64_t)tv.tv_usec;
}

void
umb_appliance_id(char *out, size_t size)
{
	char host[64] = "localhost";
	const char *rd = rte_eal_get_runtime_dir(), *b;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	b = rd != NULL ? strrchr(rd, '/') : NULL;
	if (b != NULL && b[1] != '\0')
		snprintf(out, size, "%s:%s", host, b + 1);
	else
		snprintf(out, size, "%s:%d", host, (int)getpid());
}

/* A history entry, with the lock held. */
static void
record(struct umb_app_launch *L, uint64_t now, const char *who,
		enum umb_launch_verb verb, int has_arg, uint32_t ppm,
		enum umb_launch_state from, enum umb_launch_state to)
{
	struct umb_launch_event *e = &L->hist[L->nb_hist % UMB_LAUNCH_HISTORY];

	memset(e, 0, sizeof(*e));
	e->ts_us = now;
	snprintf(e->who, sizeof(e->who), "%s", who != NULL &&
			umb_launch_check_who(who) == 0 ? who : "unknown");
	e->verb = verb;
	if (has_arg)
		umb_launch_share_str(ppm, e->arg, sizeof(e->arg));
	e->from = from;
	e->to = to;
	L->nb_hist++;
	L->updated_us = now;
}

/* Freeze the statistics (promote), with the lock held: one snapshot. */
static void
freeze(struct umb_app *app, uint64_t now)
{
	struct umb_app_launch *L = &app->launch;
	struct umb_snapshot snap;

	if (L->final != NULL)
		return;
	L->final = malloc(sizeof(*L->final));
	if (L->final == NULL)
		return;
	umb_snapshot_take(app, &snap, 0);
	memcpy(L->final, &snap.t, sizeof(*L->final));
	umb_snapshot_release(&snap);
	L->final_us = now;
}

/*
 * The effects of entering @p to (lock held): the effective share, then,
 * for a rollback, the close-all request. Returns 1 when the share applied
 * changed.
 */
static int
effects(struct umb_app *app, enum umb_launch_state from, enum umb_launch_state to,
		uint64_t now)
{
	struct umb_app_launch *L = &app->launch;
	uint32_t want = umb_launch_effective_ppm(&L->l);
	int changed = 0;

	if (to == UMB_LAUNCH_ROLLED_BACK && from != UMB_LAUNCH_ROLLED_BACK) {
		/* Before the share: see the head of this file. */
		__atomic_fetch_add(&app->rollback_gen, 1, __ATOMIC_RELEASE);
		L->rollbacks++;
	}
	if (__atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE) != want) {
		__atomic_store_n(&app->share_ppm, want, __ATOMIC_RELEASE);
		changed = 1;
	}
	if (to == UMB_LAUNCH_PROMOTED && from != UMB_LAUNCH_PROMOTED)
		freeze(app, now);
	return changed;
}

int
umb_launch_init(struct umb_app *app)
{
	struct umb_app_launch *L = &app->launch;
	uint8_t rnd[8];
	int rc;

	memset(L, 0, sizeof(*L));
	rc = pthread_mutex_init(&L->lock, NULL);
	if (rc != 0)
		return -rc;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		uint64_t v = rte_rdtsc() ^ ((uint64_t)getpid() << 32) ^ wall_us();

		memcpy(rnd, &v, sizeof(rnd));
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(L->id + 2 * i, sizeof(L->id) - 2 * i, "%02x", rnd[i]);
	L->follows_redis = app->opt.redis.enabled;
	L->l.state = UMB_LAUNCH_NONE;
	L->l.share_ppm = app->opt.share_ppm;
	L->created_us = wall_us();
	/* The appliance starts the launch it runs (with Redis: until the
	 * record says otherwise). */
	umb_launch_apply(&L->l, UMB_LAUNCH_START, 0, 0, NULL, 0);
	record(L, L->created_us, "umbra", UMB_LAUNCH_START, 1, L->l.share_ppm,
			UMB_LAUNCH_NONE, UMB_LAUNCH_ACTIVE);
	app->share_ppm = umb_launch_effective_ppm(&L->l);
	return 0;
}

void
umb_launch_fini(struct umb_app *app)
{
	free(app->launch.final);
	app->launch.final = NULL;
}

int
umb_launch_do(struct umb_app *app, enum umb_launch_verb verb, int has_arg,
		uint32_t arg_ppm, const char *who, char *why, size_t why_size,
		enum umb_launch_state *from_out)
{
	struct umb_app_launch *L = &app->launch;
	enum umb_launch_state from;
	uint64_t now = wall_us();
	int rc;

	pthread_mutex_lock(&L->lock);
	if (from_out != NULL)
		*from_out = L->l.state;
	if (L->follows_redis) {
		pthread_mutex_unlock(&L->lock);
		if (why != NULL && why_size > 0)
			snprintf(why, why_size, "this appliance follows its launch "
					"record in Redis: change it with umbractl --redis URL");
		return UMB_LAUNCH_REFUSED;
	}
	from = L->l.state;
	if (why != NULL && why_size > 0)
		why[0] = '\0';
	rc = umb_launch_apply(&L->l, verb, has_arg, arg_ppm, why, why_size);
	if (rc == UMB_LAUNCH_CHANGED) {
		record(L, now, who, verb, has_arg, arg_ppm, from, L->l.state);
		effects(app, from, L->l.state, now);
	}
	pthread_mutex_unlock(&L->lock);
	return rc;
}

/* The verb that takes @p from to @p to (for the history of a follower). */
static enum umb_launch_verb
verb_of(enum umb_launch_state from, enum umb_launch_state to)
{
	switch (to) {
	case UMB_LAUNCH_PAUSED:
		return from == UMB_LAUNCH_PAUSED ? UMB_LAUNCH_SHARE : UMB_LAUNCH_PAUSE;
	case UMB_LAUNCH_ACTIVE:
		return from == UMB_LAUNCH_PAUSED ? UMB_LAUNCH_RESUME :
			from == UMB_LAUNCH_ACTIVE ? UMB_LAUNCH_SHARE : UMB_LAUNCH_START;
	case UMB_LAUNCH_PROMOTED:
		return UMB_LAUNCH_PROMOTE;
	case UMB_LAUNCH_ROLLED_BACK:
		return UMB_LAUNCH_ROLLBACK;
	default:
		return UMB_LAUNCH_START;
	}
}

enum umb_launch_state
umb_launch_follow_state(struct umb_app *app, enum umb_launch_state state,
		int *applied)
{
	uint32_t share;

	/* With Redis only the exporter thread (the caller) changes the share. */
	pthread_mutex_lock(&app->launch.lock);
	share = app->launch.l.share_ppm;
	pthread_mutex_unlock(&app->launch.lock);
	return umb_launch_follow(app, state, share, NULL, applied);
}

enum umb_launch_state
umb_launch_follow(struct umb_app *app, enum umb_launch_state state,
		uint32_t share_ppm, const char *id, int *applied)
{
	struct umb_app_launch *L = &app->launch;
	enum umb_launch_state from;
	uint64_t now = wall_us();
	int changed;

	pthread_mutex_lock(&L->lock);
	from = L->l.state;
	changed = from != state || L->l.share_ppm != share_ppm;
	if (id != NULL && id[0] != '\0')
		snprintf(L->id, sizeof(L->id), "%s", id);
	L->l.state = state;
	L->l.share_ppm = share_ppm;
	if (changed)
		record(L, now, "redis", verb_of(from, state),
				from == state || state == UMB_LAUNCH_ACTIVE, share_ppm,
				from, state);
	/* Always: a share set through /umbra/share lasts until this read. */
	*applied = effects(app, from, state, now);
	pthread_mutex_unlock(&L->lock);
	return from;
}

void
umb_launch_get(struct umb_app *app, struct umb_app_launch *out,
		struct umb_totals *final, int *has_final)
{
	struct umb_app_launch *L = &app->launch;

	pthread_mutex_lock(&L->lock);
	memcpy(out, L, sizeof(*out));
	*has_final = L->final != NULL;
	if (L->final != NULL && final != NULL)
		memcpy(final, L->final, sizeof(*final));
	pthread_mutex_unlock(&L->lock);
	out->final = NULL;
	memset(&out->lock, 0, sizeof(out->lock));
}
