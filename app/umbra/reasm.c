/* SPDX-License-Identifier: BSD-3-Clause
 * Reassembly role: takes decoded segments from its ring, runs them through
 * its own session table (flows -> TCP reassembly -> HTTP) and stages the
 * finished exchange records for the compare role (one ring per compare
 * lcore, sharded by flow), or, live, past it to export when its ring is full.
 *
 * Bounds: at most one burst per poll; flow expiry visits at most
 * EXPIRE_VISIT flows at most every EXPIRE_EVERY_US microseconds; the staging array is
 * fixed, and above its high-water mark the role stops taking segments, so
 * records are only ever dropped (and counted) if a single burst produces
 * more than half the staging array.
 */
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "umbra.h"

UMB_CTR_GROUP_DEFINE(reasm, UMB_REASM_COUNTERS, UMB_REASM_CTR_MAX);

#define EXPIRE_EVERY_US 10
#define EXPIRE_VISIT 16

/* Session emit callback: stage a finished record. */
void
umb_reasm_stage_record(void *arg, struct umb_exchange *x)
{
	struct umb_reasm_ctx *r = arg;

	if (unlikely(r->stage_count == UMB_STAGE_MAX)) {
		UMB_CTR_INC(r->ctr, UMB_REASM_records_dropped);
		umb_exchange_free_kept(x);
		rte_mempool_put(rte_mempool_from_obj(x), x);
		return;
	}
	r->stage[(r->stage_head + r->stage_count) % UMB_STAGE_MAX] = x;
	r->stage_count++;
	UMB_CTR_INC(r->ctr, UMB_REASM_records_staged);
}

/*
 * Hand staged records on, in order: each to the compare lcore that owns its
 * flow. Offline, a full ring waits (backpressure, nothing lost). Live, a
 * full ring never stalls reassembly: the record goes straight to export,
 * and an exchange that would have been compared says not_compared.
 */
static void
flush_stage(struct umb_reasm_ctx *r)
{
	unsigned int nb_cmp = r->app->nb_cmp;

	while (r->stage_count > 0) {
		struct umb_exchange *x = r->stage[r->stage_head];
		struct rte_ring *to = r->cmp[x->flow_id % nb_cmp];
		uint32_t run = 1, contiguous = RTE_MIN(r->stage_count,
				UMB_STAGE_MAX - r->stage_head);
		unsigned int n;

		/* A run of records for the same comparator goes as one burst. */
		while (run < contiguous && run < UMB_BURST &&
				r->stage[r->stage_head + run]->flow_id % nb_cmp ==
				x->flow_id % nb_cmp)
			run++;
		n = rte_ring_sp_enqueue_burst(to,
				(void **)&r->stage[r->stage_head], run, NULL);
		if (n == 0 && !r->app->opt.backpressure) {
			if (x->outcome == UMB_OUTCOME_complete &&
					(x->flags & UMB_X_MIRRORED))
				x->outcome = UMB_OUTCOME_not_compared;
			if (rte_ring_sp_enqueue(r->out, x) != 0) {
				if (x->outcome == UMB_OUTCOME_not_compared)
					x->outcome = UMB_OUTCOME_complete;
				return;
			}
			UMB_CTR_INC(r->ctr, UMB_REASM_not_compared);
			n = 1;
		}
		r->stage_head = (r->stage_head + n) % UMB_STAGE_MAX;
		r->stage_count -= n;
		if (n < run)
			return;
	}
}

/* Hand the frames built toward the shadow to the shadow role. */
static void
flush_tx(struct umb_reasm_ctx *r)
{
	unsigned int n;

	if (r->nb_tx == 0)
		return;
	n = rte_ring_sp_enqueue_burst(r->sh_out, (void **)r->tx, r->nb_tx, NULL);
	if (n < r->nb_tx) {
		/* Never wait on another core: drop, the peer retransmits. */
		rte_pktmbuf_free_bulk(r->tx + n, r->nb_tx - n);
		UMB_CTR_ADD(r->ctr, UMB_REASM_shadow_tx_ring_full, r->nb_tx - n);
	}
	r->nb_tx = 0;
}

/* Peer transmit callback: a frame toward the shadow. */
void
umb_reasm_peer_tx(void *arg, struct rte_mbuf *m)
{
	struct umb_reasm_ctx *r = arg;

	r->tx[r->nb_tx++] = m;
	if (r->nb_tx == UMB_BURST)
		flush_tx(r);
}

/* The shadow's segments for this lcore's shadow sessions. */
static unsigned int
poll_shadow(struct umb_reasm_ctx *r)
{
	struct umb_app *app = r->app;
	struct rte_mbuf *bufs[UMB_BURST];
	uint64_t hop = __atomic_load_n(&app->shadow->next_hop, __ATOMIC_ACQUIRE);
	unsigned int n;

	if (unlikely(hop != r->next_hop)) {
		struct rte_ether_addr mac;

		umb_word_mac(hop, &mac);
		umb_session_set_next_hop(r->sessions,
				(hop & UMB_NEXT_HOP_KNOWN) ? &mac : NULL);
		r->next_hop = hop;
	}
	n = rte_ring_sc_dequeue_burst(r->sh_in, (void **)bufs, UMB_BURST, NULL);
	for (unsigned int i = 0; i < n; i++) {
		const struct umb_pkt *p = rte_mbuf_to_priv(bufs[i]);
		const uint8_t *payload = NULL;

		UMB_CTR_INC(r->ctr, UMB_REASM_shadow_segments);
		if (p->payload_len > 0)
			payload = rte_pktmbuf_read(bufs[i], p->payload_off,
					p->payload_len, r->scratch);
		umb_session_shadow_packet(r->sessions, p, payload);
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(bufs, n);
	return n;
}

static void
handle_segment(struct umb_reasm_ctx *r, struct rte_mbuf *m)
{
	const struct umb_pkt *p = rte_mbuf_to_priv(m);
	const uint8_t *payload = NULL;

	UMB_CTR_INC(r->ctr, UMB_REASM_segments);
	if (p->payload_len > 0) {
		if (rte_pktmbuf_data_len(m) < p->payload_off + p->payload_len)
			UMB_CTR_INC(r->ctr, UMB_REASM_payload_copied);
		payload = rte_pktmbuf_read(m, p->payload_off, p->payload_len,
				r->scratch);
	}
	/* Contiguous payload: the shadow session may hold the mbuf itself. */
	umb_session_packet_mbuf(r->sessions, p, payload,
			payload != r->scratch ? m : NULL);
}

static unsigned int
reasm_poll(void *arg)
{
	struct umb_reasm_ctx *r = arg;
	struct umb_app *app = r->app;
	struct rte_mbuf *bufs[UMB_BURST];
	unsigned int n = 0, k = 0;

	flush_stage(r);
	if (r->done)
		return 0;
	/*
	 * A rollback (launch.c): read before the share, which was set to 0
	 * before the generation moved, so the share applied below is 0 too.
	 */
	uint32_t rollback = __atomic_load_n(&app->rollback_gen, __ATOMIC_ACQUIRE);
	/* A new share (telemetry) applies to flows created from now on. */
	uint32_t share = __atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE);

	if (unlikely(share != r->share_ppm)) {
		umb_session_set_share(r->sessions, share);
		r->share_ppm = share;
		/* Before any flow is created under the new share. */
		__atomic_store_n(&r->keep_ppm, umb_session_keep_ppm(r->sessions),
				__ATOMIC_RELEASE);
	}
	if (unlikely(rollback != r->rollback_gen)) {
		uint64_t now = app->opt.backpressure ?
			umb_session_now(r->sessions) : umb_now_us(app);

		/* Counted by the session layer (mirror.rollback_closes). */
		r->rollback_gen = rollback;
		umb_session_mirror_close_all(r->sessions, now, UMB_ROLLBACK_GRACE_US);
	}
	if (r->sh_in != NULL)
		n += poll_shadow(r);
	if (r->stage_count < UMB_STAGE_HIGH) {
		k = rte_ring_sc_dequeue_burst(r->in, (void **)bufs, UMB_BURST, NULL);
		for (unsigned int i = 0; i < k; i++) {
			if (i + 1 < k)
				rte_prefetch0(rte_mbuf_to_priv(bufs[i + 1]));
			handle_segment(r, bufs[i]);
		}
		if (k > 0)
			rte_pktmbuf_free_bulk(bufs, k);
		n += k;
	}

	uint64_t tsc = rte_rdtsc();

	if (tsc - r->expire_tsc >= app->tsc_hz / (1000000 / EXPIRE_EVERY_US)) {
		r->expire_tsc = tsc;
		/* Offline, time is the capture's: it only moves with packets. */
		uint64_t now = app->opt.backpressure ?
			umb_session_now(r->sessions) : umb_now_us(app);

		umb_session_expire(r->sessions, now, EXPIRE_VISIT);
	}

	if (n == 0 && !r->flushed && umb_role_rx.done(app->rx) &&
			rte_ring_empty(r->in)) {
		/* Shadow sessions still open are reset (RST) here. */
		umb_session_flush(r->sessions, umb_session_now(r->sessions));
		r->flushed = 1;
	}
	if (r->sh_out != NULL)
		flush_tx(r);
	flush_stage(r);
	/* Lower once the flows a higher share picked have ended. */
	uint32_t keep = umb_session_keep_ppm(r->sessions);

	if (unlikely(keep != r->keep_ppm))
		__atomic_store_n(&r->keep_ppm, keep, __ATOMIC_RELEASE);
	if (r->flushed && r->stage_count == 0)
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return n;
}

static int
reasm_done(void *arg)
{
	const struct umb_reasm_ctx *r = arg;

	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

const struct umb_role umb_role_reasm = {
	.name = "reasm",
	.poll = reasm_poll,
	.done = reasm_done,
};

