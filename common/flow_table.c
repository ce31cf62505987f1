/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore flow table (see flow_table.h for the contract).
 *
 * Memory layout, all in the caller's block:
 *   [table header: 1 line][buckets: 1 line each][slots: 1 line per entry]
 * A bucket line holds the 8 signatures and the 8 expiry times, so deciding
 * "miss", "which slot" and "expired?" needs that line alone; only a
 * signature match reads the slot line holding the full key. Slots are padded
 * from 48 to 64 bytes: a 48-byte stride would leave half the entries
 * straddling two lines, making a hit cost three misses instead of two.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "flow_table.h"

_Static_assert(sizeof(struct sl_flow_key) == 40, "keys are compared as five 64-bit words");
_Static_assert(SL_FLOW_BUCKET_SLOTS == 8, "a bucket line holds 8 signatures and 8 expiries");

#define CACHE_LINE 64u
#define BUCKET_SHIFT 3 /* log2(SL_FLOW_BUCKET_SLOTS) */

struct flow_bucket {
	uint32_t sig[SL_FLOW_BUCKET_SLOTS];    /* 0 = free slot */
	uint32_t expire[SL_FLOW_BUCKET_SLOTS]; /* meaningful only when sig != 0 */
} __attribute__((aligned(CACHE_LINE)));

struct flow_slot {
	struct sl_flow_entry e;
} __attribute__((aligned(CACHE_LINE)));

struct sl_flow_table {
	struct flow_bucket *buckets;
	struct flow_slot *slots;   /* bucket b owns slots [b * 8, b * 8 + 8) */
	uint32_t mask;             /* buckets - 1 */
	uint32_t sweep_next;       /* next bucket sl_flow_sweep visits */
	struct sl_flow_stats stats;
} __attribute__((aligned(CACHE_LINE)));

_Static_assert(sizeof(struct flow_bucket) == CACHE_LINE, "bucket must be one cache line");
_Static_assert(sizeof(struct flow_slot) == CACHE_LINE, "slot must be one cache line");
_Static_assert(sizeof(struct sl_flow_table) == CACHE_LINE, "header is one line, shared by lookups and stats");

/*
 * The bucket index takes the hash's low bits, so every signature in a bucket
 * already agrees on them; what tells entries apart is the upper bits. Using
 * the whole hash (bit 0 forced on, which the index already fixes whenever
 * there are 2+ buckets) keeps exactly that information without a shift and
 * guarantees a nonzero signature, leaving 0 to mean "free".
 */
static inline uint32_t flow_sig(uint32_t hash)
{
	return hash | 1u;
}

/* Wrap-safe: valid while timeouts stay below 2^31 units (see sl_flow_sweep). */
static inline int flow_live(uint32_t expire, uint32_t now)
{
	return (int32_t)(expire - now) > 0;
}

/*
 * Bit i set when slot i's signature equals @sig. Compilers do not vectorise
 * the scalar loop (gcc 12 emits eight compare/set/shift triples), so x86
 * gets the two 128-bit compares by hand; other targets keep the loop.
 */
static inline uint32_t sig_match(const struct flow_bucket *b, uint32_t sig)
{
#ifdef __SSE2__
	const __m128i want = _mm_set1_epi32((int)sig);
	const __m128i lo = _mm_load_si128((const __m128i *)&b->sig[0]);
	const __m128i hi = _mm_load_si128((const __m128i *)&b->sig[4]);

	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, want))) |
	       (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, want))) << 4;
#else
	uint32_t m = 0;
	unsigned i;

	for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++)
		m |= (uint32_t)(b->sig[i] == sig) << i;
	return m;
#endif
}

/* memcpy keeps the word loads free of aliasing and alignment assumptions; it compiles to one load. */
static inline uint64_t load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline int key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	return ((load64(x) ^ load64(y)) | (load64(x + 8) ^ load64(y + 8)) |
		(load64(x + 16) ^ load64(y + 16)) | (load64(x + 24) ^ load64(y + 24)) |
		(load64(x + 32) ^ load64(y + 32))) == 0;
}

static inline struct flow_slot *slot_of(const struct sl_flow_table *t, uint32_t bucket, unsigned i)
{
	return &t->slots[((size_t)bucket << BUCKET_SHIFT) + i];
}

/* Slot index of @key in bucket @bi, or -1. Only signature matches touch a slot line. */
static inline int find_slot(const struct sl_flow_table *t, uint32_t bi, const struct sl_flow_key *key,
			    uint32_t sig)
{
	uint32_t m = sig_match(&t->buckets[bi], sig);

	while (m) {
		unsigned i = (unsigned)__builtin_ctz(m);

		if (key_eq(&slot_of(t, bi, i)->e.key, key))
			return (int)i;
		m &= m - 1;
	}
	return -1;
}

static uint64_t buckets_for(uint32_t entries)
{
	uint64_t want = ((uint64_t)entries + SL_FLOW_BUCKET_SLOTS - 1) >> BUCKET_SHIFT;
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
	return sizeof(struct sl_flow_table) + nb * sizeof(struct flow_bucket) +
	       (nb << BUCKET_SHIFT) * sizeof(struct flow_slot);
}

struct sl_flow_table *sl_flow_table_init(void *mem, uint32_t entries)
{
	size_t size = sl_flow_table_mem_size(entries);
	struct sl_flow_table *t = mem;
	uint64_t nb;

	if (!mem || size == 0 || ((uintptr_t)mem & (CACHE_LINE - 1)))
		return NULL;
	nb = buckets_for(entries);
	/* Slots are cleared too: not needed for correctness, but it faults every page in now. */
	memset(mem, 0, size);
	t->buckets = (struct flow_bucket *)(t + 1);
	t->slots = (struct flow_slot *)(t->buckets + nb);
	t->mask = (uint32_t)(nb - 1);
	t->sweep_next = 0;
	return t;
}

uint32_t sl_flow_table_capacity(const struct sl_flow_table *t)
{
	return (t->mask + 1) << BUCKET_SHIFT;
}

struct sl_flow_entry *sl_flow_lookup(struct sl_flow_table *t, const struct sl_flow_key *key,
				     uint32_t hash, uint32_t now, uint32_t timeout)
{
	uint32_t bi = hash & t->mask;
	struct flow_bucket *b = &t->buckets[bi];
	int i;

	t->stats.lookups++;
	i = find_slot(t, bi, key, flow_sig(hash));
	if (i < 0)
		return NULL;
	if (!flow_live(b->expire[i], now)) {
		b->sig[i] = 0;
		t->stats.expirations++;
		return NULL;
	}
	b->expire[i] = now + timeout;
	t->stats.hits++;
	return &slot_of(t, bi, (unsigned)i)->e;
}

/* Where a new key goes: a free slot, else an expired one, else the live entry closest to expiry. */
static unsigned pick_victim(struct sl_flow_table *t, const struct flow_bucket *b, uint32_t now)
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
	struct flow_bucket *b = &t->buckets[bi];
	struct sl_flow_entry *e;
	int i;

	t->stats.inserts++;
	i = find_slot(t, bi, key, flow_sig(hash));
	if (i >= 0) {
		e = &slot_of(t, bi, (unsigned)i)->e;
		if (!flow_live(b->expire[i], now)) {
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
	b->sig[i] = flow_sig(hash);
	b->expire[i] = now + timeout;
	e = &slot_of(t, bi, (unsigned)i)->e;
	e->key = *key;
	e->backend = 0;
	e->vip = 0;
	e->flags = 0;
	return e;
}

int sl_flow_delete(struct sl_flow_table *t, const struct sl_flow_key *key, uint32_t hash)
{
	uint32_t bi = hash & t->mask;
	int i = find_slot(t, bi, key, flow_sig(hash));

	if (i < 0)
		return 0;
	t->buckets[bi].sig[i] = 0;
	return 1;
}

void sl_flow_prefetch(const struct sl_flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->mask], 1, 3);
}

void sl_flow_prefetch_entry(const struct sl_flow_table *t, uint32_t hash)
{
	uint32_t bi = hash & t->mask;
	uint32_t m = sig_match(&t->buckets[bi], flow_sig(hash));

	while (m) {
		__builtin_prefetch(slot_of(t, bi, (unsigned)__builtin_ctz(m)), 0, 3);
		m &= m - 1;
	}
}

uint32_t sl_flow_sweep(struct sl_flow_table *t, uint32_t now, uint32_t n_buckets)
{
	uint32_t n, freed = 0;
	unsigned i;

	if (n_buckets > t->mask)
		n_buckets = t->mask + 1;
	for (n = 0; n < n_buckets; n++) {
		struct flow_bucket *b = &t->buckets[t->sweep_next];

		for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++) {
			if (b->sig[i] != 0 && !flow_live(b->expire[i], now)) {
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
			n += t->buckets[bi].sig[i] != 0 && flow_live(t->buckets[bi].expire[i], now);
	return n;
}

const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t)
{
	return &t->stats;
}
