/* SPDX-License-Identifier: BSD-3-Clause */
/* The generator's single-lcore tx/rx loop over one DPDK port. */
#ifndef SLUICE_GEN_LOOP_H
#define SLUICE_GEN_LOOP_H

#include <signal.h>
#include <stdint.h>

#include "gen_account.h"
#include "gen_flow.h"
#include "gen_report.h"

struct rte_mempool;

struct gen_loop {
	uint16_t port_id;
	uint16_t burst;                 /* 1..256 */
	struct rte_mempool *tx_pool;
	const struct gen_tmpl *tmpl[2]; /* packet i uses tmpl[i & 1]: two kinds alternate (mix) */
	uint32_t n_flows;
	uint64_t rate;                  /* pps; 0 = as fast as the port takes them */
	/* What gen_decode needs to recognise our flows in what comes back. */
	int      family;
	uint8_t  vip[16];
	uint16_t vip_port;
	uint8_t  sent_dst_mac[6];
	uint16_t gue_port;
	struct gen_acct *acct;
	volatile sig_atomic_t *stop;    /* set by a signal handler: end the run early */
};

/*
 * Send for @warmup_s seconds, forget the counts, send for @duration_s seconds
 * and keep receiving @drain_ms more, cycling through the flows in index
 * order. Packets the port refuses are freed and counted (tx_full), never
 * retried, so a slow receiver shows as tx_full rather than stalling us.
 * Fills @r (seconds, tx, tx_full, rx); decoded packets go into l->acct.
 * Returns 0, or -ENOMEM if the tx pool ran dry for a whole second.
 * Runs on the calling lcore only; busy-polls until it returns.
 */
int gen_loop_run(struct gen_loop *l, double warmup_s, double duration_s, uint32_t drain_ms,
		 struct gen_result *r);

#endif
