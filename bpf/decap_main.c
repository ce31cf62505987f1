/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-decap: attach, inspect and detach the backend decapsulation XDP
 * program. Exit codes (also in docs/decap.md) let scripts tell failures apart.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decap_addr.h"
#include "decap_link.h"
#include "decap_stats.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,        /* kernel or BPF error not listed below */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_NO_IFACE = 3,    /* no such interface */
	EXIT_PERM = 4,        /* not privileged */
	EXIT_NO_NATIVE = 5,   /* --mode native on a driver without native XDP */
	EXIT_NOT_FOUND = 6,   /* stats/detach: sluice's decap is not attached */
	EXIT_BUSY = 7,        /* another XDP program is attached */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-decap attach IFACE [--mode native|generic|auto] [--gue-port N]\n"
		"                          [--addr ADDR ...]\n"
		"       sluice-decap detach IFACE\n"
		"       sluice-decap stats IFACE [--json]\n"
		"Without --addr, tunnel packets to any destination are decapsulated.\n"
		"Exit: 0 ok, 1 failure, 2 usage, 3 no such interface, 4 not root,\n"
		"      5 no native XDP, 6 not attached, 7 another XDP program attached.\n");
}

static int exit_code(int rc)
{
	switch (rc) {
	case 0: return EXIT_OK;
	case -ENODEV: return EXIT_NO_IFACE;
	case -EPERM: return EXIT_PERM;
	case -EOPNOTSUPP: return EXIT_NO_NATIVE;
	case -ENOENT: return EXIT_NOT_FOUND;
	case -EBUSY: return EXIT_BUSY;
	default: return EXIT_FAIL;
	}
}

/* Keep libbpf's warnings (they carry the verifier log and kernel extack messages). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level > LIBBPF_WARN && !getenv("SLUICE_DECAP_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int cmd_attach(const char *ifname, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "gue-port", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_decap_addr addrs[SL_DECAP_MAX_ADDRS];
	struct sl_decap_attach_opts o = { .mode = SL_DECAP_MODE_AUTO, .gue_port = 6080,
					  .addrs = addrs };
	enum sl_decap_mode used = SL_DECAP_MODE_AUTO;
	char err[256] = "", *end;
	unsigned long port;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			rc = sl_decap_mode_parse(optarg);
			if (rc < 0) {
				fprintf(stderr, "sluice-decap: bad --mode '%s' (native|generic|auto)\n", optarg);
				return EXIT_USAGE;
			}
			o.mode = (enum sl_decap_mode)rc;
			break;
		case 'p':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || port == 0 || port > 65535) {
				fprintf(stderr, "sluice-decap: bad --gue-port '%s' (1..65535)\n", optarg);
				return EXIT_USAGE;
			}
			o.gue_port = (uint16_t)port;
			break;
		case 'a':
			if (o.naddrs == SL_DECAP_MAX_ADDRS) {
				fprintf(stderr, "sluice-decap: at most %d --addr\n", SL_DECAP_MAX_ADDRS);
				return EXIT_USAGE;
			}
			if (sl_decap_addr_parse(optarg, &addrs[o.naddrs])) {
				fprintf(stderr, "sluice-decap: bad --addr '%s' (an IPv4 or IPv6 address)\n",
					optarg);
				return EXIT_USAGE;
			}
			o.naddrs++;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = sl_decap_attach(ifname, &o, &used, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-decap: %s\n", err);
		return exit_code(rc);
	}
	printf("sluice-decap: attached to %s (%s mode, gue port %u, %s)\n", ifname,
	       sl_decap_mode_name(used), o.gue_port,
	       o.naddrs ? "listed addresses only" : "any destination");
	return EXIT_OK;
}

static int cmd_stats(const char *ifname, int argc, char **argv)
{
	struct sl_decap_handle h;
	char err[256] = "";
	int json = 0, rc;

	if (argc == 2 && !strcmp(argv[1], "--json")) {
		json = 1;
	} else if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = sl_decap_find(ifname, &h, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "sluice-decap: %s\n", err);
		return exit_code(rc);
	}
	rc = sl_decap_stats_print(stdout, ifname, &h, json);
	sl_decap_handle_close(&h);
	if (rc) {
		fprintf(stderr, "sluice-decap: cannot read counters: %s\n", strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd, *ifname;
	char err[256] = "";
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc < 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	ifname = argv[2];
	libbpf_set_print(libbpf_log);

	/* Subcommand options start after IFACE; getopt sees argv[2..] with IFACE as its argv[0]. */
	if (!strcmp(cmd, "attach"))
		return cmd_attach(ifname, argc - 2, argv + 2);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(ifname, argc - 2, argv + 2);
	if (!strcmp(cmd, "detach")) {
		if (argc != 3) {
			usage(stderr);
			return EXIT_USAGE;
		}
		rc = sl_decap_detach(ifname, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "sluice-decap: %s\n", err);
			return exit_code(rc);
		}
		printf("sluice-decap: detached from %s\n", ifname);
		return EXIT_OK;
	}
	fprintf(stderr, "sluice-decap: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
