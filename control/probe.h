/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health probes: TCP connect, HTTP(S) GET and UDP request/reply checks of
 * backends, run from the control thread through the host's kernel stack.
 *
 * Every probe is non-blocking and they all run at once, driven by one epoll
 * fd that the caller adds to its own loop: hundreds of backends never queue
 * behind one slow timeout. Results feed a rise/fall state machine per
 * backend; the caller hears about state changes only (sl_probe_cb).
 *
 * A new target starts UP (see docs/health.md for the trade-off) and `fall`
 * failures in a row take it DOWN; `rise` successes bring it back.
 *
 * Error convention: 0 or negative errno. Thread safety: a prober belongs to
 * one thread (the control thread); distinct probers are independent.
 */
#ifndef SLUICE_PROBE_H
#define SLUICE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"

#define SL_PROBE_REASON_MAX 96

struct sl_prober;

/* A snapshot of one target, for `sluicectl` and metrics. */
struct sl_probe_status {
	enum sl_probe_type type;
	bool     up;                  /* the verdict the dataplane should follow */
	bool     enabled;             /* false: `health off`, frozen UP, nothing sent */
	bool     in_flight;           /* a probe is outstanding right now */
	bool     last_ok;             /* result of the last finished probe (false if none yet) */
	char     last_reason[SL_PROBE_REASON_MAX]; /* "ok", "timeout after 1000 ms", "HTTP 500 (expected 200)"... ("" = none yet) */
	uint32_t rtt_us;              /* EWMA (alpha 1/8) of successful probes' RTT, 0 = no success yet */
	uint32_t last_duration_us;    /* how long the last finished probe took, success or not */
	uint32_t ok_run, fail_run;    /* consecutive successes / failures, the rise/fall counters */
	uint64_t n_ok, n_fail;        /* totals since the target was added */
	uint64_t last_change_ms;      /* CLOCK_REALTIME ms of the last UP/DOWN change, 0 = never changed */
};

/*
 * Called on UP/DOWN changes only, from inside sl_prober_poll() or
 * sl_prober_enable(). @rtt_us: current EWMA (0 = unknown); @reason: why
 * (the last probe's result), valid during the call only. The callback may
 * call sl_prober_set/remove/enable (also on @backend_id) but not
 * sl_prober_destroy().
 */
typedef void (*sl_probe_cb)(void *ctx, uint32_t backend_id, bool up, uint32_t rtt_us, const char *reason);

/*
 * Create a prober with its epoll fd, timer and libcurl multi handle.
 * Calls curl_global_init(), so create the first prober before starting other
 * threads that use libcurl. Returns NULL with a message in @err (may be NULL).
 */
struct sl_prober *sl_prober_create(char *err, size_t errlen);

/*
 * Add or update the target @backend_id: probe @addr with settings @h; a
 * health port of 0 means @vip_port. Type SL_PROBE_NONE removes the target.
 * A new target starts UP; its first probe is jittered uniformly over one
 * interval so targets added together do not fire together. Updating with
 * identical settings changes nothing; changed settings cancel an in-flight
 * probe and reschedule, keeping the UP/DOWN state and counters.
 * Returns 0, -EINVAL (NULL args, unset address family, port 0, interval or
 * timeout 0, timeout > interval, rise/fall 0, unknown type) or -ENOMEM.
 */
int sl_prober_set(struct sl_prober *p, uint32_t backend_id, const struct sl_ip *addr,
		  const struct sl_cfg_health *h, uint16_t vip_port);

/* Forget @backend_id, cancelling an in-flight probe (no callback). Unknown ids are ignored. */
void sl_prober_remove(struct sl_prober *p, uint32_t backend_id);

/*
 * `sluicectl health on|off`: @on = false cancels probing and freezes the
 * target UP (a DOWN target reports UP through the callback, reason
 * "health checks disabled"); @on = true clears the rise/fall counters and
 * resumes with a jittered first probe. Returns 0 or -ENOENT.
 */
int sl_prober_enable(struct sl_prober *p, uint32_t backend_id, bool on);

/* The epoll fd to wait on for readability; call sl_prober_poll() when it is readable. Never changes. */
int sl_prober_fd(const struct sl_prober *p);

/*
 * Wait at most @timeout_ms (0 = do not wait, -1 = until something happens)
 * for probe events, then handle completions, timeouts and due probes.
 * Returns the number of probes finished (>= 0) or a negative errno from
 * epoll_wait (-EINTR is returned as 0).
 */
int sl_prober_poll(struct sl_prober *p, int timeout_ms);

/* Install the state-change callback (NULL = none); replaces the previous one. */
void sl_prober_set_callback(struct sl_prober *p, sl_probe_cb cb, void *ctx);

/* Fill @st for @backend_id. Returns 0 or -ENOENT. */
int sl_prober_status(const struct sl_prober *p, uint32_t backend_id, struct sl_probe_status *st);

/* Number of targets (for metrics and tests). */
uint32_t sl_prober_count(const struct sl_prober *p);

/* Cancel everything, close every fd and free @p; NULL is a no-op. Not from inside the callback. */
void sl_prober_destroy(struct sl_prober *p);

#endif
