/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encapsulation and ICMP builders, checked byte by byte at fixed offsets.
 *
 * Every checksum is verified with ref_sum() below, a deliberately naive
 * big-endian 16-bit loop that shares nothing with sl_csum_*. Packets are
 * built by hand (no parser), and sl_pkt_info is filled by hand too.
 *
 * With SL_ENCAP_PCAP=<file> in the environment, every frame built here is
 * also written to a pcap file for encap_check.py (scapy) to decode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "encap.h"
#include "pkt_parse.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100

static const uint8_t MAC_CLIENT[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_LB[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t MAC_NEXT[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 };

/* 198.18.0.0/15 and 2001:db8::/32 only. */
static const uint8_t V4_CLIENT[4] = { 198, 18, 1, 10 };
static const uint8_t V4_VIP[4] = { 198, 18, 2, 1 };
static const uint8_t V4_LB[4] = { 198, 19, 0, 1 };
static const uint8_t V4_BACKEND[4] = { 198, 19, 0, 77 };
static const uint8_t V6_CLIENT[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
static const uint8_t V6_VIP[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t V6_LB[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t V6_BACKEND[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x4d };

/* DSCP EF (46) with ECN CE (3): both halves must survive. */
#define TOS_EF_CE 0xbb

/* ---- independent helpers ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071 the slow, obvious way: big-endian words, odd byte is the high half. */
static uint64_t ref_sum(const uint8_t *p, size_t n, uint64_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A region with its checksum field filled in is valid when it sums to 0xffff. */
static int ref_valid(const uint8_t *p, size_t n)
{
	return ref_fold(ref_sum(p, n, 0)) == 0xffff;
}

static uint64_t ref_pseudo6(const uint8_t *src, const uint8_t *dst, uint32_t len, uint8_t nh)
{
	uint8_t ph[40] = { 0 };

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = nh;
	return ref_sum(ph, sizeof(ph), 0);
}

static int ref_valid6(const uint8_t *ip6, const uint8_t *l4, uint32_t l4_len, uint8_t nh)
{
	return ref_fold(ref_sum(l4, l4_len, ref_pseudo6(ip6 + 8, ip6 + 24, l4_len, nh))) == 0xffff;
}

static void set_csum(uint8_t *field, uint64_t sum)
{
	wr16(field, (uint16_t)~ref_fold(sum));
}

/* ---- pcap output for encap_check.py ---- */

static FILE *pcap;

static void close_pcap(void)
{
	if (pcap && fclose(pcap) != 0)
		perror("SL_ENCAP_PCAP");
}

/* Opened on first use so the CUnit main stays the shared one. */
static void open_pcap(void)
{
	/* Classic libpcap header: magic, v2.4, tz 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET. */
	const uint32_t hdr[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1 };
	const char *path = getenv("SL_ENCAP_PCAP");

	if (!path || !*path)
		return;
	pcap = fopen(path, "wb");
	if (!pcap) {
		perror(path);
		exit(2);
	}
	fwrite(hdr, sizeof(hdr), 1, pcap);
	atexit(close_pcap);
}

static void pcap_frame(const uint8_t *f, uint32_t len)
{
	static int opened;
	uint32_t rec[4] = { 0, 0, len, len };

	if (!opened) {
		opened = 1;
		open_pcap();
	}
	if (!pcap)
		return;
	fwrite(rec, sizeof(rec), 1, pcap);
	fwrite(f, 1, len, pcap);
}

/* ---- inner packets ---- */

/* IPv4/UDP client -> VIP with a patterned payload; returns its length. */
static uint16_t make_inner4(uint8_t *p, uint16_t len, uint8_t tos)
{
	uint16_t i;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[1] = tos;
	wr16(p + 2, len);
	wr16(p + 6, 0x4000);
	p[8] = 61;
	p[9] = 17;
	memcpy(p + 12, V4_CLIENT, 4);
	memcpy(p + 16, V4_VIP, 4);
	set_csum(p + 10, ref_sum(p, 20, 0));
	wr16(p + 20, 40000);
	wr16(p + 22, 53);
	wr16(p + 24, (uint16_t)(len - 20));
	for (i = 28; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	return len;
}

static uint16_t make_inner6(uint8_t *p, uint16_t len, uint8_t tclass)
{
	uint16_t i;

	memset(p, 0, 48);
	p[0] = (uint8_t)(0x60 | tclass >> 4);
	p[1] = (uint8_t)(tclass << 4);
	wr16(p + 4, (uint16_t)(len - 40));
	p[6] = 17;
	p[7] = 61;
	memcpy(p + 8, V6_CLIENT, 16);
	memcpy(p + 24, V6_VIP, 16);
	wr16(p + 40, 40000);
	wr16(p + 42, 443);
	wr16(p + 44, (uint16_t)(len - 40));
	for (i = 48; i < len; i++)
		p[i] = (uint8_t)(i * 13 + 1);
	return len;
}

static void params(struct sl_encap_params *p, enum sl_fwd_method m, uint8_t outer_family)
{
	memset(p, 0, sizeof(*p));
	p->method = m;
	p->outer_family = outer_family;
	if (outer_family == SL_AF_INET6) {
		memcpy(p->outer_src, V6_LB, 16);
		memcpy(p->outer_dst, V6_BACKEND, 16);
	} else {
		memcpy(p->outer_src, V4_LB, 4);
		memcpy(p->outer_dst, V4_BACKEND, 4);
	}
	memcpy(p->src_mac, MAC_LB, 6);
	memcpy(p->dst_mac, MAC_NEXT, 6);
	p->ttl = 37;
	p->gue_port = SL_GUE_DEFAULT_PORT;
	p->entropy = 0x9abcdef1u;
}

/*
 * Build headers for @p in front of an inner packet of @family at @frame +
 * hdr_len, as the worker does with mbuf headroom. Returns the total frame
 * length, or the negative error.
 */
static int build(uint8_t *frame, const struct sl_encap_params *p, uint8_t family, uint16_t inner_len,
		 uint8_t tos)
{
	uint16_t h = sl_encap_hdr_len(p->method, p->outer_family);
	uint8_t *inner = frame + h;
	int r;

	if (family == SL_AF_INET)
		make_inner4(inner, inner_len, tos);
	else
		make_inner6(inner, inner_len, tos);
	r = sl_encap_write(frame, p, inner, inner_len, family, tos);
	if (r < 0)
		return r;
	CU_ASSERT_EQUAL(r, h);
	pcap_frame(frame, (uint32_t)(r + inner_len));
	return r + inner_len;
}

static void check_eth(const uint8_t *f, uint16_t ethertype)
{
	CU_ASSERT_EQUAL(memcmp(f, MAC_NEXT, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 6, MAC_LB, 6), 0);
	CU_ASSERT_EQUAL(rd16(f + 12), ethertype);
}

static void check_outer4(const uint8_t *ip, uint8_t proto, uint16_t total, uint8_t tos)
{
	CU_ASSERT_EQUAL(ip[0], 0x45);
	CU_ASSERT_EQUAL(ip[1], tos);
	CU_ASSERT_EQUAL(rd16(ip + 2), total);
	CU_ASSERT_EQUAL(rd16(ip + 4), 0);
	CU_ASSERT_EQUAL(rd16(ip + 6), 0x4000);
	CU_ASSERT_EQUAL(ip[8], 37);
	CU_ASSERT_EQUAL(ip[9], proto);
	CU_ASSERT_EQUAL(memcmp(ip + 12, V4_LB, 4), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 16, V4_BACKEND, 4), 0);
	CU_ASSERT(ref_valid(ip, 20));
}

static void check_outer6(const uint8_t *ip, uint8_t nh, uint16_t payload, uint8_t tclass)
{
	CU_ASSERT_EQUAL(ip[0] >> 4, 6);
	CU_ASSERT_EQUAL((rd32(ip) >> 20) & 0xff, tclass);
	CU_ASSERT_EQUAL(rd32(ip) & 0xfffff, 0x9abcdef1u & 0xfffff);
	CU_ASSERT_EQUAL(rd16(ip + 4), payload);
	CU_ASSERT_EQUAL(ip[6], nh);
	CU_ASSERT_EQUAL(ip[7], 37);
	CU_ASSERT_EQUAL(memcmp(ip + 8, V6_LB, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 24, V6_BACKEND, 16), 0);
}

/* ---- names and lengths ---- */

static void test_method_names(void)
{
	static const char *const names[] = { "ipip", "ip6tnl", "gue", "l2dsr" };
	int m;

	for (m = 0; m < SL_FWD__MAX; m++) {
		CU_ASSERT_STRING_EQUAL(sl_fwd_method_name((enum sl_fwd_method)m), names[m]);
		CU_ASSERT_EQUAL(sl_fwd_method_parse(names[m]), m);
	}
	CU_ASSERT_PTR_NULL(sl_fwd_method_name(SL_FWD__MAX));
	CU_ASSERT_PTR_NULL(sl_fwd_method_name((enum sl_fwd_method)-1));
	CU_ASSERT_EQUAL(sl_fwd_method_parse(NULL), -1);
	CU_ASSERT_EQUAL(sl_fwd_method_parse(""), -1);
	CU_ASSERT_EQUAL(sl_fwd_method_parse("IPIP"), -1);
	CU_ASSERT_EQUAL(sl_fwd_method_parse("gue "), -1);
	CU_ASSERT_EQUAL(sl_fwd_method_parse("gu"), -1);
	CU_ASSERT_EQUAL(sl_fwd_method_parse("l2dsrx"), -1);
}

static void test_hdr_len(void)
{
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_IPIP, SL_AF_INET), 34);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_IP6TNL, SL_AF_INET6), 54);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_GUE, SL_AF_INET), 46);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_GUE, SL_AF_INET6), 66);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_L2DSR, SL_AF_INET), 14);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_L2DSR, SL_AF_INET6), 14);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_IPIP, SL_AF_INET6), 0);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_IP6TNL, SL_AF_INET), 0);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD_GUE, 0), 0);
	CU_ASSERT_EQUAL(sl_encap_hdr_len(SL_FWD__MAX, SL_AF_INET), 0);
}

/* ---- each method ---- */

static void test_ipip(void)
{
	uint8_t f[2048];
	struct sl_encap_params p;
	int n;

	params(&p, SL_FWD_IPIP, SL_AF_INET);
	n = build(f, &p, SL_AF_INET, 1000, TOS_EF_CE);
	CU_ASSERT_EQUAL(n, 34 + 1000);
	check_eth(f, ETH_IPV4);
	check_outer4(f + 14, 4, 1020, TOS_EF_CE);
	CU_ASSERT_EQUAL(f[34], 0x45); /* inner untouched */
	CU_ASSERT(ref_valid(f + 34, 20));

	/* Smallest inner packet, and TOS 0 really is 0 (not left over). */
	memset(f, 0xee, sizeof(f));
	n = build(f, &p, SL_AF_INET, 28, 0);
	CU_ASSERT_EQUAL(n, 34 + 28);
	check_outer4(f + 14, 4, 48, 0);
}

static void test_ip6tnl(void)
{
	uint8_t f[2048];
	struct sl_encap_params p;
	int n;

	params(&p, SL_FWD_IP6TNL, SL_AF_INET6);
	n = build(f, &p, SL_AF_INET, 600, TOS_EF_CE);
	CU_ASSERT_EQUAL(n, 54 + 600);
	check_eth(f, ETH_IPV6);
	check_outer6(f + 14, 4, 600, TOS_EF_CE);

	n = build(f, &p, SL_AF_INET6, 1400, 0x2a);
	CU_ASSERT_EQUAL(n, 54 + 1400);
	check_eth(f, ETH_IPV6);
	check_outer6(f + 14, 41, 1400, 0x2a);
	CU_ASSERT_EQUAL(f[54] >> 4, 6);
}

static void check_gue(const uint8_t *udp, uint16_t udp_len, uint8_t inner_proto)
{
	CU_ASSERT(rd16(udp) >= 49152);
	CU_ASSERT_EQUAL(rd16(udp), 49152 + 0x9abcdef1u % 16384);
	CU_ASSERT_EQUAL(rd16(udp + 2), SL_GUE_DEFAULT_PORT);
	CU_ASSERT_EQUAL(rd16(udp + 4), udp_len);
	CU_ASSERT_EQUAL(udp[8], 0);  /* version 0, C 0, Hlen 0 */
	CU_ASSERT_EQUAL(udp[9], inner_proto);
	CU_ASSERT_EQUAL(rd16(udp + 10), 0);
}

static void test_gue_v4(void)
{
	uint8_t f[2048];
	struct sl_encap_params p;
	int n;

	params(&p, SL_FWD_GUE, SL_AF_INET);
	n = build(f, &p, SL_AF_INET, 500, TOS_EF_CE);
	CU_ASSERT_EQUAL(n, 46 + 500);
	check_eth(f, ETH_IPV4);
	check_outer4(f + 14, 17, 20 + 12 + 500, TOS_EF_CE);
	check_gue(f + 34, 12 + 500, 4);
	CU_ASSERT_EQUAL(rd16(f + 34 + 6), 0); /* no UDP checksum over IPv4 */

	/* An IPv6 client behind an IPv4 backend: GUE says so in its proto field. */
	n = build(f, &p, SL_AF_INET6, 300, 0x04);
	CU_ASSERT_EQUAL(n, 46 + 300);
	check_outer4(f + 14, 17, 20 + 12 + 300, 0x04);
	check_gue(f + 34, 12 + 300, 41);

	p.gue_port = 19523;
	CU_ASSERT_EQUAL(build(f, &p, SL_AF_INET, 100, 0), 146);
	CU_ASSERT_EQUAL(rd16(f + 36), 19523);
}

static void test_gue_v6_checksum(void)
{
	uint8_t f[2048];
	struct sl_encap_params p;
	uint16_t lens[] = { 48, 49, 777, 1400 };
	size_t i;
	int n;

	params(&p, SL_FWD_GUE, SL_AF_INET6);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = build(f, &p, SL_AF_INET6, lens[i], TOS_EF_CE);
		CU_ASSERT_EQUAL(n, 66 + lens[i]);
		check_eth(f, ETH_IPV6);
		check_outer6(f + 14, 17, (uint16_t)(12 + lens[i]), TOS_EF_CE);
		check_gue(f + 54, (uint16_t)(12 + lens[i]), 41);
		CU_ASSERT_NOT_EQUAL(rd16(f + 60), 0);
		CU_ASSERT(ref_valid6(f + 14, f + 54, 12u + lens[i], 17));
		/* The checksum covers the inner packet: one flipped bit there breaks it. */
		f[n - 1] ^= 0x10;
		CU_ASSERT_FALSE(ref_valid6(f + 14, f + 54, 12u + lens[i], 17));
	}
	n = build(f, &p, SL_AF_INET, 333, 0);
	CU_ASSERT_EQUAL(n, 66 + 333);
	check_gue(f + 54, 12 + 333, 4);
	CU_ASSERT(ref_valid6(f + 14, f + 54, 12 + 333, 17));

	/* The inner packet need not sit right after the headers. */
	{
		uint8_t inner[200], hdr[66];

		make_inner4(inner, sizeof(inner), 0);
		CU_ASSERT_EQUAL(sl_encap_write(hdr, &p, inner, sizeof(inner), SL_AF_INET, 0), 66);
		memcpy(f, hdr, 66);
		memcpy(f + 66, inner, sizeof(inner));
		CU_ASSERT(ref_valid6(f + 14, f + 54, 12 + sizeof(inner), 17));
	}
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, NULL, 100, SL_AF_INET, 0), -EINVAL);
}

/* The port must be a pure function of the entropy, inside 49152..65535, and spread. */
static void test_gue_source_port(void)
{
	static uint8_t seen[16384];
	uint8_t a[128], b[128], inner[40];
	struct sl_encap_params p;
	uint32_t e, x = 12345, distinct = 0;
	uint16_t port;
	int i;

	params(&p, SL_FWD_GUE, SL_AF_INET);
	make_inner4(inner, sizeof(inner), 0);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 4096; i++) {
		x = x * 1103515245u + 12345u;
		p.entropy = e = x;
		CU_ASSERT_EQUAL_FATAL(sl_encap_write(a, &p, inner, 40, SL_AF_INET, 0), 46);
		CU_ASSERT_EQUAL_FATAL(sl_encap_write(b, &p, inner, 40, SL_AF_INET, 0), 46);
		CU_ASSERT_EQUAL(memcmp(a, b, 46), 0);
		port = rd16(a + 34);
		CU_ASSERT(port >= 49152);
		CU_ASSERT_EQUAL(port, 49152 + e % 16384);
		if (port >= 49152 && !seen[port - 49152]++)
			distinct++;
	}
	/* 4096 draws from 16384 values: a uniform map gives ~3650 distinct. */
	CU_ASSERT(distinct > 3400);

	p.entropy = 0;
	sl_encap_write(a, &p, inner, 40, SL_AF_INET, 0);
	CU_ASSERT_EQUAL(rd16(a + 34), 49152);
	p.entropy = 16383;
	sl_encap_write(a, &p, inner, 40, SL_AF_INET, 0);
	CU_ASSERT_EQUAL(rd16(a + 34), 65535);
	p.entropy = 0xffffffffu;
	sl_encap_write(a, &p, inner, 40, SL_AF_INET, 0);
	CU_ASSERT_EQUAL(rd16(a + 34), 65535);
}

static void test_l2dsr(void)
{
	uint8_t f[256];
	struct sl_encap_params p;

	params(&p, SL_FWD_L2DSR, SL_AF_INET);
	memset(f, 0xee, sizeof(f));
	make_inner4(f + 14, 100, 0);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, f + 14, 100, SL_AF_INET, 0), 14);
	check_eth(f, ETH_IPV4);
	CU_ASSERT_EQUAL(f[14], 0x45);
	CU_ASSERT(ref_valid(f + 14, 20));
	pcap_frame(f, 114);

	make_inner6(f + 14, 100, 0);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, f + 14, 100, SL_AF_INET6, 0), 14);
	check_eth(f, ETH_IPV6);
	CU_ASSERT_EQUAL(f[14] >> 4, 6);
	pcap_frame(f, 114);
}

static void test_encap_invalid(void)
{
	uint8_t f[256], inner[64];
	struct sl_encap_params p;

	make_inner6(inner, sizeof(inner), 0);
	params(&p, SL_FWD_IPIP, SL_AF_INET);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET6, 0), -EINVAL);
	p.outer_family = SL_AF_INET6;
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET, 0), -EINVAL);

	params(&p, SL_FWD_IP6TNL, SL_AF_INET);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET, 0), -EINVAL);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET6, 0), -EINVAL);

	params(&p, SL_FWD_GUE, 0);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET, 0), -EINVAL);
	p.outer_family = 5;
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET, 0), -EINVAL);

	params(&p, SL_FWD_GUE, SL_AF_INET);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, 41, 0), -EINVAL);
	CU_ASSERT_EQUAL(sl_encap_write(NULL, &p, inner, 64, SL_AF_INET, 0), -EINVAL);
	CU_ASSERT_EQUAL(sl_encap_write(f, NULL, inner, 64, SL_AF_INET, 0), -EINVAL);
	p.method = SL_FWD__MAX;
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET, 0), -EINVAL);
	p.method = (enum sl_fwd_method)-3;
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, inner, 64, SL_AF_INET, 0), -EINVAL);

	/* Outer length fields are 16 bits: an inner packet that would overflow them is refused. */
	params(&p, SL_FWD_IPIP, SL_AF_INET);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, NULL, 65535 - 20, SL_AF_INET, 0), 34);
	CU_ASSERT_EQUAL(rd16(f + 16), 65535);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, NULL, 65535 - 19, SL_AF_INET, 0), -EMSGSIZE);
	params(&p, SL_FWD_GUE, SL_AF_INET);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, NULL, 65535 - 31, SL_AF_INET, 0), -EMSGSIZE);
	params(&p, SL_FWD_IP6TNL, SL_AF_INET6);
	CU_ASSERT_EQUAL(sl_encap_write(f, &p, NULL, 65535, SL_AF_INET6, 0), 54);
	CU_ASSERT_EQUAL(rd16(f + 18), 65535);
}

/* ---- checksum helpers against the reference ---- */

static void test_csum_matches_reference(void)
{
	uint8_t buf[600];
	uint32_t x = 99, len, off, split, s;
	uint16_t got;

	for (len = 0; len < sizeof(buf); len++) {
		x = x * 1103515245u + 12345u;
		buf[len] = (uint8_t)(x >> 16);
	}
	for (off = 0; off < 8; off++) {
		for (len = 0; len + off <= 520; len++) {
			got = sl_csum_fold(sl_csum_partial(buf + off, len, 0));
			/* Native store: read the bytes back in network order. */
			CU_ASSERT_EQUAL_FATAL(rd16((uint8_t *)&got),
					      (uint16_t)~ref_fold(ref_sum(buf + off, len, 0)));
		}
	}
	/* Chained in even chunks equals one pass. */
	for (split = 0; split <= 300; split += 2) {
		s = sl_csum_partial(buf + 1, split, 0);
		s = sl_csum_partial(buf + 1 + split, 301 - split, s);
		CU_ASSERT_EQUAL(sl_csum_fold(s), sl_csum_fold(sl_csum_partial(buf + 1, 301, 0)));
	}
	/* Carries: all-0xff data must fold to 0 (one's complement -0 and +0). */
	memset(buf, 0xff, sizeof(buf));
	got = sl_csum_fold(sl_csum_partial(buf, sizeof(buf), 0));
	CU_ASSERT_EQUAL(got, 0);
	got = sl_csum_fold(sl_csum_partial(buf, sizeof(buf), 0xffffffffu));
	CU_ASSERT_EQUAL(got, 0);
	/* Saturated accumulators then every tail size: each add must carry around. */
	for (len = 0; len < 200; len++) {
		got = sl_csum_fold(sl_csum_partial(buf, len, 0));
		CU_ASSERT_EQUAL(rd16((uint8_t *)&got), (uint16_t)~ref_fold(ref_sum(buf, len, 0)));
	}
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(sl_csum_fold(sl_csum_partial(buf, sizeof(buf), 0)), 0xffff);
}

/* ---- ICMP echo ---- */

static uint32_t put_l2(uint8_t *f, int vlan, uint16_t ethertype)
{
	memcpy(f, MAC_LB, 6);
	memcpy(f + 6, MAC_CLIENT, 6);
	if (!vlan) {
		wr16(f + 12, ethertype);
		return 14;
	}
	wr16(f + 12, ETH_VLAN);
	wr16(f + 14, 0x2064);
	wr16(f + 16, ethertype);
	return 18;
}

static void fill_pi(struct sl_pkt_info *pi, uint8_t family, uint8_t proto, uint32_t l3, uint32_t l4,
		    uint32_t l3_len, int vlan)
{
	memset(pi, 0, sizeof(*pi));
	pi->key.family = family;
	pi->key.proto = proto;
	pi->l3_off = (uint16_t)l3;
	pi->l4_off = (uint16_t)l4;
	pi->l3_len = (uint16_t)l3_len;
	pi->ethertype = family == SL_AF_INET ? ETH_IPV4 : ETH_IPV6;
	pi->has_vlan = (uint8_t)vlan;
	pi->vlan_tci = vlan ? 0x2064 : 0;
}

/* Echo request client -> VIP with @payload bytes of data; returns frame length. */
static uint32_t make_echo4(uint8_t *f, int vlan, uint32_t payload, struct sl_pkt_info *pi)
{
	uint32_t l3 = put_l2(f, vlan, ETH_IPV4), i, tot = 28 + payload;
	uint8_t *ip = f + l3, *icmp = ip + 20;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)tot);
	wr16(ip + 4, 0x1234);
	ip[8] = 5;
	ip[9] = 1;
	memcpy(ip + 12, V4_CLIENT, 4);
	memcpy(ip + 16, V4_VIP, 4);
	set_csum(ip + 10, ref_sum(ip, 20, 0));
	icmp[0] = 8;
	wr16(icmp + 4, 0xbeef);
	wr16(icmp + 6, 7);
	for (i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)(i ^ 0x5a);
	set_csum(icmp + 2, ref_sum(icmp, 8 + payload, 0));
	fill_pi(pi, SL_AF_INET, 1, l3, l3 + 20, tot, vlan);
	return l3 + tot;
}

/* @hbh: put an 8-byte hop-by-hop header before ICMPv6. */
static uint32_t make_echo6(uint8_t *f, int vlan, int hbh, uint32_t payload, struct sl_pkt_info *pi)
{
	uint32_t l3 = put_l2(f, vlan, ETH_IPV6), i, ext = hbh ? 8 : 0;
	uint8_t *ip = f + l3, *icmp = ip + 40 + ext;

	memset(ip, 0, 48 + ext);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)(ext + 8 + payload));
	ip[6] = hbh ? 0 : 58;
	ip[7] = 3;
	memcpy(ip + 8, V6_CLIENT, 16);
	memcpy(ip + 24, V6_VIP, 16);
	if (hbh) {
		ip[40] = 58;
		ip[41] = 0;
		ip[42] = 1; /* PadN filling the rest */
		ip[43] = 4;
	}
	icmp[0] = 128;
	wr16(icmp + 4, 0xbeef);
	wr16(icmp + 6, 9);
	for (i = 0; i < payload; i++)
		icmp[8 + i] = (uint8_t)(i * 3);
	set_csum(icmp + 2, ref_sum(icmp, 8 + payload, ref_pseudo6(ip + 8, ip + 24, 8 + payload, 58)));
	fill_pi(pi, SL_AF_INET6, 58, l3, l3 + 40 + ext, 40 + ext + 8 + payload, vlan);
	return l3 + 40 + ext + 8 + payload;
}

static void check_echo4_reply(const uint8_t *f, const uint8_t *orig, uint32_t len, uint32_t l3)
{
	const uint8_t *ip = f + l3, *icmp = ip + 20;

	CU_ASSERT_EQUAL(memcmp(f, MAC_CLIENT, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 6, MAC_LB, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 12, orig + 12, l3 - 12), 0); /* tag and ethertype kept */
	CU_ASSERT_EQUAL(memcmp(ip + 12, V4_VIP, 4), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 16, V4_CLIENT, 4), 0);
	CU_ASSERT_EQUAL(ip[8], 64);
	CU_ASSERT_EQUAL(rd16(ip + 4), 0x1234);
	CU_ASSERT(ref_valid(ip, 20));
	CU_ASSERT_EQUAL(icmp[0], 0);
	CU_ASSERT_EQUAL(icmp[1], 0);
	CU_ASSERT_EQUAL(memcmp(icmp + 4, orig + l3 + 24, len - l3 - 24), 0);
	CU_ASSERT(ref_valid(icmp, rd16(ip + 2) - 20));
}

static void test_echo_v4(void)
{
	uint8_t f[256], orig[256];
	struct sl_pkt_info pi;
	uint32_t len, payload;
	int vlan;

	for (vlan = 0; vlan <= 1; vlan++) {
		for (payload = 0; payload <= 57; payload += 19) {
			len = make_echo4(f, vlan, payload, &pi);
			memcpy(orig, f, len);
			CU_ASSERT_EQUAL_FATAL(sl_icmp_echo_reply(f, len, &pi), 0);
			check_echo4_reply(f, orig, len, pi.l3_off);
			pcap_frame(f, len);
		}
	}
	/* Ethernet padding after the packet is neither summed nor touched. */
	len = make_echo4(f, 0, 4, &pi);
	memset(f + len, 0xa5, 60 - len);
	memcpy(orig, f, 60);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, 60, &pi), 0);
	check_echo4_reply(f, orig, len, 14);
	CU_ASSERT_EQUAL(memcmp(f + len, orig + len, 60 - len), 0);
}

static void check_echo6_reply(const uint8_t *f, const uint8_t *orig, uint32_t len,
			      const struct sl_pkt_info *pi)
{
	const uint8_t *ip = f + pi->l3_off, *icmp = f + pi->l4_off;

	CU_ASSERT_EQUAL(memcmp(f, MAC_CLIENT, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 6, MAC_LB, 6), 0);
	CU_ASSERT_EQUAL(memcmp(f + 12, orig + 12, pi->l3_off - 12), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 8, V6_VIP, 16), 0);
	CU_ASSERT_EQUAL(memcmp(ip + 24, V6_CLIENT, 16), 0);
	CU_ASSERT_EQUAL(ip[7], 64);
	CU_ASSERT_EQUAL(icmp[0], 129);
	CU_ASSERT_EQUAL(memcmp(icmp + 4, orig + pi->l4_off + 4, len - pi->l4_off - 4), 0);
	CU_ASSERT(ref_valid6(ip, icmp, len - pi->l4_off, 58));
}

static void test_echo_v6(void)
{
	uint8_t f[256], orig[256];
	struct sl_pkt_info pi;
	uint32_t len, payload;
	int vlan, hbh;

	for (vlan = 0; vlan <= 1; vlan++) {
		for (hbh = 0; hbh <= 1; hbh++) {
			for (payload = 0; payload <= 57; payload += 19) {
				len = make_echo6(f, vlan, hbh, payload, &pi);
				memcpy(orig, f, len);
				CU_ASSERT_EQUAL_FATAL(sl_icmp_echo_reply(f, len, &pi), 0);
				check_echo6_reply(f, orig, len, &pi);
				pcap_frame(f, len);
			}
		}
	}
}

static void test_echo_invalid(void)
{
	uint8_t f[256], orig[256];
	struct sl_pkt_info pi, bad;
	uint32_t len;

	len = make_echo4(f, 0, 16, &pi);
	memcpy(orig, f, len);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(NULL, len, &pi), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len - 1, &pi), -EINVAL); /* l3_len past the frame */
	bad = pi;
	bad.key.family = SL_AF_INET6;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &bad), -EINVAL);
	bad = pi;
	bad.key.family = 0;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &bad), -EINVAL);
	bad = pi;
	bad.l4_off = (uint16_t)(len - 4);
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &bad), -EINVAL);
	bad = pi;
	bad.l4_off = 0xffff;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &bad), -EINVAL);
	bad = pi;
	bad.l3_off = 4;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &bad), -EINVAL);
	bad = pi;
	bad.l3_len = 0;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &bad), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(f, orig, len), 0);

	/* Already a reply, or not ICMP at all: left alone. */
	f[34] = 0;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);
	f[34] = 8;
	f[23] = 17;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);
	f[23] = 1;
	f[14] = 0x46; /* IHL says options, but l4_off disagrees */
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);

	len = make_echo6(f, 0, 0, 8, &pi);
	f[54] = 129;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);
	f[54] = 128;
	f[20] = 17;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);
	f[20] = 58;
	f[14] = 0x40;
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);
	/* A hop-by-hop chain that does not end where the parser said. */
	len = make_echo6(f, 0, 1, 8, &pi);
	f[55] = 1; /* HBH length 16 bytes: overshoots l4_off */
	CU_ASSERT_EQUAL(sl_icmp_echo_reply(f, len, &pi), -EINVAL);
}

/* ---- ICMP too big ---- */

/* A TCP client -> VIP packet of IP length @tot (>= 40); returns frame length. */
static uint32_t make_tcp4(uint8_t *f, int vlan, uint32_t tot, struct sl_pkt_info *pi)
{
	uint32_t l3 = put_l2(f, vlan, ETH_IPV4), i;
	uint8_t *ip = f + l3;

	for (i = 0; i < tot; i++)
		ip[i] = (uint8_t)(i * 5 + 1);
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)tot);
	wr16(ip + 6, 0x4000);
	ip[8] = 60;
	ip[9] = 6;
	memcpy(ip + 12, V4_CLIENT, 4);
	memcpy(ip + 16, V4_VIP, 4);
	ip[10] = ip[11] = 0;
	set_csum(ip + 10, ref_sum(ip, 20, 0));
	fill_pi(pi, SL_AF_INET, 6, l3, l3 + 20, tot, vlan);
	return l3 + tot;
}

static uint32_t make_tcp6(uint8_t *f, int vlan, uint32_t tot, struct sl_pkt_info *pi)
{
	uint32_t l3 = put_l2(f, vlan, ETH_IPV6), i;
	uint8_t *ip = f + l3;

	for (i = 0; i < tot; i++)
		ip[i] = (uint8_t)(i * 11 + 2);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)(tot - 40));
	ip[6] = 6;
	ip[7] = 60;
	memcpy(ip + 8, V6_CLIENT, 16);
	memcpy(ip + 24, V6_VIP, 16);
	fill_pi(pi, SL_AF_INET6, 6, l3, l3 + 40, tot, vlan);
	return l3 + tot;
}

/* The LB's addresses in flow_key layout (IPv4 in word 0, rest zero). */
static uint32_t lb4[4], lb6[4];

static void init_lb(void)
{
	memset(lb4, 0, sizeof(lb4));
	memcpy(lb4, V4_LB, 4);
	memcpy(lb6, V6_LB, 16);
}

static void test_too_big_v4(void)
{
	static uint8_t f[2048], out[2048];
	static const uint32_t sizes[] = { 40, 100, 548, 549, 1500 };
	struct sl_pkt_info pi;
	uint32_t len, quote, l3, i;
	uint8_t *ip, *icmp;
	int vlan, n;

	init_lb();
	for (vlan = 0; vlan <= 1; vlan++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			len = make_tcp4(f, vlan, sizes[i], &pi);
			l3 = pi.l3_off;
			quote = sizes[i] < 548 ? sizes[i] : 548;
			memset(out, 0xee, sizeof(out));
			n = sl_icmp_too_big(out, sizeof(out), f, len, &pi, 1434, lb4);
			CU_ASSERT_EQUAL_FATAL(n, (int)(l3 + 28 + quote));
			CU_ASSERT(n - (int)l3 <= 576);
			CU_ASSERT_EQUAL(memcmp(out, MAC_CLIENT, 6), 0);
			CU_ASSERT_EQUAL(memcmp(out + 6, MAC_LB, 6), 0);
			CU_ASSERT_EQUAL(memcmp(out + 12, f + 12, l3 - 12), 0);
			ip = out + l3;
			icmp = ip + 20;
			CU_ASSERT_EQUAL(ip[0], 0x45);
			CU_ASSERT_EQUAL(rd16(ip + 2), 28 + quote);
			CU_ASSERT_EQUAL(ip[8], 64);
			CU_ASSERT_EQUAL(ip[9], 1);
			CU_ASSERT_EQUAL(memcmp(ip + 12, V4_LB, 4), 0);
			CU_ASSERT_EQUAL(memcmp(ip + 16, V4_CLIENT, 4), 0);
			CU_ASSERT(ref_valid(ip, 20));
			CU_ASSERT_EQUAL(icmp[0], 3);
			CU_ASSERT_EQUAL(icmp[1], 4);
			CU_ASSERT_EQUAL(rd16(icmp + 4), 0);
			CU_ASSERT_EQUAL(rd16(icmp + 6), 1434);
			CU_ASSERT_EQUAL(memcmp(icmp + 8, f + l3, quote), 0);
			CU_ASSERT(ref_valid(icmp, 8 + quote));
			CU_ASSERT_EQUAL(out[n], 0xee); /* nothing written past the frame */
			pcap_frame(out, (uint32_t)n);
		}
	}
	/* Ethernet padding is not part of the quote. */
	len = make_tcp4(f, 0, 40, &pi);
	memset(f + len, 0, 64 - len);
	n = sl_icmp_too_big(out, sizeof(out), f, 64, &pi, 1400, lb4);
	CU_ASSERT_EQUAL(n, 14 + 28 + 40);
}

static void test_too_big_v6(void)
{
	static uint8_t f[2048], out[2048];
	static const uint32_t sizes[] = { 40, 60, 1232, 1233, 1500 };
	struct sl_pkt_info pi;
	uint32_t len, quote, l3, i;
	uint8_t *ip, *icmp;
	int vlan, n;

	init_lb();
	for (vlan = 0; vlan <= 1; vlan++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			len = make_tcp6(f, vlan, sizes[i], &pi);
			l3 = pi.l3_off;
			quote = sizes[i] < 1232 ? sizes[i] : 1232;
			memset(out, 0xee, sizeof(out));
			n = sl_icmp_too_big(out, sizeof(out), f, len, &pi, 1434, lb6);
			CU_ASSERT_EQUAL_FATAL(n, (int)(l3 + 48 + quote));
			CU_ASSERT(n - (int)l3 <= 1280);
			CU_ASSERT_EQUAL(memcmp(out, MAC_CLIENT, 6), 0);
			CU_ASSERT_EQUAL(memcmp(out + 6, MAC_LB, 6), 0);
			CU_ASSERT_EQUAL(memcmp(out + 12, f + 12, l3 - 12), 0);
			ip = out + l3;
			icmp = ip + 40;
			CU_ASSERT_EQUAL(ip[0] >> 4, 6);
			CU_ASSERT_EQUAL(rd16(ip + 4), 8 + quote);
			CU_ASSERT_EQUAL(ip[6], 58);
			CU_ASSERT_EQUAL(ip[7], 64);
			CU_ASSERT_EQUAL(memcmp(ip + 8, V6_LB, 16), 0);
			CU_ASSERT_EQUAL(memcmp(ip + 24, V6_CLIENT, 16), 0);
			CU_ASSERT_EQUAL(icmp[0], 2);
			CU_ASSERT_EQUAL(icmp[1], 0);
			CU_ASSERT_EQUAL(rd32(icmp + 4), 1434);
			CU_ASSERT_EQUAL(memcmp(icmp + 8, f + l3, quote), 0);
			CU_ASSERT(ref_valid6(ip, icmp, 8 + quote, 58));
			CU_ASSERT_EQUAL(out[n], 0xee);
			pcap_frame(out, (uint32_t)n);
		}
	}
}

static void test_too_big_nospace(void)
{
	static uint8_t f[2048], out[2048];
	struct sl_pkt_info pi;
	uint32_t len;

	init_lb();
	len = make_tcp4(f, 0, 1500, &pi);
	memset(out, 0xee, sizeof(out));
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 14 + 576 - 1, f, len, &pi, 1400, lb4), -ENOSPC);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 0, f, len, &pi, 1400, lb4), -ENOSPC);
	CU_ASSERT_EQUAL(out[0], 0xee); /* nothing written on failure */
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 14 + 576, f, len, &pi, 1400, lb4), 14 + 576);

	len = make_tcp6(f, 1, 1500, &pi);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 18 + 1280 - 1, f, len, &pi, 1400, lb6), -ENOSPC);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 18 + 1280, f, len, &pi, 1400, lb6), 18 + 1280);
}

static void test_too_big_refused(void)
{
	static uint8_t f[2048], out[2048];
	struct sl_pkt_info pi, bad;
	uint32_t len;

	init_lb();
	len = make_tcp4(f, 0, 200, &pi);
	CU_ASSERT_EQUAL(sl_icmp_too_big(NULL, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, NULL, len, &pi, 1400, lb4), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, NULL, 1400, lb4), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 67, lb4), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 68, lb4), 14 + 228);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, 14 + 19, &pi, 1400, lb4), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, 14, &pi, 1400, lb4), -EINVAL);
	bad = pi;
	bad.l3_off = 0xfff0;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &bad, 1400, lb4), -EINVAL);
	bad = pi;
	bad.key.family = 9;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &bad, 1400, lb4), -EINVAL);
	bad.key.family = SL_AF_INET6; /* the bytes say version 4 */
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &bad, 1400, lb6), -EINVAL);

	/* Non-first fragment. */
	wr16(f + 20, 0x00b9);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	wr16(f + 20, 0x2000); /* first fragment (MF only) is answerable */
	CU_ASSERT(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4) > 0);
	wr16(f + 20, 0x4000);
	/* Sources nobody can answer. */
	f[26] = 224;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	f[26] = 255;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	f[26] = 0;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	f[26] = 127;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	f[26] = 198;
	/* An error about an ICMP error is forbidden; about an echo it is fine. */
	f[23] = 1;
	f[34] = 3;
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4), -EINVAL);
	f[34] = 8;
	CU_ASSERT(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb4) > 0);

	len = make_tcp6(f, 0, 200, &pi);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1279, lb6), -EINVAL);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1280, lb6), 14 + 248);
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, 14 + 39, &pi, 1400, lb6), -EINVAL);
	f[22] = 0xff; /* multicast source */
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb6), -EINVAL);
	memset(f + 22, 0, 16); /* unspecified source */
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb6), -EINVAL);
	memcpy(f + 22, V6_CLIENT, 16);
	f[20] = 58;
	f[54] = 1; /* ICMPv6 destination unreachable */
	CU_ASSERT_EQUAL(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb6), -EINVAL);
	f[54] = 128;
	CU_ASSERT(sl_icmp_too_big(out, 2048, f, len, &pi, 1400, lb6) > 0);
}

SL_CU_MAIN("encap",
	   { "method_names", test_method_names },
	   { "hdr_len", test_hdr_len },
	   { "ipip", test_ipip },
	   { "ip6tnl", test_ip6tnl },
	   { "gue_v4", test_gue_v4 },
	   { "gue_v6_checksum", test_gue_v6_checksum },
	   { "gue_source_port", test_gue_source_port },
	   { "l2dsr", test_l2dsr },
	   { "encap_invalid", test_encap_invalid },
	   { "csum_matches_reference", test_csum_matches_reference },
	   { "echo_v4", test_echo_v4 },
	   { "echo_v6", test_echo_v6 },
	   { "echo_invalid", test_echo_invalid },
	   { "too_big_v4", test_too_big_v4 },
	   { "too_big_v6", test_too_big_v6 },
	   { "too_big_nospace", test_too_big_nospace },
	   { "too_big_refused", test_too_big_refused })
