/* SPDX-License-Identifier: BSD-3-Clause
 * umbractl's client of a running appliance's control socket (DPDK
 * telemetry v2, the protocol dpdk-telemetry.py speaks; the /umbra/
 * commands are app/umbra/control.c's): a SOCK_SEQPACKET unix socket, a
 * JSON greeting with max_output_len on connect, then one command string
 * per request and one {"<command>": DATA} message per answer, DATA null on
 * error. This file finds the socket (--socket PATH, --file-prefix PREFIX,
 * or the one appliance that answers under the DPDK runtime directory) and
 * owns every deadline (each wait is a poll() of at most 2 s, nothing
 * blocks). The commands that use it: stats.c (stats, routes, route, share)
 * and launch.c (launch without --redis).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "umbractl.h"
#include "tel.h"

/* ---- messages ----------------------------------------------------------------- */

int
ctl_fail(const struct ctl_opts *o, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int
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

void
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
int
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

void
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
int
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
void
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
int
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

/* ---- reading answers -------------------------------------------------------- */

/* A counter of a dict: its value, or -1 when absent or not a count. */
int64_t
ctl_u64(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		return -1;
	return (int64_t)v->valuedouble;
}

