/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for TCP reassembly. The input is a script for one stream:
 * bytes 0-3 are the ISN, byte 4 picks the per-stream cap, then 5-byte steps
 * (op, sequence offset low/high, flags, length). Payload is never taken from
 * the input: the byte at sequence x is always pattern(x), so whatever order,
 * overlap or loss the script makes, a correct reassembler delivers bytes that
 * equal the pattern at their position, and its data plus gap callbacks cover
 * the sequence space contiguously up to next_seq. The sink checks that, eof
 * at most once and nothing after it; after every step the queue invariants
 * (tcp_check.h) and the counters are checked; at the end every chunk must be
 * back in the pool. Unless a counter says bytes were thrown away (caps,
 * window, FIN, release), a gap may only cover bytes the script never sent,
 * which catches queued data that is lost. A violation aborts.
 *
 * Steps: op % 16 of 0-9 is a segment, 10-12 an ack, 13 ends the stream and
 * starts a new one, 14 takes chunks out of the pool (as other streams would)
 * or gives them back, 15 releases the queue. Flags bits 0-2 are FIN, SYN and
 * RST; bit 6 multiplies the length by 64 (segments over several chunks); bit
 * 7 multiplies the offset by 65536 (wraparound, out of window).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mempool.h>

#include "umb_packet.h"
#include "umb_tcp.h"
#include "tcp_check.h"

#define POOL_CHUNKS 64
#define STEP_LEN 5
/* Sequence positions after the stream start whose sending is remembered. */
#define SENT_BITS (1u << 17)

static struct rte_mempool *pool;

struct fz {
	struct umb_tcp_ctx ctx;
	struct umb_tcp_stream s;
	uint64_t ctr[UMB_TCP_CTR_MAX];
	bool tracking;       /* pos is valid: the stream has started */
	uint32_t pos;        /* sequence of the next byte the sink expects */
	unsigned int eofs;
	uint64_t delivered;
	uint64_t gapped;
	void *held[POOL_CHUNKS];
	unsigned int nb_held;
	bool released;       /* the queue was thrown away at least once */
	uint32_t start;      /* first sequence of the stream */
	uint8_t sent[SENT_BITS / 8];
};

static void
check(int ok)
{
	if (!ok)
		abort();
}

static uint8_t
pattern(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

static void
sink_data(void *arg, int dir, const uint8_t *p, uint32_t len, uint64_t ts)
{
	struct fz *f = arg;

	check(f->tracking && f->eofs == 0 && len > 0 && dir == 1);
	for (uint32_t i = 0; i < len; i++)
		check(p[i] == pattern(f->pos + i));
	f->pos += len;
	f->delivered += len;
}

/*
 * Whether bytes the script sent may have been thrown away: the only ways are
 * the caps, the window, the FIN and release, and each of them is counted
 * before its gap is reported.
 */
static bool
lossy(const struct fz *f)
{
	return f->released || f->ctr[UMB_TCP_drop_stream_cap] ||
		f->ctr[UMB_TCP_drop_pool_empty] ||
		f->ctr[UMB_TCP_drop_out_of_window] ||
		f->ctr[UMB_TCP_drop_after_fin] ||
		f->ctr[UMB_TCP_gap_stream_cap] || f->ctr[UMB_TCP_gap_pool_empty];
}

static void
mark_sent(struct fz *f, uint32_t seq, uint32_t len)
{
	uint32_t rel = seq - f->start;
	uint32_t end = rel + len;

	for (; rel < SENT_BITS && rel < end; rel++)
		f->sent[rel / 8] |= (uint8_t)(1u << (rel % 8));
}

static void
sink_gap(void *arg, int dir, uint32_t len, uint64_t ts)
{
	struct fz *f = arg;

	check(f->tracking && f->eofs == 0 && len > 0 && dir == 1);
	/* Unless something was thrown away, a hole is bytes never sent. */
	if (!lossy(f)) {
		uint32_t rel = f->pos - f->start;
		uint32_t end = rel + RTE_MIN(len, SENT_BITS);

		for (; rel < SENT_BITS && rel < end; rel++)
			check(!(f->sent[rel / 8] & (1u << (rel % 8))));
	}
	f->pos += len;
	f->gapped += len;
}

static void
sink_eof(void *arg, int dir, uint64_t ts)
{
	struct fz *f = arg;

	check(f->eofs == 0 && dir == 1);
	f->eofs++;
}

static const struct umb_tcp_sink sink = {
	.data = sink_data,
	.gap = sink_gap,
	.eof = sink_eof,
};

static void
check_state(const struct fz *f)
{
	check(umb_tcp_queue_check(&f->s) == 0);
	check(f->s.ooo_bytes <= f->ctx.stream_cap);
	if (f->tracking)
		check(f->pos == f->s.next_seq);
	if (f->eofs > 0) {
		check(f->s.flags & UMB_TCP_S_CLOSED);
		check(f->s.ooo == NULL);
		if (f->tracking && (f->s.flags & UMB_TCP_S_FIN))
			check(f->pos == f->s.fin_seq);
	}
	check(f->ctr[UMB_TCP_bytes_delivered] == f->delivered);
	check(f->ctr[UMB_TCP_gap_bytes] == f->gapped);
	check(rte_mempool_avail_count(pool) + f->nb_held <= POOL_CHUNKS);
}

static void
stream_restart(struct fz *f)
{
	umb_tcp_stream_end(&f->ctx, &f->s, 0, f);
	check(f->eofs == 1);
	check_state(f);
	check(rte_mempool_avail_count(pool) + f->nb_held == POOL_CHUNKS);
	umb_tcp_stream_init(&f->s, 1);
	f->tracking = false;
	f->eofs = 0;
	f->released = false;
	memset(f->ctr, 0, sizeof(f->ctr));
	f->delivered = 0;
	f->gapped = 0;
	memset(f->sent, 0, sizeof(f->sent));
}

static void
step_segment(struct fz *f, uint32_t seq, uint8_t flags, uint32_t len,
		uint64_t ts)
{
	uint8_t tf = flags & (UMB_TCP_FIN | UMB_TCP_SYN | UMB_TCP_RST);
	uint32_t dseq = (tf & UMB_TCP_SYN) ? seq + 1 : seq;
	/* Exactly len bytes on the heap: a read past the payload is a report. */
	uint8_t *payload = len > 0 ? malloc(len) : NULL;

	/* The stream starts at the first segment that is not a RST. */
	if (!(f->s.flags & UMB_TCP_S_STARTED) && !(tf & UMB_TCP_RST) &&
			f->eofs == 0) {
		f->tracking = true;
		f->pos = dseq;
		f->start = dseq;
	}
	/* A RST's payload is ignored: it ends the stream. */
	if (f->tracking && f->eofs == 0 && !(tf & UMB_TCP_RST))
		mark_sent(f, dseq, len);
	check(len == 0 || payload != NULL);
	for (uint32_t i = 0; i < len; i++)
		payload[i] = pattern(dseq + i);
	check(umb_tcp_segment(&f->ctx, &f->s, seq, tf, payload, len, ts,
		f) == 0);
	free(payload);
}

static void
step_pool(struct fz *f, uint8_t n)
{
	if (f->nb_held > 0) {
		rte_mempool_put_bulk(pool, f->held, f->nb_held);
		f->nb_held = 0;
		return;
	}
	n = n % (POOL_CHUNKS + 1);
	while (n-- > 0 && rte_mempool_get(pool, &f->held[f->nb_held]) == 0)
		f->nb_held++;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/*
	 * --no-shconf rather than --in-memory: DPDK 22.11 turns --no-huge into
	 * legacy memory, which it refuses together with --in-memory.
	 */
	char *eal_argv[] = { "fuzz_reasm", "--no-huge", "--no-pci",
		"--no-shconf", "-m", "512", "--no-telemetry", "-l", "0",
		"--log-level=lib.*:error", "--file-prefix=umbf_reasm", NULL };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1,
			eal_argv) < 0)
		abort();
	pool = umb_tcp_chunk_pool_create("fuzz_reasm", POOL_CHUNKS,
		SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint32_t caps[4] = { 0, 3000, 20000, 1u << 20 };
	static struct fz f;
	uint32_t isn;

	if (n < 5)
		return 0;
	memset(&f, 0, sizeof(f));
	isn = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
		(uint32_t)d[3] << 24;
	f.ctx.chunk_pool = pool;
	f.ctx.stream_cap = caps[d[4] & 3];
	f.ctx.sink = &sink;
	f.ctx.ctr = f.ctr;
	umb_tcp_stream_init(&f.s, 1);

	for (size_t i = 5; i + STEP_LEN <= n; i += STEP_LEN) {
		const uint8_t *st = d + i;
		uint8_t op = st[0] % 16;
		uint32_t off = (uint32_t)st[1] | (uint32_t)st[2] << 8;
		uint8_t flags = st[3];
		uint32_t len = st[4];
		uint64_t ts = i;
		uint32_t seq;

		if (flags & 0x80)
			off <<= 16;
		if (flags & 0x40)
			len *= 64;
		seq = isn + off;
		if (op < 10) {
			step_segment(&f, seq, flags, len, ts);
		} else if (op < 13) {
			umb_tcp_ack(&f.ctx, &f.s, seq, ts, &f);
		} else if (op == 13) {
			stream_restart(&f);
		} else if (op == 14) {
			step_pool(&f, flags);
		} else {
			umb_tcp_stream_release(&f.ctx, &f.s);
			f.released = true;
		}
		check_state(&f);
	}
	stream_restart(&f);
	if (f.nb_held > 0)
		rte_mempool_put_bulk(pool, f.held, f.nb_held);
	check(rte_mempool_avail_count(pool) == POOL_CHUNKS);
	return 0;
}
