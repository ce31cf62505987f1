/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's fast paths against their references, over random inputs:
 * sl_flow_hash_all vs sl_flow_hash(SL_HF_ALL) (a fleet depends on the hash),
 * header templates (sl_encap_tmpl_*) vs sl_encap_write, byte for byte,
 * sl_dp_vip_find vs sl_dp_vip_get on a built key, and the templates a real
 * snapshot carries. A fast path that differs from its reference in any
 * byte or any bit fails here, not in a fleet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/encap_fast.h"
#include "../../common/flow_hash.h"
#include "../../control/model.h"
#include "../../dataplane/dp_state.h"
#include "cunit_main.h"

#define ROUNDS 200000

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = (uint8_t)rnd();
}

/* ---- flow hash ---- */

/* IPv4 keys as the parser makes them: words 1..3 zero. */
static void test_hash_v4_identity(void)
{
	struct sl_flow_key k;
	uint32_t i, differ = 0;

	for (i = 0; i < ROUNDS; i++) {
		memset(&k, 0, sizeof(k));
		k.src[0] = rnd();
		k.dst[0] = rnd();
		k.sport = (uint16_t)rnd();
		k.dport = (uint16_t)rnd();
		k.proto = (uint8_t)rnd();
		k.family = SL_AF_INET;
		differ += sl_flow_hash_all(&k) != sl_flow_hash(&k, SL_HF_ALL);
	}
	CU_ASSERT_EQUAL(differ, 0);
}

/* IPv6 keys, and hostile ones: an IPv4 family with nonzero upper words, one word at a time. */
static void test_hash_other_keys_identity(void)
{
	struct sl_flow_key k;
	uint32_t i, differ = 0;

	for (i = 0; i < ROUNDS; i++) {
		rnd_bytes(&k, sizeof(k));
		k.family = (i & 1) ? SL_AF_INET6 : SL_AF_INET;
		if (i & 2) {
			/* one nonzero upper word, the rest zero: every word must be read */
			uint32_t w = 1 + rnd() % 6;

			memset(&k.src[1], 0, 12);
			memset(&k.dst[1], 0, 12);
			if (w <= 3)
				k.src[w] = rnd() | 1;
			else
				k.dst[w - 3] = rnd() | 1;
		}
		differ += sl_flow_hash_all(&k) != sl_flow_hash(&k, SL_HF_ALL);
	}
	CU_ASSERT_EQUAL(differ, 0);
}

/* Pinned: the zero key and one fixed key, so identity cannot hide a change of both. */
static void test_hash_pinned(void)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	CU_ASSERT_EQUAL(sl_flow_hash_all(&k), sl_flow_hash(&k, SL_HF_ALL));
	k.src[0] = 0x0a0112c6u; /* 198.18.1.10 as it lies in memory on little endian */
	k.dst[0] = 0x010212c6u;
	k.sport = 0x3930;
	k.dport = 0x5000;
	k.proto = 6;
	k.family = SL_AF_INET;
	CU_ASSERT_EQUAL(sl_flow_hash_all(&k), sl_flow_hash(&k, SL_HF_ALL));
	/* Same key with a nonzero upper word must hash differently (the word is read). */
	k.dst[2] = 1;
	CU_ASSERT_NOT_EQUAL(sl_flow_hash_all(&k), sl_flow_hash_all(&(struct sl_flow_key){
		.src = { 0x0a0112c6u }, .dst = { 0x010212c6u }, .sport = 0x3930, .dport = 0x5000,
		.proto = 6, .family = SL_AF_INET }));
}

/* ---- header templates ---- */

static const uint8_t families[] = { SL_AF_INET, SL_AF_INET6, 0, 5 };

static void rnd_params(struct sl_encap_params *p)
{
	memset(p, 0, sizeof(*p));
	/* Mostly valid combinations, sometimes an unknown method or family. */
	p->method = (enum sl_fwd_method)(rnd() % 16 == 0 ? SL_FWD__MAX + rnd() % 2 : rnd() % SL_FWD__MAX);
	p->outer_family = families[rnd() % 16 == 0 ? 2 + rnd() % 2 : rnd() % 2];
	rnd_bytes(p->outer_src, sizeof(p->outer_src));
	rnd_bytes(p->outer_dst, sizeof(p->outer_dst));
	rnd_bytes(p->src_mac, 6);
	rnd_bytes(p->dst_mac, 6);
	p->ttl = (uint8_t)rnd();
	p->gue_port = (uint16_t)rnd();
	p->entropy = rnd();
}

static uint16_t rnd_len(void)
{
	switch (rnd() % 8) {
	case 0:
		return (uint16_t)(rnd() % 41);
	case 1:
		return (uint16_t)(UINT16_MAX - rnd() % 40); /* around every -EMSGSIZE limit */
	case 2:
		return (uint16_t)rnd();
	default:
		return (uint16_t)(20 + rnd() % 1500);
	}
}

/*
 * Reference and template paths on identical buffers (inner packet right
 * after the headers, as in an mbuf): same return value, and on success the
 * same header bytes and an untouched inner packet.
 */
static void test_tmpl_matches_reference(void)
{
	static uint8_t a[80 + 65536], b[80 + 65536];
	uint32_t i, built = 0, wrote = 0, mismatches = 0, inner_hurt = 0;

	for (i = 0; i < 20000; i++) {
		struct sl_encap_params p;
		struct sl_encap_tmpl t;
		uint8_t fam = families[rnd() % 16 == 0 ? 2 + rnd() % 2 : rnd() % 2];
		uint8_t tos = (uint8_t)rnd();
		uint16_t len = rnd_len(), hlen;
		int ra, rb, rt, rr;

		rnd_params(&p);
		rt = sl_encap_tmpl_build(&t, &p, fam);
		rr = sl_encap_write(a, &p, NULL, 0, fam, 0);
		/* The template exists exactly when the reference accepts the combination. */
		CU_ASSERT_EQUAL(rt < 0, rr < 0);
		if (rt < 0) {
			CU_ASSERT_EQUAL(rt, -EINVAL);
			CU_ASSERT_EQUAL(t.kind, SL_TMPL_NONE);
			CU_ASSERT_EQUAL(t.len, 0);
			CU_ASSERT_EQUAL(sl_encap_tmpl_write(b, &t, p.src_mac, b + 66, 0, 0, 0), -EINVAL);
			continue;
		}
		built++;
		hlen = t.len;
		CU_ASSERT_EQUAL(hlen, sl_encap_hdr_len(p.method, p.outer_family));
		/* Stale bytes differ between the buffers, so a field left unwritten shows. */
		memset(a, 0xa5, hlen);
		memset(b, 0x5a, hlen);
		rnd_bytes(a + hlen, len);
		memcpy(b + hlen, a + hlen, len);
		ra = sl_encap_write(a, &p, a + hlen, len, fam, tos);
		rb = sl_encap_tmpl_write(b, &t, p.src_mac, b + hlen, len, tos, p.entropy);
		CU_ASSERT_EQUAL(ra, rb);
		if (ra < 0 || ra != rb)
			continue;
		wrote++;
		mismatches += memcmp(a, b, hlen) != 0;
		inner_hurt += memcmp(a + hlen, b + hlen, len) != 0;
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_EQUAL(inner_hurt, 0);
	/* The random mix must have exercised both outcomes a lot. */
	printf(" [%u templates, %u written] ", built, wrote);
	CU_ASSERT(built > 8000 && built < 19000);
	CU_ASSERT(wrote > 6000);
}

/*
 * A UDP checksum that computes to 0 goes out as 0xffff (RFC 768), in both
 * paths. The payload is chosen to make it so: with a zero payload the
 * checksum is c = ~S, and a payload word equal to c brings the sum to
 * 0xffff, whose complement is 0.
 */
static void test_tmpl_gue6_zero_checksum(void)
{
	uint8_t a[66 + 2], b[66 + 2];
	struct sl_encap_params p;
	struct sl_encap_tmpl t;
	uint32_t i;

	for (i = 0; i < 64; i++) {
		rnd_params(&p);
		p.method = SL_FWD_GUE;
		p.outer_family = SL_AF_INET6;
		CU_ASSERT_FATAL(sl_encap_tmpl_build(&t, &p, SL_AF_INET6) == 0);
		memset(a + 66, 0, 2);
		CU_ASSERT_EQUAL_FATAL(sl_encap_write(a, &p, a + 66, 2, SL_AF_INET6, 0), 66);
		memcpy(a + 66, a + 60, 2); /* the checksum field: 14 + 40 + 6 */
		memcpy(b + 66, a + 66, 2);
		CU_ASSERT_EQUAL(sl_encap_write(a, &p, a + 66, 2, SL_AF_INET6, 0), 66);
		CU_ASSERT_EQUAL(sl_encap_tmpl_write(b, &t, p.src_mac, b + 66, 2, 0, p.entropy), 66);
		CU_ASSERT_EQUAL(memcmp(a, b, 66), 0);
		CU_ASSERT(b[60] == 0xff && b[61] == 0xff);
	}
}

static void test_tmpl_bad_input(void)
{
	struct sl_encap_params p;
	struct sl_encap_tmpl t;
	uint8_t out[128] = { 0 };

	rnd_params(&p);
	p.method = SL_FWD_GUE;
	p.outer_family = SL_AF_INET6;
	CU_ASSERT_EQUAL(sl_encap_tmpl_build(NULL, &p, SL_AF_INET), -EINVAL);
	memset(&t, 0xff, sizeof(t));
	CU_ASSERT_EQUAL(sl_encap_tmpl_build(&t, NULL, SL_AF_INET), -EINVAL);
	CU_ASSERT_EQUAL(t.kind, SL_TMPL_NONE);
	CU_ASSERT_EQUAL(sl_encap_tmpl_build(&t, &p, 0), -EINVAL);
	CU_ASSERT_EQUAL(t.kind, SL_TMPL_NONE);
	/* GUE over IPv6 needs the inner packet for its checksum. */
	CU_ASSERT_EQUAL_FATAL(sl_encap_tmpl_build(&t, &p, SL_AF_INET), 0);
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, 20, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, 0, 0, 1), 66);
	/* IPIP with an IPv6 inner packet has no template. */
	p.method = SL_FWD_IPIP;
	p.outer_family = SL_AF_INET;
	CU_ASSERT_EQUAL(sl_encap_tmpl_build(&t, &p, SL_AF_INET6), -EINVAL);
	/* Outer length limits, at the exact edge. */
	CU_ASSERT_EQUAL_FATAL(sl_encap_tmpl_build(&t, &p, SL_AF_INET), 0);
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, UINT16_MAX - 20, 0, 0), 34);
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, UINT16_MAX - 19, 0, 0), -EMSGSIZE);
	p.method = SL_FWD_GUE;
	CU_ASSERT_EQUAL_FATAL(sl_encap_tmpl_build(&t, &p, SL_AF_INET), 0);
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, UINT16_MAX - 32, 0, 0), 46);
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, UINT16_MAX - 31, 0, 0), -EMSGSIZE);
	/* A corrupted kind is refused, not written. */
	t.kind = 0x7f;
	CU_ASSERT_EQUAL(sl_encap_tmpl_write(out, &t, p.src_mac, NULL, 0, 0, 0), -EINVAL);
}

/* ---- VIP lookup ---- */

static void test_vip_find_matches_get(void)
{
	struct sl_dp_state s;
	struct sl_dp_vip vips[64];
	struct sl_vip_key keys[64];
	uint32_t i, wrong = 0, found = 0, memo_wrong = 0, memo_same = 0;
	struct sl_vip_memo memo;
	struct sl_flow_key prev;

	memset(&s, 0, sizeof(s));
	memset(&prev, 0, sizeof(prev));
	sl_vip_memo_init(&memo);
	memset(vips, 0, sizeof(vips));
	s.vips = vips;
	s.vip_slots_mask = 255;
	s.vip_slots = calloc(256, sizeof(*s.vip_slots));
	s.vip_slot_keys = calloc(256, sizeof(*s.vip_slot_keys));
	CU_ASSERT_FATAL(s.vip_slots && s.vip_slot_keys);
	/* Few addresses, many ports, some any-port VIPs and markers: collisions and fallbacks. */
	for (i = 0; i < 64; i++) {
		struct sl_vip_key *k = &keys[i];

		memset(k, 0, sizeof(*k));
		k->family = (i & 1) ? SL_AF_INET6 : SL_AF_INET;
		k->addr[0] = 0x12c6u + (i % 5);
		if (k->family == SL_AF_INET6)
			k->addr[3] = 0x10u + (i % 3);
		k->port = (i % 4 == 0) ? 0 : (uint16_t)(i * 7);
		k->proto = (i % 7 == 0) ? 0 : ((i & 2) ? 17 : 6);
		if (k->proto == 0)
			k->port = 0;
		vips[i].index = i;
		if (sl_dp_vip_index_add(&s, k, i) == 0)
			s.n_vips = i + 1;
	}
	for (i = 0; i < ROUNDS / 4; i++) {
		struct sl_flow_key fk;
		struct sl_vip_key k;
		const struct sl_dp_vip *want, *got;
		const struct sl_vip_key *base = &keys[rnd() % 64];

		memset(&fk, 0, sizeof(fk));
		memcpy(fk.dst, base->addr, sizeof(fk.dst));
		fk.family = base->family;
		fk.dport = (rnd() & 1) ? base->port : (uint16_t)(rnd() % 512);
		fk.proto = (rnd() % 4) ? base->proto : (uint8_t)rnd();
		if (rnd() % 8 == 0)
			fk.dst[rnd() % 4] ^= 1u << (rnd() % 32);
		if (rnd() % 16 == 0)
			fk.family ^= 2; /* 4 <-> 6: the same words under the other family must miss */
		rnd_bytes(fk.src, sizeof(fk.src)); /* must not matter */
		fk.sport = (uint16_t)rnd();

		memset(&k, 0, sizeof(k));
		memcpy(k.addr, fk.dst, sizeof(k.addr));
		k.port = fk.dport;
		k.proto = fk.proto;
		k.family = fk.family;
		want = sl_dp_vip_get(&s, &k);
		if (!want) {
			k.port = 0;
			want = sl_dp_vip_get(&s, &k);
		}
		got = sl_dp_vip_find(&s, &fk);
		wrong += got != want;
		found += got != NULL;

		/* The memo answers as the lookup does: after a reset, on a change of key
		 * (the previous key is memoised half the time), and on a repeat. */
		if (rnd() & 1)
			memo_same += sl_dp_vip_find_memo(&s, &memo, &prev) == got;
		if (rnd() % 64 == 0)
			sl_vip_memo_init(&memo);
		memo_wrong += sl_dp_vip_find_memo(&s, &memo, &fk) != got;
		memo_wrong += sl_dp_vip_find_memo(&s, &memo, &fk) != got;
		prev = fk;

		k.port = 0;
		k.proto = 0;
		wrong += sl_dp_vip_find_addr(&s, &fk) != sl_dp_vip_get(&s, &k);
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(memo_wrong, 0);
	CU_ASSERT(memo_same < ROUNDS / 8); /* the previous key mostly answers differently */
	CU_ASSERT(found > ROUNDS / 16);
	CU_ASSERT(found < ROUNDS / 4); /* misses were exercised too */
	free(s.vip_slots);
	free(s.vip_slot_keys);
}

/* ---- templates in a real snapshot ---- */

static void test_snapshot_templates(void)
{
	static const char text[] =
		"dataplane = { ports = ( { device = \"net_null0\"; } ); workers = [ 1 ]; };\n"
		"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; outer_ttl = 33; };\n"
		"vips = (\n"
		" { name = \"g4\"; address = \"198.18.100.1\"; port = 80; method = \"gue\"; gue_port = 7000;\n"
		"   backends = ( { address = \"198.18.0.11\"; mac = \"02:00:00:00:00:0b\"; },\n"
		"                { address = \"2001:db8::11\"; mac = \"02:00:00:00:00:0c\"; } ); },\n"
		" { name = \"i6\"; address = \"2001:db8::100\"; port = 443; method = \"ip6tnl\";\n"
		"   backends = ( { address = \"2001:db8::12\"; mac = \"02:00:00:00:00:0d\"; } ); },\n"
		" { name = \"l4\"; address = \"198.18.100.2\"; port = 80; method = \"l2dsr\";\n"
		"   backends = ( { address = \"198.18.0.13\"; mac = \"02:00:00:00:00:0e\"; } ); }\n"
		");\n";
	static const uint8_t port_mac[6] = { 2, 0, 0, 0, 0, 0x99 };
	struct sl_config c;
	struct sl_model m;
	struct sl_dp_state *s;
	char err[256] = "";
	uint32_t i, k, checked = 0;

	CU_ASSERT_FATAL(sl_config_load_string(text, "test", &c, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(sl_model_init(&m, &c, err, sizeof(err)) == 0);
	s = sl_model_snapshot(&m, 1, NULL, NULL, err, sizeof(err));
	if (!s)
		fprintf(stderr, "snapshot: %s\n", err);
	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < s->n_vips; i++) {
		const struct sl_dp_vip *v = &s->vips[i];

		for (k = 0; k < v->n_backends; k++) {
			const struct sl_dp_backend *b = &v->backends[k];
			struct sl_encap_params p;
			uint8_t a[66 + 100], x[66 + 100];
			int ra, rb;

			CU_ASSERT_FATAL(b->mac_ok);
			CU_ASSERT_NOT_EQUAL_FATAL(b->tmpl.kind, SL_TMPL_NONE);
			CU_ASSERT_EQUAL(b->tmpl.inner_family, v->key.family);
			memset(&p, 0, sizeof(p));
			p.method = v->method;
			p.outer_family = b->family;
			memcpy(p.outer_src, b->family == SL_AF_INET ? s->src_v4 : s->src_v6, 16);
			memcpy(p.outer_dst, b->addr, 16);
			memcpy(p.src_mac, port_mac, 6);
			memcpy(p.dst_mac, b->mac, 6);
			p.ttl = s->outer_ttl;
			p.gue_port = v->gue_port;
			p.entropy = 0xdeadbeefu;
			rnd_bytes(a + b->tmpl.len, 100);
			memcpy(x + b->tmpl.len, a + b->tmpl.len, 100);
			ra = sl_encap_write(a, &p, a + b->tmpl.len, 100, v->key.family, 0x2e);
			rb = sl_encap_tmpl_write(x, &b->tmpl, port_mac, x + b->tmpl.len, 100, 0x2e, 0xdeadbeefu);
			CU_ASSERT_EQUAL(ra, rb);
			CU_ASSERT(ra > 0 && memcmp(a, x, (size_t)ra) == 0);
			checked++;
		}
	}
	CU_ASSERT_EQUAL(checked, 4);
	sl_snapshot_free(s);
	sl_model_free(&m);
}

SL_CU_MAIN("fastpath",
	   { "flow hash: IPv4 fast path equals the definition", test_hash_v4_identity },
	   { "flow hash: IPv6 and hostile keys equal the definition", test_hash_other_keys_identity },
	   { "flow hash: fixed keys", test_hash_pinned },
	   { "template: same bytes and errors as sl_encap_write", test_tmpl_matches_reference },
	   { "template: GUE/IPv6 zero checksum sent as 0xffff", test_tmpl_gue6_zero_checksum },
	   { "template: bad input", test_tmpl_bad_input },
	   { "VIP lookup: in-place compare and memo equal the built key", test_vip_find_matches_get },
	   { "snapshot: every backend's template writes the reference bytes", test_snapshot_templates })
