/* SPDX-License-Identifier: BSD-3-Clause
 * umbractl's entry point: the command table and its dispatch. Each command
 * is one row {name, fn, summary}; fn gets argv from the command's name on
 * (argv[0] is the name, so getopt_long works as in a program of its own)
 * and returns the process exit code. `umbractl help [COMMAND]`, --help and
 * --version are answered here; `umbractl help COMMAND` is COMMAND --help.
 * An unknown command is one line on stderr and exit 2. Nothing here
 * initialises DPDK's EAL: every command so far works offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef UMBRACTL_VERSION
#define UMBRACTL_VERSION "0.1.0"
#endif

/* diff.c */
int umbractl_diff(int argc, char **argv);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "diff", umbractl_diff,
		"compare two saved bodies (production, shadow) with the comparator's rules" },
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

int
main(int argc, char **argv)
{
	const struct command *c;

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
