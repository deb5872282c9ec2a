/* SPDX-License-Identifier: BSD-3-Clause
 * The neighbour layer: ARP and IPv6 ND on the shadow link.
 */
#define PEER_SUITE "peer_neigh"
#include "test_peer.h"
/* ---- neighbour frames built by hand ---- */

struct frame {
	uint8_t b[256];
	uint32_t n;
};

static void
put(struct frame *f, const void *p, uint32_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void
put_l2(struct frame *f, const uint8_t *dst, const uint8_t *src, uint16_t vlan,
		uint16_t type)
{
	f->n = 0;
	put(f, dst, 6);
	put(f, src, 6);
	if (vlan != 0) {
		put16(f, 0x8100);
		put16(f, vlan);
	}
	put16(f, type);
}

static void
arp_frame(struct frame *f, uint16_t vlan, const uint8_t *eth_dst,
		uint16_t op, const uint8_t *sha, const uint8_t *spa,
		const uint8_t *tha, const uint8_t *tpa)
{
	put_l2(f, eth_dst, sha, vlan, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put(f, sha, 6);
	put(f, spa, 4);
	put(f, tha, 6);
	put(f, tpa, 4);
}

struct nd_spec {
	const uint8_t *eth_dst;
	const uint8_t *eth_src;
	const uint8_t *src;
	const uint8_t *dst;
	const uint8_t *target;
	const uint8_t *ll;     /* link-layer option, NULL: none */
	uint8_t type;
	uint8_t flags;
	uint8_t hop;
	uint8_t opt_len;       /* option length in 8-byte units, 0: 1 */
	uint16_t vlan;
	int bad_sum;
};

static void
nd_frame(struct frame *f, const struct nd_spec *s)
{
	uint32_t l3, icmp, plen;
	uint16_t ck;

	put_l2(f, s->eth_dst, s->eth_src, s->vlan, 0x86dd);
	l3 = f->n;
	put16(f, 0x6000);
	put16(f, 0);
	put16(f, 0);      /* payload length, below */
	put8(f, 58);
	put8(f, s->hop);
	put(f, s->src, 16);
	put(f, s->dst, 16);
	icmp = f->n;
	put8(f, s->type);
	put8(f, 0);
	put16(f, 0);
	put8(f, s->flags);
	put8(f, 0);
	put16(f, 0);
	put(f, s->target, 16);
	if (s->ll != NULL) {
		put8(f, s->type == 135 ? 1 : 2);
		put8(f, s->opt_len != 0 ? s->opt_len : 1);
		put(f, s->ll, 6);
	}
	plen = f->n - icmp;
	f->b[l3 + 4] = (uint8_t)(plen >> 8);
	f->b[l3 + 5] = (uint8_t)plen;
	ck = (uint16_t)~fold(sum_words(pseudo_sum(6, f->b + l3, 58, plen),
		f->b + icmp, plen));
	if (s->bad_sum)
		ck ^= 0x0100;
	f->b[icmp + 2] = (uint8_t)(ck >> 8);
	f->b[icmp + 3] = (uint8_t)ck;
}

static struct nd_spec
ns_from_shadow(void)
{
	struct nd_spec s = {
		.eth_dst = our_snm_mac, .eth_src = shadow_mac,
		.src = shadow_ip6, .dst = our_snm, .target = our_ip6,
		.ll = shadow_mac, .type = 135, .hop = 255,
	};

	return s;
}

/* ---- neighbour table fixture ---- */

struct nfix {
	struct umb_neigh *n;
	uint64_t ctr[UMB_NEIGH_CTR_MAX];
};

static struct umb_neigh_conf
neigh_conf(uint64_t *ctr, uint16_t vlan)
{
	struct umb_neigh_conf c = { .vlan = vlan, .has_ip4 = 1,
		.has_ip6 = 1, .ctr = ctr };

	memcpy(c.mac.addr_bytes, our_mac, 6);
	memcpy(c.ip4.b, our_ip4, 4);
	memcpy(c.ip6.b, our_ip6, 16);
	return c;
}

static struct nfix *
nfix_new(uint16_t vlan)
{
	struct nfix *x = calloc(1, sizeof(*x));
	struct umb_neigh_conf c;

	assert_non_null(x);
	c = neigh_conf(x->ctr, vlan);
	x->n = umb_neigh_create(&c, SOCKET_ID_ANY);
	assert_non_null(x->n);
	return x;
}

static void
nfix_free(struct nfix *x)
{
	umb_neigh_free(x->n);
	free(x);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
	assert_int_equal(rte_mempool_avail_count(small_pool), SMALL_POOL_SIZE);
}

static uint64_t
frame_outcomes(const struct nfix *x)
{
	uint64_t s = 0;

	for (int i = 0; i < UMB_NEIGH_FRAME_OUTCOMES; i++)
		s += x->ctr[i];
	return s;
}

/*
 * Feed a frame from an exact-size heap copy at an odd address. Returns the
 * reply (or NULL) and checks the return code and the one-outcome rule.
 */
static struct rte_mbuf *
feed_rc(struct nfix *x, const struct frame *f, uint64_t now,
		struct rte_mempool *mp, int want_rc)
{
	uint8_t *blk = malloc(f->n + 1);
	uint64_t before = frame_outcomes(x);
	struct rte_mbuf *reply = (struct rte_mbuf *)(uintptr_t)1;
	int rc;

	assert_non_null(blk);
	memcpy(blk + 1, f->b, f->n);
	rc = umb_neigh_input(x->n, blk + 1, f->n, now, mp, &reply);
	free(blk);
	assert_int_equal(rc, want_rc);
	assert_int_equal(frame_outcomes(x), before + (uint64_t)rc);
	return reply;
}

static struct rte_mbuf *
feed(struct nfix *x, const struct frame *f, uint64_t now)
{
	return feed_rc(x, f, now, pool, 1);
}

static union umb_addr
addr(const uint8_t *b, int af)
{
	union umb_addr a = { 0 };

	memcpy(a.b, b, af == 4 ? 4 : 16);
	return a;
}

/* Check the bytes of an ARP frame we sent (after l2 bytes of header). */
static void
check_arp(struct rte_mbuf *m, uint16_t vlan, const uint8_t *eth_dst,
		uint16_t op, const uint8_t *tha, const uint8_t *tpa)
{
	const uint8_t *f = data(m);
	uint32_t l2 = vlan != 0 ? 18 : 14;
	const uint8_t *a = f + l2;

	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(rte_pktmbuf_data_len(m), 60);
	assert_memory_equal(f, eth_dst, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	if (vlan != 0) {
		assert_int_equal(rd16(f + 12), 0x8100);
		assert_int_equal(rd16(f + 14), vlan);
	}
	assert_int_equal(rd16(f + l2 - 2), 0x0806);
	assert_int_equal(rd16(a), 1);
	assert_int_equal(rd16(a + 2), 0x0800);
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(rd16(a + 6), op);
	assert_memory_equal(a + 8, our_mac, 6);
	assert_memory_equal(a + 14, our_ip4, 4);
	assert_memory_equal(a + 18, tha, 6);
	assert_memory_equal(a + 24, tpa, 4);
	for (uint32_t i = l2 + 28; i < 60; i++)
		assert_int_equal(f[i], 0);
}

/*
 * Check an NS or NA we sent: headers, the one link-layer option with our
 * MAC, and the ICMPv6 checksum.
 */
static void
check_nd(struct rte_mbuf *m, uint16_t vlan, const uint8_t *eth_dst,
		const uint8_t *ip_dst, uint8_t type, uint8_t flags,
		const uint8_t *target)
{
	const uint8_t *f = data(m);
	uint32_t l2 = vlan != 0 ? 18 : 14;
	const uint8_t *ip = f + l2, *icmp = ip + 40;

	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(rte_pktmbuf_data_len(m), l2 + 40 + 32);
	assert_memory_equal(f, eth_dst, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	if (vlan != 0)
		assert_int_equal(rd16(f + 14), vlan);
	assert_int_equal(rd16(f + l2 - 2), 0x86dd);
	assert_int_equal(rd32(ip), 6u << 28);
	assert_int_equal(rd16(ip + 4), 32);
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 255);
	assert_memory_equal(ip + 8, our_ip6, 16);
	assert_memory_equal(ip + 24, ip_dst, 16);
	assert_int_equal(icmp[0], type);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(icmp[4], flags);
	assert_memory_equal(icmp + 5, "\0\0\0", 3);
	assert_memory_equal(icmp + 8, target, 16);
	assert_int_equal(icmp[24], type == 135 ? 1 : 2);
	assert_int_equal(icmp[25], 1);
	assert_memory_equal(icmp + 26, our_mac, 6);
	assert_true(l4_sum_ok(6, ip, icmp, 58, 32));
}

/* ---- ARP ---- */

static void
arp_request_for_our_ip_answered(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip4, 4);
	struct rte_ether_addr mac;
	struct rte_mbuf *r;
	struct frame f;

	(void)state;
	arp_frame(&f, 0, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	r = feed(x, &f, 5 * SEC);
	assert_non_null(r);
	check_arp(r, 0, shadow_mac, 2, shadow_mac, shadow_ip4);
	rte_pktmbuf_free(r);
	assert_int_equal(x->ctr[UMB_NEIGH_arp_requests_answered], 1);
	/* The requester is learned, stale until proven reachable. */
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, &mac),
		UMB_NEIGH_STALE);
	assert_memory_equal(mac.addr_bytes, shadow_mac, 6);
	/* A unicast request to our MAC is answered the same way. */
	arp_frame(&f, 0, our_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	r = feed(x, &f, 5 * SEC);
	assert_non_null(r);
	rte_pktmbuf_free(r);
	assert_int_equal(x->ctr[UMB_NEIGH_arp_requests_answered], 2);
	nfix_free(x);
}

static void
arp_probe_answered_not_learned(void **state)
{
	static const uint8_t zero_ip[4];
	struct nfix *x = nfix_new(0);
	union umb_addr z = addr(zero_ip, 4);
	struct rte_mbuf *r;
	struct frame f;

	(void)state;
	arp_frame(&f, 0, bcast_mac, 1, shadow_mac, zero_ip, zero_mac,
		our_ip4);
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_arp(r, 0, shadow_mac, 2, shadow_mac, zero_ip);
	rte_pktmbuf_free(r);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &z, NULL), UMB_NEIGH_NONE);
	nfix_free(x);
}

static void
arp_for_another_ip_ignored(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip4, 4);
	struct frame f;

	(void)state;
	arp_frame(&f, 0, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		other_ip4);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_target], 1);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, NULL), UMB_NEIGH_NONE);
	/* A reply meant for someone else, too. */
	arp_frame(&f, 0, other_mac, 2, shadow_mac, shadow_ip4, other_mac,
		other_ip4);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_mac], 1);
	arp_frame(&f, 0, bcast_mac, 2, shadow_mac, shadow_ip4, other_mac,
		other_ip4);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_target], 2);
	nfix_free(x);
}

static void
malformed_arp_counted(void **state)
{
	static const uint8_t mcast_ip[4] = { 224, 0, 0, 1 };
	struct nfix *x = nfix_new(0);
	struct frame f, g;

	(void)state;
	arp_frame(&f, 0, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	g = f;
	g.n = 14 + 27;                        /* one byte short */
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_arp_truncated], 1);
	g.n = 14;                             /* ethertype only */
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_arp_truncated], 2);
	g = f;
	g.b[14 + 4] = 8;                      /* hardware length */
	assert_null(feed(x, &g, 0));
	g = f;
	g.b[14 + 3] = 0xdd;                   /* protocol type 0x08dd */
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_arp_format], 2);
	g = f;
	g.b[14 + 7] = 3;                      /* RARP request */
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_arp_op], 1);
	arp_frame(&g, 0, bcast_mac, 1, bcast_mac, shadow_ip4, zero_mac,
		our_ip4);
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_bad_mac], 1);
	arp_frame(&g, 0, bcast_mac, 1, shadow_mac, mcast_ip, zero_mac,
		our_ip4);
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_bad_ip], 1);
	/* Shorter than Ethernet: not ours, not counted. */
	g.n = 13;
	assert_null(feed_rc(x, &g, 0, pool, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_arp_requests_answered], 0);
	nfix_free(x);
}

static void
other_frames_not_ours(void **state)
{
	struct nfix *x = nfix_new(0);
	struct umb_peer_l2l3 l = session(4, 0);
	struct umb_peer_tcp t = segment();
	struct rte_mbuf *m;
	struct frame f;

	(void)state;
	t.flags = UMB_TCP_ACK;
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	f.n = rte_pktmbuf_data_len(m);
	memcpy(f.b, data(m), f.n);
	rte_pktmbuf_free(m);
	assert_null(feed_rc(x, &f, 0, pool, 0));
	l = session(6, 0);
	m = umb_peer_build(pool, &l, &t);
	assert_non_null(m);
	f.n = rte_pktmbuf_data_len(m);
	memcpy(f.b, data(m), f.n);
	rte_pktmbuf_free(m);
	assert_null(feed_rc(x, &f, 0, pool, 0));
	for (int i = 0; i < UMB_NEIGH_CTR_MAX; i++)
		assert_int_equal(x->ctr[i], 0);
	nfix_free(x);
}

static void
reply_completes_pending_resolution(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip4, 4);
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	struct frame f;

	(void)state;
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, 0, pool, &mac, &req),
		-EAGAIN);
	assert_non_null(req);
	check_arp(req, 0, bcast_mac, 1, zero_mac, shadow_ip4);
	rte_pktmbuf_free(req);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, NULL),
		UMB_NEIGH_INCOMPLETE);
	/* An unsolicited reply for another address creates nothing. */
	arp_frame(&f, 0, our_mac, 2, other_mac, other_ip4, our_mac, our_ip4);
	assert_null(feed(x, &f, 100));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_unsolicited], 1);
	arp_frame(&f, 0, our_mac, 2, shadow_mac, shadow_ip4, our_mac, our_ip4);
	assert_null(feed(x, &f, 200));
	assert_int_equal(x->ctr[UMB_NEIGH_arp_replies_learned], 1);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, 300, pool, &mac,
		&req), 0);
	assert_null(req);
	assert_memory_equal(mac.addr_bytes, shadow_mac, 6);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, NULL),
		UMB_NEIGH_REACHABLE);
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_sent], 1);
	nfix_free(x);
}

static void
resolve_retries_then_fails(void **state)
{
	static const struct {
		uint64_t t;
		int rc;
		int sent;
	} steps[] = {
		{ 0, -EAGAIN, 1 },
		{ SEC / 2, -EAGAIN, 0 },
		{ SEC, -EAGAIN, 1 },
		{ SEC + 1, -EAGAIN, 0 },
		{ 2 * SEC, -EAGAIN, 1 },
		{ 3 * SEC - 1, -EAGAIN, 0 },
		{ 3 * SEC, -EHOSTUNREACH, 0 },     /* three tries unanswered */
		{ 4 * SEC, -EHOSTUNREACH, 0 },     /* held failed for 3 s */
		{ 6 * SEC - 1, -EHOSTUNREACH, 0 },
		{ 6 * SEC, -EAGAIN, 1 },           /* then starts over */
	};
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip6, 6);
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	unsigned int sent = 0;

	(void)state;
	for (size_t i = 0; i < RTE_DIM(steps); i++) {
		assert_int_equal(umb_neigh_resolve(x->n, 6, &sh, steps[i].t,
			pool, &mac, &req), steps[i].rc);
		assert_int_equal(req != NULL, steps[i].sent);
		if (req != NULL) {
			check_nd(req, 0, (const uint8_t[]){ 0x33, 0x33, 0xff,
				0x12, 0x34, 0x56 },
				(const uint8_t[]){ 0xff, 0x02, 0, 0, 0, 0, 0, 0,
				0, 0, 0, 0x01, 0xff, 0x12, 0x34, 0x56 },
				135, 0, shadow_ip6);
			rte_pktmbuf_free(req);
			sent++;
		}
		if (steps[i].rc == -EHOSTUNREACH)
			assert_int_equal(umb_neigh_lookup(x->n, 6, &sh, NULL),
				UMB_NEIGH_FAILED);
	}
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_sent], sent);
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_failed], 1);
	nfix_free(x);
}

static void
empty_pool_does_not_spend_a_try(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip4, 4);
	struct rte_mbuf *held[SMALL_POOL_SIZE];
	struct rte_ether_addr mac;
	struct rte_mbuf *req, *r;
	struct frame f;

	(void)state;
	for (int i = 0; i < SMALL_POOL_SIZE; i++) {
		held[i] = rte_pktmbuf_alloc(small_pool);
		assert_non_null(held[i]);
	}
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, 0, small_pool, &mac,
		&req), -EAGAIN);
	assert_null(req);
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_no_mbuf], 1);
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_sent], 0);
	/* A request for us with no mbuf for the reply: still learned. */
	arp_frame(&f, 0, bcast_mac, 1, other_mac, other_ip4, zero_mac,
		our_ip4);
	assert_null(feed_rc(x, &f, 0, small_pool, 1));
	assert_int_equal(x->ctr[UMB_NEIGH_reply_no_mbuf], 1);
	assert_int_equal(x->ctr[UMB_NEIGH_arp_requests_answered], 0);
	rte_pktmbuf_free(held[0]);
	r = NULL;
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, 1, small_pool, &mac,
		&r), -EAGAIN);
	assert_non_null(r);
	rte_pktmbuf_free(r);
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_sent], 1);
	for (int i = 1; i < SMALL_POOL_SIZE; i++)
		rte_pktmbuf_free(held[i]);
	nfix_free(x);
}

static void
reachable_turns_stale_and_is_probed(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip4, 4);
	uint64_t t0 = 100 * SEC;
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	struct frame f;

	(void)state;
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, t0, pool, &mac, &req),
		-EAGAIN);
	rte_pktmbuf_free(req);
	arp_frame(&f, 0, our_mac, 2, shadow_mac, shadow_ip4, our_mac, our_ip4);
	assert_null(feed(x, &f, t0));
	/* Confirmed by the upper layer at t0 + 20 s: reachable until 50 s. */
	assert_int_equal(umb_neigh_confirm(x->n, 4, &sh, t0 + 20 * SEC), 0);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, t0 + 49 * SEC, pool,
		&mac, &req), 0);
	assert_null(req);
	/* Stale: the MAC is still used, and one probe goes out. */
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, t0 + 50 * SEC, pool,
		&mac, &req), 0);
	assert_memory_equal(mac.addr_bytes, shadow_mac, 6);
	assert_non_null(req);
	check_arp(req, 0, bcast_mac, 1, zero_mac, shadow_ip4);
	rte_pktmbuf_free(req);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, NULL),
		UMB_NEIGH_STALE);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, t0 + 50 * SEC + 1,
		pool, &mac, &req), 0);
	assert_null(req);
	/* The reply makes it reachable again; probing stops. */
	assert_null(feed(x, &f, t0 + 50 * SEC + 2));
	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, t0 + 60 * SEC, pool,
		&mac, &req), 0);
	assert_null(req);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, NULL),
		UMB_NEIGH_REACHABLE);
	nfix_free(x);
}

static void
gratuitous_arp_updates_existing_only(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip4, 4);
	union umb_addr ot = addr(other_ip4, 4);
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	struct frame f;

	(void)state;
	arp_frame(&f, 0, bcast_mac, 1, other_mac, other_ip4, zero_mac,
		other_ip4);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_unsolicited], 1);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &ot, NULL), UMB_NEIGH_NONE);

	assert_int_equal(umb_neigh_resolve(x->n, 4, &sh, 0, pool, &mac, &req),
		-EAGAIN);
	rte_pktmbuf_free(req);
	arp_frame(&f, 0, our_mac, 2, shadow_mac, shadow_ip4, our_mac, our_ip4);
	assert_null(feed(x, &f, 1));
	/* The shadow moved to another MAC and announced it. */
	arp_frame(&f, 0, bcast_mac, 2, other_mac, shadow_ip4, bcast_mac,
		shadow_ip4);
	assert_null(feed(x, &f, 2));
	assert_int_equal(x->ctr[UMB_NEIGH_garp_updated], 1);
	assert_int_equal(umb_neigh_lookup(x->n, 4, &sh, &mac),
		UMB_NEIGH_STALE);
	assert_memory_equal(mac.addr_bytes, other_mac, 6);
	/* Someone else claiming our address. */
	arp_frame(&f, 0, bcast_mac, 1, other_mac, our_ip4, zero_mac, our_ip4);
	assert_null(feed(x, &f, 3));
	assert_int_equal(x->ctr[UMB_NEIGH_addr_conflict], 1);
	/* Our own request looped back. */
	arp_frame(&f, 0, bcast_mac, 1, our_mac, our_ip4, zero_mac, shadow_ip4);
	assert_null(feed(x, &f, 3));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_own], 1);
	nfix_free(x);
}

static void
vlan_of_the_shadow_link(void **state)
{
	struct nfix *x = nfix_new(100);
	struct rte_mbuf *r;
	struct frame f;

	(void)state;
	arp_frame(&f, 0, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	assert_null(feed(x, &f, 0));
	arp_frame(&f, 200, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_vlan], 2);
	arp_frame(&f, 100, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_arp(r, 100, shadow_mac, 2, shadow_mac, shadow_ip4);
	rte_pktmbuf_free(r);
	/* QinQ whose inner tag is ours is still not the link's framing. */
	{
		struct frame q;

		q.n = 0;
		put(&q, f.b, 12);
		put16(&q, 0x88a8);
		put16(&q, 100);
		put(&q, f.b + 12, f.n - 12);
		assert_null(feed(x, &q, 0));
		assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_vlan], 3);
	}
	r = umb_neigh_build_ns(x->n, pool, &(union umb_addr){ .b = { 0xfd,
		[13] = 0x12, 0x34, 0x56 } });
	assert_non_null(r);
	check_nd(r, 100, (const uint8_t[]){ 0x33, 0x33, 0xff, 0x12, 0x34,
		0x56 }, (const uint8_t[]){ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0x01, 0xff, 0x12, 0x34, 0x56 }, 135, 0, shadow_ip6);
	rte_pktmbuf_free(r);
	nfix_free(x);

	/* An untagged link drops tagged frames, priority tags aside. */
	x = nfix_new(0);
	arp_frame(&f, 100, bcast_mac, 1, shadow_mac, shadow_ip4, zero_mac,
		our_ip4);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_vlan], 1);
	f.b[15] = 0;          /* VLAN id 0, priority 0 */
	f.b[14] = 0xa0;       /* priority 5 */
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_arp(r, 0, shadow_mac, 2, shadow_mac, shadow_ip4);
	rte_pktmbuf_free(r);
	nfix_free(x);
}

/* ---- IPv6 neighbour discovery ---- */

static void
ns_for_our_ipv6_answered(void **state)
{
	struct nfix *x = nfix_new(0);
	struct nd_spec s = ns_from_shadow();
	union umb_addr sh = addr(shadow_ip6, 6);
	struct rte_ether_addr mac;
	struct rte_mbuf *r;
	struct frame f;

	(void)state;
	/* Unicast NS (a NUD probe) to our address. */
	s.eth_dst = our_mac;
	s.dst = our_ip6;
	nd_frame(&f, &s);
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_nd(r, 0, shadow_mac, shadow_ip6, 136, 0x60, our_ip6);
	rte_pktmbuf_free(r);
	assert_int_equal(x->ctr[UMB_NEIGH_ns_answered], 1);
	assert_int_equal(umb_neigh_lookup(x->n, 6, &sh, &mac),
		UMB_NEIGH_STALE);
	assert_memory_equal(mac.addr_bytes, shadow_mac, 6);
	nfix_free(x);
}

static void
ns_to_solicited_node_multicast(void **state)
{
	struct nfix *x = nfix_new(0);
	struct nd_spec s = ns_from_shadow();
	union umb_addr sh = addr(shadow_ip6, 6);
	struct rte_mbuf *r;
	struct frame f;

	(void)state;
	nd_frame(&f, &s);
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_nd(r, 0, shadow_mac, shadow_ip6, 136, 0x60, our_ip6);
	rte_pktmbuf_free(r);
	/* Without a source link-layer option: answered to the Ethernet
	 * source, nothing learned. */
	s.ll = NULL;
	s.eth_src = other_mac;
	s.src = (const uint8_t[16]){ 0xfd, [15] = 0x77 };
	nd_frame(&f, &s);
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_nd(r, 0, other_mac, s.src, 136, 0x60, our_ip6);
	rte_pktmbuf_free(r);
	assert_int_equal(x->ctr[UMB_NEIGH_ns_answered], 2);
	sh = addr(s.src, 6);
	assert_int_equal(umb_neigh_lookup(x->n, 6, &sh, NULL), UMB_NEIGH_NONE);
	/* For another target. */
	s = ns_from_shadow();
	s.target = shadow_ip6;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_other_target], 1);
	nfix_free(x);
}

static void
dad_for_our_address_defended(void **state)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct nfix *x = nfix_new(0);
	struct nd_spec s = ns_from_shadow();
	struct rte_mbuf *r;
	struct frame f;

	(void)state;
	s.src = unspec_ip6;
	s.ll = NULL;
	nd_frame(&f, &s);
	r = feed(x, &f, 0);
	assert_non_null(r);
	check_nd(r, 0, all_nodes_mac, all_nodes, 136, 0x20, our_ip6);
	rte_pktmbuf_free(r);
	assert_int_equal(x->ctr[UMB_NEIGH_dad_defended], 1);
	/* A DAD probe must not carry a source link-layer option. */
	s.ll = shadow_mac;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_dad], 1);
	nfix_free(x);
}

static void
malformed_ns_counted(void **state)
{
	struct nfix *x = nfix_new(0);
	struct nd_spec s;
	struct frame f, g;

	(void)state;
	s = ns_from_shadow();
	s.hop = 64;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_hop_limit], 1);

	s = ns_from_shadow();
	s.bad_sum = 1;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_checksum], 1);

	s = ns_from_shadow();
	s.opt_len = 0xff;           /* claims 2040 bytes */
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	s.opt_len = 2;              /* 16 bytes, message has 8 */
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_option], 2);

	/* An option of length 0 (and a good checksum). */
	s = ns_from_shadow();
	nd_frame(&f, &s);
	f.b[14 + 40 + 25] = 0;
	f.b[14 + 40 + 2] = 0;
	f.b[14 + 40 + 3] = 0;
	{
		uint16_t ck = (uint16_t)~fold(sum_words(pseudo_sum(6,
			f.b + 14, 58, 32), f.b + 54, 32));

		f.b[14 + 40 + 2] = (uint8_t)(ck >> 8);
		f.b[14 + 40 + 3] = (uint8_t)ck;
	}
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_option], 3);

	/* Truncated: the IPv6 payload length says more than the frame has. */
	s = ns_from_shadow();
	nd_frame(&f, &s);
	g = f;
	g.n -= 1;
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_ip6], 1);
	/* Too short to be an NS: 20 bytes of ICMPv6. */
	g = f;
	g.b[14 + 5] = 20;
	g.n = 14 + 40 + 20;
	assert_null(feed(x, &g, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_len], 1);
	/* Multicast target. */
	s.target = our_snm;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_target], 1);
	/* A router solicitation is ND, but not ours. */
	s = ns_from_shadow();
	s.type = 133;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_nd_other], 1);
	/* IPv6 header cut before the ICMPv6 type: not recognisable. */
	g = f;
	g.n = 14 + 40;
	assert_null(feed_rc(x, &g, 0, pool, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ns_answered], 0);
	nfix_free(x);
}

static void
na_completes_pending_resolution(void **state)
{
	struct nfix *x = nfix_new(0);
	union umb_addr sh = addr(shadow_ip6, 6);
	struct nd_spec s = {
		.eth_dst = our_mac, .eth_src = shadow_mac, .src = shadow_ip6,
		.dst = our_ip6, .target = shadow_ip6, .ll = shadow_mac,
		.type = 136, .flags = 0x60, .hop = 255,
	};
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	struct frame f;

	(void)state;
	/* Before any resolution the NA is unsolicited. */
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 0));
	assert_int_equal(x->ctr[UMB_NEIGH_ignored_unsolicited], 1);
	assert_int_equal(umb_neigh_resolve(x->n, 6, &sh, 0, pool, &mac, &req),
		-EAGAIN);
	assert_non_null(req);
	rte_pktmbuf_free(req);
	/* Solicited NA to a multicast address is invalid. */
	s.dst = our_snm;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 1));
	assert_int_equal(x->ctr[UMB_NEIGH_malformed_nd_dad], 1);
	s.dst = our_ip6;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 1));
	assert_int_equal(x->ctr[UMB_NEIGH_na_learned], 1);
	assert_int_equal(umb_neigh_resolve(x->n, 6, &sh, 2, pool, &mac, &req),
		0);
	assert_null(req);
	assert_memory_equal(mac.addr_bytes, shadow_mac, 6);
	/* A later NA without override and another MAC only makes it stale. */
	s.flags = 0x40;
	s.ll = other_mac;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 3));
	assert_int_equal(umb_neigh_lookup(x->n, 6, &sh, &mac),
		UMB_NEIGH_STALE);
	assert_memory_equal(mac.addr_bytes, shadow_mac, 6);
	/* With override it takes the new MAC. */
	s.flags = 0x60;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 4));
	assert_int_equal(umb_neigh_lookup(x->n, 6, &sh, &mac),
		UMB_NEIGH_REACHABLE);
	assert_memory_equal(mac.addr_bytes, other_mac, 6);
	/* An NA for our own address from someone else. */
	s.target = our_ip6;
	nd_frame(&f, &s);
	assert_null(feed(x, &f, 5));
	assert_int_equal(x->ctr[UMB_NEIGH_addr_conflict], 1);
	nfix_free(x);
}

static void
table_full_refuses_new_addresses(void **state)
{
	struct nfix *x = nfix_new(0);
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	union umb_addr a;

	(void)state;
	for (int i = 0; i < UMB_NEIGH_ENTRIES; i++) {
		a = addr((const uint8_t[]){ 10, 0, 1, (uint8_t)(i + 1) }, 4);
		assert_int_equal(umb_neigh_resolve(x->n, 4, &a, 0, pool, &mac,
			&req), -EAGAIN);
		rte_pktmbuf_free(req);
	}
	a = addr((const uint8_t[]){ 10, 0, 2, 1 }, 4);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &a, 0, pool, &mac, &req),
		-ENOSPC);
	assert_null(req);
	assert_int_equal(x->ctr[UMB_NEIGH_table_full], 1);
	/* Once the others failed, their slots are reused. */
	for (uint64_t t = SEC; t <= 3 * SEC; t += SEC) {
		for (int i = 0; i < UMB_NEIGH_ENTRIES; i++) {
			union umb_addr b = addr((const uint8_t[]){ 10, 0, 1,
				(uint8_t)(i + 1) }, 4);

			umb_neigh_resolve(x->n, 4, &b, t, pool, &mac, &req);
			rte_pktmbuf_free(req);
		}
	}
	assert_int_equal(x->ctr[UMB_NEIGH_resolve_failed], UMB_NEIGH_ENTRIES);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &a, 3 * SEC, pool, &mac,
		&req), -EAGAIN);
	assert_non_null(req);
	rte_pktmbuf_free(req);
	nfix_free(x);
}

static void
invalid_neigh_arguments(void **state)
{
	uint64_t ctr[UMB_NEIGH_CTR_MAX];
	struct umb_neigh_conf c = neigh_conf(ctr, 0);
	struct nfix *x;
	struct rte_ether_addr mac;
	struct rte_mbuf *req;
	union umb_addr a;

	(void)state;
	c.ctr = NULL;
	assert_null(umb_neigh_create(&c, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	c = neigh_conf(ctr, 0);
	c.mac.addr_bytes[0] = 0x01;
	assert_null(umb_neigh_create(&c, SOCKET_ID_ANY));
	c = neigh_conf(ctr, 4095);
	assert_null(umb_neigh_create(&c, SOCKET_ID_ANY));
	c = neigh_conf(ctr, 0);
	c.has_ip4 = 0;
	c.has_ip6 = 0;
	assert_null(umb_neigh_create(&c, SOCKET_ID_ANY));
	c = neigh_conf(ctr, 0);
	c.ip6.b[0] = 0xff;
	assert_null(umb_neigh_create(&c, SOCKET_ID_ANY));
	assert_null(umb_neigh_create(NULL, SOCKET_ID_ANY));

	x = nfix_new(0);
	a = addr((const uint8_t[]){ 224, 0, 0, 5 }, 4);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &a, 0, pool, &mac, &req),
		-EINVAL);
	a = addr(our_ip4, 4);
	assert_int_equal(umb_neigh_resolve(x->n, 4, &a, 0, pool, &mac, &req),
		-EINVAL);
	a = addr(shadow_ip4, 4);
	assert_int_equal(umb_neigh_resolve(x->n, 5, &a, 0, pool, &mac, &req),
		-EINVAL);
	assert_int_equal(umb_neigh_confirm(x->n, 4, &a, 0), -ENOENT);
	assert_int_equal(umb_neigh_input(x->n, NULL, 0, 0, pool, &req),
		-EINVAL);
	nfix_free(x);

	/* IPv4 only: ND and NS building are refused, ND frames counted. */
	c = neigh_conf(ctr, 0);
	c.has_ip6 = 0;
	memset(ctr, 0, sizeof(ctr));
	{
		struct umb_neigh *n = umb_neigh_create(&c, SOCKET_ID_ANY);
		struct nd_spec s = ns_from_shadow();
		struct frame f;

		assert_non_null(n);
		assert_null(umb_neigh_build_ns(n, pool, &a));
		assert_int_equal(rte_errno, EINVAL);
		nd_frame(&f, &s);
		assert_int_equal(umb_neigh_input(n, f.b, f.n, 0, pool, &req),
			1);
		assert_null(req);
		assert_int_equal(ctr[UMB_NEIGH_ignored_no_addr], 1);
		umb_neigh_free(n);
	}
}

static void
counter_group_names_every_counter(void **state)
{
	(void)state;
	assert_string_equal(umb_neigh_ctr_group.name, "neigh");
	assert_int_equal(umb_neigh_ctr_group.n, UMB_NEIGH_CTR_MAX);
	assert_int_equal(umb_ctr_index(&umb_neigh_ctr_group,
		"arp_requests_answered"), UMB_NEIGH_arp_requests_answered);
	assert_int_equal(umb_ctr_index(&umb_neigh_ctr_group, "table_full"),
		UMB_NEIGH_table_full);
	assert_int_equal(umb_ctr_index(&umb_neigh_ctr_group, "reply_no_mbuf"),
		UMB_NEIGH_FRAME_OUTCOMES - 1);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(arp_request_for_our_ip_answered),
		cmocka_unit_test(arp_probe_answered_not_learned),
		cmocka_unit_test(arp_for_another_ip_ignored),
		cmocka_unit_test(malformed_arp_counted),
		cmocka_unit_test(other_frames_not_ours),
		cmocka_unit_test(reply_completes_pending_resolution),
		cmocka_unit_test(resolve_retries_then_fails),
		cmocka_unit_test(empty_pool_does_not_spend_a_try),
		cmocka_unit_test(reachable_turns_stale_and_is_probed),
		cmocka_unit_test(gratuitous_arp_updates_existing_only),
		cmocka_unit_test(vlan_of_the_shadow_link),
		cmocka_unit_test(ns_for_our_ipv6_answered),
		cmocka_unit_test(ns_to_solicited_node_multicast),
		cmocka_unit_test(dad_for_our_address_defended),
		cmocka_unit_test(malformed_ns_counted),
		cmocka_unit_test(na_completes_pending_resolution),
		cmocka_unit_test(table_full_refuses_new_addresses),
		cmocka_unit_test(invalid_neigh_arguments),
		cmocka_unit_test(counter_group_names_every_counter),
	};

	return cmocka_run_group_tests_name("peer_neigh", tests, group_setup,
		group_teardown);
}
