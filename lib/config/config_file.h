/* SPDX-License-Identifier: BSD-3-Clause
 * Private to lib/config: one configuration file as read twice, by the scan
 * here (line numbers, strict line syntax) and by rte_cfgfile (the values).
 */
#ifndef UMB_CONFIG_FILE_H
#define UMB_CONFIG_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "umb_config.h"

/*
 * Bounds of one file. A configuration file is a handful of lines; these
 * keep a wrong path (a capture, a binary) from costing more than a read of
 * 64 KiB. A line is capped below rte_cfgfile's own buffer (name + value +
 * 4) so that it never fails where the scan passed.
 */
#define SCAN_MAX_BYTES (64 * 1024)
#define SCAN_MAX_LINE 320
#define SCAN_MAX_SECTIONS 16
#define SCAN_MAX_ENTRIES 128
#define COMMENT_CHAR ';'

struct scan_section {
	char name[CFG_NAME_LEN];
	unsigned int line;
	unsigned int first;   /* index of its first entry in scan.entries */
	unsigned int n;
};

struct scan_entry {
	char key[CFG_NAME_LEN];
	unsigned int line;
};

/* One file being read: its scan (the line map) and rte_cfgfile's view. */
struct cfg_file {
	const char *path;
	char dir[UMB_CONFIG_PATH_LEN];  /* path prefix up to the last '/', or "" */
	struct rte_cfgfile *cfg;
	unsigned int nb_sections;
	unsigned int nb_entries;
	struct scan_section sections[SCAN_MAX_SECTIONS];
	struct scan_entry entries[SCAN_MAX_ENTRIES];
	char *err;
	size_t err_size;
};

/**
 * Format "file:line: [section] key: message" into f->err. Line 0, a NULL
 * section or a NULL key leave their part out.
 * @return rc, so that callers can return it.
 */
int umb_cfgf_error(struct cfg_file *f, int rc, unsigned int line, const char *section,
		const char *key, const char *fmt, ...) __rte_format_printf(6, 7);

/**
 * Scan @p path, then load it with rte_cfgfile; f->err receives the error.
 * @return 0, -ENOENT/-EACCES/... (open), -EINVAL (syntax), -EIO, -ENOMEM.
 */
int umb_cfgf_open(struct cfg_file *f, const char *path, char *err, size_t err_size);

/** Release rte_cfgfile's copy. */
void umb_cfgf_close(struct cfg_file *f);

/** The line of @p key inside [@p section], 0 when absent. */
unsigned int umb_cfgf_key_line(const struct cfg_file *f, const char *section,
		const char *key);

/** The index of [@p name] among the file's sections, -1 when absent. */
int umb_cfgf_find_section(const struct cfg_file *f, const char *name);

/** A fixed-point value (@p decimals digits) as text without trailing zeros. */
const char *umb_cfgf_fixed_str(char *buf, size_t size, uint64_t v,
		unsigned int decimals);

/** Trim white space in place; @p len is updated. @return the first kept char. */
char *umb_cfgf_strip(char *s, size_t *len);

#endif
