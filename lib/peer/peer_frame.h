/* SPDX-License-Identifier: BSD-3-Clause
 * Private to lib/peer: byte-order helpers that work at any alignment, the
 * Ethernet/802.1Q header writer and the mbuf allocation shared by the TCP
 * frame builder and the neighbour layer, so every frame umbra sends on the
 * shadow port is framed and padded the same way.
 */
#ifndef UMB_PEER_FRAME_H
#define UMB_PEER_FRAME_H

#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
/* Smallest Ethernet frame without the FCS: shorter frames are padded. */
#define ETH_MIN_FRAME 60

/*
 * Received frames sit at any alignment (and the fuzzer makes sure of it):
 * every multi-byte field is read and written byte by byte, big-endian.
 */
static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Ethernet header and the optional 802.1Q tag; returns the L2 length. */
static inline uint32_t
write_l2(uint8_t *p, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t vlan,
		uint16_t ether_type)
{
	memcpy(p, dst->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(p + 6, src->addr_bytes, RTE_ETHER_ADDR_LEN);
	if (vlan == 0) {
		put16(p + 12, ether_type);
		return ETH_HLEN;
	}
	put16(p + 12, RTE_ETHER_TYPE_VLAN);
	put16(p + 14, vlan);   /* PCP 0, DEI 0 */
	put16(p + 16, ether_type);
	return ETH_HLEN + VLAN_HLEN;
}

/*
 * Take an mbuf from @p mp holding @p frame_len bytes at *@p data, padded
 * with zeros to the Ethernet minimum. NULL with rte_errno EMSGSIZE when the
 * frame cannot fit one mbuf of @p mp (checked before taking one), ENOBUFS
 * when the pool is empty.
 */
struct rte_mbuf *umb_peer_frame_alloc(struct rte_mempool *mp,
		uint32_t frame_len, uint8_t **data);

#endif
