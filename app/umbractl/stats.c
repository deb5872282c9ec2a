/* SPDX-License-Identifier: BSD-3-Clause
 * The umbractl commands that talk to a running appliance: `stats`,
 * `routes`, `route ID|NAME` and `share [PCT]`, through the appliance's
 * DPDK telemetry socket (the v2 protocol dpdk-telemetry.py speaks; the
 * /umbra/ commands are app/umbra/control.c's). This file owns the client
 * side of that protocol (a SOCK_SEQPACKET unix socket: a JSON greeting
 * with max_output_len on connect, then one command string per request and
 * one {"<command>": DATA} message per answer, DATA null on error), finding
 * the socket (--socket PATH, --file-prefix PREFIX, or the one appliance
 * that answers under the DPDK runtime directory), every deadline (each
 * wait is a poll() of at most 2 s, nothing blocks), and the text and
 * --json output of the four commands. Exit codes: 0 ok, 2 usage,
 * 3 appliance unreachable, 4 the appliance answered an error; every
 * failure is one line on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "umb_json.h"
#include "umbractl.h"

#define TEL_SOCKET_NAME "dpdk_telemetry.v2"
#define TEL_TIMEOUT_MS  2000     /* every wait: connect, greeting, answer */
#define TEL_MIN_BUF     16384    /* DPDK's default max_output_len */
#define TEL_MAX_BUF     (1u << 24)
#define TEL_MAX_REQUEST 1023     /* the server reads a request in 1024 bytes */
#define TEL_MAX_CMD     55       /* ... and its command part in 56 */
#define SUN_PATH_MAX    (sizeof(((struct sockaddr_un *)0)->sun_path))

/* One connection to a telemetry socket. */
struct tel {
	int fd;
	char *buf;      /* one answer, NUL-terminated */
	size_t cap;     /* bytes of buf, the NUL included */
	char path[SUN_PATH_MAX];
};

/* One answer: the whole message parsed, its data, and the data's text. */
struct answer {
	cJSON *root;
	const cJSON *data;      /* never cJSON NULL: that is an error */
	const char *raw;        /* DATA as the appliance wrote it (in tel.buf) */
	size_t raw_len;
};

/* The options every appliance command takes. */
struct ctl_opts {
	const char *cmd;        /* "stats", ... for messages */
	const char *socket;
	const char *prefix;
	int json;
};

/* ---- messages ----------------------------------------------------------------- */

static int
ctl_fail(const struct ctl_opts *o, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
ctl_fail(const struct ctl_opts *o, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "umbractl %s: ", o->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* ---- the telemetry client ----------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @p events until @p deadline: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static void
tel_close(struct tel *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->buf);
	t->buf = NULL;
	t->cap = 0;
}

/*
 * One message into t->buf (NUL-terminated), waiting until @p deadline.
 * 0, or UMBRACTL_UNREACHABLE with @p why filled.
 */
static int
tel_recv(struct tel *t, size_t *len, int64_t deadline, char *why, size_t n)
{
	for (;;) {
		ssize_t r;
		int w = wait_fd(t->fd, POLLIN, deadline);

		if (w == 0) {
			snprintf(why, n, "no answer from %s within %d s", t->path,
					TEL_TIMEOUT_MS / 1000);
			return UMBRACTL_UNREACHABLE;
		}
		if (w < 0)
			goto error;
		/* MSG_TRUNC: the message's real length, to see a cut answer. */
		r = recv(t->fd, t->buf, t->cap - 1, MSG_TRUNC);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			goto error;
		if (r == 0) {
			snprintf(why, n, "%s closed the connection (too many "
					"clients, or the appliance is stopping)", t->path);
			return UMBRACTL_UNREACHABLE;
		}
		if ((size_t)r >= t->cap) {
			snprintf(why, n, "an answer from %s is larger (%zd bytes) "
					"than announced (%zu)", t->path, r, t->cap - 1);
			return UMBRACTL_UNREACHABLE;
		}
		t->buf[r] = '\0';
		*len = (size_t)r;
		return 0;
	}
error:
	snprintf(why, n, "reading %s: %s", t->path, strerror(errno));
	return UMBRACTL_UNREACHABLE;
}

/*
 * Connect to the telemetry socket @p path and read its greeting.
 * 0, or UMBRACTL_UNREACHABLE (UMBRACTL_USAGE for a path too long) with
 * @p why filled; @p t is closed on failure.
 */
static int
tel_open(struct tel *t, const char *path, char *why, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + TEL_TIMEOUT_MS;
	const cJSON *mol;
	cJSON *g;
	size_t len;
	double v;
	int rc;

	t->fd = -1;
	t->buf = NULL;
	t->cap = 0;
	if (strlen(path) >= SUN_PATH_MAX) {
		snprintf(why, n, "socket path '%s' is longer than %zu bytes",
				path, SUN_PATH_MAX - 1);
		return UMBRACTL_USAGE;
	}
	snprintf(t->path, sizeof(t->path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	t->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		snprintf(why, n, "socket: %s", strerror(errno));
		return UMBRACTL_UNREACHABLE;
	}
	if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		if (e == EINPROGRESS) {
			socklen_t sl = sizeof(e);

			if (wait_fd(t->fd, POLLOUT, deadline) <= 0) {
				snprintf(why, n, "%s: no connection within %d s",
						path, TEL_TIMEOUT_MS / 1000);
				tel_close(t);
				return UMBRACTL_UNREACHABLE;
			}
			if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
				e = errno;
		}
		if (e != 0 && e != EINPROGRESS) {
			if (e == ENOENT)
				snprintf(why, n, "no appliance socket at %s", path);
			else if (e == ECONNREFUSED)
				snprintf(why, n, "%s refuses connections (a stale "
						"socket: the appliance is not running)", path);
			else if (e == EACCES || e == EPERM)
				snprintf(why, n, "%s: permission denied (the control "
						"socket is root-only)", path);
			else if (e == EAGAIN)
				snprintf(why, n, "%s: the appliance accepts no more "
						"connections now", path);
			else
				snprintf(why, n, "%s: %s", path, strerror(e));
			tel_close(t);
			return UMBRACTL_UNREACHABLE;
		}
	}
	t->cap = TEL_MIN_BUF + 1;
	t->buf = malloc(t->cap);
	if (t->buf == NULL) {
		snprintf(why, n, "out of memory");
		tel_close(t);
		return UMBRACTL_UNREACHABLE;
	}
	rc = tel_recv(t, &len, deadline, why, n);
	if (rc != 0) {
		tel_close(t);
		return rc;
	}
	g = cJSON_ParseWithLength(t->buf, len);
	mol = cJSON_GetObjectItemCaseSensitive(g, "max_output_len");
	if (!cJSON_IsNumber(mol) || !cJSON_IsNumber(
				cJSON_GetObjectItemCaseSensitive(g, "pid"))) {
		snprintf(why, n, "%s does not greet as a DPDK telemetry "
				"socket", path);
		cJSON_Delete(g);
		tel_close(t);
		return UMBRACTL_UNREACHABLE;
	}
	v = mol->valuedouble;
	cJSON_Delete(g);
	if (v > TEL_MIN_BUF) {
		size_t cap = v < TEL_MAX_BUF ? (size_t)v + 1 : TEL_MAX_BUF + 1;
		char *b = realloc(t->buf, cap);

		if (b == NULL) {
			snprintf(why, n, "out of memory");
			tel_close(t);
			return UMBRACTL_UNREACHABLE;
		}
		t->buf = b;
		t->cap = cap;
	}
	return 0;
}

static void
answer_free(struct answer *a)
{
	cJSON_Delete(a->root);
	a->root = NULL;
	a->data = NULL;
}

/*
 * Send @p req ("/umbra/route,3"), read its answer. 0; UMBRACTL_UNREACHABLE
 * (nothing, or no message in time); UMBRACTL_REFUSED: an answer that is not
 * {"<command>": DATA}, or DATA null (the command failed or does not exist).
 */
static int
tel_call(struct tel *t, const char *req, struct answer *a, char *why, size_t n)
{
	int64_t deadline = now_ms() + TEL_TIMEOUT_MS;
	size_t rlen = strlen(req), len, klen;
	const char *comma = strchr(req, ',');
	char key[TEL_MAX_CMD + 8];
	int rc;

	a->root = NULL;
	a->data = NULL;
	for (;;) {
		ssize_t s = send(t->fd, req, rlen, MSG_NOSIGNAL);

		if (s == (ssize_t)rlen)
			break;
		if (s < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(t->fd, POLLOUT, deadline) > 0)
				continue;
			snprintf(why, n, "%s takes no request within %d s", t->path,
					TEL_TIMEOUT_MS / 1000);
			return UMBRACTL_UNREACHABLE;
		}
		snprintf(why, n, "sending to %s: %s", t->path,
				s < 0 ? strerror(errno) : "short write");
		return UMBRACTL_UNREACHABLE;
	}
	rc = tel_recv(t, &len, deadline, why, n);
	if (rc != 0)
		return rc;
	a->root = cJSON_ParseWithLength(t->buf, len);
	if (!cJSON_IsObject(a->root) || a->root->child == NULL ||
			a->root->child->next != NULL) {
		snprintf(why, n, "%s answered '%s' with something that is not "
				"one telemetry message", t->path, req);
		answer_free(a);
		return UMBRACTL_REFUSED;
	}
	a->data = a->root->child;
	if (cJSON_IsNull(a->data)) {
		snprintf(why, n, "the appliance answered an error to '%s'", req);
		answer_free(a);
		return UMBRACTL_REFUSED;
	}
	/* The data's own text: the message is {"COMMAND":DATA}. */
	klen = (size_t)snprintf(key, sizeof(key), "{\"%.*s\":",
			(int)(comma != NULL ? (size_t)(comma - req) : rlen), req);
	if (klen < sizeof(key) && len > klen + 1 &&
			memcmp(t->buf, key, klen) == 0 && t->buf[len - 1] == '}') {
		a->raw = t->buf + klen;
		a->raw_len = len - klen - 1;
	} else {
		a->raw = NULL;
		a->raw_len = 0;
	}
	return 0;
}

/* ---- finding the appliance ---------------------------------------------------- */

/* DPDK's runtime directory, as EAL makes it (eal_create_runtime_dir). */
static void
runtime_dir(char *out, size_t n)
{
	const char *d = getenv("RUNTIME_DIRECTORY");

	if (d == NULL || *d == '\0') {
		if (getuid() == 0)
			d = "/var/run";
		else if ((d = getenv("XDG_RUNTIME_DIR")) == NULL || *d == '\0')
			d = "/tmp";
	}
	snprintf(out, n, "%s/dpdk", d);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * No --socket or --file-prefix: the one directory of the runtime directory
 * whose socket accepts a connection and answers /umbra/stats.
 */
static int
discover(const struct ctl_opts *o, struct tel *t)
{
	char dir[PATH_MAX - 64], path[PATH_MAX], why[512];
	char **found = NULL, list[512];
	size_t nfound = 0, used = 0;
	struct dirent *de;
	DIR *d;
	int rc;

	runtime_dir(dir, sizeof(dir));
	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return ctl_fail(o, UMBRACTL_UNREACHABLE, "no appliance: %s "
					"does not exist (give --socket or --file-prefix)",
					dir);
		return ctl_fail(o, UMBRACTL_UNREACHABLE, "%s: %s%s", dir,
				strerror(errno), errno == EACCES ?
				" (the control socket is root-only)" : "");
	}
	while ((de = readdir(d)) != NULL) {
		struct answer a;
		struct stat st;
		struct tel c;
		char **f;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/" TEL_SOCKET_NAME,
				dir, de->d_name) >= SUN_PATH_MAX)
			continue;
		if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (tel_open(&c, path, why, sizeof(why)) != 0)
			continue;
		rc = tel_call(&c, "/umbra/stats", &a, why, sizeof(why));
		answer_free(&a);
		tel_close(&c);
		if (rc != 0)
			continue;
		f = realloc(found, (nfound + 1) * sizeof(*found));
		if (f == NULL || (f[nfound] = strdup(de->d_name)) == NULL) {
			found = f != NULL ? f : found;
			break;
		}
		found = f;
		nfound++;
	}
	closedir(d);
	if (nfound == 1) {
		snprintf(path, sizeof(path), "%s/%s/" TEL_SOCKET_NAME, dir, found[0]);
		free(found[0]);
		free(found);
		rc = tel_open(t, path, why, sizeof(why));
		return rc == 0 ? 0 : ctl_fail(o, rc, "%s", why);
	}
	if (nfound == 0) {
		free(found);
		return ctl_fail(o, UMBRACTL_UNREACHABLE, "no umbra appliance "
				"answers under %s (is one running? give --socket or "
				"--file-prefix)", dir);
	}
	qsort(found, nfound, sizeof(*found), by_string);
	list[0] = '\0';
	for (size_t i = 0; i < nfound; i++) {
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used,
					"%s%s", i > 0 ? ", " : "", found[i]);
		free(found[i]);
	}
	free(found);
	return ctl_fail(o, UMBRACTL_USAGE, "%zu umbra appliances answer under "
			"%s (file prefixes: %s): choose one with --file-prefix",
			nfound, dir, list);
}

/* Open the socket the options name, or the one found. 0 or an exit code. */
static int
ctl_connect(const struct ctl_opts *o, struct tel *t)
{
	char path[PATH_MAX], dir[PATH_MAX - 64], why[512];
	int rc;

	t->fd = -1;
	t->buf = NULL;
	if (o->socket != NULL) {
		snprintf(path, sizeof(path), "%s", o->socket);
	} else if (o->prefix != NULL) {
		runtime_dir(dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/%s/" TEL_SOCKET_NAME, dir,
				o->prefix);
	} else {
		return discover(o, t);
	}
	rc = tel_open(t, path, why, sizeof(why));
	if (rc != 0)
		return ctl_fail(o, rc, "%s", why);
	return 0;
}

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

/* A counter of a dict: its value, or -1 when absent or not a count. */
static int64_t
u64_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		return -1;
	return (int64_t)v->valuedouble;
}

static int64_t
ctr(const cJSON *stats, const char *group, const char *name)
{
	return u64_of(cJSON_GetObjectItemCaseSensitive(stats, group), name);
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
	print_count("records in flight", u64_of(st, "records_in_flight"));
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
		w->id = u64_of(r, "id");
		w->exchanges = u64_of(r, "exchanges");
		w->compared = u64_of(r, "compared");
		w->mismatched = u64_of(r, "mismatched");
		w->slow = u64_of(r, "slow");
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
	print_count("exchanges", u64_of(d, "exchanges"));
	print_count("compared", u64_of(d, "compared"));
	print_count("mismatched", u64_of(d, "mismatched"));
	print_count("slow", u64_of(d, "slow"));
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
				u64_of(h, "count"), u64_of(h, "p50_us"),
				u64_of(h, "p90_us"), u64_of(h, "p95_us"),
				u64_of(h, "p99_us"), u64_of(h, "max_us"));
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
	v = u64_of(a.data, "share_ppm");
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
