/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted Maglev table builder.
 *
 * Backends take turns, in identity order, claiming the next free slot of
 * their own permutation of [0, m). A turn hands out credit equal to the
 * backend's weight and a backend claims one slot per max_weight of credit,
 * so the heaviest backends claim once per round and the others in
 * proportion. Identity order (not caller order) makes the table a function of
 * the backend set alone, which is what lets every node agree on it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

/*
 * Seeds of the two permutation hashes. Part of the table's definition like
 * SL_FLOW_HASH_SEED: changing either reshuffles every table of the fleet.
 */
#define SL_MAGLEV_SEED_OFFSET 0x6d61676cu /* "magl" */
#define SL_MAGLEV_SEED_SKIP   0x65762131u /* "ev!1" */

/* One backend's place in the round-robin, kept small so a round stays in L1. */
struct maglev_turn {
	uint32_t pos;    /* next candidate slot of this backend's permutation */
	uint32_t skip;   /* permutation stride, in [1, m) */
	uint32_t weight;
	uint32_t credit; /* stays < max_weight between turns */
	uint32_t index;  /* position in the caller's array: what the table stores */
};

#define SCRATCH_ALIGN 8u

static size_t align_up(size_t x)
{
	return (x + SCRATCH_ALIGN - 1) & ~(size_t)(SCRATCH_ALIGN - 1);
}

static size_t bitmap_bytes(uint32_t m)
{
	return ((size_t)m + 63) / 64 * sizeof(uint64_t);
}

int sl_is_prime(uint32_t m)
{
	uint32_t d;

	if (m < 2)
		return 0;
	if (m % 2 == 0)
		return m == 2;
	/* d <= m / d instead of d * d <= m: no overflow near UINT32_MAX. */
	for (d = 3; d <= m / d; d += 2)
		if (m % d == 0)
			return 0;
	return 1;
}

size_t sl_maglev_scratch_size(uint32_t n, uint32_t m)
{
	/* Leading slack lets the caller pass memory of any alignment. */
	return SCRATCH_ALIGN - 1 + align_up((size_t)n * sizeof(const struct sl_maglev_backend *)) +
	       align_up((size_t)n * sizeof(struct maglev_turn)) + bitmap_bytes(m);
}

static int cmp_backend_id(const void *a, const void *b)
{
	const struct sl_maglev_backend *x = *(const struct sl_maglev_backend *const *)a;
	const struct sl_maglev_backend *y = *(const struct sl_maglev_backend *const *)b;

	return memcmp(x->id, y->id, sizeof(x->id));
}

/*
 * Next position of a permutation: pos + skip, wrapped into [0, m) by one
 * subtraction rather than a modulo per step (identical tables). 64-bit so
 * pos + skip cannot overflow for any 32-bit m. The wrap is taken at random
 * (probability skip/m), so a conditional move beats a branch: gcc emits one
 * for this select (0.95 ms at N=1000, M=65537); an explicit arithmetic mask
 * measured slower under gcc (1.5 ms) and no faster under clang 14, which
 * keeps a branch here either way (~1.2 ms).
 */
static inline uint64_t perm_next(uint64_t pos, uint64_t skip, uint64_t m)
{
	pos += skip;
	return pos >= m ? pos - m : pos;
}

/* Claim the first free slot of @t's permutation for @t. A free slot always
 * exists when called (the caller counts fills), and every permutation visits
 * all m slots because m is prime, so the walk terminates. */
static inline void claim_slot(struct maglev_turn *t, uint64_t m, uint64_t *taken, uint32_t *table)
{
	uint64_t pos = t->pos;
	uint64_t skip = t->skip;

	while (taken[pos >> 6] & (1ull << (pos & 63)))
		pos = perm_next(pos, skip, m);
	taken[pos >> 6] |= 1ull << (pos & 63);
	table[pos] = t->index;
	t->pos = (uint32_t)perm_next(pos, skip, m);
}

static void fill_table(struct maglev_turn *turns, uint32_t nt, uint32_t max_w, uint32_t m,
		       uint64_t *taken, uint32_t *table)
{
	uint32_t filled = 0, i;

	/* Each round fills at least one slot (the heaviest backend claims every
	 * round), so this ends after at most m rounds. */
	for (;;) {
		for (i = 0; i < nt; i++) {
			struct maglev_turn *t = &turns[i];

			t->credit += t->weight;
			while (t->credit >= max_w) {
				t->credit -= max_w;
				claim_slot(t, m, taken, table);
				if (++filled == m)
					return;
			}
		}
	}
}

int sl_maglev_build_scratch(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
			    uint32_t *table, void *scratch, size_t scratch_len)
{
	const struct sl_maglev_backend **sorted;
	struct maglev_turn *turns;
	uint64_t *taken;
	uintptr_t base;
	uint32_t i, nt = 0, max_w = 0;

	if (!table || (n > 0 && !b) || !sl_is_prime(m))
		return -EINVAL;
	if (!scratch || scratch_len < sl_maglev_scratch_size(n, m))
		return -ENOSPC;

	base = align_up((uintptr_t)scratch);
	sorted = (const struct sl_maglev_backend **)base;
	turns = (struct maglev_turn *)(base + align_up((size_t)n * sizeof(*sorted)));
	taken = (uint64_t *)((uintptr_t)turns + align_up((size_t)n * sizeof(*turns)));

	for (i = 0; i < n; i++) {
		if (b[i].weight > SL_MAGLEV_MAX_WEIGHT)
			return -EINVAL;
		if (b[i].weight > max_w)
			max_w = b[i].weight;
		sorted[i] = &b[i];
	}
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), cmp_backend_id);
	for (i = 1; i < n; i++)
		if (memcmp(sorted[i - 1]->id, sorted[i]->id, sizeof(sorted[i]->id)) == 0)
			return -EINVAL;

	/* With any weight > 0 the fill below writes every slot itself. */
	if (max_w == 0) {
		for (i = 0; i < m; i++)
			table[i] = SL_MAGLEV_EMPTY;
		return 0;
	}

	/* Drained backends get no turn at all: a weight-0 backend then leaves
	 * exactly the table its removal would (while the maximum weight is
	 * unchanged), so draining before removal moves nothing twice. */
	for (i = 0; i < n; i++) {
		const struct sl_maglev_backend *s = sorted[i];

		if (s->weight == 0)
			continue;
		turns[nt].pos = sl_hash_bytes(s->id, sizeof(s->id), SL_MAGLEV_SEED_OFFSET) % m;
		/* m == 2 gives skip 1, still a full permutation. */
		turns[nt].skip = sl_hash_bytes(s->id, sizeof(s->id), SL_MAGLEV_SEED_SKIP) % (m - 1) + 1;
		turns[nt].weight = s->weight;
		turns[nt].credit = 0;
		turns[nt].index = (uint32_t)(s - b);
		nt++;
	}

	memset(taken, 0, bitmap_bytes(m));
	fill_table(turns, nt, max_w, m, taken, table);
	return 0;
}

int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m, uint32_t *table)
{
	size_t len;
	void *scratch;
	int rc;

	/* Argument errors first so they are reported as -EINVAL, never -ENOMEM. */
	if (!table || (n > 0 && !b) || !sl_is_prime(m))
		return -EINVAL;
	len = sl_maglev_scratch_size(n, m);
	scratch = malloc(len);
	if (!scratch)
		return -ENOMEM;
	rc = sl_maglev_build_scratch(b, n, m, table, scratch, len);
	free(scratch);
	return rc;
}
