/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP probes: an echo server run from the poll loop, a silent socket, a closed port (ICMP unreachable). */
#include "cunit_main.h"
#include "test_probe_util.h"

/* Answer every datagram with @reply (the test's "service"). */
struct echo {
	int fd;
	const char *reply;
	int served;
};

static void serve(void *ctx)
{
	struct echo *e = ctx;
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[512];

	while (recvfrom(e->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) >= 0) {
		sendto(e->fd, e->reply, strlen(e->reply), 0, (struct sockaddr *)&from, len);
		e->served++;
		len = sizeof(from);
	}
}

static bool finished(struct sl_prober *p, void *ctx)
{
	struct sl_probe_status st;

	(void)ctx;
	return sl_prober_status(p, 1, &st) == 0 && st.n_ok + st.n_fail >= 2;
}

/* Two probes of a UDP target at @ip_text:@port with @expect; @e (may be NULL) answers. */
static struct sl_probe_status probe(const char *ip_text, uint16_t port, const char *expect, struct echo *e)
{
	struct sl_prober *p = sl_prober_create(NULL, 0);
	struct sl_cfg_health h = tp_health(SL_PROBE_UDP, 100, 60, 1, 1);
	struct sl_ip ip = tp_ip(ip_text);
	struct sl_probe_status st = { 0 };

	CU_ASSERT_FATAL(p != NULL);
	snprintf(h.udp_expect, sizeof(h.udp_expect), "%s", expect);
	CU_ASSERT_EQUAL(sl_prober_set(p, 1, &ip, &h, port), 0);
	CU_ASSERT(tp_run(p, 2000, finished, NULL, e ? serve : NULL, e));
	sl_prober_status(p, 1, &st);
	sl_prober_destroy(p);
	return st;
}

static void test_udp_echo(void)
{
	uint16_t port = 0;
	struct echo e = { tp_bind("127.0.0.1", SOCK_DGRAM, &port), "pong 1", 0 };
	struct sl_probe_status st = probe("127.0.0.1", port, "pong", &e);

	CU_ASSERT(st.up && st.n_ok == 2 && st.n_fail == 0);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "ok");
	CU_ASSERT(e.served >= 2);
	st = probe("127.0.0.1", port, "", &e); /* empty expect: any reply */
	CU_ASSERT(st.up && st.n_ok == 2);
	close(e.fd);
}

static void test_udp_echo_ipv6(void)
{
	uint16_t port = 0;
	struct echo e = { tp_bind("::1", SOCK_DGRAM, &port), "pong", 0 };
	struct sl_probe_status st = probe("::1", port, "pong", &e);

	CU_ASSERT(st.up && st.n_ok == 2);
	close(e.fd);
}

static void test_udp_wrong_and_short_reply(void)
{
	uint16_t port = 0;
	struct echo e = { tp_bind("127.0.0.1", SOCK_DGRAM, &port), "PONG", 0 };
	struct sl_probe_status st = probe("127.0.0.1", port, "pong", &e);

	CU_ASSERT(!st.up && st.n_ok == 0);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "unexpected reply");
	e.reply = "po"; /* a prefix of what is expected is not enough */
	st = probe("127.0.0.1", port, "pong", &e);
	CU_ASSERT(!st.up && st.n_ok == 0);
	e.reply = "";   /* an empty datagram either */
	st = probe("127.0.0.1", port, "pong", &e);
	CU_ASSERT(!st.up && st.n_ok == 0);
	close(e.fd);
}

static void test_udp_no_reply_times_out(void)
{
	uint16_t port = 0;
	int silent = tp_bind("127.0.0.1", SOCK_DGRAM, &port); /* receives, never answers */
	struct sl_probe_status st = probe("127.0.0.1", port, "", NULL);

	CU_ASSERT(!st.up && st.n_ok == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.last_reason, "timeout"));
	CU_ASSERT(st.last_duration_us >= 60000 && st.last_duration_us < 100000);
	close(silent);
}

static void test_udp_port_unreachable_is_immediate(void)
{
	uint16_t port = 0;
	int fd = tp_bind("127.0.0.1", SOCK_DGRAM, &port);
	struct sl_probe_status st;

	close(fd); /* nothing listens there now: the kernel answers ICMP port unreachable */
	st = probe("127.0.0.1", port, "", NULL);
	CU_ASSERT(!st.up && st.n_ok == 0);
	CU_ASSERT_STRING_EQUAL(st.last_reason, "ICMP port unreachable");
	CU_ASSERT(st.last_duration_us < 30000); /* not the 60 ms timeout */
}

SL_CU_MAIN("probe_udp",
	{ "UDP echo, expected prefix and any reply", test_udp_echo },
	{ "UDP echo over IPv6", test_udp_echo_ipv6 },
	{ "wrong, short and empty replies", test_udp_wrong_and_short_reply },
	{ "no reply times out", test_udp_no_reply_times_out },
	{ "ICMP port unreachable fails at once", test_udp_port_unreachable_is_immediate })
