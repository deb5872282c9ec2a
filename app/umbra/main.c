/* SPDX-License-Identifier: BSD-3-Clause
 * umbra: entry point. Parses arguments, starts EAL (with built-in
 * arguments for capture files, or the caller's before "--"), builds ports
 * and roles, launches one loop per planned lcore, waits, prints the
 * summary. Only this file calls rte_exit, and only before lcores launch.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "umbra.h"

static struct umb_app the_app;

static void
on_signal(int sig)
{
	(void)sig;
	/* The loops see it and drain: rx stops reading, the rest finish. */
	__atomic_store_n(&the_app.quit, 1, __ATOMIC_RELAXED);
}

static int
has_double_dash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return 0;
}

int
main(int argc, char **argv)
{
	struct umb_app *app = &the_app;
	char *eal_argv[32];
	char store[128];
	int dd = has_double_dash(argc, argv);
	int rc, app_argc;
	char **app_argv;
	struct timeval tv;

	if (dd > 0) {
		/* umbra [EAL args] -- [options] */
		rc = rte_eal_init(dd, argv);
		if (rc < 0)
			rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));
		app_argc = argc - dd;
		app_argv = argv + dd;
		app_argv[0] = argv[0];
		rc = umb_args_parse(&app->opt, app_argc, app_argv);
		if (rc != 0)
			rte_exit(rc > 0 ? EXIT_SUCCESS : EXIT_FAILURE, "bad arguments\n");
	} else {
		/* umbra --pcap FILE ...: options first, then EAL of our own. */
		rc = umb_args_parse(&app->opt, argc, argv);
		if (rc != 0)
			return rc > 0 ? 0 : 1;
		int n = umb_args_build_eal(&app->opt, argv[0], eal_argv,
				(int)RTE_DIM(eal_argv), store, sizeof(store));
		if (rte_eal_init(n, eal_argv) < 0) {
			fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
			return 1;
		}
	}

	/* Before any pool is created: see memory.c. */
	umb_memory_advise();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	app->tsc_hz = rte_get_tsc_hz();
	app->start_tsc = rte_rdtsc();
	gettimeofday(&tv, NULL);
	app->start_wall_us = (uint64_t)tv.tv_sec * 1000000ULL + (uint64_t)tv.tv_usec;

	rc = umb_roles_plan(app);
	if (rc == 0)
		rc = umb_init_ports(app);
	if (rc == 0)
		rc = umb_init_roles(app);
	if (rc == 0)
		rc = umb_control_init(app);
	if (rc == 0)
		rc = umb_metrics_start(app);
	if (rc != 0) {
		umb_metrics_stop(app);
		umb_fini(app, 1);
		rte_eal_cleanup();
		rte_exit(EXIT_FAILURE, "start-up failed\n");
	}

	/* Workers first, then the main lcore's own plan on this thread. */
	struct umb_lcore_plan *main_plan = NULL;

	app->run_start_tsc = rte_rdtsc();
	for (unsigned int i = 0; i < app->nb_plans; i++) {
		struct umb_lcore_plan *plan = &app->plans[i];

		if (plan->lcore_id == rte_get_main_lcore()) {
			main_plan = plan;
			continue;
		}
		rc = rte_eal_remote_launch(umb_lcore_main, plan, plan->lcore_id);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "cannot launch lcore %u\n", plan->lcore_id);
	}
	/* The exporter reads counters only: a failure leaves the data path as is. */
	umb_redis_start(app);
	if (main_plan != NULL)
		umb_lcore_main(main_plan);
	rte_eal_mp_wait_lcore();
	app->run_end_tsc = rte_rdtsc();
	/* No scrape may outlive the roles' state (freed by umb_fini). */
	umb_metrics_stop(app);
	/* The final export (bounded), before the summary that reports it. */
	umb_redis_stop(app);

	rc = 0;
	if (!app->opt.quiet)
		umb_summary_print(app, stdout);
	umb_redis_print(app, app->opt.quiet ? stderr : stdout);
	if (app->opt.summary_json != NULL) {
		int src = umb_summary_json(app, app->opt.summary_json);

		if (src != 0) {
			fprintf(stderr, "--summary-json %s: %s\n", app->opt.summary_json,
					strerror(-src));
			rc = 1;
		}
	}
	if (app->exp->ctr[UMB_EXPORT_write_errors] != 0)
		rc = 1;
	umb_fini(app, 0);
	umb_launch_fini(app);
	rte_eal_cleanup();
	return rc;
}
