/* SPDX-License-Identifier: BSD-3-Clause
 * Neighbour layer of the shadow link (see umb_peer.h): ARP (RFC 826, with
 * the RFC 5227 probe answered as Linux does) and IPv6 neighbour discovery
 * (RFC 4861 NS/NA only) for umbra's own shadow-side address, and a small
 * table of the shadow-side neighbours' MACs.
 *
 * The table is a fixed array searched linearly: the shadow link holds a
 * handful of hosts (the shadow, maybe a gateway), so sixteen entries and a
 * scan beat any hash. Nothing allocates after create; an entry is reused
 * only when it is free, failed, or stale (oldest confirmation first), never
 * while a resolution or a confirmed MAC is in use.
 *
 * Received frames are parsed byte by byte (they sit at any alignment) and
 * every length is checked against the bytes given before it is used. Each
 * ARP/ND frame ends in exactly one counter of the frame outcomes.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "umb_peer.h"
#include "peer_frame.h"

UMB_CTR_GROUP_DEFINE(neigh, UMB_NEIGH_COUNTERS, UMB_NEIGH_CTR_MAX);

#define CTR_INC(n, name) UMB_CTR_INC((n)->conf.ctr, UMB_NEIGH_##name)

/* ARP for Ethernet/IPv4 (RFC 826). */
#define ARP_LEN 28
#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

/* ICMPv6 and neighbour discovery (RFC 4443, RFC 4861). */
#define IPPROTO_ICMPV6_ 58
#define ND_HOP_LIMIT 255
#define ND_RS 133
#define ND_RA 134
#define ND_NS 135
#define ND_NA 136
#define ND_REDIRECT 137
#define ND_MSG_LEN 24            /* NS/NA fixed part: type to target */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_OPT_LL_LEN 8          /* link-layer option for Ethernet */
#define NA_FLAG_ROUTER 0x80
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20

/* Most VLAN tags looked through to find the ethertype. */
#define MAX_TAGS 2

struct neigh_entry {
	union umb_addr ip;
	struct rte_ether_addr mac;  /* valid in REACHABLE and STALE */
	uint8_t af;
	uint8_t state;              /* enum umb_neigh_state */
	uint8_t tries;              /* requests sent in this resolution/probe */
	uint64_t confirmed_us;      /* last confirmation (REACHABLE, STALE) */
	uint64_t next_us;           /* next request due; FAILED: end of hold */
};

struct umb_neigh {
	struct umb_neigh_conf conf;     /* defaults filled in */
	struct neigh_entry e[UMB_NEIGH_ENTRIES];
};

static const struct rte_ether_addr all_nodes_mac = {
	.addr_bytes = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr broadcast_mac = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const uint8_t all_nodes_ip6[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

/* ---- addresses ---- */

static bool
ip4_unicast(const uint8_t *a)
{
	uint32_t v = get32(a);

	return v != 0 && (v >> 28) != 0xe && v != UINT32_MAX;
}

static bool
ip6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static bool
ip6_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static bool
mac_unicast(const uint8_t *m)
{
	static const uint8_t zero[RTE_ETHER_ADDR_LEN];

	return (m[0] & 0x01) == 0 && memcmp(m, zero, RTE_ETHER_ADDR_LEN) != 0;
}

/* ff02::1:ffXX:XXXX for the last three bytes of @p ip (RFC 4291 2.7.1). */
static void
solicited_node(uint8_t out[16], const uint8_t *ip)
{
	memset(out, 0, 16);
	out[0] = 0xff;
	out[1] = 0x02;
	out[11] = 0x01;
	out[12] = 0xff;
	memcpy(out + 13, ip + 13, 3);
}

/* 33:33 and the last four bytes of an IPv6 multicast address (RFC 2464). */
static void
multicast_mac(struct rte_ether_addr *mac, const uint8_t *ip)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(mac->addr_bytes + 2, ip + 12, 4);
}

static bool
addr_len_eq(uint8_t af, const union umb_addr *a, const uint8_t *b)
{
	return memcmp(a->b, b, af == 4 ? 4 : 16) == 0;
}

/* ---- table ---- */

static int
entry_index(const struct umb_neigh *n, uint8_t af, const uint8_t *ip)
{
	for (unsigned int i = 0; i < UMB_NEIGH_ENTRIES; i++) {
		const struct neigh_entry *e = &n->e[i];

		if (e->state != UMB_NEIGH_NONE && e->af == af &&
				addr_len_eq(af, &e->ip, ip))
			return (int)i;
	}
	return -1;
}

static struct neigh_entry *
entry_find(struct umb_neigh *n, uint8_t af, const uint8_t *ip)
{
	int i = entry_index(n, af, ip);

	return i < 0 ? NULL : &n->e[i];
}

/*
 * A slot for a new address: a free one, else a failed one, else the stale
 * entry confirmed longest ago. Incomplete and reachable entries are in use.
 */
static struct neigh_entry *
entry_take(struct umb_neigh *n, uint8_t af, const uint8_t *ip)
{
	struct neigh_entry *failed = NULL, *stale = NULL, *e = NULL;

	for (unsigned int i = 0; i < UMB_NEIGH_ENTRIES; i++) {
		struct neigh_entry *c = &n->e[i];

		if (c->state == UMB_NEIGH_NONE) {
			e = c;
			break;
		}
		if (c->state == UMB_NEIGH_FAILED && failed == NULL)
			failed = c;
		if (c->state == UMB_NEIGH_STALE && (stale == NULL ||
				c->confirmed_us < stale->confirmed_us))
			stale = c;
	}
	if (e == NULL)
		e = failed != NULL ? failed : stale;
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->af = af;
	memcpy(e->ip.b, ip, af == 4 ? 4 : 16);
	return e;
}

/*
 * The neighbour proved reachable with @p mac (a reply or solicited NA): the
 * MAC is taken and any resolution or probe in progress ends.
 */
static void
entry_reachable(struct neigh_entry *e, const uint8_t *mac, uint64_t now)
{
	memcpy(e->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	e->state = UMB_NEIGH_REACHABLE;
	e->confirmed_us = now;
	e->tries = 0;
}

/*
 * The neighbour announced @p mac without proving two-way reachability (its
 * own request, a gratuitous ARP, an unsolicited NA): a new or changed MAC
 * makes the entry stale, to be probed on its next use (RFC 4861 7.2.3-5);
 * the same MAC leaves the entry as it is.
 */
static void
entry_stale(struct neigh_entry *e, const uint8_t *mac, uint64_t now)
{
	bool has_mac = e->state == UMB_NEIGH_REACHABLE ||
		e->state == UMB_NEIGH_STALE;

	if (has_mac && memcmp(e->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN) == 0)
		return;
	memcpy(e->mac.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	e->state = UMB_NEIGH_STALE;
	e->confirmed_us = now;
	e->tries = 0;
	e->next_us = now;
}

/* Learn a sender that addressed us: create its entry if there is room. */
static void
learn_sender(struct umb_neigh *n, uint8_t af, const uint8_t *ip,
		const uint8_t *mac, uint64_t now)
{
	struct neigh_entry *e = entry_find(n, af, ip);

	if (e == NULL)
		e = entry_take(n, af, ip);
	if (e != NULL)
		entry_stale(e, mac, now);
}

/* ---- builders ---- */

static uint32_t
l2_len(const struct umb_neigh *n)
{
	return ETH_HLEN + (n->conf.vlan != 0 ? VLAN_HLEN : 0);
}

static struct rte_mbuf *
build_arp(const struct umb_neigh *n, struct rte_mempool *mp, uint16_t op,
		const struct rte_ether_addr *eth_dst, const uint8_t *tha,
		const uint8_t *tpa)
{
	uint32_t l2 = l2_len(n);
	struct rte_mbuf *m;
	uint8_t *p, *a;

	m = umb_peer_frame_alloc(mp, l2 + ARP_LEN, &p);
	if (m == NULL)
		return NULL;
	write_l2(p, eth_dst, &n->conf.mac, n->conf.vlan, RTE_ETHER_TYPE_ARP);
	a = p + l2;
	put16(a, ARP_HRD_ETHER);
	put16(a + 2, RTE_ETHER_TYPE_IPV4);
	a[4] = RTE_ETHER_ADDR_LEN;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, n->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(a + 14, n->conf.ip4.b, 4);
	memcpy(a + 18, tha, RTE_ETHER_ADDR_LEN);
	memcpy(a + 24, tpa, 4);
	/* The L2 packet type is one value: there is no "ARP in VLAN". */
	m->packet_type = n->conf.vlan != 0 ? RTE_PTYPE_L2_ETHER_VLAN :
		RTE_PTYPE_L2_ETHER_ARP;
	m->l2_len = l2;
	return m;
}

/*
 * An NS or NA from our IPv6: the fixed part, then one link-layer option
 * with our MAC (source for NS, target for NA).
 */
static struct rte_mbuf *
build_nd(const struct umb_neigh *n, struct rte_mempool *mp, uint8_t type,
		uint8_t flags, const struct rte_ether_addr *eth_dst,
		const uint8_t *ip_dst, const uint8_t *target)
{
	uint32_t l2 = l2_len(n);
	uint16_t plen = ND_MSG_LEN + ND_OPT_LL_LEN;
	struct rte_ipv6_hdr *ip;
	struct rte_mbuf *m;
	uint8_t *p, *icmp;
	uint16_t ck;

	m = umb_peer_frame_alloc(mp, l2 + IP6_HLEN + plen, &p);
	if (m == NULL)
		return NULL;
	write_l2(p, eth_dst, &n->conf.mac, n->conf.vlan, RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(p + l2);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = IPPROTO_ICMPV6_;
	ip->hop_limits = ND_HOP_LIMIT;
	memcpy(ip->src_addr, n->conf.ip6.b, 16);
	memcpy(ip->dst_addr, ip_dst, 16);
	icmp = p + l2 + IP6_HLEN;
	memset(icmp, 0, ND_MSG_LEN);
	icmp[0] = type;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	icmp[24] = type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
	icmp[25] = ND_OPT_LL_LEN / 8;
	memcpy(icmp + 26, n->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	/* Not UDP, so DPDK leaves a computed 0 as 0: correct for ICMPv6. */
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	m->packet_type = (n->conf.vlan != 0 ? RTE_PTYPE_L2_ETHER_VLAN :
		RTE_PTYPE_L2_ETHER) | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_ICMP;
	m->l2_len = l2;
	m->l3_len = IP6_HLEN;
	return m;
}

struct rte_mbuf *
umb_neigh_build_arp_request(const struct umb_neigh *n, struct rte_mempool *mp,
		const union umb_addr *ip)
{
	static const uint8_t zero_mac[RTE_ETHER_ADDR_LEN];

	if (n == NULL || mp == NULL || ip == NULL || !n->conf.has_ip4) {
		rte_errno = EINVAL;
		return NULL;
	}
	return build_arp(n, mp, ARP_OP_REQUEST, &broadcast_mac, zero_mac,
		ip->b);
}

struct rte_mbuf *
umb_neigh_build_ns(const struct umb_neigh *n, struct rte_mempool *mp,
		const union umb_addr *ip)
{
	struct rte_ether_addr dst_mac;
	uint8_t dst[16];

	if (n == NULL || mp == NULL || ip == NULL || !n->conf.has_ip6) {
		rte_errno = EINVAL;
		return NULL;
	}
	solicited_node(dst, ip->b);
	multicast_mac(&dst_mac, dst);
	return build_nd(n, mp, ND_NS, 0, &dst_mac, dst, ip->b);
}

/* ---- create ---- */

struct umb_neigh *
umb_neigh_create(const struct umb_neigh_conf *conf, int socket_id)
{
	struct umb_neigh *n;

	if (conf == NULL || conf->ctr == NULL ||
			(!conf->has_ip4 && !conf->has_ip6) ||
			conf->vlan > UMB_PEER_MAX_VLAN ||
			!mac_unicast(conf->mac.addr_bytes) ||
			(conf->has_ip4 && !ip4_unicast(conf->ip4.b)) ||
			(conf->has_ip6 && (ip6_multicast(conf->ip6.b) ||
				ip6_unspecified(conf->ip6.b)))) {
		rte_errno = EINVAL;
		return NULL;
	}
	n = rte_zmalloc_socket("umb_neigh", sizeof(*n), RTE_CACHE_LINE_SIZE,
		socket_id);
	if (n == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	n->conf = *conf;
	if (n->conf.tries == 0)
		n->conf.tries = UMB_NEIGH_TRIES;
	if (n->conf.reachable_us == 0)
		n->conf.reachable_us = UMB_NEIGH_REACHABLE_US;
	if (n->conf.retry_us == 0)
		n->conf.retry_us = UMB_NEIGH_RETRY_US;
	return n;
}

void
umb_neigh_free(struct umb_neigh *n)
{
	rte_free(n);
}

/* ---- input: ARP ---- */

/*
 * Answer a request for our IPv4: an ARP reply from our MAC and address to
 * the requester's. Counted as answered only once it is built.
 */
static void
arp_answer(struct umb_neigh *n, struct rte_mempool *mp, const uint8_t *sha,
		const uint8_t *spa, struct rte_mbuf **reply)
{
	struct rte_ether_addr dst;

	memcpy(dst.addr_bytes, sha, RTE_ETHER_ADDR_LEN);
	*reply = build_arp(n, mp, ARP_OP_REPLY, &dst, sha, spa);
	if (*reply == NULL)
		CTR_INC(n, reply_no_mbuf);
	else
		CTR_INC(n, arp_requests_answered);
}

static void
arp_input(struct umb_neigh *n, const uint8_t *a, uint32_t len, uint64_t now,
		struct rte_mempool *mp, struct rte_mbuf **reply)
{
	const uint8_t *sha, *spa, *tpa;
	struct neigh_entry *e;
	uint16_t op;

	if (len < ARP_LEN) {
		CTR_INC(n, malformed_arp_truncated);
		return;
	}
	if (get16(a) != ARP_HRD_ETHER || get16(a + 2) != RTE_ETHER_TYPE_IPV4 ||
			a[4] != RTE_ETHER_ADDR_LEN || a[5] != 4) {
		CTR_INC(n, malformed_arp_format);
		return;
	}
	op = get16(a + 6);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		CTR_INC(n, malformed_arp_op);
		return;
	}
	if (!n->conf.has_ip4) {
		CTR_INC(n, ignored_no_addr);
		return;
	}
	sha = a + 8;
	spa = a + 14;
	tpa = a + 24;
	if (!mac_unicast(sha)) {
		CTR_INC(n, malformed_bad_mac);
		return;
	}
	if (memcmp(spa, n->conf.ip4.b, 4) == 0) {
		/* Our own frames were filtered on the Ethernet source. */
		CTR_INC(n, addr_conflict);
		return;
	}
	/* RFC 5227 probe for our address: answer, learn nothing. */
	if (get32(spa) == 0) {
		if (op == ARP_OP_REQUEST && memcmp(tpa, n->conf.ip4.b, 4) == 0)
			arp_answer(n, mp, sha, spa, reply);
		else if (op == ARP_OP_REQUEST)
			CTR_INC(n, ignored_other_target);
		else
			CTR_INC(n, malformed_bad_ip);
		return;
	}
	if (!ip4_unicast(spa)) {
		CTR_INC(n, malformed_bad_ip);
		return;
	}
	/* Gratuitous ARP (request or reply): refresh a known entry only. */
	if (memcmp(spa, tpa, 4) == 0) {
		e = entry_find(n, 4, spa);
		if (e == NULL) {
			CTR_INC(n, ignored_unsolicited);
			return;
		}
		entry_stale(e, sha, now);
		CTR_INC(n, garp_updated);
		return;
	}
	if (memcmp(tpa, n->conf.ip4.b, 4) != 0) {
		CTR_INC(n, ignored_other_target);
		return;
	}
	if (op == ARP_OP_REQUEST) {
		learn_sender(n, 4, spa, sha, now);
		arp_answer(n, mp, sha, spa, reply);
		return;
	}
	e = entry_find(n, 4, spa);
	if (e == NULL) {
		CTR_INC(n, ignored_unsolicited);
		return;
	}
	entry_reachable(e, sha, now);
	CTR_INC(n, arp_replies_learned);
}

/* ---- input: neighbour discovery ---- */

/* Parsed options of an NS or NA: the one link-layer option we look at. */
struct nd_opts {
	const uint8_t *lladdr;   /* SLLA of an NS, TLLA of an NA, or NULL */
};

/*
 * Walk the options after the fixed part. Every option must have a non-zero
 * length inside the message (RFC 4861 7.1); the link-layer option of our
 * interest must be exactly 8 bytes (Ethernet, RFC 2464). Bounded by the
 * message length: each step advances at least 8 bytes.
 */
static bool
nd_options(const uint8_t *o, uint32_t len, uint8_t want,
		struct nd_opts *out)
{
	out->lladdr = NULL;
	while (len > 0) {
		uint32_t olen;

		if (len < 2 || o[1] == 0)
			return false;
		olen = (uint32_t)o[1] * 8;
		if (olen > len)
			return false;
		if (o[0] == want) {
			if (olen != ND_OPT_LL_LEN)
				return false;
			out->lladdr = o + 2;
		}
		o += olen;
		len -= olen;
	}
	return true;
}

static void
ns_input(struct umb_neigh *n, const uint8_t *eth, const uint8_t *ip,
		const uint8_t *icmp, uint32_t plen, uint64_t now,
		struct rte_mempool *mp, struct rte_mbuf **reply)
{
	const uint8_t *src = ip + 8, *dst = ip + 24, *target = icmp + 8;
	struct rte_ether_addr mac;
	struct nd_opts opts;
	uint8_t snm[16];

	if (!nd_options(icmp + ND_MSG_LEN, plen - ND_MSG_LEN, ND_OPT_SLLA,
			&opts)) {
		CTR_INC(n, malformed_nd_option);
		return;
	}
	if (ip6_unspecified(src)) {
		/* Duplicate address detection (RFC 4862 5.4.3). */
		solicited_node(snm, target);
		if (memcmp(dst, snm, 16) != 0 || opts.lladdr != NULL) {
			CTR_INC(n, malformed_nd_dad);
			return;
		}
		if (memcmp(target, n->conf.ip6.b, 16) != 0) {
			CTR_INC(n, ignored_other_target);
			return;
		}
		/* Defend our address: NA to all-nodes, not solicited. */
		*reply = build_nd(n, mp, ND_NA, NA_FLAG_OVERRIDE,
			&all_nodes_mac, all_nodes_ip6, n->conf.ip6.b);
		if (*reply == NULL)
			CTR_INC(n, reply_no_mbuf);
		else
			CTR_INC(n, dad_defended);
		return;
	}
	if (memcmp(target, n->conf.ip6.b, 16) != 0) {
		CTR_INC(n, ignored_other_target);
		return;
	}
	if (memcmp(src, n->conf.ip6.b, 16) == 0) {
		CTR_INC(n, addr_conflict);
		return;
	}
	/*
	 * Without a source link-layer option (a unicast NS from a neighbour
	 * that knows us) the answer goes to the frame's Ethernet source, and
	 * nothing is learned (RFC 4861 7.2.3).
	 */
	memcpy(mac.addr_bytes, opts.lladdr != NULL ? opts.lladdr : eth + 6,
		RTE_ETHER_ADDR_LEN);
	if (!mac_unicast(mac.addr_bytes)) {
		CTR_INC(n, malformed_bad_mac);
		return;
	}
	if (opts.lladdr != NULL)
		learn_sender(n, 6, src, opts.lladdr, now);
	*reply = build_nd(n, mp, ND_NA, NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE,
		&mac, src, n->conf.ip6.b);
	if (*reply == NULL)
		CTR_INC(n, reply_no_mbuf);
	else
		CTR_INC(n, ns_answered);
}

/* RFC 4861 7.2.5, with FAILED treated as INCOMPLETE. */
static void
na_input(struct umb_neigh *n, const uint8_t *ip, const uint8_t *icmp,
		uint32_t plen, uint64_t now)
{
	const uint8_t *dst = ip + 24, *target = icmp + 8;
	uint8_t flags = icmp[4];
	struct neigh_entry *e;
	struct nd_opts opts;
	bool same;

	if (!nd_options(icmp + ND_MSG_LEN, plen - ND_MSG_LEN, ND_OPT_TLLA,
			&opts)) {
		CTR_INC(n, malformed_nd_option);
		return;
	}
	if (ip6_multicast(dst) && (flags & NA_FLAG_SOLICITED)) {
		CTR_INC(n, malformed_nd_dad);
		return;
	}
	if (opts.lladdr != NULL && !mac_unicast(opts.lladdr)) {
		CTR_INC(n, malformed_bad_mac);
		return;
	}
	if (memcmp(target, n->conf.ip6.b, 16) == 0) {
		CTR_INC(n, addr_conflict);
		return;
	}
	e = entry_find(n, 6, target);
	if (e == NULL) {
		CTR_INC(n, ignored_unsolicited);
		return;
	}
	if (e->state == UMB_NEIGH_INCOMPLETE || e->state == UMB_NEIGH_FAILED) {
		if (opts.lladdr == NULL) {
			CTR_INC(n, ignored_unsolicited);
			return;
		}
		if (flags & NA_FLAG_SOLICITED)
			entry_reachable(e, opts.lladdr, now);
		else
			entry_stale(e, opts.lladdr, now);
		CTR_INC(n, na_learned);
		return;
	}
	same = opts.lladdr == NULL ||
		memcmp(opts.lladdr, e->mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
	if (!(flags & NA_FLAG_OVERRIDE) && !same) {
		/* Another MAC without override: distrust the one we have. */
		if (e->state == UMB_NEIGH_REACHABLE) {
			e->state = UMB_NEIGH_STALE;
			e->tries = 0;
			e->next_us = now;
		}
	} else if (flags & NA_FLAG_SOLICITED) {
		struct rte_ether_addr mac = e->mac;

		entry_reachable(e, opts.lladdr != NULL ? opts.lladdr :
			mac.addr_bytes, now);
	} else if (!same) {
		entry_stale(e, opts.lladdr, now);
	}
	CTR_INC(n, na_learned);
}

/*
 * Checks common to NS and NA (RFC 4861 7.1.1, 7.1.2) past the IPv6 length
 * and hop limit: length, code, checksum, source, target.
 */
static bool
nd_valid(struct umb_neigh *n, const uint8_t *ip, const uint8_t *icmp,
		uint32_t plen)
{
	if (plen < ND_MSG_LEN || icmp[1] != 0) {
		CTR_INC(n, malformed_nd_len);
		return false;
	}
	/* The header is packed (alignment 1): any address is fine. */
	if (rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
			icmp) != 0) {
		CTR_INC(n, malformed_nd_checksum);
		return false;
	}
	if (ip6_multicast(ip + 8)) {
		CTR_INC(n, malformed_ip6);
		return false;
	}
	if (ip6_multicast(icmp + 8)) {
		CTR_INC(n, malformed_nd_target);
		return false;
	}
	return true;
}

static void
nd_input(struct umb_neigh *n, const uint8_t *eth, const uint8_t *ip,
		uint32_t len, uint64_t now, struct rte_mempool *mp,
		struct rte_mbuf **reply)
{
	const uint8_t *icmp = ip + IP6_HLEN;
	uint32_t plen = get16(ip + 4);
	uint8_t type = icmp[0];

	/* len >= IP6_HLEN + 1 was checked to recognise the frame. */
	if (plen > len - IP6_HLEN) {
		CTR_INC(n, malformed_ip6);
		return;
	}
	if (ip[7] != ND_HOP_LIMIT) {
		CTR_INC(n, malformed_nd_hop_limit);
		return;
	}
	if (type != ND_NS && type != ND_NA) {
		CTR_INC(n, ignored_nd_other);
		return;
	}
	if (!nd_valid(n, ip, icmp, plen))
		return;
	if (type == ND_NS)
		ns_input(n, eth, ip, icmp, plen, now, mp, reply);
	else
		na_input(n, ip, icmp, plen, now);
}

/* ---- input ---- */

int
umb_neigh_input(struct umb_neigh *n, const uint8_t *frame, uint32_t len,
		uint64_t now_us, struct rte_mempool *mp, struct rte_mbuf **reply)
{
	uint32_t off = 12, tags = 0;
	uint16_t type, vid = 0;
	const uint8_t *l3;

	if (n == NULL || frame == NULL || mp == NULL || reply == NULL)
		return -EINVAL;
	*reply = NULL;
	if (len < ETH_HLEN)
		return 0;
	type = get16(frame + off);
	while (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		if (tags == MAX_TAGS || len - off < 2 + VLAN_HLEN)
			return 0;
		vid = get16(frame + off + 2) & RTE_ETHER_MAX_VLAN_ID;
		type = get16(frame + off + 4);
		off += VLAN_HLEN;
		tags++;
	}
	off += 2;
	l3 = frame + off;

	/* Only ARP and the ND types of ICMPv6 are ours; the rest is not counted. */
	if (type == RTE_ETHER_TYPE_IPV6) {
		if (len - off < IP6_HLEN + 1 || (l3[0] >> 4) != 6 ||
				l3[6] != IPPROTO_ICMPV6_ ||
				l3[IP6_HLEN] < ND_RS ||
				l3[IP6_HLEN] > ND_REDIRECT)
			return 0;
	} else if (type != RTE_ETHER_TYPE_ARP) {
		return 0;
	}

	/* A priority tag (VLAN id 0) counts as untagged. */
	if (tags > 1 || vid != n->conf.vlan ||
			(n->conf.vlan != 0 && tags == 0)) {
		CTR_INC(n, ignored_other_vlan);
		return 1;
	}
	if (memcmp(frame + 6, n->conf.mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0) {
		/* Our own frame looped back (a tap, a hairpin): not a conflict. */
		CTR_INC(n, ignored_own);
		return 1;
	}
	if ((frame[0] & 0x01) == 0 && memcmp(frame, n->conf.mac.addr_bytes,
			RTE_ETHER_ADDR_LEN) != 0) {
		CTR_INC(n, ignored_other_mac);
		return 1;
	}
	if (type == RTE_ETHER_TYPE_ARP) {
		arp_input(n, l3, len - off, now_us, mp, reply);
	} else if (!n->conf.has_ip6) {
		CTR_INC(n, ignored_no_addr);
	} else {
		nd_input(n, frame, l3, len - off, now_us, mp, reply);
	}
	return 1;
}

/* ---- resolve ---- */

/*
 * Send the next request of a resolution or probe if it is due, or fail the
 * entry once every request went unanswered for retry_us each. Returns
 * -EHOSTUNREACH on failure, 0 otherwise.
 */
static int
drive(struct umb_neigh *n, struct neigh_entry *e, uint64_t now,
		struct rte_mempool *mp, struct rte_mbuf **req)
{
	if (now < e->next_us)
		return 0;
	if (e->tries >= n->conf.tries) {
		e->state = UMB_NEIGH_FAILED;
		memset(&e->mac, 0, sizeof(e->mac));
		e->next_us = now + (uint64_t)n->conf.tries * n->conf.retry_us;
		CTR_INC(n, resolve_failed);
		return -EHOSTUNREACH;
	}
	if (e->af == 4)
		*req = umb_neigh_build_arp_request(n, mp, &e->ip);
	else
		*req = umb_neigh_build_ns(n, mp, &e->ip);
	if (*req == NULL) {
		CTR_INC(n, resolve_no_mbuf);
		return 0;
	}
	e->tries++;
	e->next_us = now + n->conf.retry_us;
	CTR_INC(n, resolve_sent);
	return 0;
}

static bool
resolvable(const struct umb_neigh *n, uint8_t af, const union umb_addr *ip)
{
	if (af == 4)
		return n->conf.has_ip4 && ip4_unicast(ip->b) &&
			memcmp(ip->b, n->conf.ip4.b, 4) != 0;
	if (af == 6)
		return n->conf.has_ip6 && !ip6_unspecified(ip->b) &&
			!ip6_multicast(ip->b) &&
			memcmp(ip->b, n->conf.ip6.b, 16) != 0;
	return false;
}

int
umb_neigh_resolve(struct umb_neigh *n, uint8_t af, const union umb_addr *ip,
		uint64_t now_us, struct rte_mempool *mp, struct rte_ether_addr *mac,
		struct rte_mbuf **req)
{
	struct neigh_entry *e;

	if (n == NULL || ip == NULL || mp == NULL || mac == NULL ||
			req == NULL)
		return -EINVAL;
	*req = NULL;
	if (!resolvable(n, af, ip))
		return -EINVAL;
	e = entry_find(n, af, ip->b);
	if (e == NULL) {
		e = entry_take(n, af, ip->b);
		if (e == NULL) {
			CTR_INC(n, table_full);
			return -ENOSPC;
		}
		e->state = UMB_NEIGH_INCOMPLETE;
		e->next_us = now_us;
	}
	switch (e->state) {
	case UMB_NEIGH_FAILED:
		if (now_us < e->next_us)
			return -EHOSTUNREACH;
		e->state = UMB_NEIGH_INCOMPLETE;
		e->tries = 0;
		e->next_us = now_us;
		/* fall through */
	case UMB_NEIGH_INCOMPLETE:
		return drive(n, e, now_us, mp, req) < 0 ? -EHOSTUNREACH :
			-EAGAIN;
	case UMB_NEIGH_REACHABLE:
		if (now_us - e->confirmed_us < n->conf.reachable_us) {
			*mac = e->mac;
			return 0;
		}
		e->state = UMB_NEIGH_STALE;
		e->tries = 0;
		e->next_us = now_us;
		/* fall through */
	default: /* STALE */
		*mac = e->mac;
		return drive(n, e, now_us, mp, req);
	}
}

int
umb_neigh_confirm(struct umb_neigh *n, uint8_t af, const union umb_addr *ip,
		uint64_t now_us)
{
	struct neigh_entry *e;

	if (n == NULL || ip == NULL || (af != 4 && af != 6))
		return -EINVAL;
	e = entry_find(n, af, ip->b);
	if (e == NULL || (e->state != UMB_NEIGH_REACHABLE &&
			e->state != UMB_NEIGH_STALE))
		return -ENOENT;
	e->state = UMB_NEIGH_REACHABLE;
	e->confirmed_us = now_us;
	e->tries = 0;
	return 0;
}

enum umb_neigh_state
umb_neigh_lookup(const struct umb_neigh *n, uint8_t af,
		const union umb_addr *ip, struct rte_ether_addr *mac)
{
	const struct neigh_entry *e;
	int i;

	if (n == NULL || ip == NULL || (af != 4 && af != 6))
		return UMB_NEIGH_NONE;
	i = entry_index(n, af, ip->b);
	if (i < 0)
		return UMB_NEIGH_NONE;
	e = &n->e[i];
	if (mac != NULL && (e->state == UMB_NEIGH_REACHABLE ||
			e->state == UMB_NEIGH_STALE))
		*mac = e->mac;
	return (enum umb_neigh_state)e->state;
}
