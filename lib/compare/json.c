/* SPDX-License-Identifier: BSD-3-Clause
 * The JSON deep diff: umb_cmp_json() and the walk (the validator, the
 * text helpers and the normalisation of one object are in json_valid.c).
 * A document pair goes through these bounded stages:
 *
 *  0. one leading UTF-8 BOM is skipped on each side (not part of the
 *     document: offsets of a byte fallback count from after it); then
 *     byte-identical documents are equal at once, whatever they hold
 *     (nothing validated, parsed or counted, no CAPPED or DUP_KEYS);
 *  1. size: above max_doc_bytes it is compared by bytes (CAPPED);
 *  2. a strict RFC 8259 validator, iterative, that also measures nesting
 *     and counts nodes: invalid -> one invalid_json diff (at any depth);
 *     valid but deeper than max_depth (never more than cJSON's own 1000)
 *     or more than max_nodes nodes -> compared by bytes (CAPPED). cJSON
 *     therefore never sees a document that could exhaust its recursion;
 *  3. cJSON parse;
 *  4. the walk: pre-order, depth-first, with the path rules evaluated
 *     incrementally (a small NFA per rule, one 64-bit state mask per rule
 *     and depth). Objects compare by sorted key: two objects that list
 *     the same keys in the same order, none twice, pair their members in
 *     place (only the pairs are sorted); otherwise both are normalised,
 *     once, when the walk first reaches them (members sorted by key,
 *     duplicate keys dropped, the last one winning, counted; relinked)
 *     and merged. Unordered arrays pair elements by a canonical hash,
 *     keyed arrays by the value of a key field, both sorted: O(n log n).
 *     Numbers within a tolerance (tol_abs, tol_rel, or a rule's) are
 *     equal up to 4 DBL_EPSILON of their magnitude past it, so that a
 *     decimal difference exactly at the tolerance is equal.
 *
 * Duplicate keys are thus found and counted (dup_keys, DUP_KEYS) in the
 * objects the walk reaches: compared, hashed (unordered arrays) or
 * reported whole (added, removed, type_changed). Objects under an ignored
 * path, past the common length of arrays of different lengths, inside a
 * value reported whole, or not reached as the walk stopped early are not
 * looked at. Paths are written only for the differences kept: the walk
 * records how it reached each depth (key, index or keyed element).
 *
 * The whole walk (hashing included) is charged against a work budget of
 * 64 visits per node; a document that would cost more (deeply nested
 * unordered arrays) falls back to bytes (CAPPED) instead of running long.
 * Nothing here uses cJSON_Compare, recursion depth is bounded by the
 * validated nesting. Memory besides cJSON's trees: one per-call block for
 * rule states and path steps (on the stack when small, else one
 * allocation sized by the documents' real depth), the member pairs of
 * objects of more than 16 members, one normalisation scratch array and
 * per-array scratch arrays for unordered and keyed arrays. cJSON's own
 * nodes and strings come from a per-thread arena during the call
 * (jarena.c).
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "umb_compare.h"
#include "json_private.h"

/* cJSON refuses deeper documents; we cap below it so it never recurses far */
#define JSON_DEPTH_HARD   1000
#define JSON_WORK_PER_NODE 64
#define JSON_DIFF_WALK_X  100  /* stop descending past 100 x max diffs */
#define UNORD_TRIES       4    /* equality checks per element in a hash run */
#define UNORD_SCAN        16   /* candidates looked at per element */
#define OBJ_SMALL         16   /* member pairs kept on the stack */
#define ARENA_WORDS       512  /* per-call block on the stack (4 KiB) */
/* a tolerance holds up to the rounding of decimal inputs to doubles */
#define TOL_SLACK         (4 * DBL_EPSILON)

enum { STEP_KEY, STEP_INDEX, STEP_ELEM };
enum { MODE_ORDERED, MODE_UNORDERED, MODE_KEYED };
enum { PC_KEY, PC_INDEX, PC_KEYED };

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

/** How the walk reached the node at some depth (its path's last step). */
struct pcomp {
	const char *key;     /**< PC_KEY: the key; PC_KEYED: the key field */
	const cJSON *kv;     /**< PC_KEYED: the key's value */
	size_t idx;          /**< PC_INDEX */
	int kind;
};

struct jctx {
	const struct umb_cmp_rules *r;
	struct umb_cmp_result *out;
	unsigned int nr;
	uint64_t *states;    /**< [levels * nr] */
	uint8_t *live;       /**< [levels]: any state active at that depth */
	struct pcomp *pc;    /**< [levels]: pc[d] led to the node at depth d */
	uint32_t levels;
	uint64_t work, budget;
	uint64_t stop_total;
	int err;             /**< -ENOMEM */
	int aborted;         /**< work budget spent */
	void *scratch;       /**< normalisation of one object */
	size_t scratch_cap;
	const char **keys[UMB_CMP_RULES_MAX]; /**< [rule][seg]: key bytes */
	struct umb_cmpj_path path;
};

/* The path of the node at depth pd, from the steps that reached it. */
static const char *
path_of(struct jctx *c, uint32_t pd)
{
	struct umb_cmpj_path *p = &c->path;
	uint32_t k;

	p->buf[0] = '$';
	p->len = 1;
	for (k = 1; k <= pd; k++) {
		const struct pcomp *s = &c->pc[k];

		if (s->kind == PC_KEY)
			umb_cmpj_path_key(p, s->key);
		else if (s->kind == PC_INDEX)
			umb_cmpj_path_index(p, s->idx);
		else
			umb_cmpj_path_keyed(p, s->key, s->kv);
	}
	return umb_cmpj_path_str(p);
}

static inline void
pc_key(struct jctx *c, uint32_t d, const char *k)
{
	c->pc[d].kind = PC_KEY;
	c->pc[d].key = k;
}

static inline void
pc_index(struct jctx *c, uint32_t d, size_t i)
{
	c->pc[d].kind = PC_INDEX;
	c->pc[d].idx = i;
}

/* an element of a keyed array: by its key's value, else by index */
static inline void
pc_elem(struct jctx *c, uint32_t d, const char *field, const cJSON *kv,
		size_t i)
{
	c->pc[d].kind = kv != NULL ? PC_KEYED : PC_INDEX;
	c->pc[d].key = field;
	c->pc[d].kv = kv;
	c->pc[d].idx = i;
}

/* ---- normalisation (umb_cmpj_normalize, once per object) ---------------- */

static int
norm_obj(struct jctx *c, const cJSON *o)
{
	/* the trees are this file's own: the const is cast away here */
	cJSON *n = (cJSON *)(uintptr_t)o;

	if (n->type & UMB_CMPJ_NORMALIZED)
		return 0;
	if (umb_cmpj_normalize(n, &c->scratch, &c->scratch_cap, c->out) != 0) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	return 0;
}

/* ---- recording ----------------------------------------------------------------- */

static int
over_max(const struct umb_cmp_result *o)
{
	return o->diffs == NULL || o->n >= o->max;
}

/* A difference at the node of depth pd (a, b: its sides, NULL absent). */
static void __attribute__((noinline))
emit(struct jctx *c, uint32_t pd, enum umb_cmp_kind k, const cJSON *a,
		const cJSON *b, int redact)
{
	char va[UMB_CMP_VALUE_MAX], vb[UMB_CMP_VALUE_MAX];
	int ta = UMB_CMP_V_NONE, tb = UMB_CMP_V_NONE;

	/* an object reported whole: its member count is of distinct keys */
	if (a != NULL && jtype(a) == T_OBJ)
		norm_obj(c, a);
	if (b != NULL && jtype(b) == T_OBJ)
		norm_obj(c, b);
	if (over_max(c->out)) {
		umb_cmp_add(c->out, k, "", 0, NULL, 0, NULL);
		return;
	}
	if (a != NULL)
		ta = umb_cmpj_value_text(a, redact, va, sizeof(va));
	if (b != NULL)
		tb = umb_cmpj_value_text(b, redact, vb, sizeof(vb));
	umb_cmp_add(c->out, k, path_of(c, pd), ta, a != NULL ? va : NULL,
			tb, b != NULL ? vb : NULL);
}

static void __attribute__((noinline))
emit_lengths(struct jctx *c, uint32_t pd, size_t na, size_t nb)
{
	char va[24], vb[24];

	if (over_max(c->out)) {
		umb_cmp_add(c->out, UMB_CMP_array_length, "", 0, NULL, 0, NULL);
		return;
	}
	umb_cmpj_utoa(na, va);
	umb_cmpj_utoa(nb, vb);
	umb_cmp_add(c->out, UMB_CMP_array_length, path_of(c, pd),
			UMB_CMP_V_JSON, va, UMB_CMP_V_JSON, vb);
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

/* No rule applies. */
static const struct nfx nfx_none = { .tol_rule = -1, .keyed_rule = -1 };

/* The rules' verdict on the node whose states are at depth d. */
static void
effects(struct jctx *c, uint32_t d, struct nfx *fx)
{
	const uint64_t *s;
	unsigned int i;

	*fx = nfx_none;
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
step_rules(struct jctx *c, uint32_t d, int kind, const char *key, size_t idx,
		struct nfx *fx)
{
	const uint64_t *s;
	uint64_t *t;
	size_t klen = 0;
	unsigned int i, p;
	int live = 0;

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

/* step_rules() past the common case: no rule state alive at depth d */
static inline void
step(struct jctx *c, uint32_t d, int kind, const char *key, size_t idx,
		struct nfx *fx)
{
	c->work++;
	if (c->nr == 0 || !c->live[d]) {
		if (c->nr != 0)
			c->live[d + 1] = 0;
		*fx = nfx_none;
		return;
	}
	step_rules(c, d, kind, key, idx, fx);
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

/*
 * Equal, or within a tolerance. Decimal inputs are rounded to doubles
 * (each by up to half an ulp) and so is their difference's bound: a
 * difference exactly at the tolerance in decimal (1.00 against 1.01 with
 * 0.01) may come out a few ulps above it. A tolerance in use therefore
 * holds up to 4 DBL_EPSILON of the operands' magnitude beyond it; with no
 * tolerance (0) only equal doubles are equal.
 */
static int
num_eq(double x, double y, double ta, double tr)
{
	double d, m;

	if (x == y)
		return 1;
	d = fabs(x - y);
	if (!isfinite(d))
		return 0;
	m = fmax(fabs(x), fabs(y));
	if (ta > 0 && d <= ta + TOL_SLACK * (m + ta))
		return 1;
	return tr > 0 && d <= tr * m + TOL_SLACK * m;
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
 * hash their members in key order (normalised here), unordered and keyed
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
		if (norm_obj(c, n) != 0)
			return 0;
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
		const struct inh *pin, const struct nfx *fx);

/*
 * walk() with its most common case inline: two scalars of one type (the
 * same cJSON type byte) on which no rule acts.
 */
static inline int
walk_pair(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		const struct inh *in, const struct nfx *fx)
{
	int t = a->type & 0xff;

	if (t != (b->type & 0xff) || fx->ignore || fx->redact ||
			fx->tol_rule >= 0 || c->aborted || c->err ||
			!(t & (cJSON_String | cJSON_Number | cJSON_True |
				cJSON_False | cJSON_NULL)))
		return walk(c, a, b, d, in, fx);
	c->out->nodes += 2;
	if (++c->work > c->budget) {
		c->aborted = 1;
		return 1;
	}
	if (t == cJSON_String) {
		const char *sa = a->valuestring, *sb = b->valuestring;

		if (strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "") == 0)
			return 0;
	} else if (t == cJSON_Number) {
		if (num_eq(a->valuedouble, b->valuedouble, in->ta, in->tr))
			return 0;
	} else {
		return 0;   /* true, false, null: the type is the value */
	}
	if (!in->silent)
		emit(c, d, UMB_CMP_changed, a, b, in->redact);
	return 1;
}

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

/* One member pair of two objects that list the same keys in order. */
struct mpair {
	uint64_t pre;        /**< key_prefix() of the key (large objects) */
	const cJSON *x, *y;
};

static int
mpair_cmp(const void *p, const void *q)
{
	const struct mpair *a = p, *b = q;

	return key_cmp(a->pre, a->x->string, b->pre, b->x->string);
}

/*
 * Sort the pairs by key: insertion sort when small (a sorted object costs
 * n - 1 comparisons, and every pair adjacent in the result has been
 * compared, so a repeated key is seen), else qsort on key prefixes.
 * @return 1 when a key repeats.
 */
static int
mpair_sort(struct mpair *v, size_t n)
{
	size_t i, j;
	int r;

	if (n > OBJ_SMALL) {
		for (i = 0; i < n; i++)
			v[i].pre = key_prefix(v[i].x->string);
		qsort(v, n, sizeof(*v), mpair_cmp);
		for (i = 1; i < n; i++)
			if (mpair_cmp(&v[i - 1], &v[i]) == 0)
				return 1;
		return 0;
	}
	for (i = 1; i < n; i++) {
		struct mpair t = v[i];

		for (j = i; j > 0; j--) {
			r = key_order(kname(v[j - 1].x), kname(t.x));
			if (r == 0)
				return 1;
			if (r < 0)
				break;
			v[j] = v[j - 1];
		}
		v[j] = t;
	}
	return 0;
}

/* Two normalised objects: merge their sorted member lists. */
static int
walk_merge(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		const struct inh *in)
{
	const cJSON *x = a->child, *y = b->child;
	struct nfx cf;
	int diff = 0;

	while (x != NULL || y != NULL) {
		const char *kx = x != NULL ? kname(x) : "";
		const char *ky = y != NULL ? kname(y) : "";
		int cmp = x == NULL ? 1 : y == NULL ? -1 : strcmp(kx, ky);

		if (stop(c, in))
			return 1;
		step(c, d, STEP_KEY, cmp <= 0 ? kx : ky, 0, &cf);
		if (!cf.ignore) {
			pc_key(c, d + 1, cmp <= 0 ? kx : ky);
			if (cmp == 0) {
				diff |= walk_pair(c, x, y, d + 1, in, &cf);
			} else {
				diff = 1;
				c->out->nodes++;
				if (!in->silent)
					emit(c, d + 1, cmp < 0 ?
						UMB_CMP_removed : UMB_CMP_added,
						cmp < 0 ? x : NULL, cmp > 0 ? y : NULL,
						inh_apply(c, *in, &cf).redact);
			}
			if (diff && in->silent)
				return 1;
		}
		if (cmp <= 0)
			x = x->next;
		if (cmp >= 0)
			y = y->next;
	}
	return diff;
}

/*
 * Two objects, members in key order. When both list the same keys in the
 * same order with no key twice (the common case: one serialiser on both
 * sides), the members pair in place and only the pairs are sorted;
 * otherwise both objects are normalised and merged. Either way the
 * members are visited in the same order with the same pairs.
 */
static int
walk_object(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		const struct inh *in)
{
	struct mpair small[OBJ_SMALL], *v = small;
	const cJSON *x, *y;
	struct nfx cf;
	size_t n = 0, i;
	int diff = 0;

	for (x = a->child, y = b->child; x != NULL && y != NULL;
			x = x->next, y = y->next, n++)
		if (!key_eq(kname(x), kname(y)))
			break;
	if (x != NULL || y != NULL)
		goto merge;
	if (n > OBJ_SMALL) {
		v = malloc(n * sizeof(*v));
		if (v == NULL) {
			c->err = -ENOMEM;
			return 1;
		}
	}
	for (x = a->child, y = b->child, i = 0; i < n;
			x = x->next, y = y->next, i++) {
		v[i].x = x;
		v[i].y = y;
	}
	if (mpair_sort(v, n)) {
		if (v != small)
			free(v);
		goto merge;
	}
	for (i = 0; i < n; i++) {
		const char *k = kname(v[i].x);

		if (stop(c, in)) {
			diff = 1;
			break;
		}
		step(c, d, STEP_KEY, k, 0, &cf);
		if (cf.ignore)
			continue;
		pc_key(c, d + 1, k);
		diff |= walk_pair(c, v[i].x, v[i].y, d + 1, in, &cf);
		if (diff && in->silent)
			break;
	}
	if (v != small)
		free(v);
	return diff;
merge:
	if (norm_obj(c, a) != 0 || norm_obj(c, b) != 0)
		return 1;
	return walk_merge(c, a, b, d, in);
}

static int
walk_ordered(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		const struct inh *in)
{
	size_t na = nchildren(a), nb = nchildren(b), i;
	const cJSON *x, *y;
	struct nfx cf;
	int diff = 0;

	if (na != nb) {
		if (in->silent)
			return 1;
		diff = 1;
		emit_lengths(c, d, na, nb);
	}
	for (x = a->child, y = b->child, i = 0; x != NULL && y != NULL;
			x = x->next, y = y->next, i++) {
		if (stop(c, in))
			return 1;
		step(c, d, STEP_INDEX, NULL, i, &cf);
		if (cf.ignore)
			continue;
		pc_index(c, d + 1, i);
		diff |= walk_pair(c, x, y, d + 1, in, &cf);
		if (diff && in->silent)
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
		const struct inh *in)
{
	size_t na = nchildren(a), nb = nchildren(b), i, j;
	struct hitem *ha, *hb;
	const cJSON **pa, **pb;
	uint8_t *ua, *ub;
	struct inh sin = *in;
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
						&sin, &cf)) {
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
		if (in->silent || stop(c, in))
			goto out;
		pc_index(c, d + 1, i);
		emit(c, d + 1, UMB_CMP_removed, pa[i], NULL,
				inh_apply(c, *in, &cf).redact);
	}
	for (j = 0; j < nb; j++) {
		if (ub[j])
			continue;
		diff = 1;
		if (in->silent || stop(c, in))
			goto out;
		pc_index(c, d + 1, j);
		emit(c, d + 1, UMB_CMP_added, NULL, pb[j],
				inh_apply(c, *in, &cf).redact);
	}
out:
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

/*
 * The scalar value of @p field in object @p o, or NULL: its last member of
 * that name (the one normalisation keeps), so o need not be normalised.
 */
static const cJSON *
key_of(const cJSON *o, const char *field)
{
	const cJSON *x, *found = NULL;

	if (jtype(o) != T_OBJ)
		return NULL;
	for (x = o->child; x != NULL; x = x->next)
		if (strcmp(kname(x), field) == 0)
			found = x;
	if (found == NULL || jtype(found) == T_ARR || jtype(found) == T_OBJ)
		return NULL;
	return found;
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
		const struct inh *in, const char *field)
{
	size_t na = nchildren(a), nb = nchildren(b), i, j, ka, kb;
	struct kitem *ia, *ib, **sa, **sb;
	const cJSON **pa, **pb;
	struct nfx cf;
	struct inh ein;
	void *mem;
	int diff = 0;

	step(c, d, STEP_ELEM, NULL, 0, &cf);
	if (cf.ignore || (na == 0 && nb == 0))
		return 0;
	ein = inh_apply(c, *in, &cf);
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
		if (stop(c, in)) {
			diff = 1;
			goto out;
		}
		pc_elem(c, d + 1, field, ia[i].kv, i);
		if (ia[i].peer != 0) {
			step(c, d, STEP_ELEM, NULL, 0, &cf);
			diff |= walk_pair(c, pa[i], pb[ia[i].peer - 1], d + 1,
					in, &cf);
		} else {
			diff = 1;
			if (!in->silent)
				emit(c, d + 1, UMB_CMP_removed, pa[i], NULL,
						ein.redact);
		}
		if (diff && in->silent)
			goto out;
	}
	for (j = 0; j < nb; j++) {
		if (ib[j].peer != 0)
			continue;
		diff = 1;
		if (in->silent || stop(c, in))
			goto out;
		pc_elem(c, d + 1, field, ib[j].kv, j);
		emit(c, d + 1, UMB_CMP_added, NULL, pb[j], ein.redact);
	}
out:
	free(mem);
	return diff || c->aborted || c->err;
}

/*
 * Compare a (production) and b (shadow), both at depth d whose rule states
 * are in place and whose effects are fx. @return 1 when they differ.
 */
static int
walk(struct jctx *c, const cJSON *a, const cJSON *b, uint32_t d,
		const struct inh *pin, const struct nfx *fx)
{
	const struct inh *in = pin;
	struct inh own;
	int ta, tb;

	if (fx->ignore)
		return 0;
	c->out->nodes += 2;
	if (++c->work > c->budget)
		c->aborted = 1;
	if (c->aborted || c->err)
		return 1;
	if (fx->tol_rule >= 0 || fx->redact) {
		own = inh_apply(c, *pin, fx);
		in = &own;
	}
	ta = jtype(a);
	tb = jtype(b);
	if (ta != tb) {
		if (!in->silent)
			emit(c, d, UMB_CMP_type_changed, a, b, in->redact);
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
		if (num_eq(a->valuedouble, b->valuedouble, in->ta, in->tr))
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
	if (!in->silent)
		emit(c, d, UMB_CMP_changed, a, b, in->redact);
	return 1;
}
/* ---- entry --------------------------------------------------------------------- */

static int
capped(const char *prod, size_t plen, const char *shadow, size_t slen,
		struct umb_cmp_result *out)
{
	out->flags |= UMB_CMP_R_CAPPED;
	return umb_cmpj_bytes_fallback(prod, plen, shadow, slen, out);
}

static void
skip_bom(const char **s, size_t *n)
{
	if (*n >= 3 && memcmp(*s, "\xef\xbb\xbf", 3) == 0) {
		*s += 3;
		*n -= 3;
	}
}

/*
 * The per-call block: rule states, live flags, path steps (levels each)
 * and the key bytes of every rule segment, carved from @p buf when it
 * fits, else from one allocation returned in @p heap.
 */
static int
ctx_block(struct jctx *c, uint64_t *buf, size_t buf_size, void **heap)
{
	const struct umb_cmp_rules *r = c->r;
	size_t nkeys = 0, need;
	unsigned int i, p;
	char *m;

	for (i = 0; i < c->nr; i++)
		nkeys += r->rules[i].nb_segs;
	need = (size_t)c->levels * c->nr * sizeof(uint64_t) +
		(size_t)c->levels * sizeof(struct pcomp) +
		nkeys * sizeof(const char *) + c->levels;
	m = (char *)buf;
	*heap = NULL;
	if (need > buf_size) {
		m = *heap = malloc(need);
		if (m == NULL)
			return -ENOMEM;
	}
	c->states = (uint64_t *)(void *)m;
	m += (size_t)c->levels * c->nr * sizeof(uint64_t);
	c->pc = (struct pcomp *)(void *)m;
	m += (size_t)c->levels * sizeof(struct pcomp);
	for (i = 0; i < c->nr; i++) {
		const struct umb_cmp_path_rule *pr = &r->rules[i];
		size_t off = 0;

		c->keys[i] = (const char **)(void *)m;
		m += pr->nb_segs * sizeof(const char *);
		/* keys come from store: seg.key goes stale on a copy */
		for (p = 0; p < pr->nb_segs && p < UMB_CMP_SEG_MAX; p++) {
			c->keys[i][p] = "";
			if (pr->segs[p].type != UMB_SEG_KEY)
				continue;
			if (off < sizeof(pr->store))
				c->keys[i][p] = pr->store + off;
			off += pr->segs[p].len + 1u;
		}
	}
	c->live = (uint8_t *)m;
	c->pc[0].kind = PC_INDEX;  /* the root: never written in a path */
	if (c->nr != 0)
		c->live[0] = 0;
	for (i = 0; i < c->nr; i++) {
		c->states[i] = closure(&r->rules[i], 1);
		c->live[0] |= c->states[i] != 0;
	}
	return 0;
}

int
umb_cmp_json(const struct umb_cmp_rules *r, const char *prod, size_t plen,
		const char *shadow, size_t slen, struct umb_cmp_result *out)
{
	uint32_t n0 = out->n, f0, depth_cap, da = 0, db = 0;
	uint64_t t0 = out->total, na = 0, nb = 0, max_nodes;
	uint64_t block[ARENA_WORDS];
	cJSON *ja = NULL, *jb = NULL;
	void *heap = NULL;
	int arena;
	struct inh in = { 0 };
	struct jctx c;
	struct nfx fx;
	int va, vb, rc = 0;

	out->flags |= UMB_CMP_R_JSON;
	f0 = out->flags;
	if (prod == NULL) {
		prod = "";
		plen = 0;
	}
	if (shadow == NULL) {
		shadow = "";
		slen = 0;
	}
	skip_bom(&prod, &plen);
	skip_bom(&shadow, &slen);
	/* identical bytes: the same JSON under any rules (or both invalid) */
	if (plen == slen && memcmp(prod, shadow, plen) == 0)
		return 0;
	if (r->max_doc_bytes != 0 && (plen > r->max_doc_bytes ||
			slen > r->max_doc_bytes))
		return capped(prod, plen, shadow, slen, out);
	depth_cap = r->max_depth == 0 || r->max_depth > JSON_DEPTH_HARD ?
		JSON_DEPTH_HARD : r->max_depth;
	max_nodes = r->max_nodes == 0 ? UINT64_MAX : r->max_nodes;
	va = umb_cmpj_validate((const unsigned char *)prod, plen, depth_cap,
			max_nodes, &na, &da);
	vb = umb_cmpj_validate((const unsigned char *)shadow, slen, depth_cap,
			max_nodes, &nb, &db);
	if (va == UMB_CMPJ_INVALID || vb == UMB_CMPJ_INVALID) {
		umb_cmp_add(out, UMB_CMP_invalid_json, "$", UMB_CMP_V_TEXT,
				va != UMB_CMPJ_INVALID ? "valid" : "invalid",
				UMB_CMP_V_TEXT,
				vb != UMB_CMPJ_INVALID ? "valid" : "invalid");
		return 1;
	}
	if (va == UMB_CMPJ_CAPPED || vb == UMB_CMPJ_CAPPED)
		return capped(prod, plen, shadow, slen, out);
	/*
	 * Valid, yet cJSON may refuse: numbers longer than 63 characters,
	 * lone UTF-16 surrogates in \u escapes, or no memory. Compare bytes.
	 */
	arena = umb_cmpj_arena_begin();
	ja = cJSON_ParseWithLength(prod, plen);
	jb = ja != NULL ? cJSON_ParseWithLength(shadow, slen) : NULL;
	if (ja == NULL || jb == NULL) {
		if (arena)
			umb_cmpj_arena_end();
		else
			cJSON_Delete(ja);
		return capped(prod, plen, shadow, slen, out);
	}
	c.r = r;
	c.out = out;
	c.nr = r->nb_rules > UMB_CMP_RULES_MAX ? UMB_CMP_RULES_MAX : r->nb_rules;
	/* a node of depth d has its step at pc[d], its states at d */
	c.levels = (da > db ? da : db) + 2;
	c.work = 0;
	c.budget = JSON_WORK_PER_NODE * (na + nb) + 4096;
	c.stop_total = t0 + JSON_DIFF_WALK_X *
		(uint64_t)(out->max > 0 ? out->max : 1);
	c.err = 0;
	c.aborted = 0;
	c.scratch = NULL;
	c.scratch_cap = 0;
	rc = ctx_block(&c, block, sizeof(block), &heap);
	if (rc != 0)
		goto done;
	in.ta = r->tol_abs;
	in.tr = r->tol_rel;
	effects(&c, 0, &fx);
	walk(&c, ja, jb, 0, &in, &fx);
	if (c.err) {
		rc = c.err;
	} else if (c.aborted) {
		/* the work budget is spent: forget the partial walk, use bytes */
		out->n = n0;
		out->total = t0;
		out->flags = f0;
		rc = capped(prod, plen, shadow, slen, out);
	} else {
		rc = out->total > t0;
	}
	free(c.scratch);
done:
	free(heap);
	if (arena) {
		/* both trees go with the arena (jarena.c) */
		umb_cmpj_arena_end();
	} else {
		cJSON_Delete(ja);
		cJSON_Delete(jb);
	}
	return rc;
}
