/* SPDX-License-Identifier: BSD-3-Clause
 * The per-flow state machine: segments in, exchange records out, through
 * the real flow table, reassembly and HTTP builder. Each test is a
 * conversation written as segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_common.h>
#include <rte_mempool.h>

#include "test_eal.h"
#include "umb_session.h"

#define MAX_REC 64

struct fixture {
	struct umb_session_table *t;
	struct umb_session_ctrs ctr;
	struct umb_exchange rec[MAX_REC];
	unsigned int nb_rec;
	uint32_t cseq, sseq;     /* next sequence numbers of client and server */
	uint64_t now;
};

static void
collect(void *arg, struct umb_exchange *x)
{
	struct fixture *fx = arg;

	if (fx->nb_rec < MAX_REC)
		fx->rec[fx->nb_rec++] = *x;
	rte_mempool_put(rte_mempool_from_obj(x), x);
}

static int test_no;

static struct fixture *
fixture_new_opts(uint32_t max_flows, uint32_t share_ppm, int record_unsampled)
{
	static struct fixture fxs[32];
	struct fixture *fx = &fxs[test_no];
	char name[32];

	memset(fx, 0, sizeof(*fx));
	snprintf(name, sizeof(name), "ses%d", test_no++);
	struct umb_session_params p = {
		.name = name, .socket_id = 0, .max_flows = max_flows,
		.reasm_chunks = 256, .stream_cap = 65536, .records = 128,
		.idle_timeout_us = 60000000, .close_timeout_us = 1000000,
		.share_ppm = share_ppm, .seed = 0, .midstream = 1,
		.record_unsampled = record_unsampled,
		.emit = collect, .emit_arg = fx,
	};
	fx->t = umb_session_create(&p, &fx->ctr);
	assert_non_null(fx->t);
	fx->now = 1700000000000000ULL;
	return fx;
}

static struct fixture *
fixture_new(uint32_t max_flows, uint32_t share_ppm)
{
	return fixture_new_opts(max_flows, share_ppm, 0);
}

static void
fixture_free(struct fixture *fx)
{
	umb_session_flush(fx->t, fx->now);
	/* every record went back to the pool */
	assert_int_equal(rte_mempool_avail_count(umb_session_xpool(fx->t)), 128);
	umb_session_free(fx->t);
}

/* One segment from the client (dir 0) or server (dir 1) of flow number n. */
static void
seg(struct fixture *fx, int n, int dir, uint8_t flags, const char *data)
{
	struct umb_pkt p;
	uint32_t len = data ? (uint32_t)strlen(data) : 0;
	uint32_t caddr = 0x0100000a + ((uint32_t)n << 24), saddr = 0xfe00000a;

	memset(&p, 0, sizeof(p));
	p.af = 4;
	memcpy(dir == 0 ? p.src.b : p.dst.b, &caddr, 4);
	memcpy(dir == 0 ? p.dst.b : p.src.b, &saddr, 4);
	p.sport = dir == 0 ? 40000 : 80;
	p.dport = dir == 0 ? 80 : 40000;
	p.tcp_flags = flags;
	p.seq = dir == 0 ? fx->cseq : fx->sseq;
	p.ack = dir == 0 ? fx->sseq : fx->cseq;
	p.payload_len = len;
	p.ts_us = fx->now;
	fx->now += 1000;
	umb_session_packet(fx->t, &p, (const uint8_t *)data);
	if (dir == 0)
		fx->cseq += len + !!(flags & (UMB_TCP_SYN | UMB_TCP_FIN));
	else
		fx->sseq += len + !!(flags & (UMB_TCP_SYN | UMB_TCP_FIN));
}

static void
handshake(struct fixture *fx, int n)
{
	fx->cseq = 1000;
	fx->sseq = 5000;
	seg(fx, n, 0, UMB_TCP_SYN, NULL);
	seg(fx, n, 1, UMB_TCP_SYN | UMB_TCP_ACK, NULL);
	seg(fx, n, 0, UMB_TCP_ACK, NULL);
}

#define REQ "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define ACK UMB_TCP_ACK
#define PSH (UMB_TCP_ACK | UMB_TCP_PSH)

static void
full_connection_gives_one_complete_exchange(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	handshake(fx, 1);
	seg(fx, 1, 0, PSH, REQ);
	seg(fx, 1, 1, PSH, RESP);
	seg(fx, 1, 0, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 1, 1, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 1, 0, ACK, NULL);
	assert_int_equal(fx->nb_rec, 1);
	assert_string_equal(fx->rec[0].method, "GET");
	assert_string_equal(fx->rec[0].uri, "/a");
	assert_int_equal(fx->rec[0].ans[UMB_SIDE_PROD].status, 200);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_complete);
	assert_int_equal(fx->rec[0].ans[UMB_SIDE_PROD].body_bytes, 5);
	assert_int_equal(fx->rec[0].client_port, 40000);
	assert_int_equal(fx->rec[0].server_port, 80);
	assert_false(fx->rec[0].flags & UMB_X_MIDSTREAM);
	/* closed flows stay for the close timeout, then go */
	assert_int_equal(umb_session_flows(fx->t), 1);
	umb_session_expire(fx->t, fx->now + 2000000, 1000);
	assert_int_equal(umb_session_flows(fx->t), 0);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_ended_closed], 1);
	fixture_free(fx);
}

static void
trailing_ack_does_not_create_a_flow(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	fx->cseq = 1;
	fx->sseq = 1;
	seg(fx, 2, 0, ACK, NULL);
	seg(fx, 2, 1, ACK | UMB_TCP_FIN, NULL);
	assert_int_equal(umb_session_flows(fx->t), 0);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_ignored_no_payload], 2);
	fixture_free(fx);
}

static void
midstream_flow_finds_the_client_by_content(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	fx->cseq = 777;
	fx->sseq = 999;
	/* the server speaks first in the capture: a response tail */
	seg(fx, 3, 1, PSH, "tail of an earlier body");
	seg(fx, 3, 0, PSH, REQ);
	seg(fx, 3, 1, PSH, RESP);
	umb_session_flush(fx->t, fx->now);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].ans[UMB_SIDE_PROD].status, 200);
	assert_int_equal(fx->rec[0].client_port, 40000);
	assert_true(fx->rec[0].flags & UMB_X_MIDSTREAM);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_created_midstream], 1);
	fixture_free(fx);
}

static void
synack_alone_names_the_client(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	fx->cseq = 1001;
	fx->sseq = 5000;
	seg(fx, 4, 1, UMB_TCP_SYN | UMB_TCP_ACK, NULL);
	seg(fx, 4, 0, PSH, REQ);
	seg(fx, 4, 1, PSH, RESP);
	umb_session_flush(fx->t, fx->now);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_complete);
	assert_int_equal(fx->rec[0].client_port, 40000);
	fixture_free(fx);
}

static void
new_syn_after_close_is_a_new_connection(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	handshake(fx, 5);
	seg(fx, 5, 0, PSH, REQ);
	seg(fx, 5, 1, PSH, RESP);
	seg(fx, 5, 0, ACK | UMB_TCP_RST, NULL);
	handshake(fx, 5);   /* same 5-tuple, ISNs restart */
	fx->cseq = 1001;
	seg(fx, 5, 0, PSH, REQ);
	seg(fx, 5, 1, PSH, RESP);
	umb_session_flush(fx->t, fx->now);
	assert_int_equal(fx->nb_rec, 2);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_reused], 1);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_created], 2);
	fixture_free(fx);
}

static void
unsampled_flow_gives_nothing(void **state)
{
	struct fixture *fx = fixture_new(64, 0);

	(void)state;
	handshake(fx, 6);
	seg(fx, 6, 0, PSH, REQ);
	seg(fx, 6, 1, PSH, RESP);
	umb_session_flush(fx->t, fx->now);
	assert_int_equal(fx->nb_rec, 0);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_not_sampled], 1);
	assert_int_equal(fx->ctr.http[UMB_HTTP_requests], 0);
	fixture_free(fx);
}

/* Without record_unsampled, an unsampled flow holds no entry at all. */
static void
unsampled_flow_holds_no_entry(void **state)
{
	struct fixture *fx = fixture_new(64, 0);

	(void)state;
	assert_int_equal(umb_session_keep_ppm(fx->t), 0);
	handshake(fx, 16);
	seg(fx, 16, 0, PSH, REQ);
	seg(fx, 16, 0, ACK | UMB_TCP_FIN, NULL);
	assert_int_equal(umb_session_flows(fx->t), 0);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_created], 0);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_not_sampled], 1);  /* at its SYN */
	fixture_free(fx);
}

/* The keep threshold is the share while no flow a higher share picked is
 * held; lowering the share keeps such flows whole until they end. */
static void
lowering_the_share_keeps_picked_flows(void **state)
{
	struct fixture *fx = fixture_new(64, 100000);

	(void)state;
	assert_int_equal(umb_session_keep_ppm(fx->t), 100000);
	umb_session_set_share(fx->t, UMB_SHARE_ONE);
	handshake(fx, 17);
	seg(fx, 17, 0, PSH, REQ);
	umb_session_set_share(fx->t, 0);
	assert_true(umb_session_keep_ppm(fx->t) > 0);
	seg(fx, 17, 1, PSH, RESP);
	seg(fx, 17, 0, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 17, 1, ACK | UMB_TCP_FIN, NULL);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_complete);
	handshake(fx, 18);  /* under share 0: no entry */
	seg(fx, 18, 0, PSH, REQ);
	assert_int_equal(umb_session_flows(fx->t), 1);
	umb_session_expire(fx->t, fx->now + 2000000, 1000);
	assert_int_equal(umb_session_flows(fx->t), 0);
	assert_int_equal(umb_session_keep_ppm(fx->t), 0);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_sampled], 1);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_not_sampled], 1);
	fixture_free(fx);
}

/* Raising the share picks new flows at their SYN, and a flow already in
 * flight that the lower share left out at its next request (the share
 * applies at request boundaries). */
static void
raising_the_share_picks_flows_in_flight_at_their_next_request(void **state)
{
	struct fixture *fx = fixture_new(64, 0);

	(void)state;
	handshake(fx, 20);
	seg(fx, 20, 0, PSH, REQ);
	umb_session_set_share(fx->t, UMB_SHARE_ONE);
	seg(fx, 20, 1, PSH, RESP);           /* the answer in flight: no record */
	seg(fx, 20, 0, PSH, REQ);            /* its next request: one */
	seg(fx, 20, 1, PSH, RESP);
	assert_int_equal(umb_session_flows(fx->t), 1);
	handshake(fx, 21);   /* starts under the new share */
	seg(fx, 21, 0, PSH, REQ);
	seg(fx, 21, 1, PSH, RESP);
	assert_int_equal(umb_session_flows(fx->t), 2);
	umb_session_flush(fx->t, fx->now);
	assert_int_equal(fx->nb_rec, 2);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_not_sampled], 1);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_sampled], 2);
	fixture_free(fx);
}

/* record_unsampled: unsampled flows are parsed, outcome not_sampled. */
static void
recorded_unsampled_flow_is_not_sampled(void **state)
{
	struct fixture *fx = fixture_new_opts(64, 0, 1);

	(void)state;
	assert_int_equal(umb_session_keep_ppm(fx->t), UMB_SHARE_ONE);
	handshake(fx, 19);
	seg(fx, 19, 0, PSH, REQ);
	seg(fx, 19, 1, PSH, RESP);
	seg(fx, 19, 0, ACK | UMB_TCP_FIN, NULL);
	seg(fx, 19, 1, ACK | UMB_TCP_FIN, NULL);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_not_sampled);
	assert_int_equal(fx->rec[0].ans[UMB_SIDE_PROD].status, 200);
	assert_false(fx->rec[0].flags & UMB_X_MIRRORED);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_not_sampled], 1);
	assert_int_equal(fx->ctr.outcome[UMB_OUTCOME_not_sampled], 1);
	fixture_free(fx);
}

static void
idle_flow_ends_with_no_response(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	handshake(fx, 7);
	seg(fx, 7, 0, PSH, REQ);
	umb_session_expire(fx->t, fx->now + 1000, 1000);
	assert_int_equal(fx->nb_rec, 0);
	umb_session_expire(fx->t, fx->now + 61000000, 1000);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_no_response);
	assert_int_equal(fx->rec[0].ans[UMB_SIDE_PROD].status, -1);
	assert_int_equal(fx->ctr.flow[UMB_FLOW_ended_idle], 1);
	fixture_free(fx);
}

static void
full_table_evicts_and_emits(void **state)
{
	struct fixture *fx = fixture_new(8, UMB_SHARE_ONE);

	(void)state;
	for (int n = 0; n < 9; n++) {
		handshake(fx, 10 + n);
		seg(fx, 10 + n, 0, PSH, REQ);
	}
	assert_int_equal(fx->ctr.flow[UMB_FLOW_evicted], 1);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_no_response);
	assert_int_equal(umb_session_flows(fx->t), 8);
	umb_session_flush(fx->t, fx->now);
	assert_int_equal(fx->nb_rec, 9);
	fixture_free(fx);
}

static void
server_reset_mid_response_is_incomplete(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);

	(void)state;
	handshake(fx, 8);
	seg(fx, 8, 0, PSH, REQ);
	seg(fx, 8, 1, PSH, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
	seg(fx, 8, 1, ACK | UMB_TCP_RST, NULL);
	assert_int_equal(fx->nb_rec, 1);
	assert_int_equal(fx->rec[0].outcome, UMB_OUTCOME_incomplete);
	assert_int_equal(fx->rec[0].ans[UMB_SIDE_PROD].status, 200);
	fixture_free(fx);
}

static void
outcomes_add_up_to_requests(void **state)
{
	struct fixture *fx = fixture_new(64, UMB_SHARE_ONE);
	uint64_t sum = 0;

	(void)state;
	handshake(fx, 9);
	seg(fx, 9, 0, PSH, REQ REQ REQ);
	seg(fx, 9, 1, PSH, RESP);
	umb_session_flush(fx->t, fx->now);
	for (int i = 0; i < UMB_OUTCOME_MAX; i++)
		sum += fx->ctr.outcome[i];
	assert_int_equal(fx->ctr.http[UMB_HTTP_requests], 3);
	assert_int_equal(sum, 3);
	assert_int_equal(fx->nb_rec, 3);
	fixture_free(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_connection_gives_one_complete_exchange),
		cmocka_unit_test(trailing_ack_does_not_create_a_flow),
		cmocka_unit_test(midstream_flow_finds_the_client_by_content),
		cmocka_unit_test(synack_alone_names_the_client),
		cmocka_unit_test(new_syn_after_close_is_a_new_connection),
		cmocka_unit_test(unsampled_flow_gives_nothing),
		cmocka_unit_test(unsampled_flow_holds_no_entry),
		cmocka_unit_test(lowering_the_share_keeps_picked_flows),
		cmocka_unit_test(recorded_unsampled_flow_is_not_sampled),
		cmocka_unit_test(raising_the_share_picks_flows_in_flight_at_their_next_request),
		cmocka_unit_test(idle_flow_ends_with_no_response),
		cmocka_unit_test(full_table_evicts_and_emits),
		cmocka_unit_test(server_reset_mid_response_is_incomplete),
		cmocka_unit_test(outcomes_add_up_to_requests),
	};

	if (umb_test_eal_init("session") < 0)
		return 77;
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
