/* SPDX-License-Identifier: BSD-3-Clause */
#include "e2e_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "e2e_clock.h"
#include "e2e_line.h"

#define MAX_REPORTED_FAILS 10

enum cstate { CS_IDLE, CS_CONNECTING, CS_WAIT_REPLY, CS_DELAY, CS_DONE };

struct cconn {
	int fd;
	enum cstate state;
	unsigned idx;          /* position in the array: names the connection */
	unsigned slot;         /* position in the active list */
	unsigned long answered;
	int64_t due_ms;        /* timeout (connecting, waiting) or next send (delay) */
	char token[32];
	char backend[E2E_WORD_MAX + 1];
	struct e2e_linebuf in;
};

struct client {
	const struct e2e_client_cfg *cfg;
	struct e2e_client_result *res;
	int epfd;
	struct cconn *conns;
	struct cconn **active;
	unsigned nactive;
	unsigned long next;     /* first connection not started yet */
	unsigned reported;
};

static const char *const fail_names[] = {
#define E2E_FAIL_STR(name, str) str,
	E2E_FAILS(E2E_FAIL_STR)
#undef E2E_FAIL_STR
};

const char *e2e_fail_name(enum e2e_fail f)
{
	return (unsigned)f < E2E_FAIL__MAX ? fail_names[f] : "?";
}

static void conn_finish(struct client *cl, struct cconn *c, enum e2e_fail why, const char *detail)
{
	struct cconn *last;

	if (c->fd >= 0)
		close(c->fd); /* also leaves epoll */
	c->fd = -1;
	c->state = CS_DONE;
	last = cl->active[--cl->nactive];
	last->slot = c->slot;
	cl->active[c->slot] = last;
	/* e2e_tally_add can only fail with more than E2E_MAX_BACKENDS names: a bad reply. */
	if (why == E2E_FAIL_NONE && e2e_tally_add(&cl->res->backends, c->backend) == 0) {
		cl->res->succeeded++;
		return;
	}
	if (why == E2E_FAIL_NONE)
		why = E2E_FAIL_BAD_REPLY;
	cl->res->fails[why]++;
	/* Which backend a broken connection was on: failover tests need it. */
	if (c->backend[0])
		e2e_tally_add(&cl->res->failed_on, c->backend);
	if (cl->reported++ < MAX_REPORTED_FAILS)
		fprintf(stderr, "sl_client: connection %u: %s after %lu/%lu replies%s%s%s\n",
			c->idx, e2e_fail_name(why), c->answered, cl->cfg->requests,
			c->backend[0] ? " from " : "", c->backend, detail ? detail : "");
}

/*
 * Requests are a dozen bytes on an otherwise idle socket: they always fit the
 * send buffer, so a short write means the socket is broken, not busy.
 */
static int conn_send(struct client *cl, struct cconn *c)
{
	int n = snprintf(c->token, sizeof(c->token), "c%u-%lu", c->idx, c->answered);
	char line[sizeof(c->token) + 1];

	memcpy(line, c->token, (size_t)n);
	line[n] = '\n';
	if (write(c->fd, line, (size_t)n + 1) != n + 1)
		return -1;
	c->state = CS_WAIT_REPLY;
	c->due_ms = e2e_now_ms() + (int64_t)cl->cfg->timeout_ms;
	return 0;
}

static void conn_start(struct client *cl, struct cconn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	int type = cl->cfg->udp ? SOCK_DGRAM : SOCK_STREAM;

	c->slot = cl->nactive;
	cl->active[cl->nactive++] = c;
	c->fd = socket(cl->cfg->target.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_finish(cl, c, E2E_FAIL_ERROR, ": socket()");
		return;
	}
	if (connect(c->fd, (const struct sockaddr *)&cl->cfg->target, cl->cfg->target_len) &&
	    errno != EINPROGRESS) {
		conn_finish(cl, c, errno == ECONNREFUSED ? E2E_FAIL_REFUSED : E2E_FAIL_ERROR,
			    ": connect()");
		return;
	}
	if (cl->cfg->udp)
		ev.events = EPOLLIN;
	if (epoll_ctl(cl->epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
		conn_finish(cl, c, E2E_FAIL_ERROR, ": epoll_ctl()");
		return;
	}
	c->state = CS_CONNECTING;
	c->due_ms = e2e_now_ms() + (int64_t)cl->cfg->timeout_ms;
	/* UDP "connects" at once: nothing to wait for before the first request. */
	if (cl->cfg->udp && conn_send(cl, c))
		conn_finish(cl, c, E2E_FAIL_ERROR, ": first send");
}

static void on_connected(struct client *cl, struct cconn *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	socklen_t len = sizeof(int);
	int err = 0;

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		conn_finish(cl, c, err == ECONNREFUSED ? E2E_FAIL_REFUSED : E2E_FAIL_ERROR,
			    ": connect failed");
		return;
	}
	if (epoll_ctl(cl->epfd, EPOLL_CTL_MOD, c->fd, &ev) || conn_send(cl, c))
		conn_finish(cl, c, E2E_FAIL_ERROR, ": first send");
}

/* One reply line: "NAME TOKEN". Returns the failure it proves, or NONE. */
static enum e2e_fail check_reply(struct cconn *c, char *line, int len)
{
	char *sp = memchr(line, ' ', (size_t)len);

	if (len < 0 || !sp)
		return E2E_FAIL_BAD_REPLY;
	*sp = '\0';
	if (!e2e_word_valid(line, (size_t)(sp - line)) || strcmp(sp + 1, c->token) != 0)
		return E2E_FAIL_BAD_REPLY;
	if (!c->backend[0])
		memcpy(c->backend, line, (size_t)(sp - line) + 1);
	else if (strcmp(c->backend, line) != 0)
		return E2E_FAIL_MIXED_BACKEND;
	return E2E_FAIL_NONE;
}

static void on_readable(struct client *cl, struct cconn *c)
{
	char line[E2E_LINE_MAX];
	enum e2e_fail why;
	size_t room;
	char *space = e2e_linebuf_space(&c->in, &room);
	ssize_t n = read(c->fd, space, room);
	int len;

	if (n == 0) {
		conn_finish(cl, c, E2E_FAIL_CLOSED, NULL);
		return;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		conn_finish(cl, c, errno == ECONNREFUSED ? E2E_FAIL_REFUSED : E2E_FAIL_CLOSED,
			    errno == ECONNRESET ? ": reset" : NULL);
		return;
	}
	e2e_linebuf_commit(&c->in, (size_t)n);
	len = e2e_linebuf_take(&c->in, line, sizeof(line));
	if (len == -EAGAIN)
		return;
	/* One request is outstanding at a time, so exactly one line may arrive. */
	if (c->state != CS_WAIT_REPLY || c->in.len != 0) {
		conn_finish(cl, c, E2E_FAIL_BAD_REPLY, ": unsolicited data");
		return;
	}
	why = check_reply(c, line, len);
	if (why != E2E_FAIL_NONE) {
		conn_finish(cl, c, why, NULL);
		return;
	}
	cl->res->answered++;
	if (++c->answered == cl->cfg->requests) {
		conn_finish(cl, c, E2E_FAIL_NONE, NULL);
		return;
	}
	if (cl->cfg->delay_ms) {
		c->state = CS_DELAY;
		c->due_ms = e2e_now_ms() + (int64_t)cl->cfg->delay_ms;
	} else if (conn_send(cl, c)) {
		conn_finish(cl, c, E2E_FAIL_ERROR, ": send");
	}
}

/* Act on every due timer; returns milliseconds until the next one (capped at @cap). */
static int64_t run_timers(struct client *cl, int64_t cap)
{
	int64_t now = e2e_now_ms(), wait = cap;
	unsigned i = 0;

	while (i < cl->nactive) {
		struct cconn *c = cl->active[i];

		if (c->due_ms <= now) {
			if (c->state == CS_DELAY && conn_send(cl, c) == 0) {
				i++;
				continue;
			}
			/* conn_finish moves the last active connection into slot i. */
			conn_finish(cl, c, c->state == CS_DELAY ? E2E_FAIL_ERROR : E2E_FAIL_TIMEOUT,
				    NULL);
			continue;
		}
		if (c->due_ms - now < wait)
			wait = c->due_ms - now;
		i++;
	}
	return wait;
}

static void loop(struct client *cl, int64_t start)
{
	const struct e2e_client_cfg *cfg = cl->cfg;
	int64_t deadline = start + (int64_t)cfg->deadline_ms;
	struct epoll_event evs[256];
	int i, n;

	for (;;) {
		int64_t now, wait;

		while (cl->nactive < cfg->concurrency && cl->next < cfg->connections)
			conn_start(cl, &cl->conns[cl->next++]);
		if (cl->nactive == 0)
			return;
		now = e2e_now_ms();
		if (now >= deadline)
			return;
		wait = run_timers(cl, deadline - now);
		if (cl->nactive == 0)
			continue;
		/* Wake at least every second: the deadline is checked at the top. */
		n = epoll_wait(cl->epfd, evs, 256, (int)(wait < 0 ? 0 : wait > 1000 ? 1000 : wait));
		for (i = 0; i < n; i++) {
			struct cconn *c = evs[i].data.ptr;

			/* An earlier event of this batch may have finished it. */
			if (c->state == CS_DONE)
				continue;
			if (c->state == CS_CONNECTING && !cfg->udp)
				on_connected(cl, c);
			else if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				on_readable(cl, c);
		}
	}
}

int e2e_client_run(const struct e2e_client_cfg *cfg, struct e2e_client_result *res)
{
	struct client cl = { .cfg = cfg, .res = res };
	int64_t start = e2e_now_ms();
	unsigned long i;

	memset(res, 0, sizeof(*res));
	e2e_tally_init(&res->backends);
	e2e_tally_init(&res->failed_on);
	cl.epfd = epoll_create1(EPOLL_CLOEXEC);
	cl.conns = calloc(cfg->connections, sizeof(*cl.conns));
	cl.active = calloc(cfg->concurrency, sizeof(*cl.active));
	if (cl.epfd < 0 || !cl.conns || !cl.active) {
		if (cl.epfd >= 0)
			close(cl.epfd);
		free(cl.conns);
		free(cl.active);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->connections; i++) {
		cl.conns[i].fd = -1;
		cl.conns[i].idx = (unsigned)i;
		e2e_linebuf_init(&cl.conns[i].in);
	}
	loop(&cl, start);
	while (cl.nactive)
		conn_finish(&cl, cl.active[0], E2E_FAIL_DEADLINE, NULL);
	res->fails[E2E_FAIL_DEADLINE] += cfg->connections - cl.next;
	res->elapsed_ms = e2e_now_ms() - start;
	close(cl.epfd);
	free(cl.conns);
	free(cl.active);
	return 0;
}
