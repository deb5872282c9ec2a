/* SPDX-License-Identifier: BSD-3-Clause
 * The Redis exporter's private state (app/umbra/redis*.c): redis.c the
 * thread, one export and the launch record; redis_link.c connecting, the
 * non-blocking pipeline and deadlines; redis_sub.c the subscriber to the
 * launch's events.
 */
#ifndef UMB_REDIS_PRIVATE_H
#define UMB_REDIS_PRIVATE_H

#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <hiredis/hiredis.h>

#include <rte_common.h>

#include "umbra.h"

#define REDIS_TICK_MS 1000u
#define REDIS_RECORD_MS 500u     /**< the launch record is read twice a tick */
#define REDIS_CONNECT_MS 2000u
#define REDIS_BATCH_MS 1500u
#define REDIS_STOP_MS 2000u
#define REDIS_BACKOFF_MIN_MS 100u
#define REDIS_BACKOFF_MAX_MS 5000u
#define REDIS_SUB_PING_MS 5000u  /**< the subscriber's liveness check */
#define REDIS_SUB_REPLY_MAX 65536u /**< bytes of one reply to the subscriber */
#define REDIS_SUB_ELEMENTS_MAX 8 /**< elements of one (flat) reply to it */
#define REDIS_REREAD_GAP_MS 10u  /**< record reads a message triggers: this apart */
#define REDIS_LAUNCH_KEY_MAX (UMB_CONFIG_LAUNCH_LEN + 24) /**< umbra:v1:launch:NAME */
#define REDIS_KEY_MAX (REDIS_LAUNCH_KEY_MAX + UMB_ROUTE_MAX + 48)
#define REDIS_FIELD_MAX (UMB_CMP_PATH_MAX + 64)
#define REDIS_NAME_MAX 80       /**< "group.counter" */

/* The exporter's own counters (the summary's "redis:" line). */
#define UMB_REDIS_COUNTERS(X) \
	X(connects, "connections made (AUTH, SELECT and PING answered)") \
	X(reconnects, "connections made after the first") \
	X(connect_failures, "connection attempts that failed (refused, timeout, AUTH, SELECT)") \
	X(batches, "batches acknowledged (EXEC answered)") \
	X(commands, "commands acknowledged inside those batches") \
	X(errors, "errors: I/O, timeouts, protocol, error replies") \
	X(lost_batches, "batches sent whose EXEC answer never came (not resent)") \
	X(lost_commands, "commands in those lost batches") \
	X(lost_increments, "counter increments lost or refused (kept in the :lost hash)") \
	X(samples_exported, "mismatch samples added to the stream") \
	X(samples_torn, "mismatch samples overwritten while being copied (skipped)") \
	X(samples_overrun, "mismatch samples overwritten before they were read (skipped)") \
	X(samples_lost, "mismatch samples in lost batches") \
	X(record_applied, "times the launch record changed the share applied") \
	X(record_errors, "launch records with a state or share not understood") \
	X(final_flushes, "final flushes acknowledged (the launch promoted)") \
	X(pending_increments, "counter increments never acknowledged at exit") \
	X(sub_connects, "subscriptions made to the launch's :events channel") \
	X(sub_reconnects, "subscriptions made after the first") \
	X(sub_errors, "subscriber errors: connect, I/O, timeouts, error or bad replies") \
	X(sub_messages, "messages received on the :events channel") \
	X(sub_reads, "launch record reads a message (or a new subscription) triggered") \
	X(sub_applied, "pauses and rollbacks applied from their message, before the record was read") \
	X(record_set_aside, "launch record answers set aside: asked for before a message was applied")

#define UMB_REDIS_ENUM_(n, d) UMB_REDIS_##n,
enum umb_redis_ctr { UMB_REDIS_COUNTERS(UMB_REDIS_ENUM_) UMB_REDIS_CTR_MAX };
#undef UMB_REDIS_ENUM_


/* What a command of a batch carries, to account for its answer. */
enum { M_OTHER = 0, M_CTR, M_LOST, M_RECORD };

struct meta {
	uint8_t kind;
	uint32_t idx;           /**< M_CTR, M_LOST: the counter's flat index */
	uint64_t val;           /**< its increment */
};

/* How a batch ended. */
enum { B_NOT_SENT = 0, B_LOST, B_ABORTED, B_DONE };

/* One connection to Redis and its reconnect state. */
struct link {
	redisContext *c;
	const char *name;       /**< its errors' prefix: "" or "subscriber: " */
	unsigned int i_errors, i_connects, i_reconnects; /**< its counters */
	uint64_t backoff_ms, next_connect_ms;
	int connected_once;
	char logged[192];       /**< its last error printed (no repeats) */
};

/* The commands sent on connecting, to check their answers. */
struct hello {
	struct link *l;
	const char *what[3];
	size_t n;
	int failed;
};

/* The subscriber's states. */
enum { SUB_DOWN = 0, SUB_CONNECTING, SUB_HELLO, SUB_UP };

struct exporter {
	struct umb_app *app;
	struct umb_redis_conf conf;
	char where[UMB_CONFIG_REDIS_HOST_LEN + 64]; /**< the URL, password masked */
	char appliance[160];    /**< hostname:file-prefix */
	char k_launch[REDIS_LAUNCH_KEY_MAX];
	char k_events[REDIS_LAUNCH_KEY_MAX + 8];    /**< its :events channel */
	struct link bl;         /**< the batch connection: batches, record reads */
	int bl_answered;        /**< bl answered a batch or a record read */
	uint64_t ctr[UMB_REDIS_CTR_MAX];
	char last_error[192];
	/* counters by flat index: every snapshot group in order */
	unsigned int nb_fields;
	char (*names)[REDIS_NAME_MAX];
	uint64_t *base;         /**< values of the last acknowledged (or lost) export */
	uint64_t *cur;
	uint64_t *lost;         /**< lost increments not yet in the :lost hash */
	struct umb_route_table *base_routes;
	struct umb_route_stat **base_sorted;
	uint32_t nb_base_sorted;
	/* mismatch samples: next sequence number to read, per comparator */
	uint64_t sample_done[UMB_MAX_COMPARE];
	uint64_t sample_next[UMB_MAX_COMPARE];  /**< after this batch */
	uint64_t sample_prev_seen[UMB_MAX_COMPARE];
	uint64_t batch_samples;
	struct meta *meta;
	size_t nb_meta, cap_meta;
	int build_failed;
	char batch_error[192];  /**< first error reply of a batch */
	uint64_t last_read_ms;  /**< the last read of the record sent */
	int reread;             /**< a message came: read the record at once */
	uint64_t msg_seq;       /**< launch changes applied from messages */
	uint64_t rec_seq;       /**< msg_seq when the record's read in flight was sent */
	/* the subscriber */
	struct link sl;
	int sub_state;          /**< SUB_* */
	struct hello sub_hello; /**< AUTH, SELECT, SUBSCRIBE */
	size_t sub_got;         /**< their answers read */
	uint64_t sub_deadline;  /**< connect and hello; then a PING's answer (0: none due) */
	uint64_t sub_next_ping, sub_up_ms;
	char sub_refused[64];   /**< why the reader refused a reply */
	char state[16];         /**< the launch record's state, last read */
	int final_flush;        /**< promoted seen: the next batch also adds to :final */
	int rules_warned;       /**< the record's rules differ: said once */
	/* thread */
	pthread_t tid;
	int started;
	int stop;               /**< atomic */
	uint64_t stop_deadline_ms;
	int wake[2];
};


/* redis_link.c */
uint64_t now_ms(void);
void __rte_format_printf(3, 4) link_error(struct exporter *x, struct link *l, const char *fmt, ...);
void __rte_format_printf(2, 3) set_error(struct exporter *x, const char *fmt, ...);
void __rte_format_printf(2, 3) sub_error(struct exporter *x, const char *fmt, ...);
int wait_fd(int fd, short ev, uint64_t deadline);
void link_close(struct link *l);
void disconnect(struct exporter *x);
int pipeline(struct exporter *x, size_t n, uint64_t deadline, int *written, int (*on_reply)(struct exporter *, size_t, redisReply *, void *), void *arg);
int link_open(struct exporter *x, struct link *l);
int link_connected(struct exporter *x, struct link *l);
int append_hello(struct exporter *x, struct link *l, struct hello *h);
int on_hello(struct exporter *x, size_t i, redisReply *r, void *arg);
void link_up(struct exporter *x, struct link *l, const char *what);
void link_backoff(struct link *l);
int connect_redis(struct exporter *x, uint64_t deadline);

/* redis_resolve.c */
int host_is_numeric(const char *host);
int resolve_get(const char *host, char *out, size_t size, char *why, size_t why_size);

/* redis_sub.c */
void sub_start(struct exporter *x, uint64_t now);
void sub_io(struct exporter *x, short rev);
void sub_tick(struct exporter *x, uint64_t now);
uint64_t sub_due(const struct exporter *x);
void sub_pollfd(const struct exporter *x, struct pollfd *p);
void sub_close(struct exporter *x);

/* redis.c */
extern struct exporter umb_redis_exporter;
void read_record(struct exporter *x);

#endif /* UMB_REDIS_PRIVATE_H */
