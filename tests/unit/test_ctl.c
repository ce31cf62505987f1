/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server, protocol and sluicectl, driven from the test's own
 * thread: the server is polled between the raw client's writes and reads,
 * so every interleaving below is deterministic.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "ctl_peer.h"
#include "ctl_proto.h"
#include "ctl_server.h"
#include "sluicectl_args.h"
#include "sluicectl_print.h"

#ifndef SL_SLUICECTL_PATH
#error "meson passes the sluicectl binary's path"
#endif

/* A gid and uid no test process runs as, for the credential tests. */
#define OTHER_UID 65534
#define OTHER_GID 65533

static char tmpdir[64];
static char sock_path[96];

/* ---- fixture ---------------------------------------------------------- */

static void fixture_up(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl_ctl_test.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(tmpdir) != NULL);
	/* The socket's parent does not exist yet: create() must make it. */
	snprintf(sock_path, sizeof(sock_path), "%s/run/ctl.sock", tmpdir);
}

static void fixture_down(void)
{
	char p[192];

	unlink(sock_path);
	snprintf(p, sizeof(p), "%s/out", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/err", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/run", tmpdir);
	rmdir(p);
	rmdir(tmpdir);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- test commands ---------------------------------------------------- */

static int n_calls;

static int cmd_echo(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	(*(int *)ctx)++;
	*result = json_deep_copy(args);
	return 0;
}

static int cmd_fail(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	*result = json_string("must be released by the server");
	snprintf(err, errlen, "it failed: %s", json_string_value(json_object_get(args, "why")));
	return -EIO;
}

static int cmd_fail_silent(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)result;
	(void)err;
	(void)errlen;
	return -EPERM;
}

static int cmd_blob(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	json_int_t n = json_integer_value(json_object_get(args, "n"));
	char *s;

	(void)ctx;
	if (n <= 0 || n > 64 * 1024 * 1024) {
		snprintf(err, errlen, "n out of range");
		return -EINVAL;
	}
	s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	memset(s, 'x', (size_t)n);
	s[n] = '\0';
	*result = json_string(s);
	free(s);
	return 0;
}

static int cmd_table(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)ctx;
	(void)args;
	(void)err;
	(void)errlen;
	*result = json_pack("[{s:s,s:i},{s:s,s:i,s:b}]", "name", "web", "port", 80, "name",
			    "dns-long", "port", 53, "up", 1);
	return 0;
}

static const struct sl_ctl_cmd test_cmds[] = {
	{ "echo", "return the args", cmd_echo },
	{ "fail", "fail with a message", cmd_fail },
	{ "fail_silent", "fail without a message", cmd_fail_silent },
	{ "blob", "a string of n bytes", cmd_blob },
	{ "table", "an array of objects", cmd_table },
};

static struct sl_ctl_server *start_server_mode(int mode, int gid)
{
	struct sl_ctl_server *srv;
	char err[256] = "";

	srv = sl_ctl_server_create(sock_path, mode, gid, err, sizeof(err));
	if (!srv)
		fprintf(stderr, "create: %s\n", err);
	CU_ASSERT_FATAL(srv != NULL);
	CU_ASSERT_FATAL(sl_ctl_server_set_commands(srv, test_cmds, 5, &n_calls) == 0);
	return srv;
}

static struct sl_ctl_server *start_server(void)
{
	return start_server_mode(0600, -1);
}

/* ---- raw client --------------------------------------------------------- */

struct cli {
	int    fd;
	char  *buf;
	size_t len, cap;
	int    eof;
};

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void cli_open(struct cli *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = raw_connect(sock_path);
	CU_ASSERT_FATAL(c->fd >= 0);
}

static void cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void cli_send(struct cli *c, const char *s, size_t n)
{
	size_t off = 0;
	ssize_t w;

	while (off < n) {
		w = send(c->fd, s + off, n - off, MSG_NOSIGNAL);
		CU_ASSERT_FATAL(w > 0 || errno == EAGAIN);
		if (w > 0)
			off += (size_t)w;
		else
			usleep(1000);
	}
}

/* Pull whatever the socket has into c->buf. */
static void cli_fill(struct cli *c)
{
	ssize_t n;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
			CU_ASSERT_FATAL(c->buf != NULL);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			c->eof = 1;
		return;
	}
}

/* Next reply line (malloc'd, no newline), polling @srv meanwhile; NULL on EOF or after 5 s. */
static char *cli_line(struct sl_ctl_server *srv, struct cli *c)
{
	long long deadline = now_ms() + 5000;
	char *nl, *line;
	size_t n;

	for (;;) {
		cli_fill(c);
		nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl) {
			n = (size_t)(nl - c->buf);
			line = strndup(c->buf, n);
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return line;
		}
		if (c->eof || now_ms() > deadline)
			return NULL;
		if (srv)
			sl_ctl_server_poll(srv, 5);
		else
			usleep(5000);
	}
}

/* Next reply as JSON (NULL on EOF/timeout/garbage). */
static json_t *cli_reply(struct sl_ctl_server *srv, struct cli *c)
{
	char *line = cli_line(srv, c);
	json_t *j = line ? json_loads(line, 0, NULL) : NULL;

	free(line);
	return j;
}

static json_t *roundtrip(struct sl_ctl_server *srv, struct cli *c, const char *req)
{
	cli_send(c, req, strlen(req));
	return cli_reply(srv, c);
}

/* Whether the server closes @c within 5 s (pending bytes are discarded). */
static int cli_sees_eof(struct sl_ctl_server *srv, struct cli *c)
{
	long long deadline = now_ms() + 5000;

	while (now_ms() < deadline) {
		cli_fill(c);
		c->len = 0;
		if (c->eof)
			return 1;
		sl_ctl_server_poll(srv, 5);
	}
	return 0;
}

static int reply_ok(json_t *r)
{
	return json_is_true(json_object_get(r, "ok"));
}

static const char *reply_error(json_t *r)
{
	if (!r || !json_is_false(json_object_get(r, "ok")))
		return NULL;
	return json_string_value(json_object_get(r, "error"));
}

static int error_contains(json_t *r, const char *needle)
{
	const char *e = reply_error(r);

	if (!e || !strstr(e, needle)) {
		fprintf(stderr, "\n  expected error containing \"%s\", got: %s\n", needle,
			e ? e : "(not an error reply)");
		return 0;
	}
	return 1;
}

/* ---- requests ------------------------------------------------------------ */

static void test_good_request(void)
{
	struct sl_ctl_server *srv;
	struct cli c;
	json_t *r, *want;
	int before;

	fixture_up();
	srv = start_server();
	cli_open(&c);
	before = n_calls;
	r = roundtrip(srv, &c, "{\"cmd\":\"echo\",\"args\":{\"a\":1,\"b\":[true,\"x\"]}}\n");
	want = json_pack("{s:i,s:[b,s]}", "a", 1, "b", 1, "x");
	CU_ASSERT(reply_ok(r));
	CU_ASSERT(json_equal(json_object_get(r, "result"), want));
	CU_ASSERT_PTR_NULL(json_object_get(r, "id")); /* no id asked, none echoed */
	CU_ASSERT_EQUAL(n_calls, before + 1);
	json_decref(want);
	json_decref(r);

	/* No args: the command still gets an (empty) object. */
	r = roundtrip(srv, &c, "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	CU_ASSERT(json_is_object(json_object_get(r, "result")));
	CU_ASSERT_EQUAL(json_object_size(json_object_get(r, "result")), 0);
	json_decref(r);

	/* Blank lines are skipped, CRLF accepted. */
	r = roundtrip(srv, &c, "\n  \r\n{\"cmd\":\"echo\",\"args\":{\"k\":2}}\r\n");
	CU_ASSERT(reply_ok(r));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(r, "result"), "k")), 2);
	json_decref(r);

	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->requests, 3);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_id_echo(void)
{
	static const char *ids[] = { "7", "\"abc\"", "{\"n\":[1,2]}", "null", "-1.5" };
	struct sl_ctl_server *srv;
	struct cli c;
	char req[128];
	json_t *r, *want;
	size_t i;

	fixture_up();
	srv = start_server();
	cli_open(&c);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(req, sizeof(req), "{\"id\":%s,\"cmd\":\"echo\"}\n", ids[i]);
		want = json_loads(ids[i], JSON_DECODE_ANY, NULL);
		r = roundtrip(srv, &c, req);
		CU_ASSERT(reply_ok(r));
		CU_ASSERT(json_object_get(r, "id") && json_equal(json_object_get(r, "id"), want));
		json_decref(r);
		json_decref(want);
	}
	/* Error replies echo the id too, even for a bad request. */
	r = roundtrip(srv, &c, "{\"id\":42,\"cmd\":\"nope\"}\n");
	CU_ASSERT(error_contains(r, "unknown command \"nope\""));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "id")), 42);
	json_decref(r);
	r = roundtrip(srv, &c, "{\"id\":43,\"cmd\":5}\n");
	CU_ASSERT(error_contains(r, "\"cmd\" must be"));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "id")), 43);
	json_decref(r);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_bad_requests_keep_connection(void)
{
	static const struct {
		const char *req, *err;
	} cases[] = {
		{ "{\"cmd\":", "malformed JSON" },
		{ "not json at all", "malformed JSON" },
		{ "{\"cmd\":\"echo\"} trailing", "malformed JSON" },
		{ "[1,2]", "must be a JSON object" },
		{ "42", "must be a JSON object" },
		{ "\"echo\"", "must be a JSON object" },
		{ "{}", "missing \"cmd\"" },
		{ "{\"cmd\":null}", "\"cmd\" must be" },
		{ "{\"cmd\":\"\"}", "\"cmd\" must be" },
		{ "{\"cmd\":[\"echo\"]}", "\"cmd\" must be" },
		{ "{\"cmd\":\"ec\\u0000ho\"}", "NUL" },
		{ "{\"cmd\":\"echo\",\"args\":[1]}", "\"args\" must be an object" },
		{ "{\"cmd\":\"echo\",\"args\":\"a=1\"}", "\"args\" must be an object" },
		{ "{\"cmd\":\"echo\",\"arg\":{}}", "unknown request field \"arg\"" },
		{ "{\"cmd\":\"echo\",\"cmd\":\"help\"}", "malformed JSON" },
		{ "{\"cmd\":\"no_such\"}", "unknown command \"no_such\"" },
		{ "{\"cmd\":\"fail\",\"args\":{\"why\":\"disk\"}}", "it failed: disk" },
		{ "{\"cmd\":\"fail_silent\"}", "Operation not permitted" },
		{ "\xff\xfe{}", "malformed JSON" },
	};
	struct sl_ctl_server *srv;
	struct cli c;
	char req[256];
	json_t *r;
	size_t i;

	fixture_up();
	srv = start_server();
	cli_open(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req), "%s\n", cases[i].req);
		r = roundtrip(srv, &c, req);
		if (!error_contains(r, cases[i].err))
			fprintf(stderr, "  for request: %s\n", cases[i].req);
		CU_ASSERT(reply_error(r) != NULL);
		json_decref(r);
	}
	/* After all of that the same connection still works. */
	r = roundtrip(srv, &c, "{\"cmd\":\"echo\",\"args\":{\"still\":true}}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);
	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->errors, sizeof(cases) / sizeof(cases[0]));
	CU_ASSERT_EQUAL(sl_ctl_server_n_clients(srv), 1);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_help_lists_commands(void)
{
	struct sl_ctl_server *srv;
	struct cli c;
	json_t *r, *res, *e;
	size_t i;
	int seen = 0;

	fixture_up();
	srv = start_server();
	cli_open(&c);
	r = roundtrip(srv, &c, "{\"cmd\":\"help\"}\n");
	res = json_object_get(r, "result");
	CU_ASSERT(reply_ok(r));
	CU_ASSERT_EQUAL(json_array_size(res), 6); /* help + 5 */
	json_array_foreach(res, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "name")), "blob") &&
		    !strcmp(json_string_value(json_object_get(e, "help")), "a string of n bytes"))
			seen++;
	}
	CU_ASSERT_EQUAL(seen, 1);
	json_decref(r);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_set_commands_rejects_bad_tables(void)
{
	static const struct sl_ctl_cmd dup[] = { { "a", "", cmd_echo }, { "a", "", cmd_echo } };
	static const struct sl_ctl_cmd help[] = { { "help", "", cmd_echo } };
	static const struct sl_ctl_cmd nofn[] = { { "a", "", NULL } };
	static const struct sl_ctl_cmd noname[] = { { "", "", cmd_echo } };
	struct sl_ctl_server *srv;
	struct cli c;
	json_t *r;

	fixture_up();
	srv = start_server();
	CU_ASSERT_EQUAL(sl_ctl_server_set_commands(srv, dup, 2, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_ctl_server_set_commands(srv, help, 1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_ctl_server_set_commands(srv, nofn, 1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_ctl_server_set_commands(srv, noname, 1, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sl_ctl_server_set_commands(srv, NULL, 3, NULL), -EINVAL);
	/* A rejected table leaves the old one in place. */
	cli_open(&c);
	r = roundtrip(srv, &c, "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

/* ---- limits ------------------------------------------------------------ */

/* A request line of exactly @len bytes (before the newline). */
static char *padded_request(size_t len)
{
	static const char head[] = "{\"cmd\":\"echo\",\"args\":{\"s\":\"";
	static const char tail[] = "\"}}";
	char *s = malloc(len + 2);

	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'p', len - (sizeof(head) - 1) - (sizeof(tail) - 1));
	memcpy(s + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	s[len] = '\n';
	s[len + 1] = '\0';
	return s;
}

static void test_line_limit(void)
{
	struct sl_ctl_server *srv;
	struct cli c;
	char *req;
	json_t *r;

	fixture_up();
	srv = start_server();
	cli_open(&c);
	/* Exactly the limit: served. */
	req = padded_request(SL_CTL_MAX_LINE);
	r = roundtrip(srv, &c, req);
	CU_ASSERT(reply_ok(r));
	CU_ASSERT_EQUAL(json_string_length(json_object_get(json_object_get(r, "result"), "s")),
			SL_CTL_MAX_LINE - 30);
	json_decref(r);
	free(req);

	/* One byte more, complete with its newline: error, then close. */
	req = padded_request(SL_CTL_MAX_LINE + 1);
	r = roundtrip(srv, &c, req);
	CU_ASSERT(error_contains(r, "longer than 65536"));
	json_decref(r);
	free(req);
	CU_ASSERT(cli_sees_eof(srv, &c));
	cli_close(&c);

	/* A line that never ends is cut off without waiting for its newline. */
	cli_open(&c);
	req = malloc(4 * SL_CTL_MAX_LINE);
	memset(req, '{', 4 * SL_CTL_MAX_LINE);
	cli_send(&c, req, SL_CTL_MAX_LINE + 100);
	free(req);
	r = cli_reply(srv, &c);
	CU_ASSERT(error_contains(r, "longer than"));
	json_decref(r);
	CU_ASSERT(cli_sees_eof(srv, &c));
	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->dropped_long, 2);
	CU_ASSERT_EQUAL(sl_ctl_server_n_clients(srv), 0);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_partial_writes_and_pipelining(void)
{
	static const char req[] = "{\"cmd\":\"echo\",\"args\":{\"chunked\":\"yes\"},\"id\":9}\n";
	const char *pipelined, *last;
	struct sl_ctl_server *srv;
	struct cli c;
	size_t off, n;
	json_t *r;
	int i;

	fixture_up();
	srv = start_server();
	cli_open(&c);
	/* Dribble the request 1..3 bytes at a time: nothing comes back until
	 * the newline arrives, then exactly one reply. */
	for (off = 0; off < sizeof(req) - 2; off += n) {
		n = 1 + off % 3;
		if (off + n > sizeof(req) - 2)
			n = sizeof(req) - 2 - off;
		cli_send(&c, req + off, n);
		for (i = 0; i < 3; i++)
			sl_ctl_server_poll(srv, 1);
		cli_fill(&c);
		CU_ASSERT_EQUAL(c.len, 0);
	}
	r = roundtrip(srv, &c, "\n");
	CU_ASSERT(reply_ok(r));
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(r, "result"), "chunked")), "yes");
	json_decref(r);

	/* Three requests in one write: three replies, in order. */
	pipelined = "{\"cmd\":\"echo\",\"id\":1}\n{\"cmd\":\"bad\",\"id\":2}\n{\"cmd\":\"echo\",\"id\":3}\n";
	cli_send(&c, pipelined, strlen(pipelined));
	for (i = 1; i <= 3; i++) {
		r = cli_reply(srv, &c);
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "id")), i);
		CU_ASSERT_EQUAL(reply_ok(r), i != 2);
		json_decref(r);
	}

	/* A final request without newline, then EOF: still answered. */
	last = "{\"cmd\":\"echo\",\"id\":\"last\"}";
	cli_send(&c, last, strlen(last));
	shutdown(c.fd, SHUT_WR);
	r = cli_reply(srv, &c);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "id")), "last");
	json_decref(r);
	CU_ASSERT(cli_sees_eof(srv, &c));
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_many_clients(void)
{
	struct cli c[SL_CTL_MAX_CLIENTS + 1];
	struct sl_ctl_server *srv;
	char req[64];
	json_t *r;
	int i, ok = 0;

	fixture_up();
	srv = start_server();
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
		cli_open(&c[i]);
		sl_ctl_server_poll(srv, 0);
	}
	/* All connected before anyone is served: requests interleave. */
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
		snprintf(req, sizeof(req), "{\"cmd\":\"echo\",\"id\":%d}\n", i);
		cli_send(&c[i], req, strlen(req));
	}
	for (i = SL_CTL_MAX_CLIENTS - 1; i >= 0; i--) {
		r = cli_reply(srv, &c[i]);
		ok += reply_ok(r) && json_integer_value(json_object_get(r, "id")) == i;
		json_decref(r);
	}
	CU_ASSERT_EQUAL(ok, SL_CTL_MAX_CLIENTS);
	CU_ASSERT_EQUAL(sl_ctl_server_n_clients(srv), SL_CTL_MAX_CLIENTS);

	/* One more: told why, then closed. */
	cli_open(&c[SL_CTL_MAX_CLIENTS]);
	r = cli_reply(srv, &c[SL_CTL_MAX_CLIENTS]);
	CU_ASSERT(error_contains(r, "too many"));
	json_decref(r);
	CU_ASSERT(cli_sees_eof(srv, &c[SL_CTL_MAX_CLIENTS]));
	cli_close(&c[SL_CTL_MAX_CLIENTS]);
	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->rejected_full, 1);

	/* A slot freed is a slot reusable. */
	cli_close(&c[0]);
	for (i = 0; i < 5; i++)
		sl_ctl_server_poll(srv, 2);
	CU_ASSERT_EQUAL(sl_ctl_server_n_clients(srv), SL_CTL_MAX_CLIENTS - 1);
	cli_open(&c[0]);
	r = roundtrip(srv, &c[0], "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		cli_close(&c[i]);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_client_that_never_reads(void)
{
	static const char blob_req[] = "{\"cmd\":\"blob\",\"args\":{\"n\":262144}}\n";
	struct sl_ctl_server *srv;
	struct cli hog, good;
	json_t *r;
	int i, served = 0;
	long long t0;

	fixture_up();
	srv = start_server();
	cli_open(&hog);
	cli_open(&good);
	/* The hog asks for 40 x 256 KiB (10 MiB) and reads none of it. Each
	 * round the well-behaved client must still be answered. */
	t0 = now_ms();
	for (i = 0; i < 40 && sl_ctl_server_stats(srv)->dropped_slow == 0; i++) {
		send(hog.fd, blob_req, sizeof(blob_req) - 1, MSG_NOSIGNAL);
		r = roundtrip(srv, &good, "{\"cmd\":\"echo\"}\n");
		served += reply_ok(r);
		json_decref(r);
	}
	CU_ASSERT_EQUAL(served, i);
	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->dropped_slow, 1);
	/* Dropped after more than the 4 MiB budget was requested and before 10 MiB. */
	CU_ASSERT(i >= 16 && i < 40);
	CU_ASSERT(now_ms() - t0 < 5000);
	CU_ASSERT(cli_sees_eof(srv, &hog));
	CU_ASSERT_EQUAL(sl_ctl_server_n_clients(srv), 1);
	r = roundtrip(srv, &good, "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);

	/* One reply larger than the whole budget is an error for the
	 * command, not a reason to drop the client. */
	r = roundtrip(srv, &good, "{\"cmd\":\"blob\",\"args\":{\"n\":5000000}}\n");
	CU_ASSERT(error_contains(r, "exceeds"));
	json_decref(r);
	r = roundtrip(srv, &good, "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);
	cli_close(&hog);
	cli_close(&good);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

/* ---- peer credentials -------------------------------------------------- */

static void test_peer_decision(void)
{
	struct sl_ctl_peer p = { .uid = 0, .gid = 0 };

	CU_ASSERT(sl_ctl_peer_allowed(&p, 1000, -1)); /* root always */
	p.uid = 1000;
	p.gid = 1000;
	CU_ASSERT(sl_ctl_peer_allowed(&p, 1000, -1)); /* the daemon's own uid */
	p.uid = 1001;
	CU_ASSERT(!sl_ctl_peer_allowed(&p, 1000, -1)); /* stranger, no group configured */
	CU_ASSERT(!sl_ctl_peer_allowed(&p, 1000, 500));
	p.gid = 500;
	CU_ASSERT(sl_ctl_peer_allowed(&p, 1000, 500)); /* primary group */
	p.gid = 1001;
	p.groups[0] = 10;
	p.groups[1] = 500;
	p.n_groups = 2;
	CU_ASSERT(sl_ctl_peer_allowed(&p, 1000, 500)); /* supplementary group */
	CU_ASSERT(!sl_ctl_peer_allowed(&p, 1000, 501));
	p.n_groups = 1;
	CU_ASSERT(!sl_ctl_peer_allowed(&p, 1000, 500)); /* only n_groups entries count */
	/* "no group" must not match a peer in the all-ones group. */
	p.gid = (gid_t)-1;
	p.groups[0] = (gid_t)-1;
	CU_ASSERT(!sl_ctl_peer_allowed(&p, 1000, -1));
	/* A corrupt count cannot read past the array. */
	p.n_groups = 1 << 20;
	CU_ASSERT(!sl_ctl_peer_allowed(&p, 1000, 12345));
}

/*
 * Connect as OTHER_UID (with @gid as its only group) and report through the
 * exit status: 0 served, 1 refused with "permission denied", 2 other.
 */
static int child_request_as_other(int gid)
{
	struct cli c;
	char *line;
	gid_t g = (gid_t)gid;

	if (setgroups(1, &g) < 0 || setgid(g) < 0 || setuid(OTHER_UID) < 0)
		_exit(3);
	memset(&c, 0, sizeof(c));
	c.fd = raw_connect(sock_path);
	if (c.fd < 0)
		_exit(4);
	send(c.fd, "{\"cmd\":\"echo\"}\n", 15, MSG_NOSIGNAL);
	fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
	line = cli_line(NULL, &c);
	if (line && strstr(line, "\"ok\":true"))
		_exit(0);
	if (line && strstr(line, "permission denied"))
		_exit(1);
	_exit(2);
}

static int run_child_as_other(struct sl_ctl_server *srv, int gid)
{
	long long deadline = now_ms() + 5000;
	pid_t pid = fork();
	int status;

	if (pid == 0)
		child_request_as_other(gid);
	CU_ASSERT_FATAL(pid > 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sl_ctl_server_poll(srv, 5);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_peer_cred_enforced(void)
{
	struct sl_ctl_server *srv;

	if (geteuid() != 0) {
		fprintf(stderr, "(not root: only the decision function is tested) ");
		return;
	}
	fixture_up();
	chmod(tmpdir, 0755);
	/* A world-writable socket: only the credential check stands in the way. */
	srv = start_server_mode(0666, -1);
	CU_ASSERT_EQUAL(run_child_as_other(srv, OTHER_GID), 1);
	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->rejected_cred, 1);
	sl_ctl_server_destroy(srv);

	/* With the group configured, its members are let in. */
	srv = start_server_mode(0660, OTHER_GID);
	CU_ASSERT_EQUAL(run_child_as_other(srv, OTHER_GID), 0);
	/* ... and the file mode keeps the others out before we even see them. */
	CU_ASSERT_EQUAL(run_child_as_other(srv, OTHER_GID - 1), 4);
	CU_ASSERT_EQUAL(sl_ctl_server_stats(srv)->rejected_cred, 0);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

/* ---- the socket file ----------------------------------------------------- */

static void test_socket_file_mode(void)
{
	struct sl_ctl_server *srv;
	struct stat st;
	char err[256];
	char longpath[200];

	fixture_up();
	srv = start_server();
	CU_ASSERT_FATAL(lstat(sock_path, &st) == 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	sl_ctl_server_destroy(srv);
	CU_ASSERT(lstat(sock_path, &st) < 0 && errno == ENOENT); /* destroy unlinks */

	if (geteuid() == 0) {
		srv = start_server_mode(0660, OTHER_GID);
		CU_ASSERT_FATAL(lstat(sock_path, &st) == 0);
		CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
		CU_ASSERT_EQUAL(st.st_gid, OTHER_GID);
		sl_ctl_server_destroy(srv);
	}

	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ctl_server_create(sock_path, 04755, -1, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(sl_ctl_server_create(sock_path, -1, -1, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(sl_ctl_server_create("", 0600, -1, err, sizeof(err)));
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	errno = 0;
	CU_ASSERT_PTR_NULL(sl_ctl_server_create(longpath, 0600, -1, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, ENAMETOOLONG);
	CU_ASSERT(strstr(err, "longer than") != NULL);
	fixture_down();
}

static void test_stale_socket_replaced(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sl_ctl_server *srv;
	struct cli c;
	char dir[160];
	json_t *r;
	int fd;

	fixture_up();
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
	/* What a crashed daemon leaves: a socket file nobody listens on. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CU_ASSERT_EQUAL(access(sock_path, F_OK), 0);

	srv = start_server();
	cli_open(&c);
	r = roundtrip(srv, &c, "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);
	cli_close(&c);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_live_socket_not_stolen(void)
{
	struct sl_ctl_server *a, *b;
	struct stat before, after;
	struct cli c;
	char err[256] = "";
	json_t *r;

	fixture_up();
	a = start_server();
	CU_ASSERT_FATAL(lstat(sock_path, &before) == 0);
	errno = 0;
	b = sl_ctl_server_create(sock_path, 0600, -1, err, sizeof(err));
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT_EQUAL(errno, EADDRINUSE);
	CU_ASSERT(strstr(err, "in use") != NULL);
	CU_ASSERT_FATAL(lstat(sock_path, &after) == 0);
	CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
	cli_open(&c);
	r = roundtrip(a, &c, "{\"cmd\":\"echo\"}\n");
	CU_ASSERT(reply_ok(r));
	json_decref(r);
	cli_close(&c);

	/* If someone else's socket took the path meanwhile, destroying the
	 * old server must leave it alone. */
	unlink(sock_path);
	b = start_server();
	sl_ctl_server_destroy(a);
	CU_ASSERT_EQUAL(access(sock_path, F_OK), 0);
	sl_ctl_server_destroy(b);
	CU_ASSERT_NOT_EQUAL(access(sock_path, F_OK), 0);
	fixture_down();
}

static void test_not_a_socket_left_alone(void)
{
	struct sl_ctl_server *srv;
	char dir[160], err[256] = "";
	struct stat st;
	int fd;

	fixture_up();
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
	fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "data", 4) == 4);
	close(fd);
	errno = 0;
	srv = sl_ctl_server_create(sock_path, 0600, -1, err, sizeof(err));
	CU_ASSERT_PTR_NULL(srv);
	CU_ASSERT_EQUAL(errno, EEXIST);
	CU_ASSERT(lstat(sock_path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4);
	sl_ctl_server_destroy(srv); /* NULL is fine */
	fixture_down();
}

/* ---- protocol helpers, client argument typing and rendering ------------- */

static void test_reply_parse(void)
{
	json_t *res, *id;
	char err[128];

	CU_ASSERT_EQUAL(sl_ctl_reply_parse("{\"ok\":true,\"result\":[1],\"id\":3}", 31, &res, &id,
					   err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(json_array_size(res), 1);
	CU_ASSERT_EQUAL(json_integer_value(id), 3);
	json_decref(res);
	json_decref(id);
	CU_ASSERT_EQUAL(sl_ctl_reply_parse("{\"ok\":false,\"error\":\"boom\"}", 27, &res, NULL, err,
					   sizeof(err)), 1);
	CU_ASSERT_STRING_EQUAL(err, "boom");
	CU_ASSERT_PTR_NULL(res);
	CU_ASSERT_EQUAL(sl_ctl_reply_parse("{\"ok\":1}", 8, &res, NULL, err, sizeof(err)), -EPROTO);
	CU_ASSERT_EQUAL(sl_ctl_reply_parse("[true]", 6, &res, NULL, err, sizeof(err)), -EPROTO);
	CU_ASSERT_EQUAL(sl_ctl_reply_parse("{\"ok\":tr", 8, &res, NULL, err, sizeof(err)), -EPROTO);
}

static void test_arg_typing(void)
{
	static const struct {
		const char *text;
		json_type type;
	} cases[] = {
		{ "80", JSON_INTEGER }, { "-3", JSON_INTEGER },	 { "1.5", JSON_REAL },
		{ "1e3", JSON_REAL },	{ "true", JSON_TRUE },	 { "false", JSON_FALSE },
		{ "007", JSON_STRING }, { "0x10", JSON_STRING }, { "1.2.3", JSON_STRING },
		{ "198.18.0.1", JSON_STRING }, { "null", JSON_STRING }, { "", JSON_STRING },
		{ " 5", JSON_STRING },	{ "5 ", JSON_STRING },	 { "nan", JSON_STRING },
		{ "True", JSON_STRING }, { "99999999999999999999999", JSON_STRING },
		{ "[1]", JSON_STRING },
	};
	json_t *v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = sl_ctl_arg_value(cases[i].text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		if (json_typeof(v) != cases[i].type)
			fprintf(stderr, "\n  \"%s\" typed %d, want %d\n", cases[i].text,
				json_typeof(v), cases[i].type);
		CU_ASSERT_EQUAL(json_typeof(v), cases[i].type);
		if (cases[i].type == JSON_STRING)
			CU_ASSERT_STRING_EQUAL(json_string_value(v), cases[i].text);
		json_decref(v);
	}
	v = sl_ctl_arg_value("80");
	CU_ASSERT_EQUAL(json_integer_value(v), 80);
	json_decref(v);
	CU_ASSERT_PTR_NULL(sl_ctl_arg_value("\xff\xfe")); /* not UTF-8 */
}

static void test_args_parse(void)
{
	char *good[] = { "port=80", "name=web", "ids:=[1,2]", "label:=\"80\"", "eq=a=b" };
	char *bad[][2] = { { "novalue", NULL }, { "=1", NULL },	  { ":=1", NULL },
			   { "a=1", "a=2" },	  { "x:=[1", NULL },  { "k\xff=1", NULL } };
	json_t *args, *want;
	char err[256];
	size_t i;

	CU_ASSERT_EQUAL(sl_ctl_args_parse(5, good, &args, err, sizeof(err)), 0);
	want = json_pack("{s:i,s:s,s:[i,i],s:s,s:s}", "port", 80, "name", "web", "ids", 1, 2, "label",
			 "80", "eq", "a=b");
	CU_ASSERT(json_equal(args, want));
	json_decref(args);
	json_decref(want);
	CU_ASSERT_EQUAL(sl_ctl_args_parse(0, good, &args, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(json_object_size(args), 0);
	json_decref(args);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(sl_ctl_args_parse(bad[i][1] ? 2 : 1, bad[i], &args, err, sizeof(err)),
				-EINVAL);
		CU_ASSERT_PTR_NULL(args);
		CU_ASSERT(err[0] != '\0');
	}
}

static char *render(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(sl_ctl_print_human(f, v), 0);
	fclose(f);
	return buf;
}

static void test_print_human(void)
{
	json_t *v;
	char *s;

	/* Table: union of keys in first-seen order, "-" for missing cells. */
	v = json_loads("[{\"name\":\"web\",\"port\":80},{\"name\":\"dns-long\",\"port\":53,\"up\":true}]",
		       0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "NAME      PORT  UP\n"
				  "web       80    -\n"
				  "dns-long  53    true\n");
	free(s);
	json_decref(v);

	/* Object: aligned keys, nested object indented, nested table indented. */
	v = json_loads("{\"rx\":10,\"vip_name\":\"a\\nb\",\"lcore\":{\"id\":1},\"b\":[{\"x\":1}],"
		       "\"tags\":[\"p\",2],\"none\":null,\"r\":0.25}",
		       0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "rx:       10\n"
				  "vip_name: a?b\n"
				  "lcore:\n"
				  "  id: 1\n"
				  "b:\n"
				  "  X\n"
				  "  1\n"
				  "tags:     [\"p\",2]\n"
				  "none:     -\n"
				  "r:        0.25\n");
	free(s);
	json_decref(v);

	v = json_array();
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "(none)\n");
	free(s);
	json_decref(v);
	v = json_null();
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "");
	free(s);
	v = json_pack("[s,i]", "a", 2);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "a\n2\n");
	free(s);
	json_decref(v);
}

static void test_print_nested_tables(void)
{
	json_t *v;
	char *s;

	/* `vips`-like rows: the backends array becomes an indented sub-table
	 * under its row (not a column); an empty one says so. */
	v = json_loads("[{\"name\":\"web\",\"port\":80,\"backends\":["
		       "  {\"name\":\"b1\",\"state\":\"up\"},{\"name\":\"b-two\",\"state\":\"down\"}]},"
		       " {\"name\":\"dns\",\"port\":53,\"backends\":[]}]",
		       0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "NAME  PORT\n"
				  "web   80\n"
				  "  backends:\n"
				  "    NAME   STATE\n"
				  "    b1     up\n"
				  "    b-two  down\n"
				  "dns   53\n"
				  "  backends: (none)\n");
	free(s);
	json_decref(v);

	/* `stats.lcores`-like rows: a nested object is a k=v cell; a sub-table
	 * key holding a scalar in one row prints beside its label. */
	v = json_loads("{\"lcores\":[{\"lcore\":1,\"drops\":{\"no_vip\":5,\"ttl\":0},\"x\":[{\"a\":1}]},"
		       "            {\"lcore\":2,\"drops\":{},\"x\":7}]}",
		       0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "lcores:\n"
				  "  LCORE  DROPS\n"
				  "  1      no_vip=5 ttl=0\n"
				  "    x:\n"
				  "      A\n"
				  "      1\n"
				  "  2      (none)\n"
				  "    x: 7\n");
	free(s);
	json_decref(v);

	/* Hostile keys cannot break lines: control characters become '?'. */
	v = json_loads("[{\"a\\nb\":1,\"o\":{\"k\\r\":\"v\\n\"},\"s\":[{\"z\\u001b\":2}]}]", 0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "A?B  O\n"
				  "1    k?=v?\n"
				  "  s:\n"
				  "    Z?\n"
				  "    2\n");
	free(s);
	json_decref(v);
	v = json_loads("{\"k\\u0007\":1}", 0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "k?: 1\n");
	free(s);
	json_decref(v);

	/* Rows with nothing but sub-tables: no empty header line. */
	v = json_loads("[{\"s\":[{\"a\":1}]}]", 0, NULL);
	s = render(v);
	CU_ASSERT_STRING_EQUAL(s, "  s:\n    A\n    1\n");
	free(s);
	json_decref(v);
}

/* ---- the real sluicectl ------------------------------------------------ */

struct run {
	int   status; /* exit code, or -1 */
	char *out, *err;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];

	buf = calloc(1, 1);
	if (!f)
		return buf;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf = realloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Run sluicectl with @argv (NULL-terminated, argv[0] omitted), serving @srv
 * (if any) while it runs; killed after 10 s. */
static void run_sluicectl(struct sl_ctl_server *srv, const char *const *args, struct run *res)
{
	char out[192], err[192];
	const char *argv[16] = { SL_SLUICECTL_PATH };
	long long deadline = now_ms() + 10000;
	int i, status, fd;
	pid_t pid;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	snprintf(err, sizeof(err), "%s/err", tmpdir);
	pid = fork();
	if (pid == 0) {
		fd = open(out, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		dup2(fd, 1);
		fd = open(err, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		dup2(fd, 2);
		execv(SL_SLUICECTL_PATH, (char *const *)argv);
		_exit(127);
	}
	CU_ASSERT_FATAL(pid > 0);
	res->status = -1;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (srv)
			sl_ctl_server_poll(srv, 5);
		else
			usleep(5000);
	}
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	res->out = slurp(out);
	res->err = slurp(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void test_sluicectl_binary(void)
{
	struct cli hold[SL_CTL_MAX_CLIENTS];
	struct sl_ctl_server *srv;
	struct run r;
	json_t *j;
	int i;

	fixture_up();
	srv = start_server();

	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "help", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT(strncmp(r.out, "NAME", 4) == 0);
	CU_ASSERT(strstr(r.out, "fail_silent  fail without a message") != NULL);
	run_free(&r);

	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "--json", "echo", "port=80",
					     "name=web", "on=true", "ids:=[1]", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "port")), 80);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "name")), "web");
	CU_ASSERT(json_is_true(json_object_get(j, "on")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "ids")), 1);
	json_decref(j);
	run_free(&r);

	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "table", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "NAME      PORT  UP\nweb       80    -\ndns-long  53    true\n");
	run_free(&r);

	/* Command error: exit 1, the daemon's message on stderr, nothing on stdout. */
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "fail", "why=quota", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT(strstr(r.err, "it failed: quota") != NULL);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	run_free(&r);

	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "frobnicate", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT(strstr(r.err, "unknown command") != NULL);
	run_free(&r);

	/* raw: the reply line as sent, id included. */
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "raw",
					     "{ \"cmd\": \"echo\", \"args\": {\"x\": 1}, \"id\": \"q\" }",
					     NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "{\"ok\":true,\"result\":{\"x\":1},\"id\":\"q\"}\n");
	run_free(&r);
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "raw", "[1]", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT(strstr(r.out, "must be a JSON object") != NULL);
	run_free(&r);

	/* Usage errors: exit 2, before connecting. */
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "echo", "novalue", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 2);
	run_free(&r);
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 2);
	run_free(&r);
	run_sluicectl(srv, (const char *[]){ "--timeout", "-1", "help", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 2);
	run_free(&r);
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "raw", "{bad", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 2);
	run_free(&r);

	/* Cannot connect: exit 3, naming the path and the reason. */
	run_sluicectl(srv, (const char *[]){ "-s", "/nonexistent/sluice.sock", "help", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 3);
	CU_ASSERT(strstr(r.err, "/nonexistent/sluice.sock") != NULL);
	CU_ASSERT(strstr(r.err, "No such file") != NULL);
	run_free(&r);

	/* Nobody polls the server: the reply never comes, --timeout ends it. */
	run_sluicectl(NULL, (const char *[]){ "-s", sock_path, "--timeout", "0.3", "help", NULL },
		      &r);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT(strstr(r.err, "no reply within 300 ms") != NULL);
	run_free(&r);

	/* A refusal that comes without an id still reaches the operator. */
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
		cli_open(&hold[i]);
		sl_ctl_server_poll(srv, 0);
	}
	run_sluicectl(srv, (const char *[]){ "-s", sock_path, "help", NULL }, &r);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT(strstr(r.err, "too many control clients") != NULL);
	run_free(&r);
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		cli_close(&hold[i]);

	sl_ctl_server_destroy(srv);
	fixture_down();
}

static void test_sluicectl_env_socket(void)
{
	struct sl_ctl_server *srv;
	struct run r;

	fixture_up();
	srv = start_server();
	setenv("SLUICE_SOCKET", sock_path, 1);
	run_sluicectl(srv, (const char *[]){ "echo", "a=b", NULL }, &r);
	unsetenv("SLUICE_SOCKET");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "a: b\n");
	run_free(&r);
	sl_ctl_server_destroy(srv);
	fixture_down();
}

SL_CU_MAIN("ctl",
	   { "good request", test_good_request },
	   { "id echo", test_id_echo },
	   { "bad requests keep the connection", test_bad_requests_keep_connection },
	   { "help lists commands", test_help_lists_commands },
	   { "set_commands rejects bad tables", test_set_commands_rejects_bad_tables },
	   { "request line limit", test_line_limit },
	   { "partial writes and pipelining", test_partial_writes_and_pipelining },
	   { "many clients", test_many_clients },
	   { "client that never reads", test_client_that_never_reads },
	   { "peer decision", test_peer_decision },
	   { "peer credentials enforced", test_peer_cred_enforced },
	   { "socket file mode", test_socket_file_mode },
	   { "stale socket replaced", test_stale_socket_replaced },
	   { "live socket not stolen", test_live_socket_not_stolen },
	   { "non-socket file left alone", test_not_a_socket_left_alone },
	   { "reply parse", test_reply_parse },
	   { "argument typing", test_arg_typing },
	   { "args parse", test_args_parse },
	   { "human output", test_print_human },
	   { "human output: nested tables", test_print_nested_tables },
	   { "sluicectl binary", test_sluicectl_binary },
	   { "sluicectl SLUICE_SOCKET", test_sluicectl_env_socket })
