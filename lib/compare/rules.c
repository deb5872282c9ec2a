/* SPDX-License-Identifier: BSD-3-Clause
 * Rules and results of the comparator: the names of the difference kinds,
 * the result container (umb_cmp_add stores at most r->max differences and
 * counts them all), the default knobs, the path-pattern compiler used by
 * ignore/unordered/keyed/redact/tolerance rules, and the two cheap checks
 * that need no parsing: status and latency.
 *
 * Bounds: a pattern is at most UMB_CMP_PATTERN_MAX - 1 bytes and
 * UMB_CMP_SEG_MAX segments, a rule set at most UMB_CMP_RULES_MAX rules; a
 * stored path or value is cut at its buffer (ending in "...", never in the
 * middle of a UTF-8 sequence). Nothing here allocates.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "umb_compare.h"

#define UMB_CMP_KIND_NAME_(n, d) #n,
static const char *const kind_names[UMB_CMP_KIND_MAX] = {
	UMB_CMP_KINDS(UMB_CMP_KIND_NAME_)
};
#undef UMB_CMP_KIND_NAME_

const char *
umb_cmp_kind_name(enum umb_cmp_kind k)
{
	if ((unsigned int)k >= UMB_CMP_KIND_MAX)
		return "unknown";
	return kind_names[k];
}

void
umb_cmp_result_clear(struct umb_cmp_result *r)
{
	r->n = 0;
	r->total = 0;
	r->flags = 0;
	r->dup_keys = 0;
	r->nodes = 0;
}

/*
 * Copy @p src into @p dst (capacity @p cap >= 4). When it does not fit, it
 * is cut so that "..." still fits, backing up over UTF-8 continuation bytes
 * so that no sequence is split. @return 1 when cut.
 */
static int
copy_cut(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	size_t keep;

	if (n < cap) {
		memcpy(dst, src, n + 1);
		return 0;
	}
	keep = cap - 4;
	while (keep > 0 && ((unsigned char)src[keep] & 0xc0) == 0x80)
		keep--;
	memcpy(dst, src, keep);
	memcpy(dst + keep, "...", 4);
	return 1;
}

struct umb_cmp_diff *
umb_cmp_add(struct umb_cmp_result *r, enum umb_cmp_kind k, const char *path,
		int vt0, const char *v0, int vt1, const char *v1)
{
	struct umb_cmp_diff *d;

	r->total++;
	if (r->n >= r->max || r->diffs == NULL) {
		r->flags |= UMB_CMP_R_DIFFS_CUT;
		return NULL;
	}
	d = &r->diffs[r->n++];
	memset(d, 0, offsetof(struct umb_cmp_diff, path));
	d->kind = (uint8_t)k;
	copy_cut(d->path, sizeof(d->path), path != NULL ? path : "");
	d->val[0][0] = '\0';
	d->val[1][0] = '\0';
	d->vtype[0] = v0 != NULL ? (uint8_t)vt0 : UMB_CMP_V_NONE;
	d->vtype[1] = v1 != NULL ? (uint8_t)vt1 : UMB_CMP_V_NONE;
	/* a JSON value that had to be cut is no longer JSON: a summary */
	if (v0 != NULL && copy_cut(d->val[0], sizeof(d->val[0]), v0))
		d->vtype[0] = UMB_CMP_V_TEXT;
	if (v1 != NULL && copy_cut(d->val[1], sizeof(d->val[1]), v1))
		d->vtype[1] = UMB_CMP_V_TEXT;
	return d;
}

void
umb_cmp_rules_default(struct umb_cmp_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->status_class = 0;
	r->headers_on = 1;
	r->hdr_defaults = 1;
	r->body_on = 1;
	r->json_sniff = 1;
	r->tol_abs = 0;
	r->tol_rel = 0;
	r->max_depth = 64;
	r->max_nodes = 100000;
	r->max_doc_bytes = 1024 * 1024;
	r->max_diffs = 100;
	r->slow_ms = 2000;
	r->slow_ratio = 0;
	r->decode_max = 1024 * 1024;
	r->decode_ratio = 100;
}

/* ---- pattern compiler ----------------------------------------------------- */

static int
perr(char *err, size_t err_size, const char *pat, size_t off, const char *what)
{
	if (err == NULL || err_size == 0)
		return -EINVAL;
	if (what != NULL)
		snprintf(err, err_size, "%s at offset %zu", what, off);
	else if (pat[off] == '\0')
		snprintf(err, err_size, "unexpected end at offset %zu", off);
	else if ((unsigned char)pat[off] < 0x20 || (unsigned char)pat[off] >= 0x7f)
		snprintf(err, err_size, "unexpected byte 0x%02x at offset %zu",
				(unsigned char)pat[off], off);
	else
		snprintf(err, err_size, "unexpected '%c' at offset %zu",
				pat[off], off);
	return -EINVAL;
}

static int
is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/*
 * Grammar (no whitespace anywhere):
 *   pattern := '$' segment*
 *   segment := '.' name | '.*' | '..' (name | '*' | bracket) | bracket
 *   bracket := "['" key "']" | '[' digits ']' | '[*]'
 * name is [A-Za-z_][A-Za-z0-9_-]*, key escapes \\ and \' only. Keys are
 * stored unescaped and NUL-terminated one after the other in pr->store, in
 * segment order (consumers may recompute a key's place from that order).
 */
int
umb_cmp_pattern_compile(struct umb_cmp_path_rule *pr, const char *pattern,
		char *err, size_t err_size)
{
	size_t plen, i = 0, st = 0;
	unsigned int ns = 0;

	if (err != NULL && err_size > 0)
		err[0] = '\0';
	if (pattern == NULL)
		return perr(err, err_size, "", 0, "no pattern");
	plen = strlen(pattern);
	if (plen >= UMB_CMP_PATTERN_MAX)
		return perr(err, err_size, pattern, UMB_CMP_PATTERN_MAX - 1,
				"pattern too long (max 127 bytes)");
	memset(pr->segs, 0, sizeof(pr->segs));
	memcpy(pr->pattern, pattern, plen + 1);
	memset(pr->store, 0, sizeof(pr->store));
	pr->nb_segs = 0;
	if (pattern[0] != '$')
		return perr(err, err_size, pattern, 0,
				"a pattern must start with '$'");
	i = 1;
	while (pattern[i] != '\0') {
		struct umb_cmp_seg *s;

		if (pattern[i] == '.' && pattern[i + 1] == '.') {
			if (ns >= UMB_CMP_SEG_MAX)
				return perr(err, err_size, pattern, i,
						"too many segments (max 32)");
			pr->segs[ns++].type = UMB_SEG_DESCEND;
			i += 2;
			/* ..name, ..*, ..[...] : the next segment follows */
			if (pattern[i] != '[' && pattern[i] != '*' &&
					!is_name_start((unsigned char)pattern[i]))
				return perr(err, err_size, pattern, i, NULL);
		} else if (pattern[i] == '.') {
			i++;
			if (pattern[i] != '*' &&
					!is_name_start((unsigned char)pattern[i]))
				return perr(err, err_size, pattern, i, NULL);
		} else if (pattern[i] != '[') {
			return perr(err, err_size, pattern, i, NULL);
		}
		if (ns >= UMB_CMP_SEG_MAX)
			return perr(err, err_size, pattern, i,
					"too many segments (max 32)");
		s = &pr->segs[ns];
		if (pattern[i] == '*') {
			s->type = UMB_SEG_ANY;
			i++;
		} else if (pattern[i] != '[') {
			size_t b = i;

			while (is_name_char((unsigned char)pattern[i]))
				i++;
			s->type = UMB_SEG_KEY;
			s->len = (uint16_t)(i - b);
			s->key = pr->store + st;
			memcpy(pr->store + st, pattern + b, i - b);
			st += i - b + 1;
		} else if (pattern[i + 1] == '*') {
			if (pattern[i + 2] != ']')
				return perr(err, err_size, pattern, i + 2, NULL);
			s->type = UMB_SEG_ANY;
			i += 3;
		} else if (pattern[i + 1] == '\'') {
			size_t b = st;

			i += 2;
			while (pattern[i] != '\'') {
				if (pattern[i] == '\0')
					return perr(err, err_size, pattern, i,
							NULL);
				if (pattern[i] == '\\') {
					if (pattern[i + 1] != '\\' &&
							pattern[i + 1] != '\'')
						return perr(err, err_size,
							pattern, i + 1,
							"bad escape (only \\\\ and \\')");
					i++;
				}
				pr->store[st++] = pattern[i++];
			}
			if (pattern[i + 1] != ']')
				return perr(err, err_size, pattern, i + 1, NULL);
			i += 2;
			s->type = UMB_SEG_KEY;
			s->len = (uint16_t)(st - b);
			s->key = pr->store + b;
			st++;
		} else if (pattern[i + 1] >= '0' && pattern[i + 1] <= '9') {
			uint64_t v = 0;

			i++;
			while (pattern[i] >= '0' && pattern[i] <= '9') {
				v = v * 10 + (uint64_t)(pattern[i] - '0');
				if (v > UINT32_MAX)
					return perr(err, err_size, pattern, i,
							"index too large");
				i++;
			}
			if (pattern[i] != ']')
				return perr(err, err_size, pattern, i, NULL);
			i++;
			s->type = UMB_SEG_INDEX;
			s->index = (uint32_t)v;
		} else {
			return perr(err, err_size, pattern, i + 1, NULL);
		}
		ns++;
	}
	pr->nb_segs = (uint8_t)ns;
	return 0;
}

int
umb_cmp_rules_add(struct umb_cmp_rules *r, int action, const char *pattern,
		const char *key_field, char *err, size_t err_size)
{
	struct umb_cmp_path_rule *pr;
	int rc;

	if (err != NULL && err_size > 0)
		err[0] = '\0';
	if (r->nb_rules >= UMB_CMP_RULES_MAX) {
		if (err != NULL && err_size > 0)
			snprintf(err, err_size, "too many path rules (max %d)",
					UMB_CMP_RULES_MAX);
		return -ENOSPC;
	}
	if (action < UMB_RULE_IGNORE || action > UMB_RULE_TOLERANCE) {
		if (err != NULL && err_size > 0)
			snprintf(err, err_size, "unknown rule action %d",
					action);
		return -EINVAL;
	}
	pr = &r->rules[r->nb_rules];
	memset(pr, 0, sizeof(*pr));
	rc = umb_cmp_pattern_compile(pr, pattern, err, err_size);
	if (rc != 0)
		return rc;
	pr->action = (uint8_t)action;
	if (action == UMB_RULE_KEYED) {
		if (key_field == NULL || key_field[0] == '\0' ||
				strlen(key_field) >= sizeof(pr->key_field)) {
			if (err != NULL && err_size > 0)
				snprintf(err, err_size,
					"keyed: a key field of 1 to %zu bytes is needed",
					sizeof(pr->key_field) - 1);
			return -EINVAL;
		}
		strcpy(pr->key_field, key_field);
	}
	r->nb_rules++;
	return 0;
}

/* ---- status and latency ----------------------------------------------------- */

void
umb_cmp_status(const struct umb_cmp_rules *r, int prod, int shadow,
		struct umb_cmp_result *out)
{
	char a[16], b[16];
	int differ;

	if (prod < 0 && shadow < 0)
		return;
	if (prod < 0 || shadow < 0)
		differ = 1;
	else if (r->status_class)
		differ = prod / 100 != shadow / 100;
	else
		differ = prod != shadow;
	if (!differ)
		return;
	snprintf(a, sizeof(a), "%d", prod);
	snprintf(b, sizeof(b), "%d", shadow);
	umb_cmp_add(out, UMB_CMP_status, "", UMB_CMP_V_JSON,
			prod < 0 ? NULL : a, UMB_CMP_V_JSON,
			shadow < 0 ? NULL : b);
}

int
umb_cmp_latency(const struct umb_cmp_rules *r, uint64_t prod_us,
		uint64_t shadow_us, struct umb_cmp_result *out)
{
	char a[24], b[24];
	int slow = 0;

	if (r->slow_ms > 0) {
		/* saturating: a huge slow_ms means "never" */
		uint64_t lim = r->slow_ms > UINT64_MAX / 1000 ? UINT64_MAX :
			r->slow_ms * 1000;

		lim = prod_us > UINT64_MAX - lim ? UINT64_MAX : prod_us + lim;
		if (shadow_us > lim)
			slow = 1;
	}
	if (r->slow_ratio > 0 && (double)shadow_us > r->slow_ratio * (double)prod_us)
		slow = 1;
	if (!slow)
		return 0;
	snprintf(a, sizeof(a), "%llu", (unsigned long long)prod_us);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)shadow_us);
	umb_cmp_add(out, UMB_CMP_slow, "ttlb", UMB_CMP_V_JSON, a, UMB_CMP_V_JSON, b);
	return 1;
}
