/* SPDX-License-Identifier: BSD-3-Clause
 * Export of exchange records: one JSON object per line (cJSON), written by
 * the export role only, never by a data lcore.
 */
#ifndef UMB_EXPORT_H
#define UMB_EXPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "umb_http.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Build the JSON object of an exchange. Keys: ts, client, server, method,
 * uri, host, status, req_body_bytes, resp_body_bytes, resp_body_hash,
 * ttfb_us, ttlb_us, outcome, plus flags (midstream, pipelined, ...).
 * @return a new object (cJSON_Delete it), NULL on allocation failure.
 */
cJSON *umb_exchange_to_json(const struct umb_exchange *x);

/** A JSON-lines writer. */
struct umb_jsonl {
	FILE *f;
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
