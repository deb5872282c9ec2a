/* SPDX-License-Identifier: BSD-3-Clause
 * Exchange records as JSON: every key, its type and its null rules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "umb_export.h"

static struct umb_exchange
base_record(void)
{
	struct umb_exchange x;

	memset(&x, 0, sizeof(x));
	x.af = 4;
	inet_pton(AF_INET, "10.0.0.1", x.client.b);
	inet_pton(AF_INET, "10.0.0.2", x.server.b);
	x.client_port = 40000;
	x.server_port = 80;
	x.req_first_us = 1700000000123456ULL;
	x.req_last_us = x.req_first_us + 10;
	x.resp_first_us = x.req_last_us + 2500;
	x.resp_last_us = x.req_last_us + 4000;
	x.status = 200;
	x.resp_body_bytes = 5;
	x.resp_body_hash = 0x0123456789abcdefULL;
	x.flags = UMB_X_HASH_VALID | UMB_X_REQ_DONE | UMB_X_RESP_BEGUN | UMB_X_RESP_DONE;
	x.outcome = UMB_OUTCOME_complete;
	snprintf(x.method, sizeof(x.method), "GET");
	snprintf(x.uri, sizeof(x.uri), "/a?b=\"c\"");
	snprintf(x.host, sizeof(x.host), "example.com");
	x.host_len = 11;
	return x;
}

static void
complete_exchange_has_every_key(void **state)
{
	struct umb_exchange x = base_record();
	cJSON *o = umb_exchange_to_json(&x);

	(void)state;
	assert_non_null(o);
	assert_float_equal(cJSON_GetObjectItem(o, "ts")->valuedouble, 1700000000.123456, 1e-6);
	assert_string_equal(cJSON_GetObjectItem(o, "client")->valuestring, "10.0.0.1:40000");
	assert_string_equal(cJSON_GetObjectItem(o, "server")->valuestring, "10.0.0.2:80");
	assert_string_equal(cJSON_GetObjectItem(o, "method")->valuestring, "GET");
	assert_string_equal(cJSON_GetObjectItem(o, "uri")->valuestring, "/a?b=\"c\"");
	assert_string_equal(cJSON_GetObjectItem(o, "host")->valuestring, "example.com");
	assert_int_equal(cJSON_GetObjectItem(o, "status")->valueint, 200);
	assert_int_equal(cJSON_GetObjectItem(o, "resp_body_bytes")->valueint, 5);
	assert_string_equal(cJSON_GetObjectItem(o, "resp_body_hash")->valuestring,
			"0123456789abcdef");
	assert_int_equal(cJSON_GetObjectItem(o, "ttfb_us")->valueint, 2500);
	assert_int_equal(cJSON_GetObjectItem(o, "ttlb_us")->valueint, 4000);
	assert_string_equal(cJSON_GetObjectItem(o, "outcome")->valuestring, "complete");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "midstream")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "resp_gap")));
	cJSON_Delete(o);
}

static void
missing_response_gives_nulls(void **state)
{
	struct umb_exchange x = base_record();
	cJSON *o;

	(void)state;
	x.status = -1;
	x.resp_first_us = x.resp_last_us = 0;
	x.resp_body_bytes = 0;
	x.flags = UMB_X_REQ_DONE;
	x.host_len = 0;
	x.host[0] = '\0';
	x.outcome = UMB_OUTCOME_no_response;
	o = umb_exchange_to_json(&x);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "status")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "host")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "resp_body_hash")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "ttfb_us")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "ttlb_us")));
	assert_string_equal(cJSON_GetObjectItem(o, "outcome")->valuestring, "no_response");
	cJSON_Delete(o);
}

/* A response that began but did not finish has a ttfb and no ttlb. */
static void
unfinished_response_has_no_ttlb(void **state)
{
	struct umb_exchange x = base_record();
	cJSON *o;

	(void)state;
	x.flags &= ~(UMB_X_RESP_DONE | UMB_X_HASH_VALID);
	x.outcome = UMB_OUTCOME_incomplete;
	o = umb_exchange_to_json(&x);
	assert_int_equal(cJSON_GetObjectItem(o, "ttfb_us")->valueint, 2500);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "ttlb_us")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "resp_body_hash")));
	cJSON_Delete(o);
}

static void
ipv6_endpoints_are_bracketed(void **state)
{
	struct umb_exchange x = base_record();
	cJSON *o;

	(void)state;
	x.af = 6;
	inet_pton(AF_INET6, "2001:db8::1", x.client.b);
	inet_pton(AF_INET6, "::1", x.server.b);
	o = umb_exchange_to_json(&x);
	assert_string_equal(cJSON_GetObjectItem(o, "client")->valuestring, "[2001:db8::1]:40000");
	assert_string_equal(cJSON_GetObjectItem(o, "server")->valuestring, "[::1]:80");
	cJSON_Delete(o);
}

/* Lines round-trip through a real file, one object per line. */
static void
jsonl_writes_one_line_per_record(void **state)
{
	char path[] = "/tmp/umb_test_export_XXXXXX";
	int fd = mkstemp(path);
	struct umb_jsonl w;
	struct umb_exchange x = base_record();
	char line[8192];
	FILE *f;
	int n = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(umb_jsonl_open(&w, path), 0);
	for (int i = 0; i < 3; i++) {
		x.index = (uint32_t)i;
		assert_int_equal(umb_jsonl_write_exchange(&w, &x), 0);
	}
	assert_int_equal(w.lines, 3);
	assert_int_equal(umb_jsonl_close(&w), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		cJSON *o = cJSON_Parse(line);

		assert_non_null(o);
		assert_int_equal(cJSON_GetObjectItem(o, "index")->valueint, n);
		cJSON_Delete(o);
		n++;
	}
	fclose(f);
	unlink(path);
	assert_int_equal(n, 3);
}

static void
unwritable_path_is_an_error(void **state)
{
	struct umb_jsonl w;

	(void)state;
	assert_int_equal(umb_jsonl_open(&w, "/nonexistent-dir/x.jsonl"), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complete_exchange_has_every_key),
		cmocka_unit_test(missing_response_gives_nulls),
		cmocka_unit_test(unfinished_response_has_no_ttlb),
		cmocka_unit_test(ipv6_endpoints_are_bracketed),
		cmocka_unit_test(jsonl_writes_one_line_per_record),
		cmocka_unit_test(unwritable_path_is_an_error),
	};

	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
