/* SPDX-License-Identifier: BSD-3-Clause
 * cJSON's allocations during one JSON comparison come from a per-thread
 * arena: a bump pointer in a few chained blocks, reset when the comparison
 * ends, instead of a malloc and a free per node and per string. cJSON's
 * parse is most of a comparison's cost and malloc/free most of the parse's
 * (perf: docs/performance.md, "The comparator").
 *
 * The hooks (cJSON_InitHooks) are process-wide, installed once; they serve
 * the arena only on a thread inside umb_cmpj_arena_begin/_end, and malloc
 * and free everywhere else (the exporter, umbractl, the launch record),
 * exactly as before. A free of an arena address is a no-op; of any other
 * address, free(). Memory: blocks of 64 KiB or one allocation's size,
 * bounded by what one comparison parses (max_doc_bytes and max_nodes cap
 * that); after a comparison at most ARENA_KEEP bytes stay with the thread.
 *
 * Built with AddressSanitizer the arena stays off (every node its own
 * malloc, so an overflow inside cJSON is still caught); the unit suite of
 * the normal build exercises it.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "json_private.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ENABLED 0
#endif
#endif
#ifndef ARENA_ENABLED
#define ARENA_ENABLED 1
#endif

#define ARENA_BLOCK (64u * 1024)
#define ARENA_KEEP  (1024u * 1024)
#define ARENA_ALIGN 16u

struct blk {
	struct blk *next;
	size_t cap, used;
	_Alignas(16) unsigned char mem[];
};

struct arena {
	struct blk *head;   /* blocks kept, the current one first */
	struct blk *cur;
	int on;
};

static __thread struct arena A;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static int
in_arena(const void *p)
{
	const unsigned char *q = p;

	for (const struct blk *b = A.head; b != NULL; b = b->next)
		if (q >= b->mem && q < b->mem + b->cap)
			return 1;
	return 0;
}

static void *
arena_malloc(size_t n)
{
	struct blk *b;

	if (!A.on)
		return malloc(n);
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	for (b = A.cur; b != NULL; b = b->next) {
		if (b->cap - b->used >= n) {
			void *p = b->mem + b->used;

			b->used += n;
			A.cur = b;
			return p;
		}
		/* the blocks after cur are empty (reset); skip full ones */
	}
	b = malloc(sizeof(*b) + (n > ARENA_BLOCK ? n : ARENA_BLOCK));
	if (b == NULL)
		return NULL;
	b->cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
	b->used = n;
	/* new blocks go after the current one, so the chain stays in use order */
	if (A.cur != NULL) {
		b->next = A.cur->next;
		A.cur->next = b;
	} else {
		b->next = A.head;
		A.head = b;
	}
	A.cur = b;
	return b->mem;
}

static void
arena_free(void *p)
{
	if (p == NULL)
		return;
	if (A.head != NULL && in_arena(p))
		return;
	free(p);
}

static void
install_hooks(void)
{
	cJSON_Hooks h = { .malloc_fn = arena_malloc, .free_fn = arena_free };

	cJSON_InitHooks(&h);
}

int
umb_cmpj_arena_begin(void)
{
	if (!ARENA_ENABLED)
		return 0;
	pthread_once(&hooks_once, install_hooks);
	A.on = 1;
	A.cur = A.head;
	return 1;
}

void
umb_cmpj_arena_end(void)
{
	struct blk **pb, *b;
	size_t kept = 0;

	if (!ARENA_ENABLED)
		return;
	A.on = 0;
	/* Reset every block; keep the first ARENA_KEEP bytes of them. */
	for (pb = &A.head; (b = *pb) != NULL;) {
		if (kept + b->cap > ARENA_KEEP && kept > 0) {
			*pb = b->next;
			free(b);
			continue;
		}
		b->used = 0;
		kept += b->cap;
		pb = &b->next;
	}
	A.cur = A.head;
}
