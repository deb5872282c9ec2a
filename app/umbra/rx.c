/* SPDX-License-Identifier: BSD-3-Clause
 * Receive role: burst from every port, decode, and shard each TCP segment
 * by its symmetric flow hash to the one reassembly lcore that owns the flow.
 *
 * The decoded segment travels in the mbuf's private area, so reassembly
 * never decodes twice. Tap ports decapsulate mirror traffic (VXLAN, GENEVE,
 * ERSPAN, Ethernet over GRE) as their port file says, capture files with
 * the defaults; the tunnel session is part of the flow hash. Offline (capture files), nothing is ever dropped
 * between roles: segments that do not fit a ring wait in this role, which
 * stops reading until they are taken (backpressure). Live, a full ring
 * drops and counts: a poll loop never waits on another core.
 */
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "umb_flow.h"
#include "umbra.h"

UMB_CTR_GROUP_DEFINE(rx, UMB_RX_COUNTERS, UMB_RX_CTR_MAX);

_Static_assert(UMB_CONFIG_DECAP_VXLAN == UMB_DECAP_VXLAN &&
		UMB_CONFIG_DECAP_GENEVE == UMB_DECAP_GENEVE &&
		UMB_CONFIG_DECAP_ERSPAN == UMB_DECAP_ERSPAN &&
		UMB_CONFIG_DECAP_GRE == UMB_DECAP_GRE &&
		UMB_CONFIG_DECAP_AUTO == UMB_DECAP_ALL,
		"the port file's decap bits are the decoder's");

/* Contiguous header bytes taken from a frame split across mbuf segments
 * (a frame in one segment is decoded in place, whatever its length). */
#define RX_HDR_MAX 512

/* A capture port that returns nothing this many polls in a row is at its
 * end (net_pcap returns 0 only at end of file, or when the mbuf pool is
 * empty, which the caller rules out before counting a poll as empty). */
#define EMPTY_POLLS_AT_END 4

static inline struct umb_pkt *
pkt_meta(struct rte_mbuf *m)
{
	return rte_mbuf_to_priv(m);
}

/*
 * Time of a frame. Offline, the capture's own time (net_pcap fills the Rx
 * timestamp field, in microseconds). Live, the TSC clock read once per
 * burst (@p live_now): it is the clock flow expiry uses, whereas a NIC's
 * timestamp field counts in device units from a device epoch.
 */
static inline uint64_t
frame_ts_us(const struct umb_app *app, const struct rte_mbuf *m, uint64_t live_now)
{
	if (app->opt.backpressure && app->ts_dynfield >= 0 &&
			(m->ol_flags & app->ts_dynflag))
		return *RTE_MBUF_DYNFIELD(m, app->ts_dynfield, rte_mbuf_timestamp_t *);
	return live_now != 0 ? live_now : umb_now_us(app);
}

/* Hand pending segments of one reassembly lcore to its ring. */
static void
flush_pending(struct umb_rx_ctx *rx, unsigned int w)
{
	struct umb_app *app = rx->app;
	uint16_t n = rx->nb_pend[w];
	unsigned int sent;

	if (n == 0)
		return;
	sent = rte_ring_sp_enqueue_burst(app->reasm[w]->in, (void **)rx->pend[w],
			n, NULL);
	if (sent == n) {
		rx->nb_pend[w] = 0;
		return;
	}
	if (app->opt.backpressure) {
		memmove(rx->pend[w], rx->pend[w] + sent,
				(n - sent) * sizeof(rx->pend[w][0]));
		rx->nb_pend[w] = (uint16_t)(n - sent);
		return;
	}
	rte_pktmbuf_free_bulk(rx->pend[w] + sent, n - sent);
	UMB_CTR_ADD(rx->ctr, UMB_RX_ring_full_drops, n - sent);
	rx->nb_pend[w] = 0;
}

static int
any_pending(const struct umb_rx_ctx *rx)
{
	for (unsigned int w = 0; w < rx->app->nb_reasm; w++)
		if (rx->nb_pend[w] != 0)
			return 1;
	return 0;
}

static void
handle_frame(struct umb_rx_ctx *rx, const struct umb_port *port,
		struct rte_mbuf *m, uint64_t live_now)
{
	struct umb_app *app = rx->app;
	struct umb_pkt *p = pkt_meta(m);
	uint32_t plen = rte_pktmbuf_pkt_len(m), hlen = rte_pktmbuf_data_len(m);
	uint8_t scratch[RX_HDR_MAX];
	const uint8_t *hdr = rte_pktmbuf_mtod(m, const uint8_t *);
	enum umb_decode_result r;
	int warn = 0;

	UMB_CTR_INC(rx->ctr, UMB_RX_packets);
	UMB_CTR_ADD(rx->ctr, UMB_RX_bytes, plen);
	/* Headers straight from the first segment (all of it: tunnel headers
	 * come before the inner ones); copied only if split early. */
	if (unlikely(hlen < RTE_MIN(plen, (uint32_t)RX_HDR_MAX))) {
		UMB_CTR_INC(rx->ctr, UMB_RX_non_contiguous);
		hlen = RTE_MIN(plen, (uint32_t)RX_HDR_MAX);
		hdr = rte_pktmbuf_read(m, 0, hlen, scratch);
	}
	r = umb_decode_tap(hdr, hlen, plen, port->link, &port->decap, p, &warn);
	UMB_CTR_INC(rx->decode, r);
	if (likely(r == UMB_DECODE_tcp))
		UMB_CTR_INC(rx->tunnel, p->tunnel_type < UMB_TUNNEL_MAX ?
				p->tunnel_type : UMB_TUNNEL_none);
	/* Options were bad but the segment is usable: count both. */
	if (unlikely(warn))
		UMB_CTR_INC(rx->decode, UMB_DECODE_bad_tcp_options);
	if (r != UMB_DECODE_tcp) {
		rte_pktmbuf_free(m);
		return;
	}
	/* The sampling decision, before any hand-off: a segment whose flow
	 * no reassembly lcore can hold goes no further. */
	uint32_t hash = umb_flow_pkt_hash(p);
	uint32_t v = umb_flow_sample_ppm(umb_flow_sample_hash_of(hash, app->opt.seed));
	unsigned int w = umb_flow_shard(hash, app->nb_reasm);

	if (v >= rx->keep[w]) {
		UMB_CTR_INC(rx->ctr, UMB_RX_unsampled);
		if ((p->tcp_flags & (UMB_TCP_SYN | UMB_TCP_ACK)) == UMB_TCP_SYN)
			UMB_CTR_INC(rx->flow, UMB_FLOW_not_sampled);
		rte_pktmbuf_free(m);
		return;
	}
	p->ts_us = frame_ts_us(app, m, live_now);
	rx->pend[w][rx->nb_pend[w]++] = m;
	if (rx->nb_pend[w] >= UMB_BURST)
		flush_pending(rx, w);
}

/*
 * Each reassembly lcore's threshold for this poll: the share asked for or
 * the one it published, whichever is higher. A lcore publishes a higher
 * one before it creates a flow under a raised share, and lowers it only
 * once no flow above is held, so a stale value only lets more through.
 */
static void
load_keep(struct umb_rx_ctx *rx)
{
	struct umb_app *app = rx->app;
	uint32_t share = __atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE);

	for (unsigned int w = 0; w < app->nb_reasm; w++)
		rx->keep[w] = RTE_MAX(share, __atomic_load_n(&app->reasm[w]->keep_ppm,
				__ATOMIC_ACQUIRE));
}

/* A port that answered nothing: at the end of its file after a few polls. */
static void
port_empty(struct umb_rx_ctx *rx, struct umb_port *port)
{
	if (port->finite &&
			rte_mempool_avail_count(rx->app->mbuf_pool) > 4 * UMB_BURST &&
			++port->empty_polls >= EMPTY_POLLS_AT_END) {
		port->exhausted = 1;
		UMB_CTR_INC(rx->ctr, UMB_RX_ports_exhausted);
	}
}

/*
 * Merge mode: up to one burst of frames, oldest first across ports. A port
 * whose read-ahead is empty and that is not yet at its end holds the merge
 * back (its next frame may be the oldest).
 */
static unsigned int
rx_poll_merge(struct umb_rx_ctx *rx)
{
	struct umb_app *app = rx->app;
	unsigned int taken = 0;

	while (taken < UMB_BURST && !any_pending(rx)) {
		struct umb_port *best = NULL;
		uint64_t best_ts = UINT64_MAX;
		int waiting = 0;

		for (unsigned int i = 0; i < app->nb_ports; i++) {
			struct umb_port *port = &app->ports[i];

			if (port->look_head == port->look_n && !port->exhausted) {
				port->look_head = 0;
				port->look_n = rte_eth_rx_burst(port->port_id, 0,
						port->look, UMB_BURST);
				if (port->look_n == 0) {
					port_empty(rx, port);
					waiting |= !port->exhausted;
					continue;
				}
				port->empty_polls = 0;
			}
			if (port->look_head == port->look_n)
				continue;
			uint64_t ts = frame_ts_us(app, port->look[port->look_head], 0);

			if (ts < best_ts) {
				best_ts = ts;
				best = port;
			}
		}
		if (best == NULL || waiting)
			break;
		if (best_ts < rx->last_ts_us)
			UMB_CTR_INC(rx->ctr, UMB_RX_merge_out_of_order);
		rx->last_ts_us = best_ts;
		handle_frame(rx, best, best->look[best->look_head++], 0);
		taken++;
	}
	for (unsigned int w = 0; w < app->nb_reasm; w++)
		flush_pending(rx, w);
	if (taken == 0 && !any_pending(rx)) {
		int all_done = 1;

		for (unsigned int i = 0; i < app->nb_ports; i++)
			all_done &= app->ports[i].exhausted &&
				app->ports[i].look_head == app->ports[i].look_n;
		if (all_done)
			__atomic_store_n(&rx->done, 1, __ATOMIC_RELEASE);
	}
	return taken;
}

static unsigned int
rx_poll(void *arg)
{
	struct umb_rx_ctx *rx = arg;
	struct umb_app *app = rx->app;
	struct rte_mbuf *bufs[UMB_BURST];
	unsigned int work = 0, live = 0;

	for (unsigned int w = 0; w < app->nb_reasm; w++)
		flush_pending(rx, w);
	/* Backpressure: read nothing new until every segment is handed on,
	 * so a pending array can never overflow. */
	if (any_pending(rx))
		return 0;
	if (unlikely(app->opt.duration_us != 0) &&
			(rte_rdtsc() - app->run_start_tsc) * 1000000ULL / app->tsc_hz >=
			app->opt.duration_us)
		__atomic_store_n(&app->quit, 1, __ATOMIC_RELAXED);
	if (umb_quit(app)) {
		for (unsigned int i = 0; i < app->nb_ports; i++) {
			struct umb_port *port = &app->ports[i];

			if (port->look_n > port->look_head)
				rte_pktmbuf_free_bulk(port->look + port->look_head,
						port->look_n - port->look_head);
			port->look_head = port->look_n = 0;
		}
		__atomic_store_n(&rx->done, 1, __ATOMIC_RELEASE);
		return 0;
	}
	load_keep(rx);
	if (app->opt.backpressure && app->nb_ports > 1)
		return rx_poll_merge(rx);

	for (unsigned int i = 0; i < app->nb_ports; i++) {
		struct umb_port *port = &app->ports[i];
		uint16_t n;

		if (port->exhausted)
			continue;
		live++;
		/* A burst only goes in when every pending array is empty, so
		 * one burst (UMB_BURST) bounds what can wait here. */
		if (any_pending(rx))
			continue;
		n = rte_eth_rx_burst(port->port_id, 0, bufs, UMB_BURST);
		if (n == 0) {
			port_empty(rx, port);
			continue;
		}
		port->empty_polls = 0;
		uint64_t live_now = app->opt.backpressure ? 0 : umb_now_us(app);

		for (uint16_t j = 0; j < n; j++) {
			if (j + 3 < n)
				rte_prefetch0(rte_pktmbuf_mtod(bufs[j + 3], void *));
			handle_frame(rx, port, bufs[j], live_now);
		}
		work += n;
	}
	for (unsigned int w = 0; w < app->nb_reasm; w++)
		flush_pending(rx, w);
	if (live == 0 && !any_pending(rx))
		__atomic_store_n(&rx->done, 1, __ATOMIC_RELEASE);
	return work;
}

static int
rx_done(void *arg)
{
	const struct umb_rx_ctx *rx = arg;

	return __atomic_load_n(&rx->done, __ATOMIC_ACQUIRE);
}

const struct umb_role umb_role_rx = {
	.name = "rx",
	.poll = rx_poll,
	.done = rx_done,
};
