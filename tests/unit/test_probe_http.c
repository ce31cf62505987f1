/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP(S) probes against an in-test libmicrohttpd server on loopback (IPv4 and IPv6). */
#include <microhttpd.h>
#include <pthread.h>

#include "cunit_main.h"
#include "test_probe_util.h"

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_host[128];

/* /health -> 200, /bad -> 500, anything else -> 404; remembers the Host header. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *size, void **state)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	unsigned code = !strcmp(url, "/health") ? 200 : !strcmp(url, "/bad") ? 500 : 404;
	static const char body[] = "body the probe need not read";
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls; (void)method; (void)version; (void)data; (void)size; (void)state;
	pthread_mutex_lock(&host_lock);
	snprintf(last_host, sizeof(last_host), "%s", host ? host : "");
	pthread_mutex_unlock(&host_lock);
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static struct MHD_Daemon *start_server(uint16_t *port)
{
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_DUAL_STACK,
						0, NULL, NULL, answer, NULL, MHD_OPTION_END);
	const union MHD_DaemonInfo *info;

	CU_ASSERT_FATAL(d != NULL);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	CU_ASSERT_FATAL(info && info->port);
	*port = info->port;
	return d;
}

struct one {
	uint32_t id;
	uint64_t n;  /* finished probes to wait for */
};

static bool finished(struct sl_prober *p, void *ctx)
{
	struct one *o = ctx;
	struct sl_probe_status st;

	return sl_prober_status(p, o->id, &st) == 0 && st.n_ok + st.n_fail >= o->n;
}

/* Probe @path once (fall 1) and return the status. */
static struct sl_probe_status probe_once(enum sl_probe_type type, const char *ip_text, const char *path,
					 const char *host, uint16_t expect, uint16_t port)
{
	struct sl_prober *p = sl_prober_create(NULL, 0);
	struct sl_cfg_health h = tp_health(type, 100, 80, 1, 1);
	struct sl_ip ip = tp_ip(ip_text);
	struct one o = { 1, 2 };
	struct sl_probe_status st = { 0 };

	CU_ASSERT_FATAL(p != NULL);
	snprintf(h.path, sizeof(h.path), "%s", path);
	snprintf(h.host, sizeof(h.host), "%s", host);
	h.expect_status = expect;
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, port), 0);
	CU_ASSERT(tp_run(p, 2000, finished, &o, NULL, NULL));
	sl_prober_status(p, 1, &st);
	sl_prober_destroy(p);
	return st;
}

static void test_http_200_up_with_host(void)
{
	uint16_t port;
	struct MHD_Daemon *d = start_server(&port);
	struct sl_probe_status st = probe_once(SL_PROBE_HTTP, "127.0.0.1", "/health", "health.example", 200, port);
	char want[64];

	CU_ASSERT(st.up && st.last_ok && st.n_ok == 2 && st.n_fail == 0);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "ok");
	CU_ASSERT(st.rtt_us > 0);
	snprintf(want, sizeof(want), "health.example:%u", port);
	CU_ASSERT_STRING_EQUAL(last_host, want);

	st = probe_once(SL_PROBE_HTTP, "127.0.0.1", "health", "", 200, port); /* path without '/' */
	CU_ASSERT(st.up && st.n_fail == 0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port); /* default Host: the backend address */
	CU_ASSERT_STRING_EQUAL(last_host, want);
	MHD_stop_daemon(d);
}

static void test_http_ipv6(void)
{
	uint16_t port;
	struct MHD_Daemon *d = start_server(&port);
	struct sl_probe_status st = probe_once(SL_PROBE_HTTP, "::1", "/health", "", 200, port);
	char want[64];

	CU_ASSERT(st.up && st.n_ok == 2);
	snprintf(want, sizeof(want), "[::1]:%u", port);
	CU_ASSERT_STRING_EQUAL(last_host, want);
	MHD_stop_daemon(d);
}

static void test_http_status_mismatch(void)
{
	uint16_t port;
	struct MHD_Daemon *d = start_server(&port);
	struct sl_probe_status st;

	st = probe_once(SL_PROBE_HTTP, "127.0.0.1", "/bad", "", 200, port);
	CU_ASSERT(!st.up && st.n_ok == 0);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "HTTP 500 (expected 200)");
	st = probe_once(SL_PROBE_HTTP, "127.0.0.1", "/wrong/path", "", 200, port);
	CU_ASSERT(!st.up);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "HTTP 404 (expected 200)");
	st = probe_once(SL_PROBE_HTTP, "127.0.0.1", "/wrong/path", "", 404, port); /* expected 404 is a pass */
	CU_ASSERT(st.up && st.n_fail == 0);
	MHD_stop_daemon(d);
}

static void test_http_refused_and_tls_mismatch(void)
{
	uint16_t port, dead = 0;
	struct MHD_Daemon *d = start_server(&port);
	int bound = tp_bind("127.0.0.1", SOCK_STREAM, &dead);
	struct sl_probe_status st;

	st = probe_once(SL_PROBE_HTTP, "127.0.0.1", "/health", "", 200, dead);
	CU_ASSERT(!st.up && st.n_ok == 0);
	CU_ASSERT(st.last_duration_us < 80000); /* refused at once, not a timeout */
	/* HTTPS to a plain-HTTP server: the handshake fails, not a pass. */
	st = probe_once(SL_PROBE_HTTPS, "127.0.0.1", "/health", "", 200, port);
	CU_ASSERT(!st.up && st.n_ok == 0 && st.last_reason[0] != '\0');
	close(bound);
	MHD_stop_daemon(d);
}

static void test_http_hostile_settings(void)
{
	uint16_t port;
	struct MHD_Daemon *d = start_server(&port);
	struct sl_prober *p = sl_prober_create(NULL, 0);
	struct sl_cfg_health h = tp_health(SL_PROBE_HTTP, 100, 80, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct one o = { 1, 1 };
	struct sl_probe_status st;

	CU_ASSERT_FATAL(p != NULL);
	/* A Host that would turn the URL into userinfo@elsewhere. */
	snprintf(h.host, sizeof(h.host), "evil.example/x@198.18.0.1");
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, port), 0);
	CU_ASSERT(tp_run(p, 2000, finished, &o, NULL, NULL));
	st = tp_status(p, 1);
	CU_ASSERT(!st.up);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.last_reason, "invalid Host"));

	/* Unterminated strings from a caller stay inside their arrays. */
	h = tp_health(SL_PROBE_HTTP, 100, 80, 1, 1);
	memset(h.path, 'A', sizeof(h.path));
	memset(h.host, 'b', sizeof(h.host));
	memset(h.udp_send, 'c', sizeof(h.udp_send));
	memset(h.udp_expect, 'd', sizeof(h.udp_expect));
	o.id = 2;
	CU_ASSERT_EQUAL(sl_prober_set(p, 2, &ip, &h, port), 0);
	CU_ASSERT(tp_run(p, 2000, finished, &o, NULL, NULL));
	st = tp_status(p, 2);
	CU_ASSERT(!st.last_ok); /* host bbb... does not matter to MHD, path AAA... is a 404 */
	sl_prober_destroy(p);
	MHD_stop_daemon(d);
}

static bool in_flight(struct sl_prober *p, void *ctx)
{
	struct sl_probe_status st;

	return sl_prober_status(p, *(uint32_t *)ctx, &st) == 0 && st.in_flight;
}

static void test_http_timeout_and_remove_in_flight(void)
{
	struct tp_events ev = { 0 };
	struct tp_wait_events w = { &ev, 1 };
	struct sl_cfg_health h = tp_health(SL_PROBE_HTTP, 300, 200, 1, 1);
	struct sl_ip ip = tp_ip("127.0.0.1");
	struct sl_prober *p = sl_prober_create(NULL, 0);
	uint16_t bh_port = 0;
	int fill[3], bh = tp_blackhole("127.0.0.1", &bh_port, fill);
	struct sl_probe_status st;
	uint32_t id = 5;
	int fds;

	CU_ASSERT_FATAL(p != NULL);
	sl_prober_set_callback(p, tp_record, &ev);
	CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, bh_port), 0);
	CU_ASSERT(tp_run(p, 2000, tp_have_events, &w, NULL, NULL));
	CU_ASSERT_FALSE(ev.up[0]);
	st = tp_status(p, id);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.last_reason, "imeout")); /* ours or curl's, whichever came first */
	CU_ASSERT(st.last_duration_us >= 195000 && st.last_duration_us < 300000);

	CU_ASSERT_FATAL(tp_run(p, 1000, in_flight, &id, NULL, NULL));
	fds = tp_count_fds();
	sl_prober_remove(p, id);
	CU_ASSERT(tp_count_fds() < fds); /* curl's socket closed */
	tp_run(p, 400, NULL, NULL, NULL, NULL);
	CU_ASSERT_EQUAL(ev.n, 1);
	CU_ASSERT_EQUAL(sl_prober_count(p), 0);

	CU_ASSERT_EQUAL(sl_prober_set(p, id, &ip, &h, bh_port), 0);
	CU_ASSERT_FATAL(tp_run(p, 1000, in_flight, &id, NULL, NULL));
	sl_prober_destroy(p); /* with an easy handle in flight */
	for (int i = 0; i < 3; i++)
		close(fill[i]);
	close(bh);
}

SL_CU_MAIN("probe_http",
	{ "HTTP 200 is UP, Host header sent", test_http_200_up_with_host },
	{ "HTTP over IPv6", test_http_ipv6 },
	{ "status 500, wrong path, expected 404", test_http_status_mismatch },
	{ "refused, HTTPS to plain HTTP", test_http_refused_and_tls_mismatch },
	{ "hostile Host and unterminated strings", test_http_hostile_settings },
	{ "timeout, remove and destroy in flight", test_http_timeout_and_remove_in_flight })
