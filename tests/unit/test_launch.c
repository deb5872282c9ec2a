/* SPDX-License-Identifier: BSD-3-Clause
 * lib/launch: every (state, verb) pair against the transition table of
 * umb_launch.h, written out here a second time; the share kept or changed
 * by each; the effective share; share parsing and printing at the edges;
 * names; history entries formatted and parsed back. No EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "umb_launch.h"

#define C UMB_LAUNCH_CHANGED
#define U UMB_LAUNCH_UNCHANGED
#define I UMB_LAUNCH_ILLEGAL

/* expect[verb][from]: the result, and the state after it. */
static const struct {
	int rc;
	enum umb_launch_state to;
} expect[UMB_LAUNCH_VERB_MAX][UMB_LAUNCH_STATE_MAX] = {
	/*               none                        active                         paused                         promoted                       rolled_back */
	[UMB_LAUNCH_START] = { { C, UMB_LAUNCH_ACTIVE }, { I, UMB_LAUNCH_ACTIVE }, { I, UMB_LAUNCH_PAUSED }, { I, UMB_LAUNCH_PROMOTED }, { I, UMB_LAUNCH_ROLLED_BACK } },
	[UMB_LAUNCH_PAUSE] = { { I, UMB_LAUNCH_NONE }, { C, UMB_LAUNCH_PAUSED }, { U, UMB_LAUNCH_PAUSED }, { I, UMB_LAUNCH_PROMOTED }, { I, UMB_LAUNCH_ROLLED_BACK } },
	[UMB_LAUNCH_RESUME] = { { I, UMB_LAUNCH_NONE }, { U, UMB_LAUNCH_ACTIVE }, { C, UMB_LAUNCH_ACTIVE }, { I, UMB_LAUNCH_PROMOTED }, { I, UMB_LAUNCH_ROLLED_BACK } },
	[UMB_LAUNCH_SHARE] = { { I, UMB_LAUNCH_NONE }, { C, UMB_LAUNCH_ACTIVE }, { C, UMB_LAUNCH_PAUSED }, { I, UMB_LAUNCH_PROMOTED }, { I, UMB_LAUNCH_ROLLED_BACK } },
	[UMB_LAUNCH_PROMOTE] = { { I, UMB_LAUNCH_NONE }, { C, UMB_LAUNCH_PROMOTED }, { C, UMB_LAUNCH_PROMOTED }, { U, UMB_LAUNCH_PROMOTED }, { I, UMB_LAUNCH_ROLLED_BACK } },
	[UMB_LAUNCH_ROLLBACK] = { { I, UMB_LAUNCH_NONE }, { C, UMB_LAUNCH_ROLLED_BACK }, { C, UMB_LAUNCH_ROLLED_BACK }, { I, UMB_LAUNCH_PROMOTED }, { U, UMB_LAUNCH_ROLLED_BACK } },
};

/* Every verb from every state: result, state after, share kept or set. */
static void
every_transition(void **st)
{
	(void)st;
	for (int v = 0; v < UMB_LAUNCH_VERB_MAX; v++) {
		for (int s = 0; s < UMB_LAUNCH_STATE_MAX; s++) {
			struct umb_launch l = { (enum umb_launch_state)s, 250000 };
			int has_arg = umb_launch_verb_arg((enum umb_launch_verb)v) > 0;
			char why[256] = "";
			int rc = umb_launch_apply(&l, (enum umb_launch_verb)v, has_arg,
					500000, why, sizeof(why));

			if (rc != expect[v][s].rc || l.state != expect[v][s].to)
				fail_msg("%s from %s: rc %d state %s, want rc %d state %s (%s)",
						umb_launch_verb_name(v), umb_launch_state_name(s),
						rc, umb_launch_state_name(l.state),
						expect[v][s].rc, umb_launch_state_name(expect[v][s].to),
						why);
			/* Only share (and start with a share) change the share. */
			if (rc == C && v == UMB_LAUNCH_SHARE)
				assert_int_equal(l.share_ppm, 500000);
			else
				assert_int_equal(l.share_ppm, 250000);
			if (rc == C)
				assert_string_equal(why, "");
			else
				assert_true(strlen(why) > 10);
			/* An illegal transition says which verb and which state. */
			if (rc == I) {
				assert_non_null(strstr(why, umb_launch_verb_name(v)));
				assert_non_null(strstr(why, s == UMB_LAUNCH_NONE ?
						"not started" : umb_launch_state_name(s)));
			}
		}
	}
}

static void
start_takes_a_share_or_keeps_its_own(void **st)
{
	struct umb_launch l = { UMB_LAUNCH_NONE, 1000000 };

	(void)st;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_START, 1, 100000, NULL, 0), C);
	assert_int_equal(l.state, UMB_LAUNCH_ACTIVE);
	assert_int_equal(l.share_ppm, 100000);
	l = (struct umb_launch){ UMB_LAUNCH_NONE, 1000000 };
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_START, 0, 0, NULL, 0), C);
	assert_int_equal(l.share_ppm, 1000000);
}

/* pause keeps the share, resume brings it back; share while paused waits. */
static void
pause_resume_and_the_effective_share(void **st)
{
	struct umb_launch l = { UMB_LAUNCH_NONE, 0 };

	(void)st;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_START, 1, 100000, NULL, 0), C);
	assert_int_equal(umb_launch_effective_ppm(&l), 100000);
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_SHARE, 1, 500000, NULL, 0), C);
	assert_int_equal(umb_launch_effective_ppm(&l), 500000);
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PAUSE, 0, 0, NULL, 0), C);
	assert_int_equal(umb_launch_effective_ppm(&l), 0);
	assert_int_equal(l.share_ppm, 500000);
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_SHARE, 1, 125000, NULL, 0), C);
	assert_int_equal(umb_launch_effective_ppm(&l), 0);
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_RESUME, 0, 0, NULL, 0), C);
	assert_int_equal(umb_launch_effective_ppm(&l), 125000);
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_SHARE, 1, 125000, NULL, 0), U);
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_ROLLBACK, 0, 0, NULL, 0), C);
	assert_int_equal(umb_launch_effective_ppm(&l), 0);
	assert_true(umb_launch_is_final(l.state));
	l.state = UMB_LAUNCH_PROMOTED;
	assert_int_equal(umb_launch_effective_ppm(&l), 0);
	assert_false(umb_launch_is_final(UMB_LAUNCH_PAUSED));
}

static void
clear_messages(void **st)
{
	struct umb_launch l = { UMB_LAUNCH_ROLLED_BACK, 0 };
	char why[256];

	(void)st;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_RESUME, 0, 0, why, sizeof(why)), I);
	assert_string_equal(why, "cannot resume: the launch is rolled_back, which is "
			"final (start a new launch under another name)");
	l.state = UMB_LAUNCH_PAUSED;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PAUSE, 0, 0, why, sizeof(why)), U);
	assert_string_equal(why, "already paused");
	l.state = UMB_LAUNCH_ACTIVE;
	l.share_ppm = 125000;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_SHARE, 1, 125000, why, sizeof(why)), U);
	assert_string_equal(why, "share already 12.5%");
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_START, 0, 0, why, sizeof(why)), I);
	assert_string_equal(why, "cannot start: the launch is already started (state "
			"active); use share, pause or resume");
	l.state = UMB_LAUNCH_NONE;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PROMOTE, 0, 0, why, sizeof(why)), I);
	assert_string_equal(why, "cannot promote: the launch is not started (launch start first)");
	/* a small buffer is cut, never overrun; NULL is fine */
	l.state = UMB_LAUNCH_PROMOTED;
	memset(why, 'x', sizeof(why));
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PAUSE, 0, 0, why, 8), I);
	assert_int_equal(strlen(why), 7);
	assert_int_equal(why[8], 'x');
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PAUSE, 0, 0, NULL, 0), I);
}

static void
arguments_are_checked(void **st)
{
	struct umb_launch l = { UMB_LAUNCH_ACTIVE, 100 };
	char why[128];

	(void)st;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_SHARE, 0, 0, why, sizeof(why)),
			UMB_LAUNCH_INVALID);
	assert_non_null(strstr(why, "needs a share"));
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PAUSE, 1, 5, why, sizeof(why)),
			UMB_LAUNCH_INVALID);
	assert_non_null(strstr(why, "takes no argument"));
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_SHARE, 1, 1000001, why,
			sizeof(why)), UMB_LAUNCH_INVALID);
	assert_int_equal(umb_launch_apply(&l, (enum umb_launch_verb)99, 0, 0, why,
			sizeof(why)), UMB_LAUNCH_INVALID);
	l.state = (enum umb_launch_state)42;
	assert_int_equal(umb_launch_apply(&l, UMB_LAUNCH_PAUSE, 0, 0, why, sizeof(why)),
			UMB_LAUNCH_INVALID);
	assert_int_equal(l.state, 42);
	assert_int_equal(l.share_ppm, 100);
}

static void
shares_parse_strictly(void **st)
{
	static const struct { const char *s; uint32_t ppm; } good[] = {
		{ "0", 0 }, { "100", 1000000 }, { "12.5", 125000 }, { "0.0001", 1 },
		{ "99.9999", 999999 }, { "100.0", 1000000 }, { "100.0000", 1000000 },
		{ "007", 70000 }, { "50", 500000 }, { "1.5", 15000 },
	};
	static const char *const bad[] = {
		"", "-1", "+1", "101", "100.0001", "1000", "5e1", " 5", "5 ", "x",
		".5", "5.", "12.34567", "0x10", "inf", "nan", "1,5", "100.00001",
	};
	uint32_t ppm;

	(void)st;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ppm = 12345;
		if (umb_launch_parse_share(good[i].s, &ppm) != 0 || ppm != good[i].ppm)
			fail_msg("'%s': got %u", good[i].s, ppm);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ppm = 12345;
		if (umb_launch_parse_share(bad[i], &ppm) == 0 || ppm != 12345)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(umb_launch_parse_share(NULL, &ppm), -1);
}

static void
shares_print_without_noise(void **st)
{
	char b[UMB_LAUNCH_SHARE_LEN];

	(void)st;
	assert_string_equal(umb_launch_share_str(0, b, sizeof(b)), "0");
	assert_string_equal(umb_launch_share_str(1000000, b, sizeof(b)), "100");
	assert_string_equal(umb_launch_share_str(125000, b, sizeof(b)), "12.5");
	assert_string_equal(umb_launch_share_str(1, b, sizeof(b)), "0.0001");
	assert_string_equal(umb_launch_share_str(999999, b, sizeof(b)), "99.9999");
	/* every printed share parses back to itself */
	for (uint32_t p = 0; p <= 1000000; p += 997) {
		uint32_t back;

		umb_launch_share_str(p, b, sizeof(b));
		assert_int_equal(umb_launch_parse_share(b, &back), 0);
		assert_int_equal(back, p);
	}
}

static void
names(void **st)
{
	enum umb_launch_state s;
	enum umb_launch_verb v;

	(void)st;
	for (int i = 0; i < UMB_LAUNCH_VERB_MAX; i++) {
		assert_int_equal(umb_launch_verb_parse(umb_launch_verb_name(i), &v), 0);
		assert_int_equal(v, i);
	}
	for (int i = UMB_LAUNCH_ACTIVE; i < UMB_LAUNCH_STATE_MAX; i++) {
		assert_int_equal(umb_launch_state_parse(umb_launch_state_name(i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(umb_launch_state_parse("none", &s), -1);
	assert_int_equal(umb_launch_state_parse("Active", &s), -1);
	assert_int_equal(umb_launch_state_parse("rolledback", &s), -1);
	assert_int_equal(umb_launch_state_parse(NULL, &s), -1);
	assert_int_equal(umb_launch_verb_parse("stop", &v), -1);
	assert_int_equal(umb_launch_verb_parse("", &v), -1);
	assert_string_equal(umb_launch_state_name(UMB_LAUNCH_STATE_MAX), "?");
	assert_string_equal(umb_launch_verb_name(UMB_LAUNCH_VERB_MAX), "?");
	assert_int_equal(umb_launch_verb_arg(UMB_LAUNCH_SHARE), 1);
	assert_int_equal(umb_launch_verb_arg(UMB_LAUNCH_START), 0);
	assert_int_equal(umb_launch_verb_arg(UMB_LAUNCH_ROLLBACK), -1);
}

static void
who_is_checked(void **st)
{
	char longest[UMB_LAUNCH_WHO_LEN];

	(void)st;
	assert_int_equal(umb_launch_check_who("root@edge-1.example:42"), 0);
	assert_int_equal(umb_launch_check_who("a+b_c"), 0);
	assert_int_equal(umb_launch_check_who(""), -1);
	assert_int_equal(umb_launch_check_who(NULL), -1);
	assert_int_equal(umb_launch_check_who("a b"), -1);
	assert_int_equal(umb_launch_check_who("a\nb"), -1);
	assert_int_equal(umb_launch_check_who("é"), -1);
	memset(longest, 'w', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	assert_int_equal(umb_launch_check_who(longest), 0);
	{
		char too_long[UMB_LAUNCH_WHO_LEN + 1];

		memset(too_long, 'w', sizeof(too_long) - 1);
		too_long[sizeof(too_long) - 1] = '\0';
		assert_int_equal(umb_launch_check_who(too_long), -1);
	}
}

static void
history_entries_round_trip(void **st)
{
	struct umb_launch_event e = {
		.ts_us = 1700000000123456ULL, .who = "root@edge1", .verb = UMB_LAUNCH_SHARE,
		.arg = "12.5", .from = UMB_LAUNCH_ACTIVE, .to = UMB_LAUNCH_ACTIVE,
	}, back;
	char line[UMB_LAUNCH_EVENT_LEN];
	int n;

	(void)st;
	n = umb_launch_event_format(&e, line, sizeof(line));
	assert_int_equal(n, (int)strlen(line));
	assert_string_equal(line, "1700000000123456 root@edge1 share 12.5 active active");
	assert_int_equal(umb_launch_event_parse(line, &back), 0);
	assert_int_equal(back.ts_us, e.ts_us);
	assert_string_equal(back.who, e.who);
	assert_int_equal(back.verb, e.verb);
	assert_string_equal(back.arg, e.arg);
	assert_int_equal(back.from, e.from);
	assert_int_equal(back.to, e.to);

	e = (struct umb_launch_event){ .ts_us = 1, .verb = UMB_LAUNCH_START,
		.from = UMB_LAUNCH_NONE, .to = UMB_LAUNCH_ACTIVE };
	umb_launch_event_format(&e, line, sizeof(line));
	assert_string_equal(line, "1 - start - none active");
	assert_int_equal(umb_launch_event_parse(line, &back), 0);
	assert_string_equal(back.who, "");
	assert_string_equal(back.arg, "");
	assert_int_equal(back.from, UMB_LAUNCH_NONE);
	/* too small a buffer */
	assert_int_equal(umb_launch_event_format(&e, line, 5), -1);
	assert_string_equal(umb_launch_event_fields[0], "ts_us");
	assert_string_equal(umb_launch_event_fields[5], "to");

	static const char *const bad[] = {
		"", "1 a pause - active", "1 a pause - active paused extra",
		"x a pause - active paused", "1 a stop - active paused",
		"1 a pause - active gone", "1 a share 150 active active",
		"1 a b pause - active paused", "1  pause - active paused",
		"-1 a pause - active paused", "1 a pause - active paused ",
		"1a a pause - active paused",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (umb_launch_event_parse(bad[i], &back) == 0)
			fail_msg("'%s' parsed", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_transition),
		cmocka_unit_test(start_takes_a_share_or_keeps_its_own),
		cmocka_unit_test(pause_resume_and_the_effective_share),
		cmocka_unit_test(clear_messages),
		cmocka_unit_test(arguments_are_checked),
		cmocka_unit_test(shares_parse_strictly),
		cmocka_unit_test(shares_print_without_noise),
		cmocka_unit_test(names),
		cmocka_unit_test(who_is_checked),
		cmocka_unit_test(history_entries_round_trip),
	};

	return cmocka_run_group_tests_name("launch", tests, NULL, NULL);
}
