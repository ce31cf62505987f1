/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_flow.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define ETH_HLEN   14
#define IPV4_HLEN  20
#define IPV6_HLEN  40
#define TCP_HLEN   20
#define UDP_HLEN   8

/* 198.19.0.0/16 and 2001:db8:c::/64: benchmark space (RFC 2544 / RFC 3849) never routed. */
static const uint8_t client_v4[4] = { 198, 19, 0, 0 };
static const uint8_t client_v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0c };

int gen_flow_src(int family, uint32_t idx, uint8_t addr[16], uint16_t *port)
{
	if (!addr || !port || idx >= GEN_MAX_FLOWS || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	memset(addr, 0, 16);
	if (family == AF_INET) {
		memcpy(addr, client_v4, 4);
		gen_put16(addr + 2, (uint16_t)(idx & 0xffff));
	} else if (family == AF_INET6) {
		memcpy(addr, client_v6, 16);
		gen_put16(addr + 14, (uint16_t)(idx & 0xffff));
	} else {
		return -EINVAL;
	}
	*port = (uint16_t)(GEN_PORT_BASE + (idx >> 16));
	return 0;
}

int64_t gen_flow_index(int family, const uint8_t *addr, uint16_t port, uint32_t n_flows)
{
	uint32_t lo, idx;

	if (!addr)
		return -EINVAL;
	if (family == AF_INET) {
		if (memcmp(addr, client_v4, 2) != 0)
			return -ENOENT;
		lo = (uint32_t)addr[2] << 8 | addr[3];
	} else if (family == AF_INET6) {
		if (memcmp(addr, client_v6, 14) != 0)
			return -ENOENT;
		lo = (uint32_t)addr[14] << 8 | addr[15];
	} else {
		return -EINVAL;
	}
	if (port < GEN_PORT_BASE)
		return -ENOENT;
	idx = (uint32_t)(port - GEN_PORT_BASE) << 16 | lo;
	if (idx >= n_flows || idx >= GEN_MAX_FLOWS)
		return -ENOENT;
	return idx;
}

/* Unfolded sum of big-endian 16-bit words; @len even. */
static uint32_t sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint32_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

int gen_tmpl_build(struct gen_tmpl *t, const struct gen_flow_cfg *c)
{
	uint16_t l3_hlen, l4_hlen, l4_len, len;
	uint8_t *ip, *l4;
	uint32_t sum;

	if (!t || !c || (c->family != AF_INET && c->family != AF_INET6) || c->frame_len > GEN_FRAME_MAX)
		return -EINVAL;
	l3_hlen = c->family == AF_INET ? IPV4_HLEN : IPV6_HLEN;
	l4_hlen = c->udp ? UDP_HLEN : TCP_HLEN;
	len = c->frame_len;
	if (len < ETH_HLEN + l3_hlen + l4_hlen)
		len = (uint16_t)(ETH_HLEN + l3_hlen + l4_hlen);

	memset(t, 0, sizeof(*t));
	t->len = len;
	t->udp = (uint8_t)(c->udp != 0);
	memcpy(t->frame, c->dst_mac, 6);
	memcpy(t->frame + 6, c->src_mac, 6);
	gen_put16(t->frame + 12, c->family == AF_INET ? 0x0800 : 0x86dd);
	ip = t->frame + ETH_HLEN;
	l4 = ip + l3_hlen;
	l4_len = (uint16_t)(len - ETH_HLEN - l3_hlen);

	if (c->family == AF_INET) {
		ip[0] = 0x45;
		gen_put16(ip + 2, (uint16_t)(l3_hlen + l4_len));
		gen_put16(ip + 6, 0x4000); /* DF: a tunnel must not need to fragment us */
		ip[8] = 64;
		ip[9] = c->udp ? IPPROTO_UDP : IPPROTO_TCP;
		memcpy(ip + 12, client_v4, 4);
		memcpy(ip + 16, c->vip, 4);
		t->addr_off = ETH_HLEN + 14;
		t->ip_csum_off = ETH_HLEN + 10;
		t->ip_sum = fold(sum16(ip, IPV4_HLEN, 0));
		sum = sum16(ip + 12, 8, 0);
	} else {
		ip[0] = 0x60;
		gen_put16(ip + 4, l4_len);
		ip[6] = c->udp ? IPPROTO_UDP : IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, client_v6, 16);
		memcpy(ip + 24, c->vip, 16);
		t->addr_off = ETH_HLEN + 22;
		sum = sum16(ip + 8, 32, 0);
	}
	/* Pseudo header: the addresses (above), protocol and L4 length. */
	sum += (uint32_t)(c->udp ? IPPROTO_UDP : IPPROTO_TCP) + l4_len;

	t->port_off = (uint16_t)(l4 - t->frame);
	gen_put16(l4 + 2, c->vip_port);
	if (c->udp) {
		gen_put16(l4 + 4, l4_len);
		t->l4_csum_off = (uint16_t)(t->port_off + 6);
	} else {
		l4[12] = TCP_HLEN / 4 << 4;
		l4[13] = c->tcp_flags;
		gen_put16(l4 + 14, 65535);
		/* A plausible ISN/ACK so middleboxes that look see an ordinary segment. */
		gen_put16(l4 + 4, 0x1000);
		if (c->tcp_flags & GEN_TCP_FLAG_ACK)
			gen_put16(l4 + 8, 0x2000);
		t->l4_csum_off = (uint16_t)(t->port_off + 16);
	}
	t->l4_sum = fold(sum16(l4, l4_len, sum));
	return len;
}
