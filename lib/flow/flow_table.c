/* SPDX-License-Identifier: BSD-3-Clause
 * The flow table: rte_hash maps a canonical key to a position, and the
 * position indexes a preallocated array of entries, so a lookup costs one
 * hash probe and no allocation ever happens after start. One lcore owns a
 * table; there are no locks.
 *
 * Bounds: capacity is fixed (the extendable bucket table guarantees every
 * one of max_flows keys fits); a scan visits at most max_visit flows, taken
 * from a dense list of the flows in use (so a sparse table costs no empty
 * probes); an eviction looks at a fixed number of random flows in use.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "umb_flow.h"

struct umb_flow_table {
	struct rte_hash *h;
	uint8_t *entries;      /**< max_flows entries of entry_size */
	uint32_t *dense;       /**< positions in use, count of them, any order */
	uint64_t next_id;      /**< id of the next flow */
	uint64_t id_step;
	uint32_t entry_size;
	uint32_t max_flows;
	uint32_t count;
	uint32_t cursor;       /**< next index of dense a scan visits */
};

/*
 * Key compare for rte_hash: the key is 48 bytes (the 5-tuple and the
 * tunnel session), a size rte_hash has a vector compare for only on some
 * targets; six 64-bit words everywhere.
 */
_Static_assert(sizeof(struct umb_flow_key) == 48, "key_cmp compares 48 bytes");

static int
key_cmp(const void *a, const void *b, size_t len __rte_unused)
{
	uint64_t x[6], y[6];

	/* memcpy: the keys need not be 8-byte aligned; compiles to loads */
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
			(x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5])) != 0;
}

static inline struct umb_flow *
entry_at(const struct umb_flow_table *t, uint32_t pos)
{
	return (struct umb_flow *)(t->entries + (size_t)pos * t->entry_size);
}

struct umb_flow_table *
umb_flow_table_create(const struct umb_flow_table_params *p)
{
	struct umb_flow_table *t;
	char name[RTE_HASH_NAMESIZE];

	if (p == NULL || p->name == NULL || p->max_flows < 8) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("umb_flow_table", sizeof(*t), RTE_CACHE_LINE_SIZE,
			p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->entry_size = RTE_ALIGN_CEIL(sizeof(struct umb_flow) + p->data_size, 64);
	t->next_id = p->id_first != 0 ? p->id_first : 1;
	t->id_step = p->id_step != 0 ? p->id_step : 1;
	t->max_flows = p->max_flows;
	t->entries = rte_zmalloc_socket("umb_flow_entries",
			(size_t)t->entry_size * p->max_flows, RTE_CACHE_LINE_SIZE,
			p->socket_id);
	t->dense = rte_malloc_socket("umb_flow_dense",
			(size_t)p->max_flows * sizeof(*t->dense), 0, p->socket_id);
	if (t->entries == NULL || t->dense == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < p->max_flows; i++)
		entry_at(t, i)->pos = -1;

	snprintf(name, sizeof(name), "%s", p->name);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = p->max_flows,
		.key_len = sizeof(struct umb_flow_key),
		.socket_id = p->socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto fail;
	rte_hash_set_cmp_func(t->h, key_cmp);
	return t;
fail:
	{
		int err = rte_errno;

		rte_free(t->entries);
		rte_free(t->dense);
		rte_free(t);
		rte_errno = err;
	}
	return NULL;
}

void
umb_flow_table_free(struct umb_flow_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	rte_free(t->entries);
	rte_free(t->dense);
	rte_free(t);
}

struct umb_flow *
umb_flow_lookup(struct umb_flow_table *t, const struct umb_flow_key *k,
		uint32_t hash)
{
	int32_t pos = rte_hash_lookup_with_hash(t->h, k, hash);

	if (pos < 0)
		return NULL;
	return entry_at(t, (uint32_t)pos);
}

struct umb_flow *
umb_flow_insert(struct umb_flow_table *t, const struct umb_flow_key *k,
		uint32_t hash, uint64_t now_us)
{
	struct umb_flow *f;
	int32_t pos;

	if (t->count >= t->max_flows) {
		rte_errno = ENOSPC;
		return NULL;
	}
	pos = rte_hash_add_key_with_hash(t->h, k, hash);
	if (pos < 0) {
		rte_errno = ENOSPC;
		return NULL;
	}
	f = entry_at(t, (uint32_t)pos);
	memset(f, 0, t->entry_size);
	f->key = *k;
	f->hash = hash;
	f->pos = pos;
	f->first_us = now_us;
	f->last_us = now_us;
	f->id = t->next_id;
	t->next_id += t->id_step;
	f->dense = t->count;
	t->dense[t->count++] = (uint32_t)pos;
	return f;
}

void
umb_flow_remove(struct umb_flow_table *t, struct umb_flow *f)
{
	if (f->pos < 0)
		return;
	rte_hash_del_key_with_hash(t->h, &f->key, f->hash);
	f->pos = -1;
	/* The last flow of the list takes the freed index. */
	uint32_t last = t->dense[--t->count];

	t->dense[f->dense] = last;
	entry_at(t, last)->dense = f->dense;
}

struct umb_flow *
umb_flow_table_evict_candidate(struct umb_flow_table *t,
		unsigned int nb_samples)
{
	struct umb_flow *best = NULL;

	if (t->count == 0)
		return NULL;
	while (nb_samples-- > 0) {
		struct umb_flow *f = entry_at(t, t->dense[rte_rand_max(t->count)]);

		if (best == NULL || f->last_us < best->last_us)
			best = f;
	}
	return best;
}

unsigned int
umb_flow_table_scan(struct umb_flow_table *t, unsigned int max_visit,
		int (*cb)(void *arg, struct umb_flow *f), void *arg)
{
	unsigned int removed = 0;

	/* Only flows in use are visited. A removal moves the last flow of
	 * the list to the cursor's index, which is then visited next. */
	for (unsigned int i = 0; i < max_visit && t->count > 0; i++) {
		struct umb_flow *f;

		if (t->cursor >= t->count)
			t->cursor = 0;
		f = entry_at(t, t->dense[t->cursor]);
		if (cb(arg, f)) {
			umb_flow_remove(t, f);
			removed++;
		} else {
			t->cursor++;
		}
	}
	return removed;
}

uint32_t
umb_flow_table_count(const struct umb_flow_table *t)
{
	return t->count;
}

uint32_t
umb_flow_table_capacity(const struct umb_flow_table *t)
{
	return t->max_flows;
}
