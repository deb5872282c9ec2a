/* SPDX-License-Identifier: BSD-3-Clause
 * Frame builder of the shadow TCP peer (see umb_peer.h): writes one TCP
 * segment toward the shadow, Ethernet to TCP payload, into a single mbuf,
 * and the MSS umbra offers the shadow.
 *
 * Nothing is left to the NIC: the IPv4 header checksum and the TCP checksum
 * are computed here in software, because the shadow port may be a virtual
 * device with no offload at all, and one code path is simpler to test than
 * two. The frame is checked against the MTU and the mbuf room before the
 * mbuf is taken, so a frame that can never fit fails the same way whether
 * the pool is empty or not.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "umb_peer.h"
#include "peer_frame.h"

/* IPv4 flags/fragment field with DF set and offset 0. */
#define IP4_DF 0x4000

/* TCP option kinds and lengths (RFC 9293, RFC 7323, RFC 2018). */
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TS 8
#define TCPOLEN_MSS 4
#define TCPOLEN_WS 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TS 10

/* Default MSS of a peer that sent none, and minimum MTUs per family. */
#define MSS_DEFAULT_V4 536
#define MSS_DEFAULT_V6 1220
#define MTU_MIN_V4 576
#define MTU_MIN_V6 1280

uint32_t
umb_peer_tcp_optlen(const struct umb_peer_tcp *t)
{
	uint32_t n = 0;

	if (t->mss != 0)
		n += 4;
	if (t->has_ts || t->sack_perm)
		n += t->has_ts ? 12 : 4;
	if (t->wscale != UMB_PEER_NO_WSCALE)
		n += 4;
	return n;
}

/*
 * Same layout as Linux tcp_options_write(): every block is a whole number
 * of 32-bit words, so no trailing padding is ever needed. Returns the bytes
 * written, equal to umb_peer_tcp_optlen().
 */
static uint32_t
write_options(uint8_t *p, const struct umb_peer_tcp *t)
{
	uint8_t *o = p;

	if (t->mss != 0) {
		o[0] = TCPOPT_MSS;
		o[1] = TCPOLEN_MSS;
		put16(o + 2, t->mss);
		o += 4;
	}
	if (t->has_ts) {
		if (t->sack_perm) {
			o[0] = TCPOPT_SACK_PERM;
			o[1] = TCPOLEN_SACK_PERM;
		} else {
			o[0] = TCPOPT_NOP;
			o[1] = TCPOPT_NOP;
		}
		o[2] = TCPOPT_TS;
		o[3] = TCPOLEN_TS;
		put32(o + 4, t->tsval);
		put32(o + 8, t->tsecr);
		o += 12;
	} else if (t->sack_perm) {
		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_NOP;
		o[2] = TCPOPT_SACK_PERM;
		o[3] = TCPOLEN_SACK_PERM;
		o += 4;
	}
	if (t->wscale != UMB_PEER_NO_WSCALE) {
		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_WS;
		o[2] = TCPOLEN_WS;
		o[3] = t->wscale;
		o += 4;
	}
	return (uint32_t)(o - p);
}

static int
check_args(struct rte_mempool *mp, const struct umb_peer_l2l3 *l,
		const struct umb_peer_tcp *t)
{
	if (mp == NULL || l == NULL || t == NULL)
		return EINVAL;
	if (l->af != 4 && l->af != 6)
		return EINVAL;
	if (l->vlan > UMB_PEER_MAX_VLAN)
		return EINVAL;
	if (t->wscale != UMB_PEER_NO_WSCALE && t->wscale > UMB_PEER_MAX_WSCALE)
		return EINVAL;
	if (t->payload == NULL && t->len > 0)
		return EINVAL;
	return 0;
}

struct rte_mbuf *
umb_peer_frame_alloc(struct rte_mempool *mp, uint32_t frame_len,
		uint8_t **data)
{
	uint32_t wire = RTE_MAX(frame_len, (uint32_t)ETH_MIN_FRAME);
	uint32_t room = rte_pktmbuf_data_room_size(mp);
	struct rte_mbuf *m;
	char *p;

	if (room < RTE_PKTMBUF_HEADROOM ||
			wire > room - RTE_PKTMBUF_HEADROOM) {
		rte_errno = EMSGSIZE;
		return NULL;
	}
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	p = rte_pktmbuf_append(m, (uint16_t)wire);
	if (p == NULL) {
		/* A pool whose mbufs have a private headroom larger than ours. */
		rte_pktmbuf_free(m);
		rte_errno = EMSGSIZE;
		return NULL;
	}
	if (wire > frame_len)
		memset(p + frame_len, 0, wire - frame_len);
	*data = (uint8_t *)p;
	return m;
}


struct rte_mbuf *
umb_peer_build(struct rte_mempool *mp, const struct umb_peer_l2l3 *l,
		const struct umb_peer_tcp *t)
{
	uint32_t optlen, l2_len, l3_len, l4_len, ip_len, mtu;
	struct rte_tcp_hdr *tcp;
	struct rte_mbuf *m;
	uint8_t *p;
	int rc;

	rc = check_args(mp, l, t);
	if (rc != 0) {
		rte_errno = rc;
		return NULL;
	}
	optlen = umb_peer_tcp_optlen(t);
	l2_len = ETH_HLEN + (l->vlan != 0 ? VLAN_HLEN : 0);
	l3_len = l->af == 4 ? IP4_HLEN : IP6_HLEN;
	l4_len = TCP_HLEN + optlen;
	mtu = l->mtu != 0 ? l->mtu : UMB_PEER_DEFAULT_MTU;
	/* len is checked alone first so that the sum cannot wrap. */
	if (t->len > mtu || l3_len + l4_len + t->len > mtu) {
		rte_errno = EMSGSIZE;
		return NULL;
	}
	ip_len = l3_len + l4_len + t->len;

	m = umb_peer_frame_alloc(mp, l2_len + ip_len, &p);
	if (m == NULL)
		return NULL;

	write_l2(p, &l->dst_mac, &l->src_mac, l->vlan,
		l->af == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	tcp = (struct rte_tcp_hdr *)(p + l2_len + l3_len);
	tcp->src_port = rte_cpu_to_be_16(t->sport);
	tcp->dst_port = rte_cpu_to_be_16(t->dport);
	tcp->sent_seq = rte_cpu_to_be_32(t->seq);
	tcp->recv_ack = rte_cpu_to_be_32(t->ack);
	tcp->data_off = (uint8_t)((l4_len / 4) << 4);
	tcp->tcp_flags = t->flags;
	tcp->rx_win = rte_cpu_to_be_16(t->win);
	tcp->cksum = 0;
	tcp->tcp_urp = 0;
	write_options((uint8_t *)(tcp + 1), t);
	if (t->len > 0)
		memcpy((uint8_t *)tcp + l4_len, t->payload, t->len);

	if (l->af == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2_len);

		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
		ip->packet_id = rte_cpu_to_be_16(t->ip_id);
		ip->fragment_offset = rte_cpu_to_be_16(IP4_DF);
		ip->time_to_live = l->ttl != 0 ? l->ttl : UMB_PEER_DEFAULT_TTL;
		ip->next_proto_id = IPPROTO_TCP;
		ip->hdr_checksum = 0;
		memcpy(&ip->src_addr, l->src.b, 4);
		memcpy(&ip->dst_addr, l->dst.b, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
		m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 |
			RTE_PTYPE_L4_TCP;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + l2_len);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4_len + t->len));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = l->ttl != 0 ? l->ttl : UMB_PEER_DEFAULT_TTL;
		memcpy(ip->src_addr, l->src.b, 16);
		memcpy(ip->dst_addr, l->dst.b, 16);
		tcp->cksum = rte_ipv6_udptcp_cksum(ip, tcp);
		m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 |
			RTE_PTYPE_L4_TCP;
	}
	if (l->vlan != 0)
		m->packet_type = (m->packet_type & ~RTE_PTYPE_L2_MASK) |
			RTE_PTYPE_L2_ETHER_VLAN;
	m->l2_len = l2_len;
	m->l3_len = l3_len;
	m->l4_len = l4_len;
	m->ol_flags = 0;
	return m;
}

uint16_t
umb_peer_mss_clamp(uint16_t client_mss, uint16_t mtu, uint8_t af)
{
	uint32_t hdr = (af == 6 ? IP6_HLEN : IP4_HLEN) + TCP_HLEN;
	uint32_t min_mtu = af == 6 ? MTU_MIN_V6 : MTU_MIN_V4;
	uint32_t link_mtu = mtu != 0 ? mtu : UMB_PEER_DEFAULT_MTU;
	uint32_t mss = client_mss;

	if (mss == 0)
		mss = af == 6 ? MSS_DEFAULT_V6 : MSS_DEFAULT_V4;
	link_mtu = RTE_MAX(link_mtu, min_mtu);
	return (uint16_t)RTE_MIN(mss, link_mtu - hdr);
}
