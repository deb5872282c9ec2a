/* SPDX-License-Identifier: BSD-3-Clause
 * Exchange records as JSON lines. Only the export role calls this: it
 * allocates (cJSON) and does stdio I/O, both of which a data lcore must not.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "umb_export.h"

static void
add_endpoint(cJSON *o, const char *key, uint8_t af, const union umb_addr *a,
		uint16_t port)
{
	char buf[64];

	if (umb_endpoint_str(af, a, port, buf, sizeof(buf)) < 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, buf);
}

static void
add_delta_us(cJSON *o, const char *key, uint64_t from, uint64_t to)
{
	if (from == 0 || to == 0 || to < from)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, (double)(to - from));
}

cJSON *
umb_exchange_to_json(const struct umb_exchange *x)
{
	cJSON *o = cJSON_CreateObject();
	char hash[17];

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "ts", (double)x->req_first_us / 1e6);
	add_endpoint(o, "client", x->af, &x->client, x->client_port);
	add_endpoint(o, "server", x->af, &x->server, x->server_port);
	cJSON_AddStringToObject(o, "method", x->method);
	cJSON_AddStringToObject(o, "uri", x->uri);
	if (x->host_len > 0)
		cJSON_AddStringToObject(o, "host", x->host);
	else
		cJSON_AddNullToObject(o, "host");
	if (x->status >= 0)
		cJSON_AddNumberToObject(o, "status", x->status);
	else
		cJSON_AddNullToObject(o, "status");
	cJSON_AddNumberToObject(o, "req_body_bytes", (double)x->req_body_bytes);
	cJSON_AddNumberToObject(o, "resp_body_bytes", (double)x->resp_body_bytes);
	if (x->flags & UMB_X_HASH_VALID) {
		snprintf(hash, sizeof(hash), "%016" PRIx64, x->resp_body_hash);
		cJSON_AddStringToObject(o, "resp_body_hash", hash);
	} else {
		cJSON_AddNullToObject(o, "resp_body_hash");
	}
	/* Latencies count from the request's last byte; without a complete
	 * request there is no meaningful start. */
	add_delta_us(o, "ttfb_us", x->req_last_us, x->resp_first_us);
	add_delta_us(o, "ttlb_us", x->req_last_us,
			(x->flags & UMB_X_RESP_DONE) ? x->resp_last_us : 0);
	if (x->flags & UMB_X_MIRRORED) {
		/* The shadow's side; its timings count from the moment umbra
		 * sent the request's last byte to the shadow. */
		if (x->shadow_status >= 0)
			cJSON_AddNumberToObject(o, "shadow_status", x->shadow_status);
		else
			cJSON_AddNullToObject(o, "shadow_status");
		add_delta_us(o, "shadow_ttfb_us", x->shadow_sent_us,
				(x->flags & UMB_X_SHADOW_BEGUN) ? x->shadow_first_us : 0);
		add_delta_us(o, "shadow_ttlb_us", x->shadow_sent_us,
				(x->flags & UMB_X_SHADOW_DONE) ? x->shadow_last_us : 0);
		if (x->flags & (UMB_X_SHADOW_BEGUN | UMB_X_SHADOW_DONE))
			cJSON_AddNumberToObject(o, "shadow_resp_body_bytes",
					(double)x->shadow_body_bytes);
		else
			cJSON_AddNullToObject(o, "shadow_resp_body_bytes");
		if (x->flags & UMB_X_SHADOW_HASH) {
			snprintf(hash, sizeof(hash), "%016" PRIx64,
					x->shadow_body_hash);
			cJSON_AddStringToObject(o, "shadow_resp_body_hash", hash);
		} else {
			cJSON_AddNullToObject(o, "shadow_resp_body_hash");
		}
	}
	cJSON_AddStringToObject(o, "outcome", umb_outcome_name(x->outcome));
	cJSON_AddBoolToObject(o, "midstream", !!(x->flags & UMB_X_MIDSTREAM));
	cJSON_AddBoolToObject(o, "pipelined", !!(x->flags & UMB_X_PIPELINED));
	cJSON_AddBoolToObject(o, "req_gap", !!(x->flags & UMB_X_REQ_GAP));
	cJSON_AddBoolToObject(o, "resp_gap", !!(x->flags & UMB_X_RESP_GAP));
	if (x->flags & UMB_X_URI_TRUNC)
		cJSON_AddTrueToObject(o, "uri_truncated");
	if (x->flags & UMB_X_RESP_CHUNKED)
		cJSON_AddTrueToObject(o, "chunked");
	cJSON_AddNumberToObject(o, "flow", (double)x->flow_id);
	cJSON_AddNumberToObject(o, "index", x->index);
	return o;
}

int
umb_jsonl_open(struct umb_jsonl *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		return 0;
	}
	w->f = fopen(path, "w");
	if (w->f == NULL)
		return -errno;
	/* Large stdio buffer: lines are small and many. */
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	return 0;
}

int
umb_jsonl_write_exchange(struct umb_jsonl *w, const struct umb_exchange *x)
{
	cJSON *o = umb_exchange_to_json(x);
	char *s;
	int rc = 0;

	if (o == NULL) {
		w->errors++;
		return -ENOMEM;
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL) {
		w->errors++;
		return -ENOMEM;
	}
	if (fputs(s, w->f) < 0 || fputc('\n', w->f) < 0) {
		w->errors++;
		rc = -EIO;
	} else {
		w->lines++;
	}
	cJSON_free(s);
	return rc;
}

int
umb_jsonl_close(struct umb_jsonl *w)
{
	int rc = 0;

	if (w->f == NULL)
		return 0;
	if (fflush(w->f) != 0)
		rc = -errno;
	if (w->f != stdout && fclose(w->f) != 0 && rc == 0)
		rc = -errno;
	w->f = NULL;
	return rc;
}
