/* SPDX-License-Identifier: BSD-3-Clause
 * The Redis host name, resolved off the exporter thread. hiredis resolves
 * inside redisConnectNonBlock() with a blocking getaddrinfo(); a slow or
 * dead DNS server would then hold the exporter thread, and with it the
 * subscriber: no pause or rollback applied, no export, a stop that waits.
 * So the exporter hands hiredis numeric addresses only. A name is resolved
 * by one helper thread of this file (started on first need, detached,
 * lives with the process) and the exporter takes the last answer without
 * waiting: until the first one comes a connection attempt fails with
 * "resolving" and backs off like any other. A resolution older than
 * RESOLVE_REFRESH_MS is renewed in the background at the next connect,
 * the old address used meanwhile, so a moved Redis is found on reconnect.
 * IPv4 and IPv6 literals and unix sockets never come here.
 */
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <rte_common.h>

#include "umbra.h"

#include "redis_private.h"

#define RESOLVE_REFRESH_MS 60000u

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
	int want;               /**< a resolution is asked for */
	int busy;               /**< one is under way */
	char host[UMB_CONFIG_REDIS_HOST_LEN];
	char addr[INET6_ADDRSTRLEN];  /**< the last answer ("" before one) */
	uint64_t addr_ms;       /**< when it came */
	char err[128];          /**< the last failure ("" after a success) */
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void *
resolver_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&R.mu);
	for (;;) {
		struct addrinfo hints = { .ai_family = AF_UNSPEC,
			.ai_socktype = SOCK_STREAM };
		struct addrinfo *res = NULL;
		char host[sizeof(R.host)], addr[sizeof(R.addr)] = "", err[sizeof(R.err)] = "";
		int rc;

		while (!R.want)
			pthread_cond_wait(&R.cv, &R.mu);
		R.want = 0;
		R.busy = 1;
		memcpy(host, R.host, sizeof(host));
		pthread_mutex_unlock(&R.mu);

		rc = getaddrinfo(host, NULL, &hints, &res);
		if (rc != 0)
			snprintf(err, sizeof(err), "%s", gai_strerror(rc));
		else if (res == NULL || getnameinfo(res->ai_addr, res->ai_addrlen,
				addr, sizeof(addr), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(err, sizeof(err), "no usable address");
		if (res != NULL)
			freeaddrinfo(res);

		pthread_mutex_lock(&R.mu);
		R.busy = 0;
		if (addr[0] != '\0') {
			memcpy(R.addr, addr, sizeof(R.addr));
			R.addr_ms = now_ms();
			R.err[0] = '\0';
		} else {
			memcpy(R.err, err, sizeof(R.err));
		}
	}
	return NULL;
}

int
host_is_numeric(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* Ask for a resolution unless one is under way (lock held). */
static void
ask(void)
{
	if (!R.busy) {
		R.want = 1;
		pthread_cond_signal(&R.cv);
	}
}

int
resolve_get(const char *host, char *out, size_t size, char *why, size_t why_size)
{
	int have;

	pthread_mutex_lock(&R.mu);
	if (!R.started) {
		pthread_t t;

		snprintf(R.host, sizeof(R.host), "%s", host);
		if (pthread_create(&t, NULL, resolver_main, NULL) != 0) {
			pthread_mutex_unlock(&R.mu);
			snprintf(why, why_size, "cannot start the resolver thread");
			return 0;
		}
		pthread_detach(t);
		R.started = 1;
	}
	have = R.addr[0] != '\0';
	if (!have || now_ms() - R.addr_ms >= RESOLVE_REFRESH_MS)
		ask();
	if (have)
		snprintf(out, size, "%s", R.addr);
	else if (R.err[0] != '\0')
		snprintf(why, why_size, "cannot resolve it: %s (trying again)", R.err);
	else
		snprintf(why, why_size, "resolving the name (in the background)");
	pthread_mutex_unlock(&R.mu);
	return have;
}
