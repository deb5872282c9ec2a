/* SPDX-License-Identifier: BSD-3-Clause
 * Header comparison: which headers are compared (the compared set, the
 * default ignore list of volatile headers, the configured ignores), how
 * values are normalised (names case-insensitive, repeated names joined
 * with ", " in order, leading and trailing blanks dropped) and how a
 * difference is written (path = lower-case name, values cut to
 * UMB_CMP_VALUE_MAX - 1 bytes by umb_cmp_add, which marks the cut with
 * "...", secrets replaced by "[redacted]").
 *
 * Set-Cookie is in the default ignore list by value only: its presence is
 * still compared (a shadow that stops setting a cookie is a difference).
 * When bodies are compared decoded, Content-Length, Transfer-Encoding and
 * Content-Encoding are ignored whatever hdr_defaults says: they describe
 * the framing and coding, which decoding already took away. A name listed
 * in hdr_compare is compared whatever the ignore lists say.
 *
 * Bounds: at most HDR_LINES_MAX lines per side are looked at (later lines
 * are ignored); lines without a colon, with an empty or non-token name, or
 * starting with a blank (obsolete folding) are skipped. Joined values are
 * compared by streaming over the lines, never copied whole; only the cut
 * values of a difference are written. No allocation; about 12 KB of stack.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "umb_compare.h"

#define HDR_LINES_MAX 256

struct hline {
	const char *name;
	const char *val;
	uint32_t vlen;
	uint16_t nlen;
	uint16_t ord;   /* position in the block: repeated names keep order */
};

static const char *const default_ignore[] = {
	"date", "server", "age", "expires", "etag", "last-modified",
	"x-request-id", "x-correlation-id", "x-amzn-trace-id",
	"x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled",
	"traceparent", "tracestate", "x-cloud-trace-context", "x-trace-id",
	"x-span-id", "request-id", "x-runtime", "x-response-time",
	"connection", "keep-alive", "via",
};

static const char *const decoded_ignore[] = {
	"content-length", "transfer-encoding", "content-encoding",
};

static const char *const secret_names[] = {
	"authorization", "cookie", "set-cookie", "proxy-authorization",
	"www-authenticate",
};

static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			(c >= 'A' && c <= 'Z'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i, n = an < bn ? an : bn;

	for (i = 0; i < n; i++) {
		unsigned char x = lower((unsigned char)a[i]);
		unsigned char y = lower((unsigned char)b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return an < bn ? -1 : an > bn;
}

static int
name_is(const char *n, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp(n, s, len) == 0;
}

static int
in_list(const char *n, size_t len, const char *const *list, size_t nb)
{
	size_t i;

	for (i = 0; i < nb; i++)
		if (name_is(n, len, list[i]))
			return 1;
	return 0;
}

static int
in_set(const char *n, size_t len, const char set[][UMB_CMP_HDR_NAME_MAX],
		unsigned int nb)
{
	unsigned int i;

	if (nb > UMB_CMP_HDRS_MAX)
		nb = UMB_CMP_HDRS_MAX;
	for (i = 0; i < nb; i++)
		if (strnlen(set[i], UMB_CMP_HDR_NAME_MAX) == len &&
				strncasecmp(n, set[i], len) == 0)
			return 1;
	return 0;
}

static unsigned int
parse_block(const char *p, size_t len, struct hline *lines)
{
	size_t off = 0;
	unsigned int n = 0;

	while (off < len && n < HDR_LINES_MAX) {
		const char *line = p + off, *nl, *colon;
		size_t ll, i, vs, ve;

		nl = memchr(line, '\n', len - off);
		ll = nl != NULL ? (size_t)(nl - line) : len - off;
		off += ll + (nl != NULL);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 || is_blank(line[0]))
			continue;
		colon = memchr(line, ':', ll);
		if (colon == NULL || colon == line ||
				colon - line > UINT16_MAX)
			continue;
		for (i = 0; i < (size_t)(colon - line); i++)
			if (!is_tchar((unsigned char)line[i]))
				break;
		if (i < (size_t)(colon - line))
			continue;
		vs = (size_t)(colon - line) + 1;
		ve = ll;
		while (vs < ve && is_blank(line[vs]))
			vs++;
		while (ve > vs && is_blank(line[ve - 1]))
			ve--;
		if (ve - vs > UINT32_MAX)
			continue;
		lines[n].name = line;
		lines[n].nlen = (uint16_t)(colon - line);
		lines[n].val = line + vs;
		lines[n].vlen = (uint32_t)(ve - vs);
		lines[n].ord = (uint16_t)n;
		n++;
	}
	return n;
}

static int
hline_cmp(const void *a, const void *b)
{
	const struct hline *x = a, *y = b;
	int c = name_cmp(x->name, x->nlen, y->name, y->nlen);

	if (c != 0)
		return c;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* A joined value ("v1, v2, ...") read byte by byte without copying. */
struct joined {
	const struct hline *l;
	unsigned int n;     /* lines of this name */
	unsigned int li;    /* current line */
	uint32_t off;       /* offset in it */
	unsigned int sep;   /* bytes of ", " still to give (2, 1, 0) */
};

static int
joined_next(struct joined *j, char *c)
{
	for (;;) {
		if (j->sep > 0) {
			*c = j->sep == 2 ? ',' : ' ';
			j->sep--;
			return 1;
		}
		if (j->li >= j->n)
			return 0;
		if (j->off < j->l[j->li].vlen) {
			*c = j->l[j->li].val[j->off++];
			return 1;
		}
		j->li++;
		j->off = 0;
		if (j->li < j->n)
			j->sep = 2;
	}
}

static int
joined_equal(const struct hline *a, unsigned int an, const struct hline *b,
		unsigned int bn)
{
	struct joined x = { a, an, 0, 0, 0 }, y = { b, bn, 0, 0, 0 };
	char cx, cy;
	int mx, my;

	for (;;) {
		mx = joined_next(&x, &cx);
		my = joined_next(&y, &cy);
		if (mx != my)
			return 0;
		if (!mx)
			return 1;
		if (cx != cy)
			return 0;
	}
}

/*
 * The joined value into out[VALUE_BUF]: one byte more than a diff keeps,
 * so that umb_cmp_add sees a long value as too long and marks its cut.
 */
#define VALUE_BUF (UMB_CMP_VALUE_MAX + 1)

static void
joined_cut(const struct hline *l, unsigned int n, char *out)
{
	struct joined j = { l, n, 0, 0, 0 };
	size_t k = 0;
	char c;

	while (k + 1 < VALUE_BUF && joined_next(&j, &c))
		out[k++] = c;
	out[k] = '\0';
}

enum { H_SKIP = 0, H_PRESENCE, H_VALUE };

static int
header_mode(const struct umb_cmp_rules *r, const char *n, size_t len,
		int bodies_decoded)
{
	if (r->nb_hdr_compare > 0)
		return in_set(n, len, r->hdr_compare, r->nb_hdr_compare) ?
			H_VALUE : H_SKIP;
	if (in_set(n, len, r->hdr_ignore, r->nb_hdr_ignore))
		return H_SKIP;
	if (bodies_decoded && in_list(n, len, decoded_ignore,
			sizeof(decoded_ignore) / sizeof(decoded_ignore[0])))
		return H_SKIP;
	if (r->hdr_defaults) {
		if (name_is(n, len, "set-cookie"))
			return H_PRESENCE;
		if (in_list(n, len, default_ignore,
				sizeof(default_ignore) / sizeof(default_ignore[0])))
			return H_SKIP;
	}
	return H_VALUE;
}

/* One name present on one or both sides (n == 0: absent on that side). */
static void
compare_name(const struct umb_cmp_rules *r, const struct hline *a,
		unsigned int an, const struct hline *b, unsigned int bn,
		int bodies_decoded, struct umb_cmp_result *out)
{
	const struct hline *any = an > 0 ? a : b;
	char path[UMB_CMP_PATH_MAX + 1];
	char v[2][VALUE_BUF];
	const struct hline *side[2] = { a, b };
	unsigned int cnt[2] = { an, bn };
	int vt[2], mode, secret, i;
	size_t k;

	mode = header_mode(r, any->name, any->nlen, bodies_decoded);
	if (mode == H_SKIP)
		return;
	if (an > 0 && bn > 0 &&
			(mode == H_PRESENCE || joined_equal(a, an, b, bn)))
		return;
	secret = in_list(any->name, any->nlen, secret_names,
			sizeof(secret_names) / sizeof(secret_names[0]));
	for (i = 0; i < 2; i++) {
		if (cnt[i] == 0) {
			vt[i] = UMB_CMP_V_NONE;
			v[i][0] = '\0';
			continue;
		}
		vt[i] = UMB_CMP_V_TEXT;
		if (mode == H_PRESENCE)
			strcpy(v[i], "[present]");
		else if (secret)
			strcpy(v[i], "[redacted]");
		else
			joined_cut(side[i], cnt[i], v[i]);
	}
	for (k = 0; k < any->nlen && k + 1 < sizeof(path); k++)
		path[k] = (char)lower((unsigned char)any->name[k]);
	path[k] = '\0';
	umb_cmp_add(out, UMB_CMP_header, path,
			vt[0], vt[0] == UMB_CMP_V_NONE ? NULL : v[0],
			vt[1], vt[1] == UMB_CMP_V_NONE ? NULL : v[1]);
}

void
umb_cmp_headers(const struct umb_cmp_rules *r, const char *prod,
		size_t prod_len, const char *shadow, size_t shadow_len,
		int bodies_decoded, struct umb_cmp_result *out)
{
	struct hline a[HDR_LINES_MAX], b[HDR_LINES_MAX];
	unsigned int na, nb, i = 0, j = 0, ie, je;
	int c;

	if (!r->headers_on)
		return;
	na = prod != NULL ? parse_block(prod, prod_len, a) : 0;
	nb = shadow != NULL ? parse_block(shadow, shadow_len, b) : 0;
	qsort(a, na, sizeof(a[0]), hline_cmp);
	qsort(b, nb, sizeof(b[0]), hline_cmp);

	/* merge walk over names in lower-case order: diffs come out sorted */
	while (i < na || j < nb) {
		if (i >= na)
			c = 1;
		else if (j >= nb)
			c = -1;
		else
			c = name_cmp(a[i].name, a[i].nlen, b[j].name, b[j].nlen);
		ie = i;
		je = j;
		if (c <= 0)
			while (ie < na && name_cmp(a[ie].name, a[ie].nlen,
					a[i].name, a[i].nlen) == 0)
				ie++;
		if (c >= 0)
			while (je < nb && name_cmp(b[je].name, b[je].nlen,
					b[j].name, b[j].nlen) == 0)
				je++;
		compare_name(r, a + i, ie - i, b + j, je - j, bodies_decoded,
				out);
		i = ie;
		j = je;
	}
}
