/* SPDX-License-Identifier: BSD-3-Clause
 * Oracle runner of the JSON diff engine against public suites (see
 * tests/compare/README.md): nst/JSONTestSuite's parsing cases and
 * json-patch/json-patch-tests' records. argv[1] is the data directory.
 * Each check prints a FAIL line when it fails; the last line is
 * "N passed, N failed" and the exit status is 1 on any failure.
 *
 * The equality used against json-patch-tests is written here on purpose,
 * independently of the engine: a plain recursion over cJSON with objects
 * compared by lookup (O(n^2), fine for documents of a few lines).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "umb_compare.h"

static unsigned int passed, failed, y_capped;
static struct umb_cmp_rules rules;
static struct umb_cmp_diff diffs[64];

static void
verdict(int ok, const char *suite, const char *name, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s %s: %s\n", suite, name, what);
}

static int
diff(const char *a, size_t na, const char *b, size_t nb,
		struct umb_cmp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->diffs = diffs;
	r->max = 64;
	return umb_cmp_json(&rules, a, na, b, nb, r);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
			fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf != NULL) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

/* ---- JSONTestSuite ------------------------------------------------------- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
parsing_case(const char *dir, const char *name, unsigned int *count)
{
	struct umb_cmp_result r;
	char path[8192];
	size_t n;
	char *doc;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	doc = slurp(path, &n);
	if (doc == NULL) {
		verdict(0, "JSONTestSuite", name, "cannot read");
		return;
	}
	count[name[0] == 'y' ? 0 : name[0] == 'n' ? 1 : 2]++;
	if (name[0] == 'y') {
		cJSON *j;

		char *sp;

		rc = diff(doc, n, doc, n, &r);
		verdict(rc == 0 && r.n == 0, "JSONTestSuite", name,
				"a y_ document differs from itself");
		/*
		 * Identical bytes are equal before any parsing: against itself
		 * plus a trailing blank (the same JSON, other bytes) it is
		 * validated and walked, or compared by bytes when cJSON
		 * refuses it (then the blank is the one difference).
		 */
		sp = malloc(n + 1);
		if (sp != NULL) {
			memcpy(sp, doc, n);
			sp[n] = '\n';
			rc = diff(doc, n, sp, n + 1, &r);
			if (r.flags & UMB_CMP_R_CAPPED) {
				y_capped++;
				printf("note: %s compared by bytes (cJSON refuses it)\n",
						name);
				verdict(rc == 1 && r.n == 1 && r.diffs[0].kind ==
						UMB_CMP_body, "JSONTestSuite", name,
						"a y_ document by bytes is not one body diff");
			} else {
				verdict(rc == 0 && r.n == 0, "JSONTestSuite", name,
						"a y_ document differs from itself plus a blank");
			}
			free(sp);
		}
		rc = diff(doc, n, "{}", 2, &r);
		verdict(rc >= 0 && !(r.n > 0 && r.diffs[0].kind ==
				UMB_CMP_invalid_json), "JSONTestSuite", name,
				"a y_ document is invalid_json against {}");
		/* against its re-serialisation: the same values */
		j = cJSON_ParseWithLength(doc, n);
		if (j != NULL) {
			char *txt = cJSON_PrintUnformatted(j);

			if (txt != NULL) {
				rc = diff(doc, n, txt, strlen(txt), &r);
				verdict(rc == 0, "JSONTestSuite", name,
					"a y_ document differs from its re-serialisation");
			}
			free(txt);
			cJSON_Delete(j);
		}
	} else if (name[0] == 'n') {
		rc = diff(doc, n, "{}", 2, &r);
		verdict(rc == 1 && r.n == 1 && r.diffs[0].kind ==
				UMB_CMP_invalid_json &&
				strcmp(r.diffs[0].val[0], "invalid") == 0 &&
				strcmp(r.diffs[0].val[1], "valid") == 0,
				"JSONTestSuite", name,
				"an n_ document is not invalid_json against {}");
		rc = diff("[]", 2, doc, n, &r);
		verdict(rc == 1 && r.n == 1 && r.diffs[0].kind ==
				UMB_CMP_invalid_json, "JSONTestSuite", name,
				"{} against an n_ document is not invalid_json");
	} else {
		/* implementation-defined: any answer, but an answer */
		rc = diff(doc, n, doc, n, &r);
		verdict(rc == 0, "JSONTestSuite", name,
				"an i_ document differs from itself");
		rc = diff(doc, n, "{}", 2, &r);
		verdict(rc == 0 || rc == 1, "JSONTestSuite", name,
				"an i_ document fails against {}");
	}
	free(doc);
}

static void
run_parsing(const char *data)
{
	char dir[4096], **names = NULL;
	unsigned int count[3] = { 0 };
	size_t nb = 0, cap = 0, i;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/JSONTestSuite/test_parsing", data);
	d = opendir(dir);
	if (d == NULL) {
		verdict(0, "JSONTestSuite", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0 ||
				e->d_name[1] != '_' || strchr("yni", e->d_name[0]) == NULL)
			continue;
		if (nb == cap) {
			char **p = realloc(names, (cap = cap ? 2 * cap : 64) *
					sizeof(*names));

			if (p == NULL)
				break;
			names = p;
		}
		names[nb++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, nb, sizeof(*names), name_cmp);
	for (i = 0; i < nb; i++) {
		if (names[i] != NULL)
			parsing_case(dir, names[i], count);
		free(names[i]);
	}
	free(names);
	printf("JSONTestSuite: %u y_ (%u by bytes), %u n_, %u i_ documents\n",
			count[0], y_capped, count[1], count[2]);
}

/* ---- json-patch-tests ------------------------------------------------------ */

/* The last member named k (the one a JSON reader keeps). */
static const cJSON *
last_member(const cJSON *o, const char *k)
{
	const cJSON *x, *found = NULL;

	for (x = o->child; x != NULL; x = x->next)
		if (strcmp(x->string, k) == 0)
			found = x;
	return found;
}

static int
oracle_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	size_t ka = 0, kb = 0;

	if ((cJSON_IsBool(a) && cJSON_IsBool(b)))
		return cJSON_IsTrue(a) == cJSON_IsTrue(b);
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsArray(a)) {
		for (x = a->child, y = b->child; x != NULL && y != NULL;
				x = x->next, y = y->next)
			if (!oracle_equal(x, y))
				return 0;
		return x == NULL && y == NULL;
	}
	if (cJSON_IsObject(a)) {
		for (x = a->child; x != NULL; x = x->next) {
			if (last_member(a, x->string) != x)
				continue;
			ka++;
			y = last_member(b, x->string);
			if (y == NULL || !oracle_equal(x, y))
				return 0;
		}
		for (y = b->child; y != NULL; y = y->next)
			kb += last_member(b, y->string) == y;
		return ka == kb;
	}
	return 1; /* null */
}

static void
run_patch_file(const char *data, const char *file)
{
	char path[8192], name[512];
	unsigned int records = 0, equal = 0, k = 0;
	const cJSON *rec;
	cJSON *all;
	size_t n;
	char *txt;

	snprintf(path, sizeof(path), "%s/json-patch-tests/%s", data, file);
	txt = slurp(path, &n);
	all = txt != NULL ? cJSON_ParseWithLength(txt, n) : NULL;
	free(txt);
	if (!cJSON_IsArray(all)) {
		verdict(0, "json-patch-tests", file, "cannot read");
		cJSON_Delete(all);
		return;
	}
	cJSON_ArrayForEach(rec, all) {
		const cJSON *doc = cJSON_GetObjectItemCaseSensitive(rec, "doc");
		const cJSON *exp = cJSON_GetObjectItemCaseSensitive(rec, "expected");
		const cJSON *com = cJSON_GetObjectItemCaseSensitive(rec, "comment");
		struct umb_cmp_result r;
		char *da, *db;
		int eq, rc1, rc2, rc3, rc4;

		k++;
		if (doc == NULL || exp == NULL ||
				cJSON_GetObjectItemCaseSensitive(rec, "error") != NULL ||
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec,
						"disabled")))
			continue;
		snprintf(name, sizeof(name), "%s#%u (%s)", file, k,
				cJSON_IsString(com) ? com->valuestring : "");
		da = cJSON_PrintUnformatted(doc);
		db = cJSON_PrintUnformatted(exp);
		if (da == NULL || db == NULL) {
			verdict(0, "json-patch-tests", name, "cannot print");
			free(da);
			free(db);
			continue;
		}
		records++;
		eq = oracle_equal(doc, exp);
		equal += eq;
		rc1 = diff(da, strlen(da), db, strlen(db), &r);
		verdict(rc1 == !eq && (r.n > 0) == !eq && !(r.flags &
				UMB_CMP_R_CAPPED), "json-patch-tests", name,
				eq ? "equal documents differ" :
				"different documents compare equal");
		rc2 = diff(db, strlen(db), da, strlen(da), &r);
		verdict(rc2 == !eq, "json-patch-tests", name,
				"the reverse comparison disagrees");
		rc3 = diff(da, strlen(da), da, strlen(da), &r);
		rc4 = diff(db, strlen(db), db, strlen(db), &r);
		verdict(rc3 == 0 && rc4 == 0, "json-patch-tests", name,
				"a document differs from itself");
		free(da);
		free(db);
	}
	printf("json-patch-tests %s: %u records with expected (%u equal to doc)\n",
			file, records, equal);
	cJSON_Delete(all);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
		return 2;
	}
	umb_cmp_rules_default(&rules);
	run_parsing(argv[1]);
	run_patch_file(argv[1], "tests.json");
	run_patch_file(argv[1], "spec_tests.json");
	printf("%u passed, %u failed\n", passed, failed);
	return failed != 0;
}
