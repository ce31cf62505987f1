/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health probes wired to the model: probe verdicts change backends' state,
 * and a change republishes the tables at once. Only the new-flow path
 * changes: flows on a backend that went DOWN are re-balanced by the workers
 * (its slot is no longer up), flows on healthy backends stay.
 * Control thread only.
 */
#ifndef SLUICE_HEALTH_H
#define SLUICE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

/* Create the prober and probe every configured backend. 0 or -errno with @err. */
int sl_health_start(struct sl_daemon *d, char *err, size_t errlen);

/* Bring the probe targets in line with the model (after reload or a live change). */
void sl_health_sync(struct sl_daemon *d);

/* `sluicectl health on|off` for one backend. */
void sl_health_enable(struct sl_daemon *d, const struct sl_model_backend *b, bool on);

/* Handle probe events; copy RTTs into the model once a second (lrt VIPs re-weight on real change). */
void sl_health_poll(struct sl_daemon *d);

/* Probe status of backend @id as JSON fields added to @o (nothing without a probe). */
struct json_t;
void sl_health_json(const struct sl_daemon *d, uint32_t id, struct json_t *o);

void sl_health_stop(struct sl_daemon *d);

#endif
