/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the frame decoder. Frames are built byte by byte for every
 * link type and every decode result; each frame is copied to the end of a
 * heap block of exactly avail bytes (at an odd address), so that a read past
 * avail trips ASan and an unaligned wide load trips UBSan. Real captures from
 * /work/shared/pcaps check the decoder against tshark's view. The
 * encapsulations (VXLAN, GENEVE, ERSPAN I/II/III, Ethernet over GRE,
 * nesting) are built by wrapping an inner frame; malformed headers come
 * from tables of one-byte patches to a good frame, each with its result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include <rte_common.h>

#include "umb_packet.h"

#define PCAP_DIR "/work/shared/pcaps/"

/* A frame under construction; all multi-byte puts are big-endian. */
struct frame {
	uint8_t b[2048];
	uint32_t n;
};

static void
put8(struct frame *f, uint8_t v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = v;
}

static void
put16(struct frame *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static void
put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void
putn(struct frame *f, const void *p, uint32_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put_fill(struct frame *f, uint8_t v, uint32_t n)
{
	while (n--)
		put8(f, v);
}

static const uint8_t mac_dst[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t mac_src[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

static void
put_ether(struct frame *f, uint16_t type)
{
	putn(f, mac_dst, 6);
	putn(f, mac_src, 6);
	put16(f, type);
}

static void
put_vlan(struct frame *f, uint16_t tpid, uint16_t tci)
{
	put16(f, tpid);
	put16(f, tci);
}

/*
 * IPv4 10.0.0.1 -> 192.168.1.2, TTL 64, id 0x1234, checksum left zero (the
 * decoder does not verify it). IHL above 5 is filled with NOP options.
 */
static void
put_ipv4(struct frame *f, uint8_t ihl, uint16_t tot, uint16_t frag,
		uint8_t proto)
{
	put8(f, 0x40 | ihl);
	put8(f, 0);
	put16(f, tot);
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0x0a000001);
	put32(f, 0xc0a80102);
	if (ihl > 5)
		put_fill(f, 0x01, (uint32_t)(ihl - 5) * 4);
}

static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0x02 };

/* IPv6 2001:db8::1 -> 2001:db8::2, hop limit 61 */
static void
put_ipv6(struct frame *f, uint16_t plen, uint8_t nh)
{
	put32(f, 0x60000000);
	put16(f, plen);
	put8(f, nh);
	put8(f, 61);
	putn(f, v6_src, 16);
	putn(f, v6_dst, 16);
}

/* Hop-by-hop / routing / destination options: (len + 1) * 8 bytes */
static void
put_v6ext(struct frame *f, uint8_t nh, uint8_t len)
{
	put8(f, nh);
	put8(f, len);
	put_fill(f, 0, (uint32_t)(len + 1) * 8 - 2);
}

/*
 * TCP 40000 -> 80, seq 0x01020304, ack 0xa0b0c0d0, window 0xfff0, with
 * @p optlen bytes of options (multiple of 4) after the fixed header.
 */
static void
put_tcp(struct frame *f, uint8_t flags, const uint8_t *opt, uint32_t optlen)
{
	put16(f, 40000);
	put16(f, 80);
	put32(f, 0x01020304);
	put32(f, 0xa0b0c0d0);
	put8(f, (uint8_t)((5 + optlen / 4) << 4));
	put8(f, flags);
	put16(f, 0xfff0);
	put16(f, 0);
	put16(f, 0);
	if (optlen)
		putn(f, opt, optlen);
}

/* Decode @p f with @p avail contiguous bytes, end-aligned on the heap. */
static enum umb_decode_result
decode_n(const struct frame *f, uint32_t avail, uint32_t frame_len,
		enum umb_link link, struct umb_pkt *p, int *warn)
{
	enum umb_decode_result r;
	uint8_t *blk = malloc(avail + 1);

	assert_non_null(blk);
	memcpy(blk + 1, f->b, avail);
	memset(p, 0xa5, sizeof(*p));
	p->ts_us = 0x1122334455667788ULL;
	r = umb_decode(blk + 1, avail, frame_len, link, p, warn);
	free(blk);
	return r;
}

static enum umb_decode_result
decode(const struct frame *f, enum umb_link link, struct umb_pkt *p)
{
	int warn = 0;
	enum umb_decode_result r = decode_n(f, f->n, f->n, link, p, &warn);

	assert_int_equal(warn, 0);
	return r;
}

/* The fields every plain IPv4 test frame carries. */
static void
check_v4_tcp(const struct umb_pkt *p)
{
	static const uint8_t src[16] = { 10, 0, 0, 1 };
	static const uint8_t dst[16] = { 192, 168, 1, 2 };

	assert_int_equal(p->af, 4);
	assert_memory_equal(p->src.b, src, 16);
	assert_memory_equal(p->dst.b, dst, 16);
	assert_int_equal(p->ttl, 64);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 80);
	assert_int_equal(p->seq, 0x01020304);
	assert_int_equal(p->ack, 0xa0b0c0d0);
	assert_int_equal(p->win, 0xfff0);
	assert_true(p->ts_us == 0x1122334455667788ULL);
}

static void
check_v6_tcp(const struct umb_pkt *p)
{
	assert_int_equal(p->af, 6);
	assert_memory_equal(p->src.b, v6_src, 16);
	assert_memory_equal(p->dst.b, v6_dst, 16);
	assert_int_equal(p->ttl, 61);
	assert_int_equal(p->sport, 40000);
	assert_int_equal(p->dport, 80);
	assert_int_equal(p->seq, 0x01020304);
	assert_int_equal(p->ack, 0xa0b0c0d0);
}

/* Ethernet + IPv4 + TCP(PSH|ACK) + "hello" */
static void
build_ether_v4(struct frame *f, uint16_t frag, uint8_t proto)
{
	put_ether(f, 0x0800);
	put_ipv4(f, 5, 20 + 20 + 5, frag, proto);
	put_tcp(f, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(f, "hello", 5);
}

/* ---- links ---- */

static void
test_dlt_mapping(void **state)
{
	static const int map[][2] = {
		{ 1, UMB_LINK_ETHER }, { 0, UMB_LINK_NULL },
		{ 108, UMB_LINK_LOOP }, { 113, UMB_LINK_SLL },
		{ 276, UMB_LINK_SLL2 }, { 12, UMB_LINK_RAW },
		{ 14, UMB_LINK_RAW }, { 101, UMB_LINK_RAW },
		{ 228, UMB_LINK_RAW }, { 229, UMB_LINK_RAW },
		{ 105, -1 }, /* 802.11 */
		{ 127, -1 }, /* radiotap */
		{ -1, -1 },
	};
	static const char *const names[] = {
		"ether", "null", "loop", "sll", "sll2", "raw", "unknown",
	};
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(umb_link_from_dlt(map[i][0]), map[i][1]);
	for (i = 0; i <= UMB_LINK_MAX; i++)
		assert_string_equal(umb_link_name((enum umb_link)i), names[i]);
}

static void
test_counter_group(void **state)
{
	assert_string_equal(umb_decode_ctr_group.name, "decode");
	assert_int_equal(umb_decode_ctr_group.n, UMB_DECODE_MAX);
	assert_string_equal(umb_decode_ctr_group.names[UMB_DECODE_tcp], "tcp");
	assert_string_equal(umb_decode_ctr_group.names[UMB_DECODE_unknown_link],
		"unknown_link");
}

/* One frame written out in full, as a reference for the builders. */
static void
test_ether_ipv4_literal_frame(void **state)
{
	static const uint8_t bytes[] = {
		/* Ethernet */
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
		/* IPv4, IHL 5, total 45, DF, TTL 64, TCP */
		0x45, 0x00, 0x00, 0x2d, 0x12, 0x34, 0x40, 0x00,
		0x40, 0x06, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02,
		/* TCP 40000 -> 80, data offset 5, PSH|ACK */
		0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
		0xa0, 0xb0, 0xc0, 0xd0, 0x50, 0x18, 0xff, 0xf0,
		0x00, 0x00, 0x00, 0x00,
		'h', 'e', 'l', 'l', 'o',
	};
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	putn(&f, bytes, sizeof(bytes));
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.tcp_flags, UMB_TCP_PSH | UMB_TCP_ACK);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 34);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(bytes + p.payload_off, "hello", 5);
	assert_int_equal(p.nb_vlan, 0);
	assert_int_equal(p.vlan[0], 0);
	assert_int_equal(p.vlan[1], 0);
	assert_int_equal(p.opt_flags, 0);
	assert_int_equal(p.pad[0], 0);
	assert_int_equal(p.tunnel_type, UMB_TUNNEL_none);
	assert_int_equal(p.tunnel_id, 0);
}

static void
test_ether_ipv6(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x86dd);
	put_ipv6(&f, 20 + 3, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	putn(&f, "abc", 3);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	check_v6_tcp(&p);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 54);
	assert_int_equal(p.payload_off, 74);
	assert_int_equal(p.payload_len, 3);
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
}

static void
test_vlan_8021q(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	putn(&f, mac_dst, 6);
	putn(&f, mac_src, 6);
	put_vlan(&f, 0x8100, 0xa00b); /* PCP 5, VID 11 */
	put16(&f, 0x0800);
	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, UMB_TCP_SYN, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.nb_vlan, 1);
	assert_int_equal(p.vlan[0], 11);
	assert_int_equal(p.l3_off, 18);
	assert_int_equal(p.l4_off, 38);
	assert_int_equal(p.payload_off, 58);
	assert_int_equal(p.payload_len, 0);
}

static void
test_vlan_qinq(void **state)
{
	static const uint16_t outer[] = { 0x88a8, 0x9100, 0x8100 };
	struct umb_pkt p;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct frame f = { .n = 0 };

		putn(&f, mac_dst, 6);
		putn(&f, mac_src, 6);
		put_vlan(&f, outer[i], 0x0fff); /* VID 4095 */
		put_vlan(&f, 0x8100, 0x2064);   /* PCP 1, VID 100 */
		put16(&f, 0x86dd);
		put_ipv6(&f, 20, 6);
		put_tcp(&f, UMB_TCP_FIN | UMB_TCP_ACK, NULL, 0);
		assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
			UMB_DECODE_tcp);
		check_v6_tcp(&p);
		assert_int_equal(p.nb_vlan, 2);
		assert_int_equal(p.vlan[0], 4095);
		assert_int_equal(p.vlan[1], 100);
		assert_int_equal(p.l3_off, 22);
		assert_int_equal(p.l4_off, 62);
		assert_int_equal(p.tcp_flags, UMB_TCP_FIN | UMB_TCP_ACK);
	}
}

/* DLT_NULL: AF in the capturing host's order, either order accepted. */
static void
test_null_families_both_orders(void **state)
{
	static const struct {
		uint8_t hdr[4];
		uint8_t af;
	} cases[] = {
		{ { 2, 0, 0, 0 }, 4 },  /* AF_INET, little-endian host */
		{ { 0, 0, 0, 2 }, 4 },  /* AF_INET, big-endian host */
		{ { 30, 0, 0, 0 }, 6 }, /* macOS */
		{ { 0, 0, 0, 30 }, 6 },
		{ { 28, 0, 0, 0 }, 6 }, /* FreeBSD */
		{ { 0, 0, 0, 28 }, 6 },
		{ { 24, 0, 0, 0 }, 6 }, /* NetBSD, OpenBSD */
		{ { 0, 0, 0, 24 }, 6 },
		{ { 10, 0, 0, 0 }, 6 }, /* Linux */
		{ { 0, 0, 0, 10 }, 6 },
	};
	struct umb_pkt p;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame f = { .n = 0 };

		putn(&f, cases[i].hdr, 4);
		if (cases[i].af == 4)
			put_ipv4(&f, 5, 40, 0, 6);
		else
			put_ipv6(&f, 20, 6);
		put_tcp(&f, UMB_TCP_ACK, NULL, 0);
		assert_int_equal(decode(&f, UMB_LINK_NULL, &p),
			UMB_DECODE_tcp);
		assert_int_equal(p.af, cases[i].af);
		assert_int_equal(p.l3_off, 4);
		assert_int_equal(p.l4_off, cases[i].af == 4 ? 24 : 44);
	}
}

static void
test_loop_network_order(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put32(&f, 2);
	put_ipv4(&f, 5, 42, 0, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	putn(&f, "hi", 2);
	assert_int_equal(decode(&f, UMB_LINK_LOOP, &p), UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.l3_off, 4);
	assert_int_equal(p.payload_off, 44);
	assert_int_equal(p.payload_len, 2);

	f.n = 0;
	put32(&f, 24);
	put_ipv6(&f, 20, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_LOOP, &p), UMB_DECODE_tcp);
	check_v6_tcp(&p);
}

static void
test_sll(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put16(&f, 0);      /* packet type: to us */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put16(&f, 6);      /* address length */
	putn(&f, mac_src, 6);
	put16(&f, 0);      /* address padding to 8 */
	put16(&f, 0x0800); /* protocol */
	put_ipv4(&f, 5, 44, 0x4000, 6);
	put_tcp(&f, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(&f, "GET ", 4);
	assert_int_equal(f.n, 16 + 44);
	assert_int_equal(decode(&f, UMB_LINK_SLL, &p), UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.l3_off, 16);
	assert_int_equal(p.l4_off, 36);
	assert_int_equal(p.payload_off, 56);
	assert_int_equal(p.payload_len, 4);
}

static void
test_sll2(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put16(&f, 0x86dd); /* protocol */
	put16(&f, 0);      /* reserved */
	put32(&f, 3);      /* interface index */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put8(&f, 4);       /* packet type: outgoing */
	put8(&f, 6);       /* address length */
	putn(&f, mac_src, 6);
	put16(&f, 0);
	put_ipv6(&f, 20, 6);
	put_tcp(&f, UMB_TCP_RST, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_SLL2, &p), UMB_DECODE_tcp);
	check_v6_tcp(&p);
	assert_int_equal(p.l3_off, 20);
	assert_int_equal(p.l4_off, 60);
	assert_int_equal(p.payload_off, 80);
	assert_int_equal(p.tcp_flags, UMB_TCP_RST);
}

static void
test_raw_v4_and_v6(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, UMB_TCP_SYN | UMB_TCP_ACK, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.l3_off, 0);
	assert_int_equal(p.l4_off, 20);
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN | UMB_TCP_ACK);

	f.n = 0;
	put_ipv6(&f, 20, 6);
	put_tcp(&f, UMB_TCP_URG | UMB_TCP_ACK, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
	check_v6_tcp(&p);
	assert_int_equal(p.l3_off, 0);
	assert_int_equal(p.l4_off, 40);
	assert_int_equal(p.tcp_flags, UMB_TCP_URG | UMB_TCP_ACK);
}

/* ---- one test per decode result ---- */

static void
test_not_ip(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x0806); /* ARP */
	put_fill(&f, 0, 28);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_not_ip);

	/* 802.3 length field, even if an IPv4 header follows */
	f.n = 0;
	put_ether(&f, 40);
	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_not_ip);

	/* ARP inside a VLAN tag */
	f.n = 0;
	putn(&f, mac_dst, 6);
	putn(&f, mac_src, 6);
	put_vlan(&f, 0x8100, 5);
	put16(&f, 0x0806);
	put_fill(&f, 0, 28);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_not_ip);

	f.n = 0;
	put32(&f, 0x07000000); /* AF 7 either way round */
	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_NULL, &p), UMB_DECODE_not_ip);

	/* LOOP is network order only: a little-endian 2 is not AF_INET */
	f.n = 0;
	put32(&f, 0x02000000);
	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_LOOP, &p), UMB_DECODE_not_ip);

	f.n = 0;
	put_fill(&f, 0, 14);
	put16(&f, 0x0806);
	put_fill(&f, 0, 28);
	assert_int_equal(decode(&f, UMB_LINK_SLL, &p), UMB_DECODE_not_ip);

	f.n = 0;
	put16(&f, 0x88cc); /* LLDP */
	put_fill(&f, 0, 40);
	assert_int_equal(decode(&f, UMB_LINK_SLL2, &p), UMB_DECODE_not_ip);
}

static void
test_not_tcp(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0, 17); /* UDP */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_not_tcp);

	f.n = 0;
	put_ipv6(&f, 8, 58); /* ICMPv6 */
	put_fill(&f, 0, 8);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_not_tcp);

	f.n = 0;
	put_ipv6(&f, 24, 50); /* ESP */
	put_fill(&f, 0, 24);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_not_tcp);

	/* hop-by-hop then no next header */
	f.n = 0;
	put_ipv6(&f, 8, 0);
	put_v6ext(&f, 59, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_not_tcp);
}

static void
test_ip_fragment(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0x2000, 6); /* MF, offset 0 */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_ip_fragment);
	f.n = 0;
	build_ether_v4(&f, 0x0003, 6); /* last fragment, offset 24 */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_ip_fragment);
	f.n = 0;
	build_ether_v4(&f, 0x4000, 6); /* DF alone: not a fragment */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
}

static void
test_ipv6_fragment_header(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ipv6(&f, 8 + 8 + 20, 0);
	put_v6ext(&f, 44, 0);     /* hop-by-hop -> fragment */
	put8(&f, 6);              /* fragment: next header TCP */
	put8(&f, 0);
	put16(&f, 0x0001);        /* offset 0, M set */
	put32(&f, 0xdeadbeef);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_ip_fragment);
}

static void
test_truncated_l2(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0, 6);
	assert_int_equal(decode_n(&f, 13, 13, UMB_LINK_ETHER, &p, NULL),
		UMB_DECODE_truncated_l2);
	assert_int_equal(decode_n(&f, 0, 0, UMB_LINK_ETHER, &p, NULL),
		UMB_DECODE_truncated_l2);

	/* the VLAN tag is cut after its TCI */
	f.n = 0;
	putn(&f, mac_dst, 6);
	putn(&f, mac_src, 6);
	put_vlan(&f, 0x8100, 7);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_truncated_l2);
	put8(&f, 0x08);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_truncated_l2);

	f.n = 0;
	put_fill(&f, 0, 30);
	assert_int_equal(decode_n(&f, 3, 30, UMB_LINK_NULL, &p, NULL),
		UMB_DECODE_truncated_l2);
	assert_int_equal(decode_n(&f, 3, 3, UMB_LINK_LOOP, &p, NULL),
		UMB_DECODE_truncated_l2);
	assert_int_equal(decode_n(&f, 15, 15, UMB_LINK_SLL, &p, NULL),
		UMB_DECODE_truncated_l2);
	assert_int_equal(decode_n(&f, 19, 19, UMB_LINK_SLL2, &p, NULL),
		UMB_DECODE_truncated_l2);
}

static void
test_too_many_vlans(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	putn(&f, mac_dst, 6);
	putn(&f, mac_src, 6);
	put_vlan(&f, 0x88a8, 1);
	put_vlan(&f, 0x8100, 2);
	put_vlan(&f, 0x8100, 3);
	put16(&f, 0x0800);
	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_too_many_vlans);
}

static void
test_truncated_ip(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0, 6);
	assert_int_equal(decode_n(&f, 14 + 19, 14 + 19, UMB_LINK_ETHER, &p,
		NULL), UMB_DECODE_truncated_ip);
	assert_int_equal(decode_n(&f, 14, 14, UMB_LINK_ETHER, &p, NULL),
		UMB_DECODE_truncated_ip);

	f.n = 0;
	put_ipv6(&f, 20, 6);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode_n(&f, 39, 60, UMB_LINK_RAW, &p, NULL),
		UMB_DECODE_truncated_ip);
	assert_int_equal(decode_n(&f, 0, 0, UMB_LINK_RAW, &p, NULL),
		UMB_DECODE_truncated_ip);
}

static void
test_bad_ip_version(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	/* ethertype IPv4, header says 6 */
	put_ether(&f, 0x0800);
	put_ipv6(&f, 20, 6);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_ip_version);

	/* ethertype IPv6, header says 4 */
	f.n = 0;
	put_ether(&f, 0x86dd);
	put_ipv4(&f, 5, 40, 0, 6);
	put_tcp(&f, 0, NULL, 0);
	put_fill(&f, 0, 20);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_ip_version);

	f.n = 0;
	put8(&f, 0x55);
	put_fill(&f, 0, 59);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p),
		UMB_DECODE_bad_ip_version);
}

static void
test_bad_ip_hlen(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0, 6);
	f.b[14] = 0x44; /* IHL 4 */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_ip_hlen);
	/* IHL 15 = 60 bytes, but only 45 bytes of IP follow */
	f.b[14] = 0x4f;
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_ip_hlen);
	/* IHL 6 within the frame but beyond the contiguous bytes */
	f.b[14] = 0x46;
	assert_int_equal(decode_n(&f, 14 + 22, f.n, UMB_LINK_ETHER, &p, NULL),
		UMB_DECODE_bad_ip_hlen);
}

static void
test_bad_ip_len(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0, 6);
	f.b[16] = 0;
	f.b[17] = 19; /* total length below the header */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_bad_ip_len);
	f.b[17] = 46; /* one byte more than the frame holds */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_bad_ip_len);
	f.b[17] = 45;
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);

	f.n = 0;
	put_ipv6(&f, 0, 6); /* jumbogram */
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_bad_ip_len);
	f.b[5] = 21; /* payload length beyond the frame */
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_bad_ip_len);
	f.b[5] = 20;
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
}

static void
test_bad_ipv6_ext(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;
	unsigned int i;

	/* destination options claims 16 bytes, 8 are in the packet */
	put_ipv6(&f, 8, 60);
	put8(&f, 6);
	put8(&f, 1);
	put_fill(&f, 0, 6);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_bad_ipv6_ext);

	/* payload of one byte: not even the next-header/length pair */
	f.n = 0;
	put_ipv6(&f, 1, 0);
	put8(&f, 6);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_bad_ipv6_ext);

	/* the chain fits the IP payload but not the contiguous bytes */
	f.n = 0;
	put_ipv6(&f, 8 + 20, 0);
	put_v6ext(&f, 6, 0);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode_n(&f, 44, f.n, UMB_LINK_RAW, &p, NULL),
		UMB_DECODE_bad_ipv6_ext);

	/* AH whose length runs past the payload: (4 + 2) * 4 = 24 > 16 */
	f.n = 0;
	put_ipv6(&f, 16, 51);
	put8(&f, 6);
	put8(&f, 4);
	put_fill(&f, 0, 14);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_bad_ipv6_ext);

	/* nine extension headers: one more than the walk allows */
	f.n = 0;
	put_ipv6(&f, 9 * 8 + 20, 60);
	for (i = 0; i < 9; i++)
		put_v6ext(&f, i == 8 ? 6 : 60, 0);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_bad_ipv6_ext);

	/* eight are fine */
	f.n = 0;
	put_ipv6(&f, 8 * 8 + 20, 60);
	for (i = 0; i < 8; i++)
		put_v6ext(&f, i == 7 ? 6 : 60, 0);
	put_tcp(&f, 0, NULL, 0);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
	assert_int_equal(p.l4_off, 40 + 64);
}

static void
test_truncated_tcp(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	/* IP says 19 bytes of TCP; the frame holds more (padding) */
	put_ether(&f, 0x0800);
	put_ipv4(&f, 5, 20 + 19, 0, 6);
	put_tcp(&f, 0, NULL, 0);
	put_fill(&f, 0, 6);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_truncated_tcp);

	/* TCP header present in the frame, but not in the contiguous bytes */
	f.n = 0;
	build_ether_v4(&f, 0, 6);
	assert_int_equal(decode_n(&f, 14 + 20 + 19, f.n, UMB_LINK_ETHER, &p,
		NULL), UMB_DECODE_truncated_tcp);

	f.n = 0;
	put_ipv6(&f, 10, 6);
	put_fill(&f, 0, 10);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p),
		UMB_DECODE_truncated_tcp);

	/* 40 bytes of options in the frame, only the fixed header contiguous */
	f.n = 0;
	put_ipv6(&f, 60, 6);
	put_tcp(&f, UMB_TCP_SYN, (const uint8_t [40]){ 1 }, 40);
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
	assert_int_equal(p.payload_off, 100);
	assert_int_equal(decode_n(&f, 60, f.n, UMB_LINK_RAW, &p, NULL),
		UMB_DECODE_truncated_tcp);
	assert_int_equal(decode_n(&f, 99, f.n, UMB_LINK_RAW, &p, NULL),
		UMB_DECODE_truncated_tcp);
}

static void
test_bad_tcp_hlen(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;
	int warn;

	build_ether_v4(&f, 0, 6);
	f.b[14 + 20 + 12] = 0x40; /* data offset 4 */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_tcp_hlen);
	/*
	 * data offset 6 = 24 bytes within the 25 bytes of TCP; "hell" then
	 * reads as an option of kind 'h' and length 'e': a warning only
	 */
	f.b[14 + 20 + 12] = 0x60;
	warn = 0;
	assert_int_equal(decode_n(&f, f.n, f.n, UMB_LINK_ETHER, &p, &warn),
		UMB_DECODE_tcp);
	assert_int_equal(warn, 1);
	assert_int_equal(p.payload_off, 14 + 20 + 24);
	assert_int_equal(p.payload_len, 1);
	/* data offset 7 = 28 bytes: beyond the segment */
	f.b[14 + 20 + 12] = 0x70;
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_tcp_hlen);
	/* beyond the IP packet even though the padded frame is long enough */
	put_fill(&f, 0, 20);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p),
		UMB_DECODE_bad_tcp_hlen);
}

/* bad_tcp_options is never returned: the segment survives, options do not */
static void
test_bad_tcp_options(void **state)
{
	static const uint8_t opts[][8] = {
		{ 2, 4, 0x05, 0xb4, 3, 2, 7, 0 },    /* wscale length 2 */
		{ 2, 4, 0x05, 0xb4, 1, 1, 8, 0 },    /* length 0 */
		{ 2, 4, 0x05, 0xb4, 1, 1, 1, 30 },   /* kind 30, no length */
		{ 2, 4, 0x05, 0xb4, 1, 1, 99, 3 },   /* runs past the header */
		{ 2, 5, 0x05, 0xb4, 0, 0, 0, 0 },    /* MSS length 5 */
		{ 2, 4, 0x05, 0xb4, 4, 3, 0, 0 },    /* SACK-perm length 3 */
		{ 2, 4, 0x05, 0xb4, 5, 4, 0, 0 },    /* SACK, half a block */
		{ 2, 4, 0x05, 0xb4, 8, 4, 0, 0 },    /* timestamps length 4 */
	};
	struct umb_pkt p;
	unsigned int i;
	int warn;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct frame f = { .n = 0 };

		put_ether(&f, 0x0800);
		put_ipv4(&f, 5, 20 + 28 + 3, 0, 6);
		put_tcp(&f, UMB_TCP_ACK, opts[i], 8);
		putn(&f, "xyz", 3);
		warn = 0;
		assert_int_equal(decode_n(&f, f.n, f.n, UMB_LINK_ETHER, &p,
			&warn), UMB_DECODE_tcp);
		assert_int_equal(warn, 1);
		check_v4_tcp(&p);
		assert_int_equal(p.opt_flags, 0);
		assert_int_equal(p.mss, 0);
		assert_int_equal(p.payload_off, 14 + 20 + 28);
		assert_int_equal(p.payload_len, 3);
		/* a NULL opt_warn is allowed */
		assert_int_equal(decode_n(&f, f.n, f.n, UMB_LINK_ETHER, &p,
			NULL), UMB_DECODE_tcp);
	}
}

static void
test_unknown_link(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	build_ether_v4(&f, 0, 6);
	assert_int_equal(decode(&f, UMB_LINK_MAX, &p), UMB_DECODE_unknown_link);
	assert_int_equal(decode(&f, (enum umb_link)-1, &p),
		UMB_DECODE_unknown_link);
}

/* ---- headers and options ---- */

static void
test_ipv4_options_skipped(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x0800);
	/* IHL 8: 12 bytes of options (a record-route would look alike) */
	put_ipv4(&f, 8, 32 + 20 + 4, 0, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	putn(&f, "data", 4);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 14 + 32);
	assert_int_equal(p.payload_off, 14 + 32 + 20);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(f.b + p.payload_off, "data", 4);
}

static void
test_ipv6_hop_by_hop_and_dest_options(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x86dd);
	put_ipv6(&f, 8 + 8 + 24 + 24 + 20 + 6, 0);
	put_v6ext(&f, 43, 0);  /* hop-by-hop, 8 bytes -> routing */
	put_v6ext(&f, 51, 0);  /* routing, 8 bytes -> AH */
	put8(&f, 60);          /* AH, (4 + 2) * 4 = 24 bytes -> dest opts */
	put8(&f, 4);
	put_fill(&f, 0, 22);
	put_v6ext(&f, 6, 2);   /* destination options, 24 bytes -> TCP */
	put_tcp(&f, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(&f, "v6data", 6);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	check_v6_tcp(&p);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.l4_off, 14 + 40 + 64);
	assert_int_equal(p.payload_off, 14 + 40 + 64 + 20);
	assert_int_equal(p.payload_len, 6);
	assert_memory_equal(f.b + p.payload_off, "v6data", 6);
}

/* 60-byte minimum frame: the zero padding must not count as payload */
static void
test_ethernet_padding_not_payload(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x0800);
	put_ipv4(&f, 5, 40 + 2, 0, 6);
	put_tcp(&f, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(&f, "ok", 2);
	put_fill(&f, 0, 60 - f.n);
	put_fill(&f, 0xcc, 4); /* and a trailing FCS */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 2);
}

static void
test_tcp_options_syn(void **state)
{
	static const uint8_t opts[] = {
		2, 4, 0x05, 0xb4,                 /* MSS 1460 */
		1,                                /* NOP */
		3, 3, 7,                          /* wscale 7 */
		1, 1,                             /* NOP NOP */
		8, 10, 0x11, 0x22, 0x33, 0x44,    /* TS val */
		0x55, 0x66, 0x77, 0x88,           /* TS ecr */
		4, 2,                             /* SACK permitted */
		30, 4, 0xab, 0xcd,                /* unknown kind, skipped */
		0, 0,                             /* EOL + padding */
	};
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x0800);
	put_ipv4(&f, 5, 20 + 20 + sizeof(opts), 0, 6);
	put_tcp(&f, UMB_TCP_SYN, opts, sizeof(opts));
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_tcp);
	assert_int_equal(p.opt_flags, UMB_OPT_MSS | UMB_OPT_WSCALE |
		UMB_OPT_TS | UMB_OPT_SACK_PERM);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.wscale, 7);
	assert_int_equal(p.tsval, 0x11223344);
	assert_int_equal(p.tsecr, 0x55667788);
	assert_int_equal(p.tcp_flags, UMB_TCP_SYN);
	assert_int_equal(p.payload_off, 14 + 20 + 20 + sizeof(opts));
	assert_int_equal(p.payload_len, 0);
}

static void
test_tcp_options_sack_and_wscale_cap(void **state)
{
	static const uint8_t opts[] = {
		1, 1, 5, 18,                      /* SACK, two blocks */
		0, 0, 0, 1, 0, 0, 0, 2,
		0, 0, 0, 3, 0, 0, 0, 4,
		3, 3, 15, 0,                      /* wscale 15 -> 14, EOL */
	};
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ipv6(&f, 20 + sizeof(opts), 6);
	put_tcp(&f, UMB_TCP_ACK | 0xc0, opts, sizeof(opts)); /* + ECE, CWR */
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
	assert_int_equal(p.opt_flags, UMB_OPT_SACK | UMB_OPT_WSCALE);
	assert_int_equal(p.wscale, 14);
	assert_int_equal(p.mss, 0);
	assert_int_equal(p.tsval, 0);
	assert_int_equal(p.tcp_flags, UMB_TCP_ACK);
}

/* Options after EOL are not read, even when malformed. */
static void
test_tcp_options_stop_at_eol(void **state)
{
	static const uint8_t opts[] = { 2, 4, 0x02, 0x18, 0, 3, 9, 9 };
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ipv4(&f, 5, 48, 0, 6);
	put_tcp(&f, UMB_TCP_SYN, opts, sizeof(opts));
	assert_int_equal(decode(&f, UMB_LINK_RAW, &p), UMB_DECODE_tcp);
	assert_int_equal(p.opt_flags, UMB_OPT_MSS);
	assert_int_equal(p.mss, 536);
	assert_int_equal(p.wscale, 0);
}

/* The payload may lie past avail as long as the frame holds it. */
static void
test_payload_beyond_avail(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt p;

	put_ether(&f, 0x0800);
	put_ipv4(&f, 5, 40 + 600, 0, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	put_fill(&f, 'z', 600);
	/* only the headers are contiguous */
	assert_int_equal(decode_n(&f, 54, f.n, UMB_LINK_ETHER, &p, NULL),
		UMB_DECODE_tcp);
	check_v4_tcp(&p);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 600);
	/* a frame that lost bytes is refused, however many are contiguous */
	assert_int_equal(decode_n(&f, 54, f.n - 1, UMB_LINK_ETHER, &p, NULL),
		UMB_DECODE_bad_ip_len);

	f.n = 0;
	put_ipv6(&f, 20 + 1000, 6);
	put_tcp(&f, UMB_TCP_ACK, NULL, 0);
	put_fill(&f, 'y', 1000 - 8);
	assert_int_equal(decode_n(&f, 64, f.n + 8, UMB_LINK_RAW, &p, NULL),
		UMB_DECODE_tcp);
	assert_int_equal(p.payload_off, 60);
	assert_int_equal(p.payload_len, 1000);
}

static void
test_endpoint_str(void **state)
{
	union umb_addr a4 = { .b = { 1, 2, 3, 4 } };
	union umb_addr a6;
	struct umb_pkt p;
	char buf[64];
	int n;

	n = umb_endpoint_str(4, &a4, 80, buf, sizeof(buf));
	assert_int_equal(n, 10);
	assert_string_equal(buf, "1.2.3.4:80");

	memcpy(a6.b, v6_src, 16);
	n = umb_endpoint_str(6, &a6, 443, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:443");
	assert_int_equal(n, (int)strlen("[2001:db8::1]:443"));

	/* snprintf semantics: truncated, full length returned */
	n = umb_endpoint_str(6, &a6, 443, buf, 8);
	assert_int_equal(n, 17);
	assert_string_equal(buf, "[2001:d");
	assert_int_equal(umb_endpoint_str(4, &a4, 65535, NULL, 0), 13);
	assert_int_equal(umb_endpoint_str(5, &a4, 80, buf, sizeof(buf)), -1);

	memset(&p, 0, sizeof(p));
	p.af = 4;
	memcpy(p.src.b, a4.b, 4);
	p.dst.b[0] = 10;
	p.dst.b[3] = 9;
	p.sport = 51000;
	p.dport = 8080;
	n = umb_pkt_endpoint_str(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "1.2.3.4:51000");
	assert_int_equal(n, 13);
	umb_pkt_endpoint_str(&p, 1, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.9:8080");
}

/* ---- encapsulations (tap ports) ---- */

static const struct umb_decap_conf dc_auto = UMB_DECAP_CONF_DEFAULT;

/* Decode @p f as a tap frame with @p dc; avail and frame_len as given. */
static enum umb_decode_result
decap_n(const struct frame *f, uint32_t avail, uint32_t frame_len,
		const struct umb_decap_conf *dc, struct umb_pkt *p)
{
	enum umb_decode_result r;
	uint8_t *blk = malloc(avail + 1);
	int warn = 0;

	assert_non_null(blk);
	memcpy(blk + 1, f->b, avail);
	memset(p, 0xa5, sizeof(*p));
	p->ts_us = 0x1122334455667788ULL;
	r = umb_decode_tap(blk + 1, avail, frame_len, UMB_LINK_ETHER, dc, p, &warn);
	free(blk);
	assert_int_equal(warn, 0);
	return r;
}

static enum umb_decode_result
decap(const struct frame *f, const struct umb_decap_conf *dc, struct umb_pkt *p)
{
	return decap_n(f, f->n, f->n, dc, p);
}

/* The inner frame of most tests: Ethernet + IPv4 + TCP + "hello" (59). */
static void
inner_v4(struct frame *f)
{
	build_ether_v4(f, 0, 6);
}

/* Inner IPv6 packet (no link header): IPv6 + TCP + "hello" (65). */
static void
inner_v6_ip(struct frame *f)
{
	put_ipv6(f, 20 + 5, 6);
	put_tcp(f, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(f, "hello", 5);
}

/* Outer Ethernet + IPv4 172.16.0.1 -> 172.16.0.2 of @p plen payload bytes. */
static void
outer_v4(struct frame *f, uint16_t plen, uint16_t frag, uint8_t proto)
{
	put_ether(f, 0x0800);
	put8(f, 0x45);
	put8(f, 0);
	put16(f, (uint16_t)(20 + plen));
	put16(f, 0x4321);
	put16(f, frag);
	put8(f, 255);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0xac100001);
	put32(f, 0xac100002);
}

/* Outer Ethernet + IPv6 of @p plen payload bytes. */
static void
outer_v6(struct frame *f, uint16_t plen, uint8_t nh)
{
	put_ether(f, 0x86dd);
	put_ipv6(f, plen, nh);
}

/* UDP datagram to @p dport: header @p th (tunnel header), then @p in. */
static void
put_udp_dgram(struct frame *f, uint16_t dport, const struct frame *th,
		const struct frame *in)
{
	put16(f, 54321);
	put16(f, dport);
	put16(f, (uint16_t)(8 + th->n + in->n));
	put16(f, 0);
	putn(f, th->b, th->n);
	putn(f, in->b, in->n);
}

static void
vxlan_hdr(struct frame *h, uint8_t flags, uint32_t vni)
{
	put8(h, flags);
	put8(h, 0);
	put16(h, 0);
	put32(h, vni << 8);
}

/* VXLAN over IPv4 (UDP @p dport) carrying @p in. */
static void
wrap_vxlan(struct frame *f, uint16_t dport, uint32_t vni, const struct frame *in)
{
	struct frame h = { .n = 0 };

	vxlan_hdr(&h, 0x08, vni);
	outer_v4(f, (uint16_t)(8 + h.n + in->n), 0, 17);
	put_udp_dgram(f, dport, &h, in);
}

/* GENEVE header: @p opt (whole TLVs, @p optlen bytes), protocol, VNI. */
static void
geneve_hdr(struct frame *h, uint8_t ver, const uint8_t *opt, uint32_t optlen,
		uint16_t ptype, uint32_t vni)
{
	put8(h, (uint8_t)(ver << 6 | optlen / 4));
	put8(h, 0);
	put16(h, ptype);
	put32(h, vni << 8);
	if (optlen)
		putn(h, opt, optlen);
}

static void
wrap_geneve(struct frame *f, const uint8_t *opt, uint32_t optlen,
		uint16_t ptype, uint32_t vni, const struct frame *in)
{
	struct frame h = { .n = 0 };

	geneve_hdr(&h, 0, opt, optlen, ptype, vni);
	outer_v4(f, (uint16_t)(8 + h.n + in->n), 0, 17);
	put_udp_dgram(f, 6081, &h, in);
}

/* GRE over IPv4: flags, protocol, the optional words, @p eh, then @p in. */
static void
wrap_gre(struct frame *f, uint16_t flags, uint16_t proto, uint32_t key,
		const struct frame *eh, const struct frame *in)
{
	uint32_t words = !!(flags & 0x8000) + !!(flags & 0x2000) + !!(flags & 0x1000);

	outer_v4(f, (uint16_t)(4 + 4 * words + eh->n + in->n), 0, 47);
	put16(f, flags);
	put16(f, proto);
	if (flags & 0x8000)
		put32(f, 0xcccc0000);   /* checksum + reserved */
	if (flags & 0x2000)
		put32(f, key);
	if (flags & 0x1000)
		put32(f, 0x00000007);   /* sequence */
	putn(f, eh->b, eh->n);
	putn(f, in->b, in->n);
}

static void
erspan2_hdr(struct frame *h, uint8_t ver, uint16_t session, int t)
{
	put16(h, (uint16_t)(ver << 12 | 10));      /* VLAN 10 */
	put16(h, (uint16_t)((t ? 0x0400 : 0) | (session & 0x3ff)));
	put32(h, 0x00000001);                      /* index */
}

static void
erspan3_hdr(struct frame *h, uint8_t ver, uint16_t session, int t, int o,
		uint8_t ft)
{
	put16(h, (uint16_t)(ver << 12 | 10));
	put16(h, (uint16_t)((t ? 0x0400 : 0) | (session & 0x3ff)));
	put32(h, 0xdeadbeef);                      /* timestamp */
	put16(h, 0);                               /* SGT */
	put16(h, (uint16_t)((ft & 0x1f) << 10 | (o ? 1 : 0)));
	if (o)
		put_fill(h, 0xee, 8);              /* platform-specific subheader */
}

/* The inner segment was decoded: inner addresses, payload "hello". */
static void
check_inner_hello(const struct frame *f, const struct umb_pkt *p,
		uint8_t type, uint32_t id)
{
	if (p->af == 4)
		check_v4_tcp(p);
	else
		check_v6_tcp(p);
	assert_int_equal(p->payload_len, 5);
	assert_int_equal(p->payload_off + 5, f->n);
	assert_memory_equal(f->b + p->payload_off, "hello", 5);
	assert_int_equal(p->tunnel_type, type);
	assert_int_equal(p->tunnel_id, id);
	assert_int_equal(p->pad[0], 0);
}

/* A byte patched into a good frame and the result it must give. */
struct patch {
	const char *what;
	uint32_t off;    /* from the tunnel header's first byte */
	uint8_t val;
	enum umb_decode_result want;
};

static void
run_patches(const struct frame *good, uint32_t th, const struct patch *t,
		unsigned int n)
{
	struct umb_pkt p;

	for (unsigned int i = 0; i < n; i++) {
		struct frame f = *good;

		f.b[th + t[i].off] = t[i].val;
		print_message("  %s\n", t[i].what);
		assert_int_equal(decap(&f, &dc_auto, &p), t[i].want);
	}
}

static void
test_tunnel_counter_group(void **state)
{
	assert_string_equal(umb_tunnel_ctr_group.name, "tunnel");
	assert_int_equal(umb_tunnel_ctr_group.n, UMB_TUNNEL_MAX);
	assert_string_equal(umb_tunnel_name(UMB_TUNNEL_vxlan), "vxlan");
	assert_string_equal(umb_tunnel_name(UMB_TUNNEL_gre_eth), "gre_eth");
	assert_string_equal(umb_tunnel_name(UMB_TUNNEL_MAX), "unknown");
	assert_string_equal(umb_decode_ctr_group.names[UMB_DECODE_inner_truncated],
		"inner_truncated");
	assert_string_equal(umb_decode_ctr_group.names[UMB_DECODE_tunnel_too_deep],
		"tunnel_too_deep");
}

static void
test_vxlan(void **state)
{
	struct frame in = { .n = 0 }, f = { .n = 0 };
	struct umb_decap_conf dc = dc_auto;
	struct umb_pkt p;
	/* 14 Ethernet + 20 IPv4 + 8 UDP: the VXLAN header */
	const uint32_t th = 42;
	static const struct patch bad[] = {
		{ "I flag clear", 0, 0x00, UMB_DECODE_bad_tunnel },
		{ "only other flags", 0, 0x80, UMB_DECODE_bad_tunnel },
	};

	inner_v4(&in);
	wrap_vxlan(&f, 4789, 0x123456, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 0x123456);
	assert_int_equal(p.l3_off, th + 8 + 14);
	assert_int_equal(p.l4_off, th + 8 + 14 + 20);
	assert_int_equal(p.nb_vlan, 0);
	/* the contiguous bytes need only reach the payload */
	assert_int_equal(decap_n(&f, p.payload_off, f.n, &dc_auto, &p), UMB_DECODE_tcp);

	/* without decapsulation it is a UDP packet */
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_not_tcp);
	assert_int_equal(decap(&f, NULL, &p), UMB_DECODE_not_tcp);
	dc.types = 0;
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_not_tcp);
	dc.types = UMB_DECAP_GENEVE | UMB_DECAP_ERSPAN | UMB_DECAP_GRE;
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_not_tcp);
	/* another port: only when configured */
	f.n = 0;
	wrap_vxlan(&f, 8472, 7, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_not_tcp);
	dc = dc_auto;
	dc.vxlan_port = 8472;
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 7);
	/* decap_key inner: the session is not part of the key */
	dc.key = UMB_DECAP_KEY_INNER;
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 0);

	f.n = 0;
	wrap_vxlan(&f, 4789, 5, &in);
	run_patches(&f, th, bad, RTE_DIM(bad));
}

/* Malformed lengths of the UDP datagram and the outer packet. */
static void
test_vxlan_lengths(void **state)
{
	struct frame in = { .n = 0 }, g = { .n = 0 }, f;
	struct umb_pkt p;
	const uint32_t udp = 34, th = 42;

	inner_v4(&in);
	wrap_vxlan(&g, 4789, 5, &in);

	/* UDP length below its header, and beyond the IP packet */
	f = g;
	f.b[udp + 4] = 0;
	f.b[udp + 5] = 7;
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	f = g;
	f.b[udp + 5]++;
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	/* UDP length ends inside the VXLAN header */
	f = g;
	f.b[udp + 4] = 0;
	f.b[udp + 5] = 8 + 4;
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	/* UDP length ends inside the inner packet: the inner packet is cut */
	f = g;
	f.b[udp + 4] = 0;
	f.b[udp + 5] = (uint8_t)(8 + 8 + in.n - 1);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_inner_truncated);

	/* the VXLAN header beyond the contiguous bytes */
	assert_int_equal(decap_n(&g, th + 4, g.n, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	/* the UDP header beyond the contiguous bytes */
	assert_int_equal(decap_n(&g, udp + 4, g.n, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	/* the outer packet beyond the frame (capture snapped) */
	assert_int_equal(decap_n(&g, g.n - 10, g.n - 10, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	/* the same cut on a plain frame stays bad_ip_len */
	f.n = 0;
	inner_v4(&f);
	assert_int_equal(decap_n(&f, f.n - 1, f.n - 1, &dc_auto, &p),
		UMB_DECODE_bad_ip_len);
	/* and on a UDP packet to another port too */
	f.n = 0;
	wrap_vxlan(&f, 53, 5, &in);
	assert_int_equal(decap_n(&f, f.n - 1, f.n - 1, &dc_auto, &p),
		UMB_DECODE_bad_ip_len);
	/* UDP shorter than its header: not a tunnel */
	f.n = 0;
	outer_v4(&f, 4, 0, 17);
	put32(&f, 0x12b512b5);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_not_tcp);
}

/*
 * Inner packets cut short, as AWS's packet length setting or a target MTU
 * leave them (outer lengths right, the inner IP length beyond them): the
 * result is never tcp, so no byte of them becomes payload.
 */
static void
test_inner_truncated(void **state)
{
	struct frame in = { .n = 0 }, f = { .n = 0 };
	struct umb_pkt p;

	inner_v4(&in);
	for (uint32_t cut = 1; cut < in.n; cut++) {
		struct frame part = in;

		part.n = in.n - cut;
		f.n = 0;
		wrap_vxlan(&f, 4789, 9, &part);
		assert_int_equal(decap(&f, &dc_auto, &p),
			UMB_DECODE_inner_truncated);
	}
	/* IPv6 inside GENEVE as well */
	in.n = 0;
	inner_v6_ip(&in);
	for (uint32_t cut = 1; cut < in.n; cut++) {
		struct frame part = in;

		part.n = in.n - cut;
		f.n = 0;
		wrap_geneve(&f, NULL, 0, 0x86dd, 3, &part);
		assert_int_equal(decap(&f, &dc_auto, &p),
			UMB_DECODE_inner_truncated);
	}
	/* the whole packet again: decoded */
	f.n = 0;
	wrap_geneve(&f, NULL, 0, 0x86dd, 3, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	/* Ethernet padding after the inner packet is not payload */
	in.n = 0;
	inner_v4(&in);
	put_fill(&in, 0, 6);
	f.n = 0;
	wrap_vxlan(&f, 4789, 9, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	assert_int_equal(p.payload_len, 5);
}

/* Outer IP fragments of a tunnel are counted apart from plain fragments. */
static void
test_outer_fragment(void **state)
{
	struct frame in = { .n = 0 }, f = { .n = 0 };
	struct umb_pkt p;
	struct umb_decap_conf dc = dc_auto;

	inner_v4(&in);
	wrap_vxlan(&f, 4789, 9, &in);
	f.b[20] = 0x20;   /* MF */
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_outer_fragment);
	f.b[20] = 0x00;
	f.b[21] = 0x10;   /* offset 128 */
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_outer_fragment);
	/* no UDP decapsulation: a plain fragment */
	dc.types = UMB_DECAP_ERSPAN | UMB_DECAP_GRE;
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_ip_fragment);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_ip_fragment);
	/* an inner fragment is a plain fragment */
	in.b[20] = 0x20;
	f.n = 0;
	wrap_vxlan(&f, 4789, 9, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_ip_fragment);

	/* IPv6 outer with a fragment header before UDP */
	in.b[20] = 0x00;
	{
		struct frame h = { .n = 0 };

		vxlan_hdr(&h, 0x08, 1);
		f.n = 0;
		outer_v6(&f, (uint16_t)(8 + 8 + h.n + in.n), 44);
		put8(&f, 17);
		put8(&f, 0);
		put16(&f, 0x0001); /* offset 0, M */
		put32(&f, 0xabcd);
		put_udp_dgram(&f, 4789, &h, &in);
		assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_outer_fragment);
		assert_int_equal(decode(&f, UMB_LINK_ETHER, &p), UMB_DECODE_ip_fragment);
	}
}

static void
test_vxlan_ipv6_outer(void **state)
{
	struct frame in = { .n = 0 }, h = { .n = 0 }, f = { .n = 0 };
	struct umb_pkt p;

	inner_v4(&in);
	vxlan_hdr(&h, 0x08, 77);
	outer_v6(&f, (uint16_t)(8 + h.n + in.n), 17);
	put_udp_dgram(&f, 4789, &h, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 77);
	assert_int_equal(p.l3_off, 14 + 40 + 8 + 8 + 14);
	/* cut: tunnel_truncated */
	assert_int_equal(decap_n(&f, f.n - 3, f.n - 3, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);

	/* with a destination options header before UDP */
	f.n = 0;
	outer_v6(&f, (uint16_t)(8 + 8 + h.n + in.n), 60);
	put_v6ext(&f, 17, 0);
	put_udp_dgram(&f, 4789, &h, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 77);
}

/* Outer VLAN tags are the tap's; the inner frame's tags (up to 2) are kept. */
static void
test_vlan_outer_and_inner(void **state)
{
	struct frame in = { .n = 0 }, h = { .n = 0 }, f = { .n = 0 };
	struct umb_pkt p;
	uint32_t i;

	putn(&in, mac_dst, 6);
	putn(&in, mac_src, 6);
	put_vlan(&in, 0x88a8, 0x0123);
	put_vlan(&in, 0x8100, 0x0456);
	put16(&in, 0x0800);
	put_ipv4(&in, 5, 45, 0, 6);
	put_tcp(&in, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(&in, "hello", 5);
	vxlan_hdr(&h, 0x08, 12);
	/* outer Ethernet with one tag */
	putn(&f, mac_dst, 6);
	putn(&f, mac_src, 6);
	put_vlan(&f, 0x8100, 0x0777);
	put16(&f, 0x0800);
	put8(&f, 0x45);
	put8(&f, 0);
	put16(&f, (uint16_t)(20 + 8 + h.n + in.n));
	put32(&f, 0);
	put8(&f, 64);
	put8(&f, 17);
	put16(&f, 0);
	put32(&f, 0xac100001);
	put32(&f, 0xac100002);
	put_udp_dgram(&f, 4789, &h, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 12);
	assert_int_equal(p.nb_vlan, 2);
	assert_int_equal(p.vlan[0], 0x123);
	assert_int_equal(p.vlan[1], 0x456);

	/* three inner tags: too many */
	in.n = 0;
	putn(&in, mac_dst, 6);
	putn(&in, mac_src, 6);
	for (i = 0; i < 3; i++)
		put_vlan(&in, 0x8100, (uint16_t)(i + 1));
	put16(&in, 0x0800);
	put_ipv4(&in, 5, 45, 0, 6);
	put_tcp(&in, UMB_TCP_ACK, NULL, 0);
	putn(&in, "hello", 5);
	f.n = 0;
	wrap_vxlan(&f, 4789, 1, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_too_many_vlans);
	/* an inner frame that is not IP (ARP) */
	in.n = 0;
	put_ether(&in, 0x0806);
	put_fill(&in, 0, 28);
	f.n = 0;
	wrap_vxlan(&f, 4789, 1, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_not_ip);
	/* an inner frame cut inside its Ethernet header */
	in.n = 10;
	f.n = 0;
	wrap_vxlan(&f, 4789, 1, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_inner_truncated);
}

/* GENEVE with the options AWS (class 0x0108) and Google (0x0132) send. */
static void
test_geneve_options(void **state)
{
	static const uint8_t opts[] = {
		/* AWS GWLB: class 0x0108, type 1, 2 words: GWLBE/ENI id */
		0x01, 0x08, 0x01, 0x02, 1, 2, 3, 4, 5, 6, 7, 8,
		/* AWS: class 0x0108, type 3, 1 word: flow cookie */
		0x01, 0x08, 0x03, 0x01, 0xca, 0xfe, 0xf0, 0x0d,
		/* Google: class 0x0132, type 0x80, 3 words */
		0x01, 0x32, 0x80, 0x03, 9, 9, 9, 9, 8, 8, 8, 8, 7, 7, 7, 7,
	};
	struct frame in = { .n = 0 }, g = { .n = 0 }, f;
	struct umb_pkt p;
	const uint32_t th = 42;
	static const struct patch bad[] = {
		{ "version 1", 0, 0x40 | 9, UMB_DECODE_bad_tunnel },
		{ "options beyond the datagram", 0, 63, UMB_DECODE_bad_tunnel },
		{ "options shorter than their TLVs", 0, 8, UMB_DECODE_bad_tunnel },
		{ "TLV longer than the options", 8 + 3, 0x1f, UMB_DECODE_bad_tunnel },
		{ "unknown protocol type", 2, 0x88, UMB_DECODE_bad_tunnel },
		{ "protocol 0x6506", 3, 0x06, UMB_DECODE_bad_tunnel },
	};

	inner_v4(&in);
	wrap_geneve(&g, opts, sizeof(opts), 0x6558, 0xabcdef, &in);
	assert_int_equal(decap(&g, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&g, &p, UMB_TUNNEL_geneve, 0xabcdef);
	assert_int_equal(p.l3_off, th + 8 + sizeof(opts) + 14);
	run_patches(&g, th, bad, RTE_DIM(bad));
	/* one more option word than the TLVs fill: read as a TLV, overruns */
	f = g;
	f.b[th] = 10;
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	/* options beyond the contiguous bytes */
	assert_int_equal(decap_n(&g, th + 8 + 10, g.n, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	/* no options at all */
	f.n = 0;
	wrap_geneve(&f, NULL, 0, 0x6558, 1, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_geneve, 1);
}

/* GENEVE carrying IP: IPv6 inside IPv4, IPv4 inside, version mismatches. */
static void
test_geneve_ip_inside(void **state)
{
	static const uint8_t opt[] = { 0x01, 0x08, 0x01, 0x01, 1, 2, 3, 4 };
	struct frame in = { .n = 0 }, f = { .n = 0 };
	struct umb_pkt p;

	inner_v6_ip(&in);
	wrap_geneve(&f, opt, sizeof(opt), 0x86dd, 42, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_geneve, 42);
	assert_int_equal(p.l3_off, 42 + 8 + 8);
	assert_int_equal(p.nb_vlan, 0);
	/* IPv6 bytes announced as IPv4 */
	f.n = 0;
	wrap_geneve(&f, opt, sizeof(opt), 0x0800, 42, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_ip_version);

	in.n = 0;
	put_ipv4(&in, 5, 45, 0, 6);
	put_tcp(&in, UMB_TCP_PSH | UMB_TCP_ACK, NULL, 0);
	putn(&in, "hello", 5);
	f.n = 0;
	wrap_geneve(&f, NULL, 0, 0x0800, 43, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_geneve, 43);
	/* inner IP header cut by the datagram's end */
	in.n = 12;
	f.n = 0;
	wrap_geneve(&f, NULL, 0, 0x0800, 43, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_inner_truncated);
	/* the GENEVE port with GENEVE off is plain UDP */
	{
		struct umb_decap_conf dc = dc_auto;

		dc.types = UMB_DECAP_VXLAN;
		assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_not_tcp);
	}
}

/* VXLAN inside GENEVE (an AWS GWLB carrying Traffic Mirroring), and deeper. */
static void
test_nested(void **state)
{
	struct frame in = { .n = 0 }, v = { .n = 0 }, g = { .n = 0 };
	struct frame e = { .n = 0 }, f = { .n = 0 };
	struct umb_decap_conf dc = dc_auto;
	struct umb_pkt p;

	inner_v4(&in);
	/* the VXLAN frame, as an Ethernet frame inside GENEVE */
	put_ether(&v, 0x0800);
	{
		struct frame t = { .n = 0 };

		wrap_vxlan(&t, 4789, 0x0a0b0c, &in);
		/* drop t's own Ethernet header: v has one */
		putn(&v, t.b + 14, t.n - 14);
	}
	wrap_geneve(&g, NULL, 0, 0x6558, 0, &v);
	assert_int_equal(decap(&g, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&g, &p, UMB_TUNNEL_vxlan, 0x0a0b0c);
	/* GENEVE carrying the VXLAN packet as IP */
	f.n = 0;
	{
		struct frame ip = { .n = 0 };

		putn(&ip, v.b + 14, v.n - 14);
		wrap_geneve(&f, NULL, 0, 0x0800, 0, &ip);
	}
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_vxlan, 0x0a0b0c);
	/* keyed by the inner 5-tuple: no session */
	dc.key = UMB_DECAP_KEY_INNER;
	assert_int_equal(decap(&g, &dc, &p), UMB_DECODE_tcp);
	assert_int_equal(p.tunnel_id, 0);
	/* ERSPAN III inside VXLAN */
	{
		struct frame eh = { .n = 0 }, gre = { .n = 0 };

		erspan3_hdr(&eh, 2, 100, 0, 0, 0);
		wrap_gre(&gre, 0x1000, 0x22eb, 0, &eh, &in);
		f.n = 0;
		wrap_vxlan(&f, 4789, 3, &gre);
		assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
		check_inner_hello(&f, &p, UMB_TUNNEL_erspan3, 100);
	}
	/* three levels: VXLAN in VXLAN in GENEVE */
	e = g;
	f.n = 0;
	wrap_vxlan(&f, 4789, 1, &e);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tunnel_too_deep);
	/* VXLAN inside GENEVE with only GENEVE on: the VXLAN is plain UDP */
	dc = dc_auto;
	dc.types = UMB_DECAP_GENEVE;
	assert_int_equal(decap(&g, &dc, &p), UMB_DECODE_not_tcp);
	/* three levels of VXLAN */
	dc.types = UMB_DECAP_VXLAN;
	f.n = 0;
	{
		struct frame vv = { .n = 0 };

		wrap_vxlan(&vv, 4789, 2, &v);   /* VXLAN(VXLAN(in)) */
		wrap_vxlan(&f, 4789, 1, &vv);   /* VXLAN(VXLAN(VXLAN(in))) */
	}
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_tunnel_too_deep);
}

static void
test_erspan2(void **state)
{
	struct frame in = { .n = 0 }, eh = { .n = 0 }, g = { .n = 0 }, f;
	struct umb_decap_conf dc = dc_auto;
	struct umb_pkt p;
	/* 14 + 20 + GRE 8 (with sequence): the ERSPAN header */
	const uint32_t th = 42;
	static const struct patch bad[] = {
		{ "ERSPAN version 2 under 0x88BE", 0, 0x20, UMB_DECODE_bad_tunnel },
		{ "ERSPAN version 0", 0, 0x00, UMB_DECODE_bad_tunnel },
		{ "T bit", 2, 0x07, UMB_DECODE_inner_truncated },
	};

	inner_v4(&in);
	erspan2_hdr(&eh, 1, 0x3ff, 0);
	wrap_gre(&g, 0x1000, 0x88be, 0, &eh, &in);
	assert_int_equal(decap(&g, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&g, &p, UMB_TUNNEL_erspan2, 0x3ff);
	assert_int_equal(p.l3_off, th + 8 + 14);
	run_patches(&g, th, bad, RTE_DIM(bad));
	/* ERSPAN header beyond the packet, beyond the contiguous bytes */
	f.n = 0;
	outer_v4(&f, 8 + 4, 0, 47);
	put16(&f, 0x1000);
	put16(&f, 0x88be);
	put32(&f, 1);
	put32(&f, 0x10000000);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	assert_int_equal(decap_n(&g, th + 6, g.n, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	/* type I: no sequence number, no header */
	f.n = 0;
	wrap_gre(&f, 0x0000, 0x88be, 0, &(struct frame){ .n = 0 }, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_erspan1, 0);
	/* ERSPAN off: GRE that is not ours */
	dc.types = UMB_DECAP_GRE | UMB_DECAP_VXLAN;
	assert_int_equal(decap(&g, &dc, &p), UMB_DECODE_not_tcp);
	dc.types = UMB_DECAP_VXLAN;
	assert_int_equal(decap(&g, &dc, &p), UMB_DECODE_not_tcp);
	assert_int_equal(decode(&g, UMB_LINK_ETHER, &p), UMB_DECODE_not_tcp);
}

static void
test_erspan3(void **state)
{
	struct frame in = { .n = 0 }, eh = { .n = 0 }, g = { .n = 0 }, f;
	struct umb_pkt p;
	const uint32_t th = 42;
	static const struct patch bad[] = {
		{ "version 1 under 0x22EB", 0, 0x10, UMB_DECODE_bad_tunnel },
		{ "T bit", 2, 0x04 | 0x00, UMB_DECODE_inner_truncated },
		{ "frame type 5", 10, 5 << 2, UMB_DECODE_bad_tunnel },
	};

	inner_v4(&in);
	/* without the subheader */
	erspan3_hdr(&eh, 2, 513, 0, 0, 0);
	wrap_gre(&g, 0x1000, 0x22eb, 0, &eh, &in);
	assert_int_equal(decap(&g, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&g, &p, UMB_TUNNEL_erspan3, 513);
	assert_int_equal(p.l3_off, th + 12 + 14);
	run_patches(&g, th, bad, RTE_DIM(bad));
	/* with the platform-specific subheader (O bit) */
	eh.n = 0;
	erspan3_hdr(&eh, 2, 514, 0, 1, 0);
	f.n = 0;
	wrap_gre(&f, 0x1000, 0x22eb, 0, &eh, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_erspan3, 514);
	assert_int_equal(p.l3_off, th + 12 + 8 + 14);
	/* O bit set, subheader missing: read as Ethernet it is misframed */
	f = g;
	f.b[th + 11] |= 1;
	assert_int_not_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	/* T bit with the subheader */
	eh.n = 0;
	erspan3_hdr(&eh, 2, 514, 1, 1, 0);
	f.n = 0;
	wrap_gre(&f, 0x1000, 0x22eb, 0, &eh, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_inner_truncated);
	/* frame type 2: IP inside */
	eh.n = 0;
	erspan3_hdr(&eh, 2, 7, 0, 0, 2);
	in.n = 0;
	inner_v6_ip(&in);
	f.n = 0;
	wrap_gre(&f, 0x1000, 0x22eb, 0, &eh, &in);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
	check_inner_hello(&f, &p, UMB_TUNNEL_erspan3, 7);
	/* header cut by the packet's end */
	f.n = 0;
	outer_v4(&f, 8 + 8, 0, 47);
	put16(&f, 0x1000);
	put16(&f, 0x22eb);
	put32(&f, 1);
	put32(&f, 0x20000000);
	put32(&f, 0);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
}

/* Ethernet over GRE with every combination of C, K and S. */
static void
test_gre_eth(void **state)
{
	struct frame in = { .n = 0 }, g = { .n = 0 }, f;
	const struct frame none = { .n = 0 };
	struct umb_decap_conf dc = dc_auto;
	struct umb_pkt p;
	const uint32_t gre = 34;

	inner_v4(&in);
	for (unsigned int m = 0; m < 8; m++) {
		uint16_t flags = (uint16_t)((m & 1 ? 0x8000 : 0) |
				(m & 2 ? 0x2000 : 0) | (m & 4 ? 0x1000 : 0));
		uint32_t words = (m & 1) + !!(m & 2) + !!(m & 4);

		f.n = 0;
		wrap_gre(&f, flags, 0x6558, 0xfeedf00d, &none, &in);
		assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_tcp);
		check_inner_hello(&f, &p, UMB_TUNNEL_gre_eth,
			m & 2 ? 0xfeedf00d : 0);
		assert_int_equal(p.l3_off, gre + 4 + 4 * words + 14);
		/* the optional words beyond the packet */
		f.b[17] = (uint8_t)(20 + 4 + 4 * words - 1);
		if (words)
			assert_int_equal(decap(&f, &dc_auto, &p),
				UMB_DECODE_bad_tunnel);
	}
	wrap_gre(&g, 0x3000, 0x6558, 1, &none, &in);
	/* routing, strict source route, recursion, version 1 */
	{
		static const uint16_t bad[] = { 0x4000, 0x0800, 0x0100, 0x0001 };

		for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
			f = g;
			f.b[gre] |= (uint8_t)(bad[i] >> 8);
			f.b[gre + 1] |= (uint8_t)bad[i];
			assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
		}
	}
	/* an unknown GRE protocol (IP over GRE) */
	f = g;
	f.b[gre + 2] = 0x08;
	f.b[gre + 3] = 0x00;
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	/* GRE header cut by the packet, by the contiguous bytes */
	f.n = 0;
	outer_v4(&f, 2, 0, 47);
	put16(&f, 0);
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_bad_tunnel);
	assert_int_equal(decap_n(&g, gre + 6, g.n, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	assert_int_equal(decap_n(&g, gre + 2, g.n, &dc_auto, &p),
		UMB_DECODE_tunnel_truncated);
	/* decap without gre: ERSPAN only */
	dc.types = UMB_DECAP_ERSPAN;
	assert_int_equal(decap(&g, &dc, &p), UMB_DECODE_not_tcp);
	/* GRE fragments */
	f = g;
	f.b[20] = 0x20;
	assert_int_equal(decap(&f, &dc_auto, &p), UMB_DECODE_outer_fragment);
	dc.types = UMB_DECAP_VXLAN;
	assert_int_equal(decap(&f, &dc, &p), UMB_DECODE_ip_fragment);
}

/* A plain frame decodes the same with and without decapsulation. */
static void
test_plain_frames_unchanged(void **state)
{
	struct frame f = { .n = 0 };
	struct umb_pkt a, b;

	build_ether_v4(&f, 0, 6);
	assert_int_equal(decode(&f, UMB_LINK_ETHER, &a), UMB_DECODE_tcp);
	assert_int_equal(decap(&f, &dc_auto, &b), UMB_DECODE_tcp);
	assert_memory_equal(&a, &b, offsetof(struct umb_pkt, tunnel_id) + 4);
	assert_int_equal(b.tunnel_type, UMB_TUNNEL_none);
	assert_int_equal(b.tunnel_id, 0);
	/* a plain UDP packet (DNS) is not_tcp either way */
	f.n = 0;
	put_ether(&f, 0x0800);
	put_ipv4(&f, 5, 28, 0, 17);
	put32(&f, 0x00350035);
	put32(&f, 0x00080000);
	assert_int_equal(decap(&f, &dc_auto, &b), UMB_DECODE_not_tcp);
}

/* ---- real captures ---- */

struct pcap_expect {
	const char *file;
	int dlt;
	unsigned int tcp;        /* tshark -r FILE -Y tcp | wc -l */
	uint64_t payload_bytes;  /* sum of tshark -T fields -e tcp.len */
	unsigned int v6;
};

static void
decode_pcap(const struct pcap_expect *e)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int tcp = 0, v6 = 0, total = 0;
	uint64_t bytes = 0;
	struct umb_pkt p;
	pcap_t *pc;
	int link, rc;

	pc = pcap_open_offline(e->file, err);
	if (pc == NULL) {
		print_message("cannot open %s: %s\n", e->file, err);
		fail();
	}
	assert_int_equal(pcap_datalink(pc), e->dlt);
	link = umb_link_from_dlt(pcap_datalink(pc));
	assert_true(link >= 0);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		int warn = 0;

		total++;
		if (umb_decode(data, h->caplen, h->caplen, (enum umb_link)link,
				&p, &warn) != UMB_DECODE_tcp)
			continue;
		tcp++;
		v6 += p.af == 6;
		bytes += p.payload_len;
		assert_int_equal(warn, 0);
		assert_true(p.payload_off + p.payload_len <= h->caplen);
	}
	assert_int_equal(rc, PCAP_ERROR_BREAK);
	pcap_close(pc);
	assert_int_equal(tcp, e->tcp);
	assert_int_equal(total, e->tcp);
	assert_int_equal(v6, e->v6);
	assert_true(bytes == e->payload_bytes);
}

static void
test_pcap_ether_http_get(void **state)
{
	/*
	 * tshark -r zeek__http__get.pcap -Y tcp | wc -l -> 14
	 * tshark -r zeek__http__get.pcap -T fields -e tcp.len, summed -> 5143
	 */
	static const struct pcap_expect e = {
		PCAP_DIR "zeek__http__get.pcap", 1, 14, 5143, 0,
	};

	decode_pcap(&e);
}

static void
test_pcap_sll2(void **state)
{
	/*
	 * tshark -r sv__decode-sll2-02__input.pcap -Y tcp | wc -l -> 159
	 * tcp.len summed -> 2598957 (GRO-sized segments on ifb0)
	 */
	static const struct pcap_expect e = {
		PCAP_DIR "sv__decode-sll2-02__input.pcap", 276, 159, 2598957, 0,
	};

	decode_pcap(&e);
}

static void
test_pcap_null_ipv6(void **state)
{
	/*
	 * tshark -r sv__http-ipv6__input.pcap -Y tcp | wc -l -> 14
	 * tcp.len summed -> 791; DLT_NULL with macOS AF_INET6 (30)
	 */
	static const struct pcap_expect e = {
		PCAP_DIR "sv__http-ipv6__input.pcap", 0, 14, 791, 14,
	};

	decode_pcap(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dlt_mapping),
		cmocka_unit_test(test_counter_group),
		cmocka_unit_test(test_ether_ipv4_literal_frame),
		cmocka_unit_test(test_ether_ipv6),
		cmocka_unit_test(test_vlan_8021q),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_null_families_both_orders),
		cmocka_unit_test(test_loop_network_order),
		cmocka_unit_test(test_sll),
		cmocka_unit_test(test_sll2),
		cmocka_unit_test(test_raw_v4_and_v6),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_ip_fragment),
		cmocka_unit_test(test_ipv6_fragment_header),
		cmocka_unit_test(test_truncated_l2),
		cmocka_unit_test(test_too_many_vlans),
		cmocka_unit_test(test_truncated_ip),
		cmocka_unit_test(test_bad_ip_version),
		cmocka_unit_test(test_bad_ip_hlen),
		cmocka_unit_test(test_bad_ip_len),
		cmocka_unit_test(test_bad_ipv6_ext),
		cmocka_unit_test(test_truncated_tcp),
		cmocka_unit_test(test_bad_tcp_hlen),
		cmocka_unit_test(test_bad_tcp_options),
		cmocka_unit_test(test_unknown_link),
		cmocka_unit_test(test_ipv4_options_skipped),
		cmocka_unit_test(test_ipv6_hop_by_hop_and_dest_options),
		cmocka_unit_test(test_ethernet_padding_not_payload),
		cmocka_unit_test(test_tcp_options_syn),
		cmocka_unit_test(test_tcp_options_sack_and_wscale_cap),
		cmocka_unit_test(test_tcp_options_stop_at_eol),
		cmocka_unit_test(test_payload_beyond_avail),
		cmocka_unit_test(test_endpoint_str),
		cmocka_unit_test(test_tunnel_counter_group),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_vxlan_lengths),
		cmocka_unit_test(test_inner_truncated),
		cmocka_unit_test(test_outer_fragment),
		cmocka_unit_test(test_vxlan_ipv6_outer),
		cmocka_unit_test(test_vlan_outer_and_inner),
		cmocka_unit_test(test_geneve_options),
		cmocka_unit_test(test_geneve_ip_inside),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_erspan2),
		cmocka_unit_test(test_erspan3),
		cmocka_unit_test(test_gre_eth),
		cmocka_unit_test(test_plain_frames_unchanged),
		cmocka_unit_test(test_pcap_ether_http_get),
		cmocka_unit_test(test_pcap_sll2),
		cmocka_unit_test(test_pcap_null_ipv6),
	};

	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
