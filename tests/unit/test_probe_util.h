/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the probe socket tests: loopback servers, a bounded poll loop, a callback recorder. */
#ifndef SLUICE_TEST_PROBE_UTIL_H
#define SLUICE_TEST_PROBE_UTIL_H

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define TP_MAX_EVENTS 64

struct tp_events {
	int n;
	uint32_t id[TP_MAX_EVENTS];
	bool up[TP_MAX_EVENTS];
	char reason[TP_MAX_EVENTS][SL_PROBE_REASON_MAX];
};

static inline void tp_record(void *ctx, uint32_t id, bool up, uint32_t rtt_us, const char *reason)
{
	struct tp_events *ev = ctx;

	(void)rtt_us;
	if (ev->n >= TP_MAX_EVENTS)
		return;
	ev->id[ev->n] = id;
	ev->up[ev->n] = up;
	snprintf(ev->reason[ev->n], SL_PROBE_REASON_MAX, "%s", reason);
	ev->n++;
}

static inline uint64_t tp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline struct sl_cfg_health tp_health(enum sl_probe_type type, uint32_t interval_ms,
					     uint32_t timeout_ms, uint32_t rise, uint32_t fall)
{
	struct sl_cfg_health h = {
		.type = type, .interval_ms = interval_ms, .timeout_ms = timeout_ms,
		.rise = rise, .fall = fall, .expect_status = 200,
	};

	strcpy(h.path, "/");
	strcpy(h.udp_send, "ping");
	return h;
}

static inline struct sl_ip tp_ip(const char *text)
{
	struct sl_ip ip;

	CU_ASSERT_FATAL(sl_ip_parse(text, &ip) == 0);
	return ip;
}

/* A socket bound to @text (127.0.0.1 or ::1) on an ephemeral port, returned in *port. */
static inline int tp_bind(const char *text, int type, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, fd;

	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, text, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		inet_pton(AF_INET, text, &s4->sin_addr);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (*port)
		((struct sockaddr_in *)&ss)->sin_port = htons(*port); /* same offset for v6 */
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&ss, len) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&ss, &len) == 0);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static inline int tp_listen(const char *text, uint16_t *port, int backlog)
{
	int fd = tp_bind(text, SOCK_STREAM, port);

	CU_ASSERT_FATAL(listen(fd, backlog) == 0);
	return fd;
}

/* Accept and drop whatever is queued, so a listener's backlog never fills. */
static inline void tp_drain(int lfd)
{
	int c;

	while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(c);
}

/* tp_run hook form of tp_drain: @ctx points at the listener fd. */
static inline void tp_drain_hook(void *ctx)
{
	tp_drain(*(int *)ctx);
}

/*
 * A listener whose accept queue is full: further SYNs are dropped, so a
 * connect to it neither succeeds nor fails — a blackhole on loopback.
 * The filler sockets go to @fill[0..2] (close them after the test).
 */
static inline int tp_blackhole(const char *text, uint16_t *port, int fill[3])
{
	int lfd = tp_listen(text, port, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	getsockname(lfd, (struct sockaddr *)&ss, &len);
	for (int i = 0; i < 3; i++) {
		fill[i] = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		CU_ASSERT_FATAL(fill[i] >= 0);
		connect(fill[i], (struct sockaddr *)&ss, len);
	}
	usleep(20 * 1000); /* let the handshakes that can complete do so */
	return lfd;
}

static inline int tp_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

typedef bool (*tp_pred)(struct sl_prober *p, void *ctx);
typedef void (*tp_hook)(void *ctx);

/* Poll until @pred holds or @max_ms pass, calling @hook (servers' work) each round. Returns whether @pred held. */
static inline bool tp_run(struct sl_prober *p, uint32_t max_ms, tp_pred pred, void *pctx, tp_hook hook, void *hctx)
{
	uint64_t end = tp_now_ms() + max_ms;

	while (tp_now_ms() < end) {
		CU_ASSERT(sl_prober_poll(p, 5) >= 0);
		if (hook)
			hook(hctx);
		if (pred && pred(p, pctx))
			return true;
	}
	return false;
}

/* Predicate context: wait for @n callbacks in @ev. */
struct tp_wait_events {
	struct tp_events *ev;
	int n;
};

static inline bool tp_have_events(struct sl_prober *p, void *ctx)
{
	struct tp_wait_events *w = ctx;

	(void)p;
	return w->ev->n >= w->n;
}

static inline struct sl_probe_status tp_status(struct sl_prober *p, uint32_t id)
{
	struct sl_probe_status st;

	CU_ASSERT_FATAL(sl_prober_status(p, id, &st) == 0);
	return st;
}

#endif
