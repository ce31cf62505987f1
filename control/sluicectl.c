/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl: talk to sluiced over its control socket.
 *
 *   sluicectl [-s SOCKET] [--json] [--timeout SEC] COMMAND [key=value ...]
 *   sluicectl raw '{"cmd":"...","args":{...}}'
 *
 * Exit codes: 0 ok, 1 the command failed (or no usable reply), 2 usage,
 * 3 cannot connect. docs/control.md has the details.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "ctl_server.h"
#include "sluicectl_args.h"
#include "sluicectl_conn.h"
#include "sluicectl_print.h"

enum { EXIT_CMD = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

#define DEFAULT_TIMEOUT_S 10.0
#define MAX_TIMEOUT_S     86400.0

struct opts {
	const char *socket;
	int json;
	int timeout_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluicectl [-s SOCKET] [--json] [--timeout SEC] COMMAND [key=value | key:=JSON ...]\n"
		"       sluicectl [-s SOCKET] raw '{\"cmd\":\"NAME\",\"args\":{...}}'\n"
		"       sluicectl help            list the daemon's commands\n"
		"\n"
		"  -s, --socket PATH  control socket (default: $SLUICE_SOCKET, else %s)\n"
		"      --json         print the result as JSON instead of tables\n"
		"      --timeout SEC  give up waiting for the reply after SEC seconds (default %g)\n"
		"  -h, --help         this text\n"
		"\n"
		"key=value sends numbers and true/false typed, anything else as a string;\n"
		"key:=JSON sends any JSON value. Exit: 0 ok, 1 command failed, 2 usage, 3 cannot connect.\n",
		SL_CTL_DEFAULT_SOCKET, DEFAULT_TIMEOUT_S);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env = getenv("SLUICE_SOCKET");
	char *end;
	double t;
	int c;

	o->socket = env && env[0] ? env : SL_CTL_DEFAULT_SOCKET;
	o->json = 0;
	o->timeout_ms = (int)(DEFAULT_TIMEOUT_S * 1000);
	/* '+': stop at the command, so its arguments are never options. */
	while ((c = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 't':
			errno = 0;
			t = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(t) || t <= 0 ||
			    t > MAX_TIMEOUT_S) {
				fprintf(stderr, "sluicectl: --timeout wants seconds in (0, %g], not \"%s\"\n",
					MAX_TIMEOUT_S, optarg);
				return -EINVAL;
			}
			o->timeout_ms = t * 1000 < 1 ? 1 : (int)(t * 1000);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sluicectl: no command given\n");
		return -EINVAL;
	}
	return 0;
}

/* The request line for argv[optind..]; NULL after printing a usage error. */
static char *build_request(int argc, char **argv, size_t *len, int *is_raw)
{
	const char *cmd = argv[0];
	json_error_t jerr;
	json_t *args, *req, *id;
	char err[512];
	char *line;

	*is_raw = !strcmp(cmd, "raw");
	if (*is_raw) {
		if (argc != 2) {
			fprintf(stderr, "sluicectl: raw takes exactly one JSON request\n");
			return NULL;
		}
		/* Re-encoded so the request is exactly one line whatever the
		 * user's formatting; the server judges its content. */
		req = json_loads(argv[1], JSON_DECODE_ANY, &jerr);
		if (!req) {
			fprintf(stderr, "sluicectl: raw: invalid JSON: %s\n", jerr.text);
			return NULL;
		}
		line = json_dumps(req, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(req);
		if (!line || !(line = realloc(line, strlen(line) + 2)))
			return NULL;
		*len = strlen(line);
		line[(*len)++] = '\n';
		line[*len] = '\0';
		return line;
	}
	if (sl_ctl_args_parse(argc - 1, argv + 1, &args, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluicectl: %s\n", err);
		return NULL;
	}
	id = json_integer(getpid());
	line = sl_ctl_request_encode(cmd, json_object_size(args) ? args : NULL, id, len);
	json_decref(id);
	json_decref(args);
	if (!line)
		fprintf(stderr, "sluicectl: cannot encode the request\n");
	return line;
}

static int show_reply(const char *cmd, const char *line, size_t len, const struct opts *o)
{
	json_t *result, *id;
	char err[1024];
	char *s;
	int rc;

	rc = sl_ctl_reply_parse(line, len, &result, &id, err, sizeof(err));
	/* The request carried our pid as its id: anything else answers
	 * somebody else's request. Refusals sent before the request was
	 * read (too many clients, permission denied) carry no id. */
	if (rc >= 0 && (id ? json_integer_value(id) != getpid() : rc == 0)) {
		json_decref(result);
		snprintf(err, sizeof(err), "reply does not answer this request (id mismatch)");
		rc = -EPROTO;
	}
	json_decref(id);
	if (rc != 0) {
		fprintf(stderr, "sluicectl: %s: %s\n", cmd, err);
		return EXIT_CMD;
	}
	if (o->json) {
		s = json_dumps(result, JSON_INDENT(2) | JSON_ENCODE_ANY);
		if (s)
			puts(s);
		free(s);
		rc = s ? 0 : -ENOMEM;
	} else {
		rc = sl_ctl_print_human(stdout, result);
	}
	json_decref(result);
	if (rc < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "sluicectl: cannot write the result\n");
		return EXIT_CMD;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	char err[512];
	char *req, *reply;
	size_t len, rlen;
	int fd, rc, is_raw;

	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	req = build_request(argc - optind, argv + optind, &len, &is_raw);
	if (!req)
		return EXIT_USAGE;
	fd = sl_ctl_client_connect(o.socket, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "sluicectl: %s\n", err);
		free(req);
		return EXIT_CONNECT;
	}
	rc = sl_ctl_client_exchange(fd, req, len, o.timeout_ms, &reply, &rlen, err, sizeof(err));
	close(fd);
	free(req);
	if (rc < 0) {
		fprintf(stderr, "sluicectl: %s: %s\n", argv[optind], err);
		return EXIT_CMD;
	}
	if (is_raw) {
		/* raw is for protocol debugging: the reply exactly as sent. */
		json_t *r = json_loads(reply, 0, NULL);

		puts(reply);
		rc = json_is_true(json_object_get(r, "ok")) ? 0 : EXIT_CMD;
		json_decref(r);
	} else {
		rc = show_reply(argv[optind], reply, rlen, &o);
	}
	free(reply);
	return rc;
}
