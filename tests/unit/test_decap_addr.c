/* SPDX-License-Identifier: BSD-3-Clause */
/* Decap address parsing/formatting: the keys the XDP program matches outer destinations against. */
#include <errno.h>
#include <string.h>

#include "cunit_main.h"
#include "decap_addr.h"

static void t_ipv4_is_stored_mapped(void)
{
	static const unsigned char want[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 2 };
	struct sl_decap_addr a;

	CU_ASSERT_EQUAL(sl_decap_addr_parse("198.18.0.2", &a), 0);
	CU_ASSERT_EQUAL(memcmp(a.addr, want, 16), 0);
}

static void t_ipv6_is_stored_as_is(void)
{
	static const unsigned char want[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
	struct sl_decap_addr a;

	CU_ASSERT_EQUAL(sl_decap_addr_parse("2001:db8::2", &a), 0);
	CU_ASSERT_EQUAL(memcmp(a.addr, want, 16), 0);
}

static void t_families_never_collide(void)
{
	struct sl_decap_addr v4, compat;

	/* ::198.18.0.2 (IPv4-compatible IPv6) must not match the IPv4 198.18.0.2. */
	CU_ASSERT_EQUAL(sl_decap_addr_parse("198.18.0.2", &v4), 0);
	CU_ASSERT_EQUAL(sl_decap_addr_parse("::198.18.0.2", &compat), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(v4.addr, compat.addr, 16), 0);
}

static void t_hostile_input_rejected(void)
{
	static const char *const bad[] = {
		"", " 198.18.0.2", "198.18.0.2 ", "198.18.0.2/32", "198.18.0", "256.18.0.2",
		"198.18.0.2.1", "2001:db8::2::1", "2001:db8::/32", "gateway", "0x7f000001",
		"2001:db8:0:0:0:0:0:0:1", "198.18.0.2%eth0",
		"11111111111111111111111111111111111111111111111111111111111111111111111",
	};
	struct sl_decap_addr a;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(sl_decap_addr_parse(bad[i], &a), -EINVAL);
	CU_ASSERT_EQUAL(sl_decap_addr_parse(NULL, &a), -EINVAL);
	CU_ASSERT_EQUAL(sl_decap_addr_parse("198.18.0.2", NULL), -EINVAL);
}

static void t_format_round_trips(void)
{
	static const char *const good[] = { "198.18.0.2", "198.19.255.255", "2001:db8::2",
					    "2001:db8:100::1" };
	struct sl_decap_addr a;
	char buf[64];
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(sl_decap_addr_parse(good[i], &a), 0);
		CU_ASSERT_EQUAL(sl_decap_addr_format(&a, buf, sizeof(buf)), 0);
		CU_ASSERT_STRING_EQUAL(buf, good[i]);
	}
}

static void t_format_small_buffer(void)
{
	struct sl_decap_addr a;
	char buf[8];

	CU_ASSERT_EQUAL_FATAL(sl_decap_addr_parse("2001:db8:100::1", &a), 0);
	CU_ASSERT_EQUAL(sl_decap_addr_format(&a, buf, sizeof(buf)), -ENOSPC);
	CU_ASSERT_EQUAL_FATAL(sl_decap_addr_parse("198.18.100.100", &a), 0);
	CU_ASSERT_EQUAL(sl_decap_addr_format(&a, buf, sizeof(buf)), -ENOSPC);
}

SL_CU_MAIN("decap_addr",
	   { "IPv4 stored IPv4-mapped", t_ipv4_is_stored_mapped },
	   { "IPv6 stored as is", t_ipv6_is_stored_as_is },
	   { "families never collide", t_families_never_collide },
	   { "hostile input rejected", t_hostile_input_rejected },
	   { "format round-trips", t_format_round_trips },
	   { "format into a small buffer", t_format_small_buffer })
