/* SPDX-License-Identifier: BSD-3-Clause */
/* Address and MAC text conversions used by the config and sluicectl. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

int sl_ip_parse(const char *s, struct sl_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &ip->w[0]) == 1) {
		ip->family = SL_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->w) == 1) {
		ip->family = SL_AF_INET6;
		return 0;
	}
	memset(ip, 0, sizeof(*ip));
	return -EINVAL;
}

const char *sl_ip_str(const struct sl_ip *ip, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	const char *s = "unset";

	if (!len)
		return buf;
	if (ip->family == SL_AF_INET)
		s = inet_ntop(AF_INET, &ip->w[0], tmp, sizeof(tmp));
	else if (ip->family == SL_AF_INET6)
		s = inet_ntop(AF_INET6, ip->w, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", s ? s : "?");
	return buf;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sl_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t out[6];
	int i, hi, lo;

	if (!s)
		return -EINVAL;
	/* Exactly "xx:xx:xx:xx:xx:xx": sscanf("%hhx") would accept "1:2:3:4:5:6 junk". */
	for (i = 0; i < 6; i++) {
		hi = hex_digit(s[0]);
		lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
		if (i < 5 && s[2] != ':' && s[2] != '-')
			return -EINVAL;
		s += i < 5 ? 3 : 2;
	}
	if (*s)
		return -EINVAL;
	memcpy(mac, out, 6);
	return 0;
}

int sl_addr_port_parse(const char *s, struct sl_ip *ip, uint16_t *port)
{
	char host[64];
	const char *colon, *h, *p;
	size_t hl;
	unsigned long v = 0;

	memset(ip, 0, sizeof(*ip));
	*port = 0;
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		h = s;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	/* Digits only, at most 5: strtoul would take "+80", " 80" and wrap "4294967376". */
	for (p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || p - colon > 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (p == colon + 1 || v == 0 || v > 65535)
		return -EINVAL;
	if (sl_ip_parse(host, ip))
		return -EINVAL;
	/* Unbracketed IPv6 ("::1:9100") is ambiguous: where does the address end? */
	if (ip->family == SL_AF_INET6 && s[0] != '[') {
		memset(ip, 0, sizeof(*ip));
		return -EINVAL;
	}
	if (ip->family == SL_AF_INET && s[0] == '[') {
		memset(ip, 0, sizeof(*ip));
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}
