/* SPDX-License-Identifier: BSD-3-Clause
 * The shadow TCP peer, lower layers: the frame builder that writes the
 * TCP/IP frames umbra sends toward the shadow server, and the neighbour
 * layer (ARP and IPv6 neighbour discovery) of umbra's own shadow-side
 * address: it answers requests for that address and resolves the shadow's
 * MAC.
 *
 * Neither layer reads a clock, logs or allocates per packet: time comes in
 * as microseconds from the caller, frames go into mbufs of a pool the caller
 * gives, every outcome of a received frame is a counter. Everything built
 * here is complete in software (IPv4 header and TCP/ICMPv6 checksums
 * computed, no offload flags), single-segment, and padded to the 60-byte
 * Ethernet minimum.
 */
#ifndef UMB_PEER_H
#define UMB_PEER_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "umb_packet.h"
#include "umb_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- frame builder ---- */

/** Default IP MTU of the shadow link when umb_peer_l2l3.mtu is 0. */
#define UMB_PEER_DEFAULT_MTU 1500
/** Default IPv4 TTL / IPv6 hop limit when umb_peer_l2l3.ttl is 0. */
#define UMB_PEER_DEFAULT_TTL 64
/** umb_peer_tcp.wscale value meaning "no window scale option". */
#define UMB_PEER_NO_WSCALE 0xff
/** Largest window scale shift (RFC 7323). */
#define UMB_PEER_MAX_WSCALE 14
/** Largest VLAN id (4095 is reserved). */
#define UMB_PEER_MAX_VLAN 4094
/** Longest TCP option block the builder writes (MSS, SACK-perm+TS, WS). */
#define UMB_PEER_MAX_OPTLEN 20

/**
 * Link and network framing of one shadow session: fixed for the life of
 * the session, so the caller fills it once and passes it to every build.
 */
struct umb_peer_l2l3 {
	union umb_addr src;            /**< umbra's shadow-side IP (network order) */
	union umb_addr dst;            /**< the shadow's IP */
	struct rte_ether_addr src_mac; /**< umbra's MAC on the shadow port */
	struct rte_ether_addr dst_mac; /**< the shadow's MAC (or its gateway's) */
	uint16_t vlan;                 /**< 802.1Q VLAN id 1..4094, 0 untagged */
	uint16_t mtu;                  /**< IP MTU of the shadow link, 0: 1500 */
	uint8_t af;                    /**< 4 or 6 */
	uint8_t ttl;                   /**< TTL / hop limit, 0: 64 */
};

/**
 * One TCP segment to build. Multi-byte fields in host byte order. Options
 * are written in the order Linux writes them, each block 4-byte aligned:
 * MSS; SACK-permitted and timestamps together (4,2,8,10 or NOP,NOP,8,10),
 * or NOP,NOP,SACK-permitted alone; NOP,window scale.
 */
struct umb_peer_tcp {
	const void *payload;    /**< payload bytes (may be NULL when len is 0) */
	uint32_t len;           /**< payload length */
	uint32_t seq;           /**< sequence number */
	uint32_t ack;           /**< acknowledgement number */
	uint32_t tsval;         /**< timestamp value (has_ts) */
	uint32_t tsecr;         /**< timestamp echo reply (has_ts) */
	uint16_t sport;         /**< source port (umbra's SNAT port) */
	uint16_t dport;         /**< destination port (the shadow's) */
	uint16_t win;           /**< raw window field, already scaled down */
	uint16_t mss;           /**< MSS option value, 0: no MSS option */
	uint16_t ip_id;         /**< IPv4 identification; DF is always set,
				     so 0 is valid (RFC 6864) */
	uint8_t flags;          /**< UMB_TCP_* flags */
	uint8_t wscale;         /**< window scale shift, UMB_PEER_NO_WSCALE: none */
	uint8_t sack_perm;      /**< non-zero: SACK-permitted option */
	uint8_t has_ts;         /**< non-zero: timestamps option */
};

/**
 * Build one TCP segment toward the shadow into a single mbuf of @p mp:
 * Ethernet (802.1Q tag when l->vlan is not 0), IPv4 with DF and its header
 * checksum or IPv6 (flow label 0), TCP with its options and its checksum,
 * the payload copied. The mbuf's l2_len/l3_len/l4_len and packet_type are
 * set, ol_flags is 0: the frame is ready to send as is.
 *
 * Chained mbufs are never built: the whole frame must fit one segment's
 * data room, so the pool's data room must cover the MTU plus 18 bytes of
 * Ethernet and VLAN header (RTE_MBUF_DEFAULT_BUF_SIZE covers a 1500 MTU).
 *
 * @param mp  pool of the shadow port's transmit mbufs
 * @param l   framing of the session
 * @param t   the segment
 * @return the mbuf, or NULL with rte_errno set:
 *   - EINVAL: NULL argument, af not 4 or 6, vlan over 4094, wscale over 14
 *     (other than UMB_PEER_NO_WSCALE), payload NULL with len > 0
 *   - EMSGSIZE: the IP packet exceeds the MTU, or the frame exceeds the
 *     data room of one mbuf of @p mp
 *   - ENOBUFS: @p mp is empty
 */
struct rte_mbuf *umb_peer_build(struct rte_mempool *mp,
		const struct umb_peer_l2l3 *l, const struct umb_peer_tcp *t);

/**
 * Length of the TCP option block umb_peer_build() writes for @p t
 * (a multiple of 4, at most UMB_PEER_MAX_OPTLEN).
 */
uint32_t umb_peer_tcp_optlen(const struct umb_peer_tcp *t);

/**
 * The MSS umbra offers the shadow in its SYN: the client's MSS, bounded by
 * what fits the shadow link, min(client_mss, mtu - IP header - 20), with a
 * 20-byte IPv4 or 40-byte IPv6 header. The IP MTU does not include the
 * Ethernet or VLAN header, so a VLAN tag does not change the result.
 *
 * @param client_mss  the MSS option of the client's SYN, 0 when it had
 *   none: TCP then assumes 536 (IPv4) or 1220 (IPv6), RFC 9293 / RFC 8200
 * @param mtu  IP MTU of the shadow link, 0: 1500; a value below the
 *   family's minimum (576 for IPv4, 1280 for IPv6) counts as that minimum
 * @param af   4 or 6 (anything else is treated as 4)
 * @return the MSS to offer, never 0
 */
uint16_t umb_peer_mss_clamp(uint16_t client_mss, uint16_t mtu, uint8_t af);

/* ---- neighbour layer: ARP and IPv6 neighbour discovery ---- */

/*
 * Outcomes of the neighbour layer, one counter each (group "neigh"). Every
 * ARP or ND frame handed to umb_neigh_input() is counted exactly once under
 * one of the frame outcomes, the counters before resolve_sent (a request
 * that deserved an answer but found the pool empty counts as reply_no_mbuf
 * only); the counters from resolve_sent on count umb_neigh_resolve() work.
 */
#define UMB_NEIGH_COUNTERS(X) \
	X(arp_requests_answered, "ARP requests for our IPv4 answered") \
	X(arp_replies_learned, "ARP replies that completed or refreshed an entry") \
	X(garp_updated, "gratuitous ARP that updated an existing entry") \
	X(ns_answered, "neighbour solicitations for our IPv6 answered") \
	X(dad_defended, "DAD solicitations for our IPv6 answered to all-nodes") \
	X(na_learned, "neighbour advertisements that completed or refreshed an entry") \
	X(ignored_other_target, "ARP / NS for an address that is not ours") \
	X(ignored_unsolicited, "ARP replies, NA and gratuitous ARP for addresses without an entry") \
	X(ignored_other_vlan, "ARP / ND frames not on the shadow link's VLAN") \
	X(ignored_other_mac, "ARP / ND frames sent to another unicast MAC") \
	X(ignored_own, "our own ARP / ND frames looped back") \
	X(ignored_no_addr, "ARP / ND of a family umbra has no address for") \
	X(ignored_nd_other, "router solicitations, advertisements and redirects") \
	X(addr_conflict, "ARP / NA from another MAC claiming our own address") \
	X(malformed_arp_truncated, "ARP shorter than 28 bytes") \
	X(malformed_arp_format, "ARP not Ethernet/IPv4 (hardware or protocol type or length)") \
	X(malformed_arp_op, "ARP opcode neither request nor reply") \
	X(malformed_bad_mac, "ARP / ND sender or target MAC zero, multicast or broadcast") \
	X(malformed_bad_ip, "ARP sender IPv4 multicast, broadcast or zero in a reply") \
	X(malformed_ip6, "ND whose IPv6 payload length exceeds the frame or whose source is multicast") \
	X(malformed_nd_hop_limit, "ND with a hop limit other than 255") \
	X(malformed_nd_len, "NS / NA shorter than 24 bytes or with a code other than 0") \
	X(malformed_nd_checksum, "ND with a bad ICMPv6 checksum") \
	X(malformed_nd_option, "ND option of length 0, beyond the message, or a link-layer option of the wrong size") \
	X(malformed_nd_target, "NS / NA target multicast") \
	X(malformed_nd_dad, "DAD NS not to a solicited-node address or with a link-layer option; solicited NA to multicast") \
	X(reply_no_mbuf, "replies not built: mbuf pool empty") \
	X(resolve_sent, "ARP requests / NS built to resolve a neighbour") \
	X(resolve_failed, "resolutions that failed after every try") \
	X(resolve_no_mbuf, "requests not built: mbuf pool empty (retried on the next call)") \
	X(table_full, "resolutions refused: every entry in use")

#define UMB_NEIGH_ENUM_(n, d) UMB_NEIGH_##n,
enum umb_neigh_ctr {
	UMB_NEIGH_COUNTERS(UMB_NEIGH_ENUM_)
	UMB_NEIGH_CTR_MAX
};
#undef UMB_NEIGH_ENUM_

/** Counters below this index are the frame outcomes of umb_neigh_input(). */
#define UMB_NEIGH_FRAME_OUTCOMES UMB_NEIGH_resolve_sent

/** Counter group of the neighbour layer (index = enum umb_neigh_ctr). */
extern const struct umb_ctr_group umb_neigh_ctr_group;

/** Entries of one neighbour table (the shadow link has a handful of hosts). */
#define UMB_NEIGH_ENTRIES 16
/** Default time an entry stays reachable after a confirmation. */
#define UMB_NEIGH_REACHABLE_US (30ull * 1000 * 1000)
/** Default time between two requests of one resolution. */
#define UMB_NEIGH_RETRY_US (1000ull * 1000)
/** Default number of requests before a resolution fails. */
#define UMB_NEIGH_TRIES 3

/** State of a neighbour entry (RFC 4861 section 7.3.2, simplified). */
enum umb_neigh_state {
	UMB_NEIGH_NONE = 0,    /**< no entry */
	UMB_NEIGH_INCOMPLETE,  /**< requests sent, no answer yet: no MAC */
	UMB_NEIGH_REACHABLE,   /**< MAC confirmed less than reachable_us ago */
	UMB_NEIGH_STALE,       /**< MAC known but unconfirmed: used, re-probed */
	UMB_NEIGH_FAILED,      /**< every try went unanswered: no MAC */
};

/** Configuration of a neighbour table. */
struct umb_neigh_conf {
	union umb_addr ip4;          /**< umbra's shadow-side IPv4 (has_ip4) */
	union umb_addr ip6;          /**< umbra's shadow-side IPv6 (has_ip6) */
	struct rte_ether_addr mac;   /**< umbra's MAC on the shadow port */
	uint16_t vlan;               /**< VLAN id of the shadow link, 0 untagged */
	uint8_t has_ip4;             /**< non-zero: ip4 is configured */
	uint8_t has_ip6;             /**< non-zero: ip6 is configured */
	uint8_t tries;               /**< requests per resolution, 0: 3 */
	uint64_t reachable_us;       /**< 0: UMB_NEIGH_REACHABLE_US */
	uint64_t retry_us;           /**< 0: UMB_NEIGH_RETRY_US */
	uint64_t *ctr;               /**< UMB_NEIGH_CTR_MAX counters, one writer */
};

struct umb_neigh; /* private */

/**
 * Create a neighbour table. All memory is taken here; nothing later
 * allocates. A table is used by one lcore (the one that owns the shadow
 * port's queues).
 *
 * @return the table, or NULL with rte_errno set: EINVAL (NULL conf or
 *   counters, no address at all, vlan over 4094, our MAC zero or
 *   multicast, our IPv6 multicast or unspecified, our IPv4 zero or
 *   multicast), ENOMEM.
 */
struct umb_neigh *umb_neigh_create(const struct umb_neigh_conf *conf,
		int socket_id);

/** Free a table (NULL is a no-op). */
void umb_neigh_free(struct umb_neigh *n);

/**
 * Handle one frame received on the shadow port, if it is ARP or ICMPv6
 * neighbour discovery (RS, RA, NS, NA, redirect; IPv6 without extension
 * headers, as RFC 4861 messages are sent).
 *
 * An ARP request for our IPv4, or an NS for our IPv6 (sent to that address
 * or to its solicited-node multicast address), is answered: the reply (ARP
 * reply to the requester's MAC, or NA with the target link-layer option,
 * solicited and override set; to all-nodes for a duplicate address
 * detection probe) is built into an mbuf of @p mp and returned in
 * *@p reply for the caller to send. The requester's MAC is learned
 * (entry created or updated, stale). ARP replies and NA complete or
 * refresh existing entries only; gratuitous ARP updates an existing entry
 * only. Everything else is counted and ignored.
 *
 * The frame must carry the shadow link's VLAN tag (or none when the link
 * is untagged): VLAN stripping must be off on the shadow port, or the
 * caller must reinsert the tag. Lengths in the frame are never trusted.
 *
 * @param frame   first byte of the Ethernet frame
 * @param len     bytes at @p frame
 * @param now_us  current time, microseconds (any monotonic origin)
 * @param mp      pool for the reply
 * @param reply   set to the reply to send, or NULL
 * @return 1 when the frame was ARP or ND (consumed and counted, *@p reply
 *   possibly set), 0 when it is not (not counted; the caller handles it),
 *   -EINVAL on a NULL argument.
 */
int umb_neigh_input(struct umb_neigh *n, const uint8_t *frame, uint32_t len,
		uint64_t now_us, struct rte_mempool *mp, struct rte_mbuf **reply);

/**
 * The MAC to send to @p ip on the shadow link, starting or driving its
 * resolution. A new address gets an incomplete entry and a request at once;
 * the request is repeated every retry_us while unanswered, and after
 * `tries` requests and another retry_us the resolution fails. A failed
 * entry answers -EHOSTUNREACH for tries x retry_us, then the next call
 * starts over. A reachable entry turns stale reachable_us after its last
 * confirmation; a stale entry is still used, and re-probed the same way
 * (failing when every probe goes unanswered).
 *
 * When a request must go out now it is built into an mbuf of @p mp and
 * returned in *@p req: the caller sends it. When the pool is empty the try
 * is not spent (counted, retried on the next call).
 *
 * @param af      4 or 6
 * @param ip      the neighbour's address
 * @param now_us  current time, microseconds
 * @param mp      pool for the request
 * @param mac     filled when the call returns 0
 * @param req     set to a request to send, or NULL
 * @return 0 (MAC known, *@p req may still hold a re-probe), -EAGAIN
 *   (resolution in progress), -EHOSTUNREACH (resolution failed), -ENOSPC
 *   (table full: no free, failed or stale-and-idle entry to reuse),
 *   -EINVAL (NULL argument, af other than 4 or 6, no address of our own in
 *   that family, or @p ip not a unicast address).
 */
int umb_neigh_resolve(struct umb_neigh *n, uint8_t af,
		const union umb_addr *ip, uint64_t now_us,
		struct rte_mempool *mp, struct rte_ether_addr *mac,
		struct rte_mbuf **req);

/**
 * Upper-layer reachability confirmation (the shadow acknowledged new data
 * from us): an entry with a MAC becomes reachable again without a probe.
 * @return 0, or -ENOENT when there is no entry with a MAC for @p ip.
 */
int umb_neigh_confirm(struct umb_neigh *n, uint8_t af,
		const union umb_addr *ip, uint64_t now_us);

/**
 * State of the entry for @p ip, and its MAC in *@p mac (when not NULL) if it
 * has one. No side effect: states change on resolve, input and confirm only,
 * so a reachable entry whose time has run out still reads reachable here.
 */
enum umb_neigh_state umb_neigh_lookup(const struct umb_neigh *n, uint8_t af,
		const union umb_addr *ip, struct rte_ether_addr *mac);

/**
 * Build an ARP request (broadcast) asking for @p ip.
 * @return the mbuf, or NULL with rte_errno set: EINVAL (no IPv4 of our
 *   own, NULL argument), ENOBUFS (pool empty), EMSGSIZE (mbuf too small).
 */
struct rte_mbuf *umb_neigh_build_arp_request(const struct umb_neigh *n,
		struct rte_mempool *mp, const union umb_addr *ip);

/**
 * Build a neighbour solicitation for @p ip to its solicited-node multicast
 * address, with our source link-layer address option.
 * @return the mbuf, or NULL with rte_errno set: EINVAL (no IPv6 of our
 *   own, NULL argument), ENOBUFS (pool empty), EMSGSIZE (mbuf too small).
 */
struct rte_mbuf *umb_neigh_build_ns(const struct umb_neigh *n,
		struct rte_mempool *mp, const union umb_addr *ip);

#ifdef __cplusplus
}
#endif
#endif
