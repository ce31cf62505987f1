/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table (see flow_table.h for the contract, and
 * flow_table_inline.h for the layout and the per-packet operations).
 */
#include <string.h>

#include "flow_table_inline.h"

static uint64_t buckets_for(uint32_t entries)
{
	uint64_t want = ((uint64_t)entries + SL_FLOW_BUCKET_SLOTS - 1) >> SL_FT_BUCKET_SHIFT;
	uint64_t nb = 1;

	while (nb < want)
		nb <<= 1;
	return nb;
}

size_t sl_flow_table_mem_size(uint32_t entries)
{
	uint64_t nb;

	if (entries == 0 || entries > SL_FLOW_TABLE_MAX_ENTRIES)
		return 0;
	nb = buckets_for(entries);
	return sizeof(struct sl_flow_table) + nb * sizeof(struct sl_flow_bucket) +
	       (nb << SL_FT_BUCKET_SHIFT) * sizeof(struct sl_flow_slot);
}

struct sl_flow_table *sl_flow_table_init(void *mem, uint32_t entries)
{
	size_t size = sl_flow_table_mem_size(entries);
	struct sl_flow_table *t = mem;
	uint64_t nb;

	if (!mem || size == 0 || ((uintptr_t)mem & (SL_FT_LINE - 1)))
		return NULL;
	nb = buckets_for(entries);
	/* Slots are cleared too: not needed for correctness, but it faults every page in now. */
	memset(mem, 0, size);
	t->buckets = (struct sl_flow_bucket *)(t + 1);
	t->slots = (struct sl_flow_slot *)(t->buckets + nb);
	t->mask = (uint32_t)(nb - 1);
	t->sweep_next = 0;
	return t;
}

uint32_t sl_flow_table_capacity(const struct sl_flow_table *t)
{
	return (t->mask + 1) << SL_FT_BUCKET_SHIFT;
}

struct sl_flow_entry *sl_flow_lookup(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout)
{
	return sl_flow_lookup_inline(t, key, hash, now, timeout);
}

/* Where a new key goes: a free slot, else an expired one, else the live entry closest to expiry. */
static unsigned pick_victim(struct sl_flow_table *t, const struct sl_flow_bucket *b, uint32_t now)
{
	int32_t best_left = INT32_MAX;
	unsigned i, victim = 0;

	for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++)
		if (b->sig[i] == 0)
			return i;
	for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++) {
		int32_t left = (int32_t)(b->expire[i] - now);

		if (left <= 0) {
			t->stats.expirations++;
			return i;
		}
		if (left < best_left) {
			best_left = left;
			victim = i;
		}
	}
	t->stats.evictions++;
	return victim;
}

struct sl_flow_entry *sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout)
{
	uint32_t bi = hash & t->mask;
	struct sl_flow_bucket *b = &t->buckets[bi];
	struct sl_flow_entry *e;
	int i;

	t->stats.inserts++;
	i = sl_ft_find_slot(t, bi, key, sl_ft_sig(hash));
	if (i >= 0) {
		e = &sl_ft_slot(t, bi, (unsigned)i)->e;
		if (!sl_ft_live(b->expire[i], now)) {
			/* A new flow that happens to reuse the key: nothing of the old one carries over. */
			t->stats.expirations++;
			e->backend = 0;
			e->vip = 0;
			e->flags = 0;
		}
		b->expire[i] = now + timeout;
		return e;
	}
	i = (int)pick_victim(t, b, now);
	b->sig[i] = sl_ft_sig(hash);
	b->expire[i] = now + timeout;
	e = &sl_ft_slot(t, bi, (unsigned)i)->e;
	e->key = *key;
	e->backend = 0;
	e->vip = 0;
	e->flags = 0;
	return e;
}

int sl_flow_delete(struct sl_flow_table *t, const struct sl_flow_key *key, uint32_t hash)
{
	uint32_t bi = hash & t->mask;
	int i = sl_ft_find_slot(t, bi, key, sl_ft_sig(hash));

	if (i < 0)
		return 0;
	t->buckets[bi].sig[i] = 0;
	return 1;
}

void sl_flow_prefetch(const struct sl_flow_table *t, uint32_t hash)
{
	sl_flow_prefetch_inline(t, hash);
}

void sl_flow_prefetch_entry(const struct sl_flow_table *t, uint32_t hash)
{
	sl_flow_prefetch_entry_inline(t, hash);
}

uint32_t sl_flow_sweep(struct sl_flow_table *t, uint32_t now, uint32_t n_buckets)
{
	uint32_t n, freed = 0;
	unsigned i;

	if (n_buckets > t->mask)
		n_buckets = t->mask + 1;
	for (n = 0; n < n_buckets; n++) {
		struct sl_flow_bucket *b = &t->buckets[t->sweep_next];

		for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++) {
			if (b->sig[i] != 0 && !sl_ft_live(b->expire[i], now)) {
				b->sig[i] = 0;
				freed++;
			}
		}
		t->sweep_next = (t->sweep_next + 1) & t->mask;
	}
	t->stats.expirations += freed;
	return freed;
}

uint32_t sl_flow_count(const struct sl_flow_table *t, uint32_t now)
{
	uint32_t bi, n = 0;
	unsigned i;

	for (bi = 0; bi <= t->mask; bi++)
		for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++)
			n += t->buckets[bi].sig[i] != 0 && sl_ft_live(t->buckets[bi].expire[i], now);
	return n;
}

const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t)
{
	return &t->stats;
}
