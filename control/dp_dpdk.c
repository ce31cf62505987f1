/* SPDX-License-Identifier: BSD-3-Clause */
/* The DPDK dataplane: EAL, ports and TAP exception ports, worker lcores, RCU publication. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#include "daemon.h"
#include "dp_ops.h"
#include "log.h"

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

static int dpdk_open(struct sl_daemon *d, char *err, size_t errlen)
{
	struct sl_eal_argv ea;
	char line[2048];
	size_t off = 0;
	uint32_t i;
	int rc, k;

	rc = sl_eal_argv_build(&d->model.cfg, d->no_huge, &ea);
	if (rc) {
		snprintf(err, errlen, "EAL arguments too long");
		return rc;
	}
	for (k = 0; k < ea.argc && off < sizeof(line); k++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", k ? " " : "", ea.argv[k]);
	sl_log(SL_LOG_DEBUG, "EAL: %s", line);
	if (rte_eal_init(ea.argc, ea.argv) < 0) {
		snprintf(err, errlen, "EAL init failed: %s (hugepages missing? try --no-huge)",
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	d->eal_up = true;
	for (i = 0; i < d->model.cfg.n_workers; i++) {
		if (!rte_lcore_is_enabled(d->model.cfg.workers[i])) {
			snprintf(err, errlen, "worker lcore %u is not available", d->model.cfg.workers[i]);
			return -EINVAL;
		}
	}
	rc = open_ports(d);
	if (rc)
		return rc;
	return create_workers(d);
}

static int dpdk_publish(struct sl_daemon *d, struct sl_dp_state *next, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	/* Release: every table and backend `next` points to is written before a worker can load it. */
	__atomic_store_n(&d->state, next, __ATOMIC_RELEASE);
	if (d->workers_running) {
		/* Blocks only this thread, until every worker has finished the loop that might still read the old one. */
		rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
	}
	return 0;
}

static int dpdk_run(struct sl_daemon *d, char *err, size_t errlen)
{
	uint32_t i;
	int rc;

	for (i = 0; i < d->n_workers; i++) {
		rc = rte_eal_remote_launch(sl_worker_main, d->workers[i], d->workers[i]->lcore_id);
		if (rc) {
			snprintf(err, errlen, "cannot launch worker on lcore %u", d->workers[i]->lcore_id);
			return rc;
		}
	}
	d->workers_running = true;
	return 0;
}

/* A released id's counters restart at zero when it is reused (no worker writes it any more). */
static void dpdk_zero_row(struct sl_daemon *d, bool is_vip, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < d->n_workers; i++)
		memset(is_vip ? &d->workers[i]->vip_ctr[id] : &d->workers[i]->backend_ctr[id], 0,
		       sizeof(struct sl_ctr));
}

static int dpdk_read(struct sl_daemon *d, struct sl_counters *c)
{
	uint32_t i, j;

	c->row_label = "lcore";
	c->n_rows = d->n_workers;
	memset(c->vip, 0, sizeof(c->vip));
	memset(c->backend, 0, sizeof(c->backend));
	for (i = 0; i < d->n_workers; i++) {
		const struct sl_worker *w = d->workers[i];
		const struct sl_flow_stats *fs = sl_flow_table_stats(w->flows);

		c->row_id[i] = w->lcore_id;
		c->row[i] = w->ctr;
		c->flow_inserts[i] = fs->inserts;
		c->flow_evictions[i] = fs->evictions;
		c->flow_capacity[i] = sl_flow_table_capacity(w->flows);
		for (j = 0; j < SL_MAX_VIP_IDS; j++) {
			c->vip[j].pkts += w->vip_ctr[j].pkts;
			c->vip[j].bytes += w->vip_ctr[j].bytes;
			c->vip[j].new_flows += w->vip_ctr[j].new_flows;
		}
		for (j = 0; j < SL_MAX_BACKEND_IDS; j++) {
			c->backend[j].pkts += w->backend_ctr[j].pkts;
			c->backend[j].bytes += w->backend_ctr[j].bytes;
			c->backend[j].new_flows += w->backend_ctr[j].new_flows;
		}
	}
	return 0;
}

static void dpdk_quiesce(struct sl_daemon *d)
{
	uint32_t i;

	for (i = 0; i < d->n_workers; i++)
		d->workers[i]->stop = true;
	if (d->workers_running)
		rte_eal_mp_wait_lcore();
	d->workers_running = false;
}

static void dpdk_close(struct sl_daemon *d)
{
	uint32_t i;

	dpdk_quiesce(d);
	for (i = 0; i < d->n_ports; i++) {
		sl_port_close(d->ports[i].port_id);
		if (d->ports[i].exc_port >= 0)
			sl_port_close((uint16_t)d->ports[i].exc_port);
	}
	if (d->eal_up)
		rte_eal_cleanup();
	d->eal_up = false;
}

const struct sl_dp_ops sl_dp_dpdk_ops = {
	.name = "dpdk",
	.open = dpdk_open,
	.publish = dpdk_publish,
	.run = dpdk_run,
	.zero_row = dpdk_zero_row,
	.read = dpdk_read,
	.quiesce = dpdk_quiesce,
	.close = dpdk_close,
};
