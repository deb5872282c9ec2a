/* SPDX-License-Identifier: BSD-3-Clause
 * Consistency check of a stream's out-of-order queue, for the unit tests and
 * the fuzz target only (not part of the umb_tcp.h contract). It walks the
 * whole queue, so the data path never calls it.
 */
#ifndef UMB_TCP_CHECK_H
#define UMB_TCP_CHECK_H

#include "umb_tcp.h"

/**
 * Check the invariants of @p s's queue: chunks sorted, disjoint, non-empty,
 * strictly after next_seq and less than 2^31 bytes ahead of it, not past the
 * FIN; ooo_bytes equal to their sum; the head's tail pointer and chunk count
 * right; nothing queued once closed.
 * @return 0, or a negative number naming the first broken invariant.
 */
int umb_tcp_queue_check(const struct umb_tcp_stream *s);

#endif
