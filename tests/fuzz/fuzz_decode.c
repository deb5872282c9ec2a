/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for umb_decode() and umb_decode_tap(). Input: byte 0
 * picks the link type (mod UMB_LINK_MAX) and, divided by UMB_LINK_MAX, the
 * decapsulation settings (0: the defaults, every encapsulation; else bits
 * 0-3 the encapsulations, bit 4 decap_key inner, bit 5 the VXLAN and GENEVE
 * ports swapped); byte 1 is the number of bytes cut from the end of the
 * contiguous area (avail), the rest is the frame. The contiguous bytes are
 * copied to a heap block of exactly avail bytes, so that any read past avail
 * is an ASan report. After a tcp result the offsets and lengths must be
 * consistent, and decoding with the whole frame contiguous must give the
 * same segment; a segment of a frame that is not encapsulated must be the
 * one umb_decode() gives; a violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "umb_packet.h"

#define TS_SENTINEL 0x0123456789abcdefULL

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_tcp(const struct umb_pkt *p, uint32_t avail, uint32_t frame_len,
		enum umb_link link, const struct umb_decap_conf *dc, int warn)
{
	char buf[64];
	int n;

	check((uint64_t)p->payload_off + p->payload_len <= frame_len);
	check(p->l3_off < p->l4_off);
	check(p->l4_off < p->payload_off);
	check(p->payload_off - p->l4_off >= 20);
	check(p->payload_off - p->l4_off <= 60);
	/* every header byte was within the contiguous area */
	check(p->payload_off <= avail);
	check(p->af == 4 || p->af == 6);
	if (p->af == 4) {
		check(p->l4_off - p->l3_off >= 20);
		check(p->l4_off - p->l3_off <= 60);
		check(p->src.w[1] == 0 && p->src.w[2] == 0 && p->src.w[3] == 0);
		check(p->dst.w[1] == 0 && p->dst.w[2] == 0 && p->dst.w[3] == 0);
	} else {
		check(p->l4_off - p->l3_off >= 40);
	}
	check(p->nb_vlan <= 2);
	check(p->tunnel_type < UMB_TUNNEL_MAX);
	if (p->tunnel_type == UMB_TUNNEL_none) {
		check(p->tunnel_id == 0);
		if (link != UMB_LINK_ETHER)
			check(p->nb_vlan == 0);
		check(p->l3_off == (link == UMB_LINK_ETHER ? 14u + 4u * p->nb_vlan :
			link == UMB_LINK_SLL ? 16u : link == UMB_LINK_SLL2 ? 20u :
			link == UMB_LINK_RAW ? 0u : 4u));
	} else {
		/* some outer IP header (20), UDP/GRE (4) and tunnel came first */
		check(dc != NULL && dc->types != 0);
		check(p->l3_off >= 24);
		if (dc->key == UMB_DECAP_KEY_INNER)
			check(p->tunnel_id == 0);
		if (p->tunnel_type == UMB_TUNNEL_vxlan ||
				p->tunnel_type == UMB_TUNNEL_geneve)
			check(p->tunnel_id < (1u << 24));
		if (p->tunnel_type == UMB_TUNNEL_erspan2 ||
				p->tunnel_type == UMB_TUNNEL_erspan3)
			check(p->tunnel_id < 1024);
		if (p->tunnel_type == UMB_TUNNEL_erspan1)
			check(p->tunnel_id == 0);
	}
	check((p->tcp_flags & ~0x3f) == 0);
	check((p->opt_flags & ~0x1f) == 0);
	check(p->wscale <= 14);
	if (!(p->opt_flags & UMB_OPT_WSCALE))
		check(p->wscale == 0);
	if (!(p->opt_flags & UMB_OPT_MSS))
		check(p->mss == 0);
	if (!(p->opt_flags & UMB_OPT_TS))
		check(p->tsval == 0 && p->tsecr == 0);
	if (warn)
		check(p->opt_flags == 0);
	check(p->pad[0] == 0);
	check(p->ts_us == TS_SENTINEL);

	n = umb_pkt_endpoint_str(p, 0, buf, sizeof(buf));
	check(n > 0 && (size_t)n < sizeof(buf) && strlen(buf) == (size_t)n);
	n = umb_pkt_endpoint_str(p, 1, buf, sizeof(buf));
	check(n > 0 && (size_t)n < sizeof(buf) && strlen(buf) == (size_t)n);
}

static enum umb_decode_result
run(const uint8_t *frame, uint32_t avail, uint32_t frame_len,
		enum umb_link link, const struct umb_decap_conf *dc,
		struct umb_pkt *p, int *warn)
{
	enum umb_decode_result r;
	uint8_t *blk = malloc(avail ? avail : 1);

	if (blk == NULL)
		abort();
	memcpy(blk, frame, avail);
	memset(p, 0x5a, sizeof(*p));
	p->ts_us = TS_SENTINEL;
	*warn = 0;
	if (dc == NULL)
		r = umb_decode(blk, avail, frame_len, link, p, warn);
	else
		r = umb_decode_tap(blk, avail, frame_len, link, dc, p, warn);
	free(blk);
	check((unsigned int)r < UMB_DECODE_MAX);
	check(r != UMB_DECODE_bad_tcp_options);
	check(*warn == 0 || r == UMB_DECODE_tcp);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct umb_decap_conf dc = UMB_DECAP_CONF_DEFAULT;
	enum umb_decode_result r, r_full, r_plain;
	struct umb_pkt p, p_full, p_plain;
	uint32_t frame_len, avail, cut;
	enum umb_link link;
	unsigned int v;
	int warn, warn_full, warn_plain;

	if (size < 2 || size > 0x10000)
		return 0;
	link = (enum umb_link)(data[0] % UMB_LINK_MAX);
	v = data[0] / UMB_LINK_MAX;
	if (v != 0) {
		dc.types = (uint8_t)(v & UMB_DECAP_ALL);
		dc.key = v & 0x10 ? UMB_DECAP_KEY_INNER : UMB_DECAP_KEY_SESSION;
		if (v & 0x20) {
			dc.vxlan_port = UMB_GENEVE_PORT;
			dc.geneve_port = UMB_VXLAN_PORT;
		}
	}
	frame_len = (uint32_t)(size - 2);
	cut = data[1] < frame_len ? data[1] : frame_len;
	avail = frame_len - cut;

	r = run(data + 2, avail, frame_len, link, &dc, &p, &warn);
	r_plain = run(data + 2, avail, frame_len, link, NULL, &p_plain,
		&warn_plain);
	/* a whole TCP segment is one with or without decapsulation */
	if (r_plain == UMB_DECODE_tcp) {
		check(r == UMB_DECODE_tcp);
		check(warn == warn_plain);
		check(memcmp(&p, &p_plain, sizeof(p)) == 0);
	}
	/* the tunnel results only come from decapsulation */
	check(r_plain < UMB_DECODE_tunnel_truncated);
	if (dc.types == 0)
		check(r == r_plain);
	if (r != UMB_DECODE_tcp)
		return 0;
	check_tcp(&p, avail, frame_len, link, &dc, warn);
	if (r_plain == UMB_DECODE_tcp)
		check_tcp(&p_plain, avail, frame_len, link, NULL, warn_plain);

	/* more contiguous bytes cannot change a segment already decoded */
	if (avail != frame_len) {
		r_full = run(data + 2, frame_len, frame_len, link, &dc, &p_full,
			&warn_full);
		check(r_full == UMB_DECODE_tcp);
		check(warn_full == warn);
		check(memcmp(&p, &p_full, sizeof(p)) == 0);
	}
	return 0;
}
