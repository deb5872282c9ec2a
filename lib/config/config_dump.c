/* SPDX-License-Identifier: BSD-3-Clause
 * The effective configuration as INI text (--check-config): the [launch]
 * section with every default, then each port's sections under a comment
 * naming its file. Secrets are never printed (the Redis URL is masked).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "config_file.h"

/* ---- the effective configuration -------------------------------------- */

static void
print_fixed(FILE *fp, uint64_t v, unsigned int decimals)
{
	char buf[32];

	fprintf(fp, "%s\n", umb_cfgf_fixed_str(buf, sizeof(buf), v, decimals));
}

static void
print_mac(FILE *fp, const char *key, const struct rte_ether_addr *ea)
{
	char s[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(s, sizeof(s), ea);
	fprintf(fp, "%s = %s\n", key, s);
}

static void
print_ip(FILE *fp, const char *key, int af, const void *a)
{
	char s[INET6_ADDRSTRLEN];

	if (inet_ntop(af, a, s, sizeof(s)) == NULL)
		snprintf(s, sizeof(s), "?");
	fprintf(fp, "%s = %s\n", key, s);
}

static void
dump_decap(const struct umb_port_conf *p, FILE *fp)
{
	static const char *const names[] = { "vxlan", "geneve", "erspan", "gre" };
	const char *sep = "";

	fprintf(fp, "decap = ");
	if (p->decap == UMB_CONFIG_DECAP_AUTO)
		fprintf(fp, "auto");
	else if (p->decap == 0)
		fprintf(fp, "none");
	for (unsigned int i = 0; p->decap != UMB_CONFIG_DECAP_AUTO &&
			i < RTE_DIM(names); i++) {
		if (p->decap & (1u << i)) {
			fprintf(fp, "%s%s", sep, names[i]);
			sep = ",";
		}
	}
	fprintf(fp, "\nvxlan_port = %u\ngeneve_port = %u\ndecap_key = %s\n",
			p->vxlan_port, p->geneve_port,
			p->decap_key_inner ? "inner" : "session");
}

static void
dump_port(const struct umb_port_conf *p, FILE *fp)
{
	fprintf(fp, "\n; port file %s\n[port]\n", p->file);
	fprintf(fp, "name = %s\nrole = %s\ndevargs = %s\n", p->name,
			umb_port_role_name(p->role), p->devargs);
	fprintf(fp, "rx_desc = %u\ntx_desc = %u\nmtu = %u\n", p->rx_desc, p->tx_desc,
			p->mtu);
	if (p->role != UMB_PORT_SHADOW) {
		dump_decap(p, fp);
		return;
	}
	fprintf(fp, "[shadow]\n");
	if (p->has_mac)
		print_mac(fp, "mac", &p->mac);
	else
		fprintf(fp, "; mac: the port's own MAC\n");
	if (p->has_ipv4) {
		print_ip(fp, "ipv4", AF_INET, &p->ipv4);
		if (p->target_ipv4_keep)
			fprintf(fp, "target_ipv4 = keep\n");
		else
			print_ip(fp, "target_ipv4", AF_INET, &p->target_ipv4);
	}
	if (p->has_ipv6) {
		print_ip(fp, "ipv6", AF_INET6, p->ipv6);
		if (p->target_ipv6_keep)
			fprintf(fp, "target_ipv6 = keep\n");
		else
			print_ip(fp, "target_ipv6", AF_INET6, p->target_ipv6);
	}
	if (p->target_port == 0)
		fprintf(fp, "target_port = keep\n");
	else
		fprintf(fp, "target_port = %u\n", p->target_port);
	if (p->next_hop_resolve)
		fprintf(fp, "next_hop_mac = resolve\n");
	else
		print_mac(fp, "next_hop_mac", &p->next_hop_mac);
	fprintf(fp, "vlan = %u\nsrc_port_min = %u\nsrc_port_max = %u\n", p->vlan,
			p->src_port_min, p->src_port_max);
}

void
umb_config_dump(const struct umb_launch_conf *c, FILE *fp)
{
	if (c == NULL || fp == NULL)
		return;
	fprintf(fp, "; effective configuration of %s (defaults filled in)\n[launch]\n",
			c->file);
	fprintf(fp, "ports = ");
	for (unsigned int i = 0; i < c->nb_ports; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "", c->ports[i].file);
	fprintf(fp, "\nsample_share = ");
	print_fixed(fp, c->sample_share_ppm, 4);
	fprintf(fp, "sample_seed = %" PRIu64 "\n", c->sample_seed);
	fprintf(fp, "record_unsampled = %s\nmethods = ", c->record_unsampled ? "yes" : "no");
	for (unsigned int i = 0; i < c->nb_methods; i++)
		fprintf(fp, "%s%s", i > 0 ? "," : "", c->methods[i]);
	fprintf(fp, "\nmax_sessions = %u\nnew_sessions_per_sec = %u\nsession_burst = %u\n",
			c->max_sessions, c->new_sessions_per_sec, c->session_burst);
	fprintf(fp, "held_bytes_per_session = %u\n", c->held_bytes_per_session);
	fprintf(fp, "shadow_queue_max = %u\n", c->shadow_queue_max);
	fprintf(fp, "shadow_response_timeout = ");
	print_fixed(fp, c->shadow_response_timeout_us, 6);
	fprintf(fp, "shadow_idle_timeout = ");
	print_fixed(fp, c->shadow_idle_timeout_us, 6);
	fprintf(fp, "flow_idle_timeout = ");
	print_fixed(fp, c->flow_idle_timeout_us, 6);
	fprintf(fp, "max_flows = %u\n", c->max_flows);
	if (c->exchanges[0] != '\0')
		fprintf(fp, "exchanges = %s\n", c->exchanges);
	else
		fprintf(fp, "; exchanges: none\n");
	if (c->summary_json[0] != '\0')
		fprintf(fp, "summary_json = %s\n", c->summary_json);
	else
		fprintf(fp, "; summary_json: none\n");
	if (c->compare[0] != '\0')
		fprintf(fp, "compare = %s\n", c->compare);
	else
		fprintf(fp, "; compare: default rules\n");
	fprintf(fp, "compare_body_max = %u\ncompare_memcap_mb = %u\n",
			c->compare_body_max, c->compare_memcap_mb);
	if (c->metrics.enabled) {
		char l[INET6_ADDRSTRLEN + 16];

		fprintf(fp, "metrics = %s\n", umb_config_listen_str(&c->metrics, l,
				sizeof(l)));
	} else {
		fprintf(fp, "; metrics: off\n");
	}
	if (c->redis.enabled) {
		char r[UMB_CONFIG_REDIS_HOST_LEN + 64];

		fprintf(fp, "redis = %s\n", umb_config_redis_str(&c->redis, r, sizeof(r)));
	} else {
		fprintf(fp, "; redis: off (no fleet store)\n");
	}
	if (c->redis_password_file[0] != '\0')
		fprintf(fp, "redis_password_file = %s\n", c->redis_password_file);
	fprintf(fp, "launch = %s\n", c->launch);
	if (c->roles[0] != '\0')
		fprintf(fp, "roles = %s\n", c->roles);
	else
		fprintf(fp, "; roles: the application's default lcore map\n");
	for (unsigned int i = 0; i < c->nb_ports; i++)
		dump_port(&c->ports[i], fp);
}

const char *
umb_port_role_name(enum umb_port_role role)
{
	switch (role) {
	case UMB_PORT_TAP: return "tap";
	case UMB_PORT_SHADOW: return "shadow";
	}
	return "?";
}
