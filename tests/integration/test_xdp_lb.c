/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP balancer against the DPDK worker's logic, packet by packet.
 *
 * A dataplane snapshot is built by the control plane's own model from a
 * config text (sl_model_init/apply + sl_model_snapshot), applied with sl_xdp_apply, and every frame goes through
 * BPF_PROG_TEST_RUN once (repeat = 1: later repeats would see the already
 * rewritten frame). The expected verdict and bytes come from a model that
 * makes worker.c's decisions with the shared C code: sl_pkt_parse, the VIP
 * index, sl_flow_hash/sl_maglev_slot on the snapshot's table, sl_encap_write,
 * sl_icmp_echo_reply, sl_icmp_too_big. Counters are checked as deltas.
 *
 * Runs as root in private network and mount namespaces (a veth pair with a
 * known MAC and MTU 1500, bpffs mounted on a temporary directory), so nothing
 * outside is touched; exits 77 (skipped) without root.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_main.h"
#include "../../common/encap.h"
#include "../../common/flow_hash.h"
#include "../../common/maglev.h"
#include "../../common/pkt_parse.h"
#include "../../config/config.h"
#include "../../control/model.h"
#include "lb_shared.h"
#include "xdp_lb.h"

/*
 * The flow table is per CPU: if the scheduler moved this process between two
 * test runs, an "established" flow would be new on the other CPU and could
 * be re-balanced, which is not what the tests mean to check. Pin to CPU 0.
 */
__attribute__((constructor)) static void pin_to_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

#define IFACE   "slx0"
#define PEER    "slx1"
#define IF_MAC  "02:00:5e:00:00:aa"
#define MTU     1500
#define MAXF    4096

static char pin_root[64];
static char pin_path[96];
static struct sl_config cfg;      /* what sl_xdp_open reads */
static struct sl_model mdl;       /* the control plane's model, changed by the tests */
static struct sl_dp_state *st_a;  /* the snapshot most tests run against */
static struct sl_xdp *xdp;
static uint8_t if_mac[6];

/* Every VIP a method x family combination; backends all have MACs (gateway_mac / mac). */
static const char *const conf_a =
	"dataplane = { type = \"xdp\"; xdp = { interface = \"" IFACE "\"; }; };\n"
	"flows = { entries = 4096; tcp_timeout = 300; udp_timeout = 30; };\n"
	"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\";\n"
	"  gateway_mac = \"02:00:5e:00:00:01\"; outer_ttl = 61; };\n"
	"vips = (\n"
	" { address = \"198.18.100.1\"; port = 80; method = \"gue\"; table_size = 251; backends = (\n"
	"   { address = \"198.18.0.11\"; }, { address = \"198.18.0.12\"; }, { address = \"198.18.0.13\"; weight = 200; } ); },\n"
	" { address = \"2001:db8:100::1\"; port = 80; method = \"gue\"; gue_port = 7777; backends = (\n"
	"   { address = \"2001:db8::11\"; }, { address = \"2001:db8::12\"; } ); },\n"
	" { address = \"198.18.100.2\"; port = 80; method = \"ipip\"; backends = (\n"
	"   { address = \"198.18.0.21\"; }, { address = \"198.18.0.22\"; } ); },\n"
	" { address = \"198.18.100.3\"; port = 53; protocol = \"udp\"; method = \"ip6tnl\"; backends = (\n"
	"   { address = \"2001:db8::31\"; }, { address = \"2001:db8::32\"; } ); },\n"
	" { address = \"2001:db8:100::2\"; port = 443; method = \"ip6tnl\"; hash = [ \"src_addr\" ]; backends = (\n"
	"   { address = \"2001:db8::41\"; }, { address = \"2001:db8::42\"; }, { address = \"2001:db8::43\"; } ); },\n"
	" { address = \"198.18.100.4\"; port = 0; method = \"l2dsr\"; backends = (\n"
	"   { address = \"198.18.0.51\"; mac = \"02:00:00:00:05:01\"; }, { address = \"198.18.0.52\"; mac = \"02:00:00:00:05:02\"; } ); },\n"
	" { address = \"2001:db8:100::3\"; port = 0; protocol = \"udp\"; method = \"l2dsr\"; backends = (\n"
	"   { address = \"2001:db8::61\"; mac = \"02:00:00:00:06:01\"; } ); },\n"
	" { address = \"198.18.100.5\"; port = 80; method = \"gue\"; backends = (\n"
	"   { address = \"2001:db8::71\"; }, { address = \"2001:db8::72\"; } ); },\n"
	" { address = \"2001:db8:100::4\"; port = 80; method = \"gue\"; backends = (\n"
	"   { address = \"198.18.0.81\"; }, { address = \"198.18.0.82\"; } ); },\n"
	" { address = \"198.18.100.6\"; port = 80; method = \"gue\"; backends = (\n"
	"   { address = \"198.18.0.91\"; weight = 0; } ); }\n"
	");\n";

/* ---- namespaces and setup ------------------------------------------------ */

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

static void teardown(void)
{
	if (xdp)
		sl_xdp_detach(xdp, true, NULL, 0);
	sl_xdp_close(xdp);
	sl_snapshot_free(st_a);
	sl_model_free(&mdl);
	sl_config_free(&cfg);
	if (pin_root[0]) {
		umount2(pin_root, MNT_DETACH);
		rmdir(pin_root);
	}
}

static void die(const char *what)
{
	fprintf(stderr, "test_xdp_lb setup: %s\n", what);
	teardown();
	exit(1);
}

/* Before CUnit starts: privileges, private namespaces, the veth, the loaded program. */
__attribute__((constructor)) static void setup(void)
{
	struct sl_config mcfg;
	char err[256];

	if (geteuid() != 0) {
		fprintf(stderr, "test_xdp_lb: needs root, skipped\n");
		exit(77);
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		die("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make mounts private");
	snprintf(pin_root, sizeof(pin_root), "/tmp/sl-xdp-test-%d", (int)getpid());
	if (mkdir(pin_root, 0700) < 0 || mount("bpf", pin_root, "bpf", 0, "mode=0700") < 0)
		die("mount bpffs");
	snprintf(pin_path, sizeof(pin_path), "%s/sluice", pin_root);
	if (sh("ip link add " IFACE " type veth peer name " PEER " && ip link set " IFACE
	       " address " IF_MAC " mtu 1500 up && ip link set " PEER " up"))
		die("veth");
	sl_mac_parse(IF_MAC, if_mac);
	if (sl_config_load_string(conf_a, "conf_a", &cfg, err, sizeof(err)))
		die(err);
	snprintf(cfg.xdp_pin_path, sizeof(cfg.xdp_pin_path), "%s", pin_path);
	if (sl_config_load_string(conf_a, "conf_a", &mcfg, err, sizeof(err)) ||
	    sl_model_init(&mdl, &mcfg, err, sizeof(err)))
		die(err);
	st_a = sl_model_snapshot(&mdl, 1, NULL, NULL, err, sizeof(err));
	if (!st_a)
		die(err);
	xdp = sl_xdp_open(&cfg, err, sizeof(err));
	if (!xdp)
		die(err);
	if (sl_xdp_apply(xdp, st_a, err, sizeof(err)))
		die(err);
	atexit(teardown);
}

/* ---- frames -------------------------------------------------------------- */

struct frame {
	uint8_t b[MAXF];
	uint32_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void addr_of(const char *s, uint8_t *out, int v6)
{
	CU_ASSERT_FATAL(inet_pton(v6 ? AF_INET6 : AF_INET, s, out) == 1);
}

struct flow_spec {
	const char *src, *dst;
	uint8_t proto;       /* 6, 17, 1, 58 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t tos;
	int vlan;            /* 0, 1 or 2 tags */
	uint32_t payload;
	uint32_t pad;        /* Ethernet padding after the IP packet */
	int no_df;
};

/* Ethernet (+ tags) + IPv4/IPv6 + TCP/UDP/ICMP echo request with @payload bytes. */
static void build(struct frame *f, const struct flow_spec *s)
{
	int v6 = strchr(s->dst, ':') != NULL;
	uint32_t off = 12, l4len, l3, i;
	uint8_t *ip, *l4;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, if_mac, 6);
	memcpy(f->b + 6, "\x02\x00\x00\x00\x00\x99", 6);
	for (i = 0; i < (uint32_t)s->vlan; i++, off += 4) {
		put16(f->b + off, i == 0 && s->vlan == 2 ? 0x88a8 : 0x8100);
		put16(f->b + off + 2, (uint16_t)(100 + i));
	}
	put16(f->b + off, v6 ? 0x86dd : 0x0800);
	l3 = off + 2;
	ip = f->b + l3;
	l4len = (s->proto == 6 ? 20 : 8) + s->payload;
	if (!v6) {
		ip[0] = 0x45;
		ip[1] = s->tos;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->no_df ? 0 : 0x4000);
		ip[8] = 64;
		ip[9] = s->proto;
		addr_of(s->src, ip + 12, 0);
		addr_of(s->dst, ip + 16, 0);
		l4 = ip + 20;
		f->len = l3 + 20 + l4len;
	} else {
		ip[0] = (uint8_t)(0x60 | s->tos >> 4);
		ip[1] = (uint8_t)(s->tos << 4);
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = s->proto;
		ip[7] = 64;
		addr_of(s->src, ip + 8, 1);
		addr_of(s->dst, ip + 24, 1);
		l4 = ip + 40;
		f->len = l3 + 40 + l4len;
	}
	if (s->proto == 6) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		l4[12] = 0x50;
		l4[13] = s->tcp_flags ? s->tcp_flags : 0x10;
	} else if (s->proto == 17) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
	} else {
		l4[0] = s->proto == 1 ? 8 : 128;
		put16(l4 + 4, s->sport);
		put16(l4 + 6, 7);
		put16(l4 + 2, 0xbeef); /* any checksum: the reply's is derived incrementally */
	}
	for (i = 0; i < s->payload; i++)
		l4[(s->proto == 6 ? 20 : 8) + i] = (uint8_t)(i * 7 + 1);
	f->len += s->pad;
}

/* ---- the model: worker.c's decisions with the shared C code --------------- */

struct outcome {
	int verdict;
	struct frame out;
	int drop;          /* reason when XDP_DROP */
	int slot;          /* backend slot chosen (forwarded), -1 otherwise */
};

/* @force_slot >= 0: the flow table holds that slot (an established flow). */
static void model(const struct frame *in, const struct sl_dp_state *st, int force_slot,
		  struct outcome *o)
{
	struct sl_pkt_info pi;
	const struct sl_dp_vip *vip;
	const struct sl_dp_backend *b;
	struct sl_encap_params ep;
	enum sl_pkt_class cls = sl_pkt_parse(in->b, in->len, &pi);
	uint32_t hash, bi;
	uint16_t hlen;
	int n;

	memset(o, 0, sizeof(*o));
	o->slot = -1;
	o->verdict = XDP_PASS;
	o->out = *in;
	if (cls == SL_PKT_DROP) {
		o->verdict = XDP_DROP;
		o->drop = pi.drop;
		return;
	}
	if (cls == SL_PKT_HOST)
		return;
	if (cls == SL_PKT_ICMP_ECHO) {
		if (!sl_dp_vip_find_addr(st, &pi.key))
			return;
		CU_ASSERT_FATAL(sl_icmp_echo_reply(o->out.b, o->out.len, &pi) == 0);
		o->verdict = XDP_TX;
		return;
	}
	vip = sl_dp_vip_find(st, &pi.key);
	if (!vip)
		return;
	hash = sl_flow_hash(&pi.key, SL_HF_ALL);
	bi = force_slot >= 0 ? (uint32_t)force_slot :
		vip->table[sl_maglev_slot(vip->hash_fields == SL_HF_ALL ? hash :
					  sl_flow_hash(&pi.key, vip->hash_fields), vip->table_size)];
	o->verdict = XDP_DROP;
	if (bi == SL_MAGLEV_EMPTY || bi >= vip->n_backends) {
		o->drop = SL_DROP_NO_BACKEND;
		return;
	}
	o->slot = (int)bi;
	b = &vip->backends[bi];
	if (!b->mac_ok) {
		o->drop = SL_DROP_NO_NEXTHOP;
		return;
	}
	hlen = sl_encap_hdr_len(vip->method, b->family);
	if (pi.l3_len + hlen - SL_ETH_HLEN > MTU) {
		o->drop = SL_DROP_TOO_BIG;
		if (pi.key.family == SL_AF_INET && !pi.df)
			return;
		n = sl_icmp_too_big(o->out.b, MAXF, in->b, in->len, &pi,
				    (uint16_t)(MTU - (hlen - SL_ETH_HLEN)),
				    pi.key.family == SL_AF_INET ? st->src_v4 : st->src_v6);
		if (n < 0)
			return;
		o->out.len = (uint32_t)n;
		o->verdict = XDP_TX;
		return;
	}
	memset(&ep, 0, sizeof(ep));
	ep.method = vip->method;
	ep.outer_family = b->family;
	memcpy(ep.outer_src, b->family == SL_AF_INET ? st->src_v4 : st->src_v6, sizeof(ep.outer_src));
	memcpy(ep.outer_dst, b->addr, sizeof(ep.outer_dst));
	memcpy(ep.src_mac, if_mac, 6);
	memcpy(ep.dst_mac, b->mac, 6);
	ep.ttl = st->outer_ttl;
	ep.gue_port = vip->gue_port;
	ep.entropy = hash;
	memcpy(o->out.b + hlen, in->b + pi.l3_off, pi.l3_len);
	n = sl_encap_write(o->out.b, &ep, o->out.b + hlen, pi.l3_len, pi.key.family, pi.tos);
	if (n < 0) {
		o->drop = SL_DROP_UNSUPPORTED;
		return;
	}
	o->out.len = (uint32_t)hlen + pi.l3_len;
	o->verdict = XDP_TX;
}

/* ---- running the program -------------------------------------------------- */

static uint64_t last_ns; /* the kernel's timing of the last run (includes test-run overhead) */

static int run(const struct frame *in, struct frame *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, t);

	t.data_in = in->b;
	t.data_size_in = in->len;
	t.data_out = out->b;
	t.data_size_out = sizeof(out->b);
	t.repeat = 1;
	CU_ASSERT_FATAL(bpf_prog_test_run_opts(sl_xdp_prog_fd(xdp), &t) == 0);
	out->len = t.data_size_out;
	last_ns = t.duration;
	return (int)t.retval;
}

static struct sl_lcore_ctr ctr_now(void)
{
	struct sl_lcore_ctr c;

	CU_ASSERT_FATAL(sl_xdp_read_counters(xdp, &c, NULL, 0, NULL, 0, NULL, 0) == 0);
	return c;
}

/* Run @in and check verdict, bytes and the drop counter against @o. Returns 1 if all matched. */
static int check(const struct frame *in, const struct outcome *o, const char *what)
{
	struct sl_lcore_ctr before = ctr_now(), after;
	struct frame out;
	int v = run(in, &out), ok;

	after = ctr_now();
	ok = v == o->verdict;
	if (ok && v != XDP_DROP)
		ok = out.len == o->out.len && memcmp(out.b, o->out.b, out.len) == 0;
	if (ok && v == XDP_DROP)
		ok = after.drops[o->drop] == before.drops[o->drop] + 1;
	ok = ok && after.rx == before.rx + 1;
	if (!ok) {
		uint32_t i;

		fprintf(stderr, "\n%s: verdict %d want %d, len %u want %u, drop %d\n", what, v,
			o->verdict, out.len, o->out.len, o->drop);
		for (i = 0; i < out.len && i < o->out.len; i++)
			if (out.b[i] != o->out.b[i]) {
				fprintf(stderr, "  first difference at byte %u: %02x want %02x\n", i,
					out.b[i], o->out.b[i]);
				break;
			}
	}
	CU_ASSERT(ok);
	return ok;
}

static void flush_flows(void)
{
	CU_ASSERT_FATAL(sl_xdp_flows_clear(xdp) == 0);
}

/* ---- tests ---------------------------------------------------------------- */

static const struct flow_spec vip_flows[] = {
	{ "198.18.7.1", "198.18.100.1", 6, 0, 80, 0, 0x2e, 0, 100, 0, 0 },   /* GUE v4 */
	{ "2001:db8:7::1", "2001:db8:100::1", 6, 0, 80, 0, 0xb8, 0, 333, 0, 0 }, /* GUE v6, odd length */
	{ "198.18.7.1", "198.18.100.2", 6, 0, 80, 0, 0x01, 0, 10, 0, 0 },   /* IPIP */
	{ "198.18.7.1", "198.18.100.3", 17, 0, 53, 0, 0, 0, 41, 0, 0 },     /* ip6tnl, v4 inner */
	{ "2001:db8:7::1", "2001:db8:100::2", 6, 0, 443, 0, 0x03, 0, 64, 0, 0 }, /* ip6tnl v6, hash src only */
	{ "198.18.7.1", "198.18.100.4", 6, 0, 8080, 0, 0, 0, 5, 0, 0 },     /* L2 DSR any-port */
	{ "2001:db8:7::1", "2001:db8:100::3", 17, 0, 9999, 0, 0, 0, 7, 0, 0 }, /* L2 DSR v6 any-port */
	{ "198.18.7.1", "198.18.100.5", 6, 0, 80, 0, 0, 0, 1201, 0, 0 },    /* GUE v4 in v6, long */
	{ "2001:db8:7::1", "2001:db8:100::4", 6, 0, 80, 0, 0, 0, 2, 0, 0 }, /* GUE v6 in v4 */
};
#define N_VIP_FLOWS (sizeof(vip_flows) / sizeof(vip_flows[0]))

/* Each method x family, many flows, with and without VLAN tags and padding. */
static void test_forward_bytes(void)
{
	struct frame in, out;
	struct outcome o;
	uint32_t i, j, k, tx = 0;
	uint64_t hit_ns = 0;
	char what[64];

	flush_flows();
	for (i = 0; i < N_VIP_FLOWS; i++) {
		for (j = 0; j < 60; j++) {
			struct flow_spec s = vip_flows[i];

			s.sport = (uint16_t)(1024 + j * 977);
			s.vlan = (int)(j % 3);
			s.pad = j % 4 == 1 ? 6 : 0;
			build(&in, &s);
			model(&in, st_a, -1, &o);
			CU_ASSERT(o.verdict == XDP_TX);
			snprintf(what, sizeof(what), "vip flow %u/%u", i, j);
			tx += check(&in, &o, what);
			/* Established-flow cost, one packet per run (repeat > 1 would re-feed our output). */
			for (k = 0; k < 10; k++) {
				run(&in, &out);
				hit_ns += last_ns;
			}
		}
	}
	CU_ASSERT(tx == N_VIP_FLOWS * 60);
	fprintf(stderr, "\n  established flow, mean over %u runs: %.0f ns per packet (test-run timing)\n",
		(unsigned)(N_VIP_FLOWS * 600), (double)hit_ns / (N_VIP_FLOWS * 600));
}

/* Counters as the DPDK worker keeps them: tx, flow misses then hits, VIP and backend rows. */
static void test_counters(void)
{
	struct sl_ctr vip0[16], be0[32], vip1[16], be1[32];
	struct sl_lcore_ctr a, b;
	struct flow_spec s = vip_flows[0];
	struct frame in, out;
	struct outcome o;
	struct sl_pkt_info pi;

	flush_flows();
	s.sport = 4242;
	build(&in, &s);
	model(&in, st_a, -1, &o);
	sl_pkt_parse(in.b, in.len, &pi);
	CU_ASSERT_FATAL(sl_xdp_read_counters(xdp, &a, NULL, 0, vip0, 16, be0, 32) == 0);
	CU_ASSERT(run(&in, &out) == XDP_TX);
	CU_ASSERT(run(&in, &out) == XDP_TX);
	CU_ASSERT_FATAL(sl_xdp_read_counters(xdp, &b, NULL, 0, vip1, 16, be1, 32) == 0);
	CU_ASSERT(b.rx == a.rx + 2 && b.tx == a.tx + 2);
	CU_ASSERT(b.flow_misses == a.flow_misses + 1 && b.flow_hits == a.flow_hits + 1);
	CU_ASSERT(vip1[0].pkts == vip0[0].pkts + 2 && vip1[0].new_flows == vip0[0].new_flows + 1);
	CU_ASSERT(vip1[0].bytes == vip0[0].bytes + 2u * pi.l3_len);
	CU_ASSERT(be1[o.slot].pkts == be0[o.slot].pkts + 2); /* VIP 0's backend ids are its slots */
	CU_ASSERT(be1[o.slot].new_flows == be0[o.slot].new_flows + 1);
	CU_ASSERT(vip1[1].pkts == vip0[1].pkts);
}

static void test_non_vip_pass(void)
{
	static const struct flow_spec specs[] = {
		{ "198.18.7.1", "198.18.100.1", 6, 1, 81, 0, 0, 0, 10, 0, 0 },   /* wrong port */
		{ "198.18.7.1", "198.18.100.9", 6, 1, 80, 0, 0, 0, 10, 0, 0 },   /* not a VIP */
		{ "198.18.7.1", "198.18.100.3", 6, 1, 53, 0, 0, 0, 10, 0, 0 },   /* wrong protocol */
		{ "2001:db8:7::1", "2001:db8:100::9", 17, 1, 80, 0, 0, 0, 10, 0, 0 },
		{ "198.18.7.1", "198.18.100.9", 1, 1, 0, 0, 0, 0, 10, 0, 0 },   /* echo, not a VIP */
	};
	struct sl_lcore_ctr a, b;
	struct frame in;
	struct outcome o;
	uint32_t i;

	a = ctr_now();
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		build(&in, &specs[i]);
		model(&in, st_a, -1, &o);
		CU_ASSERT(o.verdict == XDP_PASS);
		check(&in, &o, "non-VIP");
	}
	b = ctr_now();
	CU_ASSERT(b.host == a.host + i);
}

static void test_icmp_echo(void)
{
	static const struct flow_spec specs[] = {
		{ "198.18.7.1", "198.18.100.1", 1, 77, 0, 0, 0, 0, 56, 0, 0 },
		{ "198.18.7.1", "198.18.100.4", 1, 78, 0, 0, 0, 2, 56, 4, 0 },    /* two tags, padding */
		{ "2001:db8:7::1", "2001:db8:100::2", 58, 79, 0, 0, 0, 1, 56, 0, 0 },
	};
	struct sl_lcore_ctr a, b;
	struct frame in;
	struct outcome o;
	uint32_t i;

	a = ctr_now();
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		build(&in, &specs[i]);
		model(&in, st_a, -1, &o);
		CU_ASSERT(o.verdict == XDP_TX);
		check(&in, &o, "echo");
	}
	b = ctr_now();
	CU_ASSERT(b.icmp_echo == a.icmp_echo + i);
}

/* Over the MTU once encapsulated: the ICMP error back (DF / IPv6), or a counted drop. */
static void test_too_big(void)
{
	static const struct flow_spec specs[] = {
		{ "198.18.7.1", "198.18.100.1", 6, 5000, 80, 0, 0, 0, 1460, 0, 0 },    /* 1500 + 32 */
		{ "198.18.7.1", "198.18.100.1", 6, 5001, 80, 0, 0, 1, 1460, 0, 1 },    /* no DF: drop */
		{ "2001:db8:7::1", "2001:db8:100::2", 6, 5002, 443, 0, 0, 0, 1440, 0, 0 },
		{ "198.18.7.1", "198.18.100.2", 6, 5003, 80, 0, 0, 2, 1450, 0, 0 },   /* IPIP, tags */
		{ "198.18.7.1", "198.18.100.4", 6, 5004, 80, 0, 0, 0, 1460, 0, 0 },   /* L2 DSR fits */
	};
	struct sl_lcore_ctr a, b;
	struct frame in;
	struct outcome o;
	uint32_t i, sent = 0, dropped = 0;

	flush_flows();
	a = ctr_now();
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		build(&in, &specs[i]);
		model(&in, st_a, -1, &o);
		sent += o.verdict == XDP_TX && o.drop == SL_DROP_TOO_BIG;
		dropped += o.drop == SL_DROP_TOO_BIG;
		check(&in, &o, "too big");
	}
	b = ctr_now();
	CU_ASSERT(sent == 3 && dropped == 4);
	CU_ASSERT(b.icmp_too_big_sent == a.icmp_too_big_sent + sent);
	CU_ASSERT(b.drops[SL_DROP_TOO_BIG] == a.drops[SL_DROP_TOO_BIG] + dropped);
}

/* Frag-needed / packet-too-big about a VIP flow goes to that flow's backend, encapsulated whole. */
static void test_icmp_error_steered(void)
{
	struct flow_spec s = vip_flows[0], s6 = vip_flows[1];
	struct frame flow, err;
	struct outcome of, oe;
	struct sl_lcore_ctr a, b;
	uint8_t *ip, *icmp;
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		struct flow_spec *f = v6 ? &s6 : &s;
		uint32_t l3 = 14, qlen = v6 ? 48 : 28;

		f->sport = 3333;
		build(&flow, f);
		model(&flow, st_a, -1, &of);
		/* The error: router -> VIP, quoting VIP -> client. */
		memset(&err, 0, sizeof(err));
		memcpy(err.b, flow.b, 14);
		ip = err.b + l3;
		if (!v6) {
			ip[0] = 0x45;
			put16(ip + 2, (uint16_t)(20 + 8 + qlen));
			put16(ip + 6, 0x4000);
			ip[8] = 64;
			ip[9] = 1;
			addr_of("198.18.9.9", ip + 12, 0);
			memcpy(ip + 16, flow.b + l3 + 16, 4);
			icmp = ip + 20;
			icmp[0] = 3;
			icmp[1] = 4;
			put16(icmp + 6, 1400);
			memcpy(icmp + 8, flow.b + l3, 28);
			memcpy(icmp + 8 + 12, flow.b + l3 + 16, 4); /* quoted src = VIP */
			memcpy(icmp + 8 + 16, flow.b + l3 + 12, 4); /* quoted dst = client */
			put16(icmp + 8 + 20, 80);
			put16(icmp + 8 + 22, 3333);
			err.len = l3 + 20 + 8 + qlen;
		} else {
			ip[0] = 0x60;
			put16(ip + 4, (uint16_t)(8 + qlen));
			ip[6] = 58;
			ip[7] = 64;
			addr_of("2001:db8:9::9", ip + 8, 1);
			memcpy(ip + 24, flow.b + l3 + 24, 16);
			icmp = ip + 40;
			icmp[0] = 2;
			put16(icmp + 6, 1400);
			memcpy(icmp + 8, flow.b + l3, 48);
			memcpy(icmp + 8 + 8, flow.b + l3 + 24, 16);
			memcpy(icmp + 8 + 24, flow.b + l3 + 8, 16);
			put16(icmp + 8 + 40, 80);
			put16(icmp + 8 + 42, 3333);
			err.len = l3 + 40 + 8 + qlen;
		}
		model(&err, st_a, -1, &oe);
		CU_ASSERT(oe.verdict == XDP_TX && oe.slot == of.slot);
		a = ctr_now();
		check(&err, &oe, "icmp error");
		b = ctr_now();
		CU_ASSERT(b.icmp_err == a.icmp_err + 1);
	}
}

/* A VIP whose only backend is drained (weight 0): no_backend, like the worker. */
static void test_no_backend(void)
{
	struct flow_spec s = { "198.18.7.1", "198.18.100.6", 6, 1, 80, 0, 0, 0, 10, 0, 0 };
	struct frame in;
	struct outcome o;

	build(&in, &s);
	model(&in, st_a, -1, &o);
	CU_ASSERT(o.verdict == XDP_DROP && o.drop == SL_DROP_NO_BACKEND);
	check(&in, &o, "no backend");
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/*
 * Every truncation of valid frames, then random bit flips and cuts: the XDP
 * verdict, bytes and drop reason must be the DPDK parser's and worker's.
 */
static void test_hostile_differential(void)
{
	struct frame base, in;
	struct outcome o;
	uint32_t i, j, cut, bad = 0, drops = 0;

	flush_flows();
	for (i = 0; i < N_VIP_FLOWS; i++) {
		struct flow_spec s = vip_flows[i];

		s.vlan = (int)(i % 3);
		s.payload = 16;
		build(&base, &s);
		/* BPF_PROG_TEST_RUN refuses less than an Ethernet header; XDP never sees one. */
		for (cut = 14; cut < base.len; cut++) {
			in = base;
			in.len = cut;
			model(&in, st_a, -1, &o);
			drops += o.verdict == XDP_DROP;
			bad += !check(&in, &o, "truncated");
		}
	}
	for (j = 0; j < 3000 && bad < 5; j++) {
		struct flow_spec s = vip_flows[rnd() % N_VIP_FLOWS];
		uint32_t flips = 1 + rnd() % 4, k;

		s.vlan = (int)(rnd() % 3);
		s.sport = (uint16_t)rnd();
		s.payload = rnd() % 64;
		build(&in, &s);
		for (k = 0; k < flips; k++) {
			uint32_t at = rnd() % (in.len < 90 ? in.len : 90);

			in.b[at] ^= (uint8_t)(1u << (rnd() % 8));
		}
		if (rnd() % 4 == 0)
			in.len = rnd() % in.len;
		if (in.len < 14)
			in.len = 14;
		model(&in, st_a, -1, &o);
		drops += o.verdict == XDP_DROP;
		bad += !check(&in, &o, "fuzz");
	}
	CU_ASSERT(bad == 0);
	CU_ASSERT(drops > 100); /* the corpus really exercised the drop paths */
}

/* A source port whose flow @st_new would send to another slot than @st_old does. */
static uint16_t moved_port(const struct flow_spec *base, const struct sl_dp_state *st_old,
			   const struct sl_dp_state *st_new, uint16_t from, int *old_slot, int *new_slot)
{
	struct flow_spec s = *base;
	struct frame in;
	struct outcome o1, o2;
	uint16_t p;

	for (p = from; p < from + 20000; p++) {
		s.sport = p;
		build(&in, &s);
		model(&in, st_old, -1, &o1);
		model(&in, st_new, -1, &o2);
		if (o1.slot >= 0 && o2.slot >= 0 && o1.slot != o2.slot) {
			*old_slot = o1.slot;
			*new_slot = o2.slot;
			return p;
		}
	}
	CU_FAIL_FATAL("no moved flow found");
	return 0;
}

/* Reload @text into the model, as the daemon does, and snapshot it. */
static struct sl_dp_state *build_state(const char *text, uint64_t gen)
{
	struct sl_config c;
	struct sl_dp_state *st;
	char err[256];

	if (sl_config_load_string(text, "conf", &c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	if (sl_model_apply(&mdl, &c, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		sl_config_free(&c);
		return NULL;
	}
	st = sl_model_snapshot(&mdl, gen, NULL, NULL, err, sizeof(err));
	if (!st)
		fprintf(stderr, "%s\n", err);
	return st;
}

/* conf_a with a fourth backend on the first VIP: its table changes, old slots stay. */
static char *conf_b_text(void)
{
	const char *at = strstr(conf_a, "weight = 200; }");
	size_t pre = (size_t)(at - conf_a) + strlen("weight = 200; }");
	char *t = malloc(strlen(conf_a) + 128);

	memcpy(t, conf_a, pre);
	sprintf(t + pre, ", { address = \"198.18.0.14\"; weight = 300; }%s", conf_a + pre);
	return t;
}

/*
 * The flow table wins over a table change; new flows follow the new table
 * from the first packet after sl_xdp_apply returns; a RST is never remembered.
 */
static void test_flow_consistency_and_swap(void)
{
	char *tb = conf_b_text(), err[256];
	struct sl_dp_state *st_b = build_state(tb, 2);
	struct flow_spec est = vip_flows[0], fresh = vip_flows[0], rst = vip_flows[0];
	struct frame in, out;
	struct outcome o;
	struct sl_flow_key k;
	struct sl_pkt_info pi;
	struct sl_flow_key ek;
	struct sl_xdp_flow fe;
	int old_slot, new_slot;

	CU_ASSERT_FATAL(st_b != NULL);
	flush_flows();
	est.sport = moved_port(&est, st_a, st_b, 2000, &old_slot, &new_slot);
	fresh.sport = moved_port(&fresh, st_a, st_b, (uint16_t)(est.sport + 1), &old_slot, &new_slot);
	rst.sport = moved_port(&rst, st_a, st_b, (uint16_t)(fresh.sport + 1), &old_slot, &new_slot);
	rst.tcp_flags = 0x04;

	/* Under state A: establish one flow, send a RST of another. */
	build(&in, &est);
	model(&in, st_a, -1, &o);
	check(&in, &o, "establish");
	old_slot = o.slot;
	sl_pkt_parse(in.b, in.len, &pi);
	ek = pi.key;
	build(&in, &rst);
	model(&in, st_a, -1, &o);
	check(&in, &o, "rst under A");
	sl_pkt_parse(in.b, in.len, &pi);
	k = pi.key;
	/* The test runs on CPU 0 (main): the entries are that CPU's. */
	CU_ASSERT(sl_xdp_flow_find(xdp, &k, 0, &fe) == -ENOENT);
	CU_ASSERT(sl_xdp_flow_find(xdp, &ek, 0, &fe) == 0 && (int)fe.backend == old_slot &&
		  memcmp(&fe.key, &ek, sizeof(ek)) == 0);
	/* Hostile arguments. */
	CU_ASSERT(sl_xdp_flow_find(xdp, &ek, 1u << 30, &fe) == -ERANGE);
	CU_ASSERT(sl_xdp_flow_find(xdp, NULL, 0, &fe) == -EINVAL);
	CU_ASSERT(sl_xdp_flow_find(xdp, &ek, 0, NULL) == -EINVAL);

	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_b, err, sizeof(err)) == 0);
	/* Established: still the old backend, though B's table says otherwise. */
	build(&in, &est);
	model(&in, st_b, old_slot, &o);
	check(&in, &o, "established after swap");
	/* New flow: B's table at once. */
	build(&in, &fresh);
	model(&in, st_b, -1, &o);
	CU_ASSERT(o.slot >= 0);
	check(&in, &o, "fresh after swap");
	/* The RST's flow was not remembered: it follows B now too. */
	rst.tcp_flags = 0;
	build(&in, &rst);
	model(&in, st_b, -1, &o);
	check(&in, &o, "after rst");
	CU_ASSERT(sl_xdp_flow_find(xdp, &k, 0, &fe) == 0 && (int)fe.backend == o.slot);

	/* Back to A: the VIP's new flows use A's table again (buffer switched back). */
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_a, err, sizeof(err)) == 0);
	fresh.sport = (uint16_t)(fresh.sport + 20001);
	build(&in, &fresh);
	model(&in, st_a, -1, &o);
	check(&in, &o, "fresh after swap back");
	(void)run(&in, &out);
	free(tb);
	sl_snapshot_free(st_b);
}

/* A flow whose backend went down moves (flow_moved), as in the worker. */
static void test_backend_down_moves(void)
{
	struct flow_spec s = vip_flows[2];
	struct sl_model_backend *mb;
	struct sl_dp_state *st_c;
	struct frame in;
	struct outcome o;
	struct sl_lcore_ctr a, b;
	char err[256];

	flush_flows();
	s.sport = 777;
	build(&in, &s);
	model(&in, st_a, -1, &o);
	check(&in, &o, "before down");
	/* The model back at conf_a, with the flow's backend failing its health check. */
	st_c = build_state(conf_a, 3);
	CU_ASSERT_FATAL(st_c != NULL);
	sl_snapshot_free(st_c);
	mb = &mdl.vips[2].slots[o.slot];
	mb->health_on = true;
	mb->healthy = false;
	sl_model_vip_dirty(&mdl.vips[2]);
	st_c = sl_model_snapshot(&mdl, 3, NULL, NULL, err, sizeof(err));
	CU_ASSERT_FATAL(st_c != NULL);
	CU_ASSERT(!st_c->vips[2].backends[o.slot].up);
	mb->healthy = true;
	sl_model_vip_dirty(&mdl.vips[2]);
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_c, err, sizeof(err)) == 0);
	a = ctr_now();
	model(&in, st_c, -1, &o);
	check(&in, &o, "after down");
	b = ctr_now();
	CU_ASSERT(b.flow_moved == a.flow_moved + 1);
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_a, err, sizeof(err)) == 0);
	sl_snapshot_free(st_c);
}

/* A VIP removed from the snapshot is no longer balanced; adding it back works. */
static void test_vip_removed(void)
{
	const char *cut = strstr(conf_a, " { address = \"198.18.100.6\"");
	char *t = strndup(conf_a, (size_t)(cut - conf_a));
	struct sl_dp_state *st_d;
	struct flow_spec s = vip_flows[0];
	struct frame in;
	struct outcome o;
	char err[256];

	/* Drop the last VIP and the first one's trailing comma. */
	t[strlen(t) - 2] = '\n';
	t = realloc(t, strlen(t) + 8);
	strcat(t, ");\n");
	st_d = build_state(t, 4);
	CU_ASSERT_FATAL(st_d != NULL);
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_d, err, sizeof(err)) == 0);
	s.dst = "198.18.100.6";
	build(&in, &s);
	model(&in, st_d, -1, &o);
	CU_ASSERT(o.verdict == XDP_PASS);
	check(&in, &o, "removed VIP");
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_a, err, sizeof(err)) == 0);
	model(&in, st_a, -1, &o);
	CU_ASSERT(o.verdict == XDP_DROP);
	check(&in, &o, "re-added VIP");
	sl_snapshot_free(st_d);
	free(t);
}

/* A second handle (a restarted daemon) adopts the pinned maps: established flows stay put. */
static void test_adopt_on_restart(void)
{
	char *tb = conf_b_text(), err[256];
	struct sl_dp_state *st_b = build_state(tb, 5);
	struct flow_spec s = vip_flows[0];
	struct sl_xdp_status stat;
	struct sl_lcore_ctr before, after;
	struct sl_xdp *old = xdp;
	struct frame in;
	struct outcome o;
	int old_slot, new_slot;

	CU_ASSERT_FATAL(st_b != NULL);
	flush_flows();
	s.sport = moved_port(&s, st_a, st_b, 30000, &old_slot, &new_slot);
	build(&in, &s);
	model(&in, st_a, -1, &o);
	check(&in, &o, "before restart");
	before = ctr_now();

	xdp = sl_xdp_open(&cfg, err, sizeof(err));
	CU_ASSERT_FATAL(xdp != NULL);
	sl_xdp_close(old);
	sl_xdp_get_status(xdp, &stat);
	CU_ASSERT(stat.maps_adopted >= 8 && stat.maps_recreated == 0);
	after = ctr_now();
	CU_ASSERT(after.rx == before.rx); /* counters carried over, not reset */
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_b, err, sizeof(err)) == 0);
	model(&in, st_b, old_slot, &o);
	check(&in, &o, "after restart");
	CU_ASSERT_FATAL(sl_xdp_apply(xdp, st_a, err, sizeof(err)) == 0);
	sl_snapshot_free(st_b);
	free(tb);
}

static void test_attach_detach(void)
{
	struct sl_xdp_status s;
	char err[256];
	__u32 id = 0;

	CU_ASSERT_FATAL(sl_xdp_attach(xdp, err, sizeof(err)) == 0);
	sl_xdp_get_status(xdp, &s);
	CU_ASSERT(s.attached && !s.generic);
	CU_ASSERT(bpf_xdp_query_id(s.ifindex, 0, &id) == 0 && id == s.prog_id);
	/* Attaching again replaces our own program in place. */
	CU_ASSERT(sl_xdp_attach(xdp, err, sizeof(err)) == 0);
	CU_ASSERT(sl_xdp_detach(xdp, false, err, sizeof(err)) == 0);
	CU_ASSERT(bpf_xdp_query_id(s.ifindex, 0, &id) == 0 && id == 0);
	fprintf(stderr, "\n  verifier processed %u instructions; prog id %u\n", s.verified_insns,
		s.prog_id);
	CU_ASSERT(s.verified_insns > 0 && s.verified_insns < 1000000 / 4);
}

/*
 * Full buckets: 17 flows that share both of their buckets (found by
 * searching source addresses and ports with the program's bucket rule).
 * 16 fit; the 17th pushes out the entry closest to expiry -- the first
 * flow -- and is counted; a flow in the second bucket still hits; the first
 * flow comes back as a miss and pushes out another.
 */
#define FB_FLOWS 17
static void test_full_bucket_evicts(void)
{
	/* The config's flows.entries (4096) on each CPU: 512 buckets. */
	const uint32_t mask = 4096 / SL_XDP_FLOW_WAYS - 1;
	struct flow_spec specs[FB_FLOWS], s = vip_flows[0];
	char srcs[FB_FLOWS][32];
	struct sl_flow_key keys[FB_FLOWS], k;
	struct sl_lcore_ctr a, b;
	struct sl_xdp_flow fe;
	struct sl_pkt_info pi;
	struct frame in;
	struct outcome o;
	uint64_t ev0, ev1;
	uint32_t want = 0, n = 0, addr, port;
	int i;

	flush_flows();
	s.tcp_flags = 0x02;
	build(&in, &s);
	CU_ASSERT_FATAL(sl_pkt_parse(in.b, in.len, &pi) == SL_PKT_FLOW);
	k = pi.key;
	for (addr = 0; addr < 65536 && n < FB_FLOWS; addr++) {
		for (port = 1024; port < 65536 && n < FB_FLOWS; port++) {
			uint32_t h, pair;

			k.src[0] = htonl(0xc6130000u | addr); /* 198.19.0.0/16 */
			k.sport = htons((uint16_t)port);
			h = sl_flow_hash_all(&k);
			pair = (h & mask) << 16 | ((h ^ (h >> 16 | 1)) & mask);
			if (n == 0)
				want = pair;
			if (pair != want)
				continue;
			snprintf(srcs[n], sizeof(srcs[n]), "198.19.%u.%u", addr >> 8, addr & 255);
			specs[n] = s;
			specs[n].src = srcs[n];
			specs[n].sport = (uint16_t)port;
			keys[n] = k;
			n++;
		}
	}
	CU_ASSERT_FATAL(n == FB_FLOWS);
	CU_ASSERT_FATAL(sl_xdp_flow_evictions(xdp, &ev0) == 0);
	for (i = 0; i < FB_FLOWS - 1; i++) {
		build(&in, &specs[i]);
		model(&in, st_a, -1, &o);
		check(&in, &o, "fill both buckets");
	}
	CU_ASSERT(sl_xdp_flow_evictions(xdp, &ev1) == 0 && ev1 == ev0);
	for (i = 0; i < FB_FLOWS - 1; i++)
		CU_ASSERT(sl_xdp_flow_find(xdp, &keys[i], 0, &fe) == 0);
	CU_ASSERT(sl_xdp_flow_find(xdp, &keys[FB_FLOWS - 1], 0, &fe) == -ENOENT);

	build(&in, &specs[FB_FLOWS - 1]);
	model(&in, st_a, -1, &o);
	check(&in, &o, "17th flow");
	CU_ASSERT(sl_xdp_flow_evictions(xdp, &ev1) == 0 && ev1 == ev0 + 1);
	CU_ASSERT(sl_xdp_flow_find(xdp, &keys[0], 0, &fe) == -ENOENT);
	for (i = 1; i < FB_FLOWS; i++)
		CU_ASSERT(sl_xdp_flow_find(xdp, &keys[i], 0, &fe) == 0);

	/* The 12th flow lives in the second bucket: an ACK still hits. */
	specs[11].tcp_flags = 0x10;
	a = ctr_now();
	build(&in, &specs[11]);
	model(&in, st_a, -1, &o);
	check(&in, &o, "second bucket hit");
	b = ctr_now();
	CU_ASSERT(b.flow_hits == a.flow_hits + 1 && b.flow_misses == a.flow_misses);

	/* The evicted first flow is new again and pushes out the second. */
	specs[0].tcp_flags = 0x10;
	a = ctr_now();
	build(&in, &specs[0]);
	model(&in, st_a, -1, &o);
	check(&in, &o, "evicted flow returns");
	b = ctr_now();
	CU_ASSERT(b.flow_misses == a.flow_misses + 1 && b.flow_hits == a.flow_hits);
	CU_ASSERT(sl_xdp_flow_evictions(xdp, &ev1) == 0 && ev1 == ev0 + 2);
	CU_ASSERT(sl_xdp_flow_find(xdp, &keys[0], 0, &fe) == 0);
	/* Stamps tick every ~1 ms, so which equally old entry goes is not fixed:
	 * exactly one does. */
	for (i = 1, n = 0; i < FB_FLOWS; i++)
		n += sl_xdp_flow_find(xdp, &keys[i], 0, &fe) == 0;
	CU_ASSERT(n == FB_FLOWS - 2);
}

SL_CU_MAIN("xdp_lb",
	   { "forward_bytes", test_forward_bytes },
	   { "counters", test_counters },
	   { "non_vip_pass", test_non_vip_pass },
	   { "icmp_echo", test_icmp_echo },
	   { "too_big", test_too_big },
	   { "icmp_error_steered", test_icmp_error_steered },
	   { "no_backend", test_no_backend },
	   { "hostile_differential", test_hostile_differential },
	   { "flow_consistency_and_swap", test_flow_consistency_and_swap },
	   { "backend_down_moves", test_backend_down_moves },
	   { "full_bucket_evicts", test_full_bucket_evicts },
	   { "vip_removed", test_vip_removed },
	   { "adopt_on_restart", test_adopt_on_restart },
	   { "attach_detach", test_attach_detach })
