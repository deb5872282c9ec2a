/* SPDX-License-Identifier: BSD-3-Clause
 * Frame decoding: link framing (Ethernet with 802.1Q/QinQ, BSD loopback,
 * Linux cooked SLL and SLL2, raw IP), IPv4 with options, IPv6 with extension
 * headers, TCP with options; on a tap port also the mirror encapsulations
 * (VXLAN, GENEVE, ERSPAN I/II/III, Ethernet over GRE) with one level of
 * nesting. The decoder is a pure function over bytes: it never trusts a
 * length it has not checked against the bytes it was given, and reports
 * every malformed frame by a reason that doubles as a counter index. Payload
 * length comes from the IP total length, never from the frame length, so
 * Ethernet padding is not payload; an encapsulated packet is bounded by its
 * tunnel's datagram, and one cut short is never handed on.
 */
#ifndef UMB_PACKET_H
#define UMB_PACKET_H

#include <stdint.h>

#include "umb_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Link-layer framing of the bytes handed to umb_decode(). */
enum umb_link {
	UMB_LINK_ETHER = 0, /**< Ethernet II, optional 802.1Q / 802.1ad tags */
	UMB_LINK_NULL,      /**< BSD loopback, 4-byte AF in host byte order */
	UMB_LINK_LOOP,      /**< OpenBSD loopback, 4-byte AF in network order */
	UMB_LINK_SLL,       /**< Linux cooked capture v1 (16-byte header) */
	UMB_LINK_SLL2,      /**< Linux cooked capture v2 (20-byte header) */
	UMB_LINK_RAW,       /**< raw IPv4/IPv6, no link header */
	UMB_LINK_MAX
};

/**
 * Map a pcap DLT / LINKTYPE value to umb_link.
 * @return the link, or -1 when umbra cannot decode that link type.
 */
int umb_link_from_dlt(int dlt);

/** Name of a link ("ether", "null", ...). */
const char *umb_link_name(enum umb_link link);

/*
 * Decode results, one counter each (group "decode"). UMB_DECODE_tcp is the
 * only success; every other value says why a frame was not handed on.
 */
#define UMB_DECODE_RESULTS(X) \
	X(tcp, "TCP segments decoded") \
	X(not_ip, "frames that are not IPv4/IPv6 (ARP, LLDP, ...)") \
	X(not_tcp, "IP packets that are not TCP (UDP, ICMP, ...)") \
	X(ip_fragment, "IPv4/IPv6 fragments (counted and skipped)") \
	X(truncated_l2, "frames shorter than their link header") \
	X(too_many_vlans, "frames with more than two VLAN tags") \
	X(truncated_ip, "frames shorter than their IP header") \
	X(bad_ip_version, "IP version field does not match the ethertype") \
	X(bad_ip_hlen, "IPv4 header length below 20 or beyond the packet") \
	X(bad_ip_len, "IP total/payload length beyond the captured bytes or below the header") \
	X(bad_ipv6_ext, "IPv6 extension header chain truncated or too long") \
	X(truncated_tcp, "IP payload shorter than the TCP header") \
	X(bad_tcp_hlen, "TCP data offset below 5 or beyond the segment") \
	X(bad_tcp_options, "TCP option with a bad length (options ignored, segment kept)") \
	X(unknown_link, "frames of a link type umbra cannot decode") \
	X(tunnel_truncated, "tunnel frames cut short: outer packet or tunnel header beyond the bytes received") \
	X(inner_truncated, "encapsulated packets cut short (mirror packet length, MTU, ERSPAN T bit): dropped, the stream gets a gap") \
	X(outer_fragment, "fragments of a tunnel's outer packet (UDP/GRE with decapsulation on): counted, dropped") \
	X(bad_tunnel, "malformed tunnel header: version, flags, lengths, unknown GRE or GENEVE protocol") \
	X(tunnel_too_deep, "tunnels nested deeper than one level")

#define UMB_DECODE_ENUM_(n, d) UMB_DECODE_##n,
enum umb_decode_result {
	UMB_DECODE_RESULTS(UMB_DECODE_ENUM_)
	UMB_DECODE_MAX
};
#undef UMB_DECODE_ENUM_

/** Counter group of decode results (index = enum umb_decode_result). */
extern const struct umb_ctr_group umb_decode_ctr_group;

/*
 * Encapsulations (umb_pkt.tunnel_type, innermost tunnel when nested), one
 * counter each (group "tunnel": TCP segments decoded from inside each).
 */
#define UMB_TUNNEL_TYPES(X) \
	X(none, "TCP segments that were not encapsulated") \
	X(vxlan, "TCP segments decoded from VXLAN") \
	X(geneve, "TCP segments decoded from GENEVE") \
	X(erspan1, "TCP segments decoded from ERSPAN type I (GRE 0x88BE, no header)") \
	X(erspan2, "TCP segments decoded from ERSPAN type II") \
	X(erspan3, "TCP segments decoded from ERSPAN type III") \
	X(gre_eth, "TCP segments decoded from Ethernet over GRE (0x6558)")

#define UMB_TUNNEL_ENUM_(n, d) UMB_TUNNEL_##n,
enum umb_tunnel {
	UMB_TUNNEL_TYPES(UMB_TUNNEL_ENUM_)
	UMB_TUNNEL_MAX
};
#undef UMB_TUNNEL_ENUM_

/** Counter group of encapsulations (index = enum umb_tunnel). */
extern const struct umb_ctr_group umb_tunnel_ctr_group;

/* Bits of umb_decap_conf.types: the encapsulations a tap port decodes. */
#define UMB_DECAP_VXLAN  0x01  /**< VXLAN on vxlan_port */
#define UMB_DECAP_GENEVE 0x02  /**< GENEVE on geneve_port */
#define UMB_DECAP_ERSPAN 0x04  /**< ERSPAN I/II (GRE 0x88BE), III (0x22EB) */
#define UMB_DECAP_GRE    0x08  /**< Ethernet over GRE (0x6558) */
#define UMB_DECAP_ALL    0x0f

#define UMB_VXLAN_PORT  4789
#define UMB_GENEVE_PORT 6081

/** What keys a decapsulated flow besides its inner 5-tuple. */
enum umb_decap_key {
	UMB_DECAP_KEY_SESSION = 0, /**< the tunnel session (VNI, ERSPAN session, GRE key) */
	UMB_DECAP_KEY_INNER = 1,   /**< the inner 5-tuple alone */
};

/** Decapsulation settings of a receive port (plain data, any lcore). */
struct umb_decap_conf {
	uint8_t types;        /**< UMB_DECAP_* bits; 0: no decapsulation */
	uint8_t key;          /**< enum umb_decap_key */
	uint16_t vxlan_port;  /**< UDP destination port of VXLAN (4789) */
	uint16_t geneve_port; /**< UDP destination port of GENEVE (6081) */
};

/** The defaults: every encapsulation on its standard port, keyed by session. */
#define UMB_DECAP_CONF_DEFAULT { \
	.types = UMB_DECAP_ALL, .key = UMB_DECAP_KEY_SESSION, \
	.vxlan_port = UMB_VXLAN_PORT, .geneve_port = UMB_GENEVE_PORT }

/** Name of an encapsulation ("vxlan", ...; "unknown" out of range). */
const char *umb_tunnel_name(enum umb_tunnel t);

/* TCP flags */
#define UMB_TCP_FIN 0x01
#define UMB_TCP_SYN 0x02
#define UMB_TCP_RST 0x04
#define UMB_TCP_PSH 0x08
#define UMB_TCP_ACK 0x10
#define UMB_TCP_URG 0x20

/* Bits of umb_pkt.opt_flags */
#define UMB_OPT_MSS       0x01
#define UMB_OPT_WSCALE    0x02
#define UMB_OPT_SACK_PERM 0x04
#define UMB_OPT_TS        0x08
#define UMB_OPT_SACK      0x10

/** An IPv4 or IPv6 address; IPv4 uses the first 4 bytes, rest zero. */
union umb_addr {
	uint8_t b[16];
	uint32_t w[4];
};

/**
 * A decoded TCP segment. Fixed size, no pointers: it is stored in the mbuf
 * private area by the receive role and read by the reassembly role.
 * Multi-byte fields are in host byte order; addresses in network order.
 */
struct umb_pkt {
	union umb_addr src;      /**< source address */
	union umb_addr dst;      /**< destination address */
	uint64_t ts_us;          /**< capture/receive time, microseconds (set by caller) */
	uint32_t seq;            /**< sequence number */
	uint32_t ack;            /**< acknowledgement number */
	uint32_t tsval;          /**< timestamp option value (UMB_OPT_TS) */
	uint32_t tsecr;          /**< timestamp option echo reply */
	uint32_t payload_off;    /**< offset of TCP payload from frame start */
	uint32_t payload_len;    /**< TCP payload length from IP lengths */
	uint16_t sport;          /**< source port */
	uint16_t dport;          /**< destination port */
	uint16_t win;            /**< raw window field */
	uint16_t mss;            /**< MSS option (UMB_OPT_MSS) */
	uint16_t l3_off;         /**< offset of the IP header */
	uint16_t l4_off;         /**< offset of the TCP header */
	uint16_t vlan[2];        /**< VLAN ids, outer first */
	uint8_t nb_vlan;         /**< number of VLAN tags (0..2) */
	uint8_t af;              /**< 4 or 6 */
	uint8_t tcp_flags;       /**< UMB_TCP_* */
	uint8_t opt_flags;       /**< UMB_OPT_* */
	uint8_t wscale;          /**< window scale shift (UMB_OPT_WSCALE) */
	uint8_t ttl;             /**< IPv4 TTL or IPv6 hop limit */
	uint8_t tunnel_type;     /**< enum umb_tunnel (innermost), 0: not encapsulated */
	uint8_t pad[1];
	/**
	 * The tunnel session that keys the flow (VNI, ERSPAN session id, GRE
	 * key; innermost tunnel): 0 when not encapsulated or when the port's
	 * decap_key is inner. Part of the flow key.
	 */
	uint32_t tunnel_id;
};

/**
 * Decode one frame, without decapsulation (umb_decode_tap with no
 * settings): a tunnel is a UDP or GRE packet like any other (not_tcp).
 *
 * @param frame  first bytes of the frame, contiguous
 * @param avail  number of contiguous bytes at @p frame (headers must fit)
 * @param frame_len  total frame length (>= avail); bounds the payload
 * @param link   framing of the bytes
 * @param out    filled on UMB_DECODE_tcp (and partially otherwise);
 *               ts_us is left untouched
 * @return UMB_DECODE_tcp, or the reason the frame is not a usable TCP
 *   segment. UMB_DECODE_bad_tcp_options is never returned: a segment with bad
 *   options is decoded without its options, and *@p opt_warn is set to 1 when
 *   @p opt_warn is not NULL, so the caller counts it.
 */
enum umb_decode_result umb_decode(const uint8_t *frame, uint32_t avail,
		uint32_t frame_len, enum umb_link link, struct umb_pkt *out,
		int *opt_warn);

/**
 * Decode one frame received on a tap port: as umb_decode(), and inside the
 * encapsulations @p dc enables, with one level of nesting. Offsets in
 * @p out (l3_off, l4_off, payload_off) stay relative to @p frame, so the
 * payload of an encapsulated segment is read from the frame as any other;
 * the addresses, ports and VLAN tags are the inner packet's.
 *
 * @param dc  decapsulation settings; NULL or types 0: none
 * @return as umb_decode(), plus the tunnel results: tunnel_truncated,
 *   inner_truncated (an encapsulated packet shorter than its IP length, or
 *   an ERSPAN frame with the T bit: never handed on as payload),
 *   outer_fragment, bad_tunnel, tunnel_too_deep. For a plain frame cut
 *   short the result stays bad_ip_len.
 */
enum umb_decode_result umb_decode_tap(const uint8_t *frame, uint32_t avail,
		uint32_t frame_len, enum umb_link link,
		const struct umb_decap_conf *dc, struct umb_pkt *out,
		int *opt_warn);

/** Format "ip:port" ("[v6]:port") of the source (@p dst 0) or destination. */
int umb_pkt_endpoint_str(const struct umb_pkt *p, int dst, char *buf,
		unsigned int size);

/** Format an address + port as "ip:port" or "[ip6]:port". */
int umb_endpoint_str(uint8_t af, const union umb_addr *a, uint16_t port,
		char *buf, unsigned int size);

#ifdef __cplusplus
}
#endif
#endif
