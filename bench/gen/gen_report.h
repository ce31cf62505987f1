/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's report, as text or one JSON object. No DPDK. */
#ifndef SLUICE_GEN_REPORT_H
#define SLUICE_GEN_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "gen_account.h"
#include "gen_opts.h"

struct gen_result {
	double   seconds;   /* measured interval (tx start to tx end) */
	uint64_t tx;        /* packets the port accepted */
	uint64_t tx_full;   /* packets the port refused (tx ring full), not in tx */
	uint64_t rx;        /* every packet received, ours or not, incl. the drain period */
	int      hugepages; /* 0 when EAL ran with --no-huge */
};

/*
 * Print @r and @a (summarized here) for run options @o to @f: text, or one
 * JSON object followed by a newline when o->json. Backends print as
 * "gue:198.18.0.11", "l2dsr:02:00:00:00:00:11", "plain:<mac>".
 * Returns 0, or -EIO if writing failed. Not thread-safe (stdio).
 */
int gen_report_print(FILE *f, const struct gen_opts *o, const struct gen_result *r, const struct gen_acct *a);

/*
 * Format backend @b as "kind:address" into @buf (@len bytes, at least 64).
 * Returns @buf. Thread-safe.
 */
char *gen_backend_str(const struct gen_backend *b, char *buf, size_t len);

#endif
