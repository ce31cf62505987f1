/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_account.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_flow.h"

int gen_acct_init(struct gen_acct *a, uint32_t n_flows)
{
	if (!a || n_flows == 0 || n_flows > GEN_MAX_FLOWS)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->flow_be = calloc(n_flows, 1);
	if (!a->flow_be)
		return -ENOMEM;
	a->n_flows = n_flows;
	return 0;
}

void gen_acct_fini(struct gen_acct *a)
{
	if (!a)
		return;
	free(a->flow_be);
	a->flow_be = NULL;
	a->n_flows = 0;
}

void gen_acct_reset_pkts(struct gen_acct *a)
{
	uint32_t i;

	for (i = 0; i < a->n_backends; i++)
		a->be[i].pkts = 0;
	a->rx_ours = a->rx_foreign = a->rx_bad = a->rx_overflow = 0;
}

static int backend_index(struct gen_acct *a, const struct gen_rx *r)
{
	uint32_t i;

	/* A handful of backends: a linear scan beats hashing. */
	for (i = 0; i < a->n_backends; i++)
		if (a->be[i].kind == r->kind && memcmp(a->be[i].key, r->backend, 16) == 0)
			return (int)i;
	if (a->n_backends == GEN_MAX_BACKENDS)
		return -ENOSPC;
	a->be[i].kind = r->kind;
	memcpy(a->be[i].key, r->backend, 16);
	a->be[i].pkts = 0;
	a->n_backends++;
	return (int)i;
}

int gen_acct_record(struct gen_acct *a, const struct gen_rx *r)
{
	uint8_t *slot;
	int bi;

	if (r->flow >= a->n_flows)
		return -ERANGE;
	bi = backend_index(a, r);
	if (bi < 0) {
		a->rx_overflow++;
		return bi;
	}
	a->rx_ours++;
	a->be[bi].pkts++;
	slot = &a->flow_be[r->flow];
	if (*slot == 0)
		*slot = (uint8_t)(bi + 1);
	else if ((*slot & ~GEN_FLOW_SPLIT) != (unsigned)bi + 1)
		*slot |= GEN_FLOW_SPLIT;
	return bi;
}

void gen_acct_record_error(struct gen_acct *a, int decode_rc)
{
	if (decode_rc == -ENOENT)
		a->rx_foreign++;
	else
		a->rx_bad++;
}

void gen_acct_summarize(const struct gen_acct *a, struct gen_acct_summary *s)
{
	uint32_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < a->n_flows; i++) {
		uint8_t v = a->flow_be[i];

		if (v == 0)
			continue;
		s->flows_seen++;
		if (v & GEN_FLOW_SPLIT)
			s->flows_split++;
		s->flows_per_be[(v & ~GEN_FLOW_SPLIT) - 1]++;
	}
}

uint64_t gen_loss(uint64_t tx, uint64_t rx, double *ratio)
{
	uint64_t lost = tx > rx ? tx - rx : 0;

	if (ratio)
		*ratio = tx ? (double)lost / (double)tx : 0.0;
	return lost;
}
