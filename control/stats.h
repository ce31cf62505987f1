/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter reports: the per-lcore rows every worker writes, summed by the
 * control thread into JSON for the control socket, the exit summary and
 * (later) metrics. Control thread only; reads race benignly with workers'
 * increments (each 64-bit load is atomic on the targets we support).
 */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <jansson.h>

#include "daemon.h"

/* {"rx","tx","host",...,"drops":{reason:n},"lcores":[{...}]} — new reference. */
json_t *sl_stats_json(struct sl_daemon *d);

/* [{VIP fields, counters, "backends":[{backend fields, state, table_entries, counters}]}] — new reference. */
json_t *sl_vips_json(struct sl_daemon *d);

/* One VIP (with its backends when @with_backends) — new reference. */
json_t *sl_vip_json(const struct sl_daemon *d, const struct sl_counters *ctr, const struct sl_model_vip *v,
		    bool with_backends);

/* Backend in slot @k of @v, which owns @owned table entries — new reference. */
json_t *sl_backend_json(const struct sl_daemon *d, const struct sl_counters *ctr, const struct sl_model_vip *v,
			uint32_t k, uint32_t owned);

#endif
