/* SPDX-License-Identifier: BSD-3-Clause
 * Flows: the canonical 5-tuple key plus the tunnel session the segment
 * arrived in (both directions map to the same key and hash, so one lcore
 * owns both sides of a flow without locks), the sampling decision, and a
 * fixed-size flow table on rte_hash.
 *
 * The table preallocates every entry (the flow memcap is max_flows *
 * entry_size, paid at start); rte_hash's key position indexes the entry
 * array. Expiry walks a bounded number of entries per call from a cursor;
 * when the table is full the least recently seen of a few sampled entries
 * is evicted (approximate LRU, as Redis does), so insertion work is bounded.
 */
#ifndef UMB_FLOW_H
#define UMB_FLOW_H

#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "umb_packet.h"
#include "umb_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UMB_FLOW_COUNTERS(X) \
	X(created, "flows created") \
	X(created_midstream, "flows created from a segment without SYN") \
	X(ended_closed, "flows ended by FIN/RST (after the close timeout)") \
	X(ended_idle, "flows ended by the idle timeout") \
	X(ended_flush, "flows ended at shutdown / end of input") \
	X(evicted, "flows evicted because the table was full") \
	X(table_full, "segments dropped: table full and nothing evictable") \
	X(ignored_no_syn, "segments of unknown flows ignored (pickup disabled)") \
	X(ignored_no_payload, "segments of unknown flows with neither SYN nor payload") \
	X(reused, "flows ended by a new SYN on the same 5-tuple") \
	X(after_close, "segments of a closed flow (late retransmissions, ACKs), ignored") \
	X(sampled, "flows selected by the sampling share") \
	X(not_sampled, "flows not selected by the sampling share")

#define UMB_FLOW_ENUM_(n, d) UMB_FLOW_##n,
enum umb_flow_ctr {
	UMB_FLOW_COUNTERS(UMB_FLOW_ENUM_)
	UMB_FLOW_CTR_MAX
};
#undef UMB_FLOW_ENUM_

extern const struct umb_ctr_group umb_flow_ctr_group;

/**
 * Canonical flow key: endpoint 0 sorts before endpoint 1. tunnel_id is the
 * segment's umb_pkt.tunnel_id (the VNI, ERSPAN session or GRE key it was
 * mirrored in; 0 when plain or when the port keys by the inner 5-tuple):
 * two mirrored networks reusing addresses are two flows. Six 64-bit words.
 */
struct umb_flow_key {
	union umb_addr addr[2];
	uint16_t port[2];
	uint8_t af;
	uint8_t pad[3];
	uint32_t tunnel_id;
	uint32_t pad2;
};

/** Bytes of a key (rte_hash's key_len): six 64-bit words. */
#define UMB_FLOW_KEY_LEN 48

/*
 * Any fixed total order of endpoints makes the key canonical; comparing the
 * addresses as two native 64-bit words is the cheapest one.
 */
static inline int
umb_flow_endpoint_le_(const union umb_addr *a, uint16_t ap,
		const union umb_addr *b, uint16_t bp)
{
	uint64_t x[2], y[2];

	memcpy(x, a->b, sizeof(x));
	memcpy(y, b->b, sizeof(y));
	if (x[0] != y[0])
		return x[0] < y[0];
	if (x[1] != y[1])
		return x[1] < y[1];
	return ap <= bp;
}

/**
 * Build the canonical key of @p p (inline: once per received segment).
 * @return the endpoint index (0 or 1) of the packet's sender.
 */
static inline int
umb_flow_key_make(struct umb_flow_key *k, const struct umb_pkt *p)
{
	int sender = umb_flow_endpoint_le_(&p->src, p->sport, &p->dst, p->dport) ? 0 : 1;

	k->addr[sender] = p->src;
	k->port[sender] = p->sport;
	k->addr[!sender] = p->dst;
	k->port[!sender] = p->dport;
	k->af = p->af;
	memset(k->pad, 0, sizeof(k->pad));
	k->tunnel_id = p->tunnel_id;
	k->pad2 = 0;
	return sender;
}

/* CRC32C of the key's six 64-bit words, as rte_hash_crc(key, 48, seed). */
static inline uint32_t
umb_flow_crc_(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1, uint64_t w4,
		uint64_t w5)
{
	uint32_t c = rte_hash_crc_8byte(a0, 0x756d6272);

	c = rte_hash_crc_8byte(a1, c);
	c = rte_hash_crc_8byte(b0, c);
	c = rte_hash_crc_8byte(b1, c);
	c = rte_hash_crc_8byte(w4, c);
	return rte_hash_crc_8byte(w5, c);
}

/**
 * Table hash of a key (CRC32C); equal for both directions by construction.
 * The same value as rte_hash_crc(k, 48, seed), but reading the key through
 * memcpy: inline next to umb_flow_key_make, rte_hash_crc's uint64_t
 * pointer reads would break strict aliasing (stores to the key elided).
 */
static inline uint32_t
umb_flow_hash(const struct umb_flow_key *k)
{
	uint64_t w[6];

	RTE_BUILD_BUG_ON(sizeof(*k) != sizeof(w));
	memcpy(w, k, sizeof(w));
	return umb_flow_crc_(w[0], w[1], w[2], w[3], w[4], w[5]);
}

/**
 * umb_flow_hash() of @p p's key, computed from the packet's fields in
 * registers: no key is stored and read back (a key built of 2- and 1-byte
 * stores and read as 8-byte words costs a store-forwarding stall per word).
 */
static inline uint32_t
umb_flow_pkt_hash(const struct umb_pkt *p)
{
	uint64_t s[2], d[2], w4;
	const uint64_t *lo, *hi;
	int le;

	memcpy(s, p->src.b, sizeof(s));
	memcpy(d, p->dst.b, sizeof(d));
	le = umb_flow_endpoint_le_(&p->src, p->sport, &p->dst, p->dport);
	lo = le ? s : d;
	hi = le ? d : s;
	/* port[0], port[1], af, pad: the key's last word (little endian) */
	w4 = le ? (uint64_t)p->sport | (uint64_t)p->dport << 16 :
		(uint64_t)p->dport | (uint64_t)p->sport << 16;
	w4 |= (uint64_t)p->af << 32;
	/* tunnel_id, pad2: the same in both directions */
	return umb_flow_crc_(lo[0], lo[1], hi[0], hi[1], w4, p->tunnel_id);
}

/**
 * Reassembly lcore (of @p n) that owns a flow of table hash @p hash. Uses
 * the hash's high bits (multiply-shift), while rte_hash indexes buckets
 * with its low bits, so each lcore's table still spreads over all buckets.
 */
static inline unsigned int
umb_flow_shard(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

/**
 * Sampling hash of a flow from its table hash and @p seed: the seed mixed
 * in, then a 64-bit finalizer (MurmurHash3's fmix64), whose every output
 * bit depends on every input bit. The sample value (the top half) is thus
 * unrelated to the bits that pick the lcore (umb_flow_shard: the hash's
 * high bits, multiplied) and the rte_hash bucket (its low bits), and one
 * CRC per segment serves all three.
 */
static inline uint64_t
umb_flow_sample_hash_of(uint32_t flow_hash, uint64_t seed)
{
	uint64_t h = (uint64_t)flow_hash ^ seed ^ 0x9e3779b97f4a7c15ULL;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/** Sampling hash of a key (umb_flow_sample_hash_of its table hash). */
static inline uint64_t
umb_flow_sample_hash(const struct umb_flow_key *k, uint64_t seed)
{
	return umb_flow_sample_hash_of(umb_flow_hash(k), seed);
}

/** Share unit: parts per million. 100000 = 10%. */
#define UMB_SHARE_ONE 1000000u

/**
 * A flow's sample value in [0, UMB_SHARE_ONE): the flow is picked at every
 * share above it (multiply-shift of the hash's high half, no division).
 */
static inline uint32_t
umb_flow_sample_ppm(uint64_t sample_hash)
{
	return (uint32_t)(((sample_hash >> 32) * UMB_SHARE_ONE) >> 32);
}

/**
 * The sampling decision: deterministic for a key and seed, and monotone in
 * the share (a flow picked at share s is picked at every share >= s).
 */
static inline int
umb_flow_sampled(uint64_t sample_hash, uint32_t share_ppm)
{
	return umb_flow_sample_ppm(sample_hash) < share_ppm;
}

/** Header of a table entry; the caller's data follows it. */
struct umb_flow {
	struct umb_flow_key key;
	uint64_t first_us;   /**< time of the first packet */
	uint64_t last_us;    /**< time of the last packet */
	uint64_t id;         /**< id_first + k * id_step, k the creation count */
	uint32_t hash;
	int32_t pos;         /**< position in the table, -1 when free */
	uint32_t dense;      /**< index in the table's list of flows in use */
	uint8_t data[] __attribute__((aligned(16)));
};

struct umb_flow_table;

/** Flow table parameters. */
struct umb_flow_table_params {
	const char *name;
	uint32_t max_flows;   /**< flow cap (>= 8) */
	uint32_t data_size;   /**< bytes of caller data per flow */
	int socket_id;
	/**
	 * Flow ids are id_first, id_first + id_step, ... (0, 0: 1, 2, ...):
	 * tables of several lcores with the same step and different firsts
	 * never give the same id.
	 */
	uint64_t id_first, id_step;
};

/** Create a table. NULL with rte_errno (EINVAL, ENOMEM, EEXIST) on failure. */
struct umb_flow_table *umb_flow_table_create(const struct umb_flow_table_params *p);
void umb_flow_table_free(struct umb_flow_table *t);

/** Find the flow of @p k. NULL when absent. */
struct umb_flow *umb_flow_lookup(struct umb_flow_table *t,
		const struct umb_flow_key *k, uint32_t hash);

/**
 * Insert a flow for @p k (which must be absent). Its data is zeroed.
 * @return the flow, or NULL with rte_errno = ENOSPC when the table is full
 *   (the caller may evict with umb_flow_table_evict_candidate and retry).
 */
struct umb_flow *umb_flow_insert(struct umb_flow_table *t,
		const struct umb_flow_key *k, uint32_t hash, uint64_t now_us);

/** Remove @p f from the table. The caller has released its data. */
void umb_flow_remove(struct umb_flow_table *t, struct umb_flow *f);

/** Least recently seen among @p nb_samples random entries, or NULL if empty. */
struct umb_flow *umb_flow_table_evict_candidate(struct umb_flow_table *t,
		unsigned int nb_samples);

/**
 * Visit up to @p max_visit flows in use from the table's cursor (a list of
 * the flows in use: empty entries cost nothing), calling @p cb for each. If @p cb returns non-zero, the flow is removed
 * (after the callback released its data).
 * @return number of flows removed.
 */
unsigned int umb_flow_table_scan(struct umb_flow_table *t,
		unsigned int max_visit,
		int (*cb)(void *arg, struct umb_flow *f), void *arg);

/** Flows in use. */
uint32_t umb_flow_table_count(const struct umb_flow_table *t);
/** Flow cap. */
uint32_t umb_flow_table_capacity(const struct umb_flow_table *t);

#ifdef __cplusplus
}
#endif
#endif
