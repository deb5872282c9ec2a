/* SPDX-License-Identifier: BSD-3-Clause
 * The appliance's internal types: options, role contexts and the role
 * table. The hot loops live in rx.c (receive, decode, shard), reasm.c
 * (reassembly and HTTP, through lib/session) and export.c (records out);
 * roles.c maps lcores to roles and runs them.
 */
#ifndef UMBRA_APP_H
#define UMBRA_APP_H

#include <pthread.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "umb_compare.h"
#include "umb_config.h"
#include "umb_json.h"
#include "umb_export.h"
#include "umb_launch.h"
#include "umb_packet.h"
#include "umb_peer.h"
#include "umb_peer_conn.h"
#include "umb_session.h"
#include "umb_stats.h"
#include "responder.h"

#define UMB_MAX_PORTS 32
#define UMB_MAX_REASM 16
#define UMB_MAX_ROLES_PER_LCORE 6
#define UMB_MAX_COMPARE 8
#define UMB_BURST 32
#define UMB_STAGE_MAX 16384        /**< records staged by one reasm role */
#define UMB_STAGE_HIGH (UMB_STAGE_MAX / 2) /**< stop taking packets above this */

/* Receive role counters (group "rx"). */
#define UMB_RX_COUNTERS(X) \
	X(packets, "frames received") \
	X(bytes, "bytes received") \
	X(non_contiguous, "frames whose headers were split across mbuf segments") \
	X(ring_full_drops, "segments dropped: reassembly ring full (live mode)") \
	X(unsampled, "segments of unsampled flows, dropped before reassembly") \
	X(ports_exhausted, "capture files read to the end") \
	X(merge_out_of_order, "frames older than the previous one (capture time went back)")

#define UMB_RX_ENUM_(n, d) UMB_RX_##n,
enum umb_rx_ctr { UMB_RX_COUNTERS(UMB_RX_ENUM_) UMB_RX_CTR_MAX };
#undef UMB_RX_ENUM_

/* Reassembly role counters beyond the session's (group "reasm"). */
#define UMB_REASM_COUNTERS(X) \
	X(segments, "segments handled") \
	X(shadow_segments, "segments from the shadow handled (the shadow peer)") \
	X(shadow_tx_ring_full, "frames toward the shadow dropped: ring to the shadow role full") \
	X(payload_copied, "segments whose payload spanned mbuf segments (copied)") \
	X(records_staged, "exchange records handed on (to compare)") \
	X(records_dropped, "records dropped: staging full (live)") \
	X(not_compared, "records sent straight to export: the ring to their comparator was full (live)")

#define UMB_REASM_ENUM_(n, d) UMB_REASM_##n,
enum umb_reasm_ctr { UMB_REASM_COUNTERS(UMB_REASM_ENUM_) UMB_REASM_CTR_MAX };
#undef UMB_REASM_ENUM_

/* Compare role counters (group "compare"). */
#define UMB_COMPARE_COUNTERS(X) \
	X(records, "exchange records received") \
	X(compared, "exchanges compared (both answers complete)") \
	X(match, "compared: equal under the rules") \
	X(mismatch, "compared: different") \
	X(shadow_5xx, "compared: the shadow answered 5xx, production did not (shadow_error)") \
	X(slower, "compared: the shadow flagged slower (slow_ms, slow_ratio)") \
	X(json, "bodies compared as JSON") \
	X(json_capped, "JSON past a cap (depth, nodes, size): compared by bytes") \
	X(hash_only, "bodies compared by hash only (not kept: size or memcap)") \
	X(headers_not_kept, "header comparisons skipped: headers not kept whole") \
	X(decoded, "bodies decoded (gzip, deflate, br)") \
	X(decode_bombs, "bodies whose decoding passed the ratio cap (compared raw)") \
	X(decode_too_big, "bodies whose decoding passed compare_body_max (compared raw)") \
	X(decode_errors, "bodies that failed to decode: corrupt or unknown coding (compared raw)") \
	X(diffs, "differences found") \
	X(diffs_cut, "exchanges with more differences than max_diffs") \
	X(diffs_not_exported, "difference lists not written: compare memcap exhausted") \
	X(out_full, "polls that found the ring to export full (input waits)") \
	X(unanswered, "mirrored exchanges complete on production without the shadow's whole answer (not compared; expected 0)")

#define UMB_COMPARE_ENUM_(n, d) UMB_COMPARE_##n,
enum umb_compare_ctr { UMB_COMPARE_COUNTERS(UMB_COMPARE_ENUM_) UMB_COMPARE_CTR_MAX };
#undef UMB_COMPARE_ENUM_

extern const struct umb_ctr_group umb_compare_ctr_group;

/* Export role counters (group "export"). */
#define UMB_EXPORT_COUNTERS(X) \
	X(records, "exchange records received") \
	X(lines, "JSON lines written") \
	X(write_errors, "records not written (I/O or allocation error)")

#define UMB_EXPORT_ENUM_(n, d) UMB_EXPORT_##n,
enum umb_export_ctr { UMB_EXPORT_COUNTERS(UMB_EXPORT_ENUM_) UMB_EXPORT_CTR_MAX };
#undef UMB_EXPORT_ENUM_

extern const struct umb_ctr_group umb_rx_ctr_group;
extern const struct umb_ctr_group umb_reasm_ctr_group;
extern const struct umb_ctr_group umb_export_ctr_group;

/** A mismatch kept for the report (the last N per comparator). */
struct umb_sample {
	uint64_t ts_us;
	uint64_t ttlb_us[2];          /**< production, shadow (0: unknown) */
	int16_t status[2];
	uint8_t outcome;
	uint16_t diffs_len;
	char route[UMB_X_ROUTE_MAX];
	char request[256];            /**< "METHOD uri" (cut) */
	char diffs[2048];             /**< the JSON array of differences (cut: "...") */
};

/* Shadow role counters (group "shadow"). */
#define UMB_SHADOW_COUNTERS(X) \
	X(rx, "frames received on the shadow port") \
	X(tx, "frames sent on the shadow port") \
	X(tx_drops, "frames the shadow port would not take (freed)") \
	X(tcp_to_peer, "TCP segments handed to the shadow peer of their lcore") \
	X(peer_ring_full, "TCP segments dropped: ring to the reassembly lcore full") \
	X(not_ours, "frames neither ARP/ND nor TCP to umbra's SNAT ports (dropped)") \
	X(responder_frames, "benchmark: answers of the in-process responder") \
	X(target_resolved, "times the shadow's MAC became known") \
	X(target_unreachable, "resolutions of the shadow's MAC that failed")

#define UMB_SHADOW_ENUM_(n, d) UMB_SHADOW_##n,
enum umb_shadow_ctr { UMB_SHADOW_COUNTERS(UMB_SHADOW_ENUM_) UMB_SHADOW_CTR_MAX };
#undef UMB_SHADOW_ENUM_

extern const struct umb_ctr_group umb_shadow_ctr_group;

/** Everything the command line sets; read-only once lcores start. */
struct umb_options {
	const char *config_path;      /**< --config: live mode from a launch file */
	struct umb_launch_conf *conf; /**< loaded --config, NULL otherwise */
	const char *pcaps[UMB_MAX_PORTS];
	unsigned int nb_pcaps;
	const char *exchanges_path;   /**< JSON lines out, NULL: none */
	const char *summary_json;     /**< summary JSON out, NULL: none */
	const char *roles;            /**< lcore:role+role,... NULL: default */
	const char *lcores;           /**< EAL -l for the built-in EAL args */
	uint32_t max_flows;           /**< per reassembly lcore */
	uint32_t reasm_memcap_mb;     /**< out-of-order memcap per reassembly lcore */
	uint32_t stream_cap_kb;       /**< out-of-order bytes per stream */
	uint32_t records;             /**< exchange records per reassembly lcore */
	uint32_t mbufs;               /**< mbufs in the packet pool */
	uint32_t ring_size;           /**< rx->reasm and reasm->export rings */
	const char *compare_path;     /**< --compare: compare file, NULL: defaults */
	uint32_t compare_body_max;    /**< body bytes kept per answer */
	uint32_t compare_memcap_mb;   /**< kept headers, bodies, diffs */
	uint64_t idle_timeout_us;
	uint64_t close_timeout_us;
	uint32_t share_ppm;
	uint64_t seed;
	int midstream;
	int record_unsampled;         /**< unsampled flows parsed too (not_sampled) */
	int quiet;                    /**< no summary on stdout */
	int backpressure;             /**< never drop between roles (offline) */
	int responder;                /**< benchmark: in-process shadow responder */
	uint64_t duration_us;         /**< --duration: stop after this long, 0: never */
	struct umb_listen_conf metrics; /**< --metrics or [launch] metrics (off) */
	struct umb_redis_conf redis;  /**< --redis or [launch] redis (off) */
	char launch[UMB_CONFIG_LAUNCH_LEN]; /**< --launch or [launch] launch ("default") */
};

/** A receive port. */
struct umb_port {
	struct rte_mbuf *look[UMB_BURST]; /**< merge mode: read ahead, not yet taken */
	uint16_t look_head, look_n;
	uint16_t port_id;
	uint8_t link;                 /**< enum umb_link */
	uint8_t finite;               /**< ends (capture file) */
	uint8_t exhausted;
	uint32_t empty_polls;
	struct umb_decap_conf decap;  /**< mirror encapsulations it decodes (tap ports) */
	char name[64];
};

struct umb_app;

/** Shadow role: the shadow port's receive side, ARP/ND, (later) the peer. */
struct umb_shadow_ctx {
	struct umb_app *app;
	struct umb_neigh *neigh;
	uint64_t neigh_ctr[UMB_NEIGH_CTR_MAX];
	uint64_t ctr[UMB_SHADOW_CTR_MAX];
	uint64_t next_resolve_us;     /**< when to drive the target's resolution */
	struct rte_ether_addr target_mac;
	union umb_addr target;        /**< the shadow service (when not "keep") */
	struct rte_ether_addr mac;    /**< umbra's MAC on the shadow link */
	uint64_t next_hop;            /**< published to reasm: NEXT_HOP_KNOWN | MAC (atomic) */
	struct umb_responder *responder; /**< benchmark mode, NULL otherwise */
	struct rte_mbuf *tx[UMB_BURST];
	uint16_t nb_tx;
	uint16_t port_id;
	uint8_t target_af;            /**< 0: keep original destination */
	uint8_t target_known;
	int done;
} __rte_cache_aligned;

/** umb_shadow_ctx.next_hop: the MAC in the low 48 bits is valid. */
#define UMB_NEXT_HOP_KNOWN (1ULL << 63)

/** Receive role: ports -> decode -> shard to reassembly rings. */
struct umb_rx_ctx {
	struct umb_app *app;
	uint64_t ctr[UMB_RX_CTR_MAX];
	uint64_t decode[UMB_DECODE_MAX];
	uint64_t tunnel[UMB_TUNNEL_MAX];  /**< TCP segments by encapsulation */
	uint64_t flow[UMB_FLOW_CTR_MAX];  /**< not_sampled: flows dropped here */
	uint32_t keep[UMB_MAX_REASM];     /**< sampling thresholds, read once per poll */
	struct rte_mbuf *pend[UMB_MAX_REASM][UMB_BURST]; /**< not yet enqueued */
	uint16_t nb_pend[UMB_MAX_REASM];
	uint64_t last_ts_us;         /**< merge mode: time of the last frame taken */
	int done;
} __rte_cache_aligned;

/** Reassembly role: one per lcore that runs it, owns a session table. */
struct umb_reasm_ctx {
	struct umb_app *app;
	unsigned int idx;
	struct rte_ring *in;          /**< from rx */
	struct rte_ring *out;         /**< straight to export (not_compared, live) */
	struct rte_ring *cmp[UMB_MAX_COMPARE]; /**< to each compare lcore, by flow */
	struct rte_ring *sh_in;       /**< shadow role -> this lcore: the shadow's segments */
	struct rte_ring *sh_out;      /**< this lcore -> shadow role: frames toward the shadow */
	struct rte_mbuf *tx[UMB_BURST];
	uint16_t nb_tx;
	uint64_t next_hop;            /**< last UMB_NEXT_HOP word applied */
	struct umb_session_table *sessions;
	struct umb_session_ctrs sctr;
	uint32_t share_ppm;           /**< share this table applies */
	uint32_t rollback_gen;        /**< last umb_app.rollback_gen acted on */
	/** umb_session_keep_ppm published for rx (atomic): rx drops the
	 * segments whose sample value is at or above it and the share. */
	uint32_t keep_ppm;
	uint64_t ctr[UMB_REASM_CTR_MAX];
	struct umb_exchange *stage[UMB_STAGE_MAX];
	uint32_t stage_head, stage_count;
	uint64_t expire_tsc;          /**< TSC of the last expiry pass */
	int flushed;
	int done;
	uint8_t scratch[65536 + 256];   /**< payload copy for chained mbufs */
} __rte_cache_aligned;

/**
 * Compare role: records from every reassembly lcore (its input rings
 * in[], one per reassembly lcore, sharded by flow) -> route, comparison,
 * statistics -> its output ring to export.
 */
struct umb_compare_ctx {
	struct umb_app *app;
	unsigned int idx;
	struct rte_ring *in[UMB_MAX_REASM];  /**< from each reassembly lcore */
	struct rte_ring *out;                /**< to export */
	struct umb_exchange *pend[UMB_BURST]; /**< compared, not yet taken by export */
	uint16_t nb_pend;
	uint64_t ctr[UMB_COMPARE_CTR_MAX];
	struct umb_route_table *routes;      /**< this lcore's route statistics */
	struct umb_cmp_result res;
	struct umb_cmp_result lat;           /**< latency verdict (not a diff) */
	struct umb_jw jw;                    /**< difference lists */
	uint8_t *raw[2];                     /**< kept bodies, contiguous */
	uint8_t *dec[2];                     /**< decoded bodies */
	struct umb_sample *samples;          /**< ring of the last nb_samples mismatches */
	uint32_t nb_samples, sample_next;
	uint64_t samples_seen;
	int done;
} __rte_cache_aligned;

/** Export role: records -> JSON lines + summary aggregates. */
struct umb_export_ctx {
	struct umb_app *app;
	uint64_t ctr[UMB_EXPORT_CTR_MAX];
	struct umb_jsonl jsonl;
	int jsonl_open;
	int unflushed;                /**< lines written since the last flush */
	uint64_t by_status_class[6];  /**< none, 1xx..5xx */
	uint64_t ttfb_sum_us, ttfb_n;
	uint64_t ttfb_hist[64];       /**< log2 buckets of ttfb_us */
	uint64_t resp_bytes;
	uint64_t outcome[UMB_OUTCOME_MAX]; /**< final outcome of every record written */
	int done;
} __rte_cache_aligned;

/** A role: what one lcore runs, one iteration at a time. */
struct umb_role {
	const char *name;
	/** One iteration of the poll loop; returns units of work done. */
	unsigned int (*poll)(void *ctx);
	/** Non-zero when the role has nothing more to do (offline end). */
	int (*done)(void *ctx);
};

extern const struct umb_role umb_role_rx;
extern const struct umb_role umb_role_reasm;
extern const struct umb_role umb_role_export;
extern const struct umb_role umb_role_compare;
extern const struct umb_role umb_role_shadow;

/** The roles one lcore runs in turn (run to completion). */
struct umb_lcore_plan {
	unsigned int lcore_id;
	unsigned int nb_roles;
	const struct umb_role *roles[UMB_MAX_ROLES_PER_LCORE];
	void *ctx[UMB_MAX_ROLES_PER_LCORE];
};

/** Events kept in memory per launch (the last ones). */
#define UMB_LAUNCH_HISTORY 32
/** A rollback resets shadow connections not closed within this (us). */
#define UMB_ROLLBACK_GRACE_US 500000

/**
 * The launch this appliance runs (app/umbra/launch.c). Embedded (no Redis)
 * it is the launch: /umbra/launch changes it. With Redis the launch record
 * decides and this is what the exporter last applied. Changed only with
 * the lock held, from control threads (telemetry, exporter); the data
 * lcores read only umb_app.share_ppm and umb_app.rollback_gen.
 */
struct umb_app_launch {
	pthread_mutex_t lock;
	struct umb_launch l;          /**< state and the launch's share */
	char id[UMB_LAUNCH_ID_LEN];   /**< random hex at start, or the record's */
	int follows_redis;            /**< the record decides, verbs are refused */
	uint64_t created_us, updated_us;
	struct umb_launch_event hist[UMB_LAUNCH_HISTORY]; /**< a ring */
	uint32_t nb_hist;             /**< events ever recorded */
	struct umb_totals *final;     /**< frozen at promote, else NULL */
	uint64_t final_us;
	uint64_t rollbacks;           /**< close-all requests sent to the lcores */
};

struct umb_app {
	struct umb_options opt;
	struct umb_port ports[UMB_MAX_PORTS];
	unsigned int nb_ports;
	struct rte_mempool *mbuf_pool;
	struct rte_mempool *peer_pool;   /**< frames toward the shadow */
	struct umb_rx_ctx *rx;
	struct umb_reasm_ctx *reasm[UMB_MAX_REASM];
	unsigned int nb_reasm;
	struct umb_export_ctx *exp;
	struct umb_compare_ctx *cmp[UMB_MAX_COMPARE];
	unsigned int nb_cmp;
	struct umb_cmp_ruleset *rules;   /**< compare rules (read-only) */
	struct rte_mempool *cpool;       /**< kept content: the compare memcap */
	struct umb_shadow_ctx *shadow;   /**< NULL without a shadow port */
	uint32_t share_ppm;           /**< sampling share asked for (telemetry), atomic */
	/** Bumped (after share_ppm is 0) to make every reassembly lcore shut
	 * its shadow connections at once: a rollback. Atomic. */
	uint32_t rollback_gen;
	struct umb_app_launch launch;
	struct umb_lcore_plan plans[RTE_MAX_LCORE];
	unsigned int nb_plans;
	uint64_t tsc_hz;
	uint64_t start_tsc;
	uint64_t start_wall_us;
	uint64_t run_start_tsc;       /**< lcores launched */
	uint64_t run_end_tsc;         /**< every lcore returned */
	int ts_dynfield;              /**< Rx timestamp dynfield offset, -1 none */
	uint64_t ts_dynflag;
	int quit;                     /**< set by signal handlers, read with __atomic */
};

/* args.c */
int umb_args_parse(struct umb_options *o, int argc, char **argv);
void umb_args_usage(const char *prog);
int umb_args_build_eal(const struct umb_options *o, const char *prog,
		char **eal_argv, int max, char *store, size_t store_size);

/* init.c */
int umb_init_ports(struct umb_app *app);
int umb_init_roles(struct umb_app *app);
/* Stops the ports and frees what the app holds; with release_memory 0
 * (at exit, rte_eal_cleanup next) the large DPDK pools are left to it. */
void umb_fini(struct umb_app *app, int release_memory);
/* memory.c: transparent huge pages on --no-huge memory (after EAL init);
 * the number of memseg lists advised. */
unsigned int umb_memory_advise(void);

/* reasm.c: the session table's emit and shadow transmit callbacks */
void umb_reasm_stage_record(void *arg, struct umb_exchange *x);
void umb_reasm_peer_tx(void *arg, struct rte_mbuf *m);

/* roles.c */
int umb_lcore_main(void *arg);
int umb_roles_plan(struct umb_app *app);

/* control.c: live control through DPDK telemetry */
int umb_control_init(struct umb_app *app);

/* launch.c: the launch lifecycle in the appliance (embedded, or following Redis) */
/** Result of umb_launch_do() beyond enum umb_launch_result: Redis decides. */
#define UMB_LAUNCH_REFUSED (-3)
/** The launch at start: active at the configured share, a new id. 0 or < 0. */
int umb_launch_init(struct umb_app *app);
void umb_launch_fini(struct umb_app *app);
/**
 * Apply a verb to the embedded launch (telemetry): the state machine of
 * lib/launch, then its effects (share, close-all, frozen statistics) and a
 * history entry by @p who. An enum umb_launch_result, or UMB_LAUNCH_REFUSED
 * when the launch follows Redis; @p why says why when not changed; *@p from
 * (may be NULL) is the state the verb found.
 */
int umb_launch_do(struct umb_app *app, enum umb_launch_verb verb, int has_arg,
		uint32_t arg_ppm, const char *who, char *why, size_t why_size,
		enum umb_launch_state *from);
/**
 * Follow the launch record (the Redis exporter): its state, share and id
 * (@p id may be NULL or ""). Applies the effective share when it differs
 * from the one applied (*@p applied: 1), a close-all on entering
 * rolled_back, frozen statistics on entering promoted. Returns the state
 * before.
 */
enum umb_launch_state umb_launch_follow(struct umb_app *app,
		enum umb_launch_state state, uint32_t share_ppm, const char *id,
		int *applied);
/** umb_launch_follow() to @p state, the share kept (a message's pause or
 * rollback, before the record is read). */
enum umb_launch_state umb_launch_follow_state(struct umb_app *app,
		enum umb_launch_state state, int *applied);
/** A copy of the launch (under its lock); out->final is not copied (NULL). */
void umb_launch_get(struct umb_app *app, struct umb_app_launch *out,
		struct umb_totals *final, int *has_final);
/** hostname:file-prefix (the runtime directory's name), else hostname:pid. */
void umb_appliance_id(char *out, size_t size);

/* metrics.c: the Prometheus endpoint (off unless opt.metrics is enabled) */
/** Start serving GET /metrics on its own thread; 0, or < 0 with the reason printed. */
int umb_metrics_start(struct umb_app *app);
/** Stop serving (waits for a scrape in progress); safe when not started. */
void umb_metrics_stop(struct umb_app *app);

/* redis.c: the exporter to the fleet store (off unless opt.redis is enabled) */
/** Start the exporter thread (after the lcores launch); 0 or < 0 (printed). */
int umb_redis_start(struct umb_app *app);
/** Final flush (bounded, about 2 s) and stop; safe when not started. */
void umb_redis_stop(struct umb_app *app);
/** One line of the exporter's own counters (nothing when off). */
void umb_redis_print(const struct umb_app *app, FILE *f);

/* compare.c */
int umb_compare_init(struct umb_app *app, unsigned int idx, unsigned int lcore);
void umb_compare_fini(struct umb_compare_ctx *k);
/** Merge every comparator's route statistics into a new table (free it). */
struct umb_route_table *umb_compare_snapshot(struct umb_app *app);

/* snapshot.c: one snapshot of every statistic (summary, telemetry, metrics) */
/** Every counter group summed over the lcores that count it. */
struct umb_totals {
	uint64_t rx[UMB_RX_CTR_MAX];
	uint64_t decode[UMB_DECODE_MAX];
	uint64_t tunnel[UMB_TUNNEL_MAX];
	uint64_t flow[UMB_FLOW_CTR_MAX];
	uint64_t tcp[UMB_TCP_CTR_MAX];
	uint64_t http[UMB_HTTP_CTR_MAX];
	uint64_t outcome[UMB_OUTCOME_MAX];
	uint64_t reasm[UMB_REASM_CTR_MAX];
	uint64_t exp[UMB_EXPORT_CTR_MAX];
	uint64_t cmp[UMB_COMPARE_CTR_MAX];
	uint64_t shadow[UMB_SHADOW_CTR_MAX];
	uint64_t neigh[UMB_NEIGH_CTR_MAX];
	uint64_t mirror[UMB_MIRROR_CTR_MAX];
	uint64_t emitted[UMB_OUTCOME_MAX]; /**< lib/http's records let go, by outcome then */
	uint64_t peer[UMB_PEER_CONN_CTR_MAX];
	uint64_t responder[UMB_RESPONDER_CTR_MAX];
};

struct umb_snapshot {
	struct umb_totals t;
	struct umb_route_table *routes;  /**< merged route statistics, or NULL */
};

/** Take a snapshot (@p with_routes: merge the comparators' routes too). 0 or -ENOMEM. */
int umb_snapshot_take(struct umb_app *app, struct umb_snapshot *s, int with_routes);
void umb_snapshot_release(struct umb_snapshot *s);
/** Counter groups in print order: the i-th group and its summed values. */
unsigned int umb_snapshot_nb_groups(void);
const struct umb_ctr_group *umb_snapshot_group(const struct umb_snapshot *s,
		unsigned int i, const uint64_t **vals);
/* umb_snapshot_routes() orders */
#define UMB_ROUTES_BY_NAME 0      /**< telemetry ids, metrics */
#define UMB_ROUTES_BUSIEST 1      /**< the summary */
/**
 * The routes of @p t that saw an exchange, in @p order (free() the array;
 * NULL when it cannot be allocated). Live tables may grow meanwhile: the
 * count is read once.
 */
struct umb_route_stat **umb_snapshot_routes(const struct umb_route_table *t,
		int order, uint32_t *n);
/** 0 when every request with a record ended in one outcome; @p why says. */
int umb_snapshot_accounting(const struct umb_snapshot *s, char *why, size_t size);

/* summary.c */
void umb_summary_print(struct umb_app *app, FILE *f);
int umb_summary_json(struct umb_app *app, const char *path);

/** Wall-clock microseconds from the TSC (live timestamps). */
static inline uint64_t
umb_now_us(const struct umb_app *app)
{
	return app->start_wall_us +
		(rte_rdtsc() - app->start_tsc) * 1000000ULL / app->tsc_hz;
}

/** A MAC as the low 48 bits of a word (for an atomic hand-off). */
static inline uint64_t
umb_mac_word(const struct rte_ether_addr *m)
{
	uint64_t w = 0;

	for (int i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		w = w << 8 | m->addr_bytes[i];
	return w;
}

static inline void
umb_word_mac(uint64_t w, struct rte_ether_addr *m)
{
	for (int i = RTE_ETHER_ADDR_LEN - 1; i >= 0; i--, w >>= 8)
		m->addr_bytes[i] = (uint8_t)w;
}

/** True when an lcore should stop everything (signal). */
static inline int
umb_quit(const struct umb_app *app)
{
	return __atomic_load_n(&app->quit, __ATOMIC_RELAXED);
}

#endif
