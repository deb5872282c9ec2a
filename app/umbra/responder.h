/* SPDX-License-Identifier: BSD-3-Clause
 * Minimal in-process TCP responder standing in for the shadow server
 * (benchmarks only: scripts/bench-mirror puts the shadow port on a virtual
 * device with nobody behind it). Given one frame umbra sends toward the
 * shadow, it builds the frames the shadow would answer with; the caller
 * hands them to umbra as if they had been received on the shadow port.
 *
 *  - SYN: SYN-ACK, ISN a hash of the 4-tuple (deterministic), ack seq+1,
 *    MSS 1460 (IPv4) or 1440 (IPv6), window scale 7 when the SYN had one,
 *    timestamps when the SYN had them (TSval a counter, TSecr its TSval).
 *  - Data: acknowledged (ack seq+len). With reply_http, each complete
 *    request head ("\r\n\r\n") in umbra's byte stream is answered with
 *    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"; the answers carry the
 *    acknowledgement (no separate pure ACK), at most 13 per frame.
 *  - FIN: FIN-ACK (ack seq+len+1), after the answers the segment caused.
 *  - RST, pure ACK, SYN-ACK, anything not TCP: no answer.
 *
 * Answers go to the sender: addresses, ports and MACs swapped, the VLAN tag
 * kept, checksums complete (lib/peer umb_peer_build). Window always 65535.
 *
 * State is a fixed table of small slots indexed by a hash of the 4-tuple
 * (no allocation after create, no per-flow lookup structure). A slot
 * remembers where umbra's byte stream is (so a request head split across
 * segments is still seen, and a retransmitted request is not answered
 * twice) and where ours is (so requests sent back to back before umbra
 * acknowledged the first answer get answers at consecutive sequence
 * numbers). When two connections share a slot the newer takes it and the
 * older one falls back to the stateless rule: answers start at the
 * segment's acknowledgement number, which is umbra's rcv_nxt, the shadow's
 * next byte. Because every answer is the same 40 bytes, our byte stream is
 * periodic: when umbra re-sends data it has already sent and its
 * acknowledgement is behind what we sent, the missing bytes are rebuilt
 * and sent again (one frame), so a lost answer does not stall a session.
 *
 * One responder per lcore (single writer: no locks, no atomics).
 */
#ifndef UMB_RESPONDER_H
#define UMB_RESPONDER_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "umb_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The HTTP answer to every complete request head: a small JSON document
 * shaped like the bench captures' answers (id, name, tags, data), so that
 * the comparator parses and walks JSON on both sides, as it would against
 * a real shadow (an "ok" body made every comparison a cheap non-JSON one).
 */
#define UMB_RESPONDER_HTTP "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
	"Content-Length: 55\r\n\r\n" \
	"{\"id\":0,\"name\":\"item\",\"tags\":[\"a\",\"b\"],\"data\":\"shadow\"}"
/** State slots of one responder (a power of two). */
#define UMB_RESPONDER_SLOTS 65536
/** Most HTTP answers in one frame (4 x 126 = 504 bytes <= 536, any MSS). */
#define UMB_RESPONDER_PER_FRAME 4

/*
 * Outcomes, one counter each (group "responder"). Every frame handed to
 * umb_responder_answer() is counted once among the counters up to
 * unsupported; the others count what was built or not.
 */
#define UMB_RESPONDER_COUNTERS(X) \
	X(syn, "SYNs answered with a SYN-ACK") \
	X(data, "segments with payload (acknowledged)") \
	X(fin, "FINs without payload (answered with a FIN-ACK)") \
	X(rst, "RSTs (no answer)") \
	X(pure_ack, "pure ACKs (no answer)") \
	X(other_tcp, "TCP segments of no use (SYN-ACK, no ACK flag): no answer") \
	X(not_tcp, "frames that do not decode as TCP (ARP, ND, malformed)") \
	X(unsupported, "TCP frames with two VLAN tags (no answer)") \
	X(frames_built, "answer frames built") \
	X(responses, "HTTP answers put in our stream (one lost to an empty pool is rebuilt when umbra re-sends)") \
	X(responses_dropped, "complete request heads not answered: over max_out frames") \
	X(fin_dropped, "FIN-ACKs not built: max_out used up by answers") \
	X(retransmits, "frames of ours built again for data umbra re-sent") \
	X(old_data, "segments whose payload was all seen before (no new answer)") \
	X(slot_taken, "state slots taken over from another connection") \
	X(no_mbuf, "answer frames not built: pool empty") \
	X(build_error, "answer frames not built: builder error")

#define UMB_RESPONDER_ENUM_(n, d) UMB_RESPONDER_##n,
enum umb_responder_ctr {
	UMB_RESPONDER_COUNTERS(UMB_RESPONDER_ENUM_)
	UMB_RESPONDER_CTR_MAX
};
#undef UMB_RESPONDER_ENUM_

/** Counter group "responder" (index = enum umb_responder_ctr). */
extern const struct umb_ctr_group umb_responder_ctr_group;

struct umb_responder; /* private */

struct umb_responder_params {
	struct rte_mempool *pool; /**< answer frames (data room >= 1518 + headroom) */
	/**
	 * Non-zero: answer each complete request head ("\r\n\r\n"-terminated;
	 * GET/HEAD/OPTIONS, no body) with UMB_RESPONDER_HTTP. Zero: only
	 * acknowledge.
	 */
	uint8_t reply_http;
};

/**
 * Create a responder (about 1.5 MB of slots on @p socket_id).
 * @return the responder, or NULL with rte_errno set: EINVAL (NULL params
 *   or pool), ENOMEM.
 */
struct umb_responder *umb_responder_create(const struct umb_responder_params *p,
		int socket_id);

/** Free a responder (NULL is a no-op). */
void umb_responder_free(struct umb_responder *r);

/**
 * Look at one frame umbra is sending toward the shadow (Ethernet, optional
 * 802.1Q tag, IPv4 or IPv6, TCP; the mbuf may be chained) and build the
 * shadow's answers into @p out, in the order they are to be received.
 * @p sent is neither freed nor kept.
 *
 * @return the number of frames built (0..@p max_out); each is a single
 *   mbuf of the pool, owned by the caller.
 */
unsigned int umb_responder_answer(struct umb_responder *r,
		const struct rte_mbuf *sent, struct rte_mbuf **out,
		unsigned int max_out);

/** The responder's counters (UMB_RESPONDER_CTR_MAX, one writer). */
const uint64_t *umb_responder_counters(const struct umb_responder *r);

#ifdef __cplusplus
}
#endif
#endif
