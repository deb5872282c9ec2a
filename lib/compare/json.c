/* SPDX-License-Identifier: BSD-3-Clause
 * The JSON deep diff: umb_cmp_json() and everything it needs. A document
 * goes through four bounded stages:
 *
 *  1. size: above max_doc_bytes it is compared by bytes (CAPPED);
 *  2. a strict RFC 8259 validator, iterative, that also measures nesting
 *     and counts nodes: invalid -> one invalid_json diff (at any depth);
 *     valid but deeper than max_depth (never more than cJSON's own 1000)
 *     or more than max_nodes nodes -> compared by bytes (CAPPED). cJSON
 *     therefore never sees a document that could exhaust its recursion;
 *  3. cJSON parse, then a normalisation pass that sorts every object's
 *     members by key (qsort, O(n log n)), drops duplicate keys (the last
 *     one wins, counted) and relinks the members in that order, so every
 *     later stage merges two sorted lists;
 *  4. the walk: pre-order, depth-first, with the path rules evaluated
 *     incrementally (a small NFA per rule, one 64-bit state mask per rule
 *     and depth). Unordered arrays pair elements by a canonical hash and
 *     keyed arrays by the value of a key field, both sorted, O(n log n).
 *
 * The whole walk (hashing included) is charged against a work budget of
 * 64 visits per node; a document that would cost more (deeply nested
 * unordered arrays) falls back to bytes (CAPPED) instead of running long.
 * Nothing here uses cJSON_Compare, recursion depth is bounded by the
 * validated nesting, and a single context allocation plus per-array
 * scratch arrays are the only memory taken besides cJSON's tree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "umb_compare.h"

/* cJSON refuses deeper documents; we cap below it so it never recurses far */
#define JSON_DEPTH_HARD   1000
#define JSON_WORK_PER_NODE 64
#define JSON_DIFF_WALK_X  100  /* stop descending past 100 x max diffs */
#define UNORD_TRIES       4    /* equality checks per element in a hash run */
#define UNORD_SCAN        16   /* candidates looked at per element */

enum { T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ };
enum { STEP_KEY, STEP_INDEX, STEP_ELEM };
enum { MODE_ORDERED, MODE_UNORDERED, MODE_KEYED };

/** What the path rules say about one node. */
struct nfx {
	uint8_t ignore;
	uint8_t mode;
	uint8_t redact;
	int8_t tol_rule;     /**< rule index, -1 none */
	int8_t keyed_rule;   /**< rule index, -1 none */
};

/** What flows down the walk. */
struct inh {
	double ta, tr;
	uint8_t redact;
	uint8_t silent;      /**< only answer "equal?", record nothing */
};

struct jctx {
	const struct umb_cmp_rules *r;
	struct umb_cmp_result *out;
	unsigned int nr;
	uint64_t *states;    /**< [(depth + 1) * nr] */
	uint8_t *live;       /**< [depth + 1]: any state active at that depth */
	uint32_t levels;
	uint64_t work, budget;
	uint64_t stop_total;
	int err;             /**< -ENOMEM */
	int aborted;         /**< work budget spent */
	size_t plen;         /**< logical path length (may exceed the buffer) */
	void **scratch;
	size_t scratch_cap;
	const char *keys[UMB_CMP_RULES_MAX][UMB_CMP_SEG_MAX];
	char path[UMB_CMP_PATH_MAX + 64];
};

/* ---- validator -------------------------------------------------------------- */

enum { V_OK, V_INVALID, V_CAPPED };

static size_t
skip_ws(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
			s[i] == '\r'))
		i++;
	return i;
}

static int
hexd(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

/* A string starting at s[i] == '"'. @return the offset past it, 0 invalid. */
static size_t
v_string(const unsigned char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '"')
			return i + 1;
		if (s[i] < 0x20)
			return 0;
		if (s[i] != '\\')
			continue;
		if (++i >= n)
			return 0;
		switch (s[i]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			break;
		case 'u':
			if (i + 4 >= n || !hexd(s[i + 1]) || !hexd(s[i + 2]) ||
					!hexd(s[i + 3]) || !hexd(s[i + 4]))
				return 0;
			i += 4;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static size_t
v_number(const unsigned char *s, size_t n, size_t i)
{
	if (s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i;
}

/*
 * Strict RFC 8259 grammar (no BOM, whitespace is space/tab/CR/LF, bytes
 * >= 0x80 in strings accepted as they are). Iterative, O(n): the
 * container stack is a bit per level (1024 levels on the stack, beyond
 * that a heap bitmap of n / 8 bytes, since every level takes a byte).
 * Passing max_depth or max_nodes does not stop the scan: an invalid
 * document is invalid_json whatever its depth, a valid one is V_CAPPED.
 */
static int
validate(const unsigned char *s, size_t n, uint32_t max_depth,
		uint64_t max_nodes, uint64_t *nodes_out)
{
	uint64_t fixed[(JSON_DEPTH_HARD + 64) / 64] = { 0 };
	uint64_t *stack = fixed, nodes = 0;
	size_t bits = sizeof(fixed) * 8, depth = 0;
	size_t i = skip_ws(s, n, 0), e;
	int over = 0, ret = V_INVALID, obj;

#define TOP_IS_OBJ() (stack[(depth - 1) / 64] >> ((depth - 1) % 64) & 1)
value:
	if (i >= n)
		goto out;
	if (++nodes > max_nodes)
		over = 1;
	switch (s[i]) {
	case '{':
	case '[':
		if (depth >= max_depth)
			over = 1;
		if (depth >= bits) {
			size_t nb = (n / 64 + 2) * 64;
			uint64_t *big = calloc(nb / 64, sizeof(uint64_t));

			if (big == NULL || stack != fixed) {
				free(big);
				ret = V_CAPPED;  /* no memory: cannot tell */
				goto out;
			}
			memcpy(big, fixed, sizeof(fixed));
			stack = big;
			bits = nb;
		}
		obj = s[i] == '{';
		if (obj)
			stack[depth / 64] |= 1ull << (depth % 64);
		else
			stack[depth / 64] &= ~(1ull << (depth % 64));
		depth++;
		i = skip_ws(s, n, i + 1);
		if (i < n && s[i] == (obj ? '}' : ']')) {
			depth--;
			i++;
			goto after;
		}
		if (obj)
			goto key;
		goto value;
	case '"':
		e = v_string(s, n, i);
		break;
	case 't':
		e = n - i >= 4 && memcmp(s + i, "true", 4) == 0 ? i + 4 : 0;
		break;
	case 'f':
		e = n - i >= 5 && memcmp(s + i, "false", 5) == 0 ? i + 5 : 0;
		break;
	case 'n':
		e = n - i >= 4 && memcmp(s + i, "null", 4) == 0 ? i + 4 : 0;
		break;
	default:
		e = (s[i] == '-' || (s[i] >= '0' && s[i] <= '9')) ?
			v_number(s, n, i) : 0;
		break;
	}
	if (e == 0)
		goto out;
	i = e;
after:
	i = skip_ws(s, n, i);
	if (depth == 0) {
		if (i == n)
			ret = over ? V_CAPPED : V_OK;
		goto out;
	}
	if (i >= n)
		goto out;
	if (s[i] == (TOP_IS_OBJ() ? '}' : ']')) {
		depth--;
		i++;
		goto after;
	}
	if (s[i] != ',')
		goto out;
	i = skip_ws(s, n, i + 1);
	if (!TOP_IS_OBJ())
		goto value;
key:
	if (i >= n || s[i] != '"')
		goto out;
	e = v_string(s, n, i);
	if (e == 0)
		goto out;
	i = skip_ws(s, n, e);
	if (i >= n || s[i] != ':')
		goto out;
	i = skip_ws(s, n, i + 1);
	goto value;
out:
#undef TOP_IS_OBJ
	if (stack != fixed)
		free(stack);
	*nodes_out = nodes;
	return ret;
}

/* ---- byte fallback ---------------------------------------------------------- */

/* One body diff: both sizes, first differing offset and its line in prod. */
static int
bytes_fallback(const char *a, size_t na, const char *b, size_t nb,
		struct umb_cmp_result *out)
{
	struct umb_cmp_diff *d;
	char sa[24], sb[24];
	size_t m = na < nb ? na : nb, off = 0, k;
	uint32_t line = 1;

	while (off < m && a[off] == b[off])
		off++;
	if (off == m && na == nb)
		return 0;
	for (k = 0; k < off; k++)
		line += a[k] == '\n';
	snprintf(sa, sizeof(sa), "%zu", na);
	snprintf(sb, sizeof(sb), "%zu", nb);
	d = umb_cmp_add(out, UMB_CMP_body, "", UMB_CMP_V_JSON, sa,
			UMB_CMP_V_JSON, sb);
	if (d != NULL) {
		d->offset = off;
		d->line = line;
	}
	return 1;
}

/* ---- text helpers ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (strict), 0 when not valid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
				(s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * A bounded writer made of units that are never split: when the text
 * does not fit in cap - 1 bytes it ends at the last unit boundary that
 * leaves room for "...", and is marked cut.
 */
struct wbuf {
	char *p;
	size_t cap, len, safe;
	int cut;
};

static void
wb_unit(struct wbuf *w, const char *u, size_t n)
{
	if (w->cut)
		return;
	if (w->len + n > w->cap - 1) {
		memcpy(w->p + w->safe, "...", 4);
		w->len = w->safe + 3;
		w->cut = 1;
		return;
	}
	memcpy(w->p + w->len, u, n);
	w->len += n;
	w->p[w->len] = '\0';
	if (w->len + 3 <= w->cap - 1)
		w->safe = w->len;
}

/* A JSON string literal; invalid UTF-8 bytes become \ufffd. */
static void
wb_jstring(struct wbuf *w, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	char esc[8];

	wb_unit(w, "\"", 1);
	while (i < n && !w->cut) {
		if (u[i] == '"' || u[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			wb_unit(w, esc, 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			const char *sh = u[i] == '\n' ? "\\n" : u[i] == '\t' ?
				"\\t" : u[i] == '\r' ? "\\r" : u[i] == '\b' ?
				"\\b" : u[i] == '\f' ? "\\f" : NULL;

			if (sh != NULL) {
				wb_unit(w, sh, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
				wb_unit(w, esc, 6);
			}
			i++;
		} else if ((k = utf8_seq(u + i, n - i)) == 0) {
			wb_unit(w, "\\ufffd", 6);
			i++;
		} else {
			wb_unit(w, s + i, k);
			i += k;
		}
	}
	wb_unit(w, "\"", 1);
}

/* Shortest %g that reads back as the same double. */
static void
num_text(double v, char *buf, size_t cap)
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, cap, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, cap, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

static int
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

static size_t
nchildren(const cJSON *n)
{
	size_t k = 0;
	const cJSON *c;

	for (c = n->child; c != NULL; c = c->next)
		k++;
	return k;
}

/* The value of one side as written in a diff; NULL node: absent. */
static int
value_text(const cJSON *n, int redact, char *buf, size_t cap)
{
	struct wbuf w = { buf, cap, 0, 0, 0 };
	char num[40];

	buf[0] = '\0';
	if (redact) {
		snprintf(buf, cap, "[redacted]");
		return UMB_CMP_V_TEXT;
	}
	switch (jtype(n)) {
	case T_NULL:
		snprintf(buf, cap, "null");
		return UMB_CMP_V_JSON;
	case T_BOOL:
		snprintf(buf, cap, "%s", cJSON_IsTrue(n) ? "true" : "false");
		return UMB_CMP_V_JSON;
	case T_NUM:
		num_text(n->valuedouble, num, sizeof(num));
		snprintf(buf, cap, "%s", num);
		return isfinite(n->valuedouble) ? UMB_CMP_V_JSON : UMB_CMP_V_TEXT;
	case T_STR:
		wb_jstring(&w, n->valuestring != NULL ? n->valuestring : "");
		return w.cut ? UMB_CMP_V_TEXT : UMB_CMP_V_JSON;
	case T_ARR:
		snprintf(buf, cap, "array(%zu)", nchildren(n));
		return UMB_CMP_V_TEXT;
	default:
		snprintf(buf, cap, "object(%zu)", nchildren(n));
		return UMB_CMP_V_TEXT;
	}
}

/* ---- paths ------------------------------------------------------------------- */

static void
pput(struct jctx *c, const char *s, size_t n)
{
	size_t room = sizeof(c->path) - 1;

	if (c->plen < room)
		memcpy(c->path + c->plen, s, n < room - c->plen ? n :
				room - c->plen);
	c->plen += n;
}

static int
name_like(const char *k)
{
	const char *p = k;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		return 0;
	for (p++; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				(*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* 'text' with \ and ' escaped, control bytes as \u00XX, bad UTF-8 as \xNN */
static void
pput_quoted(struct jctx *c, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	char esc[8];

	pput(c, "'", 1);
	while (i < n && c->plen < sizeof(c->path)) {
		if (u[i] == '\\' || u[i] == '\'') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			pput(c, esc, 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			pput(c, esc, 6);
			i++;
		} else if ((k = utf8_seq(u + i, n - i)) == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
			pput(c, esc, 4);
			i++;
		} else {
			pput(c, s + i, k);
			i += k;
		}
	}
	/* a path already past the buffer is cut: the rest is not needed */
	if (i < n)
		c->plen += n - i;
	pput(c, "'", 1);
}

static void
pput_key(struct jctx *c, const char *k)
{
	if (name_like(k)) {
		pput(c, ".", 1);
		pput(c, k, strlen(k));
	} else {
		pput(c, "[", 1);
		pput_quoted(c, k);
		pput(c, "]", 1);
	}
}

static void
pput_index(struct jctx *c, size_t i)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "[%zu]", i);

	pput(c, b, (size_t)n);
}

/* [?(@.field==value)] of a keyed element */
static void
pput_keyed(struct jctx *c, const char *field, const cJSON *kv)
{
	char num[40];

	pput(c, "[?(@", 4);
	pput_key(c, field);
	pput(c, "==", 2);
	switch (jtype(kv)) {
	case T_STR:
		pput_quoted(c, kv->valuestring != NULL ? kv->valuestring : "");
		break;
	case T_NUM:
		num_text(kv->valuedouble, num, sizeof(num));
		pput(c, num, strlen(num));
		break;
	case T_BOOL:
		pput(c, cJSON_IsTrue(kv) ? "true" : "false",
				cJSON_IsTrue(kv) ? 4 : 5);
		break;
	default:
		pput(c, "null", 4);
		break;
	}
	pput(c, ")]", 2);
}

static const char *
path_str(struct jctx *c)
{
	size_t room = sizeof(c->path) - 1;

	/* past UMB_CMP_PATH_MAX - 1 bytes umb_cmp_add cuts it with "..." */
	c->path[c->plen < room ? c->plen : room] = '\0';
	return c->path;
}

/* ---- recording ----------------------------------------------------------------- */

static int
over_max(const struct umb_cmp_result *o)
{
	return o->diffs == NULL || o->n >= o->max;
}

static void __attribute__((noinline))
emit(struct jctx *c, enum umb_cmp_kind k, const cJSON *a, const cJSON *b,
		int redact)
{
	char va[UMB_CMP_VALUE_MAX], vb[UMB_CMP_VALUE_MAX];
	int ta = UMB_CMP_V_NONE, tb = UMB_CMP_V_NONE;

	if (over_max(c->out)) {
		umb_cmp_add(c->out, k, "", 0, NULL, 0, NULL);
		return;
	}
	if (a != NULL)
		ta = value_text(a, redact, va, sizeof(va));
	if (b != NULL)
		tb = value_text(b, redact, vb, sizeof(vb));
	umb_cmp_add(c->out, k, path_str(c), ta, a != NULL ? va : NULL,
			tb, b != NULL ? vb : NULL);
}

static void __attribute__((noinline))
emit_lengths(struct jctx *c, size_t na, size_t nb)
{
	char va[24], vb[24];

	snprintf(va, sizeof(va), "%zu", na);
	snprintf(vb, sizeof(vb), "%zu", nb);
	umb_cmp_add(c->out, UMB_CMP_array_length, path_str(c), UMB_CMP_V_JSON,
			va, UMB_CMP_V_JSON, vb);
}

/* ---- path rules: one NFA state mask per rule and depth --------------------- */

static uint64_t *
st_at(struct jctx *c, uint32_t d)
{
	return c->states + (size_t)d * c->nr;
}

static uint64_t
closure(const struct umb_cmp_path_rule *pr, uint64_t m)
{
	unsigned int p;

	for (p = 0; p < pr->nb_segs; p++)
		if ((m >> p & 1) && pr->segs[p].type == UMB_SEG_DESCEND)
			m |= 1ull << (p + 1);
	return m;
}

/* The rules' verdict on the node whose states are at depth d. */
static void
effects(struct jctx *c, uint32_t d, struct nfx *fx)
{
	const uint64_t *s;
	unsigned int i;

	memset(fx, 0, sizeof(*fx));
	fx->tol_rule = -1;
	fx->keyed_rule = -1;
	if (c->nr == 0 || !c->live[d])
		return;
	s = st_at(c, d);
	for (i = 0; i < c->nr; i++) {
		const struct umb_cmp_path_rule *pr = &c->r->rules[i];

		if (!(s[i] >> pr->nb_segs & 1))
			continue;
		switch (pr->action) {
		case UMB_RULE_IGNORE:
			fx->ignore = 1;
			break;
		case UMB_RULE_UNORDERED:
			fx->mode = MODE_UNORDERED;
			break;
		case UMB_RULE_KEYED:
			fx->mode = MODE_KEYED;
			fx->keyed_rule = (int8_t)i;
			break;
		case UMB_RULE_REDACT:
			fx->redact = 1;
			break;
		case UMB_RULE_TOLERANCE:
			fx->tol_rule = (int8_t)i;
			break;
		}
	}
}

/*
 * States of a child (depth d + 1) from its parent's (depth d), then its
 * effects. STEP_ELEM is an element of an unordered or keyed array: its
 * position means nothing there, so only * and .. match it, never [n].
 */
static void
step(struct jctx *c, uint32_t d, int kind, const char *key, size_t idx,
		struct nfx *fx)
{
	const uint64_t *s;
	uint64_t *t;
	size_t klen = 0;
	unsigned int i, p;
	int live = 0;

	c->work++;
	if (c->nr == 0 || !c->live[d]) {
		if (c->nr != 0)
			c->live[d + 1] = 0;
		effects(c, d + 1, fx);
		return;
	}
	s = st_at(c, d);
	t = st_at(c, d + 1);
	if (kind == STEP_KEY)
		klen = strlen(key);
	for (i = 0; i < c->nr; i++) {
		const struct umb_cmp_path_rule *pr = &c->r->rules[i];
		uint64_t m = s[i], nm = 0;

		for (p = 0; m != 0 && p < pr->nb_segs; p++) {
			const struct umb_cmp_seg *sg = &pr->segs[p];

			if (!(m >> p & 1))
				continue;
			switch (sg->type) {
			case UMB_SEG_DESCEND:
				nm |= 1ull << p;
				break;
			case UMB_SEG_KEY:
				if (kind == STEP_KEY && sg->len == klen &&
						memcmp(c->keys[i][p], key, klen) == 0)
					nm |= 1ull << (p + 1);
				break;
			case UMB_SEG_INDEX:
				if (kind == STEP_INDEX && sg->index == idx)
					nm |= 1ull << (p + 1);
				break;
			default:
				nm |= 1ull << (p + 1);
				break;
			}
		}
		t[i] = closure(pr, nm);
		live |= t[i] != 0;
	}
	c->live[d + 1] = (uint8_t)live;
	effects(c, d + 1, fx);
}

static struct inh
inh_apply(struct jctx *c, struct inh in, const struct nfx *fx)
{
	if (fx->tol_rule >= 0) {
		in.ta = c->r->rules[fx->tol_rule].tol_abs;
		in.tr = c->r->rules[fx->tol_rule].tol_rel;
	}
	if (fx->redact)
		in.redact = 1;
	return in;
}

/* ---- numbers -------------------------------------------------------------------- */

static int
num_eq(double x, double y, double ta, double tr)
{
	double d, m;

	if (x == y)
		return 1;
	d = fabs(x - y);
	if (!isfinite(d))
		return 0;
	if (d <= ta)
		return 1;
	m = fmax(fabs(x), fabs(y));
	return d <= tr * m;
}

/* ---- canonical hashes (unordered arrays) ------------------------------------- */

static uint64_t
fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t
hcomb(uint64_t h, uint64_t v)
{
	return fmix(h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)));
}

static uint64_t
hstr(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return fmix(h);
}

/*
 * Canonical hash of node n (states at depth d, rule effects fx): equal
 * nodes (by the walk's rules, ignoring tolerance) hash equal. Objects
 * hash their members in key order (already sorted), unordered and keyed
 * arrays the sum of their elements' hashes, ignored members are left out.
 */
static uint64_t
hnode(struct jctx *c, const cJSON *n, uint32_t d, const struct nfx *fx)
{
	const cJSON *x;
	struct nfx cf;
	uint64_t h, sum;
	double v;
	size_t i;
	int t = jtype(n);

	if (++c->work > c->budget)
		c->aborted = 1;
	if (c->aborted || c->err)
		return 0;
	h = fmix((uint64_t)t + 1);
	switch (t) {
	case T_BOOL:
		return hcomb(h, cJSON_IsTrue(n));
	case T_NUM:
		v = n->valuedouble == 0 ? 0 : n->valuedouble;
		{
			uint64_t b;

			memcpy(&b, &v, sizeof(b));
			return hcomb(h, b);
		}
	case T_STR:
		return hcomb(h, hstr(n->valuestring != NULL ? n->valuestring : ""));
	case T_OBJ:
		for (x = n->child; x != NULL; x = x->next) {
			const char *k = x->string != NULL ? x->string : "";

			step(c, d, STEP_KEY, k, 0, &cf);
			if (cf.ignore)
				continue;
			h = hcomb(hcomb(h, hstr(k)), hnode(c, x, d + 1, &cf));
		}
		return h;
	case T_ARR:
		if (fx->mode != MODE_ORDERED) {
			step(c, d, STEP_ELEM, NULL, 0, &cf);
			if (cf.ignore)
				return h;
			sum = 0;
			for (x = n->child; x != NULL; x = x->next)
				sum += fmix(hnode(c, x, d + 1, &cf));
			return hcomb(h, sum);
		}
		for (x = n->child, i = 0; x != NULL; x = x->next, i++) {
			step(c, d, STEP_INDEX, NULL, i, &cf);
			if (cf.ignore)
				continue;
			h = hcomb(hcomb(h, i), hnode(c, x, d + 1, &cf));
		}
		return hcomb(h, i);
	default:
		return h;
	}
}

/* ---- the walk -------------------------------------------------------------------- */

static int walk(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		struct inh in, const struct nfx *fx);

static int
stop(struct jctx *c, const struct inh *in)
{
	if (c->aborted || c->err)
		return 1;
	if (!in->silent && c->out->total >= c->stop_total) {
		c->out->flags |= UMB_CMP_R_DIFFS_CUT;
		return 1;
	}
	return 0;
}

static int
walk_object(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		struct inh in)
{
	const cJSON *x = a->child, *y = b->child;
	size_t save = c->plen;
	struct nfx cf;
	int diff = 0;

	while (x != NULL || y != NULL) {
		const char *kx = x != NULL && x->string != NULL ? x->string : "";
		const char *ky = y != NULL && y->string != NULL ? y->string : "";
		int cmp = x == NULL ? 1 : y == NULL ? -1 : strcmp(kx, ky);

		if (stop(c, &in))
			return 1;
		step(c, d, STEP_KEY, cmp <= 0 ? kx : ky, 0, &cf);
		if (!cf.ignore) {
			if (!in.silent)
				pput_key(c, cmp <= 0 ? kx : ky);
			if (cmp == 0) {
				diff |= walk(c, x, y, d + 1, in, &cf);
			} else {
				diff = 1;
				c->out->nodes++;
				if (!in.silent)
					emit(c, cmp < 0 ? UMB_CMP_removed :
						UMB_CMP_added, cmp < 0 ? x : NULL,
						cmp > 0 ? y : NULL,
						inh_apply(c, in, &cf).redact);
			}
			c->plen = save;
			if (diff && in.silent)
				return 1;
		}
		if (cmp <= 0)
			x = x->next;
		if (cmp >= 0)
			y = y->next;
	}
	return diff;
}

static int
walk_ordered(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		struct inh in)
{
	size_t na = nchildren(a), nb = nchildren(b), i, save = c->plen;
	const cJSON *x, *y;
	struct nfx cf;
	int diff = 0;

	if (na != nb) {
		if (in.silent)
			return 1;
		diff = 1;
		emit_lengths(c, na, nb);
	}
	for (x = a->child, y = b->child, i = 0; x != NULL && y != NULL;
			x = x->next, y = y->next, i++) {
		if (stop(c, &in))
			return 1;
		step(c, d, STEP_INDEX, NULL, i, &cf);
		if (cf.ignore)
			continue;
		if (!in.silent)
			pput_index(c, i);
		diff |= walk(c, x, y, d + 1, in, &cf);
		c->plen = save;
		if (diff && in.silent)
			return 1;
	}
	return diff;
}

/* element list of an array, in index order */
static const cJSON **
elems(struct jctx *c, const cJSON *a, size_t n, void *mem)
{
	const cJSON **v = mem;
	const cJSON *x;
	size_t i = 0;

	(void)c;
	for (x = a->child; x != NULL && i < n; x = x->next)
		v[i++] = x;
	return v;
}

struct hitem {
	uint64_t h;
	uint32_t idx;
};

static int
hitem_cmp(const void *p, const void *q)
{
	const struct hitem *a = p, *b = q;

	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * An unordered array: a multiset. Elements are sorted by canonical hash
 * and paired inside runs of equal hashes, each pair confirmed by a silent
 * walk (so a collision never pairs unequal elements); a bounded number of
 * candidates is tried per element. Unpaired production elements are
 * removed at their production index, unpaired shadow elements added at
 * their shadow index.
 */
static int
walk_unordered(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		struct inh in)
{
	size_t na = nchildren(a), nb = nchildren(b), i, j, save = c->plen;
	struct hitem *ha, *hb;
	const cJSON **pa, **pb;
	uint8_t *ua, *ub;
	struct inh sin = in;
	struct nfx cf;
	void *mem;
	int diff = 0;

	step(c, d, STEP_ELEM, NULL, 0, &cf);
	if (cf.ignore)
		return 0;
	if (na == 0 && nb == 0)
		return 0;
	mem = calloc(1, (na + nb) * (sizeof(struct hitem) + sizeof(void *) + 1));
	if (mem == NULL) {
		c->err = -ENOMEM;
		return 1;
	}
	ha = mem;
	hb = ha + na;
	pa = elems(c, a, na, hb + nb);
	pb = elems(c, b, nb, pa + na);
	ua = (uint8_t *)(pb + nb);
	ub = ua + na;
	for (i = 0; i < na; i++) {
		ha[i].h = hnode(c, pa[i], d + 1, &cf);
		ha[i].idx = (uint32_t)i;
	}
	for (j = 0; j < nb; j++) {
		hb[j].h = hnode(c, pb[j], d + 1, &cf);
		hb[j].idx = (uint32_t)j;
	}
	if (c->aborted || c->err)
		goto out;
	qsort(ha, na, sizeof(*ha), hitem_cmp);
	qsort(hb, nb, sizeof(*hb), hitem_cmp);
	sin.silent = 1;
	for (i = 0, j = 0; i < na && j < nb && !c->aborted && !c->err;) {
		size_t je, first, k;

		if (ha[i].h < hb[j].h) {
			i++;
			continue;
		}
		if (ha[i].h > hb[j].h) {
			j++;
			continue;
		}
		for (je = j; je < nb && hb[je].h == ha[i].h; je++)
			;
		first = j;
		for (; i < na && ha[i].h == hb[j].h; i++) {
			unsigned int tries = 0, scan = 0;

			while (first < je && ub[hb[first].idx])
				first++;
			for (k = first; k < je && tries < UNORD_TRIES &&
					scan < UNORD_SCAN; k++, scan++) {
				if (ub[hb[k].idx])
					continue;
				tries++;
				/* states at d + 1 are those of any element */
				step(c, d, STEP_ELEM, NULL, 0, &cf);
				if (!walk(c, pa[ha[i].idx], pb[hb[k].idx], d + 1,
						sin, &cf)) {
					ua[ha[i].idx] = 1;
					ub[hb[k].idx] = 1;
					break;
				}
			}
		}
		j = je;
	}
	if (c->aborted || c->err)
		goto out;
	for (i = 0; i < na; i++) {
		if (ua[i])
			continue;
		diff = 1;
		if (in.silent || stop(c, &in))
			goto out;
		pput_index(c, i);
		emit(c, UMB_CMP_removed, pa[i], NULL, inh_apply(c, in, &cf).redact);
		c->plen = save;
	}
	for (j = 0; j < nb; j++) {
		if (ub[j])
			continue;
		diff = 1;
		if (in.silent || stop(c, &in))
			goto out;
		pput_index(c, j);
		emit(c, UMB_CMP_added, NULL, pb[j], inh_apply(c, in, &cf).redact);
		c->plen = save;
	}
out:
	c->plen = save;
	free(mem);
	return diff || c->aborted || c->err;
}

/* keyed arrays --------------------------------------------------------------- */

struct kitem {
	const cJSON *kv;     /**< the key's value, NULL: falls back to index */
	uint32_t idx;
	uint32_t peer;       /**< paired element on the other side + 1, 0 none */
};

static int
kv_cmp(const cJSON *a, const cJSON *b)
{
	int ta = jtype(a), tb = jtype(b);

	if (ta != tb)
		return ta < tb ? -1 : 1;
	switch (ta) {
	case T_BOOL:
		return cJSON_IsTrue(a) - cJSON_IsTrue(b);
	case T_NUM:
		return a->valuedouble < b->valuedouble ? -1 :
			a->valuedouble > b->valuedouble;
	case T_STR:
		return strcmp(a->valuestring != NULL ? a->valuestring : "",
				b->valuestring != NULL ? b->valuestring : "");
	default:
		return 0;
	}
}

static int
kitem_cmp(const void *p, const void *q)
{
	const struct kitem *const *a = p, *const *b = q;
	int r = kv_cmp((*a)->kv, (*b)->kv);

	if (r != 0)
		return r;
	return (*a)->idx < (*b)->idx ? -1 : (*a)->idx > (*b)->idx;
}

/* The scalar value of @p field in object @p o (members sorted), or NULL. */
static const cJSON *
key_of(const cJSON *o, const char *field)
{
	const cJSON *x;

	if (jtype(o) != T_OBJ)
		return NULL;
	for (x = o->child; x != NULL; x = x->next) {
		int r = strcmp(x->string != NULL ? x->string : "", field);

		if (r == 0)
			return jtype(x) == T_ARR || jtype(x) == T_OBJ ? NULL : x;
		if (r > 0)
			break;
	}
	return NULL;
}

/* Sort one side by key value; elements whose key repeats fall back. */
static void
keyed_side(struct kitem *it, struct kitem **sorted, size_t n, size_t *nk)
{
	size_t i, k = 0, r;

	for (i = 0; i < n; i++)
		if (it[i].kv != NULL)
			sorted[k++] = &it[i];
	qsort(sorted, k, sizeof(*sorted), kitem_cmp);
	for (i = 0; i < k; i = r) {
		for (r = i + 1; r < k && kv_cmp(sorted[r]->kv, sorted[i]->kv) == 0; r++)
			;
		if (r - i > 1)
			while (i < r)
				sorted[i++]->kv = NULL;
	}
	/* compact: the survivors stay in key order */
	for (i = 0, r = 0; i < k; i++)
		if (sorted[i]->kv != NULL)
			sorted[r++] = sorted[i];
	*nk = r;
}

/*
 * A keyed array: objects pair by the value of the rule's key field (a
 * scalar: string, number, boolean or null), at path [?(@.field==value)].
 * Elements that are not objects, lack the field, have a container there
 * or share their key with another element of the same side fall back:
 * the k-th such element of production pairs with the k-th of the shadow,
 * at path [i] (production index). Order of diffs: production elements in
 * index order (pair diffs, or removed), then the shadow's unpaired
 * elements in index order (added).
 */
static int
walk_keyed(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		struct inh in, const char *field)
{
	size_t na = nchildren(a), nb = nchildren(b), i, j, ka, kb;
	size_t save = c->plen;
	struct kitem *ia, *ib, **sa, **sb;
	const cJSON **pa, **pb;
	struct nfx cf;
	struct inh ein;
	void *mem;
	int diff = 0;

	step(c, d, STEP_ELEM, NULL, 0, &cf);
	if (cf.ignore || (na == 0 && nb == 0))
		return 0;
	ein = inh_apply(c, in, &cf);
	mem = calloc(1, (na + nb) * (sizeof(struct kitem) + 2 * sizeof(void *)));
	if (mem == NULL) {
		c->err = -ENOMEM;
		return 1;
	}
	ia = mem;
	ib = ia + na;
	sa = (struct kitem **)(ib + nb);
	sb = sa + na;
	pa = elems(c, a, na, sb + nb);
	pb = elems(c, b, nb, pa + na);
	for (i = 0; i < na; i++) {
		ia[i].idx = (uint32_t)i;
		ia[i].kv = key_of(pa[i], field);
	}
	for (j = 0; j < nb; j++) {
		ib[j].idx = (uint32_t)j;
		ib[j].kv = key_of(pb[j], field);
	}
	c->work += na + nb;
	keyed_side(ia, sa, na, &ka);
	keyed_side(ib, sb, nb, &kb);
	for (i = 0, j = 0; i < ka && j < kb;) {
		int r = kv_cmp(sa[i]->kv, sb[j]->kv);

		if (r == 0) {
			sa[i]->peer = sb[j]->idx + 1;
			sb[j]->peer = sa[i]->idx + 1;
		}
		i += r <= 0;
		j += r >= 0;
	}
	/* fallback elements pair in order */
	for (i = 0, j = 0;; i++, j++) {
		while (i < na && ia[i].kv != NULL)
			i++;
		while (j < nb && ib[j].kv != NULL)
			j++;
		if (i >= na || j >= nb)
			break;
		ia[i].peer = (uint32_t)j + 1;
		ib[j].peer = (uint32_t)i + 1;
	}
	for (i = 0; i < na; i++) {
		if (stop(c, &in)) {
			diff = 1;
			goto out;
		}
		if (!in.silent) {
			if (ia[i].kv != NULL)
				pput_keyed(c, field, ia[i].kv);
			else
				pput_index(c, i);
		}
		if (ia[i].peer != 0) {
			step(c, d, STEP_ELEM, NULL, 0, &cf);
			diff |= walk(c, pa[i], pb[ia[i].peer - 1], d + 1, in, &cf);
		} else {
			diff = 1;
			if (!in.silent)
				emit(c, UMB_CMP_removed, pa[i], NULL, ein.redact);
		}
		c->plen = save;
		if (diff && in.silent)
			goto out;
	}
	for (j = 0; j < nb; j++) {
		if (ib[j].peer != 0)
			continue;
		diff = 1;
		if (in.silent || stop(c, &in))
			goto out;
		if (ib[j].kv != NULL)
			pput_keyed(c, field, ib[j].kv);
		else
			pput_index(c, j);
		emit(c, UMB_CMP_added, NULL, pb[j], ein.redact);
		c->plen = save;
	}
out:
	c->plen = save;
	free(mem);
	return diff || c->aborted || c->err;
}

/*
 * Compare a (production) and b (shadow), both at depth d whose rule states
 * are in place and whose effects are fx. @return 1 when they differ.
 */
static int
walk(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		struct inh in, const struct nfx *fx)
{
	int ta, tb;

	if (fx->ignore)
		return 0;
	c->out->nodes += 2;
	if (++c->work > c->budget)
		c->aborted = 1;
	if (c->aborted || c->err)
		return 1;
	in = inh_apply(c, in, fx);
	ta = jtype(a);
	tb = jtype(b);
	if (ta != tb) {
		if (!in.silent)
			emit(c, UMB_CMP_type_changed, a, b, in.redact);
		return 1;
	}
	switch (ta) {
	case T_NULL:
		return 0;
	case T_BOOL:
		if (cJSON_IsTrue(a) == cJSON_IsTrue(b))
			return 0;
		break;
	case T_NUM:
		if (num_eq(a->valuedouble, b->valuedouble, in.ta, in.tr))
			return 0;
		break;
	case T_STR:
		if (strcmp(a->valuestring != NULL ? a->valuestring : "",
				b->valuestring != NULL ? b->valuestring : "") == 0)
			return 0;
		break;
	case T_OBJ:
		return walk_object(c, a, b, d, in);
	default:
		if (fx->mode == MODE_UNORDERED)
			return walk_unordered(c, a, b, d, in);
		if (fx->mode == MODE_KEYED)
			return walk_keyed(c, a, b, d, in,
					c->r->rules[fx->keyed_rule].key_field);
		return walk_ordered(c, a, b, d, in);
	}
	if (!in.silent)
		emit(c, UMB_CMP_changed, a, b, in.redact);
	return 1;
}

/* ---- normalisation: objects sorted by key, duplicates dropped ------------ */

struct mitem {
	cJSON *n;
	uint64_t pre;        /**< the key's first 8 bytes, big-endian */
	size_t pos;
};

/* first 8 bytes of a key, NUL-padded: orders like strcmp */
static uint64_t
key_prefix(const char *k)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v = v << 8 | (unsigned char)*k;
		if (*k != '\0')
			k++;
	}
	return v;
}

static int
mitem_keycmp(const struct mitem *a, const struct mitem *b)
{
	if (a->pre != b->pre)
		return a->pre < b->pre ? -1 : 1;
	if ((a->pre & 0xff) == 0)  /* the key ended inside the prefix */
		return 0;
	return strcmp(a->n->string + 8, b->n->string + 8);
}

static int
mitem_cmp(const void *p, const void *q)
{
	const struct mitem *a = p, *b = q;
	int r = mitem_keycmp(a, b);

	if (r != 0)
		return r;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int
normalize(struct jctx *c, cJSON *n)
{
	struct mitem *m;
	cJSON *x, *head = NULL, *tail = NULL;
	size_t k = 0, i, r;

	if (jtype(n) == T_OBJ && n->child != NULL) {
		for (x = n->child; x != NULL; x = x->next)
			k++;
		if (k * sizeof(*m) > c->scratch_cap) {
			void *p = realloc(c->scratch, k * sizeof(*m));

			if (p == NULL)
				return -ENOMEM;
			c->scratch = p;
			c->scratch_cap = k * sizeof(*m);
		}
		m = (struct mitem *)c->scratch;
		for (x = n->child, i = 0; x != NULL; x = x->next, i++) {
			m[i].n = x;   /* cJSON names every member */
			m[i].pre = key_prefix(x->string);
			m[i].pos = i;
		}
		qsort(m, k, sizeof(*m), mitem_cmp);
		for (i = 0; i < k; i = r) {
			/* a run of equal keys: the last one (in the document) wins */
			for (r = i + 1; r < k && mitem_keycmp(&m[r], &m[i]) == 0;
					r++)
				;
			if (r - i > 1) {
				size_t z;

				c->out->dup_keys += (uint32_t)(r - i - 1);
				c->out->flags |= UMB_CMP_R_DUP_KEYS;
				for (z = i; z < r - 1; z++) {
					m[z].n->next = NULL;
					m[z].n->prev = NULL;
					cJSON_Delete(m[z].n);
				}
			}
			x = m[r - 1].n;
			x->prev = tail;
			x->next = NULL;
			if (tail != NULL)
				tail->next = x;
			else
				head = x;
			tail = x;
		}
		head->prev = tail; /* cJSON's convention: first->prev is the last */
		n->child = head;
	}
	if (jtype(n) == T_OBJ || jtype(n) == T_ARR)
		for (x = n->child; x != NULL; x = x->next)
			if (normalize(c, x) != 0)
				return -ENOMEM;
	return 0;
}

/* ---- entry --------------------------------------------------------------------- */

static int
capped(const char *prod, size_t plen, const char *shadow, size_t slen,
		struct umb_cmp_result *out)
{
	out->flags |= UMB_CMP_R_CAPPED;
	return bytes_fallback(prod, plen, shadow, slen, out);
}

int
umb_cmp_json(const struct umb_cmp_rules *r, const char *prod, size_t plen,
		const char *shadow, size_t slen, struct umb_cmp_result *out)
{
	uint32_t n0 = out->n, f0, depth_cap;
	uint64_t t0 = out->total, na = 0, nb = 0, max_nodes;
	cJSON *ja = NULL, *jb = NULL;
	struct jctx *c = NULL;
	struct inh in = { 0 };
	struct nfx fx;
	unsigned int i, p;
	int va, vb, rc = 0;

	out->flags |= UMB_CMP_R_JSON;
	f0 = out->flags;
	if (plen == 0 && slen == 0)
		return 0;
	if (prod == NULL) {
		prod = "";
		plen = 0;
	}
	if (shadow == NULL) {
		shadow = "";
		slen = 0;
	}
	if (r->max_doc_bytes != 0 && (plen > r->max_doc_bytes ||
			slen > r->max_doc_bytes))
		return capped(prod, plen, shadow, slen, out);
	depth_cap = r->max_depth == 0 || r->max_depth > JSON_DEPTH_HARD ?
		JSON_DEPTH_HARD : r->max_depth;
	max_nodes = r->max_nodes == 0 ? UINT64_MAX : r->max_nodes;
	va = validate((const unsigned char *)prod, plen, depth_cap, max_nodes, &na);
	vb = validate((const unsigned char *)shadow, slen, depth_cap, max_nodes, &nb);
	if (va == V_INVALID || vb == V_INVALID) {
		if (plen == slen && memcmp(prod, shadow, plen) == 0)
			return 0;
		umb_cmp_add(out, UMB_CMP_invalid_json, "$", UMB_CMP_V_TEXT,
				va != V_INVALID ? "valid" : "invalid", UMB_CMP_V_TEXT,
				vb != V_INVALID ? "valid" : "invalid");
		return 1;
	}
	if (va == V_CAPPED || vb == V_CAPPED)
		return capped(prod, plen, shadow, slen, out);
	/*
	 * Valid, yet cJSON may refuse: numbers longer than 63 characters,
	 * lone UTF-16 surrogates in \u escapes, or no memory. Compare bytes.
	 */
	ja = cJSON_ParseWithLength(prod, plen);
	jb = ja != NULL ? cJSON_ParseWithLength(shadow, slen) : NULL;
	if (ja == NULL || jb == NULL) {
		cJSON_Delete(ja);
		return capped(prod, plen, shadow, slen, out);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	c->r = r;
	c->out = out;
	c->nr = r->nb_rules > UMB_CMP_RULES_MAX ? UMB_CMP_RULES_MAX : r->nb_rules;
	c->levels = depth_cap + 2;
	rc = normalize(c, ja);
	if (rc == 0)
		rc = normalize(c, jb);
	if (rc != 0)
		goto done;
	if (c->nr != 0) {
		c->states = calloc((size_t)c->levels * c->nr, sizeof(uint64_t));
		c->live = calloc(c->levels, 1);
		if (c->states == NULL || c->live == NULL) {
			rc = -ENOMEM;
			goto done;
		}
		/* keys are recomputed from store: seg.key goes stale on a copy */
		for (i = 0; i < c->nr; i++) {
			const struct umb_cmp_path_rule *pr = &r->rules[i];
			size_t off = 0;

			for (p = 0; p < pr->nb_segs && p < UMB_CMP_SEG_MAX; p++) {
				if (pr->segs[p].type != UMB_SEG_KEY)
					continue;
				c->keys[i][p] = off < sizeof(pr->store) ?
					pr->store + off : "";
				off += pr->segs[p].len + 1u;
			}
			c->states[i] = closure(pr, 1);
			c->live[0] |= c->states[i] != 0;
		}
	}
	c->budget = JSON_WORK_PER_NODE * (na + nb) + 4096;
	c->stop_total = t0 + JSON_DIFF_WALK_X * (uint64_t)(out->max > 0 ? out->max : 1);
	memcpy(c->path, "$", 2);
	c->plen = 1;
	in.ta = r->tol_abs;
	in.tr = r->tol_rel;
	effects(c, 0, &fx);
	walk(c, ja, jb, 0, in, &fx);
	if (c->err) {
		rc = c->err;
	} else if (c->aborted) {
		/* the work budget is spent: forget the partial walk, use bytes */
		out->n = n0;
		out->total = t0;
		out->flags = f0;
		rc = capped(prod, plen, shadow, slen, out);
	} else {
		rc = out->total > t0;
	}
done:
	if (c != NULL) {
		free(c->scratch);
		free(c->states);
		free(c->live);
		free(c);
	}
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return rc;
}
