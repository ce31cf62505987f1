/* SPDX-License-Identifier: BSD-3-Clause */
#include "decap_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static const unsigned char v4mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

int sl_decap_addr_parse(const char *s, struct sl_decap_addr *out)
{
	struct in_addr v4;

	if (!s || !out || !*s)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memcpy(out->addr, v4mapped_prefix, sizeof(v4mapped_prefix));
		memcpy(&out->addr[12], &v4, sizeof(v4));
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1)
		return 0;
	return -EINVAL;
}

int sl_decap_addr_format(const struct sl_decap_addr *a, char *buf, size_t len)
{
	const char *r;

	if (!memcmp(a->addr, v4mapped_prefix, sizeof(v4mapped_prefix)))
		r = inet_ntop(AF_INET, &a->addr[12], buf, (socklen_t)len);
	else
		r = inet_ntop(AF_INET6, a->addr, buf, (socklen_t)len);
	return r ? 0 : -ENOSPC;
}
