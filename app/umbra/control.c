/* SPDX-License-Identifier: BSD-3-Clause
 * Live control through DPDK telemetry (the socket dpdk-telemetry.py talks
 * to): `/umbra/share` reads the sampling share, `/umbra/share,PCT` sets it.
 * The telemetry thread only stores the new share; each reassembly lcore
 * reads it once per poll and applies it to the flows it creates from then
 * on (flows already decided keep their decision, so raising the share
 * keeps every flow a lower share picked).
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "umbra.h"

/* Telemetry callbacks carry no argument: the one app, set at init. */
static struct umb_app *control_app;

static int
cmd_share(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct umb_app *app = control_app;
	uint32_t ppm;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		char *end;
		double pct;

		errno = 0;
		pct = strtod(params, &end);
		if (errno != 0 || end == params || *end != '\0' ||
				!(pct >= 0.0 && pct <= 100.0))
			return -EINVAL;
		ppm = (uint32_t)(pct * (UMB_CONFIG_SHARE_ONE / 100) + 0.5);
		__atomic_store_n(&app->share_ppm, ppm, __ATOMIC_RELEASE);
	}
	ppm = __atomic_load_n(&app->share_ppm, __ATOMIC_ACQUIRE);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "share_ppm", ppm);
	rte_tel_data_add_dict_u64(d, "share_percent_x1000", ppm / 10);
	return 0;
}

int
umb_control_init(struct umb_app *app)
{
	control_app = app;
	app->share_ppm = app->opt.share_ppm;
	return rte_telemetry_register_cmd("/umbra/share", cmd_share,
			"Sampling share. Parameter: new share in percent (0-100), optional");
}
