/* SPDX-License-Identifier: BSD-3-Clause
 * umbractl's entry point: the command table and its dispatch. Each command
 * is one row {name, fn, summary}; fn gets argv from the command's name on
 * (argv[0] is the name, so getopt_long works as in a program of its own)
 * and returns the process exit code. `umbractl help [COMMAND]`, --help and
 * --version are answered here; `umbractl help COMMAND` is COMMAND --help.
 * An unknown command is one line on stderr and exit 2. The options that
 * pick an appliance or a launch (--socket, --file-prefix, --redis,
 * --redis-password-file, --launch, --who) may come before the command:
 * they are moved after its name, so the command parses them with its own
 * and a command that takes none rejects them. Nothing here initialises
 * DPDK's EAL: diff works offline, the appliance commands (stats.c) talk to
 * a running umbra through its telemetry socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "umbractl.h"

#ifndef UMBRACTL_VERSION
#define UMBRACTL_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "diff", umbractl_diff,
		"compare two saved bodies (production, shadow) with the comparator's rules" },
	{ "stats", umbractl_stats,
		"a running appliance's live counters" },
	{ "routes", umbractl_routes,
		"a running appliance's routes, busiest first" },
	{ "route", umbractl_route,
		"one route of a running appliance: outcomes, differences, latency" },
	{ "share", umbractl_share,
		"read or set a running appliance's sampling share" },
	{ "launch", umbractl_launch,
		"the launch: status, start, pause, resume, share, promote, rollback" },
};

#define NB_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NB_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: umbractl COMMAND [ARGS]...\n"
		"       umbractl [--socket PATH | --file-prefix PREFIX] COMMAND [ARGS]...\n"
		"       umbractl [--redis URL | --socket PATH | --file-prefix PREFIX]\n"
		"                [--launch NAME] launch VERB [PCT] [--json]\n"
		"       umbractl help [COMMAND] | --help | --version\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NB_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'umbractl help COMMAND' (or 'umbractl COMMAND --help') "
		"describes one command.\n");
}

/* Run a command's own --help. */
static int
command_help(const struct command *c)
{
	char name[32], opt[] = "--help";
	char *argv[] = { name, opt, NULL };

	snprintf(name, sizeof(name), "%s", c->name);
	return c->fn(2, argv);
}

/*
 * Leading --socket PATH, --file-prefix PREFIX (or --opt=VALUE): move them
 * after the command's name, in place. Returns 0, or -1 with a message when
 * one lacks its value or no command follows.
 */
static int
hoist_global_options(int argc, char **argv)
{
	static const char *const opts[] = { "--socket", "--file-prefix", "--redis",
		"--redis-password-file", "--launch", "--who" };
	int i = 1;

	while (i < argc) {
		size_t k, len = 0;

		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
			len = strlen(opts[k]);
			if (strncmp(argv[i], opts[k], len) == 0 &&
					(argv[i][len] == '\0' || argv[i][len] == '='))
				break;
		}
		if (k == sizeof(opts) / sizeof(opts[0]))
			break;
		if (argv[i][len] == '\0') {
			if (i + 1 >= argc) {
				fprintf(stderr, "umbractl: %s needs a value "
					"(try 'umbractl help')\n", argv[i]);
				return -1;
			}
			i += 2;
		} else {
			i++;
		}
	}
	if (i == 1)
		return 0;
	if (i >= argc) {
		fprintf(stderr, "umbractl: %s given without a command "
			"(try 'umbractl help')\n", argv[1]);
		return -1;
	}
	/* argv[1..i) are the options, argv[i] the command: rotate. */
	char *cmd = argv[i];

	memmove(&argv[2], &argv[1], (size_t)(i - 1) * sizeof(argv[0]));
	argv[1] = cmd;
	return 0;
}

int
main(int argc, char **argv)
{
	const struct command *c;

	if (hoist_global_options(argc, argv) != 0)
		return 2;
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("umbractl %s\n", UMBRACTL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			usage(stdout);
			return 0;
		}
		if (argc > 3) {
			fprintf(stderr, "umbractl: help takes at most one command "
				"(try 'umbractl help')\n");
			return 2;
		}
		c = find_command(argv[2]);
		if (c == NULL) {
			fprintf(stderr, "umbractl: unknown command '%s' "
				"(try 'umbractl help')\n", argv[2]);
			return 2;
		}
		return command_help(c);
	}
	c = find_command(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "umbractl: unknown %s '%s' (try 'umbractl help')\n",
			argv[1][0] == '-' ? "option" : "command", argv[1]);
		return 2;
	}
	return c->fn(argc - 1, argv + 1);
}
