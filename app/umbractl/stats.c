/* SPDX-License-Identifier: BSD-3-Clause
 * The umbractl commands that talk to a running appliance: `stats`,
 * `routes`, `route ID|NAME` and `share [PCT]`, through the appliance's
 * DPDK telemetry socket (the client is tel.c; the /umbra/ commands are
 * app/umbra/control.c's): their options, and the text and --json output of
 * the four commands. Exit codes: 0 ok, 2 usage, 3 appliance unreachable,
 * 4 the appliance answered an error; every failure is one line on stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "umb_json.h"
#include "umbractl.h"
#include "tel.h"

/* ---- options ------------------------------------------------------------------ */

enum {
	OPT_SOCKET = 's',
	OPT_PREFIX = 'p',
	OPT_JSON = 'j',
	OPT_HELP = 'h',
};

static const struct option ctl_longopts[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "file-prefix", required_argument, NULL, OPT_PREFIX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define CTL_COMMON_HELP \
"Which appliance (these options may also come before the command):\n" \
"  --socket PATH           its telemetry socket\n" \
"  --file-prefix PREFIX    the EAL --file-prefix it runs with: the socket\n" \
"                          is /var/run/dpdk/PREFIX/" TEL_SOCKET_NAME "\n" \
"                          (root; $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk for\n" \
"                          other users, $RUNTIME_DIRECTORY/dpdk if set)\n" \
"  neither                 the one appliance that answers there; with\n" \
"                          several, an error lists their prefixes\n" \
"\n" \
"Exit status: 0 ok, 2 usage error (or several appliances to choose from),\n" \
"3 appliance unreachable (no socket, refused, no answer within 2 s),\n" \
"4 the appliance answered an error.\n"

/*
 * Parse the options every appliance command takes; the operands are
 * argv[*first..argc). 0, 1 when --help was answered, or UMBRACTL_USAGE.
 */
static int
ctl_parse(int argc, char **argv, struct ctl_opts *o, int allow_json,
		void (*usage)(FILE *), int *first)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->cmd = argv[0];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", ctl_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			if (o->socket != NULL || o->prefix != NULL)
				goto both;
			if (optarg[0] == '\0')
				return ctl_fail(o, UMBRACTL_USAGE, "--socket: empty path");
			if (strlen(optarg) >= SUN_PATH_MAX)
				return ctl_fail(o, UMBRACTL_USAGE, "--socket: path "
						"longer than %zu bytes", SUN_PATH_MAX - 1);
			o->socket = optarg;
			break;
		case OPT_PREFIX:
			if (o->socket != NULL || o->prefix != NULL)
				goto both;
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL ||
					strcmp(optarg, ".") == 0 ||
					strcmp(optarg, "..") == 0 || strlen(optarg) > 64)
				return ctl_fail(o, UMBRACTL_USAGE, "--file-prefix '%s': "
						"expected a name (no '/', at most 64 bytes)",
						optarg);
			o->prefix = optarg;
			break;
		case OPT_JSON:
			if (!allow_json)
				goto unknown;
			o->json = 1;
			break;
		case OPT_HELP:
			usage(stdout);
			return 1;
		case ':':
			return ctl_fail(o, UMBRACTL_USAGE, "%s needs a value "
					"(try 'umbractl %s --help')", argv[optind - 1],
					o->cmd);
		default:
			goto unknown;
		}
	}
	*first = optind;
	return 0;
both:
	return ctl_fail(o, UMBRACTL_USAGE, "give one of --socket and "
			"--file-prefix, once");
unknown:
	return ctl_fail(o, UMBRACTL_USAGE, "unknown option '%s' (try "
			"'umbractl %s --help')", argv[optind - 1], o->cmd);
}

/* ---- reading answers ---------------------------------------------------------- */

static int64_t
ctr(const cJSON *stats, const char *group, const char *name)
{
	return ctl_u64(cJSON_GetObjectItemCaseSensitive(stats, group), name);
}

/* Print a count, or "-" when the appliance did not give it. */
static void
print_count(const char *label, int64_t v)
{
	if (v < 0)
		printf("%-18s -\n", label);
	else
		printf("%-18s %" PRId64 "\n", label, v);
}

/* {"socket": PATH, KEY: RAW} (RAW: the appliance's text of the data). */
static int
print_json_wrapped(const struct tel *t, const char *key, const struct answer *a)
{
	struct umb_jw w;
	char *s = NULL;

	if (umb_jw_init(&w, 4096) != 0)
		return -1;
	umb_jw_obj_open(&w);
	umb_jw_kcstr(&w, "socket", t->path);
	umb_jw_key(&w, key);
	if (a->raw != NULL) {
		umb_jw_raw(&w, a->raw, a->raw_len);
	} else {
		s = cJSON_PrintUnformatted(a->data);
		if (s != NULL)
			umb_jw_raw(&w, s, strlen(s));
		else
			umb_jw_null(&w);
	}
	umb_jw_obj_close(&w);
	if (w.err == 0)
		printf("%s\n", w.buf);
	cJSON_free(s);
	umb_jw_free(&w);
	return w.err == 0 ? 0 : -1;
}

/* Share in percent from parts per million, without a float's noise. */
static void
format_share(char *out, size_t n, uint64_t ppm)
{
	int len = snprintf(out, n, "%" PRIu64 ".%04" PRIu64, ppm / 10000,
			ppm % 10000);

	while (len > 0 && out[len - 1] == '0')
		out[--len] = '\0';
	if (len > 0 && out[len - 1] == '.')
		out[--len] = '\0';
}

/* ---- stats -------------------------------------------------------------------- */

static void
stats_usage(FILE *f)
{
	fprintf(f,
"usage: umbractl [--socket PATH | --file-prefix PREFIX] stats [--json]\n"
"\n"
"A running appliance's live counters (/umbra/stats): requests, exchanges\n"
"by outcome, records in flight, mirrored sessions, compared and mismatched\n"
"exchanges, received packets, decode errors, then every non-zero counter\n"
"as 'group.name value'.\n"
"\n"
"  --json                  one object: {\"socket\": PATH, \"stats\": {GROUP:\n"
"                          {NAME: COUNT...}..., \"records_in_flight\": N}}\n"
"  -h, --help              this text\n"
"\n" CTL_COMMON_HELP);
}

/* Decode results that are not errors: a TCP segment, or not our protocol. */
static int
decode_not_error(const char *name)
{
	return strcmp(name, "tcp") == 0 || strcmp(name, "not_ip") == 0 ||
		strcmp(name, "not_tcp") == 0;
}

static void
stats_text(const struct tel *t, const cJSON *st)
{
	const cJSON *g, *c, *outcome = cJSON_GetObjectItemCaseSensitive(st, "outcome");
	int64_t exchanges = 0, decode_errors = 0, compared, mismatched;

	printf("%-18s %s\n", "socket", t->path);
	print_count("requests", ctr(st, "http", "requests"));
	cJSON_ArrayForEach(c, outcome)
		if (cJSON_IsNumber(c))
			exchanges += (int64_t)c->valuedouble;
	printf("%-18s %" PRId64, "exchanges", exchanges);
	cJSON_ArrayForEach(c, outcome)
		if (cJSON_IsNumber(c) && c->valuedouble > 0)
			printf("  %s=%" PRId64, c->string, (int64_t)c->valuedouble);
	printf("\n");
	print_count("records in flight", ctl_u64(st, "records_in_flight"));
	print_count("mirrored sessions", ctr(st, "mirror", "sessions"));
	compared = ctr(st, "compare", "compared");
	mismatched = ctr(st, "compare", "mismatch");
	print_count("compared", compared);
	if (mismatched > 0 && compared > 0)
		printf("%-18s %" PRId64 " (%.2f%% of compared)\n", "mismatched",
				mismatched, 100.0 * (double)mismatched / (double)compared);
	else
		print_count("mismatched", mismatched);
	print_count("rx packets", ctr(st, "rx", "packets"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(st, "decode"))
		if (cJSON_IsNumber(c) && !decode_not_error(c->string))
			decode_errors += (int64_t)c->valuedouble;
	printf("%-18s %" PRId64 "\n", "decode errors", decode_errors);
	printf("\nnon-zero counters:\n");
	cJSON_ArrayForEach(g, st) {
		if (!cJSON_IsObject(g))
			continue;
		cJSON_ArrayForEach(c, g)
			if (cJSON_IsNumber(c) && c->valuedouble > 0)
				printf("%s.%s %" PRId64 "\n", g->string, c->string,
						(int64_t)c->valuedouble);
	}
}

int
umbractl_stats(int argc, char **argv)
{
	struct ctl_opts o;
	struct answer a;
	struct tel t;
	char why[512];
	int first, rc;

	rc = ctl_parse(argc, argv, &o, 1, stats_usage, &first);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (first != argc)
		return ctl_fail(&o, UMBRACTL_USAGE, "unexpected argument '%s' "
				"(try 'umbractl stats --help')", argv[first]);
	rc = ctl_connect(&o, &t);
	if (rc != 0)
		return rc;
	rc = tel_call(&t, "/umbra/stats", &a, why, sizeof(why));
	if (rc != 0) {
		tel_close(&t);
		return ctl_fail(&o, rc, "%s%s", why, rc == UMBRACTL_REFUSED ?
				" (not an umbra appliance?)" : "");
	}
	if (!cJSON_IsObject(a.data)) {
		rc = ctl_fail(&o, UMBRACTL_REFUSED, "/umbra/stats did not answer "
				"a dict");
	} else if (o.json) {
		if (print_json_wrapped(&t, "stats", &a) != 0)
			rc = ctl_fail(&o, UMBRACTL_REFUSED, "cannot write the answer");
	} else {
		stats_text(&t, a.data);
	}
	answer_free(&a);
	tel_close(&t);
	return rc;
}

/* ---- routes ------------------------------------------------------------------- */

static void
routes_usage(FILE *f)
{
	fprintf(f,
"usage: umbractl [--socket PATH | --file-prefix PREFIX] routes [--json]\n"
"\n"
"The comparator's routes of a running appliance (/umbra/routes), busiest\n"
"first: id (for 'umbractl route ID'), route, exchanges, compared,\n"
"mismatch %% (of compared), slow. Only routes with an exchange are listed.\n"
"\n"
"  --json                  one object: {\"socket\": PATH, \"routes\": [{\"id\",\n"
"                          \"route\", \"exchanges\", \"compared\", \"mismatched\",\n"
"                          \"slow\"}...]}, busiest first\n"
"  -h, --help              this text\n"
"\n" CTL_COMMON_HELP);
}

struct route_row {
	int64_t id, exchanges, compared, mismatched, slow;
	const char *name;
};

static int
busiest_first(const void *pa, const void *pb)
{
	const struct route_row *a = pa, *b = pb;

	if (a->exchanges != b->exchanges)
		return a->exchanges > b->exchanges ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static int
routes_print(const struct tel *t, const cJSON *data, int json)
{
	const cJSON *r;
	struct route_row *rows;
	size_t n = 0, k = 0;
	int width = 5;

	cJSON_ArrayForEach(r, data)
		n++;
	rows = calloc(n + 1, sizeof(*rows));
	if (rows == NULL)
		return -1;
	cJSON_ArrayForEach(r, data) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "route");
		struct route_row *w = &rows[k];

		if (!cJSON_IsObject(r) || !cJSON_IsString(name))
			continue;
		w->name = name->valuestring;
		w->id = ctl_u64(r, "id");
		w->exchanges = ctl_u64(r, "exchanges");
		w->compared = ctl_u64(r, "compared");
		w->mismatched = ctl_u64(r, "mismatched");
		w->slow = ctl_u64(r, "slow");
		if ((int)strlen(w->name) > width)
			width = strlen(w->name) > 60 ? 60 : (int)strlen(w->name);
		k++;
	}
	qsort(rows, k, sizeof(*rows), busiest_first);
	if (json) {
		struct umb_jw w;
		int err;

		if (umb_jw_init(&w, 4096) != 0) {
			free(rows);
			return -1;
		}
		umb_jw_obj_open(&w);
		umb_jw_kcstr(&w, "socket", t->path);
		umb_jw_key(&w, "routes");
		umb_jw_arr_open(&w);
		for (size_t i = 0; i < k; i++) {
			umb_jw_obj_open(&w);
			umb_jw_ki64(&w, "id", rows[i].id);
			umb_jw_kcstr(&w, "route", rows[i].name);
			umb_jw_ki64(&w, "exchanges", rows[i].exchanges);
			umb_jw_ki64(&w, "compared", rows[i].compared);
			umb_jw_ki64(&w, "mismatched", rows[i].mismatched);
			umb_jw_ki64(&w, "slow", rows[i].slow);
			umb_jw_obj_close(&w);
		}
		umb_jw_arr_close(&w);
		umb_jw_obj_close(&w);
		err = w.err;
		if (err == 0)
			printf("%s\n", w.buf);
		umb_jw_free(&w);
		free(rows);
		return err == 0 ? 0 : -1;
	}
	if (k == 0) {
		printf("no routes yet (no exchange has reached the comparator)\n");
		free(rows);
		return 0;
	}
	printf("%4s  %-*s %10s %10s %9s %8s\n", "id", width, "route",
			"exchanges", "compared", "mismatch", "slow");
	for (size_t i = 0; i < k; i++) {
		char pct[16] = "-";

		if (rows[i].compared > 0 && rows[i].mismatched >= 0)
			snprintf(pct, sizeof(pct), "%.2f%%", 100.0 *
					(double)rows[i].mismatched /
					(double)rows[i].compared);
		printf("%4" PRId64 "  %-*s %10" PRId64 " %10" PRId64 " %9s %8"
				PRId64 "\n", rows[i].id, width, rows[i].name,
				rows[i].exchanges, rows[i].compared, pct, rows[i].slow);
	}
	free(rows);
	return 0;
}

int
umbractl_routes(int argc, char **argv)
{
	struct ctl_opts o;
	struct answer a;
	struct tel t;
	char why[512];
	int first, rc;

	rc = ctl_parse(argc, argv, &o, 1, routes_usage, &first);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (first != argc)
		return ctl_fail(&o, UMBRACTL_USAGE, "unexpected argument '%s' "
				"(try 'umbractl routes --help')", argv[first]);
	rc = ctl_connect(&o, &t);
	if (rc != 0)
		return rc;
	rc = tel_call(&t, "/umbra/routes", &a, why, sizeof(why));
	if (rc != 0) {
		tel_close(&t);
		return ctl_fail(&o, rc, "%s", why);
	}
	if (!cJSON_IsObject(a.data))
		rc = ctl_fail(&o, UMBRACTL_REFUSED, "/umbra/routes did not "
				"answer a dict");
	else if (routes_print(&t, a.data, o.json) != 0)
		rc = ctl_fail(&o, UMBRACTL_REFUSED, "out of memory");
	answer_free(&a);
	tel_close(&t);
	return rc;
}

/* ---- route -------------------------------------------------------------------- */

static void
route_usage(FILE *f)
{
	fprintf(f,
"usage: umbractl [--socket PATH | --file-prefix PREFIX] route ID|NAME [--json]\n"
"\n"
"One route of a running appliance (/umbra/route): its counts, outcomes,\n"
"differing fields (KIND PATH COUNT), status pairs (production -> shadow\n"
"COUNT) and latency quantiles in microseconds. ID is the id 'umbractl\n"
"routes' shows, NAME the route as it shows it (\"GET /api/items\").\n"
"An unknown route is exit 4.\n"
"\n"
"  --json                  one object: {\"socket\": PATH, \"route\": {\"route\",\n"
"                          \"exchanges\", \"compared\", \"mismatched\", \"slow\",\n"
"                          \"outcomes\": {OUTCOME: N}, \"differences\": [STR],\n"
"                          \"status_pairs\": [STR], \"production_ttfb\": {\"count\",\n"
"                          \"p50_us\", \"p90_us\", \"p95_us\", \"p99_us\", \"max_us\"},\n"
"                          \"production_ttlb\", \"shadow_ttfb\", \"shadow_ttlb\"}}\n"
"  -h, --help              this text\n"
"\n" CTL_COMMON_HELP);
}

static void
route_text(const cJSON *d)
{
	static const char *const series[] = { "production_ttfb",
		"production_ttlb", "shadow_ttfb", "shadow_ttlb" };
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "route");
	const cJSON *c, *arr;
	int any = 0;

	printf("%-18s %s\n", "route", cJSON_IsString(name) ?
			name->valuestring : "?");
	print_count("exchanges", ctl_u64(d, "exchanges"));
	print_count("compared", ctl_u64(d, "compared"));
	print_count("mismatched", ctl_u64(d, "mismatched"));
	print_count("slow", ctl_u64(d, "slow"));
	printf("%-18s", "outcomes");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(d, "outcomes")) {
		if (cJSON_IsNumber(c)) {
			printf(" %s=%" PRId64, c->string, (int64_t)c->valuedouble);
			any = 1;
		}
	}
	printf("%s\n", any ? "" : " -");
	arr = cJSON_GetObjectItemCaseSensitive(d, "differences");
	printf("differences%s\n", cJSON_GetArraySize(arr) > 0 ? ":" : ": none");
	cJSON_ArrayForEach(c, arr)
		if (cJSON_IsString(c))
			printf("  %s\n", c->valuestring);
	arr = cJSON_GetObjectItemCaseSensitive(d, "status_pairs");
	printf("status pairs%s\n", cJSON_GetArraySize(arr) > 0 ? ":" : ": none");
	cJSON_ArrayForEach(c, arr)
		if (cJSON_IsString(c))
			printf("  %s\n", c->valuestring);
	printf("latency (us):     %10s %8s %8s %8s %8s %8s\n", "count", "p50",
			"p90", "p95", "p99", "max");
	for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(d, series[i]);

		if (!cJSON_IsObject(h))
			continue;
		printf("  %-16s %10" PRId64 " %8" PRId64 " %8" PRId64 " %8" PRId64
				" %8" PRId64 " %8" PRId64 "\n", series[i],
				ctl_u64(h, "count"), ctl_u64(h, "p50_us"),
				ctl_u64(h, "p90_us"), ctl_u64(h, "p95_us"),
				ctl_u64(h, "p99_us"), ctl_u64(h, "max_us"));
	}
}

int
umbractl_route(int argc, char **argv)
{
	char req[TEL_MAX_REQUEST + 1], why[512];
	struct ctl_opts o;
	struct answer a;
	struct tel t;
	const char *which;
	int first, rc;

	rc = ctl_parse(argc, argv, &o, 1, route_usage, &first);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (argc - first != 1)
		return ctl_fail(&o, UMBRACTL_USAGE, "%s (usage: umbractl route "
				"ID|NAME [--json])", argc == first ?
				"which route? give its id or name" :
				"one route at a time");
	which = argv[first];
	if (which[0] == '\0')
		return ctl_fail(&o, UMBRACTL_USAGE, "empty route name");
	if ((size_t)snprintf(req, sizeof(req), "/umbra/route,%s", which) >=
			sizeof(req))
		return ctl_fail(&o, UMBRACTL_USAGE, "route name longer than %zu "
				"bytes", sizeof(req) - 1 - strlen("/umbra/route,"));
	rc = ctl_connect(&o, &t);
	if (rc != 0)
		return rc;
	rc = tel_call(&t, req, &a, why, sizeof(why));
	if (rc != 0) {
		tel_close(&t);
		if (rc == UMBRACTL_REFUSED)
			return ctl_fail(&o, rc, "no route '%s' on the appliance "
					"(see 'umbractl routes')", which);
		return ctl_fail(&o, rc, "%s", why);
	}
	if (!cJSON_IsObject(a.data))
		rc = ctl_fail(&o, UMBRACTL_REFUSED, "/umbra/route did not answer "
				"a dict");
	else if (o.json) {
		if (print_json_wrapped(&t, "route", &a) != 0)
			rc = ctl_fail(&o, UMBRACTL_REFUSED, "cannot write the answer");
	} else {
		route_text(a.data);
	}
	answer_free(&a);
	tel_close(&t);
	return rc;
}

/* ---- share -------------------------------------------------------------------- */

static void
share_usage(FILE *f)
{
	fprintf(f,
"usage: umbractl [--socket PATH | --file-prefix PREFIX] share [PCT] [--json]\n"
"\n"
"Read a running appliance's sampling share, or set it to PCT percent\n"
"(0 to 100, at most 4 decimals: 0, 12.5, 100) through /umbra/share. The\n"
"reassembly lcores apply a new share to the flows they see from then on;\n"
"raising it keeps every flow already picked. PCT is checked before the\n"
"appliance is contacted.\n"
"\n"
"Output: 'share PCT%%' (after a change: 'share PCT%% (was OLD%%)').\n"
"  --json                  one object: {\"socket\": PATH, \"share_percent\": PCT,\n"
"                          \"share_ppm\": PPM} (and \"previous_percent\",\n"
"                          \"previous_ppm\" after a change)\n"
"  -h, --help              this text\n"
"\n" CTL_COMMON_HELP);
}

/* PCT: digits, optionally '.' and 1..4 digits, at most 100. */
static int
parse_pct(const char *s)
{
	const char *p = s;
	size_t ip = 0, fp = 0;

	while (*p >= '0' && *p <= '9') {
		p++;
		ip++;
	}
	if (ip == 0 || ip > 3)
		return -1;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			fp++;
		}
		if (fp == 0 || fp > 4)
			return -1;
	}
	if (*p != '\0')
		return -1;
	return strtod(s, NULL) <= 100.0 ? 0 : -1;
}

static int
share_read(struct tel *t, const char *req, uint64_t *ppm, char *why, size_t n)
{
	struct answer a;
	int64_t v;
	int rc = tel_call(t, req, &a, why, n);

	if (rc != 0)
		return rc;
	v = ctl_u64(a.data, "share_ppm");
	answer_free(&a);
	if (v < 0 || v > 1000000) {
		snprintf(why, n, "/umbra/share answered no share_ppm in 0..1000000");
		return UMBRACTL_REFUSED;
	}
	*ppm = (uint64_t)v;
	return 0;
}

int
umbractl_share(int argc, char **argv)
{
	char req[64], why[512], now[24], was[24];
	uint64_t ppm = 0, old = 0;
	const char *pct = NULL;
	struct ctl_opts o;
	struct tel t;
	int first, rc;

	rc = ctl_parse(argc, argv, &o, 1, share_usage, &first);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (argc - first > 1)
		return ctl_fail(&o, UMBRACTL_USAGE, "one share at a time (usage: "
				"umbractl share [PCT])");
	if (argc - first == 1) {
		pct = argv[first];
		if (parse_pct(pct) != 0)
			return ctl_fail(&o, UMBRACTL_USAGE, "'%s': expected a "
					"percentage from 0 to 100 (at most 4 decimals)",
					pct);
	}
	rc = ctl_connect(&o, &t);
	if (rc != 0)
		return rc;
	rc = share_read(&t, "/umbra/share", &old, why, sizeof(why));
	if (rc == 0 && pct != NULL) {
		snprintf(req, sizeof(req), "/umbra/share,%s", pct);
		rc = share_read(&t, req, &ppm, why, sizeof(why));
	} else {
		ppm = old;
	}
	tel_close(&t);
	if (rc != 0)
		return ctl_fail(&o, rc, "%s", why);
	format_share(now, sizeof(now), ppm);
	format_share(was, sizeof(was), old);
	if (o.json) {
		struct umb_jw w;

		if (umb_jw_init(&w, 256) != 0)
			return ctl_fail(&o, UMBRACTL_REFUSED, "out of memory");
		umb_jw_obj_open(&w);
		umb_jw_kcstr(&w, "socket", t.path);
		umb_jw_key(&w, "share_percent");
		umb_jw_raw(&w, now, strlen(now));
		umb_jw_ku64(&w, "share_ppm", ppm);
		if (pct != NULL) {
			umb_jw_key(&w, "previous_percent");
			umb_jw_raw(&w, was, strlen(was));
			umb_jw_ku64(&w, "previous_ppm", old);
		}
		umb_jw_obj_close(&w);
		printf("%s\n", w.buf);
		umb_jw_free(&w);
	} else if (pct != NULL) {
		printf("share %s%% (was %s%%)\n", now, was);
	} else {
		printf("share %s%%\n", now);
	}
	return 0;
}
