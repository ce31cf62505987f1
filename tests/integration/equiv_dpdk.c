/* SPDX-License-Identifier: BSD-3-Clause */
#include "equiv_dpdk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "../../dataplane/port.h"
#include "equiv_frame.h"

/* One packet in flight plus an ICMP error, and the RX ring the port asks for; small is fine. */
#define POOL_SIZE 2047
#define POOL_CACHE 0

int eq_dpdk_eal_init(const char *prog)
{
	char *argv[] = {
		(char *)prog, "-l", "0", "--no-huge", "--no-shconf", "-m", "512", "--no-pci",
		"--vdev", "net_null0", "--log-level=lib.eal:warning", NULL,
	};

	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0 ? -rte_errno : 0;
}

int eq_dpdk_init(struct eq_dpdk *d, uint32_t flow_entries, const uint8_t mac[6], uint16_t mtu,
		 const struct sl_dp_state *st, char *err, size_t errlen)
{
	size_t fsz = sl_flow_table_mem_size(flow_entries);
	struct sl_worker_port *p;
	struct sl_worker *w;
	int rc;

	memset(d, 0, sizeof(*d));
	d->st = st;
	if (rte_eth_dev_get_port_by_name("net_null0", &d->port_id)) {
		snprintf(err, errlen, "no net_null0 port (librte_net_null missing?)");
		return -ENODEV;
	}
	d->w = w = rte_zmalloc("eq_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	d->flow_mem = fsz ? rte_malloc("eq_flows", fsz, RTE_CACHE_LINE_SIZE) : NULL;
	d->pool = rte_pktmbuf_pool_create("eq_pool", POOL_SIZE, POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!w || !d->flow_mem || !d->pool)
		goto nomem;
	/* Counter rows by the model's stable ids, as control/daemon.c sizes them. */
	w->vip_ctr = rte_zmalloc("eq_vctr", sizeof(struct sl_ctr) * SL_MAX_VIP_IDS, RTE_CACHE_LINE_SIZE);
	w->backend_ctr = rte_zmalloc("eq_bctr", sizeof(struct sl_ctr) * SL_MAX_BACKEND_IDS,
				     RTE_CACHE_LINE_SIZE);
	w->rr = rte_zmalloc("eq_rr", sizeof(uint32_t) * SL_MAX_VIP_IDS, RTE_CACHE_LINE_SIZE);
	if (!w->vip_ctr || !w->backend_ctr || !w->rr)
		goto nomem;
	w->flows = sl_flow_table_init(d->flow_mem, flow_entries);
	w->pool = d->pool;
	w->lcore_id = rte_lcore_id();
	w->burst = 1;
	w->tsc_per_ms = 1;
	w->rng = 0x9e3779b97f4a7c15ull;
	w->n_ports = 1;
	rc = sl_port_start(d->port_id, 1, 512, 512, 0, d->pool, err, errlen);
	if (rc)
		return rc;
	p = &w->ports[0];
	p->port_id = d->port_id;
	p->mtu = mtu;
	/* The Ethernet source is each node's own NIC MAC: give the worker the XDP interface's,
	 * so that field is equal by construction rather than masked. */
	memcpy(p->mac.addr_bytes, mac, 6);
	p->tx.port = d->port_id;
	p->tx.queue = 0;
	return 0;
nomem:
	snprintf(err, errlen, "cannot allocate the worker, pool and a %zu MiB flow table", fsz >> 20);
	return -ENOMEM;
}

int eq_dpdk_run(struct eq_dpdk *d, const uint8_t *frame, uint32_t len, uint32_t now_ms,
		struct eq_out *o)
{
	struct sl_worker *w = d->w;
	struct sl_worker_port *p = &w->ports[0];
	uint64_t drops[SL_DROP__MAX], host = w->ctr.host;
	struct rte_mbuf *m = rte_pktmbuf_alloc(d->pool);
	uint8_t *data;
	int i;

	if (!m)
		return -ENOMEM;
	data = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (!data) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	memcpy(data, frame, len);
	memcpy(drops, w->ctr.drops, sizeof(drops));

	sl_worker_process_burst(w, d->st, p, &m, 1, now_ms);

	o->drop = -1;
	o->len = 0;
	/* Too big: the error goes out *and* the packet counts as a too_big drop, as in XDP. */
	for (i = 0; i < SL_DROP__MAX; i++)
		if (w->ctr.drops[i] != drops[i])
			o->drop = i;
	if (p->tx.n == 1 && p->exc_tx.n == 0) {
		struct rte_mbuf *out = p->tx.pkts[0];

		o->verdict = EQ_TX;
		o->len = rte_pktmbuf_pkt_len(out);
		if (o->len > EQ_OUT_MAX || out->nb_segs != 1)
			o->verdict = EQ_OTHER;
		else
			memcpy(o->b, rte_pktmbuf_mtod(out, const uint8_t *), o->len);
	} else if (p->tx.n == 0 && p->exc_tx.n == 0) {
		o->verdict = w->ctr.host != host ? EQ_PASS : EQ_DROP;
	} else {
		o->verdict = EQ_OTHER;
	}
	sl_worker_flush(w, p);
	return 0;
}

uint64_t eq_dpdk_evictions(const struct eq_dpdk *d)
{
	return sl_flow_table_stats(d->w->flows)->evictions;
}

void eq_dpdk_fini(struct eq_dpdk *d)
{
	if (d->pool && d->w)
		sl_port_close(d->port_id);
	if (d->w) {
		rte_free(d->w->vip_ctr);
		rte_free(d->w->backend_ctr);
		rte_free(d->w->rr);
		rte_free(d->w);
	}
	rte_free(d->flow_mem);
	rte_mempool_free(d->pool);
	memset(d, 0, sizeof(*d));
}
