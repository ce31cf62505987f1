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
	{ "dataplane", "ports", SL_CFG_LIST, .required = true, .max_count = SL_MAX_PORTS,
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
	{ "dataplane", "workers", SL_CFG_UINT_ARRAY, .required = true, .min = 0, .max = 1023,
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
