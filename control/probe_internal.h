/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the probe module: the prober and target structs shared by the
 * scheduler (probe.c) and the per-type probers (probe_tcp.c, probe_udp.c,
 * probe_http.c). Nothing outside control/probe*.c includes this.
 */
#ifndef SLUICE_PROBE_INTERNAL_H
#define SLUICE_PROBE_INTERNAL_H

#include <curl/curl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe.h"
#include "probe_state.h"
#include "probe_timer.h"

struct sl_probe_target {
	uint32_t id;
	struct sl_probe_target *hnext;   /* id table chain */
	struct sl_probe_target *dead_next; /* graveyard: freed when the poll that removed it ends */
	bool     dead;                    /* removed; memory kept until the current poll returns */
	bool     enabled;
	bool     in_flight;

	struct sl_ip addr;
	uint16_t vip_port;
	struct sl_cfg_health h;
	struct sockaddr_storage sa;      /* addr and probe port, ready for connect() */
	socklen_t sa_len;

	struct sl_timer_node timer;      /* next probe, or the in-flight probe's deadline */
	uint64_t started_us;             /* monotonic start of the probe in flight (or the last) */

	int      fd;                     /* TCP/UDP probe socket, -1 when idle */
	CURL    *easy;                   /* HTTP(S) probe in flight, NULL when idle */
	struct curl_slist *curl_hdrs;    /* Host header / connect-to list of that probe */

	struct sl_probe_sm sm;
	bool     last_ok;
	char     last_reason[SL_PROBE_REASON_MAX];
	uint32_t last_duration_us;
	uint64_t last_change_ms;
};

struct sl_prober {
	int      epfd;                   /* what the caller waits on */
	int      timerfd;                /* armed for the earliest deadline (ours or curl's) */
	int      curl_epfd;              /* curl's sockets, nested in epfd */
	CURLM   *multi;
	uint64_t curl_due_us;            /* curl's requested timeout, 0 = none */
	bool     curl_global;            /* curl_global_init() succeeded: cleanup owed */

	struct sl_probe_target **buckets;
	uint32_t n_buckets, n_targets;
	struct sl_timer_heap timers;

	struct sl_probe_target *graveyard;
	int      depth;                  /* > 0 while inside poll/enable: frees are deferred */
	uint32_t finished;               /* probes finished during the current poll */
	uint64_t rng;

	sl_probe_cb cb;
	void    *cb_ctx;
};

/* One probe type: start a probe, react to its socket, and release what it holds. */
struct sl_probe_ops {
	/* Begin a probe; 0, or a negative errno after which the caller records a failure with @reason. */
	int  (*start)(struct sl_prober *p, struct sl_probe_target *t, char *reason, size_t len);
	/* The target's own fd is ready (TCP/UDP); NULL for types driven elsewhere (HTTP via curl). */
	void (*on_event)(struct sl_prober *p, struct sl_probe_target *t, uint32_t events);
	/* Drop everything the probe holds; safe when nothing is in flight. */
	void (*release)(struct sl_prober *p, struct sl_probe_target *t);
};

extern const struct sl_probe_ops sl_probe_tcp_ops;
extern const struct sl_probe_ops sl_probe_udp_ops;
extern const struct sl_probe_ops sl_probe_http_ops;

/* Record the end of @t's probe in flight: release it, update the state machine, schedule the next, maybe call back. */
void sl_probe_finish(struct sl_prober *p, struct sl_probe_target *t, bool ok, const char *reason);

/* Microseconds on CLOCK_MONOTONIC. */
uint64_t sl_probe_now_us(void);

/* Register @t's fd with the prober's epoll for @events; 0 or negative errno. */
int sl_probe_watch_fd(struct sl_prober *p, struct sl_probe_target *t, uint32_t events);

/* Close @t's fd (if any) and mark it idle. */
void sl_probe_close_fd(struct sl_probe_target *t);

/* Id table (probe_table.c). */
struct sl_probe_target *sl_probe_table_find(const struct sl_prober *p, uint32_t id);
int  sl_probe_table_add(struct sl_prober *p, struct sl_probe_target *t);   /* 0 or -ENOMEM */
void sl_probe_table_del(struct sl_prober *p, struct sl_probe_target *t);

/* HTTP(S) engine wiring (probe_http.c): set up/tear down the multi handle, pump curl. */
int  sl_probe_http_init(struct sl_prober *p);
void sl_probe_http_fini(struct sl_prober *p);
void sl_probe_http_on_sockets(struct sl_prober *p);  /* curl_epfd readable */
void sl_probe_http_on_timeout(struct sl_prober *p);  /* curl_due_us reached */

#endif
