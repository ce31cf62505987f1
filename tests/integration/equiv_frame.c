/* SPDX-License-Identifier: BSD-3-Clause */
#include "equiv_frame.h"

#include <string.h>

#include "../../common/encap.h"
#include "../../common/flow_key.h"

#define ETH_MIN_FRAME 60
#define IP_MTU 1500

uint64_t eq_rand(struct eq_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t eq_rand_below(struct eq_rng *r, uint32_t n)
{
	return (uint32_t)(((eq_rand(r) >> 32) * n) >> 32);
}

static void rand_bytes(struct eq_rng *r, uint8_t *p, uint32_t n)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if ((i & 7) == 0)
			v = eq_rand(r);
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void eq_flow_random(struct eq_rng *r, const struct eq_target *t, struct eq_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->family = t->family;
	f->proto = t->proto;
	if (t->family == SL_AF_INET) {
		f->src[0] = 198;
		f->src[1] = 19;
		rand_bytes(r, f->src + 2, 2);
		memcpy(f->dst, t->addr, 4);
		f->df = eq_rand_below(r, 16) != 0;
	} else {
		static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0c, 0, 0 };

		memcpy(f->src, pfx, 8);
		rand_bytes(r, f->src + 8, 8);
		memcpy(f->dst, t->addr, 16);
		f->df = 1;
		f->flow_label = (uint32_t)eq_rand(r) & 0xfffff;
	}
	f->sport = (uint16_t)(1024 + eq_rand_below(r, 65536 - 1024));
	f->dport = t->port ? t->port : (uint16_t)(1 + eq_rand_below(r, 65535));
	f->tos = (uint8_t)eq_rand(r);
	f->ttl = (uint8_t)(2 + eq_rand_below(r, 254));
	f->vlan = eq_rand_below(r, 8) == 0;
	f->vlan_tci = (uint16_t)(1 + eq_rand_below(r, 4094));
}

uint32_t eq_frame_build(struct eq_rng *r, const struct eq_flow *f, uint8_t tcp_flags,
			uint32_t payload, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			uint8_t *buf)
{
	uint32_t l2 = f->vlan ? 18 : 14, iphl = f->family == SL_AF_INET ? 20 : 40;
	uint32_t l4hl = 8, len, l4len;
	uint8_t *ip = buf + l2, *l4;

	/* TCP options (random bytes behind a longer data offset) on a quarter of TCP packets. */
	if (f->proto == 6)
		l4hl = eq_rand_below(r, 4) == 0 ? 20 + 4 * (1 + eq_rand_below(r, 10)) : 20;
	if (iphl + l4hl + payload > IP_MTU)
		payload = IP_MTU - iphl - l4hl;
	l4len = l4hl + payload;
	memcpy(buf, dst_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	if (f->vlan) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, f->vlan_tci);
	}
	put16(buf + l2 - 2, f->family == SL_AF_INET ? 0x0800 : 0x86dd);
	if (f->family == SL_AF_INET) {
		uint16_t csum;

		ip[0] = 0x45;
		ip[1] = f->tos;
		put16(ip + 2, (uint16_t)(iphl + l4len));
		put16(ip + 4, (uint16_t)eq_rand(r));
		put16(ip + 6, f->df ? 0x4000 : 0);
		ip[8] = f->ttl;
		ip[9] = f->proto;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, f->src, 4);
		memcpy(ip + 16, f->dst, 4);
		csum = sl_csum_fold(sl_csum_partial(ip, 20, 0));
		memcpy(ip + 10, &csum, 2);
	} else {
		ip[0] = (uint8_t)(0x60 | f->tos >> 4);
		ip[1] = (uint8_t)(f->tos << 4 | f->flow_label >> 16);
		put16(ip + 2, (uint16_t)f->flow_label);
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = f->proto;
		ip[7] = f->ttl;
		memcpy(ip + 8, f->src, 16);
		memcpy(ip + 24, f->dst, 16);
	}
	l4 = ip + iphl;
	/* Random everything first (seq, ack, window, checksums, options, payload); then the fields that matter. */
	rand_bytes(r, l4, l4len);
	put16(l4, f->sport);
	put16(l4 + 2, f->dport);
	if (f->proto == 6) {
		l4[12] = (uint8_t)((l4hl / 4) << 4);
		l4[13] = tcp_flags;
	} else {
		put16(l4 + 4, (uint16_t)l4len);
	}
	len = l2 + iphl + l4len;
	if (len < ETH_MIN_FRAME) {
		memset(buf + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	return len;
}
