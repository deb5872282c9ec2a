/* SPDX-License-Identifier: BSD-3-Clause
 * The frame builder: what umbra sends toward the shadow.
 */
#define PEER_SUITE "peer_frame"
#include "test_peer.h"
/* ---- frame builder ---- */

static void
syn_with_all_options(void **state)
{
	static const uint8_t opts[] = {
		0x02, 0x04, 0x05, 0xb4,                   /* MSS 1460 */
		0x04, 0x02, 0x08, 0x0a,                   /* SACK-perm, TS */
		0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x03, 0x03, 0x07,                   /* NOP, WS 7 */
	};
	struct umb_peer_l2l3 l = session(4, 0);
	struct umb_peer_tcp t = segment();
	struct rte_mbuf *m;
	struct umb_pkt pkt;

	(void)state;
	t.flags = UMB_TCP_SYN;
	t.ack = 0;
	t.win = 64240;
	t.mss = 1460;
	t.wscale = 7;
	t.sack_perm = 1;
	t.has_ts = 1;
	t.tsval = 0x01020304;
	t.tsecr = 0;
	assert_int_equal(umb_peer_tcp_optlen(&t), 20);
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	decode_built(m, &l, &pkt);
	assert_int_equal(rte_pktmbuf_data_len(m), 14 + 20 + 40);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(pkt.seq, 0xfffffff0u);
	assert_int_equal(pkt.ack, 0);
	assert_int_equal(pkt.sport, 40001);
	assert_int_equal(pkt.dport, 8080);
	assert_int_equal(pkt.win, 64240);
	assert_int_equal(pkt.opt_flags, UMB_OPT_MSS | UMB_OPT_WSCALE |
		UMB_OPT_SACK_PERM | UMB_OPT_TS);
	assert_int_equal(pkt.mss, 1460);
	assert_int_equal(pkt.wscale, 7);
	assert_int_equal(pkt.tsval, 0x01020304);
	assert_int_equal(pkt.tsecr, 0);
	assert_int_equal(pkt.payload_off, 14 + 20 + 40);
	assert_int_equal(pkt.payload_len, 0);
	assert_memory_equal(data(m) + 14 + 20 + 20, opts, sizeof(opts));
	assert_int_equal(data(m)[14 + 20 + 12], 10 << 4); /* data offset 40 */
	assert_int_equal(rd16(data(m) + 14 + 2), 60);   /* total length */
	assert_int_equal(rd16(data(m) + 14 + 4), 0x4242); /* id */
	assert_int_equal(m->packet_type, RTE_PTYPE_L2_ETHER |
		RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP);
	rte_pktmbuf_free(m);
}

static void
option_blocks_without_timestamps(void **state)
{
	static const uint8_t sack_ws[] = { 0x01, 0x01, 0x04, 0x02,
		0x01, 0x03, 0x03, 0x0e };
	static const uint8_t ts_only[] = { 0x01, 0x01, 0x08, 0x0a,
		0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x2a };
	struct umb_peer_l2l3 l = session(6, 0);
	struct umb_peer_tcp t = segment();
	struct rte_mbuf *m;
	struct umb_pkt pkt;

	(void)state;
	t.flags = UMB_TCP_SYN | UMB_TCP_ACK;
	t.sack_perm = 1;
	t.wscale = 14;
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	decode_built(m, &l, &pkt);
	assert_int_equal(pkt.opt_flags, UMB_OPT_WSCALE | UMB_OPT_SACK_PERM);
	assert_int_equal(pkt.wscale, 14);
	assert_memory_equal(data(m) + 14 + 40 + 20, sack_ws, sizeof(sack_ws));
	rte_pktmbuf_free(m);

	t = segment();
	t.flags = UMB_TCP_ACK;
	t.has_ts = 1;
	t.tsval = 0xdeadbeef;
	t.tsecr = 42;
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	decode_built(m, &l, &pkt);
	assert_int_equal(pkt.opt_flags, UMB_OPT_TS);
	assert_int_equal(pkt.tsval, 0xdeadbeef);
	assert_int_equal(pkt.tsecr, 42);
	assert_int_equal(pkt.payload_off, 14 + 40 + 32);
	assert_memory_equal(data(m) + 14 + 40 + 20, ts_only, sizeof(ts_only));
	rte_pktmbuf_free(m);
}

static void
data_segment(int af, uint16_t vlan, uint32_t len)
{
	struct umb_peer_l2l3 l = session(af, vlan);
	struct umb_peer_tcp t = segment();
	uint8_t payload[1400];
	struct rte_mbuf *m;
	struct umb_pkt pkt;

	assert_true(len <= sizeof(payload));
	for (uint32_t i = 0; i < len; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	t.flags = UMB_TCP_ACK | UMB_TCP_PSH;
	t.has_ts = 1;
	t.tsval = 7;
	t.tsecr = 9;
	t.payload = payload;
	t.len = len;
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	decode_built(m, &l, &pkt);
	assert_int_equal(pkt.tcp_flags, UMB_TCP_ACK | UMB_TCP_PSH);
	assert_int_equal(pkt.seq, 0xfffffff0u);
	assert_int_equal(pkt.ack, 0x12345678);
	assert_int_equal(pkt.win, 502);
	assert_int_equal(pkt.payload_len, len);
	assert_int_equal(pkt.payload_off, (vlan ? 18 : 14) +
		(af == 4 ? 20 : 40) + 32);
	assert_memory_equal(data(m) + pkt.payload_off, payload, len);
	if (vlan != 0) {
		assert_int_equal(pkt.nb_vlan, 1);
		assert_int_equal(pkt.vlan[0], vlan);
		assert_int_equal(rd16(data(m) + 12), 0x8100);
		assert_int_equal(rd16(data(m) + 14), vlan);
		assert_true((RTE_ETH_IS_IPV4_HDR(m->packet_type) != 0) == (af == 4));
		assert_int_equal(m->packet_type & RTE_PTYPE_L2_MASK,
			RTE_PTYPE_L2_ETHER_VLAN);
	} else {
		assert_int_equal(pkt.nb_vlan, 0);
	}
	rte_pktmbuf_free(m);
}

static void
data_segment_v4(void **state)
{
	(void)state;
	data_segment(4, 0, 1000);
}

static void
data_segment_v6(void **state)
{
	(void)state;
	data_segment(6, 0, 1400);
}

static void
odd_length_payload_checksums(void **state)
{
	(void)state;
	data_segment(4, 0, 333);
	data_segment(6, 0, 1);
}

static void
vlan_tagged_frames(void **state)
{
	(void)state;
	data_segment(4, 100, 500);
	data_segment(6, 4094, 17);
}

static void
short_frame_padded_to_60(void **state)
{
	struct umb_peer_l2l3 l = session(4, 0);
	struct umb_peer_tcp t = segment();
	struct rte_mbuf *m;
	struct umb_pkt pkt;

	(void)state;
	t.flags = UMB_TCP_ACK;
	t.payload = "ab";
	t.len = 2;
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	decode_built(m, &l, &pkt);
	assert_int_equal(rte_pktmbuf_data_len(m), 60);
	assert_int_equal(rd16(data(m) + 14 + 2), 42);
	assert_int_equal(pkt.payload_len, 2);
	assert_memory_equal(data(m) + 56, "\0\0\0\0", 4);
	rte_pktmbuf_free(m);
}

static void
mtu_and_room_limits(void **state)
{
	static uint8_t big[9000];
	struct umb_peer_l2l3 l = session(4, 0);
	struct umb_peer_tcp t = segment();
	struct rte_mbuf *m;

	(void)state;
	t.flags = UMB_TCP_ACK;
	t.payload = big;
	t.len = 1460;                 /* 20 + 20 + 1460 = 1500: fits */
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_data_len(m), 1514);
	rte_pktmbuf_free(m);
	t.len = 1461;
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EMSGSIZE);
	t.len = 1449;                 /* fits, but not with timestamps */
	t.has_ts = 1;
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EMSGSIZE);
	l.mtu = 9000;                 /* jumbo MTU, 2 KB mbufs: no room */
	t.len = 3000;
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EMSGSIZE);
	t.len = UINT32_MAX - 10;      /* must not wrap */
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EMSGSIZE);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

static void
invalid_build_arguments(void **state)
{
	struct umb_peer_l2l3 l = session(4, 0);
	struct umb_peer_tcp t = segment();

	(void)state;
	assert_null(umb_peer_build(NULL, &l, &t));
	assert_int_equal(rte_errno, EINVAL);
	l.af = 5;
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EINVAL);
	l = session(4, 4095);
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EINVAL);
	l = session(4, 0);
	t.wscale = 15;
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EINVAL);
	t = segment();
	t.len = 10;
	assert_null(umb_peer_build(pool, &l, &t));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

static void
enobufs_on_exhausted_pool(void **state)
{
	struct umb_peer_l2l3 l = session(6, 0);
	struct umb_peer_tcp t = segment();
	struct rte_mbuf *held[SMALL_POOL_SIZE];
	struct rte_mbuf *m;

	(void)state;
	t.flags = UMB_TCP_ACK;
	for (int i = 0; i < SMALL_POOL_SIZE; i++) {
		held[i] = umb_peer_build(small_pool, &l, &t);
		assert_non_null(held[i]);
	}
	rte_errno = 0;
	assert_null(umb_peer_build(small_pool, &l, &t));
	assert_int_equal(rte_errno, ENOBUFS);
	rte_pktmbuf_free(held[0]);
	m = umb_peer_build(small_pool, &l, &t);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	for (int i = 1; i < SMALL_POOL_SIZE; i++)
		rte_pktmbuf_free(held[i]);
	assert_int_equal(rte_mempool_avail_count(small_pool), SMALL_POOL_SIZE);
}

static void
mss_clamp_cases(void **state)
{
	(void)state;
	/* The client's MSS when it fits the link. */
	assert_int_equal(umb_peer_mss_clamp(1400, 1500, 4), 1400);
	assert_int_equal(umb_peer_mss_clamp(1200, 1500, 6), 1200);
	/* Bounded by the link: 1500 - 40, 1500 - 60. */
	assert_int_equal(umb_peer_mss_clamp(8960, 1500, 4), 1460);
	assert_int_equal(umb_peer_mss_clamp(8960, 1500, 6), 1440);
	assert_int_equal(umb_peer_mss_clamp(65495, 9000, 4), 8960);
	assert_int_equal(umb_peer_mss_clamp(1460, 1400, 4), 1360);
	/* No MSS from the client: the protocol defaults. */
	assert_int_equal(umb_peer_mss_clamp(0, 1500, 4), 536);
	assert_int_equal(umb_peer_mss_clamp(0, 1500, 6), 1220);
	/* MTU 0 is 1500; MTUs under the family minimum count as it. */
	assert_int_equal(umb_peer_mss_clamp(9000, 0, 4), 1460);
	assert_int_equal(umb_peer_mss_clamp(9000, 100, 4), 536);
	assert_int_equal(umb_peer_mss_clamp(9000, 1000, 6), 1220);
	assert_int_equal(umb_peer_mss_clamp(0, 20, 6), 1220);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_with_all_options),
		cmocka_unit_test(option_blocks_without_timestamps),
		cmocka_unit_test(data_segment_v4),
		cmocka_unit_test(data_segment_v6),
		cmocka_unit_test(odd_length_payload_checksums),
		cmocka_unit_test(vlan_tagged_frames),
		cmocka_unit_test(short_frame_padded_to_60),
		cmocka_unit_test(mtu_and_room_limits),
		cmocka_unit_test(invalid_build_arguments),
		cmocka_unit_test(enobufs_on_exhausted_pool),
		cmocka_unit_test(mss_clamp_cases),
	};

	return cmocka_run_group_tests_name("peer_frame", tests, group_setup,
		group_teardown);
}
