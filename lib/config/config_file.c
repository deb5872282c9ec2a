/* SPDX-License-Identifier: BSD-3-Clause
 * The line map of a configuration file. rte_cfgfile is the parser of
 * record, but it keeps no line numbers, skips lines it does not
 * understand, truncates long names and values, and keeps duplicate keys and
 * sections side by side. So each file is first scanned here with the same
 * line rules (comment, strip, '[', '='): the scan rejects what rte_cfgfile
 * would skip, truncate or duplicate, and records the line of every section
 * and key in file order, which is also rte_cfgfile's order.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_file.h"

/* ---- errors ----------------------------------------------------------- */

/*
 * "file:line: [section] key: message". Line 0, a NULL section or a NULL
 * key leave their part out. Returns @p rc so callers can return it.
 */
int
umb_cfgf_error(struct cfg_file *f, int rc, unsigned int line, const char *section,
		const char *key, const char *fmt, ...)
{
	va_list ap;
	size_t n = 0;
	int w;

	if (f->err == NULL || f->err_size == 0)
		return rc;
	if (line != 0)
		w = snprintf(f->err, f->err_size, "%s:%u: ", f->path, line);
	else
		w = snprintf(f->err, f->err_size, "%s: ", f->path);
	n = RTE_MIN((size_t)RTE_MAX(w, 0), f->err_size - 1);
	if (section != NULL) {
		w = snprintf(f->err + n, f->err_size - n, key != NULL ? "[%s] %s: " : "[%s]: ",
				section, key);
		n = RTE_MIN(n + (size_t)RTE_MAX(w, 0), f->err_size - 1);
	}
	va_start(ap, fmt);
	vsnprintf(f->err + n, f->err_size - n, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- the scan: line map and strict line syntax ------------------------ */

char *
umb_cfgf_strip(char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	*len = n;
	return s;
}

/* "[name]": a new section, unless the file already has one of that name. */
static int
scan_header(struct cfg_file *f, char *s, size_t n, unsigned int lineno)
{
	struct scan_section *sec;
	char *end = memchr(s, ']', n);
	char *name;
	size_t nl;

	if (end == NULL)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"section header without ']'");
	if (end != s + n - 1)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"text after ']' of a section header");
	nl = (size_t)(end - s - 1);
	name = umb_cfgf_strip(s + 1, &nl);
	if (nl == 0)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL, "empty section name");
	if (nl >= CFG_NAME_LEN)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"section name longer than %d characters", CFG_NAME_LEN - 1);
	for (unsigned int i = 0; i < f->nb_sections; i++)
		if (strcmp(f->sections[i].name, name) == 0)
			return umb_cfgf_error(f, -EINVAL, lineno, name, NULL,
					"section appears twice (first at line %u)",
					f->sections[i].line);
	if (f->nb_sections == SCAN_MAX_SECTIONS)
		return umb_cfgf_error(f, -EINVAL, lineno, name, NULL,
				"more than %d sections", SCAN_MAX_SECTIONS);
	sec = &f->sections[f->nb_sections++];
	memcpy(sec->name, name, nl + 1);
	sec->line = lineno;
	sec->first = f->nb_entries;
	sec->n = 0;
	return 0;
}

/* "key = value" (@p eq points at the '='): a key of the last section. */
static int
scan_key(struct cfg_file *f, char *s, size_t n, char *eq, unsigned int lineno)
{
	struct scan_section *sec;
	size_t kl = (size_t)(eq - s), vl = n - kl - 1;
	const char *sname;
	char *key;

	*eq = '\0';
	key = umb_cfgf_strip(s, &kl);
	umb_cfgf_strip(eq + 1, &vl);
	if (f->nb_sections == 0)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"key '%.*s' before any [section]", (int)RTE_MIN(kl, 64u), key);
	sec = &f->sections[f->nb_sections - 1];
	sname = sec->name;
	if (kl == 0)
		return umb_cfgf_error(f, -EINVAL, lineno, sname, NULL, "'=' without a key");
	if (kl >= CFG_NAME_LEN)
		return umb_cfgf_error(f, -EINVAL, lineno, sname, NULL,
				"key longer than %d characters", CFG_NAME_LEN - 1);
	if (vl == 0)
		return umb_cfgf_error(f, -EINVAL, lineno, sname, key, "empty value");
	if (vl >= CFG_VALUE_LEN)
		return umb_cfgf_error(f, -EINVAL, lineno, sname, key,
				"value longer than %d characters", CFG_VALUE_LEN - 1);
	for (unsigned int i = sec->first; i < f->nb_entries; i++)
		if (strcmp(f->entries[i].key, key) == 0)
			return umb_cfgf_error(f, -EINVAL, lineno, sname, key,
					"set twice (first at line %u)", f->entries[i].line);
	if (f->nb_entries == SCAN_MAX_ENTRIES)
		return umb_cfgf_error(f, -EINVAL, lineno, sname, key,
				"more than %d keys in the file", SCAN_MAX_ENTRIES);
	memcpy(f->entries[f->nb_entries].key, key, kl + 1);
	f->entries[f->nb_entries].line = lineno;
	f->nb_entries++;
	sec->n++;
	return 0;
}

/*
 * One line, by rte_cfgfile's rules (comment, strip, '[' or '='), except
 * that a line it would skip silently is an error here.
 */
static int
scan_line(struct cfg_file *f, char *line, size_t len, unsigned int lineno)
{
	char *pos, *s, *eq;
	size_t n;

	if (len > SCAN_MAX_LINE)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"line longer than %d characters", SCAN_MAX_LINE);
	/* The first ';' starts a comment unless escaped (only the first). */
	pos = memchr(line, COMMENT_CHAR, len);
	if (pos != NULL && (pos == line || pos[-1] != '\\'))
		len = (size_t)(pos - line);
	n = len;
	s = umb_cfgf_strip(line, &n);
	if (n == 0)
		return 0;
	if (s[0] == '#')
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"'#' does not start a comment in these files; use ';'");
	if (s[0] == '[')
		return scan_header(f, s, n, lineno);
	eq = memchr(s, '=', n);
	if (eq == NULL)
		return umb_cfgf_error(f, -EINVAL, lineno, NULL, NULL,
				"expected 'key = value', '[section]' or a ';' comment");
	return scan_key(f, s, n, eq, lineno);
}

static int
scan_file(struct cfg_file *f)
{
	FILE *fp;
	char *buf, *p, *end;
	size_t len;
	unsigned int lineno = 0;
	int rc = 0;

	fp = fopen(f->path, "r");
	if (fp == NULL) {
		int e = errno;

		return umb_cfgf_error(f, -e, 0, NULL, NULL, "cannot open: %s", strerror(e));
	}
	buf = malloc(SCAN_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(fp);
		return umb_cfgf_error(f, -ENOMEM, 0, NULL, NULL, "out of memory");
	}
	len = fread(buf, 1, SCAN_MAX_BYTES + 1, fp);
	if (ferror(fp))
		rc = umb_cfgf_error(f, -EIO, 0, NULL, NULL, "read error");
	else if (len > SCAN_MAX_BYTES)
		rc = umb_cfgf_error(f, -EINVAL, 0, NULL, NULL,
				"larger than %d bytes: not a configuration file", SCAN_MAX_BYTES);
	else if (memchr(buf, '\0', len) != NULL)
		rc = umb_cfgf_error(f, -EINVAL, 0, NULL, NULL,
				"contains a NUL byte: not a configuration file");
	fclose(fp);
	buf[RTE_MIN(len, (size_t)SCAN_MAX_BYTES)] = '\0';
	for (p = buf, end = buf + len; rc == 0 && p < end; p++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			nl = end;
		*nl = '\0';
		rc = scan_line(f, p, (size_t)(nl - p), ++lineno);
		p = nl;
	}
	free(buf);
	return rc;
}

/* The line of @p key inside section @p section (0 when absent). */
unsigned int
umb_cfgf_key_line(const struct cfg_file *f, const char *section, const char *key)
{
	for (unsigned int s = 0; s < f->nb_sections; s++) {
		const struct scan_section *sec = &f->sections[s];

		if (strcmp(sec->name, section) != 0)
			continue;
		for (unsigned int i = sec->first; i < sec->first + sec->n; i++)
			if (strcmp(f->entries[i].key, key) == 0)
				return f->entries[i].line;
	}
	return 0;
}

int
umb_cfgf_find_section(const struct cfg_file *f, const char *name)
{
	for (unsigned int s = 0; s < f->nb_sections; s++)
		if (strcmp(f->sections[s].name, name) == 0)
			return (int)s;
	return -1;
}

/*
 * Scan, then load with rte_cfgfile and check that both saw the same
 * sections and keys in the same order (the file could change between the
 * two reads; then the line map would lie).
 */
int
umb_cfgf_open(struct cfg_file *f, const char *path, char *err, size_t err_size)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash == NULL ? 0 : (size_t)(slash - path) + 1;
	char name[CFG_NAME_LEN];
	int rc;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->err = err;
	f->err_size = err_size;
	if (dl >= sizeof(f->dir))
		return umb_cfgf_error(f, -ENAMETOOLONG, 0, NULL, NULL, "path too long");
	memcpy(f->dir, path, dl);
	f->dir[dl] = '\0';
	rc = scan_file(f);
	if (rc != 0)
		return rc;
	errno = 0;
	f->cfg = rte_cfgfile_load(path, CFG_FLAG_EMPTY_VALUES);
	if (f->cfg == NULL)
		return umb_cfgf_error(f, errno != 0 ? -errno : -EIO, 0, NULL, NULL,
				"rte_cfgfile could not load it");
	if (rte_cfgfile_num_sections(f->cfg, NULL, 0) != (int)f->nb_sections)
		goto changed;
	for (unsigned int s = 0; s < f->nb_sections; s++) {
		const struct scan_section *sec = &f->sections[s];
		int n = rte_cfgfile_section_num_entries_by_index(f->cfg, name, (int)s);

		if (n != (int)sec->n || strcmp(name, sec->name) != 0)
			goto changed;
	}
	return 0;
changed:
	return umb_cfgf_error(f, -EIO, 0, NULL, NULL, "changed while being read");
}

void
umb_cfgf_close(struct cfg_file *f)
{
	if (f->cfg != NULL)
		rte_cfgfile_close(f->cfg);
	f->cfg = NULL;
}

