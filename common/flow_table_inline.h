/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table's layout and its per-packet operations as static inline
 * functions, for the DPDK worker: sl_flow_lookup and the two prefetch
 * stages are a few instructions each, and out-of-line calls to them cost
 * the worker as much as their bodies (three calls per packet). Same
 * contracts as their flow_table.h counterparts, which are these functions
 * compiled once. Everyone but the worker's hot loop uses flow_table.h.
 *
 * Memory layout, all in the caller's block:
 *   [table header: 1 line][buckets: 1 line each][slots: 1 line per entry]
 * A bucket line holds the 8 signatures and the 8 expiry times, so deciding
 * "miss", "which slot" and "expired?" needs that line alone; only a
 * signature match reads the slot line holding the full key. Slots are padded
 * from 48 to 64 bytes: a 48-byte stride would leave half the entries
 * straddling two lines, making a hit cost three misses instead of two.
 */
#ifndef SLUICE_FLOW_TABLE_INLINE_H
#define SLUICE_FLOW_TABLE_INLINE_H

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "flow_table.h"

_Static_assert(sizeof(struct sl_flow_key) == 40, "keys are compared as five 64-bit words");
_Static_assert(SL_FLOW_BUCKET_SLOTS == 8, "a bucket line holds 8 signatures and 8 expiries");

#define SL_FT_LINE 64u
#define SL_FT_BUCKET_SHIFT 3 /* log2(SL_FLOW_BUCKET_SLOTS) */

struct sl_flow_bucket {
	uint32_t sig[SL_FLOW_BUCKET_SLOTS];    /* 0 = free slot */
	uint32_t expire[SL_FLOW_BUCKET_SLOTS]; /* meaningful only when sig != 0 */
} __attribute__((aligned(SL_FT_LINE)));

struct sl_flow_slot {
	struct sl_flow_entry e;
} __attribute__((aligned(SL_FT_LINE)));

struct sl_flow_table {
	struct sl_flow_bucket *buckets;
	struct sl_flow_slot *slots;   /* bucket b owns slots [b * 8, b * 8 + 8) */
	uint32_t mask;             /* buckets - 1 */
	uint32_t sweep_next;       /* next bucket sl_flow_sweep visits */
	struct sl_flow_stats stats;
} __attribute__((aligned(SL_FT_LINE)));

_Static_assert(sizeof(struct sl_flow_bucket) == SL_FT_LINE, "bucket must be one cache line");
_Static_assert(sizeof(struct sl_flow_slot) == SL_FT_LINE, "slot must be one cache line");
_Static_assert(sizeof(struct sl_flow_table) == SL_FT_LINE, "header is one line, shared by lookups and stats");

/*
 * The bucket index takes the hash's low bits, so every signature in a bucket
 * already agrees on them; what tells entries apart is the upper bits. Using
 * the whole hash (bit 0 forced on, which the index already fixes whenever
 * there are 2+ buckets) keeps exactly that information without a shift and
 * guarantees a nonzero signature, leaving 0 to mean "free".
 */
static inline uint32_t sl_ft_sig(uint32_t hash)
{
	return hash | 1u;
}

/* Wrap-safe: valid while timeouts stay below 2^31 units (see sl_flow_sweep). */
static inline int sl_ft_live(uint32_t expire, uint32_t now)
{
	return (int32_t)(expire - now) > 0;
}

/*
 * Bit i set when slot i's signature equals @sig. Compilers do not vectorise
 * the scalar loop (gcc 12 emits eight compare/set/shift triples), so x86
 * gets the two 128-bit compares by hand; other targets keep the loop.
 */
static inline uint32_t sl_ft_sig_match(const struct sl_flow_bucket *b, uint32_t sig)
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
static inline uint64_t sl_ft_load64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline int sl_ft_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	return ((sl_ft_load64(x) ^ sl_ft_load64(y)) | (sl_ft_load64(x + 8) ^ sl_ft_load64(y + 8)) |
		(sl_ft_load64(x + 16) ^ sl_ft_load64(y + 16)) | (sl_ft_load64(x + 24) ^ sl_ft_load64(y + 24)) |
		(sl_ft_load64(x + 32) ^ sl_ft_load64(y + 32))) == 0;
}

static inline struct sl_flow_slot *sl_ft_slot(const struct sl_flow_table *t, uint32_t bucket, unsigned i)
{
	return &t->slots[((size_t)bucket << SL_FT_BUCKET_SHIFT) + i];
}

/* Slot index of @key in bucket @bi, or -1. Only signature matches touch a slot line. */
static inline int sl_ft_find_slot(const struct sl_flow_table *t, uint32_t bi, const struct sl_flow_key *key,
			    uint32_t sig)
{
	uint32_t m = sl_ft_sig_match(&t->buckets[bi], sig);

	while (m) {
		unsigned i = (unsigned)__builtin_ctz(m);

		if (sl_ft_key_eq(&sl_ft_slot(t, bi, i)->e.key, key))
			return (int)i;
		m &= m - 1;
	}
	return -1;
}

/* sl_flow_lookup (flow_table.h), inline. */
static inline struct sl_flow_entry *sl_flow_lookup_inline(struct sl_flow_table *t, const struct sl_flow_key *key,
							  uint32_t hash, uint32_t now, uint32_t timeout)
{
	uint32_t bi = hash & t->mask;
	struct sl_flow_bucket *b = &t->buckets[bi];
	int i;

	t->stats.lookups++;
	i = sl_ft_find_slot(t, bi, key, sl_ft_sig(hash));
	if (i < 0)
		return NULL;
	if (!sl_ft_live(b->expire[i], now)) {
		b->sig[i] = 0;
		t->stats.expirations++;
		return NULL;
	}
	b->expire[i] = now + timeout;
	t->stats.hits++;
	return &sl_ft_slot(t, bi, (unsigned)i)->e;
}

/*
 * A prefetch the compiler must keep. gcc deletes a loop whose body is only
 * __builtin_prefetch calls (it counts them as side-effect free), which is
 * exactly the shape of the worker's entry-prefetch pass once inlined.
 */
static inline void sl_ft_prefetch(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %0" : : "m"(*(const volatile char *)p));
#else
	__builtin_prefetch(p, 0, 3);
#endif
}

/* sl_flow_prefetch (flow_table.h), inline. */
static inline void sl_flow_prefetch_inline(const struct sl_flow_table *t, uint32_t hash)
{
	sl_ft_prefetch(&t->buckets[hash & t->mask]);
}

/* sl_flow_prefetch_entry (flow_table.h), inline. */
static inline void sl_flow_prefetch_entry_inline(const struct sl_flow_table *t, uint32_t hash)
{
	uint32_t bi = hash & t->mask;
	uint32_t m = sl_ft_sig_match(&t->buckets[bi], sl_ft_sig(hash));

	while (m) {
		sl_ft_prefetch(sl_ft_slot(t, bi, (unsigned)__builtin_ctz(m)));
		m &= m - 1;
	}
}

#endif
