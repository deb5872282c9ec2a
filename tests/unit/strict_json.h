/* SPDX-License-Identifier: BSD-3-Clause
 * A strict JSON validator for the tests (RFC 8259 and RFC 3629 UTF-8, no
 * extensions), written independently of cJSON (which accepts more): the
 * suites that check the writer's output trust it, and test_json.c checks
 * that it refuses what it must. Static functions: include it once per suite.
 */
#ifndef UMB_TEST_STRICT_JSON_H
#define UMB_TEST_STRICT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>


/*
 * Deliberately written differently from the writer: UTF-8 is decoded to a
 * code point and the code point checked, where the writer uses the RFC 3629
 * byte-range table. Returns 1 when s[0..n) is exactly one JSON value.
 */
struct sv {
	const uint8_t *p;
	const uint8_t *end;
	int depth;
};

static int sv_value(struct sv *v);

static void
sv_ws(struct sv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' ||
			*v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int
sv_hex4(struct sv *v, unsigned int *cp)
{
	*cp = 0;
	if (v->end - v->p < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		uint8_t c = *v->p++;

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*cp |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*cp |= c - 'A' + 10;
		else
			return 0;
	}
	return 1;
}

static int
sv_string(struct sv *v)
{
	if (v->p >= v->end || *v->p != '"')
		return 0;
	v->p++;
	while (v->p < v->end) {
		uint8_t c = *v->p;
		unsigned int cp, min, len;

		if (c == '"') {
			v->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (++v->p >= v->end)
				return 0;
			c = *v->p++;
			if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
				continue;
			if (c != 'u' || !sv_hex4(v, &cp))
				return 0;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return 0;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (v->end - v->p < 2 || v->p[0] != '\\' || v->p[1] != 'u')
					return 0;
				v->p += 2;
				if (!sv_hex4(v, &cp) || cp < 0xdc00 || cp > 0xdfff)
					return 0;
			}
			continue;
		}
		if (c < 0x80) {
			v->p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if ((size_t)(v->end - v->p) < len)
			return 0;
		for (unsigned int i = 1; i < len; i++) {
			if ((v->p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (v->p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		v->p += len;
	}
	return 0;
}

static int
sv_digits(struct sv *v)
{
	const uint8_t *s = v->p;

	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > s;
}

static int
sv_number(struct sv *v)
{
	if (v->p < v->end && *v->p == '-')
		v->p++;
	if (v->p < v->end && *v->p == '0')
		v->p++;
	else if (v->p >= v->end || *v->p < '1' || *v->p > '9' || !sv_digits(v))
		return 0;
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (!sv_digits(v))
			return 0;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (!sv_digits(v))
			return 0;
	}
	return 1;
}

static int
sv_lit(struct sv *v, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(v->end - v->p) < n || memcmp(v->p, lit, n) != 0)
		return 0;
	v->p += n;
	return 1;
}

static int
sv_container(struct sv *v, uint8_t close)
{
	int ok = 0;

	if (++v->depth > 256)
		return 0;
	v->p++;
	sv_ws(v);
	if (v->p < v->end && *v->p == close) {
		v->p++;
		v->depth--;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			if (!sv_string(v))
				break;
			sv_ws(v);
			if (v->p >= v->end || *v->p++ != ':')
				break;
		}
		if (!sv_value(v))
			break;
		sv_ws(v);
		if (v->p < v->end && *v->p == ',') {
			v->p++;
			sv_ws(v);
			continue;
		}
		if (v->p < v->end && *v->p == close) {
			v->p++;
			ok = 1;
		}
		break;
	}
	v->depth--;
	return ok;
}

static int
sv_value(struct sv *v)
{
	int ok;

	sv_ws(v);
	if (v->p >= v->end)
		return 0;
	switch (*v->p) {
	case '{': ok = sv_container(v, '}'); break;
	case '[': ok = sv_container(v, ']'); break;
	case '"': ok = sv_string(v); break;
	case 't': ok = sv_lit(v, "true"); break;
	case 'f': ok = sv_lit(v, "false"); break;
	case 'n': ok = sv_lit(v, "null"); break;
	default: ok = sv_number(v); break;
	}
	sv_ws(v);
	return ok;
}

static int
strict_json(const char *s, size_t n)
{
	struct sv v = { (const uint8_t *)s, (const uint8_t *)s + n, 0 };

	return sv_value(&v) && v.p == v.end;
}

#endif
