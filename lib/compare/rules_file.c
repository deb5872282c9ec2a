/* SPDX-License-Identifier: BSD-3-Clause
 * The compare file (docs/compare.md): an rte_cfgfile INI read through
 * lib/config's strict reader, so that every error names file:line
 * [section] key exactly as the launch files do. [compare] holds the global
 * rules and the table sizes; each [route NAME] section holds `match =
 * METHOD /template` and any rule key, which starts from the global rules
 * (list keys add to the global lists, scalar keys replace).
 *
 * This file is the only part of lib/compare that uses DPDK (rte_cfgfile);
 * the engine itself has no DPDK dependency. Bounds: those of the reader
 * (64 KiB, 16 sections, 128 keys, values below 256 bytes): a list longer
 * than one value continues in numbered keys (ignore.1, ignore.2, ...).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cfgfile.h>

#include "umb_compare.h"
#include "config_file.h"

#define SEC_GLOBAL "compare"
#define SEC_ROUTE  "route "

struct rkey {
	const char *name;
	int (*set)(struct cfg_file *f, const char *sec, const char *key,
			const char *val, struct umb_cmp_rules *r);
};

static int
parse_bool(struct cfg_file *f, const char *sec, const char *key,
		const char *val, uint8_t *out)
{
	if (strcasecmp(val, "yes") == 0 || strcasecmp(val, "true") == 0 ||
			strcmp(val, "1") == 0 || strcasecmp(val, "on") == 0) {
		*out = 1;
		return 0;
	}
	if (strcasecmp(val, "no") == 0 || strcasecmp(val, "false") == 0 ||
			strcmp(val, "0") == 0 || strcasecmp(val, "off") == 0) {
		*out = 0;
		return 0;
	}
	return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key), sec, key,
			"'%s' is not yes or no", val);
}

static int
parse_u64(struct cfg_file *f, const char *sec, const char *key, const char *val,
		uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (val[0] == '-' || val[0] == '+')
		goto bad;
	v = strtoull(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0')
		goto bad;
	if (v < lo || v > hi)
		return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key), sec,
				key, "%s is out of range %" PRIu64 "..%" PRIu64, val, lo, hi);
	*out = v;
	return 0;
bad:
	return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key), sec, key,
			"'%s' is not a whole number", val);
}

static int
parse_double(struct cfg_file *f, const char *sec, const char *key,
		const char *val, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (errno != 0 || end == val || *end != '\0' || !(v >= 0.0 && v <= hi))
		return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key), sec,
				key, "'%s' is not a number in 0..%g", val, hi);
	*out = v;
	return 0;
}

/* Split a comma list in place; each item stripped. Returns the count. */
static unsigned int
split(char *buf, char **items, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(buf, ",", &save); t != NULL && n < max;
			t = strtok_r(NULL, ",", &save)) {
		size_t len = strlen(t);
		char *s = umb_cfgf_strip(t, &len);

		if (len > 0)
			items[n++] = s;
	}
	return n;
}

#define LIST_MAX 32

static int
set_paths(struct cfg_file *f, const char *sec, const char *key, const char *val,
		struct umb_cmp_rules *r, int action)
{
	char buf[CFG_VALUE_LEN], *items[LIST_MAX], err[160];
	unsigned int n;

	snprintf(buf, sizeof(buf), "%s", val);
	n = split(buf, items, LIST_MAX);
	for (unsigned int i = 0; i < n; i++) {
		char *pat = items[i], *field = NULL;
		int rc;

		if (action == UMB_RULE_KEYED) {
			/* "$.items by id" or "$.items:id" */
			char *by = strstr(pat, " by ");

			if (by != NULL) {
				*by = '\0';
				field = by + 4;
			} else if ((by = strrchr(pat, ':')) != NULL) {
				*by = '\0';
				field = by + 1;
			}
			if (field != NULL) {
				size_t fl = strlen(field), pl = strlen(pat);

				field = umb_cfgf_strip(field, &fl);
				pat = umb_cfgf_strip(pat, &pl);
			}
			if (field == NULL || field[0] == '\0')
				return umb_cfgf_error(f, -EINVAL,
						umb_cfgf_key_line(f, sec, key), sec, key,
						"'%s': expected PATH by FIELD", items[i]);
		}
		rc = umb_cmp_rules_add(r, action, pat, field, err, sizeof(err));
		if (rc == -ENOSPC)
			return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key),
					sec, key, "more than %d path rules", UMB_CMP_RULES_MAX);
		if (rc != 0)
			return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key),
					sec, key, "'%s': %s", pat, err);
	}
	return 0;
}

static int
set_ignore(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return set_paths(f, s, k, v, r, UMB_RULE_IGNORE);
}

static int
set_unordered(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return set_paths(f, s, k, v, r, UMB_RULE_UNORDERED);
}

static int
set_keyed(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return set_paths(f, s, k, v, r, UMB_RULE_KEYED);
}

static int
set_redact(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return set_paths(f, s, k, v, r, UMB_RULE_REDACT);
}

static int
set_headers_list(struct cfg_file *f, const char *sec, const char *key,
		const char *val, char (*names)[UMB_CMP_HDR_NAME_MAX], uint8_t *nb)
{
	char buf[CFG_VALUE_LEN], *items[LIST_MAX];
	unsigned int n;

	snprintf(buf, sizeof(buf), "%s", val);
	n = split(buf, items, LIST_MAX);
	for (unsigned int i = 0; i < n; i++) {
		size_t len = strlen(items[i]);

		if (len >= UMB_CMP_HDR_NAME_MAX || strpbrk(items[i], " \t:") != NULL)
			return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key),
					sec, key, "'%s' is not a header name", items[i]);
		if (*nb >= UMB_CMP_HDRS_MAX)
			return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key),
					sec, key, "more than %d header names", UMB_CMP_HDRS_MAX);
		for (size_t j = 0; j <= len; j++)
			names[*nb][j] = (char)(items[i][j] >= 'A' && items[i][j] <= 'Z' ?
				items[i][j] + 32 : items[i][j]);
		(*nb)++;
	}
	return 0;
}

static int
set_hdr_compare(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return set_headers_list(f, s, k, v, r->hdr_compare, &r->nb_hdr_compare);
}

static int
set_hdr_ignore(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return set_headers_list(f, s, k, v, r->hdr_ignore, &r->nb_hdr_ignore);
}

#define BOOL_SETTER(fn, member) \
static int fn(struct cfg_file *f, const char *s, const char *k, const char *v, \
		struct umb_cmp_rules *r) \
{ return parse_bool(f, s, k, v, &r->member); }

BOOL_SETTER(set_status_class, status_class)
BOOL_SETTER(set_headers_on, headers_on)
BOOL_SETTER(set_hdr_defaults, hdr_defaults)
BOOL_SETTER(set_body_on, body_on)
BOOL_SETTER(set_json_sniff, json_sniff)

#define U64_SETTER(fn, member, lo, hi) \
static int fn(struct cfg_file *f, const char *s, const char *k, const char *v, \
		struct umb_cmp_rules *r) \
{ \
	uint64_t x; \
	int rc = parse_u64(f, s, k, v, lo, hi, &x); \
	\
	if (rc == 0) \
		r->member = (__typeof__(r->member))x; \
	return rc; \
}

U64_SETTER(set_max_depth, max_depth, 1, 100000)
U64_SETTER(set_max_nodes, max_nodes, 1, 100000000)
U64_SETTER(set_max_doc, max_doc_bytes, 1, 1ULL << 30)
U64_SETTER(set_max_diffs, max_diffs, 1, 10000)
U64_SETTER(set_slow_ms, slow_ms, 0, 86400000)
U64_SETTER(set_decode_max, decode_max, 1, 1ULL << 30)
U64_SETTER(set_decode_ratio, decode_ratio, 0, 100000)

static int
set_tol_abs(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return parse_double(f, s, k, v, 1e300, &r->tol_abs);
}

static int
set_tol_rel(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return parse_double(f, s, k, v, 1e6, &r->tol_rel);
}

static int
set_slow_ratio(struct cfg_file *f, const char *s, const char *k, const char *v,
		struct umb_cmp_rules *r)
{
	return parse_double(f, s, k, v, 1e6, &r->slow_ratio);
}

/* Every rule key, valid in [compare] and in [route ...]. */
static const struct rkey rule_keys[] = {
	{ "status_class", set_status_class },
	{ "headers", set_headers_on },
	{ "headers_compare", set_hdr_compare },
	{ "headers_ignore", set_hdr_ignore },
	{ "headers_default_ignore", set_hdr_defaults },
	{ "body", set_body_on },
	{ "json_sniff", set_json_sniff },
	{ "tolerance", set_tol_abs },
	{ "tolerance_rel", set_tol_rel },
	{ "ignore", set_ignore },
	{ "unordered", set_unordered },
	{ "keyed", set_keyed },
	{ "redact", set_redact },
	{ "max_depth", set_max_depth },
	{ "max_nodes", set_max_nodes },
	{ "max_doc_bytes", set_max_doc },
	{ "max_diffs", set_max_diffs },
	{ "slow_ms", set_slow_ms },
	{ "slow_ratio", set_slow_ratio },
	{ "decode_max", set_decode_max },
	{ "decode_ratio", set_decode_ratio },
};

/* "ignore" and "ignore.3" are the same list key. */
static const struct rkey *
rule_key(const char *key)
{
	size_t len = strcspn(key, ".");

	if (key[len] == '.') {
		const char *d = key + len + 1;

		if (*d == '\0' || strspn(d, "0123456789") != strlen(d))
			return NULL;
	}
	for (unsigned int i = 0; i < RTE_DIM(rule_keys); i++)
		if (strlen(rule_keys[i].name) == len &&
				strncmp(rule_keys[i].name, key, len) == 0) {
			if (key[len] == '.' && rule_keys[i].set != set_ignore &&
					rule_keys[i].set != set_unordered &&
					rule_keys[i].set != set_keyed &&
					rule_keys[i].set != set_redact &&
					rule_keys[i].set != set_hdr_ignore &&
					rule_keys[i].set != set_hdr_compare)
				return NULL;
			return &rule_keys[i];
		}
	return NULL;
}

static int
load_section(struct cfg_file *f, const char *sec, struct umb_cmp_ruleset *rs,
		struct umb_cmp_rules *r, int global)
{
	int n = rte_cfgfile_section_num_entries(f->cfg, sec);
	struct rte_cfgfile_entry *e;
	int rc = 0;

	if (n < 0)
		return umb_cfgf_error(f, -EINVAL, 0, sec, NULL, "cannot read section");
	e = calloc((size_t)n + 1, sizeof(*e));
	if (e == NULL)
		return umb_cfgf_error(f, -ENOMEM, 0, sec, NULL, "out of memory");
	n = rte_cfgfile_section_entries(f->cfg, sec, e, n);
	for (int i = 0; rc == 0 && i < n; i++) {
		const char *key = e[i].name, *val = e[i].value;
		const struct rkey *k;
		uint64_t v;

		if (global && strcmp(key, "max_routes") == 0) {
			rc = parse_u64(f, sec, key, val, 1, 100000, &v);
			rs->max_routes = (uint32_t)v;
		} else if (global && strcmp(key, "samples") == 0) {
			rc = parse_u64(f, sec, key, val, 0, 10000, &v);
			rs->samples = (uint32_t)v;
		} else if (!global && strcmp(key, "match") == 0) {
			continue; /* read by the caller */
		} else if ((k = rule_key(key)) != NULL) {
			rc = k->set(f, sec, key, val, r);
		} else {
			rc = umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, key),
					sec, key, "unknown key%s", global ?
					" (see docs/compare.md)" : " in a route section");
		}
	}
	free(e);
	return rc;
}

/* "METHOD /template": a method token, one space, a path from '/'. */
static int
check_match(struct cfg_file *f, const char *sec, const char *val)
{
	const char *sp = strchr(val, ' ');

	if (sp == NULL || sp == val || sp[1] != '/' || strchr(sp + 1, ' ') != NULL ||
			strlen(val) >= UMB_ROUTE_MAX)
		return umb_cfgf_error(f, -EINVAL, umb_cfgf_key_line(f, sec, "match"),
				sec, "match", "'%s': expected 'METHOD /path/{param}'", val);
	for (const char *p = val; p < sp; p++)
		if (!(*p >= 'A' && *p <= 'Z') && *p != '-' && *p != '_')
			return umb_cfgf_error(f, -EINVAL,
					umb_cfgf_key_line(f, sec, "match"), sec, "match",
					"'%.*s' is not an upper-case method", (int)(sp - val), val);
	return 0;
}

void
umb_cmp_ruleset_default(struct umb_cmp_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	umb_cmp_rules_default(&rs->global);
	rs->max_routes = 1000;
	rs->samples = 64;
	snprintf(rs->name, sizeof(rs->name), "default");
}

/* FNV-1a of the file's bytes: the rules' identity in reports. */
static uint64_t
file_hash(const char *path)
{
	uint64_t h = 1469598103934665603ULL;
	FILE *fp = fopen(path, "rb");
	int c;

	if (fp == NULL)
		return 0;
	while ((c = getc(fp)) != EOF)
		h = (h ^ (uint64_t)(unsigned char)c) * 1099511628211ULL;
	fclose(fp);
	return h;
}

int
umb_cmp_ruleset_load(struct umb_cmp_ruleset *rs, const char *path, char *err,
		size_t err_size)
{
	struct cfg_file f;
	int rc;

	umb_cmp_ruleset_default(rs);
	rc = umb_cfgf_open(&f, path, err, err_size);
	if (rc != 0)
		return rc;
	if (umb_cfgf_find_section(&f, SEC_GLOBAL) >= 0)
		rc = load_section(&f, SEC_GLOBAL, rs, &rs->global, 1);
	for (unsigned int i = 0; rc == 0 && i < f.nb_sections; i++) {
		const char *sec = f.sections[i].name;
		struct umb_cmp_route_rules *rr;
		const char *m;

		if (strcmp(sec, SEC_GLOBAL) == 0)
			continue;
		if (strncmp(sec, SEC_ROUTE, strlen(SEC_ROUTE)) != 0) {
			rc = umb_cfgf_error(&f, -EINVAL, f.sections[i].line, sec, NULL,
					"unknown section: expected [compare] or [route NAME]");
			break;
		}
		m = rte_cfgfile_get_entry(f.cfg, sec, "match");
		if (m == NULL) {
			rc = umb_cfgf_error(&f, -EINVAL, f.sections[i].line, sec, "match",
					"a route section needs match = METHOD /template");
			break;
		}
		rc = check_match(&f, sec, m);
		if (rc != 0)
			break;
		if (rs->nb_routes == UMB_CMP_ROUTES_MAX) {
			rc = umb_cfgf_error(&f, -EINVAL, f.sections[i].line, sec, NULL,
					"more than %d route sections", UMB_CMP_ROUTES_MAX);
			break;
		}
		rr = &rs->routes[rs->nb_routes++];
		snprintf(rr->tmpl, sizeof(rr->tmpl), "%s", m);
		/* A route starts from the global rules, all of them. */
		rr->rules = rs->global;
		rc = load_section(&f, sec, rs, &rr->rules, 0);
	}
	umb_cfgf_close(&f);
	if (rc == 0) {
		const char *base = strrchr(path, '/');

		snprintf(rs->name, sizeof(rs->name), "%s", base ? base + 1 : path);
		rs->hash = file_hash(path);
	}
	return rc;
}

const struct umb_cmp_rules *
umb_cmp_ruleset_route(const struct umb_cmp_ruleset *rs, const char *method,
		size_t mlen, const char *uri, size_t ulen, char *route,
		size_t route_cap)
{
	for (uint32_t i = 0; i < rs->nb_routes; i++) {
		if (umb_route_template_match(rs->routes[i].tmpl, method, mlen, uri,
				ulen)) {
			snprintf(route, route_cap, "%s", rs->routes[i].tmpl);
			return &rs->routes[i].rules;
		}
	}
	umb_route_fold(method, mlen, uri, ulen, route, route_cap);
	return &rs->global;
}
