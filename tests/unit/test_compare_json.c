/* SPDX-License-Identifier: BSD-3-Clause
 * Unit cases of the JSON diff engine (lib/compare/json.c) and of the rule
 * helpers (lib/compare/rules.c). Most cases are rows of one table: a
 * sentence that names the rule, both documents, the rules, and the exact
 * list of differences expected, in walk order, as "kind path" or, where
 * values matter, "kind path = production | shadow" (an absent value is
 * "-"). Each row runs as its own cmocka test. Hostile documents (100,000
 * nested '[', a flat 30k-key object, deep keyed arrays) are timed against
 * a generous bound. No DPDK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "umb_compare.h"

#define MAX_EXPECT 12
#define MAX_RULES 4

struct rule_spec {
	int on;
	int action;
	const char *pattern;
	const char *key_field;
	double ta, tr;
};

struct jcase {
	const char *name;
	const char *prod, *shadow;
	double tol_abs, tol_rel;
	struct rule_spec rules[MAX_RULES];
	const char *expect[MAX_EXPECT];
	uint32_t flags;        /**< flags that must be set (besides JSON) */
	uint32_t dup_keys;
	uint32_t max_depth, max_nodes, max;
	uint64_t max_doc;
	uint64_t total;        /**< 0: the number of expected lines */
};

#define R(a, p) { 1, UMB_RULE_##a, p, NULL, 0, 0 }
#define RK(p, k) { 1, UMB_RULE_KEYED, p, k, 0, 0 }
#define RT(p, a, r) { 1, UMB_RULE_TOLERANCE, p, NULL, a, r }

static const struct jcase cases[] = {
	/* objects */
	{ "key order never matters",
	  "{\"a\":1,\"b\":{\"x\":[1],\"y\":null}}",
	  "{\"b\":{\"y\":null,\"x\":[1]},\"a\":1}", .expect = { NULL } },
	{ "a key only in the shadow is added",
	  "{\"a\":1}", "{\"a\":1,\"b\":{\"c\":1}}",
	  .expect = { "added $.b = - | object(1)" } },
	{ "a key only in production is removed",
	  "{\"a\":1,\"b\":2}", "{\"a\":1}",
	  .expect = { "removed $.b = 2 | -" } },
	{ "a string of the same key that differs is changed",
	  "{\"s\":\"x\"}", "{\"s\":\"y\"}",
	  .expect = { "changed $.s = \"x\" | \"y\"" } },
	{ "a number that differs is changed",
	  "{\"n\":1}", "{\"n\":2.5}", .expect = { "changed $.n = 1 | 2.5" } },
	{ "a boolean that differs is changed, true and false are one type",
	  "{\"b\":true}", "{\"b\":false}",
	  .expect = { "changed $.b = true | false" } },
	{ "each pair of different types is type_changed, containers summarised",
	  "{\"a\":null,\"b\":true,\"c\":1,\"d\":\"s\",\"e\":[1],\"f\":{\"x\":1}}",
	  "{\"a\":0,\"b\":\"true\",\"c\":\"1\",\"d\":[],\"e\":{},\"f\":null}",
	  .expect = { "type_changed $.a = null | 0",
		"type_changed $.b = true | \"true\"",
		"type_changed $.c = 1 | \"1\"",
		"type_changed $.d = \"s\" | array(0)",
		"type_changed $.e = array(1) | object(0)",
		"type_changed $.f = object(1) | null" } },
	{ "null is a value: null against a missing key is removed",
	  "{\"a\":null}", "{}", .expect = { "removed $.a = null | -" } },
	{ "a missing key against null is added",
	  "{}", "{\"a\":null}", .expect = { "added $.a = - | null" } },
	{ "scalars at the root compare at $",
	  "\"a\"", "\"b\"", .expect = { "changed $ = \"a\" | \"b\"" } },
	/* arrays */
	{ "arrays of different lengths give one array_length and no extra elements",
	  "{\"a\":[1,2,3]}", "{\"a\":[1,2]}",
	  .expect = { "array_length $.a = 3 | 2" } },
	{ "arrays compare by index",
	  "[1,2,3]", "[1,5,3]", .expect = { "changed $[1] = 2 | 5" } },
	{ "array_length comes before the element differences",
	  "[1,2,3]", "[9,2]",
	  .expect = { "array_length $", "changed $[0]" } },
	{ "numbers compare by value: 1 == 1.0 == 1e0",
	  "[1,1.0,100,-0]", "[1e0,1,1e2,0]", .expect = { NULL } },
	{ "diffs come in walk order: objects by sorted key, depth first",
	  "{\"b\":{\"y\":1,\"x\":1},\"a\":[1,2]}",
	  "{\"b\":{\"x\":2,\"y\":2},\"a\":[1,3,4]}",
	  .expect = { "array_length $.a", "changed $.a[1]", "changed $.b.x",
		"changed $.b.y" } },
	/* tolerance */
	{ "absolute tolerance: exactly at the edge is equal",
	  "{\"x\":100}", "{\"x\":100.5}", 0.5, 0, .expect = { NULL } },
	{ "absolute tolerance: just beyond the edge is changed",
	  "{\"x\":100}", "{\"x\":100.50001}", 0.5, 0,
	  .expect = { "changed $.x" } },
	{ "relative tolerance: exactly at the edge is equal",
	  "{\"x\":75}", "{\"x\":100}", 0, 0.25, .expect = { NULL } },
	{ "relative tolerance: just beyond the edge is changed",
	  "{\"x\":74.99}", "{\"x\":100}", 0, 0.25,
	  .expect = { "changed $.x" } },
	{ "absolute tolerance: a decimal difference at the edge is equal (1.00, 1.01)",
	  "{\"p\":1.00}", "{\"p\":1.01}", 0.01, 0, .expect = { NULL } },
	{ "absolute tolerance: at the edge is equal for larger values (10.00, 10.01)",
	  "{\"p\":10.00}", "{\"p\":10.01}", 0.01, 0, .expect = { NULL } },
	{ "absolute tolerance: at the edge is equal (0.1, 0.2 with 0.1)",
	  "{\"p\":0.1}", "{\"p\":0.2}", 0.1, 0, .expect = { NULL } },
	{ "absolute tolerance: just beyond a decimal edge is changed (1.00, 1.0101)",
	  "{\"p\":1.00}", "{\"p\":1.0101}", 0.01, 0,
	  .expect = { "changed $.p = 1 | 1.0101" } },
	{ "relative tolerance: a decimal difference at the edge is equal (0.09, 0.1)",
	  "[0.09,0.06]", "[0.1,0.08]", 0, 0.25, .expect = { NULL } },
	{ "relative tolerance: just beyond a decimal edge is changed",
	  "[0.0749]", "[0.1]", 0, 0.25, .expect = { "changed $[0]" } },
	{ "no tolerance: the slack at the edge never applies, 1 ulp is a change",
	  "[1]", "[1.0000000000000002]", .expect = { "changed $[0]" } },
	{ "a tolerance rule applies below its path only",
	  "{\"p\":{\"x\":1.0},\"q\":1.0}", "{\"p\":{\"x\":1.25},\"q\":1.25}",
	  .rules = { RT("$.p", 0.5, 0) }, .expect = { "changed $.q" } },
	{ "the deepest matching tolerance rule wins",
	  "{\"p\":{\"x\":1,\"y\":1}}", "{\"p\":{\"x\":1.25,\"y\":1.25}}",
	  .rules = { RT("$.p", 0.5, 0), RT("$.p.y", 0.125, 0) },
	  .expect = { "changed $.p.y" } },
	/* ignore */
	{ "ignore an exact path",
	  "{\"meta\":{\"requestId\":\"a\",\"v\":1}}",
	  "{\"meta\":{\"requestId\":\"b\",\"v\":2}}",
	  .rules = { R(IGNORE, "$.meta.requestId") },
	  .expect = { "changed $.meta.v" } },
	{ "a pattern ignores everything below the node it matches",
	  "{\"meta\":{\"a\":{\"b\":1}},\"x\":1}",
	  "{\"meta\":{\"a\":{\"b\":2},\"c\":3},\"x\":1}",
	  .rules = { R(IGNORE, "$.meta") }, .expect = { NULL } },
	{ "..name ignores that key at any depth",
	  "{\"timestamp\":1,\"a\":{\"b\":[{\"timestamp\":2,\"v\":1}]}}",
	  "{\"timestamp\":9,\"a\":{\"b\":[{\"timestamp\":8,\"v\":2}]}}",
	  .rules = { R(IGNORE, "$..timestamp") },
	  .expect = { "changed $.a.b[0].v" } },
	{ ".* is any one key, and ignored keys are not added or removed",
	  "{\"a\":{\"x\":1,\"y\":2},\"b\":{\"c\":{\"d\":1}}}",
	  "{\"a\":{\"x\":2,\"z\":3},\"b\":{\"c\":{\"d\":2}}}",
	  .rules = { R(IGNORE, "$.a.*") }, .expect = { "changed $.b.c.d" } },
	{ "[*] is any one index",
	  "{\"items\":[{\"id\":1,\"v\":1},{\"id\":2,\"v\":2}]}",
	  "{\"items\":[{\"id\":7,\"v\":1},{\"id\":8,\"v\":3}]}",
	  .rules = { R(IGNORE, "$.items[*].id") },
	  .expect = { "changed $.items[1].v" } },
	{ "a quoted key pattern matches that key",
	  "{\"odd key\":1,\"k\":1}", "{\"odd key\":2,\"k\":2}",
	  .rules = { R(IGNORE, "$['odd key']") }, .expect = { "changed $.k" } },
	{ "an index pattern matches that index",
	  "[0,1,2,3,4]", "[0,1,2,9,8]",
	  .rules = { R(IGNORE, "$[3]") }, .expect = { "changed $[4]" } },
	{ "a rule on $ ignores the whole document",
	  "{\"a\":1}", "[2]", .rules = { R(IGNORE, "$") }, .expect = { NULL } },
	{ "a redact rule replaces the values of its differences",
	  "{\"secret\":\"a\",\"n\":1}", "{\"secret\":\"b\",\"n\":2}",
	  .rules = { R(REDACT, "$.secret") },
	  .expect = { "changed $.n = 1 | 2",
		"changed $.secret = [redacted] | [redacted]" } },
	/* unordered */
	{ "an unordered array equal up to a permutation is equal",
	  "{\"t\":[3,1,2,{\"a\":1,\"b\":2},[1,2]]}",
	  "{\"t\":[{\"b\":2,\"a\":1},2,[1,2],3,1]}",
	  .rules = { R(UNORDERED, "$.t") }, .expect = { NULL } },
	{ "an unordered array lists removed then added elements, by their own index",
	  "{\"t\":[1,2,2,3]}", "{\"t\":[3,2,4,1,5]}",
	  .rules = { R(UNORDERED, "$.t") },
	  .expect = { "removed $.t[2] = 2 | -", "added $.t[2] = - | 4",
		"added $.t[4] = - | 5" } },
	{ "an unordered array pairs its elements with ignore rules applied",
	  "{\"t\":[{\"id\":1,\"ts\":5},{\"id\":2,\"ts\":6}]}",
	  "{\"t\":[{\"id\":2,\"ts\":0},{\"id\":1,\"ts\":1}]}",
	  .rules = { R(UNORDERED, "$.t"), R(IGNORE, "$.t[*].ts") },
	  .expect = { NULL } },
	{ "an index pattern never matches inside an unordered array",
	  "{\"t\":[1,2]}", "{\"t\":[2,3]}",
	  .rules = { R(UNORDERED, "$.t"), R(IGNORE, "$.t[0]") },
	  .expect = { "removed $.t[0]", "added $.t[1]" } },
	{ "unordered arrays nest",
	  "[[1,2],[3,4]]", "[[4,3],[2,1]]",
	  .rules = { R(UNORDERED, "$"), R(UNORDERED, "$[*]") },
	  .expect = { NULL } },
	/* keyed */
	{ "a keyed array ignores the order of its objects",
	  "{\"items\":[{\"id\":1,\"v\":\"a\"},{\"id\":2,\"v\":\"b\"}]}",
	  "{\"items\":[{\"id\":2,\"v\":\"b\"},{\"id\":1,\"v\":\"a\"}]}",
	  .rules = { RK("$.items", "id") }, .expect = { NULL } },
	{ "a keyed array reports changed, removed and added objects by key",
	  "{\"items\":[{\"id\":1,\"v\":1},{\"id\":2,\"v\":2},{\"id\":3,\"v\":3}]}",
	  "{\"items\":[{\"id\":3,\"v\":30},{\"id\":4,\"v\":4},{\"id\":1,\"v\":1}]}",
	  .rules = { RK("$.items", "id") },
	  .expect = { "removed $.items[?(@.id==2)] = object(2) | -",
		"changed $.items[?(@.id==3)].v = 3 | 30",
		"added $.items[?(@.id==4)] = - | object(2)" } },
	{ "a string key is quoted with ' and \\ escaped",
	  "[{\"sku\":\"a'b\",\"n\":1}]", "[{\"sku\":\"a'b\",\"n\":2}]",
	  .rules = { RK("$", "sku") },
	  .expect = { "changed $[?(@.sku=='a\\'b')].n" } },
	{ "keyed elements without the key or with a repeated key pair by order",
	  "{\"items\":[{\"id\":1},{\"x\":1},{\"id\":5,\"v\":1},{\"id\":5,\"v\":2}]}",
	  "{\"items\":[{\"x\":2},{\"id\":1},{\"id\":5,\"v\":1}]}",
	  .rules = { RK("$.items", "id") },
	  .expect = { "changed $.items[1].x", "removed $.items[2]",
		"removed $.items[3]", "added $.items[?(@.id==5)]" } },
	{ "ignore rules with [*] apply to keyed elements",
	  "{\"items\":[{\"id\":1,\"ts\":1},{\"id\":2,\"ts\":2}]}",
	  "{\"items\":[{\"id\":2,\"ts\":3},{\"id\":1,\"ts\":4}]}",
	  .rules = { RK("$.items", "id"), R(IGNORE, "$.items[*].ts") },
	  .expect = { NULL } },
	/* keys and paths */
	{ "keys compare unescaped: \\u00e9 equals a literal é",
	  "{\"\\u00e9\":1}", "{\"\xc3\xa9\":1}", .expect = { NULL } },
	{ "a non-identifier key is written ['key']",
	  "{\"\xc3\xa9\":1,\"a-b\":1,\"\":1}", "{\"\xc3\xa9\":2,\"a-b\":2,\"\":2}",
	  .expect = { "changed $['']", "changed $['a-b']",
		"changed $['\xc3\xa9']" } },
	{ "a key with a quote and a backslash is escaped in the path",
	  "{\"a'b\\\\c\":1}", "{\"a'b\\\\c\":2}",
	  .expect = { "changed $['a\\'b\\\\c']" } },
	{ "a control character in a key is written \\u00XX",
	  "{\"a\\nb\":1}", "{\"a\\nb\":2}", .expect = { "changed $['a\\u000ab']" } },
	{ "duplicate keys: the last one wins and they are counted",
	  "{\"a\":1,\"a\":2,\"b\":{\"c\":1,\"c\":1}}", "{\"a\":2,\"b\":{\"c\":1}}",
	  .expect = { NULL }, .flags = UMB_CMP_R_DUP_KEYS, .dup_keys = 2 },
	{ "duplicate keys: a different last value is a change",
	  "{\"a\":2,\"a\":1}", "{\"a\":2}", .expect = { "changed $.a = 1 | 2" },
	  .flags = UMB_CMP_R_DUP_KEYS, .dup_keys = 1 },
	{ "duplicate keys in objects listing the same keys in order",
	  "{\"b\":1,\"a\":1,\"b\":2}", "{\"b\":1,\"a\":1,\"b\":3}",
	  .expect = { "changed $.b = 2 | 3" },
	  .flags = UMB_CMP_R_DUP_KEYS, .dup_keys = 2 },
	{ "duplicate keys under an ignored path are not looked at",
	  "{\"meta\":{\"a\":1,\"a\":2},\"x\":1}", "{\"meta\":{},\"x\":2}",
	  .rules = { R(IGNORE, "$.meta") }, .expect = { "changed $.x" } },
	{ "an object reported whole counts distinct keys and its duplicates",
	  "{\"a\":1}", "{\"a\":1,\"b\":{\"c\":1,\"c\":2}}",
	  .expect = { "added $.b = - | object(1)" },
	  .flags = UMB_CMP_R_DUP_KEYS, .dup_keys = 1 },
	{ "objects with the same unsorted keys report in key order",
	  "{\"z\":1,\"m\":{\"q\":1,\"b\":1},\"a\":1}",
	  "{\"z\":2,\"m\":{\"q\":2,\"b\":2},\"a\":2}",
	  .expect = { "changed $.a", "changed $.m.b", "changed $.m.q",
		"changed $.z" } },
	{ "keys sharing an 8-byte prefix order like strcmp",
	  "{\"prefix12b\":1,\"prefix12a\":1,\"prefix12\":1}",
	  "{\"prefix12b\":2,\"prefix12a\":2,\"prefix12\":2}",
	  .expect = { "changed $.prefix12", "changed $.prefix12a",
		"changed $.prefix12b" } },
	/* invalid */
	{ "invalid JSON on one side is one invalid_json at $",
	  "{\"a\":1}", "{\"a\":1,}",
	  .expect = { "invalid_json $ = valid | invalid" } },
	{ "an empty body against a document is invalid_json",
	  "", "{}", .expect = { "invalid_json $ = invalid | valid" } },
	{ "invalid JSON on both sides with equal bytes is equal",
	  "{oops", "{oops", .expect = { NULL } },
	{ "invalid JSON on both sides with different bytes is invalid_json",
	  "{oops", "{oups", .expect = { "invalid_json $ = invalid | invalid" } },
	{ "trailing garbage or leading zeros are invalid (a BOM is skipped)",
	  "[1] x", "\xef\xbb\xbf[01]",
	  .expect = { "invalid_json $ = invalid | invalid" } },
	{ "a UTF-8 BOM is skipped: a BOM-prefixed document equals the same without",
	  "\xef\xbb\xbf{\"a\":1,\"b\":[true]}", "{\"b\":[true],\"a\":1}",
	  .expect = { NULL } },
	{ "a UTF-8 BOM is skipped on the shadow side too, and differences still show",
	  "{\"a\":1}", "\xef\xbb\xbf{\"a\":2}",
	  .expect = { "changed $.a = 1 | 2" } },
	{ "only one BOM is skipped: a second one is invalid",
	  "\xef\xbb\xbf\xef\xbb\xbf{}", "{}",
	  .expect = { "invalid_json $ = invalid | valid" } },
	{ "empty bodies on both sides are equal", "", "", .expect = { NULL } },
	/* caps */
	{ "max_diffs keeps the first differences and counts them all",
	  "[1,2,3,4]", "[5,6,7,8]", .max = 2,
	  .expect = { "changed $[0]", "changed $[1]" }, .total = 4,
	  .flags = UMB_CMP_R_DIFFS_CUT },
	{ "deeper than max_depth compares by bytes",
	  "[[[[1]]]]", "[[[[2]]]]", .max_depth = 3,
	  .expect = { "body  = 9 | 9" }, .flags = UMB_CMP_R_CAPPED },
	{ "deeper than max_depth but identical bytes is equal, not capped",
	  "[[[[1]]]]", "[[[[1]]]]", .max_depth = 3, .expect = { NULL } },
	{ "above max_doc_bytes but identical bytes is equal, not capped",
	  "{\"a\":1}", "{\"a\":1}", .max_doc = 4, .expect = { NULL } },
	{ "identical bytes count nothing, not even duplicate keys",
	  "{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}", .expect = { NULL } },
	{ "invalid JSON is invalid_json even when deeper than max_depth",
	  "[[[[1]]]]", "[[[[1]]]", .max_depth = 3,
	  .expect = { "invalid_json $ = valid | invalid" } },
	{ "more nodes than max_nodes compares by bytes",
	  "[1,2,3]", "[1,2,4,5]", .max_nodes = 3,
	  .expect = { "body  = 7 | 9" }, .flags = UMB_CMP_R_CAPPED },
	{ "a document above max_doc_bytes compares by bytes",
	  "{\"a\":1}", "{\"a\":2}", .max_doc = 4,
	  .expect = { "body " }, .flags = UMB_CMP_R_CAPPED },
	{ "numbers compare as doubles: digits past their precision do not count",
	  "[0.10000000000000000000000000000000000000000000000000000000000000001]",
	  "[0.10000000000000000000000000000000000000000000000000000000000000002]",
	  .expect = { NULL } },
	{ "a lone UTF-16 surrogate cJSON refuses compares by bytes",
	  "[\"\\uDADA\"]", "[\"\\uDADB\"]",
	  .expect = { "body  = 10 | 10" }, .flags = UMB_CMP_R_CAPPED },
};

/* ---- helpers ----------------------------------------------------------------- */

#define DIFFS 64

static struct umb_cmp_diff diffs[DIFFS];

static void
result_init(struct umb_cmp_result *r, uint32_t max)
{
	memset(r, 0, sizeof(*r));
	r->diffs = diffs;
	r->max = max;
}

static void
fmt_diff(const struct umb_cmp_diff *d, int values, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s %s", umb_cmp_kind_name(d->kind), d->path);

	if (values && n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " = %s | %s",
				d->vtype[0] == UMB_CMP_V_NONE ? "-" : d->val[0],
				d->vtype[1] == UMB_CMP_V_NONE ? "-" : d->val[1]);
}

static void
setup_rules(struct umb_cmp_rules *rules, const struct jcase *tc)
{
	char err[128];
	int i;

	umb_cmp_rules_default(rules);
	rules->tol_abs = tc->tol_abs;
	rules->tol_rel = tc->tol_rel;
	if (tc->max_depth)
		rules->max_depth = tc->max_depth;
	if (tc->max_nodes)
		rules->max_nodes = tc->max_nodes;
	if (tc->max_doc)
		rules->max_doc_bytes = tc->max_doc;
	for (i = 0; i < MAX_RULES && tc->rules[i].on; i++) {
		int rc = umb_cmp_rules_add(rules, tc->rules[i].action,
				tc->rules[i].pattern, tc->rules[i].key_field,
				err, sizeof(err));

		if (rc != 0)
			fail_msg("rule %s: %s", tc->rules[i].pattern, err);
		rules->rules[rules->nb_rules - 1].tol_abs = tc->rules[i].ta;
		rules->rules[rules->nb_rules - 1].tol_rel = tc->rules[i].tr;
	}
}

static void
run_case(void **state)
{
	const struct jcase *tc = *state;
	struct umb_cmp_rules *rules = malloc(sizeof(*rules));
	struct umb_cmp_result r;
	char got[512];
	uint32_t ne = 0, i;
	int rc, mismatch;

	assert_non_null(rules);
	setup_rules(rules, tc);
	while (ne < MAX_EXPECT && tc->expect[ne] != NULL)
		ne++;
	result_init(&r, tc->max ? tc->max : DIFFS);
	rc = umb_cmp_json(rules, tc->prod, strlen(tc->prod), tc->shadow,
			strlen(tc->shadow), &r);
	/* on a mismatch, show everything that was found */
	mismatch = r.n != ne;
	for (i = 0; i < r.n && !mismatch; i++) {
		fmt_diff(&r.diffs[i], strstr(tc->expect[i], " = ") != NULL, got,
				sizeof(got));
		mismatch = strcmp(got, tc->expect[i]) != 0;
	}
	for (i = 0; mismatch && i < r.n; i++) {
		fmt_diff(&r.diffs[i], 1, got, sizeof(got));
		print_message("  got: %s\n", got);
	}
	assert_int_equal(rc, ne > 0 ? 1 : 0);
	assert_int_equal(r.n, ne);
	assert_int_equal(r.total, tc->total ? tc->total : ne);
	for (i = 0; i < ne; i++) {
		fmt_diff(&r.diffs[i], strstr(tc->expect[i], " = ") != NULL, got,
				sizeof(got));
		assert_string_equal(got, tc->expect[i]);
	}
	assert_true(r.flags & UMB_CMP_R_JSON);
	assert_int_equal(r.flags & tc->flags, tc->flags);
	if (!(tc->flags & UMB_CMP_R_CAPPED))
		assert_false(r.flags & UMB_CMP_R_CAPPED);
	assert_int_equal(r.dup_keys, tc->dup_keys);
	free(rules);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- single tests ---------------------------------------------------------- */

static void
test_defaults(void **state)
{
	struct umb_cmp_rules r;

	(void)state;
	umb_cmp_rules_default(&r);
	assert_int_equal(r.headers_on, 1);
	assert_int_equal(r.hdr_defaults, 1);
	assert_int_equal(r.body_on, 1);
	assert_int_equal(r.json_sniff, 1);
	assert_int_equal(r.status_class, 0);
	assert_int_equal(r.max_depth, 64);
	assert_int_equal(r.max_nodes, 100000);
	assert_int_equal(r.max_doc_bytes, 1024 * 1024);
	assert_int_equal(r.max_diffs, 100);
	assert_int_equal(r.slow_ms, 2000);
	assert_true(r.slow_ratio == 0 && r.tol_abs == 0 && r.tol_rel == 0);
	assert_int_equal(r.decode_max, 1024 * 1024);
	assert_int_equal(r.decode_ratio, 100);
	assert_int_equal(r.nb_rules, 0);
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(umb_cmp_kind_name(UMB_CMP_status), "status");
	assert_string_equal(umb_cmp_kind_name(UMB_CMP_type_changed), "type_changed");
	assert_string_equal(umb_cmp_kind_name(UMB_CMP_slow), "slow");
	assert_string_equal(umb_cmp_kind_name(UMB_CMP_KIND_MAX), "unknown");
}

static void
test_pattern_compile(void **state)
{
	static const struct { const char *p, *err; } bad[] = {
		{ "a", "a pattern must start with '$' at offset 0" },
		{ "", "a pattern must start with '$' at offset 0" },
		{ "$.", "unexpected end at offset 2" },
		{ "$..", "unexpected end at offset 3" },
		{ "$...a", "unexpected '.' at offset 3" },
		{ "$.a b", "unexpected ' ' at offset 3" },
		{ "$[x]", "unexpected 'x' at offset 2" },
		{ "$['a", "unexpected end at offset 4" },
		{ "$['a\\q']", "bad escape (only \\\\ and \\') at offset 5" },
		{ "$[99999999999]", "index too large at offset 11" },
		{ "$[3", "unexpected end at offset 3" },
		{ "$[*", "unexpected end at offset 3" },
		{ "$.1a", "unexpected '1' at offset 2" },
	};
	struct umb_cmp_path_rule pr;
	char err[128], big[200];
	size_t i;

	(void)state;
	assert_int_equal(umb_cmp_pattern_compile(&pr,
			"$.a..b[*]['x\\'y\\\\'][3].*..*.c-d", err, sizeof(err)), 0);
	assert_int_equal(pr.nb_segs, 10);
	assert_int_equal(pr.segs[0].type, UMB_SEG_KEY);
	assert_int_equal(pr.segs[1].type, UMB_SEG_DESCEND);
	assert_int_equal(pr.segs[2].type, UMB_SEG_KEY);
	assert_int_equal(pr.segs[3].type, UMB_SEG_ANY);
	assert_int_equal(pr.segs[4].type, UMB_SEG_KEY);
	assert_int_equal(pr.segs[4].len, 4);
	assert_memory_equal(pr.segs[4].key, "x'y\\", 4);
	assert_int_equal(pr.segs[5].type, UMB_SEG_INDEX);
	assert_int_equal(pr.segs[5].index, 3);
	assert_int_equal(pr.segs[6].type, UMB_SEG_ANY);
	assert_int_equal(pr.segs[7].type, UMB_SEG_DESCEND);
	assert_int_equal(pr.segs[8].type, UMB_SEG_ANY);
	assert_int_equal(pr.segs[9].len, 3);
	assert_int_equal(umb_cmp_pattern_compile(&pr, "$", err, sizeof(err)), 0);
	assert_int_equal(pr.nb_segs, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(umb_cmp_pattern_compile(&pr, bad[i].p, err,
				sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].err);
	}
	/* 33 segments, and 128 bytes */
	strcpy(big, "$");
	for (i = 0; i < 33; i++)
		strcat(big, "[1]");
	assert_int_equal(umb_cmp_pattern_compile(&pr, big, err, sizeof(err)),
			-EINVAL);
	assert_non_null(strstr(err, "too many segments"));
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '$';
	big[1] = '.';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(umb_cmp_pattern_compile(&pr, big, err, sizeof(err)),
			-EINVAL);
	assert_non_null(strstr(err, "too long"));
}

static void
test_rules_add(void **state)
{
	struct umb_cmp_rules *r = malloc(sizeof(*r));
	char err[128];
	int i;

	(void)state;
	umb_cmp_rules_default(r);
	assert_int_equal(umb_cmp_rules_add(r, UMB_RULE_KEYED, "$.a", NULL, err,
			sizeof(err)), -EINVAL);
	assert_int_equal(umb_cmp_rules_add(r, 99, "$.a", NULL, err,
			sizeof(err)), -EINVAL);
	assert_int_equal(umb_cmp_rules_add(r, UMB_RULE_IGNORE, "$.a[", NULL, err,
			sizeof(err)), -EINVAL);
	assert_int_equal(r->nb_rules, 0);
	for (i = 0; i < UMB_CMP_RULES_MAX; i++)
		assert_int_equal(umb_cmp_rules_add(r, UMB_RULE_IGNORE, "$.a",
				NULL, err, sizeof(err)), 0);
	assert_int_equal(umb_cmp_rules_add(r, UMB_RULE_IGNORE, "$.a", NULL, err,
			sizeof(err)), -ENOSPC);
	free(r);
}

/* the rules work from a copy: segment keys are not taken from seg.key */
static void
test_rules_copy(void **state)
{
	struct umb_cmp_rules *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct umb_cmp_result r;
	const char *p = "{\"x\":{\"y\":1},\"z\":1}", *s = "{\"x\":{\"y\":2},\"z\":2}";

	(void)state;
	umb_cmp_rules_default(a);
	assert_int_equal(umb_cmp_rules_add(a, UMB_RULE_IGNORE, "$['x'].y", NULL,
			NULL, 0), 0);
	*b = *a;
	memset(a, 0xa5, sizeof(*a));
	free(a);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_json(b, p, strlen(p), s, strlen(s), &r), 1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.diffs[0].path, "$.z");
	free(b);
}

static void
test_add_cuts(void **state)
{
	struct umb_cmp_result r;
	char path[400], val[200];
	size_t i;

	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	/* a value of 2-byte characters: the cut must not split one */
	for (i = 0; i + 2 < sizeof(val); i += 2)
		memcpy(val + i, "\xc3\xa9", 2);
	val[i] = '\0';
	result_init(&r, 1);
	assert_non_null(umb_cmp_add(&r, UMB_CMP_changed, path, UMB_CMP_V_JSON,
			val, UMB_CMP_V_JSON, "1"));
	assert_int_equal(strlen(r.diffs[0].path), UMB_CMP_PATH_MAX - 1);
	assert_string_equal(r.diffs[0].path + UMB_CMP_PATH_MAX - 4, "...");
	assert_int_equal(r.diffs[0].vtype[0], UMB_CMP_V_TEXT);
	assert_int_equal(r.diffs[0].vtype[1], UMB_CMP_V_JSON);
	i = strlen(r.diffs[0].val[0]);
	assert_true(i <= UMB_CMP_VALUE_MAX - 1);
	assert_string_equal(r.diffs[0].val[0] + i - 3, "...");
	assert_int_equal((i - 3) % 2, 0);
	assert_null(umb_cmp_add(&r, UMB_CMP_changed, "$", 0, NULL, 0, NULL));
	assert_int_equal(r.total, 2);
	assert_true(r.flags & UMB_CMP_R_DIFFS_CUT);
	umb_cmp_result_clear(&r);
	assert_int_equal(r.n + r.total + r.flags, 0);
}

static void
test_long_path_and_value(void **state)
{
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	char p[1200], s[1200], key[301];
	size_t i, n;

	(void)state;
	umb_cmp_rules_default(&rules);
	memset(key, 'k', 300);
	key[300] = '\0';
	snprintf(p, sizeof(p), "{\"%s\":{\"a\":1}}", key);
	snprintf(s, sizeof(s), "{\"%s\":{\"a\":2}}", key);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_json(&rules, p, strlen(p), s, strlen(s), &r), 1);
	assert_int_equal(r.n, 1);
	n = strlen(r.diffs[0].path);
	assert_int_equal(n, UMB_CMP_PATH_MAX - 1);
	assert_memory_equal(r.diffs[0].path, "$.kkk", 5);
	assert_string_equal(r.diffs[0].path + n - 3, "...");
	/* a long string value of "é": cut whole, after an escape unit */
	n = (size_t)snprintf(p, sizeof(p), "[\"");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "\xc3\xa9");
	snprintf(p + n, sizeof(p) - n, "\"]");
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_json(&rules, p, strlen(p), "[\"x\\u0001\"]",
			11, &r), 1);
	assert_int_equal(r.diffs[0].vtype[0], UMB_CMP_V_TEXT);
	n = strlen(r.diffs[0].val[0]);
	assert_true(n <= UMB_CMP_VALUE_MAX - 1);
	assert_string_equal(r.diffs[0].val[0] + n - 3, "...");
	assert_int_equal((n - 4) % 2, 0);  /* '"' then whole 2-byte chars */
	assert_int_equal(r.diffs[0].vtype[1], UMB_CMP_V_JSON);
	assert_string_equal(r.diffs[0].val[1], "\"x\\u0001\"");
}

static void
test_status(void **state)
{
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;

	(void)state;
	umb_cmp_rules_default(&rules);
	result_init(&r, DIFFS);
	umb_cmp_status(&rules, 200, 200, &r);
	umb_cmp_status(&rules, -1, -1, &r);
	assert_int_equal(r.n, 0);
	umb_cmp_status(&rules, 200, 201, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.diffs[0].kind, UMB_CMP_status);
	assert_string_equal(r.diffs[0].path, "");
	assert_string_equal(r.diffs[0].val[0], "200");
	assert_string_equal(r.diffs[0].val[1], "201");
	assert_int_equal(r.diffs[0].vtype[0], UMB_CMP_V_JSON);
	rules.status_class = 1;
	umb_cmp_status(&rules, 200, 204, &r);
	assert_int_equal(r.n, 1);
	umb_cmp_status(&rules, 200, 503, &r);
	assert_int_equal(r.n, 2);
	umb_cmp_status(&rules, -1, 200, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.diffs[2].vtype[0], UMB_CMP_V_NONE);
	assert_string_equal(r.diffs[2].val[1], "200");
}

static void
test_latency(void **state)
{
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;

	(void)state;
	umb_cmp_rules_default(&rules);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_latency(&rules, 1000, 2001000, &r), 0);
	assert_int_equal(umb_cmp_latency(&rules, 1000, 2001001, &r), 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.diffs[0].kind, UMB_CMP_slow);
	assert_string_equal(r.diffs[0].path, "ttlb");
	assert_string_equal(r.diffs[0].val[0], "1000");
	assert_string_equal(r.diffs[0].val[1], "2001001");
	rules.slow_ms = 0;
	rules.slow_ratio = 2;
	assert_int_equal(umb_cmp_latency(&rules, 1000, 2000, &r), 0);
	assert_int_equal(umb_cmp_latency(&rules, 1000, 2001, &r), 1);
	rules.slow_ratio = 0;
	assert_int_equal(umb_cmp_latency(&rules, 1, UINT64_MAX, &r), 0);
	rules.slow_ms = UINT64_MAX;
	assert_int_equal(umb_cmp_latency(&rules, 1, UINT64_MAX, &r), 0);
	assert_int_equal(r.n, 2);
}

/* the return value is about this comparison, not the earlier diffs */
static void
test_accumulates(void **state)
{
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;

	(void)state;
	umb_cmp_rules_default(&rules);
	result_init(&r, DIFFS);
	umb_cmp_status(&rules, 200, 500, &r);
	assert_int_equal(umb_cmp_json(&rules, "[1]", 3, "[1]", 3, &r), 0);
	assert_int_equal(umb_cmp_json(&rules, "[1]", 3, "[2]", 3, &r), 1);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.diffs[1].kind, UMB_CMP_changed);
}

/*
 * The comparator's cJSON arena (lib/compare/jarena.c): a document larger
 * than the arena keeps between calls, then small ones, then a duplicate key
 * (its dropped member is freed inside the arena), each right; and cJSON
 * used outside a comparison (the exporter, umbractl) still allocates and
 * frees on the heap, also once the hooks are in place.
 */
#define SL(s) (s), strlen(s)
static void
test_arena_reuse(void **state)
{
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	size_t n = 60000, len = 0, cap = 16 * n + 16;
	char *big = malloc(cap), *big2;
	cJSON *o;

	(void)state;
	assert_non_null(big);
	big[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(big + len, cap - len, "%s{\"k\":%zu}",
				i ? "," : "", i);
	big[len++] = ']';
	big2 = malloc(len + 1);
	assert_non_null(big2);
	memcpy(big2, big, len);
	/* the last element differs */
	big2[len - 3] = big2[len - 3] == '1' ? '2' : '1';
	umb_cmp_rules_default(&rules);
	rules.max_nodes = 1000000;
	rules.max_doc_bytes = 16u << 20;
	for (int round = 0; round < 3; round++) {
		result_init(&r, DIFFS);
		assert_int_equal(umb_cmp_json(&rules, big, len, big2, len, &r), 1);
		assert_int_equal(r.n, 1);
		assert_string_equal(r.diffs[0].path, "$[59999].k");
		result_init(&r, DIFFS);
		assert_int_equal(umb_cmp_json(&rules, SL("{\"a\":1,\"b\":[true]}"),
				SL("{\"b\":[true],\"a\":1}"), &r), 0);
		result_init(&r, DIFFS);
		assert_int_equal(umb_cmp_json(&rules, SL("{\"a\":1,\"a\":2}"),
				SL("{\"a\":2}"), &r), 0);
		assert_true(r.dup_keys >= 1);
		o = cJSON_Parse("{\"outside\":[1,2,3]}");
		assert_non_null(o);
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "outside")), 3);
		cJSON_Delete(o);
	}
	free(big);
	free(big2);
}

/* ---- hostile documents ------------------------------------------------------ */

static void
test_nested_100k(void **state)
{
	size_t n = 100000, k, i;
	char *a = malloc(2 * n + 1), *b = malloc(2 * n + 1);
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	double t;
	int pass;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	/* [[[...[1]...]]] against [[[...[2]...]]]: valid, far too deep */
	for (i = 0; i < 2 * n + 1; i++)
		a[i] = b[i] = i < n ? '[' : i > n ? ']' : '1';
	b[n] = '2';
	for (pass = 0; pass < 3; pass++) {
		umb_cmp_rules_default(&rules);
		/* pass 1: no cap of our own, cJSON's 1000 still holds */
		if (pass == 1)
			rules.max_depth = 0;
		result_init(&r, DIFFS);
		t = now_s();
		/* pass 2: 100,000 '[' alone (JSONTestSuite's n_ case) */
		if (pass == 2)
			assert_int_equal(umb_cmp_json(&rules, a, n, "{}", 2, &r), 1);
		else
			assert_int_equal(umb_cmp_json(&rules, a, 2 * n + 1, b,
					2 * n + 1, &r), 1);
		t = now_s() - t;
		print_message("  100k nested '[' (pass %d): %.3f ms\n", pass,
				t * 1e3);
		assert_true(t < 2.0);
		assert_int_equal(r.n, 1);
		if (pass == 2) {
			assert_false(r.flags & UMB_CMP_R_CAPPED);
			assert_int_equal(r.diffs[0].kind, UMB_CMP_invalid_json);
			continue;
		}
		assert_true(r.flags & UMB_CMP_R_CAPPED);
		assert_int_equal(r.diffs[0].kind, UMB_CMP_body);
		assert_int_equal(r.diffs[0].offset, n);
	}
	/* identical documents are equal at once, however deep: not capped */
	result_init(&r, DIFFS);
	t = now_s();
	assert_int_equal(umb_cmp_json(&rules, a, 2 * n + 1, a, 2 * n + 1, &r), 0);
	t = now_s() - t;
	assert_true(t < 2.0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.nodes, 0);
	assert_false(r.flags & UMB_CMP_R_CAPPED);
	/* 1000 levels is what cJSON takes: walked, not capped */
	rules.max_depth = 1000;
	k = 1000;
	for (i = 0; i < 2 * k + 1; i++)
		a[i] = b[i] = i < k ? '[' : i > k ? ']' : '1';
	b[k] = '2';
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_json(&rules, a, 2 * k + 1, b, 2 * k + 1, &r), 1);
	assert_false(r.flags & UMB_CMP_R_CAPPED);
	assert_int_equal(r.diffs[0].kind, UMB_CMP_changed);
	free(a);
	free(b);
}

static char *
flat_object(int n, int reverse, int change)
{
	char *s = malloc((size_t)n * 24 + 16);
	size_t o = 0;
	int i;

	s[o++] = '{';
	for (i = 0; i < n; i++) {
		int k = reverse ? n - 1 - i : i;

		o += (size_t)sprintf(s + o, "%s\"k%d\":%d", i ? "," : "", k,
				change == -2 ? k + 1 : k == change ? -1 : k);
	}
	s[o++] = '}';
	s[o] = '\0';
	return s;
}

static void
test_flat_30k(void **state)
{
	char *a = flat_object(30000, 0, -1), *b = flat_object(30000, 1, 12345);
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	double t;

	(void)state;
	umb_cmp_rules_default(&rules);
	umb_cmp_rules_add(&rules, UMB_RULE_IGNORE, "$..timestamp", NULL, NULL, 0);
	result_init(&r, DIFFS);
	t = now_s();
	assert_int_equal(umb_cmp_json(&rules, a, strlen(a), b, strlen(b), &r), 1);
	t = now_s() - t;
	print_message("  flat 30k-key object: %.3f ms\n", t * 1e3);
	assert_true(t < 2.0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.diffs[0].path, "$.k12345");
	assert_false(r.flags & UMB_CMP_R_CAPPED);
	assert_int_equal(r.nodes, 60002);
	free(a);
	free(b);
}

/* 60 levels of keyed arrays, 1000 objects wide at the top */
static void
test_deep_keyed(void **state)
{
	size_t cap = 4 << 20, o = 0, q = 0;
	char *a = malloc(cap), *b = malloc(cap);
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	double t;
	int i;

	(void)state;
	o += (size_t)sprintf(a + o, "{\"c\":[");
	q += (size_t)sprintf(b + q, "{\"c\":[");
	for (i = 0; i < 1000; i++) {
		o += (size_t)sprintf(a + o, "%s{\"id\":%d,\"v\":%d}", i ? "," : "",
				i, i);
		q += (size_t)sprintf(b + q, "%s{\"id\":%d,\"v\":%d}", i ? "," : "",
				999 - i, 999 - i == 500 ? 0 : 999 - i);
	}
	for (i = 0; i < 60; i++) {
		o += (size_t)sprintf(a + o, "%s{\"id\":\"d%d\",\"c\":[",
				i ? "" : ",", i);
		q += (size_t)sprintf(b + q, "%s{\"id\":\"d%d\",\"c\":[",
				i ? "" : ",", i);
	}
	o += (size_t)sprintf(a + o, "{\"id\":1,\"v\":1}");
	q += (size_t)sprintf(b + q, "{\"id\":1,\"v\":2}");
	for (i = 0; i < 61; i++) {
		o += (size_t)sprintf(a + o, "]}");
		q += (size_t)sprintf(b + q, "]}");
	}
	umb_cmp_rules_default(&rules);
	rules.max_depth = 200;
	assert_int_equal(umb_cmp_rules_add(&rules, UMB_RULE_KEYED, "$..c", "id",
			NULL, 0), 0);
	result_init(&r, DIFFS);
	t = now_s();
	assert_int_equal(umb_cmp_json(&rules, a, o, b, q, &r), 1);
	t = now_s() - t;
	print_message("  deep keyed arrays (%zu bytes): %.3f ms\n", o, t * 1e3);
	assert_true(t < 2.0);
	assert_false(r.flags & UMB_CMP_R_CAPPED);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.diffs[0].path, "$.c[?(@.id==500)].v");
	assert_int_equal(strncmp(r.diffs[1].path, "$.c[?(@.id=='d0')].c[?(@.id=='d1')]",
			35), 0);
	free(a);
	free(b);
}

/* 15k equal elements, then 15k distinct ones reversed, unordered */
static void
test_unordered_large(void **state)
{
	size_t cap = 1 << 20, o = 0, q = 0;
	char *a = malloc(cap), *b = malloc(cap);
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	double t;
	int i;

	(void)state;
	o += (size_t)sprintf(a + o, "[");
	q += (size_t)sprintf(b + q, "[");
	for (i = 0; i < 15000; i++) {
		o += (size_t)sprintf(a + o, "%s{\"a\":1}", i ? "," : "");
		q += (size_t)sprintf(b + q, "%s{\"a\":1}", i ? "," : "");
	}
	for (i = 0; i < 15000; i++) {
		o += (size_t)sprintf(a + o, ",[%d,\"x\"]", i);
		q += (size_t)sprintf(b + q, ",[%d,\"x\"]", 14999 - i);
	}
	o += (size_t)sprintf(a + o, "]");
	q += (size_t)sprintf(b + q, ",7]");
	umb_cmp_rules_default(&rules);
	assert_int_equal(umb_cmp_rules_add(&rules, UMB_RULE_UNORDERED, "$", NULL,
			NULL, 0), 0);
	result_init(&r, DIFFS);
	t = now_s();
	assert_int_equal(umb_cmp_json(&rules, a, o, b, q, &r), 1);
	t = now_s() - t;
	print_message("  unordered 30k elements: %.3f ms\n", t * 1e3);
	assert_true(t < 2.0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.diffs[0].path, "$[30000]");
	assert_int_equal(r.diffs[0].kind, UMB_CMP_added);
	free(a);
	free(b);
}

/*
 * Objects of more than 16 members listing the same keys in the same
 * (unsorted) order: differences come in key order; a repeated key among
 * them falls back to normalisation (the last one wins, counted).
 */
static void
test_large_same_order(void **state)
{
	char a[2048], b[2048];
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;
	size_t o = 0, q = 0;
	int i;

	(void)state;
	for (i = 39; i >= 0; i--) {
		o += (size_t)sprintf(a + o, "%s\"k%02d\":%d", i == 39 ? "{" : ",",
				i, i);
		q += (size_t)sprintf(b + q, "%s\"k%02d\":%d", i == 39 ? "{" : ",",
				i, i == 7 || i == 30 ? -i : i);
	}
	a[o++] = '}';
	b[q++] = '}';
	umb_cmp_rules_default(&rules);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_json(&rules, a, o, b, q, &r), 1);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.diffs[0].path, "$.k07");
	assert_string_equal(r.diffs[1].path, "$.k30");
	assert_int_equal(r.dup_keys, 0);
	assert_int_equal(r.nodes, 82);
	/* the same with k05 written twice on both sides, last values differ */
	memcpy(a + o - 1, ",\"k05\":1}", 10);
	memcpy(b + q - 1, ",\"k05\":2}", 10);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_json(&rules, a, o + 8, b, q + 8, &r), 1);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.diffs[0].path, "$.k05");
	assert_string_equal(r.diffs[1].path, "$.k07");
	assert_string_equal(r.diffs[2].path, "$.k30");
	assert_int_equal(r.dup_keys, 2);
	assert_true(r.flags & UMB_CMP_R_DUP_KEYS);
}

/* a sniffed body with a UTF-8 BOM is JSON, and the BOM is not part of it */
static void
test_body_bom(void **state)
{
	static const char with[] = "\xef\xbb\xbf {\"a\":[1,2]}";
	static const char without[] = "{\"a\":[1,2]}";
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;

	(void)state;
	umb_cmp_rules_default(&rules);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_body(&rules, NULL, 0, (const uint8_t *)with,
			sizeof(with) - 1, NULL, 0, (const uint8_t *)without,
			sizeof(without) - 1, &r), 0);
	assert_int_equal(r.n, 0);
	assert_true(r.flags & UMB_CMP_R_JSON);
	result_init(&r, DIFFS);
	assert_int_equal(umb_cmp_body(&rules, "application/json", 16,
			(const uint8_t *)without, sizeof(without) - 1, NULL, 0,
			(const uint8_t *)with, sizeof(with) - 1, &r), 0);
	assert_int_equal(r.n, 0);
}

/* past 100 x max differences the walk stops descending */
static void
test_diff_walk_bound(void **state)
{
	char *a = flat_object(20000, 0, -1), *b = flat_object(20000, 1, -2);
	struct umb_cmp_rules rules;
	struct umb_cmp_result r;

	(void)state;
	umb_cmp_rules_default(&rules);
	result_init(&r, 2);
	assert_int_equal(umb_cmp_json(&rules, a, strlen(a), b, strlen(b), &r), 1);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.total, 200);
	assert_true(r.flags & UMB_CMP_R_DIFFS_CUT);
	free(a);
	free(b);
}

int
main(void)
{
	static const struct CMUnitTest single[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_pattern_compile),
		cmocka_unit_test(test_rules_add),
		cmocka_unit_test(test_rules_copy),
		cmocka_unit_test(test_add_cuts),
		cmocka_unit_test(test_long_path_and_value),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_accumulates),
		cmocka_unit_test(test_nested_100k),
		cmocka_unit_test(test_flat_30k),
		cmocka_unit_test(test_deep_keyed),
		cmocka_unit_test(test_unordered_large),
		cmocka_unit_test(test_diff_walk_bound),
		cmocka_unit_test(test_large_same_order),
		cmocka_unit_test(test_body_bom),
		cmocka_unit_test(test_arena_reuse),
	};
	size_t nc = sizeof(cases) / sizeof(cases[0]), i;
	struct CMUnitTest *table = calloc(nc, sizeof(*table));
	int failed;

	for (i = 0; i < nc; i++) {
		table[i].name = cases[i].name;
		table[i].test_func = run_case;
		table[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	failed = _cmocka_run_group_tests("compare_json_cases", table, nc,
			NULL, NULL);
	failed += cmocka_run_group_tests_name("compare_json", single, NULL, NULL);
	free(table);
	return failed != 0;
}
