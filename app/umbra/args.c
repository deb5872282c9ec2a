/* SPDX-License-Identifier: BSD-3-Clause
 * Command line. Two forms:
 *   umbra --pcap FILE [--pcap FILE...] [options]        (EAL args built in)
 *   umbra [EAL args] -- [options]                       (EAL args given)
 * Every numeric option is parsed strictly (whole string, range checked)
 * and an error names the option.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "umb_flow.h"
#include "umbra.h"

enum {
	OPT_PCAP = 256, OPT_EXCHANGES, OPT_SUMMARY_JSON, OPT_ROLES, OPT_LCORES,
	OPT_MAX_FLOWS, OPT_REASM_MEMCAP, OPT_STREAM_CAP, OPT_RECORDS, OPT_MBUFS,
	OPT_RING_SIZE, OPT_IDLE_TIMEOUT, OPT_CLOSE_TIMEOUT, OPT_SHARE, OPT_SEED,
	OPT_NO_MIDSTREAM, OPT_QUIET, OPT_HELP, OPT_CONFIG, OPT_RESPONDER, OPT_DURATION,
	OPT_RECORD_UNSAMPLED, OPT_COMPARE, OPT_COMPARE_BODY_MAX, OPT_COMPARE_MEMCAP,
	OPT_METRICS, OPT_REDIS, OPT_LAUNCH,
};

static const struct option long_opts[] = {
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "exchanges", required_argument, NULL, OPT_EXCHANGES },
	{ "summary-json", required_argument, NULL, OPT_SUMMARY_JSON },
	{ "roles", required_argument, NULL, OPT_ROLES },
	{ "lcores", required_argument, NULL, OPT_LCORES },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "reasm-memcap-mb", required_argument, NULL, OPT_REASM_MEMCAP },
	{ "stream-cap-kb", required_argument, NULL, OPT_STREAM_CAP },
	{ "records", required_argument, NULL, OPT_RECORDS },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "close-timeout", required_argument, NULL, OPT_CLOSE_TIMEOUT },
	{ "sample-share", required_argument, NULL, OPT_SHARE },
	{ "sample-seed", required_argument, NULL, OPT_SEED },
	{ "no-midstream", no_argument, NULL, OPT_NO_MIDSTREAM },
	{ "record-unsampled", no_argument, NULL, OPT_RECORD_UNSAMPLED },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "bench-responder", no_argument, NULL, OPT_RESPONDER },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "compare-body-max", required_argument, NULL, OPT_COMPARE_BODY_MAX },
	{ "compare-memcap-mb", required_argument, NULL, OPT_COMPARE_MEMCAP },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "launch", required_argument, NULL, OPT_LAUNCH },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void
umb_args_usage(const char *prog)
{
	fprintf(stderr,
"usage: %s --pcap FILE [--pcap FILE...] [options]\n"
"       %s [EAL args] -- [options]\n"
"options:\n"
"  --config FILE          live mode: ports and launch settings from a launch file\n"
"                         (docs/config.md); its sample_share, sample_seed,\n"
"                         flow_idle_timeout, max_flows, exchanges, summary_json\n"
"                         and roles replace the options of the same meaning\n"
"  --pcap FILE            read a capture (pcap/pcapng; Ethernet, BSD loopback,\n"
"                         Linux SLL/SLL2, raw IP) through net_pcap; repeatable\n"
"  --exchanges FILE       write one JSON line per HTTP request ('-' = stdout)\n"
"  --summary-json FILE    write every counter as JSON at exit\n"
"  --roles SPEC           lcore map, e.g. 0:rx+reasm+compare+export or\n"
"                         0:rx+export,1:reasm+compare (without compare, it joins\n"
"                         the first reasm lcore)\n"
"  --compare FILE         compare rules (docs/compare.md); default: built-in rules\n"
"  --compare-body-max N   body bytes kept per answer for comparing (default 1048576)\n"
"  --compare-memcap-mb N  memory for kept headers, bodies, diffs (default 64)\n"
"  --lcores LIST          lcores for the built-in EAL args (default 0)\n"
"  --max-flows N          flow cap per reassembly lcore (default 65536)\n"
"  --reasm-memcap-mb N    out-of-order memory per reassembly lcore (default 64)\n"
"  --stream-cap-kb N      out-of-order bytes per stream (default 1024)\n"
"  --records N            exchange records per reassembly lcore (default 16384)\n"
"  --mbufs N              packet buffers (default 16383)\n"
"  --ring-size N          ring slots between roles, power of 2 (default 4096)\n"
"  --idle-timeout SEC     end idle flows after SEC seconds (default 120)\n"
"  --close-timeout SEC    keep closed flows SEC seconds (default 5)\n"
"  --sample-share PCT     percent of flows followed, 0-100 (default 100)\n"
"  --sample-seed N        sampling seed (default 0)\n"
"  --no-midstream         ignore flows whose handshake was not seen\n"
"  --record-unsampled     parse unsampled flows too; their records get\n"
"                         outcome not_sampled (default: not parsed, not written)\n"
"  --quiet                no summary on stdout\n"
"  --duration SEC         live: stop by itself after SEC seconds (as on SIGINT)\n"
"  --metrics [ADDR:]PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
"                         (ADDR default 127.0.0.1; wins over [launch] metrics;\n"
"                         docs/metrics.md); default: off\n"
"  --redis URL            export to the fleet store: redis://[user:password@]host:port/db\n"
"                         or unix:///path[?db=N] (docs/redis.md; password also from\n"
"                         UMBRA_REDIS_PASSWORD); wins over [launch] redis\n"
"  --launch NAME          the launch's name in Redis ([A-Za-z0-9_.-], default \"default\")\n"
"  --bench-responder      benchmark only (--config): an in-process minimal\n"
"                         shadow answers every frame umbra sends (scripts/bench-mirror)\n",
		prog, prog);
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
			v < min || v > max) {
		fprintf(stderr, "--%s: '%s' is not an integer in [%" PRIu64 ", %" PRIu64 "]\n",
				opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max,
		uint32_t *out)
{
	uint64_t v;
	int rc = parse_u64(opt, s, min, max, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

/* Seconds with an optional fraction, to microseconds. */
static int
parse_seconds(const char *opt, const char *s, uint64_t *us)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0) || v > 86400.0 * 365) {
		fprintf(stderr, "--%s: '%s' is not a number of seconds\n", opt, s);
		return -EINVAL;
	}
	*us = (uint64_t)(v * 1e6);
	return 0;
}

static int
parse_share(const char *s, uint32_t *ppm)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0 && v <= 100.0)) {
		fprintf(stderr, "--sample-share: '%s' is not a percentage in [0, 100]\n", s);
		return -EINVAL;
	}
	*ppm = (uint32_t)(v * (UMB_SHARE_ONE / 100) + 0.5);
	return 0;
}

/* Load --config and take the launch settings it owns. */
static int
apply_config(struct umb_options *o)
{
	static struct umb_launch_conf conf;
	char err[512];
	int rc;

	if (o->nb_pcaps > 0) {
		fprintf(stderr, "--config and --pcap are exclusive (live ports or capture files)\n");
		return -EINVAL;
	}
	rc = umb_config_load(o->config_path, &conf, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		return rc;
	}
	o->conf = &conf;
	o->share_ppm = conf.sample_share_ppm;
	o->seed = conf.sample_seed;
	o->record_unsampled |= conf.record_unsampled;
	o->idle_timeout_us = conf.flow_idle_timeout_us;
	o->max_flows = conf.max_flows;
	if (conf.exchanges[0] != '\0')
		o->exchanges_path = conf.exchanges;
	if (conf.summary_json[0] != '\0')
		o->summary_json = conf.summary_json;
	if (conf.roles[0] != '\0')
		o->roles = conf.roles;
	if (conf.compare[0] != '\0')
		o->compare_path = conf.compare;
	o->compare_body_max = conf.compare_body_max;
	o->compare_memcap_mb = conf.compare_memcap_mb;
	if (!o->metrics.enabled)    /* the command line wins */
		o->metrics = conf.metrics;
	if (!o->redis.enabled)
		o->redis = conf.redis;
	if (o->redis.password[0] == '\0')
		memcpy(o->redis.password, conf.redis_password, sizeof(o->redis.password));
	if (o->launch[0] == '\0')
		memcpy(o->launch, conf.launch, sizeof(o->launch));
	return 0;
}

int
umb_args_parse(struct umb_options *o, int argc, char **argv)
{
	int c, rc = 0;

	o->max_flows = 65536;
	o->reasm_memcap_mb = 64;
	o->stream_cap_kb = 1024;
	o->records = 16384;
	o->mbufs = 16383;
	o->ring_size = 4096;
	o->idle_timeout_us = 120 * 1000000ULL;
	o->close_timeout_us = 5 * 1000000ULL;
	o->share_ppm = UMB_SHARE_ONE;
	o->midstream = 1;
	o->compare_body_max = 1u << 20;
	o->compare_memcap_mb = 64;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PCAP:
			if (o->nb_pcaps == UMB_MAX_PORTS) {
				fprintf(stderr, "--pcap: at most %d files\n", UMB_MAX_PORTS);
				return -EINVAL;
			}
			if (access(optarg, R_OK) != 0) {
				fprintf(stderr, "--pcap: cannot read '%s': %s\n", optarg,
						strerror(errno));
				return -EINVAL;
			}
			if (strchr(optarg, ',') != NULL) {
				fprintf(stderr, "--pcap: '%s': a comma in the path cannot pass through device arguments\n",
						optarg);
				return -EINVAL;
			}
			o->pcaps[o->nb_pcaps++] = optarg;
			break;
		case OPT_CONFIG: o->config_path = optarg; break;
		case OPT_EXCHANGES: o->exchanges_path = optarg; break;
		case OPT_SUMMARY_JSON: o->summary_json = optarg; break;
		case OPT_ROLES: o->roles = optarg; break;
		case OPT_LCORES: o->lcores = optarg; break;
		case OPT_MAX_FLOWS:
			rc = parse_u32("max-flows", optarg, 8, 1u << 26, &o->max_flows);
			break;
		case OPT_REASM_MEMCAP:
			rc = parse_u32("reasm-memcap-mb", optarg, 1, 1u << 16, &o->reasm_memcap_mb);
			break;
		case OPT_STREAM_CAP:
			rc = parse_u32("stream-cap-kb", optarg, 4, 1u << 20, &o->stream_cap_kb);
			break;
		case OPT_RECORDS:
			rc = parse_u32("records", optarg, 64, 1u << 24, &o->records);
			break;
		case OPT_MBUFS:
			rc = parse_u32("mbufs", optarg, 1023, 1u << 24, &o->mbufs);
			break;
		case OPT_RING_SIZE:
			rc = parse_u32("ring-size", optarg, 64, 1u << 20, &o->ring_size);
			if (rc == 0 && (o->ring_size & (o->ring_size - 1)) != 0) {
				fprintf(stderr, "--ring-size: %u is not a power of 2\n", o->ring_size);
				rc = -EINVAL;
			}
			break;
		case OPT_IDLE_TIMEOUT:
			rc = parse_seconds("idle-timeout", optarg, &o->idle_timeout_us);
			break;
		case OPT_CLOSE_TIMEOUT:
			rc = parse_seconds("close-timeout", optarg, &o->close_timeout_us);
			break;
		case OPT_SHARE: rc = parse_share(optarg, &o->share_ppm); break;
		case OPT_SEED:
			rc = parse_u64("sample-seed", optarg, 0, UINT64_MAX, &o->seed);
			break;
		case OPT_NO_MIDSTREAM: o->midstream = 0; break;
		case OPT_COMPARE: o->compare_path = optarg; break;
		case OPT_COMPARE_BODY_MAX:
			rc = parse_u32("compare-body-max", optarg, 0, 64u << 20,
					&o->compare_body_max);
			break;
		case OPT_COMPARE_MEMCAP:
			rc = parse_u32("compare-memcap-mb", optarg, 1, 65536,
					&o->compare_memcap_mb);
			break;
		case OPT_METRICS: {
			char why[256];

			rc = umb_config_parse_listen(optarg, &o->metrics, why, sizeof(why));
			if (rc != 0)
				fprintf(stderr, "--metrics: %s\n", why);
			break;
		}
		case OPT_REDIS: {
			char why[256];

			rc = umb_config_parse_redis(optarg, &o->redis, why, sizeof(why));
			if (rc != 0)
				fprintf(stderr, "--redis: %s\n", why);
			break;
		}
		case OPT_LAUNCH: {
			char why[256];

			rc = umb_config_check_launch(optarg, why, sizeof(why));
			if (rc != 0)
				fprintf(stderr, "--launch: %s\n", why);
			else
				snprintf(o->launch, sizeof(o->launch), "%s", optarg);
			break;
		}
		case OPT_RECORD_UNSAMPLED: o->record_unsampled = 1; break;
		case OPT_QUIET: o->quiet = 1; break;
		case OPT_RESPONDER: o->responder = 1; break;
		case OPT_DURATION: {
			char *end;
			double d = strtod(optarg, &end);

			if (*end != '\0' || !(d > 0 && d <= 1e6)) {
				fprintf(stderr, "--duration: '%s' is not a number of seconds\n",
						optarg);
				return -1;
			}
			o->duration_us = (uint64_t)(d * 1e6);
			break;
		}
		case 'h':
		case OPT_HELP:
			umb_args_usage(argv[0]);
			return 1;
		default:
			umb_args_usage(argv[0]);
			return -EINVAL;
		}
		if (rc != 0)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->config_path != NULL) {
		rc = apply_config(o);
		if (rc != 0)
			return rc;
	}
	if (o->launch[0] == '\0')
		snprintf(o->launch, sizeof(o->launch), "%s", UMB_CONFIG_LAUNCH_DEFAULT);
	/* The password: the URL's, else redis_password_file's, else this. */
	if (o->redis.enabled && o->redis.password[0] == '\0' &&
			getenv("UMBRA_REDIS_PASSWORD") != NULL) {
		const char *pw = getenv("UMBRA_REDIS_PASSWORD");

		if (strlen(pw) >= sizeof(o->redis.password)) {
			fprintf(stderr, "UMBRA_REDIS_PASSWORD: longer than %zu bytes\n",
					sizeof(o->redis.password) - 1);
			return -EINVAL;
		}
		memcpy(o->redis.password, pw, strlen(pw) + 1);
	}
	/* Capture files end: nothing may be dropped between roles. */
	o->backpressure = o->nb_pcaps > 0;
	return 0;
}

/*
 * EAL arguments for the built-in form: no hugepages, no PCI, memory in the
 * process only, a file prefix of our own so that runs can overlap.
 */
int
umb_args_build_eal(const struct umb_options *o, const char *prog,
		char **eal_argv, int max, char *store, size_t store_size)
{
	int n = 0;
	size_t used = 0;
	const char *fixed[] = { "--no-huge", "--no-pci", "--no-shconf",
		"--no-telemetry", "-m", "1024", "--log-level=lib.eal:error",
		"--log-level=pmd.net.pcap:error" };

	eal_argv[n++] = (char *)(uintptr_t)prog;
	for (unsigned int i = 0; i < RTE_DIM(fixed) && n < max - 4; i++)
		eal_argv[n++] = (char *)(uintptr_t)fixed[i];
	used = (size_t)snprintf(store, store_size, "--file-prefix=umbra%d", (int)getpid()) + 1;
	eal_argv[n++] = store;
	eal_argv[n++] = "-l";
	snprintf(store + used, store_size - used, "%s", o->lcores ? o->lcores : "0");
	eal_argv[n++] = store + used;
	eal_argv[n] = NULL;
	return n;
}
