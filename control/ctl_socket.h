/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's file: a listening SOCK_STREAM Unix socket at a path,
 * with the permissions that decide who may even try to connect.
 *
 * Error convention: negative errno, with a one-line message in the caller's
 * buffer. Not thread-safe (touches the file system); control thread only.
 */
#ifndef SLUICE_CTL_SOCKET_H
#define SLUICE_CTL_SOCKET_H

#include <stddef.h>

/*
 * Create the parent directories of @path if missing (mode 0755), then bind,
 * set the file's mode to @mode (permission bits only, e.g. 0600 or 0660)
 * and, when @gid >= 0, its group to @gid, and only then listen: nobody can
 * connect while the file still has the umask's permissions.
 *
 * An existing file at @path is replaced only if it is a socket nobody
 * listens on (a daemon that crashed); a live socket or any other kind of
 * file is left alone.
 *
 * Returns a nonblocking, close-on-exec listening fd, or -EINVAL (bad mode,
 * empty path), -ENAMETOOLONG (path does not fit sun_path), -EADDRINUSE
 * (another process listens on @path), -EEXIST (@path is not a socket), or
 * the errno of the failing system call.
 */
int sl_ctl_socket_listen(const char *path, int mode, int gid, char *err, size_t errlen);

/*
 * Whether a process listens on the Unix socket at @path: 1 yes, 0 no (no
 * file, or connection refused), negative errno if it cannot be told (e.g.
 * -EACCES). Never blocks: a listener with a full backlog counts as live.
 */
int sl_ctl_socket_is_live(const char *path);

#endif
