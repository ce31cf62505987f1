/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-pipeline: what each stage of the DPDK worker costs per
 * packet on one core, and what the whole sl_worker_process_burst costs for
 * established and for new flows.
 *
 * Runs the real worker code against an in-memory config and dataplane
 * state, a net_null TX port and prebuilt template frames (see
 * pipe_fixture.h, pipe_frames.h, pipe_stages.h for what each stage
 * includes). Every packet is restored from its template before each use and
 * that restore is measured alone and subtracted: both raw and net figures
 * are printed. Bursts of 32, random flow order, the best of --reps runs.
 * Speed is printed and compared with the 30 ns/packet target for
 * established flows, never asserted; what is checked (exit status 1) is
 * that every stage handled every packet as it should (parsed, found, hit,
 * transmitted...), so a broken pipeline cannot report a fast one.
 *
 * Usage: sluice-bench-pipeline [--flows N,N,...] [--method-flows N]
 *          [--packets N] [--reps N] [--lcore N] [--huge] [--csv] [--smoke]
 *          [-- EAL arguments...]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "pipe_fixture.h"
#include "pipe_frames.h"
#include "pipe_stages.h"

#define TARGET_NS      30.0
#define MAX_FLOW_SETS  8
#define MAX_REPS       31
#define NOW_MS         1000u
#define DEFAULT_TABLE  (1u << 20)  /* flows.entries' default */

struct opts {
	uint32_t flows[MAX_FLOW_SETS];
	uint32_t n_flows;
	uint32_t method_flows;
	uint32_t packets;
	uint32_t reps;
	unsigned lcore;
	int huge, csv, smoke;
	uint32_t only;            /* bit per stage to run (with the restore rows they need) */
	int n_eal_extra;
	char **eal_extra;
};

/* Every stage at every flow count for the headline variant; the per-method rows need fewer. */
static const enum pipe_stage full_set[] = {
	PIPE_RESTORE, PIPE_PARSE, PIPE_VIP, PIPE_HASH, PIPE_MAGLEV, PIPE_FLOW_HIT, PIPE_ENCAP,
	PIPE_BURST_EST,
	/* these insert flows, evicting warm ones, so they come after the established runs */
	PIPE_FLOW_MISS, PIPE_RESTORE_FRESH, PIPE_BURST_NEW,
};
static const enum pipe_stage method_set[] = {
	PIPE_RESTORE, PIPE_PARSE, PIPE_ENCAP, PIPE_BURST_EST, PIPE_RESTORE_FRESH, PIPE_BURST_NEW,
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-bench-pipeline [options] [-- EAL arguments]\n"
		"  --flows LIST       flow counts for ipv4-gue, all stages (default 1,1000,100000,1000000)\n"
		"  --method-flows N   flow count for the other families/methods (default 1000)\n"
		"  --packets N        packets per measurement, rounded up to bursts of 32 (default 1048576)\n"
		"  --reps N           measurements per stage, the best is shown (default 5, max %d)\n"
		"  --lcore N          the core to run on (default 0)\n"
		"  --huge             hugepages (--in-memory) instead of --no-huge --no-shconf -m 1024\n"
		"  --only LIST        only these stages (comma-separated: restore, restore_new, parse,\n"
		"                     vip, hash, maglev, flow_hit, flow_miss, encap, burst_est, burst_new)\n"
		"  --csv              CSV instead of the table\n"
		"  --smoke            tiny counts: checks that everything runs (< 5 s), not speed\n",
		MAX_REPS);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_flows(const char *s, struct opts *o)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	o->n_flows = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_flows == MAX_FLOW_SETS || parse_u32(tok, 1, 1u << 24, &o->flows[o->n_flows]))
			return -EINVAL;
		o->n_flows++;
	}
	return o->n_flows ? 0 : -EINVAL;
}

static int parse_only(const char *s, struct opts *o)
{
	char buf[256], *tok, *save = NULL;
	int i;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	o->only = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < PIPE__MAX && strcmp(tok, pipe_stages[i].key); i++)
			;
		if (i == PIPE__MAX)
			return -EINVAL;
		o->only |= 1u << i;
		/* net needs the restore row it subtracts */
		if (pipe_stages[i].base >= 0)
			o->only |= 1u << pipe_stages[i].base;
	}
	return o->only ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "flows", required_argument, NULL, 'f' }, { "method-flows", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'n' }, { "reps", required_argument, NULL, 'r' },
		{ "lcore", required_argument, NULL, 'l' }, { "huge", no_argument, NULL, 'H' },
		{ "csv", no_argument, NULL, 'c' }, { "smoke", no_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c, rc = 0;
	uint32_t v;

	*o = (struct opts){ .flows = { 1, 1000, 100000, 1000000 }, .n_flows = 4, .method_flows = 1000,
			    .packets = 1u << 20, .reps = 5, .only = (1u << PIPE__MAX) - 1 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'f': rc = parse_flows(optarg, o); break;
		case 'm': rc = parse_u32(optarg, 1, 1u << 24, &o->method_flows); break;
		case 'n': rc = parse_u32(optarg, 1, 1u << 26, &o->packets); break;
		case 'r': rc = parse_u32(optarg, 1, MAX_REPS, &o->reps); break;
		case 'l': rc = parse_u32(optarg, 0, RTE_MAX_LCORE - 1, &v); o->lcore = v; break;
		case 'H': o->huge = 1; break;
		case 'c': o->csv = 1; break;
		case 'o': rc = parse_only(optarg, o); break;
		case 's': o->smoke = 1; break;
		case 'h': usage(stdout); exit(0);
		default: return -EINVAL;
		}
		if (rc) {
			fprintf(stderr, "sluice-bench-pipeline: bad value '%s'\n", optarg);
			return rc;
		}
	}
	if (o->smoke) {
		o->flows[0] = 1;
		o->flows[1] = 64;
		o->n_flows = 2;
		o->method_flows = 64;
		o->packets = 4096;
		o->reps = 1;
	}
	o->packets = (o->packets + PIPE_BURST - 1) / PIPE_BURST * PIPE_BURST;
	o->n_eal_extra = argc - optind;
	o->eal_extra = argv + optind;
	return 0;
}

static int eal_init(const char *prog, const struct opts *o)
{
	char lcore[16], *argv[64];
	int argc = 0, i;

	snprintf(lcore, sizeof(lcore), "%u", o->lcore);
	argv[argc++] = (char *)prog;
	argv[argc++] = "-l";
	argv[argc++] = lcore;
	if (o->huge) {
		argv[argc++] = "--in-memory";
	} else {
		argv[argc++] = "--no-huge";
		argv[argc++] = "--no-shconf";
		argv[argc++] = "-m";
		argv[argc++] = "1024";
	}
	argv[argc++] = "--no-pci";
	argv[argc++] = "--vdev";
	argv[argc++] = "net_null0";
	argv[argc++] = "--log-level=lib.eal:warning";
	for (i = 0; i < o->n_eal_extra && argc < 63; i++)
		argv[argc++] = o->eal_extra[i];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv) < 0 ? -rte_errno : 0;
}

struct row {
	const char *variant;
	uint32_t flows;
	enum pipe_stage stage;
	double raw_cyc, net_cyc;  /* per packet, TSC cycles */
	int has_net;
	double hit_pct;           /* burst stages: flow-table hits, % of packets */
};

static double tsc_ns;  /* ns per TSC cycle */

static void print_row(const struct opts *o, const struct row *r)
{
	double cyc = r->has_net ? r->net_cyc : r->raw_cyc, ns = cyc * tsc_ns;

	if (o->csv) {
		printf("%s,%u,%s,%.2f,%.2f,%.1f,%.1f,%.2f,%.1f\n", r->variant, r->flows, pipe_stages[r->stage].key,
		       r->raw_cyc * tsc_ns, ns, r->raw_cyc, cyc, ns > 0 ? 1e3 / ns : 0.0, r->hit_pct);
		return;
	}
	printf("%-12s %8u  %-27s %8.2f %8.2f %9.1f %9.1f", r->variant, r->flows, pipe_stages[r->stage].name,
	       r->raw_cyc * tsc_ns, ns, r->raw_cyc, cyc);
	if (ns > 0)
		printf(" %8.1f", 1e3 / ns);
	else
		printf(" %8s", "-");
	if (r->hit_pct >= 0)
		printf("  hits %.1f%%", r->hit_pct);
	printf("\n");
}

/* Send every flow once through the worker so the established runs find a warm table. */
static int warm(struct pipe_run *r)
{
	struct pipe_run w = *r;
	uint32_t *ids = malloc(((size_t)r->frames->n + PIPE_BURST) * sizeof(*ids));
	uint32_t i, n = (r->frames->n + PIPE_BURST - 1) / PIPE_BURST * PIPE_BURST;
	uint64_t c;

	if (!ids)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ids[i] = i % r->frames->n;
	w.order = ids;
	w.n = n;
	c = pipe_stage_run(&w, PIPE_BURST_EST);
	free(ids);
	return c && w.ok == n ? 0 : -EIO;
}

/* One run of @s; checks every packet was handled. Adds flow-table hits to *@hits. */
static int run_checked(const char *variant, struct pipe_run *r, enum pipe_stage s, uint64_t *cyc, uint64_t *hits)
{
	*cyc = pipe_stage_run(r, s);
	/* A big flow set loses a few flows to bucket evictions while warming: hits are
	 * reported, not required. Everything else must handle every packet. */
	if (s == PIPE_FLOW_HIT) {
		*hits += r->ok;
		return *cyc ? 0 : -EIO;
	}
	if (!*cyc || r->ok != r->n) {
		fprintf(stderr, "sluice-bench-pipeline: %s, %u flows, %s: %lu of %u packets handled as expected\n",
			variant, r->frames->n, pipe_stages[s].name, (unsigned long)r->ok, r->n);
		return -EIO;
	}
	if (s == PIPE_BURST_NEW && r->flow_misses != r->n) {
		fprintf(stderr, "sluice-bench-pipeline: new flows: %lu of %u missed the flow table\n",
			(unsigned long)r->flow_misses, r->n);
		return -EIO;
	}
	*hits += r->flow_hits;
	return 0;
}

/*
 * Best of o->reps runs of @s, and of its restore baseline run right before
 * each one: other load on the machine only ever adds time, so the minimum is
 * the closest to the code's own cost, and pairing the runs keeps a change of
 * load from landing in one figure but not the other.
 */
static int measure(const struct opts *o, const char *variant, struct pipe_run *r, enum pipe_stage s,
		   struct row *row)
{
	uint64_t best = UINT64_MAX, best_base = UINT64_MAX, c, hits = 0, base_hits = 0;
	int base = pipe_stages[s].base;
	uint32_t i;
	int rc;

	for (i = 0; i < o->reps; i++) {
		if (base >= 0) {
			rc = run_checked(variant, r, (enum pipe_stage)base, &c, &base_hits);
			if (rc)
				return rc;
			best_base = c < best_base ? c : best_base;
		}
		rc = run_checked(variant, r, s, &c, &hits);
		if (rc)
			return rc;
		best = c < best ? c : best;
	}
	row->raw_cyc = (double)best / r->n;
	if (base >= 0) {
		row->net_cyc = row->raw_cyc - (double)best_base / r->n;
		row->has_net = 1;
	}
	row->hit_pct = (s == PIPE_FLOW_HIT || s == PIPE_BURST_EST || s == PIPE_BURST_NEW)
			       ? 100.0 * (double)hits / ((double)r->n * o->reps) : -1;
	return 0;
}

static int scenario(const struct opts *o, struct pipe_fixture *fx, const struct pipe_variant *v, uint32_t flows,
		    const enum pipe_stage *set, unsigned n_set, struct row *rows, unsigned *n_rows)
{
	struct pipe_frames f;
	struct pipe_run r = { .fx = fx, .n = o->packets, .now = NOW_MS, .next_fresh = flows };
	uint32_t *order = malloc((size_t)o->packets * sizeof(*order));
	unsigned i;
	int rc;

	r.vip = pipe_fixture_vip(fx, v);
	r.stream = malloc((size_t)o->packets * sizeof(*r.stream));
	r.fresh = malloc((size_t)o->packets * sizeof(*r.fresh));
	rc = r.vip ? pipe_frames_build(&f, flows, v->family, r.vip->key.addr, PIPE_VIP_PORT,
				       fx->w->ports[0].mac.addr_bytes) : -EINVAL;
	if (rc || !order || !r.stream || !r.fresh) {
		rc = rc ? rc : -ENOMEM;
		goto out;
	}
	for (i = 0; i < o->packets; i++)
		order[i] = (uint32_t)(rng() % flows);
	r.frames = &f;
	r.order = order;
	pipe_fixture_reset(fx);
	rc = pipe_stream_build(&r);
	if (!rc)
		rc = warm(&r);
	if (rc) {
		fprintf(stderr, "sluice-bench-pipeline: %s: cannot prepare %u flows: %s\n", v->name, flows,
			strerror(-rc));
		goto out;
	}
	for (i = 0; i < n_set; i++) {
		struct row *row = &rows[*n_rows];
		enum pipe_stage s = set[i];

		if (!(o->only & (1u << s)))
			continue;
		(*n_rows)++;
		*row = (struct row){ .variant = v->name, .flows = flows, .stage = s };
		rc = measure(o, v->name, &r, s, row);
		if (rc)
			goto out;
		print_row(o, row);
		fflush(stdout);
	}
out:
	pipe_frames_free(&f);
	free(order);
	free(r.stream);
	free(r.fresh);
	return rc;
}

static void verdict(const struct row *rows, unsigned n)
{
	unsigned i;

	printf("\nestablished flows, whole burst (net) against the %.0f ns/packet target:\n", TARGET_NS);
	for (i = 0; i < n; i++) {
		double ns = rows[i].net_cyc * tsc_ns;

		if (rows[i].stage != PIPE_BURST_EST)
			continue;
		printf("  %-12s %8u flows: %6.2f ns/pkt  %s\n", rows[i].variant, rows[i].flows, ns,
		       ns <= TARGET_NS ? "meets target" : "misses target");
	}
}

int main(int argc, char **argv)
{
	static struct row rows[MAX_FLOW_SETS * 16 + 64];
	struct pipe_fixture fx;
	struct opts o;
	char err[256];
	uint32_t entries = DEFAULT_TABLE, i, max_flows;
	unsigned n_rows = 0;
	int rc;

	if (parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	rc = eal_init(argv[0], &o);
	if (rc) {
		fprintf(stderr, "sluice-bench-pipeline: EAL init failed: %s\n", strerror(-rc));
		return 1;
	}
	max_flows = o.method_flows;
	for (i = 0; i < o.n_flows; i++)
		max_flows = o.flows[i] > max_flows ? o.flows[i] : max_flows;
	/* The default table, or twice the flows so a big set is not mostly evictions. */
	if (o.smoke)
		entries = 4096;
	while (entries < 2 * max_flows)
		entries <<= 1;
	rc = pipe_fixture_init(&fx, entries, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-bench-pipeline: %s\n", err);
		goto out;
	}
	tsc_ns = 1e9 / (double)rte_get_tsc_hz();
	if (o.csv) {
		printf("variant,flows,stage,raw_ns,net_ns,raw_cycles,net_cycles,mpps_net,hit_pct\n");
	} else {
		printf("sluice-bench-pipeline: lcore %u, TSC %.3f GHz, %u packets x %u reps per row (best), "
		       "bursts of %u, flow table %u entries%s\n",
		       o.lcore, (double)rte_get_tsc_hz() / 1e9, o.packets, o.reps, PIPE_BURST,
		       sl_flow_table_capacity(fx.w->flows), o.huge ? ", hugepages" : ", no hugepages");
		printf("net = raw - its restore baseline (mbuf alloc + template copy + free), re-measured with each run;\n"
		       "cycles are TSC cycles\n\n");
		printf("%-12s %8s  %-27s %8s %8s %9s %9s %8s\n", "variant", "flows", "stage", "raw ns", "net ns",
		       "raw cyc", "net cyc", "Mpps");
	}
	for (i = 0; i < o.n_flows && !rc; i++)
		rc = scenario(&o, &fx, &pipe_variants[0], o.flows[i], full_set,
			      sizeof(full_set) / sizeof(full_set[0]), rows, &n_rows);
	for (i = 1; i < pipe_n_variants && !rc; i++)
		rc = scenario(&o, &fx, &pipe_variants[i], o.method_flows, method_set,
			      sizeof(method_set) / sizeof(method_set[0]), rows, &n_rows);
	if (!rc && !o.csv)
		verdict(rows, n_rows);
out:
	pipe_fixture_fini(&fx);
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
