/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice's counters as Prometheus metric families, read from the same JSON
 * the control socket's `stats` and `vips` commands return (control/stats.h),
 * so the endpoint and sluicectl can never disagree about a number. The
 * metric names, types and labels are listed in docs/metrics.md.
 */
#ifndef SLUICE_METRICS_RENDER_H
#define SLUICE_METRICS_RENDER_H

#include <jansson.h>

#include "metrics_writer.h"

/*
 * Write the families found in @stats (the object of sl_stats_json) and @vips
 * (the array of sl_vips_json) to @w, every name prefixed "@prefix_" (NULL:
 * "sluice"). Either JSON may be NULL or partial: a family is written only if
 * at least one of its samples exists, and fields of the wrong JSON type are
 * skipped, so hostile or older JSON gives fewer metrics, never bad text.
 * Counter integers are read as uint64 (a negative json_int is a counter
 * past 2^63 that was cast, and is reinterpreted). Both JSON values are
 * borrowed. Errors surface in sl_mw_status(@w) (-EINVAL for an invalid
 * @prefix, -ENOMEM). Thread-compatible: touches only its arguments.
 */
void sl_metrics_render_json(struct sl_metrics_writer *w, const char *prefix, json_t *stats,
			    json_t *vips);

#endif
