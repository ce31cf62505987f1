/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore counters. Each worker owns its rows and increments them with
 * plain stores (single writer: no atomics, no shared cache lines); the
 * control thread sums the rows of every worker when asked. Aligned 64-bit
 * loads cannot tear on the 64-bit targets DPDK supports, so a reader sees
 * each counter either before or after an increment, never half of it.
 *
 * Counter rows live outside the published dataplane state so that a table
 * change does not reset them: VIPs and backends keep their row (ctr_idx)
 * across states.
 */
#ifndef SLUICE_DP_COUNTERS_H
#define SLUICE_DP_COUNTERS_H

#include <stdint.h>

#include "../common/drop_reason.h"

#define SL_CACHE_LINE 64

struct sl_ctr {
	uint64_t pkts, bytes, new_flows;
};

struct sl_lcore_ctr {
	uint64_t rx, tx;
	uint64_t host;              /* non-VIP packets given to the kernel (or discarded without one) */
	uint64_t host_from_kernel;  /* packets the kernel sent out through the exception path */
	uint64_t icmp_echo, icmp_err, icmp_too_big_sent;
	uint64_t flow_hits, flow_misses, flow_moved;
	uint64_t drops[SL_DROP__MAX];
} __attribute__((aligned(SL_CACHE_LINE)));

#endif
