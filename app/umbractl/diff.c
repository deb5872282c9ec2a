/* SPDX-License-Identifier: BSD-3-Clause
 * `umbractl diff PRODUCTION SHADOW`: the comparator's engine (lib/compare)
 * run on two saved bodies, offline, without EAL. This file owns the
 * command's options, reading the two files (at most 64 MiB each, "-" is
 * stdin, gzip recognised by its magic and decoded under the same cap), the
 * rules (defaults, then a compare file and one of its routes, then the
 * command line), the choice between the JSON deep diff and the byte
 * comparison, and the two output formats (text lines, optionally coloured,
 * or one JSON object written with umb_jw). Exit codes are diff(1)'s:
 * 0 equal, 1 different, 2 trouble.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "umb_compare.h"
#include "umb_json.h"

#define DIFF_FILE_MAX   (64ull << 20) /* bytes of a file, and of its decoding */
#define DIFF_MAX_DIFFS  100000u       /* --max-diffs upper bound */
#define READ_CHUNK      (64u << 10)

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

enum {
	OPT_IGNORE = 'i',
	OPT_TOLERANCE = 't',
	OPT_UNORDERED = 'u',
	OPT_KEYED = 'k',
	OPT_RULES = 'r',
	OPT_ROUTE = 'R',
	OPT_JSON = 'j',
	OPT_COLOR = 'c',
	OPT_MAX_DIFFS = 'm',
	OPT_HELP = 'h',
};

/* A path rule given on the command line, applied after the rules file. */
struct cli_rule {
	int action;
	const char *arg;
};

struct diff_opts {
	const char *files[2];
	const char *rules_file;
	const char *route;
	int json;
	int color;
	uint32_t max_diffs;     /* 0: the rules' max_diffs */
	int have_tol, have_rel;
	double tol_abs, tol_rel;
	struct cli_rule *rules; /* [argc] */
	unsigned int nb_rules;
};

/* A whole input file. */
struct input {
	const char *label;  /* as given, "<stdin>" for "-" */
	uint8_t *buf;
	size_t len;
	int gzip;
};

int umbractl_diff(int argc, char **argv);

static void
diff_usage(FILE *f)
{
	fprintf(f,
"usage: umbractl diff PRODUCTION SHADOW [OPTIONS]\n"
"\n"
"Compare two saved bodies with the comparator's engine (the rules the\n"
"appliance uses). Either file may be \"-\" for stdin (not both). Files are\n"
"read whole, at most 64 MiB each; a file starting with the gzip magic\n"
"(1f 8b) is decompressed first (at most 64 MiB decompressed).\n"
"\n"
"How the files are compared:\n"
"  JSON deep diff  when either file starts (after blanks and a UTF-8 BOM)\n"
"                  with '{' or '[' (an invalid side is then one invalid_json\n"
"                  difference), or when both are valid JSON scalars\n"
"                  (numbers, strings, true/false/null);\n"
"  bytes           otherwise: one body difference with both sizes and the\n"
"                  first differing offset, and its line when both files\n"
"                  are valid UTF-8 without NUL bytes.\n"
"  The JSON caps of the rules apply (max_doc_bytes 1 MiB, max_depth 64,\n"
"  max_nodes 100000 by default): past them the files are compared by bytes\n"
"  and a note goes to stderr. The rules' header, status, latency, body and\n"
"  json_sniff keys do not apply here.\n"
"\n"
"Options (path rules add to those of --rules):\n"
"  --ignore PATTERN        ignore what PATTERN matches ($..timestamp)\n"
"  --tolerance ABS[,REL]   numbers equal when |a-b| <= ABS, or\n"
"                          <= REL * max(|a|,|b|)\n"
"  --unordered PATTERN     the arrays PATTERN matches are multisets\n"
"  --keyed PATTERN:FIELD   pair the objects of those arrays by FIELD\n"
"  --rules FILE            start from a compare file's [compare] rules\n"
"  --route \"METHOD /path\"  with --rules: the rules of the [route] section\n"
"                          whose match= fits this request\n"
"  --json                  one JSON object instead of text lines\n"
"  --color auto|always|never  colour the text lines (auto: on a terminal\n"
"                          and NO_COLOR unset)\n"
"  --max-diffs N           keep at most N differences (default: the rules'\n"
"                          max_diffs, 100)\n"
"  -h, --help              this text\n"
"\n"
"Patterns: $ .name ['odd key'] [3] [*] .* ..name (see docs/compare.md).\n"
"\n"
"Output: one line per difference, KIND PATH: PRODUCTION -> SHADOW\n"
"(added: SHADOW only, removed: PRODUCTION only), then 'N differences'\n"
"or 'equal'. With --json: {\"equal\": BOOL, \"diffs\": [{\"path\", \"kind\",\n"
"\"production\", \"shadow\"}...]} plus \"total\" when more differences were\n"
"found than kept and \"capped\": true when compared by bytes past a cap.\n"
"\n"
"Exit status: 0 equal, 1 different, 2 trouble.\n");
}

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("umbractl diff: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* ---- options ---------------------------------------------------------------- */

/* A finite, non-negative number, the whole of [s, s+n). */
static int
parse_nonneg(const char *s, size_t n, double *out)
{
	char buf[64], *end;
	double v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == ' ' || buf[0] == '\t' || buf[0] == '+' || buf[0] == '-')
		return -1;
	errno = 0;
	v = strtod(buf, &end);
	if (errno != 0 || end == buf || *end != '\0' || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int
parse_tolerance(const char *arg, struct diff_opts *o)
{
	const char *comma = strchr(arg, ',');
	size_t alen = comma != NULL ? (size_t)(comma - arg) : strlen(arg);

	if (parse_nonneg(arg, alen, &o->tol_abs) != 0)
		return fail("--tolerance '%s': expected ABS[,REL], "
				"non-negative numbers", arg);
	o->have_tol = 1;
	if (comma != NULL) {
		if (parse_nonneg(comma + 1, strlen(comma + 1), &o->tol_rel) != 0)
			return fail("--tolerance '%s': expected ABS[,REL], "
					"non-negative numbers", arg);
		o->have_rel = 1;
	}
	return 0;
}

static int
parse_max_diffs(const char *arg, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		goto bad;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > DIFF_MAX_DIFFS)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	return fail("--max-diffs '%s': expected a whole number in 1..%u", arg,
			DIFF_MAX_DIFFS);
}

static int
parse_args(int argc, char **argv, struct diff_opts *o)
{
	static const struct option longopts[] = {
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "tolerance", required_argument, NULL, OPT_TOLERANCE },
		{ "unordered", required_argument, NULL, OPT_UNORDERED },
		{ "keyed", required_argument, NULL, OPT_KEYED },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "route", required_argument, NULL, OPT_ROUTE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "colour", required_argument, NULL, OPT_COLOR },
		{ "max-diffs", required_argument, NULL, OPT_MAX_DIFFS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c, nfiles;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_IGNORE:
		case OPT_UNORDERED:
		case OPT_KEYED:
			o->rules[o->nb_rules].action = c == OPT_IGNORE ?
				UMB_RULE_IGNORE : c == OPT_UNORDERED ?
				UMB_RULE_UNORDERED : UMB_RULE_KEYED;
			o->rules[o->nb_rules++].arg = optarg;
			break;
		case OPT_TOLERANCE:
			if (parse_tolerance(optarg, o) != 0)
				return 2;
			break;
		case OPT_RULES:
			o->rules_file = optarg;
			break;
		case OPT_ROUTE:
			o->route = optarg;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_COLOR:
			if (strcmp(optarg, "auto") == 0)
				o->color = COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				o->color = COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				o->color = COLOR_NEVER;
			else
				return fail("--color '%s': expected auto, always "
						"or never", optarg);
			break;
		case OPT_MAX_DIFFS:
			if (parse_max_diffs(optarg, &o->max_diffs) != 0)
				return 2;
			break;
		case OPT_HELP:
			diff_usage(stdout);
			return -1;
		case ':':
			return fail("%s needs a value (try 'umbractl diff --help')",
					argv[optind - 1]);
		default:
			return fail("unknown option '%s' (try 'umbractl diff --help')",
					argv[optind - 1]);
		}
	}
	nfiles = argc - optind;
	if (nfiles != 2)
		return fail("%s (usage: umbractl diff PRODUCTION SHADOW [OPTIONS])",
				nfiles < 2 ? "two files are needed" :
				"more than two files given");
	o->files[0] = argv[optind];
	o->files[1] = argv[optind + 1];
	if (strcmp(o->files[0], "-") == 0 && strcmp(o->files[1], "-") == 0)
		return fail("'-' (stdin) can be only one of the two files");
	if (o->route != NULL && o->rules_file == NULL)
		return fail("--route needs --rules FILE");
	return 0;
}

/* ---- input ------------------------------------------------------------------ */

static int
read_fd(int fd, struct input *in)
{
	struct stat st;
	size_t cap = READ_CHUNK;
	uint8_t *buf, *nb;
	ssize_t r;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > DIFF_FILE_MAX)
			return fail("%s: larger than 64 MiB", in->label);
		cap = (size_t)st.st_size + 1;
	}
	buf = malloc(cap);
	if (buf == NULL)
		return fail("%s: out of memory", in->label);
	in->len = 0;
	for (;;) {
		if (in->len == cap) {
			if (cap > DIFF_FILE_MAX) {
				free(buf);
				return fail("%s: larger than 64 MiB", in->label);
			}
			cap = cap * 2 > DIFF_FILE_MAX + 1 ? DIFF_FILE_MAX + 1 :
				cap * 2;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return fail("%s: out of memory", in->label);
			}
			buf = nb;
		}
		r = read(fd, buf + in->len, cap - in->len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail("%s: %s", in->label, strerror(errno));
			free(buf);
			return 2;
		}
		if (r == 0)
			break;
		in->len += (size_t)r;
	}
	if (in->len > DIFF_FILE_MAX) {
		free(buf);
		return fail("%s: larger than 64 MiB", in->label);
	}
	in->buf = buf;
	return 0;
}

static int
gunzip(struct input *in)
{
	uint8_t *out = malloc(DIFF_FILE_MAX), *shrunk;
	size_t n = 0;
	int rc;

	if (out == NULL)
		return fail("%s: out of memory", in->label);
	/* ratio 0: the 64 MiB cap is the only bound (the user chose the file) */
	rc = umb_cmp_decode(UMB_ENC_GZIP, in->buf, in->len, out, DIFF_FILE_MAX,
			0, &n);
	if (rc != UMB_DEC_OK) {
		free(out);
		if (rc == UMB_DEC_TOO_BIG)
			return fail("%s: gzip: decompressed larger than 64 MiB",
					in->label);
		return fail("%s: gzip: %s", in->label,
				umb_cmp_decode_strerror(rc));
	}
	shrunk = realloc(out, n > 0 ? n : 1);
	free(in->buf);
	in->buf = shrunk != NULL ? shrunk : out;
	in->len = n;
	in->gzip = 1;
	return 0;
}

static int
load_input(const char *path, struct input *in)
{
	int fd, rc;

	in->buf = NULL;
	in->len = 0;
	in->gzip = 0;
	if (strcmp(path, "-") == 0) {
		in->label = "<stdin>";
		rc = read_fd(STDIN_FILENO, in);
	} else {
		in->label = path;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("%s: %s", path, strerror(errno));
		rc = read_fd(fd, in);
		close(fd);
	}
	if (rc != 0)
		return rc;
	if (in->len >= 2 && in->buf[0] == 0x1f && in->buf[1] == 0x8b)
		return gunzip(in);
	return 0;
}

/* ---- rules ------------------------------------------------------------------ */

/* "METHOD /path": method and uri. */
static int
split_route(const char *route, const char **m, size_t *mlen, const char **u,
		size_t *ulen)
{
	const char *sp = strchr(route, ' ');

	if (sp == NULL || sp == route)
		return -1;
	*m = route;
	*mlen = (size_t)(sp - route);
	while (*sp == ' ')
		sp++;
	if (*sp != '/' || strchr(sp, ' ') != NULL)
		return -1;
	*u = sp;
	*ulen = strlen(sp);
	return 0;
}

static int
build_rules(const struct diff_opts *o, struct umb_cmp_rules *rules)
{
	char err[320];
	int rc;

	umb_cmp_rules_default(rules);
	if (o->rules_file != NULL) {
		struct umb_cmp_ruleset *rs = malloc(sizeof(*rs));
		const struct umb_cmp_rules *sel = NULL;

		if (rs == NULL)
			return fail("out of memory");
		err[0] = '\0';
		rc = umb_cmp_ruleset_load(rs, o->rules_file, err, sizeof(err));
		if (rc != 0) {
			free(rs);
			if (err[0] == '\0')
				return fail("%s: %s", o->rules_file, strerror(-rc));
			return fail("%s", err);
		}
		if (o->route != NULL) {
			const char *m, *u;
			size_t ml, ul;
			char name[UMB_ROUTE_MAX];

			if (split_route(o->route, &m, &ml, &u, &ul) != 0) {
				free(rs);
				return fail("--route '%s': expected \"METHOD /path\"",
						o->route);
			}
			sel = umb_cmp_ruleset_route(rs, m, ml, u, ul, name,
					sizeof(name));
		}
		*rules = sel != NULL ? *sel : rs->global;
		free(rs);
	}
	for (unsigned int i = 0; i < o->nb_rules; i++) {
		const struct cli_rule *cr = &o->rules[i];
		const char *opt = cr->action == UMB_RULE_IGNORE ? "--ignore" :
			cr->action == UMB_RULE_UNORDERED ? "--unordered" : "--keyed";
		char pat[UMB_CMP_PATTERN_MAX + 1];
		const char *field = NULL, *p = cr->arg;

		if (cr->action == UMB_RULE_KEYED) {
			const char *colon = strrchr(cr->arg, ':');
			size_t pl;

			if (colon == NULL || colon[1] == '\0')
				return fail("--keyed '%s': expected PATTERN:FIELD",
						cr->arg);
			pl = (size_t)(colon - cr->arg);
			if (pl >= sizeof(pat))
				pl = sizeof(pat) - 1; /* the compiler says too long */
			memcpy(pat, cr->arg, pl);
			pat[pl] = '\0';
			p = pat;
			field = colon + 1;
		}
		rc = umb_cmp_rules_add(rules, cr->action, p, field, err,
				sizeof(err));
		if (rc != 0)
			return fail("%s '%s': %s", opt, cr->arg, err);
	}
	if (o->have_tol)
		rules->tol_abs = o->tol_abs;
	if (o->have_rel)
		rules->tol_rel = o->tol_rel;
	/* no Content-Type here: decide by content, whatever json_sniff says */
	rules->json_sniff = 1;
	if (o->max_diffs != 0)
		rules->max_diffs = o->max_diffs;
	return 0;
}

/* ---- comparison ------------------------------------------------------------- */

/* Valid UTF-8 (strict: no overlongs, surrogates or past U+10FFFF), no NUL. */
static int
is_text(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k, j;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 2;
		else if (c >= 0xe0 && c <= 0xef)
			k = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 4;
		else
			return 0;
		if (n - i < k)
			return 0;
		for (j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && s[i + 1] < 0xa0) ||
				(c == 0xed && s[i + 1] >= 0xa0) ||
				(c == 0xf0 && s[i + 1] < 0x90) ||
				(c == 0xf4 && s[i + 1] >= 0x90))
			return 0;
		i += k;
	}
	return 1;
}

/* Could this be a JSON scalar? (the first byte after blanks) */
static int
scalar_start(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
			s[i] == '\n'))
		i++;
	return i < n && strchr("\"-0123456789tfn", s[i]) != NULL;
}

static int
compare(const struct umb_cmp_rules *r, const struct input *a,
		const struct input *b, struct umb_cmp_result *res)
{
	int rc;

	if (umb_cmp_is_json(r, NULL, 0, a->buf, a->len) ||
			umb_cmp_is_json(r, NULL, 0, b->buf, b->len))
		return umb_cmp_json(r, (const char *)a->buf, a->len,
				(const char *)b->buf, b->len, res);
	if (scalar_start(a->buf, a->len) && scalar_start(b->buf, b->len)) {
		/* both may be JSON scalars: the engine's validator decides */
		rc = umb_cmp_json(r, (const char *)a->buf, a->len,
				(const char *)b->buf, b->len, res);
		if (rc < 0)
			return rc;
		if (!(res->n > 0 && res->diffs[0].kind == UMB_CMP_invalid_json))
			return rc;
		umb_cmp_result_clear(res);
	}
	return umb_cmp_bytes(a->buf, a->len, b->buf, b->len,
			is_text(a->buf, a->len) && is_text(b->buf, b->len), res);
}

/* ---- output ----------------------------------------------------------------- */

static const char *
kind_color(int kind)
{
	switch (kind) {
	case UMB_CMP_removed:
		return "\033[31m";
	case UMB_CMP_added:
		return "\033[32m";
	default:
		return "\033[33m";
	}
}

static int
want_color(int mode)
{
	const char *nc, *term;

	if (mode != COLOR_AUTO)
		return mode == COLOR_ALWAYS;
	nc = getenv("NO_COLOR");
	term = getenv("TERM");
	if (nc != NULL && nc[0] != '\0')
		return 0;
	if (term != NULL && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDOUT_FILENO);
}

static void
print_text(const struct umb_cmp_result *res, int color)
{
	for (uint32_t i = 0; i < res->n; i++) {
		const struct umb_cmp_diff *d = &res->diffs[i];
		const char *kind = umb_cmp_kind_name((enum umb_cmp_kind)d->kind);
		int has0 = d->vtype[0] != UMB_CMP_V_NONE;
		int has1 = d->vtype[1] != UMB_CMP_V_NONE;

		if (color)
			fputs(kind_color(d->kind), stdout);
		if (d->kind == UMB_CMP_body) {
			printf("body: sizes %s -> %s, first difference at offset %llu",
				d->val[0], d->val[1],
				(unsigned long long)d->offset);
			if (d->line > 0)
				printf(" (line %u)", d->line);
		} else {
			fputs(kind, stdout);
			if (d->path[0] != '\0')
				printf(" %s", d->path);
			if (has0 || has1)
				fputs(":", stdout);
			if (has0)
				printf(" %s", d->val[0]);
			if (has0 && has1)
				fputs(" ->", stdout);
			if (has1)
				printf(" %s", d->val[1]);
		}
		if (color)
			fputs("\033[0m", stdout);
		fputc('\n', stdout);
	}
	if (res->total == 0)
		puts("equal");
	else if (res->n < res->total)
		printf("%llu difference%s (showing %u of %llu)\n",
			(unsigned long long)res->total, res->total == 1 ? "" : "s",
			res->n, (unsigned long long)res->total);
	else
		printf("%llu difference%s\n", (unsigned long long)res->total,
			res->total == 1 ? "" : "s");
}

static void
jw_value(struct umb_jw *w, const char *key, int vtype, const char *v)
{
	if (vtype == UMB_CMP_V_NONE)
		return;
	umb_jw_key(w, key);
	if (vtype == UMB_CMP_V_JSON)
		umb_jw_raw(w, v, strlen(v));
	else
		umb_jw_cstr(w, v);
}

static int
print_json(const struct umb_cmp_result *res)
{
	struct umb_jw w;
	int rc;

	if (umb_jw_init(&w, 4096) != 0)
		return fail("out of memory");
	umb_jw_obj_open(&w);
	umb_jw_kbool(&w, "equal", res->total == 0);
	umb_jw_key(&w, "diffs");
	umb_jw_arr_open(&w);
	for (uint32_t i = 0; i < res->n; i++) {
		const struct umb_cmp_diff *d = &res->diffs[i];

		umb_jw_obj_open(&w);
		umb_jw_kcstr(&w, "path", d->path);
		umb_jw_kcstr(&w, "kind",
			umb_cmp_kind_name((enum umb_cmp_kind)d->kind));
		jw_value(&w, "production", d->vtype[0], d->val[0]);
		jw_value(&w, "shadow", d->vtype[1], d->val[1]);
		if (d->kind == UMB_CMP_body) {
			umb_jw_ku64(&w, "offset", d->offset);
			if (d->line > 0)
				umb_jw_ku64(&w, "line", d->line);
		}
		umb_jw_obj_close(&w);
	}
	umb_jw_arr_close(&w);
	if (res->n < res->total)
		umb_jw_ku64(&w, "total", res->total);
	if (res->flags & UMB_CMP_R_CAPPED)
		umb_jw_kbool(&w, "capped", 1);
	umb_jw_obj_close(&w);
	if (w.err != 0) {
		rc = fail("writing JSON: %s", strerror(-w.err));
	} else {
		fwrite(w.buf, 1, w.len, stdout);
		fputc('\n', stdout);
		rc = 0;
	}
	umb_jw_free(&w);
	return rc;
}

/* ---- the command ------------------------------------------------------------ */

int
umbractl_diff(int argc, char **argv)
{
	struct diff_opts o = { .color = COLOR_AUTO };
	struct input in[2] = { { 0 } };
	struct umb_cmp_rules *rules = NULL;
	struct umb_cmp_result res = { 0 };
	int rc, i;

	o.rules = calloc((size_t)argc + 1, sizeof(*o.rules));
	if (o.rules == NULL)
		return fail("out of memory");
	rc = parse_args(argc, argv, &o);
	if (rc != 0) {
		free(o.rules);
		return rc < 0 ? 0 : rc;
	}
	rules = malloc(sizeof(*rules));
	if (rules == NULL) {
		rc = fail("out of memory");
		goto out;
	}
	rc = build_rules(&o, rules);
	if (rc != 0)
		goto out;
	for (i = 0; i < 2; i++) {
		rc = load_input(o.files[i], &in[i]);
		if (rc != 0)
			goto out;
	}
	res.max = rules->max_diffs > 0 ? rules->max_diffs : 1;
	res.diffs = calloc(res.max, sizeof(*res.diffs));
	if (res.diffs == NULL) {
		rc = fail("out of memory");
		goto out;
	}
	umb_cmp_result_clear(&res);
	rc = compare(rules, &in[0], &in[1], &res);
	if (rc < 0) {
		rc = fail("comparing: %s", strerror(-rc));
		goto out;
	}
	if (res.flags & UMB_CMP_R_CAPPED)
		fprintf(stderr, "umbractl diff: note: a JSON cap was hit "
			"(max_doc_bytes %llu, max_depth %u or max_nodes %u): "
			"compared by bytes\n",
			(unsigned long long)rules->max_doc_bytes,
			rules->max_depth, rules->max_nodes);
	if (res.flags & UMB_CMP_R_DUP_KEYS)
		fprintf(stderr, "umbractl diff: note: %u duplicate key%s "
			"(the last one of each wins)\n", res.dup_keys,
			res.dup_keys == 1 ? "" : "s");
	if (o.json) {
		rc = print_json(&res);
		if (rc != 0)
			goto out;
	} else {
		print_text(&res, want_color(o.color));
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		rc = fail("writing the output: %s", strerror(errno));
		goto out;
	}
	rc = res.total == 0 ? 0 : 1;
out:
	free(res.diffs);
	free(in[0].buf);
	free(in[1].buf);
	free(rules);
	free(o.rules);
	return rc;
}
