/* SPDX-License-Identifier: BSD-3-Clause
 * Shared by the peer suites (test_peer_frame.c, test_peer_neigh.c):
 * independent checksums, frame helpers, the pools. Each suite defines
 * PEER_SUITE (its EAL file prefix) before including this file.
 */
#ifndef UMB_TEST_PEER_H
#define UMB_TEST_PEER_H
#pragma GCC diagnostic ignored "-Wunused-function"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_eal.h"
#include "umb_packet.h"
#include "umb_peer.h"

#define POOL_SIZE 63
#define SMALL_POOL_SIZE 4
#define SEC 1000000ull

static struct rte_mempool *pool;
static struct rte_mempool *small_pool;

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t shadow_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[6];
static const uint8_t our_ip4[4] = { 10, 0, 0, 1 };
static const uint8_t shadow_ip4[4] = { 10, 0, 0, 2 };
static const uint8_t other_ip4[4] = { 10, 0, 0, 9 };
static const uint8_t our_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t shadow_ip6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0x12, 0x34, 0x56 };
static const uint8_t unspec_ip6[16];
/* ff02::1:ff00:1, solicited-node multicast of our fd00::1 */
static const uint8_t our_snm[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0x01, 0xff, 0, 0, 0x01 };
static const uint8_t our_snm_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 0x01 };

/* ---- independent checksums ---- */

static uint32_t
sum_words(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of the pseudo header for an upper-layer packet of @p len bytes. */
static uint32_t
pseudo_sum(int af, const uint8_t *l3, uint8_t proto, uint32_t len)
{
	uint8_t ph[40];

	if (af == 4) {
		memcpy(ph, l3 + 12, 8);
		ph[8] = 0;
		ph[9] = proto;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		return sum_words(0, ph, 12);
	}
	memcpy(ph, l3 + 8, 32);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	return sum_words(0, ph, 40);
}

/* Whether the upper-layer checksum of a packet is right. */
static int
l4_sum_ok(int af, const uint8_t *l3, const uint8_t *l4, uint8_t proto,
		uint32_t len)
{
	return fold(sum_words(pseudo_sum(af, l3, proto, len), l4, len)) ==
		0xffff;
}

/* ---- helpers ---- */

static const uint8_t *
data(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const uint8_t *);
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

static struct umb_peer_l2l3
session(int af, uint16_t vlan)
{
	struct umb_peer_l2l3 l = { .af = (uint8_t)af, .vlan = vlan };

	memcpy(l.src_mac.addr_bytes, our_mac, 6);
	memcpy(l.dst_mac.addr_bytes, shadow_mac, 6);
	if (af == 4) {
		memcpy(l.src.b, our_ip4, 4);
		memcpy(l.dst.b, shadow_ip4, 4);
	} else {
		memcpy(l.src.b, our_ip6, 16);
		memcpy(l.dst.b, shadow_ip6, 16);
	}
	return l;
}

static struct umb_peer_tcp
segment(void)
{
	struct umb_peer_tcp t = {
		.sport = 40001, .dport = 8080, .seq = 0xfffffff0u,
		.ack = 0x12345678, .win = 502, .wscale = UMB_PEER_NO_WSCALE,
		.ip_id = 0x4242,
	};

	return t;
}

/*
 * Decode a built frame and check everything that does not depend on the
 * segment: one mbuf, L2 addresses, IP header, both checksums.
 */
static void
decode_built(struct rte_mbuf *m, const struct umb_peer_l2l3 *l,
		struct umb_pkt *pkt)
{
	const uint8_t *f = data(m);
	uint32_t n = rte_pktmbuf_data_len(m);
	uint32_t l2 = l->vlan != 0 ? 18 : 14;
	const uint8_t *ip = f + l2;
	uint32_t l4_len;
	int warn = 0;

	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(rte_pktmbuf_pkt_len(m), n);
	assert_true(n >= 60);
	assert_int_equal(m->ol_flags, 0);
	assert_int_equal(m->l2_len, l2);
	assert_int_equal(umb_decode(f, n, n, UMB_LINK_ETHER, pkt, &warn),
		UMB_DECODE_tcp);
	assert_int_equal(warn, 0);
	assert_memory_equal(f, shadow_mac, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	assert_int_equal(pkt->af, l->af);
	assert_int_equal(pkt->l3_off, l2);
	assert_int_equal(m->l3_len, l->af == 4 ? 20 : 40);
	assert_int_equal(pkt->l4_off, l2 + m->l3_len);
	assert_int_equal(m->l4_len, pkt->payload_off - pkt->l4_off);
	assert_int_equal(pkt->ttl, 64);
	if (l->af == 4) {
		assert_int_equal(rd16(f + l2 - 2), 0x0800);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(rd16(ip + 6), 0x4000); /* DF, offset 0 */
		assert_int_equal(ip[9], 6);
		assert_memory_equal(ip + 12, our_ip4, 4);
		assert_memory_equal(ip + 16, shadow_ip4, 4);
		assert_int_equal(fold(sum_words(0, ip, 20)), 0xffff);
		l4_len = rd16(ip + 2) - 20;
	} else {
		assert_int_equal(rd16(f + l2 - 2), 0x86dd);
		assert_int_equal(rd32(ip), 6u << 28);
		assert_int_equal(ip[6], 6);
		assert_memory_equal(ip + 8, our_ip6, 16);
		assert_memory_equal(ip + 24, shadow_ip6, 16);
		l4_len = rd16(ip + 4);
	}
	/* Exact length, or padded to 60 bytes. */
	if (n > 60)
		assert_int_equal(l2 + m->l3_len + l4_len, n);
	else
		assert_true(l2 + m->l3_len + l4_len <= n);
	assert_true(l4_sum_ok(l->af, ip, ip + m->l3_len, 6, l4_len));
	assert_int_equal(pkt->payload_off + pkt->payload_len,
		l2 + m->l3_len + l4_len);
}

/* ---- group ---- */

static int
group_setup(void **state)
{
	(void)state;
	if (umb_test_eal_init(PEER_SUITE) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("peer_pool", POOL_SIZE, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	small_pool = rte_pktmbuf_pool_create("peer_small", SMALL_POOL_SIZE, 0,
		0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool != NULL && small_pool != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	rte_mempool_free(small_pool);
	rte_eal_cleanup();
	return 0;
}

#endif
