/* SPDX-License-Identifier: BSD-3-Clause */
/* The key table (see config_keys.h): the single declaration of every config key. */
#include "config_keys.h"

#include <netinet/in.h>
#include <string.h>

#include "../common/flow_hash.h"
#include "config.h"

/* Field locators for the four structs a key can land in. */
#define FIELD(type, f) .offset = offsetof(type, f), .size = sizeof(((type *)0)->f)
#define ROOT(f) FIELD(struct sl_config, f)
#define PORT(f) FIELD(struct sl_cfg_port, f)
#define VIP(f)  FIELD(struct sl_cfg_vip, f)
#define BE(f)   FIELD(struct sl_cfg_backend, f)

/* Largest prime below 2^24: a table of 16M uint32 slots (64 MiB) per VIP is the sane ceiling. */
#define SL_TABLE_SIZE_MAX 16777213

static const struct sl_cfg_choice exception_types[] = {
	{ "none", 0 }, { "tap", 1 }, { NULL, 0 },
};

static const struct sl_cfg_choice protocols[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { NULL, 0 },
};

/* Same spelling as sl_fwd_method_name(); test_config checks they agree. */
static const struct sl_cfg_choice methods[] = {
	{ "ipip", SL_FWD_IPIP }, { "ip6tnl", SL_FWD_IP6TNL },
	{ "gue", SL_FWD_GUE }, { "l2dsr", SL_FWD_L2DSR }, { NULL, 0 },
};

static const struct sl_cfg_choice hash_fields[] = {
	{ "src_addr", SL_HF_SRC_ADDR }, { "src_port", SL_HF_SRC_PORT },
	{ "dst_addr", SL_HF_DST_ADDR }, { "dst_port", SL_HF_DST_PORT },
	{ "proto", SL_HF_PROTO }, { NULL, 0 },
};

static const struct sl_cfg_choice dp_types[] = {
	{ "dpdk", 0 }, { "xdp", 1 }, { NULL, 0 },
};

static const struct sl_cfg_choice xdp_modes[] = {
	{ "native", 0 }, { "generic", 1 }, { "auto", 2 }, { NULL, 0 },
};

static const struct sl_cfg_choice schedulers[] = {
	{ "maglev", SL_SCHED_MAGLEV }, { "wrr", SL_SCHED_WRR },
	{ "wrandom", SL_SCHED_WRANDOM }, { "lrt", SL_SCHED_LRT }, { NULL, 0 },
};

static const struct sl_cfg_choice all_down_policies[] = {
	{ "keep", SL_ALL_DOWN_KEEP }, { "drop", SL_ALL_DOWN_DROP }, { NULL, 0 },
};

static const struct sl_cfg_choice probe_types[] = {
	{ "none", SL_PROBE_NONE }, { "tcp", SL_PROBE_TCP }, { "http", SL_PROBE_HTTP },
	{ "https", SL_PROBE_HTTPS }, { "udp", SL_PROBE_UDP }, { NULL, 0 },
};

/*
 * The health keys, once for a VIP and once for a backend (P: parent path,
 * F: field locator, D(s): default text). A backend's keys default to its
 * VIP's values, merged after the walk (config_validate.c), so their D only
 * tells the docs so.
 */
#define VIP_DEFAULT(s) .def_str = s
#define INHERITED(s)   .def_str = "the VIP's", .def_computed = true
#define HEALTH_KEYS(P, F, D)                                                                       \
	{ P ".health", "type", SL_CFG_CHOICE, .choices = probe_types, .def_int = SL_PROBE_NONE,     \
	  .reloadable = true, F(health.type), D(NULL),                                              \
	  .doc = "probe kind; \"none\": the backend is always up" },                                 \
	{ P ".health", "port", SL_CFG_UINT, .min = 0, .max = 65535, .reloadable = true,             \
	  F(health.port), D(NULL), .doc = "port probed; 0 = the VIP's port (required for an any-port VIP)" }, \
	{ P ".health", "path", SL_CFG_STRING, .max = SL_PROBE_PATH_MAX - 1, .reloadable = true,     \
	  F(health.path), D("/"), .doc = "HTTP(S) request path; starts with \"/\", no spaces or control characters" }, \
	{ P ".health", "host", SL_CFG_STRING, .max = SL_NAME_MAX - 1, .reloadable = true,           \
	  F(health.host), D(""), .doc = "HTTP Host header; \"\" = the backend address" },            \
	{ P ".health", "expect_status", SL_CFG_UINT, .min = 100, .max = 599, .def_int = 200,        \
	  .reloadable = true, F(health.expect_status), D(NULL),                                     \
	  .doc = "HTTP(S) status a healthy backend answers" },                                      \
	{ P ".health", "interval_ms", SL_CFG_UINT, .min = 100, .max = 3600000, .def_int = 2000,     \
	  .reloadable = true, F(health.interval_ms), D(NULL), .doc = "time between probes" },       \
	{ P ".health", "timeout_ms", SL_CFG_UINT, .min = 10, .max = 3600000, .def_int = 1000,       \
	  .reloadable = true, F(health.timeout_ms), D(NULL),                                        \
	  .doc = "a probe without an answer in this time failed; at most interval_ms" },            \
	{ P ".health", "rise", SL_CFG_UINT, .min = 1, .max = 100, .def_int = 2, .reloadable = true, \
	  F(health.rise), D(NULL), .doc = "successes in a row that make a down backend up" },       \
	{ P ".health", "fall", SL_CFG_UINT, .min = 1, .max = 100, .def_int = 3, .reloadable = true, \
	  F(health.fall), D(NULL), .doc = "failures in a row that make an up backend down" },       \
	{ P ".health", "udp_send", SL_CFG_STRING, .max = SL_PROBE_PAYLOAD_MAX - 1, .reloadable = true, \
	  F(health.udp_send), D("ping"), .doc = "UDP probe payload" },                              \
	{ P ".health", "udp_expect", SL_CFG_STRING, .max = SL_PROBE_PAYLOAD_MAX - 1,                \
	  .reloadable = true, F(health.udp_expect), D(""),                                          \
	  .doc = "a UDP reply must start with this; \"\" = any reply" }

static int is_prime(int64_t m)
{
	int64_t d;

	if (m < 2)
		return 0;
	for (d = 2; d * d <= m; d++)
		if (m % d == 0)
			return 0;
	return 1;
}

static const char *check_prime(int64_t v)
{
	return is_prime(v) ? NULL : "is not prime (Maglev needs a prime table size, e.g. 65537)";
}

static const struct sl_cfg_key keys[] = {
	{ "", "eal", SL_CFG_GROUP, .doc = "DPDK EAL start-up settings" },
	{ "eal", "args", SL_CFG_STR_ARRAY, .max = 1023, .max_count = SL_MAX_EAL_ARGS,
	  ROOT(eal_args), .aux_offset = offsetof(struct sl_config, n_eal_args), .def_str = "[]",
	  .doc = "extra EAL arguments, passed verbatim after sluice's own" },
	{ "eal", "no_huge", SL_CFG_BOOL, ROOT(no_huge), .def_int = 0,
	  .doc = "run without hugepages (containers, CI); slower" },
	{ "eal", "memory_mb", SL_CFG_UINT, .min = 0, .max = 1048576, ROOT(memory_mb),
	  .doc = "memory to reserve at start-up in MiB; 0 = EAL default" },
	{ "eal", "main_lcore", SL_CFG_UINT, .min = 0, .max = 1023, ROOT(main_lcore),
	  .doc = "lcore of the control thread; must not be a worker" },

	{ "", "dataplane", SL_CFG_GROUP, .required = true, .doc = "ports, worker lcores and queue sizes" },
	{ "dataplane", "type", SL_CFG_STRING, .max = 7, .choices = dp_types, .def_str = "dpdk",
	  ROOT(dp_type), .doc = "\"dpdk\": DPDK ports and worker lcores; \"xdp\": an XDP program on dataplane.xdp.interface" },
	{ "dataplane", "ports", SL_CFG_LIST, .required_if = "dataplane.type is \"dpdk\"", .max_count = SL_MAX_PORTS,
	  .offset = offsetof(struct sl_config, ports), .size = sizeof(struct sl_cfg_port), .elem_inline = true,
	  .aux_offset = offsetof(struct sl_config, n_ports),
	  .elem_line_offset = offsetof(struct sl_cfg_port, line),
	  .doc = "DPDK ports the balancer receives on and sends from (one-arm)" },
	{ "dataplane.ports.[]", "name", SL_CFG_STRING, .max = SL_NAME_MAX - 1, PORT(name),
	  .def_str = "port<index>", .def_computed = true, .doc = "label used in stats and logs" },
	{ "dataplane.ports.[]", "device", SL_CFG_STRING, .required = true, .max = SL_DEVARG_MAX - 1,
	  PORT(device), .doc = "PCI address (\"0000:01:00.0\") or vdev args (\"net_af_packet0,iface=eth1\")" },
	{ "dataplane.ports.[]", "mtu", SL_CFG_UINT, .min = 576, .max = 9216, .def_int = 1500, PORT(mtu),
	  .doc = "largest IP packet sent; bigger tunnelled packets get ICMP too-big" },
	{ "dataplane", "workers", SL_CFG_UINT_ARRAY, .required_if = "dataplane.type is \"dpdk\"", .min = 0, .max = 1023,
	  .max_count = SL_MAX_WORKERS, ROOT(workers),
	  .aux_offset = offsetof(struct sl_config, n_workers),
	  .doc = "worker lcore ids, distinct; each gets one RX/TX queue pair per port" },
	{ "dataplane", "burst", SL_CFG_UINT, .min = 1, .max = 256, .def_int = 32, ROOT(burst),
	  .doc = "packets per rx/tx burst" },
	{ "dataplane", "rx_desc", SL_CFG_UINT, .min = 64, .max = 32768, .def_int = 1024, ROOT(rx_desc),
	  .doc = "RX ring descriptors per queue" },
	{ "dataplane", "tx_desc", SL_CFG_UINT, .min = 64, .max = 32768, .def_int = 1024, ROOT(tx_desc),
	  .doc = "TX ring descriptors per queue" },
	{ "dataplane", "mempool_size", SL_CFG_UINT, .min = 1023, .max = 16777215, .def_int = 16383,
	  ROOT(mempool_size), .doc = "mbufs per port; 2^n - 1 is the most memory-efficient" },
	{ "dataplane", "exception", SL_CFG_GROUP,
	  .doc = "where packets not for a VIP (ARP, ND, management) go" },
	{ "dataplane.exception", "type", SL_CFG_STRING, .max = 15, .choices = exception_types,
	  .def_str = "none", ROOT(exception_type),
	  .doc = "\"tap\": hand them to a kernel TAP interface; \"none\": answer ARP/ND, drop the rest" },
	{ "dataplane.exception", "name", SL_CFG_STRING, .max = 15, .def_str = "sl0",
	  ROOT(exception_name), .doc = "kernel interface name of the TAP (IFNAMSIZ - 1 characters)" },
	{ "dataplane", "xdp", SL_CFG_GROUP, .doc = "the XDP dataplane (dataplane.type = \"xdp\")" },
	{ "dataplane.xdp", "interface", SL_CFG_STRING, .max = 15, .required_if = "dataplane.type is \"xdp\"",
	  ROOT(xdp_iface), .doc = "kernel interface the program attaches to" },
	{ "dataplane.xdp", "mode", SL_CFG_STRING, .max = 7, .choices = xdp_modes, .def_str = "native",
	  ROOT(xdp_mode), .doc = "attach mode; \"auto\": native, else generic (logged)" },
	{ "dataplane.xdp", "egress", SL_CFG_STRING, .max = 15, .def_str = "", ROOT(xdp_egress),
	  .doc = "\"\": XDP_TX out of the interface packets came in on; else redirect to this interface" },
	{ "dataplane.xdp", "pin_path", SL_CFG_STRING, .max = SL_PATH_MAX - 1, .def_str = "/sys/fs/bpf/sluice",
	  ROOT(xdp_pin_path), .doc = "absolute bpffs directory; pinned program and maps survive restarts" },

	{ "", "flows", SL_CFG_GROUP, .doc = "per-worker connection tracking" },
	{ "flows", "entries", SL_CFG_UINT, .min = 1024, .max = 134217728, .def_int = 1048576,
	  ROOT(flow_entries), .doc = "flow table entries per worker lcore (rounded up to a power of two)" },
	{ "flows", "tcp_timeout", SL_CFG_UINT, .min = 1, .max = 86400, .def_int = 300, .reloadable = true,
	  ROOT(tcp_timeout), .doc = "seconds an idle TCP flow keeps its backend" },
	{ "flows", "udp_timeout", SL_CFG_UINT, .min = 1, .max = 86400, .def_int = 30, .reloadable = true,
	  ROOT(udp_timeout), .doc = "seconds an idle UDP flow keeps its backend" },

	{ "", "network", SL_CFG_GROUP, .doc = "the balancer's own addresses and next hop" },
	{ "network", "src_ipv4", SL_CFG_ADDR, .family = SL_AF_INET, .unicast = true, ROOT(src_v4),
	  .doc = "outer source of IPv4 tunnels; required if any VIP tunnels to an IPv4 backend" },
	{ "network", "src_ipv6", SL_CFG_ADDR, .family = SL_AF_INET6, .unicast = true, ROOT(src_v6),
	  .doc = "outer source of IPv6 tunnels; required if any VIP tunnels to an IPv6 backend" },
	{ "network", "gateway_ipv4", SL_CFG_ADDR, .family = SL_AF_INET, .unicast = true, ROOT(gw_v4),
	  .doc = "IPv4 next hop towards backends; unset = backends are on-link" },
	{ "network", "gateway_ipv6", SL_CFG_ADDR, .family = SL_AF_INET6, .unicast = true, ROOT(gw_v6),
	  .doc = "IPv6 next hop towards backends; unset = backends are on-link" },
	{ "network", "gateway_mac", SL_CFG_MAC, ROOT(gw_mac),
	  .aux_offset = offsetof(struct sl_config, has_gw_mac),
	  .doc = "fixed destination MAC for every tunnelled packet (skips neighbour resolution)" },
	{ "network", "outer_ttl", SL_CFG_UINT, .min = 1, .max = 255, .def_int = 64, ROOT(outer_ttl),
	  .doc = "TTL / hop limit of outer tunnel headers" },

	{ "", "control", SL_CFG_GROUP, .doc = "the control socket" },
	{ "control", "socket", SL_CFG_STRING, .max = 107, .def_str = "/run/sluice/sluice.sock",
	  ROOT(socket_path), .doc = "UNIX socket path of sluicectl (sun_path: at most 107 bytes)" },
	{ "control", "socket_group", SL_CFG_STRING, .max = SL_NAME_MAX - 1, .def_str = "", ROOT(socket_group),
	  .doc = "\"\": socket mode 0600 (owner only); else 0660 owned by this group" },
	{ "control", "metrics", SL_CFG_STRING, .max = SL_NAME_MAX - 1, .def_str = "", .reloadable = true,
	  ROOT(metrics_listen), .doc = "HTTP metrics listener \"ADDR:PORT\" or \"[ADDR6]:PORT\"; \"\" = off" },

	{ "", "vips", SL_CFG_LIST, .max_count = 65535, .reloadable = true, 
	  .offset = offsetof(struct sl_config, vips), .size = sizeof(struct sl_cfg_vip), .aux_offset = offsetof(struct sl_config, n_vips),
	  .elem_line_offset = offsetof(struct sl_cfg_vip, line),
	  .doc = "virtual services; each address+port+protocol at most once" },
	{ "vips.[]", "name", SL_CFG_STRING, .max = SL_NAME_MAX - 1, .reloadable = true, VIP(name),
	  .def_str = "ADDR:PORT/PROTO", .def_computed = true, .doc = "unique label, used by sluicectl and stats" },
	{ "vips.[]", "address", SL_CFG_ADDR, .required = true, .unicast = true, .reloadable = true,
	  VIP(addr), .doc = "the virtual IPv4 or IPv6 address clients connect to" },
	{ "vips.[]", "port", SL_CFG_UINT, .min = 0, .max = 65535, .reloadable = true, VIP(port),
	  .doc = "destination port; 0 = any port" },
	{ "vips.[]", "protocol", SL_CFG_CHOICE, .choices = protocols, .def_int = IPPROTO_TCP,
	  .reloadable = true, VIP(proto), .doc = "transport protocol" },
	{ "vips.[]", "method", SL_CFG_CHOICE, .choices = methods, .def_int = SL_FWD_GUE,
	  .reloadable = true, VIP(method),
	  .doc = "ipip: IPv4 VIP and backends; ip6tnl: IPv6 backends; l2dsr: backend family = VIP family; gue: any" },
	{ "vips.[]", "table_size", SL_CFG_UINT, .min = 7, .max = SL_TABLE_SIZE_MAX,
	  .def_int = 65537, .check = check_prime, .reloadable = true, VIP(table_size),
	  .doc = "Maglev table size, prime; keep above 100 x backends for even spread" },
	{ "vips.[]", "hash", SL_CFG_FLAGS, .choices = hash_fields, .def_int = SL_HF_ALL,
	  .reloadable = true, VIP(hash_fields),
	  .doc = "5-tuple fields that choose the backend (drop src_port for client affinity)" },
	{ "vips.[]", "gue_port", SL_CFG_UINT, .min = 1, .max = 65535, .def_int = SL_GUE_DEFAULT_PORT,
	  .reloadable = true, VIP(gue_port), .doc = "UDP destination port of GUE packets" },
	{ "vips.[]", "scheduler", SL_CFG_CHOICE, .choices = schedulers, .def_int = SL_SCHED_MAGLEV,
	  .reloadable = true, VIP(scheduler),
	  .doc = "backend choice for new flows; only maglev gives every LB node the same answer" },
	{ "vips.[]", "all_down", SL_CFG_CHOICE, .choices = all_down_policies, .def_int = SL_ALL_DOWN_KEEP,
	  .reloadable = true, VIP(all_down),
	  .doc = "when every backend is down: \"keep\" the last table, or \"drop\" new flows" },
	{ "vips.[]", "health", SL_CFG_GROUP, .reloadable = true,
	  .doc = "health probe of every backend of the VIP" },
	HEALTH_KEYS("vips.[]", VIP, VIP_DEFAULT),
	{ "vips.[]", "backends", SL_CFG_LIST, .max_count = 65535, .reloadable = true, 
	  .offset = offsetof(struct sl_cfg_vip, backends), .size = sizeof(struct sl_cfg_backend), .aux_offset = offsetof(struct sl_cfg_vip, n_backends),
	  .elem_line_offset = offsetof(struct sl_cfg_backend, line),
	  .doc = "real servers; addresses unique within the VIP" },
	{ "vips.[].backends.[]", "address", SL_CFG_ADDR, .required = true, .unicast = true,
	  .reloadable = true, BE(addr), .doc = "backend address; also its Maglev identity" },
	{ "vips.[].backends.[]", "weight", SL_CFG_UINT, .min = 0, .max = 65535, .def_int = 100,
	  .reloadable = true, BE(weight), .doc = "share of new flows, relative to the VIP's other backends; 0 = drained" },
	{ "vips.[].backends.[]", "name", SL_CFG_STRING, .max = SL_NAME_MAX - 1, .reloadable = true,
	  BE(name), .def_str = "ADDRESS", .def_computed = true, .doc = "label used in stats" },
	{ "vips.[].backends.[]", "mac", SL_CFG_MAC, .reloadable = true, BE(mac),
	  .aux_offset = offsetof(struct sl_cfg_backend, has_mac),
	  .doc = "fixed destination MAC (skips neighbour resolution; typical for l2dsr)" },
	{ "vips.[].backends.[]", "health", SL_CFG_GROUP, .reloadable = true, .inherits = "vips.[].health",
	  .doc = "this backend's probe: keys set here override the VIP's health" },
	HEALTH_KEYS("vips.[].backends.[]", BE, INHERITED),
};

const struct sl_cfg_key *sl_cfg_keys(size_t *n)
{
	*n = sizeof(keys) / sizeof(keys[0]);
	return keys;
}

const char *sl_cfg_key_path(const struct sl_cfg_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", k->parent, k->parent[0] ? "." : "", k->name);
	return buf;
}

static const struct sl_cfg_key *find_child(const char *parent, const char *name, size_t name_len)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].parent, parent) == 0 && strlen(keys[i].name) == name_len &&
		    memcmp(keys[i].name, name, name_len) == 0)
			return &keys[i];
	return NULL;
}

const struct sl_cfg_key *sl_cfg_key_find(const char *path)
{
	char parent[128] = "";
	const struct sl_cfg_key *k = NULL;
	const char *p = path, *dot;
	size_t len;
	bool selector = false; /* next component picks a list element */
	bool list_elem = false;

	while (p && *p) {
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (selector) {
			/* The element index or name does not change the schema. */
			if (strlen(parent) + 4 >= sizeof(parent))
				return NULL;
			strcat(parent, ".[]");
			selector = false;
			list_elem = true; /* k stays the list: "vips.[3]" names an element of it */
		} else {
			if (k && k->type != SL_CFG_GROUP && !list_elem)
				return NULL; /* a component below a scalar */
			list_elem = false;
			k = find_child(parent, p, len);
			if (!k)
				return NULL;
			if (snprintf(parent, sizeof(parent), "%s%s%s", k->parent, k->parent[0] ? "." : "",
				     k->name) >= (int)sizeof(parent))
				return NULL;
			selector = k->type == SL_CFG_LIST;
		}
		p = dot ? dot + 1 : NULL;
	}
	return k;
}

bool sl_cfg_key_in_scope(const struct sl_cfg_key *k, const char *scope)
{
	size_t sl = strlen(scope);

	if (strncmp(k->parent, scope, sl) != 0)
		return false;
	/* "" matches every parent: accept only those with no list below the scope. */
	if (sl && k->parent[sl] != '\0' && k->parent[sl] != '.')
		return false;
	return strstr(k->parent + sl, "[]") == NULL;
}

uint32_t sl_cfg_get_uint(const void *field, size_t size)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	if (size == 1) {
		memcpy(&u8, field, 1);
		return u8;
	}
	if (size == 2) {
		memcpy(&u16, field, 2);
		return u16;
	}
	memcpy(&u32, field, 4);
	return u32;
}

static uint32_t count_at(const uint8_t *base, size_t off)
{
	uint32_t n;

	memcpy(&n, base + off, sizeof(n));
	return n;
}

const void *sl_cfg_list_elems(const struct sl_cfg_key *k, const void *base, uint32_t *count)
{
	const uint8_t *p;

	*count = count_at(base, k->aux_offset);
	if (k->elem_inline)
		return (const uint8_t *)base + k->offset;
	memcpy(&p, (const uint8_t *)base + k->offset, sizeof(p));
	return p;
}

const char *sl_cfg_elem_scope(const struct sl_cfg_key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s.[]", k->parent, k->parent[0] ? "." : "", k->name);
	return buf;
}

bool sl_cfg_key_equal(const struct sl_cfg_key *k, const void *a, const void *b)
{
	const uint8_t *pa = (const uint8_t *)a + k->offset, *pb = (const uint8_t *)b + k->offset;
	struct sl_ip ia, ib;
	uint32_t n, i;
	char *sa, *sb;

	switch (k->type) {
	case SL_CFG_GROUP:
	case SL_CFG_LIST:
		return true;
	case SL_CFG_BOOL:
		return (*pa != 0) == (*pb != 0);
	case SL_CFG_UINT:
	case SL_CFG_CHOICE:
	case SL_CFG_FLAGS:
		return sl_cfg_get_uint(pa, k->size) == sl_cfg_get_uint(pb, k->size);
	case SL_CFG_STRING:
		return strncmp((const char *)pa, (const char *)pb, k->size) == 0;
	case SL_CFG_ADDR:
		/* Field by field: the padding after `family` holds whatever memset or memcpy left there. */
		memcpy(&ia, pa, sizeof(ia));
		memcpy(&ib, pb, sizeof(ib));
		return ia.family == ib.family && (!ia.family || memcmp(ia.w, ib.w, sizeof(ia.w)) == 0);
	case SL_CFG_MAC:
		if ((((const uint8_t *)a)[k->aux_offset] != 0) != (((const uint8_t *)b)[k->aux_offset] != 0))
			return false;
		return !((const uint8_t *)a)[k->aux_offset] || memcmp(pa, pb, 6) == 0;
	case SL_CFG_STR_ARRAY:
		n = count_at(a, k->aux_offset);
		if (n != count_at(b, k->aux_offset) || n > k->max_count)
			return false;
		for (i = 0; i < n; i++) {
			memcpy(&sa, pa + i * sizeof(char *), sizeof(sa));
			memcpy(&sb, pb + i * sizeof(char *), sizeof(sb));
			if (!sa || !sb ? sa != sb : strcmp(sa, sb) != 0)
				return false;
		}
		return true;
	case SL_CFG_UINT_ARRAY:
		n = count_at(a, k->aux_offset);
		return n == count_at(b, k->aux_offset) && n <= k->max_count &&
		       memcmp(pa, pb, n * sizeof(uint32_t)) == 0;
	}
	return false;
}

const char *sl_cfg_type_name(enum sl_cfg_type t)
{
	switch (t) {
	case SL_CFG_GROUP: return "group";
	case SL_CFG_LIST: return "list of groups";
	case SL_CFG_BOOL: return "boolean";
	case SL_CFG_UINT: return "integer";
	case SL_CFG_STRING: return "string";
	case SL_CFG_CHOICE: return "string";
	case SL_CFG_FLAGS: return "array of strings";
	case SL_CFG_ADDR: return "IP address";
	case SL_CFG_MAC: return "MAC address";
	case SL_CFG_STR_ARRAY: return "array of strings";
	case SL_CFG_UINT_ARRAY: return "array of integers";
	}
	return "?";
}
