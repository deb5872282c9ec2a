/* SPDX-License-Identifier: BSD-3-Clause
 * The flow counters. The canonical key, its table hash and the sampling
 * hash are inline in umb_flow.h (they run once per received segment).
 * The key holds the tunnel session of a decapsulated segment (0 for a
 * plain one, or for every segment of a port with decap_key = inner).
 *
 * Canonical order (the lower endpoint is endpoint 0) makes the key, and so
 * every hash of it, identical for both directions: the receive role can
 * shard flows to reassembly lcores without either direction ever landing
 * elsewhere, and the sampling decision taken at the client's SYN is the one
 * the server's packets see.
 */
#include <stddef.h>

#include <rte_byteorder.h>

#include "umb_flow.h"

UMB_CTR_GROUP_DEFINE(flow, UMB_FLOW_COUNTERS, UMB_FLOW_CTR_MAX);

_Static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN,
		"umb_flow_pkt_hash builds the key's last word little endian");
_Static_assert(offsetof(struct umb_flow_key, port) == 32 &&
		offsetof(struct umb_flow_key, af) == 36 &&
		offsetof(struct umb_flow_key, tunnel_id) == 40 &&
		sizeof(struct umb_flow_key) == UMB_FLOW_KEY_LEN,
		"umb_flow_pkt_hash follows the key layout");
