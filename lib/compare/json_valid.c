/* SPDX-License-Identifier: BSD-3-Clause
 * The JSON diff's helpers that do not walk (json.c does): the strict
 * validator run on each document before cJSON sees it; the text helpers
 * (strict UTF-8, a bounded writer that never splits a unit, numbers in
 * their shortest round-trip form, decimal integers, JSON paths, the text
 * of a value, the byte fallback); and the normalisation of one object
 * (members sorted by key, duplicate keys dropped, the last one winning).
 *
 * The validator is one iterative O(n) pass: a byte-class table for
 * blanks, digits and the bytes that end a run of plain string bytes,
 * string bodies scanned 8 bytes at a time, and the open containers kept
 * as one bit per level in a register word, spilled every 64 levels (16
 * words on the C stack; past 1024 levels one heap array of n / 64 + 2
 * words). Nothing else here allocates, except that normalisation grows
 * a scratch array the caller owns.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_private.h"

/* cJSON refuses deeper documents: the bitmap on the stack covers them */
#define V_FIXED_LEVELS 1024

/* byte classes */
#define C_WS  0x01  /* blank between tokens: space, tab, CR, LF */
#define C_STR 0x02  /* ends a run of plain string bytes: < 0x20, ", \ */
#define C_DIG 0x04  /* 0-9 */

static const uint8_t cls[256] = {
	[0x00 ... 0x08] = C_STR,
	['\t'] = C_STR | C_WS,
	['\n'] = C_STR | C_WS,
	[0x0b ... 0x0c] = C_STR,
	['\r'] = C_STR | C_WS,
	[0x0e ... 0x1f] = C_STR,
	[' '] = C_WS,
	['"'] = C_STR,
	['\\'] = C_STR,
	['0' ... '9'] = C_DIG,
};

/* bytes in memory order, the first one lowest */
static inline uint64_t
le64(uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* non-zero when one of the 8 bytes of w is < 0x20, '"' or '\\' */
static inline uint64_t
str_special8(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) |
		((b - ONES) & ~b)) & HIGH;
}

static inline size_t
skip_ws(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (cls[s[i]] & C_WS))
		i++;
	return i;
}

static inline int
hexd(unsigned char c)
{
	return (c >= '0' && c <= '9') ||
		((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * A string starting at s[i] == '"'. @return the offset past it, 0 invalid.
 * Plain bytes are skipped 8 at a time: the lowest flagged byte of a word
 * is its first special one (a borrow only flags bytes above a real hit).
 */
static inline __attribute__((always_inline)) size_t
v_string(const unsigned char *s, size_t n, size_t i)
{
	uint64_t w, m;

	i++;
	for (;;) {
		for (;;) {
			if (i + 8 > n) {
				while (i < n && !(cls[s[i]] & C_STR))
					i++;
				if (i >= n)
					return 0;
				break;
			}
			memcpy(&w, s + i, sizeof(w));
			w = le64(w);
			m = str_special8(w);
			if (m != 0) {
				i += (size_t)__builtin_ctzll(m) >> 3;
				break;
			}
			i += 8;
		}
		if (s[i] == '"')
			return i + 1;
		if (s[i] < 0x20)
			return 0;
		/* a backslash */
		if (++i >= n)
			return 0;
		switch (s[i]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			i++;
			break;
		case 'u':
			if (i + 4 >= n || !hexd(s[i + 1]) || !hexd(s[i + 2]) ||
					!hexd(s[i + 3]) || !hexd(s[i + 4]))
				return 0;
			i += 5;
			break;
		default:
			return 0;
		}
	}
}

static inline size_t
digits(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (cls[s[i]] & C_DIG))
		i++;
	return i;
}

static inline size_t
v_number(const unsigned char *s, size_t n, size_t i)
{
	if (s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		i = digits(s, n, i + 1);
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i >= n || !(cls[s[i]] & C_DIG))
			return 0;
		i = digits(s, n, i + 1);
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !(cls[s[i]] & C_DIG))
			return 0;
		i = digits(s, n, i + 1);
	}
	return i;
}

/*
 * Strict RFC 8259 grammar (no BOM: the caller skips one; whitespace is
 * space/tab/CR/LF; bytes >= 0x80 in strings accepted as they are).
 * Passing max_depth or max_nodes does not stop the scan: an invalid
 * document is invalid_json whatever its depth, a valid one is CAPPED.
 */
int
umb_cmpj_validate(const unsigned char *s, size_t n, uint32_t max_depth,
		uint64_t max_nodes, uint64_t *nodes_out, uint32_t *depth_out)
{
	uint64_t fixed[V_FIXED_LEVELS / 64];
	uint64_t *stack = fixed, top = 0, nodes = 0;
	size_t words = V_FIXED_LEVELS / 64, depth = 0, maxd = 0;
	size_t i = skip_ws(s, n, 0), e;
	int ret = UMB_CMPJ_INVALID;

	/*
	 * top: one bit per open container, the innermost in bit 0 (1: an
	 * object); every 64 levels the word is kept in stack[] and restored
	 * when the walk comes back up.
	 */
value:
	if (i >= n)
		goto out;
	nodes++;
	switch (s[i]) {
	case '{':
	case '[':
		if (depth != 0 && depth % 64 == 0) {
			if (depth / 64 > words) {
				size_t nw = n / 64 + 2;
				uint64_t *big = stack == fixed ?
					malloc(nw * sizeof(uint64_t)) : NULL;

				if (big == NULL) {
					ret = UMB_CMPJ_CAPPED; /* can't tell */
					goto out;
				}
				memcpy(big, fixed, sizeof(fixed));
				stack = big;
				words = nw;
			}
			stack[depth / 64 - 1] = top;
		}
		top = top << 1 | (s[i] == '{');
		if (++depth > maxd)
			maxd = depth;
		i = skip_ws(s, n, i + 1);
		if (i < n && s[i] == ((top & 1) ? '}' : ']'))
			goto pop;
		if (top & 1)
			goto key;
		goto value;
	case '"':
		e = v_string(s, n, i);
		break;
	case 't':
		e = n - i >= 4 && memcmp(s + i, "true", 4) == 0 ? i + 4 : 0;
		break;
	case 'f':
		e = n - i >= 5 && memcmp(s + i, "false", 5) == 0 ? i + 5 : 0;
		break;
	case 'n':
		e = n - i >= 4 && memcmp(s + i, "null", 4) == 0 ? i + 4 : 0;
		break;
	default:
		e = (s[i] == '-' || (cls[s[i]] & C_DIG)) ? v_number(s, n, i) : 0;
		break;
	}
	if (e == 0)
		goto out;
	i = e;
after:
	/* compact documents have no blank here: test once before the loop */
	if (i < n && (cls[s[i]] & C_WS))
		i = skip_ws(s, n, i + 1);
	if (depth == 0) {
		if (i == n)
			ret = maxd > max_depth || nodes > max_nodes ?
				UMB_CMPJ_CAPPED : UMB_CMPJ_OK;
		goto out;
	}
	if (i >= n)
		goto out;
	if (s[i] == ',') {
		i = skip_ws(s, n, i + 1);
		if (!(top & 1))
			goto value;
		goto key;
	}
	if (s[i] != ((top & 1) ? '}' : ']'))
		goto out;
pop:
	top >>= 1;
	if (--depth != 0 && depth % 64 == 0)
		top = stack[depth / 64 - 1];
	i++;
	goto after;
key:
	if (i >= n || s[i] != '"')
		goto out;
	e = v_string(s, n, i);
	if (e == 0)
		goto out;
	i = e;
	if (i < n && s[i] == ':')
		i++;
	else if ((i = skip_ws(s, n, i)) < n && s[i] == ':')
		i++;
	else
		goto out;
	if (i < n && (cls[s[i]] & C_WS))
		i = skip_ws(s, n, i + 1);
	goto value;
out:
	if (stack != fixed)
		free(stack);
	*nodes_out = nodes;
	*depth_out = maxd > UINT32_MAX ? UINT32_MAX : (uint32_t)maxd;
	return ret;
}

/* ---- text helpers ------------------------------------------------------------- */

size_t
umb_cmpj_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
				(s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static void
wb_unit(struct umb_cmpj_wbuf *w, const char *u, size_t n)
{
	if (w->cut)
		return;
	if (w->len + n > w->cap - 1) {
		memcpy(w->p + w->safe, "...", 4);
		w->len = w->safe + 3;
		w->cut = 1;
		return;
	}
	memcpy(w->p + w->len, u, n);
	w->len += n;
	w->p[w->len] = '\0';
	if (w->len + 3 <= w->cap - 1)
		w->safe = w->len;
}

void
umb_cmpj_wb_jstring(struct umb_cmpj_wbuf *w, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	/* Each byte read writes at least one: past the room left the value is
	 * cut anyway, so a 12 KB string is not measured whole. */
	size_t n = strnlen(s, w->cap + 1), i = 0, k;
	char esc[8];

	wb_unit(w, "\"", 1);
	while (i < n && !w->cut) {
		if (u[i] == '"' || u[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			wb_unit(w, esc, 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			const char *sh = u[i] == '\n' ? "\\n" : u[i] == '\t' ?
				"\\t" : u[i] == '\r' ? "\\r" : u[i] == '\b' ?
				"\\b" : u[i] == '\f' ? "\\f" : NULL;

			if (sh != NULL) {
				wb_unit(w, sh, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
				wb_unit(w, esc, 6);
			}
			i++;
		} else if ((k = umb_cmpj_utf8_seq(u + i, n - i)) == 0) {
			wb_unit(w, "\\ufffd", 6);
			i++;
		} else {
			wb_unit(w, s + i, k);
			i += k;
		}
	}
	wb_unit(w, "\"", 1);
}

size_t
umb_cmpj_utoa(uint64_t v, char *buf)
{
	char t[20];
	size_t n = 0, k;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (k = 0; k < n; k++)
		buf[k] = t[n - 1 - k];
	buf[n] = '\0';
	return n;
}

void
umb_cmpj_num_text(double v, char *buf, size_t cap)
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, cap, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, cap, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	/* an integer below 1e15 is what %.15g prints: its digits */
	if (cap >= 24 && fabs(v) < 1e15 && v == trunc(v)) {
		size_t o = 0;

		if (signbit(v))
			buf[o++] = '-';
		umb_cmpj_utoa((uint64_t)fabs(v), buf + o);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

/* ---- byte fallback ---------------------------------------------------------- */

int
umb_cmpj_bytes_fallback(const char *a, size_t na, const char *b, size_t nb,
		struct umb_cmp_result *out)
{
	struct umb_cmp_diff *d;
	char sa[24], sb[24];
	size_t m = na < nb ? na : nb, off = 0, k;
	uint32_t line = 1;

	while (off < m && a[off] == b[off])
		off++;
	if (off == m && na == nb)
		return 0;
	for (k = 0; k < off; k++)
		line += a[k] == '\n';
	umb_cmpj_utoa(na, sa);
	umb_cmpj_utoa(nb, sb);
	d = umb_cmp_add(out, UMB_CMP_body, "", UMB_CMP_V_JSON, sa,
			UMB_CMP_V_JSON, sb);
	if (d != NULL) {
		d->offset = off;
		d->line = line;
	}
	return 1;
}

/* ---- values ------------------------------------------------------------------- */

/* snprintf(buf, cap, "%s", s) without the formatter (cap > 0) */
static void
text_copy(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n > cap - 1)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* objects are normalised by the caller: object(n) counts distinct keys */
int
umb_cmpj_value_text(const cJSON *n, int redact, char *buf, size_t cap)
{
	struct umb_cmpj_wbuf w = { buf, cap, 0, 0, 0 };
	char num[40];

	buf[0] = '\0';
	if (redact) {
		text_copy(buf, cap, "[redacted]");
		return UMB_CMP_V_TEXT;
	}
	switch (jtype(n)) {
	case T_NULL:
		text_copy(buf, cap, "null");
		return UMB_CMP_V_JSON;
	case T_BOOL:
		text_copy(buf, cap, cJSON_IsTrue(n) ? "true" : "false");
		return UMB_CMP_V_JSON;
	case T_NUM:
		umb_cmpj_num_text(n->valuedouble, num, sizeof(num));
		text_copy(buf, cap, num);
		return isfinite(n->valuedouble) ? UMB_CMP_V_JSON : UMB_CMP_V_TEXT;
	case T_STR:
		umb_cmpj_wb_jstring(&w, n->valuestring != NULL ?
				n->valuestring : "");
		return w.cut ? UMB_CMP_V_TEXT : UMB_CMP_V_JSON;
	case T_ARR:
		snprintf(buf, cap, "array(%zu)", nchildren(n));
		return UMB_CMP_V_TEXT;
	default:
		snprintf(buf, cap, "object(%zu)", nchildren(n));
		return UMB_CMP_V_TEXT;
	}
}

/* ---- paths ------------------------------------------------------------------- */

static void
pput(struct umb_cmpj_path *c, const char *s, size_t n)
{
	size_t room = sizeof(c->buf) - 1;

	if (c->len < room)
		memcpy(c->buf + c->len, s, n < room - c->len ? n :
				room - c->len);
	c->len += n;
}

static int
name_like(const char *k)
{
	const char *p = k;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		return 0;
	for (p++; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
				(*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* 'text' with \ and ' escaped, control bytes as \u00XX, bad UTF-8 as \xNN */
static void
pput_quoted(struct umb_cmpj_path *c, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	char esc[8];

	pput(c, "'", 1);
	while (i < n && c->len < sizeof(c->buf)) {
		if (u[i] == '\\' || u[i] == '\'') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			pput(c, esc, 2);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			pput(c, esc, 6);
			i++;
		} else if ((k = umb_cmpj_utf8_seq(u + i, n - i)) == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", u[i]);
			pput(c, esc, 4);
			i++;
		} else {
			pput(c, s + i, k);
			i += k;
		}
	}
	/* a path already past the buffer is cut: the rest is not needed */
	if (i < n)
		c->len += n - i;
	pput(c, "'", 1);
}

void
umb_cmpj_path_key(struct umb_cmpj_path *c, const char *k)
{
	if (name_like(k)) {
		pput(c, ".", 1);
		pput(c, k, strlen(k));
	} else {
		pput(c, "[", 1);
		pput_quoted(c, k);
		pput(c, "]", 1);
	}
}

void
umb_cmpj_path_index(struct umb_cmpj_path *c, size_t i)
{
	char b[24];
	size_t n;

	b[0] = '[';
	n = 1 + umb_cmpj_utoa(i, b + 1);
	b[n++] = ']';
	pput(c, b, n);
}

/* [?(@.field==value)] of a keyed element */
void
umb_cmpj_path_keyed(struct umb_cmpj_path *c, const char *field, const cJSON *kv)
{
	char num[40];

	pput(c, "[?(@", 4);
	umb_cmpj_path_key(c, field);
	pput(c, "==", 2);
	switch (jtype(kv)) {
	case T_STR:
		pput_quoted(c, kv->valuestring != NULL ? kv->valuestring : "");
		break;
	case T_NUM:
		umb_cmpj_num_text(kv->valuedouble, num, sizeof(num));
		pput(c, num, strlen(num));
		break;
	case T_BOOL:
		pput(c, cJSON_IsTrue(kv) ? "true" : "false",
				cJSON_IsTrue(kv) ? 4 : 5);
		break;
	default:
		pput(c, "null", 4);
		break;
	}
	pput(c, ")]", 2);
}

/* ---- normalisation: one object sorted by key, duplicates dropped -------- */

struct mitem {
	cJSON *n;
	uint64_t pre;        /**< the key's first 8 bytes, big-endian */
	size_t pos;
};

static int
mitem_cmp(const void *p, const void *q)
{
	const struct mitem *a = p, *b = q;
	int r = key_cmp(a->pre, a->n->string, b->pre, b->n->string);

	if (r != 0)
		return r;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/*
 * Sort the members of object o by key (stable), drop all but the last of
 * each run of equal keys (counted in out), relink them, and mark o.
 */
int
umb_cmpj_normalize(cJSON *n, void **scratch, size_t *scratch_cap,
		struct umb_cmp_result *out)
{
	cJSON *x, *head = NULL, *tail = NULL;
	struct mitem *m;
	size_t k = 0, i, r;

	if (n->child == NULL) {
		n->type |= UMB_CMPJ_NORMALIZED;
		return 0;
	}
	for (x = n->child; x != NULL; x = x->next)
		k++;
	if (k * sizeof(*m) > *scratch_cap) {
		void *p = realloc(*scratch, k * sizeof(*m));

		if (p == NULL)
			return -ENOMEM;
		*scratch = p;
		*scratch_cap = k * sizeof(*m);
	}
	m = *scratch;
	for (x = n->child, i = 0; x != NULL; x = x->next, i++) {
		m[i].n = x;   /* cJSON names every member */
		m[i].pre = key_prefix(x->string);
		m[i].pos = i;
	}
	if (k <= 16) {
		/* Small objects (the common case): a stable insertion sort
		 * costs less than qsort's set-up and indirect calls. */
		for (i = 1; i < k; i++) {
			struct mitem t = m[i];
			size_t j;

			for (j = i; j > 0 && mitem_cmp(&m[j - 1], &t) > 0; j--)
				m[j] = m[j - 1];
			m[j] = t;
		}
	} else {
		qsort(m, k, sizeof(*m), mitem_cmp);
	}
	for (i = 0; i < k; i = r) {
		/* a run of equal keys: the last one (in the document) wins */
		for (r = i + 1; r < k && key_cmp(m[r].pre, m[r].n->string,
				m[i].pre, m[i].n->string) == 0; r++)
			;
		if (r - i > 1) {
			size_t z;

			out->dup_keys += (uint32_t)(r - i - 1);
			out->flags |= UMB_CMP_R_DUP_KEYS;
			for (z = i; z < r - 1; z++) {
				m[z].n->next = NULL;
				m[z].n->prev = NULL;
				cJSON_Delete(m[z].n);
			}
		}
		x = m[r - 1].n;
		x->prev = tail;
		x->next = NULL;
		if (tail != NULL)
			tail->next = x;
		else
			head = x;
		tail = x;
	}
	head->prev = tail; /* cJSON's convention: first->prev is the last */
	n->child = head;
	n->type |= UMB_CMPJ_NORMALIZED;
	return 0;
}
