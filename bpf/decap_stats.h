/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading and printing the decap program's counters.
 * Error convention: negative errno. Not thread-safe (one command per process).
 */
#ifndef SLUICE_DECAP_STATS_H
#define SLUICE_DECAP_STATS_H

#include <stdio.h>

#include "decap_link.h"
#include "decap_shared.h"

/* Stable snake_case name of a counter (as in stats output); NULL if out of range. */
const char *sl_decap_counter_name(unsigned int c);

/*
 * Sum the per-CPU counter array @cnt_fd into @out[SL_DECAP_C__MAX].
 * Returns 0, or -errno from the map lookup (-ENOMEM if the CPU count is unknown).
 */
int sl_decap_stats_read(int cnt_fd, struct sl_decap_count *out);

/*
 * Print what is attached to @ifname (@h from sl_decap_find): program id, mode,
 * knobs, decap addresses and every counter, as text or (@json non-zero) one
 * JSON object. Returns 0 or -errno.
 */
int sl_decap_stats_print(FILE *f, const char *ifname, const struct sl_decap_handle *h, int json);

#endif
