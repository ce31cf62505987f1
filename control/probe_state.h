/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rise/fall state machine and RTT EWMA of one probe target: pure logic,
 * no sockets or clocks, so every sequence can be unit-tested.
 *
 * Thread safety: none needed; each struct belongs to one target.
 */
#ifndef SLUICE_PROBE_STATE_H
#define SLUICE_PROBE_STATE_H

#include <stdbool.h>
#include <stdint.h>

struct sl_probe_sm {
	bool     up;
	uint32_t rise, fall;      /* thresholds, >= 1 */
	uint32_t ok_run, fail_run;
	uint64_t n_ok, n_fail;
	uint32_t srtt8;           /* smoothed RTT scaled by 8 (TCP-style), 0 = no sample yet */
};

/* Start UP with zero counters and no RTT; @rise/@fall below 1 are taken as 1. */
void sl_probe_sm_init(struct sl_probe_sm *sm, uint32_t rise, uint32_t fall);

/*
 * Record one probe result (a timeout is a failure). A success also feeds
 * @rtt_us into the EWMA (alpha 1/8). Returns true if the result flipped
 * the state (UP after `rise` successes in a row while DOWN, DOWN after
 * `fall` failures in a row while UP).
 */
bool sl_probe_sm_result(struct sl_probe_sm *sm, bool ok, uint32_t rtt_us);

/* Change thresholds, keeping state and runs; the next result applies them. Values below 1 are taken as 1. */
void sl_probe_sm_thresholds(struct sl_probe_sm *sm, uint32_t rise, uint32_t fall);

/* Force the state (health off/on) and clear the runs; returns true if it changed. */
bool sl_probe_sm_force(struct sl_probe_sm *sm, bool up);

/* Smoothed RTT in microseconds, 0 = no successful probe yet. */
static inline uint32_t sl_probe_sm_rtt(const struct sl_probe_sm *sm)
{
	return (uint32_t)(((uint64_t)sm->srtt8 + 4) / 8);
}

#endif
