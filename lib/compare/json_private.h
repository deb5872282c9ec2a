/* SPDX-License-Identifier: BSD-3-Clause
 * Private to lib/compare/json.c and json_valid.c: the strict JSON
 * validator that runs before cJSON, the text helpers that write paths,
 * values and the byte fallback, and the small inline helpers both use
 * (value types, key comparisons).
 */
#ifndef UMB_COMPARE_JSON_PRIVATE_H
#define UMB_COMPARE_JSON_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "umb_compare.h"

enum { T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ };

static inline int
jtype(const cJSON *n)
{
	switch (n->type & 0xff) {
	case cJSON_False:
	case cJSON_True:
		return T_BOOL;
	case cJSON_Number:
		return T_NUM;
	case cJSON_String:
		return T_STR;
	case cJSON_Array:
		return T_ARR;
	case cJSON_Object:
		return T_OBJ;
	default:
		return T_NULL;
	}
}

/* cJSON names every member; the fallback is for safety only */
static inline const char *
kname(const cJSON *x)
{
	return x->string != NULL ? x->string : "";
}

static inline size_t
nchildren(const cJSON *n)
{
	size_t k = 0;
	const cJSON *c;

	for (c = n->child; c != NULL; c = c->next)
		k++;
	return k;
}

/* first 8 bytes of a key, NUL-padded: orders like strcmp */
static inline uint64_t
key_prefix(const char *k)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8 && k[i] != '\0'; i++)
		v = v << 8 | (unsigned char)k[i];
	return i == 0 ? 0 : v << (8 * (8 - i));
}

/* two keys are the same (most are short: no call) */
static inline int
key_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* strcmp of two keys whose key_prefix() are pa and pb */
static inline int
key_cmp(uint64_t pa, const char *a, uint64_t pb, const char *b)
{
	if (pa != pb)
		return pa < pb ? -1 : 1;
	if ((pa & 0xff) == 0)  /* the key ended inside the prefix */
		return 0;
	return strcmp(a + 8, b + 8);
}

/* strcmp, inline: most keys are short and differ early */
static inline int
key_order(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (int)(unsigned char)*a - (int)(unsigned char)*b;
}

/*
 * jarena.c: cJSON allocations of this thread from an arena until _end
 * (which frees every tree parsed since _begin, without cJSON_Delete).
 * _begin returns 0 when the arena is off (AddressSanitizer builds): then
 * trees must be deleted as usual.
 */
int umb_cmpj_arena_begin(void);
void umb_cmpj_arena_end(void);

/* umb_cmpj_validate() results */
enum { UMB_CMPJ_OK, UMB_CMPJ_INVALID, UMB_CMPJ_CAPPED };

/**
 * Strict RFC 8259 check of s[0..n) (see json_valid.c). Counts nodes into
 * @p nodes_out and the deepest container nesting into @p depth_out (both
 * meaningful for UMB_CMPJ_OK only). @return UMB_CMPJ_*: CAPPED when valid
 * but deeper than @p max_depth or with more than @p max_nodes nodes.
 */
int umb_cmpj_validate(const unsigned char *s, size_t n, uint32_t max_depth,
		uint64_t max_nodes, uint64_t *nodes_out, uint32_t *depth_out);

/** Length of the valid UTF-8 sequence at s (strict), 0 when not valid. */
size_t umb_cmpj_utf8_seq(const unsigned char *s, size_t n);

/**
 * A bounded writer made of units that are never split: when the text
 * does not fit in cap - 1 bytes it ends at the last unit boundary that
 * leaves room for "...", and is marked cut.
 */
struct umb_cmpj_wbuf {
	char *p;
	size_t cap, len, safe;
	int cut;
};

/** A JSON string literal; invalid UTF-8 bytes become \ufffd. */
void umb_cmpj_wb_jstring(struct umb_cmpj_wbuf *w, const char *s);

/** Shortest text (%g-like) that reads back as the same double. */
void umb_cmpj_num_text(double v, char *buf, size_t cap);

/** Decimal digits of v, NUL-terminated (buf: 21 bytes). @return length. */
size_t umb_cmpj_utoa(uint64_t v, char *buf);

/** The value of one side as written in a diff. @return UMB_CMP_V_*. */
int umb_cmpj_value_text(const cJSON *n, int redact, char *buf, size_t cap);

/**
 * A JSON path being written: len is its logical length, which may pass
 * the buffer (the text is then cut; umb_cmp_add ends it with "...").
 */
struct umb_cmpj_path {
	size_t len;
	char buf[UMB_CMP_PATH_MAX + 64];
};

/** Append .key or ['key']. */
void umb_cmpj_path_key(struct umb_cmpj_path *p, const char *k);
/** Append [i]. */
void umb_cmpj_path_index(struct umb_cmpj_path *p, size_t i);
/** Append [?(@.field==value)] for a keyed array element. */
void umb_cmpj_path_keyed(struct umb_cmpj_path *p, const char *field,
		const cJSON *kv);

/** NUL-terminate the path and return it. */
static inline const char *
umb_cmpj_path_str(struct umb_cmpj_path *p)
{
	size_t room = sizeof(p->buf) - 1;

	p->buf[p->len < room ? p->len : room] = '\0';
	return p->buf;
}

/**
 * Two bodies compared by bytes: one body diff with both sizes, the first
 * differing offset and its line in @p a. @return 0 equal, 1 not.
 */
int umb_cmpj_bytes_fallback(const char *a, size_t na, const char *b,
		size_t nb, struct umb_cmp_result *out);

/* cJSON_Delete ignores type bits above 0x200: ours marks a sorted object */
#define UMB_CMPJ_NORMALIZED 0x4000

/**
 * Sort object @p n's members by key (stable), drop all but the last of
 * each run of equal keys (counted in @p out: dup_keys, DUP_KEYS), relink
 * them in that order and mark @p n UMB_CMPJ_NORMALIZED. @p scratch /
 * @p scratch_cap: a reusable array (realloc'd; the caller frees it).
 * @return 0 or -ENOMEM (then @p n is unchanged).
 */
int umb_cmpj_normalize(cJSON *n, void **scratch, size_t *scratch_cap,
		struct umb_cmp_result *out);

#endif /* UMB_COMPARE_JSON_PRIVATE_H */
