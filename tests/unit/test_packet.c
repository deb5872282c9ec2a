/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests of the frame decoder. Frames are built byte by byte for every
 * link type and every decode result; each frame is copied to the end of a
 * heap block of exactly avail bytes (at an odd address), so that a read past
 * avail trips ASan and an unaligned wide load trips UBSan. Real captures from
 * /work/shared/pcaps check the decoder against tshark's view.
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
	assert_int_equal(p.pad[1], 0);
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
		cmocka_unit_test(test_pcap_ether_http_get),
		cmocka_unit_test(test_pcap_sll2),
		cmocka_unit_test(test_pcap_null_ipv6),
	};

	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
