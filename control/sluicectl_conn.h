/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl's side of the control socket: connect, send one request line,
 * wait for one reply line, all bounded by a deadline.
 *
 * Error convention: negative errno, with a message in the caller's buffer.
 * Thread-safe (no shared state).
 */
#ifndef SLUICE_SLUICECTL_CONN_H
#define SLUICE_SLUICECTL_CONN_H

#include <stddef.h>

/* Longest reply sluicectl accepts: the server never queues more per client. */
#define SL_CTL_CLIENT_MAX_REPLY (8u * 1024u * 1024u)

/*
 * Connect to the control socket at @path without waiting (a listener with
 * a full backlog is reported, not waited for). Returns a connected
 * close-on-exec fd or a negative errno (-ENAMETOOLONG for a path longer than
 * sun_path, -ENOENT, -EACCES, -ECONNREFUSED, -EAGAIN ...), with
 * "cannot connect to PATH: reason" in @err.
 */
int sl_ctl_client_connect(const char *path, char *err, size_t errlen);

/*
 * Send @req/@len (a whole line, newline included) on @fd and read one reply
 * line, waiting at most @timeout_ms in total (< 0: forever). Returns 0 with
 * the line (newline stripped, NUL-terminated, malloc'd) in *@reply and its
 * length in *@rlen, or -ETIMEDOUT, -ECONNRESET (closed before a full
 * line), -EMSGSIZE (reply longer than SL_CTL_CLIENT_MAX_REPLY), -ENOMEM or
 * the errno of send/recv; @err says which. A server that answers without
 * reading the whole request (a refusal) still has its reply returned.
 */
int sl_ctl_client_exchange(int fd, const char *req, size_t len, int timeout_ms, char **reply,
			   size_t *rlen, char *err, size_t errlen);

#endif
