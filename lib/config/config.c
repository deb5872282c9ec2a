/* SPDX-License-Identifier: BSD-3-Clause
 * The schema of the live-mode files and the loader. Every key goes through
 * its own setter, listed in a table per section with its default as text
 * (so a default takes the same path as a written value); then cross-key
 * checks, then launch-wide checks. config_file.c supplies the line of each
 * key so that every error names file, line, [section] and key; the
 * address and URL parsers shared with the command line are config_net.c,
 * the dump of the effective configuration config_dump.c.
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

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>

#include "config_file.h"

RTE_LOG_REGISTER(umb_config_logtype, umbra.config, INFO);
#define CONF_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, umb_config_logtype, "config: " fmt "\n", ##__VA_ARGS__)

struct key_def;

/* The key a setter is parsing; line 0 when the value is a default. */
struct key_ctx {
	struct cfg_file *f;
	const char *section;
	const char *key;
	unsigned int line;
	const struct key_def *def;
};

typedef int (*key_setter_t)(const struct key_ctx *k, void *obj, const char *val);

/* One key of a section: its setter and, for the generic setters, where it
 * is stored and its range. */
struct key_def {
	const char *key;
	key_setter_t set;
	size_t off;         /* member offset, for the generic setters */
	uint64_t min, max;  /* range, for the generic setters */
	const char *def;    /* default, parsed by the setter; NULL: none */
	int required;
};

struct section_def {
	const char *name;
	const struct key_def *keys;
	unsigned int nb_keys;
};

static int __rte_format_printf(2, 3)
key_error(const struct key_ctx *k, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return umb_cfgf_error(k->f, -EINVAL, k->line, k->section, k->key, "%s", msg);
}

/* ---- strict value parsers --------------------------------------------- */

/* Decimal, or hexadecimal with 0x; no sign, no space, no octal surprise. */
static int
parse_uint(const struct key_ctx *k, const char *s, uint64_t min, uint64_t max,
		uint64_t *out)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = hex ? s + 2 : s;
	const char *q = digits;
	unsigned long long v;
	char *end;

	while (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q))
		q++;
	if (q == digits)
		return key_error(k, "'%s' is not a number", s);
	if (*q != '\0')
		return key_error(k, "'%s' is not a number (junk after the digits: '%s')",
				s, q);
	errno = 0;
	v = strtoull(digits, &end, hex ? 16 : 10);
	if (errno == ERANGE || end != q || v < min || v > max)
		return key_error(k, "%s is out of range [%" PRIu64 ", %" PRIu64 "]",
				s, min, max);
	*out = v;
	return 0;
}

/* A fixed-point value as text, without trailing fraction zeros: 10, 0.25. */
const char *
umb_cfgf_fixed_str(char *buf, size_t size, uint64_t v, unsigned int decimals)
{
	uint64_t scale = 1, frac;
	unsigned int nd = decimals;

	for (unsigned int i = 0; i < decimals; i++)
		scale *= 10;
	frac = v % scale;
	if (frac == 0) {
		snprintf(buf, size, "%" PRIu64, v / scale);
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		nd--;
	}
	snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64, v / scale, (int)nd, frac);
	return buf;
}

/*
 * A decimal with at most @p decimals fraction digits, returned times
 * 10^decimals, exactly (no binary floating point in between: 0.3 s is
 * 300000 us, not 299999).
 */
static int
parse_fixed(const struct key_ctx *k, const char *s, unsigned int decimals,
		uint64_t min, uint64_t max, const char *unit, uint64_t *out)
{
	uint64_t scale = 1, ip, frac = 0;
	const char *p = s, *dot;
	unsigned int nd = 0;
	char *end;

	for (unsigned int i = 0; i < decimals; i++)
		scale *= 10;
	while (isdigit((unsigned char)*p))
		p++;
	dot = p;
	if (p == s || (*p != '\0' && *p != '.'))
		goto not_number;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)p[nd]))
			nd++;
		if (nd == 0 || p[nd] != '\0')
			goto not_number;
		if (nd > decimals)
			return key_error(k, "'%s' has more than %u decimals", s, decimals);
		for (unsigned int i = 0; i < nd; i++)
			frac = frac * 10 + (uint64_t)(p[i] - '0');
		for (unsigned int i = nd; i < decimals; i++)
			frac *= 10;
	}
	errno = 0;
	ip = strtoull(s, &end, 10);
	if (end != dot)
		goto not_number;
	if (errno == ERANGE || ip > (UINT64_MAX - frac) / scale ||
			ip * scale + frac < min || ip * scale + frac > max) {
		char lo[32], hi[32];

		return key_error(k, "%s is out of range [%s, %s] %s", s,
				umb_cfgf_fixed_str(lo, sizeof(lo), min, decimals),
				umb_cfgf_fixed_str(hi, sizeof(hi), max, decimals), unit);
	}
	*out = ip * scale + frac;
	return 0;
not_number:
	return key_error(k, "'%s' is not a number (digits with an optional '.' fraction)", s);
}

static int
parse_ipv4(const struct key_ctx *k, const char *s, rte_be32_t *out)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, s, &a) != 1)
		return key_error(k, "'%s' is not an IPv4 address", s);
	h = ntohl(a.s_addr);
	if (h == 0 || h == UINT32_MAX || (h >> 24) == 127 || (h >> 28) == 0xe)
		return key_error(k, "'%s' is not a unicast address", s);
	*out = a.s_addr;
	return 0;
}

static int
parse_ipv6(const struct key_ctx *k, const char *s, uint8_t out[16])
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		return key_error(k, "'%s' is not an IPv6 address", s);
	if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a) ||
			IN6_IS_ADDR_MULTICAST(&a))
		return key_error(k, "'%s' is not a unicast address", s);
	memcpy(out, &a, 16);
	return 0;
}

static int
parse_mac(const struct key_ctx *k, const char *s, struct rte_ether_addr *out)
{
	struct rte_ether_addr ea;

	if (rte_ether_unformat_addr(s, &ea) != 0)
		return key_error(k, "'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)", s);
	if (!rte_is_valid_assigned_ether_addr(&ea))
		return key_error(k, "'%s' is not a unicast MAC address", s);
	*out = ea;
	return 0;
}

static int
parse_string(const struct key_ctx *k, const char *s, char *out, size_t size)
{
	size_t n = strlen(s);

	if (n >= size)
		return key_error(k, "longer than %zu characters", size - 1);
	memcpy(out, s, n + 1);
	return 0;
}

/* Relative paths are taken from the directory of the file that names them. */
static int
parse_path(const struct key_ctx *k, const char *s, char *out, size_t size)
{
	const char *dir = s[0] == '/' ? "" : k->f->dir;
	int n = snprintf(out, size, "%s%s", dir, s);

	if (n < 0 || (size_t)n >= size)
		return key_error(k, "path '%s%s' longer than %zu characters", dir, s, size - 1);
	return 0;
}

/* Split a comma list into @p buf: items trimmed, none empty. */
static int
split_list(const struct key_ctx *k, const char *val, char buf[CFG_VALUE_LEN],
		char **items, unsigned int max, unsigned int *nb)
{
	unsigned int n = 0;
	char *p = buf;

	if (parse_string(k, val, buf, CFG_VALUE_LEN) != 0)
		return -EINVAL;
	for (;;) {
		char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char *item = umb_cfgf_strip(p, &len);

		if (len == 0)
			return key_error(k, "empty item in the list '%s'", val);
		if (n == max)
			return key_error(k, "more than %u items in '%s'", max, val);
		items[n++] = item;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*nb = n;
	return 0;
}

/* ---- setters ------------------------------------------------------------
 * Keys that are a plain number in a range share a setter; the range and
 * the member come from the key's row in the table. Every other key has
 * its own setter.
 */

#define MEMBER(obj, k, type) ((type *)(void *)((char *)(obj) + (k)->def->off))

static int
set_u16(const struct key_ctx *k, void *obj, const char *val)
{
	uint64_t v;
	int rc = parse_uint(k, val, k->def->min, k->def->max, &v);

	if (rc == 0)
		*MEMBER(obj, k, uint16_t) = (uint16_t)v;
	return rc;
}

static int
set_u32(const struct key_ctx *k, void *obj, const char *val)
{
	uint64_t v;
	int rc = parse_uint(k, val, k->def->min, k->def->max, &v);

	if (rc == 0)
		*MEMBER(obj, k, uint32_t) = (uint32_t)v;
	return rc;
}

static int
set_u64(const struct key_ctx *k, void *obj, const char *val)
{
	return parse_uint(k, val, k->def->min, k->def->max, MEMBER(obj, k, uint64_t));
}

/* yes/no (also true/false, on/off, 1/0), stored as 0 or 1 in a uint8_t. */
static int
set_bool(const struct key_ctx *k, void *obj, const char *val)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (unsigned int i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(val, yes[i]) == 0) {
			*MEMBER(obj, k, uint8_t) = 1;
			return 0;
		}
		if (strcasecmp(val, no[i]) == 0) {
			*MEMBER(obj, k, uint8_t) = 0;
			return 0;
		}
	}
	return key_error(k, "'%s' is not yes or no", val);
}

/* Seconds with up to 6 decimals, stored in microseconds. */
static int
set_seconds(const struct key_ctx *k, void *obj, const char *val)
{
	return parse_fixed(k, val, 6, k->def->min, k->def->max, "seconds",
			MEMBER(obj, k, uint64_t));
}

/* A descriptor ring size: the PMDs want a power of 2. */
static int
set_desc(const struct key_ctx *k, void *obj, const char *val)
{
	uint64_t v;
	int rc = parse_uint(k, val, k->def->min, k->def->max, &v);

	if (rc != 0)
		return rc;
	if (!rte_is_power_of_2((uint32_t)v))
		return key_error(k, "%s is not a power of 2", val);
	*MEMBER(obj, k, uint16_t) = (uint16_t)v;
	return 0;
}

static int
set_path(const struct key_ctx *k, void *obj, const char *val)
{
	return parse_path(k, val, MEMBER(obj, k, char), UMB_CONFIG_PATH_LEN);
}

static int
set_ports(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	char buf[CFG_VALUE_LEN];
	char *items[UMB_CONFIG_MAX_PORTS];
	unsigned int n;
	int rc = split_list(k, val, buf, items, UMB_CONFIG_MAX_PORTS, &n);

	for (unsigned int i = 0; rc == 0 && i < n; i++) {
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0)
				return key_error(k, "'%s' listed twice", items[i]);
		rc = parse_path(k, items[i], c->ports[i].file, sizeof(c->ports[i].file));
	}
	if (rc == 0)
		c->nb_ports = (uint16_t)n;
	return rc;
}

static int
set_sample_share(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	uint64_t v;
	/* Percent with 4 decimals is exactly parts per million. */
	int rc = parse_fixed(k, val, 4, 0, 100 * 10000, "percent", &v);

	RTE_BUILD_BUG_ON(UMB_CONFIG_SHARE_ONE != 100 * 10000);
	if (rc == 0)
		c->sample_share_ppm = (uint32_t)v;
	return rc;
}

static int
set_methods(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	char buf[CFG_VALUE_LEN];
	char *items[UMB_CONFIG_MAX_METHODS];
	unsigned int n;
	int rc = split_list(k, val, buf, items, UMB_CONFIG_MAX_METHODS, &n);

	for (unsigned int i = 0; rc == 0 && i < n; i++) {
		size_t len = strlen(items[i]);

		for (size_t j = 0; j < len; j++)
			if (items[i][j] < 'A' || items[i][j] > 'Z')
				return key_error(k, "'%s' is not a method token %s", items[i],
						"(upper-case letters, e.g. GET)");
		if (len >= UMB_CONFIG_METHOD_LEN)
			return key_error(k, "method '%s' longer than %d letters", items[i],
					UMB_CONFIG_METHOD_LEN - 1);
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(items[i], c->methods[j]) == 0)
				return key_error(k, "'%s' listed twice", items[i]);
		memcpy(c->methods[i], items[i], len + 1);
	}
	if (rc == 0)
		c->nb_methods = (uint16_t)n;
	return rc;
}

static int
set_exchanges(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;

	if (strcmp(val, "-") == 0)
		return parse_string(k, val, c->exchanges, sizeof(c->exchanges));
	return parse_path(k, val, c->exchanges, sizeof(c->exchanges));
}

/*
 * Syntax only: "lcore:role[+role...]" items, comma separated. Which roles
 * exist and how they combine is the application's lcore map to judge.
 */
static int
set_roles(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	const char *p = val;

	for (;;) {
		unsigned int digits = 0, lcore = 0;

		while (isdigit((unsigned char)*p) && digits < 5) {
			lcore = lcore * 10 + (unsigned int)(*p++ - '0');
			digits++;
		}
		if (*p == '\0')
			return key_error(k, "'%s': ends with ','", val);
		if (digits == 0 || *p != ':')
			return key_error(k, "'%s': expected an lcore id and ':' at '%s'", val, p);
		if (lcore >= RTE_MAX_LCORE)
			return key_error(k, "'%s': lcore %u is not below %d", val, lcore,
					RTE_MAX_LCORE);
		do {
			const char *r = ++p;

			while ((*p >= 'a' && *p <= 'z') || *p == '_')
				p++;
			if (p == r)
				return key_error(k, "'%s': expected a role name at '%s'", val, r);
		} while (*p == '+');
		if (*p == '\0')
			break;
		if (*p != ',')
			return key_error(k, "'%s': unexpected '%c' (lcore:role+role,...)", val, *p);
		p++;
	}
	return parse_string(k, val, c->roles, sizeof(c->roles));
}

static int
check_name(const struct key_ctx *k, const char *s, char *out, size_t size)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return key_error(k, "'%s' is not a name (letters, digits, '_', '-')", s);
	if (n == 0 || n >= size)
		return key_error(k, "'%s' is not 1 to %zu characters", s, size - 1);
	memcpy(out, s, n + 1);
	return 0;
}

static int
set_name(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	return check_name(k, val, p->name, sizeof(p->name));
}

static int
set_role(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	if (strcmp(val, "tap") == 0)
		p->role = UMB_PORT_TAP;
	else if (strcmp(val, "shadow") == 0)
		p->role = UMB_PORT_SHADOW;
	else
		return key_error(k, "'%s' is not a role (tap or shadow)", val);
	return 0;
}

static int
set_devargs(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	for (const char *s = val; *s != '\0'; s++)
		if (isspace((unsigned char)*s))
			return key_error(k, "'%s' contains a space", val);
	return parse_string(k, val, p->devargs, sizeof(p->devargs));
}

/*
 * decap: "auto" (every encapsulation), "none", or a comma list of vxlan,
 * geneve, erspan, gre (each at most once).
 */
static int
set_decap(const struct key_ctx *k, void *obj, const char *val)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} types[] = {
		{ "vxlan", UMB_CONFIG_DECAP_VXLAN },
		{ "geneve", UMB_CONFIG_DECAP_GENEVE },
		{ "erspan", UMB_CONFIG_DECAP_ERSPAN },
		{ "gre", UMB_CONFIG_DECAP_GRE },
	};
	struct umb_port_conf *p = obj;
	char buf[CFG_VALUE_LEN];
	char *items[RTE_DIM(types)];
	unsigned int n, i, j;
	uint8_t bits = 0;
	int rc;

	if (strcmp(val, "auto") == 0) {
		p->decap = UMB_CONFIG_DECAP_AUTO;
		return 0;
	}
	if (strcmp(val, "none") == 0) {
		p->decap = 0;
		return 0;
	}
	rc = split_list(k, val, buf, items, RTE_DIM(types), &n);
	if (rc != 0)
		return rc;
	for (i = 0; i < n; i++) {
		for (j = 0; j < RTE_DIM(types); j++)
			if (strcmp(items[i], types[j].name) == 0)
				break;
		if (j == RTE_DIM(types))
			return key_error(k, "'%s' is not an encapsulation %s", items[i],
					"(auto, none, or a list of vxlan, geneve, erspan, gre)");
		if (bits & types[j].bit)
			return key_error(k, "'%s' listed twice", items[i]);
		bits |= types[j].bit;
	}
	p->decap = bits;
	return 0;
}

static int
set_decap_key(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	if (strcmp(val, "session") == 0)
		p->decap_key_inner = 0;
	else if (strcmp(val, "inner") == 0)
		p->decap_key_inner = 1;
	else
		return key_error(k, "'%s' is not a flow key choice (session or inner)", val);
	return 0;
}

static int
set_mac(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;
	int rc = parse_mac(k, val, &p->mac);

	p->has_mac = rc == 0;
	return rc;
}

static int
set_ipv4(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;
	int rc = parse_ipv4(k, val, &p->ipv4);

	p->has_ipv4 = rc == 0;
	return rc;
}

static int
set_ipv6(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;
	int rc = parse_ipv6(k, val, p->ipv6);

	p->has_ipv6 = rc == 0;
	return rc;
}

/* The targets have no default: shadow_checks() asks for the target of each
 * family umbra speaks, so "keep" is always a written choice. */
static int
set_target_ipv4(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	p->target_ipv4_keep = strcmp(val, "keep") == 0;
	if (p->target_ipv4_keep)
		return 0;
	return parse_ipv4(k, val, &p->target_ipv4);
}

static int
set_target_ipv6(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	p->target_ipv6_keep = strcmp(val, "keep") == 0;
	if (p->target_ipv6_keep)
		return 0;
	return parse_ipv6(k, val, p->target_ipv6);
}

static int
set_target_port(const struct key_ctx *k, void *obj, const char *val)
{
	if (strcmp(val, "keep") == 0)
		return set_u16(k, obj, "0");
	return set_u16(k, obj, val);
}

static int
set_next_hop_mac(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_port_conf *p = obj;

	p->next_hop_resolve = strcmp(val, "resolve") == 0;
	if (p->next_hop_resolve) {
		memset(&p->next_hop_mac, 0, sizeof(p->next_hop_mac));
		return 0;
	}
	return parse_mac(k, val, &p->next_hop_mac);
}

static int
set_metrics(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	char why[256];

	if (umb_config_parse_listen(val, &c->metrics, why, sizeof(why)) != 0)
		return key_error(k, "%s", why);
	return 0;
}

/* ---- the fleet store: the launch-file keys (parsers in config_net.c) ---- */

static int
set_redis(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	char why[256];

	if (umb_config_parse_redis(val, &c->redis, why, sizeof(why)) != 0)
		return key_error(k, "%s", why);
	return 0;
}

static int
set_launch(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	char why[256];

	if (umb_config_check_launch(val, why, sizeof(why)) != 0)
		return key_error(k, "%s", why);
	memcpy(c->launch, val, strlen(val) + 1);
	return 0;
}

/*
 * The password file: read once, here. It must be a regular file that only
 * its owner may read (like ssh's keys): one line, the trailing newline
 * dropped. Its content is never printed.
 */
static int
set_redis_password_file(const struct key_ctx *k, void *obj, const char *val)
{
	struct umb_launch_conf *c = obj;
	char buf[UMB_CONFIG_REDIS_PASS_LEN + 2];
	struct stat st;
	size_t n;
	FILE *fp;
	int rc = parse_path(k, val, c->redis_password_file, sizeof(c->redis_password_file));

	if (rc != 0)
		return rc;
	fp = fopen(c->redis_password_file, "r");
	if (fp == NULL)
		return key_error(k, "cannot open '%s': %s", c->redis_password_file,
				strerror(errno));
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return key_error(k, "'%s' is not a regular file", c->redis_password_file);
	}
	if ((st.st_mode & 0077) != 0) {
		fclose(fp);
		return key_error(k, "'%s' is open to group or others (mode %03o): chmod 600",
				c->redis_password_file, (unsigned int)(st.st_mode & 0777));
	}
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0)
		return key_error(k, "'%s' is empty", c->redis_password_file);
	if (n >= UMB_CONFIG_REDIS_PASS_LEN)
		return key_error(k, "'%s': the password is longer than %d bytes",
				c->redis_password_file, UMB_CONFIG_REDIS_PASS_LEN - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return key_error(k, "'%s': more than one line, or a control byte",
					c->redis_password_file);
	memcpy(c->redis_password, buf, n + 1);
	memset(buf, 0, sizeof(buf));
	return 0;
}

/*
 * The tables. A member's offset is paired with a compile-time check of its
 * size, so a generic setter can never write past a member.
 */
#define MEMBER_OF(type, m, size) \
	(offsetof(type, m) + 0 * sizeof(char[sizeof(((type *)0)->m) == (size) ? 1 : -1]))
#define L(m, size) MEMBER_OF(struct umb_launch_conf, m, size)
#define P(m, size) MEMBER_OF(struct umb_port_conf, m, size)
#define SEC(s) ((s) * 1000000ULL)

static const struct key_def launch_keys[] = {
	{ "ports", set_ports, 0, 0, 0, NULL, 1 },
	{ "sample_share", set_sample_share, 0, 0, 0, "10", 0 },
	{ "sample_seed", set_u64, L(sample_seed, 8), 0, UINT64_MAX, "0", 0 },
	{ "record_unsampled", set_bool, L(record_unsampled, 1), 0, 1, "no", 0 },
	{ "methods", set_methods, 0, 0, 0, "GET,HEAD,OPTIONS", 0 },
	{ "max_sessions", set_u32, L(max_sessions, 4), 1, 1u << 22, "10000", 0 },
	{ "new_sessions_per_sec", set_u32, L(new_sessions_per_sec, 4), 1, 10000000,
		"1000", 0 },
	{ "session_burst", set_u32, L(session_burst, 4), 1, 1000000, "100", 0 },
	{ "held_bytes_per_session", set_u32, L(held_bytes_per_session, 4), 4096,
		1u << 30, "1048576", 0 },
	{ "shadow_queue_max", set_u32, L(shadow_queue_max, 4), 1, 64, "64", 0 },
	{ "shadow_response_timeout", set_seconds, L(shadow_response_timeout_us, 8),
		SEC(1) / 1000, SEC(600), "10", 0 },
	{ "shadow_idle_timeout", set_seconds, L(shadow_idle_timeout_us, 8),
		SEC(1) / 1000, SEC(3600), "30", 0 },
	{ "flow_idle_timeout", set_seconds, L(flow_idle_timeout_us, 8), SEC(1),
		SEC(86400), "120", 0 },
	{ "max_flows", set_u32, L(max_flows, 4), 64, 1u << 24, "65536", 0 },
	{ "exchanges", set_exchanges, 0, 0, 0, NULL, 0 },
	{ "summary_json", set_path, L(summary_json, UMB_CONFIG_PATH_LEN), 0, 0, NULL, 0 },
	{ "roles", set_roles, 0, 0, 0, NULL, 0 },
	{ "compare", set_path, L(compare, UMB_CONFIG_PATH_LEN), 0, 0, NULL, 0 },
	{ "compare_body_max", set_u32, L(compare_body_max, 4), 0, 64u << 20,
		"1048576", 0 },
	{ "compare_memcap_mb", set_u32, L(compare_memcap_mb, 4), 1, 65536, "64", 0 },
	{ "metrics", set_metrics, 0, 0, 0, NULL, 0 },
	{ "redis", set_redis, 0, 0, 0, NULL, 0 },
	{ "redis_password_file", set_redis_password_file, 0, 0, 0, NULL, 0 },
	{ "launch", set_launch, 0, 0, 0, UMB_CONFIG_LAUNCH_DEFAULT, 0 },
};

static const struct key_def port_keys[] = {
	{ "name", set_name, 0, 0, 0, NULL, 0 },
	{ "role", set_role, 0, 0, 0, NULL, 1 },
	{ "devargs", set_devargs, 0, 0, 0, NULL, 1 },
	{ "rx_desc", set_desc, P(rx_desc, 2), 64, 16384, "1024", 0 },
	{ "tx_desc", set_desc, P(tx_desc, 2), 64, 16384, "1024", 0 },
	{ "mtu", set_u16, P(mtu, 2), 68, 9600, "1500", 0 },
	/* tap only (tap_checks): decapsulation of mirror traffic */
	{ "decap", set_decap, 0, 0, 0, "auto", 0 },
	{ "vxlan_port", set_u16, P(vxlan_port, 2), 1, 65535, "4789", 0 },
	{ "geneve_port", set_u16, P(geneve_port, 2), 1, 65535, "6081", 0 },
	{ "decap_key", set_decap_key, 0, 0, 0, "session", 0 },
};

static const struct key_def shadow_keys[] = {
	{ "mac", set_mac, 0, 0, 0, NULL, 0 },
	{ "ipv4", set_ipv4, 0, 0, 0, NULL, 0 },
	{ "ipv6", set_ipv6, 0, 0, 0, NULL, 0 },
	{ "target_ipv4", set_target_ipv4, 0, 0, 0, NULL, 0 },
	{ "target_ipv6", set_target_ipv6, 0, 0, 0, NULL, 0 },
	{ "target_port", set_target_port, P(target_port, 2), 0, 65535, "keep", 0 },
	{ "next_hop_mac", set_next_hop_mac, 0, 0, 0, "resolve", 0 },
	{ "vlan", set_u16, P(vlan, 2), 0, 4094, "0", 0 },
	{ "src_port_min", set_u16, P(src_port_min, 2), 1024, 65535, "20000", 0 },
	{ "src_port_max", set_u16, P(src_port_max, 2), 1024, 65535, "59999", 0 },
};

static const struct section_def launch_section = {
	"launch", launch_keys, RTE_DIM(launch_keys) };
static const struct section_def port_section = {
	"port", port_keys, RTE_DIM(port_keys) };
static const struct section_def shadow_section = {
	"shadow", shadow_keys, RTE_DIM(shadow_keys) };

/* ---- applying a section ----------------------------------------------- */

/* Edit distance of two short names, for "did you mean". */
static unsigned int
edit_distance(const char *a, const char *b)
{
	unsigned int row[CFG_NAME_LEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > CFG_NAME_LEN || lb > CFG_NAME_LEN)
		return UINT32_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			best = RTE_MIN(best, up + 1);
			best = RTE_MIN(best, row[j - 1] + 1);
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int
unknown_key(struct cfg_file *f, const struct section_def *sd, unsigned int line,
		const char *key)
{
	const char *best = NULL;
	unsigned int best_d = UINT32_MAX;

	/* A typo is a few edits away; longer names tolerate more. */
	for (unsigned int i = 0; i < sd->nb_keys; i++) {
		unsigned int d = edit_distance(key, sd->keys[i].key);
		unsigned int limit = strlen(sd->keys[i].key) >= 8 ? 3 : 2;

		if (d <= limit && d < best_d) {
			best_d = d;
			best = sd->keys[i].key;
		}
	}
	if (best != NULL)
		return umb_cfgf_error(f, -EINVAL, line, sd->name, key,
				"unknown key (did you mean '%s'?)", best);
	return umb_cfgf_error(f, -EINVAL, line, sd->name, key,
			"unknown key (see docs/config.md)");
}

/*
 * Apply section @p sec_idx of @p f (-1: the file has none) through the
 * setters of @p sd: written keys in file order, then defaults, then the
 * required keys that are still missing.
 */
static int
apply_section(struct cfg_file *f, const struct section_def *sd, int sec_idx, void *obj)
{
	const struct scan_section *sec = sec_idx >= 0 ? &f->sections[sec_idx] : NULL;
	struct rte_cfgfile_entry *ents = NULL;
	uint8_t seen[32] = { 0 };
	char name[CFG_NAME_LEN];
	int n = 0, rc = 0;

	RTE_VERIFY(sd->nb_keys <= RTE_DIM(seen));
	if (sec != NULL && sec->n > 0) {
		ents = malloc(sizeof(*ents) * sec->n);
		if (ents == NULL)
			return umb_cfgf_error(f, -ENOMEM, 0, NULL, NULL, "out of memory");
		n = rte_cfgfile_section_entries_by_index(f->cfg, sec_idx, name, ents,
				(int)sec->n);
		if (n != (int)sec->n) {
			rc = umb_cfgf_error(f, -EIO, 0, NULL, NULL, "changed while being read");
			goto out;
		}
	}
	for (int e = 0; e < n; e++) {
		const struct scan_entry *se = &f->entries[sec->first + e];
		struct key_ctx k = { f, sd->name, se->key, se->line, NULL };
		unsigned int i;

		if (strcmp(ents[e].name, se->key) != 0) {
			rc = umb_cfgf_error(f, -EIO, 0, NULL, NULL, "changed while being read");
			goto out;
		}
		for (i = 0; i < sd->nb_keys; i++)
			if (strcmp(sd->keys[i].key, se->key) == 0)
				break;
		if (i == sd->nb_keys) {
			rc = unknown_key(f, sd, se->line, se->key);
			goto out;
		}
		k.def = &sd->keys[i];
		rc = sd->keys[i].set(&k, obj, ents[e].value);
		if (rc != 0)
			goto out;
		/* A redis URL may hold a password: never logged. */
		CONF_LOG(DEBUG, "%s:%u: [%s] %s = %s", f->path, se->line, sd->name,
				se->key, strcmp(se->key, "redis") == 0 ? "(not logged)" :
				ents[e].value);
		seen[i] = 1;
	}
	for (unsigned int i = 0; i < sd->nb_keys; i++) {
		const struct key_def *kd = &sd->keys[i];
		struct key_ctx k = { f, sd->name, kd->key, 0, kd };

		if (seen[i])
			continue;
		if (kd->required && sec != NULL) {
			rc = umb_cfgf_error(f, -EINVAL, sec->line, sd->name, kd->key,
					"required key missing");
			goto out;
		}
		if (kd->required) {
			rc = umb_cfgf_error(f, -EINVAL, 0, sd->name, kd->key,
					"required key missing (the file has no [%s] section)",
					sd->name);
			goto out;
		}
		if (kd->def != NULL) {
			rc = kd->set(&k, obj, kd->def);
			if (rc != 0)
				goto out;
		}
	}
out:
	free(ents);
	return rc;
}

/* Every section of @p f must be one of @p known (NULL-terminated). */
static int
check_sections(struct cfg_file *f, const char *const *known, const char *expect)
{
	for (unsigned int s = 0; s < f->nb_sections; s++) {
		unsigned int i;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(f->sections[s].name, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return umb_cfgf_error(f, -EINVAL, f->sections[s].line, f->sections[s].name,
					NULL, "unknown section (expected %s)", expect);
	}
	return 0;
}

/* ---- port files ------------------------------------------------------- */

/* Rules between keys of [shadow]; each error names the key to change. */
static int
shadow_checks(struct cfg_file *f, struct umb_port_conf *p, int sec_idx)
{
	const char *s = shadow_section.name;
	unsigned int hdr = f->sections[sec_idx].line;
	unsigned int lt4 = umb_cfgf_key_line(f, s, "target_ipv4");
	unsigned int lt6 = umb_cfgf_key_line(f, s, "target_ipv6");
	unsigned int lmin = umb_cfgf_key_line(f, s, "src_port_min");
	unsigned int lmax = umb_cfgf_key_line(f, s, "src_port_max");

	if (!p->has_ipv4 && !p->has_ipv6)
		return umb_cfgf_error(f, -EINVAL, hdr, s, "ipv4",
				"required key missing (umbra's own address; or ipv6)");
	if (p->has_ipv4 && lt4 == 0)
		return umb_cfgf_error(f, -EINVAL, hdr, s, "target_ipv4",
				"required when ipv4 is set (the shadow's address, or keep)");
	if (p->has_ipv6 && lt6 == 0)
		return umb_cfgf_error(f, -EINVAL, hdr, s, "target_ipv6",
				"required when ipv6 is set (the shadow's address, or keep)");
	if (!p->has_ipv4 && lt4 != 0)
		return umb_cfgf_error(f, -EINVAL, lt4, s, "target_ipv4",
				"set but ipv4 is not (umbra needs its own IPv4 address)");
	if (!p->has_ipv6 && lt6 != 0)
		return umb_cfgf_error(f, -EINVAL, lt6, s, "target_ipv6",
				"set but ipv6 is not (umbra needs its own IPv6 address)");
	if (p->has_ipv4 && !p->target_ipv4_keep && p->ipv4 == p->target_ipv4)
		return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, s, "ipv4"), s, "ipv4",
				"same address as target_ipv4");
	if (p->has_ipv6 && !p->target_ipv6_keep &&
			memcmp(p->ipv6, p->target_ipv6, 16) == 0)
		return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, s, "ipv6"), s, "ipv6",
				"same address as target_ipv6");
	if (p->src_port_min > p->src_port_max && lmin != 0)
		return umb_cfgf_error(f, -EINVAL, lmin, s, "src_port_min",
				"%u is above src_port_max %u", p->src_port_min, p->src_port_max);
	if (p->src_port_min > p->src_port_max)
		return umb_cfgf_error(f, -EINVAL, lmax, s, "src_port_max",
				"%u is below src_port_min %u", p->src_port_max, p->src_port_min);
	return 0;
}

/*
 * The [port] keys only a tap port may set: on a shadow port each one
 * written is an error (umbra never decapsulates the shadow's answers), and
 * their members are zero. On a tap port the two UDP ports must differ.
 */
static int
tap_checks(struct cfg_file *f, struct umb_port_conf *p)
{
	static const char *const tap_keys[] = {
		"decap", "vxlan_port", "geneve_port", "decap_key",
	};
	const char *s = port_section.name;

	if (p->role == UMB_PORT_SHADOW) {
		for (unsigned int i = 0; i < RTE_DIM(tap_keys); i++) {
			unsigned int line = umb_cfgf_key_line(f, s, tap_keys[i]);

			if (line != 0)
				return umb_cfgf_error(f, -EINVAL, line, s, tap_keys[i],
						"only a tap port decapsulates (role is shadow)");
		}
		p->decap = 0;
		p->decap_key_inner = 0;
		p->vxlan_port = 0;
		p->geneve_port = 0;
		return 0;
	}
	if ((p->decap & (UMB_CONFIG_DECAP_VXLAN | UMB_CONFIG_DECAP_GENEVE)) ==
			(UMB_CONFIG_DECAP_VXLAN | UMB_CONFIG_DECAP_GENEVE) &&
			p->vxlan_port == p->geneve_port) {
		unsigned int line = umb_cfgf_key_line(f, s, "geneve_port");
		const char *key = line != 0 ? "geneve_port" : "vxlan_port";

		if (line == 0)
			line = umb_cfgf_key_line(f, s, "vxlan_port");
		return umb_cfgf_error(f, -EINVAL, line, s, key,
				"VXLAN and GENEVE on the same UDP port %u", p->vxlan_port);
	}
	return 0;
}

/* The default port name: the file name without directory and ".ini". */
static void
name_from_file(const char *path, char *out, size_t size)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".ini") == 0)
		n -= 4;
	snprintf(out, size, "%.*s", (int)RTE_MIN(n, size - 1), b);
}

static int
load_port(struct umb_port_conf *p, char *err, size_t err_size)
{
	static const char *const known[] = { "port", "shadow", NULL };
	struct cfg_file *f;
	int rc, psec, ssec;

	f = malloc(sizeof(*f));
	if (f == NULL) {
		if (err != NULL && err_size > 0)
			snprintf(err, err_size, "%s: out of memory", p->file);
		return -ENOMEM;
	}
	rc = umb_cfgf_open(f, p->file, err, err_size);
	if (rc != 0)
		goto out;
	rc = check_sections(f, known, "[port] and, for a shadow port, [shadow]");
	if (rc != 0)
		goto out;
	psec = umb_cfgf_find_section(f, "port");
	ssec = umb_cfgf_find_section(f, "shadow");
	rc = apply_section(f, &port_section, psec, p);
	if (rc == 0)
		rc = tap_checks(f, p);
	if (rc != 0)
		goto out;
	if (p->name[0] == '\0') {
		struct key_ctx k = { f, "port", "name", 0, NULL };
		char derived[CFG_NAME_LEN];

		name_from_file(p->file, derived, sizeof(derived));
		rc = check_name(&k, derived, p->name, sizeof(p->name));
		if (rc != 0) {
			rc = umb_cfgf_error(f, -EINVAL, psec >= 0 ? f->sections[psec].line : 0,
					"port", "name",
					"'%s' (from the file name) is not a valid name; set name",
					derived);
			goto out;
		}
	}
	if (p->role == UMB_PORT_TAP && ssec >= 0) {
		rc = umb_cfgf_error(f, -EINVAL, f->sections[ssec].line, "shadow", NULL,
				"only a shadow port has a [shadow] section (role is tap)");
		goto out;
	}
	if (p->role == UMB_PORT_SHADOW) {
		if (ssec < 0) {
			rc = umb_cfgf_error(f, -EINVAL, 0, "shadow", NULL,
					"section missing: a shadow port needs %s",
					"ipv4 (or ipv6) and target_ipv4");
			goto out;
		}
		rc = apply_section(f, &shadow_section, ssec, p);
		if (rc == 0)
			rc = shadow_checks(f, p, ssec);
	}
out:
	umb_cfgf_close(f);
	free(f);
	return rc;
}

/* ---- the launch file -------------------------------------------------- */

static int
launch_checks(struct cfg_file *f, struct umb_launch_conf *c)
{
	unsigned int line = umb_cfgf_key_line(f, "launch", "ports");
	unsigned int nb_tap = 0, nb_shadow = 0;

	if (c->redis.password[0] != '\0' && c->redis_password[0] != '\0')
		return umb_cfgf_error(f, -EINVAL,
				umb_cfgf_key_line(f, "launch", "redis_password_file"), "launch",
				"redis_password_file", "the redis URL has a password too: keep one");
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		const struct umb_port_conf *p = &c->ports[i];

		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(p->name, c->ports[j].name) == 0)
				return umb_cfgf_error(f, -EINVAL, line, "launch", "ports",
						"port name '%s' used by both %s and %s", p->name,
						c->ports[j].file, p->file);
			if (strcmp(p->devargs, c->ports[j].devargs) == 0)
				return umb_cfgf_error(f, -EINVAL, line, "launch", "ports",
						"devargs '%s' used by both %s and %s", p->devargs,
						c->ports[j].file, p->file);
		}
		if (p->role == UMB_PORT_TAP) {
			c->tap_port = (uint16_t)i;
			nb_tap++;
		} else {
			c->shadow_port = (uint16_t)i;
			nb_shadow++;
		}
	}
	if (nb_tap != 1 || nb_shadow != 1)
		return umb_cfgf_error(f, -EINVAL, line, "launch", "ports",
				"this version needs exactly one tap port and one shadow port; "
				"the files listed have %u tap and %u shadow", nb_tap, nb_shadow);
	return 0;
}

int
umb_config_load(const char *path, struct umb_launch_conf *out, char *err,
		size_t err_size)
{
	static const char *const known[] = { "launch", NULL };
	struct cfg_file *f;
	int rc;

	if (err != NULL && err_size > 0)
		err[0] = '\0';
	if (path == NULL || out == NULL) {
		if (err != NULL && err_size > 0)
			snprintf(err, err_size, "no configuration file");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	f = malloc(sizeof(*f));
	if (f == NULL) {
		if (err != NULL && err_size > 0)
			snprintf(err, err_size, "%s: out of memory", path);
		return -ENOMEM;
	}
	rc = umb_cfgf_open(f, path, err, err_size);
	if (rc != 0)
		goto out;
	if (strlen(path) >= sizeof(out->file)) {
		rc = umb_cfgf_error(f, -ENAMETOOLONG, 0, NULL, NULL, "path too long");
		goto out;
	}
	strcpy(out->file, path);
	rc = check_sections(f, known, "[launch]");
	if (rc == 0)
		rc = apply_section(f, &launch_section, umb_cfgf_find_section(f, "launch"), out);
	if (rc != 0)
		goto out;
	for (unsigned int i = 0; i < out->nb_ports; i++) {
		struct umb_port_conf *p = &out->ports[i];
		FILE *probe = fopen(p->file, "r");

		/* A missing file is the launch file's error: name its line. */
		if (probe == NULL) {
			int e = errno;

			rc = umb_cfgf_error(f, -e, umb_cfgf_key_line(f, "launch", "ports"),
					"launch", "ports", "cannot open '%s': %s", p->file,
					strerror(e));
			goto out;
		}
		fclose(probe);
		rc = load_port(p, err, err_size);
		if (rc != 0)
			goto out;
	}
	rc = launch_checks(f, out);
	if (rc == 0)
		CONF_LOG(DEBUG, "%s: %u ports, sample share %u ppm", path, out->nb_ports,
				out->sample_share_ppm);
out:
	umb_cfgf_close(f);
	free(f);
	return rc;
}
