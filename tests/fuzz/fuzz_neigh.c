/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for the neighbour layer. Byte 0 holds flags: bit 0 puts
 * the table on VLAN 100 (else untagged), bit 1 takes every mbuf out of the
 * reply pool first (so replies and requests fail to build), bit 2 starts
 * resolutions of the shadow's IPv4 and IPv6 before the frames (so replies
 * and NA have entries to complete), bits 3-7 are the time step between
 * frames in units of 100 ms. The rest is a list of frames, each a 2-byte
 * big-endian length and that many bytes (the last one takes what is left).
 *
 * Each frame is handed to umb_neigh_input() from a heap block of exactly its
 * length. After each frame the shadow's addresses and the frame's would-be
 * ARP sender address are resolved, and after every other frame the upper
 * layer confirms the shadow's when known. Checked, aborting on violation:
 * the return code; exactly one frame-outcome counter per ARP/ND frame and none
 * otherwise; every reply and request is one mbuf of the expected length
 * whose headers, addresses and ICMPv6 checksum are right; states are valid;
 * at the end every mbuf is back in the pool.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "umb_packet.h"
#include "umb_peer.h"

#define POOL_SIZE 64
#define DRAIN_SIZE 2
#define FUZZ_VLAN 100
#define MAX_FRAMES 64

static struct rte_mempool *pool;
static struct rte_mempool *drain_pool;

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t our_ip4[4] = { 10, 0, 0, 1 };
static const uint8_t shadow_ip4[4] = { 10, 0, 0, 2 };
static const uint8_t our_ip6[16] = { 0xfd, [15] = 0x01 };
static const uint8_t shadow_ip6[16] = { 0xfd, [15] = 0x02 };

static void
check(int ok)
{
	if (!ok)
		abort();
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
sum_words(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* ICMPv6 checksum of the message after @p ip (payload length from it). */
static bool
icmp6_sum_ok(const uint8_t *ip)
{
	uint32_t plen = rd16(ip + 4);
	uint8_t tail[8] = { 0, 0, (uint8_t)(plen >> 8), (uint8_t)plen,
		0, 0, 0, 58 };
	uint32_t s = sum_words(0, ip + 8, 32);

	s = sum_words(s, tail, 8);
	return sum_words(s, ip + 40, plen) == 0xffff;
}

/*
 * A frame the neighbour layer sent: one segment, from our MAC, on the
 * link's VLAN, ARP of 28 bytes (op @p arp_op) or an NS/NA of 32 bytes
 * (@p nd_type) with a right checksum, padded to 60 bytes at most.
 */
static void
check_sent(struct rte_mbuf *m, uint16_t vlan, uint16_t arp_op,
		uint8_t nd_type)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t n = rte_pktmbuf_data_len(m);
	uint32_t l2 = vlan != 0 ? 18 : 14;
	const uint8_t *l3 = f + l2;
	struct umb_pkt pkt;

	check(m->nb_segs == 1 && m->next == NULL);
	check(rte_pktmbuf_pkt_len(m) == n && n >= 60);
	check(memcmp(f + 6, our_mac, 6) == 0);
	if (vlan != 0)
		check(rd16(f + 12) == 0x8100 && rd16(f + 14) == vlan);
	if (rd16(f + l2 - 2) == 0x0806) {
		check(arp_op != 0);
		check(n == RTE_MAX(l2 + 28, 60u));
		check(rd16(l3) == 1 && rd16(l3 + 2) == 0x0800);
		check(l3[4] == 6 && l3[5] == 4 && rd16(l3 + 6) == arp_op);
		check(memcmp(l3 + 8, our_mac, 6) == 0);
		check(memcmp(l3 + 14, our_ip4, 4) == 0);
		if (arp_op == 2)
			check(memcmp(f, l3 + 18, 6) == 0 && !(f[0] & 1));
		check(umb_decode(f, n, n, UMB_LINK_ETHER, &pkt, NULL) ==
			UMB_DECODE_not_ip);
		return;
	}
	check(nd_type != 0);
	check(rd16(f + l2 - 2) == 0x86dd);
	check(n == l2 + 40 + 32);
	check(l3[0] >> 4 == 6 && rd16(l3 + 4) == 32);
	check(l3[6] == 58 && l3[7] == 255);
	check(memcmp(l3 + 8, our_ip6, 16) == 0);
	check(l3[40] == nd_type && l3[41] == 0);
	check(l3[64] == (nd_type == 135 ? 1 : 2) && l3[65] == 1);
	check(memcmp(l3 + 66, our_mac, 6) == 0);
	check(icmp6_sum_ok(l3));
	if (nd_type == 136)
		check(memcmp(l3 + 48, our_ip6, 16) == 0);
	check(umb_decode(f, n, n, UMB_LINK_ETHER, &pkt, NULL) ==
		UMB_DECODE_not_tcp);
}

static uint64_t
outcomes(const uint64_t *ctr)
{
	uint64_t s = 0;

	for (int i = 0; i < UMB_NEIGH_FRAME_OUTCOMES; i++)
		s += ctr[i];
	return s;
}

static void
resolve(struct umb_neigh *n, uint8_t af, const uint8_t *ip, uint64_t now,
		struct rte_mempool *mp, uint16_t vlan, bool confirm)
{
	union umb_addr a = { 0 };
	struct rte_ether_addr mac;
	struct rte_mbuf *req = NULL;
	enum umb_neigh_state st;
	int rc;

	memcpy(a.b, ip, af == 4 ? 4 : 16);
	rc = umb_neigh_resolve(n, af, &a, now, mp, &mac, &req);
	check(rc == 0 || rc == -EAGAIN || rc == -EHOSTUNREACH ||
		rc == -ENOSPC || rc == -EINVAL);
	st = umb_neigh_lookup(n, af, &a, NULL);
	if (rc == 0)
		check(st == UMB_NEIGH_REACHABLE || st == UMB_NEIGH_STALE);
	if (rc == -EAGAIN)
		check(st == UMB_NEIGH_INCOMPLETE);
	if (rc == -EHOSTUNREACH)
		check(st == UMB_NEIGH_FAILED && req == NULL);
	if (rc == -ENOSPC || rc == -EINVAL)
		check(req == NULL);
	if (req != NULL) {
		check_sent(req, vlan, af == 4 ? 1 : 0, af == 6 ? 135 : 0);
		rte_pktmbuf_free(req);
	}
	if (rc == 0 && confirm) {
		check(umb_neigh_confirm(n, af, &a, now) == 0);
		check(umb_neigh_lookup(n, af, &a, NULL) == UMB_NEIGH_REACHABLE);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* --no-shconf rather than --in-memory: see fuzz_reasm.c. */
	char *eal_argv[] = { "fuzz_neigh", "--no-huge", "--no-pci",
		"--no-shconf", "-m", "512", "--no-telemetry", "-l", "0",
		"--log-level=lib.*:error", "--file-prefix=umbf_neigh", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1,
			eal_argv) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_neigh", POOL_SIZE, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	drain_pool = rte_pktmbuf_pool_create("fuzz_neigh_dr", DRAIN_SIZE, 0,
		0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL || drain_pool == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t sz)
{
	uint64_t ctr[UMB_NEIGH_CTR_MAX] = { 0 };
	struct umb_neigh_conf c = { .has_ip4 = 1, .has_ip6 = 1, .ctr = ctr };
	struct rte_mbuf *held[DRAIN_SIZE];
	struct rte_mempool *mp = pool;
	struct umb_neigh *n;
	uint64_t now = 1000, step;
	unsigned int frames = 0;
	size_t i = 1;

	if (sz < 1)
		return 0;
	c.vlan = (d[0] & 1) ? FUZZ_VLAN : 0;
	memcpy(c.mac.addr_bytes, our_mac, 6);
	memcpy(c.ip4.b, our_ip4, 4);
	memcpy(c.ip6.b, our_ip6, 16);
	step = (uint64_t)(d[0] >> 3) * 100000;
	n = umb_neigh_create(&c, SOCKET_ID_ANY);
	check(n != NULL);
	if (d[0] & 2) {
		mp = drain_pool;
		for (int k = 0; k < DRAIN_SIZE; k++) {
			held[k] = rte_pktmbuf_alloc(drain_pool);
			check(held[k] != NULL);
		}
	}
	if (d[0] & 4) {
		resolve(n, 4, shadow_ip4, now, mp, c.vlan, false);
		resolve(n, 6, shadow_ip6, now, mp, c.vlan, false);
	}

	while (i < sz && frames++ < MAX_FRAMES) {
		struct rte_mbuf *reply = NULL;
		size_t len = sz - i;
		uint64_t before = outcomes(ctr);
		uint8_t *blk;
		int rc;

		if (len >= 2) {
			len = RTE_MIN((size_t)rd16(d + i), len - 2);
			i += 2;
		}
		/* Exactly len bytes: a read past the frame is an ASan report. */
		blk = malloc(len > 0 ? len : 1);
		check(blk != NULL);
		memcpy(blk, d + i, len);
		rc = umb_neigh_input(n, blk, (uint32_t)len, now, mp, &reply);
		check(rc == 0 || rc == 1);
		check(outcomes(ctr) == before + (uint64_t)rc);
		if (rc == 0)
			check(reply == NULL);
		if (reply != NULL) {
			check(mp != drain_pool);
			check_sent(reply, c.vlan, 2, 136);
			rte_pktmbuf_free(reply);
		}
		/* Every other frame, the upper layer confirms. */
		resolve(n, 4, shadow_ip4, now, mp, c.vlan, frames & 1);
		resolve(n, 6, shadow_ip6, now, mp, c.vlan, frames & 1);
		/* Whatever sits where an ARP sender address would be. */
		if (len >= 32)
			resolve(n, 4, blk + 28, now, mp, c.vlan, false);
		free(blk);
		i += len;
		now += step;
	}
	umb_neigh_free(n);
	if (d[0] & 2)
		for (int k = 0; k < DRAIN_SIZE; k++)
			rte_pktmbuf_free(held[k]);
	check(rte_mempool_avail_count(pool) == POOL_SIZE);
	check(rte_mempool_avail_count(drain_pool) == DRAIN_SIZE);
	return 0;
}
