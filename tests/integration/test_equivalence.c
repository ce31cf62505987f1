/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fleet equivalence: the real DPDK worker (dataplane/worker.c) and the XDP
 * balancer (bpf/lb.bpf.c) fed the same 100,000+ random flows must choose the
 * same backends and send byte-identical frames.
 *
 * One config text -> one control-plane model -> one snapshot, applied to
 * both dataplanes (the worker reads it directly; sl_xdp_apply writes the
 * XDP maps). Every packet goes through sl_worker_process_burst as a burst of
 * one (output taken from the port's TX buffer) and through
 * BPF_PROG_TEST_RUN (repeat = 1). Compared per packet: verdict (TX / pass /
 * drop), the drop reason whose counter moved, the chosen backend, and every
 * output byte. Compared per phase: all counters. A third witness -- the
 * snapshot's Maglev table read directly -- checks that the backends agreed
 * on are the right ones, so two equally wrong dataplanes would fail too.
 *
 * Fields allowed to differ: none are masked. The one field that differs
 * between two real nodes, the Ethernet source (each node's own MAC), is
 * made equal by giving the worker's port the veth's MAC (docs/xdp.md).
 *
 * Root only (private network + mount namespaces, own bpffs); exits 77
 * (skipped) otherwise. SL_EQUIV_SEED=<n> replays a run, SL_EQUIV_FLOWS=<n>
 * changes the flow count (default 100000).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "cunit_main.h"
#include "../../common/flow_hash.h"
#include "../../common/maglev.h"
#include "../../common/pkt_parse.h"
#include "../../control/model.h"
#include "equiv_dpdk.h"
#include "equiv_fields.h"
#include "equiv_frame.h"
#include "equiv_xdp.h"
#include "xdp_lb.h"

#define IFACE        "sle0"
#define IF_MAC       "02:00:5e:00:00:aa"
#define CLIENT_MAC   "\x02\x00\x00\x00\x00\x99"
#define MTU          1500
#define DEF_FLOWS    100000u
#define FLOW_ENTRIES (1u << 21) /* worker table: ~5% full at 100k flows, so no bucket overflows */
#define HOSTILE      20000u
#define MAX_BE       6
#define MAX_REPORTS  8

/* ---- the config: every method, both families, weights 1..500 ------------ */

struct be_spec {
	const char *addr;
	unsigned weight;
};

struct vip_spec {
	const char *name, *addr, *proto, *method, *extra;
	uint16_t port;  /* 0: any port */
	struct be_spec be[MAX_BE];
};

static const struct vip_spec vips[] = {
	{ "v4-gue", "198.18.100.1", "tcp", "gue", "table_size = 251; ", 80,
	  { { "198.18.1.1", 1 }, { "198.18.1.2", 50 }, { "198.18.1.3", 100 }, { "198.18.1.4", 250 },
	    { "198.18.1.5", 500 } } },
	{ "v4-ipip", "198.18.100.2", "tcp", "ipip", "", 443,
	  { { "198.18.2.1", 10 }, { "198.18.2.2", 20 }, { "198.18.2.3", 300 }, { "198.18.2.4", 470 } } },
	{ "v4-udp-ip6tnl", "198.18.100.3", "udp", "ip6tnl", "", 53,
	  { { "2001:db8:3::1", 100 }, { "2001:db8:3::2", 200 }, { "2001:db8:3::3", 300 },
	    { "2001:db8:3::4", 400 } } },
	{ "v4-anyport-l2dsr", "198.18.100.4", "tcp", "l2dsr", "", 0,
	  { { "198.18.4.1", 7 }, { "198.18.4.2", 77 }, { "198.18.4.3", 177 }, { "198.18.4.4", 377 } } },
	{ "v4-gue-v6", "198.18.100.5", "tcp", "gue", "", 8080,
	  { { "2001:db8:5::1", 5 }, { "2001:db8:5::2", 55 }, { "2001:db8:5::3", 255 } } },
	{ "v6-gue-srcaddr", "2001:db8:100::1", "tcp", "gue", "hash = [ \"src_addr\" ]; ", 443,
	  { { "2001:db8:6::1", 1 }, { "2001:db8:6::2", 25 }, { "2001:db8:6::3", 125 },
	    { "2001:db8:6::4", 250 }, { "2001:db8:6::5", 500 } } },
	{ "v6-ip6tnl", "2001:db8:100::2", "tcp", "ip6tnl", "", 80,
	  { { "2001:db8:7::1", 33 }, { "2001:db8:7::2", 66 }, { "2001:db8:7::3", 99 },
	    { "2001:db8:7::4", 333 } } },
	{ "v6-udp-gue-v4", "2001:db8:100::3", "udp", "gue", "gue_port = 7777; ", 4500,
	  { { "198.18.8.1", 400 }, { "198.18.8.2", 200 }, { "198.18.8.3", 2 } } },
	{ "v6-anyport-udp-l2dsr", "2001:db8:100::4", "udp", "l2dsr", "", 0,
	  { { "2001:db8:9::1", 111 }, { "2001:db8:9::2", 222 }, { "2001:db8:9::3", 444 } } },
};
#define N_VIPS (sizeof(vips) / sizeof(vips[0]))

/* The table change: this backend leaves this VIP (a heavy one, so many flows move). */
#define CHANGE_VIP 0
#define CHANGE_BE  3

/* Config text with every VIP, leaving out backend @skip_be of VIP @skip_vip (-1: none). */
static char *config_text(int skip_vip, int skip_be)
{
	size_t cap = 16384, n = 0;
	char *t = malloc(cap);
	unsigned v, b;

	if (!t)
		return NULL;
	n += (size_t)snprintf(t + n, cap - n,
		"dataplane = { type = \"xdp\"; xdp = { interface = \"" IFACE "\"; }; };\n"
		/* No flow times out during a run: both dataplanes would expire on their own clocks. */
		"flows = { entries = 524288; tcp_timeout = 3600; udp_timeout = 3600; };\n"
		"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; outer_ttl = 62; };\n"
		"vips = (\n");
	for (v = 0; v < N_VIPS; v++) {
		const struct vip_spec *s = &vips[v];

		n += (size_t)snprintf(t + n, cap - n,
			" { name = \"%s\"; address = \"%s\"; port = %u; protocol = \"%s\"; method = \"%s\"; %s"
			"backends = (", s->name, s->addr, s->port, s->proto, s->method, s->extra);
		for (b = 0; b < MAX_BE && s->be[b].addr; b++) {
			if ((int)v == skip_vip && (int)b == skip_be)
				continue;
			/* Every backend its own MAC, so the destination MAC names the backend. */
			n += (size_t)snprintf(t + n, cap - n,
				"%s{ address = \"%s\"; weight = %u; mac = \"02:00:5e:10:%02x:%02x\"; }",
				n && t[n - 1] == '(' ? " " : ", ", s->be[b].addr, s->be[b].weight, v, b);
		}
		n += (size_t)snprintf(t + n, cap - n, " ); }%s\n", v + 1 < N_VIPS ? "," : "");
	}
	snprintf(t + n, cap - n, ");\n");
	return t;
}

/* ---- fixture: both dataplanes on one snapshot ------------------------------ */

static struct sl_config xcfg;       /* what sl_xdp_open reads */
static struct sl_model mdl;
static struct sl_dp_state *st1, *st2;
static struct eq_dpdk dpdk;
static struct eq_xdp xdp;
static struct eq_target targets[N_VIPS];
static uint8_t if_mac[6];
static uint64_t seed;
static uint32_t n_flows = DEF_FLOWS;

static void teardown(void)
{
	eq_xdp_fini(&xdp);
	eq_dpdk_fini(&dpdk);
	if (st2)
		sl_snapshot_free(st2);
	if (st1)
		sl_snapshot_free(st1);
	sl_model_free(&mdl);
	sl_config_free(&xcfg);
	rte_eal_cleanup();
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "test_equivalence setup: %s: %s\n", what, err);
	teardown();
	exit(1);
}

static void make_targets(void)
{
	unsigned v;

	for (v = 0; v < N_VIPS; v++) {
		struct eq_target *t = &targets[v];

		t->family = strchr(vips[v].addr, ':') ? SL_AF_INET6 : SL_AF_INET;
		t->proto = strcmp(vips[v].proto, "udp") == 0 ? 17 : 6;
		t->port = vips[v].port;
		if (inet_pton(t->family == SL_AF_INET ? AF_INET : AF_INET6, vips[v].addr, t->addr) != 1)
			die("VIP address", vips[v].addr);
	}
}

__attribute__((constructor)) static void setup(void)
{
	char err[256], pin[128];
	struct sl_config mcfg;
	const char *env;
	char *text;

	if (geteuid() != 0) {
		fprintf(stderr, "test_equivalence: needs root, skipped\n");
		exit(77);
	}
	env = getenv("SL_EQUIV_SEED");
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) << 16 ^ (uint64_t)getpid();
	env = getenv("SL_EQUIV_FLOWS");
	if (env && strtoul(env, NULL, 0) > 0)
		n_flows = (uint32_t)strtoul(env, NULL, 0);
	fprintf(stderr, "test_equivalence: seed %llu (SL_EQUIV_SEED=%llu replays), %u flows\n",
		(unsigned long long)seed, (unsigned long long)seed, n_flows);
	make_targets();
	sl_mac_parse(IF_MAC, if_mac);

	/* Namespaces before the EAL: unshare(CLONE_NEWNS) needs a single-threaded process. */
	if (eq_xdp_netns(&xdp, IFACE, IF_MAC, MTU, pin, sizeof(pin), err, sizeof(err)))
		die("namespaces", err);
	if (eq_dpdk_eal_init("test_equivalence"))
		die("rte_eal_init", "failed");

	text = config_text(-1, -1);
	if (!text)
		die("config", "out of memory");
	if (sl_config_load_string(text, "equiv", &xcfg, err, sizeof(err)) ||
	    sl_config_load_string(text, "equiv", &mcfg, err, sizeof(err)))
		die("config", err);
	free(text);
	snprintf(xcfg.xdp_pin_path, sizeof(xcfg.xdp_pin_path), "%s", pin);
	if (sl_model_init(&mdl, &mcfg, err, sizeof(err)))
		die("model", err);
	st1 = sl_model_snapshot(&mdl, 1, NULL, NULL, err, sizeof(err));
	if (!st1)
		die("snapshot", err);
	if (eq_dpdk_init(&dpdk, FLOW_ENTRIES, if_mac, MTU, st1, err, sizeof(err)))
		die("worker", err);
	if (eq_xdp_open(&xdp, &xcfg, err, sizeof(err)))
		die("sl_xdp_open", err);
	if (sl_xdp_apply(xdp.x, st1, err, sizeof(err)))
		die("sl_xdp_apply", err);
	atexit(teardown);
}

/* ---- comparing one packet ------------------------------------------------- */

struct tally {
	uint64_t packets, identical, mismatches;
	uint64_t forwarded, too_big_replies, dropped, passed;
	uint64_t other_tx;       /* sent, but not attributed to a VIP's backend (hostile input, echo replies) */
	uint64_t witness_bad;    /* agreed on a backend the snapshot's table does not name */
	uint64_t per_method[SL_FWD__MAX];
};

static struct tally total;
static unsigned reports;

static uint32_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static const char *verdict_name(int v)
{
	static const char *const n[] = { "drop", "pass", "tx", "other" };

	return v >= 0 && v <= EQ_OTHER ? n[v] : "?";
}

static void report(const char *what, const uint8_t *in, uint32_t in_len, const struct eq_out *d,
		   const struct eq_out *x)
{
	char field[64];
	uint32_t i, n = d->len < x->len ? d->len : x->len;

	if (reports++ >= MAX_REPORTS)
		return;
	fprintf(stderr, "\n  MISMATCH (%s): dpdk %s/drop %d/%u bytes, xdp %s/drop %d/%u bytes; input %u bytes:",
		what, verdict_name(d->verdict), d->drop, d->len, verdict_name(x->verdict), x->drop, x->len,
		in_len);
	for (i = 0; i < in_len && i < 64; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", in[i]);
	for (i = 0; i < n; i++)
		if (d->b[i] != x->b[i]) {
			fprintf(stderr, "\n    first differing byte %u (%s): dpdk %02x, xdp %02x", i,
				eq_field_name(d->b, d->len, i, field, sizeof(field)), d->b[i], x->b[i]);
			break;
		}
	fprintf(stderr, "\n");
}

/*
 * Run @in through both dataplanes and compare everything. @vi: the VIP the
 * frame was built for (-1: unknown, hostile input). Returns the backend slot
 * both sent to (>= 0), EQ_NOT_A_BACKEND when nothing went to a backend, or
 * -3 on a mismatch.
 */
static int run_both(const uint8_t *in, uint32_t len, int vi, const struct sl_dp_state *st,
		    struct tally *t, const char *what)
{
	static struct eq_out d, x;
	int same, slot = EQ_NOT_A_BACKEND;

	CU_ASSERT_FATAL(eq_dpdk_run(&dpdk, in, len, now_ms(), &d) == 0);
	CU_ASSERT_FATAL(eq_xdp_run(&xdp, in, len, &x) == 0);
	t->packets++;
	same = d.verdict == x.verdict && d.drop == x.drop && d.verdict != EQ_OTHER;
	if (same && d.verdict == EQ_TX)
		same = d.len == x.len && memcmp(d.b, x.b, d.len) == 0;
	if (same && d.verdict == EQ_TX && vi >= 0) {
		slot = eq_backend_of(&st->vips[vi], d.b, d.len);
		same = slot != EQ_BACKEND_CONFUSED &&
		       slot == eq_backend_of(&st->vips[vi], x.b, x.len);
	}
	if (!same) {
		t->mismatches++;
		report(what, in, len, &d, &x);
		return -3;
	}
	t->identical++;
	if (d.verdict == EQ_TX && slot >= 0) {
		t->forwarded++;
		t->per_method[st->vips[vi].method]++;
	} else if (d.verdict == EQ_TX && d.drop == SL_DROP_TOO_BIG) {
		t->too_big_replies++;
	} else if (d.verdict == EQ_TX) {
		t->other_tx++;
	} else if (d.verdict == EQ_PASS) {
		t->passed++;
	} else {
		t->dropped++;
	}
	return slot;
}

/* The slot a new flow must get: the snapshot's Maglev table read directly (the third witness). */
static int table_slot(const uint8_t *in, uint32_t len, const struct sl_dp_vip *vip)
{
	struct sl_pkt_info pi;
	uint32_t h, bi;

	if (sl_pkt_parse(in, len, &pi) != SL_PKT_FLOW)
		return -1;
	h = sl_flow_hash(&pi.key, vip->hash_fields);
	bi = vip->table[sl_maglev_slot(h, vip->table_size)];
	return bi == SL_MAGLEV_EMPTY ? -1 : (int)bi;
}

static void add_tally(struct tally *to, const struct tally *t)
{
	int m;

	to->packets += t->packets;
	to->identical += t->identical;
	to->mismatches += t->mismatches;
	to->forwarded += t->forwarded;
	to->too_big_replies += t->too_big_replies;
	to->dropped += t->dropped;
	to->passed += t->passed;
	to->other_tx += t->other_tx;
	to->witness_bad += t->witness_bad;
	for (m = 0; m < SL_FWD__MAX; m++)
		to->per_method[m] += t->per_method[m];
}

static void print_tally(const char *phase, const struct tally *t, double secs)
{
	fprintf(stderr,
		"\n  %s: %llu packets, %llu identical, %llu mismatches, 0 masked fields; "
		"%llu forwarded (gue %llu, ipip %llu, ip6tnl %llu, l2dsr %llu), %llu ICMP too-big "
		"replies, %llu other sent, %llu dropped, %llu passed; table witness disagreed %llu; %.1f s\n",
		phase, (unsigned long long)t->packets, (unsigned long long)t->identical,
		(unsigned long long)t->mismatches, (unsigned long long)t->forwarded,
		(unsigned long long)t->per_method[SL_FWD_GUE],
		(unsigned long long)t->per_method[SL_FWD_IPIP],
		(unsigned long long)t->per_method[SL_FWD_IP6TNL],
		(unsigned long long)t->per_method[SL_FWD_L2DSR],
		(unsigned long long)t->too_big_replies, (unsigned long long)t->other_tx,
		(unsigned long long)t->dropped,
		(unsigned long long)t->passed, (unsigned long long)t->witness_bad, secs);
}

/* ---- the flows ------------------------------------------------------------ */

struct flow_rec {
	struct eq_flow f;
	uint8_t vip;
	int16_t slot;   /* backend both chose before the change; -1 if no packet was forwarded */
};

static struct flow_rec *flows;
static struct eq_rng rng;

#define TCP_SYN 0x02
#define TCP_ACK 0x10

/*
 * Each flow's first packet (SYN or UDP: a new flow in both tables) and a
 * second one (ACK or UDP: established). Payload 0..1460 bytes, so a few
 * percent exceed the MTU once encapsulated and take the ICMP too-big path.
 */
static void test_new_and_established(void)
{
	static uint8_t in[EQ_FRAME_MAX];
	struct tally t = { 0 };
	struct timespec t0;
	uint32_t i, len, est_same = 0, est_known = 0;
	uint32_t used[N_VIPS][MAX_BE] = { { 0 } };
	int s1, s2, w;

	flows = calloc(n_flows, sizeof(*flows));
	CU_ASSERT_FATAL(flows != NULL);
	rng.s = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n_flows; i++) {
		struct flow_rec *r = &flows[i];

		r->vip = (uint8_t)eq_rand_below(&rng, N_VIPS);
		eq_flow_random(&rng, &targets[r->vip], &r->f);
		len = eq_frame_build(&rng, &r->f, TCP_SYN, eq_rand_below(&rng, 1461),
				     (const uint8_t *)CLIENT_MAC, if_mac, in);
		s1 = run_both(in, len, r->vip, st1, &t, "new flow");
		if (s1 >= 0) {
			w = table_slot(in, len, &st1->vips[r->vip]);
			t.witness_bad += w != s1;
		}
		len = eq_frame_build(&rng, &r->f, TCP_ACK, eq_rand_below(&rng, 1461),
				     (const uint8_t *)CLIENT_MAC, if_mac, in);
		s2 = run_both(in, len, r->vip, st1, &t, "established");
		if (s1 >= 0 && s2 >= 0) {
			est_known++;
			est_same += s1 == s2;
		}
		r->slot = (int16_t)(s1 >= 0 ? s1 : s2 >= 0 ? s2 : -1);
		if (r->slot >= 0)
			used[r->vip][r->slot]++;
	}
	print_tally("new + established", &t, secs_since(&t0));
	add_tally(&total, &t);
	CU_ASSERT(t.packets == 2ull * n_flows);
	CU_ASSERT(t.mismatches == 0);
	CU_ASSERT(t.witness_bad == 0);
	CU_ASSERT(est_same == est_known);
	/* Not vacuous: nearly everything was forwarded, the too-big path was taken too,
	 * and every backend (weights from 1 to 500) received flows. */
	CU_ASSERT(t.forwarded > 2ull * n_flows * 9 / 10);
	CU_ASSERT(t.too_big_replies > 0);
	for (i = 0; i < N_VIPS; i++) {
		uint32_t b;

		for (b = 0; b < MAX_BE && vips[i].be[b].addr; b++)
			if (n_flows >= DEF_FLOWS && vips[i].be[b].weight >= 50)
				CU_ASSERT(used[i][b] > 0);
	}
	CU_ASSERT(eq_dpdk_evictions(&dpdk) == 0);
}

/*
 * One backend leaves one VIP (model reload -> new snapshot -> both
 * dataplanes). The same flows again: flows on other backends keep them even
 * where the new table points elsewhere; the removed backend's flows move,
 * both to the new table's choice. Then fresh flows follow the new table.
 */
static void test_after_table_change(void)
{
	static uint8_t in[EQ_FRAME_MAX];
	struct tally t = { 0 };
	struct timespec t0;
	struct sl_config c2;
	char err[256], *text = config_text(CHANGE_VIP, CHANGE_BE);
	uint32_t i, len, kept = 0, held = 0, moved = 0, wrong = 0, fresh;
	int s, now_table;

	CU_ASSERT_FATAL(flows != NULL && text != NULL);
	CU_ASSERT_FATAL(sl_config_load_string(text, "equiv-changed", &c2, err, sizeof(err)) == 0);
	free(text);
	CU_ASSERT_FATAL(sl_model_apply(&mdl, &c2, err, sizeof(err)) == 0);
	st2 = sl_model_snapshot(&mdl, 2, NULL, NULL, err, sizeof(err));
	CU_ASSERT_FATAL(st2 != NULL);
	CU_ASSERT_FATAL(!st2->vips[CHANGE_VIP].backends[CHANGE_BE].up);
	CU_ASSERT_FATAL(sl_xdp_apply(xdp.x, st2, err, sizeof(err)) == 0);
	dpdk.st = st2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n_flows; i++) {
		struct flow_rec *r = &flows[i];
		const struct sl_dp_vip *v = &st2->vips[r->vip];

		/* At most 200 bytes: always fits, so the backend is visible. */
		len = eq_frame_build(&rng, &r->f, TCP_ACK, eq_rand_below(&rng, 201),
				     (const uint8_t *)CLIENT_MAC, if_mac, in);
		s = run_both(in, len, r->vip, st2, &t, "after change");
		if (s < 0 || r->slot < 0)
			continue;
		now_table = table_slot(in, len, v);
		if (v->backends[r->slot].up) {
			kept += s == r->slot;
			held += s == r->slot && now_table != r->slot;
			wrong += s != r->slot;
		} else {
			moved += s == now_table;
			wrong += s != now_table;
		}
	}
	/* Fresh flows after the change: the new table from their first packet. */
	fresh = n_flows / 5;
	for (i = 0; i < fresh; i++) {
		struct eq_flow f;
		uint8_t vi = (uint8_t)eq_rand_below(&rng, N_VIPS);

		eq_flow_random(&rng, &targets[vi], &f);
		len = eq_frame_build(&rng, &f, TCP_SYN, eq_rand_below(&rng, 1461),
				     (const uint8_t *)CLIENT_MAC, if_mac, in);
		s = run_both(in, len, vi, st2, &t, "fresh after change");
		if (s >= 0)
			t.witness_bad += table_slot(in, len, &st2->vips[vi]) != s;
		if (s >= 0 && vi == CHANGE_VIP)
			wrong += s == CHANGE_BE;
	}
	print_tally("after removing one backend", &t, secs_since(&t0));
	fprintf(stderr, "  established flows: %u kept their backend (%u of them against the new table), "
		"%u moved off the removed backend to the new table's choice, %u wrong\n",
		kept, held, moved, wrong);
	add_tally(&total, &t);
	CU_ASSERT(t.mismatches == 0);
	CU_ASSERT(t.witness_bad == 0);
	CU_ASSERT(wrong == 0);
	/* The change really moved flows, and the flow tables really held others. */
	CU_ASSERT(moved > 0);
	if (n_flows >= DEF_FLOWS / 10)
		CU_ASSERT(held > 0);
	CU_ASSERT(eq_dpdk_evictions(&dpdk) == 0);
}

/*
 * Hostile input: valid frames (to VIPs and to addresses that are not VIPs)
 * with 1-4 flipped bits in their headers and a quarter of them cut short.
 * Verdict, drop reason and bytes must still agree.
 */
static void test_hostile(void)
{
	static uint8_t in[EQ_FRAME_MAX];
	struct tally t = { 0 };
	struct timespec t0;
	uint32_t i, k, len;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < HOSTILE; i++) {
		struct eq_target tg = targets[eq_rand_below(&rng, N_VIPS)];
		struct eq_flow f;
		uint32_t flips = 1 + eq_rand_below(&rng, 4);

		if (eq_rand_below(&rng, 8) == 0)
			tg.addr[3] ^= 0x40; /* not a VIP */
		eq_flow_random(&rng, &tg, &f);
		len = eq_frame_build(&rng, &f, (uint8_t)eq_rand(&rng), eq_rand_below(&rng, 1461),
				     (const uint8_t *)CLIENT_MAC, if_mac, in);
		for (k = 0; k < flips; k++)
			in[12 + eq_rand_below(&rng, (len < 90 ? len : 90) - 12)] ^=
				(uint8_t)(1u << eq_rand_below(&rng, 8));
		/* XDP never sees less than an Ethernet header (test runs refuse it too). */
		if (eq_rand_below(&rng, 4) == 0)
			len = 14 + eq_rand_below(&rng, len - 14);
		run_both(in, len, -1, st2 ? st2 : st1, &t, "hostile");
	}
	print_tally("hostile", &t, secs_since(&t0));
	add_tally(&total, &t);
	CU_ASSERT(t.mismatches == 0);
	CU_ASSERT(t.dropped > HOSTILE / 20); /* the corpus reached the drop paths */
	CU_ASSERT(t.passed > 0);
}

/* All counters, summed over the run: the worker's rows and the XDP program's. */
static void test_counters(void)
{
	static struct sl_ctr xv[SL_MAX_VIP_IDS], xb[SL_MAX_BACKEND_IDS];
	const struct sl_lcore_ctr *d = &dpdk.w->ctr;
	struct sl_lcore_ctr x;
	uint32_t v, b, bad = 0;

	CU_ASSERT_FATAL(sl_xdp_read_counters(xdp.x, &x, NULL, 0, xv, SL_MAX_VIP_IDS, xb,
					     SL_MAX_BACKEND_IDS) == 0);
	/* host_from_kernel is the worker's exception-port path, which XDP does not have. */
	x.host_from_kernel = d->host_from_kernel;
	if (memcmp(d, &x, sizeof(x)) != 0) {
		const uint64_t *dw = (const uint64_t *)d, *xw = (const uint64_t *)&x;

		for (v = 0; v < sizeof(x) / sizeof(uint64_t); v++)
			if (dw[v] != xw[v])
				fprintf(stderr, "\n  counter word %u: dpdk %llu, xdp %llu", v,
					(unsigned long long)dw[v], (unsigned long long)xw[v]);
		bad++;
	}
	for (v = 0; v < st1->n_vips; v++) {
		const struct sl_dp_vip *vip = &st1->vips[v];

		bad += memcmp(&dpdk.w->vip_ctr[vip->id], &xv[vip->id], sizeof(xv[0])) != 0;
		for (b = 0; b < vip->n_backends; b++)
			bad += memcmp(&dpdk.w->backend_ctr[vip->backends[b].id],
				      &xb[vip->backends[b].id], sizeof(xb[0])) != 0;
	}
	fprintf(stderr, "\n  counters: rx %llu, tx %llu, hits %llu, misses %llu, moved %llu, too_big %llu "
		"(%llu answered); %u rows differ\n",
		(unsigned long long)d->rx, (unsigned long long)d->tx, (unsigned long long)d->flow_hits,
		(unsigned long long)d->flow_misses, (unsigned long long)d->flow_moved,
		(unsigned long long)d->drops[SL_DROP_TOO_BIG],
		(unsigned long long)d->icmp_too_big_sent, bad);
	CU_ASSERT(bad == 0);
	CU_ASSERT(d->rx == total.packets);
	CU_ASSERT(d->flow_moved > 0 && d->flow_hits > n_flows);
	print_tally("total", &total, 0);
	fprintf(stderr, "  XDP test-run time: %.0f ns per packet (kernel timing, repeat 1)\n",
		total.packets ? (double)xdp.run_ns / (double)total.packets : 0.0);
	free(flows);
	flows = NULL;
}

SL_CU_MAIN("equivalence",
	   { "new_and_established", test_new_and_established },
	   { "after_table_change", test_after_table_change },
	   { "hostile", test_hostile },
	   { "counters", test_counters })
