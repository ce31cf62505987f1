/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK side of the equivalence test: the real struct sl_worker, run on
 * the main lcore one single-packet burst at a time. Its output is taken from
 * the port's TX buffer after sl_worker_process_burst and then flushed to a
 * net_null port (which frees it and lets the worker count tx as it does in
 * production).
 *
 * Errors: negative errno and a message in the caller's buffer. Main lcore
 * only; not thread-safe.
 */
#ifndef SLUICE_EQUIV_DPDK_H
#define SLUICE_EQUIV_DPDK_H

#include <stddef.h>
#include <stdint.h>

#include "../../dataplane/worker.h"
#include "equiv_out.h"

struct eq_dpdk {
	struct sl_worker *w;
	struct rte_mempool *pool;
	uint16_t port_id;
	void *flow_mem;
	const struct sl_dp_state *st;  /* what the next packets are balanced with */
};

/*
 * rte_eal_init with --no-huge --no-shconf -m 512 --no-pci --vdev net_null0
 * -l 0 (so this thread is pinned to CPU 0). Returns 0 or -rte_errno.
 */
int eq_dpdk_eal_init(const char *prog);

/*
 * Make a worker with a flow table of @flow_entries entries and one port
 * (net_null0) whose MAC is @mac and MTU @mtu, balancing with @st.
 * Returns 0, -ENODEV (no net_null0), -ENOMEM, or the port's error.
 * On error eq_dpdk_fini(@d) releases what was made.
 */
int eq_dpdk_init(struct eq_dpdk *d, uint32_t flow_entries, const uint8_t mac[6], uint16_t mtu,
		 const struct sl_dp_state *st, char *err, size_t errlen);

/*
 * Run @frame (@len bytes, at most EQ_FRAME_MAX) through the worker as a
 * burst of one at time @now_ms and describe the outcome in @o (verdict,
 * drop reason from the counter that moved, output bytes). Returns 0, or
 * -ENOMEM when no mbuf was left (a test bug: every packet is freed).
 */
int eq_dpdk_run(struct eq_dpdk *d, const uint8_t *frame, uint32_t len, uint32_t now_ms,
		struct eq_out *o);

/* Flow-table evictions so far (the comparison assumes none). */
uint64_t eq_dpdk_evictions(const struct eq_dpdk *d);

/* Release everything; safe on a zeroed or partly built @d. */
void eq_dpdk_fini(struct eq_dpdk *d);

#endif
