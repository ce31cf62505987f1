/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules that span several keys, run after the walk: derived defaults (names),
 * uniqueness (workers, ports, VIPs, backends) and which forwarding method can
 * carry which address families. Each error points at the line of the key
 * that makes the combination impossible.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

/* Line of @name inside the setting at @path, else of the setting, else 1. */
static int line_of(const config_t *lc, const char *path, const char *name)
{
	const config_setting_t *s = config_lookup(lc, path), *m;

	if (s && name && (m = config_setting_get_member(s, name)))
		return sl_cfg_line(m);
	return s && sl_cfg_line(s) ? sl_cfg_line(s) : 1;
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

static int check_dataplane(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	const config_setting_t *ports = config_lookup(lc, "dataplane.ports");
	uint32_t i, j;

	if (cfg->n_ports == 0)
		return sl_cfg_error(ctx, line_of(lc, "dataplane.ports", NULL), "dataplane.ports",
				    "at least one port is required");
	for (i = 0; i < cfg->n_ports; i++) {
		if (!cfg->ports[i].name[0])
			snprintf(cfg->ports[i].name, sizeof(cfg->ports[i].name), "port%u", i);
		for (j = 0; j < i; j++)
			if (strcmp(cfg->ports[i].name, cfg->ports[j].name) == 0) {
				char key[SL_CFG_PATH_LEN];

				snprintf(key, sizeof(key), "dataplane.ports.[%u].name", i);
				return sl_cfg_error(ctx,
						    member_line(config_setting_get_elem(ports, i), "name",
								cfg->ports[i].line),
						    key, "port name \"%s\" already used by dataplane.ports.[%u]",
						    cfg->ports[i].name, j);
			}
	}
	if (cfg->n_workers == 0)
		return sl_cfg_error(ctx, line_of(lc, "dataplane.workers", NULL), "dataplane.workers",
				    "at least one worker lcore is required");
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
	int line;

	for (i = 0; i < v->n_backends; i++) {
		struct sl_cfg_backend *b = &v->backends[i];

		bs = elem_of(vs, "backends", (int)i);
		line = member_line(bs, "address", b->line);
		snprintf(key, sizeof(key), "vips.[%u].backends.[%u].address", vi, i);
		if (!b->name[0])
			sl_ip_str(&b->addr, b->name, sizeof(b->name));
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

static int check_vips(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	const config_setting_t *list = config_lookup(lc, "vips"), *vs;
	char key[SL_CFG_PATH_LEN], a[64];
	uint32_t i, j;
	int rc;

	for (i = 0; i < cfg->n_vips; i++) {
		struct sl_cfg_vip *v = &cfg->vips[i];

		vs = config_setting_get_elem(list, i);
		if (!v->name[0])
			snprintf(v->name, sizeof(v->name), "%s:%u/%s", sl_ip_str(&v->addr, a, sizeof(a)), v->port,
				 v->proto == IPPROTO_UDP ? "udp" : "tcp");
		for (j = 0; j < i; j++) {
			const struct sl_cfg_vip *o = &cfg->vips[j];

			if (ip_equal(&v->addr, &o->addr) && v->port == o->port && v->proto == o->proto) {
				snprintf(key, sizeof(key), "vips.[%u]", i);
				return sl_cfg_error(ctx, member_line(vs, "address", v->line), key,
						    "%s port %u %s is already VIP \"%s\" (line %d)",
						    sl_ip_str(&v->addr, a, sizeof(a)), v->port,
						    v->proto == IPPROTO_UDP ? "udp" : "tcp", o->name, o->line);
			}
			if (strcmp(v->name, o->name) == 0) {
				snprintf(key, sizeof(key), "vips.[%u].name", i);
				return sl_cfg_error(ctx, member_line(vs, "name", v->line), key,
						    "name \"%s\" already used by vips.[%u] (line %d)", v->name, j,
						    o->line);
			}
		}
		rc = check_backends(ctx, vs, i, cfg);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_cfg_validate(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	int rc = check_dataplane(ctx, lc, cfg);

	return rc ? rc : check_vips(ctx, lc, cfg);
}
