/* SPDX-License-Identifier: BSD-3-Clause */
#include "neigh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NEIGH_MAX 4096

struct neigh_entry {
	struct sl_ip ip;
	uint8_t mac[6];
};

struct sl_neigh {
	int fd;
	uint32_t seq;
	uint32_t n;
	struct neigh_entry e[NEIGH_MAX];
};

struct sl_neigh *sl_neigh_create(void)
{
	struct sl_neigh *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0) {
		free(n);
		return NULL;
	}
	return n;
}

void sl_neigh_destroy(struct sl_neigh *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}

static int ip_eq(const struct sl_ip *a, const struct sl_ip *b)
{
	return a->family == b->family && memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

static int learn(struct sl_neigh *n, const struct sl_ip *ip, const uint8_t *mac)
{
	uint32_t i;

	for (i = 0; i < n->n; i++) {
		if (ip_eq(&n->e[i].ip, ip)) {
			if (memcmp(n->e[i].mac, mac, 6) == 0)
				return 0;
			memcpy(n->e[i].mac, mac, 6);
			return 1;
		}
	}
	if (n->n == NEIGH_MAX)
		return 0;
	n->e[n->n].ip = *ip;
	memcpy(n->e[n->n].mac, mac, 6);
	n->n++;
	return 1;
}

static int parse_neigh(struct sl_neigh *n, struct nlmsghdr *h)
{
	struct ndmsg *nd = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*nd));
	struct rtattr *rta = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	const uint8_t *mac = NULL;
	struct sl_ip ip;

	if (len < 0)
		return 0;
	/* Only entries the kernel currently trusts; FAILED/INCOMPLETE carry stale or no MACs. */
	if (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NONE))
		return 0;
	memset(&ip, 0, sizeof(ip));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_DST) {
			if (nd->ndm_family == AF_INET && RTA_PAYLOAD(rta) == 4) {
				ip.family = SL_AF_INET;
				memcpy(ip.w, RTA_DATA(rta), 4);
			} else if (nd->ndm_family == AF_INET6 && RTA_PAYLOAD(rta) == 16) {
				ip.family = SL_AF_INET6;
				memcpy(ip.w, RTA_DATA(rta), 16);
			}
		} else if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6) {
			mac = RTA_DATA(rta);
		}
	}
	return (ip.family && mac) ? learn(n, &ip, mac) : 0;
}

int sl_neigh_refresh(struct sl_neigh *n)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
	} req;
	char buf[32768];
	int changed = 0;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd));
	req.h.nlmsg_type = RTM_GETNEIGH;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = ++n->seq;
	req.nd.ndm_family = AF_UNSPEC;
	if (send(n->fd, &req, req.h.nlmsg_len, 0) < 0)
		return -errno;

	for (;;) {
		ssize_t len = recv(n->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != n->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return changed;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EIO;
			if (h->nlmsg_type == RTM_NEWNEIGH)
				changed += parse_neigh(n, h);
		}
	}
}

int sl_neigh_lookup(void *ctx, const struct sl_ip *ip, uint8_t mac[6])
{
	struct sl_neigh *n = ctx;
	uint32_t i;

	for (i = 0; i < n->n; i++) {
		if (ip_eq(&n->e[i].ip, ip)) {
			memcpy(mac, n->e[i].mac, 6);
			return 0;
		}
	}
	return -ENOENT;
}

void sl_neigh_solicit(const struct sl_ip *ip)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (ip->family == SL_AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(9);
		memcpy(&s4->sin_addr, ip->w, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(9);
		memcpy(&s6->sin6_addr, ip->w, 16);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* The datagram itself is discarded (or refused); we only want the resolution it triggers. */
	(void)sendto(fd, "", 0, 0, (struct sockaddr *)&ss, sl);
	close(fd);
}
