/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl_peer.h"

int sl_ctl_peer_get(int fd, struct sl_ctl_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(peer, 0, sizeof(*peer));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	peer->pid = cred.pid;
	peer->uid = cred.uid;
	peer->gid = cred.gid;
#ifdef SO_PEERGROUPS
	len = sizeof(peer->groups);
	/* ERANGE means more groups than we keep: the kernel still filled
	 * nothing, so the decision falls back to the primary group. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer->groups, &len) == 0)
		peer->n_groups = (int)(len / sizeof(gid_t));
#endif
	return 0;
}

bool sl_ctl_peer_allowed(const struct sl_ctl_peer *peer, uid_t self_uid, int allowed_gid)
{
	int i;

	if (peer->uid == 0 || peer->uid == self_uid)
		return true;
	if (allowed_gid < 0)
		return false;
	if (peer->gid == (gid_t)allowed_gid)
		return true;
	for (i = 0; i < peer->n_groups && i < SL_CTL_PEER_MAX_GROUPS; i++)
		if (peer->groups[i] == (gid_t)allowed_gid)
			return true;
	return false;
}
