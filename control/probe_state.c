/* SPDX-License-Identifier: BSD-3-Clause */
#include "probe_state.h"

static uint32_t at_least_one(uint32_t v)
{
	return v ? v : 1;
}

void sl_probe_sm_init(struct sl_probe_sm *sm, uint32_t rise, uint32_t fall)
{
	*sm = (struct sl_probe_sm){ .up = true };
	sl_probe_sm_thresholds(sm, rise, fall);
}

void sl_probe_sm_thresholds(struct sl_probe_sm *sm, uint32_t rise, uint32_t fall)
{
	sm->rise = at_least_one(rise);
	sm->fall = at_least_one(fall);
}

/* Scaled by 8 so the 1/8 step keeps its fraction: integer division alone
 * would never let a small RTT change move the average. 64-bit intermediate:
 * a near-UINT32_MAX sample times 8 must not wrap. */
static void rtt_sample(struct sl_probe_sm *sm, uint32_t rtt_us)
{
	uint64_t s8;

	if (rtt_us == 0)
		rtt_us = 1; /* 0 means "no sample": a sub-microsecond RTT still counts */
	if (sm->srtt8 == 0)
		s8 = (uint64_t)rtt_us * 8;
	else
		s8 = (uint64_t)sm->srtt8 - sm->srtt8 / 8 + rtt_us;
	sm->srtt8 = s8 > UINT32_MAX ? UINT32_MAX : (uint32_t)s8;
}

bool sl_probe_sm_result(struct sl_probe_sm *sm, bool ok, uint32_t rtt_us)
{
	if (ok) {
		sm->n_ok++;
		sm->fail_run = 0;
		if (sm->ok_run < UINT32_MAX)
			sm->ok_run++;
		rtt_sample(sm, rtt_us);
		if (!sm->up && sm->ok_run >= sm->rise) {
			sm->up = true;
			return true;
		}
		return false;
	}
	sm->n_fail++;
	sm->ok_run = 0;
	if (sm->fail_run < UINT32_MAX)
		sm->fail_run++;
	if (sm->up && sm->fail_run >= sm->fall) {
		sm->up = false;
		return true;
	}
	return false;
}

bool sl_probe_sm_force(struct sl_probe_sm *sm, bool up)
{
	bool changed = sm->up != up;

	sm->up = up;
	sm->ok_run = 0;
	sm->fail_run = 0;
	return changed;
}
