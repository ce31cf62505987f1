/* SPDX-License-Identifier: BSD-3-Clause */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>


#include "apply.h"
#include "dp_ops.h"
#include "ctl_commands.h"
#include "ctl_server.h"
#include "health.h"
#include "metrics.h"
#include "metrics_render.h"
#include "metrics_writer.h"
#include "probe.h"
#include "stats.h"
#include "log.h"

#define NEIGH_REFRESH_MS 500

static void zero_row(void *ctx, bool is_vip, uint32_t id)
{
	struct sl_daemon *d = ctx;

	d->ops->zero_row(d, is_vip, id);
}

int sl_daemon_publish(struct sl_daemon *d, struct sl_dp_state *next, char *err, size_t errlen)
{
	struct sl_dp_state *old = d->state;
	int rc = d->ops->publish(d, next, err, errlen);

	if (rc) {
		sl_snapshot_free(next);
		return rc;
	}
	d->state = next;
	sl_snapshot_free(old);
	sl_model_ids_quiesced(&d->model, zero_row, d);
	return 0;
}

int sl_daemon_rebuild(struct sl_daemon *d, char *err, size_t errlen)
{
	struct sl_dp_state *s = sl_model_snapshot(&d->model, ++d->generation, sl_neigh_lookup, d->neigh, err,
						  errlen);

	if (!s)
		return -EINVAL;
	return sl_daemon_publish(d, s, err, errlen);
}

/* Ask the kernel to resolve every next hop we do not know yet. */
static int start_services(struct sl_daemon *d, char *err, size_t errlen);

static void solicit_missing(struct sl_daemon *d)
{
	const struct sl_dp_state *s = d->state;
	uint32_t i, k;

	for (i = 0; s && i < d->model.n_vips; i++) {
		const struct sl_model_vip *v = &d->model.vips[i];

		for (k = 0; k < v->n_slots; k++) {
			struct sl_ip nh;

			if (!v->slots[k].in_use || s->vips[i].backends[k].mac_ok)
				continue;
			sl_model_nexthop(&d->model.cfg, &v->cfg, &v->slots[k].cfg, &nh);
			sl_neigh_solicit(&nh);
		}
	}
}

int sl_daemon_start(struct sl_daemon *d)
{
	char err[512] = "";
	int rc;

	d->ops = strcmp(d->model.cfg.dp_type, "xdp") == 0 ? &sl_dp_xdp_ops : &sl_dp_dpdk_ops;
	d->counters = calloc(1, sizeof(*d->counters));
	if (!d->counters)
		return -ENOMEM;
	rc = d->ops->open(d, err, sizeof(err));
	if (rc) {
		sl_log(SL_LOG_ERR, "%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	d->neigh = sl_neigh_create();
	if (!d->neigh) {
		sl_log(SL_LOG_ERR, "cannot open a netlink socket for neighbour resolution");
		return -errno;
	}
	sl_neigh_refresh(d->neigh);
	rc = sl_daemon_rebuild(d, err, sizeof(err));
	if (rc) {
		sl_log(SL_LOG_ERR, "%s", err);
		return rc;
	}
	solicit_missing(d);
	rc = start_services(d, err, sizeof(err));
	if (!rc)
		rc = d->ops->run(d, err, sizeof(err));
	if (rc) {
		sl_log(SL_LOG_ERR, "%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	sl_log(SL_LOG_INFO, "%s dataplane: %u VIP(s) running", d->ops->name, d->model.n_vips);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void render_metrics(void *ctx, struct sl_metrics_writer *w)
{
	struct sl_daemon *d = ctx;
	json_t *stats = sl_stats_json(d), *vips = sl_vips_json(d);

	sl_metrics_render_json(w, "sluice", stats, vips);
	sl_mw_family(w, "sluice_health_changes_total", "counter", "Backend UP/DOWN transitions applied");
	sl_mw_sample(w, "sluice_health_changes_total", d->health_changes, NULL);
	sl_mw_family(w, "sluice_health_publish_seconds", "gauge",
		     "Time from the last probe verdict to its table being live");
	sl_mw_sample_double(w, "sluice_health_publish_seconds", (double)d->last_health_publish_us / 1e6, NULL);
	json_decref(stats);
	json_decref(vips);
}

static int loop_add(struct sl_daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->loop_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* The control side's services: socket, probes, metrics — all on this one thread. */
static int start_services(struct sl_daemon *d, char *err, size_t errlen)
{
	int rc;

	d->loop_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->loop_fd < 0)
		return -errno;
	rc = sl_ctl_start(d, err, errlen);
	if (rc)
		return rc;
	if (d->ctl && loop_add(d, sl_ctl_server_fd(d->ctl)))
		return -errno;
	rc = sl_health_start(d, err, errlen);
	if (rc)
		return rc;
	if (loop_add(d, sl_prober_fd(d->prober)))
		return -errno;
	if (d->model.cfg.metrics_listen[0]) {
		d->metrics = sl_metrics_create(d->model.cfg.metrics_listen, err, errlen);
		if (!d->metrics)
			return -EADDRNOTAVAIL;
		sl_metrics_set_renderer(d->metrics, render_metrics, d);
		if (loop_add(d, sl_metrics_fd(d->metrics)))
			return -errno;
		sl_log(SL_LOG_INFO, "metrics on http://%s/metrics", d->model.cfg.metrics_listen);
	}
	return 0;
}

void sl_daemon_run(struct sl_daemon *d)
{
	uint64_t next_neigh = 0;
	char err[512];

	while (!d->stop) {
		struct epoll_event ev[8];
		uint64_t t = now_ms();
		int timeout = 100;

		if (d->reload) {
			json_t *summary = NULL;

			d->reload = 0;
			if (sl_daemon_reload(d, &summary, err, sizeof(err)))
				sl_log(SL_LOG_ERR, "reload refused, the running configuration stays: %s", err);
			json_decref(summary);
		}
		if (t >= next_neigh) {
			int changed = sl_neigh_refresh(d->neigh);

			if (changed > 0) {
				if (sl_daemon_rebuild(d, err, sizeof(err)))
					sl_log(SL_LOG_ERR, "%s", err);
				else
					sl_log(SL_LOG_INFO, "next-hop MACs changed (%d): tables republished", changed);
			}
			solicit_missing(d);
			next_neigh = t + NEIGH_REFRESH_MS;
		}
		if (d->metrics) {
			int mt = sl_metrics_timeout_ms(d->metrics);

			if (mt >= 0 && mt < timeout)
				timeout = mt;
		}
		if (epoll_wait(d->loop_fd, ev, 8, timeout) < 0 && errno != EINTR)
			sl_log(SL_LOG_ERR, "control loop: epoll_wait: %s", strerror(errno));
		if (d->ctl)
			sl_ctl_server_poll(d->ctl, 0);
		sl_health_poll(d);
		if (d->metrics)
			sl_metrics_poll(d->metrics);
	}
}

const struct sl_counters *sl_daemon_counters(struct sl_daemon *d)
{
	if (d->ops->read(d, d->counters))
		memset(d->counters, 0, sizeof(*d->counters));
	return d->counters;
}

void sl_daemon_shutdown(struct sl_daemon *d)
{
	if (d->ops)
		d->ops->quiesce(d);
	sl_ctl_stop(d);
	sl_health_stop(d);
	sl_metrics_destroy(d->metrics);
	d->metrics = NULL;
	if (d->loop_fd > 0)
		close(d->loop_fd);
	if (d->ops)
		d->ops->close(d);
	sl_snapshot_free(d->state);
	d->state = NULL;
	sl_neigh_destroy(d->neigh);
	free(d->counters);
	sl_model_free(&d->model);
}
