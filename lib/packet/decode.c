/* SPDX-License-Identifier: BSD-3-Clause
 * Frame decoder: link framing, IPv4/IPv6, TCP header and options into a
 * struct umb_pkt. Every length read from the frame is checked before it is
 * used: headers must lie within the contiguous bytes given (avail), the
 * payload may run on past them up to frame_len, and the payload length always
 * comes from the IP lengths so that link padding never becomes payload.
 * Fields are read byte by byte, so the frame may sit at any alignment. No
 * state, no allocation: the function is called once per received frame.
 *
 * Decapsulation (tap ports): the outer IP packet's UDP (VXLAN, GENEVE) or
 * GRE (ERSPAN I/II/III, Ethernet over GRE) payload is decoded again as an
 * Ethernet frame or an IP packet, at most twice (one level of nesting). An
 * inner packet is bounded by its tunnel's datagram, not by the frame: one
 * whose IP length runs past it was cut short by the mirror and is refused
 * (inner_truncated), never handed on as payload. The work per frame is
 * bounded: two tunnel headers, GENEVE options walked in at most 63 steps.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>

#include "umb_packet.h"

UMB_CTR_GROUP_DEFINE(decode, UMB_DECODE_RESULTS, UMB_DECODE_MAX);
UMB_CTR_GROUP_DEFINE(tunnel, UMB_TUNNEL_TYPES, UMB_TUNNEL_MAX);

#define ETHER_HLEN 14
#define VLAN_HLEN 4
#define NULL_HLEN 4
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8
#define VXLAN_HLEN 8
#define GENEVE_HLEN 8
#define GRE_HLEN 4
#define ERSPAN2_HLEN 8
#define ERSPAN3_HLEN 12
#define ERSPAN3_SUB_HLEN 8  /* platform-specific subheader (O bit) */

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_TEB 0x6558      /* transparent Ethernet bridging */
#define ETHERTYPE_ERSPAN2 0x88be  /* ERSPAN type I and II */
#define ETHERTYPE_ERSPAN3 0x22eb

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_GRE_ 47
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60

/* RFC 7323: a shift above 14 is treated as 14. */
#define TCP_WSCALE_MAX 14
/* Bound on the IPv6 extension header walk; real stacks send two or three. */
#define IPV6_MAX_EXT 8

/* GRE flags word (RFC 2784, 2890) */
#define GRE_C 0x8000  /* checksum present */
#define GRE_K 0x2000  /* key present */
#define GRE_S 0x1000  /* sequence number present */
/* routing (RFC 1701), strict source route, recursion, version: must be 0 */
#define GRE_MUST_BE_ZERO 0x4f07

/* VXLAN: the I flag says the VNI is valid */
#define VXLAN_FLAG_I 0x08
/* ERSPAN II/III: truncated bit and session id in the second 16-bit word */
#define ERSPAN_T 0x0400
#define ERSPAN_SESSION 0x03ff

/* Tunnels a frame may carry: one, and one more inside it. */
#define TUNNEL_MAX_DEPTH 2

/* Is [off, off + n) within [0, lim)? (no wrap-around) */
#define FITS(off, n, lim) ((off) <= (lim) && (lim) - (off) >= (n))

/* Network-layer family found by the link decoder (0: not IP). */
#define L3_NONE 0
#define L3_V4 4
#define L3_V6 6

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned int)p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

int
umb_link_from_dlt(int dlt)
{
	switch (dlt) {
	case 1:
		return UMB_LINK_ETHER;
	case 0:
		return UMB_LINK_NULL;
	case 108:
		return UMB_LINK_LOOP;
	case 113:
		return UMB_LINK_SLL;
	case 276:
		return UMB_LINK_SLL2;
	case 12:  /* DLT_RAW on most systems */
	case 14:  /* DLT_RAW on OpenBSD */
	case 101: /* LINKTYPE_RAW */
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		return UMB_LINK_RAW;
	default:
		return -1;
	}
}

const char *
umb_link_name(enum umb_link link)
{
	static const char *const names[UMB_LINK_MAX] = {
		[UMB_LINK_ETHER] = "ether",
		[UMB_LINK_NULL] = "null",
		[UMB_LINK_LOOP] = "loop",
		[UMB_LINK_SLL] = "sll",
		[UMB_LINK_SLL2] = "sll2",
		[UMB_LINK_RAW] = "raw",
	};

	if ((unsigned int)link >= UMB_LINK_MAX)
		return "unknown";
	return names[link];
}

static inline int
l3_from_ethertype(uint16_t et)
{
	if (et == ETHERTYPE_IPV4)
		return L3_V4;
	if (et == ETHERTYPE_IPV6)
		return L3_V6;
	return L3_NONE;
}

/*
 * Loopback address families. AF_INET is 2 everywhere; AF_INET6 is 10 on
 * Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS.
 */
static inline int
l3_from_af(uint32_t af)
{
	switch (af) {
	case 2:
		return L3_V4;
	case 10:
	case 24:
	case 28:
	case 30:
		return L3_V6;
	default:
		return L3_NONE;
	}
}

/*
 * Ethernet II with at most two tags. An 802.3 length (< 0x0600) or any
 * ethertype other than IPv4/IPv6 ends in not_ip.
 */
static inline enum umb_decode_result
decode_ether(const uint8_t *f, uint32_t base, uint32_t avail,
		struct umb_pkt *out, uint32_t *l3, int *fam)
{
	uint32_t off = base + 12;
	uint16_t et;
	uint8_t nb = 0;

	if (unlikely(!FITS(base, ETHER_HLEN, avail)))
		return UMB_DECODE_truncated_l2;
	et = rd16(f + off);
	while (et == ETHERTYPE_8021Q || et == ETHERTYPE_8021AD ||
			et == ETHERTYPE_QINQ_OLD) {
		if (unlikely(nb == 2))
			return UMB_DECODE_too_many_vlans;
		/* tag = TCI (2) + inner ethertype (2), after the outer type */
		if (unlikely(off + 2 + VLAN_HLEN > avail))
			return UMB_DECODE_truncated_l2;
		out->vlan[nb++] = rd16(f + off + 2) & 0x0fff;
		off += VLAN_HLEN;
		et = rd16(f + off);
	}
	out->nb_vlan = nb;
	*l3 = off + 2;
	*fam = l3_from_ethertype(et);
	return *fam == L3_NONE ? UMB_DECODE_not_ip : UMB_DECODE_tcp;
}

static enum umb_decode_result
decode_link(const uint8_t *f, uint32_t avail, enum umb_link link,
		struct umb_pkt *out, uint32_t *l3, int *fam)
{
	uint32_t le, be;

	out->nb_vlan = 0;
	out->vlan[0] = 0;
	out->vlan[1] = 0;
	switch (link) {
	case UMB_LINK_ETHER:
		return decode_ether(f, 0, avail, out, l3, fam);
	case UMB_LINK_NULL:
		/*
		 * Host order of the capturing machine, which need not be
		 * ours: accept the family in either byte order.
		 */
		if (unlikely(avail < NULL_HLEN))
			return UMB_DECODE_truncated_l2;
		be = rd32(f);
		le = (uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 |
			(uint32_t)f[1] << 8 | f[0];
		*l3 = NULL_HLEN;
		*fam = l3_from_af(le);
		if (*fam == L3_NONE)
			*fam = l3_from_af(be);
		break;
	case UMB_LINK_LOOP:
		if (unlikely(avail < NULL_HLEN))
			return UMB_DECODE_truncated_l2;
		*l3 = NULL_HLEN;
		*fam = l3_from_af(rd32(f));
		break;
	case UMB_LINK_SLL:
		if (unlikely(avail < SLL_HLEN))
			return UMB_DECODE_truncated_l2;
		*l3 = SLL_HLEN;
		*fam = l3_from_ethertype(rd16(f + 14));
		break;
	case UMB_LINK_SLL2:
		if (unlikely(avail < SLL2_HLEN))
			return UMB_DECODE_truncated_l2;
		*l3 = SLL2_HLEN;
		*fam = l3_from_ethertype(rd16(f));
		break;
	case UMB_LINK_RAW:
		/* No link header: the version nibble is all there is. */
		if (unlikely(avail < 1))
			return UMB_DECODE_truncated_ip;
		*l3 = 0;
		*fam = f[0] >> 4;
		if (*fam != L3_V4 && *fam != L3_V6)
			return UMB_DECODE_bad_ip_version;
		return UMB_DECODE_tcp;
	default:
		return UMB_DECODE_unknown_link;
	}
	return *fam == L3_NONE ? UMB_DECODE_not_ip : UMB_DECODE_tcp;
}

/* What the IP layer found; the caller picks the result from it. */
struct l3res {
	uint32_t l4;     /* transport header offset (not set when cut) */
	uint32_t end;    /* just past the IP packet: l3 + its length */
	uint8_t proto;   /* transport protocol (of a fragment: its own) */
	uint8_t frag;    /* a fragment */
	uint8_t cut;     /* the IP length runs past the bound */
};

/*
 * IPv4 header of the packet at @p l3 (all of it within @p avail), whose
 * bytes end at @p bound. UMB_DECODE_tcp means "a well-formed IP header":
 * the protocol, fragment and cut verdicts are left to the caller.
 */
static inline enum umb_decode_result
decode_ipv4(const uint8_t *f, uint32_t avail, uint32_t bound, uint32_t l3,
		struct umb_pkt *out, struct l3res *r)
{
	const uint8_t *ip = f + l3;
	uint32_t hlen, tot;

	if (unlikely(!FITS(l3, IPV4_HLEN, avail)))
		return UMB_DECODE_truncated_ip;
	if (unlikely((ip[0] >> 4) != 4))
		return UMB_DECODE_bad_ip_version;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (unlikely(hlen < IPV4_HLEN || hlen > avail - l3))
		return UMB_DECODE_bad_ip_hlen;
	tot = rd16(ip + 2);
	if (unlikely(tot < hlen))
		return UMB_DECODE_bad_ip_len;
	r->cut = tot > bound - l3;
	/* MF set or a non-zero offset; DF (0x4000) alone is a whole packet */
	r->frag = (rd16(ip + 6) & 0x3fff) != 0;
	r->proto = ip[9];
	r->l4 = l3 + hlen;
	r->end = l3 + tot;

	out->af = 4;
	out->ttl = ip[8];
	memcpy(out->src.b, ip + 12, 4);
	memcpy(out->dst.b, ip + 16, 4);
	out->src.w[1] = out->src.w[2] = out->src.w[3] = 0;
	out->dst.w[1] = out->dst.w[2] = out->dst.w[3] = 0;
	return UMB_DECODE_tcp;
}

/*
 * IPv6 with its extension header chain. The walk reads only the first two
 * bytes of each header, checked against both the payload length and avail,
 * and stops after IPV6_MAX_EXT headers. It ends at the first header that
 * is not an extension (r->proto, r->l4), or at a fragment header (r->frag,
 * r->proto its next header). A packet cut short is not walked.
 */
static inline enum umb_decode_result
decode_ipv6(const uint8_t *f, uint32_t avail, uint32_t bound, uint32_t l3,
		struct umb_pkt *out, struct l3res *r)
{
	const uint8_t *ip = f + l3;
	uint32_t plen, off, lim, len;
	unsigned int n;
	uint8_t nh;

	if (unlikely(!FITS(l3, IPV6_HLEN, avail)))
		return UMB_DECODE_truncated_ip;
	if (unlikely((ip[0] >> 4) != 6))
		return UMB_DECODE_bad_ip_version;
	plen = rd16(ip + 4);
	/* zero means a jumbogram (hop-by-hop option): not supported */
	if (unlikely(plen == 0))
		return UMB_DECODE_bad_ip_len;
	out->af = 6;
	out->ttl = ip[7];
	memcpy(out->src.b, ip + 8, 16);
	memcpy(out->dst.b, ip + 24, 16);
	r->end = l3 + IPV6_HLEN + plen;
	r->l4 = l3 + IPV6_HLEN;
	r->frag = 0;
	r->proto = ip[6];
	r->cut = plen > bound - l3 - IPV6_HLEN;
	if (unlikely(r->cut))
		return UMB_DECODE_tcp;
	/* extension headers must be readable: bound the walk by both */
	lim = r->end < avail ? r->end : avail;
	off = l3 + IPV6_HLEN;
	nh = ip[6];
	for (n = 0; nh != IPPROTO_TCP_; n++) {
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_AH_:
			break;
		case IPPROTO_FRAGMENT_:
			r->frag = 1;
			r->proto = off < lim ? f[off] : IPPROTO_FRAGMENT_;
			return UMB_DECODE_tcp;
		default:
			/* ESP (50), no next header (59), UDP, GRE, ICMPv6, ... */
			goto done;
		}
		if (unlikely(n == IPV6_MAX_EXT || lim - off < 2))
			return UMB_DECODE_bad_ipv6_ext;
		if (nh == IPPROTO_AH_)
			len = ((uint32_t)f[off + 1] + 2) * 4;
		else
			len = ((uint32_t)f[off + 1] + 1) * 8;
		if (unlikely(len > lim - off))
			return UMB_DECODE_bad_ipv6_ext;
		nh = f[off];
		off += len;
	}
done:
	r->proto = nh;
	r->l4 = off;
	return UMB_DECODE_tcp;
}

/*
 * TCP options between opt and opt_end (at most 40 bytes, all readable).
 * Returns 0, or -1 on a bad length: the caller then drops every option, so
 * a segment never carries half of a malformed option list.
 */
static inline int
decode_tcp_options(const uint8_t *opt, uint32_t n, struct umb_pkt *out)
{
	uint32_t i = 0, len;
	uint8_t kind;

	while (i < n) {
		kind = opt[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (unlikely(n - i < 2))
			return -1;
		len = opt[i + 1];
		if (unlikely(len < 2 || len > n - i))
			return -1;
		switch (kind) {
		case 2:
			if (unlikely(len != 4))
				return -1;
			out->mss = rd16(opt + i + 2);
			out->opt_flags |= UMB_OPT_MSS;
			break;
		case 3:
			if (unlikely(len != 3))
				return -1;
			out->wscale = opt[i + 2] > TCP_WSCALE_MAX ?
				TCP_WSCALE_MAX : opt[i + 2];
			out->opt_flags |= UMB_OPT_WSCALE;
			break;
		case 4:
			if (unlikely(len != 2))
				return -1;
			out->opt_flags |= UMB_OPT_SACK_PERM;
			break;
		case 5:
			/* 2 + 8 bytes per block, at least one block */
			if (unlikely(len < 10 || (len - 2) % 8 != 0))
				return -1;
			out->opt_flags |= UMB_OPT_SACK;
			break;
		case 8:
			if (unlikely(len != 10))
				return -1;
			out->tsval = rd32(opt + i + 2);
			out->tsecr = rd32(opt + i + 6);
			out->opt_flags |= UMB_OPT_TS;
			break;
		default:
			break;
		}
		i += len;
	}
	return 0;
}

static inline enum umb_decode_result
decode_tcp(const uint8_t *f, uint32_t avail, uint32_t l4, uint32_t end,
		struct umb_pkt *out, int *opt_warn)
{
	const uint8_t *th = f + l4;
	uint32_t hlen;

	if (unlikely(end - l4 < TCP_HLEN || avail - l4 < TCP_HLEN))
		return UMB_DECODE_truncated_tcp;
	hlen = (uint32_t)(th[12] >> 4) * 4;
	if (unlikely(hlen < TCP_HLEN || hlen > end - l4))
		return UMB_DECODE_bad_tcp_hlen;
	/* within the IP packet but past the contiguous bytes */
	if (unlikely(hlen > avail - l4))
		return UMB_DECODE_truncated_tcp;

	out->sport = rd16(th);
	out->dport = rd16(th + 2);
	out->seq = rd32(th + 4);
	out->ack = rd32(th + 8);
	/* ECE/CWR are not part of the UMB_TCP_* set */
	out->tcp_flags = th[13] & 0x3f;
	out->win = rd16(th + 14);
	out->l4_off = (uint16_t)l4;
	out->payload_off = l4 + hlen;
	out->payload_len = end - l4 - hlen;
	out->opt_flags = 0;
	out->mss = 0;
	out->wscale = 0;
	out->tsval = 0;
	out->tsecr = 0;
	if (hlen > TCP_HLEN &&
			unlikely(decode_tcp_options(th + TCP_HLEN,
					hlen - TCP_HLEN, out) < 0)) {
		out->opt_flags = 0;
		out->mss = 0;
		out->wscale = 0;
		out->tsval = 0;
		out->tsecr = 0;
		if (opt_warn != NULL)
			*opt_warn = 1;
	}
	return UMB_DECODE_tcp;
}

/* What a tunnel carries. */
#define INNER_ETHER 0
#define INNER_V4 L3_V4
#define INNER_V6 L3_V6

/* The encapsulated packet a tunnel header leads to. */
struct inner {
	uint32_t off;    /* its first byte */
	uint32_t end;    /* just past its last byte (the tunnel datagram's end) */
	int kind;        /* INNER_* */
};

static inline int
udp_tunnel(const struct umb_decap_conf *dc, uint16_t dport)
{
	if ((dc->types & UMB_DECAP_VXLAN) && dport == dc->vxlan_port)
		return UMB_TUNNEL_vxlan;
	if ((dc->types & UMB_DECAP_GENEVE) && dport == dc->geneve_port)
		return UMB_TUNNEL_geneve;
	return UMB_TUNNEL_none;
}

/* Could an IP packet of protocol @p proto be a tunnel under @p dc? */
static inline int
tunnel_proto(const struct umb_decap_conf *dc, uint8_t proto)
{
	if (proto == IPPROTO_UDP_)
		return (dc->types & (UMB_DECAP_VXLAN | UMB_DECAP_GENEVE)) != 0;
	if (proto == IPPROTO_GRE_)
		return (dc->types & (UMB_DECAP_ERSPAN | UMB_DECAP_GRE)) != 0;
	return 0;
}

/*
 * VXLAN or GENEVE in the UDP datagram at ip->l4. Header bytes beyond the
 * datagram make a bad tunnel; beyond the contiguous bytes, a truncated one.
 */
static enum umb_decode_result
decode_udp_tunnel(const uint8_t *f, uint32_t lim, const struct l3res *ip,
		const struct umb_decap_conf *dc, struct umb_pkt *out,
		struct inner *in)
{
	uint32_t u = ip->l4, end, h, optlen, o, oend;
	uint16_t ptype;
	int type;

	/* a UDP packet shorter than its header is not a tunnel of ours */
	if (unlikely(!FITS(u, UDP_HLEN, ip->end)))
		return UMB_DECODE_not_tcp;
	if (unlikely(!FITS(u, UDP_HLEN, lim)))
		return UMB_DECODE_tunnel_truncated;
	type = udp_tunnel(dc, rd16(f + u + 2));
	if (type == UMB_TUNNEL_none)
		return UMB_DECODE_not_tcp;
	end = rd16(f + u + 4);
	if (unlikely(end < UDP_HLEN || end > ip->end - u))
		return UMB_DECODE_bad_tunnel;
	end += u;
	h = u + UDP_HLEN;
	/* VXLAN_HLEN == GENEVE_HLEN: the fixed part of either */
	if (unlikely(!FITS(h, VXLAN_HLEN, end)))
		return UMB_DECODE_bad_tunnel;
	if (unlikely(!FITS(h, VXLAN_HLEN, lim)))
		return UMB_DECODE_tunnel_truncated;
	out->tunnel_type = (uint8_t)type;
	out->tunnel_id = rd32(f + h + 4) >> 8;
	in->end = end;
	if (type == UMB_TUNNEL_vxlan) {
		if (unlikely(!(f[h] & VXLAN_FLAG_I)))
			return UMB_DECODE_bad_tunnel;
		in->off = h + VXLAN_HLEN;
		in->kind = INNER_ETHER;
		return UMB_DECODE_tcp;
	}
	/* GENEVE: version 0; options skipped by their lengths, each checked */
	if (unlikely((f[h] >> 6) != 0))
		return UMB_DECODE_bad_tunnel;
	optlen = (uint32_t)(f[h] & 0x3f) * 4;
	o = h + GENEVE_HLEN;
	if (unlikely(!FITS(o, optlen, end)))
		return UMB_DECODE_bad_tunnel;
	if (unlikely(!FITS(o, optlen, lim)))
		return UMB_DECODE_tunnel_truncated;
	oend = o + optlen;
	/* class (2), type (1), length in words (low 5 bits), data */
	while (o < oend) {
		uint32_t len;

		if (unlikely(oend - o < 4))
			return UMB_DECODE_bad_tunnel;
		len = 4 + (uint32_t)(f[o + 3] & 0x1f) * 4;
		if (unlikely(len > oend - o))
			return UMB_DECODE_bad_tunnel;
		o += len;
	}
	ptype = rd16(f + h + 2);
	if (ptype == ETHERTYPE_TEB)
		in->kind = INNER_ETHER;
	else if (ptype == ETHERTYPE_IPV4)
		in->kind = INNER_V4;
	else if (ptype == ETHERTYPE_IPV6)
		in->kind = INNER_V6;
	else
		return UMB_DECODE_bad_tunnel;
	in->off = oend;
	return UMB_DECODE_tcp;
}

/*
 * GRE at ip->l4: Ethernet over GRE, or ERSPAN type I (no header, no
 * sequence number), II (8-byte header) or III (12 bytes, 8 more with the
 * O bit). The C, K and S flags each add a 4-byte word before the payload.
 */
static enum umb_decode_result
decode_gre(const uint8_t *f, uint32_t lim, const struct l3res *ip,
		const struct umb_decap_conf *dc, struct umb_pkt *out,
		struct inner *in)
{
	uint32_t g = ip->l4, end = ip->end, hl, e, key = 0;
	uint16_t flags, proto, w = 0;

	if (unlikely(!FITS(g, GRE_HLEN, end)))
		return UMB_DECODE_bad_tunnel;
	if (unlikely(!FITS(g, GRE_HLEN, lim)))
		return UMB_DECODE_tunnel_truncated;
	flags = rd16(f + g);
	proto = rd16(f + g + 2);
	if (unlikely(flags & GRE_MUST_BE_ZERO))
		return UMB_DECODE_bad_tunnel;
	hl = GRE_HLEN + (flags & GRE_C ? 4 : 0) + (flags & GRE_K ? 4 : 0) +
		(flags & GRE_S ? 4 : 0);
	if (unlikely(!FITS(g, hl, end)))
		return UMB_DECODE_bad_tunnel;
	if (unlikely(!FITS(g, hl, lim)))
		return UMB_DECODE_tunnel_truncated;
	if (flags & GRE_K)
		key = rd32(f + g + GRE_HLEN + (flags & GRE_C ? 4 : 0));
	e = g + hl;
	in->end = end;
	in->kind = INNER_ETHER;
	switch (proto) {
	case ETHERTYPE_TEB:
		if (!(dc->types & UMB_DECAP_GRE))
			return UMB_DECODE_not_tcp;
		out->tunnel_type = UMB_TUNNEL_gre_eth;
		out->tunnel_id = key;
		in->off = e;
		return UMB_DECODE_tcp;
	case ETHERTYPE_ERSPAN2:
		if (!(dc->types & UMB_DECAP_ERSPAN))
			return UMB_DECODE_not_tcp;
		if (!(flags & GRE_S)) {
			/* type I: the mirrored frame right after GRE */
			out->tunnel_type = UMB_TUNNEL_erspan1;
			out->tunnel_id = 0;
			in->off = e;
			return UMB_DECODE_tcp;
		}
		if (unlikely(!FITS(e, ERSPAN2_HLEN, end)))
			return UMB_DECODE_bad_tunnel;
		if (unlikely(!FITS(e, ERSPAN2_HLEN, lim)))
			return UMB_DECODE_tunnel_truncated;
		if (unlikely((f[e] >> 4) != 1))
			return UMB_DECODE_bad_tunnel;
		w = rd16(f + e + 2);
		out->tunnel_type = UMB_TUNNEL_erspan2;
		out->tunnel_id = w & ERSPAN_SESSION;
		in->off = e + ERSPAN2_HLEN;
		break;
	case ETHERTYPE_ERSPAN3:
		if (!(dc->types & UMB_DECAP_ERSPAN))
			return UMB_DECODE_not_tcp;
		if (unlikely(!FITS(e, ERSPAN3_HLEN, end)))
			return UMB_DECODE_bad_tunnel;
		if (unlikely(!FITS(e, ERSPAN3_HLEN, lim)))
			return UMB_DECODE_tunnel_truncated;
		if (unlikely((f[e] >> 4) != 2))
			return UMB_DECODE_bad_tunnel;
		w = rd16(f + e + 2);
		out->tunnel_type = UMB_TUNNEL_erspan3;
		out->tunnel_id = w & ERSPAN_SESSION;
		in->off = e + ERSPAN3_HLEN;
		/* P(1) FT(5) HW ID(6) D(1) Gra(2) O(1) */
		if (rd16(f + e + 10) & 0x0001) {
			if (unlikely(!FITS(in->off, ERSPAN3_SUB_HLEN, end)))
				return UMB_DECODE_bad_tunnel;
			in->off += ERSPAN3_SUB_HLEN;
		}
		/* frame type: 0 Ethernet, 2 IP, others reserved */
		switch ((rd16(f + e + 10) >> 10) & 0x1f) {
		case 0:
			break;
		case 2:
			if (unlikely(!FITS(in->off, 1, end)))
				return UMB_DECODE_inner_truncated;
			if (unlikely(!FITS(in->off, 1, lim)))
				return UMB_DECODE_tunnel_truncated;
			in->kind = f[in->off] >> 4;
			if (unlikely(in->kind != INNER_V4 && in->kind != INNER_V6))
				return UMB_DECODE_bad_ip_version;
			break;
		default:
			return UMB_DECODE_bad_tunnel;
		}
		break;
	default:
		return UMB_DECODE_bad_tunnel;
	}
	/* the switch cut the mirrored frame: never payload */
	if (unlikely(w & ERSPAN_T))
		return UMB_DECODE_inner_truncated;
	return UMB_DECODE_tcp;
}

/*
 * The result of an outer packet (depth 0) that is not a whole TCP segment:
 * what a plain frame gets, unless decapsulation may apply to it.
 */
static inline enum umb_decode_result
outer_verdict(const uint8_t *f, uint32_t lim, const struct l3res *ip,
		const struct umb_decap_conf *dc)
{
	int maybe = dc != NULL && tunnel_proto(dc, ip->proto);

	if (ip->cut) {
		if (!maybe)
			return UMB_DECODE_bad_ip_len;
		/* UDP: a tunnel if its port says so (when the port is there) */
		if (ip->proto == IPPROTO_UDP_ && !ip->frag &&
				FITS(ip->l4, UDP_HLEN, lim) &&
				udp_tunnel(dc, rd16(f + ip->l4 + 2)) == UMB_TUNNEL_none)
			return UMB_DECODE_bad_ip_len;
		return UMB_DECODE_tunnel_truncated;
	}
	if (ip->frag)
		return maybe ? UMB_DECODE_outer_fragment : UMB_DECODE_ip_fragment;
	return UMB_DECODE_not_tcp;
}

/* Inside a tunnel, a header cut by the tunnel's end is a cut packet. */
static inline enum umb_decode_result
inner_verdict(enum umb_decode_result r, uint32_t bound, uint32_t avail)
{
	if ((r == UMB_DECODE_truncated_l2 || r == UMB_DECODE_truncated_ip) &&
			bound <= avail)
		return UMB_DECODE_inner_truncated;
	return r;
}

static inline enum umb_decode_result
decode_frame(const uint8_t *frame, uint32_t avail, uint32_t frame_len,
		enum umb_link link, const struct umb_decap_conf *dc,
		struct umb_pkt *out, int *opt_warn)
{
	enum umb_decode_result r;
	struct l3res ip;
	struct inner in;
	uint32_t l3 = 0, bound = frame_len, lim;
	unsigned int depth = 0;
	int fam = L3_NONE;

	/* a caller that breaks avail <= frame_len gets the smaller bound */
	if (unlikely(avail > frame_len))
		avail = frame_len;
	lim = avail;
	out->tunnel_type = UMB_TUNNEL_none;
	out->tunnel_id = 0;
	out->pad[0] = 0;
	if (dc != NULL && dc->types == 0)
		dc = NULL;
	r = decode_link(frame, avail, link, out, &l3, &fam);
	if (unlikely(r != UMB_DECODE_tcp))
		return r;
	for (;;) {
		out->l3_off = (uint16_t)l3;
		if (fam == L3_V4)
			r = decode_ipv4(frame, lim, bound, l3, out, &ip);
		else
			r = decode_ipv6(frame, lim, bound, l3, out, &ip);
		if (unlikely(r != UMB_DECODE_tcp))
			return depth == 0 ? r : inner_verdict(r, bound, avail);
		if (likely(ip.proto == IPPROTO_TCP_ && !ip.frag && !ip.cut))
			break;
		if (depth == 0) {
			r = outer_verdict(frame, lim, &ip, dc);
			if (r != UMB_DECODE_not_tcp || dc == NULL ||
					!tunnel_proto(dc, ip.proto))
				return r;
		} else {
			if (ip.cut)
				return UMB_DECODE_inner_truncated;
			if (ip.frag)
				return UMB_DECODE_ip_fragment;
			if (!tunnel_proto(dc, ip.proto))
				return UMB_DECODE_not_tcp;
		}
		if (ip.proto == IPPROTO_UDP_)
			r = decode_udp_tunnel(frame, lim, &ip, dc, out, &in);
		else
			r = decode_gre(frame, lim, &ip, dc, out, &in);
		if (r != UMB_DECODE_tcp)
			return r;
		if (unlikely(++depth > TUNNEL_MAX_DEPTH))
			return UMB_DECODE_tunnel_too_deep;
		if (dc->key == UMB_DECAP_KEY_INNER)
			out->tunnel_id = 0;
		bound = in.end;
		lim = avail < bound ? avail : bound;
		/* the tags of the outer frame are not the mirrored frame's */
		out->nb_vlan = 0;
		out->vlan[0] = 0;
		out->vlan[1] = 0;
		if (in.kind == INNER_ETHER) {
			r = decode_ether(frame, in.off, lim, out, &l3, &fam);
			if (unlikely(r != UMB_DECODE_tcp))
				return inner_verdict(r, bound, avail);
		} else {
			l3 = in.off;
			fam = in.kind;
		}
	}
	return decode_tcp(frame, lim, ip.l4, ip.end, out, opt_warn);
}

enum umb_decode_result
umb_decode(const uint8_t *frame, uint32_t avail, uint32_t frame_len,
		enum umb_link link, struct umb_pkt *out, int *opt_warn)
{
	return decode_frame(frame, avail, frame_len, link, NULL, out, opt_warn);
}

enum umb_decode_result
umb_decode_tap(const uint8_t *frame, uint32_t avail, uint32_t frame_len,
		enum umb_link link, const struct umb_decap_conf *dc,
		struct umb_pkt *out, int *opt_warn)
{
	return decode_frame(frame, avail, frame_len, link, dc, out, opt_warn);
}

const char *
umb_tunnel_name(enum umb_tunnel t)
{
	if ((unsigned int)t >= UMB_TUNNEL_MAX)
		return "unknown";
	return umb_tunnel_ctr_group.names[t];
}

int
umb_endpoint_str(uint8_t af, const union umb_addr *a, uint16_t port,
		char *buf, unsigned int size)
{
	char ip[INET6_ADDRSTRLEN];

	if (a == NULL || (buf == NULL && size != 0))
		return -1;
	if (af == 4) {
		if (inet_ntop(AF_INET, a->b, ip, sizeof(ip)) == NULL)
			return -1;
		return snprintf(buf, size, "%s:%u", ip, port);
	}
	if (af == 6) {
		if (inet_ntop(AF_INET6, a->b, ip, sizeof(ip)) == NULL)
			return -1;
		return snprintf(buf, size, "[%s]:%u", ip, port);
	}
	return -1;
}

int
umb_pkt_endpoint_str(const struct umb_pkt *p, int dst, char *buf,
		unsigned int size)
{
	if (p == NULL)
		return -1;
	if (dst)
		return umb_endpoint_str(p->af, &p->dst, p->dport, buf, size);
	return umb_endpoint_str(p->af, &p->src, p->sport, buf, size);
}
