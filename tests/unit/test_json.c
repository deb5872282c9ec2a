/* SPDX-License-Identifier: BSD-3-Clause
 * The streaming JSON writer: every value type, commas and nesting, misuse,
 * string escapes and UTF-8 repair byte for byte, number spelling, buffer
 * growth and its cap. A strict validator written here (RFC 8259 grammar,
 * RFC 3629 UTF-8, paired surrogate escapes) checks what cJSON would let
 * through, and a randomized test feeds arbitrary bytes to both.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "umb_json.h"

#include "strict_json.h"

/* The validator is what the randomized test trusts: check it refuses. */
static void
validator_is_strict(void **state)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{\"a\"}", "{1:2}", "01", "1.",
		".5", "1e", "-", "+1", "tru", "nul", "\"abc", "\"\x01\"",
		"\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\u0041\"", "\"\x80\"", "\"\xc0\x80\"",
		"\"\xe0\x80\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\xf0\x80\x80\x80\"", "\"\xe2\x82\"", "\"\xff\"", "[1]]",
		"1 2", "{}{}",
	};
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e+10", "true", "null", "\"\"",
		"\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"", " [1, {\"a\": [] }] ",
		"\"\x7f\"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strict_json(bad[i], strlen(bad[i])))
			fail_msg("validator accepted bad #%zu: %s", i, bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!strict_json(good[i], strlen(good[i])))
			fail_msg("validator refused good #%zu: %s", i, good[i]);
	}
}

/* ---- helpers --------------------------------------------------------------- */

static struct umb_jw
jw_new(void)
{
	struct umb_jw w;

	assert_int_equal(umb_jw_init(&w, 0), 0);
	return w;
}

/* The text of @p s (n bytes) written as a lone string value. */
static void
assert_str_writes(const char *s, size_t n, const char *expect)
{
	struct umb_jw w = jw_new();

	umb_jw_str(&w, s, n);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, strlen(expect));
	assert_memory_equal(w.buf, expect, w.len + 1);
	assert_true(strict_json(w.buf, w.len));
	umb_jw_free(&w);
}

static void
assert_dbl_writes(double d, const char *expect)
{
	struct umb_jw w = jw_new();

	umb_jw_dbl(&w, d);
	assert_int_equal(w.err, 0);
	assert_string_equal(w.buf, expect);
	umb_jw_free(&w);
}

/* ---- values and structure ---------------------------------------------------- */

static void
every_value_type(void **state)
{
	struct umb_jw w = jw_new();
	cJSON *o;

	(void)state;
	umb_jw_obj_open(&w);
	umb_jw_kstr(&w, "s", "ab", 2);
	umb_jw_kcstr(&w, "c", "x\"y");
	umb_jw_ku64(&w, "u", 42);
	umb_jw_ki64(&w, "i", -7);
	umb_jw_kdbl(&w, "d", 2.5);
	umb_jw_kbool(&w, "t", 1);
	umb_jw_kbool(&w, "f", 0);
	umb_jw_knull(&w, "n");
	umb_jw_key(&w, "r");
	umb_jw_raw(&w, "[1,2]", 5);
	umb_jw_key(&w, "a");
	umb_jw_arr_open(&w);
	umb_jw_u64(&w, 1);
	umb_jw_cstr(&w, "two");
	umb_jw_null(&w);
	umb_jw_arr_close(&w);
	umb_jw_obj_close(&w);
	assert_int_equal(w.err, 0);
	assert_string_equal(w.buf,
		"{\"s\":\"ab\",\"c\":\"x\\\"y\",\"u\":42,\"i\":-7,\"d\":2.5,"
		"\"t\":true,\"f\":false,\"n\":null,\"r\":[1,2],"
		"\"a\":[1,\"two\",null]}");
	assert_int_equal(w.len, strlen(w.buf));
	o = cJSON_Parse(w.buf);
	assert_non_null(o);
	assert_int_equal(cJSON_GetObjectItem(o, "u")->valueint, 42);
	cJSON_Delete(o);
	umb_jw_free(&w);
}

static void
nested_objects_exact_text(void **state)
{
	struct umb_jw w = jw_new();

	(void)state;
	umb_jw_obj_open(&w);
	umb_jw_key(&w, "a");
	umb_jw_obj_open(&w);
	umb_jw_key(&w, "b");
	umb_jw_obj_open(&w);
	umb_jw_obj_close(&w);
	umb_jw_key(&w, "c");
	umb_jw_arr_open(&w);
	umb_jw_obj_open(&w);
	umb_jw_ku64(&w, "d", 1);
	umb_jw_obj_close(&w);
	umb_jw_obj_open(&w);
	umb_jw_obj_close(&w);
	umb_jw_arr_open(&w);
	umb_jw_arr_close(&w);
	umb_jw_arr_open(&w);
	umb_jw_i64(&w, 2);
	umb_jw_i64(&w, 3);
	umb_jw_arr_close(&w);
	umb_jw_arr_close(&w);
	umb_jw_obj_close(&w);
	umb_jw_kcstr(&w, "e", "f");
	umb_jw_obj_close(&w);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.depth, 0);
	assert_string_equal(w.buf,
		"{\"a\":{\"b\":{},\"c\":[{\"d\":1},{},[],[2,3]]},\"e\":\"f\"}");
	assert_true(strict_json(w.buf, w.len));
	umb_jw_free(&w);
}

static void
reset_reuses_the_buffer(void **state)
{
	struct umb_jw w = jw_new();
	char *buf;

	(void)state;
	umb_jw_arr_open(&w);
	umb_jw_u64(&w, 1);
	umb_jw_arr_close(&w);
	assert_string_equal(w.buf, "[1]");
	buf = w.buf;
	umb_jw_reset(&w);
	assert_int_equal(w.len, 0);
	assert_string_equal(w.buf, "");
	umb_jw_obj_open(&w);
	umb_jw_obj_close(&w);
	assert_ptr_equal(w.buf, buf);
	assert_string_equal(w.buf, "{}");
	umb_jw_free(&w);
	assert_null(w.buf);
}

/* Each misuse sets -EINVAL, leaves the buffer a clean prefix, and sticks. */
static void
misuse_is_einval_and_sticky(void **state)
{
	struct umb_jw w = jw_new();

	(void)state;
	/* a value with no key inside an object */
	umb_jw_obj_open(&w);
	umb_jw_u64(&w, 1);
	assert_int_equal(w.err, -EINVAL);
	assert_string_equal(w.buf, "{");
	umb_jw_key(&w, "k");
	umb_jw_u64(&w, 1);
	umb_jw_obj_close(&w);
	assert_string_equal(w.buf, "{");
	assert_int_equal(w.err, -EINVAL);

	/* a key inside an array, at top level, twice in a row */
	umb_jw_reset(&w);
	umb_jw_arr_open(&w);
	umb_jw_key(&w, "k");
	assert_int_equal(w.err, -EINVAL);
	umb_jw_reset(&w);
	umb_jw_key(&w, "k");
	assert_int_equal(w.err, -EINVAL);
	umb_jw_reset(&w);
	umb_jw_obj_open(&w);
	umb_jw_key(&w, "k");
	umb_jw_key(&w, "l");
	assert_int_equal(w.err, -EINVAL);
	assert_string_equal(w.buf, "{\"k\":");

	/* closes that do not match, a close with a key pending */
	umb_jw_reset(&w);
	umb_jw_obj_open(&w);
	umb_jw_arr_close(&w);
	assert_int_equal(w.err, -EINVAL);
	umb_jw_reset(&w);
	umb_jw_obj_close(&w);
	assert_int_equal(w.err, -EINVAL);
	umb_jw_reset(&w);
	umb_jw_obj_open(&w);
	umb_jw_key(&w, "k");
	umb_jw_obj_close(&w);
	assert_int_equal(w.err, -EINVAL);

	/* two top-level values */
	umb_jw_reset(&w);
	umb_jw_u64(&w, 1);
	umb_jw_u64(&w, 2);
	assert_int_equal(w.err, -EINVAL);
	assert_string_equal(w.buf, "1");

	/* deeper than UMB_JW_DEPTH */
	umb_jw_reset(&w);
	for (int i = 0; i < UMB_JW_DEPTH; i++)
		umb_jw_arr_open(&w);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, UMB_JW_DEPTH);
	umb_jw_arr_open(&w);
	assert_int_equal(w.err, -EINVAL);
	assert_int_equal(w.len, UMB_JW_DEPTH);
	assert_int_equal(strlen(w.buf), UMB_JW_DEPTH);

	/* reset clears it */
	umb_jw_reset(&w);
	umb_jw_u64(&w, 5);
	assert_int_equal(w.err, 0);
	assert_string_equal(w.buf, "5");
	umb_jw_free(&w);
}

/* ---- strings ----------------------------------------------------------------- */

static void
every_control_char_is_escaped(void **state)
{
	static const char *const named[0x20] = {
		['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n",
		['\r'] = "\\r", ['\t'] = "\\t",
	};

	(void)state;
	for (unsigned int c = 0; c < 0x20; c++) {
		char in[3] = { 'a', (char)c, 'z' };
		char expect[16];

		if (named[c] != NULL)
			snprintf(expect, sizeof(expect), "\"a%sz\"", named[c]);
		else
			snprintf(expect, sizeof(expect), "\"a\\u%04xz\"", c);
		assert_str_writes(in, 3, expect);
	}
	assert_str_writes("\x7f", 1, "\"\\u007f\"");
	assert_str_writes("\"", 1, "\"\\\"\"");
	assert_str_writes("\\", 1, "\"\\\\\"");
	assert_str_writes("a/b", 3, "\"a/b\"");
	assert_str_writes("", 0, "\"\"");
	/* every printable ASCII byte but the two escaped is copied */
	for (unsigned int c = 0x20; c < 0x7f; c++) {
		char in[1] = { (char)c };
		char expect[8];

		if (c == '"' || c == '\\')
			continue;
		snprintf(expect, sizeof(expect), "\"%c\"", c);
		assert_str_writes(in, 1, expect);
	}
}

/* Bytes long enough for the eight-at-a-time scan, with the byte to escape
 * at every position of a word. */
static void
fast_path_finds_every_position(void **state)
{
	(void)state;
	for (unsigned int pos = 0; pos < 24; pos++) {
		static const uint8_t probes[] = { 0x00, 0x1f, '"', '\\', 0x7f, 0x80, 0xff };

		for (size_t k = 0; k < sizeof(probes); k++) {
			char in[24], expect[64];
			const char *esc;

			memset(in, 'x', sizeof(in));
			in[pos] = (char)probes[k];
			switch (probes[k]) {
			case 0x00: esc = "\\u0000"; break;
			case 0x1f: esc = "\\u001f"; break;
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			case 0x7f: esc = "\\u007f"; break;
			default: esc = "\xef\xbf\xbd"; break;
			}
			snprintf(expect, sizeof(expect), "\"%.*s%s%.*s\"",
					(int)pos, in, esc, (int)(23 - pos), in + pos + 1);
			assert_str_writes(in, sizeof(in), expect);
		}
	}
}

#define FFFD "\xef\xbf\xbd"

struct utf8_case {
	const char *in;
	size_t n;
	const char *out;  /* inside the quotes */
};

#define U8(in, out) { in, sizeof(in) - 1, out }

static void
invalid_utf8_is_replaced(void **state)
{
	static const struct utf8_case cases[] = {
		/* lone continuation bytes, each its own error */
		U8("\x80", FFFD),
		U8("\xbf", FFFD),
		U8("a\x80\x80z", "a" FFFD FFFD "z"),
		/* leads that start nothing */
		U8("\xc0", FFFD),
		U8("\xc1", FFFD),
		U8("\xf5", FFFD),
		U8("\xfe", FFFD),
		U8("\xff", FFFD),
		U8("\xfe\xff", FFFD FFFD),
		/* truncated: the valid prefix is one error */
		U8("\xc3", FFFD),
		U8("\xc3z", FFFD "z"),
		U8("\xe2\x82", FFFD),
		U8("\xe2\x82z", FFFD "z"),
		U8("\xe2", FFFD),
		U8("\xf0\x9f\x98", FFFD),
		U8("\xf0\x9f", FFFD),
		U8("\xf0\x9f\x98z", FFFD "z"),
		U8("\xe2\x82\xe2\x82\xac", FFFD "\xe2\x82\xac"),
		/* overlong 2, 3 and 4 bytes */
		U8("\xc0\xaf", FFFD FFFD),
		U8("\xc1\xbf", FFFD FFFD),
		U8("\xe0\x80\xaf", FFFD FFFD FFFD),
		U8("\xe0\x9f\xbf", FFFD FFFD FFFD),
		U8("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD),
		U8("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD),
		/* surrogates U+D800, U+DBFF, U+DC00, U+DFFF */
		U8("\xed\xa0\x80", FFFD FFFD FFFD),
		U8("\xed\xaf\xbf", FFFD FFFD FFFD),
		U8("\xed\xb0\x80", FFFD FFFD FFFD),
		U8("\xed\xbf\xbf", FFFD FFFD FFFD),
		/* above U+10FFFF */
		U8("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD),
		U8("\xf7\xbf\xbf\xbf", FFFD FFFD FFFD FFFD),
		/* five and six byte forms of old */
		U8("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD),
		U8("\xfc\x84\x80\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD FFFD),
		/* a control char after a truncated sequence is still escaped */
		U8("\xe2\x82\n", FFFD "\\n"),
		U8("\xc3\"", FFFD "\\\""),
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char expect[64];

		snprintf(expect, sizeof(expect), "\"%s\"", cases[i].out);
		assert_str_writes(cases[i].in, cases[i].n, expect);
	}
}

static void
valid_multibyte_is_kept(void **state)
{
	static const char *const ok[] = {
		"\xc2\x80",             /* U+0080 */
		"\xc3\xa9",             /* e acute */
		"\xdf\xbf",             /* U+07FF */
		"\xe0\xa0\x80",         /* U+0800 */
		"\xe2\x82\xac",         /* euro */
		"\xed\x9f\xbf",         /* U+D7FF */
		"\xee\x80\x80",         /* U+E000 */
		"\xef\xbf\xbd",         /* U+FFFD */
		"\xef\xbf\xbf",         /* U+FFFF */
		"\xf0\x90\x80\x80",     /* U+10000 */
		"\xf0\x9f\x98\x80",     /* emoji */
		"\xf4\x8f\xbf\xbf",     /* U+10FFFF */
		"/caf\xc3\xa9?q=\xe6\x97\xa5\xe6\x9c\xac&e=\xf0\x9f\x98\x80",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char expect[128];

		snprintf(expect, sizeof(expect), "\"%s\"", ok[i]);
		assert_str_writes(ok[i], strlen(ok[i]), expect);
	}
}

static void
keys_are_escaped_too(void **state)
{
	struct umb_jw w = jw_new();

	(void)state;
	umb_jw_obj_open(&w);
	umb_jw_ku64(&w, "a\"b\n\xff", 1);
	umb_jw_obj_close(&w);
	assert_string_equal(w.buf, "{\"a\\\"b\\n" FFFD "\":1}");
	umb_jw_free(&w);
}

static void
escape_stops_before_cutting(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(umb_json_escape("a\"b", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "a\\\"b");
	/* room for "ab" and the NUL only: the \n escape does not fit */
	assert_int_equal(umb_json_escape("ab\ncd", 5, out, 3), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(umb_json_escape("ab\ncd", 5, out, 5), 3);
	assert_string_equal(out, "ab\\n");
	/* \u0001 needs 6 */
	assert_int_equal(umb_json_escape("\x01", 1, out, 6), 0);
	assert_string_equal(out, "");
	assert_int_equal(umb_json_escape("\x01", 1, out, 7), 1);
	assert_string_equal(out, "\\u0001");
	/* a multibyte sequence or its replacement is never split */
	assert_int_equal(umb_json_escape("x\xe2\x82\xac", 4, out, 4), 1);
	assert_string_equal(out, "x");
	assert_int_equal(umb_json_escape("x\xe2\x82\xac", 4, out, 5), 4);
	assert_int_equal(umb_json_escape("x\xff", 2, out, 4), 1);
	assert_int_equal(umb_json_escape("x\xff", 2, out, 5), 2);
	assert_string_equal(out, "x" FFFD);
	assert_int_equal(umb_json_escape("abc", 3, out, 0), 0);
	assert_int_equal(umb_json_escape("abc", 3, out, 1), 0);
	assert_string_equal(out, "");
}

/* ---- numbers ------------------------------------------------------------------- */

static void
integers_at_the_limits(void **state)
{
	static const struct {
		int64_t v;
		const char *s;
	} i64s[] = {
		{ 0, "0" }, { -1, "-1" }, { 9, "9" }, { 10, "10" }, { -99, "-99" },
		{ 100, "100" }, { INT64_MAX, "9223372036854775807" },
		{ INT64_MIN, "-9223372036854775808" },
	};
	struct umb_jw w = jw_new();
	char ref[32];

	(void)state;
	umb_jw_u64(&w, UINT64_MAX);
	assert_string_equal(w.buf, "18446744073709551615");
	umb_jw_reset(&w);
	umb_jw_u64(&w, 0);
	assert_string_equal(w.buf, "0");
	for (size_t i = 0; i < sizeof(i64s) / sizeof(i64s[0]); i++) {
		umb_jw_reset(&w);
		umb_jw_i64(&w, i64s[i].v);
		assert_string_equal(w.buf, i64s[i].s);
	}
	/* every power of ten and its neighbours, against printf */
	for (uint64_t p = 1, i = 0; i < 20; i++, p *= 10) {
		for (int d = -1; d <= 1; d++) {
			uint64_t v = p + (uint64_t)(int64_t)d;

			umb_jw_reset(&w);
			umb_jw_u64(&w, v);
			snprintf(ref, sizeof(ref), "%" PRIu64, v);
			assert_string_equal(w.buf, ref);
			umb_jw_reset(&w);
			umb_jw_i64(&w, -(int64_t)(v >> 1));
			snprintf(ref, sizeof(ref), "%" PRId64, -(int64_t)(v >> 1));
			assert_string_equal(w.buf, ref);
		}
	}
	srandom(7);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^
			(uint64_t)random();

		v >>= random() % 64;
		umb_jw_reset(&w);
		umb_jw_u64(&w, v);
		snprintf(ref, sizeof(ref), "%" PRIu64, v);
		assert_string_equal(w.buf, ref);
	}
	umb_jw_free(&w);
}

static void
doubles_round_trip(void **state)
{
	struct umb_jw w = jw_new();

	(void)state;
	assert_dbl_writes(1.0, "1");
	assert_dbl_writes(-3.0, "-3");
	assert_dbl_writes(0.0, "0");
	assert_dbl_writes(-0.0, "-0");
	assert_dbl_writes(0.1, "0.1");
	assert_dbl_writes(2.5, "2.5");
	assert_dbl_writes(1e300, "1e+300");
	assert_dbl_writes(-1e-300, "-1e-300");
	assert_dbl_writes(1e15, "1000000000000000");
	assert_dbl_writes(9007199254740993.0, "9007199254740992");
	assert_dbl_writes(1700000000.123456, "1700000000.123456");
	assert_dbl_writes(NAN, "null");
	assert_dbl_writes(INFINITY, "null");
	assert_dbl_writes(-INFINITY, "null");
	assert_dbl_writes(5e-324, "4.94065645841247e-324");
	assert_dbl_writes(0.1 + 0.2, "0.30000000000000004");
	/* -0 reads back as itself, sign included */
	umb_jw_dbl(&w, -0.0);
	assert_true(signbit(strtod(w.buf, NULL)));
	/* random bit patterns: exact round trip, JSON number grammar, and no
	 * more than 17 significant digits */
	srandom(11);
	for (int i = 0; i < 100000; i++) {
		uint64_t bits = ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^
			(uint64_t)random();
		double d, back;

		memcpy(&d, &bits, sizeof(d));
		if (i % 3 == 0)
			d = (double)(int64_t)bits / (double)(1 + random() % 1000000);
		umb_jw_reset(&w);
		umb_jw_dbl(&w, d);
		assert_int_equal(w.err, 0);
		if (isnan(d) || isinf(d)) {
			assert_string_equal(w.buf, "null");
			continue;
		}
		assert_true(strict_json(w.buf, w.len));
		back = strtod(w.buf, NULL);
		if (memcmp(&back, &d, sizeof(d)) != 0)
			fail_msg("%.17g wrote %s", d, w.buf);
	}
	/* integral values beyond int64 still round trip */
	umb_jw_reset(&w);
	umb_jw_dbl(&w, 9223372036854775808.0);
	assert_true(strtod(w.buf, NULL) == 9223372036854775808.0);
	umb_jw_reset(&w);
	umb_jw_dbl(&w, -9223372036854775808.0);
	assert_string_equal(w.buf, "-9223372036854775808");
	umb_jw_free(&w);
}

/* ---- the buffer -------------------------------------------------------------------- */

static void
buffer_grows(void **state)
{
	struct umb_jw w;
	size_t n = 100000;
	char *big = malloc(n), *expect = malloc(n * 6 + 3);
	size_t e = 0;

	(void)state;
	assert_non_null(big);
	assert_non_null(expect);
	/* every escape crosses a growth boundary somewhere */
	for (size_t i = 0; i < n; i++) {
		big[i] = (char)(i % 3 == 0 ? '\x01' : i % 3 == 1 ? 'a' : '\xff');
	}
	expect[e++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (i % 3 == 0) {
			memcpy(expect + e, "\\u0001", 6);
			e += 6;
		} else if (i % 3 == 1) {
			expect[e++] = 'a';
		} else {
			memcpy(expect + e, FFFD, 3);
			e += 3;
		}
	}
	expect[e++] = '"';
	assert_int_equal(umb_jw_init(&w, 1), 0);
	umb_jw_arr_open(&w);
	for (int i = 0; i < 1000; i++)
		umb_jw_u64(&w, (uint64_t)i);
	umb_jw_arr_close(&w);
	assert_int_equal(w.err, 0);
	assert_true(w.cap > w.len);
	assert_true(strict_json(w.buf, w.len));
	umb_jw_reset(&w);
	umb_jw_str(&w, big, n);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, e);
	assert_memory_equal(w.buf, expect, e);
	assert_int_equal(w.buf[w.len], '\0');
	umb_jw_free(&w);
	free(big);
	free(expect);
}

static void
max_cap_is_e2big_and_sticky(void **state)
{
	struct umb_jw w;
	char s[2000];

	(void)state;
	memset(s, 'x', sizeof(s));
	assert_int_equal(umb_jw_init(&w, 64), 0);
	w.max = 1024;
	umb_jw_arr_open(&w);
	umb_jw_str(&w, s, 500);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 503);
	/* does not fit: taken back whole, the buffer is what it was */
	umb_jw_str(&w, s, sizeof(s));
	assert_int_equal(w.err, -E2BIG);
	assert_int_equal(w.len, 503);
	assert_int_equal(strlen(w.buf), 503);
	assert_true(w.cap <= 1024);
	/* sticky: small values do nothing now */
	umb_jw_u64(&w, 1);
	umb_jw_arr_close(&w);
	assert_int_equal(w.err, -E2BIG);
	assert_int_equal(w.len, 503);
	/* exactly up to the cap: 1023 bytes of text and the NUL */
	umb_jw_reset(&w);
	umb_jw_str(&w, s, 1021);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 1023);
	umb_jw_reset(&w);
	umb_jw_str(&w, s, 1022);
	assert_int_equal(w.err, -E2BIG);
	assert_int_equal(w.len, 0);
	assert_string_equal(w.buf, "");
	/* a string of escapes that runs out part way is taken back too */
	umb_jw_reset(&w);
	memset(s, '\n', sizeof(s));
	umb_jw_str(&w, s, 600);
	assert_int_equal(w.err, -E2BIG);
	assert_int_equal(w.len, 0);
	assert_string_equal(w.buf, "");
	umb_jw_free(&w);
}

/* ---- randomized ----------------------------------------------------------------------- */

static size_t
utf8_put(uint8_t *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (uint8_t)(0xc0 | (cp >> 6));
		p[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (uint8_t)(0xe0 | (cp >> 12));
		p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		p[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (uint8_t)(0xf0 | (cp >> 18));
	p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	p[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Three kinds of string: uniform random bytes; bytes drawn from the edges
 * of the UTF-8 table and the escapes; and well-formed UTF-8 of random code
 * points, which must also decode back to exactly the input.
 */
static void
random_strings_are_valid_json(void **state)
{
	static const uint8_t edges[] = {
		0x00, 0x01, 0x08, 0x09, 0x0a, 0x1f, ' ', '"', '\\', '/', 'a',
		0x7e, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
		0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1,
		0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfc, 0xfe, 0xff,
	};
	struct umb_jw w = jw_new();
	uint8_t in[256];

	(void)state;
	srandom(2024);
	for (int iter = 0; iter < 10000; iter++) {
		int kind = iter % 3;
		size_t n = 0, want = (size_t)(random() % 64);
		cJSON *o, *v;

		if (kind == 0) {
			for (; n < want; n++)
				in[n] = (uint8_t)random();
		} else if (kind == 1) {
			for (; n < want; n++)
				in[n] = edges[random() % sizeof(edges)];
		} else {
			while (n < want) {
				uint32_t cp;

				switch (random() % 4) {
				case 0: cp = 1 + (uint32_t)(random() % 0x7f); break;
				case 1: cp = 0x80 + (uint32_t)(random() % 0x780); break;
				case 2: cp = 0x800 + (uint32_t)(random() % 0xf800); break;
				default: cp = 0x10000 + (uint32_t)(random() % 0x100000); break;
				}
				if (cp >= 0xd800 && cp <= 0xdfff)
					continue;
				n += utf8_put(in + n, cp);
			}
		}
		umb_jw_reset(&w);
		umb_jw_obj_open(&w);
		umb_jw_kstr(&w, "v", (const char *)in, n);
		umb_jw_key(&w, "a");
		umb_jw_arr_open(&w);
		umb_jw_str(&w, (const char *)in, n);
		umb_jw_u64(&w, (uint64_t)iter);
		umb_jw_arr_close(&w);
		umb_jw_obj_close(&w);
		assert_int_equal(w.err, 0);
		assert_int_equal(strlen(w.buf), w.len);
		assert_null(memchr(w.buf, 0x7f, w.len));
		if (!strict_json(w.buf, w.len))
			fail_msg("iteration %d: not strict JSON: %s", iter, w.buf);
		o = cJSON_ParseWithLength(w.buf, w.len);
		if (o == NULL)
			fail_msg("iteration %d: cJSON refused: %s", iter, w.buf);
		v = cJSON_GetObjectItem(o, "v");
		assert_true(cJSON_IsString(v));
		if (kind == 2) {
			assert_int_equal(strlen(v->valuestring), n);
			assert_memory_equal(v->valuestring, in, n);
		}
		assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "a"), 1)->valueint,
				iter);
		cJSON_Delete(o);
	}
	umb_jw_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validator_is_strict),
		cmocka_unit_test(every_value_type),
		cmocka_unit_test(nested_objects_exact_text),
		cmocka_unit_test(reset_reuses_the_buffer),
		cmocka_unit_test(misuse_is_einval_and_sticky),
		cmocka_unit_test(every_control_char_is_escaped),
		cmocka_unit_test(fast_path_finds_every_position),
		cmocka_unit_test(invalid_utf8_is_replaced),
		cmocka_unit_test(valid_multibyte_is_kept),
		cmocka_unit_test(keys_are_escaped_too),
		cmocka_unit_test(escape_stops_before_cutting),
		cmocka_unit_test(integers_at_the_limits),
		cmocka_unit_test(doubles_round_trip),
		cmocka_unit_test(buffer_grows),
		cmocka_unit_test(max_cap_is_e2big_and_sticky),
		cmocka_unit_test(random_strings_are_valid_json),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
