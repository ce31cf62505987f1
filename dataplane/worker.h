/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: polls its RX queue on every data port, balances VIP
 * traffic, hands the rest to the kernel through the exception port, and
 * reports an RCU quiescent state once per loop.
 *
 * Everything a worker touches per packet hangs off its own cache-aligned
 * struct sl_worker, reached through one pointer (STYLE.md 6). The control
 * thread only reads a worker's counters and sets `stop`.
 */
#ifndef SLUICE_WORKER_H
#define SLUICE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "../common/flow_table.h"
#include "dp_counters.h"
#include "dp_state.h"

#define SL_MAX_PORTS_PER_WORKER 8
#define SL_MAX_BURST 256

struct sl_txbuf {
	uint16_t port, queue, n;
	struct rte_mbuf *pkts[SL_MAX_BURST];
};

struct sl_worker_port {
	uint16_t port_id, queue_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	bool has_exc;
	uint16_t exc_port, exc_queue;
	struct sl_txbuf tx;      /* back out of the data port (one-arm) */
	struct sl_txbuf exc_tx;  /* to the kernel */
};

struct sl_worker {
	unsigned lcore_id;
	uint32_t idx;            /* RCU thread id and counter slot */
	uint32_t burst;
	uint16_t n_ports;
	struct sl_worker_port ports[SL_MAX_PORTS_PER_WORKER];

	struct sl_flow_table *flows;
	struct rte_mempool *pool;          /* for generated ICMP errors */
	struct rte_rcu_qsbr *qsbr;
	struct sl_dp_state *const *state;  /* the published snapshot pointer */
	uint64_t tsc_per_ms;

	struct sl_lcore_ctr ctr;
	struct sl_ctr *vip_ctr;            /* rows indexed by sl_dp_vip.id */
	struct sl_ctr *backend_ctr;        /* rows indexed by sl_dp_backend.id */
	uint32_t *rr;                      /* per VIP id: round-robin cursor of the wrr scheduler */
	uint64_t rng;                      /* xorshift state of the wrandom/lrt schedulers */

	volatile bool stop;
} __rte_cache_aligned;

/* lcore entry point (rte_eal_remote_launch); @arg is the struct sl_worker. Returns 0 when stopped. */
int sl_worker_main(void *arg);

/*
 * Process one received burst from port slot @p as the worker loop does (also
 * used by benchmarks and tests on prebuilt mbufs). Consumes every mbuf:
 * each is queued for TX or freed and counted. Lock-free; worker lcore only.
 */
void sl_worker_process_burst(struct sl_worker *w, const struct sl_dp_state *st,
			     struct sl_worker_port *p, struct rte_mbuf **pkts, uint16_t n, uint32_t now_ms);

/* Send what the port's TX buffers hold; unsent packets are freed and counted as tx_full. */
void sl_worker_flush(struct sl_worker *w, struct sl_worker_port *p);

#endif
