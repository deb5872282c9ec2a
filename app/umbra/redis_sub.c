/* SPDX-License-Identifier: BSD-3-Clause
 * The Redis exporter's subscriber (docs/redis.md): a second non-blocking
 * connection subscribed to the launch's events channel; a message makes
 * the exporter read the launch record at once. Replies are bounded before
 * hiredis allocates them; any fault is one counted error and a reconnect.
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

/* ---- the subscriber ------------------------------------------------------- */

/*
 * SUBSCRIBE umbra:v1:launch:NAME:events on a connection of its own, driven
 * by the thread's poll() (wait_events), never waited for. It connects only
 * while the batch connection is up and answering (a message is acted on
 * through it), and each message, or a new subscription (messages may have
 * been missed while it was down), makes the thread read the record at once.
 *
 * Its replies are small and flat: ["message", channel, line], ["subscribe",
 * channel, 1], ["pong", ""]. hiredis' reader gets object functions that
 * refuse anything else (nested arrays, more than REDIS_SUB_ELEMENTS_MAX
 * elements, a string over REDIS_SUB_REPLY_MAX bytes) before memory is taken
 * for it, and a reply still incomplete with more than REDIS_SUB_REPLY_MAX
 * bytes buffered is refused too. Each refusal is an error and a reconnect.
 */
static redisReplyObjectFunctions sub_fn;
static redisReplyObjectFunctions *hiredis_fn;   /**< hiredis' own */

static void *
sub_create_string(const redisReadTask *t, char *str, size_t len)
{
	if (len > REDIS_SUB_REPLY_MAX) {
		snprintf(umb_redis_exporter.sub_refused, sizeof(umb_redis_exporter.sub_refused),
				"a string of %zu bytes", len);
		return NULL;
	}
	return hiredis_fn->createString(t, str, len);
}

static void *
sub_create_array(const redisReadTask *t, int elements)
{
	if (t->parent != NULL || elements < 0 || elements > REDIS_SUB_ELEMENTS_MAX) {
		snprintf(umb_redis_exporter.sub_refused, sizeof(umb_redis_exporter.sub_refused),
				"%s of %d elements", t->parent != NULL ? "a nested array" :
				"an array", elements);
		return NULL;
	}
	return hiredis_fn->createArray(t, elements);
}

/* The subscriber failed: closed, its next attempt after the backoff. */
static void
sub_fail(struct exporter *x)
{
	/* Up for a while: back soon; failing again soon backs off further. */
	if (x->sub_state == SUB_UP && now_ms() - x->sub_up_ms >= REDIS_BACKOFF_MAX_MS)
		x->sl.backoff_ms = REDIS_BACKOFF_MIN_MS;
	link_backoff(&x->sl);
	x->sub_state = SUB_DOWN;
	x->sub_deadline = 0;
}

/* Start connecting (no wait): poll() says when the socket is writable. */
void
sub_start(struct exporter *x, uint64_t now)
{
	struct link *l = &x->sl;

	if (link_open(x, l) != 0) {
		sub_fail(x);
		return;
	}
	if (hiredis_fn == NULL) {
		hiredis_fn = l->c->reader->fn;
		sub_fn = *hiredis_fn;
		sub_fn.createString = sub_create_string;
		sub_fn.createArray = sub_create_array;
	}
	l->c->reader->fn = &sub_fn;
	x->sub_state = SUB_CONNECTING;
	x->sub_deadline = now + REDIS_CONNECT_MS;
}

/* Is @p r the array [@p kind, our channel, ...] of @p n elements ([kind, x] for 2)? */
static int
is_push(const struct exporter *x, const redisReply *r, const char *kind, size_t n)
{
	const redisReply *e0, *e1;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != n)
		return 0;
	e0 = r->element[0];
	e1 = r->element[1];
	return e0->type == REDIS_REPLY_STRING && e0->len == strlen(kind) &&
		memcmp(e0->str, kind, e0->len) == 0 && (n < 3 ||
		(e1->type == REDIS_REPLY_STRING && e1->len == strlen(x->k_events) &&
		memcmp(e1->str, x->k_events, e1->len) == 0));
}

/*
 * A message on :events (umbractl's event line: ts who verb arg from to).
 * A pause or a rollback is applied from it at once: the share applied
 * drops to 0 and a rollback shuts the shadow connections, even while a
 * batch waits for its answer (wait_batch serves this socket). Every other
 * change waits for the record, which the message makes the thread read
 * (x->reread), as does a message not understood. A record answer asked for
 * before (x->rec_seq behind x->msg_seq) is set aside by apply_record.
 */
static void
sub_message(struct exporter *x, const redisReply *m)
{
	struct umb_launch_event e;
	enum umb_launch_state was;
	char line[256];
	int applied = 0;

	if (m->type != REDIS_REPLY_STRING || m->len >= sizeof(line))
		return;
	memcpy(line, m->str, m->len);
	line[m->len] = '\0';
	if (umb_launch_event_parse(line, &e) != 0 ||
			(e.to != UMB_LAUNCH_PAUSED && e.to != UMB_LAUNCH_ROLLED_BACK))
		return;
	was = umb_launch_follow_state(x->app, e.to, &applied);
	if (was == e.to)
		return;
	x->msg_seq++;
	x->ctr[UMB_REDIS_sub_applied]++;
	snprintf(x->state, sizeof(x->state), "%s", umb_launch_state_name(e.to));
	fprintf(stderr, "redis: launch %s: %s by %s (from its message, before "
			"the record): share 0 applied%s\n", x->app->opt.launch,
			e.to == UMB_LAUNCH_ROLLED_BACK ? "rolled back" : "paused",
			e.who[0] != '\0' ? e.who : "?", e.to == UMB_LAUNCH_ROLLED_BACK ?
			", every shadow connection is shut now" : "");
}

/* One reply to the subscriber: 0, or -1 said (then it reconnects). */
static int
sub_reply(struct exporter *x, redisReply *r)
{
	if (x->sub_state == SUB_HELLO) {
		size_t i = x->sub_got++;
		char up[REDIS_LAUNCH_KEY_MAX + 32];

		on_hello(x, i, r, &x->sub_hello);
		if (x->sub_hello.failed)
			return -1;
		if (i + 1 < x->sub_hello.n)
			return 0;
		if (!is_push(x, r, "subscribe", 3)) {
			sub_error(x, "SUBSCRIBE: unexpected answer (type %d)", r->type);
			return -1;
		}
		x->sub_state = SUB_UP;
		x->sub_up_ms = now_ms();
		x->sub_deadline = 0;
		x->sub_next_ping = x->sub_up_ms + REDIS_SUB_PING_MS;
		snprintf(up, sizeof(up), "subscribed to %s", x->k_events);
		link_up(x, &x->sl, up);
		x->reread = 1;  /* what changed while it was not subscribed */
		return 0;
	}
	if (is_push(x, r, "message", 3)) {
		x->ctr[UMB_REDIS_sub_messages]++;
		x->reread = 1;
		sub_message(x, r->element[2]);
		return 0;
	}
	if (is_push(x, r, "pong", 2)) {
		x->sub_deadline = 0;
		return 0;
	}
	sub_error(x, "unexpected reply (type %d, %zu elements)", r->type,
			r->type == REDIS_REPLY_ARRAY ? r->elements : (size_t)0);
	return -1;
}

/* The subscriber's socket is ready (@p rev): connect, write, read. */
void
sub_io(struct exporter *x, short rev)
{
	struct link *l = &x->sl;
	redisContext *c = l->c;
	int done;

	if (x->sub_state == SUB_CONNECTING) {
		if (link_connected(x, l) != 0 || append_hello(x, l, &x->sub_hello) != 0)
			goto fail;
		if (redisAppendCommand(c, "SUBSCRIBE %s", x->k_events) != REDIS_OK) {
			sub_error(x, "connect: out of memory");
			goto fail;
		}
		x->sub_hello.what[x->sub_hello.n++] = "SUBSCRIBE";
		x->sub_got = 0;
		x->sub_state = SUB_HELLO;
		rev = POLLOUT;
	}
	if ((rev & POLLOUT) && sdslen(c->obuf) > 0 && redisBufferWrite(c, &done) != REDIS_OK) {
		sub_error(x, "write: %s", c->errstr);
		goto fail;
	}
	if (!(rev & (POLLIN | POLLHUP | POLLERR)))
		return;
	if (redisBufferRead(c) != REDIS_OK) {
		sub_error(x, "read: %s", c->errstr);
		goto fail;
	}
	for (;;) {
		void *r = NULL;
		int rc;

		x->sub_refused[0] = '\0';
		if (redisGetReplyFromReader(c, &r) != REDIS_OK) {
			if (x->sub_refused[0] != '\0')
				sub_error(x, "reply refused: %s", x->sub_refused);
			else
				sub_error(x, "protocol: %s", c->errstr);
			goto fail;
		}
		if (r == NULL)
			break;
		rc = sub_reply(x, r);
		freeReplyObject(r);
		if (rc != 0)
			goto fail;
	}
	if (c->reader->len - c->reader->pos > REDIS_SUB_REPLY_MAX) {
		sub_error(x, "reply refused: more than %u bytes", REDIS_SUB_REPLY_MAX);
		goto fail;
	}
	return;
fail:
	sub_fail(x);
}

/* Its timers: connect when due, the connect's deadline, the PINGs. */
void
sub_tick(struct exporter *x, uint64_t now)
{
	switch (x->sub_state) {
	case SUB_DOWN:
		if (x->bl.c != NULL && x->bl_answered && now >= x->sl.next_connect_ms)
			sub_start(x, now);
		break;
	case SUB_CONNECTING:
	case SUB_HELLO:
		if (now >= x->sub_deadline) {
			sub_error(x, "connect: timed out");
			sub_fail(x);
		}
		break;
	case SUB_UP:
		if (x->sub_deadline != 0 && now >= x->sub_deadline) {
			sub_error(x, "PING: no answer within %u ms", REDIS_CONNECT_MS);
			sub_fail(x);
		} else if (x->sub_deadline == 0 && now >= x->sub_next_ping) {
			if (redisAppendCommand(x->sl.c, "PING") != REDIS_OK) {
				sub_error(x, "PING: out of memory");
				sub_fail(x);
				break;
			}
			x->sub_deadline = now + REDIS_CONNECT_MS;
			x->sub_next_ping = now + REDIS_SUB_PING_MS;
		}
		break;
	}
}

/* When sub_tick() has something to do (UINT64_MAX: nothing). */
uint64_t
sub_due(const struct exporter *x)
{
	switch (x->sub_state) {
	case SUB_DOWN:
		return x->bl.c != NULL && x->bl_answered ? x->sl.next_connect_ms : UINT64_MAX;
	case SUB_UP:
		return x->sub_deadline != 0 ? x->sub_deadline : x->sub_next_ping;
	default:
		return x->sub_deadline;
	}
}

/* The subscriber's entry of a poll() set (fd -1 while it is down). */
void
sub_pollfd(const struct exporter *x, struct pollfd *p)
{
	p->fd = -1;
	p->events = 0;
	p->revents = 0;
	if (x->sub_state == SUB_DOWN || x->sl.c == NULL)
		return;
	p->fd = x->sl.c->fd;
	p->events = x->sub_state == SUB_CONNECTING ? POLLOUT :
		POLLIN | (sdslen(x->sl.c->obuf) > 0 ? POLLOUT : 0);
}

void
sub_close(struct exporter *x)
{
	link_close(&x->sl);
	x->sub_state = SUB_DOWN;
}
