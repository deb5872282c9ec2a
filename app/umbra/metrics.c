/* SPDX-License-Identifier: BSD-3-Clause
 * The Prometheus endpoint: GET /metrics on [launch] metrics or --metrics
 * ([ADDR:]PORT, 127.0.0.1 unless an address is given), in the text
 * exposition format 0.0.4 (docs/metrics.md lists every metric). This file
 * owns the listening socket, the embedded HTTP server (libmicrohttpd) and
 * the rendering; the numbers come from one snapshot per scrape (snapshot.c,
 * routes included), the same the summary and telemetry read.
 *
 * Bounds: libmicrohttpd serves from its own internal polling thread,
 * started from a DPDK control thread so that it inherits the control
 * threads' CPU set, never a data lcore's; it takes at most
 * METRICS_CONN_LIMIT connections at once and drops one idle for
 * METRICS_TIMEOUT_S. A scrape reads counters with relaxed loads and merges
 * the comparators' route tables into a private copy (the data lcores never
 * wait for it); the text grows in a heap buffer of at most METRICS_BODY_MAX
 * bytes (past it: 500). Label values are escaped (backslash, double quote,
 * newline) and made valid UTF-8; their cardinality is bounded by the
 * compare rules' max_routes, UMB_CMP_FIELD_TOP fields and
 * UMB_CMP_STATUS_TOP status pairs per route.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "umbra.h"

#define METRICS_CONN_LIMIT 16u           /**< connections served at once */
#define METRICS_TIMEOUT_S 10u            /**< an idle connection is closed */
#define METRICS_BODY_MAX (256u << 20)    /**< a scrape larger than this fails */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result_t;
#else
typedef int mhd_result_t;
#endif

static struct MHD_Daemon *metrics_daemon;

/* Fixed histogram bounds (seconds as printed, and in microseconds). */
static const struct {
	const char *le;
	uint64_t us;
} lat_bounds[] = {
	{ "0.0005", 500 }, { "0.001", 1000 }, { "0.0025", 2500 }, { "0.005", 5000 },
	{ "0.01", 10000 }, { "0.025", 25000 }, { "0.05", 50000 }, { "0.1", 100000 },
	{ "0.25", 250000 }, { "0.5", 500000 }, { "1", 1000000 }, { "2.5", 2500000 },
	{ "5", 5000000 }, { "10", 10000000 },
};

/* The route latency series: side and phase labels by UMB_LAT_*. */
static const struct {
	const char *side;
	const char *phase;
} lat_series[UMB_LAT_MAX] = {
	[UMB_LAT_PROD_TTFB] = { "production", "first_byte" },
	[UMB_LAT_PROD_TTLB] = { "production", "last_byte" },
	[UMB_LAT_SHADOW_TTFB] = { "shadow", "first_byte" },
	[UMB_LAT_SHADOW_TTLB] = { "shadow", "last_byte" },
};

/* ---- the text buffer ---------------------------------------------------- */

struct mbuf_text {
	char *p;
	size_t len, cap;
	int failed;     /**< allocation failed or past METRICS_BODY_MAX */
};

static int
text_reserve(struct mbuf_text *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 65536;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (cap > METRICS_BODY_MAX) {
		b->failed = 1;
		return -1;
	}
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void __rte_format_printf(2, 3)
text_printf(struct mbuf_text *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (text_reserve(b, 256) != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		if (text_reserve(b, (size_t)n) != 0)
			return;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

static void
text_putc(struct mbuf_text *b, char c)
{
	if (text_reserve(b, 1) == 0)
		b->p[b->len++] = c;
}

/* Length of the valid UTF-8 sequence at @p s (0: not valid). */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
			(cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A label value between double quotes: backslash, double quote and newline
 * escaped as the text format asks; other control bytes and bytes that are
 * not UTF-8 (a route comes from a request line) become '?'.
 */
static void
text_label(struct mbuf_text *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	text_putc(b, '"');
	while (*s != '\0') {
		size_t n = utf8_len(s);

		if (*s == '\\' || *s == '"') {
			text_putc(b, '\\');
			text_putc(b, (char)*s);
		} else if (*s == '\n') {
			text_putc(b, '\\');
			text_putc(b, 'n');
		} else if (n == 0 || *s < 0x20 || *s == 0x7f) {
			text_putc(b, '?');
			n = 1;
		} else {
			for (size_t i = 0; i < n; i++)
				text_putc(b, (char)s[i]);
			s += n;
			continue;
		}
		s++;
	}
	text_putc(b, '"');
}

/* Append @p v to the name in @p out: anything outside [a-zA-Z0-9_] becomes '_'. */
static void
name_append(char *out, size_t size, const char *v)
{
	size_t n = strlen(out);

	for (; *v != '\0' && n + 1 < size; v++) {
		char c = *v;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '_'))
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
}

/* "# HELP NAME text" (backslash and newline escaped) and "# TYPE NAME type". */
static void
text_family(struct mbuf_text *b, const char *name, const char *type, const char *help)
{
	text_printf(b, "# HELP %s ", name);
	for (; *help != '\0'; help++) {
		if (*help == '\\' || *help == '\n') {
			text_putc(b, '\\');
			text_putc(b, *help == '\n' ? 'n' : '\\');
		} else {
			text_putc(b, *help);
		}
	}
	text_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* ---- rendering ---------------------------------------------------------- */

/* The launch label: the launch's name (--launch, [launch] launch, "default"). */
static void
launch_name(const struct umb_app *app, char *out, size_t size)
{
	snprintf(out, size, "%s", app->opt.launch[0] != '\0' ? app->opt.launch :
			"default");
}

/* The launch's state (one series per state, 1 for the current one) and share. */
static void
render_launch(struct mbuf_text *b, struct umb_app *app, const char *launch)
{
	struct umb_app_launch L;
	int has_final;

	umb_launch_get(app, &L, NULL, &has_final);
	text_family(b, "umbra_launch_state", "gauge",
			"The launch's state: 1 for the current one, 0 for the others");
	for (int st = 0; st < UMB_LAUNCH_STATE_MAX; st++) {
		text_printf(b, "umbra_launch_state{launch=");
		text_label(b, launch);
		text_printf(b, ",state=");
		text_label(b, umb_launch_state_name((enum umb_launch_state)st));
		text_printf(b, "} %d\n", L.l.state == (enum umb_launch_state)st);
	}
	text_family(b, "umbra_launch_share_ratio", "gauge",
			"The launch's share (0..1), applied while it is active");
	text_printf(b, "umbra_launch_share_ratio{launch=");
	text_label(b, launch);
	text_printf(b, "} %u.%06u\n", L.l.share_ppm / UMB_CONFIG_SHARE_ONE,
			L.l.share_ppm % UMB_CONFIG_SHARE_ONE);
}

static void
render_process(struct mbuf_text *b, struct umb_app *app)
{
	uint32_t ppm = __atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE);
	char launch[128];

	launch_name(app, launch, sizeof(launch));
	text_family(b, "umbra_up", "gauge", "1 while umbra serves metrics");
	text_printf(b, "umbra_up 1\n");
	text_family(b, "umbra_build_info", "gauge",
			"Version of umbra and the launch it runs (value 1)");
	text_printf(b, "umbra_build_info{version=");
	text_label(b, UMBRA_VERSION);
	text_printf(b, ",launch=");
	text_label(b, launch);
	text_printf(b, "} 1\n");
	text_family(b, "umbra_start_time_seconds", "gauge",
			"Start time of umbra since the Unix epoch");
	text_printf(b, "umbra_start_time_seconds %" PRIu64 ".%06" PRIu64 "\n",
			app->start_wall_us / 1000000, app->start_wall_us % 1000000);
	text_family(b, "umbra_sample_share_ratio", "gauge",
			"Share of flows followed for mirroring (0..1), as set now");
	text_printf(b, "umbra_sample_share_ratio %u.%06u\n", ppm / UMB_CONFIG_SHARE_ONE,
			ppm % UMB_CONFIG_SHARE_ONE);
	render_launch(b, app, launch);
}

/*
 * Counter names that read as a unit to Prometheus' linter (a "_ns_" token
 * is nanoseconds to it): their metric name. `promtool check metrics` in
 * tests/app/test_metrics.sh catches a new one.
 */
static const struct {
	const char *group, *counter, *metric;
} renamed[] = {
	{ "neigh", "ns_answered", "neighbor_solicitations_answered" },
};

static const char *
counter_metric(const struct umb_ctr_group *g, uint16_t k)
{
	for (unsigned int i = 0; i < RTE_DIM(renamed); i++)
		if (strcmp(g->name, renamed[i].group) == 0 &&
				strcmp(g->names[k], renamed[i].counter) == 0)
			return renamed[i].metric;
	return g->names[k];
}

/* Every counter group; the outcomes as one metric with an outcome label. */
static void
render_counters(struct mbuf_text *b, const struct umb_snapshot *s)
{
	char name[160];

	for (unsigned int i = 0; i < umb_snapshot_nb_groups(); i++) {
		const uint64_t *v;
		const struct umb_ctr_group *g = umb_snapshot_group(s, i, &v);

		if (g == NULL)
			continue;
		if (g == &umb_outcome_ctr_group) {
			text_family(b, "umbra_exchanges_total", "counter",
					"Exchange records by final outcome (counted where a "
					"record's life ends; docs/metrics.md lists the outcomes)");
			for (uint16_t k = 0; k < g->n; k++) {
				text_printf(b, "umbra_exchanges_total{outcome=");
				text_label(b, g->names[k]);
				text_printf(b, "} %" PRIu64 "\n", v[k]);
			}
			continue;
		}
		for (uint16_t k = 0; k < g->n; k++) {
			/* Names are short identifiers; one too long is left out. */
			if (strlen(g->name) + strlen(counter_metric(g, k)) + 14 >=
					sizeof(name))
				continue;
			snprintf(name, sizeof(name), "umbra_");
			name_append(name, sizeof(name), g->name);
			name_append(name, sizeof(name), "_");
			name_append(name, sizeof(name), counter_metric(g, k));
			name_append(name, sizeof(name), "_total");
			text_family(b, name, "counter", g->descs[k]);
			text_printf(b, "%s %" PRIu64 "\n", name, v[k]);
		}
	}
}

/* "umbra_route_X{route="R"" without the closing brace. */
static void
route_sample(struct mbuf_text *b, const char *metric, const struct umb_route_stat *rs)
{
	text_printf(b, "%s{route=", metric);
	text_label(b, rs->name);
}

static void
render_histogram(struct mbuf_text *b, const struct umb_route_stat *rs, int series)
{
	const struct umb_hist *h = &rs->lat[series];
	uint64_t cum = 0;
	unsigned int i = 0;

	/*
	 * A log-linear bucket i holds the integers low(i) .. low(i+1) - 1 (us);
	 * it counts into le when all of them are <= le. The last bucket is
	 * open: +Inf only. Counts come from the buckets (one copy, consistent).
	 */
	for (unsigned int j = 0; j < RTE_DIM(lat_bounds); j++) {
		while (i + 1 < UMB_HIST_BUCKETS &&
				umb_hist_bucket_low(i + 1) - 1 <= lat_bounds[j].us)
			cum += h->b[i++];
		route_sample(b, "umbra_route_latency_seconds_bucket", rs);
		text_printf(b, ",side=\"%s\",phase=\"%s\",le=\"%s\"} %" PRIu64 "\n",
				lat_series[series].side, lat_series[series].phase,
				lat_bounds[j].le, cum);
	}
	for (; i < UMB_HIST_BUCKETS; i++)
		cum += h->b[i];
	route_sample(b, "umbra_route_latency_seconds_bucket", rs);
	text_printf(b, ",side=\"%s\",phase=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
			lat_series[series].side, lat_series[series].phase, cum);
	route_sample(b, "umbra_route_latency_seconds_sum", rs);
	text_printf(b, ",side=\"%s\",phase=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n",
			lat_series[series].side, lat_series[series].phase,
			h->sum / 1000000, h->sum % 1000000);
	route_sample(b, "umbra_route_latency_seconds_count", rs);
	text_printf(b, ",side=\"%s\",phase=\"%s\"} %" PRIu64 "\n",
			lat_series[series].side, lat_series[series].phase, cum);
}

/* The comparator's routes (those with an exchange), by name. */
static void
render_routes(struct mbuf_text *b, const struct umb_route_table *t)
{
	static const struct {
		const char *name;
		const char *help;
		size_t off;
	} plain[] = {
		{ "umbra_route_compared_total",
			"Mirrored exchanges of the route compared (both answers complete)",
			offsetof(struct umb_route_stat, compared) },
		{ "umbra_route_mismatched_total",
			"Compared exchanges of the route with a difference",
			offsetof(struct umb_route_stat, mismatched) },
		{ "umbra_route_slow_total",
			"Compared exchanges of the route where the shadow was flagged slower",
			offsetof(struct umb_route_stat, slow) },
	};
	uint32_t n = 0;
	struct umb_route_stat **v = umb_snapshot_routes(t, UMB_ROUTES_BY_NAME, &n);

	if (v == NULL) {
		b->failed = 1;
		return;
	}

	text_family(b, "umbra_route_exchanges_total", "counter",
			"Exchange records of the route by final outcome (the route is "
			"\"METHOD /template\", or \"other\" past max_routes)");
	for (uint32_t r = 0; r < n; r++)
		for (unsigned int k = 0; k < UMB_OUTCOME_MAX && k < UMB_CMP_OUTCOMES; k++) {
			if (v[r]->outcome[k] == 0)
				continue;
			route_sample(b, "umbra_route_exchanges_total", v[r]);
			text_printf(b, ",outcome=");
			text_label(b, umb_outcome_name(k));
			text_printf(b, "} %" PRIu64 "\n", v[r]->outcome[k]);
		}
	for (unsigned int m = 0; m < RTE_DIM(plain); m++) {
		text_family(b, plain[m].name, "counter", plain[m].help);
		for (uint32_t r = 0; r < n; r++) {
			route_sample(b, plain[m].name, v[r]);
			text_printf(b, "} %" PRIu64 "\n",
					*(const uint64_t *)(const void *)
					((const char *)v[r] + plain[m].off));
		}
	}
	text_family(b, "umbra_route_differences_total", "counter",
			"Differences of the route by field (JSON path with indices folded "
			"to [*], header name, or \"\") and kind; the first fields seen are kept");
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t k = 0; k < v[r]->nb_fields && k < UMB_CMP_FIELD_TOP; k++) {
			const struct umb_cmp_field_stat *f = &v[r]->fields[k];

			route_sample(b, "umbra_route_differences_total", v[r]);
			text_printf(b, ",path=");
			text_label(b, f->path);
			text_printf(b, ",kind=");
			text_label(b, umb_cmp_kind_name(f->kind));
			text_printf(b, "} %" PRIu64 "\n", f->count);
		}
	text_family(b, "umbra_route_status_differences_total", "counter",
			"Compared exchanges of the route whose status codes differ, by pair");
	for (uint32_t r = 0; r < n; r++)
		for (uint32_t k = 0; k < v[r]->nb_status && k < UMB_CMP_STATUS_TOP; k++) {
			const struct umb_cmp_status_stat *st = &v[r]->status[k];

			route_sample(b, "umbra_route_status_differences_total", v[r]);
			text_printf(b, ",production=\"%d\",shadow=\"%d\"} %" PRIu64 "\n",
					st->prod, st->shadow, st->count);
		}
	text_family(b, "umbra_route_latency_seconds", "histogram",
			"Time to the first and last byte of the answer, by route, side and phase");
	for (uint32_t r = 0; r < n; r++)
		for (int k = 0; k < UMB_LAT_MAX; k++)
			if (v[r]->lat[k].count != 0)
				render_histogram(b, v[r], k);
	text_family(b, "umbra_route_overflow_total", "counter",
			"Exchanges counted on route \"other\": the route table was full (max_routes)");
	text_printf(b, "umbra_route_overflow_total %" PRIu64 "\n",
			t != NULL ? t->routes_over : 0);
	free(v);
}

/* ---- HTTP --------------------------------------------------------------- */

static mhd_result_t
reply(struct MHD_Connection *c, unsigned int status, const char *type, char *body,
		size_t len, int must_free)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
			must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	mhd_result_t ret;

	if (r == NULL) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static mhd_result_t
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
		const char *version, const char *upload_data, size_t *upload_data_size,
		void **req_cls)
{
	static char not_found[] = "not found: GET /metrics\n";
	static char not_allowed[] = "method not allowed: GET /metrics\n";
	static char failed[] = "snapshot failed: out of memory\n";
	struct umb_app *app = cls;
	struct umb_snapshot snap;
	struct mbuf_text b = { NULL, 0, 0, 0 };

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
			strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
				sizeof(not_allowed) - 1, 0);
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
				sizeof(not_found) - 1, 0);
	if (umb_snapshot_take(app, &snap, 1) != 0) {
		umb_snapshot_release(&snap);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", failed,
				sizeof(failed) - 1, 0);
	}
	render_process(&b, app);
	render_counters(&b, &snap);
	render_routes(&b, snap.routes);
	umb_snapshot_release(&snap);
	if (b.failed) {
		free(b.p);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed,
				sizeof(failed) - 1, 0);
	}
	return reply(c, MHD_HTTP_OK, METRICS_CONTENT_TYPE, b.p, b.len, 1);
}

/* ---- start and stop ----------------------------------------------------- */

/* The listening socket, made here so that a failure says why. */
static int
listen_socket(const struct umb_listen_conf *l, const char *where)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(l->port);
		memcpy(&a->sin6_addr, l->addr, 16);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(l->port);
		memcpy(&a->sin_addr, l->addr, 4);
		sl = sizeof(*a);
	}
	fd = socket(l->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "metrics: %s: socket: %s\n", where, strerror(errno));
		return -1;
	}
	/* TIME_WAIT from a previous run is no reason to fail; a listener is. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
		int e = errno;

		fprintf(stderr, "metrics: cannot listen on %s: %s%s\n", where, strerror(e),
				e == EADDRINUSE ? " (another process has it: choose another port)" :
				"");
		close(fd);
		return -1;
	}
	return fd;
}

struct start_arg {
	struct umb_app *app;
	int fd;
	struct MHD_Daemon *d;
};

/*
 * Runs on a DPDK control thread: the polling thread libmicrohttpd creates
 * inherits its CPU set (the control CPUs, not a data lcore's).
 */
static void *
start_daemon(void *arg)
{
	struct start_arg *a = arg;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	if (a->app->opt.metrics.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	a->d = MHD_start_daemon(flags, a->app->opt.metrics.port, NULL, NULL,
			on_request, a->app,
			MHD_OPTION_LISTEN_SOCKET, (MHD_socket)a->fd,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONN_LIMIT,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
			MHD_OPTION_END);
	return NULL;
}

int
umb_metrics_start(struct umb_app *app)
{
	struct start_arg a = { app, -1, NULL };
	char where[INET6_ADDRSTRLEN + 16];
	pthread_t tid;
	int rc;

	if (!app->opt.metrics.enabled || metrics_daemon != NULL)
		return 0;
	umb_config_listen_str(&app->opt.metrics, where, sizeof(where));
	a.fd = listen_socket(&app->opt.metrics, where);
	if (a.fd < 0)
		return -EADDRNOTAVAIL;
	rc = rte_ctrl_thread_create(&tid, "umb-metrics", NULL, start_daemon, &a);
	if (rc != 0) {
		fprintf(stderr, "metrics: cannot start a control thread: %s\n", strerror(rc));
		close(a.fd);
		return -rc;
	}
	pthread_join(tid, NULL);
	if (a.d == NULL) {
		/* Whether libmicrohttpd closed the socket is not said: keep it. */
		fprintf(stderr, "metrics: %s: the HTTP server (libmicrohttpd) did not start\n",
				where);
		return -EIO;
	}
	metrics_daemon = a.d;
	/* stderr: stdout may carry the exchanges (--exchanges -). */
	fprintf(stderr, "metrics: serving http://%s/metrics\n", where);
	return 0;
}

void
umb_metrics_stop(struct umb_app *app)
{
	(void)app;
	if (metrics_daemon == NULL)
		return;
	/* Waits for a scrape in progress, closes every socket. */
	MHD_stop_daemon(metrics_daemon);
	metrics_daemon = NULL;
}
