/* SPDX-License-Identifier: BSD-3-Clause */
/* sluiced: command line, signals, and the start/run/stop sequence of the daemon. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_launch.h>

#include "../config/config.h"
#include "daemon.h"
#include "dp_ops.h"
#include "log.h"
#include "stats.h"

static struct sl_daemon daemon_state;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		daemon_state.reload = 1;
	else
		daemon_state.stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluiced [-c FILE] [--no-huge] [--check] [--stats-json FILE] [--syslog] [-v|-q]\n"
		"  -c, --config FILE        configuration (default: the embedded demo configuration)\n"
		"      --no-huge            run EAL without hugepages (containers, CI)\n"
		"      --check              validate the configuration and exit (0 = valid)\n"
		"      --print-default-config  print the embedded configuration and exit\n"
		"      --stats-json FILE    on exit, write {\"stats\":...,\"vips\":...} to FILE\n"
		"      --foreground         accepted for init systems; sluiced never forks\n"
		"      --xdp-detach         XDP dataplane: detach and unpin on exit (default: keep forwarding)\n"
		"      --syslog             log to syslog instead of stderr\n"
		"  -v, --verbose / -q, --quiet   more / less logging\n");
}

static void write_exit_stats(const char *path)
{
	json_t *o = json_object();

	json_object_set_new(o, "stats", sl_stats_json(&daemon_state));
	json_object_set_new(o, "vips", sl_vips_json(&daemon_state));
	if (json_dump_file(o, path, JSON_INDENT(2)))
		sl_log(SL_LOG_ERR, "cannot write %s: %s", path, strerror(errno));
	json_decref(o);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-huge", no_argument, NULL, 'H' },
		{ "check", no_argument, NULL, 'C' },
		{ "print-default-config", no_argument, NULL, 'P' },
		{ "stats-json", required_argument, NULL, 'S' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "xdp-detach", no_argument, NULL, 'X' },
		{ "syslog", no_argument, NULL, 'L' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *stats_path = NULL;
	enum sl_log_level level = SL_LOG_INFO;
	bool check = false, use_syslog = false;
	struct sigaction sa;
	struct sl_config cfg;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'H': daemon_state.no_huge = true; break;
		case 'C': check = true; break;
		case 'P': fputs(sl_config_default_text(), stdout); return 0;
		case 'S': stats_path = optarg; break;
		case 'F': break;
		case 'X': daemon_state.xdp_detach_on_exit = true; break;
		case 'L': use_syslog = true; break;
		case 'v': level = SL_LOG_DEBUG; break;
		case 'q': level = SL_LOG_WARN; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	sl_log_setup(level, use_syslog);

	rc = config_path ? sl_config_load_file(config_path, &cfg, err, sizeof(err))
			 : sl_config_load_string(sl_config_default_text(), "<embedded demo config>", &cfg, err,
						 sizeof(err));
	if (rc) {
		fprintf(stderr, "sluiced: %s\n", err);
		return 1;
	}
	if (check) {
		printf("%s: valid (%u VIPs)\n", cfg.path, cfg.n_vips);
		sl_config_free(&cfg);
		return 0;
	}
	if (config_path)
		snprintf(daemon_state.config_path, sizeof(daemon_state.config_path), "%s", config_path);
	if (sl_model_init(&daemon_state.model, &cfg, err, sizeof(err))) {
		fprintf(stderr, "sluiced: %s\n", err);
		sl_config_free(&cfg);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the control loop's epoll wait must return so the flag is seen at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = sl_daemon_start(&daemon_state);
	if (rc == 0)
		sl_daemon_run(&daemon_state);
	sl_log(SL_LOG_INFO, "stopping");
	if (rc == 0 && stats_path) {
		/* Stop the workers first so the file holds the final counts. */
		daemon_state.ops->quiesce(&daemon_state);
		write_exit_stats(stats_path);
	}
	sl_daemon_shutdown(&daemon_state);
	return rc ? 1 : 0;
}
