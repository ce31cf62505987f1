/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus endpoint: the text writer, the stats/vips renderer, and the
 * HTTP server driven exactly as the daemon drives it (its epoll fd polled on
 * this one thread) while libcurl or a raw socket talks to it from the same
 * thread.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cunit_main.h"
#include "metrics.h"
#include "metrics_render.h"

/* ---- helpers --------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Parse one label-value string starting after its opening quote; returns the
 * pointer past the closing quote, or NULL on a bad escape or raw newline.
 */
static const char *skip_label_value(const char *p)
{
	for (; *p && *p != '"'; p++) {
		if (*p == '\n')
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p != '\\' && *p != '"' && *p != 'n')
				return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * A strict reader of the exposition format as sluice writes it: every line
 * is "# HELP name text", "# TYPE name type" or a sample; a sample's name is
 * the family announced by the last TYPE (counters and gauges have no
 * suffixed series), families never repeat. Returns the sample count, or -1
 * (printing the offending line).
 */
static bool checker_quiet; /* the checker's own test expects failures */

static int check_exposition(const char *text)
{
	char family[256] = "", seen[64][256];
	int nseen = 0, samples = 0, i;
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n'), *p = line;
		char name[256];
		size_t n = 0;
		char *end;

		if (!nl)
			goto bad;
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
			bool type = line[2] == 'T';

			for (p = line + 7; name_char(*p, p == line + 7) && n < sizeof(name) - 1; p++)
				name[n++] = *p;
			name[n] = '\0';
			if (!n || *p != ' ')
				goto bad;
			if (type) {
				if (strncmp(p, " counter\n", 9) && strncmp(p, " gauge\n", 7))
					goto bad;
				for (i = 0; i < nseen; i++)
					if (!strcmp(seen[i], name))
						goto bad;
				if (nseen < 64)
					snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
				snprintf(family, sizeof(family), "%s", name);
			}
		} else {
			for (; name_char(*p, p == line) && n < sizeof(name) - 1; p++)
				name[n++] = *p;
			name[n] = '\0';
			if (!n || strcmp(name, family))
				goto bad;
			if (*p == '{') {
				p++;
				for (;;) {
					if (!name_char(*p, true))
						goto bad;
					while (name_char(*p, false))
						p++;
					if (p[0] != '=' || p[1] != '"')
						goto bad;
					p = skip_label_value(p + 2);
					if (!p)
						goto bad;
					if (*p == '}')
						break;
					if (*p++ != ',')
						goto bad;
				}
				p++;
			}
			if (*p++ != ' ')
				goto bad;
			if (strncmp(p, "NaN\n", 4) && strncmp(p, "+Inf\n", 5) && strncmp(p, "-Inf\n", 5)) {
				strtod(p, &end);
				if (end == p || *end != '\n')
					goto bad;
			}
			samples++;
		}
		line = nl + 1;
	}
	return samples;
bad:
	if (!checker_quiet)
		fprintf(stderr, "\n  bad exposition line: %.*s\n", (int)strcspn(line, "\n"), line);
	return -1;
}

/* ---- the writer ------------------------------------------------------ */

static void test_writer_format(void)
{
	struct sl_metrics_writer *w = sl_mw_create();

	CU_ASSERT_FATAL(w != NULL);
	sl_mw_family(w, "x_total", "counter", "Help with \\ and\nnewline \"kept\".");
	sl_mw_sample(w, "x_total", UINT64_MAX, NULL);
	sl_mw_sample(w, "x_total", 7, "a", "q\"uo\\te\nnl", "b", NULL, NULL);
	sl_mw_family(w, "g", "gauge", NULL);
	sl_mw_sample_double(w, "g", 0.1, NULL);
	sl_mw_sample_double(w, "g", 1.5e-6, NULL);
	sl_mw_sample_double(w, "g", -3, NULL);
	sl_mw_sample_double(w, "g", NAN, NULL);
	sl_mw_sample_double(w, "g", INFINITY, NULL);
	sl_mw_sample_double(w, "g", -INFINITY, NULL);
	/* Invalid UTF-8 (lone continuation, truncated, overlong) becomes '?'; valid stays. */
	sl_mw_sample_double(w, "g", 2, "s", "\x80" "a\xc3" "b\xc0\xaf" "\xc3\xa9", NULL);
	CU_ASSERT_EQUAL(sl_mw_status(w), 0);
	CU_ASSERT_STRING_EQUAL(sl_mw_text(w, NULL),
			       "# HELP x_total Help with \\\\ and\\nnewline \"kept\".\n"
			       "# TYPE x_total counter\n"
			       "x_total 18446744073709551615\n"
			       "x_total{a=\"q\\\"uo\\\\te\\nnl\",b=\"\"} 7\n"
			       "# TYPE g gauge\n"
			       "g 0.1\n"
			       "g 1.5e-06\n"
			       "g -3\n"
			       "g NaN\n"
			       "g +Inf\n"
			       "g -Inf\n"
			       "g{s=\"?a?b??\xc3\xa9\"} 2\n");
	CU_ASSERT(check_exposition(sl_mw_text(w, NULL)) == 9);
	sl_mw_destroy(w);
}

static void test_writer_rejects_bad_names(void)
{
	struct sl_metrics_writer *w = sl_mw_create();
	size_t len;
	char *t;

	CU_ASSERT_FATAL(w != NULL);
	sl_mw_family(w, "ok", "gauge", "fine");
	sl_mw_sample(w, "ok", 1, NULL);
	CU_ASSERT_EQUAL(sl_mw_status(w), 0);
	sl_mw_family(w, "1bad", "gauge", "h");
	sl_mw_family(w, "bad name", "gauge", "h");
	sl_mw_family(w, "ok2", "histogram", "h");
	sl_mw_family(w, "ok3", NULL, "h");
	sl_mw_family(w, NULL, "gauge", "h");
	sl_mw_family(w, "", "gauge", "h");
	sl_mw_sample(w, "ok{", 1, NULL);
	sl_mw_sample(w, NULL, 1, NULL);
	/* A bad label anywhere in the list drops the whole line, not just the label. */
	sl_mw_sample(w, "ok", 2, "good", "v", "bad-label", "v", NULL);
	sl_mw_sample(w, "ok", 3, "__reserved", "v", NULL);
	sl_mw_sample(w, "ok", 4, "a:b", "v", NULL);
	sl_mw_sample(w, "ok", 5, "", "v", NULL);
	CU_ASSERT_EQUAL(sl_mw_status(w), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sl_mw_text(w, &len), "# HELP ok fine\n# TYPE ok gauge\nok 1\n");
	CU_ASSERT_EQUAL(len, strlen("# HELP ok fine\n# TYPE ok gauge\nok 1\n"));
	/* Colons are legal in metric names (recording rules use them). */
	sl_mw_family(w, "a:b", "untyped", NULL);
	sl_mw_sample(w, "a:b", 9, NULL);
	t = sl_mw_take(w, &len);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_STRING_EQUAL(t, "# HELP ok fine\n# TYPE ok gauge\nok 1\n# TYPE a:b untyped\na:b 9\n");
	CU_ASSERT_EQUAL(len, strlen(t));
	free(t);
	CU_ASSERT_STRING_EQUAL(sl_mw_text(w, &len), "");
	CU_ASSERT_EQUAL(len, 0);
	sl_mw_destroy(w);
	sl_mw_destroy(NULL);
	sl_mw_family(NULL, "x", "gauge", NULL);
	sl_mw_sample(NULL, "x", 1, NULL);
}

/* ---- the renderer ---------------------------------------------------- */

static const char *stats_json =
	"{\"rx\":1000,\"tx\":990,\"host\":4,\"flow_evictions\":2,\"flow_inserts\":50,"
	"\"generation\":7,\"dropped\":6,"
	"\"drops\":{\"no_vip\":5,\"ttl_expired\":1},"
	"\"lcores\":[{\"lcore\":1,\"rx\":600,\"tx\":595,\"dropped\":5,\"flow_evictions\":2},"
	"            {\"lcore\":2,\"rx\":400,\"tx\":395,\"dropped\":1,\"flow_evictions\":0},"
	"            {\"rx\":123}]}";

static const char *vips_json =
	"[{\"name\":\"web\",\"address\":\"198.18.0.10\",\"port\":80,\"protocol\":\"tcp\","
	"  \"method\":\"gue\",\"packets\":800,\"bytes\":96000,\"new_flows\":40,"
	"  \"backends\":[{\"name\":\"b1\",\"address\":\"198.18.1.1\",\"weight\":1,\"state\":\"up\","
	"                 \"table_entries\":32769,\"packets\":500,\"bytes\":60000,\"new_flows\":25,"
	"                 \"rtt_us\":1500,\"health\":\"passing\",\"probe_ok\":9,\"probe_fail\":1},"
	"                {\"name\":\"b\\\"2\",\"address\":\"2001:db8::2\",\"weight\":0,"
	"                 \"state\":\"draining\",\"table_entries\":0,\"packets\":300,\"bytes\":36000,"
	"                 \"health\":\"none\",\"rtt_us\":null,"
	"                 \"new_flows\":15},"
	"                {\"name\":\"b3\",\"address\":\"198.18.1.3\",\"weight\":2,\"state\":\"down\","
	"                 \"table_entries\":32768,\"packets\":-1,\"bytes\":0,\"new_flows\":0,"
	"                 \"health\":\"failing\",\"probe_ok\":0,\"probe_fail\":4}]},"
	" {\"name\":\"dns\\n\",\"address\":\"2001:db8::53\",\"port\":53,\"protocol\":\"udp\","
	"  \"method\":\"ip6tnl\",\"packets\":0,\"bytes\":0,\"new_flows\":0,\"backends\":[]}]";

static char *render(const char *prefix, const char *stats, const char *vips, int *status)
{
	struct sl_metrics_writer *w = sl_mw_create();
	json_t *s = stats ? json_loads(stats, JSON_DECODE_ANY, NULL) : NULL;
	json_t *v = vips ? json_loads(vips, JSON_DECODE_ANY, NULL) : NULL;
	char *out;

	CU_ASSERT_FATAL(w != NULL);
	CU_ASSERT_FATAL((stats == NULL) == (s == NULL));
	CU_ASSERT_FATAL((vips == NULL) == (v == NULL));
	sl_metrics_render_json(w, prefix, s, v);
	*status = sl_mw_status(w);
	out = sl_mw_take(w, NULL);
	sl_mw_destroy(w);
	json_decref(s);
	json_decref(v);
	return out;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	for (; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define ASSERT_LINE(text, line)                                                   \
	do {                                                                      \
		if (!has_line(text, line))                                        \
			fprintf(stderr, "\n  missing line: %s\n", line);          \
		CU_ASSERT(has_line(text, line));                                  \
	} while (0)

static void test_render_json(void)
{
	int status;
	char *t = render(NULL, stats_json, vips_json, &status);

	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT(check_exposition(t) > 0);
	ASSERT_LINE(t, "# TYPE sluice_rx_packets_total counter");
	ASSERT_LINE(t, "sluice_rx_packets_total 1000");
	ASSERT_LINE(t, "sluice_tx_packets_total 990");
	ASSERT_LINE(t, "sluice_host_packets_total 4");
	ASSERT_LINE(t, "sluice_flow_evictions_total 2");
	ASSERT_LINE(t, "# TYPE sluice_table_generation gauge");
	ASSERT_LINE(t, "sluice_table_generation 7");
	ASSERT_LINE(t, "sluice_drops_total{reason=\"no_vip\"} 5");
	ASSERT_LINE(t, "sluice_drops_total{reason=\"ttl_expired\"} 1");
	ASSERT_LINE(t, "sluice_lcore_rx_packets_total{lcore=\"1\"} 600");
	ASSERT_LINE(t, "sluice_lcore_tx_packets_total{lcore=\"2\"} 395");
	ASSERT_LINE(t, "sluice_lcore_drops_total{lcore=\"1\"} 5");
	ASSERT_LINE(t, "sluice_vip_packets_total{vip=\"web\"} 800");
	ASSERT_LINE(t, "sluice_vip_bytes_total{vip=\"web\"} 96000");
	ASSERT_LINE(t, "sluice_vip_new_flows_total{vip=\"web\"} 40");
	ASSERT_LINE(t, "sluice_vip_packets_total{vip=\"dns\\n\"} 0");
	ASSERT_LINE(t, "sluice_vip_info{vip=\"web\",address=\"198.18.0.10\",port=\"80\","
		       "protocol=\"tcp\",method=\"gue\"} 1");
	ASSERT_LINE(t, "sluice_backend_packets_total{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 500");
	ASSERT_LINE(t, "sluice_backend_bytes_total{vip=\"web\",backend=\"b\\\"2\",address=\"2001:db8::2\"} 36000");
	ASSERT_LINE(t, "sluice_backend_new_flows_total{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 25");
	/* A counter past 2^63 arrives as a negative json_int and is reinterpreted. */
	ASSERT_LINE(t, "sluice_backend_packets_total{vip=\"web\",backend=\"b3\",address=\"198.18.1.3\"} 18446744073709551615");
	ASSERT_LINE(t, "# TYPE sluice_backend_up gauge");
	ASSERT_LINE(t, "sluice_backend_up{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 1");
	ASSERT_LINE(t, "sluice_backend_up{vip=\"web\",backend=\"b\\\"2\",address=\"2001:db8::2\"} 1");
	ASSERT_LINE(t, "sluice_backend_up{vip=\"web\",backend=\"b3\",address=\"198.18.1.3\"} 0");
	ASSERT_LINE(t, "sluice_backend_weight{vip=\"web\",backend=\"b3\",address=\"198.18.1.3\"} 2");
	ASSERT_LINE(t, "sluice_backend_state{vip=\"web\",backend=\"b\\\"2\",address=\"2001:db8::2\",state=\"draining\"} 1");
	ASSERT_LINE(t, "sluice_backend_healthy{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 1");
	ASSERT_LINE(t, "sluice_backend_healthy{vip=\"web\",backend=\"b3\",address=\"198.18.1.3\"} 0");
	CU_ASSERT_PTR_NULL(strstr(t, "sluice_backend_healthy{vip=\"web\",backend=\"b\\\"2\""));
	ASSERT_LINE(t, "sluice_backend_probe_successes_total{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 9");
	ASSERT_LINE(t, "sluice_backend_probe_failures_total{vip=\"web\",backend=\"b3\",address=\"198.18.1.3\"} 4");
	ASSERT_LINE(t, "sluice_backend_table_entries{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 32769");
	ASSERT_LINE(t, "sluice_backend_rtt_seconds{vip=\"web\",backend=\"b1\",address=\"198.18.1.1\"} 0.0015");
	/* Only b1 reports an RTT; the lcore row without an id is left out. */
	CU_ASSERT_PTR_NULL(strstr(t, "backend_rtt_seconds{vip=\"web\",backend=\"b3\""));
	CU_ASSERT_PTR_NULL(strstr(t, " 123\n"));
	/* Fields absent from the JSON leave no empty family behind. */
	CU_ASSERT_PTR_NULL(strstr(t, "icmp_echo"));
	free(t);

	t = render("lb", "{\"rx\":1}", NULL, &status);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_STRING_EQUAL(t, "# HELP lb_rx_packets_total Packets received by the dataplane workers.\n"
				  "# TYPE lb_rx_packets_total counter\n"
				  "lb_rx_packets_total 1\n");
	free(t);
}

static void test_render_hostile_json(void)
{
	static const struct {
		const char *stats, *vips;
	} cases[] = {
		{ "{}", "[]" },
		{ "{\"rx\":\"many\",\"tx\":null,\"drops\":[1,2],\"lcores\":{\"a\":1}}", "{}" },
		{ "{\"rx\":-0.5,\"tx\":1e300,\"generation\":-3,\"drops\":{\"x\":\"y\",\"\\\"\":1}}",
		  "[1,\"x\",null,[],{\"backends\":{\"a\":1}},{\"backends\":[1,null,{}]}]" },
		{ "{\"lcores\":[1,{\"lcore\":\"x\",\"rx\":1},{\"lcore\":3,\"rx\":{}}]}",
		  "[{\"name\":5,\"port\":\"80\",\"packets\":2.5,\"backends\":[{\"state\":\"weird\","
		  "\"rtt_us\":-1,\"name\":[],\"packets\":true}]}]" },
		{ "[1]", "42" },
	};
	size_t i;
	int status;
	char *t;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = render(NULL, cases[i].stats, cases[i].vips, &status);
		CU_ASSERT_EQUAL(status, 0);
		if (check_exposition(t) < 0)
			fprintf(stderr, "  (case %zu)\n", i);
		CU_ASSERT(check_exposition(t) >= 0);
		free(t);
	}
	/* Type-mismatched fields are skipped, right-typed neighbours kept. */
	t = render(NULL, cases[2].stats, NULL, &status);
	ASSERT_LINE(t, "sluice_tx_packets_total 1e+300");
	ASSERT_LINE(t, "sluice_table_generation -3");
	ASSERT_LINE(t, "sluice_drops_total{reason=\"\\\"\"} 1");
	CU_ASSERT_PTR_NULL(strstr(t, "sluice_rx_packets_total "));
	free(t);
	t = render(NULL, NULL, cases[3].vips, &status);
	ASSERT_LINE(t, "sluice_vip_packets_total{vip=\"\"} 2.5");
	ASSERT_LINE(t, "sluice_vip_info{vip=\"\",address=\"\",port=\"\",protocol=\"\",method=\"\"} 1");
	/* An unknown state is not "down"; it shows as itself. */
	ASSERT_LINE(t, "sluice_backend_up{vip=\"\",backend=\"\",address=\"\"} 1");
	ASSERT_LINE(t, "sluice_backend_state{vip=\"\",backend=\"\",address=\"\",state=\"weird\"} 1");
	CU_ASSERT_PTR_NULL(strstr(t, "rtt"));
	CU_ASSERT_PTR_NULL(strstr(t, "healthy"));
	free(t);
	/* A prefix that is no metric name yields nothing, and says so. */
	t = render("bad prefix", stats_json, vips_json, &status);
	CU_ASSERT_EQUAL(status, -EINVAL);
	CU_ASSERT_STRING_EQUAL(t, "");
	free(t);
	t = render(NULL, NULL, NULL, &status);
	CU_ASSERT_EQUAL(status, 0);
	CU_ASSERT_STRING_EQUAL(t, "");
	free(t);
	sl_metrics_render_json(NULL, NULL, NULL, NULL);
}

/* ---- the HTTP endpoint ----------------------------------------------- */

struct scrape_ctx {
	int calls;
};

static void test_renderer(void *ctx, struct sl_metrics_writer *w)
{
	struct scrape_ctx *c = ctx;

	c->calls++;
	sl_mw_family(w, "t_scrapes_total", "counter", "Renderer calls.");
	sl_mw_sample(w, "t_scrapes_total", (uint64_t)c->calls, "who", "a \"b\"\n", NULL);
	sl_mw_sample(w, "bad name", 1, NULL); /* skipped; the scrape is still served */
}

/*
 * Serve @m as the daemon does: its epoll fd nested in our own epoll set
 * (waiting on MHD's fd directly would consume its edge-triggered events),
 * never longer than its own deadline or @ms; poll it on every wake-up.
 */
static void pump(struct sl_metrics *m, int ms)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int due = sl_metrics_timeout_ms(m), t = due >= 0 && due < ms ? due : ms;
	int loop = epoll_create1(EPOLL_CLOEXEC);

	CU_ASSERT_FATAL(loop >= 0);
	CU_ASSERT(epoll_ctl(loop, EPOLL_CTL_ADD, sl_metrics_fd(m), &ev) == 0);
	epoll_wait(loop, &ev, 1, t);
	close(loop);
	sl_metrics_poll(m);
}

struct body {
	char  *buf;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	char *nb = realloc(b->buf, b->len + size * n + 1);

	if (!nb)
		return 0;
	memcpy(nb + b->len, p, size * n);
	b->buf = nb;
	b->len += size * n;
	b->buf[b->len] = '\0';
	return size * n;
}

struct http_result {
	long  status;
	char *body;
	char  ctype[128];
};

/* One request with curl's multi interface, serving @m in between; 5 s limit. */
static void http(struct sl_metrics *m, const char *host, const char *path, const char *method,
		 struct http_result *res)
{
	CURLM *multi = curl_multi_init();
	CURL *e = curl_easy_init();
	struct body b = { calloc(1, 1), 0 };
	long long deadline = now_ms() + 5000;
	char url[256];
	char *ct = NULL;
	int running = 1;

	CU_ASSERT_FATAL(multi && e && b.buf);
	snprintf(url, sizeof(url), "http://%s:%u%s", host, sl_metrics_port(m), path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (!strcmp(method, "POST"))
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "a=b");
	curl_multi_add_handle(multi, e);
	while (running && now_ms() < deadline) {
		curl_multi_perform(multi, &running);
		if (running)
			pump(m, 2);
	}
	CU_ASSERT_EQUAL(running, 0);
	res->status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res->status);
	curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(res->ctype, sizeof(res->ctype), "%s", ct ? ct : "");
	res->body = b.buf;
	curl_multi_remove_handle(multi, e);
	curl_easy_cleanup(e);
	curl_multi_cleanup(multi);
}

static void test_http_endpoint(void)
{
	struct scrape_ctx ctx = { 0 };
	struct http_result r;
	char err[256] = "";
	struct sl_metrics *m;
	int fds = count_fds();

	m = sl_metrics_create("127.0.0.1:0", err, sizeof(err));
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT(sl_metrics_port(m) != 0);
	CU_ASSERT(sl_metrics_fd(m) >= 0);

	/* No renderer yet: an empty but valid scrape. */
	http(m, "127.0.0.1", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body, "");
	free(r.body);

	sl_metrics_set_renderer(m, test_renderer, &ctx);
	http(m, "127.0.0.1", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(r.body, "# HELP t_scrapes_total Renderer calls.\n"
				       "# TYPE t_scrapes_total counter\n"
				       "t_scrapes_total{who=\"a \\\"b\\\"\\n\"} 1\n");
	free(r.body);

	http(m, "127.0.0.1", "/metrics?name[]=x", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "} 2\n"));
	free(r.body);

	http(m, "127.0.0.1", "/metrics", "HEAD", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_STRING_EQUAL(r.body, "");
	free(r.body);

	/* Wrong path or method: no render. */
	http(m, "127.0.0.1", "/", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 404);
	free(r.body);
	http(m, "127.0.0.1", "/metricsX", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 404);
	free(r.body);
	http(m, "127.0.0.1", "/metrics/", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 404);
	free(r.body);
	http(m, "127.0.0.1", "/metrics", "POST", &r);
	CU_ASSERT_EQUAL(r.status, 405);
	free(r.body);
	CU_ASSERT_EQUAL(ctx.calls, 3);
	CU_ASSERT_EQUAL(sl_metrics_scrapes(m), 4);

	/* Bound to 127.0.0.1 only: another loopback address is refused. */
	http(m, "127.0.0.2", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 0);
	free(r.body);
	CU_ASSERT_EQUAL(ctx.calls, 3);

	sl_metrics_set_renderer(m, NULL, NULL);
	http(m, "127.0.0.1", "/metrics", "GET", &r);
	CU_ASSERT_STRING_EQUAL(r.body, "");
	free(r.body);

	sl_metrics_destroy(m);
	sl_metrics_destroy(NULL);
	CU_ASSERT_EQUAL(count_fds(), fds);
}

static void test_http_ipv6(void)
{
	struct scrape_ctx ctx = { 0 };
	struct http_result r;
	char err[256] = "";
	struct sl_metrics *m = sl_metrics_create("[::1]:0", err, sizeof(err));

	if (!m) {
		/* Containers without IPv6 on lo: only the failure message is checked. */
		fprintf(stderr, "(no ::1: %s) ", err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "[::1]:0"));
		return;
	}
	sl_metrics_set_renderer(m, test_renderer, &ctx);
	http(m, "[::1]", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(ctx.calls, 1);
	free(r.body);
	/* v6-only: the IPv4 loopback does not reach it. */
	http(m, "127.0.0.1", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 0);
	free(r.body);
	sl_metrics_destroy(m);
}

static void test_create_errors(void)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80x",
		"127.0.0.1: 80", "localhost:9100", "[::1]9100", "[::1]", "::1:9100", "[127.0.0.1]:80",
		"[::1:80", "1.2.3:80", "[]:80", ":80", "127.0.0.1:99999999999999999999",
	};
	struct sl_metrics *m, *m2;
	char err[256], addr[64];
	int fds = count_fds();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		m = sl_metrics_create(bad[i], err, sizeof(err));
		if (m)
			fprintf(stderr, "\n  accepted \"%s\"\n", bad[i]);
		CU_ASSERT_PTR_NULL(m);
		sl_metrics_destroy(m);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad listen address"));
	}
	CU_ASSERT_PTR_NULL(sl_metrics_create(NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(sl_metrics_create("x", NULL, 0));

	/* The port is taken: the message says so, nothing leaks. */
	m = sl_metrics_create("127.0.0.1:0", err, sizeof(err));
	CU_ASSERT_FATAL(m != NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", sl_metrics_port(m));
	err[0] = '\0';
	m2 = sl_metrics_create(addr, err, sizeof(err));
	CU_ASSERT_PTR_NULL(m2);
	sl_metrics_destroy(m2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use"));
	/* Not ours to bind: an address of no local interface. */
	err[0] = '\0';
	CU_ASSERT_PTR_NULL(sl_metrics_create("198.18.255.254:0", err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "198.18.255.254:0"));
	/* Truncated, terminated message in a tiny buffer. */
	memset(err, 'x', sizeof(err));
	CU_ASSERT_PTR_NULL(sl_metrics_create("nope", err, 8));
	CU_ASSERT_EQUAL(strlen(err), 7);
	sl_metrics_destroy(m);
	CU_ASSERT_EQUAL(count_fds(), fds);
}

/*
 * Send @len bytes of @req on a raw connection and collect what comes back
 * until the server closes or 3 s pass, serving @m throughout. Returns the
 * reply (malloc'd, maybe empty).
 */
static char *raw_exchange(struct sl_metrics *m, const char *req, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(sl_metrics_port(m)) };
	long long deadline = now_ms() + 3000;
	struct body b = { calloc(1, 1), 0 };
	size_t sent = 0;
	bool eof = false;
	char chunk[4096];
	ssize_t n;
	int fd;

	CU_ASSERT_FATAL(b.buf != NULL);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		CU_FAIL("connect");
	while (!eof && now_ms() < deadline) {
		if (sent < len) {
			n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != ENOTCONN)
				sent = len; /* the server hung up on us: stop sending */
		}
		while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
			collect(chunk, 1, (size_t)n, &b);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			eof = true;
		pump(m, 2);
	}
	close(fd);
	return b.buf;
}

static void test_hostile_requests(void)
{
	struct scrape_ctx ctx = { 0 };
	struct http_result r;
	char err[256], *big, *reply;
	struct sl_metrics *m = sl_metrics_create("127.0.0.1:0", err, sizeof(err));
	int fds = count_fds(), i, conns[40];
	size_t n;

	CU_ASSERT_FATAL(m != NULL);
	sl_metrics_set_renderer(m, test_renderer, &ctx);

	/* 1 MiB of header: refused (4xx) or cut off, never rendered. */
	big = malloc(1 << 20);
	CU_ASSERT_FATAL(big != NULL);
	n = (size_t)snprintf(big, 64, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ");
	memset(big + n, 'a', (1 << 20) - n - 4);
	memcpy(big + (1 << 20) - 4, "\r\n\r\n", 4);
	reply = raw_exchange(m, big, 1 << 20);
	if (getenv("SL_TEST_VERBOSE"))
		fprintf(stderr, "[big header: %.40s] ", reply);
	CU_ASSERT(reply[0] == '\0' || !strncmp(reply, "HTTP/1.1 4", 10));
	free(reply);
	/* Many headers, each small. */
	for (n = (size_t)snprintf(big, 64, "GET /metrics HTTP/1.1\r\n"); n < 200000;)
		n += (size_t)snprintf(big + n, 64, "X-%zu: y\r\n", n);
	n += (size_t)snprintf(big + n, 8, "\r\n");
	reply = raw_exchange(m, big, n);
	CU_ASSERT(reply[0] == '\0' || !strncmp(reply, "HTTP/1.1 4", 10));
	free(reply);
	/* Binary garbage, a NUL in the request line, a bare newline flood. */
	for (n = 0; n < 4096; n++)
		big[n] = (char)(n * 131 + 7);
	reply = raw_exchange(m, big, 4096);
	CU_ASSERT(reply[0] == '\0' || !strncmp(reply, "HTTP/1.1 4", 10));
	free(reply);
	reply = raw_exchange(m, "GET /met\0rics HTTP/1.1\r\n\r\n", 26);
	CU_ASSERT(strncmp(reply, "HTTP/1.1 200", 12) != 0);
	free(reply);
	memset(big, '\n', 65536);
	reply = raw_exchange(m, big, 65536);
	free(reply);
	reply = raw_exchange(m, "GET /metrics HTTP/9.9\r\n\r\n", 25);
	CU_ASSERT(strncmp(reply, "HTTP/1.1 200", 12) != 0);
	free(reply);
	free(big);
	CU_ASSERT_EQUAL(ctx.calls, 0);

	/* More idle connections than the limit: the server survives them. */
	for (i = 0; i < 40; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(sl_metrics_port(m)) };

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		conns[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		CU_ASSERT(conns[i] >= 0);
		connect(conns[i], (struct sockaddr *)&sa, sizeof(sa));
		pump(m, 1);
	}
	for (i = 0; i < 40; i++)
		close(conns[i]);
	for (i = 0; i < 20; i++)
		pump(m, 2);

	/* Still serving normally after all of that. */
	http(m, "127.0.0.1", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(check_exposition(r.body) == 1);
	free(r.body);
	CU_ASSERT_EQUAL(ctx.calls, 1);
	CU_ASSERT_EQUAL(count_fds(), fds);
	sl_metrics_destroy(m);
}

/* The full path: the renderer over JSON, fetched over HTTP, read back strictly. */
static void render_fixture(void *ctx, struct sl_metrics_writer *w)
{
	json_t **j = ctx;

	sl_metrics_render_json(w, "sluice", j[0], j[1]);
}

static void test_http_render_json(void)
{
	json_t *j[2] = { json_loads(stats_json, 0, NULL), json_loads(vips_json, 0, NULL) };
	struct http_result r;
	char err[256];
	struct sl_metrics *m = sl_metrics_create("127.0.0.1:0", err, sizeof(err));

	CU_ASSERT_FATAL(m && j[0] && j[1]);
	sl_metrics_set_renderer(m, render_fixture, j);
	http(m, "127.0.0.1", "/metrics", "GET", &r);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(check_exposition(r.body) > 30);
	ASSERT_LINE(r.body, "sluice_backend_up{vip=\"web\",backend=\"b3\",address=\"198.18.1.3\"} 0");
	free(r.body);
	sl_metrics_destroy(m);
	json_decref(j[0]);
	json_decref(j[1]);
}

static void test_checker_rejects(void)
{
	/* The strict reader must itself catch what it is there to catch. */
	checker_quiet = true;
	CU_ASSERT_EQUAL(check_exposition("x 1\n"), -1);                      /* no TYPE */
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\ny 1\n"), -1);       /* wrong family */
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\nx{a=\"\n\"} 1\n"), -1);
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\nx{a=\"\\q\"} 1\n"), -1);
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\nx one\n"), -1);
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\n# TYPE x gauge\n"), -1);
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\nx{a=\"b\"} 1"), -1); /* no newline */
	CU_ASSERT_EQUAL(check_exposition("# TYPE x gauge\nx{a=\"b\",c=\"\\\"\"} -Inf\n"), 1);
	checker_quiet = false;
}

SL_CU_MAIN("metrics",
	   { "writer format and escaping", test_writer_format },
	   { "writer rejects bad names", test_writer_rejects_bad_names },
	   { "exposition checker", test_checker_rejects },
	   { "render stats/vips JSON", test_render_json },
	   { "render hostile JSON", test_render_hostile_json },
	   { "create errors", test_create_errors },
	   { "http endpoint", test_http_endpoint },
	   { "http IPv6", test_http_ipv6 },
	   { "hostile requests", test_hostile_requests },
	   { "http render JSON", test_http_render_json })
