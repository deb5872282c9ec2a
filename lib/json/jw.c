/* SPDX-License-Identifier: BSD-3-Clause
 * The streaming JSON writer (umb_json.h). This file owns the output grammar:
 * where commas go, which nesting is legal, how a number is spelled and how
 * arbitrary bytes become a JSON string. Everything is appended into one
 * growable buffer that callers reuse from line to line, so a steady state
 * writes without any allocation; integers are spelled by hand, and only
 * non-integral doubles go through snprintf.
 *
 * Strings are the hard part: their bytes come off the wire (URIs, Host
 * headers) and may hold anything. Control characters, quote, backslash and
 * DEL are escaped; UTF-8 is checked strictly against RFC 3629 (no overlong
 * forms, no surrogates, nothing above U+10FFFF), and each invalid sequence
 * becomes one U+FFFD, following Unicode's "maximal subpart" practice (the
 * longest prefix of a well-formed sequence counts as one error, a byte that
 * can start nothing counts alone). So every line is valid JSON of valid
 * UTF-8 whatever the traffic held.
 *
 * Errors (no memory, the size cap, misuse such as a value with no key inside
 * an object) are sticky in w->err: later calls do nothing until reset, and
 * the failing value is taken back so the buffer stays a clean prefix.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "umb_json.h"

#define JW_MAX_DEFAULT ((size_t)64 << 20)
#define JW_INITIAL_MIN 64

/* first[] holds two bits per level: nothing written yet, and whether the
 * level is an object (keys expected) or an array. */
#define LVL_FIRST 0x1
#define LVL_OBJ   0x2

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- the buffer ---------------------------------------------------------- */

static size_t
jw_max(const struct umb_jw *w)
{
	return w->max != 0 ? w->max : JW_MAX_DEFAULT;
}

static void
jw_fail(struct umb_jw *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

/* Make room for @p need more bytes plus the terminating NUL, doubling. */
static int
jw_grow(struct umb_jw *w, size_t need)
{
	size_t max = jw_max(w);
	size_t target, ncap;
	char *nbuf;

	if (w->err != 0)
		return 0;
	if (need > max || w->len + 1 > max - need) {
		jw_fail(w, -E2BIG);
		return 0;
	}
	target = w->len + need + 1;
	ncap = w->cap != 0 ? w->cap : JW_INITIAL_MIN;
	while (ncap < target)
		ncap = ncap > max / 2 ? max : ncap * 2;
	nbuf = realloc(w->buf, ncap);
	if (nbuf == NULL) {
		jw_fail(w, -ENOMEM);
		return 0;
	}
	w->buf = nbuf;
	w->cap = ncap;
	return 1;
}

static inline int
jw_reserve(struct umb_jw *w, size_t need)
{
	/* cap > len always holds once a buffer exists (room for the NUL). */
	if (likely(w->buf != NULL && w->cap - w->len > need))
		return 1;
	return jw_grow(w, need);
}

/* Take the value that failed back to where it began. */
static void
jw_rollback(struct umb_jw *w, size_t mark)
{
	w->len = mark;
	if (w->buf != NULL)
		w->buf[w->len] = '\0';
}

static inline void
jw_put(struct umb_jw *w, char c)
{
	w->buf[w->len++] = c;
}

static inline void
jw_end(struct umb_jw *w)
{
	w->buf[w->len] = '\0';
}

int
umb_jw_init(struct umb_jw *w, size_t initial)
{
	memset(w, 0, sizeof(*w));
	if (initial < JW_INITIAL_MIN)
		initial = JW_INITIAL_MIN;
	if (initial > JW_MAX_DEFAULT)
		initial = JW_MAX_DEFAULT;
	w->buf = malloc(initial);
	if (w->buf == NULL)
		return -ENOMEM;
	w->cap = initial;
	w->buf[0] = '\0';
	return 0;
}

void
umb_jw_reset(struct umb_jw *w)
{
	w->len = 0;
	w->err = 0;
	w->depth = 0;
	w->after_key = 0;
	if (w->buf != NULL)
		w->buf[0] = '\0';
}

void
umb_jw_free(struct umb_jw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	w->depth = 0;
	w->after_key = 0;
}

/* ---- grammar --------------------------------------------------------------- */

/*
 * Start a value: check it may stand here, reserve @p need bytes for it plus
 * a comma, and write the comma. 0 when nothing may be written.
 */
static int
jw_value_begin(struct umb_jw *w, size_t need)
{
	uint8_t *lvl;

	if (unlikely(w->err != 0))
		return 0;
	if (w->depth == 0) {
		/* One top-level value per buffer: two would not be JSON. */
		if (w->len != 0) {
			jw_fail(w, -EINVAL);
			return 0;
		}
		return jw_reserve(w, need);
	}
	lvl = &w->first[w->depth - 1];
	if (w->after_key) {
		if (!jw_reserve(w, need))
			return 0;
		w->after_key = 0;
		return 1;
	}
	if (*lvl & LVL_OBJ) {
		/* A member needs its key first. */
		jw_fail(w, -EINVAL);
		return 0;
	}
	if (!jw_reserve(w, need + 1))
		return 0;
	if (!(*lvl & LVL_FIRST))
		jw_put(w, ',');
	*lvl &= (uint8_t)~LVL_FIRST;
	return 1;
}

static void
jw_open(struct umb_jw *w, char c, uint8_t kind)
{
	size_t mark = w->len;

	if (!jw_value_begin(w, 1))
		return;
	if (w->depth >= UMB_JW_DEPTH) {
		jw_fail(w, -EINVAL);
		jw_rollback(w, mark);
		return;
	}
	w->first[w->depth++] = LVL_FIRST | kind;
	jw_put(w, c);
	jw_end(w);
}

static void
jw_close(struct umb_jw *w, char c, uint8_t kind)
{
	if (w->err != 0)
		return;
	if (w->depth == 0 || w->after_key ||
			(w->first[w->depth - 1] & LVL_OBJ) != kind) {
		jw_fail(w, -EINVAL);
		return;
	}
	if (!jw_reserve(w, 1))
		return;
	w->depth--;
	jw_put(w, c);
	jw_end(w);
}

void
umb_jw_obj_open(struct umb_jw *w)
{
	jw_open(w, '{', LVL_OBJ);
}

void
umb_jw_obj_close(struct umb_jw *w)
{
	jw_close(w, '}', LVL_OBJ);
}

void
umb_jw_arr_open(struct umb_jw *w)
{
	jw_open(w, '[', 0);
}

void
umb_jw_arr_close(struct umb_jw *w)
{
	jw_close(w, ']', 0);
}

/* ---- strings --------------------------------------------------------------- */

static const char hexd[] = "0123456789abcdef";

/* Bytes that may be copied as they are: printable ASCII but " and \. */
static inline int
safe_byte(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/*
 * Length of the run of safe bytes at @p s (at most @p n). Eight bytes at a
 * time: a word is clean when no byte is below 0x20, equal to '"' or '\\', or
 * at or above 0x7f (the usual has-less / has-zero bit tricks; they never
 * miss, and a word they flag is finished byte by byte).
 */
static inline size_t
safe_run(const uint8_t *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	size_t i = 0;

	while (n - i >= 8) {
		uint64_t v, q, b, t;

		memcpy(&v, s + i, 8);
		q = v ^ (ones * '"');
		b = v ^ (ones * '\\');
		t = ((v - ones * 0x20) & ~v) |         /* below 0x20 */
			((q - ones) & ~q) |            /* '"' */
			((b - ones) & ~b) |            /* '\\' */
			((v + ones * 0x01) | v);       /* 0x7f and above */
		if (t & highs)
			break;
		i += 8;
	}
	while (i < n && safe_byte(s[i]))
		i++;
	return i;
}

/*
 * Length of the well-formed UTF-8 sequence at @p s (2 to 4), or, when it is
 * not one, minus the number of bytes one U+FFFD stands for (RFC 3629 table;
 * the second byte's range is what rules out overlongs, surrogates and code
 * points above U+10FFFF).
 */
static int
utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	int len;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;          /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;          /* U+D800..DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;          /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;          /* above U+10FFFF */
	} else {
		return -1;                  /* 0x80..0xc1, 0xf5..0xff */
	}
	if (n < 2 || s[1] < lo || s[1] > hi)
		return -1;
	for (int i = 2; i < len; i++) {
		if ((size_t)i >= n || s[i] < 0x80 || s[i] > 0xbf)
			return -i;
	}
	return len;
}

/*
 * Escape as much of @p s as fits whole into @p out (@p room bytes, no NUL
 * written). Returns input bytes consumed; *outn gets bytes produced.
 */
static size_t
escape_into(const uint8_t *s, size_t n, char *out, size_t room, size_t *outn)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t run = safe_run(s + i, n - i);
		uint8_t c;

		if (run > 0) {
			if (run > room - o)
				run = room - o;
			memcpy(out + o, s + i, run);
			i += run;
			o += run;
			if (i == n || o == room)
				break;
		}
		c = s[i];
		if (c < 0x80 || c == 0x7f) {
			char e = 0;

			switch (c) {
			case '"': e = '"'; break;
			case '\\': e = '\\'; break;
			case '\b': e = 'b'; break;
			case '\f': e = 'f'; break;
			case '\n': e = 'n'; break;
			case '\r': e = 'r'; break;
			case '\t': e = 't'; break;
			default: break;
			}
			if (e != 0) {
				if (room - o < 2)
					break;
				out[o++] = '\\';
				out[o++] = e;
			} else {
				if (room - o < 6)
					break;
				memcpy(out + o, "\\u00", 4);
				out[o + 4] = hexd[c >> 4];
				out[o + 5] = hexd[c & 0xf];
				o += 6;
			}
			i++;
		} else {
			int l = utf8_seq(s + i, n - i);

			if (l > 0) {
				if (room - o < (size_t)l)
					break;
				memcpy(out + o, s + i, (size_t)l);
				o += (size_t)l;
				i += (size_t)l;
			} else {
				if (room - o < 3)
					break;
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
				i += (size_t)-l;
			}
		}
	}
	*outn = o;
	return i;
}

size_t
umb_json_escape(const char *s, size_t n, char *out, size_t cap)
{
	size_t used, outn;

	if (cap == 0)
		return 0;
	used = escape_into((const uint8_t *)s, n, out, cap - 1, &outn);
	out[outn] = '\0';
	return used;
}

/* The quoted string, without comma or key logic; 0 on error. */
static int
jw_string(struct umb_jw *w, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t done = 0;

	/* Most strings (keys, endpoints, hashes, ordinary URIs) are one run of
	 * safe bytes: one copy, no escaping loop. */
	if (likely(safe_run(p, n) == n)) {
		if (!jw_reserve(w, n + 2))
			return 0;
		jw_put(w, '"');
		memcpy(w->buf + w->len, s, n);
		w->len += n;
		jw_put(w, '"');
		return 1;
	}
	if (!jw_reserve(w, 1))
		return 0;
	jw_put(w, '"');
	for (;;) {
		size_t outn;

		done += escape_into(p + done, n - done, w->buf + w->len,
				w->cap - w->len - 1, &outn);
		w->len += outn;
		if (done == n)
			break;
		/* Out of room: the longest escape is 6 bytes; doubling makes
		 * this rare. */
		if (!jw_grow(w, 6))
			return 0;
	}
	if (!jw_reserve(w, 1))
		return 0;
	jw_put(w, '"');
	return 1;
}

void
umb_jw_key_n(struct umb_jw *w, const char *key, size_t n)
{
	size_t mark = w->len;
	uint8_t *lvl;

	if (unlikely(w->err != 0))
		return;
	if (unlikely(w->depth == 0 || w->after_key ||
			!(w->first[w->depth - 1] & LVL_OBJ))) {
		jw_fail(w, -EINVAL);
		return;
	}
	lvl = &w->first[w->depth - 1];
	/* The common key, short and plain: comma, quotes and colon in one
	 * reservation and one copy (about 20 keys a line). */
	if (likely(n <= 64 && safe_run((const uint8_t *)key, n) == n)) {
		char *o;

		if (!jw_reserve(w, n + 4))
			return;
		o = w->buf + w->len;
		if (!(*lvl & LVL_FIRST))
			*o++ = ',';
		*o++ = '"';
		memcpy(o, key, n);
		o += n;
		*o++ = '"';
		*o++ = ':';
		*o = '\0';
		w->len = (size_t)(o - w->buf);
		*lvl &= (uint8_t)~LVL_FIRST;
		w->after_key = 1;
		return;
	}
	/* comma and colon; jw_string reserves for itself */
	if (!jw_reserve(w, 1))
		return;
	if (!(*lvl & LVL_FIRST))
		jw_put(w, ',');
	if (!jw_string(w, key, n) || !jw_reserve(w, 1)) {
		jw_rollback(w, mark);
		return;
	}
	jw_put(w, ':');
	jw_end(w);
	*lvl &= (uint8_t)~LVL_FIRST;
	w->after_key = 1;
}

void
umb_jw_str(struct umb_jw *w, const char *s, size_t n)
{
	size_t mark = w->len;

	if (!jw_value_begin(w, n + 2))
		return;
	if (!jw_string(w, s, n)) {
		jw_rollback(w, mark);
		return;
	}
	jw_end(w);
}

void
umb_jw_cstr(struct umb_jw *w, const char *s)
{
	umb_jw_str(w, s, strlen(s));
}

/* ---- numbers and literals -------------------------------------------------- */

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Digits of @p v written backwards from @p end (up to 20 bytes before it);
 * returns where they start. */
static char *
fmt_u64(char *end, uint64_t v)
{
	char *p = end;

	while (v >= 100) {
		unsigned int d = (unsigned int)(v % 100) * 2;

		v /= 100;
		*--p = digit_pairs[d + 1];
		*--p = digit_pairs[d];
	}
	if (v >= 10) {
		unsigned int d = (unsigned int)v * 2;

		*--p = digit_pairs[d + 1];
		*--p = digit_pairs[d];
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

static void
jw_digits(struct umb_jw *w, uint64_t mag, int neg)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p;
	size_t n;

	p = fmt_u64(end, mag);
	if (neg)
		*--p = '-';
	n = (size_t)(end - p);
	if (!jw_value_begin(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	jw_end(w);
}

void
umb_jw_u64(struct umb_jw *w, uint64_t v)
{
	jw_digits(w, v, 0);
}

void
umb_jw_i64(struct umb_jw *w, int64_t v)
{
	/* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
	if (v < 0)
		jw_digits(w, (uint64_t)0 - (uint64_t)v, 1);
	else
		jw_digits(w, (uint64_t)v, 0);
}

/* C's %g follows LC_NUMERIC; JSON's decimal point does not. */
static void
fix_decimal_point(char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' ||
				*s == 'e' || *s == 'E'))
			*s = '.';
	}
}

void
umb_jw_dbl(struct umb_jw *w, double v)
{
	static const char *const fmts[] = { "%.15g", "%.16g", "%.17g" };
	char tmp[40];
	int n = 0;

	if (isnan(v) || isinf(v)) {
		umb_jw_null(w);
		return;
	}
	/* Integral and inside int64: exact digits, no printf. 2^63 itself is
	 * outside (the upper bound is exclusive). -0.0 keeps its sign so that
	 * it reads back as itself. */
	if (v >= -9223372036854775808.0 && v < 9223372036854775808.0 &&
			v == (double)(int64_t)v) {
		if (v == 0 && signbit(v)) {
			umb_jw_raw(w, "-0", 2);
			return;
		}
		umb_jw_i64(w, (int64_t)v);
		return;
	}
	/* The shortest of 15, 16, 17 significant digits that reads back
	 * equal; 17 always does. */
	for (unsigned int i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		n = snprintf(tmp, sizeof(tmp), fmts[i], v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (n <= 0 || (size_t)n >= sizeof(tmp)) {
		jw_fail(w, -EINVAL);
		return;
	}
	fix_decimal_point(tmp);
	umb_jw_raw(w, tmp, (size_t)n);
}

void
umb_jw_bool(struct umb_jw *w, int v)
{
	if (v)
		umb_jw_raw(w, "true", 4);
	else
		umb_jw_raw(w, "false", 5);
}

void
umb_jw_null(struct umb_jw *w)
{
	umb_jw_raw(w, "null", 4);
}

void
umb_jw_raw(struct umb_jw *w, const char *json, size_t n)
{
	if (!jw_value_begin(w, n))
		return;
	memcpy(w->buf + w->len, json, n);
	w->len += n;
	jw_end(w);
}
