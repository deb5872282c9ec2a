/* SPDX-License-Identifier: BSD-3-Clause
 * Network addresses of the launch file that are also given on the command
 * line: a listening address ([ADDR:]PORT, --metrics) and the fleet store's
 * Redis URL, password and launch name (--redis, --launch). One strict
 * parser each, shared by the config keys (config.c) and args.c; errors are
 * one line, and a password is never echoed back.
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

/* ---- listening addresses (also --metrics) ------------------------------ */

static int __rte_format_printf(3, 4)
listen_error(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int
umb_config_parse_listen(const char *s, struct umb_listen_conf *out, char *why,
		size_t why_size)
{
	struct umb_listen_conf l = { .enabled = 1 };
	char host[INET6_ADDRSTRLEN];
	const char *h = UMB_CONFIG_LISTEN_DEFAULT_ADDR, *port_s = s, *sep;
	size_t hlen = strlen(h), nd = 0;
	unsigned long port = 0;
	int bracket = 0;

	if (s == NULL || out == NULL)
		return listen_error(why, why_size, "no address");
	if (s[0] == '[') {
		sep = strchr(s, ']');
		if (sep == NULL || sep[1] != ':')
			return listen_error(why, why_size,
					"'%s' is not [IPv6]:PORT (a ']:' is missing)", s);
		h = s + 1;
		hlen = (size_t)(sep - h);
		port_s = sep + 2;
		bracket = 1;
	} else if ((sep = strrchr(s, ':')) != NULL) {
		h = s;
		hlen = (size_t)(sep - s);
		port_s = sep + 1;
	}
	while (isdigit((unsigned char)port_s[nd]) && nd < 6)
		port = port * 10 + (unsigned long)(port_s[nd++] - '0');
	if (nd == 0 || port_s[nd] != '\0' || port == 0 || port > 65535)
		return listen_error(why, why_size,
				"'%s' is not [ADDR:]PORT with a PORT in [1, 65535]", s);
	if (hlen == 0 || hlen >= sizeof(host))
		return listen_error(why, why_size, "'%s': the address before ':' is %s", s,
				hlen == 0 ? "empty" : "too long");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (!bracket && inet_pton(AF_INET, host, l.addr) == 1)
		l.family = AF_INET;
	else if (inet_pton(AF_INET6, host, l.addr) == 1)
		l.family = AF_INET6;
	else
		return listen_error(why, why_size,
				"'%s' is not an IPv4 or IPv6 address (in '%s')", host, s);
	l.port = (uint16_t)port;
	*out = l;
	return 0;
}

const char *
umb_config_listen_str(const struct umb_listen_conf *l, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (l->enabled == 0 || inet_ntop(l->family, l->addr, a, sizeof(a)) == NULL) {
		snprintf(buf, size, "off");
		return buf;
	}
	if (l->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, l->port);
	else
		snprintf(buf, size, "%s:%u", a, l->port);
	return buf;
}

/* ---- the fleet store: redis URL, password file, launch name ------------ */

/* Percent-decode @p n bytes of @p s into @p out; -1 on a bad escape, a NUL
 * byte or when it does not fit. */
static int
pct_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			char hex[3] = { 0 };

			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
					!isxdigit((unsigned char)s[i + 2]))
				return -1;
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			c = (char)strtoul(hex, NULL, 16);
			if (c == '\0')
				return -1;
			i += 2;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Digits only, in [0, @p max]; -1 otherwise. */
static long
url_number(const char *s, size_t n, long max)
{
	long v = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

int
umb_config_parse_redis(const char *s, struct umb_redis_conf *out, char *why,
		size_t why_size)
{
	struct umb_redis_conf r;
	const char *p, *end, *slash, *at, *hs, *he;
	long v;

	if (s == NULL || out == NULL)
		return listen_error(why, why_size, "no URL");
	memset(&r, 0, sizeof(r));
	r.enabled = 1;
	if (strncmp(s, "rediss://", 9) == 0)
		return listen_error(why, why_size,
				"TLS (rediss://) is not supported (hiredis 0.14): use a unix "
				"socket or a trusted network");
	if (strncmp(s, "unix://", 7) == 0) {
		const char *q;
		size_t n;

		p = s + 7;
		if (p[0] != '/')
			return listen_error(why, why_size,
					"unix:// needs an absolute socket path (unix:///path/redis.sock)");
		q = strchr(p, '?');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n <= 1)
			return listen_error(why, why_size, "unix://: no socket path");
		if (n >= sizeof(r.path))
			return listen_error(why, why_size,
					"socket path longer than %zu bytes", sizeof(r.path) - 1);
		memcpy(r.path, p, n);
		r.path[n] = '\0';
		r.is_unix = 1;
		if (q != NULL) {
			if (strncmp(q, "?db=", 4) != 0)
				return listen_error(why, why_size,
						"unix://: the only parameter is ?db=N, not '%.32s'", q);
			v = url_number(q + 4, strlen(q + 4), 65535);
			if (v < 0)
				return listen_error(why, why_size,
						"db '%.16s' is not a number in [0, 65535]", q + 4);
			r.db = (uint32_t)v;
		}
		*out = r;
		return 0;
	}
	if (strncmp(s, "redis://", 8) != 0)
		return listen_error(why, why_size,
				"no redis:// or unix:// scheme (redis://[user:password@]host:port/db "
				"or unix:///path[?db=N])");
	p = s + 8;
	end = p + strlen(p);
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = end;
	at = NULL;
	for (const char *q = p; q < slash; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		const char *colon = memchr(p, ':', (size_t)(at - p));

		/* Never quote the user information: it holds the password. */
		if (colon == NULL)
			return listen_error(why, why_size,
					"user information without ':' (redis://:password@host or "
					"redis://user:password@host)");
		if (pct_decode(p, (size_t)(colon - p), r.user, sizeof(r.user)) != 0)
			return listen_error(why, why_size,
					"the user is too long or has a bad %%-escape");
		if (pct_decode(colon + 1, (size_t)(at - colon - 1), r.password,
				sizeof(r.password)) != 0)
			return listen_error(why, why_size,
					"the password is too long or has a bad %%-escape");
		p = at + 1;
	}
	if (*p == '[') {
		struct in6_addr a6;

		hs = p + 1;
		he = memchr(hs, ']', (size_t)(slash - hs));
		if (he == NULL)
			return listen_error(why, why_size, "'[' without ']' around an IPv6 host");
		if ((size_t)(he - hs) >= sizeof(r.host))
			return listen_error(why, why_size, "host too long");
		memcpy(r.host, hs, (size_t)(he - hs));
		r.host[he - hs] = '\0';
		if (inet_pton(AF_INET6, r.host, &a6) != 1)
			return listen_error(why, why_size, "'%s' is not an IPv6 address", r.host);
		p = he + 1;
	} else {
		hs = p;
		while (p < slash && *p != ':')
			p++;
		he = p;
		if (he == hs)
			return listen_error(why, why_size, "no host (redis://host:port/db)");
		if ((size_t)(he - hs) >= sizeof(r.host))
			return listen_error(why, why_size, "host too long");
		for (const char *q = hs; q < he; q++)
			if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-' && *q != '_')
				return listen_error(why, why_size,
						"host '%.*s' is not a name or an address", (int)(he - hs), hs);
		memcpy(r.host, hs, (size_t)(he - hs));
		r.host[he - hs] = '\0';
	}
	r.port = 6379;
	if (p < slash && *p == ':') {
		v = url_number(p + 1, (size_t)(slash - p - 1), 65535);
		if (v <= 0)
			return listen_error(why, why_size, "port '%.*s' is not in [1, 65535]",
					(int)RTE_MIN(slash - p - 1, 16), p + 1);
		r.port = (uint16_t)v;
	} else if (p != slash) {
		return listen_error(why, why_size, "unexpected '%.16s' after the host", p);
	}
	if (slash < end && slash[1] != '\0') {
		v = url_number(slash + 1, strlen(slash + 1), 65535);
		if (v < 0)
			return listen_error(why, why_size,
					"db '%.16s' is not a number in [0, 65535]", slash + 1);
		r.db = (uint32_t)v;
	}
	*out = r;
	return 0;
}

const char *
umb_config_redis_str(const struct umb_redis_conf *r, char *buf, size_t size)
{
	if (r == NULL || !r->enabled)
		snprintf(buf, size, "off");
	else if (r->is_unix && r->db != 0)
		snprintf(buf, size, "unix://%s?db=%u", r->path, r->db);
	else if (r->is_unix)
		snprintf(buf, size, "unix://%s", r->path);
	else
		snprintf(buf, size, "redis://%s%s%s%s:%u/%u",
				r->user[0] != '\0' || r->password[0] != '\0' ? "***@" : "",
				strchr(r->host, ':') != NULL ? "[" : "", r->host,
				strchr(r->host, ':') != NULL ? "]" : "", r->port, r->db);
	return buf;
}

int
umb_config_check_launch(const char *s, char *why, size_t why_size)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n >= UMB_CONFIG_LAUNCH_LEN)
		return listen_error(why, why_size, "a launch name is 1 to %d characters",
				UMB_CONFIG_LAUNCH_LEN - 1);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' &&
				s[i] != '.')
			return listen_error(why, why_size,
					"'%.64s' is not a launch name (letters, digits, '_', '-', '.')",
					s);
	return 0;
}
