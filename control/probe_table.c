/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend id -> target: a chained hash that doubles past one target per bucket. */
#include <errno.h>
#include <stdlib.h>

#include "probe_internal.h"

static uint32_t bucket_of(uint32_t id, uint32_t n_buckets)
{
	/* Ids are small and dense; multiplying spreads them over the high bits
	 * that the power-of-two mask keeps. */
	return (uint32_t)(((uint64_t)id * 0x9E3779B1u) >> 7) & (n_buckets - 1);
}

struct sl_probe_target *sl_probe_table_find(const struct sl_prober *p, uint32_t id)
{
	struct sl_probe_target *t;

	if (!p->n_buckets)
		return NULL;
	for (t = p->buckets[bucket_of(id, p->n_buckets)]; t; t = t->hnext)
		if (t->id == id)
			return t;
	return NULL;
}

static int grow(struct sl_prober *p)
{
	uint32_t n = p->n_buckets ? p->n_buckets * 2 : 64;
	struct sl_probe_target **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->n_buckets; i++) {
		struct sl_probe_target *t = p->buckets[i], *next;

		for (; t; t = next) {
			uint32_t k = bucket_of(t->id, n);

			next = t->hnext;
			t->hnext = b[k];
			b[k] = t;
		}
	}
	free(p->buckets);
	p->buckets = b;
	p->n_buckets = n;
	return 0;
}

int sl_probe_table_add(struct sl_prober *p, struct sl_probe_target *t)
{
	uint32_t k;

	if (p->n_targets >= p->n_buckets) {
		int rc = grow(p);

		/* A full table still works, only slower: fail only if there is none. */
		if (rc && !p->n_buckets)
			return rc;
	}
	k = bucket_of(t->id, p->n_buckets);
	t->hnext = p->buckets[k];
	p->buckets[k] = t;
	p->n_targets++;
	return 0;
}

void sl_probe_table_del(struct sl_prober *p, struct sl_probe_target *t)
{
	struct sl_probe_target **pp;

	if (!p->n_buckets)
		return;
	for (pp = &p->buckets[bucket_of(t->id, p->n_buckets)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == t) {
			*pp = t->hnext;
			t->hnext = NULL;
			p->n_targets--;
			return;
		}
	}
}
