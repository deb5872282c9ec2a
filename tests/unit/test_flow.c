/* SPDX-License-Identifier: BSD-3-Clause
 * Flow key, hashes, sampling and the flow table; the tunnel session in
 * the key (decap_key session and inner), from decapsulated frames.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_random.h>

#include "test_eal.h"
#include "umb_flow.h"

static struct umb_pkt
pkt4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct umb_pkt p;

	memset(&p, 0, sizeof(p));
	p.af = 4;
	memcpy(p.src.b, &src, 4);
	memcpy(p.dst.b, &dst, 4);
	p.sport = sport;
	p.dport = dport;
	return p;
}

static struct umb_pkt
reverse(const struct umb_pkt *p)
{
	struct umb_pkt r = *p;

	r.src = p->dst;
	r.dst = p->src;
	r.sport = p->dport;
	r.dport = p->sport;
	return r;
}

/* IPv6: the register hash equals the key's hash, both directions, also
 * with equal addresses (ports decide) or addresses equal in one word. */
static void
ipv6_packet_hash_is_the_key_hash(void **state)
{
	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct umb_pkt a, b;
		struct umb_flow_key ka;
		uint64_t w[4] = { rte_rand(), rte_rand(), rte_rand(), rte_rand() };

		memset(&a, 0, sizeof(a));
		a.af = 6;
		if (i % 3 == 1)
			w[2] = w[0];            /* first words equal */
		else if (i % 3 == 2)
			memcpy(&w[2], &w[0], 16); /* same address, ports decide */
		memcpy(a.src.b, &w[0], 16);
		memcpy(a.dst.b, &w[2], 16);
		a.sport = (uint16_t)rte_rand();
		a.dport = (uint16_t)rte_rand();
		b = reverse(&a);
		umb_flow_key_make(&ka, &a);
		assert_int_equal(umb_flow_pkt_hash(&a), umb_flow_hash(&ka));
		assert_int_equal(umb_flow_pkt_hash(&b), umb_flow_hash(&ka));
	}
}

static void
key_is_symmetric(void **state)
{
	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct umb_pkt a = pkt4((uint32_t)rte_rand(), (uint16_t)rte_rand(),
				(uint32_t)rte_rand(), (uint16_t)rte_rand());
		struct umb_pkt b = reverse(&a);
		struct umb_flow_key ka, kb;
		int sa = umb_flow_key_make(&ka, &a);
		int sb = umb_flow_key_make(&kb, &b);

		assert_memory_equal(&ka, &kb, sizeof(ka));
		assert_int_equal(umb_flow_hash(&ka), umb_flow_hash(&kb));
		assert_int_equal(umb_flow_pkt_hash(&a), umb_flow_pkt_hash(&b));
		/* the register path hashes exactly the key */
		assert_int_equal(umb_flow_pkt_hash(&a), umb_flow_hash(&ka));
		/* the sender index flips with the direction */
		if (memcmp(&a.src, &a.dst, sizeof(a.src)) != 0 || a.sport != a.dport)
			assert_int_not_equal(sa, sb);
	}
}

static void
same_address_pair_different_ports(void **state)
{
	struct umb_pkt a = pkt4(0x0100007f, 40000, 0x0100007f, 80);
	struct umb_pkt b = reverse(&a);
	struct umb_flow_key ka, kb;

	(void)state;
	assert_int_equal(umb_flow_key_make(&ka, &a), 1);
	assert_int_equal(umb_flow_key_make(&kb, &b), 0);
	assert_memory_equal(&ka, &kb, sizeof(ka));
}

/* The share picks about share% of flows: within 5 sigma of the binomial. */
static void
sampling_fraction_is_binomial(void **state)
{
	const int n = 200000;
	const uint32_t shares[] = { 1000, 100000, 500000, 999000 };

	(void)state;
	for (unsigned int s = 0; s < RTE_DIM(shares); s++) {
		int picked = 0;

		for (int i = 0; i < n; i++) {
			struct umb_pkt p = pkt4(0x0a000000 + (uint32_t)i, (uint16_t)(1024 + i % 60000),
					0x0a0000fe, 80);
			struct umb_flow_key k;

			umb_flow_key_make(&k, &p);
			picked += umb_flow_sampled(umb_flow_sample_hash(&k, 7), shares[s]);
		}
		double pr = shares[s] / (double)UMB_SHARE_ONE;
		double mean = n * pr, sd = sqrt(n * pr * (1 - pr));

		assert_true(fabs(picked - mean) <= 5 * sd);
	}
}

/* Sample hashes spread evenly: chi-square over 100 buckets. */
static void
sampling_hash_is_uniform(void **state)
{
	enum { BUCKETS = 100, N = 100000 };
	unsigned int count[BUCKETS] = { 0 };
	double chi2 = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		struct umb_pkt p = pkt4(0xc0a80000 + (uint32_t)(i / 1000), (uint16_t)(30000 + i % 1000),
				0xc0a800fe, 443);
		struct umb_flow_key k;

		umb_flow_key_make(&k, &p);
		count[umb_flow_sample_ppm(umb_flow_sample_hash(&k, 1)) * BUCKETS / UMB_SHARE_ONE]++;
	}
	for (int b = 0; b < BUCKETS; b++) {
		double d = count[b] - (double)N / BUCKETS;

		chi2 += d * d / ((double)N / BUCKETS);
	}
	/* 99 degrees of freedom: p = 0.001 critical value is about 148. */
	assert_true(chi2 < 148.0);
}

/* Sampling is independent of the lcore a flow is sharded to: each of 2 and
 * 3 lcores gets its share of sampled flows (5 sigma), and the table hash is
 * the plain CRC32C of the key. */
static void
sampling_is_independent_of_the_shard(void **state)
{
	enum { N = 120000 };
	const uint32_t share = 100000;

	(void)state;
	for (unsigned int nb = 2; nb <= 3; nb++) {
		unsigned int flows[3] = { 0 }, picked[3] = { 0 };

		for (int i = 0; i < N; i++) {
			struct umb_pkt p = pkt4(0x0a000000 + (uint32_t)(i / 500),
					(uint16_t)(20000 + i % 500), 0x0a0000fe, 80);
			struct umb_flow_key k;
			uint64_t w[6];
			uint32_t h;
			unsigned int sh;

			umb_flow_key_make(&k, &p);
			h = umb_flow_hash(&k);
			memcpy(w, &k, sizeof(w));
			assert_int_equal(h, rte_hash_crc(w, sizeof(w), 0x756d6272));
			sh = umb_flow_shard(h, nb);
			assert_true(sh < nb);
			flows[sh]++;
			picked[sh] += umb_flow_sampled(umb_flow_sample_hash(&k, 3), share);
		}
		for (unsigned int s = 0; s < nb; s++) {
			double pr = share / (double)UMB_SHARE_ONE;
			double mean = flows[s] * pr, sd = sqrt(flows[s] * pr * (1 - pr));

			assert_true(fabs(flows[s] - (double)N / nb) < 5 * sqrt((double)N / nb));
			assert_true(fabs(picked[s] - mean) <= 5 * sd);
		}
	}
}

/* Raising the share keeps every flow a lower share picked. */
static void
sampling_is_monotone(void **state)
{
	(void)state;
	for (int i = 0; i < 50000; i++) {
		struct umb_pkt p = pkt4((uint32_t)rte_rand(), (uint16_t)rte_rand(),
				(uint32_t)rte_rand(), 80);
		struct umb_flow_key k;
		uint64_t h;

		umb_flow_key_make(&k, &p);
		h = umb_flow_sample_hash(&k, 42);
		if (umb_flow_sampled(h, 100000))
			assert_true(umb_flow_sampled(h, 500000));
		if (umb_flow_sampled(h, 500000))
			assert_true(umb_flow_sampled(h, UMB_SHARE_ONE));
		assert_false(umb_flow_sampled(h, 0));
	}
}

static void
seed_changes_the_sample(void **state)
{
	int differ = 0;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		struct umb_pkt p = pkt4(0x0a000001 + (uint32_t)i, 5555, 0x0a0000fe, 80);
		struct umb_flow_key k;

		umb_flow_key_make(&k, &p);
		differ += umb_flow_sampled(umb_flow_sample_hash(&k, 1), 500000) !=
			umb_flow_sampled(umb_flow_sample_hash(&k, 2), 500000);
	}
	assert_true(differ > 300 && differ < 700);
}

struct table_fixture {
	struct umb_flow_table *t;
};

static struct umb_flow_key
key_n(uint32_t n)
{
	struct umb_pkt p = pkt4(0x0a000000 + n, (uint16_t)(1000 + n % 50000), 0x0a0000fe, 80);
	struct umb_flow_key k;

	umb_flow_key_make(&k, &p);
	return k;
}

/* Flow ids: id_first + k * id_step, so tables of several lcores never
 * share one; the default is 1, 2, 3... */
static void
flow_ids_follow_first_and_step(void **state)
{
	struct umb_flow_table_params tp = { .name = "t_ids", .max_flows = 16,
		.data_size = 8, .socket_id = 0, .id_first = 2, .id_step = 3 };
	struct umb_flow_table_params td = { .name = "t_idd", .max_flows = 16,
		.data_size = 8, .socket_id = 0 };
	struct umb_flow_table *t = umb_flow_table_create(&tp);
	struct umb_flow_table *d = umb_flow_table_create(&td);

	(void)state;
	assert_non_null(t);
	assert_non_null(d);
	for (uint32_t i = 0; i < 4; i++) {
		struct umb_flow_key k = key_n(i);

		assert_int_equal(umb_flow_insert(t, &k, umb_flow_hash(&k), 0)->id, 2 + 3 * i);
		assert_int_equal(umb_flow_insert(d, &k, umb_flow_hash(&k), 0)->id, 1 + i);
	}
	umb_flow_table_free(t);
	umb_flow_table_free(d);
}

static void
table_insert_lookup_remove(void **state)
{
	static struct table_fixture fx;
	struct umb_flow_table_params tp = { .name = "t_ilr", .max_flows = 1024,
		.data_size = 100, .socket_id = 0 };
	struct umb_flow_key k;

	(void)state;
	fx.t = umb_flow_table_create(&tp);
	assert_non_null(fx.t);
	for (uint32_t i = 0; i < 1024; i++) {
		k = key_n(i);
		struct umb_flow *f = umb_flow_insert(fx.t, &k, umb_flow_hash(&k), i);

		assert_non_null(f);
		f->data[0] = (uint8_t)i;
	}
	assert_int_equal(umb_flow_table_count(fx.t), 1024);
	/* Full: the next insert fails with ENOSPC, nothing is overwritten. */
	k = key_n(5000);
	assert_null(umb_flow_insert(fx.t, &k, umb_flow_hash(&k), 1));
	for (uint32_t i = 0; i < 1024; i++) {
		k = key_n(i);
		struct umb_flow *f = umb_flow_lookup(fx.t, &k, umb_flow_hash(&k));

		assert_non_null(f);
		assert_int_equal(f->data[0], (uint8_t)i);
		assert_int_equal(f->first_us, i);
	}
	k = key_n(17);
	umb_flow_remove(fx.t, umb_flow_lookup(fx.t, &k, umb_flow_hash(&k)));
	assert_null(umb_flow_lookup(fx.t, &k, umb_flow_hash(&k)));
	assert_int_equal(umb_flow_table_count(fx.t), 1023);
	k = key_n(5000);
	assert_non_null(umb_flow_insert(fx.t, &k, umb_flow_hash(&k), 1));
	umb_flow_table_free(fx.t);
}

/* The eviction candidate is the oldest of those sampled; with 64 samples
 * of 256 flows aged 0..255 it is nearly always among the oldest few. */
static void
evict_candidate_is_old(void **state)
{
	static struct table_fixture fx;
	struct umb_flow_table_params tp = { .name = "t_ev", .max_flows = 256,
		.data_size = 0, .socket_id = 0 };
	uint64_t worst = 0;

	(void)state;
	fx.t = umb_flow_table_create(&tp);
	assert_non_null(fx.t);
	for (uint32_t i = 0; i < 256; i++) {
		struct umb_flow_key k = key_n(i);

		umb_flow_insert(fx.t, &k, umb_flow_hash(&k), 0)->last_us = i;
	}
	for (int r = 0; r < 100; r++) {
		struct umb_flow *f = umb_flow_table_evict_candidate(fx.t, 64);

		assert_non_null(f);
		if (f->last_us > worst)
			worst = f->last_us;
	}
	assert_true(worst < 40);
	umb_flow_table_free(fx.t);
}

static int
remove_odd(void *arg, struct umb_flow *f)
{
	(*(unsigned int *)arg)++;
	return f->first_us & 1;
}

/* A scan visits at most max_visit entries and resumes where it stopped. */
static void
scan_is_bounded_and_resumes(void **state)
{
	static struct table_fixture fx;
	struct umb_flow_table_params tp = { .name = "t_scan", .max_flows = 512,
		.data_size = 8, .socket_id = 0 };
	unsigned int visited = 0, removed = 0;

	(void)state;
	fx.t = umb_flow_table_create(&tp);
	assert_non_null(fx.t);
	for (uint32_t i = 0; i < 512; i++) {
		struct umb_flow_key k = key_n(i);

		assert_non_null(umb_flow_insert(fx.t, &k, umb_flow_hash(&k), i));
	}
	removed += umb_flow_table_scan(fx.t, 100, remove_odd, &visited);
	assert_int_equal(visited, 100);
	for (int i = 0; i < 10; i++)
		removed += umb_flow_table_scan(fx.t, 100, remove_odd, &visited);
	assert_int_equal(removed, 256);
	assert_int_equal(umb_flow_table_count(fx.t), 256);
	umb_flow_table_free(fx.t);
}

static void
bad_params_are_refused(void **state)
{
	struct umb_flow_table_params tp = { .name = "t_bad", .max_flows = 2,
		.data_size = 8, .socket_id = 0 };

	(void)state;
	assert_null(umb_flow_table_create(&tp));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(umb_flow_table_create(NULL));
}

/*
 * A VXLAN frame (VNI @p vni) carrying TCP 10.1.0.5:40000 -> 10.1.0.9:80,
 * or the reverse direction: written to @p b, length returned.
 */
static uint32_t
vxlan_frame(uint8_t *b, uint32_t vni, int reverse_dir)
{
	static const uint8_t head[] = {
		/* outer Ethernet, IPv4 172.16.0.1 -> 172.16.0.2, UDP -> 4789 */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 20 + 8 + 8 + 54, 0, 0, 0, 0, 64, 17, 0, 0,
		172, 16, 0, 1, 172, 16, 0, 2,
		0xd4, 0x31, 0x12, 0xb5, 0, 8 + 8 + 54, 0, 0,
		/* VXLAN: I flag, VNI patched below */
		0x08, 0, 0, 0, 0, 0, 0, 0,
		/* inner Ethernet, IPv4, TCP (ACK) */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0,
		10, 1, 0, 5, 10, 1, 0, 9,
		0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 1,
		0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0,
	};

	memcpy(b, head, sizeof(head));
	b[46] = (uint8_t)(vni >> 16);
	b[47] = (uint8_t)(vni >> 8);
	b[48] = (uint8_t)vni;
	if (reverse_dir) {
		uint8_t t[4];

		memcpy(t, b + 76, 4);          /* swap inner addresses */
		memcpy(b + 76, b + 80, 4);
		memcpy(b + 80, t, 4);
		memcpy(t, b + 84, 2);          /* and ports */
		memcpy(b + 84, b + 86, 2);
		memcpy(b + 86, t, 2);
	}
	return sizeof(head);
}

static struct umb_pkt
decap_pkt(uint32_t vni, int reverse_dir, enum umb_decap_key key)
{
	struct umb_decap_conf dc = UMB_DECAP_CONF_DEFAULT;
	uint8_t b[128];
	struct umb_pkt p;
	uint32_t n = vxlan_frame(b, vni, reverse_dir);

	dc.key = (uint8_t)key;
	memset(&p, 0, sizeof(p));
	assert_int_equal(umb_decode_tap(b, n, n, UMB_LINK_ETHER, &dc, &p, NULL),
		UMB_DECODE_tcp);
	return p;
}

/*
 * Two mirrored VPCs reusing addresses: the same inner 5-tuple under two
 * VNIs is two flows with decap_key session, one with decap_key inner;
 * symmetric either way, and the register hash is the key's hash.
 */
static void
tunnel_session_in_the_key(void **state)
{
	static const enum umb_decap_key keys[] = {
		UMB_DECAP_KEY_SESSION, UMB_DECAP_KEY_INNER,
	};

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(keys); i++) {
		struct umb_pkt a = decap_pkt(100, 0, keys[i]);
		struct umb_pkt ar = decap_pkt(100, 1, keys[i]);
		struct umb_pkt b = decap_pkt(200, 0, keys[i]);
		struct umb_pkt br = decap_pkt(200, 1, keys[i]);
		struct umb_flow_key ka, kar, kb, kbr;
		int same = keys[i] == UMB_DECAP_KEY_INNER;

		assert_int_equal(a.tunnel_id, same ? 0 : 100);
		assert_int_equal(b.tunnel_id, same ? 0 : 200);
		assert_int_not_equal(umb_flow_key_make(&ka, &a),
			umb_flow_key_make(&kar, &ar));
		umb_flow_key_make(&kb, &b);
		umb_flow_key_make(&kbr, &br);
		/* symmetric */
		assert_memory_equal(&ka, &kar, sizeof(ka));
		assert_memory_equal(&kb, &kbr, sizeof(kb));
		assert_int_equal(umb_flow_pkt_hash(&a), umb_flow_pkt_hash(&ar));
		assert_int_equal(umb_flow_pkt_hash(&b), umb_flow_pkt_hash(&br));
		assert_int_equal(umb_flow_pkt_hash(&a), umb_flow_hash(&ka));
		assert_int_equal(umb_flow_pkt_hash(&br), umb_flow_hash(&kb));
		/* two flows, or one */
		assert_int_equal(memcmp(&ka, &kb, sizeof(ka)) == 0, same);
		assert_int_equal(umb_flow_hash(&ka) == umb_flow_hash(&kb), same);
	}
}

/* The table holds the two sessions' flows apart (rte_hash compares them). */
static void
tunnel_sessions_are_two_table_entries(void **state)
{
	struct umb_flow_table_params tp = {
		.name = "t_tunnel", .max_flows = 64, .data_size = 0,
		.socket_id = 0,
	};
	struct umb_flow_table *t = umb_flow_table_create(&tp);
	struct umb_pkt a = decap_pkt(100, 0, UMB_DECAP_KEY_SESSION);
	struct umb_pkt b = decap_pkt(200, 1, UMB_DECAP_KEY_SESSION);
	struct umb_flow_key ka, kb;
	struct umb_flow *fa, *fb;

	(void)state;
	assert_non_null(t);
	umb_flow_key_make(&ka, &a);
	umb_flow_key_make(&kb, &b);
	/* force a shared hash: only the key compare tells them apart */
	fa = umb_flow_insert(t, &ka, 12345, 0);
	assert_non_null(fa);
	assert_null(umb_flow_lookup(t, &kb, 12345));
	fb = umb_flow_insert(t, &kb, 12345, 0);
	assert_non_null(fb);
	assert_ptr_not_equal(fa, fb);
	assert_ptr_equal(umb_flow_lookup(t, &ka, 12345), fa);
	assert_ptr_equal(umb_flow_lookup(t, &kb, 12345), fb);
	assert_int_equal(umb_flow_table_count(t), 2);
	umb_flow_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_is_symmetric),
		cmocka_unit_test(ipv6_packet_hash_is_the_key_hash),
		cmocka_unit_test(same_address_pair_different_ports),
		cmocka_unit_test(sampling_fraction_is_binomial),
		cmocka_unit_test(sampling_hash_is_uniform),
		cmocka_unit_test(sampling_is_independent_of_the_shard),
		cmocka_unit_test(sampling_is_monotone),
		cmocka_unit_test(seed_changes_the_sample),
		cmocka_unit_test(table_insert_lookup_remove),
		cmocka_unit_test(flow_ids_follow_first_and_step),
		cmocka_unit_test(evict_candidate_is_old),
		cmocka_unit_test(scan_is_bounded_and_resumes),
		cmocka_unit_test(bad_params_are_refused),
		cmocka_unit_test(tunnel_session_in_the_key),
		cmocka_unit_test(tunnel_sessions_are_two_table_entries),
	};

	if (umb_test_eal_init("flow") < 0)
		return 77;
	return cmocka_run_group_tests_name("flow", tests, NULL, NULL);
}
