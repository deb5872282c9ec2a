/* SPDX-License-Identifier: BSD-3-Clause
 * Fuzz target for the compare-file loader (lib/compare/rules_file.c): the
 * input is written as a compare file in a private directory and loaded. A
 * load either succeeds — then every route section must be found by its own
 * template, and a comparison under the loaded rules must run — or fails
 * with a one-line message naming the file. Never a crash or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "umb_compare.h"

static char dir[64], path[128];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct umb_cmp_ruleset rs;
	static struct umb_cmp_diff diffs[16];
	struct umb_cmp_result res = { .diffs = diffs, .max = 16 };
	char err[512], route[UMB_ROUTE_MAX];
	FILE *f;
	int rc;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/umb-fuzz-rules.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/compare.ini", dir);
		atexit(cleanup);
	}
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	err[0] = '\0';
	rc = umb_cmp_ruleset_load(&rs, path, err, sizeof(err));
	if (rc != 0) {
		/* Every error names the file. */
		if (strstr(err, path) == NULL)
			abort();
		return 0;
	}
	for (uint32_t i = 0; i < rs.nb_routes; i++) {
		const char *t = rs.routes[i].tmpl, *sp = strchr(t, ' ');
		const struct umb_cmp_rules *r;

		if (sp == NULL)
			abort();
		/* A template is its own request (placeholders match themselves). */
		r = umb_cmp_ruleset_route(&rs, t, (size_t)(sp - t), sp + 1,
				strlen(sp + 1), route, sizeof(route));
		if (r == NULL)
			abort();
		umb_cmp_result_clear(&res);
		(void)umb_cmp_json(r, "{\"a\":[1,2,{\"b\":null}],\"t\":1.5}", 31,
				"{\"a\":[2,1,{\"b\":0}],\"t\":1.25,\"x\":\"y\"}", 37, &res);
	}
	return 0;
}
