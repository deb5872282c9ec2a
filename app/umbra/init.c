/* SPDX-License-Identifier: BSD-3-Clause
 * Start-up and shutdown: capture ports, the packet pool, the rings between
 * roles and the role contexts. Everything the data path uses is sized and
 * allocated here, once; errors unwind with goto and return -errno.
 */
#include <errno.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "umbra.h"

#define RX_DESC 1024
#define PEER_POOL 8191      /* frames toward the shadow in flight */
#define PEER_BUF_MBUFS 8192 /* send-buffer memcap per reassembly lcore (2 KiB each) */
/* Received mbufs a reassembly lcore may hold by reference for the shadow:
 * at most this, and at most a quarter of the packet pool over all lcores. */
#define PEER_REF_MBUFS 8191u

/* net_pcap hands over bare frames: the framing comes from the file. */
static int
capture_link(const char *path, uint8_t *link)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	int dlt, l;

	if (pc == NULL) {
		fprintf(stderr, "--pcap %s: %s\n", path, err);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	pcap_close(pc);
	l = umb_link_from_dlt(dlt);
	if (l < 0) {
		fprintf(stderr, "--pcap %s: link type %d (%s) is not supported\n",
				path, dlt, pcap_datalink_val_to_name(dlt) ?
				pcap_datalink_val_to_name(dlt) : "unknown");
		return -ENOTSUP;
	}
	*link = (uint8_t)l;
	return 0;
}

static int
port_start_desc(struct umb_app *app, struct umb_port *port, uint16_t rx_desc,
		uint16_t tx_desc)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port->port_id, &info);
	if (rc != 0)
		return rc;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	rc = rte_eth_dev_configure(port->port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port->port_id, 0, rx_desc,
				rte_eth_dev_socket_id(port->port_id), NULL, app->mbuf_pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port->port_id, 0, tx_desc,
				rte_eth_dev_socket_id(port->port_id), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port->port_id);
	if (rc != 0)
		fprintf(stderr, "port %s: start failed: %s\n", port->name,
				rte_strerror(-rc));
	return rc;
}

static int
port_start(struct umb_app *app, struct umb_port *port)
{
	return port_start_desc(app, port, RX_DESC, 64);
}

/* Attach a port of the launch file; its name is its devargs up to a comma. */
static int
probe_conf_port(const struct umb_port_conf *pc, uint16_t *port_id, char *name,
		size_t name_size)
{
	size_t n = strcspn(pc->devargs, ",");
	int rc;

	snprintf(name, name_size, "%.*s", (int)n, pc->devargs);
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0; /* made by EAL arguments already */
	rc = rte_dev_probe(pc->devargs);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(name, port_id);
	if (rc != 0)
		fprintf(stderr, "%s: [port] devargs '%s': cannot attach: %s\n",
				pc->file, pc->devargs, rte_strerror(-rc));
	return rc;
}

static int
init_shadow(struct umb_app *app, const struct umb_port_conf *pc,
		struct umb_port *port)
{
	struct umb_shadow_ctx *sh;
	struct umb_neigh_conf nc;
	int rc;

	sh = rte_zmalloc("umb_shadow", sizeof(*sh), RTE_CACHE_LINE_SIZE);
	if (sh == NULL)
		return -ENOMEM;
	app->shadow = sh;
	sh->app = app;
	sh->port_id = port->port_id;
	rc = rte_eth_dev_set_mtu(port->port_id, pc->mtu);
	if (rc != 0 && rc != -ENOTSUP)
		fprintf(stderr, "%s: [port] mtu %u: %s (kept the device's)\n",
				pc->file, pc->mtu, rte_strerror(-rc));
	memset(&nc, 0, sizeof(nc));
	if (pc->has_mac)
		nc.mac = pc->mac;
	else if (rte_eth_macaddr_get(port->port_id, &nc.mac) != 0)
		return -ENODEV;
	if (pc->has_ipv4) {
		memcpy(nc.ip4.b, &pc->ipv4, 4);
		nc.has_ip4 = 1;
	}
	if (pc->has_ipv6) {
		memcpy(nc.ip6.b, pc->ipv6, 16);
		nc.has_ip6 = 1;
	}
	nc.vlan = pc->vlan;
	nc.ctr = sh->neigh_ctr;
	sh->mac = nc.mac;
	sh->neigh = umb_neigh_create(&nc, rte_eth_dev_socket_id(port->port_id));
	if (sh->neigh == NULL) {
		fprintf(stderr, "%s: [shadow]: neighbour table: %s\n", pc->file,
				rte_strerror(rte_errno));
		return -rte_errno;
	}
	/* The shadow's MAC: static, or resolved by the shadow role. */
	if (!pc->next_hop_resolve) {
		sh->target_mac = pc->next_hop_mac;
		sh->target_known = 1;
		__atomic_store_n(&sh->next_hop, UMB_NEXT_HOP_KNOWN |
				umb_mac_word(&sh->target_mac), __ATOMIC_RELEASE);
	} else if (pc->has_ipv4 && !pc->target_ipv4_keep) {
		sh->target_af = 4;
		memcpy(sh->target.b, &pc->target_ipv4, 4);
	} else if (pc->has_ipv6 && !pc->target_ipv6_keep) {
		sh->target_af = 6;
		memcpy(sh->target.b, pc->target_ipv6, 16);
	}
	return 0;
}

/* Live mode from --config: one tap port (receives the production copy,
 * never transmits) and one shadow port (owned by the shadow role). */
static int
init_config_ports(struct umb_app *app)
{
	const struct umb_launch_conf *c = app->opt.conf;
	const struct umb_port_conf *tap = &c->ports[c->tap_port];
	const struct umb_port_conf *shp = &c->ports[c->shadow_port];
	struct umb_port *port = &app->ports[0];
	struct umb_port shadow_port;
	int rc;

	rc = probe_conf_port(tap, &port->port_id, port->name, sizeof(port->name));
	if (rc != 0)
		return rc;
	port->link = UMB_LINK_ETHER;
	/* The tap port decodes the mirror encapsulations its file names. */
	port->decap.types = tap->decap;
	port->decap.key = tap->decap_key_inner ? UMB_DECAP_KEY_INNER :
		UMB_DECAP_KEY_SESSION;
	port->decap.vxlan_port = tap->vxlan_port;
	port->decap.geneve_port = tap->geneve_port;
	app->nb_ports = 1;
	rc = port_start_desc(app, port, tap->rx_desc, tap->tx_desc);
	if (rc != 0)
		return rc;

	memset(&shadow_port, 0, sizeof(shadow_port));
	rc = probe_conf_port(shp, &shadow_port.port_id, shadow_port.name,
			sizeof(shadow_port.name));
	if (rc == 0)
		rc = port_start_desc(app, &shadow_port, shp->rx_desc, shp->tx_desc);
	if (rc == 0)
		rc = init_shadow(app, shp, &shadow_port);
	app->ts_dynfield = -1;
	if (rc != 0)
		return rc;
	app->peer_pool = rte_pktmbuf_pool_create("umb_peer_tx", PEER_POOL, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, rte_eth_dev_socket_id(shadow_port.port_id));
	if (app->peer_pool == NULL) {
		fprintf(stderr, "shadow frame pool: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	if (app->opt.responder) {
		struct umb_responder_params rp = {
			.pool = app->mbuf_pool,
			.reply_http = 1,
		};

		app->shadow->responder = umb_responder_create(&rp, rte_socket_id());
		if (app->shadow->responder == NULL) {
			fprintf(stderr, "responder: %s\n", rte_strerror(rte_errno));
			return -rte_errno;
		}
	}
	return 0;
}

/* The allowlist as a bit per llhttp method. */
static uint64_t
methods_mask(const struct umb_launch_conf *c)
{
	uint64_t mask = 0;

	for (unsigned int i = 0; i < c->nb_methods; i++) {
#define UMB_METHOD_BIT_(num, name, string) \
		if ((num) < 64 && strcmp(#string, c->methods[i]) == 0) \
			mask |= 1ULL << (num);
		HTTP_ALL_METHOD_MAP(UMB_METHOD_BIT_)
#undef UMB_METHOD_BIT_
	}
	return mask;
}

/* The shadow peer of reassembly lcore @p idx, from the launch file. */
static void
peer_params(const struct umb_app *app, unsigned int idx,
		struct umb_reasm_ctx *r, struct umb_peer_ctx_params *pp)
{
	const struct umb_launch_conf *c = app->opt.conf;
	const struct umb_port_conf *pc = &c->ports[c->shadow_port];
	unsigned int n = app->nb_reasm;

	memset(pp, 0, sizeof(*pp));
	pp->socket_id = rte_socket_id();
	pp->src_mac = app->shadow->mac;
	if (pc->has_ipv4) {
		memcpy(pp->src4.b, &pc->ipv4, 4);
		pp->has_src4 = 1;
		if (!pc->target_ipv4_keep) {
			memcpy(pp->target4.b, &pc->target_ipv4, 4);
			pp->has_target4 = 1;
		}
	}
	if (pc->has_ipv6) {
		memcpy(pp->src6.b, pc->ipv6, 16);
		pp->has_src6 = 1;
		if (!pc->target_ipv6_keep) {
			memcpy(pp->target6.b, pc->target_ipv6, 16);
			pp->has_target6 = 1;
		}
	}
	pp->vlan = pc->vlan;
	pp->mtu = pc->mtu;
	pp->target_port = pc->target_port;
	pp->sport_min = pc->src_port_min;
	pp->sport_max = pc->src_port_max;
	pp->ctx_index = (uint16_t)idx;
	pp->nb_ctx = (uint16_t)n;
	pp->max_conns = RTE_MAX(c->max_sessions / n, 1u);
	pp->held_bytes = c->held_bytes_per_session;
	pp->buf_mbufs = PEER_BUF_MBUFS;
	pp->ref_mbufs = RTE_MIN(PEER_REF_MBUFS, app->opt.mbufs / (4 * n));
	pp->new_per_sec = (double)c->new_sessions_per_sec / n;
	pp->burst = RTE_MAX(c->session_burst / n, 1u);
	pp->idle_timeout_us = c->shadow_idle_timeout_us;
	pp->tx_pool = app->peer_pool;
	pp->tx = umb_reasm_peer_tx;
	pp->tx_arg = r;
}

int
umb_init_ports(struct umb_app *app)
{
	const struct umb_options *o = &app->opt;
	uint16_t pid;
	int rc;

	/* Each segment carries its decoded header (struct umb_pkt) in the
	 * mbuf private area. */
	app->mbuf_pool = rte_pktmbuf_pool_create("umb_mbufs", o->mbufs, 256,
			RTE_ALIGN_CEIL(sizeof(struct umb_pkt), RTE_MBUF_PRIV_ALIGN),
			RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (app->mbuf_pool == NULL) {
		fprintf(stderr, "packet pool: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}

	for (unsigned int i = 0; i < o->nb_pcaps; i++) {
		struct umb_port *port = &app->ports[app->nb_ports];
		char devargs[PATH_MAX + 80];

		/* Captures: every encapsulation on its standard port. */
		port->decap = (struct umb_decap_conf)UMB_DECAP_CONF_DEFAULT;
		rc = capture_link(o->pcaps[i], &port->link);
		if (rc != 0)
			return rc;
		snprintf(port->name, sizeof(port->name), "net_pcap_umb%u", i);
		snprintf(devargs, sizeof(devargs), "%s,rx_pcap=%s", port->name,
				o->pcaps[i]);
		rc = rte_dev_probe(devargs);
		if (rc != 0) {
			fprintf(stderr, "--pcap %s: cannot open: %s\n", o->pcaps[i],
					rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_dev_get_port_by_name(port->name, &port->port_id);
		if (rc != 0)
			return rc;
		port->finite = 1;
		app->nb_ports++;
	}
	if (o->conf != NULL)
		return init_config_ports(app);
	/* Ports the EAL arguments made (--vdev, PCI): live Ethernet taps. */
	RTE_ETH_FOREACH_DEV(pid) {
		int known = 0;

		for (unsigned int i = 0; i < app->nb_ports; i++)
			known |= app->ports[i].port_id == pid;
		if (known)
			continue;
		if (app->nb_ports == UMB_MAX_PORTS) {
			fprintf(stderr, "at most %d ports\n", UMB_MAX_PORTS);
			return -E2BIG;
		}
		app->ports[app->nb_ports].port_id = pid;
		app->ports[app->nb_ports].link = UMB_LINK_ETHER;
		app->ports[app->nb_ports].decap =
			(struct umb_decap_conf)UMB_DECAP_CONF_DEFAULT;
		rte_eth_dev_get_name_by_port(pid, app->ports[app->nb_ports].name);
		app->nb_ports++;
	}
	if (app->nb_ports == 0) {
		fprintf(stderr, "no input: give --pcap FILE or EAL --vdev/PCI ports\n");
		return -ENODEV;
	}
	for (unsigned int i = 0; i < app->nb_ports; i++) {
		rc = port_start(app, &app->ports[i]);
		if (rc != 0)
			return rc;
	}
	/* net_pcap registers the timestamp field when it starts. */
	app->ts_dynfield = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	rc = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	app->ts_dynflag = rc >= 0 ? RTE_BIT64(rc) : 0;
	if (rc < 0)
		app->ts_dynfield = -1;
	return 0;
}

static int
init_reasm(struct umb_app *app, unsigned int idx, unsigned int lcore)
{
	const struct umb_options *o = &app->opt;
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct umb_reasm_ctx *r;
	char name[32];

	r = rte_zmalloc_socket("umb_reasm", sizeof(*r), RTE_CACHE_LINE_SIZE, socket);
	if (r == NULL)
		return -ENOMEM;
	app->reasm[idx] = r;
	r->app = app;
	r->idx = idx;
	r->share_ppm = o->share_ppm;
	r->keep_ppm = o->share_ppm;
	snprintf(name, sizeof(name), "umb_rx2reasm%u", idx);
	r->in = rte_ring_create(name, o->ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "umb_reasm2exp%u", idx);
	r->out = rte_ring_create(name, o->ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r->in == NULL || r->out == NULL) {
		fprintf(stderr, "rings: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	struct umb_peer_ctx_params pp;

	if (app->shadow != NULL) {
		snprintf(name, sizeof(name), "umb_sh2reasm%u", idx);
		r->sh_in = rte_ring_create(name, o->ring_size, socket,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "umb_reasm2sh%u", idx);
		r->sh_out = rte_ring_create(name, o->ring_size, socket,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (r->sh_in == NULL || r->sh_out == NULL) {
			fprintf(stderr, "rings: %s\n", rte_strerror(rte_errno));
			return -rte_errno;
		}
		peer_params(app, idx, r, &pp);
	}
	snprintf(name, sizeof(name), "umb_ses%u", idx);
	struct umb_session_params sp = {
		.name = name,
		.socket_id = socket,
		.max_flows = o->max_flows,
		.reasm_chunks = (uint32_t)((uint64_t)o->reasm_memcap_mb * 1048576 /
				UMB_TCP_CHUNK_DATA),
		.stream_cap = o->stream_cap_kb * 1024,
		.records = o->records,
		.idle_timeout_us = o->idle_timeout_us,
		.close_timeout_us = o->close_timeout_us,
		.share_ppm = o->share_ppm,
		.seed = o->seed,
		.id_first = idx + 1,
		.id_step = app->nb_reasm,
		.midstream = o->midstream,
		.record_unsampled = o->record_unsampled,
		.emit = umb_reasm_stage_record,
		.emit_arg = r,
		.peer = app->shadow != NULL ? &pp : NULL,
		.allowed_methods = o->conf != NULL ? methods_mask(o->conf) : 0,
		.shadow_response_timeout_us = o->conf != NULL ?
			o->conf->shadow_response_timeout_us : 0,
		.shadow_queue_max = o->conf != NULL ? o->conf->shadow_queue_max : 0,
		.compare_pool = app->cpool,
		.compare_body_max = o->compare_body_max,
	};
	r->sessions = umb_session_create(&sp, &r->sctr);
	if (r->sessions == NULL) {
		fprintf(stderr, "session table %u: %s%s\n", idx, rte_strerror(rte_errno),
				rte_errno == ENOMEM ? " (every reassembly lcore has its own "
				"flow table, reassembly memcap, records and shadow buffers: "
				"give EAL more memory (-m) or lower --max-flows / "
				"--reasm-memcap-mb / --records)" : "");
		return -rte_errno;
	}
	r->keep_ppm = umb_session_keep_ppm(r->sessions);
	return 0;
}

/*
 * The compare rules (--compare or [launch] compare, else the defaults) and,
 * when mirroring, the pool of kept content: the compare memcap.
 */
static int
init_compare_rules(struct umb_app *app)
{
	const struct umb_options *o = &app->opt;
	char err[512];
	int rc;

	app->rules = rte_zmalloc("umb_rules", sizeof(*app->rules), 0);
	if (app->rules == NULL)
		return -ENOMEM;
	umb_cmp_ruleset_default(app->rules);
	if (o->compare_path != NULL) {
		rc = umb_cmp_ruleset_load(app->rules, o->compare_path, err,
				sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "%s\n", err);
			return rc;
		}
	}
	if (app->shadow != NULL && o->compare_body_max > 0) {
		app->cpool = umb_kept_pool_create("umb_kept", o->compare_memcap_mb,
				SOCKET_ID_ANY);
		if (app->cpool == NULL) {
			fprintf(stderr, "compare memcap %u MiB: %s (give EAL more "
					"memory (-m) or lower compare_memcap_mb)\n",
					o->compare_memcap_mb, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

/* Create role contexts and bind them to the plans umb_roles_plan made. */
int
umb_init_roles(struct umb_app *app)
{
	unsigned int reasm_idx = 0, cmp_idx = 0;
	int rc;

	app->rx = rte_zmalloc("umb_rx", sizeof(*app->rx), RTE_CACHE_LINE_SIZE);
	app->exp = rte_zmalloc("umb_export", sizeof(*app->exp), RTE_CACHE_LINE_SIZE);
	if (app->rx == NULL || app->exp == NULL)
		return -ENOMEM;
	app->rx->app = app;
	app->exp->app = app;
	if (app->opt.exchanges_path != NULL) {
		rc = umb_jsonl_open(&app->exp->jsonl, app->opt.exchanges_path);
		if (rc != 0) {
			fprintf(stderr, "--exchanges %s: %s\n", app->opt.exchanges_path,
					strerror(-rc));
			return rc;
		}
		app->exp->jsonl_open = 1;
	}
	rc = init_compare_rules(app);
	if (rc != 0)
		return rc;
	for (unsigned int i = 0; i < app->nb_plans; i++) {
		struct umb_lcore_plan *plan = &app->plans[i];

		for (unsigned int j = 0; j < plan->nb_roles; j++) {
			if (plan->roles[j] == &umb_role_compare) {
				rc = umb_compare_init(app, cmp_idx, plan->lcore_id);
				if (rc != 0)
					return rc;
				plan->ctx[j] = app->cmp[cmp_idx++];
			} else if (plan->roles[j] == &umb_role_rx) {
				plan->ctx[j] = app->rx;
			} else if (plan->roles[j] == &umb_role_export) {
				plan->ctx[j] = app->exp;
			} else if (plan->roles[j] == &umb_role_shadow) {
				plan->ctx[j] = app->shadow;
			} else {
				rc = init_reasm(app, reasm_idx, plan->lcore_id);
				if (rc != 0)
					return rc;
				plan->ctx[j] = app->reasm[reasm_idx++];
			}
		}
	}
	/* One ring per (reasm, compare) pair: each has one producer, one consumer. */
	for (unsigned int i = 0; i < app->nb_reasm; i++) {
		for (unsigned int j = 0; j < app->nb_cmp; j++) {
			char name[32];
			struct rte_ring *ring;

			snprintf(name, sizeof(name), "umb_r%u_c%u", i, j);
			ring = rte_ring_create(name, app->opt.ring_size, SOCKET_ID_ANY,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (ring == NULL) {
				fprintf(stderr, "rings: %s\n", rte_strerror(rte_errno));
				return -rte_errno;
			}
			app->reasm[i]->cmp[j] = ring;
			app->cmp[j]->in[i] = ring;
		}
	}
	return 0;
}

void
umb_fini(struct umb_app *app, int release_memory)
{
	if (app->shadow != NULL) {
		umb_neigh_free(app->shadow->neigh);
		umb_responder_free(app->shadow->responder);
		rte_eth_dev_stop(app->shadow->port_id);
		rte_eth_dev_close(app->shadow->port_id);
		rte_free(app->shadow);
	}
	if (app->exp != NULL && app->exp->jsonl_open)
		umb_jsonl_close(&app->exp->jsonl);
	for (unsigned int i = 0; i < app->nb_reasm; i++)
		for (unsigned int j = 0; j < app->nb_cmp; j++)
			if (app->reasm[i] != NULL)
				rte_ring_free(app->reasm[i]->cmp[j]);
	for (unsigned int j = 0; j < app->nb_cmp; j++)
		umb_compare_fini(app->cmp[j]);
	rte_free(app->rules);
	for (unsigned int i = 0; i < app->nb_reasm; i++) {
		struct umb_reasm_ctx *r = app->reasm[i];

		if (r == NULL)
			continue;
		/* At exit, rte_eal_cleanup() unmaps the pools, flow tables and
		 * memcaps whole; freeing them one by one first costs as much as
		 * creating them (EAL zeroes what is freed): 0.1 s of a small
		 * run's 0.4 s. */
		if (release_memory)
			umb_session_free(r->sessions);
		rte_ring_free(r->in);
		rte_ring_free(r->out);
		if (r->sh_in != NULL) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(r->sh_in, (void **)&m) == 0)
				rte_pktmbuf_free(m);
			while (rte_ring_dequeue(r->sh_out, (void **)&m) == 0)
				rte_pktmbuf_free(m);
		}
		rte_ring_free(r->sh_in);
		rte_ring_free(r->sh_out);
		rte_free(r);
	}
	for (unsigned int i = 0; i < app->nb_ports; i++) {
		rte_eth_dev_stop(app->ports[i].port_id);
		rte_eth_dev_close(app->ports[i].port_id);
	}
	rte_free(app->rx);
	rte_free(app->exp);
	if (release_memory) {
		rte_mempool_free(app->peer_pool);
		rte_mempool_free(app->mbuf_pool);
		rte_mempool_free(app->cpool);
	}
}
