/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for umb_cmp_json() and the path-pattern compiler.
 * Input layout:
 *   byte 0   rule action (mod 5: ignore, unordered, keyed, redact,
 *            tolerance) and caps: bit 3 max_depth 4, bit 4 max_nodes 16,
 *            bit 5 max diffs 1, bit 6 a second rule ($..* unordered)
 *   byte 1   tolerance: tol_abs = (b & 15) / 4, tol_rel = (b >> 4) / 16
 *   byte 2   pattern length L (mod 64), then L bytes of pattern; the key
 *            field of a keyed rule is the last segment's key or "id"
 *   rest     production, a 0xff byte, shadow (no 0xff: shadow is empty)
 * Each body is copied to a heap block of exactly its size, so a read past
 * it is an ASan report. Checks: the result counts are consistent, every
 * stored path and value is NUL-terminated within its buffer, and the
 * comparison of a document with itself finds nothing unless it is capped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "umb_compare.h"

#define MAX_DIFFS 16

static struct umb_cmp_rules rules;
static struct umb_cmp_diff diffs[MAX_DIFFS];

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_result(const struct umb_cmp_result *r, int rc)
{
	uint32_t i;

	check(rc == 0 || rc == 1);
	check(r->n <= r->max);
	check(r->total >= r->n);
	check((rc == 1) == (r->total > 0));
	if (r->total > r->n)
		check(r->flags & UMB_CMP_R_DIFFS_CUT);
	for (i = 0; i < r->n; i++) {
		const struct umb_cmp_diff *d = &r->diffs[i];

		check(d->kind < UMB_CMP_KIND_MAX);
		check(memchr(d->path, '\0', sizeof(d->path)) != NULL);
		check(memchr(d->val[0], '\0', sizeof(d->val[0])) != NULL);
		check(memchr(d->val[1], '\0', sizeof(d->val[1])) != NULL);
		check(d->vtype[0] <= UMB_CMP_V_TEXT && d->vtype[1] <= UMB_CMP_V_TEXT);
		if (d->kind != UMB_CMP_body)
			check(d->path[0] == '$');
	}
}

static int
run(const char *a, size_t na, const char *b, size_t nb, uint32_t max,
		struct umb_cmp_result *r)
{
	char *pa = malloc(na ? na : 1), *pb = malloc(nb ? nb : 1);
	int rc;

	if (pa == NULL || pb == NULL) {
		free(pa);
		free(pb);
		return -1;
	}
	memcpy(pa, a, na);
	memcpy(pb, b, nb);
	memset(r, 0, sizeof(*r));
	r->diffs = diffs;
	r->max = max;
	rc = umb_cmp_json(&rules, pa, na, pb, nb, r);
	free(pa);
	free(pb);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct umb_cmp_result r;
	char pat[UMB_CMP_PATTERN_MAX], err[128], field[UMB_CMP_HDR_NAME_MAX];
	const uint8_t *body, *sep;
	size_t plen, blen, na;
	uint32_t max;
	int action, rc;

	if (size < 3)
		return 0;
	umb_cmp_rules_default(&rules);
	action = data[0] % 5;
	if (data[0] & 0x08)
		rules.max_depth = 4;
	if (data[0] & 0x10)
		rules.max_nodes = 16;
	max = data[0] & 0x20 ? 1 : MAX_DIFFS;
	rules.tol_abs = (data[1] & 15) / 4.0;
	rules.tol_rel = (data[1] >> 4) / 16.0;
	plen = data[2] % 64;
	if (plen > size - 3)
		plen = size - 3;
	memcpy(pat, data + 3, plen);
	pat[plen] = '\0';
	strcpy(field, "id");
	if (umb_cmp_rules_add(&rules, action, pat, field, err, sizeof(err)) == 0) {
		const struct umb_cmp_path_rule *pr = &rules.rules[0];

		check(pr->nb_segs <= UMB_CMP_SEG_MAX);
		/* a keyed rule on its own last key, when it has one */
		if (action == UMB_RULE_KEYED && pr->nb_segs > 0 &&
				pr->segs[pr->nb_segs - 1].type == UMB_SEG_KEY &&
				pr->segs[pr->nb_segs - 1].len > 0 &&
				pr->segs[pr->nb_segs - 1].len < sizeof(field)) {
			memcpy(field, pr->segs[pr->nb_segs - 1].key,
					pr->segs[pr->nb_segs - 1].len);
			field[pr->segs[pr->nb_segs - 1].len] = '\0';
			strcpy(rules.rules[0].key_field, field);
		}
		rules.rules[0].tol_abs = rules.tol_abs * 2;
		rules.rules[0].tol_rel = rules.tol_rel / 2;
	} else {
		check(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}
	if (data[0] & 0x40)
		check(umb_cmp_rules_add(&rules, UMB_RULE_UNORDERED, "$..*", NULL,
				NULL, 0) == 0);
	body = data + 3 + plen;
	blen = size - 3 - plen;
	sep = memchr(body, 0xff, blen);
	na = sep != NULL ? (size_t)(sep - body) : blen;

	rc = run((const char *)body, na, sep != NULL ? (const char *)sep + 1 : "",
			sep != NULL ? blen - na - 1 : 0, max, &r);
	if (rc < 0)
		return 0;
	check_result(&r, rc);

	/* a document against itself: equal, unless compared by bytes */
	rc = run((const char *)body, na, (const char *)body, na, max, &r);
	if (rc < 0)
		return 0;
	check_result(&r, rc);
	check(rc == 0);
	return 0;
}
