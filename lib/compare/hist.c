/* SPDX-License-Identifier: BSD-3-Clause
 * Log-linear latency histograms (microseconds). This file owns the bucket
 * layout, adding, merging and quantiles.
 *
 * Layout: bucket v for v in 0..63 (exact); then for each exponent e from 6
 * to 40, the range [2^e, 2^(e+1)) is cut into 64 equal sub-buckets of width
 * 2^(e-6), group g = e - 5 (1..35), bucket g * 64 + sub. Values of 2^41 and
 * above land in the last bucket (count, sum, min and max stay exact).
 * A bucket holds the integers low .. low + w - 1 (w = 2^(e-6)); its
 * midpoint low + (w - 1) / 2 is within (w - 1) / 2 of every value in it,
 * and every value is at least 2^e: the relative error is below
 * 2^(e-7) / 2^e = 1/128, under 1%.
 *
 * Merging is addition bucket by bucket (plus min/max), so histograms of
 * several comparator lcores, several appliances or several time windows
 * add up to the histogram of all their values. Fixed memory, no allocation.
 */
#include <stdint.h>
#include <string.h>

#include "umb_compare.h"

_Static_assert(UMB_HIST_BUCKETS ==
		(UMB_HIST_MAX_EXP - UMB_HIST_SUB_BITS + 2) * UMB_HIST_SUB,
		"one exact group plus one group per exponent 6..40");

void
umb_hist_init(struct umb_hist *h)
{
	memset(h, 0, sizeof(*h));
}

unsigned int
umb_hist_bucket(uint64_t v)
{
	unsigned int e, g;

	if (v < UMB_HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	g = e - UMB_HIST_SUB_BITS + 1;
	if (g >= UMB_HIST_BUCKETS / UMB_HIST_SUB)
		return UMB_HIST_BUCKETS - 1;
	return g * UMB_HIST_SUB +
		(unsigned int)((v >> (e - UMB_HIST_SUB_BITS)) - UMB_HIST_SUB);
}

uint64_t
umb_hist_bucket_low(unsigned int i)
{
	unsigned int g, sub;

	if (i >= UMB_HIST_BUCKETS)
		i = UMB_HIST_BUCKETS - 1;
	if (i < UMB_HIST_SUB)
		return i;
	g = i / UMB_HIST_SUB;
	sub = i % UMB_HIST_SUB;
	return (uint64_t)(UMB_HIST_SUB + sub) << (g - 1);
}

/* width of bucket i (values low .. low + width - 1) */
static uint64_t
bucket_width(unsigned int i)
{
	return i < UMB_HIST_SUB ? 1 : (uint64_t)1 << (i / UMB_HIST_SUB - 1);
}

void
umb_hist_add(struct umb_hist *h, uint64_t v)
{
	h->b[umb_hist_bucket(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}

void
umb_hist_merge(struct umb_hist *dst, const struct umb_hist *src)
{
	unsigned int i;

	if (src->count == 0)
		return;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (i = 0; i < UMB_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t
umb_hist_quantile(const struct umb_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	double r;
	unsigned int i;

	if (h->count == 0)
		return 0;
	if (!(q > 0))   /* also NaN */
		return h->min;
	if (q >= 1)
		return h->max;
	/* rank = ceil(q * count), 1-based */
	r = q * (double)h->count;
	rank = (uint64_t)r;
	if ((double)rank < r)
		rank++;
	if (rank == 0)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < UMB_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i >= UMB_HIST_BUCKETS - 1)
		return h->max;  /* the open last bucket has no midpoint */
	/* the middle of low .. low + width - 1 */
	v = umb_hist_bucket_low(i) + (bucket_width(i) - 1) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}
