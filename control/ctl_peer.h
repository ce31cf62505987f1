/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who is on the other end of a control connection, and whether they may
 * talk to the daemon. The socket file's mode is the first gate; this is the
 * second, so a too-open mode or an inherited fd still cannot reach the
 * control thread.
 *
 * Error convention: negative errno. Thread-safe (no shared state).
 */
#ifndef SLUICE_CTL_PEER_H
#define SLUICE_CTL_PEER_H

#include <stdbool.h>
#include <sys/types.h>

#define SL_CTL_PEER_MAX_GROUPS 64

struct sl_ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;                              /* primary group */
	gid_t groups[SL_CTL_PEER_MAX_GROUPS];   /* supplementary groups (may be truncated) */
	int   n_groups;
};

/*
 * Fill @peer from the connected Unix socket @fd (SO_PEERCRED, plus
 * SO_PEERGROUPS where the kernel has it; without it only the primary group
 * is known). Returns 0 or negative errno of getsockopt.
 */
int sl_ctl_peer_get(int fd, struct sl_ctl_peer *peer);

/*
 * The access decision: root, the daemon's own uid @self_uid, or, when
 * @allowed_gid >= 0, a process whose primary or supplementary group is
 * @allowed_gid. Returns true if allowed. Pure function.
 */
bool sl_ctl_peer_allowed(const struct sl_ctl_peer *peer, uid_t self_uid, int allowed_gid);

#endif
