/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted Maglev lookup tables (Eisenbud et al., NSDI 2016).
 *
 * The table depends only on the *set* of (identity, weight) pairs and on M:
 * backends are ordered by identity internally, so every node that reads the
 * same config builds a byte-identical table whatever order backends were
 * listed or added in.
 *
 * Error convention: negative errno. Not thread-safe per table; distinct
 * tables may be built concurrently. Never called on a worker lcore.
 */
#ifndef SLUICE_MAGLEV_H
#define SLUICE_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

#include "flow_hash.h"

#define SL_MAGLEV_DEFAULT_SIZE 65537u
#define SL_MAGLEV_EMPTY        UINT32_MAX /* slot value when no backend has weight > 0 */
#define SL_MAGLEV_MAX_WEIGHT   65535u

struct sl_maglev_backend {
	uint8_t  id[16];  /* identity: the backend address (IPv4 in bytes 0..3, rest zero) */
	uint32_t weight;  /* 0 = drained: owns no slot */
};

/*
 * Fill @table[0..m) with indices into @b (caller's order).
 * @m must be prime; @n may be 0 (then every slot is SL_MAGLEV_EMPTY).
 * Backends with equal identities are rejected. Weights are honoured as
 * proportions: a backend of weight w gets about m * w / sum(w) slots.
 * Returns 0, -EINVAL (m not prime, duplicate id, weight > SL_MAGLEV_MAX_WEIGHT)
 * or -ENOMEM.
 */
int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m, uint32_t *table);

/* Nonzero when @m is prime (deterministic trial division; fine for table sizes). */
int sl_is_prime(uint32_t m);

/* The slot a flow hash selects in a table of size @m. Same in C and BPF. */
static inline uint32_t sl_maglev_slot(uint32_t flow_hash, uint32_t m)
{
	return sl_hash_reduce(flow_hash, m);
}

#endif
