/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for umb_cmp_decode(). Input: byte 0 picks the coding
 * (mod UMB_ENC_UNKNOWN + 1: identity, gzip, deflate, br, unknown), the rest
 * is the encoded body. The body is copied to a heap block of exactly its
 * size so that a read past it is an ASan report; the output buffer is
 * 1 MiB with a ratio cap of 100, as the comparator's defaults. Checks: the
 * result is a UMB_DEC_* code with a message, the length decoded never
 * passes the caps, an ok result is within them, and a decode into a buffer
 * of exactly the decoded size gives the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "umb_compare.h"

#define OUT_MAX (1u << 20)
#define RATIO 100

static void
check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[OUT_MAX];
	enum umb_cmp_encoding enc;
	uint8_t *in, *again;
	size_t n, got = 0, got2 = 0, cap;
	int rc, rc2;

	if (size < 1)
		return 0;
	enc = (enum umb_cmp_encoding)(data[0] % (UMB_ENC_UNKNOWN + 1));
	n = size - 1;
	in = malloc(n ? n : 1);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, n);

	rc = umb_cmp_decode(enc, in, n, out, OUT_MAX, RATIO, &got);
	check(rc <= UMB_DEC_OK && rc >= UMB_DEC_NOMEM);
	check(umb_cmp_decode_strerror(rc) != NULL);
	check(got <= OUT_MAX);
	cap = enc == UMB_ENC_IDENTITY ? OUT_MAX : n * RATIO;
	check(got <= cap);
	if (rc == UMB_DEC_BOMB)
		check(got == n * RATIO && n * RATIO < OUT_MAX);
	if (rc == UMB_DEC_TOO_BIG)
		check(got == OUT_MAX);

	if (rc == UMB_DEC_OK && got > 0 && got < 65536) {
		/* exactly the right room, and no ratio cap: same answer */
		again = malloc(got);
		if (again != NULL) {
			rc2 = umb_cmp_decode(enc, in, n, again, got, 0, &got2);
			check(rc2 == UMB_DEC_OK && got2 == got);
			check(memcmp(again, out, got) == 0);
			if (enc != UMB_ENC_IDENTITY) {
				/* one byte less: too big, same prefix */
				rc2 = umb_cmp_decode(enc, in, n, again,
						got - 1, 0, &got2);
				check(rc2 == UMB_DEC_TOO_BIG &&
						got2 == got - 1);
				check(memcmp(again, out, got - 1) == 0);
			}
			free(again);
		}
	}
	free(in);
	return 0;
}
