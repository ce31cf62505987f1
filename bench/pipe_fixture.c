/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipe_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "../dataplane/port.h"

/* Enough for a burst in flight plus the per-lcore cache; the bench never holds more. */
#define POOL_SIZE  8191
#define POOL_CACHE 256

/*
 * VIP names are the variant names. Eight backends each (a typical pool;
 * the count only changes Maglev's table contents, not its per-packet cost).
 */
const struct pipe_variant pipe_variants[] = {
	{ "ipv4-gue", SL_AF_INET },
	{ "ipv4-ipip", SL_AF_INET },
	{ "ipv4-l2dsr", SL_AF_INET },
	{ "ipv6-gue", SL_AF_INET6 },
	{ "ipv6-ip6tnl", SL_AF_INET6 },
	{ "ipv6-l2dsr", SL_AF_INET6 },
};
const unsigned pipe_n_variants = sizeof(pipe_variants) / sizeof(pipe_variants[0]);

#define BACKENDS_V4(p) \
	"backends = ( " \
	"{ address = \"198.18.1." p "1\"; mac = \"02:00:00:00:01:01\"; }, " \
	"{ address = \"198.18.1." p "2\"; mac = \"02:00:00:00:01:02\"; }, " \
	"{ address = \"198.18.1." p "3\"; mac = \"02:00:00:00:01:03\"; }, " \
	"{ address = \"198.18.1." p "4\"; mac = \"02:00:00:00:01:04\"; }, " \
	"{ address = \"198.18.1." p "5\"; mac = \"02:00:00:00:01:05\"; }, " \
	"{ address = \"198.18.1." p "6\"; mac = \"02:00:00:00:01:06\"; }, " \
	"{ address = \"198.18.1." p "7\"; mac = \"02:00:00:00:01:07\"; }, " \
	"{ address = \"198.18.1." p "8\"; mac = \"02:00:00:00:01:08\"; weight = 200; } );"
#define BACKENDS_V6(p) \
	"backends = ( " \
	"{ address = \"2001:db8:1:" p "::1\"; mac = \"02:00:00:00:06:01\"; }, " \
	"{ address = \"2001:db8:1:" p "::2\"; mac = \"02:00:00:00:06:02\"; }, " \
	"{ address = \"2001:db8:1:" p "::3\"; mac = \"02:00:00:00:06:03\"; }, " \
	"{ address = \"2001:db8:1:" p "::4\"; mac = \"02:00:00:00:06:04\"; }, " \
	"{ address = \"2001:db8:1:" p "::5\"; mac = \"02:00:00:00:06:05\"; }, " \
	"{ address = \"2001:db8:1:" p "::6\"; mac = \"02:00:00:00:06:06\"; }, " \
	"{ address = \"2001:db8:1:" p "::7\"; mac = \"02:00:00:00:06:07\"; }, " \
	"{ address = \"2001:db8:1:" p "::8\"; mac = \"02:00:00:00:06:08\"; weight = 200; } );"

/* Only the VIPs, network and flows sections matter; ports/workers must merely validate. */
static const char bench_config[] =
	"dataplane = { ports = ( { name = \"null0\"; device = \"net_null0\"; } ); workers = [ 1 ]; };\n"
	"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; };\n"
	"vips = (\n"
	" { name = \"ipv4-gue\"; address = \"198.18.100.1\"; port = 80; method = \"gue\"; "
	BACKENDS_V4("1") " },\n"
	" { name = \"ipv4-ipip\"; address = \"198.18.100.2\"; port = 80; method = \"ipip\"; "
	BACKENDS_V4("2") " },\n"
	" { name = \"ipv4-l2dsr\"; address = \"198.18.100.3\"; port = 80; method = \"l2dsr\"; "
	BACKENDS_V4("3") " },\n"
	" { name = \"ipv6-gue\"; address = \"2001:db8:100::1\"; port = 80; method = \"gue\"; "
	BACKENDS_V6("1") " },\n"
	" { name = \"ipv6-ip6tnl\"; address = \"2001:db8:100::2\"; port = 80; method = \"ip6tnl\"; "
	BACKENDS_V6("2") " },\n"
	" { name = \"ipv6-l2dsr\"; address = \"2001:db8:100::3\"; port = 80; method = \"l2dsr\"; "
	BACKENDS_V6("3") " }\n"
	");\n";

static int open_port(struct pipe_fixture *fx, char *err, size_t errlen)
{
	struct rte_ether_addr mac;
	int rc;

	if (rte_eth_dev_get_port_by_name("net_null0", &fx->port_id)) {
		snprintf(err, errlen, "no net_null0 port (is librte_net_null installed?)");
		return -ENODEV;
	}
	fx->pool = rte_pktmbuf_pool_create("pipe_pool", POOL_SIZE, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (!fx->pool) {
		snprintf(err, errlen, "cannot create the mbuf pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = sl_port_start(fx->port_id, 1, 512, 512, 0, fx->pool, err, errlen);
	if (rc)
		return rc;
	rte_eth_macaddr_get(fx->port_id, &mac);
	fx->w->ports[0].mac = mac;
	return 0;
}

static int make_worker(struct pipe_fixture *fx, uint32_t flow_entries, char *err, size_t errlen)
{
	size_t fsz = sl_flow_table_mem_size(flow_entries);
	struct sl_worker *w;
	struct sl_worker_port *p;

	fx->w = w = rte_zmalloc("pipe_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	fx->flow_mem = fsz ? rte_malloc("pipe_flows", fsz, RTE_CACHE_LINE_SIZE) : NULL;
	if (!w || !fx->flow_mem)
		goto nomem;
	/* Rows are indexed by the model's stable ids, as in the daemon. */
	w->vip_ctr = rte_zmalloc("pipe_vctr", sizeof(struct sl_ctr) * SL_MAX_VIP_IDS, RTE_CACHE_LINE_SIZE);
	w->backend_ctr = rte_zmalloc("pipe_bctr", sizeof(struct sl_ctr) * SL_MAX_BACKEND_IDS, RTE_CACHE_LINE_SIZE);
	w->rr = rte_zmalloc("pipe_rr", sizeof(uint32_t) * SL_MAX_VIP_IDS, RTE_CACHE_LINE_SIZE);
	if (!w->vip_ctr || !w->backend_ctr || !w->rr)
		goto nomem;
	w->rng = 0x9e3779b97f4a7c15ull; /* fixed: runs are comparable */
	fx->flow_entries = flow_entries;
	w->flows = sl_flow_table_init(fx->flow_mem, flow_entries);
	w->lcore_id = rte_lcore_id();
	w->burst = 32;
	w->tsc_per_ms = rte_get_tsc_hz() / 1000 ? rte_get_tsc_hz() / 1000 : 1;
	w->n_ports = 1;
	p = &w->ports[0];
	p->mtu = 1500;
	return 0;
nomem:
	snprintf(err, errlen, "cannot allocate the worker and a %zu MiB flow table (try a larger -m or --huge)",
		 fsz >> 20);
	return -ENOMEM;
}

int pipe_fixture_init(struct pipe_fixture *fx, uint32_t flow_entries, char *err, size_t errlen)
{
	struct sl_worker_port *p;
	struct sl_config cfg;
	int rc;

	memset(fx, 0, sizeof(*fx));
	rc = sl_config_load_string(bench_config, "<pipeline-bench>", &cfg, err, errlen);
	if (rc)
		return rc;
	rc = sl_model_init(&fx->model, &cfg, err, errlen);
	if (rc) {
		sl_config_free(&cfg);
		return rc;
	}
	fx->st = sl_model_snapshot(&fx->model, 1, NULL, NULL, err, errlen);
	if (!fx->st)
		return -EINVAL;
	rc = make_worker(fx, flow_entries, err, errlen);
	if (rc)
		return rc;
	rc = open_port(fx, err, errlen);
	if (rc)
		return rc;
	fx->w->pool = fx->pool;
	p = &fx->w->ports[0];
	p->port_id = fx->port_id;
	p->tx.port = fx->port_id;
	p->tx.queue = 0;
	return 0;
}

void pipe_fixture_reset(struct pipe_fixture *fx)
{
	struct sl_worker *w = fx->w;

	w->flows = sl_flow_table_init(fx->flow_mem, fx->flow_entries);
	memset(&w->ctr, 0, sizeof(w->ctr));
	memset(w->vip_ctr, 0, sizeof(struct sl_ctr) * SL_MAX_VIP_IDS);
}

const struct sl_dp_vip *pipe_fixture_vip(const struct pipe_fixture *fx, const struct pipe_variant *v)
{
	uint32_t i;

	/* The snapshot lists VIPs in the model's order, which is the config's. */
	for (i = 0; i < fx->model.n_vips && i < fx->st->n_vips; i++)
		if (strcmp(fx->model.vips[i].cfg.name, v->name) == 0)
			return &fx->st->vips[i];
	return NULL;
}

void pipe_fixture_fini(struct pipe_fixture *fx)
{
	if (fx->pool)
		sl_port_close(fx->port_id);
	if (fx->w) {
		rte_free(fx->w->vip_ctr);
		rte_free(fx->w->backend_ctr);
		rte_free(fx->w->rr);
		rte_free(fx->w);
	}
	rte_free(fx->flow_mem);
	rte_mempool_free(fx->pool);
	if (fx->st)
		sl_snapshot_free(fx->st);
	sl_model_free(&fx->model);
	memset(fx, 0, sizeof(*fx));
}
