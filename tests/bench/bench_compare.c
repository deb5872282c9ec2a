/* SPDX-License-Identifier: BSD-3-Clause
 * Benchmark engine of scripts/bench-compare (not a test): comparisons per
 * second on one core for three body shapes (1 KB JSON, 100 KB JSON, 1 KB
 * JSON gzip-encoded): identical bytes (the comparator answers "equal"
 * without parsing), equal JSON written differently (spaces, key order: the
 * whole walk) and differing, beside the ceiling measured in
 * the same run: cJSON parsing both bodies and nothing else (for gzip: both
 * bodies decoded and parsed). The comparator parses both documents with
 * cJSON too, so ratio = comparator / ceiling says what the walk, the rules
 * and the difference list cost on top of parsing.
 *
 *   bench_compare [SECONDS_PER_ROW]   (default 1.0)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "umb_compare.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A JSON document of about @p target bytes: items with ids, names, prices. */
static int last_items;

/* @p items > 0: exactly that many items (variant 2 mirrors variant 0). */
static char *
make_doc(size_t target, int variant, size_t *len, int items)
{
	size_t cap = 2 * target + 4096, n = 0;
	char *s = malloc(cap);
	int i = 0;

	/* variant 2: the same document as 0 written another way (spaces,
	 * keys of each item in another order): equal JSON, different bytes. */
	n += (size_t)snprintf(s + n, cap - n, variant == 2 ?
			"{\"meta\": {\"page\": 1, \"requestId\": \"r-%d\"}, \"version\": 1, \"items\": [" :
			"{\"version\":1,\"meta\":{\"requestId\":\"r-%d\",\"page\":1},\"items\":[",
			variant == 2 ? 0 : variant);
	while (items > 0 ? i < items : n + 200 < target) {
		if (variant == 2)
			n += (size_t)snprintf(s + n, cap - n,
					"%s{\"name\": \"item-%d\", \"id\": %d, \"stock\": true, "
					"\"price\": %d.%02d, \"tags\": [\"a\", \"b\"]}",
					i ? ", " : "", i, i, 10 + i % 90, i % 100);
		else
			n += (size_t)snprintf(s + n, cap - n,
					"%s{\"id\":%d,\"name\":\"item-%d\",\"price\":%d.%02d,"
					"\"tags\":[\"a\",\"b\"],\"stock\":%s}",
					i ? "," : "", i, i, 10 + i % 90, i % 100,
					(variant && i % 7 == 3) ? "false" : "true");
		i++;
	}
	n += (size_t)snprintf(s + n, cap - n, "],\"total\":%d}", i);
	last_items = i;
	*len = n;
	return s;
}

static uint8_t *
gzip_of(const char *s, size_t len, size_t *out_len)
{
	z_stream z;
	uint8_t *out = malloc(len + 1024);

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)s;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)(len + 1024);
	deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

struct shape {
	const char *name;
	const uint8_t *a, *b;
	size_t alen, blen;
	int gz;
};

static uint8_t *dec[2];
#define DEC_MAX (4u << 20)

/* One comparison as the comparator does it (decode when encoded). */
static int
compare_once(const struct umb_cmp_rules *r, const struct shape *s,
		struct umb_cmp_result *res)
{
	const uint8_t *a = s->a, *b = s->b;
	size_t al = s->alen, bl = s->blen;

	umb_cmp_result_clear(res);
	if (s->gz) {
		if (umb_cmp_decode(UMB_ENC_GZIP, s->a, s->alen, dec[0], DEC_MAX,
				100, &al) != UMB_DEC_OK ||
				umb_cmp_decode(UMB_ENC_GZIP, s->b, s->blen, dec[1],
				DEC_MAX, 100, &bl) != UMB_DEC_OK)
			abort();
		a = dec[0];
		b = dec[1];
	}
	return umb_cmp_body(r, "application/json", 16, a, al,
			"application/json", 16, b, bl, res);
}

/* The ceiling: parse both bodies (decode first when encoded), nothing else. */
static int
parse_once(const struct shape *s)
{
	const uint8_t *a = s->a, *b = s->b;
	size_t al = s->alen, bl = s->blen;
	cJSON *x, *y;
	int ok;

	if (s->gz) {
		umb_cmp_decode(UMB_ENC_GZIP, s->a, s->alen, dec[0], DEC_MAX, 100, &al);
		umb_cmp_decode(UMB_ENC_GZIP, s->b, s->blen, dec[1], DEC_MAX, 100, &bl);
		a = dec[0];
		b = dec[1];
	}
	x = cJSON_ParseWithLength((const char *)a, al);
	y = cJSON_ParseWithLength((const char *)b, bl);
	ok = x != NULL && y != NULL;
	cJSON_Delete(x);
	cJSON_Delete(y);
	return ok;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	struct umb_cmp_rules rules;
	struct umb_cmp_result res;
	size_t l1a, l1b, l100a, l100b, g1a, g1b;
	size_t l1r, l100r;
	char *d1a = make_doc(1024, 0, &l1a, 0);
	char *d1r = make_doc(1024, 2, &l1r, last_items);
	char *d1b = make_doc(1024, 1, &l1b, 0);
	char *d100a = make_doc(100 * 1024, 0, &l100a, 0);
	char *d100r = make_doc(100 * 1024, 2, &l100r, last_items);
	char *d100b = make_doc(100 * 1024, 1, &l100b, 0);
	uint8_t *z1a = gzip_of(d1a, l1a, &g1a), *z1b = gzip_of(d1b, l1b, &g1b);
	struct shape shapes[] = {
		{ "1 KB JSON, identical bytes", (uint8_t *)d1a, (uint8_t *)d1a, l1a, l1a, 0 },
		{ "1 KB JSON, equal reordered", (uint8_t *)d1a, (uint8_t *)d1r, l1a, l1r, 0 },
		{ "1 KB JSON, differing", (uint8_t *)d1a, (uint8_t *)d1b, l1a, l1b, 0 },
		{ "100 KB JSON, identical", (uint8_t *)d100a, (uint8_t *)d100a, l100a, l100a, 0 },
		{ "100 KB JSON, equal reorder", (uint8_t *)d100a, (uint8_t *)d100r, l100a, l100r, 0 },
		{ "100 KB JSON, differing", (uint8_t *)d100a, (uint8_t *)d100b, l100a, l100b, 0 },
		{ "1 KB JSON gzip, equal", z1a, z1a, g1a, g1a, 1 },
		{ "1 KB JSON gzip, differing", z1a, z1b, g1a, g1b, 1 },
	};

	if (!(secs > 0))
		secs = 1.0;
	dec[0] = malloc(DEC_MAX);
	dec[1] = malloc(DEC_MAX);
	umb_cmp_rules_default(&rules);
	umb_cmp_rules_add(&rules, UMB_RULE_IGNORE, "$.meta.requestId", NULL, NULL, 0);
	res.diffs = calloc(rules.max_diffs, sizeof(*res.diffs));
	res.max = rules.max_diffs;
	printf("%-28s %12s %12s %7s %7s\n", "shape (bytes per side)", "compare/s",
			"parse-only/s", "ratio", "diffs");
	for (unsigned int i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		uint64_t nc = 0, np = 0;
		double t0, tc, tp;
		int rc = 0;

		/* Interleave in slices so both see the same machine load. */
		tc = tp = 0;
		while (tc + tp < 2 * secs) {
			t0 = now_s();
			for (int k = 0; k < 64; k++)
				rc = compare_once(&rules, s, &res);
			tc += now_s() - t0;
			nc += 64;
			t0 = now_s();
			for (int k = 0; k < 64; k++)
				if (!parse_once(s))
					abort();
			tp += now_s() - t0;
			np += 64;
		}
		if (rc < 0)
			abort();
		printf("%-28s %12.0f %12.0f %6.2fx %7" PRIu64 "   (%zu B)\n", s->name,
				(double)nc / tc, (double)np / tp,
				((double)nc / tc) / ((double)np / tp), res.total,
				s->gz ? s->alen : s->alen);
	}
	return 0;
}
