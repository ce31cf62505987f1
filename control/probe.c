/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The probe scheduler: targets by backend id, one timer heap, one epoll fd.
 * The per-type work (sockets, curl) lives in probe_tcp.c, probe_udp.c and
 * probe_http.c behind struct sl_probe_ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "probe_internal.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

#define POLL_BATCH 64

uint64_t sl_probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* xorshift64*: jitter only needs to spread, not to be unpredictable. */
static uint64_t rng_next(struct sl_prober *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545F4914F6CDD1DULL;
}

static const struct sl_probe_ops *ops_for(enum sl_probe_type type)
{
	switch (type) {
	case SL_PROBE_TCP:   return &sl_probe_tcp_ops;
	case SL_PROBE_UDP:   return &sl_probe_udp_ops;
	case SL_PROBE_HTTP:
	case SL_PROBE_HTTPS: return &sl_probe_http_ops;
	default:             return NULL;
	}
}

int sl_probe_watch_fd(struct sl_prober *p, struct sl_probe_target *t, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = t };

	return epoll_ctl(p->epfd, EPOLL_CTL_ADD, t->fd, &ev) ? -errno : 0;
}

void sl_probe_close_fd(struct sl_probe_target *t)
{
	/* Closing drops the fd from the epoll set: it is never dup'ed. */
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Arm the timerfd for the earliest deadline so the caller's epoll wakes us. */
static void arm_timer(struct sl_prober *p)
{
	struct itimerspec its = { 0 };
	struct sl_timer_node *top = sl_timer_top(&p->timers);
	uint64_t when = top ? top->when : 0;

	if (p->curl_due_us && (!when || p->curl_due_us < when))
		when = p->curl_due_us;
	if (when) {
		/* An absolute time already past fires at once; 0 would disarm. */
		its.it_value.tv_sec = (time_t)(when / 1000000u);
		its.it_value.tv_nsec = (long)(when % 1000000u) * 1000 + 1;
	}
	timerfd_settime(p->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void release(struct sl_prober *p, struct sl_probe_target *t)
{
	const struct sl_probe_ops *ops = ops_for(t->h.type);

	if (ops)
		ops->release(p, t);
	t->in_flight = false;
}

/* First probe of a target: uniform over one interval so targets added by one reload do not fire together. */
static int schedule_jittered(struct sl_prober *p, struct sl_probe_target *t, uint64_t now)
{
	uint64_t interval_us = (uint64_t)t->h.interval_ms * 1000u;

	return sl_timer_set(&p->timers, &t->timer, now + rng_next(p) % interval_us);
}

void sl_probe_finish(struct sl_prober *p, struct sl_probe_target *t, bool ok, const char *reason)
{
	uint64_t now = sl_probe_now_us(), next, dur = now - t->started_us;
	char why[SL_PROBE_REASON_MAX];
	bool changed;

	release(p, t);
	if (dur > UINT32_MAX)
		dur = UINT32_MAX;
	t->last_duration_us = (uint32_t)dur;
	t->last_ok = ok;
	snprintf(t->last_reason, sizeof(t->last_reason), "%s", reason);
	changed = sl_probe_sm_result(&t->sm, ok, (uint32_t)dur);
	p->finished++;

	/* Fixed cadence from the start of each probe; a probe that used the
	 * whole interval is followed at once. The node is still queued (it held
	 * the deadline), so this cannot need memory. */
	next = t->started_us + (uint64_t)t->h.interval_ms * 1000u;
	sl_timer_set(&p->timers, &t->timer, next > now ? next : now);

	if (!changed)
		return;
	t->last_change_ms = wall_ms();
	if (p->cb) {
		/* A copy: the callback may update or remove the target. */
		snprintf(why, sizeof(why), "%s", t->last_reason);
		p->cb(p->cb_ctx, t->id, t->sm.up, sl_probe_sm_rtt(&t->sm), why);
	}
}

static void start_probe(struct sl_prober *p, struct sl_probe_target *t, uint64_t now)
{
	char reason[SL_PROBE_REASON_MAX] = "";

	t->started_us = now;
	t->in_flight = true;
	/* The deadline goes in first: a probe that completes inside start()
	 * replaces it with the next probe time. */
	sl_timer_set(&p->timers, &t->timer, now + (uint64_t)t->h.timeout_ms * 1000u);
	if (ops_for(t->h.type)->start(p, t, reason, sizeof(reason)) < 0 && !t->dead && t->in_flight)
		sl_probe_finish(p, t, false, reason[0] ? reason : "cannot start probe");
}

static void run_timers(struct sl_prober *p)
{
	uint64_t now = sl_probe_now_us();
	struct sl_timer_node *n;
	char reason[SL_PROBE_REASON_MAX];

	/* Ends: a start moves the node to now + timeout, a timeout to the next
	 * start (>= started + interval > now unless the probe took the whole
	 * interval, and then the following start moves it into the future). */
	while ((n = sl_timer_top(&p->timers)) && n->when <= now) {
		struct sl_probe_target *t = container_of(n, struct sl_probe_target, timer);

		if (t->in_flight) {
			snprintf(reason, sizeof(reason), "timeout after %u ms", t->h.timeout_ms);
			sl_probe_finish(p, t, false, reason);
		} else {
			start_probe(p, t, now);
		}
	}
	if (p->curl_due_us && p->curl_due_us <= sl_probe_now_us()) {
		p->curl_due_us = 0;
		sl_probe_http_on_timeout(p);
	}
}

static void free_graveyard(struct sl_prober *p)
{
	while (p->graveyard) {
		struct sl_probe_target *t = p->graveyard;

		p->graveyard = t->dead_next;
		free(t);
	}
}

int sl_prober_poll(struct sl_prober *p, int timeout_ms)
{
	struct epoll_event evs[POLL_BATCH];
	int n = epoll_wait(p->epfd, evs, POLL_BATCH, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	p->depth++;
	p->finished = 0;
	for (int i = 0; i < n; i++) {
		void *ptr = evs[i].data.ptr;

		if (ptr == &p->timerfd) {
			uint64_t expirations;

			if (read(p->timerfd, &expirations, sizeof(expirations)) < 0)
				continue; /* EAGAIN: re-armed since it fired */
		} else if (ptr == &p->curl_epfd) {
			sl_probe_http_on_sockets(p);
		} else {
			struct sl_probe_target *t = ptr;
			const struct sl_probe_ops *ops = ops_for(t->h.type);

			/* Stale events of a probe finished or removed earlier in this batch. */
			if (t->dead || !t->in_flight || t->fd < 0 || !ops || !ops->on_event)
				continue;
			ops->on_event(p, t, evs[i].events);
		}
	}
	run_timers(p);
	if (--p->depth == 0)
		free_graveyard(p);
	arm_timer(p);
	return (int)p->finished;
}

static bool valid_settings(const struct sl_ip *addr, const struct sl_cfg_health *h, uint16_t port)
{
	if (!ops_for(h->type))
		return false;
	if (addr->family != SL_AF_INET && addr->family != SL_AF_INET6)
		return false;
	return port && h->interval_ms && h->timeout_ms && h->timeout_ms <= h->interval_ms &&
	       h->rise && h->fall;
}

static void fill_sockaddr(struct sl_probe_target *t, uint16_t port)
{
	memset(&t->sa, 0, sizeof(t->sa));
	if (t->addr.family == SL_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&t->sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, &t->addr.w[0], 4);
		t->sa_len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t->sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, t->addr.w, 16);
		t->sa_len = sizeof(*sin6);
	}
}

/* Field by field: the caller's struct may carry padding garbage, and only
 * the used part of each string matters. */
static bool same_settings(const struct sl_probe_target *t, const struct sl_ip *addr,
			  const struct sl_cfg_health *h, uint16_t port)
{
	const struct sl_cfg_health *o = &t->h;

	return t->addr.family == addr->family && !memcmp(t->addr.w, addr->w, sizeof(addr->w)) &&
	       t->vip_port == port && o->type == h->type && o->port == h->port &&
	       o->expect_status == h->expect_status && o->interval_ms == h->interval_ms &&
	       o->timeout_ms == h->timeout_ms && o->rise == h->rise && o->fall == h->fall &&
	       !strncmp(o->path, h->path, sizeof(o->path)) && !strncmp(o->host, h->host, sizeof(o->host)) &&
	       !strncmp(o->udp_send, h->udp_send, sizeof(o->udp_send)) &&
	       !strncmp(o->udp_expect, h->udp_expect, sizeof(o->udp_expect));
}

static void copy_settings(struct sl_probe_target *t, const struct sl_ip *addr,
			  const struct sl_cfg_health *h, uint16_t vip_port, uint16_t port)
{
	t->addr = *addr;
	t->vip_port = vip_port;
	t->h = *h;
	/* Unterminated strings from a caller must not run off the struct. */
	t->h.path[sizeof(t->h.path) - 1] = '\0';
	t->h.host[sizeof(t->h.host) - 1] = '\0';
	t->h.udp_send[sizeof(t->h.udp_send) - 1] = '\0';
	t->h.udp_expect[sizeof(t->h.udp_expect) - 1] = '\0';
	fill_sockaddr(t, port);
	sl_probe_sm_thresholds(&t->sm, h->rise, h->fall);
}

static void unlink_target(struct sl_prober *p, struct sl_probe_target *t)
{
	release(p, t);
	sl_timer_cancel(&p->timers, &t->timer);
	sl_probe_table_del(p, t);
	if (p->depth > 0) {
		/* Events for it may still sit in the batch being handled. */
		t->dead = true;
		t->dead_next = p->graveyard;
		p->graveyard = t;
	} else {
		free(t);
	}
}

int sl_prober_set(struct sl_prober *p, uint32_t backend_id, const struct sl_ip *addr,
		  const struct sl_cfg_health *h, uint16_t vip_port)
{
	struct sl_probe_target *t;
	uint16_t port;
	int rc;

	if (!p || !addr || !h)
		return -EINVAL;
	if (h->type == SL_PROBE_NONE) {
		sl_prober_remove(p, backend_id);
		return 0;
	}
	port = h->port ? h->port : vip_port;
	if (!valid_settings(addr, h, port))
		return -EINVAL;

	t = sl_probe_table_find(p, backend_id);
	if (t) {
		if (same_settings(t, addr, h, vip_port))
			return 0;
		release(p, t);
		copy_settings(t, addr, h, vip_port, port);
		if (t->enabled)
			schedule_jittered(p, t, sl_probe_now_us()); /* node already queued: no allocation */
		if (!p->depth)
			arm_timer(p);
		return 0;
	}

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->id = backend_id;
	t->fd = -1;
	t->enabled = true;
	sl_timer_node_init(&t->timer);
	sl_probe_sm_init(&t->sm, h->rise, h->fall);
	copy_settings(t, addr, h, vip_port, port);
	rc = schedule_jittered(p, t, sl_probe_now_us());
	if (!rc)
		rc = sl_probe_table_add(p, t);
	if (rc) {
		sl_timer_cancel(&p->timers, &t->timer);
		free(t);
		return rc;
	}
	if (!p->depth)
		arm_timer(p);
	return 0;
}

void sl_prober_remove(struct sl_prober *p, uint32_t backend_id)
{
	struct sl_probe_target *t = p ? sl_probe_table_find(p, backend_id) : NULL;

	if (!t)
		return;
	unlink_target(p, t);
	if (!p->depth)
		arm_timer(p);
}

int sl_prober_enable(struct sl_prober *p, uint32_t backend_id, bool on)
{
	struct sl_probe_target *t = p ? sl_probe_table_find(p, backend_id) : NULL;
	int rc = 0;

	if (!t)
		return -ENOENT;
	if (on == t->enabled)
		return 0;
	p->depth++;
	if (on) {
		rc = schedule_jittered(p, t, sl_probe_now_us());
		if (!rc) {
			t->enabled = true;
			sl_probe_sm_force(&t->sm, true);
		}
	} else {
		release(p, t);
		sl_timer_cancel(&p->timers, &t->timer);
		t->enabled = false;
		if (sl_probe_sm_force(&t->sm, true)) {
			t->last_change_ms = wall_ms();
			if (p->cb)
				p->cb(p->cb_ctx, t->id, true, sl_probe_sm_rtt(&t->sm), "health checks disabled");
		}
	}
	if (--p->depth == 0) {
		free_graveyard(p);
		arm_timer(p);
	}
	return rc;
}

int sl_prober_fd(const struct sl_prober *p)
{
	return p->epfd;
}

void sl_prober_set_callback(struct sl_prober *p, sl_probe_cb cb, void *ctx)
{
	p->cb = cb;
	p->cb_ctx = ctx;
}

int sl_prober_status(const struct sl_prober *p, uint32_t backend_id, struct sl_probe_status *st)
{
	const struct sl_probe_target *t = p && st ? sl_probe_table_find(p, backend_id) : NULL;

	if (!t)
		return -ENOENT;
	*st = (struct sl_probe_status){
		.type = t->h.type,
		.up = t->sm.up,
		.enabled = t->enabled,
		.in_flight = t->in_flight,
		.last_ok = t->last_ok,
		.rtt_us = sl_probe_sm_rtt(&t->sm),
		.last_duration_us = t->last_duration_us,
		.ok_run = t->sm.ok_run,
		.fail_run = t->sm.fail_run,
		.n_ok = t->sm.n_ok,
		.n_fail = t->sm.n_fail,
		.last_change_ms = t->last_change_ms,
	};
	memcpy(st->last_reason, t->last_reason, sizeof(st->last_reason));
	return 0;
}

uint32_t sl_prober_count(const struct sl_prober *p)
{
	return p ? p->n_targets : 0;
}

struct sl_prober *sl_prober_create(char *err, size_t errlen)
{
	struct sl_prober *p = calloc(1, sizeof(*p));
	struct epoll_event ev = { .events = EPOLLIN };
	const char *what = "out of memory";
	int rc = -ENOMEM;

	if (!p)
		goto fail;
	p->epfd = p->timerfd = p->curl_epfd = -1;
	if (getrandom(&p->rng, sizeof(p->rng), GRND_NONBLOCK) != sizeof(p->rng))
		p->rng = sl_probe_now_us();
	p->rng |= 1; /* xorshift must not start at 0 */

	what = "epoll_create1";
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		goto fail_errno;
	what = "timerfd_create";
	p->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->timerfd < 0)
		goto fail_errno;
	ev.data.ptr = &p->timerfd;
	what = "epoll_ctl(timerfd)";
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->timerfd, &ev))
		goto fail_errno;
	what = "libcurl multi handle";
	rc = sl_probe_http_init(p);
	if (rc)
		goto fail;
	return p;

fail_errno:
	rc = -errno;
fail:
	if (err && errlen)
		snprintf(err, errlen, "probes: %s: %s", what, strerror(-rc));
	sl_prober_destroy(p);
	return NULL;
}

void sl_prober_destroy(struct sl_prober *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->n_buckets; i++) {
		while (p->buckets[i]) {
			struct sl_probe_target *t = p->buckets[i];

			p->buckets[i] = t->hnext;
			release(p, t);
			free(t);
		}
	}
	free_graveyard(p);
	free(p->buckets);
	sl_timer_heap_free(&p->timers);
	sl_probe_http_fini(p);
	if (p->timerfd >= 0)
		close(p->timerfd);
	if (p->epfd >= 0)
		close(p->epfd);
	free(p);
}
