/* SPDX-License-Identifier: BSD-3-Clause
 * Shadow role: owns the shadow port's queues. Today it answers ARP and
 * IPv6 neighbour solicitations for umbra's shadow-side address and keeps
 * the shadow service's MAC resolved (lib/peer, neigh); frames of the TCP
 * peer are counted and dropped until the peer state machine lands
 * (docs/peer.md). Only this role transmits, and only on the shadow port.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "umbra.h"

UMB_CTR_GROUP_DEFINE(shadow, UMB_SHADOW_COUNTERS, UMB_SHADOW_CTR_MAX);

#define RESOLVE_EVERY_US 100000 /* drive the target's resolution at 10 Hz */

static void
shadow_send(struct umb_shadow_ctx *sh, struct rte_mbuf *m)
{
	if (rte_eth_tx_burst(sh->port_id, 0, &m, 1) == 1) {
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_tx);
		return;
	}
	rte_pktmbuf_free(m);
	UMB_CTR_INC(sh->ctr, UMB_SHADOW_tx_drops);
}

/* Keep the shadow service's MAC known: resolve, re-probe, count changes. */
static void
drive_resolution(struct umb_shadow_ctx *sh, uint64_t now)
{
	struct rte_mbuf *req = NULL;
	struct rte_ether_addr mac;
	int rc;

	if (sh->target_af == 0 || now < sh->next_resolve_us)
		return;
	sh->next_resolve_us = now + RESOLVE_EVERY_US;
	rc = umb_neigh_resolve(sh->neigh, sh->target_af, &sh->target, now,
			sh->app->mbuf_pool, &mac, &req);
	if (req != NULL)
		shadow_send(sh, req);
	if (rc == 0 && !sh->target_known) {
		sh->target_known = 1;
		sh->target_mac = mac;
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_target_resolved);
	} else if (rc == -EHOSTUNREACH && sh->target_known) {
		sh->target_known = 0;
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_target_unreachable);
	}
}

static unsigned int
shadow_poll(void *arg)
{
	struct umb_shadow_ctx *sh = arg;
	struct umb_app *app = sh->app;
	struct rte_mbuf *bufs[UMB_BURST];
	uint64_t now = umb_now_us(app);
	uint16_t n;

	if (umb_quit(app)) {
		__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
		return 0;
	}
	drive_resolution(sh, now);
	n = rte_eth_rx_burst(sh->port_id, 0, bufs, UMB_BURST);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = bufs[i];
		struct rte_mbuf *reply = NULL;
		uint8_t scratch[128];
		uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(scratch));
		const uint8_t *p = rte_pktmbuf_read(m, 0, len, scratch);

		UMB_CTR_INC(sh->ctr, UMB_SHADOW_rx);
		if (p != NULL && umb_neigh_input(sh->neigh, p, len, now,
				app->mbuf_pool, &reply) == 1) {
			if (reply != NULL)
				shadow_send(sh, reply);
		} else {
			UMB_CTR_INC(sh->ctr, UMB_SHADOW_not_neighbour);
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

static int
shadow_done(void *arg)
{
	const struct umb_shadow_ctx *sh = arg;

	return __atomic_load_n(&sh->done, __ATOMIC_ACQUIRE);
}

const struct umb_role umb_role_shadow = {
	.name = "shadow",
	.poll = shadow_poll,
	.done = shadow_done,
};
