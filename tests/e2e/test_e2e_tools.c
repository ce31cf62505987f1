/* SPDX-License-Identifier: BSD-3-Clause */
/* The e2e tools' parsing and judging, without a network: junk in, clear refusals out. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../unit/cunit_main.h"
#include "e2e_addr.h"
#include "e2e_line.h"
#include "e2e_num.h"
#include "e2e_share.h"

static void test_addr_good(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct in6_addr want6;
	char buf[80];
	socklen_t len;

	CU_ASSERT_EQUAL(e2e_addr_parse("198.18.0.11:8080", &ss, &len), 0);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET);
	CU_ASSERT_EQUAL(len, sizeof(struct sockaddr_in));
	CU_ASSERT_EQUAL(s4->sin_addr.s_addr, htonl(0xc612000b));
	CU_ASSERT_EQUAL(ntohs(s4->sin_port), 8080);
	CU_ASSERT_STRING_EQUAL(e2e_addr_str((struct sockaddr *)&ss, buf, sizeof(buf)),
			       "198.18.0.11:8080");

	CU_ASSERT_EQUAL(e2e_addr_parse("[2001:db8::11]:65535", &ss, &len), 0);
	inet_pton(AF_INET6, "2001:db8::11", &want6);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(&s6->sin6_addr, &want6, sizeof(want6)), 0);
	CU_ASSERT_EQUAL(ntohs(s6->sin6_port), 65535);
	CU_ASSERT_STRING_EQUAL(e2e_addr_str((struct sockaddr *)&ss, buf, sizeof(buf)),
			       "[2001:db8::11]:65535");

	CU_ASSERT_EQUAL(e2e_addr_parse("*:9", &ss, &len), 0);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(&s6->sin6_addr, &in6addr_any, sizeof(in6addr_any)), 0);
	CU_ASSERT_EQUAL(ntohs(s6->sin6_port), 9);
}

static void test_addr_bad(void)
{
	static const char *const bad[] = {
		"", ":80", "198.18.0.1", "198.18.0.1:", "198.18.0.1:0", "198.18.0.1:65536",
		"198.18.0.1:-1", "198.18.0.1: 80", "198.18.0.1:80x", "198.18.0.256:80",
		"2001:db8::1:80", "[2001:db8::1]80", "[2001:db8::1:80", "[198.18.0.1]:80",
		"[*]:80", "[]:80", "host.example:80", "198.18.0.1:99999999999999999999",
		"[2001:db8:0000:0000:0000:0000:0000:0000:1]:80",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(e2e_addr_parse(bad[i], &ss, &len), -EINVAL);
	CU_ASSERT_EQUAL(e2e_addr_parse(NULL, &ss, &len), -EINVAL);
}

static void feed(struct e2e_linebuf *lb, const char *s)
{
	size_t room, n = strlen(s);
	char *p = e2e_linebuf_space(lb, &room);

	CU_ASSERT_FATAL(n <= room);
	memcpy(p, s, n);
	e2e_linebuf_commit(lb, n);
}

static void test_line_framing(void)
{
	struct e2e_linebuf lb;
	char line[E2E_LINE_MAX];

	e2e_linebuf_init(&lb);
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), -EAGAIN);
	feed(&lb, "be1 c0-0\r\nbe1 c0");
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), 8);
	CU_ASSERT_STRING_EQUAL(line, "be1 c0-0");
	/* The half line stays until its newline arrives. */
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), -EAGAIN);
	feed(&lb, "-1\n\n");
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), 8);
	CU_ASSERT_STRING_EQUAL(line, "be1 c0-1");
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), 0);
	CU_ASSERT_EQUAL(lb.len, 0);
	/* Too small an output buffer keeps the line for a later, larger one. */
	feed(&lb, "abcdef\n");
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, 4), -ENOSPC);
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), 6);
}

static void test_line_overlong(void)
{
	struct e2e_linebuf lb;
	char line[E2E_LINE_MAX], junk[E2E_LINE_MAX + 1];
	size_t room;

	e2e_linebuf_init(&lb);
	memset(junk, 'x', E2E_LINE_MAX);
	junk[E2E_LINE_MAX] = '\0';
	feed(&lb, junk);
	e2e_linebuf_space(&lb, &room);
	CU_ASSERT_EQUAL(room, 0);
	CU_ASSERT_EQUAL(e2e_linebuf_take(&lb, line, sizeof(line)), -EMSGSIZE);
}

static void test_word_valid(void)
{
	char longest[E2E_WORD_MAX + 2];

	CU_ASSERT_TRUE(e2e_word_valid("be1", 3));
	CU_ASSERT_TRUE(e2e_word_valid("c12-7", 5));
	CU_ASSERT_FALSE(e2e_word_valid("", 0));
	CU_ASSERT_FALSE(e2e_word_valid("be 1", 4));
	CU_ASSERT_FALSE(e2e_word_valid("be\t1", 4));
	CU_ASSERT_FALSE(e2e_word_valid("be\0" "1", 4));
	CU_ASSERT_FALSE(e2e_word_valid("b\x7f", 2));
	CU_ASSERT_FALSE(e2e_word_valid("b\xc3\xa9", 3));
	memset(longest, 'a', sizeof(longest));
	CU_ASSERT_TRUE(e2e_word_valid(longest, E2E_WORD_MAX));
	CU_ASSERT_FALSE(e2e_word_valid(longest, E2E_WORD_MAX + 1));
}

static void test_num(void)
{
	unsigned long u = 42;
	double d = 42;

	CU_ASSERT_EQUAL(e2e_parse_ulong("17", 1, 100, &u), 0);
	CU_ASSERT_EQUAL(u, 17);
	CU_ASSERT_EQUAL(e2e_parse_ulong("0", 1, 100, &u), -ERANGE);
	CU_ASSERT_EQUAL(e2e_parse_ulong("101", 1, 100, &u), -ERANGE);
	CU_ASSERT_EQUAL(e2e_parse_ulong("-1", 0, 100, &u), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_ulong(" 5", 0, 100, &u), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_ulong("5s", 0, 100, &u), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_ulong("", 0, 100, &u), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_ulong("99999999999999999999999", 0, 100, &u), -EINVAL);
	CU_ASSERT_EQUAL(u, 17);

	CU_ASSERT_EQUAL(e2e_parse_double("0.05", 0, 1, &d), 0);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.05, 1e-12);
	CU_ASSERT_EQUAL(e2e_parse_double(".5", 0, 1, &d), 0);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.5, 1e-12);
	CU_ASSERT_EQUAL(e2e_parse_double("1.5", 0, 1, &d), -ERANGE);
	CU_ASSERT_EQUAL(e2e_parse_double("-0.1", 0, 1, &d), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_double("nan", 0, 1, &d), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_double("inf", 0, 1e300, &d), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_double("0x1p-2", 0, 1, &d), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_double("0.1.2", 0, 1, &d), -EINVAL);
	CU_ASSERT_EQUAL(e2e_parse_double("1e999", 0, 1e300, &d), -EINVAL);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.5, 1e-12);
}

static void test_weights_parse(void)
{
	struct e2e_weights w;

	CU_ASSERT_EQUAL(e2e_weights_parse("be1=100,be2=100,be3=200", &w), 0);
	CU_ASSERT_EQUAL(w.n, 3);
	CU_ASSERT_STRING_EQUAL(w.w[2].name, "be3");
	CU_ASSERT_DOUBLE_EQUAL(w.w[2].weight, 200, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(w.sum, 400, 1e-12);
	CU_ASSERT_EQUAL(e2e_weights_parse("a=0.5,b=0", &w), 0);
	CU_ASSERT_DOUBLE_EQUAL(w.w[1].weight, 0, 1e-12);
}

static void test_weights_parse_bad(void)
{
	static const char *const bad[] = {
		"", "be1", "be1=", "=5", "be1=-1", "be1=abc", "be1=1,", ",be1=1", "be1=1,,be2=1",
		"be1=1,be1=2", "be1=0", "be1=0,be2=0", "be 1=1", "be1= 1", "be1=nan", "be1=inf",
		"be1=1=2", "be1=1e999",
	};
	struct e2e_weights w;
	char many[E2E_MAX_BACKENDS * 8 + 16];
	unsigned i;
	size_t off = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(e2e_weights_parse(bad[i], &w), -EINVAL);
	CU_ASSERT_EQUAL(e2e_weights_parse(NULL, &w), -EINVAL);
	for (i = 0; i <= E2E_MAX_BACKENDS; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "%sb%u=1", i ? "," : "", i);
	CU_ASSERT_EQUAL(e2e_weights_parse(many, &w), -E2BIG);
}

static void tally_n(struct e2e_tally *t, const char *name, unsigned n)
{
	while (n--)
		CU_ASSERT_EQUAL_FATAL(e2e_tally_add(t, name), 0);
}

static void test_tally(void)
{
	struct e2e_tally t;
	char name[8];
	unsigned i;

	e2e_tally_init(&t);
	CU_ASSERT_EQUAL(e2e_tally_total(&t), 0);
	tally_n(&t, "be1", 3);
	tally_n(&t, "be2", 1);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(t.b[0].count, 3);
	CU_ASSERT_EQUAL(e2e_tally_total(&t), 4);
	CU_ASSERT_EQUAL(e2e_tally_add(&t, ""), -EINVAL);
	CU_ASSERT_EQUAL(e2e_tally_add(&t, "be 1"), -EINVAL);
	for (i = 2; i < E2E_MAX_BACKENDS; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		CU_ASSERT_EQUAL(e2e_tally_add(&t, name), 0);
	}
	CU_ASSERT_EQUAL(e2e_tally_add(&t, "onemore"), -ENOSPC);
	/* A full tally still counts names it already has. */
	CU_ASSERT_EQUAL(e2e_tally_add(&t, "be2"), 0);
	CU_ASSERT_EQUAL(t.b[1].count, 2);
}

static void test_share_within_tolerance(void)
{
	struct e2e_share_result r[2 * E2E_MAX_BACKENDS];
	struct e2e_weights w;
	struct e2e_tally t;
	unsigned n;

	e2e_weights_parse("be1=100,be2=100,be3=200", &w);
	e2e_tally_init(&t);
	/* 27/23/50 of 100 against 25/25/50: at most 2 points off. */
	tally_n(&t, "be1", 27);
	tally_n(&t, "be2", 23);
	tally_n(&t, "be3", 50);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_DOUBLE_EQUAL(r[0].expected, 0.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(r[0].observed, 0.27, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(r[1].deviation, 0.02, 1e-12);
	CU_ASSERT_TRUE(r[0].ok && r[1].ok && r[2].ok);
	/* The same counts fail a tighter tolerance, on be1 and be2 only. */
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.01, r, &n), -ERANGE);
	CU_ASSERT_FALSE(r[0].ok);
	CU_ASSERT_FALSE(r[1].ok);
	CU_ASSERT_TRUE(r[2].ok);
}

static void test_share_boundary(void)
{
	struct e2e_share_result r[2 * E2E_MAX_BACKENDS];
	struct e2e_weights w;
	struct e2e_tally t;
	unsigned n;

	e2e_weights_parse("a=1,b=3", &w);
	e2e_tally_init(&t);
	/* a: 30 % against 25 %: exactly the tolerance, which passes... */
	tally_n(&t, "a", 30);
	tally_n(&t, "b", 70);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), 0);
	/* ...and one more connection to a goes over. */
	tally_n(&t, "a", 2);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), -ERANGE);
	CU_ASSERT_FALSE(r[0].ok);
	CU_ASSERT_FALSE(r[1].ok);
}

static void test_share_missing_and_unlisted(void)
{
	struct e2e_share_result r[2 * E2E_MAX_BACKENDS];
	struct e2e_weights w;
	struct e2e_tally t;
	unsigned n;

	/* A listed backend that got nothing: share 0 against 1/3. */
	e2e_weights_parse("be1=1,be2=1,be3=1", &w);
	e2e_tally_init(&t);
	tally_n(&t, "be1", 50);
	tally_n(&t, "be2", 50);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), -ERANGE);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_DOUBLE_EQUAL(r[2].observed, 0, 1e-12);
	CU_ASSERT_FALSE(r[2].ok);

	/* A drained backend (weight 0) that still gets a little passes the tolerance... */
	e2e_weights_parse("be1=1,be2=0", &w);
	e2e_tally_init(&t);
	tally_n(&t, "be1", 99);
	tally_n(&t, "be2", 1);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), 0);

	/* ...but an unlisted backend fails however small its share. */
	tally_n(&t, "intruder", 1);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), -ERANGE);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_STRING_EQUAL(r[2].name, "intruder");
	CU_ASSERT_FALSE(r[2].listed);
	CU_ASSERT_FALSE(r[2].ok);
	CU_ASSERT_TRUE(r[0].ok);
}

static void test_share_bad_input(void)
{
	struct e2e_share_result r[2 * E2E_MAX_BACKENDS];
	struct e2e_weights w;
	struct e2e_tally t;
	unsigned n = 99;

	e2e_weights_parse("be1=1", &w);
	e2e_tally_init(&t);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0.05, r, &n), -ENODATA);
	CU_ASSERT_EQUAL(n, 0);
	tally_n(&t, "be1", 1);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, -0.01, r, &n), -EINVAL);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 1.01, r, &n), -EINVAL);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, __builtin_nan(""), r, &n), -EINVAL);
	CU_ASSERT_EQUAL(e2e_share_check(&w, &t, 0, r, &n), 0);
}

SL_CU_MAIN("e2e_tools",
	   { "addr_good", test_addr_good },
	   { "addr_bad", test_addr_bad },
	   { "line_framing", test_line_framing },
	   { "line_overlong", test_line_overlong },
	   { "word_valid", test_word_valid },
	   { "num", test_num },
	   { "weights_parse", test_weights_parse },
	   { "weights_parse_bad", test_weights_parse_bad },
	   { "tally", test_tally },
	   { "share_within_tolerance", test_share_within_tolerance },
	   { "share_boundary", test_share_boundary },
	   { "share_missing_and_unlisted", test_share_missing_and_unlisted },
	   { "share_bad_input", test_share_bad_input })
