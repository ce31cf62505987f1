/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnel headers and ICMP messages on plain buffers (see encap.h).
 *
 * Multi-byte header fields are written byte by byte in network order, so the
 * code is endian-neutral and needs no alignment. Checksums are the exception:
 * they are summed over native 16-bit loads (RFC 1071 §2(B): the sum is
 * byte-order independent) and stored back with a native store.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "encap.h"
#include "encap_fast.h"
#include "pkt_parse.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define UDP_HLEN  8
#define GUE_HLEN  4
#define ICMP_HLEN 8

#define PROTO_ICMP   1
#define PROTO_IPIP   4
#define PROTO_UDP    17
#define PROTO_IPV6   41
#define PROTO_ICMPV6 58

#define IPV4_DF          0x4000
#define IPV4_FRAG_OFFSET 0x1fff

#define ICMP_ECHO_REQUEST   8
#define ICMP_ECHO_REPLY     0
#define ICMP_DEST_UNREACH   3
#define ICMP_FRAG_NEEDED    4
#define ICMP6_PKT_TOO_BIG   2
#define ICMP6_ECHO_REQUEST  128
#define ICMP6_ECHO_REPLY    129
#define ICMP6_FIRST_INFO    128 /* ICMPv6 types below this are errors (RFC 4443 §2.1) */

/* A fresh TTL like a host's, not the request's: the reply starts its own journey. */
#define REPLY_TTL 64
/* CS6 (network control), as Linux marks its ICMP errors, so congested routers keep them. */
#define ICMP_ERR_TOS 0xc0

/* Largest ICMP error the RFCs allow: 576 (RFC 1812 §4.3.2.3), 1280 (RFC 4443 §2.4(c)). */
#define ICMP4_ERR_MAX 576
#define ICMP6_ERR_MAX 1280
#define IPV4_MIN_MTU  68
#define IPV6_MIN_MTU  1280

/* Ephemeral range (RFC 6335) so backends' firewalls treat it as a client port. */
#define GUE_SPORT_BASE  49152u
#define GUE_SPORT_RANGE 16384u

#define IPV6_FLOW_LABEL_MASK 0xfffffu

static const char *const method_names[SL_FWD__MAX] = {
	[SL_FWD_IPIP] = "ipip",
	[SL_FWD_IP6TNL] = "ip6tnl",
	[SL_FWD_GUE] = "gue",
	[SL_FWD_L2DSR] = "l2dsr",
};

const char *sl_fwd_method_name(enum sl_fwd_method m)
{
	return (unsigned)m < SL_FWD__MAX ? method_names[m] : NULL;
}

int sl_fwd_method_parse(const char *name)
{
	int m;

	if (!name)
		return -1;
	for (m = 0; m < SL_FWD__MAX; m++)
		if (strcmp(name, method_names[m]) == 0)
			return m;
	return -1;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * 2^16 ≡ 1 (mod 2^16 - 1), so a 64-bit word is congruent to the sum of its
 * four 16-bit lanes: adding whole 64-bit words with end-around carry gives the
 * 16-bit one's-complement sum with a quarter of the additions. Four
 * independent accumulators keep the carry chains from serialising.
 */
uint32_t sl_csum_partial(const void *data, uint32_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t a0 = sum, a1 = 0, a2 = 0, a3 = 0, w, acc;

	while (len >= 32) {
		w = load64(p);
		a0 += w;
		a0 += a0 < w;
		w = load64(p + 8);
		a1 += w;
		a1 += a1 < w;
		w = load64(p + 16);
		a2 += w;
		a2 += a2 < w;
		w = load64(p + 24);
		a3 += w;
		a3 += a3 < w;
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		w = load64(p);
		a0 += w;
		a0 += a0 < w;
		p += 8;
		len -= 8;
	}
	/* Fixed-size loads: the offset is a multiple of 8, so 16-bit lanes stay aligned. */
	if (len & 4) {
		uint32_t v32;

		memcpy(&v32, p, 4);
		a1 += v32;
		a1 += a1 < v32;
		p += 4;
	}
	if (len & 2) {
		uint16_t v16;

		memcpy(&v16, p, 2);
		a2 += v16;
		a2 += a2 < v16;
		p += 2;
	}
	if (len & 1) {
		/* The odd byte is the first of a zero-padded word (RFC 1071), whatever the endianness. */
		uint16_t v16 = 0;

		memcpy(&v16, p, 1);
		a3 += v16;
		a3 += a3 < v16;
	}

	acc = a0;
	acc += a1;
	acc += acc < a1;
	acc += a2;
	acc += acc < a2;
	acc += a3;
	acc += acc < a3;
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t sl_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void store_csum(uint8_t *p, uint16_t csum)
{
	memcpy(p, &csum, sizeof(csum));
}

/* IPv6 pseudo-header (RFC 8200 §8.1) for upper-layer checksums. */
static uint32_t pseudo6_sum(const uint8_t *src, const uint8_t *dst, uint32_t ulen, uint8_t nh)
{
	uint8_t tail[8] = { 0 };
	uint32_t sum;

	put32(tail, ulen);
	tail[7] = nh;
	sum = sl_csum_partial(src, 16, 0);
	sum = sl_csum_partial(dst, 16, sum);
	return sl_csum_partial(tail, sizeof(tail), sum);
}

static void write_eth(uint8_t *eth, const uint8_t *dst, const uint8_t *src, uint16_t ethertype)
{
	memcpy(eth, dst, 6);
	memcpy(eth + 6, src, 6);
	put16(eth + 12, ethertype);
}

/* @src/@dst: 4 bytes in network order. ID 0 with DF set is an atomic datagram (RFC 6864). */
static void write_ipv4(uint8_t *ip, const void *src, const void *dst, uint8_t tos, uint8_t ttl,
		       uint8_t proto, uint16_t total_len)
{
	ip[0] = 0x45;
	ip[1] = tos;
	put16(ip + 2, total_len);
	put16(ip + 4, 0);
	put16(ip + 6, IPV4_DF);
	ip[8] = ttl;
	ip[9] = proto;
	ip[10] = 0;
	ip[11] = 0;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	store_csum(ip + 10, sl_csum_fold(sl_csum_partial(ip, IPV4_HLEN, 0)));
}

/* @src/@dst: 16 bytes in network order. */
static void write_ipv6(uint8_t *ip, const void *src, const void *dst, uint8_t tclass,
		       uint32_t flow_label, uint8_t hop_limit, uint8_t nh, uint16_t payload_len)
{
	put32(ip, 6u << 28 | (uint32_t)tclass << 20 | (flow_label & IPV6_FLOW_LABEL_MASK));
	put16(ip + 4, payload_len);
	ip[6] = nh;
	ip[7] = hop_limit;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

uint16_t sl_encap_hdr_len(enum sl_fwd_method m, uint8_t outer_family)
{
	switch (m) {
	case SL_FWD_IPIP:
		return outer_family == SL_AF_INET ? SL_ETH_HLEN + IPV4_HLEN : 0;
	case SL_FWD_IP6TNL:
		return outer_family == SL_AF_INET6 ? SL_ETH_HLEN + IPV6_HLEN : 0;
	case SL_FWD_GUE:
		if (outer_family == SL_AF_INET)
			return SL_ETH_HLEN + IPV4_HLEN + UDP_HLEN + GUE_HLEN;
		if (outer_family == SL_AF_INET6)
			return SL_ETH_HLEN + IPV6_HLEN + UDP_HLEN + GUE_HLEN;
		return 0;
	case SL_FWD_L2DSR:
		return SL_ETH_HLEN;
	default:
		return 0;
	}
}

static int write_ipip(uint8_t *out, const struct sl_encap_params *p, uint16_t inner_len,
		      uint8_t inner_family, uint8_t inner_tos)
{
	if (p->outer_family != SL_AF_INET || inner_family != SL_AF_INET)
		return -EINVAL;
	if (inner_len > UINT16_MAX - IPV4_HLEN)
		return -EMSGSIZE;
	write_eth(out, p->dst_mac, p->src_mac, ETHERTYPE_IPV4);
	write_ipv4(out + SL_ETH_HLEN, p->outer_src, p->outer_dst, inner_tos, p->ttl, PROTO_IPIP,
		   (uint16_t)(IPV4_HLEN + inner_len));
	return SL_ETH_HLEN + IPV4_HLEN;
}

static int write_ip6tnl(uint8_t *out, const struct sl_encap_params *p, uint16_t inner_len,
			uint8_t inner_family, uint8_t inner_tos)
{
	if (p->outer_family != SL_AF_INET6)
		return -EINVAL;
	write_eth(out, p->dst_mac, p->src_mac, ETHERTYPE_IPV6);
	write_ipv6(out + SL_ETH_HLEN, p->outer_src, p->outer_dst, inner_tos, p->entropy, p->ttl,
		   inner_family == SL_AF_INET ? PROTO_IPIP : PROTO_IPV6, inner_len);
	return SL_ETH_HLEN + IPV6_HLEN;
}

static int write_gue(uint8_t *out, const struct sl_encap_params *p, const uint8_t *inner,
		     uint16_t inner_len, uint8_t inner_family, uint8_t inner_tos)
{
	uint32_t udp_len = UDP_HLEN + GUE_HLEN + (uint32_t)inner_len;
	uint16_t sport = (uint16_t)(GUE_SPORT_BASE + p->entropy % GUE_SPORT_RANGE);
	uint8_t *ip = out + SL_ETH_HLEN, *udp;
	uint32_t sum;
	uint16_t csum;

	if (p->outer_family == SL_AF_INET) {
		if (udp_len + IPV4_HLEN > UINT16_MAX)
			return -EMSGSIZE;
		write_eth(out, p->dst_mac, p->src_mac, ETHERTYPE_IPV4);
		write_ipv4(ip, p->outer_src, p->outer_dst, inner_tos, p->ttl, PROTO_UDP,
			   (uint16_t)(IPV4_HLEN + udp_len));
		udp = ip + IPV4_HLEN;
	} else if (p->outer_family == SL_AF_INET6) {
		if (udp_len > UINT16_MAX)
			return -EMSGSIZE;
		if (!inner && inner_len)
			return -EINVAL;
		write_eth(out, p->dst_mac, p->src_mac, ETHERTYPE_IPV6);
		write_ipv6(ip, p->outer_src, p->outer_dst, inner_tos, p->entropy, p->ttl, PROTO_UDP,
			   (uint16_t)udp_len);
		udp = ip + IPV6_HLEN;
	} else {
		return -EINVAL;
	}

	put16(udp, sport);
	put16(udp + 2, p->gue_port);
	put16(udp + 4, (uint16_t)udp_len);
	put16(udp + 6, 0);
	/* GUE variant 0: version 0, C 0, Hlen 0 (no optional fields), then proto and flags. */
	udp[8] = 0;
	udp[9] = inner_family == SL_AF_INET ? PROTO_IPIP : PROTO_IPV6;
	put16(udp + 10, 0);

	/* A zero UDP checksum is allowed over IPv4 and saves reading the whole packet; IPv6 forbids it. */
	if (p->outer_family == SL_AF_INET6) {
		sum = pseudo6_sum(ip + 8, ip + 24, udp_len, PROTO_UDP);
		sum = sl_csum_partial(udp, UDP_HLEN + GUE_HLEN, sum);
		sum = sl_csum_partial(inner, inner_len, sum);
		csum = sl_csum_fold(sum);
		/* 0 means "no checksum"; its one's-complement twin 0xffff is sent instead (RFC 768). */
		store_csum(udp + 6, csum ? csum : 0xffff);
	}
	return (int)(udp + UDP_HLEN + GUE_HLEN - out);
}

int sl_encap_write(uint8_t *out, const struct sl_encap_params *p, const uint8_t *inner,
		   uint16_t inner_len, uint8_t inner_family, uint8_t inner_tos)
{
	if (!out || !p)
		return -EINVAL;
	if (inner_family != SL_AF_INET && inner_family != SL_AF_INET6)
		return -EINVAL;

	switch (p->method) {
	case SL_FWD_IPIP:
		return write_ipip(out, p, inner_len, inner_family, inner_tos);
	case SL_FWD_IP6TNL:
		return write_ip6tnl(out, p, inner_len, inner_family, inner_tos);
	case SL_FWD_GUE:
		return write_gue(out, p, inner, inner_len, inner_family, inner_tos);
	case SL_FWD_L2DSR:
		write_eth(out, p->dst_mac, p->src_mac,
			  inner_family == SL_AF_INET ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
		return SL_ETH_HLEN;
	default:
		return -EINVAL;
	}
}

/* Fold a 64-bit running sum to the 32-bit form sl_csum_partial keeps. */
static uint32_t sum32(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

int sl_encap_tmpl_build(struct sl_encap_tmpl *t, const struct sl_encap_params *p, uint8_t inner_family)
{
	static const uint8_t nh_udp[2] = { 0, PROTO_UDP };
	struct sl_encap_params q;
	uint8_t *ip;
	int len;

	if (!t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if (!p)
		return -EINVAL;
	/* The reference writes the template: same bytes, by construction. Entropy and
	 * the source MAC are per packet; zero here so the partial sums exclude them. */
	q = *p;
	q.entropy = 0;
	memset(q.src_mac, 0, sizeof(q.src_mac));
	len = sl_encap_write(t->hdr, &q, NULL, 0, inner_family, 0);
	if (len < 0 || len > SL_ENCAP_TMPL_MAX) {
		memset(t, 0, sizeof(*t));
		return -EINVAL;
	}
	ip = t->hdr + SL_ETH_HLEN;
	switch (p->method) {
	case SL_FWD_IPIP:
	case SL_FWD_GUE:
		if (p->outer_family == SL_AF_INET) {
			/* Everything but version/TOS/length (per packet) and the checksum itself. */
			memset(ip, 0, 4);
			memset(ip + 10, 0, 2);
			t->sum = sl_csum_partial(ip + 4, 16, 0);
			t->kind = p->method == SL_FWD_GUE ? SL_TMPL_GUE4 : SL_TMPL_IPIP;
			break;
		}
		/* GUE over IPv6: pseudo-header addresses and next header, UDP header and GUE. */
		memset(ip, 0, 6);
		memset(ip + IPV6_HLEN, 0, UDP_HLEN);
		put16(ip + IPV6_HLEN + 2, p->gue_port);
		t->sum = sum32((uint64_t)sl_csum_partial(ip + 8, 32, 0) + sl_csum_partial(nh_udp, 2, 0) +
			       sl_csum_partial(ip + IPV6_HLEN, UDP_HLEN + GUE_HLEN, 0));
		t->kind = SL_TMPL_GUE6;
		break;
	case SL_FWD_IP6TNL:
		memset(ip, 0, 6);
		t->kind = SL_TMPL_IP6TNL;
		break;
	default:
		t->kind = SL_TMPL_L2DSR;
		break;
	}
	t->len = (uint8_t)len;
	t->inner_family = inner_family;
	return 0;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/*
 * Only the type changes under the checksum (swapping addresses leaves the
 * ICMPv6 pseudo-header sum as it was), so update incrementally (RFC 1624
 * eq. 3) in O(1). A corrupt request thus yields a reply that is just as
 * corrupt, which the client discards: the balancer never vouches for it.
 */
static void icmp_set_type(uint8_t *icmp, uint8_t type)
{
	uint16_t old_word, new_word, csum;

	memcpy(&old_word, icmp, 2);
	icmp[0] = type;
	memcpy(&new_word, icmp, 2);
	memcpy(&csum, icmp + 2, 2);
	csum = sl_csum_fold((uint32_t)(uint16_t)~csum + (uint16_t)~old_word + new_word);
	store_csum(icmp + 2, csum);
}

/*
 * The protocol of the header at @l4, walking the IPv6 extension headers from
 * @l3 rather than trusting pi->key.proto: for ICMP errors the parser fills
 * the key from the embedded flow. Returns -1 if the chain does not end at @l4.
 */
static int ipv6_upper_proto(const uint8_t *frame, uint32_t l3, uint32_t l4, uint32_t len)
{
	uint32_t off = l3 + IPV6_HLEN;
	uint8_t nh = frame[l3 + 6];
	int i;

	for (i = 0; i < SL_PARSE_MAX_EXT && off < l4; i++) {
		if ((nh != 0 && nh != 43 && nh != 60) || off + 8 > len)
			return -1;
		nh = frame[off];
		off += ((uint32_t)frame[off + 1] + 1) * 8;
	}
	return off == l4 ? nh : -1;
}

int sl_icmp_echo_reply(uint8_t *frame, uint32_t len, const struct sl_pkt_info *pi)
{
	uint32_t l3, l4, end, ihl;
	uint8_t *ip, *icmp;

	if (!frame || !pi)
		return -EINVAL;
	l3 = pi->l3_off;
	l4 = pi->l4_off;
	end = l3 + (uint32_t)pi->l3_len;
	if (l3 < SL_ETH_HLEN || end > len || l4 + ICMP_HLEN > end)
		return -EINVAL;
	ip = frame + l3;
	icmp = frame + l4;

	if (pi->key.family == SL_AF_INET) {
		ihl = (uint32_t)(ip[0] & 0xf) * 4;
		if (ip[0] >> 4 != 4 || ihl < IPV4_HLEN || l3 + ihl != l4 || ip[9] != PROTO_ICMP ||
		    icmp[0] != ICMP_ECHO_REQUEST)
			return -EINVAL;
		swap_bytes(frame, frame + 6, 6);
		swap_bytes(ip + 12, ip + 16, 4);
		ip[8] = REPLY_TTL;
		ip[10] = 0;
		ip[11] = 0;
		store_csum(ip + 10, sl_csum_fold(sl_csum_partial(ip, ihl, 0)));
		icmp_set_type(icmp, ICMP_ECHO_REPLY);
		return 0;
	}
	if (pi->key.family == SL_AF_INET6) {
		if (ip[0] >> 4 != 6 || l4 < l3 + IPV6_HLEN ||
		    ipv6_upper_proto(frame, l3, l4, len) != PROTO_ICMPV6 ||
		    icmp[0] != ICMP6_ECHO_REQUEST)
			return -EINVAL;
		swap_bytes(frame, frame + 6, 6);
		swap_bytes(ip + 8, ip + 24, 16);
		ip[7] = REPLY_TTL;
		icmp_set_type(icmp, ICMP6_ECHO_REPLY);
		return 0;
	}
	return -EINVAL;
}

/* The new frame's L2 header: MACs swapped, any VLAN tag and the ethertype kept. */
static void reply_l2(uint8_t *out, const uint8_t *frame, uint32_t l3)
{
	memcpy(out, frame + 6, 6);
	memcpy(out + 6, frame, 6);
	memcpy(out + 12, frame + 12, l3 - 12);
}

static int bad_ipv4_source(const uint8_t *a)
{
	/* Unspecified, loopback, multicast, class E and broadcast: nobody to answer (RFC 1812 §4.3.2.7). */
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static int too_big_v4(uint8_t *out, uint32_t cap, const uint8_t *frame, uint32_t l3,
		      uint32_t orig_len, uint16_t mtu, const uint32_t lb_src[4])
{
	const uint8_t *ip = frame + l3;
	uint32_t ihl, quote, total;
	uint8_t *oip, *icmp;

	if (orig_len < IPV4_HLEN || ip[0] >> 4 != 4 || mtu < IPV4_MIN_MTU)
		return -EINVAL;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN || ihl > orig_len)
		return -EINVAL;
	/* RFC 1122 §3.2.2: never an error about an error, nor about a non-first fragment. */
	if (get16(ip + 6) & IPV4_FRAG_OFFSET)
		return -EINVAL;
	if (ip[9] == PROTO_ICMP && orig_len > ihl &&
	    ip[ihl] != ICMP_ECHO_REQUEST && ip[ihl] != ICMP_ECHO_REPLY)
		return -EINVAL;
	if (bad_ipv4_source(ip + 12))
		return -EINVAL;

	quote = orig_len;
	if (quote > ICMP4_ERR_MAX - IPV4_HLEN - ICMP_HLEN)
		quote = ICMP4_ERR_MAX - IPV4_HLEN - ICMP_HLEN;
	total = IPV4_HLEN + ICMP_HLEN + quote;
	if (l3 + total > cap)
		return -ENOSPC;

	reply_l2(out, frame, l3);
	oip = out + l3;
	icmp = oip + IPV4_HLEN;
	write_ipv4(oip, lb_src, ip + 12, ICMP_ERR_TOS, REPLY_TTL, PROTO_ICMP, (uint16_t)total);
	icmp[0] = ICMP_DEST_UNREACH;
	icmp[1] = ICMP_FRAG_NEEDED;
	put16(icmp + 2, 0);
	put16(icmp + 4, 0);
	put16(icmp + 6, mtu); /* RFC 1191 §4: next-hop MTU in the low half of the unused word */
	memcpy(icmp + ICMP_HLEN, ip, quote);
	store_csum(icmp + 2, sl_csum_fold(sl_csum_partial(icmp, ICMP_HLEN + quote, 0)));
	return (int)(l3 + total);
}

static int too_big_v6(uint8_t *out, uint32_t cap, const uint8_t *frame, uint32_t l3,
		      uint32_t orig_len, const struct sl_pkt_info *pi, uint32_t len,
		      uint16_t mtu, const uint32_t lb_src[4])
{
	static const uint8_t unspecified[16];
	const uint8_t *ip = frame + l3;
	uint32_t quote, payload, l4 = pi->l4_off;
	uint8_t *oip, *icmp;

	/* Hosts ignore a PTB below the IPv6 minimum MTU (RFC 8201 §4): sending one is useless. */
	if (orig_len < IPV6_HLEN || ip[0] >> 4 != 6 || mtu < IPV6_MIN_MTU)
		return -EINVAL;
	/* RFC 4443 §2.4(e): never an error about an ICMPv6 error. */
	if (l4 >= l3 + IPV6_HLEN && l4 < l3 + orig_len &&
	    ipv6_upper_proto(frame, l3, l4, len) == PROTO_ICMPV6 && frame[l4] < ICMP6_FIRST_INFO)
		return -EINVAL;
	if (ip[8] == 0xff || memcmp(ip + 8, unspecified, 16) == 0)
		return -EINVAL;

	quote = orig_len;
	if (quote > ICMP6_ERR_MAX - IPV6_HLEN - ICMP_HLEN)
		quote = ICMP6_ERR_MAX - IPV6_HLEN - ICMP_HLEN;
	payload = ICMP_HLEN + quote;
	if (l3 + IPV6_HLEN + payload > cap)
		return -ENOSPC;

	reply_l2(out, frame, l3);
	oip = out + l3;
	icmp = oip + IPV6_HLEN;
	write_ipv6(oip, lb_src, ip + 8, 0, 0, REPLY_TTL, PROTO_ICMPV6, (uint16_t)payload);
	icmp[0] = ICMP6_PKT_TOO_BIG;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put32(icmp + 4, mtu);
	memcpy(icmp + ICMP_HLEN, ip, quote);
	store_csum(icmp + 2, sl_csum_fold(sl_csum_partial(icmp, payload,
					  pseudo6_sum(oip + 8, oip + 24, payload, PROTO_ICMPV6))));
	return (int)(l3 + IPV6_HLEN + payload);
}

int sl_icmp_too_big(uint8_t *out, uint32_t cap, const uint8_t *frame, uint32_t len,
		    const struct sl_pkt_info *pi, uint16_t mtu, const uint32_t lb_src[4])
{
	uint32_t l3, orig_len;

	if (!out || !frame || !pi || !lb_src)
		return -EINVAL;
	l3 = pi->l3_off;
	if (l3 < SL_ETH_HLEN || l3 >= len)
		return -EINVAL;
	/* Quote what the client sent, not Ethernet padding nor bytes past the frame. */
	orig_len = len - l3;
	if (pi->l3_len && pi->l3_len < orig_len)
		orig_len = pi->l3_len;

	if (pi->key.family == SL_AF_INET)
		return too_big_v4(out, cap, frame, l3, orig_len, mtu, lb_src);
	if (pi->key.family == SL_AF_INET6)
		return too_big_v6(out, cap, frame, l3, orig_len, pi, len, mtu, lb_src);
	return -EINVAL;
}
