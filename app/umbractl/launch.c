/* SPDX-License-Identifier: BSD-3-Clause
 * `umbractl launch VERB|status`: the launch lifecycle from the command line
 * (docs/umbractl.md). Every decision is lib/launch's (umb_launch_apply), so
 * the rules are the appliance's own.
 *
 * Without --redis it talks to one appliance through its telemetry socket
 * (tel.c): `/umbra/launch` for status, `/umbra/launch,VERB [PCT] who=WHO`
 * to change the launch (the appliance applies lib/launch itself and says
 * changed, unchanged, illegal or refused).
 *
 * With --redis it changes the launch record of a fleet (docs/redis.md):
 * WATCH the record, read it, decide with lib/launch, then MULTI: the new
 * state and share, a history entry (XADD to a capped stream), the frozen
 * totals on promote (COPY :counters to :final), a PUBLISH on the launch's
 * channel; EXEC, retried when someone else changed the record meanwhile.
 * The appliances re-read the record every 500 ms. hiredis is used blocking
 * with 2 s timeouts (connect, each command). The password comes from the
 * URL, --redis-password-file or UMBRA_REDIS_PASSWORD and is never printed:
 * the URL is shown masked.
 *
 * Exit codes: 0 ok (also a verb already in effect), 2 usage, 3 appliance
 * or Redis unreachable (AUTH refused included), 4 an error answered (no
 * such launch, a record not understood, an appliance that follows Redis,
 * a Redis error), 5 the launch's state forbids the verb.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "umb_compare.h"
#include "umb_config.h"
#include "umb_json.h"
#include "umb_launch.h"
#include "umbractl.h"
#include "tel.h"

#define REDIS_TIMEOUT_MS 2000
#define RECORD_RETRIES 16        /* WATCH conflicts before giving up */
#define HISTORY_MAX "1000"       /* entries kept in :history (MAXLEN ~) */
#define HISTORY_SHOWN 20         /* entries status reads */
#define DEFAULT_START_PPM UMB_LAUNCH_SHARE_ONE  /* umbra's --sample-share default */

struct lopts {
	struct ctl_opts c;       /* cmd "launch", --socket, --file-prefix, --json */
	const char *url;         /* --redis */
	const char *pwfile;      /* --redis-password-file */
	const char *launch;      /* --launch (NULL: "default" or the appliance's) */
	const char *rules;       /* --rules FILE (start, Redis) */
	char who[UMB_LAUNCH_WHO_LEN];
	int status;              /* status rather than a verb */
	enum umb_launch_verb verb;
	int has_arg;
	uint32_t ppm;
	struct umb_redis_conf redis;
	char where[UMB_CONFIG_REDIS_HOST_LEN + 64];  /* masked URL or socket */
};

/* ---- small helpers -------------------------------------------------------------- */

/* An appliance whose last batch is older than this is "silent" in status. */
#define REPORTING_S 5

static uint64_t
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000ULL + (uint64_t)tv.tv_usec;
}

/* "2024-05-01 10:00:00 UTC" */
static const char *
utc(uint64_t us, char *buf, size_t n)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	if (us == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, n, "-");
	else
		strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

/* Who runs this: $SUDO_USER or the user, @ the host, cut to what is allowed. */
static void
default_who(char *out, size_t n)
{
	const char *user = getenv("SUDO_USER");
	char host[64] = "localhost", raw[160];
	struct passwd *pw;
	size_t k = 0;

	if (user == NULL || *user == '\0') {
		pw = getpwuid(geteuid());
		user = pw != NULL ? pw->pw_name : "uid";
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	snprintf(raw, sizeof(raw), "%s@%s", user, host);
	for (size_t i = 0; raw[i] != '\0' && k + 1 < n; i++) {
		char c[2] = { raw[i], '\0' };

		out[k++] = umb_launch_check_who(c) == 0 ? raw[i] : '_';
	}
	out[k] = '\0';
	if (umb_launch_check_who(out) != 0)
		snprintf(out, n, "umbractl");
}

/* The share as a JSON number without a float's noise ("12.5"). */
static cJSON *
share_number(uint32_t ppm)
{
	char b[UMB_LAUNCH_SHARE_LEN];

	umb_launch_share_str(ppm, b, sizeof(b));
	return cJSON_CreateNumber(strtod(b, NULL));
}

static void
add_u64(cJSON *o, const char *k, uint64_t v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateNumber((double)v));
}

static uint64_t
num_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
}

static const char *
str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* @p n as JSON: integers as integers (cJSON would print 1.7e+15). */
static void
emit(struct umb_jw *w, const cJSON *n)
{
	const cJSON *c;

	if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
		int obj = cJSON_IsObject(n);

		if (obj)
			umb_jw_obj_open(w);
		else
			umb_jw_arr_open(w);
		cJSON_ArrayForEach(c, n) {
			if (obj)
				umb_jw_key(w, c->string);
			emit(w, c);
		}
		if (obj)
			umb_jw_obj_close(w);
		else
			umb_jw_arr_close(w);
	} else if (cJSON_IsString(n)) {
		umb_jw_cstr(w, n->valuestring);
	} else if (cJSON_IsNumber(n)) {
		double v = n->valuedouble;

		if (v == (double)(int64_t)v && v > -9.2e18 && v < 9.2e18)
			umb_jw_i64(w, (int64_t)v);
		else
			umb_jw_dbl(w, v);
	} else if (cJSON_IsBool(n)) {
		umb_jw_bool(w, cJSON_IsTrue(n));
	} else {
		umb_jw_null(w);
	}
}

static int
print_json(const struct lopts *o, const cJSON *j)
{
	struct umb_jw w;
	int err;

	if (umb_jw_init(&w, 4096) != 0)
		return ctl_fail(&o->c, UMBRACTL_REFUSED, "out of memory");
	emit(&w, j);
	err = w.err;
	if (err == 0)
		printf("%s\n", w.buf);
	umb_jw_free(&w);
	return err == 0 ? 0 : ctl_fail(&o->c, UMBRACTL_REFUSED, "cannot write "
			"the answer as JSON");
}

/* ---- output --------------------------------------------------------------------- */

/*
 * The status object (docs/umbractl.md), whichever source filled it:
 * {"launch", "source", "where", "id", "state", "share_percent", "share_ppm",
 *  "effective_share_ppm", "rules": {"name", "hash"}, "created_us",
 *  "updated_us", "appliances": [{"appliance", "last_report_s", "age_s"}],
 *  "requests", "requests_sampled", "requests_mirrored", "outcomes": {},
 *  "history": [{"ts_us", "who", "verb", "arg", "from", "to"}],
 *  "final": null | {"frozen_us", "requests", "requests_sampled",
 *  "requests_mirrored", "outcomes": {}, "appliances": [NAME...]}}
 */
static void
counts_text(const cJSON *c, const char *indent)
{
	const cJSON *e;
	int any = 0;
	int wd = 14 - (int)strlen(indent);

	printf("%s%-*s %" PRIu64 " (sampled %" PRIu64 ", mirrored %" PRIu64 ")\n",
			indent, wd, "requests", num_of(c, "requests"),
			num_of(c, "requests_sampled"), num_of(c, "requests_mirrored"));
	printf("%s%-*s", indent, wd, "outcomes");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "outcomes"))
		if (cJSON_IsNumber(e) && e->valuedouble > 0) {
			printf(" %s=%" PRIu64, e->string, (uint64_t)e->valuedouble);
			any = 1;
		}
	printf("%s\n", any ? "" : " -");
}

static void
status_text(const cJSON *s)
{
	const cJSON *e, *f = cJSON_GetObjectItemCaseSensitive(s, "final");
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(s, "appliances");
	const cJSON *hist = cJSON_GetObjectItemCaseSensitive(s, "history");
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(s, "rules");
	char b1[40], s1[UMB_LAUNCH_SHARE_LEN], s2[UMB_LAUNCH_SHARE_LEN];

	printf("%-14s %s (id %s)\n", "launch", str_of(s, "launch"), str_of(s, "id"));
	printf("%-14s %s %s\n", "source", str_of(s, "source"), str_of(s, "where"));
	printf("%-14s %s\n", "state", str_of(s, "state"));
	printf("%-14s %s%% (applied %s%%)\n", "share",
			umb_launch_share_str((uint32_t)num_of(s, "share_ppm"), s1, sizeof(s1)),
			umb_launch_share_str((uint32_t)num_of(s, "effective_share_ppm"),
				s2, sizeof(s2)));
	printf("%-14s %s %s\n", "rules", str_of(rules, "name")[0] != '\0' ?
			str_of(rules, "name") : "-", str_of(rules, "hash"));
	printf("%-14s %s\n", "created", utc(num_of(s, "created_us"), b1, sizeof(b1)));
	printf("%-14s %s\n", "updated", utc(num_of(s, "updated_us"), b1, sizeof(b1)));
	{
		int live = 0;

		cJSON_ArrayForEach(e, apps)
			live += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
					"reporting"));
		printf("%-14s %d (%d reporting, %d silent for more than %d s)\n",
				"appliances", cJSON_GetArraySize(apps), live,
				cJSON_GetArraySize(apps) - live, REPORTING_S);
	}
	cJSON_ArrayForEach(e, apps)
		printf("  %-40s last report %s (%" PRIu64 " s ago)%s\n",
				str_of(e, "appliance"), utc(num_of(e, "last_report_s") *
					1000000u, b1, sizeof(b1)), num_of(e, "age_s"),
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e,
						"reporting")) ? "" : " silent");
	counts_text(s, "");
	if (cJSON_IsObject(f)) {
		printf("final (frozen %s, %d appliance%s flushed):\n",
				utc(num_of(f, "frozen_us"), b1, sizeof(b1)),
				cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f,
						"appliances")),
				cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f,
						"appliances")) == 1 ? "" : "s");
		counts_text(f, "  ");
	}
	printf("history%s\n", cJSON_GetArraySize(hist) > 0 ? ":" : ": none");
	cJSON_ArrayForEach(e, hist) {
		const char *arg = str_of(e, "arg");

		printf("  %s  %-24s %s%s%s: %s -> %s\n", utc(num_of(e, "ts_us"), b1,
				sizeof(b1)), str_of(e, "who"), str_of(e, "verb"),
				arg[0] != '\0' ? " " : "", arg, str_of(e, "from"),
				str_of(e, "to"));
	}
}

/*
 * After a verb: {"launch", "source", "where", "verb", "arg", "result",
 * "message", "from", "state", "share_percent", "share_ppm",
 * "effective_share_ppm"}; text: one line.
 */
static int
verb_output(const struct lopts *o, const char *name, const char *result,
		const char *message, const char *from, const char *state,
		uint32_t share, uint32_t eff)
{
	char a[UMB_LAUNCH_SHARE_LEN], s1[UMB_LAUNCH_SHARE_LEN], s2[UMB_LAUNCH_SHARE_LEN];
	int rc = 0;

	umb_launch_share_str(o->ppm, a, sizeof(a));
	if (o->c.json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "launch", name);
		cJSON_AddStringToObject(j, "source", o->url != NULL ? "redis" : "appliance");
		cJSON_AddStringToObject(j, "where", o->where);
		cJSON_AddStringToObject(j, "verb", umb_launch_verb_name(o->verb));
		if (o->has_arg)
			cJSON_AddItemToObject(j, "arg", share_number(o->ppm));
		else
			cJSON_AddNullToObject(j, "arg");
		cJSON_AddStringToObject(j, "result", result);
		cJSON_AddStringToObject(j, "message", message);
		cJSON_AddStringToObject(j, "from", from);
		cJSON_AddStringToObject(j, "state", state);
		cJSON_AddItemToObject(j, "share_percent", share_number(share));
		add_u64(j, "share_ppm", share);
		add_u64(j, "effective_share_ppm", eff);
		rc = print_json(o, j);
		cJSON_Delete(j);
		return rc;
	}
	umb_launch_share_str(share, s1, sizeof(s1));
	umb_launch_share_str(eff, s2, sizeof(s2));
	if (strcmp(result, "changed") == 0)
		printf("launch %s: %s%s%s: %s -> %s, share %s%% (applied %s%%)\n", name,
				umb_launch_verb_name(o->verb), o->has_arg ? " " : "",
				o->has_arg ? a : "", from, state, s1, s2);
	else
		printf("launch %s: %s (nothing to do; state %s, share %s%%)\n", name,
				message, state, s1);
	return 0;
}

/* ---- through the appliance's socket --------------------------------------------- */

/* /umbra/launch's dict as the status object. */
static cJSON *
status_from_appliance(const struct lopts *o, const cJSON *d)
{
	cJSON *s = cJSON_CreateObject(), *r, *arr, *e;
	const cJSON *h, *f = cJSON_GetObjectItemCaseSensitive(d, "final");
	uint64_t now_s = wall_us() / 1000000u;

	cJSON_AddStringToObject(s, "launch", str_of(d, "name"));
	cJSON_AddStringToObject(s, "source", "appliance");
	cJSON_AddStringToObject(s, "where", o->where);
	cJSON_AddStringToObject(s, "id", str_of(d, "id"));
	cJSON_AddStringToObject(s, "state", str_of(d, "state"));
	cJSON_AddItemToObject(s, "share_percent", share_number((uint32_t)num_of(d,
			"share_ppm")));
	add_u64(s, "share_ppm", num_of(d, "share_ppm"));
	add_u64(s, "effective_share_ppm", num_of(d, "effective_share_ppm"));
	r = cJSON_AddObjectToObject(s, "rules");
	cJSON_AddStringToObject(r, "name", str_of(d, "rules_name"));
	cJSON_AddStringToObject(r, "hash", str_of(d, "rules_hash"));
	add_u64(s, "created_us", num_of(d, "created_us"));
	add_u64(s, "updated_us", num_of(d, "updated_us"));
	arr = cJSON_AddArrayToObject(s, "appliances");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "appliance", str_of(d, "appliance"));
	add_u64(e, "last_report_s", now_s);   /* it answered just now */
	add_u64(e, "age_s", 0);
	cJSON_AddBoolToObject(e, "reporting", 1);
	cJSON_AddItemToArray(arr, e);
	add_u64(s, "requests", num_of(d, "requests"));
	add_u64(s, "requests_sampled", num_of(d, "requests_sampled"));
	add_u64(s, "requests_mirrored", num_of(d, "requests_mirrored"));
	cJSON_AddItemToObject(s, "outcomes", cJSON_Duplicate(
			cJSON_GetObjectItemCaseSensitive(d, "outcomes"), 1));
	arr = cJSON_AddArrayToObject(s, "history");
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(d, "history"))
		cJSON_AddItemToArray(arr, cJSON_Duplicate(h, 1));
	if (cJSON_IsObject(f)) {
		cJSON *fo = cJSON_AddObjectToObject(s, "final");

		add_u64(fo, "frozen_us", num_of(f, "frozen_us"));
		add_u64(fo, "requests", num_of(f, "requests"));
		add_u64(fo, "requests_sampled", num_of(f, "requests_sampled"));
		add_u64(fo, "requests_mirrored", num_of(f, "requests_mirrored"));
		cJSON_AddItemToObject(fo, "outcomes", cJSON_Duplicate(
				cJSON_GetObjectItemCaseSensitive(f, "outcomes"), 1));
		arr = cJSON_AddArrayToObject(fo, "appliances");
		cJSON_AddItemToArray(arr, cJSON_CreateString(str_of(d, "appliance")));
	} else {
		cJSON_AddNullToObject(s, "final");
	}
	return s;
}

static int
via_socket(struct lopts *o)
{
	struct answer st = { 0 }, a = { 0 };
	char why[512], req[160], arg[UMB_LAUNCH_SHARE_LEN];
	const char *result, *name;
	struct tel t;
	int rc;

	rc = ctl_connect(&o->c, &t);
	if (rc != 0)
		return rc;
	snprintf(o->where, sizeof(o->where), "%s", t.path);
	rc = tel_call(&t, "/umbra/launch", &st, why, sizeof(why));
	if (rc != 0) {
		tel_close(&t);
		return ctl_fail(&o->c, rc, "%s%s", why, rc == UMBRACTL_REFUSED ?
				" (no /umbra/launch: not umbra, an older one, or one still starting)" : "");
	}
	name = str_of(st.data, "name");
	if (!cJSON_IsObject(st.data) || name[0] == '\0') {
		rc = ctl_fail(&o->c, UMBRACTL_REFUSED, "/umbra/launch did not answer "
				"a launch");
		goto out;
	}
	if (o->launch != NULL && strcmp(o->launch, name) != 0) {
		rc = ctl_fail(&o->c, UMBRACTL_REFUSED, "no launch '%s' on the "
				"appliance at %s: it runs launch '%s'", o->launch, t.path, name);
		goto out;
	}
	if (o->status) {
		cJSON *s = status_from_appliance(o, st.data);

		if (o->c.json)
			rc = print_json(o, s);
		else
			status_text(s);
		cJSON_Delete(s);
		goto out;
	}
	snprintf(req, sizeof(req), "/umbra/launch,%s%s%s who=%s",
			umb_launch_verb_name(o->verb), o->has_arg ? " " : "",
			o->has_arg ? umb_launch_share_str(o->ppm, arg, sizeof(arg)) : "",
			o->who);
	rc = tel_call(&t, req, &a, why, sizeof(why));
	if (rc != 0) {
		rc = ctl_fail(&o->c, rc, "%s", why);
		goto out;
	}
	result = str_of(a.data, "result");
	if (strcmp(result, "changed") == 0 || strcmp(result, "unchanged") == 0) {
		rc = verb_output(o, name, result, str_of(a.data, "message"),
				str_of(a.data, "from"), str_of(a.data, "state"),
				(uint32_t)num_of(a.data, "share_ppm"),
				(uint32_t)num_of(a.data, "effective_share_ppm"));
	} else if (strcmp(result, "illegal") == 0) {
		rc = ctl_fail(&o->c, UMBRACTL_ILLEGAL, "launch %s: %s", name,
				str_of(a.data, "message"));
	} else {
		/* refused (it follows Redis), invalid, or an unknown answer */
		const char *m = str_of(a.data, "message");

		rc = ctl_fail(&o->c, UMBRACTL_REFUSED, "launch %s: %s", name,
				m[0] != '\0' ? m : result[0] != '\0' ? result :
				"/umbra/launch answered no result");
	}
out:
	answer_free(&a);
	answer_free(&st);
	tel_close(&t);
	return rc;
}

/* ---- through Redis ------------------------------------------------------------ */

struct rconn {
	redisContext *c;
	const struct lopts *o;
	char k[UMB_CONFIG_LAUNCH_LEN + 24];   /* umbra:v1:launch:NAME */
	const char *name;
};

/* A reply, or an exit code said on stderr (NULL: I/O, timeout: unreachable). */
static redisReply *
rcall(struct rconn *r, int *rc, int argc, const char **argv)
{
	redisReply *rep = redisCommandArgv(r->c, argc, argv, NULL);

	if (rep == NULL) {
		*rc = ctl_fail(&r->o->c, UMBRACTL_UNREACHABLE, "Redis %s: %s: %s",
				r->o->where, argv[0], r->c->err == REDIS_ERR_IO &&
				(errno == EAGAIN || errno == EWOULDBLOCK) ?
				"no answer within 2 s" : r->c->errstr);
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		int auth = strncmp(rep->str, "NOAUTH", 6) == 0 ||
			strncmp(rep->str, "WRONGPASS", 9) == 0;

		/* Not allowed in: as good as unreachable. */
		*rc = ctl_fail(&r->o->c, auth ? UMBRACTL_UNREACHABLE : UMBRACTL_REFUSED,
				"Redis %s: %s: %.200s%s", r->o->where, argv[0], rep->str,
				auth ? " (a password: in the URL, --redis-password-file or "
				"UMBRA_REDIS_PASSWORD)" : "");
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

static int
rconnect(struct rconn *r, const struct lopts *o, const char *name)
{
	struct timeval tv = { REDIS_TIMEOUT_MS / 1000, (REDIS_TIMEOUT_MS % 1000) * 1000 };
	const struct umb_redis_conf *rc = &o->redis;
	int code = 0;

	r->o = o;
	r->name = name;
	snprintf(r->k, sizeof(r->k), "umbra:v1:launch:%s", name);
	r->c = rc->is_unix ? redisConnectUnixWithTimeout(rc->path, tv) :
		redisConnectWithTimeout(rc->host, rc->port, tv);
	if (r->c == NULL)
		return ctl_fail(&o->c, UMBRACTL_UNREACHABLE, "Redis %s: out of memory",
				o->where);
	if (r->c->err)
		return ctl_fail(&o->c, UMBRACTL_UNREACHABLE, "Redis %s unreachable: %s",
				o->where, r->c->errstr);
	redisSetTimeout(r->c, tv);
	if (rc->password[0] != '\0') {
		const char *a2[] = { "AUTH", rc->password };
		const char *a3[] = { "AUTH", rc->user, rc->password };
		redisReply *rep = rc->user[0] != '\0' ?
			redisCommandArgv(r->c, 3, a3, NULL) : redisCommandArgv(r->c, 2, a2, NULL);

		/* Never print the command: it holds the password. */
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			code = ctl_fail(&o->c, UMBRACTL_UNREACHABLE, "Redis %s: AUTH "
					"refused: %.200s", o->where, rep != NULL ? rep->str :
					r->c->errstr);
			if (rep != NULL)
				freeReplyObject(rep);
			return code;
		}
		freeReplyObject(rep);
	}
	if (rc->db != 0) {
		char db[16];
		const char *a[] = { "SELECT", db };
		redisReply *rep;

		snprintf(db, sizeof(db), "%u", rc->db);
		rep = rcall(r, &code, 2, a);
		if (rep == NULL)
			return code == UMBRACTL_REFUSED ? UMBRACTL_UNREACHABLE : code;
		freeReplyObject(rep);
	}
	return 0;
}

static void
rclose(struct rconn *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
}

/* A field of an HGETALL reply (RESP2: key, value, ...), or NULL. */
static const char *
hget(const redisReply *h, const char *field)
{
	if (h == NULL || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING &&
				strcmp(h->element[i]->str, field) == 0 &&
				h->element[i + 1]->type == REDIS_REPLY_STRING)
			return h->element[i + 1]->str;
	return NULL;
}

static uint64_t
hget_u64(const redisReply *h, const char *field)
{
	const char *v = hget(h, field);

	return v != NULL && v[0] >= '0' && v[0] <= '9' ? strtoull(v, NULL, 10) : 0;
}

static int
hgetall(struct rconn *r, const char *suffix, redisReply **out)
{
	char key[sizeof(r->k) + 32];
	const char *argv[] = { "HGETALL", key };
	int rc = 0;

	snprintf(key, sizeof(key), "%s%s", r->k, suffix);
	*out = rcall(r, &rc, 2, argv);
	return rc;
}

/* The launch read from the record; -1 (said) when not understood. */
static int
record_launch(struct rconn *r, const redisReply *h, struct umb_launch *l, int *rc)
{
	const char *state = hget(h, "state"), *share = hget(h, "share");

	if (h->elements == 0) {
		l->state = UMB_LAUNCH_NONE;
		l->share_ppm = DEFAULT_START_PPM;
		return 0;
	}
	if (state == NULL || umb_launch_state_parse(state, &l->state) != 0) {
		*rc = ctl_fail(&r->o->c, UMBRACTL_REFUSED, "launch %s: the record's "
				"state '%.32s' is not active, paused, promoted or rolled_back",
				r->name, state != NULL ? state : "");
		return -1;
	}
	if (share == NULL || umb_launch_parse_share(share, &l->share_ppm) != 0) {
		*rc = ctl_fail(&r->o->c, UMBRACTL_REFUSED, "launch %s: the record's "
				"share '%.32s' is not a percentage", r->name,
				share != NULL ? share : "");
		return -1;
	}
	return 0;
}

static int
no_launch(struct rconn *r)
{
	return ctl_fail(&r->o->c, UMBRACTL_REFUSED, "no launch '%s' in Redis %s "
			"(umbractl --redis URL --launch %s launch start [PCT])", r->name,
			r->o->where, r->name);
}

static cJSON *
counts_from(const redisReply *ctr)
{
	cJSON *o = cJSON_CreateObject(), *oc;

	add_u64(o, "requests", hget_u64(ctr, "http.requests"));
	add_u64(o, "requests_sampled", hget_u64(ctr, "mirror.requests_sampled"));
	add_u64(o, "requests_mirrored", hget_u64(ctr, "mirror.requests_mirrored"));
	oc = cJSON_AddObjectToObject(o, "outcomes");
	for (size_t i = 0; ctr != NULL && i + 1 < ctr->elements; i += 2) {
		const char *f = ctr->element[i]->str;

		if (f != NULL && strncmp(f, "outcome.", 8) == 0 &&
				ctr->element[i + 1]->str != NULL)
			add_u64(oc, f + 8, strtoull(ctr->element[i + 1]->str, NULL, 10));
	}
	return o;
}

static int
redis_status(struct rconn *r)
{
	redisReply *rec = NULL, *apps = NULL, *ctr = NULL, *fin = NULL, *fapps = NULL,
		*hist = NULL;
	char key[sizeof(r->k) + 16], count[8];
	const char *xr[] = { "XREVRANGE", key, "+", "-", "COUNT", count };
	struct umb_launch l;
	cJSON *s = NULL, *e, *arr, *c;
	uint64_t now_s = wall_us() / 1000000u;
	int rc;

	if ((rc = hgetall(r, "", &rec)) != 0)
		return rc;
	if (rec->elements == 0) {
		rc = no_launch(r);
		goto out;
	}
	if (record_launch(r, rec, &l, &rc) != 0)
		goto out;
	if ((rc = hgetall(r, ":appliances", &apps)) != 0 ||
			(rc = hgetall(r, ":counters", &ctr)) != 0 ||
			(rc = hgetall(r, ":final", &fin)) != 0 ||
			(rc = hgetall(r, ":final:appliances", &fapps)) != 0)
		goto out;
	snprintf(key, sizeof(key), "%s:history", r->k);
	snprintf(count, sizeof(count), "%d", HISTORY_SHOWN);
	hist = rcall(r, &rc, 6, xr);
	if (hist == NULL)
		goto out;
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "launch", r->name);
	cJSON_AddStringToObject(s, "source", "redis");
	cJSON_AddStringToObject(s, "where", r->o->where);
	cJSON_AddStringToObject(s, "id", hget(rec, "id") != NULL ? hget(rec, "id") : "");
	cJSON_AddStringToObject(s, "state", umb_launch_state_name(l.state));
	cJSON_AddItemToObject(s, "share_percent", share_number(l.share_ppm));
	add_u64(s, "share_ppm", l.share_ppm);
	add_u64(s, "effective_share_ppm", umb_launch_effective_ppm(&l));
	e = cJSON_AddObjectToObject(s, "rules");
	cJSON_AddStringToObject(e, "name", hget(rec, "rules_name") != NULL ?
			hget(rec, "rules_name") : "");
	cJSON_AddStringToObject(e, "hash", hget(rec, "rules_hash") != NULL ?
			hget(rec, "rules_hash") : "");
	add_u64(s, "created_us", hget(rec, "created_us") != NULL ?
			hget_u64(rec, "created_us") : hget_u64(rec, "created") * 1000000u);
	add_u64(s, "updated_us", hget_u64(rec, "updated_us"));
	arr = cJSON_AddArrayToObject(s, "appliances");
	for (size_t i = 0; i + 1 < apps->elements; i += 2) {
		uint64_t last = strtoull(apps->element[i + 1]->str != NULL ?
				apps->element[i + 1]->str : "0", NULL, 10);

		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "appliance", apps->element[i]->str != NULL ?
				apps->element[i]->str : "");
		add_u64(e, "last_report_s", last);
		add_u64(e, "age_s", now_s > last ? now_s - last : 0);
		/* An appliance exports every second: silent past a few, it
		 * stopped or cannot reach Redis (the hash keeps every one). */
		cJSON_AddBoolToObject(e, "reporting", now_s <= last + REPORTING_S);
		cJSON_AddItemToArray(arr, e);
	}
	c = counts_from(ctr);
	cJSON_AddItemToObject(s, "requests", cJSON_DetachItemFromObject(c, "requests"));
	cJSON_AddItemToObject(s, "requests_sampled",
			cJSON_DetachItemFromObject(c, "requests_sampled"));
	cJSON_AddItemToObject(s, "requests_mirrored",
			cJSON_DetachItemFromObject(c, "requests_mirrored"));
	cJSON_AddItemToObject(s, "outcomes", cJSON_DetachItemFromObject(c, "outcomes"));
	cJSON_Delete(c);
	/* oldest first */
	arr = cJSON_AddArrayToObject(s, "history");
	for (size_t i = hist->elements; i-- > 0;) {
		const redisReply *ent = hist->element[i], *fv;

		if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2)
			continue;
		fv = ent->element[1];
		e = cJSON_CreateObject();
		for (size_t k = 0; k < 6; k++) {
			const char *v = hget(fv, umb_launch_event_fields[k]);

			if (k == 0)
				add_u64(e, "ts_us", v != NULL ? strtoull(v, NULL, 10) : 0);
			else
				cJSON_AddStringToObject(e, umb_launch_event_fields[k],
						v != NULL && strcmp(v, "-") != 0 ? v : "");
		}
		cJSON_AddItemToArray(arr, e);
	}
	if (fin->elements > 0 || l.state == UMB_LAUNCH_PROMOTED) {
		cJSON *fo = counts_from(fin);

		cJSON_AddItemToObjectCS(fo, "frozen_us", cJSON_CreateNumber((double)
				hget_u64(rec, "promoted_us")));
		arr = cJSON_AddArrayToObject(fo, "appliances");
		for (size_t i = 0; i + 1 < fapps->elements; i += 2)
			cJSON_AddItemToArray(arr, cJSON_CreateString(
					fapps->element[i]->str != NULL ? fapps->element[i]->str : ""));
		cJSON_AddItemToObject(s, "final", fo);
	} else {
		cJSON_AddNullToObject(s, "final");
	}
	if (r->o->c.json)
		rc = print_json(r->o, s);
	else
		status_text(s);
out:
	cJSON_Delete(s);
	freeReplyObject(rec);
	freeReplyObject(apps);
	freeReplyObject(ctr);
	freeReplyObject(fin);
	freeReplyObject(fapps);
	freeReplyObject(hist);
	return rc;
}

static void
random_id(char *out, size_t n)
{
	uint8_t b[8];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		uint64_t v = wall_us() ^ ((uint64_t)getpid() << 40);

		memcpy(b, &v, sizeof(b));
	}
	for (size_t i = 0; i < sizeof(b) && 2 * i + 2 < n; i++)
		snprintf(out + 2 * i, n - 2 * i, "%02x", b[i]);
}

/* Queue one command of the transaction (its reply is read after EXEC). */
struct txn {
	redisContext *c;
	int n;
	int failed;
};

static void
q(struct txn *t, int argc, const char **argv)
{
	if (redisAppendCommandArgv(t->c, argc, argv, NULL) != REDIS_OK)
		t->failed = 1;
	t->n++;
}

/*
 * One attempt: WATCH, read, decide, MULTI ... EXEC. Returns 0 done, 1 to
 * retry (the record changed meanwhile), or an exit code (said).
 */
static int
redis_verb_once(struct rconn *r, struct umb_launch *before, struct umb_launch *after,
		int *result, char *why, size_t why_size)
{
	const struct lopts *o = r->o;
	char now[24], share[UMB_LAUNCH_SHARE_LEN], id[UMB_LAUNCH_ID_LEN] = "",
		k_hist[sizeof(r->k) + 16], k_chan[sizeof(r->k) + 16],
		k_ctr[sizeof(r->k) + 16], k_lost[sizeof(r->k) + 16],
		k_fin[sizeof(r->k) + 16], k_finlost[sizeof(r->k) + 24],
		k_finapps[sizeof(r->k) + 24], line[UMB_LAUNCH_EVENT_LEN],
		rname[80] = "", rhash[24] = "", created_s[24];
	const char *watch[] = { "WATCH", r->k };
	struct umb_launch_event ev;
	redisReply *rep, *rec = NULL;
	struct txn t = { r->c, 0, 0 };
	uint64_t us = wall_us();
	int rc = 0;

	rep = rcall(r, &rc, 2, watch);
	if (rep == NULL)
		return rc;
	freeReplyObject(rep);
	if ((rc = hgetall(r, "", &rec)) != 0)
		return rc;
	if (rec->elements == 0 && o->verb != UMB_LAUNCH_START) {
		freeReplyObject(rec);
		return no_launch(r);
	}
	if (record_launch(r, rec, before, &rc) != 0) {
		freeReplyObject(rec);
		return rc;
	}
	freeReplyObject(rec);
	*after = *before;
	*result = umb_launch_apply(after, o->verb, o->has_arg, o->ppm, why, why_size);
	if (*result != UMB_LAUNCH_CHANGED) {
		const char *unwatch[] = { "UNWATCH" };

		rep = rcall(r, &rc, 1, unwatch);
		if (rep != NULL)
			freeReplyObject(rep);
		return 0;
	}
	if (o->verb == UMB_LAUNCH_START && o->rules != NULL) {
		struct umb_cmp_ruleset *rs = calloc(1, sizeof(*rs));
		char err[512];

		if (rs == NULL)
			return ctl_fail(&o->c, UMBRACTL_REFUSED, "out of memory");
		if (umb_cmp_ruleset_load(rs, o->rules, err, sizeof(err)) != 0) {
			free(rs);
			return ctl_fail(&o->c, UMBRACTL_USAGE, "--rules: %s", err);
		}
		snprintf(rname, sizeof(rname), "%s", rs->name);
		snprintf(rhash, sizeof(rhash), "%016" PRIx64, rs->hash);
		free(rs);
	}
	snprintf(now, sizeof(now), "%" PRIu64, us);
	snprintf(created_s, sizeof(created_s), "%" PRIu64, us / 1000000u);
	umb_launch_share_str(after->share_ppm, share, sizeof(share));
	snprintf(k_hist, sizeof(k_hist), "%s:history", r->k);
	snprintf(k_chan, sizeof(k_chan), "%s:events", r->k);
	snprintf(k_ctr, sizeof(k_ctr), "%s:counters", r->k);
	snprintf(k_lost, sizeof(k_lost), "%s:lost", r->k);
	snprintf(k_fin, sizeof(k_fin), "%s:final", r->k);
	snprintf(k_finlost, sizeof(k_finlost), "%s:final:lost", r->k);
	snprintf(k_finapps, sizeof(k_finapps), "%s:final:appliances", r->k);
	memset(&ev, 0, sizeof(ev));
	ev.ts_us = us;
	snprintf(ev.who, sizeof(ev.who), "%s", o->who);
	ev.verb = o->verb;
	if (o->has_arg)
		umb_launch_share_str(o->ppm, ev.arg, sizeof(ev.arg));
	else if (o->verb == UMB_LAUNCH_START)
		snprintf(ev.arg, sizeof(ev.arg), "%s", share);
	ev.from = before->state;
	ev.to = after->state;
	umb_launch_event_format(&ev, line, sizeof(line));

	{
		const char *multi[] = { "MULTI" };

		q(&t, 1, multi);
	}
	if (o->verb == UMB_LAUNCH_START) {
		const char *set[] = { "HSET", r->k, "name", r->name, "id", id,
			"state", umb_launch_state_name(after->state), "share", share,
			"created", created_s, "created_us", now, "updated_us", now,
			"rules_name", rname, "rules_hash", rhash };

		random_id(id, sizeof(id));
		q(&t, rname[0] != '\0' ? 20 : 16, set);
	} else {
		const char *set[] = { "HSET", r->k, "state",
			umb_launch_state_name(after->state), "share", share,
			"updated_us", now };

		q(&t, 8, set);
	}
	if (o->verb == UMB_LAUNCH_PROMOTE) {
		const char *del[] = { "DEL", k_fin, k_finlost, k_finapps };
		const char *c1[] = { "COPY", k_ctr, k_fin, "REPLACE" };
		const char *c2[] = { "COPY", k_lost, k_finlost, "REPLACE" };
		const char *set[] = { "HSET", r->k, "promoted_us", now };

		q(&t, 4, del);
		q(&t, 4, c1);
		q(&t, 4, c2);
		q(&t, 4, set);
	} else if (o->verb == UMB_LAUNCH_ROLLBACK) {
		const char *set[] = { "HSET", r->k, "rolled_back_us", now };

		q(&t, 4, set);
	}
	{
		char ts[24];
		const char *xadd[] = { "XADD", k_hist, "MAXLEN", "~", HISTORY_MAX, "*",
			"ts_us", ts, "who", ev.who, "verb", umb_launch_verb_name(ev.verb),
			"arg", ev.arg[0] != '\0' ? ev.arg : "-",
			"from", umb_launch_state_name(ev.from),
			"to", umb_launch_state_name(ev.to) };
		const char *pub[] = { "PUBLISH", k_chan, line };
		const char *exec[] = { "EXEC" };

		snprintf(ts, sizeof(ts), "%" PRIu64, ev.ts_us);
		q(&t, 18, xadd);
		q(&t, 3, pub);
		q(&t, 1, exec);
	}
	if (t.failed)
		return ctl_fail(&o->c, UMBRACTL_REFUSED, "out of memory");
	/* Every reply: +OK, +QUEUED..., then EXEC's. */
	for (int i = 0; i < t.n; i++) {
		void *v = NULL;

		if (redisGetReply(r->c, &v) != REDIS_OK || v == NULL)
			return ctl_fail(&o->c, UMBRACTL_UNREACHABLE, "Redis %s: the "
					"transaction: %s", o->where, r->c->errstr);
		rep = v;
		if (i + 1 < t.n) {
			if (rep->type == REDIS_REPLY_ERROR && rc == 0) {
				rc = ctl_fail(&o->c, UMBRACTL_REFUSED, "Redis %s refused the "
						"transaction: %.200s%s", o->where, rep->str,
						strstr(rep->str, "COPY") != NULL ||
						strstr(rep->str, "copy") != NULL ?
						" (promote needs Redis 6.2 or later)" : "");
			}
			freeReplyObject(rep);
			continue;
		}
		if (rc != 0) {       /* EXECABORT after a refused command */
			freeReplyObject(rep);
			return rc;
		}
		if (rep->type == REDIS_REPLY_NIL) {
			freeReplyObject(rep);
			return 1;    /* WATCH: someone changed the record: again */
		}
		if (rep->type != REDIS_REPLY_ARRAY) {
			rc = ctl_fail(&o->c, UMBRACTL_REFUSED, "Redis %s: EXEC: %.200s",
					o->where, rep->type == REDIS_REPLY_ERROR ? rep->str :
					"unexpected answer");
			freeReplyObject(rep);
			return rc;
		}
		for (size_t k = 0; k < rep->elements; k++)
			if (rep->element[k]->type == REDIS_REPLY_ERROR && rc == 0)
				rc = ctl_fail(&o->c, UMBRACTL_REFUSED, "Redis %s: in the "
						"transaction: %.200s", o->where,
						rep->element[k]->str);
		freeReplyObject(rep);
	}
	return rc;
}

static int
redis_verb(struct rconn *r)
{
	struct umb_launch before, after;
	char why[256] = "";
	int result = UMB_LAUNCH_INVALID, rc = 1;

	for (int attempt = 0; attempt < RECORD_RETRIES && rc == 1; attempt++) {
		if (attempt > 0) {
			struct timespec ts = { 0, (long)(5 + rand() % 20) * 1000000L };

			nanosleep(&ts, NULL);
		}
		rc = redis_verb_once(r, &before, &after, &result, why, sizeof(why));
	}
	if (rc == 1)
		return ctl_fail(&r->o->c, UMBRACTL_REFUSED, "launch %s: the record kept "
				"changing (%d attempts): try again", r->name, RECORD_RETRIES);
	if (rc != 0)
		return rc;
	switch (result) {
	case UMB_LAUNCH_CHANGED:
	case UMB_LAUNCH_UNCHANGED:
		if (result == UMB_LAUNCH_UNCHANGED)
			after = before;
		return verb_output(r->o, r->name, result == UMB_LAUNCH_CHANGED ?
				"changed" : "unchanged", why,
				umb_launch_state_name(before.state),
				umb_launch_state_name(after.state), after.share_ppm,
				umb_launch_effective_ppm(&after));
	case UMB_LAUNCH_ILLEGAL:
		return ctl_fail(&r->o->c, UMBRACTL_ILLEGAL, "launch %s: %s", r->name, why);
	default:
		return ctl_fail(&r->o->c, UMBRACTL_USAGE, "launch %s: %s", r->name, why);
	}
}

static int
via_redis(struct lopts *o)
{
	struct rconn r = { 0 };
	const char *name = o->launch != NULL ? o->launch : UMB_CONFIG_LAUNCH_DEFAULT;
	int rc;

	rc = rconnect(&r, o, name);
	if (rc == 0)
		rc = o->status ? redis_status(&r) : redis_verb(&r);
	rclose(&r);
	return rc;
}

/* ---- options ---------------------------------------------------------------------- */

static void
launch_usage(FILE *f)
{
	fprintf(f,
"usage: umbractl [--redis URL | --socket PATH | --file-prefix PREFIX]\n"
"                [--launch NAME] launch VERB [PCT] [--json]\n"
"\n"
"The launch lifecycle. VERB is one of:\n"
"  status          state, share, appliances, requests seen and mirrored,\n"
"                  outcomes, history (and the final statistics once promoted)\n"
"  start [PCT]     start a launch that does not exist yet (with Redis:\n"
"                  create its record; PCT defaults to 100)\n"
"  share PCT       the launch's share, 0 to 100 (at most 4 decimals); raising\n"
"                  it keeps every flow already picked; while paused, the\n"
"                  share resume brings back\n"
"  pause           stop mirroring new requests (in-flight ones finish)\n"
"  resume          mirror again at the launch's share\n"
"  promote         freeze the final statistics, stop mirroring (final)\n"
"  rollback        stop mirroring and shut every shadow connection at once\n"
"                  (final)\n"
"A verb already in effect (pause when paused) does nothing and exits 0.\n"
"\n"
"Where the launch is:\n"
"  --redis URL             the fleet's Redis: redis://[user:password@]host[:port][/db]\n"
"                          or unix:///path[?db=N]; the record\n"
"                          umbra:v1:launch:NAME (docs/redis.md)\n"
"  --redis-password-file F the password (a file of mode 0600 or stricter), when\n"
"                          the URL has none; else UMBRA_REDIS_PASSWORD\n"
"  --socket PATH, --file-prefix PREFIX\n"
"                          one appliance's telemetry socket (without --redis;\n"
"                          neither: the one appliance that answers)\n"
"  --launch NAME           the launch ([A-Za-z0-9_.-], 1 to 64); with --redis\n"
"                          'default' when not given; without, the appliance's\n"
"                          (an error when it runs another)\n"
"Other options:\n"
"  --who NAME              the history's 'who' (default USER@HOST)\n"
"  --rules FILE            start with --redis: record this compare file's name\n"
"                          and hash (appliances with other rules warn)\n"
"  --json                  one JSON object (docs/umbractl.md)\n"
"  -h, --help              this text\n"
"\n"
"Exit status: 0 ok, 2 usage error, 3 appliance or Redis unreachable (or AUTH\n"
"refused), 4 an error answered (no such launch, an appliance that follows\n"
"Redis, a Redis error), 5 the launch's state forbids the verb.\n");
}

enum {
	LOPT_SOCKET = 256, LOPT_PREFIX, LOPT_REDIS, LOPT_PWFILE, LOPT_LAUNCH,
	LOPT_WHO, LOPT_RULES, LOPT_JSON,
};

static const struct option launch_longopts[] = {
	{ "socket", required_argument, NULL, LOPT_SOCKET },
	{ "file-prefix", required_argument, NULL, LOPT_PREFIX },
	{ "redis", required_argument, NULL, LOPT_REDIS },
	{ "redis-password-file", required_argument, NULL, LOPT_PWFILE },
	{ "launch", required_argument, NULL, LOPT_LAUNCH },
	{ "who", required_argument, NULL, LOPT_WHO },
	{ "rules", required_argument, NULL, LOPT_RULES },
	{ "json", no_argument, NULL, LOPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The password file: regular, 0600 or stricter, one line. 0 or an exit code. */
static int
read_password_file(struct lopts *o)
{
	char buf[UMB_CONFIG_REDIS_PASS_LEN + 2];
	struct stat st;
	size_t n;
	FILE *fp = fopen(o->pwfile, "r");

	if (fp == NULL)
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis-password-file: cannot "
				"open '%s': %s", o->pwfile, strerror(errno));
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis-password-file: '%s' "
				"is not a regular file", o->pwfile);
	}
	if ((st.st_mode & 0077) != 0) {
		fclose(fp);
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis-password-file: '%s' "
				"is open to group or others (mode %03o): chmod 600 it",
				o->pwfile, (unsigned int)(st.st_mode & 0777));
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0' || strlen(buf) >= sizeof(o->redis.password)) {
		memset(buf, 0, sizeof(buf));
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis-password-file: '%s' "
				"is empty or longer than %zu bytes", o->pwfile,
				sizeof(o->redis.password) - 1);
	}
	memcpy(o->redis.password, buf, strlen(buf) + 1);
	memset(buf, 0, sizeof(buf));
	return 0;
}

/* 0, 1 after --help, or an exit code (said). Nothing is contacted here. */
static int
launch_parse(int argc, char **argv, struct lopts *o)
{
	char why[256];
	const char *verb;
	int c, first;

	memset(o, 0, sizeof(*o));
	o->c.cmd = argv[0];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", launch_longopts, NULL)) != -1) {
		switch (c) {
		case LOPT_SOCKET:
		case LOPT_PREFIX:
			if (o->c.socket != NULL || o->c.prefix != NULL)
				return ctl_fail(&o->c, UMBRACTL_USAGE, "give one of --socket "
						"and --file-prefix, once");
			if (c == LOPT_SOCKET) {
				if (optarg[0] == '\0' || strlen(optarg) >= SUN_PATH_MAX)
					return ctl_fail(&o->c, UMBRACTL_USAGE, "--socket: "
							"empty, or longer than %zu bytes",
							SUN_PATH_MAX - 1);
				o->c.socket = optarg;
			} else {
				if (optarg[0] == '\0' || strchr(optarg, '/') != NULL ||
						strcmp(optarg, ".") == 0 ||
						strcmp(optarg, "..") == 0 || strlen(optarg) > 64)
					return ctl_fail(&o->c, UMBRACTL_USAGE, "--file-prefix "
							"'%s': expected a name (no '/', at most "
							"64 bytes)", optarg);
				o->c.prefix = optarg;
			}
			break;
		case LOPT_REDIS:
			if (o->url != NULL)
				return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis given twice");
			o->url = optarg;
			if (umb_config_parse_redis(optarg, &o->redis, why, sizeof(why)) != 0)
				return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis: %s", why);
			break;
		case LOPT_PWFILE:
			o->pwfile = optarg;
			break;
		case LOPT_LAUNCH:
			if (umb_config_check_launch(optarg, why, sizeof(why)) != 0)
				return ctl_fail(&o->c, UMBRACTL_USAGE, "--launch: %s", why);
			o->launch = optarg;
			break;
		case LOPT_WHO:
			if (umb_launch_check_who(optarg) != 0)
				return ctl_fail(&o->c, UMBRACTL_USAGE, "--who '%.80s': 1 to "
						"%d of [A-Za-z0-9_.@:+-]", optarg,
						UMB_LAUNCH_WHO_LEN - 1);
			snprintf(o->who, sizeof(o->who), "%s", optarg);
			break;
		case LOPT_RULES:
			o->rules = optarg;
			break;
		case LOPT_JSON:
			o->c.json = 1;
			break;
		case 'h':
			launch_usage(stdout);
			return 1;
		case ':':
			return ctl_fail(&o->c, UMBRACTL_USAGE, "%s needs a value (try "
					"'umbractl launch --help')", argv[optind - 1]);
		default:
			if (argv[optind - 1][0] == '-' && argv[optind - 1][1] >= '0' &&
					argv[optind - 1][1] <= '9')
				return ctl_fail(&o->c, UMBRACTL_USAGE, "'%.40s': expected a "
						"percentage from 0 to 100 (at most 4 decimals)",
						argv[optind - 1]);
			return ctl_fail(&o->c, UMBRACTL_USAGE, "unknown option '%s' (try "
					"'umbractl launch --help')", argv[optind - 1]);
		}
	}
	first = optind;
	if (first >= argc)
		return ctl_fail(&o->c, UMBRACTL_USAGE, "which verb? status, start "
				"[PCT], pause, resume, share PCT, promote or rollback");
	verb = argv[first];
	if (strcmp(verb, "status") == 0) {
		o->status = 1;
	} else if (umb_launch_verb_parse(verb, &o->verb) != 0) {
		return ctl_fail(&o->c, UMBRACTL_USAGE, "unknown verb '%.40s' (status, "
				"start, pause, resume, share, promote, rollback)", verb);
	}
	if (argc - first > 2 || (argc - first == 2 && (o->status ||
			umb_launch_verb_arg(o->verb) < 0)))
		return ctl_fail(&o->c, UMBRACTL_USAGE, "unexpected argument '%.40s' "
				"after %s", argv[first + 1 + (argc - first > 2 && !o->status &&
				umb_launch_verb_arg(o->verb) >= 0)], verb);
	if (!o->status && umb_launch_verb_arg(o->verb) > 0 && argc - first < 2)
		return ctl_fail(&o->c, UMBRACTL_USAGE, "%s needs a percentage from 0 "
				"to 100 (launch share PCT)", verb);
	if (argc - first == 2) {
		if (umb_launch_parse_share(argv[first + 1], &o->ppm) != 0)
			return ctl_fail(&o->c, UMBRACTL_USAGE, "'%.40s': expected a "
					"percentage from 0 to 100 (at most 4 decimals)",
					argv[first + 1]);
		o->has_arg = 1;
	}
	if (o->url != NULL && (o->c.socket != NULL || o->c.prefix != NULL))
		return ctl_fail(&o->c, UMBRACTL_USAGE, "give --redis, or --socket / "
				"--file-prefix, not both");
	if (o->pwfile != NULL && o->url == NULL)
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--redis-password-file without "
				"--redis");
	if (o->rules != NULL && (o->url == NULL || o->status ||
			o->verb != UMB_LAUNCH_START))
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--rules goes with 'launch "
				"start' and --redis (an appliance knows its own rules)");
	if (o->rules != NULL && access(o->rules, R_OK) != 0)
		return ctl_fail(&o->c, UMBRACTL_USAGE, "--rules: cannot read '%s': %s",
				o->rules, strerror(errno));
	if (o->url != NULL) {
		if (o->redis.password[0] != '\0' && o->pwfile != NULL)
			return ctl_fail(&o->c, UMBRACTL_USAGE, "the --redis URL has a "
					"password and --redis-password-file gives one: keep one");
		if (o->redis.password[0] == '\0' && o->pwfile != NULL) {
			int rc = read_password_file(o);

			if (rc != 0)
				return rc;
		} else if (o->redis.password[0] == '\0' &&
				getenv("UMBRA_REDIS_PASSWORD") != NULL) {
			const char *pw = getenv("UMBRA_REDIS_PASSWORD");

			if (strlen(pw) >= sizeof(o->redis.password))
				return ctl_fail(&o->c, UMBRACTL_USAGE, "UMBRA_REDIS_PASSWORD: "
						"longer than %zu bytes",
						sizeof(o->redis.password) - 1);
			memcpy(o->redis.password, pw, strlen(pw) + 1);
		}
		umb_config_redis_str(&o->redis, o->where, sizeof(o->where));
	}
	if (o->who[0] == '\0')
		default_who(o->who, sizeof(o->who));
	return 0;
}

int
umbractl_launch(int argc, char **argv)
{
	struct lopts o;
	int rc = launch_parse(argc, argv, &o);

	if (rc != 0)
		return rc == 1 ? 0 : rc;
	srand((unsigned int)(wall_us() ^ (uint64_t)getpid()));
	rc = o.url != NULL ? via_redis(&o) : via_socket(&o);
	memset(o.redis.password, 0, sizeof(o.redis.password));
	return rc;
}
