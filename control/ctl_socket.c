/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/errmsg.h"
#include "ctl_socket.h"

#define CTL_BACKLOG 64


static int fill_addr(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

/* mkdir -p of everything before the last '/'. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return sl_fail(err, errlen, -errno, "cannot create directory %s: %s", dir,
				    strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return sl_fail(err, errlen, -errno, "cannot create directory %s: %s", dir,
			    strerror(errno));
	return 0;
}

int sl_ctl_socket_is_live(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	rc = fill_addr(path, &sa);
	if (rc < 0)
		return rc;
	/* Nonblocking so a listener whose backlog is full answers EAGAIN
	 * at once instead of making the new daemon wait. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		rc = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else if (errno == EAGAIN || errno == EINPROGRESS)
		rc = 1;
	else
		rc = -errno;
	close(fd);
	return rc;
}

/* Make @path free for bind: absent, or a dead socket we may remove. */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int live;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return sl_fail(err, errlen, -errno, "cannot stat %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return sl_fail(err, errlen, -EEXIST, "%s exists and is not a socket; not removing it",
			    path);
	live = sl_ctl_socket_is_live(path);
	if (live > 0)
		return sl_fail(err, errlen, -EADDRINUSE,
			    "%s is in use: another process is listening on it", path);
	if (live < 0)
		return sl_fail(err, errlen, live, "cannot tell whether %s is in use: %s", path,
			    strerror(-live));
	if (unlink(path) < 0 && errno != ENOENT)
		return sl_fail(err, errlen, -errno, "cannot remove stale socket %s: %s", path,
			    strerror(errno));
	return 0;
}

int sl_ctl_socket_listen(const char *path, int mode, int gid, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd, rc;

	if (!path)
		return sl_fail(err, errlen, -EINVAL, "no control socket path");
	if (mode < 0 || (mode & ~0777))
		return sl_fail(err, errlen, -EINVAL, "control socket mode %#o is not a permission mask",
			    (unsigned)mode);
	rc = fill_addr(path, &sa);
	if (rc == -EINVAL)
		return sl_fail(err, errlen, rc, "empty control socket path");
	if (rc < 0)
		return sl_fail(err, errlen, rc, "control socket path is longer than %zu bytes: %s",
			    sizeof(sa.sun_path) - 1, path);
	rc = make_parents(path, err, errlen);
	if (rc < 0)
		return rc;
	rc = clear_stale(path, err, errlen);
	if (rc < 0)
		return rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sl_fail(err, errlen, -errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* EADDRINUSE here means another daemon won the race since
		 * clear_stale(): its socket is live, so leave it. */
		rc = sl_fail(err, errlen, -errno, "cannot bind %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	/* Permissions before listen(): until listen() every connect() is
	 * refused, so the umask-derived mode bind() left is never usable. */
	if (chmod(path, (mode_t)mode) < 0) {
		rc = sl_fail(err, errlen, -errno, "cannot chmod %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (gid >= 0 && chown(path, (uid_t)-1, (gid_t)gid) < 0) {
		rc = sl_fail(err, errlen, -errno, "cannot set group %d on %s: %s", gid, path,
			  strerror(errno));
		goto err_unlink;
	}
	if (listen(fd, CTL_BACKLOG) < 0) {
		rc = sl_fail(err, errlen, -errno, "cannot listen on %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	return fd;

err_unlink:
	unlink(path);
	close(fd);
	return rc;
}
