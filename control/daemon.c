/* SPDX-License-Identifier: BSD-3-Clause */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "../dataplane/eal_args.h"
#include "../dataplane/port.h"
#include "apply.h"
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
#define MBUF_CACHE 256

static int open_ports(struct sl_daemon *d)
{
	const struct sl_config *c = &d->model.cfg;
	char err[256], name[SL_DEVARG_MAX];
	uint32_t i;
	int rc;

	for (i = 0; i < c->n_ports; i++) {
		struct sl_daemon_port *p = &d->ports[i];
		char pool_name[32];

		sl_port_dev_name(c->ports[i].device, name, sizeof(name));
		if (rte_eth_dev_get_port_by_name(name, &p->port_id)) {
			sl_log(SL_LOG_ERR, "port %s: device '%s' not found (is the driver available?)",
			       c->ports[i].name, name);
			return -ENODEV;
		}
		snprintf(pool_name, sizeof(pool_name), "sl_pool%u", i);
		/* Workers also allocate generated ICMP errors from this pool. */
		p->pool = rte_pktmbuf_pool_create(pool_name, c->mempool_size, MBUF_CACHE, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_eth_dev_socket_id(p->port_id));
		if (!p->pool) {
			sl_log(SL_LOG_ERR, "port %s: cannot create a pool of %u mbufs: %s", c->ports[i].name,
			       c->mempool_size, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		rc = sl_port_start(p->port_id, (uint16_t)c->n_workers, (uint16_t)c->rx_desc,
				   (uint16_t)c->tx_desc, c->ports[i].mtu, p->pool, err, sizeof(err));
		if (rc) {
			sl_log(SL_LOG_ERR, "port %s: %s", c->ports[i].name, err);
			return rc;
		}
		rte_eth_macaddr_get(p->port_id, &p->mac);
		p->exc_port = -1;
		if (strcmp(c->exception_type, "tap") == 0) {
			char ifname[SL_NAME_MAX + 8];

			if (c->n_ports == 1)
				snprintf(ifname, sizeof(ifname), "%s", c->exception_name);
			else
				snprintf(ifname, sizeof(ifname), "%s%u", c->exception_name, i);
			rc = sl_port_create_tap(ifname, p->port_id, i, err, sizeof(err));
			if (rc < 0) {
				sl_log(SL_LOG_ERR, "%s", err);
				return rc;
			}
			p->exc_port = rc;
			rc = sl_port_start((uint16_t)p->exc_port, (uint16_t)c->n_workers, 512, 512, c->ports[i].mtu,
					   p->pool, err, sizeof(err));
			if (rc) {
				sl_log(SL_LOG_ERR, "exception interface %s: %s", ifname, err);
				return rc;
			}
			sl_log(SL_LOG_INFO, "exception interface %s carries non-VIP traffic of port %s", ifname,
			       c->ports[i].name);
		}
		sl_log(SL_LOG_INFO, "port %s: %s up, mac " RTE_ETHER_ADDR_PRT_FMT ", %u queue(s), mtu %u",
		       c->ports[i].name, name, RTE_ETHER_ADDR_BYTES(&p->mac), c->n_workers, c->ports[i].mtu);
	}
	d->n_ports = c->n_ports;
	return 0;
}

static int create_workers(struct sl_daemon *d)
{
	const struct sl_config *c = &d->model.cfg;
	size_t qsz = rte_rcu_qsbr_get_memsize(c->n_workers);
	uint64_t tsc_ms = rte_get_tsc_hz() / 1000;
	uint32_t i, j;

	d->qsbr = rte_zmalloc("sl_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (!d->qsbr || rte_rcu_qsbr_init(d->qsbr, c->n_workers))
		return -ENOMEM;

	for (i = 0; i < c->n_workers; i++) {
		unsigned lcore = c->workers[i];
		int sock = (int)rte_lcore_to_socket_id(lcore);
		struct sl_worker *w = rte_zmalloc_socket("sl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, sock);
		size_t fsz = sl_flow_table_mem_size(c->flow_entries);
		void *fmem;

		if (!w)
			return -ENOMEM;
		d->workers[i] = w;
		fmem = rte_zmalloc_socket("sl_flows", fsz, RTE_CACHE_LINE_SIZE, sock);
		/* Rows for every possible id: VIPs and backends added at run time need no reallocation. */
		w->vip_ctr = rte_zmalloc_socket("sl_vctr", sizeof(struct sl_ctr) * SL_MAX_VIP_IDS,
						RTE_CACHE_LINE_SIZE, sock);
		w->backend_ctr = rte_zmalloc_socket("sl_bctr", sizeof(struct sl_ctr) * SL_MAX_BACKEND_IDS,
						    RTE_CACHE_LINE_SIZE, sock);
		w->rr = rte_zmalloc_socket("sl_rr", sizeof(uint32_t) * SL_MAX_VIP_IDS, RTE_CACHE_LINE_SIZE, sock);
		if (!fmem || !w->vip_ctr || !w->backend_ctr || !w->rr) {
			sl_log(SL_LOG_ERR, "worker %u: cannot allocate a %zu MiB flow table and counters "
			       "(more hugepages, or a smaller flows.entries)", lcore, fsz >> 20);
			rte_free(fmem);
			return -ENOMEM;
		}
		w->flows = sl_flow_table_init(fmem, c->flow_entries);
		w->lcore_id = lcore;
		w->rng = rte_rdtsc() ^ ((uint64_t)lcore << 32) ^ 0x9e3779b97f4a7c15ull;
		w->idx = i;
		w->burst = c->burst;
		w->qsbr = d->qsbr;
		w->state = &d->state;
		w->tsc_per_ms = tsc_ms ? tsc_ms : 1;
		w->pool = d->ports[0].pool;
		w->n_ports = (uint16_t)d->n_ports;
		for (j = 0; j < d->n_ports; j++) {
			struct sl_worker_port *wp = &w->ports[j];

			wp->port_id = d->ports[j].port_id;
			wp->queue_id = (uint16_t)i;
			wp->mtu = c->ports[j].mtu;
			wp->mac = d->ports[j].mac;
			wp->tx.port = wp->port_id;
			wp->tx.queue = wp->queue_id;
			wp->has_exc = d->ports[j].exc_port >= 0;
			if (wp->has_exc) {
				wp->exc_port = (uint16_t)d->ports[j].exc_port;
				wp->exc_queue = (uint16_t)i;
				wp->exc_tx.port = wp->exc_port;
				wp->exc_tx.queue = wp->exc_queue;
			}
		}
	}
	d->n_workers = c->n_workers;
	return 0;
}

/* A released id's counters restart at zero when it is reused (no worker writes it any more). */
static void zero_rows(void *ctx, bool is_vip, uint32_t id)
{
	struct sl_daemon *d = ctx;
	uint32_t i;

	for (i = 0; i < d->n_workers; i++)
		memset(is_vip ? &d->workers[i]->vip_ctr[id] : &d->workers[i]->backend_ctr[id], 0,
		       sizeof(struct sl_ctr));
}

void sl_daemon_publish(struct sl_daemon *d, struct sl_dp_state *next)
{
	struct sl_dp_state *old = d->state;

	/* Release: every table and backend `next` points to is written before a worker can load it. */
	__atomic_store_n(&d->state, next, __ATOMIC_RELEASE);
	if (old && d->n_workers) {
		/* Blocks only this thread, until every worker has finished the loop that might still read `old`. */
		rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
	}
	sl_snapshot_free(old);
	sl_model_ids_quiesced(&d->model, zero_rows, d);
}

int sl_daemon_rebuild(struct sl_daemon *d, char *err, size_t errlen)
{
	struct sl_dp_state *s = sl_model_snapshot(&d->model, ++d->generation, sl_neigh_lookup, d->neigh, err,
						  errlen);

	if (!s)
		return -EINVAL;
	sl_daemon_publish(d, s);
	return 0;
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
	struct sl_eal_argv ea;
	char err[512];
	uint32_t i;
	int rc;

	rc = sl_eal_argv_build(&d->model.cfg, d->no_huge, &ea);
	if (rc) {
		sl_log(SL_LOG_ERR, "EAL arguments too long");
		return rc;
	}
	{
		char line[2048];
		size_t off = 0;
		int k;

		for (k = 0; k < ea.argc && off < sizeof(line); k++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", k ? " " : "", ea.argv[k]);
		sl_log(SL_LOG_DEBUG, "EAL: %s", line);
	}
	if (rte_eal_init(ea.argc, ea.argv) < 0) {
		sl_log(SL_LOG_ERR, "EAL init failed: %s (hugepages missing? try --no-huge)",
		       rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (i = 0; i < d->model.cfg.n_workers; i++) {
		if (!rte_lcore_is_enabled(d->model.cfg.workers[i])) {
			sl_log(SL_LOG_ERR, "worker lcore %u is not available", d->model.cfg.workers[i]);
			return -EINVAL;
		}
	}
	rc = open_ports(d);
	if (rc)
		return rc;
	rc = create_workers(d);
	if (rc)
		return rc;

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
	if (rc) {
		sl_log(SL_LOG_ERR, "%s", err[0] ? err : strerror(-rc));
		return rc;
	}
	for (i = 0; i < d->n_workers; i++) {
		rc = rte_eal_remote_launch(sl_worker_main, d->workers[i], d->workers[i]->lcore_id);
		if (rc) {
			sl_log(SL_LOG_ERR, "cannot launch worker on lcore %u", d->workers[i]->lcore_id);
			return rc;
		}
	}
	sl_log(SL_LOG_INFO, "%u VIP(s), %u worker(s) running", d->model.n_vips, d->n_workers);
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

void sl_daemon_shutdown(struct sl_daemon *d)
{
	uint32_t i;

	for (i = 0; i < d->n_workers; i++)
		d->workers[i]->stop = true;
	rte_eal_mp_wait_lcore();
	sl_ctl_stop(d);
	sl_health_stop(d);
	sl_metrics_destroy(d->metrics);
	d->metrics = NULL;
	if (d->loop_fd > 0)
		close(d->loop_fd);
	for (i = 0; i < d->n_ports; i++) {
		sl_port_close(d->ports[i].port_id);
		if (d->ports[i].exc_port >= 0)
			sl_port_close((uint16_t)d->ports[i].exc_port);
	}
	sl_snapshot_free(d->state);
	d->state = NULL;
	sl_neigh_destroy(d->neigh);
	rte_eal_cleanup();
	sl_model_free(&d->model);
}
