/* SPDX-License-Identifier: BSD-3-Clause
 * Live-mode configuration files: a full lab configuration read back value
 * by value, defaults, the effective-configuration dump, and one case per
 * class of error, each checked for the exact "file:line: [section] key:"
 * that must lead its message. Files are written to a fresh temporary
 * directory per test; config/lab/ from the source tree is loaded too.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cmocka.h>

#include "umb_config.h"

struct fixture {
	char dir[128];
	char err[512];
	struct umb_launch_conf conf;
};

static const char lab_launch[] =
	"; launch file of the lab\n"                     /* 1 */
	"[launch]\n"                                      /* 2 */
	"ports = tap.ini, shadow.ini\n"                   /* 3 */
	"sample_share = 12.5\n"                           /* 4 */
	"sample_seed = 0x1234\n"                          /* 5 */
	"methods = GET, HEAD\n"                           /* 6 */
	"max_sessions = 500\n"                            /* 7 */
	"new_sessions_per_sec = 50\n"                     /* 8 */
	"session_burst = 10\n"                            /* 9 */
	"held_bytes_per_session = 65536\n"                /* 10 */
	"shadow_response_timeout = 2.5\n"                 /* 11 */
	"shadow_idle_timeout = 15\n"                      /* 12 */
	"flow_idle_timeout = 60   ; one minute\n"         /* 13 */
	"max_flows = 4096\n"                              /* 14 */
	"exchanges = out/exchanges.jsonl\n"               /* 15 */
	"summary_json = /var/tmp/summary.json\n"          /* 16 */
	"roles = 0:rx+export,1:reasm\n";                  /* 17 */

static const char lab_tap[] =
	"[port]\n"                                        /* 1 */
	"name = tap0\n"                                   /* 2 */
	"role = tap\n"                                    /* 3 */
	"devargs = net_af_packet0,iface=umb-tap\n"        /* 4 */
	"rx_desc = 2048\n"                                /* 5 */
	"tx_desc = 512\n"                                 /* 6 */
	"mtu = 9000\n";                                   /* 7 */

static const char lab_shadow[] =
	"[port]\n"                                        /* 1 */
	"role = shadow\n"                                 /* 2 */
	"devargs = net_af_packet1,iface=umb-sh0\n"        /* 3 */
	"\n"                                              /* 4 */
	"[shadow]\n"                                      /* 5 */
	"mac = 02:00:00:00:00:01\n"                       /* 6 */
	"ipv4 = 10.88.0.1\n"                              /* 7 */
	"ipv6 = fd00::1\n"                                /* 8 */
	"target_ipv4 = 10.88.0.20\n"                      /* 9 */
	"target_ipv6 = keep\n"                            /* 10 */
	"target_port = 8080\n"                            /* 11 */
	"next_hop_mac = 02:00:00:00:00:20\n"              /* 12 */
	"vlan = 100\n"                                    /* 13 */
	"src_port_min = 30000\n"                          /* 14 */
	"src_port_max = 30999\n";                         /* 15 */

static void
write_file(const struct fixture *fx, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static void
write_lab(const struct fixture *fx)
{
	write_file(fx, "umbra.ini", lab_launch);
	write_file(fx, "tap.ini", lab_tap);
	write_file(fx, "shadow.ini", lab_shadow);
}

static int
load(struct fixture *fx, const char *launch)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, launch);
	return umb_config_load(path, &fx->conf, fx->err, sizeof(fx->err));
}

/*
 * The error must be @p rc and start with "DIR/FILE:LINE: [SECTION] KEY: "
 * (no "KEY: " when @p key is NULL), and contain @p what when given.
 */
static void
expect_error(struct fixture *fx, int rc, int want_rc, const char *file,
		unsigned int line, const char *section, const char *key, const char *what)
{
	char want[256];

	if (key != NULL)
		snprintf(want, sizeof(want), "%s/%s:%u: [%s] %s: ", fx->dir, file, line,
				section, key);
	else
		snprintf(want, sizeof(want), "%s/%s:%u: [%s]: ", fx->dir, file, line,
				section);
	if (rc != want_rc || strncmp(fx->err, want, strlen(want)) != 0 ||
			(what != NULL && strstr(fx->err, what) == NULL))
		print_error("rc %d (want %d)\n got: %s\nwant: %s...%s\n", rc, want_rc,
				fx->err, want, what != NULL ? what : "");
	assert_int_equal(rc, want_rc);
	assert_int_equal(strncmp(fx->err, want, strlen(want)), 0);
	if (what != NULL)
		assert_non_null(strstr(fx->err, what));
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/umb_test_config.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->dir);
	free(fx);
	return 0;
}

static void
full_lab_config_loads_as_written(void **state)
{
	struct fixture *fx = *state;
	const struct umb_launch_conf *c = &fx->conf;
	const struct umb_port_conf *t, *s;
	char path[256];
	uint8_t v6[16];

	write_lab(fx);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_string_equal(fx->err, "");
	assert_int_equal(c->nb_ports, 2);
	assert_int_equal(c->tap_port, 0);
	assert_int_equal(c->shadow_port, 1);
	assert_int_equal(c->sample_share_ppm, 125000);
	assert_int_equal(c->sample_seed, 0x1234);
	assert_int_equal(c->nb_methods, 2);
	assert_string_equal(c->methods[0], "GET");
	assert_string_equal(c->methods[1], "HEAD");
	assert_int_equal(c->max_sessions, 500);
	assert_int_equal(c->new_sessions_per_sec, 50);
	assert_int_equal(c->session_burst, 10);
	assert_int_equal(c->held_bytes_per_session, 65536);
	assert_int_equal(c->shadow_response_timeout_us, 2500000);
	assert_int_equal(c->shadow_idle_timeout_us, 15000000);
	assert_int_equal(c->flow_idle_timeout_us, 60000000);
	assert_int_equal(c->max_flows, 4096);
	snprintf(path, sizeof(path), "%s/out/exchanges.jsonl", fx->dir);
	assert_string_equal(c->exchanges, path);
	assert_string_equal(c->summary_json, "/var/tmp/summary.json");
	assert_string_equal(c->roles, "0:rx+export,1:reasm");

	t = &c->ports[0];
	snprintf(path, sizeof(path), "%s/tap.ini", fx->dir);
	assert_string_equal(t->file, path);
	assert_string_equal(t->name, "tap0");
	assert_int_equal(t->role, UMB_PORT_TAP);
	assert_string_equal(t->devargs, "net_af_packet0,iface=umb-tap");
	assert_int_equal(t->rx_desc, 2048);
	assert_int_equal(t->tx_desc, 512);
	assert_int_equal(t->mtu, 9000);
	assert_int_equal(t->has_ipv4, 0);

	s = &c->ports[1];
	assert_string_equal(s->name, "shadow");
	assert_int_equal(s->role, UMB_PORT_SHADOW);
	assert_string_equal(s->devargs, "net_af_packet1,iface=umb-sh0");
	assert_int_equal(s->rx_desc, 1024);
	assert_int_equal(s->mtu, 1500);
	assert_int_equal(s->has_mac, 1);
	assert_memory_equal(s->mac.addr_bytes, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(s->has_ipv4, 1);
	assert_int_equal(s->ipv4, htonl(0x0a580001));
	assert_int_equal(s->target_ipv4_keep, 0);
	assert_int_equal(s->target_ipv4, htonl(0x0a580014));
	assert_int_equal(s->has_ipv6, 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00::1", v6), 1);
	assert_memory_equal(s->ipv6, v6, 16);
	assert_int_equal(s->target_ipv6_keep, 1);
	assert_int_equal(s->target_port, 8080);
	assert_int_equal(s->next_hop_resolve, 0);
	assert_memory_equal(s->next_hop_mac.addr_bytes, "\x02\x00\x00\x00\x00\x20", 6);
	assert_int_equal(s->vlan, 100);
	assert_int_equal(s->src_port_min, 30000);
	assert_int_equal(s->src_port_max, 30999);
}

/* Booleans: yes/no and their usual spellings, any case. */
static void
booleans_take_the_usual_spellings(void **state)
{
	struct fixture *fx = *state;
	static const struct { const char *v; int want; } cases[] = {
		{ "yes", 1 }, { "YES", 1 }, { "true", 1 }, { "on", 1 }, { "1", 1 },
		{ "no", 0 }, { "False", 0 }, { "off", 0 }, { "0", 0 },
	};
	char text[128];

	write_file(fx, "tap.ini", lab_tap);
	write_file(fx, "shadow.ini", lab_shadow);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[launch]\nports = tap.ini, shadow.ini\n"
				"record_unsampled = %s\n", cases[i].v);
		write_file(fx, "umbra.ini", text);
		assert_int_equal(load(fx, "umbra.ini"), 0);
		assert_int_equal(fx->conf.record_unsampled, cases[i].want);
	}
}

static void
absent_keys_take_their_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct umb_launch_conf *c = &fx->conf;
	const struct umb_port_conf *t, *s;

	write_file(fx, "umbra.ini", "[launch]\nports = shadow.ini,tap.ini\n");
	write_file(fx, "tap.ini", "[port]\nrole = tap\ndevargs = net_null0\n");
	write_file(fx, "shadow.ini", "[port]\nrole = shadow\ndevargs = net_null1\n"
			"[shadow]\nipv4 = 10.88.0.1\ntarget_ipv4 = keep\n");
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(c->tap_port, 1);
	assert_int_equal(c->shadow_port, 0);
	assert_int_equal(c->sample_share_ppm, 100000);
	assert_int_equal(c->sample_seed, 0);
	assert_int_equal(c->record_unsampled, 0);
	assert_int_equal(c->nb_methods, 3);
	assert_string_equal(c->methods[0], "GET");
	assert_string_equal(c->methods[1], "HEAD");
	assert_string_equal(c->methods[2], "OPTIONS");
	assert_int_equal(c->max_sessions, 10000);
	assert_int_equal(c->new_sessions_per_sec, 1000);
	assert_int_equal(c->session_burst, 100);
	assert_int_equal(c->held_bytes_per_session, 1048576);
	assert_int_equal(c->shadow_response_timeout_us, 10000000);
	assert_int_equal(c->shadow_idle_timeout_us, 30000000);
	assert_int_equal(c->flow_idle_timeout_us, 120000000);
	assert_int_equal(c->max_flows, 65536);
	assert_string_equal(c->exchanges, "");
	assert_string_equal(c->summary_json, "");
	assert_string_equal(c->roles, "");

	t = &c->ports[1];
	assert_string_equal(t->name, "tap");
	assert_int_equal(t->rx_desc, 1024);
	assert_int_equal(t->tx_desc, 1024);
	assert_int_equal(t->mtu, 1500);

	s = &c->ports[0];
	assert_string_equal(s->name, "shadow");
	assert_int_equal(s->has_mac, 0);
	assert_int_equal(s->has_ipv6, 0);
	assert_int_equal(s->target_ipv4_keep, 1);
	assert_int_equal(s->target_port, 0);
	assert_int_equal(s->next_hop_resolve, 1);
	assert_int_equal(s->vlan, 0);
	assert_int_equal(s->src_port_min, 20000);
	assert_int_equal(s->src_port_max, 59999);
}

static void
dump_prints_the_effective_configuration(void **state)
{
	struct fixture *fx = *state;
	char want[1024];
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	write_file(fx, "umbra.ini", "[launch]\nports = tap.ini, shadow.ini\n"
			"sample_share = 0.0125\nshadow_response_timeout = 0.25\n");
	write_file(fx, "tap.ini", lab_tap);
	write_file(fx, "shadow.ini", lab_shadow);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	f = open_memstream(&text, &size);
	assert_non_null(f);
	umb_config_dump(&fx->conf, f);
	assert_int_equal(fclose(f), 0);
	snprintf(want, sizeof(want), "[launch]\nports = %s/tap.ini, %s/shadow.ini\n"
			"sample_share = 0.0125\nsample_seed = 0\nrecord_unsampled = no\n"
			"methods = GET,HEAD,OPTIONS\n"
			"max_sessions = 10000\nnew_sessions_per_sec = 1000\nsession_burst = 100\n"
			"held_bytes_per_session = 1048576\nshadow_queue_max = 64\n"
			"shadow_response_timeout = 0.25\n"
			"shadow_idle_timeout = 30\nflow_idle_timeout = 120\nmax_flows = 65536\n",
			fx->dir, fx->dir);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "[port]\nname = tap0\nrole = tap\n"
			"devargs = net_af_packet0,iface=umb-tap\nrx_desc = 2048\ntx_desc = 512\n"
			"mtu = 9000\n"));
	assert_non_null(strstr(text, "[shadow]\nmac = 02:00:00:00:00:01\n"
			"ipv4 = 10.88.0.1\ntarget_ipv4 = 10.88.0.20\nipv6 = fd00::1\n"
			"target_ipv6 = keep\ntarget_port = 8080\n"
			"next_hop_mac = 02:00:00:00:00:20\nvlan = 100\n"
			"src_port_min = 30000\nsrc_port_max = 30999\n"));
	free(text);
}

static void
crlf_lines_and_no_final_newline_load(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\r\nports = tap.ini, shadow.ini\r\n"
			"\tmax_flows\t=\t128\t\r\nmethods = GET");
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(fx->conf.max_flows, 128);
	assert_int_equal(fx->conf.nb_methods, 1);
	assert_string_equal(fx->conf.methods[0], "GET");
}

/* ---- one test per class of error ---------------------------------------- */

static void
unknown_key_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\nports = tap.ini, shadow.ini\n"
			"max_sesions = 5\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 3, "launch",
			"max_sesions", "did you mean 'max_sessions'?");
}

static void
unknown_section_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "tap.ini", "[port]\nrole = tap\ndevargs = net_null0\n\n[shadwo]\n"
			"ipv4 = 10.0.0.1\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 5, "shadwo", NULL,
			"unknown section");
}

static void
bad_number_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\nports = tap.ini, shadow.ini\n"
			"max_flows = lots\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 3, "launch",
			"max_flows", "'lots' is not a number");
}

static void
out_of_range_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "tap.ini", "[port]\nrole = tap\ndevargs = net_null0\nmtu = 9601\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 4, "port", "mtu",
			"9601 is out of range [68, 9600]");
}

static void
trailing_junk_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "tap.ini", "[port]\nrole = tap\ndevargs = net_null0\n"
			"rx_desc = 1024k\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 4, "port", "rx_desc",
			"junk after the digits: 'k'");
}

static void
bad_mac_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "shadow.ini", "[port]\nrole = shadow\ndevargs = net_null1\n"
			"[shadow]\nipv4 = 10.88.0.1\ntarget_ipv4 = keep\n"
			"mac = 02:00:00:00:00\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "shadow.ini", 7, "shadow", "mac",
			"'02:00:00:00:00' is not a MAC address");
}

static void
bad_ipv4_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "shadow.ini", "[port]\nrole = shadow\ndevargs = net_null1\n"
			"[shadow]\n; umbra's side\n\nipv4 = 10.0.0.300\ntarget_ipv4 = keep\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "shadow.ini", 7, "shadow", "ipv4",
			"'10.0.0.300' is not an IPv4 address");
}

static void
bad_ipv6_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "shadow.ini", "[port]\nrole = shadow\ndevargs = net_null1\n"
			"[shadow]\nipv4 = 10.88.0.1\ntarget_ipv4 = keep\nipv6 = fd00::1::2\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "shadow.ini", 7, "shadow", "ipv6",
			"'fd00::1::2' is not an IPv6 address");
}

static void
duplicate_key_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\nports = tap.ini, shadow.ini\n"
			"sample_share = 10\nsample_seed = 1\nsample_share = 50\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 5, "launch",
			"sample_share", "set twice (first at line 3)");
}

static void
missing_required_key_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "tap.ini", "; tap port\n[port]\nrole = tap\nmtu = 1500\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 2, "port", "devargs",
			"required key missing");
}

static void
no_shadow_port_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\nsample_share = 10\nports = tap.ini\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 3, "launch", "ports",
			"exactly one tap port and one shadow port; "
			"the files listed have 1 tap and 0 shadow");
}

static void
two_tap_ports_are_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "tap2.ini", "[port]\nrole = tap\ndevargs = net_af_packet2,iface=x\n");
	write_file(fx, "umbra.ini", "[launch]\nports = tap.ini, tap2.ini, shadow.ini\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 2, "launch", "ports",
			"have 2 tap and 1 shadow");
}

static void
missing_port_file_is_an_error(void **state)
{
	struct fixture *fx = *state;
	char what[256];

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\n\nports = tap.ini, nope.ini\n");
	snprintf(what, sizeof(what), "cannot open '%s/nope.ini': No such file or directory",
			fx->dir);
	expect_error(fx, load(fx, "umbra.ini"), -ENOENT, "umbra.ini", 3, "launch", "ports",
			what);
}

static void
bad_method_token_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "umbra.ini", "[launch]\nports = tap.ini, shadow.ini\n"
			"methods = GET, post\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 3, "launch", "methods",
			"'post' is not a method token");
}

static void
src_port_min_above_max_is_an_error(void **state)
{
	struct fixture *fx = *state;

	write_lab(fx);
	write_file(fx, "shadow.ini", "[port]\nrole = shadow\ndevargs = net_null1\n"
			"[shadow]\nipv4 = 10.88.0.1\ntarget_ipv4 = keep\nsrc_port_max = 40000\n"
			"src_port_min = 50000\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "shadow.ini", 8, "shadow",
			"src_port_min", "50000 is above src_port_max 40000");
}

static void
port_paths_are_relative_to_the_launch_file(void **state)
{
	struct fixture *fx = *state;
	char path[256], cwd[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/etc", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/ports", fx->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_file(fx, "etc/umbra.ini", "[launch]\nports = ports/tap.ini, ports/shadow.ini\n"
			"exchanges = -\n");
	write_file(fx, "etc/ports/tap.ini", lab_tap);
	write_file(fx, "etc/ports/shadow.ini", lab_shadow);

	/* Absolute launch path: ports under its directory. */
	assert_int_equal(load(fx, "etc/umbra.ini"), 0);
	snprintf(path, sizeof(path), "%s/etc/ports/tap.ini", fx->dir);
	assert_string_equal(fx->conf.ports[0].file, path);
	assert_string_equal(fx->conf.exchanges, "-");

	/* Relative launch path from another working directory. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	rc = umb_config_load("etc/umbra.ini", &fx->conf, fx->err, sizeof(fx->err));
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	assert_string_equal(fx->conf.ports[0].file, "etc/ports/tap.ini");
	assert_string_equal(fx->conf.ports[1].file, "etc/ports/shadow.ini");
	assert_string_equal(fx->conf.ports[1].name, "shadow");
}

/* ---- further cases, as a table: file, text, where, what --------------- */

struct error_case {
	const char *name;
	const char *file;     /* the file replaced in the lab set */
	const char *text;
	int rc;
	unsigned int line;
	const char *section;
	const char *key;      /* NULL: the error is about the section */
	const char *what;
};

#define SHADOW_HEAD "[port]\nrole = shadow\ndevargs = net_null1\n[shadow]\n"
#define LAUNCH_HEAD "[launch]\nports = tap.ini, shadow.ini\n"

static const struct error_case error_cases[] = {
	{ "hash comment", "umbra.ini", LAUNCH_HEAD "# note\n", -EINVAL, 3, NULL, NULL,
		"'#' does not start a comment" },
	{ "line without '='", "umbra.ini", LAUNCH_HEAD "max_flows 10\n", -EINVAL, 3,
		NULL, NULL, "expected 'key = value'" },
	{ "empty value", "umbra.ini", LAUNCH_HEAD "roles =\n", -EINVAL, 3, "launch",
		"roles", "empty value" },
	{ "key before any section", "umbra.ini", "ports = a.ini\n[launch]\n", -EINVAL, 1,
		NULL, NULL, "before any [section]" },
	{ "section twice", "umbra.ini", LAUNCH_HEAD "[launch]\nmax_flows = 64\n", -EINVAL,
		3, "launch", NULL, "section appears twice (first at line 1)" },
	{ "text after ']'", "umbra.ini", "[launch] x\nports = a\n", -EINVAL, 1, NULL, NULL,
		"text after ']'" },
	{ "negative number", "umbra.ini", LAUNCH_HEAD "max_sessions = -1\n", -EINVAL, 3,
		"launch", "max_sessions", "'-1' is not a number" },
	{ "number past 64 bits", "umbra.ini", LAUNCH_HEAD
		"sample_seed = 18446744073709551616\n", -EINVAL, 3, "launch", "sample_seed",
		"out of range" },
	{ "share above 100", "umbra.ini", LAUNCH_HEAD "sample_share = 100.5\n", -EINVAL, 3,
		"launch", "sample_share", "out of range [0, 100] percent" },
	{ "share too precise", "umbra.ini", LAUNCH_HEAD "sample_share = 1.00001\n", -EINVAL,
		3, "launch", "sample_share", "more than 4 decimals" },
	{ "not a yes or no", "umbra.ini", LAUNCH_HEAD "record_unsampled = maybe\n", -EINVAL,
		3, "launch", "record_unsampled", "'maybe' is not yes or no" },
	{ "share in exponent form", "umbra.ini", LAUNCH_HEAD "sample_share = 1e1\n", -EINVAL,
		3, "launch", "sample_share", "is not a number" },
	{ "timeout below range", "umbra.ini", LAUNCH_HEAD "shadow_response_timeout = 0\n",
		-EINVAL, 3, "launch", "shadow_response_timeout",
		"out of range [0.001, 600] seconds" },
	{ "method listed twice", "umbra.ini", LAUNCH_HEAD "methods = GET,HEAD,GET\n",
		-EINVAL, 3, "launch", "methods", "'GET' listed twice" },
	{ "empty method", "umbra.ini", LAUNCH_HEAD "methods = GET,,HEAD\n", -EINVAL, 3,
		"launch", "methods", "empty item" },
	{ "roles syntax", "umbra.ini", LAUNCH_HEAD "roles = 0:rx,reasm\n", -EINVAL, 3,
		"launch", "roles", "expected an lcore id" },
	{ "nine ports", "umbra.ini", "[launch]\nports = a,b,c,d,e,f,g,h,i\n", -EINVAL, 2,
		"launch", "ports", "more than 8 items" },
	{ "no ports key", "umbra.ini", "[launch]\nmax_flows = 64\n", -EINVAL, 1, "launch",
		"ports", "required key missing" },
	{ "descriptors not a power of 2", "tap.ini",
		"[port]\nrole = tap\ndevargs = net_null0\ntx_desc = 1000\n", -EINVAL, 4, "port",
		"tx_desc", "1000 is not a power of 2" },
	{ "unknown role", "tap.ini", "[port]\nrole = mirror\ndevargs = net_null0\n", -EINVAL,
		2, "port", "role", "'mirror' is not a role" },
	{ "bad port name", "tap.ini", "[port]\nname = tap 0\nrole = tap\ndevargs = x\n",
		-EINVAL, 2, "port", "name", "'tap 0' is not a name" },
	{ "shadow section on a tap port", "tap.ini",
		"[port]\nrole = tap\ndevargs = net_null0\n[shadow]\nvlan = 3\n", -EINVAL, 4,
		"shadow", NULL, "only a shadow port has a [shadow] section" },
	{ "shadow without an address", "shadow.ini", SHADOW_HEAD "vlan = 3\n", -EINVAL, 4,
		"shadow", "ipv4", "required key missing" },
	{ "ipv4 without target", "shadow.ini", SHADOW_HEAD "ipv4 = 10.88.0.1\n", -EINVAL, 4,
		"shadow", "target_ipv4", "required when ipv4 is set" },
	{ "target without ipv4", "shadow.ini", SHADOW_HEAD
		"ipv6 = fd00::1\ntarget_ipv6 = keep\ntarget_ipv4 = 10.0.0.2\n", -EINVAL, 7,
		"shadow", "target_ipv4", "set but ipv4 is not" },
	{ "multicast ipv4", "shadow.ini", SHADOW_HEAD "ipv4 = 224.0.0.1\n", -EINVAL, 5,
		"shadow", "ipv4", "not a unicast address" },
	{ "multicast mac", "shadow.ini", SHADOW_HEAD "next_hop_mac = 01:00:5e:00:00:01\n",
		-EINVAL, 5, "shadow", "next_hop_mac", "not a unicast MAC address" },
	{ "vlan 4095", "shadow.ini", SHADOW_HEAD "vlan = 4095\n", -EINVAL, 5, "shadow",
		"vlan", "out of range [0, 4094]" },
	{ "source port below 1024", "shadow.ini", SHADOW_HEAD "src_port_min = 80\n", -EINVAL,
		5, "shadow", "src_port_min", "out of range [1024, 65535]" },
	{ "target port 65536", "shadow.ini", SHADOW_HEAD "target_port = 65536\n", -EINVAL, 5,
		"shadow", "target_port", "out of range [0, 65535]" },
	{ "metrics bad address", "umbra.ini", LAUNCH_HEAD "metrics = 10.0.0.300:9100\n",
		-EINVAL, 3, "launch", "metrics", "'10.0.0.300' is not an IPv4 or IPv6 address" },
	{ "metrics host name", "umbra.ini", LAUNCH_HEAD "metrics = localhost:9100\n",
		-EINVAL, 3, "launch", "metrics", "'localhost' is not an IPv4 or IPv6 address" },
	{ "metrics port 0", "umbra.ini", LAUNCH_HEAD "metrics = 127.0.0.1:0\n", -EINVAL, 3,
		"launch", "metrics", "PORT in [1, 65535]" },
	{ "metrics port 65536", "umbra.ini", LAUNCH_HEAD "metrics = 65536\n", -EINVAL, 3,
		"launch", "metrics", "PORT in [1, 65535]" },
	{ "metrics port junk", "umbra.ini", LAUNCH_HEAD "metrics = 127.0.0.1:91o0\n", -EINVAL,
		3, "launch", "metrics", "PORT in [1, 65535]" },
	{ "metrics empty address", "umbra.ini", LAUNCH_HEAD "metrics = :9100\n", -EINVAL, 3,
		"launch", "metrics", "the address before ':' is empty" },
	{ "metrics unbracketed IPv6 port", "umbra.ini", LAUNCH_HEAD "metrics = [::1]9100\n",
		-EINVAL, 3, "launch", "metrics", "is not [IPv6]:PORT" },
	{ "redis without a scheme", "umbra.ini", LAUNCH_HEAD "redis = localhost:6379\n",
		-EINVAL, 3, "launch", "redis", "no redis:// or unix:// scheme" },
	{ "redis bad port", "umbra.ini", LAUNCH_HEAD "redis = redis://h:70000/0\n", -EINVAL,
		3, "launch", "redis", "port '70000' is not in [1, 65535]" },
	{ "redis bad db", "umbra.ini", LAUNCH_HEAD "redis = redis://h:6379/db1\n", -EINVAL, 3,
		"launch", "redis", "db 'db1' is not a number in [0, 65535]" },
	{ "redis unix relative", "umbra.ini", LAUNCH_HEAD "redis = unix://run/r.sock\n",
		-EINVAL, 3, "launch", "redis", "absolute socket path" },
	{ "redis unix parameter", "umbra.ini", LAUNCH_HEAD "redis = unix:///r.sock?x=1\n",
		-EINVAL, 3, "launch", "redis", "the only parameter is ?db=N" },
	{ "redis bad escape", "umbra.ini", LAUNCH_HEAD "redis = redis://:a%zz@h/0\n", -EINVAL,
		3, "launch", "redis", "the password is too long or has a bad %-escape" },
	{ "launch odd name", "umbra.ini", LAUNCH_HEAD "launch = a/b\n", -EINVAL, 3, "launch",
		"launch", "'a/b' is not a launch name" },
	{ "redis password file missing", "umbra.ini", LAUNCH_HEAD
		"redis_password_file = absent.txt\n", -EINVAL, 3, "launch",
		"redis_password_file", "cannot open" },
};

static void
syntax_and_value_errors_name_their_place(void **state)
{
	struct fixture *fx = *state;
	unsigned int failed = 0;

	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *t = &error_cases[i];
		char want[256];
		int rc, ok;

		write_lab(fx);
		write_file(fx, t->file, t->text);
		rc = load(fx, "umbra.ini");
		if (t->section == NULL)
			snprintf(want, sizeof(want), "%s/%s:%u: ", fx->dir, t->file, t->line);
		else if (t->key == NULL)
			snprintf(want, sizeof(want), "%s/%s:%u: [%s]: ", fx->dir, t->file,
					t->line, t->section);
		else
			snprintf(want, sizeof(want), "%s/%s:%u: [%s] %s: ", fx->dir, t->file,
					t->line, t->section, t->key);
		ok = rc == t->rc && strncmp(fx->err, want, strlen(want)) == 0 &&
				strstr(fx->err, t->what) != NULL;
		if (!ok) {
			print_error("case '%s': rc %d\n got: %s\nwant: %s...%s\n", t->name, rc,
					fx->err, want, t->what);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
long_value_and_nul_byte_are_errors(void **state)
{
	struct fixture *fx = *state;
	char text[600];

	write_lab(fx);
	snprintf(text, sizeof(text), "[port]\nrole = tap\ndevargs = %0300d\n", 0);
	write_file(fx, "tap.ini", text);
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 3, "port", "devargs",
			"value longer than 255 characters");

	write_lab(fx);
	{
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/tap.ini", fx->dir);
		f = fopen(path, "w");
		assert_non_null(f);
		fwrite("[port]\nrole = tap\0\n", 1, 19, f);
		fclose(f);
		assert_int_equal(load(fx, "umbra.ini"), -EINVAL);
		assert_non_null(strstr(fx->err, "tap.ini: contains a NUL byte"));
	}
}

static void
missing_launch_file_is_enoent(void **state)
{
	struct fixture *fx = *state;
	char want[256];

	assert_int_equal(load(fx, "absent.ini"), -ENOENT);
	snprintf(want, sizeof(want), "%s/absent.ini: cannot open: No such file or directory",
			fx->dir);
	assert_string_equal(fx->err, want);
}

/* ---- the example files in config/lab ----------------------------------- */

/*
 * The source tree: $MESON_SOURCE_ROOT when set, else the directory this
 * file was compiled from. Meson compiles with a path relative to the build
 * directory, which is the parent of this executable's directory. Skipped
 * when neither leads to the file.
 */
static int
lab_launch_path(char *out, size_t size)
{
	const char *root = getenv("MESON_SOURCE_ROOT");
	const char *self = __FILE__;
	const char *tail = strstr(self, "tests/unit/test_config.c");
	char exe[PATH_MAX];
	ssize_t n;
	int w;

	if (root != NULL)
		w = snprintf(out, size, "%s/config/lab/umbra.ini", root);
	else if (tail != NULL && self[0] == '/')
		w = snprintf(out, size, "%.*sconfig/lab/umbra.ini", (int)(tail - self), self);
	else if (tail != NULL) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -1;
		exe[n] = '\0';
		for (int up = 0; up < 2; up++) {
			char *slash = strrchr(exe, '/');

			if (slash == NULL)
				return -1;
			*slash = '\0';
		}
		w = snprintf(out, size, "%s/%.*sconfig/lab/umbra.ini", exe,
				(int)(tail - self), self);
	} else
		return -1;
	if (w < 0 || (size_t)w >= size)
		return -1;
	return access(out, R_OK);
}

static void
lab_example_files_load(void **state)
{
	struct fixture *fx = *state;
	const struct umb_launch_conf *c = &fx->conf;
	const struct umb_port_conf *t, *s;
	char path[PATH_MAX];

	if (lab_launch_path(path, sizeof(path)) != 0) {
		print_message("config/lab/umbra.ini not found (set MESON_SOURCE_ROOT); skipped\n");
		skip();
	}
	if (umb_config_load(path, &fx->conf, fx->err, sizeof(fx->err)) != 0)
		print_error("%s\n", fx->err);
	assert_string_equal(fx->err, "");
	assert_int_equal(c->nb_ports, 2);
	t = &c->ports[c->tap_port];
	s = &c->ports[c->shadow_port];
	assert_string_equal(t->name, "tap");
	assert_string_equal(t->devargs, "net_af_packet0,iface=umb-tap,framecnt=8192");
	assert_string_equal(s->name, "shadow");
	assert_string_equal(s->devargs, "net_af_packet1,iface=umb-sh0");
	assert_int_equal(s->ipv4, htonl(0x0a580001));
	assert_int_equal(s->target_ipv4, htonl(0x0a580014));
	assert_int_equal(s->target_port, 0);
	assert_int_equal(s->next_hop_resolve, 1);
	assert_int_equal(c->sample_share_ppm, 100000);
}

/* Tap port decapsulation keys: defaults, lists, the choices, the dump. */
static void
tap_decap_keys(void **state)
{
	static const struct {
		const char *val;
		uint8_t bits;
	} ok[] = {
		{ "auto", UMB_CONFIG_DECAP_AUTO },
		{ "none", 0 },
		{ "vxlan", UMB_CONFIG_DECAP_VXLAN },
		{ "geneve, vxlan", UMB_CONFIG_DECAP_VXLAN | UMB_CONFIG_DECAP_GENEVE },
		{ "erspan,gre", UMB_CONFIG_DECAP_ERSPAN | UMB_CONFIG_DECAP_GRE },
		{ "vxlan,geneve,erspan,gre", UMB_CONFIG_DECAP_AUTO },
	};
	struct fixture *fx = *state;
	const struct umb_port_conf *t = &fx->conf.ports[0];
	char text[256], *dump = NULL;
	size_t size = 0;
	FILE *f;

	write_lab(fx);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(t->decap, UMB_CONFIG_DECAP_AUTO);
	assert_int_equal(t->vxlan_port, 4789);
	assert_int_equal(t->geneve_port, 6081);
	assert_int_equal(t->decap_key_inner, 0);
	/* a shadow port has none of them */
	assert_int_equal(fx->conf.ports[1].decap, 0);
	assert_int_equal(fx->conf.ports[1].vxlan_port, 0);

	for (unsigned int i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "%sdecap = %s\n", lab_tap, ok[i].val);
		write_file(fx, "tap.ini", text);
		assert_int_equal(load(fx, "umbra.ini"), 0);
		assert_int_equal(t->decap, ok[i].bits);
	}
	snprintf(text, sizeof(text), "%sdecap = gre, vxlan\nvxlan_port = 8472\n"
			"geneve_port = 6082\ndecap_key = inner\n", lab_tap);
	write_file(fx, "tap.ini", text);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(t->decap, UMB_CONFIG_DECAP_VXLAN | UMB_CONFIG_DECAP_GRE);
	assert_int_equal(t->vxlan_port, 8472);
	assert_int_equal(t->geneve_port, 6082);
	assert_int_equal(t->decap_key_inner, 1);
	f = open_memstream(&dump, &size);
	assert_non_null(f);
	umb_config_dump(&fx->conf, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(dump, "mtu = 9000\ndecap = vxlan,gre\n"
			"vxlan_port = 8472\ngeneve_port = 6082\ndecap_key = inner\n"));
	free(dump);
	/* VXLAN and GENEVE on one port, unless one of them is off */
	snprintf(text, sizeof(text), "%sgeneve_port = 4789\n", lab_tap);
	write_file(fx, "tap.ini", text);
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 8, "port",
			"geneve_port", "same UDP port 4789");
	snprintf(text, sizeof(text), "%sgeneve_port = 4789\ndecap = geneve\n", lab_tap);
	write_file(fx, "tap.ini", text);
	assert_int_equal(load(fx, "umbra.ini"), 0);
}

static void
tap_decap_errors(void **state)
{
	static const struct {
		const char *line;
		const char *key;
		const char *what;
	} bad[] = {
		{ "decap = vxlan, nvgre", "decap", "'nvgre' is not an encapsulation" },
		{ "decap = vxlan,,gre", "decap", "empty item" },
		{ "decap = gre, gre", "decap", "'gre' listed twice" },
		{ "decap = AUTO", "decap", "'AUTO' is not an encapsulation" },
		{ "decap = auto, vxlan", "decap", "'auto' is not an encapsulation" },
		{ "vxlan_port = 0", "vxlan_port", NULL },
		{ "geneve_port = 65536", "geneve_port", NULL },
		{ "decap_key = vni", "decap_key", "session or inner" },
		{ "decap_kye = inner", "decap_kye", "did you mean 'decap_key'" },
	};
	struct fixture *fx = *state;
	char text[256];

	write_lab(fx);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", lab_tap, bad[i].line);
		write_file(fx, "tap.ini", text);
		expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "tap.ini", 8, "port",
				bad[i].key, bad[i].what);
	}
	/* on a shadow port, any of them is an error naming the key */
	write_file(fx, "tap.ini", lab_tap);
	write_file(fx, "shadow.ini", "[port]\nrole = shadow\ndevargs = net_null1\n"
			"decap_key = session\n[shadow]\nipv4 = 10.88.0.1\n"
			"target_ipv4 = keep\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "shadow.ini", 4, "port",
			"decap_key", "only a tap port decapsulates");
	write_file(fx, "shadow.ini", "[port]\ndecap = none\nrole = shadow\n"
			"devargs = net_null1\n[shadow]\nipv4 = 10.88.0.1\n"
			"target_ipv4 = keep\n");
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "shadow.ini", 2, "port",
			"decap", "only a tap port decapsulates");
}

/* [launch] metrics = [ADDR:]PORT: off when absent, 127.0.0.1 by default. */
static void
metrics_key_takes_address_and_port(void **state)
{
	static const struct {
		const char *val;
		int family;
		const char *addr;
		uint16_t port;
		const char *dump;
	} ok[] = {
		{ "9100", AF_INET, "127.0.0.1", 9100, "metrics = 127.0.0.1:9100\n" },
		{ "0.0.0.0:1", AF_INET, "0.0.0.0", 1, "metrics = 0.0.0.0:1\n" },
		{ "10.1.2.3:65535", AF_INET, "10.1.2.3", 65535, "metrics = 10.1.2.3:65535\n" },
		{ "[::1]:9100", AF_INET6, "::1", 9100, "metrics = [::1]:9100\n" },
		{ "fd00::7:9100", AF_INET6, "fd00::7", 9100, "metrics = [fd00::7]:9100\n" },
	};
	struct fixture *fx = *state;
	const struct umb_launch_conf *c = &fx->conf;
	struct umb_listen_conf l = { 0 };
	char text[768], why[256], *dump = NULL;
	uint8_t want[16];
	size_t size = 0;
	FILE *f;

	write_lab(fx);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(c->metrics.enabled, 0);
	for (unsigned int i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "%smetrics = %s\n", lab_launch, ok[i].val);
		write_file(fx, "umbra.ini", text);
		assert_int_equal(load(fx, "umbra.ini"), 0);
		assert_int_equal(c->metrics.enabled, 1);
		assert_int_equal(c->metrics.family, ok[i].family);
		assert_int_equal(c->metrics.port, ok[i].port);
		assert_int_equal(inet_pton(ok[i].family, ok[i].addr, want), 1);
		assert_memory_equal(c->metrics.addr, want, ok[i].family == AF_INET ? 4 : 16);
		f = open_memstream(&dump, &size);
		assert_non_null(f);
		umb_config_dump(c, f);
		assert_int_equal(fclose(f), 0);
		assert_non_null(strstr(dump, ok[i].dump));
		free(dump);
		dump = NULL;
	}
	/* the parser --metrics shares: failure leaves the output alone */
	assert_int_equal(umb_config_parse_listen("9100", &l, why, sizeof(why)), 0);
	assert_int_equal(umb_config_parse_listen("1.2.3:9100", &l, why, sizeof(why)),
			-EINVAL);
	assert_non_null(strstr(why, "'1.2.3' is not an IPv4 or IPv6 address"));
	assert_int_equal(umb_config_parse_listen("", &l, why, sizeof(why)), -EINVAL);
	assert_int_equal(umb_config_parse_listen("[::1:9100", &l, NULL, 0), -EINVAL);
	assert_int_equal(l.enabled, 1);
	assert_int_equal(l.port, 9100);
}

/* [launch] redis, redis_password_file, launch: parsed, and never printed whole. */
static void
redis_keys_parse_and_mask_the_password(void **state)
{
	struct fixture *fx = *state;
	const struct umb_launch_conf *c = &fx->conf;
	struct umb_redis_conf r;
	char text[1024], path[256], buf[400], *dump = NULL;
	size_t size = 0;
	FILE *f;

	write_lab(fx);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(c->redis.enabled, 0);
	assert_string_equal(c->launch, "default");

	snprintf(text, sizeof(text), "%sredis = redis://ops:p%%40ss@10.0.0.5:6380/2\n"
			"launch = edge.v1-a_b\n", lab_launch);
	write_file(fx, "umbra.ini", text);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(c->redis.enabled, 1);
	assert_int_equal(c->redis.is_unix, 0);
	assert_string_equal(c->redis.host, "10.0.0.5");
	assert_int_equal(c->redis.port, 6380);
	assert_int_equal(c->redis.db, 2);
	assert_string_equal(c->redis.user, "ops");
	assert_string_equal(c->redis.password, "p@ss");
	assert_string_equal(c->launch, "edge.v1-a_b");
	f = open_memstream(&dump, &size);
	assert_non_null(f);
	umb_config_dump(c, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(dump, "redis = redis://***@10.0.0.5:6380/2\n"));
	assert_non_null(strstr(dump, "launch = edge.v1-a_b\n"));
	assert_null(strstr(dump, "p@ss"));
	assert_null(strstr(dump, "p%40ss"));
	free(dump);

	/* a password file: owner-only, read once, never dumped */
	snprintf(path, sizeof(path), "%s/pw.txt", fx->dir);
	write_file(fx, "pw.txt", "s3cret\n");
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(text, sizeof(text), "%sredis = unix:///run/redis.sock?db=3\n"
			"redis_password_file = pw.txt\n", lab_launch);
	write_file(fx, "umbra.ini", text);
	assert_int_equal(load(fx, "umbra.ini"), 0);
	assert_int_equal(c->redis.is_unix, 1);
	assert_string_equal(c->redis.path, "/run/redis.sock");
	assert_int_equal(c->redis.db, 3);
	assert_string_equal(c->redis_password, "s3cret");
	f = open_memstream(&dump, &size);
	assert_non_null(f);
	umb_config_dump(c, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(dump, "redis = unix:///run/redis.sock?db=3\n"));
	assert_null(strstr(dump, "s3cret"));
	free(dump);
	assert_int_equal(chmod(path, 0644), 0);
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 19, "launch",
			"redis_password_file", "open to group or others (mode 644): chmod 600");
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(text, sizeof(text), "%sredis = redis://:x@h/0\n"
			"redis_password_file = pw.txt\n", lab_launch);
	write_file(fx, "umbra.ini", text);
	expect_error(fx, load(fx, "umbra.ini"), -EINVAL, "umbra.ini", 19, "launch",
			"redis_password_file", "keep one");

	/* the parser --redis shares: defaults, IPv6, failure leaves the output alone */
	memset(&r, 0, sizeof(r));
	assert_int_equal(umb_config_parse_redis("redis://[::1]:7000", &r, buf, sizeof(buf)),
			0);
	assert_string_equal(r.host, "::1");
	assert_int_equal(r.port, 7000);
	assert_string_equal(umb_config_redis_str(&r, buf, sizeof(buf)),
			"redis://[::1]:7000/0");
	assert_int_equal(umb_config_parse_redis("redis://cache.example", &r, NULL, 0), 0);
	assert_int_equal(r.port, 6379);
	assert_int_equal(r.db, 0);
	assert_int_equal(umb_config_parse_redis("redis://:hunter2@h:0/0", &r, buf,
			sizeof(buf)), -EINVAL);
	assert_null(strstr(buf, "hunter2"));
	assert_string_equal(r.host, "cache.example");
	assert_int_equal(umb_config_check_launch("ok-1.2_3", NULL, 0), 0);
	assert_int_equal(umb_config_check_launch("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(umb_config_check_launch("a:b", buf, sizeof(buf)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(full_lab_config_loads_as_written, setup, teardown),
		cmocka_unit_test_setup_teardown(absent_keys_take_their_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(booleans_take_the_usual_spellings, setup, teardown),
		cmocka_unit_test_setup_teardown(dump_prints_the_effective_configuration, setup,
				teardown),
		cmocka_unit_test_setup_teardown(crlf_lines_and_no_final_newline_load, setup,
				teardown),
		cmocka_unit_test_setup_teardown(unknown_key_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_section_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_number_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(out_of_range_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(trailing_junk_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_mac_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_ipv4_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_ipv6_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_key_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_required_key_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(no_shadow_port_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(two_tap_ports_are_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_port_file_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_method_token_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(src_port_min_above_max_is_an_error, setup,
				teardown),
		cmocka_unit_test_setup_teardown(port_paths_are_relative_to_the_launch_file, setup,
				teardown),
		cmocka_unit_test_setup_teardown(syntax_and_value_errors_name_their_place, setup,
				teardown),
		cmocka_unit_test_setup_teardown(long_value_and_nul_byte_are_errors, setup,
				teardown),
		cmocka_unit_test_setup_teardown(missing_launch_file_is_enoent, setup, teardown),
		cmocka_unit_test_setup_teardown(lab_example_files_load, setup, teardown),
		cmocka_unit_test_setup_teardown(tap_decap_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(tap_decap_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(metrics_key_takes_address_and_port, setup,
				teardown),
		cmocka_unit_test_setup_teardown(redis_keys_parse_and_mask_the_password, setup,
				teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
