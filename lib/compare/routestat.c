/* SPDX-License-Identifier: BSD-3-Clause
 * Per-route statistics: the route table of one writer (a comparator lcore),
 * its differing fields and status pairs, and the merge of several tables
 * (lcores, appliances) into one.
 *
 * Bounds: at most max_routes routes besides "other" (routes[0], there from
 * creation); a route beyond that is counted in "other" and in routes_over.
 * The index is open addressing (linear probing, XXH64 of the name) over a
 * power of two at least twice max_routes, so it is never more than half
 * full and a probe always ends. Per route, at most UMB_CMP_FIELD_TOP
 * (folded path, kind) entries: later new fields are counted in
 * fields_dropped, never evicted (the first ones seen stay: simple and
 * deterministic). Status pairs beyond UMB_CMP_STATUS_TOP are dropped
 * without a count (status pairs are few in practice; the status kind of
 * field still counts every status mismatch).
 *
 * Concurrency: one writer per table. A reader thread may iterate
 * routes[0..nb) at any time: it loads nb with acquire ordering, and the
 * writer publishes nb with release ordering only after the new route is
 * fully initialised. Counters inside a route are plain 64-bit stores (a
 * reader sees each value whole, not the set of values atomically).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "umb_compare.h"

/* beyond this, max_routes is a configuration error (memory: ~85 KB each) */
#define ROUTES_LIMIT (1u << 20)

static size_t
name_len(const char *name)
{
	return strnlen(name, UMB_ROUTE_MAX - 1);
}

static struct umb_route_stat *
stat_new(const char *name, size_t n)
{
	struct umb_route_stat *rs;
	unsigned int i;

	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return NULL;
	memcpy(rs->name, name, n);
	rs->name[n] = '\0';
	for (i = 0; i < UMB_LAT_MAX; i++)
		umb_hist_init(&rs->lat[i]);
	return rs;
}

struct umb_route_table *
umb_route_table_create(uint32_t max_routes)
{
	struct umb_route_table *t;
	uint32_t size = 16;

	if (max_routes > ROUTES_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	while (size < 2 * max_routes)
		size <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->max_routes = max_routes;
	t->mask = size - 1;
	t->index = calloc(size, sizeof(*t->index));
	t->routes = calloc((size_t)max_routes + 1, sizeof(*t->routes));
	if (t->index == NULL || t->routes == NULL)
		goto fail;
	t->routes[0] = stat_new("other", 5);
	if (t->routes[0] == NULL)
		goto fail;
	t->nb = 1;
	return t;
fail:
	umb_route_table_free(t);
	errno = ENOMEM;
	return NULL;
}

void
umb_route_table_free(struct umb_route_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	if (t->routes != NULL)
		for (i = 0; i < t->nb; i++)
			free(t->routes[i]);
	free(t->routes);
	free(t->index);
	free(t);
}

/*
 * Find route @p name, or create it when there is room. *full is set when
 * it is new and the table has no room (the caller picks "other").
 */
static struct umb_route_stat *
table_lookup(struct umb_route_table *t, const char *name, int *full)
{
	struct umb_route_stat *rs;
	size_t n = name_len(name);
	uint32_t h, slot, nb;

	*full = 0;
	if (n == 5 && memcmp(name, "other", 5) == 0)
		return t->routes[0];
	h = (uint32_t)XXH64(name, n, 0);
	for (slot = h & t->mask;; slot = (slot + 1) & t->mask) {
		uint32_t v = t->index[slot];

		if (v == 0)
			break;
		rs = t->routes[v - 1];
		if (strncmp(rs->name, name, n) == 0 && rs->name[n] == '\0')
			return rs;
	}
	nb = t->nb;
	if (nb - 1 >= t->max_routes) {
		*full = 1;
		return NULL;
	}
	rs = stat_new(name, n);
	if (rs == NULL)
		return NULL;
	t->routes[nb] = rs;
	t->index[slot] = nb + 1;
	/* readers see routes[nb] whole once they see nb + 1 */
	__atomic_store_n(&t->nb, nb + 1, __ATOMIC_RELEASE);
	return rs;
}

struct umb_route_stat *
umb_route_table_get(struct umb_route_table *t, const char *name)
{
	struct umb_route_stat *rs;
	int full;

	rs = table_lookup(t, name, &full);
	if (full) {
		t->routes_over++;
		return t->routes[0];
	}
	return rs;
}

size_t
umb_cmp_path_fold(const char *path, char *out, size_t cap)
{
	size_t i = 0, n = 0, len;

	if (cap == 0)
		return 0;
	len = strlen(path);
	while (i < len && n + 1 < cap) {
		char c = path[i];

		if (c == '[' && i + 1 < len &&
				(path[i + 1] == '\'' || path[i + 1] == '"')) {
			/* ['key'] copied as is: brackets in the key stay */
			char q = path[i + 1];
			size_t j = i + 2;

			while (j < len && path[j] != q) {
				if (path[j] == '\\' && j + 1 < len)
					j++;
				j++;
			}
			if (j < len)
				j++;  /* the closing quote */
			while (i < j && n + 1 < cap)
				out[n++] = path[i++];
			continue;
		}
		if (c == '[') {
			size_t j = i + 1;

			while (j < len && path[j] >= '0' && path[j] <= '9')
				j++;
			if (j > i + 1 && j < len && path[j] == ']') {
				i = j + 1;
				goto star;
			}
			if (j == i + 1 && i + 2 < len && path[i + 1] == '?' &&
					path[i + 2] == '(') {
				/* [?( ... )]: skip quoted strings and nesting */
				int depth = 0;
				char q = 0;

				for (j = i + 1; j < len; j++) {
					char d = path[j];

					if (q) {
						if (d == '\\' && j + 1 < len)
							j++;
						else if (d == q)
							q = 0;
					} else if (d == '\'' || d == '"') {
						q = d;
					} else if (d == '(' || d == '[') {
						depth++;
					} else if (d == ')' || d == ']') {
						if (depth == 0)
							break;
						depth--;
					}
				}
				/* j is the selector's closing ']' */
				if (j < len && path[j] == ']') {
					i = j + 1;
					goto star;
				}
			}
		}
		out[n++] = c;
		i++;
		continue;
star:
		if (n + 3 < cap) {
			memcpy(out + n, "[*]", 3);
			n += 3;
		} else {
			break;
		}
	}
	out[n] = '\0';
	return n;
}

static struct umb_cmp_field_stat *
field_find(struct umb_route_stat *rs, const char *path, int kind)
{
	uint32_t i;

	for (i = 0; i < rs->nb_fields; i++)
		if (rs->fields[i].kind == kind &&
				strcmp(rs->fields[i].path, path) == 0)
			return &rs->fields[i];
	return NULL;
}

/* add @p count to (path, kind); @p path is already folded */
static void
field_add(struct umb_route_stat *rs, const char *path, int kind,
		uint64_t count)
{
	struct umb_cmp_field_stat *f = field_find(rs, path, kind);

	if (f == NULL) {
		if (rs->nb_fields >= UMB_CMP_FIELD_TOP) {
			rs->fields_dropped += count;
			return;
		}
		f = &rs->fields[rs->nb_fields];
		snprintf(f->path, sizeof(f->path), "%s", path);
		f->kind = (uint8_t)kind;
		f->count = 0;
		rs->nb_fields++;
	}
	f->count += count;
}

void
umb_route_stat_field(struct umb_route_stat *rs, const char *path, int kind)
{
	char folded[UMB_CMP_PATH_MAX];

	umb_cmp_path_fold(path != NULL ? path : "", folded, sizeof(folded));
	field_add(rs, folded, kind, 1);
}

static void
status_add(struct umb_route_stat *rs, int prod, int shadow, uint64_t count)
{
	uint32_t i;

	for (i = 0; i < rs->nb_status; i++)
		if (rs->status[i].prod == prod &&
				rs->status[i].shadow == shadow) {
			rs->status[i].count += count;
			return;
		}
	if (rs->nb_status >= UMB_CMP_STATUS_TOP)
		return;  /* dropped, see the top of the file */
	rs->status[rs->nb_status].prod = (int16_t)prod;
	rs->status[rs->nb_status].shadow = (int16_t)shadow;
	rs->status[rs->nb_status].count = count;
	rs->nb_status++;
}

void
umb_route_stat_status(struct umb_route_stat *rs, int prod, int shadow)
{
	status_add(rs, prod, shadow, 1);
}

static void
stat_merge(struct umb_route_stat *d, const struct umb_route_stat *s)
{
	uint32_t i;

	for (i = 0; i < UMB_CMP_OUTCOMES; i++)
		d->outcome[i] += s->outcome[i];
	d->exchanges += s->exchanges;
	d->compared += s->compared;
	d->mismatched += s->mismatched;
	d->slow += s->slow;
	d->fields_dropped += s->fields_dropped;
	for (i = 0; i < s->nb_fields && i < UMB_CMP_FIELD_TOP; i++)
		field_add(d, s->fields[i].path, s->fields[i].kind,
				s->fields[i].count);
	for (i = 0; i < s->nb_status && i < UMB_CMP_STATUS_TOP; i++)
		status_add(d, s->status[i].prod, s->status[i].shadow,
				s->status[i].count);
	for (i = 0; i < UMB_LAT_MAX; i++)
		umb_hist_merge(&d->lat[i], &s->lat[i]);
}

int
umb_route_table_merge(struct umb_route_table *dst,
		const struct umb_route_table *src)
{
	struct umb_route_stat *d;
	uint32_t i, nb;
	int full;

	nb = __atomic_load_n(&src->nb, __ATOMIC_ACQUIRE);
	for (i = 0; i < nb; i++) {
		const struct umb_route_stat *s = src->routes[i];

		if (i == 0) {
			d = dst->routes[0];
		} else {
			d = table_lookup(dst, s->name, &full);
			if (full) {
				/* its exchanges go to "other", as if live */
				d = dst->routes[0];
				dst->routes_over += s->exchanges;
			} else if (d == NULL) {
				return -ENOMEM;
			}
		}
		stat_merge(d, s);
	}
	dst->routes_over += src->routes_over;
	return 0;
}
