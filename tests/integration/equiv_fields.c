/* SPDX-License-Identifier: BSD-3-Clause */
#include "equiv_fields.h"

#include <stdio.h>
#include <string.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int eq_backend_of(const struct sl_dp_vip *vip, const uint8_t *frame, uint32_t len)
{
	uint16_t et;
	uint32_t i;

	if (len < 14)
		return EQ_NOT_A_BACKEND;
	et = rd16(frame + 12);
	for (i = 0; i < vip->n_backends; i++) {
		const struct sl_dp_backend *b = &vip->backends[i];

		if (memcmp(frame, b->mac, 6) != 0)
			continue;
		if (vip->method == SL_FWD_L2DSR)
			return (int)i;
		if (et == ETH_P_IPV4 && len >= 34 && b->family == SL_AF_INET &&
		    memcmp(frame + 30, b->addr, 4) == 0)
			return (int)i;
		if (et == ETH_P_IPV6 && len >= 54 && b->family == SL_AF_INET6 &&
		    memcmp(frame + 38, b->addr, 16) == 0)
			return (int)i;
		return EQ_BACKEND_CONFUSED;
	}
	return EQ_NOT_A_BACKEND;
}

static const char *ipv4_field(uint32_t o)
{
	static const char *const f[20] = {
		"version/IHL", "TOS (DSCP/ECN)", "total length", "total length", "ID", "ID",
		"flags/fragment offset", "flags/fragment offset", "TTL", "protocol", "header checksum",
		"header checksum", "source address", "source address", "source address",
		"source address", "destination address", "destination address",
		"destination address", "destination address",
	};
	return o < 20 ? f[o] : "IPv4 options";
}

static const char *ipv6_field(uint32_t o)
{
	if (o == 0)
		return "version/traffic class";
	if (o == 1)
		return "traffic class/flow label";
	if (o < 4)
		return "flow label";
	if (o < 6)
		return "payload length";
	if (o == 6)
		return "next header";
	if (o == 7)
		return "hop limit";
	return o < 24 ? "source address" : "destination address";
}

static const char *l4_field(uint8_t proto, uint32_t o, int *inner_at)
{
	static const char *const udp[8] = {
		"UDP source port", "UDP source port", "UDP destination port", "UDP destination port",
		"UDP length", "UDP length", "UDP checksum", "UDP checksum",
	};

	*inner_at = -1;
	switch (proto) {
	case 4:
	case 41:
		*inner_at = 0;
		return NULL;
	case 17:
		if (o < 8)
			return udp[o];
		if (o < 12)
			return "GUE header";
		*inner_at = 12;
		return NULL;
	case 6:
		return o < 4 ? "TCP ports" : o < 20 ? "TCP header" : "TCP payload";
	case 1:
	case 58:
		return o < 4 ? "ICMP type/code/checksum" : o < 8 ? "ICMP rest of header" : "ICMP quote";
	default:
		return "L4";
	}
}

/* @l3 is where an IPv4/IPv6 header of family @et starts; names @off relative to the frame. */
static const char *l3_name(const uint8_t *f, uint32_t len, uint32_t l3, uint16_t et, uint32_t off,
			   const char *prefix, char *name, size_t n, int depth)
{
	uint32_t hl;
	uint8_t proto;
	const char *s;
	int inner_at;

	if (et == ETH_P_IPV4 && l3 + 20 <= len) {
		hl = (uint32_t)(f[l3] & 0xf) * 4;
		proto = f[l3 + 9];
		if (off < l3 + hl) {
			snprintf(name, n, "%sIPv4 %s", prefix, ipv4_field(off - l3));
			return name;
		}
	} else if (et == ETH_P_IPV6 && l3 + 40 <= len) {
		hl = 40;
		proto = f[l3 + 6];
		if (off < l3 + hl) {
			snprintf(name, n, "%sIPv6 %s", prefix, ipv6_field(off - l3));
			return name;
		}
	} else {
		snprintf(name, n, "%sL3 byte %u", prefix, off - l3);
		return name;
	}
	s = l4_field(proto, off - l3 - hl, &inner_at);
	if (s || depth > 0) {
		snprintf(name, n, "%s%s", prefix, s ? s : "inner packet");
		return name;
	}
	l3 += hl + (uint32_t)inner_at;
	if (l3 >= len) {
		snprintf(name, n, "inner packet");
		return name;
	}
	return l3_name(f, len, l3, (f[l3] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IPV4, off, "inner ", name, n,
		       depth + 1);
}

const char *eq_field_name(const uint8_t *frame, uint32_t len, uint32_t off, char *name, size_t n)
{
	uint32_t l3 = 14;
	uint16_t et;

	if (off < 6)
		return snprintf(name, n, "Ethernet destination"), name;
	if (off < 12)
		return snprintf(name, n, "Ethernet source"), name;
	if (len < 14 || off < 14)
		return snprintf(name, n, "ethertype"), name;
	et = rd16(frame + 12);
	while ((et == 0x8100 || et == 0x88a8) && l3 + 4 <= len) {
		if (off < l3 + 4)
			return snprintf(name, n, "VLAN tag"), name;
		et = rd16(frame + l3 + 2);
		l3 += 4;
	}
	return l3_name(frame, len, l3, et, off, "outer ", name, n, 0);
}
