/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-gen: send TCP/UDP flows to a VIP through one DPDK port, receive what
 * the balancer sends back on the same port, report rates, loss and which
 * backend each flow reached. See docs/benchmarks.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "gen_account.h"
#include "gen_flow.h"
#include "gen_loop.h"
#include "gen_opts.h"
#include "gen_port.h"
#include "gen_report.h"

#define TX_POOL_SIZE 8191
#define RX_POOL_SIZE 8191
#define POOL_CACHE   256

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* One template per TCP flag set the traffic kind alternates between. */
static int build_templates(const struct gen_opts *o, const uint8_t src_mac[6], struct gen_tmpl t[2])
{
	struct gen_flow_cfg c;
	int i, rc;

	memset(&c, 0, sizeof(c));
	c.family = o->family;
	memcpy(c.vip, o->vip, 16);
	c.vip_port = o->vip_port;
	c.udp = o->l4 == GEN_UDP;
	c.frame_len = (uint16_t)(o->size - GEN_FCS_LEN);
	memcpy(c.src_mac, src_mac, 6);
	memcpy(c.dst_mac, o->dst_mac, 6);
	for (i = 0; i < 2; i++) {
		c.tcp_flags = o->l4 == GEN_TCP_SYN ? GEN_TCP_FLAG_SYN
			    : o->l4 == GEN_TCP_ACK ? GEN_TCP_FLAG_ACK
			    : o->l4 == GEN_TCP_MIX ? (i == 0 ? GEN_TCP_FLAG_SYN : GEN_TCP_FLAG_ACK) : 0;
		rc = gen_tmpl_build(&t[i], &c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gen_tmpl tmpl[2];
	struct rte_mempool *rx_pool, *tx_pool;
	struct gen_result res = { 0 };
	struct gen_acct acct;
	struct gen_loop l;
	struct gen_opts o;
	uint8_t mac[6];
	char err[256];
	int n, rc, status = 1;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "sluice-gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	rc = gen_opts_parse(&o, argc - n, argv + n, err, sizeof(err));
	if (rc) {
		if (rc < 0) {
			fprintf(stderr, "sluice-gen: %s\n", err);
			gen_opts_usage(stderr);
		}
		rte_eal_cleanup();
		return rc < 0 ? 2 : 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	rx_pool = rte_pktmbuf_pool_create("gen_rx", RX_POOL_SIZE, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	tx_pool = rte_pktmbuf_pool_create("gen_tx", TX_POOL_SIZE, POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (!rx_pool || !tx_pool) {
		fprintf(stderr, "sluice-gen: cannot create mbuf pools: %s\n", rte_strerror(rte_errno));
		goto out_eal;
	}
	if (gen_acct_init(&acct, o.flows) < 0) {
		fprintf(stderr, "sluice-gen: no memory for %u flows\n", o.flows);
		goto out_eal;
	}
	rc = gen_port_start(o.port_id, rx_pool, o.link_wait, mac, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sluice-gen: %s\n", err);
		goto out_port;
	}
	if (build_templates(&o, mac, tmpl) < 0) {
		fprintf(stderr, "sluice-gen: cannot build the packet template\n");
		goto out_port;
	}

	memset(&l, 0, sizeof(l));
	l.port_id = o.port_id;
	l.burst = o.burst;
	l.tx_pool = tx_pool;
	l.tmpl[0] = &tmpl[0];
	l.tmpl[1] = &tmpl[1];
	l.n_flows = o.flows;
	l.rate = o.rate;
	l.family = o.family;
	memcpy(l.vip, o.vip, 16);
	l.vip_port = o.vip_port;
	memcpy(l.sent_dst_mac, o.dst_mac, 6);
	l.gue_port = o.gue_port;
	l.acct = &acct;
	l.stop = &stop_flag;
	rc = gen_loop_run(&l, o.warmup, o.duration, o.drain_ms, &res);
	if (rc < 0) {
		fprintf(stderr, "sluice-gen: the tx pool ran dry (mbufs leaking?)\n");
		goto out_port;
	}
	res.hugepages = rte_eal_has_hugepages();
	if (gen_report_print(stdout, &o, &res, &acct) == 0)
		status = 0;
	/* The report is complete on stdout before the script is told to stop the peer. */
	fflush(stdout);
	if (o.hold > 0 && gen_port_wait_down(o.port_id, o.hold, &stop_flag) < 0)
		fprintf(stderr, "sluice-gen: the peer was still connected after --hold %.1f s\n", o.hold);
out_port:
	gen_port_stop(o.port_id);
	gen_acct_fini(&acct);
out_eal:
	rte_eal_cleanup();
	return status;
}
