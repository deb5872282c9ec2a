/* SPDX-License-Identifier: BSD-3-Clause
 * Shadow role: owns the shadow port's queues. It answers ARP and IPv6
 * neighbour solicitations for umbra's shadow-side address and keeps the
 * shadow service's MAC resolved (lib/peer, neigh) and published to the
 * reassembly lcores; it decodes the shadow's TCP segments and hands each
 * to the reassembly lcore that owns its SNAT port (dport % nb_reasm, see
 * docs/peer.md); and it transmits the frames those lcores built. Only this
 * role transmits, and only on the shadow port.
 *
 * Benchmark mode (--bench-responder): an in-process responder
 * (responder.c) answers every frame sent as a minimal shadow would, and
 * its answers are handled as if received on the port.
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
	if (rc == 0 && (!sh->target_known ||
			!rte_is_same_ether_addr(&mac, &sh->target_mac))) {
		sh->target_known = 1;
		sh->target_mac = mac;
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_target_resolved);
		__atomic_store_n(&sh->next_hop, UMB_NEXT_HOP_KNOWN |
				umb_mac_word(&mac), __ATOMIC_RELEASE);
	} else if (rc == -EHOSTUNREACH && sh->target_known) {
		sh->target_known = 0;
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_target_unreachable);
		__atomic_store_n(&sh->next_hop, 0, __ATOMIC_RELEASE);
	}
}

/* A TCP segment from the shadow: to the lcore owning its SNAT port. */
static void
to_peer(struct umb_shadow_ctx *sh, struct rte_mbuf *m, uint64_t now)
{
	struct umb_app *app = sh->app;
	struct umb_pkt *p = rte_mbuf_to_priv(m);
	uint8_t hdr[256];
	uint32_t hlen = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(hdr));
	const uint8_t *h = rte_pktmbuf_read(m, 0, hlen, hdr);
	int warn = 0;
	unsigned int w;

	if (h == NULL || rte_pktmbuf_priv_size(m->pool) < sizeof(*p) ||
			umb_decode(h, hlen, rte_pktmbuf_pkt_len(m), UMB_LINK_ETHER, p,
				&warn) != UMB_DECODE_tcp) {
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_not_ours);
		rte_pktmbuf_free(m);
		return;
	}
	p->ts_us = now;
	w = p->dport % app->nb_reasm;
	if (rte_ring_sp_enqueue(app->reasm[w]->sh_in, m) != 0) {
		UMB_CTR_INC(sh->ctr, UMB_SHADOW_peer_ring_full);
		rte_pktmbuf_free(m);
		return;
	}
	UMB_CTR_INC(sh->ctr, UMB_SHADOW_tcp_to_peer);
}

/* One frame received on the shadow port (or answered by the responder). */
static void
handle_rx(struct umb_shadow_ctx *sh, struct rte_mbuf *m, uint64_t now)
{
	struct umb_app *app = sh->app;
	struct rte_mbuf *reply = NULL;
	uint8_t scratch[128];
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(scratch));
	const uint8_t *p = rte_pktmbuf_read(m, 0, len, scratch);

	UMB_CTR_INC(sh->ctr, UMB_SHADOW_rx);
	if (p != NULL && umb_neigh_input(sh->neigh, p, len, now,
			app->mbuf_pool, &reply) == 1) {
		if (reply != NULL)
			shadow_send(sh, reply);
		rte_pktmbuf_free(m);
		return;
	}
	to_peer(sh, m, now);
}

/* Send what the reassembly lcores built; the responder answers first. */
static unsigned int
drain_tx(struct umb_shadow_ctx *sh, uint64_t now)
{
	struct umb_app *app = sh->app;
	unsigned int work = 0;

	for (unsigned int w = 0; w < app->nb_reasm; w++) {
		struct rte_mbuf *bufs[UMB_BURST];
		unsigned int n = rte_ring_sc_dequeue_burst(app->reasm[w]->sh_out,
				(void **)bufs, UMB_BURST, NULL);
		uint16_t sent;

		if (n == 0)
			continue;
		work += n;
		if (sh->responder != NULL) {
			for (unsigned int i = 0; i < n; i++) {
				struct rte_mbuf *ans[4];
				unsigned int k = umb_responder_answer(sh->responder,
						bufs[i], ans, RTE_DIM(ans));

				UMB_CTR_ADD(sh->ctr, UMB_SHADOW_responder_frames, k);
				for (unsigned int j = 0; j < k; j++)
					handle_rx(sh, ans[j], now);
			}
		}
		sent = rte_eth_tx_burst(sh->port_id, 0, bufs, (uint16_t)n);
		UMB_CTR_ADD(sh->ctr, UMB_SHADOW_tx, sent);
		if (sent < n) {
			rte_pktmbuf_free_bulk(bufs + sent, n - sent);
			UMB_CTR_ADD(sh->ctr, UMB_SHADOW_tx_drops, n - sent);
		}
	}
	return work;
}

static int
reasm_all_done(const struct umb_app *app)
{
	for (unsigned int w = 0; w < app->nb_reasm; w++)
		if (!umb_role_reasm.done(app->reasm[w]))
			return 0;
	return 1;
}

static unsigned int
shadow_poll(void *arg)
{
	struct umb_shadow_ctx *sh = arg;
	struct umb_app *app = sh->app;
	struct rte_mbuf *bufs[UMB_BURST];
	uint64_t now = umb_now_us(app);
	uint16_t n;
	unsigned int work;

	if (umb_quit(app)) {
		/* The reassembly lcores reset their shadow sessions as they
		 * stop: send those RSTs, then stop. */
		int last = reasm_all_done(app);

		drain_tx(sh, now);
		if (last)
			__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
		return 0;
	}
	drive_resolution(sh, now);
	n = rte_eth_rx_burst(sh->port_id, 0, bufs, UMB_BURST);
	for (uint16_t i = 0; i < n; i++)
		handle_rx(sh, bufs[i], now);
	work = n + drain_tx(sh, now);
	return work;
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
