/* SPDX-License-Identifier: BSD-3-Clause
 * Content kept for the comparator: chains of fixed chunks from one pool per
 * appliance, the compare memcap (compare_memcap_mb). An append checks the
 * per-answer cap and takes its chunks before writing anything, so a failed
 * append leaves the chain as it was; the caller then lets go of the whole
 * body and compares by hash. Chunks are taken on a reassembly lcore and
 * returned by the comparator's: the pool's per-lcore caches make that cheap.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "umb_http.h"

int
umb_kept_append(struct rte_mempool *pool, struct umb_kept *k, const void *p,
		size_t n, uint64_t cap)
{
	const uint8_t *src = p;
	struct umb_chunk *fresh[40], *c;
	size_t room, need;

	if (n == 0)
		return 0;
	if (k->len + n > cap)
		return -ENOSPC;
	room = k->tail != NULL ? UMB_CHUNK_DATA - k->tail->len : 0;
	need = n > room ? (n - room + UMB_CHUNK_DATA - 1) / UMB_CHUNK_DATA : 0;
	/* llhttp hands spans of at most one segment (64 KiB): 33 chunks. */
	if (need > RTE_DIM(fresh))
		return -ENOSPC;
	if (need > 0 && rte_mempool_get_bulk(pool, (void **)fresh, need) != 0)
		return -ENOMEM;
	c = k->tail;
	for (size_t i = 0; i < need; i++) {
		fresh[i]->next = NULL;
		fresh[i]->len = 0;
		if (k->tail != NULL)
			k->tail->next = fresh[i];
		else
			k->head = fresh[i];
		k->tail = fresh[i];
	}
	if (c == NULL)
		c = k->head;
	while (n > 0 && c != NULL) {
		size_t put = RTE_MIN(n, (size_t)(UMB_CHUNK_DATA - c->len));

		memcpy(c->data + c->len, src, put);
		c->len += put;
		src += put;
		n -= put;
		k->len += put;
		c = c->next;
	}
	return 0;
}

size_t
umb_kept_copy(const struct umb_kept *k, void *dst, size_t cap)
{
	uint8_t *d = dst;
	size_t done = 0;

	for (const struct umb_chunk *c = k->head; c != NULL && done < cap;
			c = c->next) {
		size_t put = RTE_MIN((size_t)c->len, cap - done);

		memcpy(d + done, c->data, put);
		done += put;
	}
	return done;
}

void
umb_kept_free(struct umb_kept *k)
{
	struct umb_chunk *c = k->head;

	while (c != NULL) {
		struct umb_chunk *next = c->next;

		rte_mempool_put(rte_mempool_from_obj(c), c);
		c = next;
	}
	k->head = k->tail = NULL;
	k->len = 0;
}

void
umb_exchange_free_kept(struct umb_exchange *x)
{
	for (int s = 0; s < 2; s++) {
		umb_kept_free(&x->ans[s].hdrs);
		umb_kept_free(&x->ans[s].body);
	}
	umb_kept_free(&x->diffs);
}

struct rte_mempool *
umb_kept_pool_create(const char *name, uint32_t mb, int socket_id)
{
	unsigned int n = (unsigned int)(((uint64_t)mb << 20) /
			sizeof(struct umb_chunk));

	if (name == NULL || n == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* CPU only: objects may straddle pages (see umb_tcp_chunk_pool_create) */
	return rte_mempool_create(name, n, sizeof(struct umb_chunk),
			n >= 1024 ? 64 : 0, 0, NULL, NULL, NULL, NULL, socket_id,
			RTE_MEMPOOL_F_NO_IOVA_CONTIG);
}
