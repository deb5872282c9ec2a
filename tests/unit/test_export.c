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
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "umb_compare.h"
#include "umb_export.h"

#include "strict_json.h"

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
	x.ans[UMB_SIDE_PROD].first_us = x.req_last_us + 2500;
	x.ans[UMB_SIDE_PROD].last_us = x.req_last_us + 4000;
	x.ans[UMB_SIDE_PROD].status = 200;
	x.ans[UMB_SIDE_PROD].body_bytes = 5;
	x.ans[UMB_SIDE_PROD].body_hash = 0x0123456789abcdefULL;
	x.ans[UMB_SIDE_PROD].flags = UMB_A_HASH | UMB_A_BEGUN | UMB_A_DONE;
	x.ans[UMB_SIDE_SHADOW].status = -1;
	x.flags = UMB_X_REQ_DONE;
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
	x.ans[UMB_SIDE_PROD].status = -1;
	x.ans[UMB_SIDE_PROD].first_us = x.ans[UMB_SIDE_PROD].last_us = 0;
	x.ans[UMB_SIDE_PROD].body_bytes = 0;
	x.ans[UMB_SIDE_PROD].flags = 0;
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
	x.ans[UMB_SIDE_PROD].flags &= (uint16_t)~(UMB_A_DONE | UMB_A_HASH);
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

/* The whole line of the base record, byte for byte: keys, order, spelling. */
static void
line_text_is_exact(void **state)
{
	struct umb_exchange x = base_record();
	struct umb_jw w;

	(void)state;
	assert_int_equal(umb_jw_init(&w, 0), 0);
	x.flow_id = 77;
	x.index = 3;
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_string_equal(w.buf,
		"{\"ts\":1700000000.123456,\"client\":\"10.0.0.1:40000\","
		"\"server\":\"10.0.0.2:80\",\"method\":\"GET\","
		"\"uri\":\"/a?b=\\\"c\\\"\",\"host\":\"example.com\",\"status\":200,"
		"\"req_body_bytes\":0,\"resp_body_bytes\":5,"
		"\"resp_body_hash\":\"0123456789abcdef\",\"ttfb_us\":2500,"
		"\"ttlb_us\":4000,\"outcome\":\"complete\",\"midstream\":false,"
		"\"pipelined\":false,\"req_gap\":false,\"resp_gap\":false,"
		"\"flow\":77,\"index\":3}");

	/* mirrored, with the rare flags: the shadow keys sit between ttlb_us
	 * and outcome, the flags before flow */
	umb_jw_reset(&w);
	x.flags |= UMB_X_MIRRORED | UMB_X_URI_TRUNC;
	x.ans[UMB_SIDE_PROD].flags |= UMB_A_CHUNKED;
	x.ans[UMB_SIDE_SHADOW].flags = UMB_A_BEGUN;
	x.ans[UMB_SIDE_SHADOW].status = -1;
	x.shadow_sent_us = x.req_last_us + 1;
	x.ans[UMB_SIDE_SHADOW].first_us = x.shadow_sent_us + 700;
	x.ans[UMB_SIDE_SHADOW].body_bytes = 12;
	x.req_first_us = 1700000000100000ULL;
	x.outcome = UMB_OUTCOME_shadow_error;
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_non_null(strstr(w.buf, "{\"ts\":1700000000.1,"));
	assert_non_null(strstr(w.buf,
		"\"ttlb_us\":4000,\"shadow_status\":null,\"shadow_ttfb_us\":700,"
		"\"shadow_ttlb_us\":null,\"shadow_resp_body_bytes\":12,"
		"\"shadow_resp_body_hash\":null,\"outcome\":\"shadow_error\","));
	assert_non_null(strstr(w.buf,
		"\"resp_gap\":false,\"uri_truncated\":true,\"chunked\":true,"
		"\"shadow_slower\":false,\"flow\":77,\"index\":3}"));
	umb_jw_free(&w);
}

/*
 * A compared exchange: its route, the latency flag, how the bodies were
 * compared and the comparator's difference list, written as it is.
 */
static void
compared_exchange_carries_route_and_diffs(void **state)
{
	static const char diffs[] =
		"[{\"kind\":\"removed\",\"path\":\"$.name\",\"production\":\"a\"},"
		"{\"kind\":\"added\",\"path\":\"$.title\",\"shadow\":\"a\"}]";
	struct umb_exchange x = base_record();
	struct umb_chunk chunk;
	struct umb_jw w;
	cJSON *o, *d;

	(void)state;
	memset(&chunk, 0, sizeof(chunk));
	memcpy(chunk.data, diffs, sizeof(diffs) - 1);
	chunk.len = sizeof(diffs) - 1;
	x.diffs.head = x.diffs.tail = &chunk;
	x.diffs.len = chunk.len;
	x.nb_diffs = 2;
	x.cmp_flags = UMB_CMP_R_JSON;
	x.flags |= UMB_X_MIRRORED | UMB_X_SLOWER;
	x.outcome = UMB_OUTCOME_mismatch;
	x.ans[UMB_SIDE_SHADOW].status = 200;
	x.ans[UMB_SIDE_SHADOW].flags = UMB_A_BEGUN | UMB_A_DONE;
	snprintf(x.route, sizeof(x.route), "GET /a");
	x.route_len = 6;
	assert_int_equal(umb_jw_init(&w, 0), 0);
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	o = cJSON_Parse(w.buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "route")->valuestring, "GET /a");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "shadow_slower")));
	assert_string_equal(cJSON_GetObjectItem(o, "body_compared")->valuestring, "json");
	assert_int_equal(cJSON_GetObjectItem(o, "diffs_total")->valueint, 2);
	d = cJSON_GetObjectItem(o, "diffs");
	assert_int_equal(cJSON_GetArraySize(d), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(d, 1), "path")->valuestring,
		"$.title");
	cJSON_Delete(o);

	/* A match has an empty list; a list the memcap could not hold is null. */
	x.outcome = UMB_OUTCOME_match;
	x.nb_diffs = 0;
	umb_jw_reset(&w);
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_non_null(strstr(w.buf, "\"diffs_total\":0,\"diffs\":[]"));
	x.outcome = UMB_OUTCOME_mismatch;
	x.nb_diffs = 3;
	x.diffs.head = x.diffs.tail = NULL;
	umb_jw_reset(&w);
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_non_null(strstr(w.buf, "\"diffs_total\":3,\"diffs\":null"));
	/* Not compared: no comparison keys at all. */
	x.outcome = UMB_OUTCOME_not_compared;
	umb_jw_reset(&w);
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_null(strstr(w.buf, "\"diffs\""));
	umb_jw_free(&w);
}

/* Wire bytes in method, URI and host: the line is strict JSON and the
 * strings decode to the input with each invalid sequence as U+FFFD. */
static void
hostile_bytes_make_valid_lines(void **state)
{
	static const char uri[] = "/p\"q\\r\x01\x1f\x7f\t\n\xc3\xa9\xc0\xaf\xed\xa0\x80"
		"\xf4\x90\x80\x80\xe2\x82\xff/\xf0\x9f\x98\x80";
	static const char uri_dec[] = "/p\"q\\r\x01\x1f\x7f\t\n\xc3\xa9"
		"\xef\xbf\xbd\xef\xbf\xbd"                        /* c0 af */
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"            /* ed a0 80 */
		"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" /* f4 90 80 80 */
		"\xef\xbf\xbd"                                    /* e2 82 */
		"\xef\xbf\xbd"                                    /* ff */
		"/\xf0\x9f\x98\x80";
	struct umb_exchange x = base_record();
	struct umb_jw w;
	cJSON *o;

	(void)state;
	snprintf(x.method, sizeof(x.method), "G\"E\\T\x80");
	memcpy(x.uri, uri, sizeof(uri));
	x.uri_len = (uint16_t)(sizeof(uri) - 1);
	snprintf(x.host, sizeof(x.host), "h\xfe\rst");
	x.host_len = 5;
	assert_int_equal(umb_jw_init(&w, 0), 0);
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_true(strict_json(w.buf, w.len));
	assert_null(memchr(w.buf, '\n', w.len));
	o = cJSON_Parse(w.buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "method")->valuestring,
			"G\"E\\T\xef\xbf\xbd");
	assert_string_equal(cJSON_GetObjectItem(o, "uri")->valuestring, uri_dec);
	assert_string_equal(cJSON_GetObjectItem(o, "host")->valuestring,
			"h\xef\xbf\xbd\rst");
	cJSON_Delete(o);
	/* the cJSON form agrees */
	o = umb_exchange_to_json(&x);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "uri")->valuestring, uri_dec);
	cJSON_Delete(o);
	umb_jw_free(&w);
}

/* The exporter spells IPv4 endpoints itself: the same text as
 * umb_endpoint_str for any address and port. */
static void
ipv4_endpoints_match_endpoint_str(void **state)
{
	struct umb_exchange x = base_record();
	struct umb_jw w;
	char ep[64], want[96];

	(void)state;
	assert_int_equal(umb_jw_init(&w, 0), 0);
	srandom(99);
	for (int i = 0; i < 20000; i++) {
		uint32_t ip = (uint32_t)random() ^ ((uint32_t)random() << 16);

		/* short and long octets, ports 0 and 65535 included */
		if (i % 4 == 0)
			ip &= 0x0f0f0f0f;
		memcpy(x.client.b, &ip, 4);
		x.client_port = (uint16_t)(i < 2 ? i * 65535 : random());
		umb_jw_reset(&w);
		assert_int_equal(umb_exchange_write_json(&w, &x), 0);
		assert_true(umb_endpoint_str(4, &x.client, x.client_port, ep,
				sizeof(ep)) > 0);
		snprintf(want, sizeof(want), "\"client\":\"%s\",", ep);
		if (strstr(w.buf, want) == NULL)
			fail_msg("want %s in %s", want, w.buf);
	}
	/* an unknown family is null, as before */
	x.af = 0;
	umb_jw_reset(&w);
	assert_int_equal(umb_exchange_write_json(&w, &x), 0);
	assert_non_null(strstr(w.buf, "\"client\":null,\"server\":null,"));
	umb_jw_free(&w);
}

static uint64_t
rnd64(void)
{
	return ((uint64_t)random() << 42) ^ ((uint64_t)random() << 21) ^
		(uint64_t)random();
}

/* Random records with random bytes for method, URI and host, through a real
 * file: one strict-JSON line each. */
static void
random_records_make_valid_lines(void **state)
{
	char path[] = "/tmp/umb_test_export_rnd_XXXXXX";
	int fd = mkstemp(path);
	struct umb_jsonl w;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int n = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(umb_jsonl_open(&w, path), 0);
	srandom(4242);
	for (int i = 0; i < 2000; i++) {
		struct umb_exchange x = base_record();
		size_t ulen = (size_t)(random() % (i % 10 == 0 ? UMB_HTTP_URI_MAX : 80));

		for (size_t k = 0; k < ulen; k++)
			x.uri[k] = (char)(1 + random() % 255);
		x.uri[ulen] = '\0';
		x.uri_len = (uint16_t)ulen;
		for (size_t k = 0; k < 7; k++)
			x.method[k] = (char)(1 + random() % 255);
		x.method[7] = '\0';
		x.host_len = (uint16_t)(random() % 20);
		for (size_t k = 0; k < x.host_len; k++)
			x.host[k] = (char)(1 + random() % 255);
		x.host[x.host_len] = '\0';
		x.af = (random() & 1) ? 4 : 6;
		x.flags = (uint32_t)random();
		x.outcome = (uint8_t)(random() % (UMB_OUTCOME_MAX + 2));
		x.req_first_us = rnd64();
		x.req_last_us = x.req_first_us + (uint64_t)(random() % 1000);
		for (int s = 0; s < 2; s++) {
			struct umb_answer *a = &x.ans[s];

			a->status = (int16_t)random();
			a->flags = (uint16_t)random();
			a->first_us = (random() & 3) ? x.req_last_us + (uint64_t)random() : 0;
			a->last_us = rnd64();
			a->body_bytes = rnd64();
			a->body_hash = rnd64();
		}
		x.shadow_sent_us = rnd64();
		x.req_body_bytes = rnd64();
		x.flow_id = rnd64();
		x.index = (uint32_t)random();
		assert_int_equal(umb_jsonl_write_exchange(&w, &x), 0);
	}
	assert_int_equal(w.lines, 2000);
	assert_int_equal(w.errors, 0);
	assert_int_equal(umb_jsonl_close(&w), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *o;

		assert_int_equal(line[len - 1], '\n');
		if (!strict_json(line, (size_t)len - 1))
			fail_msg("line %d is not strict JSON: %s", n, line);
		o = cJSON_Parse(line);
		assert_non_null(o);
		assert_true(cJSON_IsString(cJSON_GetObjectItem(o, "uri")));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "index")));
		cJSON_Delete(o);
		n++;
	}
	free(line);
	fclose(f);
	unlink(path);
	assert_int_equal(n, 2000);
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
		cmocka_unit_test(line_text_is_exact),
		cmocka_unit_test(compared_exchange_carries_route_and_diffs),
		cmocka_unit_test(hostile_bytes_make_valid_lines),
		cmocka_unit_test(random_records_make_valid_lines),
		cmocka_unit_test(ipv4_endpoints_match_endpoint_str),
	};

	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
