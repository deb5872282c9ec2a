/* SPDX-License-Identifier: BSD-3-Clause
 * Export role: drains the records of every reassembly lcore, writes them as
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
	int cls = x->status >= 100 && x->status < 600 ? x->status / 100 : 0;

	e->by_status_class[cls]++;
	e->resp_bytes += x->resp_body_bytes;
	if (x->resp_first_us != 0 && x->req_last_us != 0 &&
			x->resp_first_us >= x->req_last_us &&
			(x->flags & UMB_X_REQ_DONE)) {
		uint64_t d = x->resp_first_us - x->req_last_us;

		e->ttfb_sum_us += d;
		e->ttfb_n++;
		e->ttfb_hist[d == 0 ? 0 : 64 - __builtin_clzll(d)]++;
	}
}

static unsigned int
export_poll(void *arg)
{
	struct umb_export_ctx *e = arg;
	struct umb_app *app = e->app;
	struct umb_exchange *xs[UMB_BURST];
	unsigned int work = 0, all_done = 1;

	for (unsigned int i = 0; i < app->nb_reasm; i++) {
		struct umb_reasm_ctx *r = app->reasm[i];
		/* Read done before draining: a role that was done before the
		 * drain has nothing left behind it. */
		int rdone = umb_role_reasm.done(r);
		unsigned int n = rte_ring_sc_dequeue_burst(r->out, (void **)xs,
				UMB_BURST, NULL);

		for (unsigned int j = 0; j < n; j++) {
			UMB_CTR_INC(e->ctr, UMB_EXPORT_records);
			aggregate(e, xs[j]);
			if (e->jsonl_open) {
				if (umb_jsonl_write_exchange(&e->jsonl, xs[j]) == 0) {
					UMB_CTR_INC(e->ctr, UMB_EXPORT_lines);
					e->unflushed = 1;
				}
				else
					UMB_CTR_INC(e->ctr, UMB_EXPORT_write_errors);
			}
			rte_mempool_put(rte_mempool_from_obj(xs[j]), xs[j]);
		}
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
