/* SPDX-License-Identifier: BSD-3-Clause
 * Export of exchange records: one JSON object per line, written by the
 * export role only, never by a data lcore. The line format has exactly one
 * definition, umb_exchange_write_json (streaming writer, umb_json.h); the
 * cJSON form is that text parsed back, for callers that want a tree.
 */
#ifndef UMB_EXPORT_H
#define UMB_EXPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "umb_http.h"
#include "umb_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Append the JSON object of an exchange to @p w (no newline). Keys, in
 * order: ts, client, server, method, uri, host, status, req_body_bytes,
 * resp_body_bytes, resp_body_hash, ttfb_us, ttlb_us, the shadow_* keys when
 * mirrored, outcome, midstream, pipelined, req_gap, resp_gap, uri_truncated
 * and chunked when set, flow, index.
 * @return 0, or w->err (sticky in @p w).
 */
int umb_exchange_write_json(struct umb_jw *w, const struct umb_exchange *x);

/**
 * The same object as a cJSON tree (written, then parsed back).
 * @return a new object (cJSON_Delete it), NULL on allocation failure.
 */
cJSON *umb_exchange_to_json(const struct umb_exchange *x);

/** A JSON-lines writer. */
struct umb_jsonl {
	FILE *f;
	struct umb_jw jw;  /**< the line being built, reused from line to line */
	uint64_t lines;    /**< lines written */
	uint64_t errors;   /**< records not written (allocation or I/O error) */
};

/** Open @p path for writing ("-" is stdout). 0 or -errno. */
int umb_jsonl_open(struct umb_jsonl *w, const char *path);
/** Append one exchange. 0 or -errno (counted in w->errors). */
int umb_jsonl_write_exchange(struct umb_jsonl *w, const struct umb_exchange *x);
/** Flush and close. 0 or -errno. */
int umb_jsonl_close(struct umb_jsonl *w);

#ifdef __cplusplus
}
#endif
#endif
