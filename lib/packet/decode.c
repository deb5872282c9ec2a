/* SPDX-License-Identifier: BSD-3-Clause
 * Frame decoder: link framing, IPv4/IPv6, TCP header and options into a
 * struct umb_pkt. Every length read from the frame is checked before it is
 * used: headers must lie within the contiguous bytes given (avail), the
 * payload may run on past them up to frame_len, and the payload length always
 * comes from the IP lengths so that link padding never becomes payload.
 * Fields are read byte by byte, so the frame may sit at any alignment. No
 * state, no allocation: the function is called once per received frame.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>

#include "umb_packet.h"

UMB_CTR_GROUP_DEFINE(decode, UMB_DECODE_RESULTS, UMB_DECODE_MAX);

#define ETHER_HLEN 14
#define VLAN_HLEN 4
#define NULL_HLEN 4
#define SLL_HLEN 16
#define SLL2_HLEN 20
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60

/* RFC 7323: a shift above 14 is treated as 14. */
#define TCP_WSCALE_MAX 14
/* Bound on the IPv6 extension header walk; real stacks send two or three. */
#define IPV6_MAX_EXT 8

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
decode_ether(const uint8_t *f, uint32_t avail, struct umb_pkt *out,
		uint32_t *l3, int *fam)
{
	uint32_t off = 12;
	uint16_t et;
	uint8_t nb = 0;

	if (unlikely(avail < ETHER_HLEN))
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
		return decode_ether(f, avail, out, l3, fam);
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

/*
 * IPv4: on success *l4 is the TCP header offset and *end the offset just
 * past the IP packet (l3 + total length), which is <= frame_len.
 */
static inline enum umb_decode_result
decode_ipv4(const uint8_t *f, uint32_t avail, uint32_t frame_len, uint32_t l3,
		struct umb_pkt *out, uint32_t *l4, uint32_t *end)
{
	const uint8_t *ip = f + l3;
	uint32_t hlen, tot;

	if (unlikely(avail - l3 < IPV4_HLEN))
		return UMB_DECODE_truncated_ip;
	if (unlikely((ip[0] >> 4) != 4))
		return UMB_DECODE_bad_ip_version;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (unlikely(hlen < IPV4_HLEN || hlen > avail - l3))
		return UMB_DECODE_bad_ip_hlen;
	tot = rd16(ip + 2);
	if (unlikely(tot < hlen || tot > frame_len - l3))
		return UMB_DECODE_bad_ip_len;
	/* MF set or a non-zero offset; DF (0x4000) alone is a whole packet */
	if (unlikely(rd16(ip + 6) & 0x3fff))
		return UMB_DECODE_ip_fragment;
	if (unlikely(ip[9] != IPPROTO_TCP_))
		return UMB_DECODE_not_tcp;

	out->af = 4;
	out->ttl = ip[8];
	memcpy(out->src.b, ip + 12, 4);
	memcpy(out->dst.b, ip + 16, 4);
	out->src.w[1] = out->src.w[2] = out->src.w[3] = 0;
	out->dst.w[1] = out->dst.w[2] = out->dst.w[3] = 0;
	*l4 = l3 + hlen;
	*end = l3 + tot;
	return UMB_DECODE_tcp;
}

/*
 * IPv6 with its extension header chain. The walk reads only the first two
 * bytes of each header, checked against both the payload length and avail,
 * and stops after IPV6_MAX_EXT headers.
 */
static inline enum umb_decode_result
decode_ipv6(const uint8_t *f, uint32_t avail, uint32_t frame_len, uint32_t l3,
		struct umb_pkt *out, uint32_t *l4, uint32_t *end)
{
	const uint8_t *ip = f + l3;
	uint32_t plen, off, lim, len;
	unsigned int n;
	uint8_t nh;

	if (unlikely(avail - l3 < IPV6_HLEN))
		return UMB_DECODE_truncated_ip;
	if (unlikely((ip[0] >> 4) != 6))
		return UMB_DECODE_bad_ip_version;
	plen = rd16(ip + 4);
	/* zero means a jumbogram (hop-by-hop option): not supported */
	if (unlikely(plen == 0 || plen > frame_len - l3 - IPV6_HLEN))
		return UMB_DECODE_bad_ip_len;
	*end = l3 + IPV6_HLEN + plen;
	/* extension headers must be readable: bound the walk by both */
	lim = *end < avail ? *end : avail;
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
			return UMB_DECODE_ip_fragment;
		default:
			/* ESP (50), no next header (59), UDP, ICMPv6, ... */
			return UMB_DECODE_not_tcp;
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

	out->af = 6;
	out->ttl = ip[7];
	memcpy(out->src.b, ip + 8, 16);
	memcpy(out->dst.b, ip + 24, 16);
	*l4 = off;
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

enum umb_decode_result
umb_decode(const uint8_t *frame, uint32_t avail, uint32_t frame_len,
		enum umb_link link, struct umb_pkt *out, int *opt_warn)
{
	enum umb_decode_result r;
	uint32_t l3 = 0, l4 = 0, end = 0;
	int fam = L3_NONE;

	/* a caller that breaks avail <= frame_len gets the smaller bound */
	if (unlikely(avail > frame_len))
		avail = frame_len;
	r = decode_link(frame, avail, link, out, &l3, &fam);
	if (unlikely(r != UMB_DECODE_tcp))
		return r;
	out->l3_off = (uint16_t)l3;
	if (fam == L3_V4)
		r = decode_ipv4(frame, avail, frame_len, l3, out, &l4, &end);
	else
		r = decode_ipv6(frame, avail, frame_len, l3, out, &l4, &end);
	if (unlikely(r != UMB_DECODE_tcp))
		return r;
	out->pad[0] = 0;
	out->pad[1] = 0;
	return decode_tcp(frame, avail, l4, end, out, opt_warn);
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
