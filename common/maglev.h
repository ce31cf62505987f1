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
 * @m must be prime; @n may be 0 (then every slot is SL_MAGLEV_EMPTY, as when
 * every weight is 0). Backends with equal identities are rejected. Weights are
 * honoured as proportions: a backend of weight w gets about m * w / sum(w)
 * slots; equal weights give each backend floor(m/n) or ceil(m/n) slots.
 * Returns 0, -EINVAL (m not prime, duplicate id, weight > SL_MAGLEV_MAX_WEIGHT,
 * @table NULL, @b NULL with @n > 0) or -ENOMEM; on error @table is untouched.
 * Thread safety: reads @b, writes only @table; see the file comment.
 */
int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m, uint32_t *table);

/*
 * Bytes of scratch memory sl_maglev_build_scratch() needs for @n backends and
 * a table of @m slots (any alignment; about 8*n + 20*n + m/8 bytes).
 * Pure function; safe anywhere.
 */
size_t sl_maglev_scratch_size(uint32_t n, uint32_t m);

/*
 * sl_maglev_build() without allocating: the working state lives in the
 * caller's @scratch of @scratch_len bytes (see sl_maglev_scratch_size()), so a
 * control plane can rebuild many tables from one preallocated buffer.
 * Produces exactly the table sl_maglev_build() would. On error @table is left
 * untouched. Returns 0, -EINVAL (as sl_maglev_build(), or @table NULL, or @b
 * NULL with @n > 0) or -ENOSPC (@scratch NULL or too small).
 * Thread safety: as sl_maglev_build(); @scratch must not be shared by
 * concurrent builds.
 */
int sl_maglev_build_scratch(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
			    uint32_t *table, void *scratch, size_t scratch_len);

/* Nonzero when @m is prime (deterministic trial division; fine for table sizes). */
int sl_is_prime(uint32_t m);

/* The slot a flow hash selects in a table of size @m. Same in C and BPF. */
static inline uint32_t sl_maglev_slot(uint32_t flow_hash, uint32_t m)
{
	return sl_hash_reduce(flow_hash, m);
}

#endif
