/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP probe: send the payload, wait for a reply that starts with udp_expect
 * (any reply if it is empty). The socket is connected so the kernel reports
 * an ICMP port unreachable as ECONNREFUSED: an immediate failure instead of
 * a wait for the timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_internal.h"

#define UDP_REPLY_MAX 2048

static int udp_fail(char *reason, size_t len, const char *what, int err)
{
	if (err == ECONNREFUSED)
		snprintf(reason, len, "ICMP port unreachable");
	else
		snprintf(reason, len, "%s: %s", what, strerror(err));
	return -err;
}

static int udp_start(struct sl_prober *p, struct sl_probe_target *t, char *reason, size_t len)
{
	size_t n = strlen(t->h.udp_send);

	t->fd = socket(t->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return udp_fail(reason, len, "socket", errno);
	if (connect(t->fd, (struct sockaddr *)&t->sa, t->sa_len))
		return udp_fail(reason, len, "connect", errno);
	if (send(t->fd, t->h.udp_send, n, 0) != (ssize_t)n)
		return udp_fail(reason, len, "send", errno ? errno : EMSGSIZE);
	return sl_probe_watch_fd(p, t, EPOLLIN) ? udp_fail(reason, len, "epoll_ctl", errno) : 0;
}

static void udp_event(struct sl_prober *p, struct sl_probe_target *t, uint32_t events)
{
	char buf[UDP_REPLY_MAX], reason[SL_PROBE_REASON_MAX];
	size_t want = strlen(t->h.udp_expect);
	ssize_t n;

	(void)events;
	n = recv(t->fd, buf, sizeof(buf), 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return; /* spurious wakeup: keep waiting until the deadline */
		udp_fail(reason, sizeof(reason), "recv", errno);
		sl_probe_finish(p, t, false, reason);
		return;
	}
	if ((size_t)n < want || memcmp(buf, t->h.udp_expect, want)) {
		sl_probe_finish(p, t, false, "unexpected reply");
		return;
	}
	sl_probe_finish(p, t, true, "ok");
}

static void udp_release(struct sl_prober *p, struct sl_probe_target *t)
{
	(void)p;
	sl_probe_close_fd(t);
}

const struct sl_probe_ops sl_probe_udp_ops = {
	.start = udp_start,
	.on_event = udp_event,
	.release = udp_release,
};
