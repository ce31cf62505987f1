/* SPDX-License-Identifier: BSD-3-Clause */
#include "health.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "probe.h"

/* LRT re-weights when a backend's RTT moved by more than this fraction: probes jitter, tables should not. */
#define LRT_RTT_CHANGE 0.25
#define RTT_REFRESH_MS 1000

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_change(void *ctx, uint32_t id, bool up, uint32_t rtt_us, const char *reason)
{
	struct sl_daemon *d = ctx;
	struct sl_model_vip *v;
	struct sl_model_backend *b = sl_model_backend_by_id(&d->model, id, &v);
	struct timespec t0, t1;
	char err[256];

	if (!b || b->healthy == up)
		return;
	b->healthy = up;
	if (rtt_us)
		b->rtt_us = rtt_us;
	sl_model_vip_dirty(v);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sl_daemon_rebuild(d, err, sizeof(err))) {
		sl_log(SL_LOG_ERR, "VIP %s backend %s is %s but the new table failed: %s", v->cfg.name, b->cfg.name,
		       up ? "UP" : "DOWN", err);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	d->last_health_publish_us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
	d->health_changes++;
	sl_log(up ? SL_LOG_INFO : SL_LOG_WARN, "VIP %s backend %s is %s (%s); new table live in %llu us%s",
	       v->cfg.name, b->cfg.name, up ? "UP" : "DOWN", reason, (unsigned long long)d->last_health_publish_us,
	       v->all_down ? (v->cfg.all_down == SL_ALL_DOWN_KEEP ? "; every backend is down: keeping them all"
								  : "; every backend is down: dropping")
			   : "");
}

void sl_health_sync(struct sl_daemon *d)
{
	uint32_t i, k;

	if (!d->prober)
		return;
	for (i = 0; i < SL_MAX_BACKEND_IDS; i++)
		if (d->model.backend_id_used[i] == 2) /* released: see model.c */
			sl_prober_remove(d->prober, i);
	for (i = 0; i < d->model.n_vips; i++) {
		struct sl_model_vip *v = &d->model.vips[i];

		for (k = 0; k < v->n_slots; k++) {
			struct sl_model_backend *b = &v->slots[k];

			if (!b->in_use)
				continue;
			if (sl_prober_set(d->prober, b->id, &b->cfg.addr, &b->cfg.health, v->cfg.port))
				sl_log(SL_LOG_ERR, "VIP %s backend %s: health settings rejected", v->cfg.name,
				       b->cfg.name);
			else if (b->cfg.health.type != SL_PROBE_NONE && !b->health_on)
				sl_prober_enable(d->prober, b->id, false);
		}
	}
}

int sl_health_start(struct sl_daemon *d, char *err, size_t errlen)
{
	d->prober = sl_prober_create(err, errlen);
	if (!d->prober)
		return -ENOMEM;
	sl_prober_set_callback(d->prober, on_change, d);
	sl_health_sync(d);
	return 0;
}

void sl_health_enable(struct sl_daemon *d, const struct sl_model_backend *b, bool on)
{
	if (d->prober && b->cfg.health.type != SL_PROBE_NONE)
		sl_prober_enable(d->prober, b->id, on);
}

/* RTTs feed the display and the lrt scheduler; only lrt VIPs rebuild, and only on a real change. */
static void refresh_rtt(struct sl_daemon *d)
{
	uint32_t i, k;
	bool rebuild = false;
	char err[256];

	for (i = 0; i < d->model.n_vips; i++) {
		struct sl_model_vip *v = &d->model.vips[i];

		for (k = 0; k < v->n_slots; k++) {
			struct sl_model_backend *b = &v->slots[k];
			struct sl_probe_status st;
			double old = b->rtt_us;

			if (!b->in_use || sl_prober_status(d->prober, b->id, &st) || !st.rtt_us)
				continue;
			b->rtt_us = st.rtt_us;
			if (v->cfg.scheduler == SL_SCHED_LRT &&
			    (!old || (st.rtt_us > old * (1 + LRT_RTT_CHANGE)) || (st.rtt_us < old * (1 - LRT_RTT_CHANGE)))) {
				sl_model_vip_dirty(v);
				rebuild = true;
			}
		}
	}
	if (rebuild && sl_daemon_rebuild(d, err, sizeof(err)))
		sl_log(SL_LOG_ERR, "lrt re-weighting failed: %s", err);
}

void sl_health_poll(struct sl_daemon *d)
{
	uint64_t now;

	if (!d->prober)
		return;
	sl_prober_poll(d->prober, 0);
	now = mono_ms();
	if (now >= d->next_rtt_refresh) {
		refresh_rtt(d);
		d->next_rtt_refresh = now + RTT_REFRESH_MS;
	}
}

void sl_health_json(const struct sl_daemon *d, uint32_t id, json_t *o)
{
	struct sl_probe_status st;

	if (!d->prober || sl_prober_status(d->prober, id, &st))
		return;
	json_object_set_new(o, "probe_last", json_string(st.last_reason));
	json_object_set_new(o, "probe_ok", json_integer((json_int_t)st.n_ok));
	json_object_set_new(o, "probe_fail", json_integer((json_int_t)st.n_fail));
	json_object_set_new(o, "probe_last_change_ms", json_integer((json_int_t)st.last_change_ms));
}

void sl_health_stop(struct sl_daemon *d)
{
	sl_prober_destroy(d->prober);
	d->prober = NULL;
}
