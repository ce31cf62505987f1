/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP probe: a non-blocking connect; the handshake completing is success. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_internal.h"

static void fail_errno(char *reason, size_t len, const char *what, int err)
{
	snprintf(reason, len, "%s: %s", what, strerror(err));
}

/* Reset instead of FIN: the prober would otherwise hold a TIME_WAIT socket
 * per probe (hundreds of backends every few seconds), and the backend learns
 * nothing from a graceful close it would not from a reset. */
static void abort_close(struct sl_probe_target *t)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (t->fd >= 0)
		setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	sl_probe_close_fd(t);
}

static int tcp_start(struct sl_prober *p, struct sl_probe_target *t, char *reason, size_t len)
{
	int rc;

	t->fd = socket(t->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		rc = -errno;
		fail_errno(reason, len, "socket", -rc);
		return rc;
	}
	if (connect(t->fd, (struct sockaddr *)&t->sa, t->sa_len) == 0) {
		sl_probe_finish(p, t, true, "ok");
		return 0;
	}
	if (errno != EINPROGRESS) {
		rc = -errno;
		fail_errno(reason, len, "connect", -rc);
		return rc;
	}
	rc = sl_probe_watch_fd(p, t, EPOLLOUT);
	if (rc)
		fail_errno(reason, len, "epoll_ctl", -rc);
	return rc;
}

static void tcp_event(struct sl_prober *p, struct sl_probe_target *t, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof(err);
	char reason[SL_PROBE_REASON_MAX];

	(void)events; /* SO_ERROR tells success from refusal whatever the flags */
	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (!err) {
		sl_probe_finish(p, t, true, "ok");
		return;
	}
	fail_errno(reason, sizeof(reason), "connect", err);
	sl_probe_finish(p, t, false, reason);
}

static void tcp_release(struct sl_prober *p, struct sl_probe_target *t)
{
	(void)p;
	abort_close(t);
}

const struct sl_probe_ops sl_probe_tcp_ops = {
	.start = tcp_start,
	.on_event = tcp_event,
	.release = tcp_release,
};
