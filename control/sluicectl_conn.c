/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sluicectl_conn.h"

int sl_ctl_client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, rc;

	if (n == 0 || n >= sizeof(sa.sun_path)) {
		rc = n ? -ENAMETOOLONG : -EINVAL;
		snprintf(err, errlen, "cannot connect to %s: %s", n ? path : "\"\"",
			 n ? "path longer than a Unix socket address allows" : "empty path");
		return rc;
	}
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot connect to %s: socket: %s", path, strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		if (errno == EAGAIN)
			snprintf(err, errlen, "cannot connect to %s: the daemon is not accepting "
				 "connections (backlog full)", path);
		else if (errno == ECONNREFUSED)
			snprintf(err, errlen, "cannot connect to %s: %s (is sluiced running?)",
				 path, strerror(errno));
		else
			snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until @deadline for poll(); -1 waits forever. */
static int left_ms(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : (left > 1000000 ? 1000000 : (int)left);
}

static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc;

	do {
		rc = poll(&p, 1, left_ms(deadline));
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}

int sl_ctl_client_exchange(int fd, const char *req, size_t len, int timeout_ms, char **reply,
			   size_t *rlen, char *err, size_t errlen)
{
	long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	size_t sent = 0, have = 0, cap = 0;
	char *buf = NULL, *nb, *nl;
	ssize_t n;
	int rc;

	*reply = NULL;
	*rlen = 0;
	if (errlen)
		err[0] = '\0';
	while (sent < len) {
		n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
		if (n >= 0) {
			sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		/* The server may already have answered (and closed) without
		 * reading everything, e.g. "permission denied": read it. */
		if (errno == EPIPE || errno == ECONNRESET)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			rc = -errno;
			snprintf(err, errlen, "send: %s", strerror(errno));
			return rc;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc < 0)
			goto fail;
	}
	for (;;) {
		if (cap - have < 4096) {
			if (cap >= SL_CTL_CLIENT_MAX_REPLY) {
				rc = -EMSGSIZE;
				snprintf(err, errlen, "reply longer than %u bytes",
					 SL_CTL_CLIENT_MAX_REPLY);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				rc = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (n > 0) {
			nl = memchr(buf + have, '\n', (size_t)n);
			have += (size_t)n;
			if (nl) {
				*nl = '\0';
				*reply = buf;
				*rlen = (size_t)(nl - buf);
				return 0;
			}
			continue;
		}
		if (n == 0) {
			rc = -ECONNRESET;
			snprintf(err, errlen, "the daemon closed the connection without a reply");
			goto fail;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			rc = -errno;
			snprintf(err, errlen, "recv: %s", strerror(errno));
			goto fail;
		}
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc < 0)
			goto fail;
	}
fail:
	if (rc == -ETIMEDOUT)
		snprintf(err, errlen, "no reply within %d ms", timeout_ms);
	else if (!err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	free(buf);
	return rc;
}
