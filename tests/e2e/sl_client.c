/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_client: the client of the e2e tests. Many connections, a few requests
 * each, every reply checked and attributed to the backend that sent it; a
 * JSON summary on stdout and an exit code scripts can trust:
 *   0  every connection fully answered by one backend (and shares within
 *      --tolerance of --expect-weights, if given)
 *   1  anything else
 *   2  bad command line
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "e2e_addr.h"
#include "e2e_client.h"
#include "e2e_client_report.h"
#include "e2e_num.h"
#include "e2e_share.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sl_client --target ADDR:PORT [--connections N] [--concurrency C]\n"
		"                 [--requests K] [--delay-ms D] [--timeout-ms T] [--deadline-s S]\n"
		"                 [--udp] [--expect-weights be1=100,be2=200 [--tolerance 0.05]]\n"
		"  N connections (default 100), at most C open at once (default min(N, 1000)),\n"
		"  K requests each (default 3), D ms apart (default 0); each reply must come\n"
		"  within T ms (default 2000); everything ends after S s (default 60).\n"
		"  --tolerance is an absolute share: 0.05 allows 25%% +- 5 points.\n");
}

struct options {
	struct e2e_client_cfg cfg;
	const char *weights;
	double tolerance;
};

static int bad(const char *opt, const char *range)
{
	fprintf(stderr, "sl_client: %s must be %s\n", opt, range);
	return -EINVAL;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option lopts[] = {
		{ "target", required_argument, NULL, 'a' },
		{ "connections", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'k' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "deadline-s", required_argument, NULL, 's' },
		{ "udp", no_argument, NULL, 'u' },
		{ "expect-weights", required_argument, NULL, 'w' },
		{ "tolerance", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct e2e_client_cfg *c = &o->cfg;
	unsigned long deadline_s = 60;
	const char *target = NULL;
	int opt;

	memset(o, 0, sizeof(*o));
	c->connections = 100;
	c->requests = 3;
	c->timeout_ms = 2000;
	o->tolerance = 0.05;
	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			target = optarg;
			break;
		case 'n':
			if (e2e_parse_ulong(optarg, 1, 1000000, &c->connections))
				return bad("--connections", "1..1000000");
			break;
		case 'c':
			if (e2e_parse_ulong(optarg, 1, 100000, &c->concurrency))
				return bad("--concurrency", "1..100000");
			break;
		case 'k':
			if (e2e_parse_ulong(optarg, 1, 1000000, &c->requests))
				return bad("--requests", "1..1000000");
			break;
		case 'd':
			if (e2e_parse_ulong(optarg, 0, 3600000, &c->delay_ms))
				return bad("--delay-ms", "0..3600000");
			break;
		case 't':
			if (e2e_parse_ulong(optarg, 1, 3600000, &c->timeout_ms))
				return bad("--timeout-ms", "1..3600000");
			break;
		case 's':
			if (e2e_parse_ulong(optarg, 1, 86400, &deadline_s))
				return bad("--deadline-s", "1..86400");
			break;
		case 'u':
			c->udp = true;
			break;
		case 'w':
			o->weights = optarg;
			break;
		case 'o':
			if (e2e_parse_double(optarg, 0, 1, &o->tolerance))
				return bad("--tolerance", "a number in [0, 1]");
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !target) {
		usage(stderr);
		return -EINVAL;
	}
	if (e2e_addr_parse(target, &c->target, &c->target_len))
		return bad("--target", "ADDR:PORT or [ADDR6]:PORT");
	if (c->concurrency == 0)
		c->concurrency = c->connections < 1000 ? c->connections : 1000;
	if (c->concurrency > c->connections)
		c->concurrency = c->connections;
	c->deadline_ms = deadline_s * 1000;
	return 0;
}

/* Each connection is a socket; a thousand of them exceed the usual soft limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct e2e_client_result *res;
	struct e2e_weights w;
	struct options o;
	int rc;

	if (parse_options(argc, argv, &o))
		return 2;
	if (o.weights && (rc = e2e_weights_parse(o.weights, &w))) {
		fprintf(stderr, "sl_client: bad --expect-weights '%s': %s\n", o.weights,
			rc == -E2BIG ? "too many backends" : "want name=weight,... with a weight > 0");
		return 2;
	}
	raise_fd_limit();
	/* A server closing mid-write must fail that connection, not the client. */
	signal(SIGPIPE, SIG_IGN);
	res = malloc(sizeof(*res));
	if (!res || e2e_client_run(&o.cfg, res)) {
		fprintf(stderr, "sl_client: cannot start: out of memory or epoll\n");
		free(res);
		return 1;
	}
	rc = e2e_client_report(stdout, &o.cfg, res, o.weights ? &w : NULL, o.tolerance);
	free(res);
	return rc == 0 ? 0 : 1;
}
