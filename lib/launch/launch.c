/* SPDX-License-Identifier: BSD-3-Clause
 * The launch lifecycle: states, verbs, legal transitions, the share as a
 * percentage, history entries (umb_launch.h has the transition table).
 * Plain C, no DPDK, no allocation, no I/O.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "umb_launch.h"

static const char *const state_names[UMB_LAUNCH_STATE_MAX] = {
	[UMB_LAUNCH_NONE] = "none",
	[UMB_LAUNCH_ACTIVE] = "active",
	[UMB_LAUNCH_PAUSED] = "paused",
	[UMB_LAUNCH_PROMOTED] = "promoted",
	[UMB_LAUNCH_ROLLED_BACK] = "rolled_back",
};

static const char *const verb_names[UMB_LAUNCH_VERB_MAX] = {
	[UMB_LAUNCH_START] = "start",
	[UMB_LAUNCH_PAUSE] = "pause",
	[UMB_LAUNCH_RESUME] = "resume",
	[UMB_LAUNCH_SHARE] = "share",
	[UMB_LAUNCH_PROMOTE] = "promote",
	[UMB_LAUNCH_ROLLBACK] = "rollback",
};

const char *const umb_launch_event_fields[6] = {
	"ts_us", "who", "verb", "arg", "from", "to",
};

const char *
umb_launch_state_name(enum umb_launch_state s)
{
	return (unsigned int)s < UMB_LAUNCH_STATE_MAX ? state_names[s] : "?";
}

int
umb_launch_state_parse(const char *s, enum umb_launch_state *out)
{
	for (unsigned int i = UMB_LAUNCH_ACTIVE; i < UMB_LAUNCH_STATE_MAX; i++)
		if (s != NULL && strcmp(s, state_names[i]) == 0) {
			*out = (enum umb_launch_state)i;
			return 0;
		}
	return -1;
}

const char *
umb_launch_verb_name(enum umb_launch_verb v)
{
	return (unsigned int)v < UMB_LAUNCH_VERB_MAX ? verb_names[v] : "?";
}

int
umb_launch_verb_parse(const char *s, enum umb_launch_verb *out)
{
	for (unsigned int i = 0; i < UMB_LAUNCH_VERB_MAX; i++)
		if (s != NULL && strcmp(s, verb_names[i]) == 0) {
			*out = (enum umb_launch_verb)i;
			return 0;
		}
	return -1;
}

int
umb_launch_verb_arg(enum umb_launch_verb v)
{
	return v == UMB_LAUNCH_SHARE ? 1 : v == UMB_LAUNCH_START ? 0 : -1;
}

int
umb_launch_parse_share(const char *s, uint32_t *ppm)
{
	uint32_t ip = 0, frac = 0;
	unsigned int ni = 0, nd = 0;

	if (s == NULL)
		return -1;
	while (*s >= '0' && *s <= '9') {
		if (++ni > 3)
			return -1;
		ip = ip * 10 + (uint32_t)(*s++ - '0');
	}
	if (ni == 0)
		return -1;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (++nd > 4)
				return -1;
			frac = frac * 10 + (uint32_t)(*s++ - '0');
		}
		if (nd == 0)
			return -1;
		for (unsigned int i = nd; i < 4; i++)
			frac *= 10;
	}
	if (*s != '\0' || ip * 10000 + frac > UMB_LAUNCH_SHARE_ONE)
		return -1;
	*ppm = ip * 10000 + frac;
	return 0;
}

const char *
umb_launch_share_str(uint32_t ppm, char *buf, size_t size)
{
	int len = snprintf(buf, size, "%" PRIu32 ".%04" PRIu32, ppm / 10000,
			ppm % 10000);

	if (len < 0 || (size_t)len >= size)
		return buf;
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	return buf;
}

uint32_t
umb_launch_effective_ppm(const struct umb_launch *l)
{
	return l->state == UMB_LAUNCH_ACTIVE ? l->share_ppm : 0;
}

int
umb_launch_is_final(enum umb_launch_state s)
{
	return s == UMB_LAUNCH_PROMOTED || s == UMB_LAUNCH_ROLLED_BACK;
}

static enum umb_launch_result __attribute__((format(printf, 4, 5)))
say(enum umb_launch_result r, char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Why a verb is refused in a final state. */
static enum umb_launch_result
final_refusal(enum umb_launch_verb v, enum umb_launch_state s, char *why, size_t n)
{
	return say(UMB_LAUNCH_ILLEGAL, why, n, "cannot %s: the launch is %s, "
			"which is final (start a new launch under another name)",
			verb_names[v], state_names[s]);
}

enum umb_launch_result
umb_launch_apply(struct umb_launch *l, enum umb_launch_verb verb, int has_arg,
		uint32_t arg_ppm, char *why, size_t why_size)
{
	enum umb_launch_state s = l->state;
	char a[UMB_LAUNCH_SHARE_LEN];

	if ((unsigned int)verb >= UMB_LAUNCH_VERB_MAX)
		return say(UMB_LAUNCH_INVALID, why, why_size, "unknown verb");
	if ((unsigned int)s >= UMB_LAUNCH_STATE_MAX)
		return say(UMB_LAUNCH_INVALID, why, why_size, "unknown state");
	if (has_arg && umb_launch_verb_arg(verb) < 0)
		return say(UMB_LAUNCH_INVALID, why, why_size, "%s takes no argument",
				verb_names[verb]);
	if (!has_arg && umb_launch_verb_arg(verb) > 0)
		return say(UMB_LAUNCH_INVALID, why, why_size, "%s needs a share "
				"(percent, 0 to 100)", verb_names[verb]);
	if (has_arg && arg_ppm > UMB_LAUNCH_SHARE_ONE)
		return say(UMB_LAUNCH_INVALID, why, why_size, "share above 100%%");
	if (verb == UMB_LAUNCH_START) {
		if (s != UMB_LAUNCH_NONE)
			return say(UMB_LAUNCH_ILLEGAL, why, why_size, "cannot start: "
					"the launch is already started (state %s)%s",
					state_names[s], umb_launch_is_final(s) ?
					", and final: start a new launch under another name" :
					"; use share, pause or resume");
		l->state = UMB_LAUNCH_ACTIVE;
		if (has_arg)
			l->share_ppm = arg_ppm;
		return UMB_LAUNCH_CHANGED;
	}
	if (s == UMB_LAUNCH_NONE)
		return say(UMB_LAUNCH_ILLEGAL, why, why_size, "cannot %s: the launch "
				"is not started (launch start first)", verb_names[verb]);
	switch (verb) {
	case UMB_LAUNCH_PAUSE:
		if (s == UMB_LAUNCH_PAUSED)
			return say(UMB_LAUNCH_UNCHANGED, why, why_size, "already paused");
		if (umb_launch_is_final(s))
			return final_refusal(verb, s, why, why_size);
		l->state = UMB_LAUNCH_PAUSED;
		return UMB_LAUNCH_CHANGED;
	case UMB_LAUNCH_RESUME:
		if (s == UMB_LAUNCH_ACTIVE)
			return say(UMB_LAUNCH_UNCHANGED, why, why_size, "already active");
		if (umb_launch_is_final(s))
			return final_refusal(verb, s, why, why_size);
		l->state = UMB_LAUNCH_ACTIVE;
		return UMB_LAUNCH_CHANGED;
	case UMB_LAUNCH_SHARE:
		if (umb_launch_is_final(s))
			return final_refusal(verb, s, why, why_size);
		if (l->share_ppm == arg_ppm)
			return say(UMB_LAUNCH_UNCHANGED, why, why_size, "share already %s%%",
					umb_launch_share_str(arg_ppm, a, sizeof(a)));
		l->share_ppm = arg_ppm;
		return UMB_LAUNCH_CHANGED;
	case UMB_LAUNCH_PROMOTE:
		if (s == UMB_LAUNCH_PROMOTED)
			return say(UMB_LAUNCH_UNCHANGED, why, why_size, "already promoted");
		if (s == UMB_LAUNCH_ROLLED_BACK)
			return final_refusal(verb, s, why, why_size);
		l->state = UMB_LAUNCH_PROMOTED;
		return UMB_LAUNCH_CHANGED;
	case UMB_LAUNCH_ROLLBACK:
		if (s == UMB_LAUNCH_ROLLED_BACK)
			return say(UMB_LAUNCH_UNCHANGED, why, why_size, "already rolled back");
		if (s == UMB_LAUNCH_PROMOTED)
			return final_refusal(verb, s, why, why_size);
		l->state = UMB_LAUNCH_ROLLED_BACK;
		return UMB_LAUNCH_CHANGED;
	default:
		return say(UMB_LAUNCH_INVALID, why, why_size, "unknown verb");
	}
}

static int
who_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || strchr("_.@:+-", c) != NULL;
}

int
umb_launch_check_who(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n >= UMB_LAUNCH_WHO_LEN)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!who_char(s[i]))
			return -1;
	return 0;
}

int
umb_launch_event_format(const struct umb_launch_event *e, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%" PRIu64 " %s %s %s %s %s", e->ts_us,
			e->who[0] != '\0' ? e->who : "-", umb_launch_verb_name(e->verb),
			e->arg[0] != '\0' ? e->arg : "-", umb_launch_state_name(e->from),
			umb_launch_state_name(e->to));

	return n < 0 || (size_t)n >= size ? -1 : n;
}

/* The next space-separated field of @p *s into @p out (at most size - 1). */
static int
field(const char **s, char *out, size_t size)
{
	const char *p = *s, *e = strchr(p, ' ');
	size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

	if (n == 0 || n >= size)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	*s = e != NULL ? e + 1 : p + n;
	return e != NULL ? 1 : 0;
}

static int
state_or_none(const char *s, enum umb_launch_state *out)
{
	if (strcmp(s, "none") == 0) {
		*out = UMB_LAUNCH_NONE;
		return 0;
	}
	return umb_launch_state_parse(s, out);
}

int
umb_launch_event_parse(const char *s, struct umb_launch_event *e)
{
	char ts[24], verb[16], from[16], to[16];
	uint32_t ppm;
	char *end;

	memset(e, 0, sizeof(*e));
	if (field(&s, ts, sizeof(ts)) != 1 || field(&s, e->who, sizeof(e->who)) != 1 ||
			field(&s, verb, sizeof(verb)) != 1 ||
			field(&s, e->arg, sizeof(e->arg)) != 1 ||
			field(&s, from, sizeof(from)) != 1 || field(&s, to, sizeof(to)) != 0)
		return -1;
	if (ts[0] < '0' || ts[0] > '9')
		return -1;
	e->ts_us = strtoull(ts, &end, 10);
	if (*end != '\0' || umb_launch_verb_parse(verb, &e->verb) != 0 ||
			state_or_none(from, &e->from) != 0 || state_or_none(to, &e->to) != 0)
		return -1;
	if (strcmp(e->who, "-") == 0)
		e->who[0] = '\0';
	else if (umb_launch_check_who(e->who) != 0)
		return -1;
	if (strcmp(e->arg, "-") == 0)
		e->arg[0] = '\0';
	else if (umb_launch_parse_share(e->arg, &ppm) != 0)
		return -1;
	return 0;
}
