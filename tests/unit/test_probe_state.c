/* SPDX-License-Identifier: BSD-3-Clause */
/* Pure tests: the rise/fall state machine, the RTT EWMA and the timer heap. */
#include <stdlib.h>

#include "cunit_main.h"
#include "probe_state.h"
#include "probe_timer.h"

/* Feed a string of results ('+' ok, '-' fail); return the state after each as a string of 'U'/'D'. */
static void run(struct sl_probe_sm *sm, const char *seq, char *out)
{
	for (; *seq; seq++)
		*out++ = (sl_probe_sm_result(sm, *seq == '+', 100), sm->up ? 'U' : 'D');
	*out = '\0';
}

static void test_starts_up_and_falls_after_fall(void)
{
	struct sl_probe_sm sm;
	char out[32];

	sl_probe_sm_init(&sm, 2, 3);
	CU_ASSERT(sm.up);
	CU_ASSERT_EQUAL(sl_probe_sm_rtt(&sm), 0);
	run(&sm, "--+---", out);
	CU_ASSERT_STRING_EQUAL(out, "UUUUUD");
	CU_ASSERT_EQUAL(sm.fail_run, 3);
	CU_ASSERT_EQUAL(sm.n_fail, 5);
	CU_ASSERT_EQUAL(sm.n_ok, 1);
}

static void test_change_reported_once(void)
{
	struct sl_probe_sm sm;
	int changes = 0;

	sl_probe_sm_init(&sm, 2, 2);
	for (int i = 0; i < 10; i++)
		changes += sl_probe_sm_result(&sm, false, 0);
	CU_ASSERT_EQUAL(changes, 1);
	for (int i = 0; i < 10; i++)
		changes += sl_probe_sm_result(&sm, true, 10);
	CU_ASSERT_EQUAL(changes, 2);
	CU_ASSERT(sm.up);
}

static void test_rise_needs_consecutive_successes(void)
{
	struct sl_probe_sm sm;
	char out[32];

	sl_probe_sm_init(&sm, 3, 1);
	run(&sm, "-++-++++", out);
	CU_ASSERT_STRING_EQUAL(out, "DDDDDDUU");
	CU_ASSERT_EQUAL(sm.ok_run, 4);
}

static void test_flapping_never_changes_state(void)
{
	struct sl_probe_sm sm;
	char out[64];

	sl_probe_sm_init(&sm, 2, 2);
	run(&sm, "-+-+-+-+-+-+-+-+-+-+", out);
	CU_ASSERT_STRING_EQUAL(out, "UUUUUUUUUUUUUUUUUUUU");
	run(&sm, "--", out);
	CU_ASSERT_STRING_EQUAL(out, "UD");
	run(&sm, "+-+-+-+-+-", out);
	CU_ASSERT_STRING_EQUAL(out, "DDDDDDDDDD");
}

static void test_timeouts_count_as_failures(void)
{
	struct sl_probe_sm sm;

	/* The prober reports a timeout as a failed result, whatever its duration. */
	sl_probe_sm_init(&sm, 1, 2);
	CU_ASSERT_FALSE(sl_probe_sm_result(&sm, false, 1000000));
	CU_ASSERT_TRUE(sl_probe_sm_result(&sm, false, 1000000));
	CU_ASSERT_EQUAL(sl_probe_sm_rtt(&sm), 0); /* failures never feed the RTT */
}

static void test_zero_thresholds_mean_one(void)
{
	struct sl_probe_sm sm;

	sl_probe_sm_init(&sm, 0, 0);
	CU_ASSERT_TRUE(sl_probe_sm_result(&sm, false, 0));
	CU_ASSERT_TRUE(sl_probe_sm_result(&sm, true, 0));
	sl_probe_sm_thresholds(&sm, 0, 5);
	CU_ASSERT_EQUAL(sm.rise, 1);
	CU_ASSERT_EQUAL(sm.fall, 5);
}

static void test_force_clears_runs(void)
{
	struct sl_probe_sm sm;

	sl_probe_sm_init(&sm, 2, 1);
	sl_probe_sm_result(&sm, false, 0);
	CU_ASSERT_FALSE(sm.up);
	CU_ASSERT_TRUE(sl_probe_sm_force(&sm, true));
	CU_ASSERT_FALSE(sl_probe_sm_force(&sm, true));
	CU_ASSERT(sm.up);
	CU_ASSERT_EQUAL(sm.fail_run, 0);
	CU_ASSERT_EQUAL(sm.n_fail, 1); /* totals survive */
}

static void test_threshold_change_applies_next_result(void)
{
	struct sl_probe_sm sm;

	sl_probe_sm_init(&sm, 2, 5);
	sl_probe_sm_result(&sm, false, 0);
	sl_probe_sm_result(&sm, false, 0);
	sl_probe_sm_thresholds(&sm, 2, 2);
	CU_ASSERT(sm.up); /* not retroactive */
	CU_ASSERT_TRUE(sl_probe_sm_result(&sm, false, 0));
}

static void test_rtt_ewma(void)
{
	struct sl_probe_sm sm;

	sl_probe_sm_init(&sm, 1, 1);
	sl_probe_sm_result(&sm, true, 1000);
	CU_ASSERT_EQUAL(sl_probe_sm_rtt(&sm), 1000); /* first sample taken whole */
	sl_probe_sm_result(&sm, true, 2000);
	CU_ASSERT_EQUAL(sl_probe_sm_rtt(&sm), 1125); /* 1000 + (2000 - 1000) / 8 */
	sl_probe_sm_result(&sm, false, 999999);
	CU_ASSERT_EQUAL(sl_probe_sm_rtt(&sm), 1125);
	for (int i = 0; i < 100; i++)
		sl_probe_sm_result(&sm, true, 2000);
	CU_ASSERT(sl_probe_sm_rtt(&sm) >= 1995 && sl_probe_sm_rtt(&sm) <= 2000);
	/* Small steps must move it: 7 us below the average (integer steps of
	 * 1/8 would stall at 107; scaled by 8 it ends within a microsecond). */
	sl_probe_sm_init(&sm, 1, 1);
	sl_probe_sm_result(&sm, true, 107);
	for (int i = 0; i < 60; i++)
		sl_probe_sm_result(&sm, true, 100);
	CU_ASSERT(sl_probe_sm_rtt(&sm) >= 100 && sl_probe_sm_rtt(&sm) <= 101);
}

static void test_rtt_hostile_samples(void)
{
	struct sl_probe_sm sm;
	uint32_t prev;

	sl_probe_sm_init(&sm, 1, 1);
	sl_probe_sm_result(&sm, true, 0);
	CU_ASSERT(sl_probe_sm_rtt(&sm) > 0 && sl_probe_sm_rtt(&sm) <= 1); /* 0 is "unknown": never reported for a success */
	for (int i = 0; i < 50; i++)
		sl_probe_sm_result(&sm, true, UINT32_MAX);
	prev = sl_probe_sm_rtt(&sm);
	CU_ASSERT(prev >= UINT32_MAX / 8 - 1); /* saturated, not wrapped to a small value */
	sl_probe_sm_result(&sm, true, 10);
	CU_ASSERT(sl_probe_sm_rtt(&sm) < prev);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define N_NODES 1000

static void test_timer_heap_order(void)
{
	static struct sl_timer_node nodes[N_NODES];
	struct sl_timer_heap h = { 0 };
	uint64_t want[N_NODES];
	uint32_t n_want = 0;

	srand(7);
	for (int i = 0; i < N_NODES; i++) {
		sl_timer_node_init(&nodes[i]);
		CU_ASSERT_FATAL(sl_timer_set(&h, &nodes[i], (uint64_t)(rand() % 5000)) == 0);
	}
	/* Move every third, cancel every fifth (twice: the second is a no-op). */
	for (int i = 0; i < N_NODES; i += 3)
		sl_timer_set(&h, &nodes[i], (uint64_t)(rand() % 5000));
	for (int i = 0; i < N_NODES; i += 5) {
		sl_timer_cancel(&h, &nodes[i]);
		sl_timer_cancel(&h, &nodes[i]);
		CU_ASSERT_FALSE(sl_timer_queued(&nodes[i]));
	}
	for (int i = 0; i < N_NODES; i++)
		if (sl_timer_queued(&nodes[i]))
			want[n_want++] = nodes[i].when;
	CU_ASSERT_EQUAL(n_want, h.n);
	qsort(want, n_want, sizeof(want[0]), cmp_u64);
	for (uint32_t i = 0; i < n_want; i++) {
		struct sl_timer_node *top = sl_timer_top(&h);

		CU_ASSERT_FATAL(top != NULL);
		CU_ASSERT_EQUAL(top->when, want[i]);
		sl_timer_cancel(&h, top);
	}
	CU_ASSERT_PTR_NULL(sl_timer_top(&h));
	sl_timer_heap_free(&h);
}

static void test_timer_foreign_node_ignored(void)
{
	struct sl_timer_heap a = { 0 }, b = { 0 };
	struct sl_timer_node x, y;

	sl_timer_node_init(&x);
	sl_timer_node_init(&y);
	sl_timer_set(&a, &x, 5);
	sl_timer_set(&b, &y, 1);
	sl_timer_cancel(&a, &y); /* y belongs to b: idx 0 in a is x */
	CU_ASSERT_EQUAL(a.n, 1);
	CU_ASSERT_PTR_EQUAL(sl_timer_top(&a), &x);
	sl_timer_heap_free(&a);
	sl_timer_heap_free(&b);
}

SL_CU_MAIN("probe_state",
	{ "starts UP, DOWN after fall failures", test_starts_up_and_falls_after_fall },
	{ "a change is reported once", test_change_reported_once },
	{ "rise needs consecutive successes", test_rise_needs_consecutive_successes },
	{ "flapping never changes state", test_flapping_never_changes_state },
	{ "timeouts count as failures", test_timeouts_count_as_failures },
	{ "zero thresholds mean one", test_zero_thresholds_mean_one },
	{ "force clears runs, keeps totals", test_force_clears_runs },
	{ "threshold change applies to next result", test_threshold_change_applies_next_result },
	{ "RTT EWMA alpha 1/8", test_rtt_ewma },
	{ "RTT hostile samples", test_rtt_hostile_samples },
	{ "timer heap order with moves and cancels", test_timer_heap_order },
	{ "timer cancel of a foreign node", test_timer_foreign_node_ignored })
