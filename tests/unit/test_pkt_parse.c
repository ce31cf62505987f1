/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parser tests. Frames are built byte by byte here, independently of
 * the parser, and every frame is handed to the parser in a heap buffer of
 * exactly its length so AddressSanitizer (this binary is built with it)
 * catches a single byte read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "pkt_parse.h"

/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[4096];
	uint32_t n;
	uint32_t l3;  /* where the outer IP header starts */
	uint32_t eip; /* where an ICMP error's quoted IP header starts */
};

static const uint8_t cli4[4] = { 198, 18, 0, 10 };
static const uint8_t vip4[4] = { 198, 19, 0, 1 };
static const uint8_t cli6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
static const uint8_t vip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t rtr4[4] = { 198, 18, 0, 254 };
static const uint8_t rtr6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe };

static void u8(struct frame *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static void u16(struct frame *f, uint16_t v)
{
	u8(f, (uint8_t)(v >> 8));
	u8(f, (uint8_t)v);
}

static void u32(struct frame *f, uint32_t v)
{
	u16(f, (uint16_t)(v >> 16));
	u16(f, (uint16_t)v);
}

static void bytes(struct frame *f, const uint8_t *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void zeros(struct frame *f, uint32_t n)
{
	memset(f->b + f->n, 0, n);
	f->n += n;
}

static void put16(struct frame *f, uint32_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

/* Ethernet header with @ntags tags (TPIDs @tpid, TCIs @tci), then @et. */
static void eth(struct frame *f, int ntags, const uint16_t *tpid, const uint16_t *tci, uint16_t et)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	int i;

	f->n = 0;
	bytes(f, dmac, 6);
	bytes(f, smac, 6);
	for (i = 0; i < ntags; i++) {
		u16(f, tpid[i]);
		u16(f, tci[i]);
	}
	u16(f, et);
	f->l3 = f->n;
}

/* IPv4 header with @optlen bytes of NOP options; total length fixed by ip4_done. */
static uint32_t ip4(struct frame *f, uint8_t proto, const uint8_t *src, const uint8_t *dst,
		    uint32_t optlen, uint16_t frag)
{
	uint32_t at = f->n, i;

	u8(f, (uint8_t)(0x40 | (5 + optlen / 4)));
	u8(f, 0xb8);   /* DSCP EF, ECN 0 */
	u16(f, 0);     /* total length: later */
	u16(f, 0x1234);
	u16(f, frag);
	u8(f, 61);     /* TTL */
	u8(f, proto);
	u16(f, 0);     /* checksum: the parser does not check it */
	bytes(f, src, 4);
	bytes(f, dst, 4);
	for (i = 0; i < optlen; i++)
		u8(f, 1);
	return at;
}

static void ip4_done(struct frame *f, uint32_t at)
{
	put16(f, at + 2, (uint16_t)(f->n - at));
}

static uint32_t ip6(struct frame *f, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	uint32_t at = f->n;

	u32(f, 0x6ab12345); /* version 6, traffic class 0xab, flow label 0x12345 */
	u16(f, 0);          /* payload length: later */
	u8(f, nh);
	u8(f, 57);          /* hop limit */
	bytes(f, src, 16);
	bytes(f, dst, 16);
	return at;
}

static void ip6_done(struct frame *f, uint32_t at)
{
	put16(f, at + 4, (uint16_t)(f->n - at - 40));
}

/* Extension header of (@len8 + 1) * 8 bytes; byte 3 (routing: segments left) = @b3. */
static void ext6(struct frame *f, uint8_t nh, uint8_t len8, uint8_t b3)
{
	u8(f, nh);
	u8(f, len8);
	u8(f, 0);
	u8(f, b3);
	zeros(f, 4 + (uint32_t)len8 * 8);
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags, uint8_t doff)
{
	u16(f, sport);
	u16(f, dport);
	u32(f, 1000);
	u32(f, 0);
	u8(f, (uint8_t)(doff << 4));
	u8(f, flags);
	u16(f, 65535);
	u16(f, 0);
	u16(f, 0);
	if (doff > 5)
		zeros(f, (uint32_t)(doff - 5) * 4);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, uint32_t payload)
{
	u16(f, sport);
	u16(f, dport);
	u16(f, (uint16_t)(8 + payload));
	u16(f, 0);
	zeros(f, payload);
}

static void icmp(struct frame *f, uint8_t type, uint8_t code, uint32_t rest)
{
	u8(f, type);
	u8(f, code);
	u16(f, 0);
	u32(f, rest);
}

/* ---- canned frames ---------------------------------------------------- */

static void v4_tcp(struct frame *f, int ntags, const uint16_t *tpid, const uint16_t *tci,
		   uint32_t optlen)
{
	uint32_t ip;

	eth(f, ntags, tpid, tci, 0x0800);
	ip = ip4(f, 6, cli4, vip4, optlen, 0x4000);
	tcp(f, 40000, 443, 0x02, 5);
	zeros(f, 10);
	ip4_done(f, ip);
}

static void v4_udp(struct frame *f, uint32_t payload)
{
	uint32_t ip;

	eth(f, 0, NULL, NULL, 0x0800);
	ip = ip4(f, 17, cli4, vip4, 0, 0);
	udp(f, 5353, 53, payload);
	ip4_done(f, ip);
}

static void v6_l4(struct frame *f, uint8_t proto, int ntags, const uint16_t *tpid,
		  const uint16_t *tci)
{
	uint32_t ip;

	eth(f, ntags, tpid, tci, 0x86dd);
	ip = ip6(f, proto, cli6, vip6);
	if (proto == 6)
		tcp(f, 40000, 443, 0x12, 8);
	else
		udp(f, 5353, 53, 4);
	ip6_done(f, ip);
}

/* IPv4 frag-needed from a router to the VIP, quoting a VIP -> client packet. */
static void v4_frag_needed(struct frame *f, uint8_t eproto, uint16_t mtu)
{
	uint32_t ip, e;

	eth(f, 0, NULL, NULL, 0x0800);
	ip = ip4(f, 1, rtr4, vip4, 0, 0);
	icmp(f, 3, 4, mtu);
	f->eip = f->n;
	e = ip4(f, eproto, vip4, cli4, 0, 0x4000);
	put16(f, e + 2, 1500); /* the original was bigger than the quote */
	u16(f, 443);           /* quoted source port: the VIP's */
	u16(f, 40000);
	u32(f, 0xdeadbeef);
	ip4_done(f, ip);
}

static void v6_ptb(struct frame *f, uint8_t eproto, uint32_t mtu)
{
	uint32_t ip, e;

	eth(f, 0, NULL, NULL, 0x86dd);
	ip = ip6(f, 58, rtr6, vip6);
	icmp(f, 2, 0, mtu);
	f->eip = f->n;
	e = ip6(f, eproto, vip6, cli6);
	put16(f, e + 4, 1460);
	u16(f, 443);
	u16(f, 40000);
	u32(f, 0xdeadbeef);
	ip6_done(f, ip);
}

/* ---- running the parser on an exact-size heap copy -------------------- */

static enum sl_pkt_class parse_n(const uint8_t *b, uint32_t n, struct sl_pkt_info *pi)
{
	uint8_t *copy = malloc(n ? n : 1);
	enum sl_pkt_class c;

	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, b, n);
	/* For n == 0 hand over a pointer one past a live 0-byte window. */
	c = sl_pkt_parse(n ? copy : copy + 1, n, pi);
	free(copy);
	return c;
}

static enum sl_pkt_class parse(const struct frame *f, struct sl_pkt_info *pi)
{
	return parse_n(f->b, f->n, pi);
}

static void expect_drop(const struct frame *f, enum sl_drop_reason r)
{
	struct sl_pkt_info pi;

	CU_ASSERT_EQUAL(parse(f, &pi), SL_PKT_DROP);
	CU_ASSERT_EQUAL(pi.drop, r);
}

static void expect_class(const struct frame *f, enum sl_pkt_class c)
{
	struct sl_pkt_info pi;

	CU_ASSERT_EQUAL(parse(f, &pi), c);
}

static int addr_is(const uint32_t *w, const uint8_t *a, int family)
{
	uint8_t full[16] = { 0 };

	memcpy(full, a, family == SL_AF_INET ? 4 : 16);
	return memcmp(w, full, 16) == 0;
}

static uint16_t be(uint16_t host)
{
	uint8_t b[2] = { (uint8_t)(host >> 8), (uint8_t)host };
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

/* ---- accepted traffic ------------------------------------------------- */

static void test_ipv4_tcp(void)
{
	struct frame f;
	struct sl_pkt_info pi;

	v4_tcp(&f, 0, NULL, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	CU_ASSERT(addr_is(pi.key.src, cli4, SL_AF_INET));
	CU_ASSERT(addr_is(pi.key.dst, vip4, SL_AF_INET));
	CU_ASSERT_EQUAL(pi.key.sport, be(40000));
	CU_ASSERT_EQUAL(pi.key.dport, be(443));
	CU_ASSERT_EQUAL(pi.key.proto, 6);
	CU_ASSERT_EQUAL(pi.key.family, SL_AF_INET);
	CU_ASSERT_EQUAL(pi.key.pad, 0);
	CU_ASSERT_EQUAL(pi.l3_off, 14);
	CU_ASSERT_EQUAL(pi.l4_off, 34);
	CU_ASSERT_EQUAL(pi.l3_len, 50);
	CU_ASSERT_EQUAL(pi.ethertype, 0x0800);
	CU_ASSERT_EQUAL(pi.has_vlan, 0);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0);
	CU_ASSERT_EQUAL(pi.tos, 0xb8);
	CU_ASSERT_EQUAL(pi.ttl, 61);
	CU_ASSERT_EQUAL(pi.df, 1);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0x02);
}

static void test_ipv4_udp_padded(void)
{
	struct frame f;
	struct sl_pkt_info pi;

	v4_udp(&f, 2);
	zeros(&f, 60 - f.n); /* Ethernet minimum: padding the IP length excludes */
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	CU_ASSERT_EQUAL(pi.l3_len, 30);
	CU_ASSERT_EQUAL(pi.key.proto, 17);
	CU_ASSERT_EQUAL(pi.key.sport, be(5353));
	CU_ASSERT_EQUAL(pi.key.dport, be(53));
	CU_ASSERT_EQUAL(pi.df, 0);
	CU_ASSERT_EQUAL(pi.tcp_flags, 0);
}

static void test_vlan_and_qinq(void)
{
	static const uint16_t q[1] = { 0x8100 }, qt[1] = { 0x2064 };
	static const uint16_t qq[2] = { 0x88a8, 0x8100 }, qqt[2] = { 0x300a, 0x0014 };
	static const uint16_t q3[3] = { 0x88a8, 0x8100, 0x8100 }, q3t[3] = { 1, 2, 3 };
	struct frame f;
	struct sl_pkt_info pi;

	v4_tcp(&f, 1, q, qt, 0);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	CU_ASSERT_EQUAL(pi.has_vlan, 1);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0x2064);
	CU_ASSERT_EQUAL(pi.l3_off, 18);
	CU_ASSERT_EQUAL(pi.l4_off, 38);
	CU_ASSERT_EQUAL(pi.key.dport, be(443));

	v6_l4(&f, 17, 2, qq, qqt);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	CU_ASSERT_EQUAL(pi.vlan_tci, 0x300a); /* the outer tag */
	CU_ASSERT_EQUAL(pi.l3_off, 22);
	CU_ASSERT_EQUAL(pi.l4_off, 62);
	CU_ASSERT_EQUAL(pi.ethertype, 0x86dd);

	v4_tcp(&f, 3, q3, q3t, 0);
	expect_drop(&f, SL_DROP_UNSUPPORTED);
}

static void test_ipv4_options(void)
{
	struct frame f;
	struct sl_pkt_info pi;
	uint32_t opt;

	for (opt = 4; opt <= 40; opt += 4) {
		v4_tcp(&f, 0, NULL, NULL, opt);
		CU_ASSERT_EQUAL(parse(&f, &pi), SL_PKT_FLOW);
		CU_ASSERT_EQUAL(pi.l4_off, 34 + opt);
		CU_ASSERT_EQUAL(pi.key.sport, be(40000));
	}
}

static void test_ipv6_tcp_udp(void)
{
	struct frame f;
	struct sl_pkt_info pi;

	v6_l4(&f, 6, 0, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	CU_ASSERT(addr_is(pi.key.src, cli6, SL_AF_INET6));
	CU_ASSERT(addr_is(pi.key.dst, vip6, SL_AF_INET6));
	CU_ASSERT_EQUAL(pi.key.family, SL_AF_INET6);
	CU_ASSERT_EQUAL(pi.key.proto, 6);
	CU_ASSERT_EQUAL(pi.key.sport, be(40000));
	CU_ASSERT_EQUAL(pi.tcp_flags, 0x12);
	CU_ASSERT_EQUAL(pi.l4_off, 54);
	CU_ASSERT_EQUAL(pi.l3_len, 40 + 32);
	CU_ASSERT_EQUAL(pi.tos, 0xab);
	CU_ASSERT_EQUAL(pi.ttl, 57);
	CU_ASSERT_EQUAL(pi.df, 1);

	v6_l4(&f, 17, 0, NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	CU_ASSERT_EQUAL(pi.key.proto, 17);
	CU_ASSERT_EQUAL(pi.key.dport, be(53));
}

/* IPv6 TCP behind the extension headers @types (chain order), @n of them. */
static void v6_ext_chain(struct frame *f, const uint8_t *types, int n, uint8_t seg_left)
{
	uint32_t ip;
	int i;

	eth(f, 0, NULL, NULL, 0x86dd);
	ip = ip6(f, n ? types[0] : 6, cli6, vip6);
	for (i = 0; i < n; i++)
		ext6(f, i + 1 < n ? types[i + 1] : 6, (uint8_t)i, types[i] == 43 ? seg_left : 0);
	tcp(f, 40000, 443, 0x10, 5);
	ip6_done(f, ip);
}

static void test_ipv6_ext_headers(void)
{
	static const uint8_t ok[4] = { 0, 60, 43, 60 };
	static const uint8_t five[5] = { 0, 60, 43, 60, 60 };
	static const uint8_t late_hbh[2] = { 60, 0 };
	static const uint8_t frag_after[2] = { 60, 44 };
	static const uint8_t rt[1] = { 43 };
	struct frame f;
	struct sl_pkt_info pi;

	v6_ext_chain(&f, ok, 4, 0);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_FLOW);
	/* lengths 8, 16, 24, 32 */
	CU_ASSERT_EQUAL(pi.l4_off, 54 + 80);
	CU_ASSERT_EQUAL(pi.key.proto, 6);
	CU_ASSERT_EQUAL(pi.key.dport, be(443));

	v6_ext_chain(&f, five, 5, 0);
	expect_drop(&f, SL_DROP_UNSUPPORTED);
	v6_ext_chain(&f, late_hbh, 2, 0);
	expect_drop(&f, SL_DROP_BAD_L3);
	v6_ext_chain(&f, frag_after, 2, 0);
	expect_drop(&f, SL_DROP_FRAGMENT);

	/* Segments left: not the final destination, the kernel routes it. */
	v6_ext_chain(&f, rt, 1, 2);
	expect_class(&f, SL_PKT_HOST);

	/* An extension header longer than the payload. */
	v6_ext_chain(&f, ok, 4, 0);
	f.b[54 + 1] = 200;
	expect_drop(&f, SL_DROP_BAD_L3);
}

static void test_fragments(void)
{
	static const uint16_t frag_fields[3] = { 0x2000, 0x0001, 0x20b9 };
	struct frame f;
	struct sl_pkt_info pi;
	uint32_t ip;
	int i;

	for (i = 0; i < 3; i++) {
		v4_tcp(&f, 0, NULL, NULL, 0);
		put16(&f, 14 + 6, frag_fields[i]);
		expect_drop(&f, SL_DROP_FRAGMENT);
	}
	/* DF alone is not a fragment. */
	v4_tcp(&f, 0, NULL, NULL, 0);
	put16(&f, 14 + 6, 0x4000);
	CU_ASSERT_EQUAL(parse(&f, &pi), SL_PKT_FLOW);

	/* IPv6 fragment header straight after the fixed header, first fragment. */
	eth(&f, 0, NULL, NULL, 0x86dd);
	ip = ip6(&f, 44, cli6, vip6);
	u8(&f, 6);
	u8(&f, 0);
	u16(&f, 0x0001); /* offset 0, M = 1 */
	u32(&f, 0xabcd);
	tcp(&f, 40000, 443, 0x10, 5);
	ip6_done(&f, ip);
	expect_drop(&f, SL_DROP_FRAGMENT);
}

static void test_icmp_echo(void)
{
	struct frame f;
	struct sl_pkt_info pi;
	uint32_t ip;

	eth(&f, 0, NULL, NULL, 0x0800);
	ip = ip4(&f, 1, cli4, vip4, 0, 0);
	icmp(&f, 8, 0, 0x00010002);
	zeros(&f, 32);
	ip4_done(&f, ip);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_ICMP_ECHO);
	CU_ASSERT(addr_is(pi.key.src, cli4, SL_AF_INET));
	CU_ASSERT(addr_is(pi.key.dst, vip4, SL_AF_INET));
	CU_ASSERT_EQUAL(pi.key.proto, 1);
	CU_ASSERT_EQUAL(pi.key.sport, 0);
	CU_ASSERT_EQUAL(pi.key.dport, 0);
	CU_ASSERT_EQUAL(pi.icmp_type, 8);
	CU_ASSERT_EQUAL(pi.l4_off, 34);

	f.b[34] = 0; /* echo reply: not ours */
	expect_class(&f, SL_PKT_HOST);

	eth(&f, 0, NULL, NULL, 0x86dd);
	ip = ip6(&f, 58, cli6, vip6);
	icmp(&f, 128, 0, 0x00010002);
	ip6_done(&f, ip);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_ICMP_ECHO);
	CU_ASSERT(addr_is(pi.key.dst, vip6, SL_AF_INET6));
	CU_ASSERT_EQUAL(pi.key.proto, 58);
	CU_ASSERT_EQUAL(pi.key.sport, 0);
	CU_ASSERT_EQUAL(pi.icmp_type, 128);
	CU_ASSERT_EQUAL(pi.l4_off, 54);
}

static void check_reversed(const struct sl_pkt_info *pi, int family, uint8_t proto)
{
	const uint8_t *c = family == SL_AF_INET ? cli4 : cli6;
	const uint8_t *v = family == SL_AF_INET ? vip4 : vip6;

	CU_ASSERT(addr_is(pi->key.src, c, family));
	CU_ASSERT(addr_is(pi->key.dst, v, family));
	CU_ASSERT_EQUAL(pi->key.sport, be(40000));
	CU_ASSERT_EQUAL(pi->key.dport, be(443));
	CU_ASSERT_EQUAL(pi->key.proto, proto);
	CU_ASSERT_EQUAL(pi->key.family, family);
	CU_ASSERT_EQUAL(pi->key.pad, 0);
}

static void test_icmp4_frag_needed(void)
{
	struct frame f;
	struct sl_pkt_info pi;

	v4_frag_needed(&f, 6, 1400);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_ICMP_ERR);
	check_reversed(&pi, SL_AF_INET, 6);
	CU_ASSERT_EQUAL(pi.icmp_mtu, 1400);
	CU_ASSERT_EQUAL(pi.icmp_type, 3);
	CU_ASSERT_EQUAL(pi.l4_off, 34);

	v4_frag_needed(&f, 17, 1280);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_ICMP_ERR);
	check_reversed(&pi, SL_AF_INET, 17);
	CU_ASSERT_EQUAL(pi.icmp_mtu, 1280);

	/* Other unreachable codes are the kernel's. */
	v4_frag_needed(&f, 6, 1400);
	f.b[35] = 1;
	expect_class(&f, SL_PKT_HOST);
	/* A quoted ICMP packet has no flow of ours. */
	v4_frag_needed(&f, 1, 1400);
	expect_class(&f, SL_PKT_HOST);

	/* Malformed quotes. */
	v4_frag_needed(&f, 6, 1400);
	f.b[f.eip] = 0x65; /* version 6 inside ICMPv4 */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_frag_needed(&f, 6, 1400);
	f.b[f.eip] = 0x44; /* IHL 4 */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_frag_needed(&f, 6, 1400);
	f.b[f.eip] = 0x46; /* options claimed but quote too short for them + 8 */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_frag_needed(&f, 6, 1400);
	put16(&f, f.eip + 2, 24); /* original shorter than its own L4 header */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_frag_needed(&f, 6, 1400);
	put16(&f, f.eip + 6, 0x00b9); /* quote of a non-first fragment */
	expect_drop(&f, SL_DROP_UNSUPPORTED);
	v4_frag_needed(&f, 6, 1400);
	f.n -= 1; /* quote one byte short of IP + 8 */
	put16(&f, 14 + 2, (uint16_t)(f.n - 14));
	expect_drop(&f, SL_DROP_BAD_L4);
}

static void test_icmp6_packet_too_big(void)
{
	struct frame f;
	struct sl_pkt_info pi;

	v6_ptb(&f, 6, 1400);
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_ICMP_ERR);
	check_reversed(&pi, SL_AF_INET6, 6);
	CU_ASSERT_EQUAL(pi.icmp_mtu, 1400);
	CU_ASSERT_EQUAL(pi.icmp_type, 2);
	CU_ASSERT_EQUAL(pi.l4_off, 54);

	v6_ptb(&f, 17, 70000); /* MTU beyond 16 bits is clamped, not wrapped */
	CU_ASSERT_EQUAL_FATAL(parse(&f, &pi), SL_PKT_ICMP_ERR);
	check_reversed(&pi, SL_AF_INET6, 17);
	CU_ASSERT_EQUAL(pi.icmp_mtu, 65535);

	v6_ptb(&f, 58, 1400);
	expect_class(&f, SL_PKT_HOST);

	v6_ptb(&f, 6, 1400);
	f.b[f.eip] = 0x45;
	expect_drop(&f, SL_DROP_BAD_L4);
	v6_ptb(&f, 44, 1400); /* quoted fragment: ports not trustworthy */
	expect_drop(&f, SL_DROP_UNSUPPORTED);
	v6_ptb(&f, 60, 1400); /* quoted ext header runs past the quote */
	expect_drop(&f, SL_DROP_BAD_L4);
	v6_ptb(&f, 6, 1400);
	put16(&f, f.eip + 4, 4); /* original payload shorter than its L4 header */
	expect_drop(&f, SL_DROP_BAD_L4);
}

static void test_host_traffic(void)
{
	struct frame f;
	struct sl_pkt_info pi;
	uint32_t ip;
	static const uint8_t nd_types[5] = { 133, 134, 135, 136, 130 };
	int i;

	eth(&f, 0, NULL, NULL, 0x0806); /* ARP request */
	u16(&f, 1);
	u16(&f, 0x0800);
	u8(&f, 6);
	u8(&f, 4);
	u16(&f, 1);
	zeros(&f, 20);
	CU_ASSERT_EQUAL(parse(&f, &pi), SL_PKT_HOST);
	CU_ASSERT_EQUAL(pi.ethertype, 0x0806);

	eth(&f, 0, NULL, NULL, 0x88cc); /* LLDP */
	zeros(&f, 46);
	expect_class(&f, SL_PKT_HOST);

	for (i = 0; i < 5; i++) {
		eth(&f, 0, NULL, NULL, 0x86dd);
		ip = ip6(&f, 58, cli6, vip6);
		icmp(&f, nd_types[i], 0, 0);
		zeros(&f, 16);
		ip6_done(&f, ip);
		expect_class(&f, SL_PKT_HOST);
	}

	eth(&f, 0, NULL, NULL, 0x0800); /* GRE */
	ip = ip4(&f, 47, cli4, vip4, 0, 0);
	zeros(&f, 8);
	ip4_done(&f, ip);
	CU_ASSERT_EQUAL(parse(&f, &pi), SL_PKT_HOST);
	CU_ASSERT_EQUAL(pi.key.proto, 47);

	eth(&f, 0, NULL, NULL, 0x86dd); /* no next header */
	ip = ip6(&f, 59, cli6, vip6);
	ip6_done(&f, ip);
	expect_class(&f, SL_PKT_HOST);
}

/* ---- malformed input -------------------------------------------------- */

static void test_bad_headers(void)
{
	struct frame f;
	uint32_t ihl;

	for (ihl = 0; ihl < 5; ihl++) {
		v4_tcp(&f, 0, NULL, NULL, 0);
		f.b[14] = (uint8_t)(0x40 | ihl);
		expect_drop(&f, SL_DROP_BAD_L3);
	}
	v4_tcp(&f, 0, NULL, NULL, 0);
	f.b[14] = 0x65; /* IPv6 version behind the IPv4 ethertype */
	expect_drop(&f, SL_DROP_BAD_L3);
	v4_tcp(&f, 0, NULL, NULL, 0);
	f.b[14] = 0x4f; /* IHL 15: 60 bytes, more than the total length */
	put16(&f, 16, 50);
	expect_drop(&f, SL_DROP_BAD_L3);
	v4_tcp(&f, 0, NULL, NULL, 0);
	put16(&f, 16, 19); /* total length below the header */
	expect_drop(&f, SL_DROP_BAD_L3);
	v4_tcp(&f, 0, NULL, NULL, 0);
	put16(&f, 16, (uint16_t)(f.n - 14 + 1)); /* one byte more than present */
	expect_drop(&f, SL_DROP_TRUNCATED);
	v4_tcp(&f, 0, NULL, NULL, 0);
	put16(&f, 16, 0xffff);
	expect_drop(&f, SL_DROP_TRUNCATED);

	v4_tcp(&f, 0, NULL, NULL, 0);
	f.b[34 + 12] = 0x40; /* data offset 4 */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_tcp(&f, 0, NULL, NULL, 0);
	f.b[34 + 12] = 0x80; /* 32 bytes, only 30 in the IP payload */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_tcp(&f, 0, NULL, NULL, 0);
	put16(&f, 16, 20 + 19); /* TCP header cut by the IP length; rest is "padding" */
	expect_drop(&f, SL_DROP_BAD_L4);

	v4_udp(&f, 4);
	put16(&f, 34 + 4, 13); /* UDP length beyond the IP payload */
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_udp(&f, 4);
	put16(&f, 34 + 4, 7);
	expect_drop(&f, SL_DROP_BAD_L4);
	v4_udp(&f, 4);
	put16(&f, 16, 20 + 7);
	expect_drop(&f, SL_DROP_BAD_L4);

	v6_l4(&f, 6, 0, NULL, NULL);
	f.b[14] = 0x4a;
	expect_drop(&f, SL_DROP_BAD_L3);
	v6_l4(&f, 6, 0, NULL, NULL);
	put16(&f, 18, (uint16_t)(f.n - 54 + 1));
	expect_drop(&f, SL_DROP_TRUNCATED);
	v6_l4(&f, 17, 0, NULL, NULL);
	put16(&f, 54 + 4, 0); /* UDP length 0: jumbogram form, not carried */
	expect_drop(&f, SL_DROP_BAD_L4);

	eth(&f, 0, NULL, NULL, 0x0800);
	ip4(&f, 1, cli4, vip4, 0, 0);
	u32(&f, 0x08000000); /* 4-byte ICMP */
	ip4_done(&f, 14);
	expect_drop(&f, SL_DROP_BAD_L4);
}

/* 40 + a 65535-byte payload does not fit l3_len: refused, not wrapped. */
static void test_ipv6_over_64k(void)
{
	uint32_t len = 14 + 40 + 65535;
	uint8_t *b = calloc(1, len);
	struct frame hdr;
	struct sl_pkt_info pi;
	uint32_t ip;

	CU_ASSERT_FATAL(b != NULL);
	eth(&hdr, 0, NULL, NULL, 0x86dd);
	ip = ip6(&hdr, 6, cli6, vip6);
	tcp(&hdr, 40000, 443, 0x10, 5);
	put16(&hdr, ip + 4, 65535);
	memcpy(b, hdr.b, hdr.n);
	CU_ASSERT_EQUAL(sl_pkt_parse(b, len, &pi), SL_PKT_DROP);
	CU_ASSERT_EQUAL(pi.drop, SL_DROP_TOO_BIG);
	/* 65495 bytes of payload make l3_len exactly 65535: accepted. */
	put16(&hdr, ip + 4, 65535 - 40);
	memcpy(b, hdr.b, hdr.n);
	CU_ASSERT_EQUAL(sl_pkt_parse(b, len, &pi), SL_PKT_FLOW);
	CU_ASSERT_EQUAL(pi.l3_len, 65535);
	free(b);
}

/* ---- truncation: every prefix of every valid frame -------------------- */

#define CORPUS_MAX 24

static int build_corpus(struct frame *c)
{
	static const uint16_t q[1] = { 0x8100 }, qt[1] = { 7 };
	static const uint16_t qq[2] = { 0x88a8, 0x8100 }, qqt[2] = { 100, 200 };
	static const uint8_t ext[4] = { 0, 60, 43, 60 };
	int n = 0;
	uint32_t ip;

	v4_tcp(&c[n++], 0, NULL, NULL, 0);
	v4_tcp(&c[n++], 1, q, qt, 8);
	v4_tcp(&c[n++], 2, qq, qqt, 40);
	v4_udp(&c[n++], 0);
	v4_udp(&c[n], 2);
	zeros(&c[n], 60 - c[n].n);
	n++;
	v6_l4(&c[n++], 6, 0, NULL, NULL);
	v6_l4(&c[n++], 17, 2, qq, qqt);
	v6_ext_chain(&c[n++], ext, 4, 0);
	v4_frag_needed(&c[n++], 6, 1400);
	v4_frag_needed(&c[n++], 17, 576);
	v6_ptb(&c[n++], 6, 1280);
	v6_ptb(&c[n++], 17, 1500);

	eth(&c[n], 0, NULL, NULL, 0x0800);
	ip = ip4(&c[n], 1, cli4, vip4, 0, 0);
	icmp(&c[n], 8, 0, 1);
	ip4_done(&c[n], ip);
	n++;
	eth(&c[n], 1, q, qt, 0x86dd);
	ip = ip6(&c[n], 58, cli6, vip6);
	icmp(&c[n], 128, 0, 1);
	ip6_done(&c[n], ip);
	n++;
	eth(&c[n], 0, NULL, NULL, 0x86dd);
	ip = ip6(&c[n], 58, cli6, vip6);
	icmp(&c[n], 135, 0, 0);
	zeros(&c[n], 16);
	ip6_done(&c[n], ip);
	n++;
	eth(&c[n], 1, q, qt, 0x0806);
	zeros(&c[n], 28);
	n++;
	return n;
}

static void test_every_truncation(void)
{
	static struct frame corpus[CORPUS_MAX];
	struct sl_pkt_info full, pi;
	enum sl_pkt_class fc, c;
	uint32_t n, need, bad = 0;
	int i, ok, count = build_corpus(corpus);

	for (i = 0; i < count; i++) {
		fc = parse(&corpus[i], &full);
		CU_ASSERT_NOT_EQUAL(fc, SL_PKT_DROP);
		/* Everything up to the end of the IP packet (or the tags) is needed. */
		need = (uint32_t)full.l3_off + full.l3_len;
		for (n = 0; n < corpus[i].n; n++) {
			c = parse_n(corpus[i].b, n, &pi);
			if (n < need)
				ok = c == SL_PKT_DROP && pi.drop == SL_DROP_TRUNCATED;
			else /* only padding was cut: the same answer */
				ok = c == fc && memcmp(&pi, &full, sizeof(pi)) == 0;
			if (!ok && bad++ == 0)
				printf("\n frame %d cut to %u: class %d drop %d\n", i, n, c, pi.drop);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- fuzz ------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* What every answer must satisfy, whatever the input. 0 if it does. */
static int violates(enum sl_pkt_class c, const struct sl_pkt_info *pi, uint32_t len)
{
	uint32_t l3_end = (uint32_t)pi->l3_off + pi->l3_len, l4 = pi->l4_off;

	if (c == SL_PKT_DROP)
		return pi->drop == SL_DROP_NONE || pi->drop >= SL_DROP__MAX;
	if (c > SL_PKT_DROP || pi->drop != SL_DROP_NONE || pi->key.pad != 0)
		return 1;
	if (pi->l3_off > len || l3_end > len)
		return 1;
	if (pi->key.family == SL_AF_INET && (pi->key.src[1] | pi->key.src[2] | pi->key.src[3] |
					     pi->key.dst[1] | pi->key.dst[2] | pi->key.dst[3]))
		return 1;
	if (c == SL_PKT_HOST)
		return 0;
	if (l4 < pi->l3_off + 20u || l4 + 8 > l3_end)
		return 1;
	if (c == SL_PKT_FLOW)
		return !(pi->key.proto == 17 || (pi->key.proto == 6 && l4 + 20 <= l3_end));
	if (c == SL_PKT_ICMP_ECHO)
		return pi->key.sport || pi->key.dport || (pi->key.proto != 1 && pi->key.proto != 58);
	return pi->key.proto != 6 && pi->key.proto != 17; /* ICMP_ERR carries the quoted flow */
}

#define FUZZ_ROUNDS 1000000

static void test_fuzz_random(void)
{
	uint8_t buf[256];
	struct sl_pkt_info pi;
	enum sl_pkt_class c;
	uint32_t i, j, len, bad = 0, seen[SL_PKT_DROP + 1] = { 0 };
	uint64_t seed = 0x5eed0001u;
	const char *env = getenv("SL_FUZZ_SEED");

	if (env)
		seed = strtoull(env, NULL, 0);
	rng_state = seed;
	for (i = 0; i < FUZZ_ROUNDS; i++) {
		len = rnd() % sizeof(buf);
		for (j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		/* Steer part of the rounds past the first checks so random bytes
		 * also land in the L4 and ICMP code: IPv4 or IPv6 ethertype, then a
		 * right version nibble and an IP length that matches the buffer. */
		if (len >= 14 && (i & 1)) {
			buf[12] = (i & 2) ? 0x08 : 0x86;
			buf[13] = (i & 2) ? 0x00 : 0xdd;
			if ((i & 4) && (i & 2) && len >= 34) {
				buf[14] = (uint8_t)(0x45 + (buf[14] & 1));
				buf[16] = 0;
				buf[17] = (uint8_t)(len - 14);
				buf[20] &= 0x40; /* not a fragment */
			} else if ((i & 4) && len >= 54) {
				buf[14] = (uint8_t)(0x60 | (buf[14] & 0xf));
				buf[18] = 0;
				buf[19] = (uint8_t)(len - 54);
			}
		}
		c = parse_n(buf, len, &pi);
		seen[c <= SL_PKT_DROP ? c : SL_PKT_DROP]++;
		if (violates(c, &pi, len) && bad++ == 0)
			printf("\n seed %#llx round %u: class %d\n", (unsigned long long)seed, i, c);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* Proof the steering works, or the rounds above tested little. */
	CU_ASSERT(seen[SL_PKT_DROP] > 0);
	CU_ASSERT(seen[SL_PKT_HOST] > 0);
	CU_ASSERT(seen[SL_PKT_FLOW] > 0);
}

/* Valid frames with a few bytes flipped and a random cut: reaches deep paths. */
static void test_fuzz_mutated(void)
{
	static struct frame corpus[CORPUS_MAX];
	struct sl_pkt_info pi;
	enum sl_pkt_class c;
	uint32_t i, k, flips, len, bad = 0, seen[SL_PKT_DROP + 1] = { 0 };
	uint8_t buf[4096];
	int count = build_corpus(corpus);
	const struct frame *f;

	rng_state = 0x5eed0002u;
	for (i = 0; i < FUZZ_ROUNDS; i++) {
		f = &corpus[rnd() % (uint32_t)count];
		memcpy(buf, f->b, f->n);
		flips = 1 + rnd() % 4;
		for (k = 0; k < flips; k++)
			buf[rnd() % f->n] ^= (uint8_t)(1u << (rnd() % 8));
		len = (rnd() & 3) ? f->n : rnd() % (f->n + 1);
		c = parse_n(buf, len, &pi);
		seen[c <= SL_PKT_DROP ? c : SL_PKT_DROP]++;
		if (violates(c, &pi, len) && bad++ == 0)
			printf("\n mutated round %u: class %d\n", i, c);
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* The mutations must not be so heavy that nothing parses any more. */
	CU_ASSERT(seen[SL_PKT_FLOW] > 0);
	CU_ASSERT(seen[SL_PKT_ICMP_ERR] > 0);
	CU_ASSERT(seen[SL_PKT_ICMP_ECHO] > 0);
}

SL_CU_MAIN("pkt_parse",
	   { "ipv4 tcp", test_ipv4_tcp },
	   { "ipv4 udp with ethernet padding", test_ipv4_udp_padded },
	   { "802.1q and qinq", test_vlan_and_qinq },
	   { "ipv4 options", test_ipv4_options },
	   { "ipv6 tcp and udp", test_ipv6_tcp_udp },
	   { "ipv6 extension headers", test_ipv6_ext_headers },
	   { "fragments", test_fragments },
	   { "icmp echo", test_icmp_echo },
	   { "icmp frag-needed", test_icmp4_frag_needed },
	   { "icmpv6 packet too big", test_icmp6_packet_too_big },
	   { "host traffic", test_host_traffic },
	   { "bad headers", test_bad_headers },
	   { "ipv6 over 64k", test_ipv6_over_64k },
	   { "every truncation", test_every_truncation },
	   { "fuzz random", test_fuzz_random },
	   { "fuzz mutated", test_fuzz_mutated })
