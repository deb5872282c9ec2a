/* SPDX-License-Identifier: BSD-3-Clause
 * The launch lifecycle (no DPDK, no I/O): the states of a dark launch, the
 * verbs that move it, which transitions are legal, the share as a
 * percentage, and the history entry. The appliance (embedded launch,
 * app/umbra/launch.c), the Redis exporter that follows the launch record
 * and umbractl (which changes the record) all decide with these functions,
 * so the rules are written once. docs/umbractl.md has the table.
 *
 * A launch has a state and a share. The share is the launch's own setting;
 * what the appliances apply is umb_launch_effective_ppm(): the share while
 * active, 0 otherwise. So pause keeps the share and resume brings it back.
 *
 *   verb \ from   none      active     paused     promoted   rolled_back
 *   start [PCT]   active    illegal    illegal    illegal    illegal
 *   pause         illegal   paused     unchanged  illegal    illegal
 *   resume        illegal   unchanged  active     illegal    illegal
 *   share PCT     illegal   active*    paused*    illegal    illegal
 *   promote       illegal   promoted   promoted   unchanged  illegal
 *   rollback      illegal   rolled_b.  rolled_b.  illegal    unchanged
 *
 * (*) the share changes, the state stays; the same share again is
 * unchanged. "unchanged" is not an error: nothing is done or recorded.
 * promoted and rolled_back are final.
 */
#ifndef UMB_LAUNCH_H
#define UMB_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UMB_LAUNCH_SHARE_ONE 1000000u  /**< 100 % in parts per million */
#define UMB_LAUNCH_SHARE_LEN 16        /**< "100", "12.5", "0.0001" with NUL */
#define UMB_LAUNCH_WHO_LEN 64          /**< who changed it, NUL included */
#define UMB_LAUNCH_ID_LEN 17           /**< 16 hex digits, NUL included */
#define UMB_LAUNCH_EVENT_LEN 192       /**< one formatted history entry */

enum umb_launch_state {
	UMB_LAUNCH_NONE = 0,       /**< no launch (no record yet) */
	UMB_LAUNCH_ACTIVE,
	UMB_LAUNCH_PAUSED,
	UMB_LAUNCH_PROMOTED,
	UMB_LAUNCH_ROLLED_BACK,
	UMB_LAUNCH_STATE_MAX,
};

enum umb_launch_verb {
	UMB_LAUNCH_START = 0,
	UMB_LAUNCH_PAUSE,
	UMB_LAUNCH_RESUME,
	UMB_LAUNCH_SHARE,
	UMB_LAUNCH_PROMOTE,
	UMB_LAUNCH_ROLLBACK,
	UMB_LAUNCH_VERB_MAX,
};

/** What umb_launch_apply() did. */
enum umb_launch_result {
	UMB_LAUNCH_CHANGED = 0,    /**< state or share changed: record it */
	UMB_LAUNCH_UNCHANGED = 1,  /**< already so: nothing to do */
	UMB_LAUNCH_ILLEGAL = -1,   /**< not from this state (the reason says why) */
	UMB_LAUNCH_INVALID = -2,   /**< a bad verb or argument */
};

/** A launch: its state and its share (parts per million). */
struct umb_launch {
	enum umb_launch_state state;
	uint32_t share_ppm;
};

/** One history entry: who did what, when, from which state to which. */
struct umb_launch_event {
	uint64_t ts_us;                     /**< Unix time, microseconds */
	char who[UMB_LAUNCH_WHO_LEN];
	enum umb_launch_verb verb;
	char arg[UMB_LAUNCH_SHARE_LEN];     /**< the share ("" when none) */
	enum umb_launch_state from, to;
};

/** "none", "active", "paused", "promoted", "rolled_back" ("?" otherwise). */
const char *umb_launch_state_name(enum umb_launch_state s);
/** A record's state by name (not "none"). 0, or -1 when unknown. */
int umb_launch_state_parse(const char *s, enum umb_launch_state *out);
/** "start", "pause", "resume", "share", "promote", "rollback". */
const char *umb_launch_verb_name(enum umb_launch_verb v);
/** A verb by name. 0, or -1 when unknown. */
int umb_launch_verb_parse(const char *s, enum umb_launch_verb *out);
/** 1: the verb needs a share (share); 0: it takes one optionally (start); -1: none. */
int umb_launch_verb_arg(enum umb_launch_verb v);

/**
 * A share in percent: "0" to "100", at most three integer digits and four
 * decimals ("12.5", "0.0001"); no sign, exponent, blank or other text.
 * 0 with *@p ppm set, or -1.
 */
int umb_launch_parse_share(const char *s, uint32_t *ppm);
/** @p ppm as a percentage without trailing zeros ("12.5", "100"); @p buf. */
const char *umb_launch_share_str(uint32_t ppm, char *buf, size_t size);

/** The share the appliances apply: the launch's share while active, else 0. */
uint32_t umb_launch_effective_ppm(const struct umb_launch *l);
/** 1 for promoted and rolled_back: no verb changes them any more. */
int umb_launch_is_final(enum umb_launch_state s);

/**
 * Apply @p verb to @p l. @p has_arg and @p arg_ppm: the share of share
 * (required) and start (optional; without it the launch keeps l->share_ppm).
 * On UMB_LAUNCH_CHANGED @p l is updated; otherwise it is untouched and
 * @p why (may be NULL) holds one sentence: "already paused", or why the
 * transition is illegal ("launch is rolled_back: a rolled-back launch is
 * final; start a new launch").
 */
enum umb_launch_result umb_launch_apply(struct umb_launch *l,
		enum umb_launch_verb verb, int has_arg, uint32_t arg_ppm, char *why,
		size_t why_size);

/**
 * Who may appear in a history entry: 1 to 63 of [A-Za-z0-9_.@:+-].
 * 0, or -1.
 */
int umb_launch_check_who(const char *s);

/**
 * One history entry as one line of six fields separated by single spaces:
 * "TS_US WHO VERB ARG FROM TO", ARG "-" when empty, e.g.
 * "1700000000123456 root@edge1 share 50 active active". Returns the length,
 * or -1 when it does not fit.
 */
int umb_launch_event_format(const struct umb_launch_event *e, char *buf,
		size_t size);
/** The reverse of umb_launch_event_format(). 0, or -1 when malformed. */
int umb_launch_event_parse(const char *s, struct umb_launch_event *e);

/** The history entry's field names, in order (Redis stream, telemetry). */
extern const char *const umb_launch_event_fields[6];

#ifdef __cplusplus
}
#endif

#endif /* UMB_LAUNCH_H */
