/* SPDX-License-Identifier: BSD-3-Clause
 * Export role: drains the records of every compare lcore (and, live, those
 * reassembly sent past a saturated comparator), writes them as
 * JSON lines and keeps the aggregates the summary prints, then returns each
 * record to the pool it came from. It is the only role that does file I/O,
 * so it belongs on the main lcore (or shares one in single-lcore mode).
 */
#include <rte_ring.h>

#include "umbra.h"

UMB_CTR_GROUP_DEFINE(export, UMB_EXPORT_COUNTERS, UMB_EXPORT_CTR_MAX);

static void
aggregate(struct umb_export_ctx *e, const struct umb_exchange *x)
{
	const struct umb_answer *a = &x->ans[UMB_SIDE_PROD];
	int cls = a->status >= 100 && a->status < 600 ? a->status / 100 : 0;

	e->by_status_class[cls]++;
	e->resp_bytes += a->body_bytes;
	if (a->first_us != 0 && x->req_last_us != 0 &&
			a->first_us >= x->req_last_us &&
			(x->flags & UMB_X_REQ_DONE)) {
		uint64_t d = a->first_us - x->req_last_us;

		e->ttfb_sum_us += d;
		e->ttfb_n++;
		e->ttfb_hist[d == 0 ? 0 : 64 - __builtin_clzll(d)]++;
	}
}

/* Write, count and free one burst of records from @p ring. */
static unsigned int
drain(struct umb_export_ctx *e, struct rte_ring *ring)
{
	struct umb_exchange *xs[UMB_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(ring, (void **)xs, UMB_BURST,
			NULL);

	for (unsigned int j = 0; j < n; j++) {
		struct umb_exchange *x = xs[j];

		UMB_CTR_INC(e->ctr, UMB_EXPORT_records);
		UMB_CTR_INC(e->outcome, x->outcome < UMB_OUTCOME_MAX ?
				x->outcome : UMB_OUTCOME_parse_error);
		aggregate(e, x);
		if (e->jsonl_open) {
			if (umb_jsonl_write_exchange(&e->jsonl, x) == 0) {
				UMB_CTR_INC(e->ctr, UMB_EXPORT_lines);
				e->unflushed = 1;
			} else {
				UMB_CTR_INC(e->ctr, UMB_EXPORT_write_errors);
			}
		}
		umb_exchange_free_kept(x);
		rte_mempool_put(rte_mempool_from_obj(x), x);
	}
	return n;
}

/*
 * Inputs: each compare lcore's ring, and each reassembly lcore's ring for
 * the records that went past a saturated comparator (live). Done when
 * every upstream role is done and every input ring is empty.
 */
static unsigned int
export_poll(void *arg)
{
	struct umb_export_ctx *e = arg;
	struct umb_app *app = e->app;
	unsigned int work = 0, all_done = 1;

	for (unsigned int i = 0; i < app->nb_cmp; i++) {
		struct umb_compare_ctx *k = app->cmp[i];
		/* Read done before draining: a role that was done before the
		 * drain has nothing left behind it. */
		int kdone = umb_role_compare.done(k);
		unsigned int n = drain(e, k->out);

		work += n;
		if (!kdone || n > 0 || !rte_ring_empty(k->out))
			all_done = 0;
	}
	for (unsigned int i = 0; i < app->nb_reasm; i++) {
		struct umb_reasm_ctx *r = app->reasm[i];
		int rdone = umb_role_reasm.done(r);
		unsigned int n = drain(e, r->out);

		work += n;
		if (!rdone || n > 0 || !rte_ring_empty(r->out))
			all_done = 0;
	}
	/* Lines reach the file when the role goes idle, so a live run's
	 * output can be followed; busy, stdio's buffer batches the writes. */
	if (work == 0 && e->unflushed) {
		fflush(e->jsonl.f);
		e->unflushed = 0;
	}
	if (all_done)
		__atomic_store_n(&e->done, 1, __ATOMIC_RELEASE);
	return work;
}

static int
export_done(void *arg)
{
	const struct umb_export_ctx *e = arg;

	return __atomic_load_n(&e->done, __ATOMIC_ACQUIRE);
}

const struct umb_role umb_role_export = {
	.name = "export",
	.poll = export_poll,
	.done = export_done,
};
