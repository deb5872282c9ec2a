/* SPDX-License-Identifier: BSD-3-Clause
 * Unit cases of the comparator's supporting parts: content decoding (round
 * trips through zlib and brotli encoders, truncation, corruption, bombs),
 * route folding and template matching, log-linear histograms (error bound
 * against exact percentiles of random data, merging), per-route tables
 * (creation, overflow into "other", merging), header comparison, byte
 * comparison and JSON detection.
 *
 * Compressed inputs are made here with the libraries' encoders, so the
 * cases need no fixture files. Random data comes from a fixed-seed
 * xorshift generator: every run sees the same values.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <brotli/encode.h>
#include <zlib.h>

#include "umb_compare.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

/* uniform in (0, 1) */
static double
rng_unit(void)
{
	return ((double)(rng() >> 11) + 0.5) / 9007199254740992.0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* some compressible text */
static uint8_t *
make_text(size_t n)
{
	uint8_t *p = malloc(n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)("{\"id\": 12, \"name\": \"umbra\"}\n"[i % 28] +
			(rng() % 17 == 0));
	return p;
}

/* wbits: 16 + MAX_WBITS gzip, MAX_WBITS zlib, -MAX_WBITS raw */
static uint8_t *
zlib_encode(const uint8_t *in, size_t n, int wbits, size_t *out_n)
{
	z_stream zs;
	size_t cap = n + n / 100 + 1024;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, wbits, 9,
			Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_n = zs.total_out;
	deflateEnd(&zs);
	return out;
}

static uint8_t *
br_encode(const uint8_t *in, size_t n, size_t *out_n)
{
	size_t cap = BrotliEncoderMaxCompressedSize(n);
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	*out_n = cap;
	assert_true(BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, n, in,
			out_n, out));
	return out;
}

static struct umb_cmp_diff diff_store[64];

static void
result_init(struct umb_cmp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->diffs = diff_store;
	r->max = 64;
	umb_cmp_result_clear(r);
}

/* ---- decoding ------------------------------------------------------------ */

static void
round_trip(enum umb_cmp_encoding enc, int wbits)
{
	static const size_t sizes[] = { 1, 100, 65536, 300000 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], cn, got;
		uint8_t *plain = make_text(n), *c, *out = malloc(n + 16);

		assert_non_null(out);
		c = enc == UMB_ENC_BR ? br_encode(plain, n, &cn) :
			zlib_encode(plain, n, wbits, &cn);
		assert_int_equal(umb_cmp_decode(enc, c, cn, out, n + 16, 0,
				&got), UMB_DEC_OK);
		assert_int_equal(got, n);
		assert_memory_equal(out, plain, n);
		/* an output buffer of exactly the decoded size is enough */
		assert_int_equal(umb_cmp_decode(enc, c, cn, out, n, 0, &got),
				UMB_DEC_OK);
		assert_int_equal(got, n);
		/* one byte less is too big, and the bytes kept are right */
		if (n > 1) {
			assert_int_equal(umb_cmp_decode(enc, c, cn, out, n - 1,
					0, &got), UMB_DEC_TOO_BIG);
			assert_int_equal(got, n - 1);
			assert_memory_equal(out, plain, n - 1);
		}
		free(plain);
		free(c);
		free(out);
	}
}

static void
gzip_bodies_decode_to_the_original_bytes(void **state)
{
	round_trip(UMB_ENC_GZIP, 16 + MAX_WBITS);
}

static void
zlib_wrapped_deflate_bodies_decode(void **state)
{
	round_trip(UMB_ENC_DEFLATE, MAX_WBITS);
}

static void
raw_deflate_bodies_decode_like_browsers_accept_them(void **state)
{
	round_trip(UMB_ENC_DEFLATE, -MAX_WBITS);
}

static void
brotli_bodies_decode_to_the_original_bytes(void **state)
{
	round_trip(UMB_ENC_BR, 0);
}

static void
compress2_output_decodes_as_deflate(void **state)
{
	uint8_t *plain = make_text(5000), out[5000];
	uLongf cn = compressBound(5000);
	uint8_t *c = malloc(cn);
	size_t got;

	assert_int_equal(compress2(c, &cn, plain, 5000, 6), Z_OK);
	assert_int_equal(umb_cmp_decode(UMB_ENC_DEFLATE, c, cn, out,
			sizeof(out), 100, &got), UMB_DEC_OK);
	assert_int_equal(got, 5000);
	assert_memory_equal(out, plain, 5000);
	free(plain);
	free(c);
}

static void
truncated_streams_are_corrupt_whatever_the_cut(void **state)
{
	static const struct {
		enum umb_cmp_encoding enc;
		int wbits;
	} cases[] = {
		{ UMB_ENC_GZIP, 16 + MAX_WBITS },
		{ UMB_ENC_DEFLATE, MAX_WBITS },
		{ UMB_ENC_DEFLATE, -MAX_WBITS },
		{ UMB_ENC_BR, 0 },
	};
	size_t n = 20000, cn, cut, got;
	uint8_t *plain = make_text(n), *out = malloc(n);
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *c = cases[i].enc == UMB_ENC_BR ?
			br_encode(plain, n, &cn) :
			zlib_encode(plain, n, cases[i].wbits, &cn);

		for (cut = 1; cut < cn; cut += (cut < 40 ? 1 : 37)) {
			int rc = umb_cmp_decode(cases[i].enc, c, cn - cut, out,
					n, 0, &got);

			assert_int_equal(rc, UMB_DEC_CORRUPT);
			assert_true(got <= n);
		}
		free(c);
	}
	free(plain);
	free(out);
}

static void
garbage_is_corrupt_and_empty_input_is_an_empty_body(void **state)
{
	static const uint8_t junk[] = "this is not compressed at all, no";
	uint8_t out[256];
	size_t got = 99;

	assert_int_equal(umb_cmp_decode(UMB_ENC_GZIP, junk, sizeof(junk), out,
			sizeof(out), 100, &got), UMB_DEC_CORRUPT);
	assert_int_equal(umb_cmp_decode(UMB_ENC_DEFLATE, junk, sizeof(junk),
			out, sizeof(out), 100, &got), UMB_DEC_CORRUPT);
	assert_int_equal(umb_cmp_decode(UMB_ENC_BR, junk, sizeof(junk), out,
			sizeof(out), 100, &got), UMB_DEC_CORRUPT);
	assert_int_equal(umb_cmp_decode(UMB_ENC_GZIP, junk, 0, out,
			sizeof(out), 100, &got), UMB_DEC_OK);
	assert_int_equal(got, 0);
}

static void
bytes_after_a_gzip_member_are_ignored(void **state)
{
	uint8_t *plain = make_text(3000), *c, *cc, out[4000];
	size_t cn, got;

	c = zlib_encode(plain, 3000, 16 + MAX_WBITS, &cn);
	cc = malloc(cn * 2 + 10);
	memcpy(cc, c, cn);
	memcpy(cc + cn, "garbage!!!", 10);
	memcpy(cc + cn + 10, c, cn);  /* a second member: trailing too */
	assert_int_equal(umb_cmp_decode(UMB_ENC_GZIP, cc, cn * 2 + 10, out,
			sizeof(out), 100, &got), UMB_DEC_OK);
	assert_int_equal(got, 3000);
	assert_memory_equal(out, plain, 3000);
	free(plain);
	free(c);
	free(cc);
}

static void
a_gzip_bomb_stops_at_the_ratio_cap_quickly(void **state)
{
	size_t n = 10u << 20, cn, got;
	uint8_t *zeros = calloc(1, n), *c, *out = malloc(1 << 20);
	double t0, ms;

	c = zlib_encode(zeros, n, 16 + MAX_WBITS, &cn);
	/* ~10 KB in: ratio 100 allows ~1 MB, just below out_max */
	assert_true(cn * 100 < (1u << 20));
	t0 = now_ms();
	assert_int_equal(umb_cmp_decode(UMB_ENC_GZIP, c, cn, out, 1 << 20,
			100, &got), UMB_DEC_BOMB);
	ms = now_ms() - t0;
	assert_int_equal(got, cn * 100);
	print_message("gzip bomb: %zu bytes in, stopped at %zu out in %.3f ms\n",
			cn, got, ms);
	assert_true(ms < 500);
	/* no ratio cap: out_max is the limit */
	assert_int_equal(umb_cmp_decode(UMB_ENC_GZIP, c, cn, out, 1 << 20, 0,
			&got), UMB_DEC_TOO_BIG);
	assert_int_equal(got, 1 << 20);
	/* a generous ratio: out_max is still the lower one */
	assert_int_equal(umb_cmp_decode(UMB_ENC_GZIP, c, cn, out, 1 << 20,
			100000, &got), UMB_DEC_TOO_BIG);
	free(c);

	c = br_encode(zeros, n, &cn);
	t0 = now_ms();
	assert_int_equal(umb_cmp_decode(UMB_ENC_BR, c, cn, out, 1 << 20, 100,
			&got), UMB_DEC_BOMB);
	ms = now_ms() - t0;
	print_message("br bomb: %zu bytes in, stopped at %zu out in %.3f ms\n",
			cn, got, ms);
	assert_true(ms < 500);
	assert_int_equal(got, cn * 100);
	t0 = now_ms();
	assert_int_equal(umb_cmp_decode(UMB_ENC_BR, c, cn, out, 1 << 20, 0,
			&got), UMB_DEC_TOO_BIG);
	ms = now_ms() - t0;
	print_message("br bomb, no ratio: stopped at %zu out in %.3f ms\n",
			got, ms);
	assert_int_equal(got, 1 << 20);
	assert_true(ms < 500);
	free(c);
	free(zeros);
	free(out);
}

static void
unknown_codings_are_not_decoded(void **state)
{
	uint8_t out[16];
	size_t got = 7;

	assert_int_equal(umb_cmp_decode(UMB_ENC_UNKNOWN,
			(const uint8_t *)"abc", 3, out, sizeof(out), 100, &got),
			UMB_DEC_UNKNOWN);
	assert_int_equal(got, 0);
	assert_string_equal(umb_cmp_decode_strerror(UMB_DEC_UNKNOWN),
			"content coding not supported");
	assert_non_null(umb_cmp_decode_strerror(12345));
}

static void
identity_copies_within_out_max(void **state)
{
	uint8_t out[8];
	size_t got;

	assert_int_equal(umb_cmp_decode(UMB_ENC_IDENTITY,
			(const uint8_t *)"abcdef", 6, out, sizeof(out), 1, &got),
			UMB_DEC_OK);
	assert_int_equal(got, 6);
	assert_memory_equal(out, "abcdef", 6);
	assert_int_equal(umb_cmp_decode(UMB_ENC_IDENTITY,
			(const uint8_t *)"abcdefghij", 10, out, sizeof(out), 1,
			&got), UMB_DEC_TOO_BIG);
	assert_int_equal(got, 8);
}

static void
content_encoding_names_parse_case_insensitively(void **state)
{
	static const struct {
		const char *v;
		enum umb_cmp_encoding e;
	} cases[] = {
		{ "gzip", UMB_ENC_GZIP }, { " GZip\t", UMB_ENC_GZIP },
		{ "x-gzip", UMB_ENC_GZIP }, { "deflate", UMB_ENC_DEFLATE },
		{ "DEFLATE", UMB_ENC_DEFLATE }, { "br", UMB_ENC_BR },
		{ "Br", UMB_ENC_BR }, { "identity", UMB_ENC_IDENTITY },
		{ "", UMB_ENC_IDENTITY }, { "   ", UMB_ENC_IDENTITY },
		{ "gzip, br", UMB_ENC_UNKNOWN }, { "zstd", UMB_ENC_UNKNOWN },
		{ "compress", UMB_ENC_UNKNOWN }, { "gzipx", UMB_ENC_UNKNOWN },
		{ "b", UMB_ENC_UNKNOWN },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(umb_cmp_encoding_parse(cases[i].v,
				strlen(cases[i].v)), cases[i].e);
	assert_int_equal(umb_cmp_encoding_parse(NULL, 0), UMB_ENC_IDENTITY);
}

/* ---- routes ------------------------------------------------------------- */

static void
routes_fold_identifiers_and_keep_words(void **state)
{
	static const struct {
		const char *method, *uri, *want;
	} cases[] = {
		{ "GET", "/users/42", "GET /users/{id}" },
		{ "GET", "/users/42/orders/7?x=1#f", "GET /users/{id}/orders/{id}" },
		{ "GET", "/u/123e4567-E89B-12d3-a456-426614174000",
			"GET /u/{id}" },
		{ "GET", "/u/123e4567-e89b", "GET /u/123e4567-e89b" },
		{ "GET", "/u/123e4567-e89b-12d3-a456-42661417400",
			"GET /u/{id}" },  /* not a UUID, but base64-like */
		{ "GET", "/docs/getting-started-with-umbra",
			"GET /docs/getting-started-with-umbra" },
		{ "GET", "/blob/deadbeef00112233", "GET /blob/{id}" },
		{ "GET", "/blob/deadbeef0011223", "GET /blob/deadbeef0011223" },
		{ "GET", "/blob/deadbeefdeadbeef", "GET /blob/deadbeefdeadbeef" },
		{ "GET", "/t/dGhpcyBpcyBhIHRva2VuMQ", "GET /t/{id}" },
		{ "GET", "/t/eyJhbGciOi_JIUzI1-NiJ9==", "GET /t/{id}" },
		{ "GET", "/t/abcdefghijklmnopqrstuvwxyz",
			"GET /t/abcdefghijklmnopqrstuvwxyz" },
		{ "GET", "/t/short1", "GET /t/short1" },
		{ "GET", "/api/v1/health", "GET /api/v1/health" },
		{ "POST", "", "POST /" },
		{ "POST", "?q=1", "POST /" },
		{ "GET", "/", "GET /" },
		{ "GET", "/a//b/", "GET /a//b/" },
		{ "GET", "/files/a%2Fb", "GET /files/a%2Fb" },
		{ "GET", "/x\x01y/\xc3\xa9", "GET /x?y/??" },
		{ "GET", "http://example.com/users/9?z", "GET /users/{id}" },
		{ "GET", "http://example.com", "GET /" },
	};
	char out[UMB_ROUTE_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = umb_route_fold(cases[i].method,
				strlen(cases[i].method), cases[i].uri,
				strlen(cases[i].uri), out, sizeof(out));

		assert_string_equal(out, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
}

static void
route_folding_cuts_safely_to_the_capacity(void **state)
{
	char big[600], out[UMB_ROUTE_MAX], tiny[8];
	size_t n, i;

	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 10 == 0 ? '/' : 'a';
	big[sizeof(big) - 1] = '\0';
	n = umb_route_fold("GET", 3, big, strlen(big), out, sizeof(out));
	assert_int_equal(n, UMB_ROUTE_MAX - 1);
	assert_int_equal(strlen(out), n);
	n = umb_route_fold("GET", 3, "/users/12", 9, tiny, sizeof(tiny));
	assert_int_equal(n, 7);
	assert_string_equal(tiny, "GET /us");
	assert_int_equal(umb_route_fold("GET", 3, "/", 1, tiny, 0), 0);
}

static void
templates_match_one_segment_per_placeholder(void **state)
{
	static const struct {
		const char *tmpl, *method, *uri;
		int want;
	} cases[] = {
		{ "GET /users/{id}/orders", "GET", "/users/42/orders", 1 },
		{ "GET /users/{id}/orders", "GET", "/users/42/orders?x=1", 1 },
		{ "GET /users/{id}/orders", "GET", "/users/a/b/orders", 0 },
		{ "GET /users/{id}/orders", "GET", "/users//orders", 0 },
		{ "GET /users/{id}/orders", "POST", "/users/42/orders", 0 },
		{ "GET /users/{id}/orders", "get", "/users/42/orders", 0 },
		{ "GET /users/{id}/orders", "GET", "/users/42/orders/", 0 },
		{ "GET /users/{id}/", "GET", "/users/42/", 1 },
		{ "GET /users/{id}", "GET", "/users/42/", 0 },
		{ "GET /users", "GET", "/users", 1 },
		{ "GET /users", "GET", "/users2", 0 },
		{ "GET /", "GET", "", 1 },
		{ "GET /", "GET", "/?a", 1 },
		{ "GET /{x}", "GET", "/", 0 },
		{ "GET /a/{x}/{y}", "GET", "/a/1/2", 1 },
		{ "GET /a/{x}/{y}", "GET", "/a/1", 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = umb_route_template_match(cases[i].tmpl,
				cases[i].method, strlen(cases[i].method),
				cases[i].uri, strlen(cases[i].uri));

		if (got != cases[i].want)
			fail_msg("%s vs %s %s: %d", cases[i].tmpl,
					cases[i].method, cases[i].uri, got);
	}
}

/* ---- histograms ---------------------------------------------------------- */

static void
histogram_buckets_cover_every_value_in_order(void **state)
{
	uint64_t v;
	unsigned int i, b, prev = 0;

	for (i = 0; i < 64; i++) {
		assert_int_equal(umb_hist_bucket(i), i);
		assert_int_equal(umb_hist_bucket_low(i), i);
	}
	for (i = 1; i < UMB_HIST_BUCKETS; i++) {
		assert_true(umb_hist_bucket_low(i) > umb_hist_bucket_low(i - 1));
		assert_int_equal(umb_hist_bucket(umb_hist_bucket_low(i)), i);
		assert_int_equal(umb_hist_bucket(umb_hist_bucket_low(i) - 1),
				i - 1);
	}
	for (i = 0; i < 200000; i++) {
		v = rng() >> (rng() % 64);
		b = umb_hist_bucket(v);
		assert_true(b < UMB_HIST_BUCKETS);
		assert_true(umb_hist_bucket_low(b) <= v);
		if (b + 1 < UMB_HIST_BUCKETS)
			assert_true(v < umb_hist_bucket_low(b + 1));
	}
	for (v = 1; v < (1ULL << 42); v = v * 3 + 1) {
		b = umb_hist_bucket(v);
		assert_true(b >= prev);
		prev = b;
	}
	assert_int_equal(umb_hist_bucket(UINT64_MAX), UMB_HIST_BUCKETS - 1);
	assert_int_equal(umb_hist_bucket(1ULL << 41), UMB_HIST_BUCKETS - 1);
	assert_int_equal(umb_hist_bucket((1ULL << 41) - 1),
			UMB_HIST_BUCKETS - 1);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum { DIST_UNIFORM, DIST_LOGNORMAL, DIST_PARETO, DIST_MAX };

static uint64_t
draw(int dist)
{
	double u, z, x;

	switch (dist) {
	case DIST_UNIFORM:
		return rng() % 2000000;
	case DIST_LOGNORMAL:
		/* Box-Muller; median ~ 8 ms, sigma 1.5 */
		u = rng_unit();
		z = sqrt(-2 * log(u)) * cos(2 * M_PI * rng_unit());
		x = exp(9.0 + 1.5 * z);
		return (uint64_t)x;
	default:
		/* Pareto alpha 1.1 from 100 us: a heavy tail up to hours */
		x = 100.0 / pow(rng_unit(), 1 / 1.1);
		return x > 1e12 ? (uint64_t)1e12 : (uint64_t)x;
	}
}

static double max_rel_err;

static void
histogram_quantiles_stay_within_one_percent(void **state)
{
	static const double qs[] = { 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9,
		0.95, 0.99, 0.995, 0.999, 0.9999 };
	enum { N = 200000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	struct umb_hist *h = malloc(sizeof(*h));
	int dist;
	unsigned int i;

	for (dist = 0; dist < DIST_MAX; dist++) {
		double derr = 0;
		uint64_t sum = 0;

		umb_hist_init(h);
		for (i = 0; i < N; i++) {
			vals[i] = draw(dist);
			sum += vals[i];
			umb_hist_add(h, vals[i]);
		}
		qsort(vals, N, sizeof(*vals), cmp_u64);
		assert_int_equal(h->count, N);
		assert_int_equal(h->sum, sum);
		assert_int_equal(h->min, vals[0]);
		assert_int_equal(h->max, vals[N - 1]);
		assert_int_equal(umb_hist_quantile(h, 0), vals[0]);
		assert_int_equal(umb_hist_quantile(h, 1), vals[N - 1]);
		for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			size_t rank = (size_t)ceil(qs[i] * N);
			uint64_t exact = vals[rank - 1];
			uint64_t got = umb_hist_quantile(h, qs[i]);
			double err;

			if (exact < 64) {
				assert_int_equal(got, exact);
				continue;
			}
			err = fabs((double)got - (double)exact) / (double)exact;
			if (err > derr)
				derr = err;
			if (err >= 0.01)
				fail_msg("dist %d q %g: exact %llu got %llu",
						dist, qs[i],
						(unsigned long long)exact,
						(unsigned long long)got);
		}
		/* every rank, not only the usual quantiles */
		for (i = 1; i <= N; i += 97) {
			uint64_t exact = vals[i - 1];
			uint64_t got = umb_hist_quantile(h,
					((double)i - 0.5) / N);
			double err;

			if (exact < 64) {
				assert_int_equal(got, exact);
				continue;
			}
			err = fabs((double)got - (double)exact) / (double)exact;
			if (err > derr)
				derr = err;
			assert_true(err < 1.0 / 128);
		}
		print_message("histogram dist %d: max relative error %.5f%%\n",
				dist, derr * 100);
		if (derr > max_rel_err)
			max_rel_err = derr;
	}
	print_message("histogram max relative error %.5f%% (bound %.5f%%)\n",
			max_rel_err * 100, 100.0 / 128);
	free(vals);
	free(h);
}

static void
merged_histograms_equal_the_histogram_of_the_union(void **state)
{
	struct umb_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct umb_hist *u = malloc(sizeof(*u)), *e = malloc(sizeof(*e));
	unsigned int i;

	umb_hist_init(a);
	umb_hist_init(b);
	umb_hist_init(u);
	umb_hist_init(e);
	for (i = 0; i < 50000; i++) {
		uint64_t v = draw(i % DIST_MAX);

		umb_hist_add(i % 3 ? a : b, v);
		umb_hist_add(u, v);
	}
	umb_hist_merge(e, a);   /* into an empty one: min comes along */
	umb_hist_merge(e, b);
	assert_int_equal(e->count, u->count);
	assert_int_equal(e->sum, u->sum);
	assert_int_equal(e->min, u->min);
	assert_int_equal(e->max, u->max);
	for (i = 0; i < UMB_HIST_BUCKETS; i++)
		assert_int_equal(e->b[i], u->b[i]);
	umb_hist_init(a);
	umb_hist_merge(e, a);   /* an empty one changes nothing */
	assert_int_equal(e->min, u->min);
	assert_int_equal(umb_hist_quantile(a, 0.5), 0);
	free(a);
	free(b);
	free(u);
	free(e);
}

static void
a_single_value_histogram_answers_that_value(void **state)
{
	struct umb_hist *h = malloc(sizeof(*h));

	umb_hist_init(h);
	umb_hist_add(h, 123456);
	assert_int_equal(umb_hist_quantile(h, 0.5), 123456);
	assert_int_equal(umb_hist_quantile(h, 0.01), 123456);
	umb_hist_add(h, 1ULL << 50);  /* past the layout: last bucket */
	assert_int_equal(umb_hist_quantile(h, 1), 1ULL << 50);
	assert_int_equal(umb_hist_quantile(h, 0.9), 1ULL << 50);
	free(h);
}

/* ---- route tables ---------------------------------------------------------- */

static void
a_new_route_table_has_only_other(void **state)
{
	struct umb_route_table *t = umb_route_table_create(10);

	assert_non_null(t);
	assert_int_equal(t->nb, 1);
	assert_string_equal(t->routes[0]->name, "other");
	assert_true(t->mask + 1 >= 20);
	assert_int_equal((t->mask + 1) & t->mask, 0);
	assert_ptr_equal(umb_route_table_get(t, "other"), t->routes[0]);
	umb_route_table_free(t);
}

static void
routes_are_created_once_and_overflow_into_other(void **state)
{
	struct umb_route_table *t = umb_route_table_create(3);
	struct umb_route_stat *a, *b;
	char name[32];
	int i;

	a = umb_route_table_get(t, "GET /a");
	b = umb_route_table_get(t, "GET /b");
	assert_non_null(a);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(umb_route_table_get(t, "GET /a"), a);
	assert_string_equal(a->name, "GET /a");
	assert_non_null(umb_route_table_get(t, "GET /c"));
	assert_int_equal(__atomic_load_n(&t->nb, __ATOMIC_ACQUIRE), 4);
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "GET /more/%d", i);
		assert_ptr_equal(umb_route_table_get(t, name), t->routes[0]);
	}
	assert_int_equal(t->routes_over, 5);
	assert_int_equal(t->nb, 4);
	assert_ptr_equal(umb_route_table_get(t, "GET /b"), b);
	umb_route_table_free(t);

	/* many routes: the index stays consistent */
	t = umb_route_table_create(1000);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "GET /r%d", i);
		assert_string_equal(umb_route_table_get(t, name)->name, name);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "GET /r%d", i);
		assert_ptr_equal(umb_route_table_get(t, name),
				t->routes[i + 1]);
	}
	assert_int_equal(t->routes_over, 0);
	umb_route_table_free(t);
}

static int reader_done;

/* iterates the published routes as an exporter thread would */
static void *
route_reader(void *arg)
{
	struct umb_route_table *t = arg;
	uint64_t seen = 0;

	while (!__atomic_load_n(&reader_done, __ATOMIC_ACQUIRE)) {
		uint32_t nb = __atomic_load_n(&t->nb, __ATOMIC_ACQUIRE), i;

		for (i = 0; i < nb; i++) {
			const struct umb_route_stat *rs = t->routes[i];

			if (rs == NULL || rs->name[0] == '\0')
				abort();
			seen += rs->name[0];
		}
	}
	return (void *)(uintptr_t)seen;
}

static void
a_reader_thread_sees_only_whole_routes(void **state)
{
	struct umb_route_table *t = umb_route_table_create(3000);
	pthread_t th;
	char name[32];
	int i;

	reader_done = 0;
	assert_int_equal(pthread_create(&th, NULL, route_reader, t), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "GET /r%d", i);
		umb_route_table_get(t, name)->exchanges++;
	}
	__atomic_store_n(&reader_done, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t->nb, 3001);
	umb_route_table_free(t);
}

static void
json_paths_fold_indices_and_selectors(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "$.items[3].id", "$.items[*].id" },
		{ "$[0][12][345]", "$[*][*][*]" },
		{ "$.a[?(@.id==7)].b", "$.a[*].b" },
		{ "$.a[?(@.name=='x)]\\'[1]')].b", "$.a[*].b" },
		{ "$.a[?(@.t==\"q\\\"]\")][2]", "$.a[*][*]" },
		{ "$['odd[3]key'][4]", "$['odd[3]key'][*]" },
		{ "$.a[*].b", "$.a[*].b" },
		{ "$.a[", "$.a[" },
		{ "$.a[12", "$.a[12" },
		{ "$.a[?(@.x", "$.a[?(@.x" },
		{ "$.a[x]", "$.a[x]" },
		{ "", "" },
	};
	char out[UMB_CMP_PATH_MAX], tiny[6];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = umb_cmp_path_fold(cases[i].in, out, sizeof(out));

		assert_string_equal(out, cases[i].want);
		assert_int_equal(n, strlen(out));
	}
	assert_int_equal(umb_cmp_path_fold("$.abc[1]", tiny, sizeof(tiny)), 5);
	assert_string_equal(tiny, "$.abc");
}

static void
route_fields_are_counted_up_to_the_top(void **state)
{
	struct umb_route_table *t = umb_route_table_create(4);
	struct umb_route_stat *rs = umb_route_table_get(t, "GET /x");
	char path[64];
	int i;

	umb_route_stat_field(rs, "$.items[1].id", UMB_CMP_changed);
	umb_route_stat_field(rs, "$.items[2].id", UMB_CMP_changed);
	umb_route_stat_field(rs, "$.items[2].id", UMB_CMP_removed);
	assert_int_equal(rs->nb_fields, 2);
	assert_string_equal(rs->fields[0].path, "$.items[*].id");
	assert_int_equal(rs->fields[0].count, 2);
	assert_int_equal(rs->fields[1].kind, UMB_CMP_removed);
	for (i = 0; i < UMB_CMP_FIELD_TOP + 5; i++) {
		snprintf(path, sizeof(path), "$.f%d", i);
		umb_route_stat_field(rs, path, UMB_CMP_added);
	}
	assert_int_equal(rs->nb_fields, UMB_CMP_FIELD_TOP);
	assert_int_equal(rs->fields_dropped, 7);
	for (i = 0; i < UMB_CMP_STATUS_TOP + 3; i++)
		umb_route_stat_status(rs, 200, 500 + i);
	umb_route_stat_status(rs, 200, 500);
	assert_int_equal(rs->nb_status, UMB_CMP_STATUS_TOP);
	assert_int_equal(rs->status[0].count, 2);
	umb_route_table_free(t);
}

/* feed one synthetic exchange into a table */
static void
feed(struct umb_route_table *t, unsigned int k)
{
	static const char *const routes[] = { "GET /a", "GET /b/{id}",
		"POST /c", "PUT /d", "GET /e", "GET /f" };
	struct umb_route_stat *rs = umb_route_table_get(t, routes[k % 6]);
	char path[32];
	unsigned int i;

	rs->exchanges++;
	rs->outcome[k % UMB_CMP_OUTCOMES]++;
	if (k % 4) {
		rs->compared++;
		if (k % 3 == 0) {
			rs->mismatched++;
			snprintf(path, sizeof(path), "$.v[%u].f%u", k, k % 5);
			umb_route_stat_field(rs, path, k % UMB_CMP_KIND_MAX);
			umb_route_stat_status(rs, 200, k % 2 ? 200 : 503);
		}
	}
	rs->slow += k % 11 == 0;
	for (i = 0; i < UMB_LAT_MAX; i++)
		umb_hist_add(&rs->lat[i], (uint64_t)k * k * (i + 1) % 5000000);
}

static const struct umb_route_stat *
find_route(const struct umb_route_table *t, const char *name)
{
	uint32_t i;

	for (i = 0; i < t->nb; i++)
		if (strcmp(t->routes[i]->name, name) == 0)
			return t->routes[i];
	return NULL;
}

static void
same_stats(const struct umb_route_stat *x, const struct umb_route_stat *y)
{
	uint32_t i, j;

	assert_int_equal(x->exchanges, y->exchanges);
	assert_int_equal(x->compared, y->compared);
	assert_int_equal(x->mismatched, y->mismatched);
	assert_int_equal(x->slow, y->slow);
	assert_int_equal(x->fields_dropped, y->fields_dropped);
	assert_memory_equal(x->outcome, y->outcome, sizeof(x->outcome));
	assert_int_equal(x->nb_fields, y->nb_fields);
	assert_int_equal(x->nb_status, y->nb_status);
	for (i = 0; i < x->nb_fields; i++) {
		for (j = 0; j < y->nb_fields; j++)
			if (x->fields[i].kind == y->fields[j].kind &&
					!strcmp(x->fields[i].path, y->fields[j].path))
				break;
		assert_true(j < y->nb_fields);
		assert_int_equal(x->fields[i].count, y->fields[j].count);
	}
	for (i = 0; i < x->nb_status; i++) {
		for (j = 0; j < y->nb_status; j++)
			if (x->status[i].prod == y->status[j].prod &&
					x->status[i].shadow == y->status[j].shadow)
				break;
		assert_true(j < y->nb_status);
		assert_int_equal(x->status[i].count, y->status[j].count);
	}
	for (i = 0; i < UMB_LAT_MAX; i++)
		assert_memory_equal(&x->lat[i], &y->lat[i], sizeof(x->lat[i]));
}

static void
merged_route_tables_equal_one_table_fed_both_inputs(void **state)
{
	struct umb_route_table *a = umb_route_table_create(10);
	struct umb_route_table *b = umb_route_table_create(10);
	struct umb_route_table *all = umb_route_table_create(10);
	struct umb_route_table *m = umb_route_table_create(10);
	uint32_t i;

	/* b sees the routes in another order: slots differ, names match */
	for (i = 0; i < 3000; i++) {
		feed(i % 2 ? a : b, i);
		feed(all, i);
	}
	/* b also has a route a never saw */
	umb_route_table_get(b, "DELETE /z")->exchanges += 3;
	umb_route_table_get(all, "DELETE /z")->exchanges += 3;
	assert_int_equal(umb_route_table_merge(m, a), 0);
	assert_int_equal(umb_route_table_merge(m, b), 0);
	assert_int_equal(m->nb, all->nb);
	for (i = 0; i < all->nb; i++) {
		const struct umb_route_stat *x = all->routes[i];
		const struct umb_route_stat *y = find_route(m, x->name);

		assert_non_null(y);
		same_stats(x, y);
	}
	assert_int_equal(m->routes_over, all->routes_over);
	umb_route_table_free(a);
	umb_route_table_free(b);
	umb_route_table_free(all);
	umb_route_table_free(m);
}

static void
merging_into_a_full_table_counts_in_other(void **state)
{
	struct umb_route_table *src = umb_route_table_create(4);
	struct umb_route_table *dst = umb_route_table_create(1);

	umb_route_table_get(src, "GET /a")->exchanges = 5;
	umb_route_table_get(src, "GET /b")->exchanges = 7;
	umb_route_table_get(src, "GET /c")->exchanges = 11;
	assert_int_equal(umb_route_table_merge(dst, src), 0);
	assert_int_equal(dst->nb, 2);
	assert_int_equal(dst->routes[1]->exchanges, 5);
	assert_int_equal(dst->routes[0]->exchanges, 18);
	assert_int_equal(dst->routes_over, 18);
	umb_route_table_free(src);
	umb_route_table_free(dst);
}

/* ---- headers ------------------------------------------------------------- */

static struct umb_cmp_rules rules;
static struct umb_cmp_result res;

static void
hdrs(const char *p, const char *s, int decoded)
{
	result_init(&res);
	umb_cmp_headers(&rules, p, strlen(p), s, strlen(s), decoded, &res);
}

static int
hdr_setup(void **state)
{
	umb_cmp_rules_default(&rules);
	return 0;
}

static void
volatile_headers_are_ignored_by_default(void **state)
{
	hdrs("Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: a\r\n"
		"X-Request-Id: 1\r\nTraceparent: 00-1\r\nETag: \"x\"\r\n"
		"Content-Type: application/json\r\n",
		"Date: Tue, 02 Jan 2024 00:00:00 GMT\r\nServer: b\r\n"
		"X-Request-Id: 2\r\nTraceparent: 00-2\r\nVia: 1.1 x\r\n"
		"content-type: application/json\r\n", 0);
	assert_int_equal(res.total, 0);
	rules.hdr_defaults = 0;
	hdrs("Date: a\r\nServer: a\r\n", "Date: b\r\nServer: a\r\n", 0);
	assert_int_equal(res.total, 1);
	assert_string_equal(res.diffs[0].path, "date");
	assert_string_equal(res.diffs[0].val[0], "a");
	assert_string_equal(res.diffs[0].val[1], "b");
	assert_int_equal(res.diffs[0].kind, UMB_CMP_header);
}

static void
header_names_compare_case_insensitively_and_diffs_are_sorted(void **state)
{
	hdrs("X-B: 1\nCache-Control: no-cache\r\nx-a: 1\r\n",
		"cache-control: max-age=0\r\nX-A: 2\r\nx-b:1\r\n", 0);
	assert_int_equal(res.total, 2);
	assert_string_equal(res.diffs[0].path, "cache-control");
	assert_string_equal(res.diffs[0].val[0], "no-cache");
	assert_string_equal(res.diffs[0].val[1], "max-age=0");
	assert_string_equal(res.diffs[1].path, "x-a");
	assert_int_equal(res.diffs[1].vtype[0], UMB_CMP_V_TEXT);
}

static void
repeated_headers_are_joined_in_order(void **state)
{
	hdrs("Vary: Accept\r\nX-Other: 1\r\nVary: Origin\r\n",
		"Vary: Accept, Origin\r\nX-Other: 1\r\n", 0);
	assert_int_equal(res.total, 0);
	hdrs("Vary: Accept\r\nVary: Origin\r\n",
		"Vary: Origin\r\nVary: Accept\r\n", 0);
	assert_int_equal(res.total, 1);
	assert_string_equal(res.diffs[0].val[0], "Accept, Origin");
	assert_string_equal(res.diffs[0].val[1], "Origin, Accept");
}

static void
a_header_on_one_side_only_is_a_diff_with_the_other_absent(void **state)
{
	hdrs("X-Only-Prod: yes\r\nHTTP/1.1 bogus line\r\n: empty\r\n"
		" folded: x\r\nBad Name: x\r\n",
		"X-Only-Shadow:  v  \r\n", 0);
	assert_int_equal(res.total, 2);
	assert_string_equal(res.diffs[0].path, "x-only-prod");
	assert_int_equal(res.diffs[0].vtype[0], UMB_CMP_V_TEXT);
	assert_int_equal(res.diffs[0].vtype[1], UMB_CMP_V_NONE);
	assert_string_equal(res.diffs[1].path, "x-only-shadow");
	assert_int_equal(res.diffs[1].vtype[0], UMB_CMP_V_NONE);
	assert_string_equal(res.diffs[1].val[1], "v");
}

static void
only_the_compared_set_is_compared_when_given(void **state)
{
	rules.nb_hdr_compare = 2;
	strcpy(rules.hdr_compare[0], "Content-Type");
	strcpy(rules.hdr_compare[1], "date");
	hdrs("Content-Type: a\r\nX-Foo: 1\r\nDate: 1\r\n",
		"content-type: b\r\nX-Foo: 2\r\nDate: 2\r\n", 0);
	assert_int_equal(res.total, 2);
	assert_string_equal(res.diffs[0].path, "content-type");
	assert_string_equal(res.diffs[1].path, "date");
}

static void
configured_ignores_add_to_the_defaults(void **state)
{
	rules.nb_hdr_ignore = 1;
	strcpy(rules.hdr_ignore[0], "X-Build");
	hdrs("X-Build: 1\r\nX-Keep: 1\r\n", "x-build: 2\r\nX-Keep: 2\r\n", 0);
	assert_int_equal(res.total, 1);
	assert_string_equal(res.diffs[0].path, "x-keep");
	rules.headers_on = 0;
	hdrs("X-Keep: 1\r\n", "X-Keep: 2\r\n", 0);
	assert_int_equal(res.total, 0);
}

static void
set_cookie_is_compared_by_presence_only(void **state)
{
	hdrs("Set-Cookie: a=1\r\n", "Set-Cookie: a=2; Secure\r\n", 0);
	assert_int_equal(res.total, 0);
	hdrs("Set-Cookie: a=1\r\n", "X: 1\r\n", 0);
	assert_int_equal(res.total, 2);
	assert_string_equal(res.diffs[0].path, "set-cookie");
	assert_string_equal(res.diffs[0].val[0], "[present]");
	assert_int_equal(res.diffs[0].vtype[1], UMB_CMP_V_NONE);
	/* compared by value when asked, but never shown */
	rules.nb_hdr_compare = 1;
	strcpy(rules.hdr_compare[0], "set-cookie");
	hdrs("Set-Cookie: a=secret1\r\n", "Set-Cookie: a=secret2\r\n", 0);
	assert_int_equal(res.total, 1);
	assert_string_equal(res.diffs[0].val[0], "[redacted]");
	assert_string_equal(res.diffs[0].val[1], "[redacted]");
	rules.nb_hdr_compare = 0;
	hdrs("WWW-Authenticate: Basic a\r\n", "WWW-Authenticate: Basic b\r\n",
			0);
	assert_string_equal(res.diffs[0].val[0], "[redacted]");
}

static void
framing_headers_are_ignored_when_bodies_are_decoded(void **state)
{
	const char *p = "Content-Length: 10\r\nContent-Encoding: gzip\r\n";
	const char *s = "Transfer-Encoding: chunked\r\nContent-Encoding: br\r\n";

	hdrs(p, s, 1);
	assert_int_equal(res.total, 0);
	hdrs(p, s, 0);
	assert_int_equal(res.total, 3);
	assert_string_equal(res.diffs[0].path, "content-encoding");
	assert_string_equal(res.diffs[1].path, "content-length");
	assert_string_equal(res.diffs[2].path, "transfer-encoding");
}

static void
long_header_values_are_cut(void **state)
{
	char p[400], s[400];

	memset(p, 0, sizeof(p));
	strcpy(p, "X-Long: ");
	memset(p + 8, 'a', 300);
	strcpy(p + 308, "\r\n");
	strcpy(s, p);
	s[300] = 'b';
	hdrs(p, s, 0);
	assert_int_equal(res.total, 1);
	assert_int_equal(strlen(res.diffs[0].val[0]), UMB_CMP_VALUE_MAX - 1);
}

/* ---- bodies -------------------------------------------------------------- */

static void
byte_diffs_give_sizes_offset_and_line(void **state)
{
	const char *p = "line one\nline two\nline three\n";
	const char *s = "line one\nline two\nline 3\n";

	result_init(&res);
	assert_int_equal(umb_cmp_bytes((const uint8_t *)p, strlen(p),
			(const uint8_t *)p, strlen(p), 1, &res), 0);
	assert_int_equal(res.total, 0);
	assert_int_equal(umb_cmp_bytes((const uint8_t *)p, strlen(p),
			(const uint8_t *)s, strlen(s), 1, &res), 1);
	assert_int_equal(res.diffs[0].kind, UMB_CMP_body);
	assert_string_equal(res.diffs[0].path, "");
	assert_string_equal(res.diffs[0].val[0], "29");
	assert_string_equal(res.diffs[0].val[1], "25");
	assert_int_equal(res.diffs[0].vtype[0], UMB_CMP_V_JSON);
	assert_int_equal(res.diffs[0].offset, 23);
	assert_int_equal(res.diffs[0].line, 3);
	/* a prefix: the offset is the shorter length; binary: no line */
	result_init(&res);
	assert_int_equal(umb_cmp_bytes((const uint8_t *)"ab\ncd", 5,
			(const uint8_t *)"ab\ncdef", 7, 0, &res), 1);
	assert_int_equal(res.diffs[0].offset, 5);
	assert_int_equal(res.diffs[0].line, 0);
	result_init(&res);
	assert_int_equal(umb_cmp_bytes(NULL, 0, (const uint8_t *)"x", 1, 1,
			&res), 1);
	assert_int_equal(res.diffs[0].offset, 0);
	assert_int_equal(res.diffs[0].line, 1);
}

static void
json_is_detected_by_type_then_by_sniffing(void **state)
{
	static const struct {
		const char *ct, *body;
		int sniff, want;
	} cases[] = {
		{ "application/json", "x", 1, 1 },
		{ "Application/JSON; charset=utf-8", "", 0, 1 },
		{ " application/problem+json ", "", 0, 1 },
		{ "application/vnd.api+JSON;v=2", "", 0, 1 },
		{ "text/html", "{\"a\":1}", 1, 0 },
		{ "image/png", "[1]", 1, 0 },
		{ "", "  \n{\"a\":1}", 1, 1 },
		{ "", "\xef\xbb\xbf[1]", 1, 1 },
		{ "", "{\"a\":1}", 0, 0 },
		{ "text/plain", "[1,2]", 1, 1 },
		{ "text/plain", "hello", 1, 0 },
		{ "application/octet-stream", "{}", 1, 1 },
		{ "text/json", "{}", 1, 1 },
		{ "application/jsonp", "cb({})", 1, 0 },
		{ "", "", 1, 0 },
		{ "", "   ", 1, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rules.json_sniff = (uint8_t)cases[i].sniff;
		if (umb_cmp_is_json(&rules, cases[i].ct, strlen(cases[i].ct),
				(const uint8_t *)cases[i].body,
				strlen(cases[i].body)) != cases[i].want)
			fail_msg("case %u: %s / %s", i, cases[i].ct,
					cases[i].body);
	}
	assert_int_equal(umb_cmp_is_json(&rules, NULL, 0, NULL, 0), 0);
}

static void
bodies_go_to_json_or_bytes_by_content(void **state)
{
	const char *hj = "application/json", *ht = "text/html";

	result_init(&res);
	assert_int_equal(umb_cmp_body(&rules, hj, strlen(hj),
			(const uint8_t *)"{}", 2, hj, strlen(hj),
			(const uint8_t *)"[]", 2, &res), 1);
	/* the JSON engine's verdict, whatever its kind, not a byte diff */
	assert_int_not_equal(res.diffs[0].kind, UMB_CMP_body);
	assert_string_equal(res.diffs[0].path, "$");
	assert_true(res.flags & UMB_CMP_R_JSON);
	result_init(&res);
	assert_int_equal(umb_cmp_body(&rules, ht, strlen(ht),
			(const uint8_t *)"<p>a\n</p>", 9, ht, strlen(ht),
			(const uint8_t *)"<p>a\n</P>", 9, &res), 1);
	assert_int_equal(res.diffs[0].kind, UMB_CMP_body);
	assert_int_equal(res.diffs[0].line, 2);
	assert_false(res.flags & UMB_CMP_R_JSON);
	rules.body_on = 0;
	result_init(&res);
	assert_int_equal(umb_cmp_body(&rules, ht, strlen(ht),
			(const uint8_t *)"a", 1, ht, strlen(ht),
			(const uint8_t *)"b", 1, &res), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gzip_bodies_decode_to_the_original_bytes),
		cmocka_unit_test(zlib_wrapped_deflate_bodies_decode),
		cmocka_unit_test(raw_deflate_bodies_decode_like_browsers_accept_them),
		cmocka_unit_test(brotli_bodies_decode_to_the_original_bytes),
		cmocka_unit_test(compress2_output_decodes_as_deflate),
		cmocka_unit_test(truncated_streams_are_corrupt_whatever_the_cut),
		cmocka_unit_test(garbage_is_corrupt_and_empty_input_is_an_empty_body),
		cmocka_unit_test(bytes_after_a_gzip_member_are_ignored),
		cmocka_unit_test(a_gzip_bomb_stops_at_the_ratio_cap_quickly),
		cmocka_unit_test(unknown_codings_are_not_decoded),
		cmocka_unit_test(identity_copies_within_out_max),
		cmocka_unit_test(content_encoding_names_parse_case_insensitively),
		cmocka_unit_test(routes_fold_identifiers_and_keep_words),
		cmocka_unit_test(route_folding_cuts_safely_to_the_capacity),
		cmocka_unit_test(templates_match_one_segment_per_placeholder),
		cmocka_unit_test(histogram_buckets_cover_every_value_in_order),
		cmocka_unit_test(histogram_quantiles_stay_within_one_percent),
		cmocka_unit_test(merged_histograms_equal_the_histogram_of_the_union),
		cmocka_unit_test(a_single_value_histogram_answers_that_value),
		cmocka_unit_test(a_new_route_table_has_only_other),
		cmocka_unit_test(routes_are_created_once_and_overflow_into_other),
		cmocka_unit_test(a_reader_thread_sees_only_whole_routes),
		cmocka_unit_test(json_paths_fold_indices_and_selectors),
		cmocka_unit_test(route_fields_are_counted_up_to_the_top),
		cmocka_unit_test(merged_route_tables_equal_one_table_fed_both_inputs),
		cmocka_unit_test(merging_into_a_full_table_counts_in_other),
		cmocka_unit_test_setup(volatile_headers_are_ignored_by_default,
				hdr_setup),
		cmocka_unit_test_setup(header_names_compare_case_insensitively_and_diffs_are_sorted,
				hdr_setup),
		cmocka_unit_test_setup(repeated_headers_are_joined_in_order,
				hdr_setup),
		cmocka_unit_test_setup(a_header_on_one_side_only_is_a_diff_with_the_other_absent,
				hdr_setup),
		cmocka_unit_test_setup(only_the_compared_set_is_compared_when_given,
				hdr_setup),
		cmocka_unit_test_setup(configured_ignores_add_to_the_defaults,
				hdr_setup),
		cmocka_unit_test_setup(set_cookie_is_compared_by_presence_only,
				hdr_setup),
		cmocka_unit_test_setup(framing_headers_are_ignored_when_bodies_are_decoded,
				hdr_setup),
		cmocka_unit_test_setup(long_header_values_are_cut, hdr_setup),
		cmocka_unit_test(byte_diffs_give_sizes_offset_and_line),
		cmocka_unit_test_setup(json_is_detected_by_type_then_by_sniffing,
				hdr_setup),
		cmocka_unit_test_setup(bodies_go_to_json_or_bytes_by_content,
				hdr_setup),
	};

	return cmocka_run_group_tests_name("compare_misc", tests, NULL, NULL);
}
