/* SPDX-License-Identifier: BSD-3-Clause
 * The Redis exporter's connections (docs/redis.md): connecting with AUTH
 * and SELECT on a non-blocking socket, backoff, the pipeline that writes
 * commands and reads their replies under the exporter's own deadlines
 * (hiredis 0.14 has no timeouts), and error reporting.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <hiredis/hiredis.h>

#include <rte_common.h>

#include "redis_private.h"

/* ---- small helpers -------------------------------------------------------- */

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* An error of @p l: counted, kept as last_error, said once on stderr. */
static void __rte_format_printf(3, 0)
link_verror(struct exporter *x, struct link *l, const char *fmt, va_list ap)
{
	size_t n = strlen(l->name);

	memcpy(x->last_error, l->name, n + 1);
	vsnprintf(x->last_error + n, sizeof(x->last_error) - n, fmt, ap);
	x->ctr[l->i_errors]++;
	/* stderr: stdout may carry the exchanges. One line per new error. */
	if (strcmp(l->logged, x->last_error) != 0) {
		snprintf(l->logged, sizeof(l->logged), "%s", x->last_error);
		fprintf(stderr, "redis: %s: %s\n", x->where, x->last_error);
	}
}

void __rte_format_printf(3, 4)
link_error(struct exporter *x, struct link *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	link_verror(x, l, fmt, ap);
	va_end(ap);
}

/* An error of the batch connection (or of what it carried). */
void __rte_format_printf(2, 3)
set_error(struct exporter *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	link_verror(x, &x->bl, fmt, ap);
	va_end(ap);
}

/* An error of the subscriber. */
void __rte_format_printf(2, 3)
sub_error(struct exporter *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	link_verror(x, &x->sl, fmt, ap);
	va_end(ap);
}

/* Wait for @p ev on @p fd until @p deadline; 1 ready, 0 timeout, -1 error. */
int
wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ms();
		struct pollfd p = { .fd = fd, .events = ev };
		int n;

		if (now >= deadline)
			return 0;
		n = poll(&p, 1, (int)RTE_MIN(deadline - now, (uint64_t)INT32_MAX));
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

void
link_close(struct link *l)
{
	if (l->c != NULL)
		redisFree(l->c);
	l->c = NULL;
}

/* The batch connection, closed. */
void
disconnect(struct exporter *x)
{
	link_close(&x->bl);
	x->bl_answered = 0;
}

/*
 * Wait for @p ev on the batch connection's @p fd until @p deadline, serving
 * the subscriber meanwhile: a pause or a rollback whose message comes
 * while a batch is in flight is applied at once (sub_reply), not after the
 * batch's answer. 1 ready, 0 timeout, -1 error.
 */
static int
wait_batch(struct exporter *x, int fd, short ev, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ms();
		struct pollfd p[2] = { { .fd = fd, .events = ev } };
		int n;

		if (now >= deadline)
			return 0;
		sub_pollfd(x, &p[1]);
		n = poll(p, 2, (int)RTE_MIN(deadline - now, (uint64_t)INT32_MAX));
		if (n < 0) {
			if (errno != EINTR)
				return -1;
			continue;
		}
		if (n > 0 && p[1].revents != 0)
			sub_io(x, p[1].revents);
		if (p[0].revents != 0)
			return 1;
		if (n == 0)
			return 0;
	}
}

/*
 * Write what hiredis buffered and read @p n replies, each handed to
 * @p on_reply (which returns 1 to keep the reply: then it frees it).
 * Returns 0 when all came, -1 otherwise with *@p written telling whether
 * every byte left (the server may have the whole pipeline).
 */
int
pipeline(struct exporter *x, size_t n, uint64_t deadline, int *written,
		int (*on_reply)(struct exporter *, size_t, redisReply *, void *), void *arg)
{
	redisContext *c = x->bl.c;
	int done = 0;

	*written = 0;
	while (!done) {
		int w = wait_batch(x, c->fd, POLLOUT, deadline);

		if (w <= 0) {
			set_error(x, "write: %s", w == 0 ? "timed out" : strerror(errno));
			return -1;
		}
		if (redisBufferWrite(c, &done) != REDIS_OK) {
			set_error(x, "write: %s", c->errstr);
			return -1;
		}
	}
	*written = 1;
	for (size_t i = 0; i < n; i++) {
		void *r = NULL;

		for (;;) {
			int w;

			if (redisGetReplyFromReader(c, &r) != REDIS_OK) {
				set_error(x, "protocol: %s", c->errstr);
				return -1;
			}
			if (r != NULL)
				break;
			w = wait_batch(x, c->fd, POLLIN, deadline);
			if (w <= 0) {
				set_error(x, "read: %s", w == 0 ? "timed out" : strerror(errno));
				return -1;
			}
			if (redisBufferRead(c) != REDIS_OK) {
				set_error(x, "read: %s", c->errstr);
				return -1;
			}
		}
		if (!on_reply(x, i, r, arg))
			freeReplyObject(r);
	}
	return 0;
}

/* ---- connecting ------------------------------------------------------------ */

/*
 * The steps both connections take; the batch connection waits for each
 * (connect_redis), the subscriber's poll() drives them (sub_io).
 */

/* Start connecting @p l, without blocking: 0, or -1 said (l->c may be set). */
int
link_open(struct exporter *x, struct link *l)
{
	const char *host = x->conf.host;
	char addr[64], why[192];
	redisContext *c;

	/* hiredis would resolve a name here, blocking: redis_resolve.c. */
	if (!x->conf.is_unix && !host_is_numeric(host)) {
		if (!resolve_get(host, addr, sizeof(addr), why, sizeof(why))) {
			link_error(x, l, "connect: %s: %s", host, why);
			return -1;
		}
		host = addr;
	}
	c = x->conf.is_unix ? redisConnectUnixNonBlock(x->conf.path) :
		redisConnectNonBlock(host, x->conf.port);
	if (c == NULL) {
		link_error(x, l, "connect: out of memory");
		return -1;
	}
	l->c = c;
	if (c->err) {
		link_error(x, l, "connect: %s", c->errstr);
		return -1;
	}
	return 0;
}

/* @p l's socket turned writable: 0 connected, or -1 said. */
int
link_connected(struct exporter *x, struct link *l)
{
	socklen_t sl = sizeof(int);
	int soerr = 0;

	if (getsockopt(l->c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
		link_error(x, l, "connect: %s", strerror(soerr != 0 ? soerr : errno));
		return -1;
	}
	return 0;
}

/* AUTH and SELECT as configured, into @p l's output, named in @p h. */
int
append_hello(struct exporter *x, struct link *l, struct hello *h)
{
	int rc = REDIS_OK;

	*h = (struct hello){ .l = l };
	if (x->conf.password[0] != '\0') {
		if (x->conf.user[0] != '\0')
			rc |= redisAppendCommand(l->c, "AUTH %s %s", x->conf.user,
					x->conf.password);
		else
			rc |= redisAppendCommand(l->c, "AUTH %s", x->conf.password);
		h->what[h->n++] = "AUTH";
	}
	if (x->conf.db != 0) {
		rc |= redisAppendCommand(l->c, "SELECT %u", x->conf.db);
		h->what[h->n++] = "SELECT";
	}
	if (rc != REDIS_OK) {
		link_error(x, l, "connect: out of memory");
		return -1;
	}
	return 0;
}

/* Answer @p i of those of @p arg (a struct hello): an error fails it. */
int
on_hello(struct exporter *x, size_t i, redisReply *r, void *arg)
{
	struct hello *h = arg;

	if (!h->failed && r->type == REDIS_REPLY_ERROR) {
		/* A server's error text never holds the password sent. */
		link_error(x, h->l, "%s: %.120s", h->what[i], r->str);
		h->failed = 1;
	}
	return 0;
}

/* @p l is up: counted; said when it comes back (@p what). */
void
link_up(struct exporter *x, struct link *l, const char *what)
{
	x->ctr[l->i_connects]++;
	if (l->connected_once)
		x->ctr[l->i_reconnects]++;
	if (l->connected_once || l->logged[0] != '\0')
		fprintf(stderr, "redis: %s: %s\n", x->where, what);
	l->connected_once = 1;
	l->logged[0] = '\0';
}

/* @p l failed: closed; the next attempt after its backoff, which doubles. */
void
link_backoff(struct link *l)
{
	link_close(l);
	l->next_connect_ms = now_ms() + l->backoff_ms;
	l->backoff_ms = RTE_MIN(l->backoff_ms * 2, (uint64_t)REDIS_BACKOFF_MAX_MS);
}

/* The batch connection: connect, AUTH, SELECT, PING before @p deadline. */
int
connect_redis(struct exporter *x, uint64_t deadline)
{
	struct link *l = &x->bl;
	char up[UMB_CONFIG_LAUNCH_LEN + 32];
	struct hello h;
	int written, w;

	if (link_open(x, l) != 0)
		goto fail;
	w = wait_fd(l->c->fd, POLLOUT, deadline);
	if (w <= 0) {
		set_error(x, "connect: %s", w == 0 ? "timed out" : strerror(errno));
		goto fail;
	}
	if (link_connected(x, l) != 0 || append_hello(x, l, &h) != 0)
		goto fail;
	if (redisAppendCommand(l->c, "PING") != REDIS_OK) {
		set_error(x, "connect: out of memory");
		goto fail;
	}
	h.what[h.n++] = "PING";
	if (pipeline(x, h.n, deadline, &written, on_hello, &h) != 0 || h.failed)
		goto fail;
	snprintf(up, sizeof(up), "connected (launch %s)", x->app->opt.launch);
	link_up(x, l, up);
	l->backoff_ms = REDIS_BACKOFF_MIN_MS;
	return 0;
fail:
	x->ctr[UMB_REDIS_connect_failures]++;
	link_backoff(l);
	x->bl_answered = 0;
	return -1;
}
