/* SPDX-License-Identifier: BSD-3-Clause
 * A streaming JSON writer (in the spirit of Suricata's JsonBuilder): appends
 * to a caller-owned growable buffer with no allocation per value, no printf
 * per number, and output that is always valid JSON whatever bytes a string
 * holds (control characters escaped, invalid UTF-8 replaced by U+FFFD).
 * cJSON stays the parser; this is only for writing. No DPDK dependency: the
 * exporter, the comparator and umbractl share it.
 *
 * Usage:
 *   struct umb_jw w; umb_jw_init(&w, 4096);
 *   umb_jw_obj_open(&w);
 *   umb_jw_key(&w, "uri"); umb_jw_str(&w, uri, len);
 *   umb_jw_key(&w, "status"); umb_jw_u64(&w, 200);
 *   umb_jw_obj_close(&w);
 *   fwrite(w.buf, 1, w.len, f); umb_jw_reset(&w);
 * Commas between members and elements are inserted by the writer.
 */
#ifndef UMB_JSON_H
#define UMB_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UMB_JW_DEPTH 32 /**< nesting the writer tracks (deeper: error flag) */

struct umb_jw {
	char *buf;        /**< output, NUL-terminated after every call */
	size_t len;       /**< bytes written */
	size_t cap;       /**< bytes allocated */
	size_t max;       /**< the buffer never grows past this (0: 64 MiB) */
	int err;          /**< sticky: 0, or -ENOMEM / -E2BIG / -EINVAL */
	uint8_t depth;
	uint8_t first[UMB_JW_DEPTH]; /**< no member written yet at this level */
	uint8_t after_key;           /**< a key was written, its value comes next */
};

/** Allocate @p initial bytes. 0 or -ENOMEM. */
int umb_jw_init(struct umb_jw *w, size_t initial);
/** Forget the content, keep the buffer (and clear err). */
void umb_jw_reset(struct umb_jw *w);
/** Free the buffer. */
void umb_jw_free(struct umb_jw *w);

void umb_jw_obj_open(struct umb_jw *w);
void umb_jw_obj_close(struct umb_jw *w);
void umb_jw_arr_open(struct umb_jw *w);
void umb_jw_arr_close(struct umb_jw *w);
/** An object key of @p n bytes (escaped like a string value). */
void umb_jw_key_n(struct umb_jw *w, const char *key, size_t n);
/** An object key (a NUL-terminated ASCII literal is the common case: its
 * length is then known at compile time). */
static inline void umb_jw_key(struct umb_jw *w, const char *key)
{ umb_jw_key_n(w, key, __builtin_strlen(key)); }
/** A string value from @p n arbitrary bytes: escaped, invalid UTF-8 replaced. */
void umb_jw_str(struct umb_jw *w, const char *s, size_t n);
/** A NUL-terminated string value. */
void umb_jw_cstr(struct umb_jw *w, const char *s);
void umb_jw_u64(struct umb_jw *w, uint64_t v);
void umb_jw_i64(struct umb_jw *w, int64_t v);
/** A double as the shortest text that reads back equal; NaN/inf as null. */
void umb_jw_dbl(struct umb_jw *w, double v);
void umb_jw_bool(struct umb_jw *w, int v);
void umb_jw_null(struct umb_jw *w);
/** @p n bytes of text the caller guarantees is one valid JSON value. */
void umb_jw_raw(struct umb_jw *w, const char *json, size_t n);

/** Convenience: key then value. */
static inline void umb_jw_kstr(struct umb_jw *w, const char *k, const char *s, size_t n)
{ umb_jw_key(w, k); umb_jw_str(w, s, n); }
static inline void umb_jw_kcstr(struct umb_jw *w, const char *k, const char *s)
{ umb_jw_key(w, k); umb_jw_cstr(w, s); }
static inline void umb_jw_ku64(struct umb_jw *w, const char *k, uint64_t v)
{ umb_jw_key(w, k); umb_jw_u64(w, v); }
static inline void umb_jw_ki64(struct umb_jw *w, const char *k, int64_t v)
{ umb_jw_key(w, k); umb_jw_i64(w, v); }
static inline void umb_jw_kdbl(struct umb_jw *w, const char *k, double v)
{ umb_jw_key(w, k); umb_jw_dbl(w, v); }
static inline void umb_jw_kbool(struct umb_jw *w, const char *k, int v)
{ umb_jw_key(w, k); umb_jw_bool(w, v); }
static inline void umb_jw_knull(struct umb_jw *w, const char *k)
{ umb_jw_key(w, k); umb_jw_null(w); }

/**
 * Escape @p n bytes as the inside of a JSON string (no quotes) into @p out
 * of @p cap bytes, NUL-terminated; stops early rather than cut an escape.
 * @return bytes of input consumed.
 */
size_t umb_json_escape(const char *s, size_t n, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
