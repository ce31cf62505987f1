/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_decode.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "gen_flow.h"

#define ETH_HLEN  14
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define UDP_HLEN  8
#define GUE_HLEN  4

static const char *const kind_names[GEN_RX__MAX] = {
	[GEN_RX_PLAIN] = "plain", [GEN_RX_L2DSR] = "l2dsr", [GEN_RX_IPIP] = "ipip",
	[GEN_RX_IP6TNL] = "ip6tnl", [GEN_RX_GUE] = "gue",
};

const char *gen_rx_kind_name(enum gen_rx_kind k)
{
	return (unsigned)k < GEN_RX__MAX ? kind_names[k] : "?";
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The inner (or only) IP packet: ours if it goes to the VIP from a client we own. */
static int inner_flow(const uint8_t *ip, uint32_t len, int family, const uint8_t *vip, uint16_t vip_port,
		      uint32_t n_flows, uint32_t *flow)
{
	const uint8_t *src, *dst, *l4;
	int64_t idx;

	if (family == AF_INET) {
		if (len < IPV4_HLEN || ip[0] != 0x45)
			return -EPROTO;
		src = ip + 12;
		dst = ip + 16;
		l4 = ip + IPV4_HLEN;
		len -= IPV4_HLEN;
		if (memcmp(dst, vip, 4) != 0)
			return -ENOENT;
	} else {
		if (len < IPV6_HLEN || (ip[0] >> 4) != 6)
			return -EPROTO;
		src = ip + 8;
		dst = ip + 24;
		l4 = ip + IPV6_HLEN;
		len -= IPV6_HLEN;
		if (memcmp(dst, vip, 16) != 0)
			return -ENOENT;
	}
	if (len < 4)
		return -EPROTO;
	if (get16(l4 + 2) != vip_port)
		return -ENOENT;
	idx = gen_flow_index(family, src, get16(l4), n_flows);
	if (idx < 0)
		return (int)idx;
	*flow = (uint32_t)idx;
	return 0;
}

int gen_decode(const uint8_t *frame, uint32_t len, int family, const uint8_t *vip, uint16_t vip_port,
	       const uint8_t *sent_dst_mac, uint16_t gue_port, uint32_t n_flows, struct gen_rx *out)
{
	const uint8_t *ip, *inner;
	uint32_t ilen;
	uint16_t etype;
	uint8_t proto;
	int inner_family;

	if (!frame || !vip || !sent_dst_mac || !out || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	if (len < ETH_HLEN)
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	etype = get16(frame + 12);
	ip = frame + ETH_HLEN;
	len -= ETH_HLEN;

	if (etype == 0x0800) {
		if (len < IPV4_HLEN || ip[0] != 0x45)
			return -EPROTO;
		proto = ip[9];
		inner = ip + IPV4_HLEN;
		ilen = len - IPV4_HLEN;
		memcpy(out->backend, ip + 16, 4);
	} else if (etype == 0x86dd) {
		if (len < IPV6_HLEN || (ip[0] >> 4) != 6)
			return -EPROTO;
		proto = ip[6];
		inner = ip + IPV6_HLEN;
		ilen = len - IPV6_HLEN;
		memcpy(out->backend, ip + 24, 16);
	} else {
		return -EPROTO;
	}

	if (proto == IPPROTO_IPIP || proto == IPPROTO_IPV6) {
		out->kind = etype == 0x0800 ? GEN_RX_IPIP : GEN_RX_IP6TNL;
		inner_family = proto == IPPROTO_IPIP ? AF_INET : AF_INET6;
	} else if (proto == IPPROTO_UDP && ilen >= UDP_HLEN + GUE_HLEN && get16(inner + 2) == gue_port &&
		   inner[UDP_HLEN] == 0 &&
		   (inner[UDP_HLEN + 1] == IPPROTO_IPIP || inner[UDP_HLEN + 1] == IPPROTO_IPV6)) {
		/*
		 * Variant 0 without optional fields, whose proto byte names the inner
		 * packet; our own zero-payload UDP to a VIP on the GUE port fails this.
		 */
		out->kind = GEN_RX_GUE;
		inner_family = inner[UDP_HLEN + 1] == IPPROTO_IPIP ? AF_INET : AF_INET6;
		inner += UDP_HLEN + GUE_HLEN;
		ilen -= UDP_HLEN + GUE_HLEN;
	} else {
		/* Not tunnelled: our own packet, re-addressed at L2 or not at all. */
		memset(out->backend, 0, sizeof(out->backend));
		if ((etype == 0x0800 ? AF_INET : AF_INET6) != family)
			return -ENOENT;
		memcpy(out->backend, frame, 6);
		out->kind = memcmp(frame, sent_dst_mac, 6) == 0 ? GEN_RX_PLAIN : GEN_RX_L2DSR;
		return inner_flow(ip, len, family, vip, vip_port, n_flows, &out->flow);
	}
	if (inner_family != family)
		return -ENOENT;
	return inner_flow(inner, ilen, family, vip, vip_port, n_flows, &out->flow);
}
