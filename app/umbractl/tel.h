/* SPDX-License-Identifier: BSD-3-Clause
 * umbractl's client of an appliance's telemetry socket (tel.c): the
 * connection, one answer, the options that pick the appliance, and the
 * functions stats.c and launch.c share.
 */
#ifndef UMBRACTL_TEL_H
#define UMBRACTL_TEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include <cjson/cJSON.h>

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

/* One line on stderr, "umbractl CMD: ...", and @p code back. */
int ctl_fail(const struct ctl_opts *o, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* DPDK's runtime directory, as EAL makes it: RUNDIR/dpdk. */
void runtime_dir(char *out, size_t n);
/* Connect to @p path, read its greeting. 0, or an exit code with @p why. */
int tel_open(struct tel *t, const char *path, char *why, size_t n);
void tel_close(struct tel *t);
/* Send @p req, read its answer. 0, or an exit code with @p why. */
int tel_call(struct tel *t, const char *req, struct answer *a, char *why, size_t n);
void answer_free(struct answer *a);
/* Open the socket @p o names, or the one found. 0, or an exit code (said). */
int ctl_connect(const struct ctl_opts *o, struct tel *t);
/* A count of a dict: its value, or -1 when absent or not a count. */
int64_t ctl_u64(const cJSON *obj, const char *name);

#endif /* UMBRACTL_TEL_H */
