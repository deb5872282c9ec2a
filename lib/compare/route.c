/* SPDX-License-Identifier: BSD-3-Clause
 * Routes: the name a request is counted under ("GET /users/{id}"), and the
 * match of configured templates against a request.
 *
 * Folding keeps the number of routes bounded on real traffic: identifiers
 * in paths (numbers, UUIDs, long hex, long base64-like tokens) become {id},
 * words stay. The query and the fragment are dropped; percent-encoded bytes
 * are kept as written (no decoding: "%2F" is not a separator). A request
 * target in absolute form ("http://host/path") is reduced to its path.
 * Bytes that are not printable ASCII become '?' so that a route is always
 * safe as a label (Prometheus, Redis keys, JSON).
 *
 * Bounds: one pass over method and URI, output cut to cap - 1 bytes (never
 * written past cap), no allocation.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "umb_compare.h"

/* output cursor that silently stops at cap - 1 */
struct obuf {
	char *p;
	size_t cap;
	size_t n;
};

static void
ob_putc(struct obuf *o, char c)
{
	if (o->n + 1 < o->cap)
		o->p[o->n++] = c;
}

static void
ob_puts(struct obuf *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ob_putc(o, s[i]);
}

static char
safe_byte(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f ? '?' : (char)c;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* Is this path segment an identifier (folded to {id})? */
static int
is_id_segment(const char *s, size_t n)
{
	int digits = 1, hex = 1, b64 = 1, has_digit = 0, has_alpha = 0;
	size_t i;

	if (n == 0)
		return 0;
	if (is_uuid(s, n))
		return 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_digit(c))
			has_digit = 1;
		else
			digits = 0;
		if (is_alpha(c))
			has_alpha = 1;
		if (!is_hex(c))
			hex = 0;
		if (!is_digit(c) && !is_alpha(c) && c != '_' && c != '-' &&
				c != '+' && c != '=')
			b64 = 0;
	}
	if (digits)
		return 1;
	if (hex && n >= 16 && has_digit)
		return 1;
	if (b64 && n >= 20 && has_digit && has_alpha)
		return 1;
	return 0;
}

/*
 * The path of a request target: absolute form reduced to its path, query
 * and fragment dropped. May be empty (the caller writes "/").
 */
static void
target_path(const char *uri, size_t ulen, const char **path, size_t *plen)
{
	size_t i, start = 0;

	if ((ulen >= 7 && strncasecmp(uri, "http://", 7) == 0) ||
			(ulen >= 8 && strncasecmp(uri, "https://", 8) == 0)) {
		start = uri[4] == ':' ? 7 : 8;
		while (start < ulen && uri[start] != '/' && uri[start] != '?' &&
				uri[start] != '#')
			start++;
	}
	for (i = start; i < ulen; i++)
		if (uri[i] == '?' || uri[i] == '#')
			break;
	*path = uri + start;
	*plen = i - start;
}

size_t
umb_route_fold(const char *method, size_t mlen, const char *uri,
		size_t ulen, char *out, size_t cap)
{
	struct obuf o = { out, cap, 0 };
	const char *path;
	size_t plen, i, seg;

	if (cap == 0)
		return 0;
	for (i = 0; i < mlen; i++)
		ob_putc(&o, safe_byte((unsigned char)method[i]));
	ob_putc(&o, ' ');
	target_path(uri, ulen, &path, &plen);
	if (plen == 0) {
		ob_putc(&o, '/');
	} else {
		/* segments between '/' (the text before the first one too) */
		seg = 0;
		for (i = 0; i <= plen; i++) {
			if (i < plen && path[i] != '/')
				continue;
			if (is_id_segment(path + seg, i - seg)) {
				ob_puts(&o, "{id}", 4);
			} else {
				size_t k;

				for (k = seg; k < i; k++)
					ob_putc(&o, safe_byte(
						(unsigned char)path[k]));
			}
			if (i < plen)
				ob_putc(&o, '/');
			seg = i + 1;
		}
	}
	out[o.n] = '\0';
	return o.n;
}

int
umb_route_template_match(const char *tmpl, const char *method, size_t mlen,
		const char *uri, size_t ulen)
{
	const char *tp, *path, *sp;
	size_t tlen, plen, ti, pi, ts, ps;

	if (tmpl == NULL)
		return 0;
	sp = strchr(tmpl, ' ');
	if (sp == NULL || (size_t)(sp - tmpl) != mlen ||
			memcmp(tmpl, method, mlen) != 0)
		return 0;
	tp = sp;
	while (*tp == ' ')
		tp++;
	/* a template's own query or fragment is ignored like the request's */
	target_path(tp, strlen(tp), &tp, &tlen);
	target_path(uri, ulen, &path, &plen);
	if (tlen == 0) {
		tp = "/";
		tlen = 1;
	}
	if (plen == 0) {
		path = "/";
		plen = 1;
	}

	/* walk both segment by segment; a trailing slash is one more segment */
	ti = pi = 0;
	for (;;) {
		ts = ti;
		while (ti < tlen && tp[ti] != '/')
			ti++;
		ps = pi;
		while (pi < plen && path[pi] != '/')
			pi++;
		if (ti - ts >= 2 && tp[ts] == '{' && tp[ti - 1] == '}') {
			if (pi == ps)
				return 0;  /* {x} needs a non-empty segment */
		} else if (ti - ts != pi - ps ||
				memcmp(tp + ts, path + ps, ti - ts) != 0) {
			return 0;
		}
		if (ti == tlen || pi == plen)
			return ti == tlen && pi == plen;
		ti++;  /* past the '/' */
		pi++;
	}
}
