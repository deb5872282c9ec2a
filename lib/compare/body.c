/* SPDX-License-Identifier: BSD-3-Clause
 * Body comparison dispatch: is a body JSON (by Content-Type, else by
 * sniffing), and the byte comparison of bodies that are not. The JSON deep
 * diff itself is umb_cmp_json (json.c).
 *
 * JSON by type: application/json, or any type ending in "+json"
 * (application/problem+json), case-insensitive, parameters ignored.
 * Sniffing (json_sniff) applies only when the type says nothing decisive:
 * no Content-Type, text/plain, application/octet-stream, or a type that
 * mentions json (text/json, application/x-json); a type that is clearly
 * something else (text/html, image/png) is never sniffed. A sniffed body is
 * JSON when its first byte after blanks (and a UTF-8 BOM) is '{' or '['.
 *
 * Bounds: sniffing reads at most the leading blanks; the byte comparison
 * is one pass over the common length (plus one pass for the line count).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "umb_compare.h"

/* the media type without parameters and blanks */
static void
media_type(const char *ct, size_t len, const char **t, size_t *tlen)
{
	size_t s = 0, e;

	if (ct == NULL)
		len = 0;
	while (s < len && (ct[s] == ' ' || ct[s] == '\t'))
		s++;
	e = s;
	while (e < len && ct[e] != ';')
		e++;
	while (e > s && (ct[e - 1] == ' ' || ct[e - 1] == '\t'))
		e--;
	*t = ct != NULL ? ct + s : "";
	*tlen = e - s;
}

static int
type_is(const char *t, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(t, s, n) == 0;
}

static int
type_ends(const char *t, size_t n, const char *s)
{
	size_t sl = strlen(s);

	return n >= sl && strncasecmp(t + n - sl, s, sl) == 0;
}

static int
type_has(const char *t, size_t n, const char *s)
{
	size_t sl = strlen(s), i;

	for (i = 0; i + sl <= n; i++)
		if (strncasecmp(t + i, s, sl) == 0)
			return 1;
	return 0;
}

int
umb_cmp_is_json(const struct umb_cmp_rules *r, const char *content_type,
		size_t ct_len, const uint8_t *body, size_t len)
{
	const char *t;
	size_t n, i = 0;

	media_type(content_type, ct_len, &t, &n);
	if (type_is(t, n, "application/json") || type_ends(t, n, "+json"))
		return 1;
	if (!r->json_sniff)
		return 0;
	if (n > 0 && !type_is(t, n, "text/plain") &&
			!type_is(t, n, "application/octet-stream") &&
			!type_has(t, n, "json"))
		return 0;
	if (len >= 3 && body[0] == 0xef && body[1] == 0xbb && body[2] == 0xbf)
		i = 3;
	while (i < len && (body[i] == ' ' || body[i] == '\t' ||
			body[i] == '\r' || body[i] == '\n'))
		i++;
	return i < len && (body[i] == '{' || body[i] == '[');
}

int
umb_cmp_bytes(const uint8_t *prod, size_t plen, const uint8_t *shadow,
		size_t slen, int text, struct umb_cmp_result *out)
{
	struct umb_cmp_diff *d;
	char v0[24], v1[24];
	size_t common = plen < slen ? plen : slen, off = 0, i;
	uint32_t line = 0;

	while (off < common && prod[off] == shadow[off])
		off++;
	if (off == common && plen == slen)
		return 0;
	snprintf(v0, sizeof(v0), "%zu", plen);
	snprintf(v1, sizeof(v1), "%zu", slen);
	d = umb_cmp_add(out, UMB_CMP_body, "", UMB_CMP_V_JSON, v0,
			UMB_CMP_V_JSON, v1);
	if (d == NULL)
		return 1;
	d->offset = off;
	if (text) {
		/* the bytes before off are the same on both sides */
		line = 1;
		for (i = 0; i < off; i++)
			if (prod[i] == '\n' && line < UINT32_MAX)
				line++;
	}
	d->line = line;
	return 1;
}

static int
is_text(const char *ct, size_t ct_len)
{
	const char *t;
	size_t n;

	media_type(ct, ct_len, &t, &n);
	if (n >= 5 && strncasecmp(t, "text/", 5) == 0)
		return 1;
	return type_has(t, n, "json") || type_has(t, n, "xml") ||
		type_has(t, n, "javascript") ||
		type_is(t, n, "application/x-www-form-urlencoded");
}

int
umb_cmp_body(const struct umb_cmp_rules *r, const char *prod_ct,
		size_t prod_ct_len, const uint8_t *prod, size_t plen,
		const char *shadow_ct, size_t shadow_ct_len, const uint8_t *shadow,
		size_t slen, struct umb_cmp_result *out)
{
	if (!r->body_on)
		return 0;
	/*
	 * JSON when either side is: a shadow answering an HTML error page
	 * where production answers JSON is an invalid_json difference, which
	 * says more than a byte offset.
	 */
	if (umb_cmp_is_json(r, prod_ct, prod_ct_len, prod, plen) ||
			umb_cmp_is_json(r, shadow_ct, shadow_ct_len, shadow,
				slen))
		return umb_cmp_json(r, (const char *)prod, plen,
				(const char *)shadow, slen, out);
	return umb_cmp_bytes(prod, plen, shadow, slen,
			is_text(prod_ct, prod_ct_len) ||
			is_text(shadow_ct, shadow_ct_len), out);
}
