/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-flowtable: what one lcore's flow table costs per packet.
 *
 * Measures, in a 1M-entry table holding 1k, 100k and 1M flows, the ns per
 * hit lookup (plain, bucket prefetch only, and the two-stage prefetch a
 * worker can do over a burst) and per miss+insert, in random flow order.
 * Lookups read their keys from a packet-like stream, sequential in memory,
 * so the numbers are the table's own cache misses and not the key array's.
 * The flow hash is computed beforehand and reported separately.
 * Numbers are printed, never asserted: they depend on the machine and load.
 *
 * Usage: sluice-bench-flowtable [--no-thp] [--reps N] [--ahead N]
 *   --no-thp  do not ask for transparent huge pages (DPDK uses hugepages, so
 *             the default is the closer model of production)
 *   --ahead   prefetch distance in packets (default 32; the entry stage uses
 *             it, the bucket stage twice it)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "flow_hash.h"
#include "flow_table.h"

#define TABLE_ENTRIES (1u << 20)
#define STREAM_LEN    (4u << 20)   /* lookups per measurement */
#define MIN_INSERTS   (2u << 20)   /* inserts per measurement, over repeated rounds */
#define BURST         32u          /* the worker's default RX burst */
#define AHEAD_DEFAULT 32u          /* rolling prefetch distance, in packets */
#define NOW           1000u
#define TIMEOUT       (1u << 30)   /* nothing expires during a run */

/* One packet's worth of lookup input, as the worker has it after parsing. */
struct pkt {
	struct sl_flow_key key;
	uint32_t hash;
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Unique (by @i in the source address) but otherwise random IPv4/IPv6 TCP/UDP flows. */
static void make_key(struct sl_flow_key *k, uint32_t i)
{
	uint64_t r = rng(), r2 = rng();

	memset(k, 0, sizeof(*k));
	k->family = (r & 1) ? SL_AF_INET6 : SL_AF_INET;
	k->proto = (r & 2) ? 6 : 17;
	k->src[0] = i * 0x9e3779b1u; /* odd multiplier: a bijection, so still unique */
	k->dst[0] = (uint32_t)(r >> 32);
	if (k->family == SL_AF_INET6) {
		k->src[3] = (uint32_t)r2;
		k->dst[3] = (uint32_t)(r2 >> 32);
	}
	k->sport = (uint16_t)(r >> 8);
	k->dport = (uint16_t)(r >> 24);
}

static void shuffle(uint32_t *a, uint32_t n)
{
	uint32_t i;

	for (i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rng() % (i + 1)), x = a[i];

		a[i] = a[j];
		a[j] = x;
	}
}

static uint32_t AHEAD = AHEAD_DEFAULT;
static volatile uint64_t sink; /* keeps results alive so loops are not optimised away */

enum lookup_mode { PLAIN, PREFETCH_BUCKET, BURST_TWO_STAGE, ROLLING_TWO_STAGE, LOOKUP_MODES };

static const char *const lookup_mode_name[LOOKUP_MODES] = {
	"plain", "bucket prefetch +A", "burst-32 two-stage", "rolling two-stage +A/+2A",
};

/* Run the stream once in @mode; returns ns per lookup and adds the hits to *@hits. */
static double run_lookups(struct sl_flow_table *t, const struct pkt *s, uint32_t n, enum lookup_mode mode,
			  uint64_t *hits)
{
	uint64_t acc = 0, h = 0;
	double t0 = now_ns();
	uint32_t i, j;

	switch (mode) {
	case PLAIN:
		for (i = 0; i < n; i++) {
			struct sl_flow_entry *e = sl_flow_lookup(t, &s[i].key, s[i].hash, NOW, TIMEOUT);

			if (e) {
				acc += e->backend;
				h++;
			}
		}
		break;
	case PREFETCH_BUCKET:
		for (i = 0; i < n; i++) {
			struct sl_flow_entry *e;

			if (i + AHEAD < n)
				sl_flow_prefetch(t, s[i + AHEAD].hash);
			e = sl_flow_lookup(t, &s[i].key, s[i].hash, NOW, TIMEOUT);
			if (e) {
				acc += e->backend;
				h++;
			}
		}
		break;
	case BURST_TWO_STAGE:
		/*
		 * What a worker can do within one RX burst: prefetch every bucket,
		 * then every matching entry, then look up. (Overlapping the entry
		 * stage with the lookups inside the burst measured slower.)
		 */
		for (i = 0; i + BURST <= n; i += BURST) {
			for (j = 0; j < BURST; j++)
				sl_flow_prefetch(t, s[i + j].hash);
			for (j = 0; j < BURST; j++)
				sl_flow_prefetch_entry(t, s[i + j].hash);
			for (j = 0; j < BURST; j++) {
				struct sl_flow_entry *e =
					sl_flow_lookup(t, &s[i + j].key, s[i + j].hash, NOW, TIMEOUT);

				if (e) {
					acc += e->backend;
					h++;
				}
			}
		}
		break;
	case ROLLING_TWO_STAGE:
		for (i = 0; i < n; i++) {
			struct sl_flow_entry *e;

			if (i + 2 * AHEAD < n)
				sl_flow_prefetch(t, s[i + 2 * AHEAD].hash);
			if (i + AHEAD < n)
				sl_flow_prefetch_entry(t, s[i + AHEAD].hash);
			e = sl_flow_lookup(t, &s[i].key, s[i].hash, NOW, TIMEOUT);
			if (e) {
				acc += e->backend;
				h++;
			}
		}
		break;
	default:
		break;
	}
	sink += acc;
	*hits += h;
	return (now_ns() - t0) / n;
}

/*
 * Time lookup-miss + insert of every key of @order, as the worker does for a
 * new flow; with @prefetch the bucket is prefetched AHEAD keys in advance.
 */
static double run_inserts(struct sl_flow_table *t, const struct pkt *keys, const uint32_t *order, uint32_t n,
			  int prefetch)
{
	uint64_t acc = 0;
	double t0 = now_ns();
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct pkt *p = &keys[order[i]];
		struct sl_flow_entry *e;

		if (prefetch && i + AHEAD < n)
			sl_flow_prefetch(t, keys[order[i + AHEAD]].hash);
		e = sl_flow_lookup(t, &p->key, p->hash, NOW, TIMEOUT);
		if (!e) {
			e = sl_flow_insert(t, &p->key, p->hash, NOW, TIMEOUT);
			e->backend = i;
		}
		acc += e->backend;
	}
	sink += acc;
	return now_ns() - t0;
}

/* Rounds of inserting @n fresh flows into an empty table; ns per insert, best of @reps. */
static double bench_inserts(void *mem, const struct pkt *keys, const uint32_t *order, uint32_t n, int prefetch,
			    unsigned reps, uint64_t *evictions)
{
	struct sl_flow_table *t;
	uint32_t rounds = n >= MIN_INSERTS ? 1 : MIN_INSERTS / n, r, i;
	double best = 1e30;
	unsigned rep;

	for (rep = 0; rep < reps; rep++) {
		double total = 0;

		t = sl_flow_table_init(mem, TABLE_ENTRIES);
		for (r = 0; r < rounds; r++) {
			*evictions = sl_flow_table_stats(t)->evictions;
			total += run_inserts(t, keys, order, n, prefetch);
			/* Empty the table again, untimed, so every round inserts into the same fill level. */
			if (r + 1 < rounds)
				for (i = 0; i < n; i++)
					sl_flow_delete(t, &keys[i].key, keys[i].hash);
		}
		*evictions = sl_flow_table_stats(t)->evictions - *evictions;
		if (total / ((double)rounds * n) < best)
			best = total / ((double)rounds * n);
	}
	return best;
}

/* Huge pages actually backing this process (THP is a request, not a promise). */
static unsigned long anon_huge_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	unsigned long kib = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void *alloc_table(size_t size, int thp)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return NULL;
	if (thp && madvise(mem, size, MADV_HUGEPAGE) != 0)
		fprintf(stderr, "note: madvise(MADV_HUGEPAGE) failed (%s); using 4k pages\n", strerror(errno));
	return mem;
}

int main(int argc, char **argv)
{
	static const uint32_t flow_counts[] = { 1000, 100000, 1000000 };
	unsigned reps = 3, f, m, rep;
	size_t size = sl_flow_table_mem_size(TABLE_ENTRIES);
	struct sl_flow_table *t;
	struct pkt *keys, *stream;
	uint32_t *order, i, cap;
	int thp = 1, a;
	void *mem;
	double t0, hash_ns;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--no-thp")) {
			thp = 0;
		} else if (!strcmp(argv[a], "--ahead") && a + 1 < argc) {
			AHEAD = (uint32_t)atoi(argv[++a]);
		} else if (!strcmp(argv[a], "--reps") && a + 1 < argc) {
			reps = (unsigned)atoi(argv[++a]);
			if (reps == 0)
				reps = 1;
		} else {
			fprintf(stderr, "usage: %s [--no-thp] [--reps N] [--ahead N]\n", argv[0]);
			return 2;
		}
	}

	mem = alloc_table(size, thp);
	keys = malloc(sizeof(*keys) * flow_counts[2]);
	order = malloc(sizeof(*order) * flow_counts[2]);
	stream = malloc(sizeof(*stream) * STREAM_LEN);
	if (!mem || !keys || !order || !stream) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	t = sl_flow_table_init(mem, TABLE_ENTRIES);
	cap = sl_flow_table_capacity(t);

	for (i = 0; i < flow_counts[2]; i++)
		make_key(&keys[i].key, i);
	t0 = now_ns();
	for (i = 0; i < flow_counts[2]; i++)
		keys[i].hash = sl_flow_hash(&keys[i].key, SL_HF_ALL);
	hash_ns = (now_ns() - t0) / flow_counts[2];

	printf("flow table: capacity %u entries, %u buckets x %u slots, %s (%lu MiB of the process on huge pages)\n",
	       cap, cap / SL_FLOW_BUCKET_SLOTS, SL_FLOW_BUCKET_SLOTS,
	       thp ? "transparent huge pages requested" : "4k pages", anon_huge_kib() / 1024);
	printf("memory: %zu bytes total (%.1f MiB), %.1f bytes per entry "
	       "(64 B entry line + 8 B of bucket line; sizeof(struct sl_flow_entry) = %zu)\n",
	       size, size / 1048576.0, (double)size / cap, sizeof(struct sl_flow_entry));
	printf("sl_flow_hash: %.1f ns per key (not included below)\n", hash_ns);
	printf("prefetch distance A = %u packets\n", AHEAD);
	printf("best of %u runs; lookups: %u per run in random flow order; inserts: lookup miss + insert\n\n",
	       reps, STREAM_LEN);

	/* Sizing aid: with one bucket per flow and no second choice, how full can a table get? */
	printf("evictions while filling an empty table (share of inserts that displaced a live flow):\n");
	for (f = 1; f <= 4; f++) {
		uint32_t n = flow_counts[2] / 4 * f;

		t = sl_flow_table_init(mem, TABLE_ENTRIES);
		for (i = 0; i < n; i++)
			sl_flow_insert(t, &keys[i].key, keys[i].hash, NOW, TIMEOUT);
		printf("  %7u flows = %5.1f%% of capacity: %6.3f%% evicted\n", n, 100.0 * n / cap,
		       100.0 * (double)sl_flow_table_stats(t)->evictions / n);
	}
	printf("\n");

	for (f = 0; f < sizeof(flow_counts) / sizeof(flow_counts[0]); f++) {
		uint32_t n = flow_counts[f], live;
		uint64_t ev = 0, hits;
		double ins_plain, ins_pf;

		for (i = 0; i < n; i++)
			order[i] = i;
		shuffle(order, n);
		ins_plain = bench_inserts(mem, keys, order, n, 0, reps, &ev);
		ins_pf = bench_inserts(mem, keys, order, n, 1, reps, &ev);
		/* bench_inserts leaves the table holding the n flows: the lookups below run against it. */
		t = (struct sl_flow_table *)mem;

		/* Hit lookups draw only on resident flows (at 1M some were evicted while filling). */
		for (i = 0, live = 0; i < n; i++)
			if (sl_flow_lookup(t, &keys[i].key, keys[i].hash, NOW, TIMEOUT))
				order[live++] = i;
		for (i = 0; i < STREAM_LEN; i++)
			stream[i] = keys[order[rng() % live]];

		printf("%7u flows (%5.1f%% of capacity, %lu evicted while filling, %u live)\n", n,
		       100.0 * n / cap, (unsigned long)ev, sl_flow_count(t, NOW));
		printf("  insert  %-26s %6.1f ns\n", "plain", ins_plain);
		printf("  insert  %-26s %6.1f ns\n", "bucket prefetch +A", ins_pf);
		for (m = 0; m < LOOKUP_MODES; m++) {
			double best = 1e30;

			hits = 0;
			for (rep = 0; rep < reps; rep++) {
				double ns = run_lookups(t, stream, STREAM_LEN, (enum lookup_mode)m, &hits);

				if (ns < best)
					best = ns;
			}
			printf("  lookup  %-26s %6.1f ns   (%.1f%% hits)\n", lookup_mode_name[m], best,
			       100.0 * hits / ((double)reps * STREAM_LEN));
		}
		/* Misses: flows never inserted (or evicted), one bucket line each. */
		for (i = 0, live = 0; i < flow_counts[2] && live < STREAM_LEN / 8; i++)
			if (!sl_flow_lookup(t, &keys[i].key, keys[i].hash, NOW, TIMEOUT))
				stream[live++] = keys[i];
		if (live > 0) {
			double best = 1e30;

			for (i = live; i < STREAM_LEN; i++)
				stream[i] = stream[rng() % live];
			for (rep = 0; rep < reps; rep++) {
				double ns;

				hits = 0;
				ns = run_lookups(t, stream, STREAM_LEN, PLAIN, &hits);
				if (ns < best)
					best = ns;
			}
			printf("  miss    %-26s %6.1f ns   (%u distinct absent flows)\n", "plain", best, live);
		}
		printf("\n");
	}
	munmap(mem, size);
	free(keys);
	free(order);
	free(stream);
	return 0;
}
