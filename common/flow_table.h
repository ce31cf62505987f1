/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table: remembers which backend each flow was sent to, so
 * established flows keep their backend when the Maglev table changes.
 *
 * Bucketised open hashing: a flow lives in exactly one bucket of
 * SL_FLOW_BUCKET_SLOTS slots chosen by its hash. A bucket's signatures and
 * expiry times share one cache line and entries sit in a separate array of
 * line-sized slots, so a miss reads one cache line and a hit two, and the
 * probe length is bounded by construction. An insert into a full bucket
 * evicts the entry closest to expiry (counted). Expired entries are
 * reclaimed lazily by lookup and insert, and by sl_flow_sweep.
 *
 * Owned by one lcore: no locks, no atomics, no allocation. Memory is supplied
 * by the caller (hugepages on DPDK, malloc in tests). Time is a caller-chosen
 * monotonic uint32 unit that may wrap (sluice uses milliseconds); timeouts
 * must be below 2^31 units. Every function below is thread-compatible, not
 * thread-safe: one lcore at a time per table, distinct tables in parallel.
 *
 * flow_table_inline.h has the layout and inline versions of the per-packet
 * calls (lookup, the two prefetch stages) for the worker's hot loop.
 */
#ifndef SLUICE_FLOW_TABLE_H
#define SLUICE_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "flow_key.h"

#define SL_FLOW_BUCKET_SLOTS 8
/* Largest capacity sl_flow_table_mem_size accepts (2^28 buckets). */
#define SL_FLOW_TABLE_MAX_ENTRIES (1u << 31)

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

/*
 * Bytes needed for a table of at least @entries entries: the entry count is
 * rounded up to a power of two of buckets (so at least SL_FLOW_BUCKET_SLOTS).
 * Returns 0 when @entries is 0 or above SL_FLOW_TABLE_MAX_ENTRIES.
 * Pure function; safe anywhere.
 */
size_t sl_flow_table_mem_size(uint32_t entries);

/*
 * Lay a table out in @mem (sl_flow_table_mem_size(@entries) bytes, 64-byte
 * aligned) and clear it; stats start at zero. Touches every byte, which also
 * faults the pages in before traffic arrives.
 * Returns the table (which starts at @mem), or NULL if @mem is NULL or not
 * 64-byte aligned, or @entries is 0 or too large.
 */
struct sl_flow_table *sl_flow_table_init(void *mem, uint32_t entries);

/* Capacity in entries (a power of two, >= the @entries asked for). */
uint32_t sl_flow_table_capacity(const struct sl_flow_table *t);

/*
 * Find @key, whose sl_flow_hash(key, SL_HF_ALL) is @hash (keys are compared
 * whole, so a wrong hash can miss but never return another key's entry). A hit refreshes the
 * entry's expiry to @now + @timeout and returns it. A miss returns NULL; an
 * entry found expired at @now is freed, counted in `expirations`, and is a
 * miss. The returned pointer is valid until the next insert, delete or
 * sweep on this table.
 */
struct sl_flow_entry *sl_flow_lookup(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout);

/*
 * Insert (or refresh) @key, expiring at @now + @timeout. Always succeeds:
 * it reuses the key's own slot if present, else a free or expired slot
 * (an expired one counts in `expirations`), else evicts the bucket's entry
 * closest to expiry (counted in `evictions`). Returns the entry: for a key
 * that was live its backend/vip/flags are kept, otherwise they are zeroed
 * for the caller to fill. Validity of the pointer as for sl_flow_lookup.
 */
struct sl_flow_entry *sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout);

/*
 * Remove @key if the table holds it (expired or not: there is no clock
 * here). Returns 1 if removed, 0 otherwise.
 */
int sl_flow_delete(struct sl_flow_table *t, const struct sl_flow_key *key, uint32_t hash);

/*
 * Stage 1 of a pipelined burst: prefetch the bucket line @hash maps to.
 * Call it a few packets (or a whole pass) ahead of sl_flow_lookup.
 */
void sl_flow_prefetch(const struct sl_flow_table *t, uint32_t hash);

/*
 * Stage 2: read the (by now cached) bucket of @hash and prefetch the entry
 * lines whose signature matches, so the lookup's key compare does not wait
 * on memory. Call it between sl_flow_prefetch and sl_flow_lookup; on a
 * table larger than the cache it roughly halves the cost of a hit.
 */
void sl_flow_prefetch_entry(const struct sl_flow_table *t, uint32_t hash);

/*
 * Reclaim the expired entries of the next @n_buckets buckets (round robin,
 * wrapping) and count them in `expirations`. Returns how many were freed.
 * Why it exists: expiry uses wrap-safe uint32 arithmetic, so an entry that
 * is never touched again would look live once more 2^31 units after it
 * expired (~24.8 days in ms). Calling this in the worker's idle/drain path so
 * the whole table is covered well within that (e.g. 64 buckets per ms covers
 * 1M entries in 2 s) closes that hole and keeps sl_flow_count honest.
 */
uint32_t sl_flow_sweep(struct sl_flow_table *t, uint32_t now, uint32_t n_buckets);

/* Live entries (not expired at @now): O(capacity), for stats and tests only. */
uint32_t sl_flow_count(const struct sl_flow_table *t, uint32_t now);

/* Counters since init; the pointer stays valid as long as the table. Misses = lookups - hits. */
const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t);

#endif
