/* SPDX-License-Identifier: BSD-3-Clause
 * Content decoding before comparison: gzip and deflate (zlib), br (Debian's
 * libbrotli), identity. This file owns the Content-Encoding name parser and
 * the decoder with its caps.
 *
 * Bounds: a decode never writes more than min(out_max, in_len * ratio_max)
 * bytes and asks the library for at most one byte more: when the output
 * buffer is full, the decoder is given a one-byte scratch
 * area to learn whether the stream has more to say (too big, or a bomb) or
 * ends exactly there (ok). zlib hands out bytes as it makes them, so for
 * gzip and deflate that bound is the whole cost (a 10 MB gzip bomb stops
 * after ~1 MB, in about a millisecond). brotli expands into its ring
 * buffer, sized to the stream's window, and hands bytes out only when that
 * buffer fills or the stream ends: a br bomb costs up to one window of
 * expansion before the cap is seen (4 MiB at the usual lgwin 22, ~10 ms;
 * at most 16 MiB, the library's limit without the large-window extension,
 * which is not enabled here). Memory is the libraries' own: zlib's 32 KiB
 * window, brotli's ring buffer (shrunk for small single-block streams).
 *
 * Trailing bytes after the end of a gzip member, a zlib stream or a brotli
 * stream are ignored and counted nowhere (servers and proxies sometimes pad,
 * and browsers ignore them too); a second gzip member is trailing bytes.
 * An empty input is an empty body whatever the coding (HEAD, 204, 304 carry
 * Content-Encoding without a body), except for an unknown coding.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>
#include <brotli/decode.h>

#include "umb_compare.h"

/* internal result of one decoder run, before mapping to UMB_DEC_* */
enum {
	RUN_OK = 0,
	RUN_LIMIT,      /* the output would pass the limit */
	RUN_CORRUPT,
	RUN_NOMEM,
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

enum umb_cmp_encoding
umb_cmp_encoding_parse(const char *v, size_t n)
{
	static const struct {
		const char *name;
		enum umb_cmp_encoding enc;
	} names[] = {
		{ "gzip", UMB_ENC_GZIP },
		{ "x-gzip", UMB_ENC_GZIP },
		{ "deflate", UMB_ENC_DEFLATE },
		{ "br", UMB_ENC_BR },
		{ "identity", UMB_ENC_IDENTITY },
	};
	unsigned int i;

	if (v == NULL)
		return UMB_ENC_IDENTITY;
	while (n > 0 && is_blank(*v)) {
		v++;
		n--;
	}
	while (n > 0 && is_blank(v[n - 1]))
		n--;
	if (n == 0)
		return UMB_ENC_IDENTITY;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n &&
				strncasecmp(names[i].name, v, n) == 0)
			return names[i].enc;
	/* compress, zstd, and any list ("gzip, br"): not decoded */
	return UMB_ENC_UNKNOWN;
}

/*
 * One zlib run with @p wbits. Decodes into out[0..limit); when that is full,
 * probes with a single scratch byte. *zero_out_error tells the caller that
 * the stream was refused before any output (the deflate fallback to raw).
 */
static int
zlib_run(const uint8_t *in, size_t in_len, uint8_t *out, size_t limit,
		int wbits, size_t *produced, int *zero_out_error)
{
	z_stream zs;
	uint8_t scratch;
	int probing = 0;
	int ret, rc;

	memset(&zs, 0, sizeof(zs));
	*produced = 0;
	*zero_out_error = 0;
	if (inflateInit2(&zs, wbits) != Z_OK)
		return RUN_NOMEM;
	zs.next_in = (Bytef *)(uintptr_t)in;
	/* uInt is 32 bits: bodies are far below that (decode_max caps) */
	zs.avail_in = in_len > UINT32_MAX ? UINT32_MAX : (uInt)in_len;
	zs.next_out = out;
	zs.avail_out = limit > UINT32_MAX ? UINT32_MAX : (uInt)limit;
	if (zs.avail_out == 0) {
		zs.next_out = &scratch;
		zs.avail_out = 1;
		probing = 1;
	}
	for (;;) {
		ret = inflate(&zs, Z_NO_FLUSH);
		if (ret == Z_STREAM_END) {
			/* the end, unless the probe byte was needed for it */
			rc = probing && zs.avail_out == 0 ? RUN_LIMIT : RUN_OK;
			break;
		}
		if (ret == Z_MEM_ERROR) {
			rc = RUN_NOMEM;
			break;
		}
		if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT ||
				ret == Z_STREAM_ERROR) {
			*zero_out_error = zs.total_out == 0;
			rc = RUN_CORRUPT;
			break;
		}
		if (probing && zs.avail_out == 0) {
			/* one byte past the limit came out */
			rc = RUN_LIMIT;
			break;
		}
		if (!probing && zs.avail_out == 0) {
			zs.next_out = &scratch;
			zs.avail_out = 1;
			probing = 1;
			continue;
		}
		/* Z_OK with room left, or Z_BUF_ERROR: no progress possible */
		if (zs.avail_in == 0) {
			/* the input ended before the stream did: truncated */
			rc = RUN_CORRUPT;
			break;
		}
		if (ret == Z_BUF_ERROR) {
			rc = RUN_CORRUPT;
			break;
		}
	}
	*produced = zs.total_out - (probing && zs.avail_out == 0 ? 1 : 0);
	if (*produced > limit)
		*produced = limit;
	inflateEnd(&zs);
	return rc;
}

static int
brotli_run(const uint8_t *in, size_t in_len, uint8_t *out, size_t limit,
		size_t *produced)
{
	BrotliDecoderState *s;
	BrotliDecoderResult res;
	BrotliDecoderErrorCode err;
	const uint8_t *next_in = in;
	size_t avail_in = in_len;
	uint8_t *next_out = out;
	size_t avail_out = limit;
	uint8_t scratch;
	int probing = 0;
	int rc;

	*produced = 0;
	s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	if (s == NULL)
		return RUN_NOMEM;
	if (avail_out == 0) {
		next_out = &scratch;
		avail_out = 1;
		probing = 1;
	}
	for (;;) {
		res = BrotliDecoderDecompressStream(s, &avail_in, &next_in,
				&avail_out, &next_out, NULL);
		if (res == BROTLI_DECODER_RESULT_SUCCESS) {
			rc = probing && avail_out == 0 ? RUN_LIMIT : RUN_OK;
			break;
		}
		if (res == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
			rc = RUN_CORRUPT;  /* truncated */
			break;
		}
		if (res == BROTLI_DECODER_RESULT_ERROR) {
			/* codes -21..-30 are the allocation failures */
			err = BrotliDecoderGetErrorCode(s);
			rc = err <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
				err >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES ?
				RUN_NOMEM : RUN_CORRUPT;
			break;
		}
		/* NEEDS_MORE_OUTPUT: the buffer is full */
		if (probing) {
			rc = RUN_LIMIT;
			break;
		}
		next_out = &scratch;
		avail_out = 1;
		probing = 1;
	}
	*produced = probing ? limit : limit - avail_out;
	BrotliDecoderDestroyInstance(s);
	return rc;
}

int
umb_cmp_decode(enum umb_cmp_encoding enc, const uint8_t *in, size_t in_len,
		uint8_t *out, size_t out_max, uint32_t ratio_max, size_t *out_len)
{
	size_t limit = out_max, produced = 0;
	int by_ratio = 0, zero_err, rc;

	*out_len = 0;
	if (enc == UMB_ENC_UNKNOWN || enc > UMB_ENC_UNKNOWN)
		return UMB_DEC_UNKNOWN;
	if (in_len == 0)
		return UMB_DEC_OK;
	if (enc == UMB_ENC_IDENTITY) {
		/* no expansion: the ratio does not apply */
		produced = in_len < out_max ? in_len : out_max;
		if (produced > 0)
			memcpy(out, in, produced);
		*out_len = produced;
		return in_len > out_max ? UMB_DEC_TOO_BIG : UMB_DEC_OK;
	}
	if (ratio_max != 0 && in_len <= SIZE_MAX / ratio_max &&
			in_len * ratio_max < limit) {
		limit = in_len * ratio_max;
		by_ratio = 1;
	}

	switch (enc) {
	case UMB_ENC_GZIP:
		rc = zlib_run(in, in_len, out, limit, 16 + MAX_WBITS,
				&produced, &zero_err);
		break;
	case UMB_ENC_DEFLATE:
		/*
		 * "deflate" means a zlib stream, but some servers send raw
		 * deflate: as browsers do, a stream refused before producing
		 * anything (its header is not zlib's) is retried raw.
		 */
		rc = zlib_run(in, in_len, out, limit, MAX_WBITS, &produced,
				&zero_err);
		if (rc == RUN_CORRUPT && zero_err)
			rc = zlib_run(in, in_len, out, limit, -MAX_WBITS,
					&produced, &zero_err);
		break;
	case UMB_ENC_BR:
		rc = brotli_run(in, in_len, out, limit, &produced);
		break;
	default:
		return UMB_DEC_UNKNOWN;
	}
	*out_len = produced;
	switch (rc) {
	case RUN_OK:
		return UMB_DEC_OK;
	case RUN_LIMIT:
		return by_ratio ? UMB_DEC_BOMB : UMB_DEC_TOO_BIG;
	case RUN_NOMEM:
		return UMB_DEC_NOMEM;
	default:
		return UMB_DEC_CORRUPT;
	}
}

const char *
umb_cmp_decode_strerror(int rc)
{
	switch (rc) {
	case UMB_DEC_OK:
		return "ok";
	case UMB_DEC_TOO_BIG:
		return "decoded body too big";
	case UMB_DEC_BOMB:
		return "decompression ratio too high (bomb)";
	case UMB_DEC_CORRUPT:
		return "corrupt or truncated stream";
	case UMB_DEC_UNKNOWN:
		return "content coding not supported";
	case UMB_DEC_NOMEM:
		return "out of memory";
	default:
		return "unknown decode error";
	}
}
