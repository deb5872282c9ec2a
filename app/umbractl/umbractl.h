/* SPDX-License-Identifier: BSD-3-Clause
 * umbractl's private header: the commands main.c's table dispatches to and
 * the exit codes the commands that talk to a running appliance share
 * (stats.c). Each command gets argv from its own name on and returns the
 * process exit code.
 */
#ifndef UMBRACTL_H
#define UMBRACTL_H

/* Exit codes of the appliance commands (stats, routes, route, share). */
enum {
	UMBRACTL_OK = 0,
	UMBRACTL_USAGE = 2,       /* wrong argument, option or value */
	UMBRACTL_UNREACHABLE = 3, /* no socket, refused, closed, no answer in time */
	UMBRACTL_REFUSED = 4,     /* the appliance answered an error (unknown route...) */
	UMBRACTL_ILLEGAL = 5,     /* launch: the launch's state forbids the verb */
};

/* diff.c */
int umbractl_diff(int argc, char **argv);

/* stats.c: live statistics and control through the telemetry socket */
int umbractl_stats(int argc, char **argv);
int umbractl_routes(int argc, char **argv);
int umbractl_route(int argc, char **argv);
int umbractl_share(int argc, char **argv);

/* launch.c: the launch lifecycle, through the socket or through Redis */
int umbractl_launch(int argc, char **argv);

#endif /* UMBRACTL_H */
