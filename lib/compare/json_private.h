/* SPDX-License-Identifier: BSD-3-Clause
 * Private to lib/compare/json.c and json_valid.c: the strict JSON
 * validator that runs before cJSON, and the text helpers that write paths
 * and values (UTF-8 checks, a bounded writer, numbers, decimal integers).
 */
#ifndef UMB_COMPARE_JSON_PRIVATE_H
#define UMB_COMPARE_JSON_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

/* umb_cmpj_validate() results */
enum { UMB_CMPJ_OK, UMB_CMPJ_INVALID, UMB_CMPJ_CAPPED };

/**
 * Strict RFC 8259 check of s[0..n) (see json_valid.c). Counts nodes into
 * @p nodes_out and the deepest container nesting into @p depth_out (both
 * meaningful for UMB_CMPJ_OK only). @return UMB_CMPJ_*: CAPPED when valid
 * but deeper than @p max_depth or with more than @p max_nodes nodes.
 */
int umb_cmpj_validate(const unsigned char *s, size_t n, uint32_t max_depth,
		uint64_t max_nodes, uint64_t *nodes_out, uint32_t *depth_out);

/** Length of the valid UTF-8 sequence at s (strict), 0 when not valid. */
size_t umb_cmpj_utf8_seq(const unsigned char *s, size_t n);

/**
 * A bounded writer made of units that are never split: when the text
 * does not fit in cap - 1 bytes it ends at the last unit boundary that
 * leaves room for "...", and is marked cut.
 */
struct umb_cmpj_wbuf {
	char *p;
	size_t cap, len, safe;
	int cut;
};

/** A JSON string literal; invalid UTF-8 bytes become \ufffd. */
void umb_cmpj_wb_jstring(struct umb_cmpj_wbuf *w, const char *s);

/** Shortest text (%g-like) that reads back as the same double. */
void umb_cmpj_num_text(double v, char *buf, size_t cap);

/** Decimal digits of v, NUL-terminated (buf: 21 bytes). @return length. */
size_t umb_cmpj_utoa(uint64_t v, char *buf);

#endif /* UMB_COMPARE_JSON_PRIVATE_H */
