/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Result accounting: which backend each flow's packets reached, how many
 * flows each backend got, whether any flow was seen on two backends, and the
 * tx/rx/loss arithmetic. No DPDK. Error convention: negative errno.
 * Not thread-safe: one accounting struct per receiving lcore.
 */
#ifndef SLUICE_GEN_ACCOUNT_H
#define SLUICE_GEN_ACCOUNT_H

#include <stdint.h>

#include "gen_decode.h"

/* Per-flow slots are one byte; the top bit marks a flow seen on two backends. */
#define GEN_MAX_BACKENDS 127u
#define GEN_FLOW_SPLIT   0x80u

struct gen_backend {
	enum gen_rx_kind kind;
	uint8_t  key[16];  /* gen_rx.backend */
	uint64_t pkts;
};

struct gen_acct {
	uint32_t n_flows;
	uint8_t *flow_be;     /* n_flows bytes: 0 unseen, else backend index + 1 (| GEN_FLOW_SPLIT) */
	uint32_t n_backends;
	struct gen_backend be[GEN_MAX_BACKENDS];
	uint64_t rx_ours;     /* decoded to one of our flows */
	uint64_t rx_foreign;  /* well-formed but not ours (-ENOENT) */
	uint64_t rx_bad;      /* undecodable (-EPROTO) */
	uint64_t rx_overflow; /* ours, but a backend beyond GEN_MAX_BACKENDS */
};

/* What the per-flow bytes add up to (gen_acct_summarize). */
struct gen_acct_summary {
	uint64_t flows_seen;                  /* flows with at least one returned packet */
	uint64_t flows_split;                 /* flows seen on two or more backends */
	uint64_t flows_per_be[GEN_MAX_BACKENDS]; /* by the first backend the flow was seen on */
};

/*
 * Allocate per-flow state for @n_flows (1..GEN_MAX_FLOWS) flows; zeroes
 * everything. Returns 0, -EINVAL (NULL @a, @n_flows out of range) or -ENOMEM.
 */
int gen_acct_init(struct gen_acct *a, uint32_t n_flows);

/* Free what gen_acct_init allocated; NULL-safe and idempotent. */
void gen_acct_fini(struct gen_acct *a);

/* Forget packet counts (after a warm-up) but keep which backend each flow went to. */
void gen_acct_reset_pkts(struct gen_acct *a);

/*
 * Count one decoded packet @r (r->flow < n_flows, else -ERANGE and not
 * counted). A new backend key gets the next index; past GEN_MAX_BACKENDS
 * the packet counts in rx_overflow and -ENOSPC is returned. Returns the
 * backend index (>= 0). Marks the flow split when it was seen on another
 * backend before.
 */
int gen_acct_record(struct gen_acct *a, const struct gen_rx *r);

/* Count a gen_decode failure by its return code (-ENOENT foreign, anything else bad). */
void gen_acct_record_error(struct gen_acct *a, int decode_rc);

/* Walk the per-flow bytes into @s. O(n_flows). */
void gen_acct_summarize(const struct gen_acct *a, struct gen_acct_summary *s);

/*
 * Loss of @rx against @tx packets: returns tx - rx, or 0 when rx >= tx (a
 * balancer may add packets, e.g. ICMP errors); *ratio (if non-NULL) gets
 * lost/tx, 0 when @tx is 0. Pure.
 */
uint64_t gen_loss(uint64_t tx, uint64_t rx, double *ratio);

#endif
