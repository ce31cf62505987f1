/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-maglev: Maglev build time, balance and disruption.
 *
 * Usage: sluice-bench-maglev [--csv] [--runs K]
 *
 * For every (N, M) it builds the table K times into preallocated scratch
 * (so malloc is not timed) and reports the median, then measures how evenly
 * slots are spread and how many move when one backend of N disappears.
 * Figures are printed, never asserted: they depend on the machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maglev.h"

#define DEFAULT_RUNS 15

struct bench_result {
	uint32_t n, m;
	double build_ms;     /* median of the runs */
	double max_over_mean;
	double moved_pct;    /* of all m slots, after removing one backend */
	double optimum_pct;  /* 100 / n: only the removed backend's share */
};

/* Distinct deterministic identities: 198.18.0.0/15 addresses, like real configs. */
static void make_backends(struct sl_maglev_backend *b, uint32_t n)
{
	uint32_t i;

	memset(b, 0, (size_t)n * sizeof(*b));
	for (i = 0; i < n; i++) {
		b[i].id[0] = 198;
		b[i].id[1] = (uint8_t)(18 + (i >> 16));
		b[i].id[2] = (uint8_t)(i >> 8);
		b[i].id[3] = (uint8_t)i;
		b[i].weight = 1;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double balance(const uint32_t *table, uint32_t m, uint32_t n, uint32_t *count)
{
	uint32_t i, max = 0;

	memset(count, 0, (size_t)n * sizeof(*count));
	for (i = 0; i < m; i++)
		count[table[i]]++;
	for (i = 0; i < n; i++)
		if (count[i] > max)
			max = count[i];
	return (double)max / ((double)m / n);
}

/*
 * Remove the middle backend by moving the last one into its place, so the
 * other indices stay valid except that old index n-1 is now index `gone`.
 */
static double disruption(struct sl_maglev_backend *b, uint32_t n, uint32_t m,
			 const uint32_t *before, uint32_t *after, void *scratch, size_t len)
{
	uint32_t gone = n / 2, i, moved = 0;
	struct sl_maglev_backend saved = b[gone];
	int rc;

	b[gone] = b[n - 1];
	rc = sl_maglev_build_scratch(b, n - 1, m, after, scratch, len);
	b[gone] = saved;
	if (rc < 0)
		return -1.0;
	for (i = 0; i < m; i++) {
		uint32_t was = before[i], is = after[i];

		if (is == gone)
			is = n - 1;
		if (was != is)
			moved++;
	}
	return 100.0 * moved / m;
}

static int run_one(uint32_t n, uint32_t m, unsigned runs, struct bench_result *r)
{
	struct sl_maglev_backend *b = calloc(n, sizeof(*b));
	uint32_t *table = calloc(m, sizeof(*table));
	uint32_t *other = calloc(m, sizeof(*other));
	uint32_t *count = calloc(n, sizeof(*count));
	double *t = calloc(runs, sizeof(*t));
	size_t len = sl_maglev_scratch_size(n, m);
	void *scratch = malloc(len);
	unsigned k;
	int rc = -ENOMEM;

	if (!b || !table || !other || !count || !t || !scratch)
		goto out;
	make_backends(b, n);
	for (k = 0; k < runs; k++) {
		double t0 = now_ms();

		rc = sl_maglev_build_scratch(b, n, m, table, scratch, len);
		t[k] = now_ms() - t0;
		if (rc < 0)
			goto out;
	}
	qsort(t, runs, sizeof(*t), cmp_double);
	r->n = n;
	r->m = m;
	r->build_ms = t[runs / 2];
	r->max_over_mean = balance(table, m, n, count);
	r->moved_pct = disruption(b, n, m, table, other, scratch, len);
	r->optimum_pct = 100.0 / n;
	rc = r->moved_pct < 0 ? -EINVAL : 0;
out:
	free(scratch);
	free(t);
	free(count);
	free(other);
	free(table);
	free(b);
	return rc;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--csv] [--runs K]\n", prog);
}

int main(int argc, char **argv)
{
	static const uint32_t ns[] = { 10, 100, 1000 };
	static const uint32_t ms[] = { 65537, 655373 };
	unsigned runs = DEFAULT_RUNS;
	int csv = 0, i;
	size_t a, c;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0) {
			csv = 1;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || v == 0 || v > 10000) {
				usage(argv[0]);
				return 2;
			}
			runs = (unsigned)v;
		} else {
			usage(argv[0]);
			return 2;
		}
	}

	if (csv)
		printf("n,m,build_ms_median,max_over_mean,moved_pct,optimum_pct\n");
	else
		printf("%6s %7s %14s %14s %10s %10s\n", "N", "M", "build ms (med)",
		       "max/mean", "moved %", "optimum %");
	for (c = 0; c < sizeof(ms) / sizeof(ms[0]); c++) {
		for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
			struct bench_result r;
			int rc = run_one(ns[a], ms[c], runs, &r);

			if (rc < 0) {
				fprintf(stderr, "N=%u M=%u: %s\n", ns[a], ms[c], strerror(-rc));
				return 1;
			}
			if (csv)
				printf("%u,%u,%.4f,%.5f,%.4f,%.4f\n", r.n, r.m, r.build_ms,
				       r.max_over_mean, r.moved_pct, r.optimum_pct);
			else
				printf("%6u %7u %14.3f %14.4f %10.3f %10.3f\n", r.n, r.m,
				       r.build_ms, r.max_over_mean, r.moved_pct, r.optimum_pct);
		}
	}
	return 0;
}
