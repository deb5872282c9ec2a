/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target for the configuration loader: the input, split at 0xff bytes,
 * becomes the launch file and the two port files it may name (tap.ini,
 * shadow.ini) in a private directory. A load either succeeds (then the dump
 * must work) or fails with a message; it must never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "umb_config.h"

static char dir[64];

static void
write_part(const char *name, const uint8_t *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	if (n > 0 && fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void
cleanup(void)
{
	static const char *const names[3] = { "umbra.ini", "tap.ini", "shadow.ini" };
	char path[128];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/umb_fuzz_config_XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[3] = { "umbra.ini", "tap.ini", "shadow.ini" };
	static struct umb_launch_conf conf;
	char path[128], err[512];
	size_t start = 0, part = 0;
	FILE *null;
	int rc;

	for (size_t i = 0; i <= size && part < 3; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		write_part(names[part++], data + start, i - start);
		start = i + 1;
	}
	for (; part < 3; part++)
		write_part(names[part], NULL, 0);

	snprintf(path, sizeof(path), "%s/umbra.ini", dir);
	err[0] = '\0';
	memset(&conf, 0, sizeof(conf));
	rc = umb_config_load(path, &conf, err, sizeof(err));
	if (rc != 0) {
		if (err[0] == '\0' || strnlen(err, sizeof(err)) == sizeof(err))
			abort(); /* every failure says why, NUL-terminated */
		return 0;
	}
	null = fopen("/dev/null", "w");
	if (null != NULL) {
		umb_config_dump(&conf, null);
		fclose(null);
	}
	return 0;
}
