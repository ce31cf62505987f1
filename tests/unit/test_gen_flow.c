/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen flow construction: per-flow clients unique and in range, built frames with valid checksums. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cunit_main.h"
#include "../../bench/gen/gen_flow.h"

/* Independent RFC 1071 sum, byte by byte, so a shared bug in gen_flow.c cannot hide. */
static uint16_t ref_csum(const uint8_t *const *parts, const size_t *lens, int n)
{
	uint64_t sum = 0;
	int odd = 0, i;
	size_t j;

	for (i = 0; i < n; i++)
		for (j = 0; j < lens[i]; j++) {
			sum += odd ? parts[i][j] : (uint64_t)parts[i][j] << 8;
			odd = !odd;
		}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* 0 when the IPv4 header checksum and the L4 checksum (with pseudo header) of @f are valid. */
static int verify_frame(const uint8_t *f, uint16_t len, int family, int udp)
{
	const uint8_t *ip = f + 14, *l4;
	uint8_t pseudo[40];
	uint16_t l4_len;
	size_t plen;

	if (family == AF_INET) {
		const uint8_t *hp[1] = { ip };
		size_t hl[1] = { 20 };

		if (ref_csum(hp, hl, 1) != 0)
			return 1;
		l4 = ip + 20;
		l4_len = (uint16_t)(len - 34);
		if (((ip[2] << 8) | ip[3]) != 20 + l4_len)
			return 2;
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = ip[9];
		pseudo[10] = (uint8_t)(l4_len >> 8);
		pseudo[11] = (uint8_t)l4_len;
		plen = 12;
	} else {
		l4 = ip + 40;
		l4_len = (uint16_t)(len - 54);
		if (((ip[4] << 8) | ip[5]) != l4_len)
			return 2;
		memcpy(pseudo, ip + 8, 32);
		memset(pseudo + 32, 0, 8);
		pseudo[34] = (uint8_t)(l4_len >> 8);
		pseudo[35] = (uint8_t)l4_len;
		pseudo[39] = ip[6];
		plen = 40;
	}
	{
		const uint8_t *parts[2] = { pseudo, l4 };
		size_t lens[2] = { plen, l4_len };
		uint16_t c = ref_csum(parts, lens, 2);

		if (udp && l4[6] == 0 && l4[7] == 0)
			return 3; /* we always send a checksum */
		if (c != 0)
			return 4;
	}
	return 0;
}

static struct gen_flow_cfg cfg(int family, int udp, uint8_t flags, uint16_t frame_len)
{
	struct gen_flow_cfg c;

	memset(&c, 0, sizeof(c));
	c.family = family;
	if (family == AF_INET)
		inet_pton(AF_INET, "198.18.100.1", c.vip);
	else
		inet_pton(AF_INET6, "2001:db8:100::1", c.vip);
	c.vip_port = 80;
	c.udp = udp;
	c.tcp_flags = flags;
	c.frame_len = frame_len;
	memcpy(c.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(c.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);
	return c;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_v4_all_flows_unique_in_range(void)
{
	uint64_t *keys = malloc(sizeof(uint64_t) * GEN_MAX_FLOWS);
	uint8_t addr[16];
	uint16_t port;
	uint32_t i, bad = 0, dups = 0, roundtrip = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
	for (i = 0; i < GEN_MAX_FLOWS; i++) {
		if (gen_flow_src(AF_INET, i, addr, &port) != 0 || addr[0] != 198 || addr[1] != 19 || port < 1024) {
			bad++;
			continue;
		}
		if (gen_flow_index(AF_INET, addr, port, GEN_MAX_FLOWS) != (int64_t)i)
			roundtrip++;
		keys[i] = (uint64_t)addr[0] << 40 | (uint64_t)addr[1] << 32 | (uint64_t)addr[2] << 24 |
			  (uint64_t)addr[3] << 16 | port;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(roundtrip, 0);
	qsort(keys, GEN_MAX_FLOWS, sizeof(uint64_t), cmp_u64);
	for (i = 1; i < GEN_MAX_FLOWS; i++)
		dups += keys[i] == keys[i - 1];
	CU_ASSERT_EQUAL(dups, 0);
	free(keys);
}

static void test_v6_flows_in_prefix(void)
{
	static const uint8_t prefix[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0 };
	uint8_t addr[16], prev[16] = { 0 };
	uint16_t port, prev_port = 0;
	uint32_t i;

	for (i = 0; i < GEN_MAX_FLOWS; i += 9973) {
		CU_ASSERT_EQUAL_FATAL(gen_flow_src(AF_INET6, i, addr, &port), 0);
		CU_ASSERT_EQUAL(memcmp(addr, prefix, 8), 0);
		CU_ASSERT(port >= GEN_PORT_BASE);
		CU_ASSERT(i == 0 || memcmp(addr, prev, 16) != 0 || port != prev_port);
		CU_ASSERT_EQUAL(gen_flow_index(AF_INET6, addr, port, GEN_MAX_FLOWS), (int64_t)i);
		memcpy(prev, addr, 16);
		prev_port = port;
	}
}

static void test_flow_bad_input(void)
{
	uint8_t addr[16] = { 198, 19, 0, 5 };
	uint16_t port;

	CU_ASSERT_EQUAL(gen_flow_src(AF_INET, GEN_MAX_FLOWS, addr, &port), -EINVAL);
	CU_ASSERT_EQUAL(gen_flow_src(AF_UNIX, 0, addr, &port), -EINVAL);
	CU_ASSERT_EQUAL(gen_flow_src(AF_INET, 0, NULL, &port), -EINVAL);
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET, addr, 1024, 5), -ENOENT);   /* index 5 of 5 */
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET, addr, 1024, 6), 5);
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET, addr, 1023, 1000), -ENOENT); /* below the port range */
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET, addr, 65535, GEN_MAX_FLOWS), -ENOENT);
	addr[1] = 18; /* 198.18/16 is not a client prefix */
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET, addr, 1024, 1000), -ENOENT);
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET6, addr, 1024, 1000), -ENOENT);
	CU_ASSERT_EQUAL(gen_flow_index(AF_INET, NULL, 1024, 1000), -EINVAL);
	CU_ASSERT_EQUAL(gen_flow_index(12345, addr, 1024, 1000), -EINVAL);
}

/* Every combination, many flow indices: the incremental checksums must match a full recomputation. */
static void test_built_frames_have_valid_checksums(void)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	static const uint16_t lens[3] = { 60, 333, 1514 };
	static const uint32_t idx[] = { 0, 1, 0xffff, 0x10000, 0x12345, 999999, GEN_MAX_FLOWS - 1 };
	struct gen_tmpl t;
	uint8_t buf[GEN_FRAME_MAX];
	int f, udp, l;
	size_t k;

	for (f = 0; f < 2; f++)
		for (udp = 0; udp < 2; udp++)
			for (l = 0; l < 3; l++) {
				struct gen_flow_cfg c = cfg(fams[f], udp, GEN_TCP_FLAG_SYN, lens[l]);
				int len = gen_tmpl_build(&t, &c);

				CU_ASSERT_FATAL(len > 0);
				for (k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
					uint8_t addr[16];
					uint16_t port;
					const uint8_t *src = buf + 14 + (fams[f] == AF_INET ? 12 : 8);
					const uint8_t *l4 = buf + 14 + (fams[f] == AF_INET ? 20 : 40);

					memset(buf, 0xa5, sizeof(buf));
					CU_ASSERT_EQUAL(gen_tmpl_write(&t, buf, idx[k]), len);
					CU_ASSERT_EQUAL(verify_frame(buf, (uint16_t)len, fams[f], udp), 0);
					gen_flow_src(fams[f], idx[k], addr, &port);
					CU_ASSERT_EQUAL(memcmp(src, addr, fams[f] == AF_INET ? 4 : 16), 0);
					CU_ASSERT_EQUAL((l4[0] << 8 | l4[1]), port);
					CU_ASSERT_EQUAL((l4[2] << 8 | l4[3]), 80);
				}
			}
}

static void test_template_lengths_and_flags(void)
{
	struct gen_tmpl t;
	struct gen_flow_cfg c = cfg(AF_INET, 0, GEN_TCP_FLAG_ACK, 60);

	CU_ASSERT_EQUAL(gen_tmpl_build(&t, &c), 60);
	CU_ASSERT_EQUAL(t.frame[14 + 20 + 13], GEN_TCP_FLAG_ACK);
	CU_ASSERT_EQUAL(t.frame[12], 0x08);
	CU_ASSERT_EQUAL(memcmp(t.frame, c.dst_mac, 6), 0);
	/* IPv6 + TCP does not fit a 64-byte frame: raised to the headers' 74 bytes. */
	c = cfg(AF_INET6, 0, GEN_TCP_FLAG_SYN, 60);
	CU_ASSERT_EQUAL(gen_tmpl_build(&t, &c), 74);
	CU_ASSERT_EQUAL(t.frame[14 + 40 + 13], GEN_TCP_FLAG_SYN);
	c = cfg(AF_INET6, 1, 0, 60);
	CU_ASSERT_EQUAL(gen_tmpl_build(&t, &c), 62);
	c = cfg(AF_INET, 1, 0, GEN_FRAME_MAX + 1);
	CU_ASSERT_EQUAL(gen_tmpl_build(&t, &c), -EINVAL);
	c = cfg(AF_INET, 1, 0, 60);
	c.family = AF_UNIX;
	CU_ASSERT_EQUAL(gen_tmpl_build(&t, &c), -EINVAL);
	CU_ASSERT_EQUAL(gen_tmpl_build(NULL, &c), -EINVAL);
	CU_ASSERT_EQUAL(gen_tmpl_build(&t, NULL), -EINVAL);
}

/* A UDP checksum that computes to 0 must go out as 0xffff; search a flow that hits it. */
static void test_udp_zero_checksum_sent_as_ffff(void)
{
	struct gen_tmpl t;
	struct gen_flow_cfg c = cfg(AF_INET, 1, 0, 60);
	uint8_t buf[GEN_FRAME_MAX];
	uint32_t i, hits = 0;

	CU_ASSERT_FATAL(gen_tmpl_build(&t, &c) > 0);
	for (i = 0; i < GEN_MAX_FLOWS && hits == 0; i++) {
		gen_tmpl_write(&t, buf, i);
		CU_ASSERT_FATAL(buf[40] != 0 || buf[41] != 0);
		hits += buf[40] == 0xff && buf[41] == 0xff;
	}
	CU_ASSERT(hits > 0);
	CU_ASSERT_EQUAL(verify_frame(buf, 60, AF_INET, 1), 0);
}

SL_CU_MAIN("gen_flow",
	{ "v4: all 10M flows unique, in range, invertible", test_v4_all_flows_unique_in_range },
	{ "v6: flows in 2001:db8:c::/64, invertible", test_v6_flows_in_prefix },
	{ "flow mapping refuses bad input", test_flow_bad_input },
	{ "built frames have valid checksums", test_built_frames_have_valid_checksums },
	{ "template lengths, flags, bad config", test_template_lengths_and_flags },
	{ "UDP checksum 0 goes out as 0xffff", test_udp_zero_checksum_sent_as_ffff })
