/* SPDX-License-Identifier: BSD-3-Clause */
#include "e2e_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	/* strtoul accepts a sign and leading blanks; a port is digits only. */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int e2e_addr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hstart, *hend;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	uint16_t port;
	size_t hlen;

	if (!s || !ss || !len)
		return -EINVAL;
	if (*s == '[') {
		hstart = s + 1;
		hend = strchr(hstart, ']');
		if (!hend || hend[1] != ':')
			return -EINVAL;
		colon = hend + 1;
	} else {
		hstart = s;
		colon = strrchr(s, ':');
		/* An unbracketed IPv6 address would make the port ambiguous. */
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		hend = colon;
	}
	hlen = (size_t)(hend - hstart);
	if (hlen == 0 || hlen >= sizeof(host) || parse_port(colon + 1, &port))
		return -EINVAL;
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "*") == 0 && *s != '[') {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	if (*s == '[') {
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -EINVAL;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*len = sizeof(*s4);
	return 0;
}

const char *e2e_addr_str(const struct sockaddr *sa, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, cap, "%s:%u", host, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, cap, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		return "?";
	}
	return buf;
}
