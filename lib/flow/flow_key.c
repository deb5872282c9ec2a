/* SPDX-License-Identifier: BSD-3-Clause
 * The canonical flow key, its table hash and the sampling hash.
 *
 * Canonical order (lower address, then lower port, is endpoint 0) makes the
 * key, and so every hash of it, identical for both directions: the receive
 * role can shard flows to reassembly lcores without either direction ever
 * landing elsewhere, and the sampling decision taken at the client's SYN is
 * the one the server's packets see.
 */
#include <string.h>

#include <rte_hash_crc.h>
#include <xxhash.h>

#include "umb_flow.h"

UMB_CTR_GROUP_DEFINE(flow, UMB_FLOW_COUNTERS, UMB_FLOW_CTR_MAX);

static inline int
endpoint_cmp(const union umb_addr *a, uint16_t ap, const union umb_addr *b,
		uint16_t bp)
{
	int c = memcmp(a->b, b->b, sizeof(a->b));

	if (c != 0)
		return c;
	return (int)ap - (int)bp;
}

int
umb_flow_key_make(struct umb_flow_key *k, const struct umb_pkt *p)
{
	int sender = endpoint_cmp(&p->src, p->sport, &p->dst, p->dport) <= 0 ? 0 : 1;

	k->addr[sender] = p->src;
	k->port[sender] = p->sport;
	k->addr[!sender] = p->dst;
	k->port[!sender] = p->dport;
	k->af = p->af;
	memset(k->pad, 0, sizeof(k->pad));
	return sender;
}

uint32_t
umb_flow_hash(const struct umb_flow_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0x756d6272);
}

uint32_t
umb_flow_pkt_hash(const struct umb_pkt *p)
{
	struct umb_flow_key k;

	umb_flow_key_make(&k, p);
	return umb_flow_hash(&k);
}

uint64_t
umb_flow_sample_hash(const struct umb_flow_key *k, uint64_t seed)
{
	return XXH64(k, sizeof(*k), seed);
}
