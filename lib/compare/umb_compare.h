/* SPDX-License-Identifier: BSD-3-Clause
 * The comparator: what changed between production's answer and the
 * shadow's. This header is the diff engine (status, headers, bodies: JSON
 * deep diff with paths, ignore rules, tolerance, unordered and keyed arrays;
 * other bodies by bytes), content decoding (gzip, deflate, br) with caps
 * against bombs, routes (method + path template), log-linear latency
 * histograms and per-route statistics that merge by addition.
 *
 * Nothing here depends on DPDK except the compare-file loader
 * (umb_cmp_rules_load, rte_cfgfile), so umbractl links the very same engine
 * without EAL. Every function works on caller-owned memory and is bounded:
 * see docs/compare.md for the semantics and the caps.
 */
#ifndef UMB_COMPARE_H
#define UMB_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- differences ---------------------------------------------------------- */

/** Kinds of difference (the "kind" of a diff in JSON lines and umbractl). */
#define UMB_CMP_KINDS(X) \
	X(status, "the status codes differ (or their classes, status_class = yes)") \
	X(header, "a compared header differs, is missing or is extra") \
	X(added, "JSON: a key or element only in the shadow") \
	X(removed, "JSON: a key or element only in production") \
	X(changed, "JSON: same type, different value") \
	X(type_changed, "JSON: different types (null, boolean, number, string, array, object)") \
	X(array_length, "JSON: arrays of different lengths (compared over the common length)") \
	X(invalid_json, "JSON expected (by type or sniffing) but one side does not parse") \
	X(body, "non-JSON bodies differ (sizes, first differing offset and line)") \
	X(slow, "the shadow was slower than slow_ms or slow_ratio times production")

#define UMB_CMP_KIND_ENUM_(n, d) UMB_CMP_##n,
enum umb_cmp_kind {
	UMB_CMP_KINDS(UMB_CMP_KIND_ENUM_)
	UMB_CMP_KIND_MAX
};
#undef UMB_CMP_KIND_ENUM_

const char *umb_cmp_kind_name(enum umb_cmp_kind k);

#define UMB_CMP_PATH_MAX  256 /**< bytes of a path kept (longer: cut, ends in "...") */
#define UMB_CMP_VALUE_MAX 96  /**< bytes of a value's text kept */

/* umb_cmp_diff.vtype[]: how to write production/shadow values */
#define UMB_CMP_V_NONE 0   /**< absent (key missing): written as null, or omitted */
#define UMB_CMP_V_JSON 1   /**< the text is one complete JSON value: written as is */
#define UMB_CMP_V_TEXT 2   /**< the text is a summary or a cut value: written as a string */

/** One difference. */
struct umb_cmp_diff {
	uint8_t kind;               /**< enum umb_cmp_kind */
	uint8_t vtype[2];           /**< UMB_CMP_V_* of val[0] (production), val[1] (shadow) */
	uint8_t pad;
	uint32_t line;              /**< kind body, text bodies: 1-based line of offset, 0: n/a */
	uint64_t offset;            /**< kind body: first differing byte offset */
	char path[UMB_CMP_PATH_MAX]; /**< JSON path ($...), header name, or "" */
	char val[2][UMB_CMP_VALUE_MAX]; /**< production, shadow */
};

/* umb_cmp_result.flags */
#define UMB_CMP_R_JSON       0x01 /**< bodies were compared as JSON */
#define UMB_CMP_R_CAPPED     0x02 /**< a cap (depth, nodes, size) hit: compared by bytes */
#define UMB_CMP_R_DIFFS_CUT  0x04 /**< more differences than max_diffs (total counts all) */
#define UMB_CMP_R_DUP_KEYS   0x08 /**< a document had duplicate keys (the last won) */
#define UMB_CMP_R_HASH_ONLY  0x10 /**< a body was not kept: compared by hash only */

/** The differences of one comparison (caller-owned storage). */
struct umb_cmp_result {
	struct umb_cmp_diff *diffs; /**< storage for max diffs */
	uint32_t max;               /**< capacity of diffs */
	uint32_t n;                 /**< diffs stored (<= max) */
	uint64_t total;             /**< differences found, including those not stored */
	uint32_t flags;             /**< UMB_CMP_R_* */
	uint32_t dup_keys;          /**< duplicate keys seen (both documents) */
	uint64_t nodes;             /**< JSON nodes walked (both documents) */
};

/** Empty @p r (keeps its storage). */
void umb_cmp_result_clear(struct umb_cmp_result *r);

/**
 * Record a difference (used by every comparison, exposed for tests and for
 * the status/latency checks). Values may be NULL (UMB_CMP_V_NONE).
 * @return the stored diff to fill further, or NULL when over max (counted
 * in total, UMB_CMP_R_DIFFS_CUT set).
 */
struct umb_cmp_diff *umb_cmp_add(struct umb_cmp_result *r, enum umb_cmp_kind k,
		const char *path, int vt0, const char *v0, int vt1, const char *v1);

/* ---- rules ------------------------------------------------------------- */

#define UMB_CMP_PATTERN_MAX 128 /**< bytes of a path pattern */
#define UMB_CMP_SEG_MAX     32  /**< segments of a compiled pattern */
#define UMB_CMP_RULES_MAX   64  /**< path rules per rule set */
#define UMB_CMP_HDRS_MAX    32  /**< header names per set */
#define UMB_CMP_HDR_NAME_MAX 64

/* umb_cmp_seg.type */
enum {
	UMB_SEG_KEY = 0,  /**< .name or ['name'] */
	UMB_SEG_INDEX,    /**< [n] */
	UMB_SEG_ANY,      /**< * or [*]: one key or one index */
	UMB_SEG_DESCEND,  /**< .. : zero or more levels, then the next segment */
};

struct umb_cmp_seg {
	uint8_t type;
	uint16_t len;          /**< key bytes (unescaped) */
	uint32_t index;
	const char *key;       /**< into umb_cmp_path_rule.store */
};

/* umb_cmp_path_rule.action */
enum {
	UMB_RULE_IGNORE = 0,   /**< ignore the matched node and everything below */
	UMB_RULE_UNORDERED,    /**< the matched array is a multiset */
	UMB_RULE_KEYED,        /**< the matched array's objects pair by a key field */
	UMB_RULE_REDACT,       /**< the value is replaced by "[redacted]" in samples */
	UMB_RULE_TOLERANCE,    /**< numbers below the path use this rule's tolerance */
};

/** A compiled path pattern with what to do where it matches. */
struct umb_cmp_path_rule {
	uint8_t action;
	uint8_t nb_segs;
	double tol_abs, tol_rel;           /**< UMB_RULE_TOLERANCE */
	char key_field[UMB_CMP_HDR_NAME_MAX]; /**< UMB_RULE_KEYED: the key field */
	char pattern[UMB_CMP_PATTERN_MAX];  /**< as written */
	char store[UMB_CMP_PATTERN_MAX];    /**< unescaped keys */
	struct umb_cmp_seg segs[UMB_CMP_SEG_MAX];
};

/** Every knob of one comparison (global section, or a route's). */
struct umb_cmp_rules {
	/* status */
	uint8_t status_class;     /**< compare 2xx/3xx/4xx/5xx only */
	/* headers */
	uint8_t headers_on;       /**< compare headers at all (default yes) */
	uint8_t nb_hdr_compare;   /**< >0: compare only these */
	uint8_t nb_hdr_ignore;    /**< ignored beyond the defaults */
	uint8_t hdr_defaults;     /**< the default ignore list applies (default yes) */
	char hdr_compare[UMB_CMP_HDRS_MAX][UMB_CMP_HDR_NAME_MAX];
	char hdr_ignore[UMB_CMP_HDRS_MAX][UMB_CMP_HDR_NAME_MAX];
	/* bodies */
	uint8_t body_on;          /**< compare bodies (default yes) */
	uint8_t json_sniff;       /**< a body that starts with { or [ is JSON (default yes) */
	double tol_abs;           /**< numbers: |a-b| <= tol_abs is equal (default 0) */
	double tol_rel;           /**< or |a-b| <= tol_rel * max(|a|,|b|) (default 0) */
	uint32_t max_depth;       /**< JSON nesting (default 64) */
	uint32_t max_nodes;       /**< JSON nodes per document (default 100000) */
	uint64_t max_doc_bytes;   /**< JSON document size (default 1 MiB) */
	uint32_t max_diffs;       /**< differences kept per exchange (default 100) */
	uint32_t nb_rules;
	struct umb_cmp_path_rule rules[UMB_CMP_RULES_MAX];
	/* latency */
	uint64_t slow_ms;         /**< shadow ttlb - production ttlb above this: slow (2000) */
	double slow_ratio;        /**< shadow ttlb > ratio * production ttlb: slow (0: off) */
	/* decoding */
	uint64_t decode_max;      /**< bytes a decoded body may reach (default 1 MiB) */
	uint32_t decode_ratio;    /**< decoded/encoded above this: a bomb (default 100) */
};

/** Fill @p r with the defaults above. */
void umb_cmp_rules_default(struct umb_cmp_rules *r);

/**
 * Add a path rule. @p pattern: "$", ".name", "['odd key']", "[3]", "[*]",
 * ".*", "..name" (see docs/compare.md). @p key_field: UMB_RULE_KEYED only.
 * @return 0, -EINVAL (bad pattern; @p err gets why), -ENOSPC (too many).
 */
int umb_cmp_rules_add(struct umb_cmp_rules *r, int action, const char *pattern,
		const char *key_field, char *err, size_t err_size);

/** Compile one pattern (used by umb_cmp_rules_add). 0 or -EINVAL. */
int umb_cmp_pattern_compile(struct umb_cmp_path_rule *pr, const char *pattern,
		char *err, size_t err_size);

/* ---- comparisons --------------------------------------------------------- */

/** Status: adds a status diff when they differ (by class if status_class). */
void umb_cmp_status(const struct umb_cmp_rules *r, int prod, int shadow,
		struct umb_cmp_result *out);

/**
 * Headers, each side a block of "Name: value\r\n" lines as kept from the
 * message (names case-insensitive; repeated names joined with ", ").
 * @param bodies_decoded  Content-Length, Transfer-Encoding and
 *   Content-Encoding are ignored (bodies are compared decoded)
 */
void umb_cmp_headers(const struct umb_cmp_rules *r, const char *prod,
		size_t prod_len, const char *shadow, size_t shadow_len,
		int bodies_decoded, struct umb_cmp_result *out);

/** Does this body look like JSON (by Content-Type, else by sniffing)? */
int umb_cmp_is_json(const struct umb_cmp_rules *r, const char *content_type,
		size_t ct_len, const uint8_t *body, size_t len);

/**
 * Compare two JSON documents. Invalid JSON on either side gives one
 * invalid_json diff at "$" (unless both are byte-equal). Caps exceeded:
 * UMB_CMP_R_CAPPED and a byte comparison. Cost O(n log n) in nodes.
 * @return 0 equal, 1 different, -ENOMEM.
 */
int umb_cmp_json(const struct umb_cmp_rules *r, const char *prod, size_t plen,
		const char *shadow, size_t slen, struct umb_cmp_result *out);

/**
 * Compare two non-JSON bodies by bytes: one body diff with both sizes, the
 * first differing offset, and its line when @p text. @return 0 equal, 1 not.
 */
int umb_cmp_bytes(const uint8_t *prod, size_t plen, const uint8_t *shadow,
		size_t slen, int text, struct umb_cmp_result *out);

/**
 * Compare two decoded bodies: JSON (by type or sniffing) or bytes.
 * @return 0 equal, 1 different, -ENOMEM.
 */
int umb_cmp_body(const struct umb_cmp_rules *r, const char *prod_ct,
		size_t prod_ct_len, const uint8_t *prod, size_t plen,
		const char *shadow_ct, size_t shadow_ct_len, const uint8_t *shadow,
		size_t slen, struct umb_cmp_result *out);

/**
 * Latency: a slow diff when the shadow's @p shadow_us exceeds production's
 * @p prod_us by more than slow_ms, or by a factor above slow_ratio.
 * @return 1 when slow.
 */
int umb_cmp_latency(const struct umb_cmp_rules *r, uint64_t prod_us,
		uint64_t shadow_us, struct umb_cmp_result *out);

/* ---- content decoding ------------------------------------------------------ */

enum umb_cmp_encoding {
	UMB_ENC_IDENTITY = 0,
	UMB_ENC_GZIP,
	UMB_ENC_DEFLATE,   /**< zlib stream, or raw deflate as some servers send */
	UMB_ENC_BR,
	UMB_ENC_UNKNOWN,   /**< compress, zstd, a list of codings: not decoded */
};

/** The coding named by a Content-Encoding value (case-insensitive). */
enum umb_cmp_encoding umb_cmp_encoding_parse(const char *v, size_t n);

/* umb_cmp_decode() results */
#define UMB_DEC_OK        0
#define UMB_DEC_TOO_BIG   (-1) /**< output would pass @p out_max */
#define UMB_DEC_BOMB      (-2) /**< output/input ratio past the cap */
#define UMB_DEC_CORRUPT   (-3) /**< not a valid stream (or truncated) */
#define UMB_DEC_UNKNOWN   (-4) /**< coding not supported */
#define UMB_DEC_NOMEM     (-5)

/**
 * Decode @p in into @p out (capacity @p out_max). Stops as soon as the
 * output would pass @p out_max or in*@p ratio_max (whichever is lower): no
 * more work than that is done.
 * @param out_len  bytes decoded
 * @return UMB_DEC_*
 */
int umb_cmp_decode(enum umb_cmp_encoding enc, const uint8_t *in, size_t in_len,
		uint8_t *out, size_t out_max, uint32_t ratio_max, size_t *out_len);

const char *umb_cmp_decode_strerror(int rc);

/* ---- routes ------------------------------------------------------------- */

#define UMB_ROUTE_MAX 160 /**< bytes of "METHOD /template" kept */

/**
 * The route of a request: "METHOD /path/template" with the query dropped
 * and numeric, UUID, long hex (>= 16) and long base64-like (>= 20, mixed
 * letters and digits) segments folded to {id}.
 * @return length written (NUL-terminated, cut to @p cap - 1).
 */
size_t umb_route_fold(const char *method, size_t mlen, const char *uri,
		size_t ulen, char *out, size_t cap);

/** Configured templates ("GET /users/{id}/orders"): {x} matches one segment. */
int umb_route_template_match(const char *tmpl, const char *method, size_t mlen,
		const char *uri, size_t ulen);

/* ---- latency histograms -------------------------------------------------- */

/*
 * Log-linear: values 0..63 exact, above that 64 linear sub-buckets per power
 * of two (relative error below 1/128), up to 2^40 us; larger values land in
 * the last bucket (max is kept exactly). Fixed memory, merged by addition.
 */
#define UMB_HIST_SUB_BITS 6
#define UMB_HIST_SUB      (1u << UMB_HIST_SUB_BITS)
#define UMB_HIST_MAX_EXP  40
#define UMB_HIST_BUCKETS  ((UMB_HIST_MAX_EXP - UMB_HIST_SUB_BITS + 2) * UMB_HIST_SUB)

struct umb_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t max;
	uint64_t min;
	uint64_t b[UMB_HIST_BUCKETS];
};

void umb_hist_init(struct umb_hist *h);
void umb_hist_add(struct umb_hist *h, uint64_t v);
/** @p dst += @p src. */
void umb_hist_merge(struct umb_hist *dst, const struct umb_hist *src);
/** Value at quantile @p q (0..1): the bucket's midpoint, exact max at 1. */
uint64_t umb_hist_quantile(const struct umb_hist *h, double q);
/** Bucket index of @p v, and the lowest value of bucket @p i (for export). */
unsigned int umb_hist_bucket(uint64_t v);
uint64_t umb_hist_bucket_low(unsigned int i);

/* ---- per-route statistics ------------------------------------------------ */

/* Latency series per route: time to first and last byte, both sides. */
enum { UMB_LAT_PROD_TTFB = 0, UMB_LAT_PROD_TTLB, UMB_LAT_SHADOW_TTFB,
	UMB_LAT_SHADOW_TTLB, UMB_LAT_MAX };

#define UMB_CMP_FIELD_TOP   32  /**< differing (path, kind) kept per route */
#define UMB_CMP_STATUS_TOP  16  /**< status pairs kept per route */
#define UMB_CMP_OUTCOMES    24  /**< outcome counters per route (enum umb_outcome fits) */

/** A differing field of a route: path with indices folded to [*], kind. */
struct umb_cmp_field_stat {
	char path[UMB_CMP_PATH_MAX];
	uint8_t kind;
	uint64_t count;
};

struct umb_cmp_status_stat {
	int16_t prod, shadow;
	uint64_t count;
};

/** Everything known of one route. */
struct umb_route_stat {
	char name[UMB_ROUTE_MAX];       /**< "GET /users/{id}", or "other" */
	uint64_t outcome[UMB_CMP_OUTCOMES]; /**< by enum umb_outcome */
	uint64_t exchanges;
	uint64_t compared;              /**< match + mismatch */
	uint64_t mismatched;
	uint64_t slow;                  /**< shadow flagged slower */
	uint64_t fields_dropped;        /**< field differences not kept (table full) */
	uint32_t nb_fields, nb_status;
	struct umb_cmp_field_stat fields[UMB_CMP_FIELD_TOP];
	struct umb_cmp_status_stat status[UMB_CMP_STATUS_TOP];
	struct umb_hist lat[UMB_LAT_MAX];
};

/** Per-route statistics of one writer (one comparator lcore), or a merge. */
struct umb_route_table {
	uint32_t max_routes;            /**< routes besides "other" */
	uint32_t nb;                    /**< routes in use (published, atomic) */
	uint32_t mask;                  /**< index size - 1 */
	uint32_t *index;                /**< open addressing: route slot + 1, 0 empty */
	struct umb_route_stat **routes; /**< [0] is "other"; allocated on first use */
	uint64_t routes_over;           /**< exchanges that went to "other" (table full) */
};

/** NULL on allocation failure (errno set). */
struct umb_route_table *umb_route_table_create(uint32_t max_routes);
void umb_route_table_free(struct umb_route_table *t);
/**
 * The stat of route @p name, created when new (when full: "other").
 * NULL only on allocation failure.
 */
struct umb_route_stat *umb_route_table_get(struct umb_route_table *t,
		const char *name);
/** Count a difference (its path folded to [*]) on @p rs. */
void umb_route_stat_field(struct umb_route_stat *rs, const char *path, int kind);
void umb_route_stat_status(struct umb_route_stat *rs, int prod, int shadow);
/** @p dst += @p src, route by route (by name). 0 or -ENOMEM. */
int umb_route_table_merge(struct umb_route_table *dst,
		const struct umb_route_table *src);

/** "$.items[3].id" -> "$.items[*].id" into @p out. */
size_t umb_cmp_path_fold(const char *path, char *out, size_t cap);

/* ---- the compare file ------------------------------------------------------ */

#define UMB_CMP_ROUTES_MAX 64 /**< [route "..."] sections */

/** A [route "METHOD /template"] section: its template and its rules. */
struct umb_cmp_route_rules {
	char tmpl[UMB_ROUTE_MAX];
	struct umb_cmp_rules rules;
};

/** A whole compare file. */
struct umb_cmp_ruleset {
	struct umb_cmp_rules global;
	uint32_t max_routes;           /**< [compare] max_routes (default 1000) */
	uint32_t samples;              /**< [compare] mismatch samples kept (default 64) */
	uint32_t nb_routes;
	struct umb_cmp_route_rules routes[UMB_CMP_ROUTES_MAX];
	char name[64];                 /**< file name, for reports */
	uint64_t hash;                 /**< of the file's bytes */
};

void umb_cmp_ruleset_default(struct umb_cmp_ruleset *rs);

/**
 * Load a compare file (rte_cfgfile INI; docs/compare.md). Errors name
 * file:line [section] key in @p err.
 * @return 0, or -EINVAL / -ENOENT / -ENOMEM.
 */
int umb_cmp_ruleset_load(struct umb_cmp_ruleset *rs, const char *path,
		char *err, size_t err_size);

/**
 * The rules and route name of a request: a configured template that matches
 * wins (its name is the template), else the folded route and the global rules.
 */
const struct umb_cmp_rules *umb_cmp_ruleset_route(const struct umb_cmp_ruleset *rs,
		const char *method, size_t mlen, const char *uri, size_t ulen,
		char *route, size_t route_cap);

#ifdef __cplusplus
}
#endif
#endif
