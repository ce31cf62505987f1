/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Program-level tests of the decap XDP program: crafted frames through
 * BPF_PROG_TEST_RUN, exact bytes and verdicts out, counters checked.
 * Needs root (loading BPF); exits 77 (meson "skipped") otherwise.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cunit_main.h"
#include "decap.skel.h"
#include "decap_addr.h"
#include "decap_stats.h"

enum kind { K_IPIP, K_IP6TNL, K_GUE4, K_GUE6, K__MAX };

struct spec {
	enum kind kind;
	int inner6;        /* inner family IPv6 */
	int vlan;          /* one 802.1Q tag */
	int foreign_dst;   /* outer destination not a decap address */
	uint16_t gue_port; /* 0: 6080 */
	uint8_t gue_hlen;  /* GUE optional words */
	uint32_t pad;      /* Ethernet padding after the outer packet */
};

struct frame {
	uint8_t b[512];
	uint32_t len;
};

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const char *const local4 = "198.18.0.2", *const local6 = "2001:db8::2";
static const char *const foreign4 = "198.18.0.99", *const foreign6 = "2001:db8::99";

static struct decap_bpf *skel;     /* gue 6080, decap addresses local4/local6 */
static struct decap_bpf *skel_any; /* gue 7777, accept_any */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, uint32_t len)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t put_eth(uint8_t *p, int vlan, uint16_t type)
{
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	if (!vlan) {
		put16(p + 12, type);
		return 14;
	}
	put16(p + 12, 0x8100);
	put16(p + 14, 100);
	put16(p + 16, type);
	return 18;
}

static uint32_t put_ip4(uint8_t *p, uint8_t proto, const char *src, const char *dst,
			uint16_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + payload));
	put16(p + 4, 0x1234);
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	put16(p + 10, csum(p, 20));
	return 20;
}

static uint32_t put_ip6(uint8_t *p, uint8_t nh, const char *src, const char *dst, uint16_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, payload);
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	return 40;
}

/* A client's TCP SYN to the VIP, as the balancer received it (L3 only). */
static uint32_t put_inner(uint8_t *p, int inner6)
{
	uint32_t n = inner6 ? put_ip6(p, 6, "2001:db8:1::1", "2001:db8:100::1", 20)
			    : put_ip4(p, 6, "198.18.1.1", "198.18.100.1", 20);
	uint8_t *tcp = p + n;

	memset(tcp, 0, 20);
	put16(tcp, 40000);
	put16(tcp + 2, 80);
	tcp[4] = 0x11; /* sequence number: something recognisable */
	tcp[12] = 5 << 4;
	tcp[13] = 0x02; /* SYN */
	put16(tcp + 14, 64240);
	return n + 20;
}

/* Build the tunnel frame of @s in @f and what decapsulation must make of it in @want. */
static void build(const struct spec *s, struct frame *f, struct frame *want)
{
	uint8_t inner[128];
	uint32_t ilen = put_inner(inner, s->inner6), n, tun = 0;
	uint8_t iproto = s->inner6 ? 41 : 4;
	int outer6 = s->kind == K_IP6TNL || s->kind == K_GUE6;
	int gue = s->kind == K_GUE4 || s->kind == K_GUE6;
	uint32_t guelen = 4u + 4u * s->gue_hlen;

	memset(f, 0, sizeof(*f));
	n = put_eth(f->b, s->vlan, outer6 ? 0x86dd : 0x0800);
	if (gue)
		tun = 8 + guelen;
	if (outer6)
		n += put_ip6(f->b + n, gue ? 17 : iproto, "2001:db8::1",
			     s->foreign_dst ? foreign6 : local6, (uint16_t)(tun + ilen));
	else
		n += put_ip4(f->b + n, gue ? 17 : iproto, "198.18.0.1",
			     s->foreign_dst ? foreign4 : local4, (uint16_t)(tun + ilen));
	if (gue) {
		put16(f->b + n, 50000);
		put16(f->b + n + 2, s->gue_port ? s->gue_port : 6080);
		put16(f->b + n + 4, (uint16_t)(tun + ilen));
		n += 8;
		f->b[n] = s->gue_hlen & 0x1f; /* version 0, C 0 */
		f->b[n + 1] = iproto;
		memset(f->b + n + 4, 0xee, guelen - 4); /* optional fields: skipped, not read */
		n += guelen;
	}
	memcpy(f->b + n, inner, ilen);
	f->len = n + ilen + s->pad;

	memset(want, 0, sizeof(*want));
	n = put_eth(want->b, s->vlan, s->inner6 ? 0x86dd : 0x0800);
	memcpy(want->b + n, inner, ilen);
	want->len = n + ilen + s->pad;
}

static int run(struct decap_bpf *sk, const struct frame *in, struct frame *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = bpf_prog_test_run_opts(bpf_program__fd(sk->progs.sl_decap), &o);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	out->len = o.data_size_out;
	return (int)o.retval;
}

static void counters(struct decap_bpf *sk, struct sl_decap_count *c)
{
	CU_ASSERT_EQUAL_FATAL(sl_decap_stats_read(bpf_map__fd(sk->maps.sl_decap_cnt), c), 0);
}

/* Run @in; assert verdict @verdict and that exactly counter @which moved, by one packet of in->len bytes. */
static void expect(struct decap_bpf *sk, const struct frame *in, int verdict, unsigned int which,
		   struct frame *out)
{
	struct sl_decap_count before[SL_DECAP_C__MAX], after[SL_DECAP_C__MAX];
	unsigned int i;

	counters(sk, before);
	CU_ASSERT_EQUAL(run(sk, in, out), verdict);
	counters(sk, after);
	for (i = 0; i < SL_DECAP_C__MAX; i++) {
		uint64_t dp = after[i].packets - before[i].packets;
		uint64_t db = after[i].bytes - before[i].bytes;

		if (i == which) {
			CU_ASSERT_EQUAL(dp, 1);
			CU_ASSERT_EQUAL(db, in->len);
		} else {
			CU_ASSERT_EQUAL(dp, 0);
		}
		if ((i == which) != (dp == 1))
			fprintf(stderr, "\n  counter %s moved by %llu (expected %s)\n",
				sl_decap_counter_name(i), (unsigned long long)dp,
				sl_decap_counter_name(which));
	}
}

static void expect_untouched(struct decap_bpf *sk, const struct frame *in, unsigned int which)
{
	struct frame out;

	expect(sk, in, XDP_PASS, which, &out);
	CU_ASSERT_EQUAL(out.len, in->len);
	CU_ASSERT_EQUAL(memcmp(out.b, in->b, in->len), 0);
}

static void expect_drop(struct decap_bpf *sk, const struct frame *in, unsigned int which)
{
	struct frame out;

	expect(sk, in, XDP_DROP, which, &out);
}

static unsigned int decap_counter(const struct spec *s)
{
	static const unsigned int base[K__MAX] = {
		[K_IPIP] = SL_DECAP_C_DECAP_IPIP_V4, [K_IP6TNL] = SL_DECAP_C_DECAP_IP6TNL_V4,
		[K_GUE4] = SL_DECAP_C_DECAP_GUE_V4, [K_GUE6] = SL_DECAP_C_DECAP_GUE_V4,
	};

	return base[s->kind] + (unsigned int)s->inner6;
}

static void expect_decap(struct decap_bpf *sk, const struct spec *s)
{
	struct frame in, want, out;

	build(s, &in, &want);
	expect(sk, &in, XDP_PASS, decap_counter(s), &out);
	CU_ASSERT_EQUAL(out.len, want.len);
	CU_ASSERT_EQUAL(memcmp(out.b, want.b, want.len), 0);
}

static void t_every_kind_and_family(void)
{
	struct spec s = { 0 };
	int k, i6, vlan;

	for (k = 0; k < K__MAX; k++)
		for (i6 = 0; i6 < 2; i6++)
			for (vlan = 0; vlan < 2; vlan++) {
				s.kind = (enum kind)k;
				s.inner6 = i6;
				s.vlan = vlan;
				expect_decap(skel, &s);
			}
}

static void t_gue_optional_fields_skipped(void)
{
	struct spec s = { .kind = K_GUE4, .gue_hlen = 3 };

	expect_decap(skel, &s);
	s.kind = K_GUE6;
	s.inner6 = 1;
	s.gue_hlen = 31; /* the largest Hlen */
	expect_decap(skel, &s);
}

static void t_ethernet_padding_kept_after_inner(void)
{
	/* Short frames are padded to 60 bytes; the stack trims by the inner length. */
	struct spec s = { .kind = K_IPIP, .pad = 6 };

	expect_decap(skel, &s);
}

static void t_foreign_destination_untouched(void)
{
	struct spec s = { .foreign_dst = 1 };
	struct frame in, want;
	int k;

	for (k = 0; k < K__MAX; k++) {
		s.kind = (enum kind)k;
		build(&s, &in, &want);
		expect_untouched(skel, &in, SL_DECAP_C_PASS_NOT_LOCAL);
	}
}

static void t_non_tunnel_untouched(void)
{
	struct frame f = { 0 };
	uint32_t n;

	/* Plain TCP to the host, both families. */
	n = put_eth(f.b, 0, 0x0800);
	f.len = n + put_inner(f.b + n, 0);
	expect_untouched(skel, &f, SL_DECAP_C_PASS_NOT_TUNNEL);
	n = put_eth(f.b, 0, 0x86dd);
	f.len = n + put_inner(f.b + n, 1);
	expect_untouched(skel, &f, SL_DECAP_C_PASS_NOT_TUNNEL);

	/* ARP. */
	memset(&f, 0, sizeof(f));
	n = put_eth(f.b, 0, 0x0806);
	f.len = n + 28;
	expect_untouched(skel, &f, SL_DECAP_C_PASS_NOT_IP);

	/* UDP to a decap address, but not the GUE port (DNS). */
	memset(&f, 0, sizeof(f));
	n = put_eth(f.b, 1, 0x0800);
	n += put_ip4(f.b + n, 17, "198.18.0.1", local4, 12);
	put16(f.b + n + 2, 53);
	put16(f.b + n + 4, 12);
	f.len = n + 12;
	expect_untouched(skel, &f, SL_DECAP_C_PASS_NOT_TUNNEL);
}

static void t_gue_wrong_port_untouched(void)
{
	struct spec s = { .kind = K_GUE4, .gue_port = 6081 };
	struct frame in, want;

	build(&s, &in, &want);
	expect_untouched(skel, &in, SL_DECAP_C_PASS_NOT_TUNNEL);
	s.kind = K_GUE6;
	build(&s, &in, &want);
	expect_untouched(skel, &in, SL_DECAP_C_PASS_NOT_TUNNEL);
}

/* Offset of the GUE header in a frame built from @s. */
static uint32_t gue_off(const struct spec *s)
{
	return (s->vlan ? 18u : 14u) + (s->kind == K_GUE6 ? 40u : 20u) + 8u;
}

static void t_gue_bad_headers_dropped(void)
{
	struct spec s4 = { .kind = K_GUE4 }, s6 = { .kind = K_GUE6, .vlan = 1 };
	const struct spec *specs[] = { &s4, &s6 };
	struct frame in, want;
	uint32_t g;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		g = gue_off(specs[i]);
		build(specs[i], &in, &want);
		in.b[g] |= 0x40; /* version 1 */
		expect_drop(skel, &in, SL_DECAP_C_DROP_GUE);
		build(specs[i], &in, &want);
		in.b[g] |= 0x20; /* control message */
		expect_drop(skel, &in, SL_DECAP_C_DROP_GUE);
		build(specs[i], &in, &want);
		in.b[g + 1] = 17; /* carries UDP: not something sluice sends */
		expect_drop(skel, &in, SL_DECAP_C_DROP_GUE);
		build(specs[i], &in, &want);
		in.b[g] = 0x1f; /* 124 bytes of options the packet does not have */
		expect_drop(skel, &in, SL_DECAP_C_DROP_TRUNCATED);
		build(specs[i], &in, &want);
		put16(in.b + g - 4, 8 + 4 + 4); /* UDP length ends inside the inner header */
		expect_drop(skel, &in, SL_DECAP_C_DROP_TRUNCATED);
		build(specs[i], &in, &want);
		put16(in.b + g - 4, 4000); /* UDP length beyond the IP packet */
		expect_drop(skel, &in, SL_DECAP_C_DROP_TRUNCATED);
	}
}

static void t_inner_family_mismatch_dropped(void)
{
	struct spec s = { .kind = K_IPIP };
	struct frame in, want;
	int k;

	for (k = 0; k < K__MAX; k++) {
		uint32_t proto_off;

		s.kind = (enum kind)k;
		build(&s, &in, &want);
		/* Say "IPv6 inside" while an IPv4 packet is inside. */
		if (k == K_IPIP)
			proto_off = 14 + 9;
		else if (k == K_IP6TNL)
			proto_off = 14 + 6;
		else
			proto_off = gue_off(&s) + 1;
		in.b[proto_off] = 41;
		expect_drop(skel, &in, SL_DECAP_C_DROP_INNER);
	}
}

static void t_bad_outer_and_fragments_dropped(void)
{
	struct spec s = { .kind = K_IPIP };
	struct frame in, want;

	build(&s, &in, &want);
	in.b[14] = 0x44; /* IHL 4 */
	expect_drop(skel, &in, SL_DECAP_C_DROP_OUTER);
	build(&s, &in, &want);
	put16(in.b + 14 + 2, 10); /* total length shorter than the header */
	expect_drop(skel, &in, SL_DECAP_C_DROP_OUTER);
	build(&s, &in, &want);
	in.b[14 + 6] = 0x20; /* more fragments */
	expect_drop(skel, &in, SL_DECAP_C_DROP_FRAGMENT);
	build(&s, &in, &want);
	put16(in.b + 14 + 6, 0x0010); /* a later fragment */
	expect_drop(skel, &in, SL_DECAP_C_DROP_FRAGMENT);

	s.kind = K_IP6TNL;
	build(&s, &in, &want);
	put16(in.b + 14 + 4, 0); /* jumbogram */
	expect_drop(skel, &in, SL_DECAP_C_DROP_OUTER);
	build(&s, &in, &want);
	in.b[14 + 6] = 44; /* fragment header */
	expect_drop(skel, &in, SL_DECAP_C_DROP_FRAGMENT);
}

static void t_ipv6_encap_limit_option_skipped(void)
{
	/* What a Linux ip6tnl sender emits: a destination-options header (tunnel encapsulation limit). */
	struct spec s = { .kind = K_IP6TNL };
	struct frame in, want, f = { 0 }, out;
	uint32_t i6 = 14, dopt = 14 + 40;

	build(&s, &in, &want);
	memcpy(f.b, in.b, dopt);
	f.b[i6 + 6] = 60;
	f.b[dopt] = 4;        /* next header: IPv4 */
	f.b[dopt + 1] = 0;    /* 8 bytes */
	f.b[dopt + 2] = 4;    /* tunnel encapsulation limit option */
	f.b[dopt + 3] = 1;
	f.b[dopt + 4] = 4;
	f.b[dopt + 5] = 1;    /* PadN */
	f.b[dopt + 6] = 1;
	f.b[dopt + 7] = 0;
	memcpy(f.b + dopt + 8, in.b + dopt, in.len - dopt);
	f.len = in.len + 8;
	put16(f.b + i6 + 4, (uint16_t)(f.len - dopt));
	expect(skel, &f, XDP_PASS, SL_DECAP_C_DECAP_IP6TNL_V4, &out);
	CU_ASSERT_EQUAL(out.len, want.len);
	CU_ASSERT_EQUAL(memcmp(out.b, want.b, want.len), 0);
}

/*
 * Every prefix of every valid tunnel frame: never decapsulated, either
 * dropped or passed byte for byte, and always exactly one counter moved.
 */
static void t_every_truncation(void)
{
	struct spec s = { 0 };
	struct frame in, want, cut, out;
	struct sl_decap_count before[SL_DECAP_C__MAX], after[SL_DECAP_C__MAX];
	uint64_t moved;
	unsigned int i;
	uint32_t len;
	int k, i6, ret, bad = 0;

	for (k = 0; k < K__MAX; k++)
		for (i6 = 0; i6 < 2; i6++) {
			s.kind = (enum kind)k;
			s.inner6 = i6;
			s.vlan = k & 1;
			build(&s, &in, &want);
			for (len = 14; len < in.len; len++) {
				cut = in;
				cut.len = len;
				counters(skel, before);
				ret = run(skel, &cut, &out);
				counters(skel, after);
				moved = 0;
				for (i = 0; i < SL_DECAP_C__MAX; i++)
					moved += after[i].packets - before[i].packets;
				if (moved != 1 ||
				    after[decap_counter(&s)].packets != before[decap_counter(&s)].packets ||
				    (ret != XDP_DROP &&
				     (ret != XDP_PASS || out.len != len || memcmp(out.b, in.b, len)))) {
					fprintf(stderr, "\n  kind %d inner6 %d len %u: verdict %d\n",
						k, i6, len, ret);
					bad++;
				}
			}
		}
	CU_ASSERT_EQUAL(bad, 0);
}

static void t_knobs_port_and_accept_any(void)
{
	struct spec s = { .kind = K_GUE4, .gue_port = 7777, .foreign_dst = 1 };
	struct frame in, want;

	expect_decap(skel_any, &s);
	s.kind = K_GUE6;
	s.inner6 = 1;
	expect_decap(skel_any, &s);
	s.kind = K_IPIP;
	expect_decap(skel_any, &s);

	s.kind = K_GUE4;
	s.gue_port = 6080; /* the default port is not special once another is configured */
	build(&s, &in, &want);
	expect_untouched(skel_any, &in, SL_DECAP_C_PASS_NOT_TUNNEL);
}

static struct decap_bpf *load(uint16_t port, int any)
{
	static const char *const addrs[] = { "198.18.0.2", "2001:db8::2" };
	struct decap_bpf *sk = decap_bpf__open();
	struct sl_decap_addr a;
	uint8_t one = 1;
	unsigned int i;

	if (!sk)
		return NULL;
	sk->rodata->gue_port = port;
	sk->rodata->accept_any = (uint8_t)any;
	if (decap_bpf__load(sk))
		goto fail;
	for (i = 0; !any && i < 2; i++)
		if (sl_decap_addr_parse(addrs[i], &a) ||
		    bpf_map_update_elem(bpf_map__fd(sk->maps.sl_decap_addrs), &a, &one, BPF_ANY))
			goto fail;
	return sk;
fail:
	decap_bpf__destroy(sk);
	return NULL;
}

int main(void)
{
	static const struct sl_cu_test tests[] = {
		{ "every kind x inner family x vlan: exact bytes", t_every_kind_and_family },
		{ "GUE optional fields skipped", t_gue_optional_fields_skipped },
		{ "Ethernet padding kept", t_ethernet_padding_kept_after_inner },
		{ "IPv6 encap-limit option skipped", t_ipv6_encap_limit_option_skipped },
		{ "foreign destination untouched", t_foreign_destination_untouched },
		{ "non-tunnel traffic untouched", t_non_tunnel_untouched },
		{ "GUE wrong port untouched", t_gue_wrong_port_untouched },
		{ "bad GUE headers dropped", t_gue_bad_headers_dropped },
		{ "inner family mismatch dropped", t_inner_family_mismatch_dropped },
		{ "bad outer header, fragments dropped", t_bad_outer_and_fragments_dropped },
		{ "every truncation: drop or untouched, counted", t_every_truncation },
		{ "knobs: GUE port, accept_any", t_knobs_port_and_accept_any },
		{ 0, 0 },
	};
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_decap: needs root to load BPF; skipped\n");
		return 77;
	}
	skel = load(6080, 0);
	skel_any = load(7777, 1);
	if (!skel || !skel_any) {
		fprintf(stderr, "test_decap: cannot load the decap program: %s\n", strerror(errno));
		return 1;
	}
	rc = sl_cu_run("decap_bpf", tests);
	decap_bpf__destroy(skel);
	decap_bpf__destroy(skel_any);
	return rc;
}
