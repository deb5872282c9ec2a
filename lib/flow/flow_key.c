/* SPDX-License-Identifier: BSD-3-Clause
 * The flow counters. The canonical key, its table hash and the sampling
 * hash are inline in umb_flow.h (they run once per received segment).
 *
 * Canonical order (the lower endpoint is endpoint 0) makes the key, and so
 * every hash of it, identical for both directions: the receive role can
 * shard flows to reassembly lcores without either direction ever landing
 * elsewhere, and the sampling decision taken at the client's SYN is the one
 * the server's packets see.
 */
#include "umb_flow.h"

UMB_CTR_GROUP_DEFINE(flow, UMB_FLOW_COUNTERS, UMB_FLOW_CTR_MAX);

uint32_t
umb_flow_pkt_hash(const struct umb_pkt *p)
{
	struct umb_flow_key k;

	umb_flow_key_make(&k, p);
	return umb_flow_hash(&k);
}
