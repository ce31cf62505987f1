/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine of sl_client: opens many connections to one target, sends each
 * a few "TOKEN" requests, and checks that every request is answered and that
 * all answers of one connection come from one backend (what a load balancer
 * with connection tracking promises). Split from option parsing and the JSON
 * report so each reads on its own.
 */
#ifndef SLUICE_E2E_CLIENT_H
#define SLUICE_E2E_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "e2e_share.h"

/* Why a connection failed; the report counts each. */
#define E2E_FAILS(X) \
	X(NONE, "none") \
	X(REFUSED, "refused") \
	X(TIMEOUT, "timeout") \
	X(CLOSED, "closed_early") \
	X(BAD_REPLY, "bad_reply") \
	X(MIXED_BACKEND, "mixed_backend") \
	X(DEADLINE, "deadline") \
	X(ERROR, "socket_error")

#define E2E_FAIL_ENUM(name, str) E2E_FAIL_##name,
enum e2e_fail { E2E_FAILS(E2E_FAIL_ENUM) E2E_FAIL__MAX };
#undef E2E_FAIL_ENUM

struct e2e_client_cfg {
	struct sockaddr_storage target;
	socklen_t target_len;
	bool udp;                 /* one connected UDP socket per "connection" */
	unsigned long connections;
	unsigned long concurrency;
	unsigned long requests;   /* per connection */
	unsigned long delay_ms;   /* between a reply and the next request */
	unsigned long timeout_ms; /* connect, and each request's reply */
	unsigned long deadline_ms;/* the whole run */
};

struct e2e_client_result {
	uint64_t succeeded;
	uint64_t answered;        /* replies received, all connections */
	uint64_t fails[E2E_FAIL__MAX];
	int64_t elapsed_ms;
	struct e2e_tally backends; /* successful connections per backend */
	struct e2e_tally failed_on; /* failed connections per backend that had answered them */
};

/* snake_case name of a failure reason, "?" when out of range. Pure. */
const char *e2e_fail_name(enum e2e_fail f);

/*
 * Run the whole load described by @cfg and fill @res. Connections that are
 * still open at the deadline count as E2E_FAIL_DEADLINE; the function always
 * returns by cfg->deadline_ms (plus one timer tick). Up to 10 failures are
 * described on stderr as they happen.
 * Returns 0 when the run took place (look at @res for the verdict), or a
 * negative errno when it could not start (epoll, memory). Single-threaded;
 * uses no globals.
 */
int e2e_client_run(const struct e2e_client_cfg *cfg, struct e2e_client_result *res);

#endif
