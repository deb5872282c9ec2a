/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target of the HTTP exchange builder. The first input byte
 * chooses the run: bit 0 midstream, bits 1-3 the piece size every chunk is
 * cut into, bit 4 gaps allowed, bit 5 eofs allowed, bit 6 mirrored (the
 * shadow side, umb_http_mirror_*). The rest is cut at each 0xff byte into
 * chunks fed in turn as client and server bytes (and shadow bytes when
 * mirrored; after each chunk the release limit is taken, a suppression
 * applied and the released bytes reported sent). A chunk
 * that starts with 0xfe is a gap of that direction (next two bytes: its
 * length), one that starts with 0xfd an eof. The connection then ends.
 *
 * Checked: each emitted record has an outcome below UMB_OUTCOME_MAX and
 * NUL-terminated strings within their bounds; outcome counters add up to
 * the records emitted; after conn_end the connection holds nothing and
 * every record is back in the pool, each once; the release limit never
 * passes the client bytes seen.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mempool.h>

#include "umb_http.h"

#define POOL_N 40 /* a little over the pipeline cap: the pool runs dry too */

static struct rte_mempool *pool;
static uint64_t ctr[UMB_HTTP_CTR_MAX];
static uint64_t oc[UMB_OUTCOME_MAX];
static uint64_t emitted;

static void
check_and_free(void *arg, struct umb_exchange *x)
{
	(void)arg;
	if (x->outcome >= UMB_OUTCOME_MAX ||
			x->method_len >= UMB_HTTP_METHOD_MAX ||
			x->uri_len >= UMB_HTTP_URI_MAX ||
			x->host_len >= UMB_HTTP_HOST_MAX ||
			x->method[x->method_len] != '\0' ||
			x->uri[x->uri_len] != '\0' ||
			x->host[x->host_len] != '\0')
		abort();
	emitted++;
	rte_mempool_put(pool, x);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/*
	 * --no-shconf rather than --in-memory: DPDK 22.11 turns --no-huge into
	 * legacy memory, which it refuses together with --in-memory.
	 */
	char *eal[] = { "fuzz_http", "--no-huge", "--no-pci", "--no-shconf",
		"-m", "512", "--no-telemetry", "-l", "0",
		"--log-level=lib.*:error", "--file-prefix=umbf_http", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		abort();
	pool = umb_http_xpool_create("fuzz_xp", POOL_N, SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	return 0;
}

static void
feed_chunk(struct umb_http_conn *c, int dir, const uint8_t *p, size_t n,
		unsigned int piece, int flags, uint64_t ts)
{
	if (n >= 1 && p[0] == 0xfe) {
		uint32_t len = 1;

		if (n >= 3)
			len = (uint32_t)p[1] << 8 | p[2];
		/* Now and then a huge gap, as after a lost window. */
		if (n >= 4 && p[3] == 'H')
			len <<= 12;
		if (flags & 0x10)
			umb_http_gap(c, dir, len, ts);
		return;
	}
	if (n >= 1 && p[0] == 0xfd) {
		if (flags & 0x20)
			umb_http_eof(c, dir, ts);
		return;
	}
	if (piece == 0)
		piece = n ? (unsigned int)n : 1;
	for (size_t off = 0; off < n; off += piece) {
		size_t k = n - off < piece ? n - off : piece;

		umb_http_data(c, dir, p + off, (uint32_t)k, ts);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int pieces[8] = { 0, 1, 2, 3, 5, 8, 13, 64 };
	struct umb_http_ctx ctx = {
		.xpool = pool, .emit = check_and_free, .ctr = ctr,
		.outcome_ctr = oc,
		.allowed_methods = 1ULL << HTTP_GET | 1ULL << HTTP_HEAD |
			1ULL << HTTP_OPTIONS,
	};
	struct umb_http_conn c;
	static struct umb_http_mirror mirror;
	union umb_addr a = { .b = { 192, 0, 2, 1 } };
	union umb_addr b = { .b = { 192, 0, 2, 2 } };
	uint64_t ts = 1000, sum = 0;
	int flags, dir = UMB_HTTP_CLIENT;
	size_t start;

	if (size < 1)
		return 0;
	flags = data[0];
	memset(&mirror, 0, sizeof(mirror));
	memset(oc, 0, sizeof(oc));
	emitted = 0;
	umb_http_conn_init(&c, &ctx, 1, 4, &a, 1234, &b, 80, flags & 1);
	if (flags & 0x40)
		umb_http_mirror_enable(&c, &mirror);

	start = 1;
	for (size_t i = 1; i <= size; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		feed_chunk(&c, dir, data + start, i - start,
			pieces[(flags >> 1) & 7], flags, ts);
		ts += 10;
		if (flags & 0x40) {
			uint64_t lim;

			if (umb_http_mirror_limit(&c, &lim))
				umb_http_mirror_suppress(&c);
			if (c.mirror != NULL && lim > c.mirror->fed)
				abort();
			umb_http_mirror_sent(&c, lim, ts);
			dir = (dir + 1) % 3;
		} else {
			dir ^= 1;
		}
		start = i + 1;
	}
	umb_http_conn_end(&c, ts);
	umb_http_conn_end(&c, ts + 1);
	umb_http_mirror_end(&c, UMB_OUTCOME_shadow_timeout, ts + 2);

	if (c.count != 0 || c.cur_req != NULL || c.cur_resp != NULL ||
			c.mirror != NULL || mirror.count != 0 || mirror.cur != NULL)
		abort();
	for (int o = 0; o < UMB_OUTCOME_MAX; o++)
		sum += oc[o];
	if (sum != emitted)
		abort();
	if (rte_mempool_avail_count(pool) != POOL_N)
		abort();
	/* ... and POOL_N distinct records: a record returned twice while
	 * another leaked keeps the count, and the two holders of the
	 * duplicate then corrupt a later, unrelated input. */
	{
		void *objs[POOL_N];

		if (rte_mempool_get_bulk(pool, objs, POOL_N) != 0)
			abort();
		for (int i = 0; i < POOL_N; i++)
			for (int j = i + 1; j < POOL_N; j++)
				if (objs[i] == objs[j])
					abort();
		rte_mempool_put_bulk(pool, objs, POOL_N);
	}
	return 0;
}
