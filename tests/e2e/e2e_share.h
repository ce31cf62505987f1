/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How a load balancer spread connections, and whether that matches the
 * configured weights: a per-backend tally of connections plus the
 * `--expect-weights be1=100,be2=100,be3=200 --tolerance 0.05` check of
 * sl_client. Plain data, no I/O, so the unit test can drive it with made-up
 * counts.
 */
#ifndef SLUICE_E2E_SHARE_H
#define SLUICE_E2E_SHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "e2e_line.h"

#define E2E_MAX_BACKENDS 32

struct e2e_tally {
	unsigned n;
	struct {
		char name[E2E_WORD_MAX + 1];
		uint64_t count;
	} b[E2E_MAX_BACKENDS];
};

struct e2e_weights {
	unsigned n;
	double sum;
	struct {
		char name[E2E_WORD_MAX + 1];
		double weight;
	} w[E2E_MAX_BACKENDS];
};

/* One backend's line of the check: shares are fractions in [0, 1]. */
struct e2e_share_result {
	char name[E2E_WORD_MAX + 1];
	double expected;   /* weight / sum of weights; 0 for an unlisted backend */
	double observed;   /* connections / all tallied connections */
	double deviation;  /* |observed - expected| */
	bool listed;       /* named in the weights */
	bool ok;           /* listed and deviation <= tolerance */
};

/* Empty @t. Not thread-safe (one tally per client). */
void e2e_tally_init(struct e2e_tally *t);

/*
 * Count one connection for backend @name (first sighting adds it).
 * Returns 0, -EINVAL for a name e2e_word_valid() refuses, -ENOSPC when
 * E2E_MAX_BACKENDS distinct names are already tallied.
 */
int e2e_tally_add(struct e2e_tally *t, const char *name);

/* Sum of all counts. Pure. */
uint64_t e2e_tally_total(const struct e2e_tally *t);

/*
 * Parse "name=weight[,name=weight...]" into @w. Weights are finite numbers
 * >= 0 (0: a drained backend that should get nothing); names are distinct
 * e2e words without '=' or ','.
 * Returns 0; -EINVAL for a syntax error, bad name, negative/non-finite
 * weight, duplicate name, or weights summing to 0; -E2BIG for more than
 * E2E_MAX_BACKENDS entries. @w is unspecified after an error. Pure.
 */
int e2e_weights_parse(const char *spec, struct e2e_weights *w);

/*
 * Compare the observed shares of @t with the weight shares of @w: a listed
 * backend passes when |observed - expected| <= @tol (absolute share, so 0.05
 * means five percentage points); a backend that answered but is not listed
 * always fails, however few connections it got. One result per backend
 * (listed ones first, in spec order, then unlisted ones) goes to @out, which
 * must hold 2 * E2E_MAX_BACKENDS entries; *@nout gets the count.
 * Returns 0 when every result is ok, -ERANGE when one is not, -ENODATA when
 * @t is empty (nothing to judge), -EINVAL for a @tol outside [0, 1] or NaN.
 * Pure.
 */
int e2e_share_check(const struct e2e_weights *w, const struct e2e_tally *t, double tol,
		    struct e2e_share_result *out, unsigned *nout);

#endif
