/* SPDX-License-Identifier: BSD-3-Clause
 * The shadow TCP peer, per session: umbra plays the client's part of a TCP
 * connection toward the shadow server (docs/peer.md).
 *
 * A connection carries one byte stream each way:
 *  - toward the shadow, bytes written by the caller at stream offsets 0, 1,
 *    2, ... (the requests the caller maps onto this connection; offset 0 is
 *    the first byte after umbra's SYN: sequence number = ISN + 1 + offset,
 *    the ISN umbra's own). The
 *    caller says how far it may go (umb_peer_release), the connection sends
 *    within the shadow's window and congestion window, holds every byte
 *    until the shadow acknowledges it, and retransmits (RTO, 3 dupacks);
 *  - from the shadow, its response bytes: fed through a lib/tcp stream of
 *    the context's umb_tcp_ctx (its sink receives them with direction
 *    UMB_PEER_TCP_DIR and the connection's owner as argument), and
 *    acknowledged by umbra itself (delayed ACK).
 *
 * The ACK field of every segment is umbra's own. Timestamps, when the
 * client offered them and the shadow agreed, use umbra's own millisecond
 * clock and echo the shadow's latest TSval. SACK is not offered.
 *
 * Connections belong to a context, one per reassembly lcore: no locks, no
 * allocation after creation (connections, SNAT ports and send buffers are
 * preallocated; the send buffer is a chain of mbufs of the context's
 * buffer pool), and time always comes from the caller in microseconds.
 * Frames go out through the context's tx callback.
 *
 * SNAT: a context owns the source ports p in [sport_min, sport_max] with
 * p % nb_contexts == context_index, so a shadow packet is steered to its
 * context by its destination port alone. Free ports are reused oldest
 * first, which keeps a closed 4-tuple out of use as long as possible (the
 * shadow may hold it in TIME_WAIT).
 */
#ifndef UMB_PEER_CONN_H
#define UMB_PEER_CONN_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "umb_packet.h"
#include "umb_peer.h"
#include "umb_stats.h"
#include "umb_tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Direction passed to the lib/tcp sink for the shadow's bytes. */
#define UMB_PEER_TCP_DIR 2

#define UMB_PEER_CONN_COUNTERS(X) \
	X(opened, "shadow sessions opened (SYN sent)") \
	X(refused_no_port, "sessions refused: no free SNAT port / connection") \
	X(refused_rate, "sessions refused: new-session token bucket empty") \
	X(refused_family, "sessions refused: no shadow-side address of that family") \
	X(established, "handshakes completed (SYN-ACK received)") \
	X(closed_clean, "sessions ended by FIN both ways") \
	X(closed_shadow_rst, "sessions ended by a RST from the shadow") \
	X(closed_abort, "sessions ended by umbra's RST (caller abort)") \
	X(closed_idle, "sessions ended by the idle timeout (RST sent)") \
	X(closed_retries, "sessions ended after too many retransmissions (RST sent)") \
	X(syn_sent, "SYN segments sent (first and retransmitted)") \
	X(data_segments, "data segments sent (first transmission)") \
	X(data_bytes, "payload bytes sent (first transmission)") \
	X(rto_retransmits, "segments retransmitted on RTO (SYN included)") \
	X(fast_retransmits, "segments retransmitted on three duplicate ACKs") \
	X(acks_sent, "pure ACKs sent") \
	X(fin_sent, "FIN segments sent") \
	X(rst_sent, "RST segments sent") \
	X(rx_segments, "segments received from the shadow for a connection") \
	X(rx_bytes, "payload bytes received from the shadow") \
	X(rx_no_conn, "segments for no connection (RST sent unless they were RST)") \
	X(rx_bad_ack, "segments acknowledging bytes never sent (dropped, ACK sent)") \
	X(rx_stale_ack, "ACKs of an earlier connection on the 4-tuple answering our SYN (RST sent, SYN again)") \
	X(rx_out_of_window, "segments outside the receive window (dropped, ACK sent)") \
	X(rx_dup_acks, "duplicate ACKs received") \
	X(held_over_cap, "writes refused: held bytes over the per-session cap") \
	X(buf_pool_empty, "writes refused: send buffer pool empty") \
	X(held_copy_bytes, "client bytes held as copies in the send buffer") \
	X(held_ref_bytes, "client bytes held as references to the received mbufs (no copy)") \
	X(waiting_ref_bytes, "client bytes kept for a shadow connection to come, as references") \
	X(waiting_copy_bytes, "client bytes kept for a shadow connection to come, as copies") \
	X(waiting_refused, "client bytes not kept for a shadow connection to come: pool empty") \
	X(ref_pool_empty, "writes copied instead of referenced: reference pool empty") \
	X(tx_no_mac, "frames not sent: the shadow's MAC is not known") \
	X(tx_no_mbuf, "frames not built: transmit pool empty") \
	X(tx_build_error, "frames not built: builder error")

#define UMB_PEER_CONN_ENUM_(n, d) UMB_PEER_CONN_##n,
enum umb_peer_conn_ctr {
	UMB_PEER_CONN_COUNTERS(UMB_PEER_CONN_ENUM_)
	UMB_PEER_CONN_CTR_MAX
};
#undef UMB_PEER_CONN_ENUM_

/** Counter group "peer" (index = enum umb_peer_conn_ctr). */
extern const struct umb_ctr_group umb_peer_conn_ctr_group;

/** Why a connection ended (argument of the closed callback). */
enum umb_peer_end {
	UMB_PEER_END_CLEAN = 0, /**< FIN both ways, all data acknowledged */
	UMB_PEER_END_SHADOW_RST,/**< the shadow sent a RST (refused or reset) */
	UMB_PEER_END_ABORT,     /**< the caller aborted (RST sent) */
	UMB_PEER_END_IDLE,      /**< nothing either way for idle_timeout_us (RST sent) */
	UMB_PEER_END_RETRIES,   /**< a segment went unacknowledged after max_retries RTOs (RST sent) */
};

const char *umb_peer_end_name(enum umb_peer_end e);

struct umb_peer_conn; /* private */
struct umb_peer_ctx;  /* private */

struct umb_peer_ctx_params {
	const char *name;             /**< unique, names the DPDK objects */
	int socket_id;
	/* framing: umbra's side of the shadow link */
	struct rte_ether_addr src_mac;
	union umb_addr src4;          /**< umbra's IPv4 (has_src4) */
	union umb_addr src6;          /**< umbra's IPv6 (has_src6) */
	uint8_t has_src4, has_src6;
	uint16_t vlan;                /**< 0: untagged */
	uint16_t mtu;                 /**< IP MTU, 0: 1500 */
	/* where sessions go */
	union umb_addr target4;       /**< shadow IPv4 (has_target4), else keep the original */
	union umb_addr target6;       /**< shadow IPv6 (has_target6), else keep the original */
	uint8_t has_target4, has_target6;
	uint16_t target_port;         /**< 0: keep the original destination port */
	/* SNAT and caps */
	uint16_t sport_min, sport_max;
	uint16_t ctx_index, nb_ctx;   /**< residue class of this context's ports */
	uint32_t max_conns;           /**< concurrent connections of this context */
	uint32_t held_bytes;          /**< unacknowledged + unsent bytes per connection */
	uint32_t buf_mbufs;           /**< send buffer pool (memcap of this context) */
	uint16_t buf_data_room;       /**< data room of a buffer mbuf, 0: 2048 */
	/**
	 * Indirect mbufs for umb_peer_write_ref(): each holds one received
	 * mbuf (and so one mbuf of the receive pool) until the shadow
	 * acknowledges its bytes. Bounds what this context keeps of the
	 * receive pool. 0: every write is a copy.
	 */
	uint32_t ref_mbufs;
	double new_per_sec;           /**< token bucket refill rate, 0: unlimited */
	uint32_t burst;               /**< token bucket depth */
	/* timing */
	uint64_t idle_timeout_us;     /**< nothing either way this long: RST */
	uint32_t max_retries;         /**< RTOs of one segment before giving up, 0: 8 */
	uint64_t rto_min_us;          /**< 0: 200 ms */
	uint64_t rto_init_us;         /**< first RTO (SYN too), 0: 1 s */
	uint64_t delack_us;           /**< delayed ACK, 0: 40 ms */
	/* plumbing */
	struct rte_mempool *tx_pool;  /**< frames toward the shadow */
	struct umb_tcp_ctx *tcp;      /**< reassembly of the shadow's bytes */
	/** Send one built frame (takes ownership). */
	void (*tx)(void *tx_arg, struct rte_mbuf *m);
	void *tx_arg;
	/**
	 * Bytes below offset @p sent_off have all been sent at least once
	 * (called when that offset advances, at most once per output run).
	 */
	void (*sent)(void *owner, uint64_t sent_off, uint64_t now_us);
	/**
	 * The connection ended for @p why; it is freed when this returns, so
	 * the owner must forget it. Called from any umb_peer_* call that takes
	 * a connection or the context (input, timers, abort, ...), never from
	 * umb_peer_open.
	 */
	void (*closed)(void *owner, enum umb_peer_end why, uint64_t now_us);
	uint64_t *ctr;                /**< UMB_PEER_CONN_CTR_MAX counters */
};

/** Create a context. NULL with rte_errno set (EINVAL, ENOMEM, ENOSPC: no port in the class). */
struct umb_peer_ctx *umb_peer_ctx_create(const struct umb_peer_ctx_params *p);

/**
 * Free a context. Connections still open are dropped without a frame and
 * without callbacks: abort them first (umb_peer_abort) to leave no stale
 * connection on the shadow.
 */
void umb_peer_ctx_free(struct umb_peer_ctx *c);

/** The shadow's (or the gateway's) MAC; NULL: unknown (frames are counted and dropped). */
void umb_peer_set_next_hop(struct umb_peer_ctx *c, const struct rte_ether_addr *mac);

/** Connections open. */
uint32_t umb_peer_ctx_conns(const struct umb_peer_ctx *c);

/**
 * What umbra's SYN offers (host order): the client's options when its SYN
 * was seen, else umb_peer_syn_defaults().
 */
struct umb_peer_syn {
	uint32_t isn;        /**< the ISN to use, unless own_isn */
	uint16_t mss;        /**< MSS option, 0: none */
	uint8_t wscale;      /**< window scale, UMB_PEER_NO_WSCALE: none */
	uint8_t has_ts;      /**< offer timestamps */
	/**
	 * umbra draws its own ISN (RFC 6528: a 4 us clock plus a keyed hash
	 * of the connection's addresses and ports, the key random per
	 * context), so every shadow connection has its own sequence space.
	 */
	uint8_t own_isn;
};

/**
 * umbra's defaults for a connection whose client SYN was not seen: MSS
 * from the shadow link's MTU, window scale 7, timestamps, own ISN.
 */
void umb_peer_syn_defaults(const struct umb_peer_ctx *c, uint8_t af,
		struct umb_peer_syn *s);

/**
 * Open a connection toward the shadow and send its SYN (the ISN and options
 * of @p syn, MSS clamped to the MTU).
 *
 * @param owner      passed back to the callbacks
 * @param af         4 or 6
 * @param orig_dst   the production server's address (used when the target
 *                   of that family is "keep")
 * @param orig_dport the production server's port (used when target_port is 0)
 * @param conn       set to the connection
 * @return 0, or -ENOSPC (no free port / connection), -EBUSY (token
 *   bucket empty), -EAFNOSUPPORT (no shadow-side address of that family),
 *   -EINVAL. Refusals are counted.
 */
int umb_peer_open(struct umb_peer_ctx *c, void *owner, uint8_t af,
		const union umb_addr *orig_dst, uint16_t orig_dport,
		const struct umb_peer_syn *syn, uint64_t now_us,
		struct umb_peer_conn **conn);

/**
 * Append the client's next @p len bytes (stream offsets written..written+len).
 * They are copied into the send buffer and sent once released.
 * @return 0, or -ENOBUFS when the bytes held (sent but unacknowledged, or
 *   not yet sent) would exceed held_bytes or the buffer pool is empty
 *   (counted; nothing is appended: the caller should abort), -EPIPE after
 *   shutdown.
 */
int umb_peer_write(struct umb_peer_conn *k, const void *p, uint32_t len,
		uint64_t now_us);

/**
 * umb_peer_write() without the copy: the @p len bytes at @p p lie in the
 * data of @p m (one segment), and are held as a reference to it (an
 * indirect mbuf of the context's reference pool; @p m's reference count
 * goes up until the shadow acknowledges them). When the reference pool is
 * empty or absent, or @p p is not in @p m, the bytes are copied
 * (umb_peer_write). Same return values.
 */
int umb_peer_write_ref(struct umb_peer_conn *k, struct rte_mbuf *m,
		const void *p, uint32_t len, uint64_t now_us);

/**
 * Keep @p len client bytes at @p p outside any connection (bytes of a
 * request waiting for its shadow connection: the previous one is closing,
 * or pacing holds it back): a reference to @p m when they lie in its data
 * (an indirect mbuf of the reference pool), else copies in mbufs of the
 * buffer pool. Returns a chain of one or more mbufs whose data are exactly
 * those bytes (free each segment with rte_pktmbuf_free_seg, or write them
 * with umb_peer_write_ref), or NULL when the pools are empty (counted).
 */
struct rte_mbuf *umb_peer_keep(struct umb_peer_ctx *c, struct rte_mbuf *m,
		const void *p, uint32_t len);

/** Bytes one connection may hold (held_bytes). */
uint32_t umb_peer_ctx_held_max(const struct umb_peer_ctx *c);

/** Offset of the next byte umb_peer_write() appends. */
uint64_t umb_peer_written(const struct umb_peer_conn *k);

/**
 * Bytes below offset @p upto (at most what was written) may be sent. The
 * limit never moves back. Sends what the windows allow now.
 */
void umb_peer_release(struct umb_peer_conn *k, uint64_t upto, uint64_t now_us);

/**
 * End the stream at offset @p at (<= written): bytes from @p at on are
 * discarded and never sent; the FIN goes once every byte before it has
 * been sent and acknowledged. The connection ends (closed callback, CLEAN)
 * when the shadow has acknowledged the FIN and sent its own.
 */
void umb_peer_shutdown(struct umb_peer_conn *k, uint64_t at, uint64_t now_us);

/** Send a RST and end the connection now (closed callback with ABORT). */
void umb_peer_abort(struct umb_peer_conn *k, uint64_t now_us);

/**
 * A TCP segment received on the shadow port whose destination port is in
 * this context's class. Finds the connection by destination port (and
 * checks the source address and port are the shadow's), then: RST ends the
 * connection (SHADOW_RST); the SYN-ACK establishes it (its MSS, window
 * scale and timestamps taken); ACKs free acknowledged bytes, update RTT,
 * window and congestion window, count duplicates (three: fast
 * retransmit); data goes through the lib/tcp stream (UMB_PEER_TCP_DIR) and
 * is acknowledged (at once every second full segment, on out-of-order data
 * and on FIN; otherwise after delack_us); then sends what the windows
 * allow. A segment for no connection is answered with a RST (unless it is
 * one).
 *
 * @param payload  pkt->payload_len contiguous bytes
 * @return 0 when a connection took it, -ENOENT when none did.
 */
int umb_peer_input(struct umb_peer_ctx *c, const struct umb_pkt *pkt,
		const uint8_t *payload, uint64_t now_us);

/**
 * Run the timers (retransmission, delayed ACK, idle) of at most @p max_visit
 * connections, round robin. Call often (every poll); each connection's
 * timers are deadlines, so a late visit only delays them.
 */
void umb_peer_timers(struct umb_peer_ctx *c, uint64_t now_us,
		unsigned int max_visit);

/** The connection's owner, as given to umb_peer_open. */
void *umb_peer_owner(const struct umb_peer_conn *k);

/** Source port umbra uses for this connection. */
uint16_t umb_peer_sport(const struct umb_peer_conn *k);

/** Non-zero once the shadow's SYN-ACK was received. */
int umb_peer_established(const struct umb_peer_conn *k);

/** Offset below which every byte was acknowledged by the shadow. */
uint64_t umb_peer_acked(const struct umb_peer_conn *k);

#ifdef __cplusplus
}
#endif
#endif
