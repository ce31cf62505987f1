/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server: JSON-lines requests from `sluicectl` (or any
 * client) dispatched to commands the daemon registers.
 *
 * Runs entirely on the caller's thread (sluiced's control thread, which
 * owns all state): the caller polls sl_ctl_server_fd() in its own loop and
 * calls sl_ctl_server_poll(), which accepts, reads, runs commands and writes
 * without ever blocking on a client. A client that sends too much, never
 * reads its replies, or is not allowed is answered with an error where
 * possible and disconnected; it cannot stall the thread.
 *
 * Limits: request line SL_CTL_MAX_LINE bytes (longer: error reply, then
 * close), pending reply bytes SL_CTL_MAX_OUTPUT per client (more: dropped),
 * SL_CTL_MAX_CLIENTS connections (more: error reply, then close).
 *
 * Error convention: negative errno, with a one-line message in the caller's
 * buffer where there is one. Thread safety: none; every function must be
 * called from the one thread that owns the server.
 */
#ifndef SLUICE_CTL_SERVER_H
#define SLUICE_CTL_SERVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

#define SL_CTL_MAX_OUTPUT  (4u * 1024u * 1024u)
#define SL_CTL_MAX_CLIENTS 64
#define SL_CTL_DEFAULT_SOCKET "/run/sluice/sluice.sock"

/*
 * One command. @fn runs on the server's thread with @ctx from
 * sl_ctl_server_set_commands and @args, always a JSON object (empty when the
 * request had none; borrowed). On success it returns >= 0 and may set
 * *@result to a new reference (left NULL, the reply carries null). On
 * failure it returns a negative errno and writes a one-line message for the
 * operator to @err (if it writes nothing, strerror is used); a *@result set
 * anyway is released. @fn must not call back into the server.
 */
struct sl_ctl_cmd {
	const char *name;
	const char *help; /* one line, shown by the built-in `help` */
	int (*fn)(void *ctx, json_t *args, json_t **result, char *err, size_t errlen);
};

/* Counters since creation, for the daemon's stats and for tests. */
struct sl_ctl_server_stats {
	uint64_t accepted;       /* connections admitted */
	uint64_t rejected_full;  /* refused: SL_CTL_MAX_CLIENTS reached */
	uint64_t rejected_cred;  /* refused: peer credentials not allowed */
	uint64_t dropped_slow;   /* dropped: pending output above SL_CTL_MAX_OUTPUT */
	uint64_t dropped_long;   /* closed: request line above SL_CTL_MAX_LINE */
	uint64_t requests;       /* request lines handled */
	uint64_t errors;         /* error replies sent */
};

struct sl_ctl_server;

/*
 * Listen on the Unix socket @path (see sl_ctl_socket_listen: parent
 * directories created, a stale socket replaced, a live one never). @mode is
 * the socket file's permission bits (0600, or 0660 with @gid); @gid is the
 * group whose members may connect, or -1 for none (then only root and this
 * process's uid may). Returns the server, or NULL with errno set (a
 * positive code: the one sl_ctl_socket_listen returned, or ENOMEM) and a
 * message in @err.
 */
struct sl_ctl_server *sl_ctl_server_create(const char *path, int mode, int gid, char *err,
					   size_t errlen);

/*
 * Replace the command table with @cmds[0..n) (borrowed: must outlive the
 * server or the next call) and @ctx, passed to every command. Names must be
 * non-empty, unique and not "help" (built in: lists the commands).
 * Returns 0 or -EINVAL (table unchanged).
 */
int sl_ctl_server_set_commands(struct sl_ctl_server *srv, const struct sl_ctl_cmd *cmds,
			       size_t n, void *ctx);

/* An epoll fd that is readable whenever sl_ctl_server_poll has work. */
int sl_ctl_server_fd(const struct sl_ctl_server *srv);

/*
 * Wait up to @timeout_ms (0: don't wait, -1: forever) for activity and
 * handle it: accept, read, run commands, write. Never blocks on a client.
 * Returns the number of events handled (>= 0) or a negative errno if epoll
 * itself failed. An interrupting signal returns 0.
 */
int sl_ctl_server_poll(struct sl_ctl_server *srv, int timeout_ms);

/* Clients currently connected. */
unsigned sl_ctl_server_n_clients(const struct sl_ctl_server *srv);

/* Counters; the pointer stays valid for the server's life. */
const struct sl_ctl_server_stats *sl_ctl_server_stats(const struct sl_ctl_server *srv);

/*
 * Close every connection and the listener, and unlink the socket file if it
 * is still the one this server created. Safe with NULL.
 */
void sl_ctl_server_destroy(struct sl_ctl_server *srv);

#endif
