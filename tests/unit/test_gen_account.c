/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-gen result accounting: decoding what a balancer returns (frames
 * built with sluice's own encap builders), per-backend flow counts, flows
 * seen on two backends, loss arithmetic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../bench/gen/gen_account.h"
#include "../../bench/gen/gen_decode.h"
#include "../../bench/gen/gen_flow.h"
#include "../../common/encap.h"
#include "cunit_main.h"

static const uint8_t sent_mac[6] = { 2, 0, 0, 0, 0, 2 };
static uint8_t vip4[16], vip6[16];

static void setup_vips(void)
{
	inet_pton(AF_INET, "198.18.100.1", vip4);
	inet_pton(AF_INET6, "2001:db8:100::1", vip6);
}

/* Our frame for flow @idx, as the generator sends it. */
static int client_frame(uint8_t *buf, int family, uint32_t idx)
{
	struct gen_flow_cfg c;
	struct gen_tmpl t;

	memset(&c, 0, sizeof(c));
	c.family = family;
	memcpy(c.vip, family == AF_INET ? vip4 : vip6, 16);
	c.vip_port = 80;
	c.tcp_flags = GEN_TCP_FLAG_ACK;
	c.frame_len = 60;
	memcpy(c.dst_mac, sent_mac, 6);
	if (gen_tmpl_build(&t, &c) < 0)
		return -1;
	return gen_tmpl_write(&t, buf, idx);
}

/* The balancer's output for flow @idx sent to backend @be by @method (sluice's own builder). */
static int lb_frame(uint8_t *out, enum sl_fwd_method method, int family, uint32_t idx, const char *be)
{
	uint8_t client[GEN_FRAME_MAX];
	struct sl_encap_params p;
	int clen = client_frame(client, family, idx), hlen;
	uint8_t inner_family = family == AF_INET ? SL_AF_INET : SL_AF_INET6;

	memset(&p, 0, sizeof(p));
	p.method = method;
	if (inet_pton(AF_INET, be, p.outer_dst) == 1) {
		p.outer_family = SL_AF_INET;
		inet_pton(AF_INET, "198.18.0.2", p.outer_src);
	} else {
		p.outer_family = SL_AF_INET6;
		inet_pton(AF_INET6, be, p.outer_dst);
		inet_pton(AF_INET6, "2001:db8::2", p.outer_src);
	}
	memcpy(p.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(p.dst_mac, "\x02\x00\x00\x00\x00\x11", 6);
	p.ttl = 64;
	p.gue_port = 6080;
	p.entropy = idx * 2654435761u;
	hlen = sl_encap_write(out, &p, client + 14, (uint16_t)(clen - 14), inner_family, 0);
	if (hlen < 0)
		return hlen;
	memcpy(out + hlen, client + 14, (size_t)clen - 14);
	return hlen + clen - 14;
}

static int decode(const uint8_t *f, int len, int family, uint32_t n_flows, struct gen_rx *rx)
{
	return gen_decode(f, (uint32_t)len, family, family == AF_INET ? vip4 : vip6, 80, sent_mac, 6080, n_flows, rx);
}

static void test_decode_each_method(void)
{
	static const struct {
		enum sl_fwd_method m;
		int family;
		const char *be;
		enum gen_rx_kind kind;
	} cases[] = {
		{ SL_FWD_GUE, AF_INET, "198.18.0.11", GEN_RX_GUE },
		{ SL_FWD_GUE, AF_INET6, "2001:db8::12", GEN_RX_GUE },
		{ SL_FWD_GUE, AF_INET, "2001:db8::13", GEN_RX_GUE },
		{ SL_FWD_IPIP, AF_INET, "198.18.0.14", GEN_RX_IPIP },
		{ SL_FWD_IP6TNL, AF_INET, "2001:db8::15", GEN_RX_IP6TNL },
		{ SL_FWD_IP6TNL, AF_INET6, "2001:db8::16", GEN_RX_IP6TNL },
	};
	uint8_t f[GEN_FRAME_MAX + 128], want[16];
	struct gen_rx rx;
	size_t i;

	setup_vips();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int len = lb_frame(f, cases[i].m, cases[i].family, 70000 + (uint32_t)i, cases[i].be);

		CU_ASSERT_FATAL(len > 0);
		CU_ASSERT_EQUAL(decode(f, len, cases[i].family, 100000, &rx), 0);
		CU_ASSERT_EQUAL(rx.kind, cases[i].kind);
		CU_ASSERT_EQUAL(rx.flow, 70000 + (uint32_t)i);
		memset(want, 0, sizeof(want));
		if (inet_pton(AF_INET, cases[i].be, want) != 1)
			inet_pton(AF_INET6, cases[i].be, want);
		CU_ASSERT_EQUAL(memcmp(rx.backend, want, 16), 0);
		/* The same frame but the flow index beyond what we sent: not ours. */
		CU_ASSERT_EQUAL(decode(f, len, cases[i].family, 70000, &rx), -ENOENT);
	}
}

static void test_decode_l2dsr_and_plain(void)
{
	uint8_t f[GEN_FRAME_MAX];
	struct gen_rx rx;
	int len;

	setup_vips();
	len = client_frame(f, AF_INET6, 42);
	CU_ASSERT_EQUAL(decode(f, len, AF_INET6, 100, &rx), 0);
	CU_ASSERT_EQUAL(rx.kind, GEN_RX_PLAIN);
	CU_ASSERT_EQUAL(rx.flow, 42);
	memcpy(f, "\x02\x00\x00\x00\x00\x21", 6); /* what l2dsr does: only the destination MAC changes */
	CU_ASSERT_EQUAL(decode(f, len, AF_INET6, 100, &rx), 0);
	CU_ASSERT_EQUAL(rx.kind, GEN_RX_L2DSR);
	CU_ASSERT_EQUAL(memcmp(rx.backend, "\x02\x00\x00\x00\x00\x21", 6), 0);
	/* Another VIP port is someone else's traffic. */
	f[14 + 40 + 3] = 81;
	CU_ASSERT_EQUAL(decode(f, len, AF_INET6, 100, &rx), -ENOENT);
	/* An IPv4 frame while we sent IPv6. */
	len = client_frame(f, AF_INET, 1);
	CU_ASSERT_EQUAL(decode(f, len, AF_INET6, 100, &rx), -ENOENT);
}

/* Every truncation and a corrupted version nibble: an error, never a read past @len (ASan-clean). */
static void test_decode_hostile(void)
{
	uint8_t f[GEN_FRAME_MAX + 128];
	struct gen_rx rx;
	int len, cut, ok = 0;

	setup_vips();
	len = lb_frame(f, SL_FWD_GUE, AF_INET6, 7, "2001:db8::12");
	CU_ASSERT_FATAL(len > 0);
	for (cut = 0; cut < 66 + 40 + 4; cut++) {
		/* Exactly @cut bytes on the heap, so ASan sees any read past the end. */
		uint8_t *copy = malloc(cut ? (size_t)cut : 1);

		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, f, (size_t)cut);
		ok += decode(copy, cut, AF_INET6, 100, &rx) == 0;
		free(copy);
	}
	CU_ASSERT_EQUAL(ok, 0);
	f[14] = 0x45; /* says IPv4 on an IPv6 ethertype */
	CU_ASSERT_EQUAL(decode(f, len, AF_INET6, 100, &rx), -EPROTO);
	f[12] = 0x88; /* unknown ethertype */
	CU_ASSERT_EQUAL(decode(f, len, AF_INET6, 100, &rx), -EPROTO);
	len = lb_frame(f, SL_FWD_GUE, AF_INET, 7, "198.18.0.11");
	f[14 + 20 + 8] = 0x40; /* GUE version 1: not what sluice sends */
	CU_ASSERT(decode(f, len, AF_INET, 100, &rx) < 0);
	CU_ASSERT_EQUAL(gen_decode(NULL, 10, AF_INET, vip4, 80, sent_mac, 6080, 1, &rx), -EINVAL);
	CU_ASSERT_EQUAL(gen_decode(f, (uint32_t)len, AF_UNIX, vip4, 80, sent_mac, 6080, 1, &rx), -EINVAL);
	CU_ASSERT_STRING_EQUAL(gen_rx_kind_name(GEN_RX__MAX), "?");
}

static struct gen_rx rx_of(enum gen_rx_kind kind, uint8_t be_last, uint32_t flow)
{
	struct gen_rx r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.backend[0] = 198;
	r.backend[3] = be_last;
	r.flow = flow;
	return r;
}

static void test_acct_per_backend_counts(void)
{
	struct gen_acct a;
	struct gen_acct_summary s;
	struct gen_rx r;
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(gen_acct_init(&a, 300), 0);
	/* Flow i goes to backend i % 3, twice each; flows 0..269 only. */
	for (i = 0; i < 270 * 2; i++) {
		r = rx_of(GEN_RX_GUE, (uint8_t)(11 + i % 270 % 3), i % 270);
		CU_ASSERT_EQUAL(gen_acct_record(&a, &r), (int)(i % 270 % 3));
	}
	gen_acct_summarize(&a, &s);
	CU_ASSERT_EQUAL(a.n_backends, 3);
	CU_ASSERT_EQUAL(s.flows_seen, 270);
	CU_ASSERT_EQUAL(s.flows_split, 0);
	CU_ASSERT_EQUAL(s.flows_per_be[0], 90);
	CU_ASSERT_EQUAL(s.flows_per_be[1], 90);
	CU_ASSERT_EQUAL(s.flows_per_be[2], 90);
	CU_ASSERT_EQUAL(a.be[0].pkts, 180);
	CU_ASSERT_EQUAL(a.rx_ours, 540);
	/* Same address, other method: another backend. */
	r = rx_of(GEN_RX_IPIP, 11, 280);
	CU_ASSERT_EQUAL(gen_acct_record(&a, &r), 3);
	/* Warm-up reset forgets packets, keeps the flow map. */
	gen_acct_reset_pkts(&a);
	CU_ASSERT_EQUAL(a.rx_ours, 0);
	CU_ASSERT_EQUAL(a.be[0].pkts, 0);
	gen_acct_summarize(&a, &s);
	CU_ASSERT_EQUAL(s.flows_seen, 271);
	gen_acct_fini(&a);
	gen_acct_fini(&a); /* idempotent */
}

static void test_acct_split_detection(void)
{
	struct gen_acct a;
	struct gen_acct_summary s;
	struct gen_rx r;

	CU_ASSERT_EQUAL_FATAL(gen_acct_init(&a, 10), 0);
	r = rx_of(GEN_RX_GUE, 11, 4);
	gen_acct_record(&a, &r);
	gen_acct_record(&a, &r);
	r = rx_of(GEN_RX_GUE, 12, 5);
	gen_acct_record(&a, &r);
	gen_acct_summarize(&a, &s);
	CU_ASSERT_EQUAL(s.flows_split, 0);
	r = rx_of(GEN_RX_GUE, 12, 4); /* flow 4 moves to the second backend */
	gen_acct_record(&a, &r);
	r = rx_of(GEN_RX_GUE, 11, 4); /* and back: still one split flow */
	gen_acct_record(&a, &r);
	gen_acct_summarize(&a, &s);
	CU_ASSERT_EQUAL(s.flows_split, 1);
	CU_ASSERT_EQUAL(s.flows_seen, 2);
	/* A split flow still counts for the backend it was first seen on. */
	CU_ASSERT_EQUAL(s.flows_per_be[0], 1);
	CU_ASSERT_EQUAL(s.flows_per_be[1], 1);
	gen_acct_fini(&a);
}

static void test_acct_bad_input(void)
{
	struct gen_acct a;
	struct gen_rx r;
	uint32_t i;

	CU_ASSERT_EQUAL(gen_acct_init(&a, 0), -EINVAL);
	CU_ASSERT_EQUAL(gen_acct_init(&a, GEN_MAX_FLOWS + 1), -EINVAL);
	CU_ASSERT_EQUAL(gen_acct_init(NULL, 5), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(gen_acct_init(&a, 5), 0);
	r = rx_of(GEN_RX_GUE, 11, 5);
	CU_ASSERT_EQUAL(gen_acct_record(&a, &r), -ERANGE);
	CU_ASSERT_EQUAL(a.rx_ours, 0);
	for (i = 0; i < GEN_MAX_BACKENDS; i++) {
		r = rx_of(GEN_RX_GUE, 0, 1);
		r.backend[14] = (uint8_t)(i >> 8);
		r.backend[15] = (uint8_t)i;
		CU_ASSERT_EQUAL(gen_acct_record(&a, &r), (int)i);
	}
	r.backend[13] = 1;
	CU_ASSERT_EQUAL(gen_acct_record(&a, &r), -ENOSPC);
	CU_ASSERT_EQUAL(a.rx_overflow, 1);
	gen_acct_record_error(&a, -ENOENT);
	gen_acct_record_error(&a, -EPROTO);
	gen_acct_record_error(&a, -EPROTO);
	CU_ASSERT_EQUAL(a.rx_foreign, 1);
	CU_ASSERT_EQUAL(a.rx_bad, 2);
	gen_acct_fini(&a);
}

static void test_loss_arithmetic(void)
{
	double ratio = -1;

	CU_ASSERT_EQUAL(gen_loss(1000, 900, &ratio), 100);
	CU_ASSERT_DOUBLE_EQUAL(ratio, 0.1, 1e-12);
	CU_ASSERT_EQUAL(gen_loss(1000, 1005, &ratio), 0); /* the balancer may add ICMP errors */
	CU_ASSERT_DOUBLE_EQUAL(ratio, 0.0, 1e-12);
	CU_ASSERT_EQUAL(gen_loss(0, 0, &ratio), 0);
	CU_ASSERT_DOUBLE_EQUAL(ratio, 0.0, 1e-12);
	CU_ASSERT_EQUAL(gen_loss(UINT64_MAX, 1, NULL), UINT64_MAX - 1);
	CU_ASSERT_EQUAL(gen_loss(7, 0, &ratio), 7);
	CU_ASSERT_DOUBLE_EQUAL(ratio, 1.0, 1e-12);
}

SL_CU_MAIN("gen_account",
	{ "decode GUE/IPIP/ip6tnl output of sluice's encap", test_decode_each_method },
	{ "decode l2dsr (MAC) and unchanged frames", test_decode_l2dsr_and_plain },
	{ "decode refuses truncated and malformed frames", test_decode_hostile },
	{ "per-backend packet and flow counts", test_acct_per_backend_counts },
	{ "a flow seen on two backends is flagged", test_acct_split_detection },
	{ "accounting bad input and backend overflow", test_acct_bad_input },
	{ "loss arithmetic", test_loss_arithmetic })
