/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loading: values and defaults of good files, one test per error class
 * (each checks the exact "FILE:LINE: KEY:" prefix), hostile input, and
 * load/free cycles (run under valgrind by hand for leaks).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "flow_hash.h"
#include "config_keys.h"
#include "cunit_main.h"
#include "test_config_mutate.h"

#define NAME "t.conf"

/* A minimal valid prefix; tests append what they exercise after it. */
#define BASE                                                      \
	"dataplane = {\n"                                         \
	"  ports = ( { device = \"net_null0\"; } );\n"            \
	"  workers = [ 1 ];\n"                                    \
	"};\n"                                                    \
	"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; };\n"

/* A valid dataplane group alone on line 1. */
#define DP "dataplane = { ports = ( { device = \"a\"; } ); workers = [ 1 ]; };\n"

static char err[1024];

static int load(const char *text, struct sl_config *cfg)
{
	return sl_config_load_string(text, NAME, cfg, err, sizeof(err));
}

/* 1-based line of the first occurrence of @marker in @text (0 if absent). */
static int line_of(const char *text, const char *marker)
{
	const char *hit = strstr(text, marker), *p;
	int line = 1;

	if (!hit)
		return 0;
	for (p = text; p < hit; p++)
		line += *p == '\n';
	return line;
}

/* Loading @text fails with -EINVAL and "t.conf:<line of marker>: <key>: ...". */
static void expect_error(const char *text, const char *marker, const char *key)
{
	struct sl_config cfg;
	char want[256];
	int rc = load(text, &cfg);

	snprintf(want, sizeof(want), "%s:%d: %s: ", NAME, line_of(text, marker), key);
	if (rc != -EINVAL || strncmp(err, want, strlen(want)) != 0)
		fprintf(stderr, "\n  want rc -EINVAL, prefix \"%s\"\n  got rc %d, \"%s\"\n", want, rc, err);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	CU_ASSERT_TRUE(strlen(err) > strlen(want)); /* says why, too */
	/* Nothing half loaded. */
	CU_ASSERT_EQUAL(cfg.n_vips, 0);
	CU_ASSERT_PTR_NULL(cfg.vips);
	CU_ASSERT_EQUAL(cfg.n_ports, 0);
	CU_ASSERT_EQUAL(cfg.n_eal_args, 0);
}

static void test_good_values_and_defaults(void)
{
	static const char text[] =
		"eal = { args = [ \"--in-memory\", \"--log-level=lib.eal:notice\" ]; no_huge = true;\n"
		"        memory_mb = 512; main_lcore = 3; };\n"
		"dataplane = {\n"
		"  ports = ( { name = \"edge0\"; device = \"net_af_packet0,iface=eth1\"; mtu = 9000; },\n"
		"            { device = \"0000:01:00.0\"; } );\n"
		"  workers = [ 1, 2 ];\n"
		"  burst = 64; rx_desc = 2048;\n"
		"  exception = { type = \"tap\"; name = \"slx\"; };\n"
		"};\n"
		"flows = { entries = 4096; udp_timeout = 5; };\n"
		"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\";\n"
		"  gateway_ipv4 = \"198.18.0.254\"; gateway_mac = \"02:00:00:00:00:FE\"; outer_ttl = 32; };\n"
		"control = { socket = \"/tmp/x.sock\"; };\n"
		"vips = (\n"
		"  { name = \"web\"; address = \"198.18.100.1\"; port = 80; protocol = \"udp\"; method = \"ipip\";\n"
		"    table_size = 251; hash = [ \"src_addr\", \"dst_port\" ]; gue_port = 7000;\n"
		"    backends = ( { address = \"198.18.0.11\"; weight = 0; name = \"be1\"; mac = \"02:00:00:00:00:11\"; },\n"
		"                 { address = \"198.18.0.12\"; } ); },\n"
		"  { address = \"2001:db8:100::1\"; }\n"
		");\n";
	struct sl_config c;
	const struct sl_cfg_vip *v;
	char buf[64];

	CU_ASSERT_EQUAL_FATAL(load(text, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.path, NAME);
	CU_ASSERT_EQUAL(c.n_eal_args, 2);
	CU_ASSERT_STRING_EQUAL(c.eal_args[1], "--log-level=lib.eal:notice");
	CU_ASSERT_TRUE(c.no_huge);
	CU_ASSERT_EQUAL(c.memory_mb, 512);
	CU_ASSERT_EQUAL(c.main_lcore, 3);
	CU_ASSERT_EQUAL(c.n_ports, 2);
	CU_ASSERT_STRING_EQUAL(c.ports[0].name, "edge0");
	CU_ASSERT_STRING_EQUAL(c.ports[0].device, "net_af_packet0,iface=eth1");
	CU_ASSERT_EQUAL(c.ports[0].mtu, 9000);
	CU_ASSERT_EQUAL(c.ports[0].line, 4);
	CU_ASSERT_STRING_EQUAL(c.ports[1].name, "port1"); /* derived default */
	CU_ASSERT_EQUAL(c.ports[1].mtu, 1500);
	CU_ASSERT_EQUAL(c.n_workers, 2);
	CU_ASSERT_EQUAL(c.workers[1], 2);
	CU_ASSERT_EQUAL(c.burst, 64);
	CU_ASSERT_EQUAL(c.rx_desc, 2048);
	CU_ASSERT_EQUAL(c.tx_desc, 1024);
	CU_ASSERT_EQUAL(c.mempool_size, 16383);
	CU_ASSERT_STRING_EQUAL(c.exception_type, "tap");
	CU_ASSERT_STRING_EQUAL(c.exception_name, "slx");
	CU_ASSERT_EQUAL(c.flow_entries, 4096);
	CU_ASSERT_EQUAL(c.tcp_timeout, 300);
	CU_ASSERT_EQUAL(c.udp_timeout, 5);
	CU_ASSERT_EQUAL(c.src_v4.family, SL_AF_INET);
	CU_ASSERT_EQUAL(c.src_v4.w[0], htonl(0xc6120002));
	CU_ASSERT_EQUAL(c.src_v6.family, SL_AF_INET6);
	CU_ASSERT_EQUAL(c.src_v6.w[0], htonl(0x20010db8));
	CU_ASSERT_EQUAL(c.src_v6.w[3], htonl(2));
	CU_ASSERT_EQUAL(c.gw_v6.family, 0);
	CU_ASSERT_TRUE(c.has_gw_mac);
	CU_ASSERT_EQUAL(c.gw_mac[5], 0xfe);
	CU_ASSERT_EQUAL(c.outer_ttl, 32);
	CU_ASSERT_STRING_EQUAL(c.socket_path, "/tmp/x.sock");
	CU_ASSERT_EQUAL_FATAL(c.n_vips, 2);
	v = &c.vips[0];
	CU_ASSERT_STRING_EQUAL(v->name, "web");
	CU_ASSERT_EQUAL(v->port, 80);
	CU_ASSERT_EQUAL(v->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(v->method, SL_FWD_IPIP);
	CU_ASSERT_EQUAL(v->table_size, 251);
	CU_ASSERT_EQUAL(v->hash_fields, SL_HF_SRC_ADDR | SL_HF_DST_PORT);
	CU_ASSERT_EQUAL(v->gue_port, 7000);
	CU_ASSERT_EQUAL(v->line, 15);
	CU_ASSERT_EQUAL_FATAL(v->n_backends, 2);
	CU_ASSERT_EQUAL(v->backends[0].weight, 0);
	CU_ASSERT_TRUE(v->backends[0].has_mac);
	CU_ASSERT_EQUAL(v->backends[0].mac[5], 0x11);
	CU_ASSERT_STRING_EQUAL(v->backends[1].name, "198.18.0.12");
	CU_ASSERT_EQUAL(v->backends[1].weight, 100);
	CU_ASSERT_FALSE(v->backends[1].has_mac);
	CU_ASSERT_EQUAL(v->backends[1].line, 18);
	v = &c.vips[1];
	CU_ASSERT_STRING_EQUAL(v->name, "2001:db8:100::1:0/tcp");
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&v->addr, buf, sizeof(buf)), "2001:db8:100::1");
	CU_ASSERT_EQUAL(v->port, 0);
	CU_ASSERT_EQUAL(v->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(v->method, SL_FWD_GUE);
	CU_ASSERT_EQUAL(v->table_size, 65537);
	CU_ASSERT_EQUAL(v->hash_fields, SL_HF_ALL);
	CU_ASSERT_EQUAL(v->gue_port, 6080);
	CU_ASSERT_EQUAL(v->n_backends, 0);
	CU_ASSERT_PTR_NULL(v->backends);
	sl_config_free(&c);
	CU_ASSERT_EQUAL(c.n_vips, 0);
	sl_config_free(&c); /* twice is harmless */
}

static void test_minimal_defaults(void)
{
	struct sl_config c;

	CU_ASSERT_EQUAL_FATAL(load(BASE, &c), 0);
	CU_ASSERT_EQUAL(c.n_eal_args, 0);
	CU_ASSERT_FALSE(c.no_huge);
	CU_ASSERT_EQUAL(c.main_lcore, 0);
	CU_ASSERT_EQUAL(c.burst, 32);
	CU_ASSERT_EQUAL(c.rx_desc, 1024);
	CU_ASSERT_STRING_EQUAL(c.exception_type, "none");
	CU_ASSERT_STRING_EQUAL(c.exception_name, "sl0");
	CU_ASSERT_EQUAL(c.flow_entries, 1048576);
	CU_ASSERT_EQUAL(c.tcp_timeout, 300);
	CU_ASSERT_EQUAL(c.udp_timeout, 30);
	CU_ASSERT_FALSE(c.has_gw_mac);
	CU_ASSERT_EQUAL(c.outer_ttl, 64);
	CU_ASSERT_STRING_EQUAL(c.socket_path, "/run/sluice/sluice.sock");
	CU_ASSERT_EQUAL(c.n_vips, 0);
	sl_config_free(&c);
}

static void test_embedded_demo(void)
{
	struct sl_config c;
	const char *text = sl_config_default_text();
	char buf[64];
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(text, NULL, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.path, "<embedded>");
	CU_ASSERT_STRING_EQUAL(c.ports[0].device, "net_af_packet0,iface=lb0");
	CU_ASSERT_EQUAL(c.n_workers, 1);
	CU_ASSERT_EQUAL(c.workers[0], 1);
	CU_ASSERT_STRING_EQUAL(c.eal_args[0], "--in-memory");
	CU_ASSERT_FALSE(c.no_huge);
	CU_ASSERT_STRING_EQUAL(c.exception_type, "none");
	CU_ASSERT_STRING_EQUAL(c.socket_path, "/run/sluice/demo.sock");
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&c.src_v6, buf, sizeof(buf)), "2001:db8::2");
	CU_ASSERT_EQUAL_FATAL(c.n_vips, 2);
	CU_ASSERT_STRING_EQUAL(c.vips[0].name, "web4");
	CU_ASSERT_EQUAL(c.vips[0].method, SL_FWD_GUE);
	CU_ASSERT_STRING_EQUAL(c.vips[1].name, "web6");
	CU_ASSERT_EQUAL(c.vips[1].method, SL_FWD_IP6TNL);
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&c.vips[1].addr, buf, sizeof(buf)), "2001:db8:100::1");
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(c.vips[i].n_backends, 3);
		CU_ASSERT_EQUAL(c.vips[i].port, 80);
		CU_ASSERT_EQUAL(c.vips[i].backends[2].weight, 200);
		CU_ASSERT_STRING_EQUAL(c.vips[i].backends[0].name, "be1");
	}
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&c.vips[1].backends[2].addr, buf, sizeof(buf)), "2001:db8::13");
	sl_config_free(&c);
}

static void test_err_syntax(void)
{
	expect_error(BASE "vips = (\n  { address = \"198.18.1.1\"; port == 80; } );\n", "port ==", "-");
	expect_error(BASE "flows = { entries = 4096; };\n/* XYZ */ }\n", "XYZ", "-");
	expect_error(BASE "control = { socket = \"/run/x.sock;\n};\n", "socket", "socket");
}

static void test_err_unknown_key(void)
{
	expect_error(BASE "colour = \"blue\";\n", "colour", "colour");
	expect_error(BASE "flows = {\n  tcp_timeot = 3; };\n", "tcp_timeot", "flows.tcp_timeot");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; },\n"
			  "  { address = \"198.18.1.2\";\n"
			  "    backends = ( { address = \"198.18.0.1\"; }, { address = \"198.18.0.2\";\n"
			  "      wieght = 3; } ); } );\n",
		     "wieght", "vips.[1].backends.[1].wieght");
}

static void test_err_wrong_type(void)
{
	expect_error(BASE "flows = { entries = \"many\"; };\n", "\"many\"", "flows.entries");
	expect_error(BASE "flows = { tcp_timeout = 1.5; };\n", "1.5", "flows.tcp_timeout");
	expect_error(BASE "eal = { no_huge = 1; };\n", "no_huge", "eal.no_huge");
	expect_error(BASE "eal = { args = \"--in-memory\"; };\n", "args", "eal.args");
	expect_error(BASE "vips = { address = \"198.18.1.1\"; };\n", "vips", "vips");
	expect_error(BASE "vips = ( 5 );\n", "vips", "vips.[0]");
	expect_error(BASE "control = 1;\n", "control", "control");
}

static void test_err_bad_address_and_mac(void)
{
	expect_error(BASE "vips = ( { address = \"198.18.1.256\"; } );\n", "198.18.1.256", "vips.[0].address");
	expect_error(BASE "vips = ( { address = \"198.18.1.1/32\"; } );\n", "198.18.1.1/32", "vips.[0].address");
	expect_error(BASE "vips = ( { address = \"224.0.0.1\"; } );\n", "224.0.0.1", "vips.[0].address");
	expect_error(BASE "vips = ( { address = \"::\"; } );\n", "\"::\"", "vips.[0].address");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; backends = (\n"
			  "  { address = \"2001:db8::zz\"; } ); } );\n",
		     "2001:db8::zz", "vips.[0].backends.[0].address");
	expect_error(DP "network = {\n src_ipv4 = \"2001:db8::2\"; };\n", "src_ipv4", "network.src_ipv4");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; backends = (\n"
			  "  { address = \"198.18.0.1\"; mac = \"02:00:00:00:00\"; } ); } );\n",
		     "mac", "vips.[0].backends.[0].mac");
	expect_error(DP "network = {\n gateway_mac = \"02:00:00:00:00:0g\"; };\n", "gateway_mac", "network.gateway_mac");
}

static void test_err_duplicates(void)
{
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; port = 80; },\n"
			  "  { address = \"198.18.1.1\"; port = 443; },\n"
			  "  { address = \"198.18.1.1\"; port = 80; protocol = \"udp\"; },\n"
			  "  { name = \"again\"; address = \"198.18.1.1\"; port = 80; } );\n",
		     "\"again\"", "vips.[3]");
	expect_error(BASE "vips = ( { name = \"a\"; address = \"198.18.1.1\"; },\n"
			  "  { name = \"a\"; address = \"198.18.1.2\"; } );\n",
		     "{ name = \"a\"; address = \"198.18.1.2\"", "vips.[1].name");
	expect_error(BASE "vips = ( { address = \"2001:db8:100::1\"; backends = (\n"
			  "  { address = \"2001:db8::11\"; },\n"
			  "  { address = \"2001:DB8:0::11\"; } ); } );\n",
		     "2001:DB8", "vips.[0].backends.[1].address");
	expect_error(BASE "dataplane2 = 1;\n", "dataplane2", "dataplane2");
	expect_error("dataplane = {\n  ports = ( { device = \"a\"; name = \"p\"; },\n"
		     "    { device = \"b\"; name = \"p\"; } );\n  workers = [ 1 ]; };\n",
		     "\"b\"", "dataplane.ports.[1].name");
}

static void test_err_table_size(void)
{
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n table_size = 65536; } );\n", "65536",
		     "vips.[0].table_size");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n table_size = 5; } );\n", "table_size",
		     "vips.[0].table_size");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n table_size = 16777259; } );\n", "16777259",
		     "vips.[0].table_size"); /* prime, but over the limit */
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; table_size = 7;\n backends = (\n"
			  "  {address=\"198.18.0.1\";},{address=\"198.18.0.2\";},{address=\"198.18.0.3\";},\n"
			  "  {address=\"198.18.0.4\";},{address=\"198.18.0.5\";},{address=\"198.18.0.6\";},\n"
			  "  {address=\"198.18.0.7\";},{address=\"198.18.0.8\";} ); } );\n",
		     "table_size", "vips.[0].table_size");
}

static void test_err_weight(void)
{
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; backends = (\n"
			  "  { address = \"198.18.0.1\"; weight = 65535; },\n"
			  "  { address = \"198.18.0.2\"; weight = 65536; } ); } );\n",
		     "65536", "vips.[0].backends.[1].weight");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; backends = (\n"
			  "  { address = \"198.18.0.1\"; weight = -1; } ); } );\n",
		     "-1", "vips.[0].backends.[0].weight");
}

static void test_err_unknown_names(void)
{
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n method = \"nat\"; } );\n", "nat", "vips.[0].method");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n protocol = \"sctp\"; } );\n", "sctp",
		     "vips.[0].protocol");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n hash = [ \"src_addr\", \"vlan\" ]; } );\n",
		     "vlan", "vips.[0].hash");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n hash = [ \"proto\", \"proto\" ]; } );\n",
		     "proto\"", "vips.[0].hash");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n hash = [ ]; } );\n", "hash", "vips.[0].hash");
	expect_error(BASE "dataplane2 = 1;\n", "dataplane2", "dataplane2");
	expect_error("dataplane = { ports = ( { device = \"a\"; } ); workers = [ 1 ];\n"
		     "  exception = { type = \"kni\"; }; };\n",
		     "kni", "dataplane.exception.type");
}

static void test_err_method_families(void)
{
	/* ipip: IPv6 VIP is the VIP's (method line) fault. */
	expect_error(BASE "vips = ( { address = \"2001:db8:100::1\";\n method = \"ipip\";\n"
			  " backends = ( { address = \"198.18.0.1\"; } ); } );\n",
		     "ipip", "vips.[0].method");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; method = \"ipip\"; backends = (\n"
			  "  { address = \"198.18.0.1\"; },\n  { address = \"2001:db8::1\"; } ); } );\n",
		     "2001:db8::1\"", "vips.[0].backends.[1].address");
	expect_error(BASE "vips = ( { address = \"2001:db8:100::1\"; method = \"ip6tnl\"; backends = (\n"
			  "  { address = \"198.18.0.1\"; } ); } );\n",
		     "198.18.0.1", "vips.[0].backends.[0].address");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; method = \"l2dsr\"; backends = (\n"
			  "  { address = \"2001:db8::1\"; } ); } );\n",
		     "2001:db8::1", "vips.[0].backends.[0].address");
}

static void test_good_method_families(void)
{
	struct sl_config c;

	/* What each method may do must load, or the rules above would be vacuous. */
	CU_ASSERT_EQUAL(load(BASE "vips = (\n"
			     " { address = \"198.18.1.1\"; method = \"gue\"; backends = (\n"
			     "   { address = \"198.18.0.1\"; }, { address = \"2001:db8::1\"; } ); },\n"
			     " { address = \"198.18.1.2\"; method = \"ip6tnl\"; backends = ( { address = \"2001:db8::1\"; } ); },\n"
			     " { address = \"2001:db8:1::1\"; method = \"l2dsr\"; backends = ( { address = \"2001:db8::1\"; } ); },\n"
			     " { address = \"198.18.1.3\"; method = \"ipip\"; backends = ( { address = \"198.18.0.1\"; } ); } );\n",
			     &c),
			0);
	CU_ASSERT_EQUAL(c.n_vips, 4);
	sl_config_free(&c);
	/* l2dsr needs no outer source address. */
	CU_ASSERT_EQUAL(load("dataplane = { ports = ( { device = \"a\"; } ); workers = [ 1 ]; };\n"
			     "vips = ( { address = \"198.18.1.1\"; method = \"l2dsr\";\n"
			     "  backends = ( { address = \"198.18.0.1\"; } ); } );\n",
			     &c),
			0);
	sl_config_free(&c);
}

static void test_err_missing_src(void)
{
	static const char dp[] = "dataplane = { ports = ( { device = \"a\"; } ); workers = [ 1 ]; };\n";
	char text[1024];

	snprintf(text, sizeof(text), "%snetwork = { src_ipv6 = \"2001:db8::2\"; };\n"
		 "vips = ( { address = \"2001:db8:100::1\"; backends = (\n  { address = \"2001:db8::1\"; },\n"
		 "  { address = \"198.18.0.1\"; } ); } );\n", dp);
	expect_error(text, "198.18.0.1", "vips.[0].backends.[1].address");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "network.src_ipv4"));
	snprintf(text, sizeof(text), "%snetwork = { src_ipv4 = \"198.18.0.2\"; };\n"
		 "vips = ( { address = \"2001:db8:100::1\"; method = \"ip6tnl\"; backends = (\n"
		 "  { address = \"2001:db8::1\"; } ); } );\n", dp);
	expect_error(text, "2001:db8::1\"", "vips.[0].backends.[0].address");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "network.src_ipv6"));
}

static void test_err_ports_workers_burst(void)
{
	expect_error("dataplane = {\n  ports = ( );\n  workers = [ 1 ]; };\n", "ports", "dataplane.ports");
	expect_error("dataplane = {\n  ports = ( { device = \"a\"; } );\n  workers = [ ]; };\n", "workers",
		     "dataplane.workers");
	expect_error("dataplane = {\n  ports = ( { device = \"a\"; } );\n  workers = [ 1, 2, 1 ]; };\n", "workers",
		     "dataplane.workers");
	expect_error("eal = { main_lcore = 2; };\ndataplane = {\n  ports = ( { device = \"a\"; } );\n"
		     "  workers = [ 1, 2 ]; };\n",
		     "workers", "dataplane.workers");
	expect_error(BASE "dataplane = {};\n", "dataplane = {}", "-"); /* duplicate group: libconfig syntax */
	expect_error("dataplane = { ports = ( { device = \"a\"; } ); workers = [ 1 ];\n burst = 0; };\n", "burst",
		     "dataplane.burst");
	expect_error("dataplane = { ports = ( { device = \"a\"; } ); workers = [ 1 ];\n burst = 257; };\n", "burst",
		     "dataplane.burst");
	expect_error("dataplane = { ports = ( { device = \"a\"; } );\n workers = [ 1, 1024 ]; };\n", "1024",
		     "dataplane.workers");
}

static void test_err_missing_required(void)
{
	expect_error("dataplane = {\n  ports = (\n    { name = \"p\"; } );\n  workers = [ 1 ]; };\n", "{ name",
		     "dataplane.ports.[0].device");
	expect_error("dataplane = {\n  ports = ( { device = \"a\"; } ); };\n", "dataplane", "dataplane.workers");
	expect_error(BASE "vips = (\n  { port = 80; } );\n", "{ port", "vips.[0].address");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; backends = (\n  { weight = 1; } ); } );\n",
		     "{ weight", "vips.[0].backends.[0].address");
	expect_error("flows = { entries = 4096; };\n", "flows", "dataplane"); /* reported at line 1 */
}

static void test_hostile_numbers(void)
{
	/* libconfig 1.5 would wrap these to 100 / -1 without the prescan. */
	expect_error(BASE "vips = ( { address = \"198.18.1.1\"; backends = (\n"
			  "  { address = \"198.18.0.1\"; weight = 4294967396; } ); } );\n",
		     "4294967396", "weight");
	expect_error(BASE "flows = {\n entries = 99999999999999999999999999; };\n", "999", "entries");
	expect_error(BASE "flows = {\n entries = 0xffffffffff; };\n", "0xff", "entries");
	expect_error(BASE "flows = {\n entries = 9223372036854775807L; };\n", "922", "flows.entries");
	expect_error(BASE "eal = {\n memory_mb = -2147483649; };\n", "-214", "memory_mb");
	expect_error(BASE "eal = {\n memory_mb = -5; };\n", "-5", "eal.memory_mb");
	expect_error(BASE "vips = ( { address = \"198.18.1.1\";\n port = 65536; } );\n", "65536", "vips.[0].port");
}

static void test_hostile_text(void)
{
	struct sl_config c;
	char *big;
	size_t i, n;
	int rc;

	expect_error("", "", "dataplane"); /* empty: required group missing, line 1 */
	expect_error("# only a comment\n", "#", "dataplane");
	expect_error(BASE "@include \"/etc/passwd\"\n", "@include", "src_ipv6");
	expect_error("\x7f" "ELF\x02\x01\x01\xff\xfe\n\x01", "\x7f", "-");

	/* Random bytes: must fail cleanly (never crash, never succeed). */
	srand(42);
	big = malloc(4097);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (n = 0; n < 50; n++) {
		for (i = 0; i < 4096; i++)
			big[i] = (char)(1 + rand() % 255);
		big[4096] = '\0';
		rc = load(big, &c);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_EQUAL(strncmp(err, NAME ":", strlen(NAME) + 1), 0);
	}
	free(big);

	/* 10k-character string and key. */
	n = 10000;
	big = malloc(n + 512);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	strcpy(big, "dataplane = { ports = ( { device = \"");
	memset(big + strlen(big), 'a', n);
	strcpy(big + strlen("dataplane = { ports = ( { device = \"") + n, "\"; } ); workers = [ 1 ]; };\n");
	expect_error(big, "dataplane", "dataplane.ports.[0].device");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 511"));
	memset(big, 'k', n);
	strcpy(big + n, " = 1;\n");
	rc = load(big, &c);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key"));
	free(big);

	/* 100k nested groups: libconfig's parser gives up ("memory exhausted"), never overflows the stack. */
	n = 100000;
	big = malloc(n * 6 + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (i = 0; i < n; i++)
		memcpy(big + i * 4, "a={ ", 4);
	strcpy(big + n * 4, "b=1;");
	for (i = 0; i < n; i++)
		memcpy(big + n * 4 + 4 + i * 2, "};", 2);
	big[n * 6 + 4] = '\0';
	expect_error(big, "a", "-");
	/* 200 nested groups parse, then are rejected as unknown at the first level. */
	big[200 * 4] = '\0';
	strcat(big, "b=1;");
	for (i = 0; i < 200; i++)
		strcat(big, "};");
	expect_error(big, "a", "a");
	/* The same depth inside a known group: unknown key, one level down. */
	memmove(big + 12, big, strlen(big) + 1);
	memcpy(big, "dataplane={ ", 12);
	strcat(big, "};");
	expect_error(big, "a", "dataplane.a");
	free(big);
}

static void test_hostile_size(void)
{
	struct sl_config c;
	size_t n = SL_CONFIG_MAX_BYTES + 10;
	char *big = malloc(n + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, '\n', n);
	big[n] = '\0';
	CU_ASSERT_EQUAL(load(big, &c), -EFBIG);
	free(big);
}

static void test_files(void)
{
	char path[] = "/tmp/sl_test_config_XXXXXX";
	struct sl_config c;
	FILE *f;
	int fd, rc;

	rc = sl_config_load_file("/nonexistent/sluice.conf", &c, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/sluice.conf"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	CU_ASSERT_EQUAL(sl_config_load_file("/", &c, err, sizeof(err)), -EISDIR);

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(BASE "vips = ( { address = \"198.18.1.1\";\n  port = 70000; } );\n", f);
	fclose(f);
	rc = sl_config_load_file(path, &c, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":7: vips.[0].port: 70000 is out of range 0..65535"));

	/* A NUL byte in a file is binary, not the end of the config. */
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(BASE, f);
	fputc('\0', f);
	fputs("garbage", f);
	fclose(f);
	CU_ASSERT_EQUAL(sl_config_load_file(path, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":6: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL"));

	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(BASE, f);
	fclose(f);
	CU_ASSERT_EQUAL(sl_config_load_file(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.path, path);
	sl_config_free(&c);
	unlink(path);
}

static void test_error_buffer(void)
{
	struct sl_config c;
	char small[12];

	memset(small, 'x', sizeof(small));
	CU_ASSERT_EQUAL(sl_config_load_string("x = 1;", NAME, &c, small, 8), -EINVAL);
	CU_ASSERT_STRING_EQUAL(small, "t.conf:");
	CU_ASSERT_EQUAL(small[8], 'x'); /* nothing written past errlen */
	CU_ASSERT_EQUAL(sl_config_load_string("x = 1;", NAME, &c, NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_load_string(NULL, NAME, &c, err, sizeof(err)), -EINVAL);
}

static void test_load_free_loop(void)
{
	struct sl_config c;
	int i, ok = 0, bad = 0;

	for (i = 0; i < 2000; i++) {
		if (sl_config_load_string(sl_config_default_text(), NULL, &c, err, sizeof(err)) == 0 &&
		    c.n_vips == 2 && c.n_eal_args == 1)
			ok++;
		sl_config_free(&c);
		/* Fails late (validation), after eal args and both VIPs were allocated. */
		if (load("eal = { args = [ \"a\", \"b\" ]; };\n" BASE
			 "vips = ( { address = \"198.18.1.1\"; backends = ( { address = \"198.18.0.1\"; } ); },\n"
			 "  { address = \"198.18.1.1\"; backends = ( { address = \"198.18.0.1\"; } ); } );\n",
			 &c) == -EINVAL)
			bad++;
	}
	CU_ASSERT_EQUAL(ok, 2000);
	CU_ASSERT_EQUAL(bad, 2000);
}

static void test_ip_and_mac(void)
{
	struct sl_ip ip;
	uint8_t mac[6];
	char buf[64];

	CU_ASSERT_EQUAL(sl_ip_parse("198.18.0.1", &ip), 0);
	CU_ASSERT_EQUAL(ip.family, SL_AF_INET);
	CU_ASSERT_EQUAL(ip.w[0], htonl(0xc6120001));
	CU_ASSERT_EQUAL(ip.w[1] | ip.w[2] | ip.w[3], 0);
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&ip, buf, sizeof(buf)), "198.18.0.1");
	CU_ASSERT_EQUAL(sl_ip_parse("2001:DB8:0:0::1", &ip), 0);
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&ip, buf, sizeof(buf)), "2001:db8::1");
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&ip, buf, 5), "2001"); /* truncated, terminated */
	CU_ASSERT_EQUAL(sl_ip_parse(" 198.18.0.1", &ip), -EINVAL);
	CU_ASSERT_EQUAL(ip.family, 0);
	CU_ASSERT_EQUAL(sl_ip_parse("198.18.0", &ip), -EINVAL);
	CU_ASSERT_EQUAL(sl_ip_parse("[2001:db8::1]", &ip), -EINVAL);
	CU_ASSERT_EQUAL(sl_ip_parse("fe80::1%eth0", &ip), -EINVAL);
	CU_ASSERT_EQUAL(sl_ip_parse("", &ip), -EINVAL);
	CU_ASSERT_EQUAL(sl_ip_parse(NULL, &ip), -EINVAL);
	memset(&ip, 0, sizeof(ip));
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&ip, buf, sizeof(buf)), "unset");

	CU_ASSERT_EQUAL(sl_mac_parse("02:00:5e:10:AB:ff", mac), 0);
	CU_ASSERT_EQUAL(mac[0], 0x02);
	CU_ASSERT_EQUAL(mac[4], 0xab);
	CU_ASSERT_EQUAL(mac[5], 0xff);
	CU_ASSERT_EQUAL(sl_mac_parse("02-00-5e-10-ab-fe", mac), 0);
	CU_ASSERT_EQUAL(mac[5], 0xfe);
	CU_ASSERT_EQUAL(sl_mac_parse("02:00:5e:10:ab", mac), -EINVAL);
	CU_ASSERT_EQUAL(sl_mac_parse("02:00:5e:10:ab:fe:01", mac), -EINVAL);
	CU_ASSERT_EQUAL(sl_mac_parse("2:0:5e:10:ab:fe", mac), -EINVAL);
	CU_ASSERT_EQUAL(sl_mac_parse("02:00:5e:10:ab:fg", mac), -EINVAL);
	CU_ASSERT_EQUAL(mac[5], 0xfe); /* untouched on error */
	CU_ASSERT_EQUAL(sl_mac_parse("", mac), -EINVAL);
}

static void test_key_table(void)
{
	const struct sl_cfg_key *k;
	size_t n, i;
	const struct sl_cfg_key *keys = sl_cfg_keys(&n);
	char path[160];

	k = sl_cfg_key_find("vips.[].backends.[].weight");
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->max, 65535);
	CU_ASSERT_TRUE(k->reloadable);
	CU_ASSERT_PTR_EQUAL(sl_cfg_key_find("vips.[3].backends.[0].weight"), k);
	CU_ASSERT_PTR_EQUAL(sl_cfg_key_find("vips.web.backends.be1.weight"), k);
	CU_ASSERT_STRING_EQUAL(sl_cfg_key_path(k, path, sizeof(path)), "vips.[].backends.[].weight");
	k = sl_cfg_key_find("dataplane.burst");
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_FALSE(k->reloadable);
	CU_ASSERT_PTR_NULL(sl_cfg_key_find("dataplane.burst.x"));
	CU_ASSERT_PTR_NULL(sl_cfg_key_find("vips.[0].nope"));
	CU_ASSERT_PTR_NULL(sl_cfg_key_find(""));
	/* Every key has a doc line and a parent that is itself a group or list in the table. */
	for (i = 0; i < n; i++) {
		CU_ASSERT_TRUE(keys[i].doc && keys[i].doc[0]);
		if (keys[i].parent[0])
			CU_ASSERT_PTR_NOT_NULL(sl_cfg_key_find(keys[i].parent));
	}
}

/* The config spells methods as encap.c does, and offers every method encap.c implements. */
static void test_method_names_match_encap(void)
{
	const struct sl_cfg_key *k = sl_cfg_key_find("vips.[].method");
	const struct sl_cfg_choice *c;
	unsigned seen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	for (c = k->choices; c->name; c++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(sl_fwd_method_name((enum sl_fwd_method)c->value));
		CU_ASSERT_STRING_EQUAL(sl_fwd_method_name((enum sl_fwd_method)c->value), c->name);
		seen |= 1u << c->value;
	}
	CU_ASSERT_EQUAL(seen, (1u << SL_FWD__MAX) - 1);
}


static void test_new_keys_good(void)
{
	static const char text[] = BASE
		"control = { socket_group = \"sluice\"; metrics = \"[::1]:9100\"; };\n"
		"vips = (\n"
		"  { address = \"198.18.1.1\"; port = 0; scheduler = \"wrr\"; all_down = \"drop\";\n"
		"    health = { type = \"http\"; port = 8080; path = \"/hz\"; host = \"h.example\"; expect_status = 204;\n"
		"               interval_ms = 500; timeout_ms = 500; rise = 1; fall = 100; };\n"
		"    backends = ( { address = \"198.18.0.1\"; },\n"
		"                 { address = \"198.18.0.2\"; health = { type = \"udp\"; udp_send = \"q\"; udp_expect = \"a\"; }; } ); }\n"
		");\n";
	struct sl_config c;
	const struct sl_cfg_vip *v;
	const struct sl_cfg_health *h;

	CU_ASSERT_EQUAL_FATAL(load(text, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.dp_type, "dpdk");
	CU_ASSERT_STRING_EQUAL(c.xdp_mode, "native");
	CU_ASSERT_STRING_EQUAL(c.xdp_pin_path, "/sys/fs/bpf/sluice");
	CU_ASSERT_STRING_EQUAL(c.xdp_egress, "");
	CU_ASSERT_STRING_EQUAL(c.socket_group, "sluice");
	CU_ASSERT_STRING_EQUAL(c.metrics_listen, "[::1]:9100");
	v = &c.vips[0];
	CU_ASSERT_EQUAL(v->scheduler, SL_SCHED_WRR);
	CU_ASSERT_EQUAL(v->all_down, SL_ALL_DOWN_DROP);
	CU_ASSERT_EQUAL(v->health.type, SL_PROBE_HTTP);
	CU_ASSERT_EQUAL(v->health.port, 8080);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/hz");
	CU_ASSERT_STRING_EQUAL(v->health.host, "h.example");
	CU_ASSERT_EQUAL(v->health.expect_status, 204);
	CU_ASSERT_EQUAL(v->health.interval_ms, 500);
	CU_ASSERT_EQUAL(v->health.rise, 1);
	CU_ASSERT_EQUAL(v->health.fall, 100);
	CU_ASSERT_STRING_EQUAL(v->health.udp_send, "ping");
	/* Backend 0 inherits all; backend 1 overrides three keys and inherits the rest. */
	CU_ASSERT_EQUAL(memcmp(&v->backends[0].health, &v->health, sizeof(v->health)), 0);
	h = &v->backends[1].health;
	CU_ASSERT_EQUAL(h->type, SL_PROBE_UDP);
	CU_ASSERT_STRING_EQUAL(h->udp_send, "q");
	CU_ASSERT_STRING_EQUAL(h->udp_expect, "a");
	CU_ASSERT_EQUAL(h->port, 8080);
	CU_ASSERT_EQUAL(h->interval_ms, 500);
	CU_ASSERT_STRING_EQUAL(h->path, "/hz");
	sl_config_free(&c);

	/* Defaults of a VIP without health. */
	CU_ASSERT_EQUAL_FATAL(load(BASE "vips = ( { address = \"198.18.1.1\"; backends = ( { address = \"198.18.0.1\"; } ); } );\n", &c), 0);
	h = &c.vips[0].backends[0].health;
	CU_ASSERT_EQUAL(c.vips[0].scheduler, SL_SCHED_MAGLEV);
	CU_ASSERT_EQUAL(c.vips[0].all_down, SL_ALL_DOWN_KEEP);
	CU_ASSERT_EQUAL(h->type, SL_PROBE_NONE);
	CU_ASSERT_EQUAL(h->expect_status, 200);
	CU_ASSERT_EQUAL(h->interval_ms, 2000);
	CU_ASSERT_EQUAL(h->timeout_ms, 1000);
	CU_ASSERT_EQUAL(h->rise, 2);
	CU_ASSERT_EQUAL(h->fall, 3);
	CU_ASSERT_STRING_EQUAL(h->path, "/");
	CU_ASSERT_STRING_EQUAL(h->udp_send, "ping");
	sl_config_free(&c);

	/* XDP: ports and workers optional, interface required. */
	CU_ASSERT_EQUAL_FATAL(load("dataplane = { type = \"xdp\"; xdp = { interface = \"eth1\"; mode = \"auto\";\n"
				   "  egress = \"eth2\"; pin_path = \"/sys/fs/bpf/x\"; }; };\n", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.dp_type, "xdp");
	CU_ASSERT_STRING_EQUAL(c.xdp_iface, "eth1");
	CU_ASSERT_STRING_EQUAL(c.xdp_mode, "auto");
	CU_ASSERT_STRING_EQUAL(c.xdp_egress, "eth2");
	CU_ASSERT_STRING_EQUAL(c.xdp_pin_path, "/sys/fs/bpf/x");
	CU_ASSERT_EQUAL(c.n_ports, 0);
	CU_ASSERT_EQUAL(c.n_workers, 0);
	sl_config_free(&c);
}

static void test_new_keys_bad(void)
{
#define V1 BASE "vips = ( { address = \"198.18.1.1\";\n"
	expect_error(V1 " scheduler = \"rr\"; } );\n", "rr", "vips.[0].scheduler");
	expect_error(V1 " all_down = \"panic\"; } );\n", "panic", "vips.[0].all_down");
	expect_error(V1 " health = { type = \"icmp\"; }; } );\n", "icmp", "vips.[0].health.type");
	expect_error(V1 " health = { port = 65536; }; } );\n", "65536", "vips.[0].health.port");
	expect_error(V1 " health = { expect_status = 99; }; } );\n", "99", "vips.[0].health.expect_status");
	expect_error(V1 " health = { interval_ms = 99; }; } );\n", "99", "vips.[0].health.interval_ms");
	expect_error(V1 " health = { timeout_ms = 9; }; } );\n", "timeout_ms", "vips.[0].health.timeout_ms");
	expect_error(V1 " health = { rise = 0; }; } );\n", "rise", "vips.[0].health.rise");
	expect_error(V1 " health = { fall = 101; }; } );\n", "fall", "vips.[0].health.fall");
	expect_error(V1 " health = { path = \"\"; }; } );\n", "path", "vips.[0].health.path");
	expect_error(V1 " health = { colour = 1; }; } );\n", "colour", "vips.[0].health.colour");
	expect_error(V1 " health = 5; } );\n", "health", "vips.[0].health");
	/* Rules across keys. */
	expect_error(V1 " health = { type = \"tcp\"; }; } );\n", "health", "vips.[0].health.port");
	expect_error(V1 " health = { interval_ms = 500;\n timeout_ms = 600; }; } );\n", "600",
		     "vips.[0].health.timeout_ms");
	expect_error(V1 " port = 80; health = { type = \"http\";\n path = \"noslash\"; }; } );\n", "noslash",
		     "vips.[0].health.path");
	expect_error(V1 " port = 80; health = { type = \"http\";\n path = \"/a\\r\\nX-Evil: 1\"; }; } );\n", "X-Evil",
		     "vips.[0].health.path");
	expect_error(V1 " health = { host = \"a b\"; }; } );\n", "a b", "vips.[0].health.host");
	/* A backend override breaks a rule: the backend's key is named. */
	expect_error(V1 " port = 80; backends = ( { address = \"198.18.0.1\";\n"
		     "  health = { interval_ms = 200; }; } ); } );\n", "interval_ms = 200",
		     "vips.[0].backends.[0].health.interval_ms");
	expect_error(V1 " backends = ( { address = \"198.18.0.1\"; },\n { address = \"198.18.0.2\";\n"
		     "  health = { type = \"tcp\"; }; } ); } );\n", "type = \"tcp\"",
		     "vips.[0].backends.[1].health.port");
	expect_error(V1 " backends = ( { address = \"198.18.0.1\";\n health = { rise = 0; }; } ); } );\n",
		     "rise", "vips.[0].backends.[0].health.rise");
	/* Dataplane type and XDP. */
	expect_error("dataplane = {\n type = \"afxdp\"; };\n", "afxdp", "dataplane.type");
	expect_error("dataplane = {\n type = \"xdp\"; };\n", "type", "dataplane.xdp.interface");
	expect_error("dataplane = { type = \"xdp\";\n xdp = { mode = \"native\"; }; };\n", "xdp = {",
		     "dataplane.xdp.interface");
	expect_error("dataplane = { type = \"xdp\"; xdp = {\n interface = \"eth1/x\"; }; };\n", "eth1/x",
		     "dataplane.xdp.interface");
	expect_error("dataplane = { type = \"xdp\"; xdp = {\n interface = \"abcdefghijklmnop\"; }; };\n", "abcdef",
		     "dataplane.xdp.interface");
	expect_error("dataplane = { type = \"xdp\"; xdp = { interface = \"eth1\";\n mode = \"skb\"; }; };\n", "skb",
		     "dataplane.xdp.mode");
	expect_error("dataplane = { type = \"xdp\"; xdp = { interface = \"eth1\";\n egress = \"e 2\"; }; };\n", "e 2",
		     "dataplane.xdp.egress");
	expect_error("dataplane = { type = \"xdp\"; xdp = { interface = \"eth1\";\n pin_path = \"bpf/x\"; }; };\n",
		     "bpf/x", "dataplane.xdp.pin_path");
	/* dpdk (the default) still needs ports and workers. */
	expect_error("dataplane = {\n workers = [ 1 ]; };\n", "dataplane", "dataplane.ports");
	expect_error("dataplane = { type = \"dpdk\";\n ports = ( { device = \"a\"; } ); };\n", "dataplane",
		     "dataplane.workers");
	/* Control. */
	expect_error(DP "control = {\n metrics = \"127.0.0.1\"; };\n", "metrics", "control.metrics");
	expect_error(DP "control = {\n metrics = \"::1:9100\"; };\n", "metrics", "control.metrics");
	expect_error(DP "control = {\n metrics = \"127.0.0.1:0\"; };\n", "metrics", "control.metrics");
	expect_error(DP "control = {\n metrics = \"127.0.0.1:65536\"; };\n", "metrics", "control.metrics");
	expect_error(DP "control = {\n metrics = \"[198.18.0.1]:80\"; };\n", "metrics", "control.metrics");
	expect_error(DP "control = {\n metrics = 9100; };\n", "metrics", "control.metrics");
	expect_error(DP "control = {\n socket_group = \"a:b\"; };\n", "socket_group", "control.socket_group");
#undef V1
}

static void test_addr_port_parse(void)
{
	struct sl_ip ip;
	uint16_t port;
	char buf[64];

	CU_ASSERT_EQUAL(sl_addr_port_parse("198.18.0.1:9100", &ip, &port), 0);
	CU_ASSERT_EQUAL(port, 9100);
	CU_ASSERT_STRING_EQUAL(sl_ip_str(&ip, buf, sizeof(buf)), "198.18.0.1");
	CU_ASSERT_EQUAL(sl_addr_port_parse("[2001:db8::1]:65535", &ip, &port), 0);
	CU_ASSERT_EQUAL(port, 65535);
	CU_ASSERT_EQUAL(ip.family, SL_AF_INET6);
	CU_ASSERT_EQUAL(sl_addr_port_parse("2001:db8::1:80", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(ip.family, 0);
	CU_ASSERT_EQUAL(port, 0);
	CU_ASSERT_EQUAL(sl_addr_port_parse("198.18.0.1:+80", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse("198.18.0.1:4294967376", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse("198.18.0.1:", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse(":80", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse("[::1]80", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse("[::1:80", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse("localhost:80", &ip, &port), -EINVAL);
	CU_ASSERT_EQUAL(sl_addr_port_parse(NULL, &ip, &port), -EINVAL);
}

/* load -> write -> load: equal; and writing the reloaded config gives the same text. */
static void round_trip(const char *text, const char *what)
{
	struct sl_config a, b;
	char *out, *out2;
	int rc;

	rc = sl_config_load_string(text, what, &a, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n  %s: %s\n", what, err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	out = sl_config_to_string(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Written by sluiced"));
	rc = sl_config_load_string(out, "written", &b, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\n  %s rewritten: %s\n%s\n", what, err, out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_TRUE(sl_config_equal(&a, &b));
	strcpy(b.path, a.path); /* the header names the source */
	out2 = sl_config_to_string(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out2);
	CU_ASSERT_STRING_EQUAL(out, out2);
	free(out);
	free(out2);
	sl_config_free(&a);
	sl_config_free(&b);
}

static void test_round_trip_examples(void)
{
	static const char *const files[] = { "demo.conf", "full.conf", "nic.conf" };
	char path[512], *text;
	FILE *f;
	long n;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", SL_EXAMPLES_DIR, files[i]);
		f = fopen(path, "rb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		rewind(f);
		text = calloc(1, (size_t)n + 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		CU_ASSERT_EQUAL(fread(text, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		round_trip(text, files[i]);
		free(text);
	}
	round_trip(sl_config_default_text(), "<embedded>");
}

static const char *pick(const char *const *v, size_t n)
{
	return v[(size_t)rand() % n];
}

#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

/* One random valid health group body (or "" for none) into @b. */
static void random_health(char *b, size_t len, int any_port)
{
	static const char *const types[] = { "none", "tcp", "http", "https", "udp" };
	static const char *const paths[] = { "/", "/hz", "/a/b?c=d" };
	static const char *const strs[] = { "ping", "x\\ty", "q\\\"uote", "\\x01bin" };
	int iv = 100 + rand() % 5000;

	snprintf(b, len, "health = { type = \"%s\"; port = %d; path = \"%s\"; %s interval_ms = %d; timeout_ms = %d;"
		 " rise = %d; fall = %d; udp_send = \"%s\"; %s };",
		 PICK(types), any_port ? 1 + rand() % 65535 : rand() % 65536, PICK(paths),
		 rand() % 2 ? "host = \"h.example\";" : "", iv, 10 + rand() % (iv - 9), 1 + rand() % 100,
		 1 + rand() % 100, PICK(strs), rand() % 2 ? "udp_expect = \"pong\";" : "");
}

static void test_round_trip_random(void)
{
	static const char *const methods[] = { "gue", "ipip", "ip6tnl", "l2dsr" };
	static const char *const scheds[] = { "maglev", "wrr", "wrandom", "lrt" };
	static const char *const hashes[] = { "", "hash = [ \"src_addr\" ];", "hash = [ \"dst_port\", \"proto\" ];" };
	char *text = malloc(1 << 20), h[1024];
	size_t n;
	int iter, v, b, nv, nb, port, v6vip;
	const char *m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	srand(7);
	for (iter = 0; iter < 200; iter++) {
		n = (size_t)snprintf(text, 1 << 20,
				     "eal = { args = [ \"--in-memory\", \"-l 0-%d\" ]; no_huge = %s; memory_mb = %d; };\n"
				     "dataplane = { ports = ( { device = \"net_null%d\"; mtu = %d; } ); workers = [ %d ];"
				     " burst = %d; exception = { type = \"%s\"; }; xdp = { mode = \"generic\"; }; };\n"
				     "flows = { entries = %d; tcp_timeout = %d; };\n"
				     "network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; %s };\n"
				     "control = { %s };\nvips = (\n",
				     rand() % 8, rand() % 2 ? "true" : "false", rand() % 4096, rand() % 10,
				     576 + rand() % 8000, 1 + rand() % 8, 1 + rand() % 256, rand() % 2 ? "tap" : "none",
				     1024 + rand() % 100000, 1 + rand() % 86400,
				     rand() % 2 ? "gateway_mac = \"02:00:00:00:00:fe\";" : "",
				     rand() % 2 ? "metrics = \"[2001:db8::1]:9100\"; socket_group = \"adm\";" : "");
		nv = rand() % 5;
		for (v = 0; v < nv; v++) {
			m = PICK(methods);
			v6vip = strcmp(m, "ipip") != 0 && rand() % 2;
			port = rand() % 3 ? 1 + rand() % 65535 : 0;
			random_health(h, sizeof(h), port == 0);
			n += (size_t)snprintf(text + n, (1 << 20) - n,
					      "%s{ %s address = \"%s%d\"; port = %d; protocol = \"%s\"; method = \"%s\";"
					      " scheduler = \"%s\"; all_down = \"%s\"; %s %s backends = (",
					      v ? ",\n" : "", rand() % 2 ? "" : "name = \"v\\\"x\";",
					      v6vip ? "2001:db8:100::" : "198.18.100.", v + 1, port,
					      rand() % 2 ? "tcp" : "udp", m, PICK(scheds), rand() % 2 ? "keep" : "drop",
					      PICK(hashes), rand() % 3 ? h : "");
			nb = rand() % 6;
			for (b = 0; b < nb; b++) {
				/* A family the method can carry: ipip v4, ip6tnl v6, l2dsr the VIP's, gue any. */
				int six = m[0] == 'i' && m[2] == '6' ? 1 : m[0] == 'i' ? 0 :
					  m[0] == 'l' ? v6vip : rand() % 2;

				n += (size_t)snprintf(text + n, (1 << 20) - n,
						      "%s{ address = \"%s%d\"; weight = %d; %s %s }", b ? ", " : " ",
						      six ? "2001:db8::" : "198.18.0.", 10 + b, rand() % 65536,
						      rand() % 2 ? "mac = \"02:00:00:00:00:11\";" : "",
						      rand() % 3 == 0 ? (port ? "health = { rise = 7; path = \"/be\"; };"
									      : "health = { fall = 9; };")
								      : "");
			}
			n += (size_t)snprintf(text + n, (1 << 20) - n, " ); }");
		}
		snprintf(text + n, (1 << 20) - n, "\n);\n");
		/* VIP names must be unique: only the first may take the fixed name. */
		{
			char *p = strstr(text, "name = \"v\\\"x\";");

			while (p && (p = strstr(p + 1, "name = \"v\\\"x\";")))
				memset(p, ' ', strlen("name = \"v\\\"x\";"));
		}
		round_trip(text, "random");
	}
	free(text);
}

/* Copy is deep; equal sees every key of the table; validate on a changed copy rejects with a path. */
static void test_copy_equal_validate(void)
{
	struct sl_config a, b;
	const struct sl_cfg_key *keys, *k;
	size_t n, i;
	int tested = 0;
	void *base;

	CU_ASSERT_EQUAL_FATAL(sl_config_load_string(sl_config_default_text(), NULL, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(&b, &a), 0);
	CU_ASSERT_TRUE(sl_config_equal(&a, &b));
	CU_ASSERT_PTR_NOT_EQUAL(a.vips, b.vips);
	CU_ASSERT_PTR_NOT_EQUAL(a.vips[0].backends, b.vips[0].backends);
	CU_ASSERT_PTR_NOT_EQUAL(a.eal_args[0], b.eal_args[0]);
	b.vips[0].line = 999; /* lines and path do not count */
	strcpy(b.path, "elsewhere");
	CU_ASSERT_TRUE(sl_config_equal(&a, &b));
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), 0);
	sl_config_free(&b);
	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		CU_ASSERT_EQUAL_FATAL(sl_config_copy(&b, &a), 0);
		base = test_scope_base(&b, k);
		if (base && test_mutate_key(k, base) == 0) {
			if (sl_config_equal(&a, &b))
				fprintf(stderr, "\n  %s: change not seen\n", k->name);
			CU_ASSERT_FALSE(sl_config_equal(&a, &b));
			tested++;
		}
		sl_config_free(&b);
	}
	CU_ASSERT_TRUE(tested > 60);
	CU_ASSERT_EQUAL(sl_config_copy(NULL, &a), -EINVAL);
	CU_ASSERT_EQUAL(sl_config_copy(&b, NULL), -EINVAL);

	/* In-memory changes the loader would refuse: message names the key, no line. */
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(&b, &a), 0);
	b.vips[0].backends[1].weight = 70000;
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "<runtime>: vips.[0].backends.[1].weight: 70000 is out of range 0..65535");
	b.vips[0].backends[1].weight = 1;
	b.vips[1].table_size = 65536;
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "<runtime>: vips.[1].table_size: 65536 is not prime", 50), 0);
	b.vips[1].table_size = 65537;
	b.vips[1].port = 0;
	b.vips[1].health.type = SL_PROBE_TCP;
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "<runtime>: vips.[1].health.port: required", 41), 0);
	b.vips[1].health.type = SL_PROBE_NONE;
	b.vips[1].addr = b.vips[0].addr;
	b.vips[1].port = 80;
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "<runtime>: vips.[1]: ", 21), 0);
	CU_ASSERT_PTR_NULL(strstr(err, "line"));
	sl_config_free(&b);
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(&b, &a), 0);
	b.vips[0].method = (enum sl_fwd_method)77;
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "<runtime>: vips.[0].method: unknown value 77");
	CU_ASSERT_PTR_NULL(sl_config_to_string(&b)); /* not expressible in a file */
	CU_ASSERT_EQUAL(errno, EINVAL);
	b.vips[0].method = SL_FWD_GUE;
	memset(b.socket_path, 'a', sizeof(b.socket_path)); /* no NUL */
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "<runtime>: control.socket: is not NUL-terminated", 48), 0);
	strcpy(b.socket_path, "/run/x.sock");
	b.n_workers = 0;
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "<runtime>: dataplane.workers: ", 30), 0);
	strcpy(b.dp_type, "xdp");
	strcpy(b.xdp_iface, "eth0");
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), 0);
	b.vips[0].name[0] = '\0'; /* derived again */
	CU_ASSERT_EQUAL(sl_config_validate(&b, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(b.vips[0].name, "198.18.100.1:80/tcp");
	CU_ASSERT_EQUAL(sl_config_validate(NULL, err, sizeof(err)), -EINVAL);
	sl_config_free(&b);
	sl_config_free(&a);
}

SL_CU_MAIN("config",
	   { "good config: values and defaults", test_good_values_and_defaults },
	   { "minimal config: defaults", test_minimal_defaults },
	   { "embedded demo config", test_embedded_demo },
	   { "error: syntax", test_err_syntax },
	   { "error: unknown keys", test_err_unknown_key },
	   { "error: wrong types", test_err_wrong_type },
	   { "error: bad addresses and MACs", test_err_bad_address_and_mac },
	   { "error: duplicates", test_err_duplicates },
	   { "error: table_size", test_err_table_size },
	   { "error: weight", test_err_weight },
	   { "error: unknown method/protocol/hash", test_err_unknown_names },
	   { "error: method vs families", test_err_method_families },
	   { "good: method vs families", test_good_method_families },
	   { "error: missing outer source", test_err_missing_src },
	   { "error: ports, workers, burst", test_err_ports_workers_burst },
	   { "error: missing required keys", test_err_missing_required },
	   { "hostile: huge numbers", test_hostile_numbers },
	   { "hostile: empty, binary, long, deep", test_hostile_text },
	   { "hostile: oversized", test_hostile_size },
	   { "files: missing, unreadable, NUL, ok", test_files },
	   { "error buffer bounds", test_error_buffer },
	   { "load/free loop", test_load_free_loop },
	   { "sl_ip and sl_mac parsing", test_ip_and_mac },
	   { "key table lookups", test_key_table },
	   { "method names match encap", test_method_names_match_encap },
	   { "new keys: values, defaults, inheritance", test_new_keys_good },
	   { "new keys: errors", test_new_keys_bad },
	   { "sl_addr_port_parse", test_addr_port_parse },
	   { "round trip: examples", test_round_trip_examples },
	   { "round trip: 200 random configs", test_round_trip_random },
	   { "copy, equal, validate in memory", test_copy_equal_validate });
