/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The probe scheduler's timer queue: a binary min-heap of intrusive nodes
 * keyed by a monotonic deadline. Each target owns one node whose deadline is
 * either its next probe or the timeout of its probe in flight, so the
 * earliest thing to do is always the top. O(log n) add/remove/update.
 *
 * Thread safety: none; the owning prober's thread only.
 */
#ifndef SLUICE_PROBE_TIMER_H
#define SLUICE_PROBE_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_TIMER_NONE UINT32_MAX

struct sl_timer_node {
	uint64_t when;   /* deadline, microseconds on CLOCK_MONOTONIC */
	uint32_t idx;    /* heap position, SL_TIMER_NONE when not queued */
};

struct sl_timer_heap {
	struct sl_timer_node **v;
	uint32_t n, cap;
};

/* Mark @node as not queued; call once before its first use. */
static inline void sl_timer_node_init(struct sl_timer_node *node)
{
	node->when = 0;
	node->idx = SL_TIMER_NONE;
}

static inline bool sl_timer_queued(const struct sl_timer_node *node)
{
	return node->idx != SL_TIMER_NONE;
}

/* Queue @node at @when, or move it there if already queued. Returns 0 or -ENOMEM (node unchanged). */
int sl_timer_set(struct sl_timer_heap *h, struct sl_timer_node *node, uint64_t when);

/* Unqueue @node; a node that is not queued is ignored. */
void sl_timer_cancel(struct sl_timer_heap *h, struct sl_timer_node *node);

/* Earliest node, NULL if empty. */
static inline struct sl_timer_node *sl_timer_top(const struct sl_timer_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

/* Free the heap's array (nodes belong to their owners). */
void sl_timer_heap_free(struct sl_timer_heap *h);

#endif
