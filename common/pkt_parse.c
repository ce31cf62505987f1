/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet classifier. Every read is preceded by a bounds check against
 * the smallest limit that applies (frame, then IP length, then quote), so
 * hostile lengths can only ever shorten what we look at. Loops run over
 * headers, never over bytes, and are bounded by SL_PARSE_MAX_EXT.
 */
#include <stddef.h>
#include <string.h>

#include "pkt_parse.h"

#define ETH_HLEN      14
#define VLAN_HLEN     4
#define ETH_P_IPV4    0x0800
#define ETH_P_IPV6    0x86dd
#define ETH_P_8021Q   0x8100
#define ETH_P_8021AD  0x88a8

#define PROTO_HOPOPTS  0
#define PROTO_ICMP     1
#define PROTO_TCP      6
#define PROTO_UDP      17
#define PROTO_ROUTING  43
#define PROTO_FRAGMENT 44
#define PROTO_ICMPV6   58
#define PROTO_DSTOPTS  60

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN  20
#define UDP_HLEN  8
#define ICMP_HLEN 8 /* type, code, checksum + 4 bytes (id/seq, mtu) */
#define QUOTE_L4  8 /* RFC 792: an ICMP error quotes at least 8 bytes past the IP header */

#define IPV4_DF       0x4000
#define IPV4_FRAG_MSK 0x3fff /* MF + fragment offset */

#define ICMP_ECHO_REQ     8
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED  4
#define ICMP6_PKT_TOO_BIG 2
#define ICMP6_ECHO_REQ    128

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline enum sl_pkt_class drop(struct sl_pkt_info *pi, enum sl_drop_reason r)
{
	pi->drop = r;
	return SL_PKT_DROP;
}

/*
 * Addresses and ports are copied as bytes: the key keeps network byte order.
 *
 * The worker reads the key back within a few cycles (VIP lookup, flow
 * hash), and compilers merge adjacent narrow loads (proto with family,
 * sport with dport). A load spanning two separate stores cannot be
 * forwarded from the store buffer and waits for both to retire, so the
 * last 8 bytes of the key (ports, proto, family, pad) are written by one
 * 64-bit store once the ports are known, and proto+family by one 16-bit
 * store before that.
 */
#define key_at(k, field) ((uint8_t *)(k) + offsetof(struct sl_flow_key, field))
_Static_assert(offsetof(struct sl_flow_key, sport) == 32 && offsetof(struct sl_flow_key, dport) == 34 &&
	       offsetof(struct sl_flow_key, proto) == 36 && offsetof(struct sl_flow_key, family) == 37 &&
	       offsetof(struct sl_flow_key, pad) == 38 && sizeof(struct sl_flow_key) == 40,
	       "key_tail writes sport..pad as one word");

/* @ports: the 4 bytes sport, dport (network order) loaded as a native word. The pad stays 0. */
static inline void key_tail(struct sl_flow_key *k, uint32_t ports, uint8_t proto, uint8_t family)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t t = ports | (uint64_t)proto << 32 | (uint64_t)family << 40;
#else
	uint64_t t = (uint64_t)ports << 32 | (uint64_t)proto << 24 | (uint64_t)family << 16;
#endif

	memcpy(key_at(k, sport), &t, sizeof(t));
}

static inline uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void key_proto_family(struct sl_flow_key *k, uint8_t proto, uint8_t family)
{
	const uint8_t pf[2] = { proto, family };

	memcpy(key_at(k, proto), pf, sizeof(pf));
}

static inline void key_v4(struct sl_flow_key *k, const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	memcpy(&k->src[0], src, 4);
	memcpy(&k->dst[0], dst, 4);
	key_proto_family(k, proto, SL_AF_INET);
}

static inline void key_v6(struct sl_flow_key *k, const uint8_t *src, const uint8_t *dst)
{
	memcpy(k->src, src, 16);
	memcpy(k->dst, dst, 16);
	k->family = SL_AF_INET6;
}

/* @l4 has @l4_len bytes inside the IP packet; the frame check already covered them. */
static inline enum sl_pkt_class parse_tcp(const uint8_t *l4, uint32_t l4_len,
					  struct sl_pkt_info *pi, uint8_t family)
{
	uint32_t doff;

	if (unlikely(l4_len < TCP_HLEN))
		return drop(pi, SL_DROP_BAD_L4);
	doff = (uint32_t)(l4[12] >> 4) * 4;
	if (unlikely(doff < TCP_HLEN || doff > l4_len))
		return drop(pi, SL_DROP_BAD_L4);
	key_tail(&pi->key, ld32(l4), PROTO_TCP, family);
	pi->tcp_flags = l4[13];
	return SL_PKT_FLOW;
}

static inline enum sl_pkt_class parse_udp(const uint8_t *l4, uint32_t l4_len,
					  struct sl_pkt_info *pi, uint8_t family)
{
	uint32_t ulen;

	if (unlikely(l4_len < UDP_HLEN))
		return drop(pi, SL_DROP_BAD_L4);
	/* Shorter than the IP payload is tolerated (trailing bytes are ignored, as
	 * Linux does); 0 would be an IPv6 jumbogram, which we do not carry. */
	ulen = rd16(l4 + 4);
	if (unlikely(ulen < UDP_HLEN || ulen > l4_len))
		return drop(pi, SL_DROP_BAD_L4);
	key_tail(&pi->key, ld32(l4), PROTO_UDP, family);
	return SL_PKT_FLOW;
}

/*
 * The quoted packet was sent VIP -> client; the flow it belongs to is keyed
 * client -> VIP, so addresses and ports go in swapped. @l4 points at the 8
 * quoted L4 bytes, already bounds-checked.
 */
static inline void key_ports_reversed(struct sl_flow_key *k, const uint8_t *l4, uint8_t proto,
				      uint8_t family)
{
	const uint8_t ports[4] = { l4[2], l4[3], l4[0], l4[1] };

	key_tail(k, ld32(ports), proto, family);
}

/* ICMPv4 frag-needed: @q is the quote (embedded IPv4 packet), @qlen bytes of it present. */
static enum sl_pkt_class parse_icmp4_err(const uint8_t *q, uint32_t qlen, struct sl_pkt_info *pi)
{
	uint32_t ihl;

	if (qlen < IPV4_HLEN || (q[0] >> 4) != 4)
		return drop(pi, SL_DROP_BAD_L4);
	ihl = (uint32_t)(q[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN || ihl + QUOTE_L4 > qlen || rd16(q + 2) < ihl + QUOTE_L4)
		return drop(pi, SL_DROP_BAD_L4);
	if (q[9] != PROTO_TCP && q[9] != PROTO_UDP)
		return SL_PKT_HOST;
	/* A non-first fragment quotes payload, not ports: no flow to find. */
	if (rd16(q + 6) & 0x1fff)
		return drop(pi, SL_DROP_UNSUPPORTED);
	key_v4(&pi->key, q + 16, q + 12, q[9]);
	key_ports_reversed(&pi->key, q + ihl, q[9], SL_AF_INET);
	return SL_PKT_ICMP_ERR;
}

static inline enum sl_pkt_class parse_icmp4(const uint8_t *l4, uint32_t l4_len,
					    struct sl_pkt_info *pi)
{
	if (unlikely(l4_len < ICMP_HLEN))
		return drop(pi, SL_DROP_BAD_L4);
	pi->icmp_type = l4[0];
	if (l4[0] == ICMP_ECHO_REQ)
		return SL_PKT_ICMP_ECHO;
	if (l4[0] == ICMP_DEST_UNREACH && l4[1] == ICMP_FRAG_NEEDED) {
		pi->icmp_mtu = rd16(l4 + 6);
		return parse_icmp4_err(l4 + ICMP_HLEN, l4_len - ICMP_HLEN, pi);
	}
	return SL_PKT_HOST;
}

/*
 * Walk IPv6 extension headers starting with next header @*nh at @*off, not
 * past @end, counting bad lengths as @bad. Leaves @*nh/@*off at the first
 * non-extension header and returns EXT_GO_ON, or returns the class to stop
 * with (SL_PKT_HOST, or SL_PKT_DROP with pi->drop set). Hop-by-hop is only
 * legal right after the fixed header (RFC 8200 4.1).
 */
#define EXT_GO_ON (-1)
static inline int skip_ext(const uint8_t *data, uint32_t end, uint32_t *off, uint8_t *nh,
			   struct sl_pkt_info *pi, enum sl_drop_reason bad)
{
	const uint8_t *e;
	uint32_t hl;
	int i;

	for (i = 0;; i++) {
		switch (*nh) {
		case PROTO_HOPOPTS:
			if (i != 0)
				return drop(pi, bad);
			break;
		case PROTO_ROUTING:
		case PROTO_DSTOPTS:
			break;
		case PROTO_FRAGMENT:
			return drop(pi, SL_DROP_FRAGMENT);
		default:
			return EXT_GO_ON;
		}
		if (i == SL_PARSE_MAX_EXT)
			return drop(pi, SL_DROP_UNSUPPORTED);
		if (end - *off < 8)
			return drop(pi, bad);
		e = data + *off;
		hl = ((uint32_t)e[1] + 1) * 8;
		if (hl > end - *off)
			return drop(pi, bad);
		/* Segments left: this node is not the final destination; the
		 * kernel forwards it along its route. */
		if (*nh == PROTO_ROUTING && e[3] != 0)
			return SL_PKT_HOST;
		*nh = e[0];
		*off += hl;
	}
}

/* ICMPv6 packet-too-big: @q is the quoted IPv6 packet, @qlen bytes present. */
static enum sl_pkt_class parse_icmp6_err(const uint8_t *q, uint32_t qlen, struct sl_pkt_info *pi)
{
	uint32_t off = IPV6_HLEN;
	uint8_t nh;
	int r;

	if (qlen < IPV6_HLEN || (q[0] >> 4) != 6)
		return drop(pi, SL_DROP_BAD_L4);
	nh = q[6];
	r = skip_ext(q, qlen, &off, &nh, pi, SL_DROP_BAD_L4);
	if (r != EXT_GO_ON) {
		/* The quoted packet's own fragment header is no reason to count a
		 * fragment drop: like IPv4, we cannot trust its ports. */
		if (r == SL_PKT_DROP && pi->drop == SL_DROP_FRAGMENT)
			pi->drop = SL_DROP_UNSUPPORTED;
		return (enum sl_pkt_class)r;
	}
	if (nh != PROTO_TCP && nh != PROTO_UDP)
		return SL_PKT_HOST;
	if (off + QUOTE_L4 > qlen || rd16(q + 4) < off - IPV6_HLEN + QUOTE_L4)
		return drop(pi, SL_DROP_BAD_L4);
	key_v6(&pi->key, q + 24, q + 8);
	key_ports_reversed(&pi->key, q + off, nh, SL_AF_INET6);
	return SL_PKT_ICMP_ERR;
}

static inline enum sl_pkt_class parse_icmp6(const uint8_t *l4, uint32_t l4_len,
					    struct sl_pkt_info *pi)
{
	uint32_t mtu;

	if (unlikely(l4_len < ICMP_HLEN))
		return drop(pi, SL_DROP_BAD_L4);
	pi->icmp_type = l4[0];
	if (l4[0] == ICMP6_ECHO_REQ)
		return SL_PKT_ICMP_ECHO;
	if (l4[0] == ICMP6_PKT_TOO_BIG) {
		mtu = rd32(l4 + 4);
		pi->icmp_mtu = mtu > UINT16_MAX ? UINT16_MAX : (uint16_t)mtu;
		return parse_icmp6_err(l4 + ICMP_HLEN, l4_len - ICMP_HLEN, pi);
	}
	return SL_PKT_HOST; /* ND, RA, MLD, echo reply, other errors */
}

static inline enum sl_pkt_class parse_ipv4(const uint8_t *data, uint32_t len, uint32_t off,
					   struct sl_pkt_info *pi)
{
	const uint8_t *ip = data + off;
	uint32_t ihl, tot;
	uint16_t frag;

	if (unlikely(len - off < IPV4_HLEN))
		return drop(pi, SL_DROP_TRUNCATED);
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (unlikely((ip[0] >> 4) != 4 || ihl < IPV4_HLEN))
		return drop(pi, SL_DROP_BAD_L3);
	tot = rd16(ip + 2);
	if (unlikely(tot < ihl))
		return drop(pi, SL_DROP_BAD_L3);
	if (unlikely(tot > len - off))
		return drop(pi, SL_DROP_TRUNCATED);
	frag = rd16(ip + 6);
	pi->df = !!(frag & IPV4_DF);
	if (unlikely(frag & IPV4_FRAG_MSK))
		return drop(pi, SL_DROP_FRAGMENT);

	pi->l3_len = (uint16_t)tot;
	pi->l4_off = (uint16_t)(off + ihl);
	pi->tos = ip[1];
	pi->ttl = ip[8];
	key_v4(&pi->key, ip + 12, ip + 16, ip[9]);

	if (likely(ip[9] == PROTO_TCP))
		return parse_tcp(ip + ihl, tot - ihl, pi, SL_AF_INET);
	if (ip[9] == PROTO_UDP)
		return parse_udp(ip + ihl, tot - ihl, pi, SL_AF_INET);
	if (ip[9] == PROTO_ICMP)
		return parse_icmp4(ip + ihl, tot - ihl, pi);
	return SL_PKT_HOST;
}

static inline enum sl_pkt_class parse_ipv6(const uint8_t *data, uint32_t len, uint32_t off,
					   struct sl_pkt_info *pi)
{
	const uint8_t *ip = data + off;
	uint32_t tot, end, l4;
	uint8_t nh;
	int r;

	if (unlikely(len - off < IPV6_HLEN))
		return drop(pi, SL_DROP_TRUNCATED);
	if (unlikely((ip[0] >> 4) != 6))
		return drop(pi, SL_DROP_BAD_L3);
	tot = IPV6_HLEN + (uint32_t)rd16(ip + 4);
	if (unlikely(tot > len - off))
		return drop(pi, SL_DROP_TRUNCATED);
	/* Only reachable with a >64 KiB contiguous frame; l3_len cannot say it. */
	if (unlikely(tot > UINT16_MAX))
		return drop(pi, SL_DROP_TOO_BIG);

	pi->l3_len = (uint16_t)tot;
	pi->tos = (uint8_t)(ip[0] << 4 | ip[1] >> 4);
	pi->ttl = ip[7];
	pi->df = 1;
	key_v6(&pi->key, ip + 8, ip + 24);

	nh = ip[6];
	end = off + tot;
	l4 = off + IPV6_HLEN;
	if (unlikely(nh != PROTO_TCP && nh != PROTO_UDP)) {
		r = skip_ext(data, end, &l4, &nh, pi, SL_DROP_BAD_L3);
		if (r != EXT_GO_ON)
			return (enum sl_pkt_class)r;
	}
	pi->l4_off = (uint16_t)l4;
	key_proto_family(&pi->key, nh, SL_AF_INET6);

	if (likely(nh == PROTO_TCP))
		return parse_tcp(data + l4, end - l4, pi, SL_AF_INET6);
	if (nh == PROTO_UDP)
		return parse_udp(data + l4, end - l4, pi, SL_AF_INET6);
	if (nh == PROTO_ICMPV6)
		return parse_icmp6(data + l4, end - l4, pi);
	return SL_PKT_HOST;
}

static inline int is_vlan(uint16_t et)
{
	return et == ETH_P_8021Q || et == ETH_P_8021AD;
}

enum sl_pkt_class sl_pkt_parse(const uint8_t *data, uint32_t len, struct sl_pkt_info *pi)
{
	uint32_t off = ETH_HLEN;
	uint16_t et;

	memset(pi, 0, sizeof(*pi));
	if (unlikely(len < ETH_HLEN))
		return drop(pi, SL_DROP_TRUNCATED);
	et = rd16(data + 12);
	if (unlikely(is_vlan(et))) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return drop(pi, SL_DROP_TRUNCATED);
		pi->has_vlan = 1;
		pi->vlan_tci = rd16(data + 14);
		et = rd16(data + 16);
		off += VLAN_HLEN;
		if (is_vlan(et)) {
			if (len < ETH_HLEN + 2 * VLAN_HLEN)
				return drop(pi, SL_DROP_TRUNCATED);
			et = rd16(data + 20);
			off += VLAN_HLEN;
			/* A third tag is nothing a balancer port is configured for. */
			if (is_vlan(et))
				return drop(pi, SL_DROP_UNSUPPORTED);
		}
	}
	pi->ethertype = et;
	pi->l3_off = (uint16_t)off;

	if (likely(et == ETH_P_IPV4))
		return parse_ipv4(data, len, off, pi);
	if (et == ETH_P_IPV6)
		return parse_ipv6(data, len, off, pi);
	return SL_PKT_HOST;
}
