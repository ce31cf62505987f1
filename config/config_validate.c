/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules that span several keys, run after the walk: derived defaults (names),
 * uniqueness (workers, ports, VIPs, backends), which forwarding method can
 * carry which address families, what each dataplane type needs, health
 * inheritance and the control listeners. With no libconfig tree (a config
 * built in memory) the same rules run, without lines. Each error points at the line of the key
 * that makes the combination impossible.
 */
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

/* Line of @name inside the setting at @path, else of the setting, else 1. */
static int line_of(const config_t *lc, const char *path, const char *name)
{
	const config_setting_t *s = lc ? config_lookup(lc, path) : NULL, *m;

	if (s && name && (m = config_setting_get_member(s, name)))
		return sl_cfg_line(m);
	return s && sl_cfg_line(s) ? sl_cfg_line(s) : 1;
}

/* Element @i of the list setting @l; NULL if @l is (libconfig dereferences it unchecked). */
static const config_setting_t *elem(const config_setting_t *l, uint32_t i)
{
	return l ? config_setting_get_elem(l, i) : NULL;
}

/* The setting of list element @i of @list inside @parent (a group). */
static const config_setting_t *elem_of(const config_setting_t *parent, const char *list, int i)
{
	const config_setting_t *l = parent ? config_setting_get_member(parent, list) : NULL;

	return l ? config_setting_get_elem(l, (unsigned)i) : NULL;
}

static int member_line(const config_setting_t *s, const char *name, int fallback)
{
	const config_setting_t *m = s ? config_setting_get_member(s, name) : NULL;

	return m ? sl_cfg_line(m) : fallback;
}

static int ip_equal(const struct sl_ip *a, const struct sl_ip *b)
{
	return a->family == b->family && memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

/* Kernel interface names (dev_valid_name): 1..15 bytes, no '/', ':' or space, not "." or "..". */
static const char *ifname_problem(const char *s)
{
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return "is not an interface name";
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ' || *s == 0x7f)
			return "is not an interface name (no '/', ':', spaces or control characters)";
	return NULL;
}

/* Line of dataplane.KEY, else of the dataplane group: a missing key is reported where it belongs. */
static int dp_line(const config_t *lc, const char *key)
{
	char path[64];

	snprintf(path, sizeof(path), "dataplane.%s", key);
	return lc && config_lookup(lc, path) ? line_of(lc, path, NULL) : line_of(lc, "dataplane", NULL);
}

static int check_xdp(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	const char *why;
	bool xdp = strcmp(cfg->dp_type, "xdp") == 0;

	if (xdp && !cfg->xdp_iface[0])
		return sl_cfg_error(ctx, dp_line(lc, lc && config_lookup(lc, "dataplane.xdp") ? "xdp" : "type"),
				    "dataplane.xdp.interface", "required when dataplane.type is \"xdp\"");
	if (cfg->xdp_iface[0] && (why = ifname_problem(cfg->xdp_iface)))
		return sl_cfg_error(ctx, line_of(lc, "dataplane.xdp", "interface"), "dataplane.xdp.interface",
				    "\"%s\" %s", cfg->xdp_iface, why);
	if (cfg->xdp_egress[0] && (why = ifname_problem(cfg->xdp_egress)))
		return sl_cfg_error(ctx, line_of(lc, "dataplane.xdp", "egress"), "dataplane.xdp.egress",
				    "\"%s\" %s", cfg->xdp_egress, why);
	if (cfg->xdp_pin_path[0] != '/')
		return sl_cfg_error(ctx, line_of(lc, "dataplane.xdp", "pin_path"), "dataplane.xdp.pin_path",
				    "\"%s\" is not an absolute path", cfg->xdp_pin_path);
	return 0;
}

static int check_dataplane(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	const config_setting_t *ports = lc ? config_lookup(lc, "dataplane.ports") : NULL;
	bool dpdk = strcmp(cfg->dp_type, "xdp") != 0;
	uint32_t i, j;
	int rc = check_xdp(ctx, lc, cfg);

	if (rc)
		return rc;
	/* The XDP dataplane runs in the kernel: no DPDK ports or worker lcores to name. */
	if (dpdk && cfg->n_ports == 0)
		return sl_cfg_error(ctx, dp_line(lc, "ports"), "dataplane.ports",
				    lc && !config_lookup(lc, "dataplane.ports") ? "required key is missing"
									   : "at least one port is required");
	for (i = 0; i < cfg->n_ports; i++) {
		if (!cfg->ports[i].name[0])
			snprintf(cfg->ports[i].name, sizeof(cfg->ports[i].name), "port%u", i);
		for (j = 0; j < i; j++)
			if (strcmp(cfg->ports[i].name, cfg->ports[j].name) == 0) {
				char key[SL_CFG_PATH_LEN];

				snprintf(key, sizeof(key), "dataplane.ports.[%u].name", i);
				return sl_cfg_error(ctx,
						    member_line(elem(ports, i), "name",
								cfg->ports[i].line),
						    key, "port name \"%s\" already used by dataplane.ports.[%u]",
						    cfg->ports[i].name, j);
			}
	}
	if (dpdk && cfg->n_workers == 0)
		return sl_cfg_error(ctx, dp_line(lc, "workers"), "dataplane.workers",
				    lc && !config_lookup(lc, "dataplane.workers") ? "required key is missing"
									     : "at least one worker lcore is required");
	for (i = 0; i < cfg->n_workers; i++) {
		if (cfg->workers[i] == cfg->main_lcore)
			return sl_cfg_error(ctx, line_of(lc, "dataplane.workers", NULL), "dataplane.workers",
					    "lcore %u is eal.main_lcore (the control thread), not a worker",
					    cfg->workers[i]);
		for (j = 0; j < i; j++)
			if (cfg->workers[i] == cfg->workers[j])
				return sl_cfg_error(ctx, line_of(lc, "dataplane.workers", NULL),
						    "dataplane.workers", "lcore %u listed twice", cfg->workers[i]);
	}
	return 0;
}

/* Can @m carry traffic for a VIP of family @vf to a backend of family @bf? NULL if yes, else why not. */
static const char *family_problem(enum sl_fwd_method m, uint8_t vf, uint8_t bf)
{
	switch (m) {
	case SL_FWD_IPIP:
		if (vf != SL_AF_INET)
			return "method ipip carries IPv4 only; this VIP is IPv6 (use ip6tnl or gue)";
		return bf == SL_AF_INET ? NULL : "method ipip needs IPv4 backends (use gue for IPv6 backends)";
	case SL_FWD_IP6TNL:
		return bf == SL_AF_INET6 ? NULL : "method ip6tnl needs IPv6 backends (use ipip or gue)";
	case SL_FWD_L2DSR:
		return bf == vf ? NULL : "method l2dsr needs backends of the VIP's address family";
	default:
		return NULL;
	}
}

static int check_backends(struct sl_cfg_ctx *ctx, const config_setting_t *vs, uint32_t vi,
			  struct sl_config *cfg)
{
	struct sl_cfg_vip *v = &cfg->vips[vi];
	char key[SL_CFG_PATH_LEN], a[64];
	const config_setting_t *bs;
	const char *why;
	uint32_t i, j;
	int line, rc;

	for (i = 0; i < v->n_backends; i++) {
		struct sl_cfg_backend *b = &v->backends[i];

		bs = elem_of(vs, "backends", (int)i);
		line = member_line(bs, "address", b->line);
		snprintf(key, sizeof(key), "vips.[%u].backends.[%u].address", vi, i);
		if (!b->name[0])
			sl_ip_str(&b->addr, b->name, sizeof(b->name));
		/* In memory (no tree) the backend's health is already the merged result. */
		if (vs)
			sl_cfg_inherit_groups("vips.[].backends.[]", bs, (uint8_t *)b, (const uint8_t *)v);
		snprintf(key, sizeof(key), "vips.[%u].backends.[%u]", vi, i);
		rc = sl_cfg_check_health(ctx, &b->health, bs ? config_setting_get_member(bs, "health") : NULL,
					 b->line, key, v->port);
		if (rc)
			return rc;
		snprintf(key, sizeof(key), "vips.[%u].backends.[%u].address", vi, i);
		for (j = 0; j < i; j++)
			if (ip_equal(&b->addr, &v->backends[j].addr))
				return sl_cfg_error(ctx, line, key, "%s is already backend [%u] of this VIP",
						    sl_ip_str(&b->addr, a, sizeof(a)), j);
		why = family_problem(v->method, v->addr.family, b->addr.family);
		if (why) {
			/* An IPv6 VIP with ipip is the VIP's fault, not the backend's. */
			if (v->method == SL_FWD_IPIP && v->addr.family != SL_AF_INET) {
				snprintf(key, sizeof(key), "vips.[%u].method", vi);
				line = member_line(vs, "method", v->line);
			}
			return sl_cfg_error(ctx, line, key, "%s", why);
		}
		if (v->method != SL_FWD_L2DSR) {
			const struct sl_ip *src = b->addr.family == SL_AF_INET ? &cfg->src_v4 : &cfg->src_v6;

			if (!src->family)
				return sl_cfg_error(ctx, line, key, "an IPv%d tunnel needs network.%s (outer source address)",
						    b->addr.family, b->addr.family == SL_AF_INET ? "src_ipv4" : "src_ipv6");
		}
	}
	if (v->n_backends > v->table_size) {
		snprintf(key, sizeof(key), "vips.[%u].table_size", vi);
		return sl_cfg_error(ctx, member_line(vs, "table_size", v->line), key,
				    "%u is smaller than the %u backends", v->table_size, v->n_backends);
	}
	return 0;
}

/* " (line N)" pointing at an earlier element; nothing for a config built in memory. */
static const char *at_line(const struct sl_cfg_ctx *ctx, int line, char buf[32])
{
	buf[0] = '\0';
	if (!ctx->runtime)
		snprintf(buf, 32, " (line %d)", line);
	return buf;
}

static int check_control(struct sl_cfg_ctx *ctx, const config_t *lc, const struct sl_config *cfg)
{
	struct sl_ip ip;
	uint16_t port;
	const char *p;

	if (cfg->metrics_listen[0] && sl_addr_port_parse(cfg->metrics_listen, &ip, &port))
		return sl_cfg_error(ctx, line_of(lc, "control", "metrics"), "control.metrics",
				    "\"%s\" is not ADDR:PORT or [ADDR6]:PORT (port 1..65535)", cfg->metrics_listen);
	/* ':' separates /etc/group fields; spaces and control characters are never a group. */
	for (p = cfg->socket_group; *p; p++)
		if (*p == ':' || *p == '/' || (unsigned char)*p <= ' ' || *p == 0x7f)
			return sl_cfg_error(ctx, line_of(lc, "control", "socket_group"), "control.socket_group",
					    "\"%s\" is not a group name", cfg->socket_group);
	return 0;
}

static int check_vips(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	const config_setting_t *list = lc ? config_lookup(lc, "vips") : NULL, *vs;
	char key[SL_CFG_PATH_LEN], a[64], where[32];
	uint32_t i, j;
	int rc;

	if (cfg->n_vips && !cfg->vips)
		return sl_cfg_error(ctx, 1, "vips", "%u entries but no storage", cfg->n_vips);
	for (i = 0; i < cfg->n_vips; i++) {
		struct sl_cfg_vip *v = &cfg->vips[i];

		vs = elem(list, i);
		if (!v->name[0])
			snprintf(v->name, sizeof(v->name), "%s:%u/%s", sl_ip_str(&v->addr, a, sizeof(a)), v->port,
				 v->proto == IPPROTO_UDP ? "udp" : "tcp");
		for (j = 0; j < i; j++) {
			const struct sl_cfg_vip *o = &cfg->vips[j];

			if (ip_equal(&v->addr, &o->addr) && v->port == o->port && v->proto == o->proto) {
				snprintf(key, sizeof(key), "vips.[%u]", i);
				return sl_cfg_error(ctx, member_line(vs, "address", v->line), key,
						    "%s port %u %s is already VIP \"%s\"%s",
						    sl_ip_str(&v->addr, a, sizeof(a)), v->port,
						    v->proto == IPPROTO_UDP ? "udp" : "tcp", o->name, at_line(ctx, o->line, where));
			}
			if (strcmp(v->name, o->name) == 0) {
				snprintf(key, sizeof(key), "vips.[%u].name", i);
				return sl_cfg_error(ctx, member_line(vs, "name", v->line), key,
						    "name \"%s\" already used by vips.[%u]%s", v->name, j,
						    at_line(ctx, o->line, where));
			}
		}
		snprintf(key, sizeof(key), "vips.[%u]", i);
		rc = sl_cfg_check_health(ctx, &v->health, vs ? config_setting_get_member(vs, "health") : NULL,
					 v->line, key, v->port);
		if (rc)
			return rc;
		rc = check_backends(ctx, vs, i, cfg);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_cfg_validate(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	int rc = check_dataplane(ctx, lc, cfg);

	if (rc == 0)
		rc = check_control(ctx, lc, cfg);
	return rc ? rc : check_vips(ctx, lc, cfg);
}
