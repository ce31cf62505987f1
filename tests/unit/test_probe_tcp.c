/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP probes against real loopback sockets, plus the prober API's scheduling, enable and remove paths. */
#include <stdlib.h>
#include <sys/select.h>

#include "cunit_main.h"
#include "test_probe_util.h"

static bool status_ok_at_least(struct sl_prober *p, void *ctx)
{
	struct sl_probe_status st;
	uint64_t want = *(uint64_t *)ctx;

	return sl_prober_status(p, 1, &st) == 0 && st.n_ok >= want;
}

static void test_tcp_up_down_up(void)
{
	struct tp_events ev = { 0 };
	struct tp_wait_events w = { &ev, 1 };
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 100, 50, 2, 2);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct sl_probe_status st;
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t port = 0;
	uint64_t want = 3;
	int lfd = tp_listen("127.0.0.1", &port, 128);

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, port), 0);
	st = tp_status(p, 1);
	CU_ASSERT(st.up && st.enabled && st.n_ok == 0); /* starts UP before any probe */
	CU_ASSERT_STRING_EQUAL(st.last_reason, "");

	CU_ASSERT(tp_run(p, 1000, status_ok_at_least, &want, tp_drain_hook, &lfd));
	st = tp_status(p, 1);
	CU_ASSERT(st.up && st.last_ok && st.n_fail == 0);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "ok");
	CU_ASSERT(st.rtt_us > 0 && st.rtt_us < 50000);
	CU_ASSERT_EQUAL(ev.n, 0); /* no change, no callback */
	CU_ASSERT_EQUAL(st.last_change_ms, 0);

	close(lfd);
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, NULL, NULL));
	CU_ASSERT_EQUAL(ev.id[0], 1);
	CU_ASSERT_FALSE(ev.up[0]);
	CU_ASSERT_PTR_NOT_NULL(strstr(ev.reason[0], "refused"));
	st = tp_status(p, 1);
	CU_ASSERT(!st.up && st.fail_run == 2 && st.last_change_ms > 0);

	lfd = tp_listen("127.0.0.1", &port, 128); /* same port again */
	w.n = 2;
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, tp_drain_hook, &lfd));
	CU_ASSERT_TRUE(ev.up[1]);
	CU_ASSERT_STRING_EQUAL(ev.reason[1], "ok");
	CU_ASSERT_EQUAL(tp_status(p, 1).ok_run, 2);
	close(lfd);
	sl_prober_destroy(p);
}

static void test_tcp_ipv6(void)
{
	struct tp_events ev = { 0 };
	struct tp_wait_events w = { &ev, 1 };
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 100, 50, 1, 1);
	struct sl_ip ip = tp_ip("::1");
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t port = 0, dead_port = 0;
	uint64_t want = 2;
	int lfd = tp_listen("::1", &port, 128);
	int bound = tp_bind("::1", SOCK_STREAM, &dead_port); /* bound, never listening: refuses */

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	h.port = port; /* the health port overrides the VIP port */
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, 9), 0);
	h.port = 0;
	CU_ASSERT_EQUAL(sl_prober_set(p, 2, &ip, &h, dead_port), 0);
	CU_ASSERT(tp_run(p, 1000, status_ok_at_least, &want, tp_drain_hook, &lfd));
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, tp_drain_hook, &lfd));
	CU_ASSERT_EQUAL(ev.n, 1);
	CU_ASSERT_EQUAL(ev.id[0], 2);
	CU_ASSERT_FALSE(ev.up[0]);
	CU_ASSERT(tp_status(p, 1).up);
	close(lfd);
	close(bound);
	sl_prober_destroy(p);
}

#define N_TARGETS 200
#define SLOW_ID 0

struct many {
	int lfd;
	struct tp_events *ev;
};

static bool all_done(struct sl_prober *p, void *ctx)
{
	struct many *m = ctx;
	struct sl_probe_status st;

	if (m->ev->n < 1)
		return false;
	for (uint32_t id = 1; id < N_TARGETS; id++)
		if (sl_prober_status(p, id, &st) || st.n_ok + st.n_fail == 0)
			return false;
	return true;
}

static void drain_many(void *ctx)
{
	tp_drain(((struct many *)ctx)->lfd);
}

/* 200 targets, one behind a blackhole: the slow one fails by its own
 * timeout and the others finish in loopback time, not behind it. */
static void test_blackhole_does_not_delay_others(void)
{
	struct tp_events ev = { 0 };
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 1000, 300, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t port = 0, bh_port = 0;
	int fill[3], lfd = tp_listen("127.0.0.1", &port, 1024);
	int bh = tp_blackhole("127.0.0.1", &bh_port, fill);
	struct many m = { lfd, &ev };
	struct sl_probe_status st;
	uint32_t worst_fast = 0;
	uint64_t t0;

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	CU_ASSERT_EQUAL(sl_prober_set(p, SLOW_ID, &ip, &h, bh_port), 0);
	for (uint32_t id = 1; id < N_TARGETS; id++)
		CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, port), 0);
	CU_ASSERT_EQUAL(sl_prober_count(p), N_TARGETS);

	t0 = tp_now_ms();
	/* Every first probe starts within one interval (jitter) and ends within its timeout. */
	CU_ASSERT(tp_run(p, 1000 + 300 + 200, all_done, &m, drain_many, &m));
	CU_ASSERT(tp_now_ms() - t0 <= 1500);

	CU_ASSERT_EQUAL(ev.n, 1);
	CU_ASSERT_EQUAL(ev.id[0], SLOW_ID);
	CU_ASSERT_FALSE(ev.up[0]);
	st = tp_status(p, SLOW_ID);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.last_reason, "timeout"));
	CU_ASSERT(st.last_duration_us >= 300000 && st.last_duration_us < 400000);
	for (uint32_t id = 1; id < N_TARGETS; id++) {
		st = tp_status(p, id);
		CU_ASSERT(st.up && st.n_fail == 0 && st.n_ok >= 1);
		if (st.last_duration_us > worst_fast)
			worst_fast = st.last_duration_us;
	}
	CU_ASSERT(worst_fast < 100000);
	printf("\n    200 targets: blackhole failed after %u us, slowest of 199 fast probes %u us\n",
	       tp_status(p, SLOW_ID).last_duration_us, worst_fast);
	sl_prober_destroy(p);
	for (int i = 0; i < 3; i++)
		close(fill[i]);
	close(bh);
	close(lfd);
}

static bool disabled_quiet(struct sl_prober *p, void *ctx)
{
	(void)p;
	(void)ctx;
	return false; /* run the whole period */
}

static void test_enable_disable(void)
{
	struct tp_events ev = { 0 };
	struct tp_wait_events w = { &ev, 1 };
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 100, 50, 2, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t port = 0;
	int bound = tp_bind("127.0.0.1", SOCK_STREAM, &port);
	struct sl_probe_status st;
	uint64_t fails;

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	CU_ASSERT_EQUAL(sl_prober_set(p, 7, &ip, &h, port), 0);
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, NULL, NULL));
	CU_ASSERT_FALSE(ev.up[0]);

	CU_ASSERT_EQUAL(sl_prober_enable(p, 7, false), 0);
	CU_ASSERT_EQUAL(ev.n, 2); /* frozen UP is a change */
	CU_ASSERT_TRUE(ev.up[1]);
	CU_ASSERT_STRING_EQUAL(ev.reason[1], "health checks disabled");
	st = tp_status(p, 7);
	CU_ASSERT(st.up && !st.enabled && !st.in_flight);
	fails = st.n_fail;
	CU_ASSERT_EQUAL(sl_prober_enable(p, 7, false), 0); /* idempotent, no new callback */
	tp_run(p, 400, disabled_quiet, NULL, NULL, NULL);
	CU_ASSERT_EQUAL(tp_status(p, 7).n_fail, fails); /* nothing probed while off */
	CU_ASSERT_EQUAL(ev.n, 2);

	CU_ASSERT_EQUAL(sl_prober_enable(p, 7, true), 0);
	CU_ASSERT(tp_status(p, 7).enabled);
	w.n = 3;
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, NULL, NULL));
	CU_ASSERT_FALSE(ev.up[2]);
	CU_ASSERT(tp_status(p, 7).n_fail > fails);

	CU_ASSERT_EQUAL(sl_prober_enable(p, 99, true), -ENOENT);
	close(bound);
	sl_prober_destroy(p);
}

static bool in_flight(struct sl_prober *p, void *ctx)
{
	struct sl_probe_status st;

	return sl_prober_status(p, *(uint32_t *)ctx, &st) == 0 && st.in_flight;
}

static void test_remove_while_in_flight(void)
{
	struct tp_events ev = { 0 };
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 200, 150, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t bh_port = 0;
	int fill[3], bh = tp_blackhole("127.0.0.1", &bh_port, fill);
	uint32_t id = 3;
	struct sl_probe_status st;
	int fds;

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, bh_port), 0);
	CU_ASSERT_FATAL(tp_run(p, 1000, in_flight, &id, NULL, NULL));
	fds = tp_count_fds();
	sl_prober_remove(p, id);
	CU_ASSERT_EQUAL(tp_count_fds(), fds - 1); /* the probe's socket is gone */
	CU_ASSERT_EQUAL(sl_prober_status(p, id, &st), -ENOENT);
	CU_ASSERT_EQUAL(sl_prober_count(p), 0);
	tp_run(p, 400, disabled_quiet, NULL, NULL, NULL);
	CU_ASSERT_EQUAL(ev.n, 0); /* no late timeout for a removed target */
	sl_prober_remove(p, id); /* unknown: ignored */

	/* Destroy with a probe in flight closes it too. */
	CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, bh_port), 0);
	CU_ASSERT_FATAL(tp_run(p, 1000, in_flight, &id, NULL, NULL));
	sl_prober_destroy(p);
	for (int i = 0; i < 3; i++)
		close(fill[i]);
	close(bh);
}

struct self_remove {
	struct sl_prober *p;
	int calls;
};

static void remove_in_callback(void *ctx, uint32_t id, bool up, uint32_t rtt_us, const char *reason)
{
	struct self_remove *s = ctx;

	(void)up;
	(void)rtt_us;
	(void)reason;
	s->calls++;
	sl_prober_remove(s->p, id); /* the target is mid-completion: must be deferred */
}

static void test_remove_from_callback(void)
{
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 100, 50, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	uint16_t port = 0;
	int bound = tp_bind("127.0.0.1", SOCK_STREAM, &port);
	struct self_remove s = { sl_prober_create(NULL, 0), 0 };

	CU_ASSERT_FATAL(s.p != NULL);
	sl_prober_set_callback(s.p, remove_in_callback, &s);
	for (uint32_t id = 0; id < 20; id++)
		CU_ASSERT_EQUAL(sl_prober_set(s.p, id, &ip, &h, port), 0);
	tp_run(s.p, 400, disabled_quiet, NULL, NULL, NULL);
	CU_ASSERT_EQUAL(s.calls, 20);
	CU_ASSERT_EQUAL(sl_prober_count(s.p), 0);
	sl_prober_destroy(s.p);
	close(bound);
}

static void test_hostile_settings(void)
{
	struct sl_prober *p = sl_prober_create(NULL, 0);
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 100, 50, 1, 1), bad;
	struct sl_ip ip = tp_ip("127.0.0.1"), unset = { 0 };
	struct sl_probe_status st;

	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, NULL, &h, 80), -EINVAL);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, NULL, 80), -EINVAL);
	CU_ASSERT_EQUAL(sl_prober_set(NULL, 1, &ip, &h, 80), -EINVAL);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &unset, &h, 80), -EINVAL);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, 0), -EINVAL); /* no port anywhere */
	bad = h; bad.interval_ms = 0;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), -EINVAL);
	bad = h; bad.timeout_ms = 0;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), -EINVAL);
	bad = h; bad.timeout_ms = 101;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), -EINVAL);
	bad = h; bad.rise = 0;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), -EINVAL);
	bad = h; bad.fall = 0;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), -EINVAL);
	bad = h; bad.type = (enum sl_probe_type)42;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), -EINVAL);
	CU_ASSERT_EQUAL(sl_prober_count(p), 0);

	/* Type none removes; on an unknown id it is a no-op. */
	bad = h; bad.type = SL_PROBE_NONE;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), 0);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, 80), 0);
	CU_ASSERT_EQUAL(sl_prober_count(p), 1);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &bad, 80), 0);
	CU_ASSERT_EQUAL(sl_prober_status(p, 1, &st), -ENOENT);
	CU_ASSERT_EQUAL(sl_prober_status(p, 1, NULL), -ENOENT);
	CU_ASSERT_EQUAL(sl_prober_enable(NULL, 1, true), -ENOENT);
	sl_prober_remove(NULL, 1);
	sl_prober_destroy(p);
	sl_prober_destroy(NULL);
}

static void test_update_keeps_state_and_cancels(void)
{
	struct tp_events ev = { 0 };
	struct tp_wait_events w = { &ev, 1 };
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 200, 150, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t bh_port = 0, port = 0;
	int fill[3], bh = tp_blackhole("127.0.0.1", &bh_port, fill);
	int lfd = tp_listen("127.0.0.1", &port, 128);
	uint32_t id = 4;
	uint64_t want = 1;

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, bh_port), 0);
	CU_ASSERT_FATAL(tp_run(p, 1000, in_flight, &id, NULL, NULL));
	CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, bh_port), 0); /* identical: the probe stays */
	CU_ASSERT(tp_status(p, id).in_flight);
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, NULL, NULL)); /* times out: DOWN */
	CU_ASSERT_FALSE(ev.up[0]);

	CU_ASSERT_FATAL(tp_run(p, 1000, in_flight, &id, NULL, NULL));
	CU_ASSERT_EQUAL(sl_prober_set(p, 4, &ip, &h, port), 0); /* moved to a live port mid-probe */
	CU_ASSERT_FALSE(tp_status(p, id).in_flight);
	CU_ASSERT_FALSE(tp_status(p, id).up); /* state kept until probes say otherwise */
	w.n = 2;
	CU_ASSERT(tp_run(p, 1000, tp_have_events, &w, tp_drain_hook, &lfd));
	CU_ASSERT_TRUE(ev.up[1]);
	(void)want;
	sl_prober_destroy(p);
	for (int i = 0; i < 3; i++)
		close(fill[i]);
	close(bh);
	close(lfd);
}

static void test_fd_is_pollable(void)
{
	struct sl_prober *p = sl_prober_create(NULL, 0);
	struct sl_cfg_health h = tp_health(SL_PROBE_TCP, 100, 50, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	uint16_t port = 0;
	int lfd = tp_listen("127.0.0.1", &port, 128);
	fd_set rd;
	struct timeval tv = { 0, 300000 };
	int fd;

	CU_ASSERT_FATAL(p != NULL);
	fd = sl_prober_fd(p);
	CU_ASSERT(fd >= 0);
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	CU_ASSERT_EQUAL(select(fd + 1, &rd, NULL, NULL, &(struct timeval){ 0, 0 }), 0); /* idle: nothing to do */
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, port), 0);
	FD_SET(fd, &rd); /* select() cleared it */
	/* The caller's own loop must wake for the first (timer-driven) probe. */
	CU_ASSERT_EQUAL(select(fd + 1, &rd, NULL, NULL, &tv), 1);
	CU_ASSERT(sl_prober_poll(p, 0) >= 0);
	CU_ASSERT(tp_status(p, 1).in_flight || tp_status(p, 1).n_ok == 1);
	sl_prober_destroy(p);
	close(lfd);
}

SL_CU_MAIN("probe_tcp",
	{ "TCP up, down on refusal, up again", test_tcp_up_down_up },
	{ "TCP over IPv6, health port override", test_tcp_ipv6 },
	{ "200 targets, one blackhole: no delay", test_blackhole_does_not_delay_others },
	{ "enable/disable", test_enable_disable },
	{ "remove while in flight", test_remove_while_in_flight },
	{ "remove from inside the callback", test_remove_from_callback },
	{ "hostile settings", test_hostile_settings },
	{ "update keeps state, cancels in-flight", test_update_keeps_state_and_cancels },
	{ "prober fd wakes the caller's loop", test_fd_is_pollable })
