/* SPDX-License-Identifier: BSD-3-Clause
 * The lcore map. A plan lists the roles one lcore runs; its loop calls each
 * role's poll in turn (run to completion), so the single-lcore mode is just
 * the plan with every role in it. The roles spec is
 *     LCORE:ROLE[+ROLE...][,LCORE:ROLE...]
 * e.g. "0:rx+reasm+export" (the default with one lcore) or
 * "0:rx+export,1:reasm+compare" (the default with two). Each lcore naming
 * "reasm" runs its own reassembly instance with its own flow table; each
 * naming "compare" its own comparator (flows sharded by id); without any
 * "compare", one joins the first reasm lcore. The stages are wired by
 * rings: rx -> reasm (one ring per reasm lcore), reasm -> compare (one ring
 * per pair), compare -> export (one ring each), and reasm -> export for
 * records that go past a saturated comparator (live). With a shadow
 * port (--config) exactly one lcore runs "shadow"; by default the main one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pause.h>

#include "umbra.h"

static const struct umb_role *const role_table[] = {
	&umb_role_rx, &umb_role_reasm, &umb_role_compare, &umb_role_export,
	&umb_role_shadow,
};

static const struct umb_role *
role_by_name(const char *name, size_t len)
{
	for (unsigned int i = 0; i < RTE_DIM(role_table); i++)
		if (strlen(role_table[i]->name) == len &&
				strncmp(role_table[i]->name, name, len) == 0)
			return role_table[i];
	return NULL;
}

static struct umb_lcore_plan *
plan_for(struct umb_app *app, unsigned int lcore)
{
	for (unsigned int i = 0; i < app->nb_plans; i++)
		if (app->plans[i].lcore_id == lcore)
			return &app->plans[i];
	if (app->nb_plans == RTE_MAX_LCORE)
		return NULL;
	app->plans[app->nb_plans].lcore_id = lcore;
	return &app->plans[app->nb_plans++];
}

/*
 * Parse the roles spec into plans (contexts are bound later, by
 * umb_init_roles). Returns 0 or -EINVAL with a message naming the part.
 */
int
umb_roles_plan(struct umb_app *app)
{
	char dflt[64];
	const char *spec = app->opt.roles;
	unsigned int nb_rx = 0, nb_exp = 0, nb_shadow = 0;
	int want_shadow = app->opt.conf != NULL;

	if (spec == NULL) {
		unsigned int main_lcore = rte_get_main_lcore();
		unsigned int worker = rte_get_next_lcore(-1, 1, 0);

		const char *sh = want_shadow ? "+shadow" : "";

		if (worker >= RTE_MAX_LCORE)
			snprintf(dflt, sizeof(dflt), "%u:rx+reasm+compare+export%s",
					main_lcore, sh);
		else
			snprintf(dflt, sizeof(dflt), "%u:rx+export%s,%u:reasm+compare",
					main_lcore, sh, worker);
		spec = dflt;
	}
	app->nb_plans = 0;
	app->nb_reasm = 0;
	app->nb_cmp = 0;
	for (const char *p = spec; *p != '\0';) {
		char *end;
		unsigned long lc = strtoul(p, &end, 10);
		struct umb_lcore_plan *plan;

		if (end == p || *end != ':' || lc >= RTE_MAX_LCORE ||
				!rte_lcore_is_enabled((unsigned int)lc)) {
			fprintf(stderr, "--roles: '%s': expected an enabled lcore id before ':'\n", p);
			return -EINVAL;
		}
		plan = plan_for(app, (unsigned int)lc);
		if (plan == NULL)
			return -EINVAL;
		p = end + 1;
		for (;;) {
			size_t len = strcspn(p, "+,");
			const struct umb_role *role = role_by_name(p, len);

			if (role == NULL) {
				fprintf(stderr, "--roles: unknown role '%.*s' (rx, reasm, compare, export, shadow)\n",
						(int)len, p);
				return -EINVAL;
			}
			if (plan->nb_roles == UMB_MAX_ROLES_PER_LCORE) {
				fprintf(stderr, "--roles: too many roles on lcore %lu\n", lc);
				return -EINVAL;
			}
			plan->roles[plan->nb_roles++] = role;
			if (role == &umb_role_rx)
				nb_rx++;
			else if (role == &umb_role_export)
				nb_exp++;
			else if (role == &umb_role_shadow)
				nb_shadow++;
			else if (role == &umb_role_reasm &&
					++app->nb_reasm > UMB_MAX_REASM) {
				fprintf(stderr, "--roles: at most %d reasm lcores\n", UMB_MAX_REASM);
				return -EINVAL;
			} else if (role == &umb_role_compare &&
					++app->nb_cmp > UMB_MAX_COMPARE) {
				fprintf(stderr, "--roles: at most %d compare lcores\n",
						UMB_MAX_COMPARE);
				return -EINVAL;
			}
			p += len;
			if (*p == '+') {
				p++;
				continue;
			}
			if (*p == ',')
				p++;
			break;
		}
	}
	if (nb_rx != 1 || nb_exp != 1 || app->nb_reasm == 0) {
		fprintf(stderr, "--roles: need exactly one rx, one export and at least one reasm\n");
		return -EINVAL;
	}
	if (app->nb_cmp == 0) {
		/* No compare named: it joins the first lcore running reasm. */
		for (unsigned int i = 0; i < app->nb_plans; i++) {
			struct umb_lcore_plan *plan = &app->plans[i];
			int has_reasm = 0;

			for (unsigned int j = 0; j < plan->nb_roles; j++)
				has_reasm |= plan->roles[j] == &umb_role_reasm;
			if (!has_reasm)
				continue;
			if (plan->nb_roles == UMB_MAX_ROLES_PER_LCORE) {
				fprintf(stderr, "--roles: too many roles on lcore %u\n",
						plan->lcore_id);
				return -EINVAL;
			}
			plan->roles[plan->nb_roles++] = &umb_role_compare;
			app->nb_cmp = 1;
			break;
		}
	}
	if (nb_shadow != (want_shadow ? 1u : 0u)) {
		fprintf(stderr, "--roles: %s\n", want_shadow ?
			"a shadow port needs exactly one shadow role" :
			"the shadow role needs a shadow port (--config)");
		return -EINVAL;
	}
	return 0;
}

/* The loop every lcore runs: its roles in turn until all are done or a
 * signal asks to stop (then rx stops reading, and the others drain). */
int
umb_lcore_main(void *arg)
{
	struct umb_lcore_plan *plan = arg;

	for (;;) {
		unsigned int work = 0, done = 0;

		for (unsigned int i = 0; i < plan->nb_roles; i++) {
			work += plan->roles[i]->poll(plan->ctx[i]);
			done += plan->roles[i]->done(plan->ctx[i]) != 0;
		}
		if (done == plan->nb_roles)
			break;
		if (work == 0)
			rte_pause();
	}
	return 0;
}
