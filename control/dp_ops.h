/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one small interface between the control plane and a dataplane. The
 * control plane builds snapshots (struct sl_dp_state) and reads counters;
 * whether packets are forwarded by DPDK worker lcores or by the XDP program
 * is hidden behind these calls, so probes, schedulers, sluicectl, reload and
 * metrics work the same on both. Chosen once from `dataplane.type`.
 * Control thread only. Errors: negative errno with a message.
 */
#ifndef SLUICE_DP_OPS_H
#define SLUICE_DP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../dataplane/dp_counters.h"
#include "../dataplane/dp_state.h"

struct sl_daemon;

#define SL_MAX_COUNTER_ROWS 256

/* Every counter of a dataplane at one moment (rows: DPDK worker lcores or XDP CPUs). */
struct sl_counters {
	const char *row_label;           /* "lcore" or "cpu" */
	uint32_t n_rows;
	uint32_t row_id[SL_MAX_COUNTER_ROWS];
	struct sl_lcore_ctr row[SL_MAX_COUNTER_ROWS];
	uint64_t flow_inserts[SL_MAX_COUNTER_ROWS];   /* 0 where the dataplane does not count them */
	uint64_t flow_evictions[SL_MAX_COUNTER_ROWS];
	uint64_t flow_capacity[SL_MAX_COUNTER_ROWS];
	struct sl_ctr vip[SL_MAX_VIP_IDS];
	struct sl_ctr backend[SL_MAX_BACKEND_IDS];
};

struct sl_dp_ops {
	const char *name;
	/* Bring the dataplane up; nothing is forwarded before the first publish. */
	int (*open)(struct sl_daemon *d, char *err, size_t errlen);
	/* Make @next live. On return no packet can still be using the previous snapshot. */
	int (*publish)(struct sl_daemon *d, struct sl_dp_state *next, char *err, size_t errlen);
	/* Start forwarding (after the first publish). */
	int (*run)(struct sl_daemon *d, char *err, size_t errlen);
	/* Zero the counter row of an id no packet can reach any more. */
	void (*zero_row)(struct sl_daemon *d, bool is_vip, uint32_t id);
	/* Read every counter into @c. */
	int (*read)(struct sl_daemon *d, struct sl_counters *c);
	/* Stop the workers (DPDK) so final counters are exact; a no-op where forwarding must outlive the daemon. */
	void (*quiesce)(struct sl_daemon *d);
	/* Release everything. XDP leaves its program attached and pinned (restarts keep forwarding). */
	void (*close)(struct sl_daemon *d);
};

extern const struct sl_dp_ops sl_dp_dpdk_ops;
extern const struct sl_dp_ops sl_dp_xdp_ops;

#endif
