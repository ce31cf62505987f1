/* SPDX-License-Identifier: BSD-3-Clause */
#include "probe_timer.h"

#include <errno.h>
#include <stdlib.h>

static void place(struct sl_timer_heap *h, uint32_t i, struct sl_timer_node *node)
{
	h->v[i] = node;
	node->idx = i;
}

static void sift_up(struct sl_timer_heap *h, uint32_t i)
{
	struct sl_timer_node *node = h->v[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (h->v[parent]->when <= node->when)
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, node);
}

static void sift_down(struct sl_timer_heap *h, uint32_t i)
{
	struct sl_timer_node *node = h->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->when < h->v[c]->when)
			c++;
		if (node->when <= h->v[c]->when)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, node);
}

int sl_timer_set(struct sl_timer_heap *h, struct sl_timer_node *node, uint64_t when)
{
	if (sl_timer_queued(node)) {
		node->when = when;
		sift_up(h, node->idx);
		sift_down(h, node->idx);
		return 0;
	}
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct sl_timer_node **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	node->when = when;
	place(h, h->n++, node);
	sift_up(h, node->idx);
	return 0;
}

void sl_timer_cancel(struct sl_timer_heap *h, struct sl_timer_node *node)
{
	struct sl_timer_node *moved;
	uint32_t i = node->idx;

	if (i == SL_TIMER_NONE || i >= h->n || h->v[i] != node)
		return;
	node->idx = SL_TIMER_NONE;
	if (i == --h->n)
		return;
	moved = h->v[h->n];
	place(h, i, moved);
	sift_up(h, i);
	sift_down(h, moved->idx);
}

void sl_timer_heap_free(struct sl_timer_heap *h)
{
	free(h->v);
	*h = (struct sl_timer_heap){ 0 };
}
