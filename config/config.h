/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice configuration: the parsed, validated form of a libconfig file.
 *
 * A config is either loaded whole and valid, or not at all: every error
 * names file, line and key ("sluice.conf:12: vips.[0].backends.[2].weight:
 * 70000 is out of range 0..65535"). The daemon and sluicectl share this.
 *
 * Error convention: 0 or negative errno, with a one-line message in the
 * caller's buffer. Not thread-safe; the control thread owns configs.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/encap.h"
#include "../common/flow_key.h"

#define SL_NAME_MAX   64
#define SL_PATH_MAX   256
#define SL_DEVARG_MAX 512
#define SL_MAX_PORTS   8
#define SL_MAX_WORKERS 64
#define SL_MAX_EAL_ARGS 32

struct sl_ip {
	uint8_t  family;  /* 0 = unset, SL_AF_INET, SL_AF_INET6 */
	uint32_t w[4];    /* network byte order, flow_key layout */
};

/* Health probe settings: vips.[].health, overridable per backend (backends.[].health). */
enum sl_probe_type { SL_PROBE_NONE, SL_PROBE_TCP, SL_PROBE_HTTP, SL_PROBE_HTTPS, SL_PROBE_UDP };

#define SL_PROBE_PATH_MAX 256
#define SL_PROBE_PAYLOAD_MAX 256

struct sl_cfg_health {
	enum sl_probe_type type;      /* "none" (default), "tcp", "http", "https", "udp" */
	uint16_t port;                /* 0 = the VIP's port (required when the VIP is any-port) */
	char     path[SL_PROBE_PATH_MAX];    /* HTTP(S) path, default "/" */
	char     host[SL_NAME_MAX];          /* HTTP Host header; "" = the backend address */
	uint16_t expect_status;       /* HTTP(S): expected status, default 200 */
	uint32_t interval_ms;         /* default 2000, 100..3600000 */
	uint32_t timeout_ms;          /* default 1000, 10..interval_ms */
	uint32_t rise;                /* successes in a row to become UP, default 2, 1..100 */
	uint32_t fall;                /* failures in a row to become DOWN, default 3, 1..100 */
	char     udp_send[SL_PROBE_PAYLOAD_MAX];   /* UDP request payload, default "ping" */
	char     udp_expect[SL_PROBE_PAYLOAD_MAX]; /* UDP: reply must start with this; "" = any reply */
};

/* Schedulers: only maglev gives every LB node the same choice; the others pick per node. */
enum sl_sched { SL_SCHED_MAGLEV, SL_SCHED_WRR, SL_SCHED_WRANDOM, SL_SCHED_LRT };

/* What a VIP does when every backend is down. */
enum sl_all_down { SL_ALL_DOWN_KEEP, SL_ALL_DOWN_DROP };

struct sl_cfg_backend {
	char     name[SL_NAME_MAX];   /* defaults to the address text */
	struct sl_ip addr;
	uint32_t weight;              /* 0..65535, default 100; 0 = drained */
	bool     has_mac;
	uint8_t  mac[6];              /* optional: skips neighbour lookup (L2 DSR) */
	struct sl_cfg_health health;  /* the VIP's health settings with this backend's overrides applied */
	int      line;
};

struct sl_cfg_vip {
	char     name[SL_NAME_MAX];   /* defaults to "addr:port/proto" */
	struct sl_ip addr;
	uint16_t port;                /* host order; 0 = any port */
	uint8_t  proto;               /* IPPROTO_TCP or IPPROTO_UDP */
	enum sl_fwd_method method;    /* default gue */
	uint32_t table_size;          /* prime, default 65537 */
	uint32_t hash_fields;         /* SL_HF_*, default SL_HF_ALL */
	uint16_t gue_port;            /* default 6080 */
	enum sl_sched scheduler;      /* "maglev" (default), "wrr", "wrandom", "lrt" */
	enum sl_all_down all_down;    /* "keep" (default: last table stays) or "drop" */
	struct sl_cfg_health health;  /* default type none: backends always up */
	struct sl_cfg_backend *backends;
	uint32_t n_backends;
	int      line;
};

struct sl_cfg_port {
	char     name[SL_NAME_MAX];   /* label used in stats */
	char     device[SL_DEVARG_MAX]; /* PCI address ("0000:01:00.0") or vdev args ("net_af_packet0,iface=eth1") */
	uint16_t mtu;                 /* default 1500 */
	int      line;
};

struct sl_config {
	char     path[SL_PATH_MAX];   /* file it came from ("<embedded>" for strings) */

	/* eal */
	char    *eal_args[SL_MAX_EAL_ARGS]; /* extra EAL arguments, verbatim */
	uint32_t n_eal_args;
	bool     no_huge;             /* eal.no_huge: run without hugepages (containers) */
	uint32_t memory_mb;           /* eal.memory_mb, 0 = EAL default */
	uint32_t main_lcore;          /* eal.main_lcore, default 0: control thread */

	/* dataplane */
	char     dp_type[8];          /* dataplane.type: "dpdk" (default) or "xdp" */
	char     xdp_iface[SL_NAME_MAX];   /* dataplane.xdp.interface (required for xdp) */
	char     xdp_mode[8];         /* dataplane.xdp.mode: "native" (default), "generic", "auto" (native, else generic, logged) */
	char     xdp_egress[SL_NAME_MAX];  /* dataplane.xdp.egress: "" = XDP_TX out of the same interface, else redirect there */
	char     xdp_pin_path[SL_PATH_MAX]; /* dataplane.xdp.pin_path, default "/sys/fs/bpf/sluice": pinned program and maps survive restarts */
	struct sl_cfg_port ports[SL_MAX_PORTS];
	uint32_t n_ports;
	uint32_t workers[SL_MAX_WORKERS]; /* worker lcore ids; one RX/TX queue pair per port each */
	uint32_t n_workers;
	uint32_t burst;               /* 1..256, default 32 */
	uint32_t rx_desc, tx_desc;    /* default 1024 */
	uint32_t mempool_size;        /* mbufs per port, default 16383 */
	char     exception_type[16];  /* "tap" or "none" (default "none") */
	char     exception_name[SL_NAME_MAX]; /* kernel interface name of the TAP, default "sl0" */

	/* flows */
	uint32_t flow_entries;        /* per worker lcore, default 1048576 */
	uint32_t tcp_timeout;         /* seconds, default 300 */
	uint32_t udp_timeout;         /* seconds, default 30 */

	/* network */
	struct sl_ip src_v4, src_v6;  /* outer source addresses (required for the families used) */
	struct sl_ip gw_v4, gw_v6;    /* optional next hop for backends; unset = backends on-link */
	bool     has_gw_mac;
	uint8_t  gw_mac[6];           /* optional fixed next-hop MAC for every tunnelled packet */
	uint8_t  outer_ttl;           /* default 64 */

	/* control */
	char     socket_path[SL_PATH_MAX]; /* default "/run/sluice/sluice.sock" */
	char     socket_group[SL_NAME_MAX]; /* control.socket_group: "" = owner only (0600), else 0660 with this group */
	char     metrics_listen[SL_NAME_MAX]; /* control.metrics: "127.0.0.1:9100" / "[::1]:9100"; "" = off (default) */

	struct sl_cfg_vip *vips;
	uint32_t n_vips;
};

/*
 * Load and validate the file @path into @cfg.
 * @cfg: overwritten on success (free a previous config first); zeroed on
 *   error, with everything the attempt allocated freed, so a config is never
 *   half loaded and sl_config_free() is always safe on it.
 * @err/@errlen: receives one line, "FILE:LINE: KEY: why" (KEY is a path such
 *   as "vips.[1].backends.[0].weight"); may be NULL.
 * Returns 0, -ENOENT/-EACCES/... (file unreadable, errno from open), -EFBIG
 * (over SL_CONFIG_MAX_BYTES), -EINVAL (syntax or validation error) or -ENOMEM.
 * Not thread-safe with respect to @cfg; distinct configs may load concurrently.
 */
int sl_config_load_file(const char *path, struct sl_config *cfg, char *err, size_t errlen);

/*
 * Same as sl_config_load_file() for the NUL-terminated @text; @name stands
 * for the file name in messages and cfg->path (NULL means "<embedded>").
 * Returns 0, -EINVAL, -EFBIG or -ENOMEM.
 */
int sl_config_load_string(const char *text, const char *name, struct sl_config *cfg, char *err, size_t errlen);

/* Free what a successful load allocated and zero @cfg; safe on a zeroed config and twice. */
void sl_config_free(struct sl_config *cfg);

/*
 * Write @cfg as a complete libconfig file to @f: a comment header saying
 * sluiced wrote it, then every key in key-table order. Keys with a value
 * are always written (derived names included); keys with no value (empty
 * strings, unset addresses and MACs) are omitted, which loads back the same.
 * A backend's health lists only the keys that differ from its VIP's.
 * Loading the output gives a config sl_config_equal() to @cfg.
 * Returns 0, -EINVAL (a value no file can express: unknown choice, empty
 * hash) or -EIO (write error; @f then holds a partial file).
 * Not thread-safe with respect to @cfg changing; @f is the caller's.
 */
int sl_config_write(const struct sl_config *cfg, FILE *f);

/* sl_config_write() into a malloc'ed NUL-terminated string; NULL with errno (EINVAL, ENOMEM) on error. */
char *sl_config_to_string(const struct sl_config *cfg);

/*
 * Deep copy @src into @dst (overwritten: free it first if it held a config).
 * Returns 0, -ENOMEM (@dst zeroed, nothing leaked) or -EINVAL (NULL, @dst == @src,
 * or a list count above its key's limit in @src). @src is only read.
 */
int sl_config_copy(struct sl_config *dst, const struct sl_config *src);

/*
 * Run on a config built or changed in memory every check a load runs: each
 * value against its key (range, choices, length, family), then the rules
 * across keys. Fills derived defaults (empty names) as a load does. A
 * backend's health must already hold its merged values.
 * @err: "<runtime>: KEY: why" (KEY a concrete path, "vips.[1].health.port"); may be NULL.
 * Returns 0 or -EINVAL. Not thread-safe with respect to @cfg.
 */
int sl_config_validate(struct sl_config *cfg, char *err, size_t errlen);

/*
 * 1 if @a and @b hold the same value for every key of the key table, else 0.
 * `line` fields and `path` are ignored (they say where a value came from).
 * Thread-safe if neither config changes meanwhile.
 */
int sl_config_equal(const struct sl_config *a, const struct sl_config *b);

/*
 * The demo configuration compiled into the binary (config/examples/demo.conf,
 * embedded at build time): what `sluiced` runs without -c. Static storage,
 * NUL-terminated; load it with sl_config_load_string(text, "<embedded>", ...).
 */
const char *sl_config_default_text(void);

/* Biggest config accepted, in bytes: far above any real file, small enough to bound memory. */
#define SL_CONFIG_MAX_BYTES (16u << 20)

/*
 * Format @ip ("198.18.0.1", "2001:db8::1"; "unset" for family 0) into @buf of
 * @len bytes (46 always suffices; truncated, still terminated, if shorter).
 * Returns @buf. Thread-safe.
 */
const char *sl_ip_str(const struct sl_ip *ip, char *buf, size_t len);

/* Parse dotted IPv4 or RFC 4291 IPv6 text (no brackets, prefix or zone). Returns 0 or -EINVAL (@ip zeroed). Thread-safe. */
int sl_ip_parse(const char *s, struct sl_ip *ip);

/*
 * Parse a listener address: "198.18.0.1:9100" or "[2001:db8::1]:9100"
 * (IPv6 only in brackets; port 1..65535, decimal, no sign). @ip/@port
 * receive it (port in host order). Returns 0 or -EINVAL (outputs zeroed).
 * Thread-safe.
 */
int sl_addr_port_parse(const char *s, struct sl_ip *ip, uint16_t *port);

/* Parse "02:00:00:00:00:fe" (6 hex pairs, ':' or '-'). Returns 0 or -EINVAL. Thread-safe. */
int sl_mac_parse(const char *s, uint8_t mac[6]);

#endif
