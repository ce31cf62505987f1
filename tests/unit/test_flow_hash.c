/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow hash: pinned values, field selection, distribution, reduction. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "flow_hash.h"
#include "maglev.h"

#define IPPROTO_TCP_NUM 6
#define IPPROTO_UDP_NUM 17

/* Keys are built the way the parser stores them: address bytes in wire order. */
static struct sl_flow_key key(int family, const char *src, const char *dst,
			      uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct sl_flow_key k;
	int af = family == SL_AF_INET ? AF_INET : AF_INET6;

	memset(&k, 0, sizeof(k));
	CU_ASSERT_FATAL(inet_pton(af, src, k.src) == 1);
	CU_ASSERT_FATAL(inet_pton(af, dst, k.dst) == 1);
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.proto = proto;
	k.family = (uint8_t)family;
	return k;
}

/*
 * Pinned values. Every node of a fleet (DPDK and XDP alike) must send a flow
 * to the same Maglev slot, and a node upgraded to a build whose hash differs
 * would silently move every established flow it receives. These values were
 * computed once from the implementation (little-endian host, as the key's
 * words are hashed as stored) and must never be edited to make a test pass:
 * a change here is a fleet-wide flag day.
 */
static void test_golden_values(void)
{
	struct sl_flow_key k;

	k = key(SL_AF_INET, "198.18.0.1", "198.19.255.10", 40000, 80, IPPROTO_TCP_NUM);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, SL_HF_ALL), 0x39df09adu);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, SL_HF_SRC_ADDR), 0xd2990414u);

	k = key(SL_AF_INET, "198.18.7.200", "198.19.0.53", 5353, 53, IPPROTO_UDP_NUM);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, SL_HF_ALL), 0x4ba3fcfau);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, SL_HF_ALL & ~SL_HF_SRC_PORT), 0xaefe2f80u);

	k = key(SL_AF_INET6, "2001:db8::1", "2001:db8:ffff::10", 51000, 443, IPPROTO_TCP_NUM);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, SL_HF_ALL), 0x9ba717d8u);

	k = key(SL_AF_INET6, "2001:db8:1:2:3:4:5:6", "2001:db8::53", 33333, 443, IPPROTO_UDP_NUM);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, SL_HF_ALL), 0xff700d92u);
	CU_ASSERT_EQUAL(sl_flow_hash(&k, 0), 0xd0d59a65u);
}

/* Maglev permutations come from sl_hash_bytes: pinned for the same reason. */
static void test_golden_bytes(void)
{
	static const uint8_t id[16] = { 198, 18, 0, 1 };

	CU_ASSERT_EQUAL(sl_hash_bytes(id, sizeof(id), 0), 0x16a11330u);
	CU_ASSERT_EQUAL(sl_hash_bytes("sluice", 6, 1), 0xd037a4bau);
}

static void test_deterministic(void)
{
	struct sl_flow_key a = key(SL_AF_INET6, "2001:db8::7", "2001:db8::8", 1, 2, IPPROTO_TCP_NUM);
	struct sl_flow_key b = a;
	uint32_t f;

	for (f = 0; f <= SL_HF_ALL; f++)
		CU_ASSERT_EQUAL(sl_flow_hash(&a, f), sl_flow_hash(&b, f));
}

/* Change one field; expect equal hashes exactly when its flag is off. */
static void check_field(uint32_t flag, void (*change)(struct sl_flow_key *))
{
	struct sl_flow_key a = key(SL_AF_INET, "198.18.1.2", "198.19.3.4", 40001, 443, IPPROTO_TCP_NUM);
	struct sl_flow_key b = a;

	change(&b);
	CU_ASSERT_EQUAL(sl_flow_hash(&a, SL_HF_ALL & ~flag), sl_flow_hash(&b, SL_HF_ALL & ~flag));
	CU_ASSERT_NOT_EQUAL(sl_flow_hash(&a, SL_HF_ALL), sl_flow_hash(&b, SL_HF_ALL));
	CU_ASSERT_NOT_EQUAL(sl_flow_hash(&a, flag), sl_flow_hash(&b, flag));
}

static void chg_sport(struct sl_flow_key *k) { k->sport = htons(40002); }
static void chg_dport(struct sl_flow_key *k) { k->dport = htons(80); }
static void chg_saddr(struct sl_flow_key *k) { k->src[0] ^= htonl(1); }
static void chg_saddr_hi(struct sl_flow_key *k) { k->src[3] = htonl(0x20010db8); }
static void chg_daddr(struct sl_flow_key *k) { k->dst[0] ^= htonl(0x100); }
static void chg_proto(struct sl_flow_key *k) { k->proto = IPPROTO_UDP_NUM; }

static void test_field_selection(void)
{
	struct sl_flow_key a = key(SL_AF_INET, "198.18.1.2", "198.19.3.4", 40001, 443, IPPROTO_TCP_NUM);
	struct sl_flow_key b = key(SL_AF_INET6, "2001:db8::9", "2001:db8::a", 7, 8, IPPROTO_UDP_NUM);

	check_field(SL_HF_SRC_PORT, chg_sport);
	check_field(SL_HF_DST_PORT, chg_dport);
	check_field(SL_HF_SRC_ADDR, chg_saddr);
	check_field(SL_HF_SRC_ADDR, chg_saddr_hi);
	check_field(SL_HF_DST_ADDR, chg_daddr);
	check_field(SL_HF_PROTO, chg_proto);
	/* No field selected: every key is the same flow. */
	CU_ASSERT_EQUAL(sl_flow_hash(&a, 0), sl_flow_hash(&b, 0));
	/* Source and destination ports are not interchangeable. */
	b = a;
	b.sport = a.dport;
	b.dport = a.sport;
	CU_ASSERT_NOT_EQUAL(sl_flow_hash(&a, SL_HF_ALL), sl_flow_hash(&b, SL_HF_ALL));
	/* The family byte is not hashed: equal addresses are the same flow. */
	b = a;
	b.family = SL_AF_INET6;
	CU_ASSERT_EQUAL(sl_flow_hash(&a, SL_HF_ALL), sl_flow_hash(&b, SL_HF_ALL));
}

#define BUCKETS 1024u
#define KEYS    (1u << 20)

/*
 * 2^20 keys over 1024 buckets leave 1024 keys per bucket, sigma 32 (3.1%), so
 * even a perfect random hash shows max/mean near 1.10. We therefore bound the
 * chi-square statistic (1023 degrees of freedom: mean 1023, sd 45) at mean +
 * 6 sd, and max/mean and min/mean at 6 sigma (±19%): generous for a good hash,
 * failed by anything that leaves structure in sequential inputs.
 */
static void check_distribution(const char *what, struct sl_flow_key *k,
			       void (*step)(struct sl_flow_key *, uint32_t))
{
	static uint32_t count[BUCKETS];
	double mean = (double)KEYS / BUCKETS, chi2 = 0;
	uint32_t i, max = 0, min = UINT32_MAX;

	memset(count, 0, sizeof(count));
	for (i = 0; i < KEYS; i++) {
		step(k, i);
		count[sl_hash_reduce(sl_flow_hash(k, SL_HF_ALL), BUCKETS)]++;
	}
	for (i = 0; i < BUCKETS; i++) {
		double d = count[i] - mean;

		chi2 += d * d / mean;
		if (count[i] > max)
			max = count[i];
		if (count[i] < min)
			min = count[i];
	}
	printf(" [%s: max/mean %.4f min/mean %.4f chi2 %.0f]", what, max / mean, min / mean, chi2);
	CU_ASSERT(chi2 < (BUCKETS - 1) + 271.4); /* 6 * sqrt(2 * 1023) */
	CU_ASSERT(max / mean < 1.19);
	CU_ASSERT(min / mean > 0.81);
}

/* 16 client addresses x 65536 source ports. */
static void step_ports(struct sl_flow_key *k, uint32_t i)
{
	k->src[0] = htonl(0xc6120000u + (i >> 16));
	k->sport = htons((uint16_t)i);
}

static void step_v4_addrs(struct sl_flow_key *k, uint32_t i)
{
	k->src[0] = htonl(0xc6120000u + i);
}

static void step_v6_addrs(struct sl_flow_key *k, uint32_t i)
{
	k->src[3] = htonl(i);
}

static void test_distribution(void)
{
	struct sl_flow_key k = key(SL_AF_INET, "198.18.0.0", "198.19.0.1", 0, 443, IPPROTO_TCP_NUM);

	check_distribution("ports", &k, step_ports);
	k = key(SL_AF_INET, "198.18.0.0", "198.19.0.1", 40000, 443, IPPROTO_TCP_NUM);
	check_distribution("v4 addrs", &k, step_v4_addrs);
	k = key(SL_AF_INET6, "2001:db8::", "2001:db8::1", 40000, 443, IPPROTO_TCP_NUM);
	check_distribution("v6 addrs", &k, step_v6_addrs);
}

static void test_reduce_edges(void)
{
	static const uint32_t ms[] = { 1, 2, 3, 1024, 65537, 655373, 0x80000000u, UINT32_MAX };
	static const uint32_t hs[] = { 0, 1, 0x7fffffffu, 0x80000000u, 0xfffffffeu, UINT32_MAX };
	size_t i, j;

	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		uint32_t m = ms[i], prev = 0;

		for (j = 0; j < sizeof(hs) / sizeof(hs[0]); j++) {
			uint32_t r = sl_hash_reduce(hs[j], m);

			CU_ASSERT(r < m);
			CU_ASSERT(r >= prev); /* monotone in the hash: ranges, not scatter */
			CU_ASSERT_EQUAL(sl_maglev_slot(hs[j], m), r);
			prev = r;
		}
		CU_ASSERT_EQUAL(sl_hash_reduce(0, m), 0);
		CU_ASSERT_EQUAL(sl_hash_reduce(UINT32_MAX, m), m - 1);
	}
	/* The midpoint splits a table in half. */
	CU_ASSERT_EQUAL(sl_hash_reduce(0x80000000u, 1024), 512);
}

SL_CU_MAIN("flow_hash",
	   { "golden flow hashes", test_golden_values },
	   { "golden byte hashes", test_golden_bytes },
	   { "deterministic", test_deterministic },
	   { "field selection", test_field_selection },
	   { "distribution over 1024 buckets", test_distribution },
	   { "sl_hash_reduce edges", test_reduce_edges })
