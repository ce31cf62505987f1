/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table: remembers which backend each flow was sent to, so
 * established flows keep their backend when the Maglev table changes.
 *
 * Bucketised open hashing: a flow lives in exactly one bucket of
 * SL_FLOW_BUCKET_SLOTS slots chosen by its hash, so a lookup touches at most
 * two cache lines of signatures plus one entry and the probe length is
 * bounded by construction. An insert into a full bucket evicts the entry
 * closest to expiry (counted). Expired entries are reclaimed lazily.
 *
 * Owned by one lcore: no locks, no atomics. Memory is supplied by the caller
 * (hugepages on DPDK, malloc in tests). Time is a caller-chosen monotonic
 * unit (sluice uses milliseconds).
 */
#ifndef SLUICE_FLOW_TABLE_H
#define SLUICE_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "flow_key.h"

#define SL_FLOW_BUCKET_SLOTS 8

struct sl_flow_entry {
	struct sl_flow_key key;
	uint32_t backend;  /* index into the VIP's backend array */
	uint16_t vip;      /* VIP index */
	uint16_t flags;    /* free for the dataplane's use */
};

struct sl_flow_stats {
	uint64_t lookups, hits, inserts, evictions, expirations;
};

struct sl_flow_table;

/* Bytes needed for a table of at least @entries entries (rounded up to a power of two of buckets). */
size_t sl_flow_table_mem_size(uint32_t entries);

/* Lay a table out in @mem (sl_flow_table_mem_size bytes, 64-byte aligned). Returns it, or NULL if entries == 0. */
struct sl_flow_table *sl_flow_table_init(void *mem, uint32_t entries);

/* Capacity in entries. */
uint32_t sl_flow_table_capacity(const struct sl_flow_table *t);

/*
 * Find @key (whose sl_flow_hash(key, SL_HF_ALL) is @hash). A hit refreshes the
 * entry's expiry to now + @timeout and returns it; a miss or an expired entry
 * returns NULL.
 */
struct sl_flow_entry *sl_flow_lookup(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout);

/*
 * Insert (or overwrite) @key, expiring at now + @timeout. Always succeeds:
 * a full bucket evicts its entry closest to expiry. Returns the entry, whose
 * backend/vip/flags the caller fills.
 */
struct sl_flow_entry *sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout);

/* Remove @key if present. Returns 1 if removed, 0 otherwise. */
int sl_flow_delete(struct sl_flow_table *t, const struct sl_flow_key *key, uint32_t hash);

/* Prefetch the bucket @hash maps to (call a few packets ahead of lookup). */
void sl_flow_prefetch(const struct sl_flow_table *t, uint32_t hash);

/* Live entries (not expired at @now): O(capacity), for stats and tests only. */
uint32_t sl_flow_count(const struct sl_flow_table *t, uint32_t now);

const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t);

#endif
