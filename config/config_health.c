/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health probe settings after the walk: a backend's health group takes every
 * key it does not set from its VIP's (driven by the key table's `inherits`,
 * so a new health key needs no code here), then the rules that span keys.
 */
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

void sl_cfg_inherit_groups(const char *scope, const config_setting_t *es, uint8_t *elem,
			   const uint8_t *parent_elem)
{
	char gpath[SL_CFG_PATH_LEN], spath[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys, *g, *k, *src;
	const config_setting_t *gs;
	size_t n, i, j;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		g = &keys[i];
		if (g->type != SL_CFG_GROUP || !g->inherits || strcmp(g->parent, scope) != 0)
			continue;
		sl_cfg_key_path(g, gpath, sizeof(gpath));
		gs = es ? config_setting_get_member(es, g->name) : NULL;
		for (j = 0; j < n; j++) {
			k = &keys[j];
			if (strcmp(k->parent, gpath) != 0 || (gs && config_setting_get_member(gs, k->name)))
				continue;
			snprintf(spath, sizeof(spath), "%s.%s", g->inherits, k->name);
			src = sl_cfg_key_find(spath);
			/* Same type and size by construction (HEALTH_KEYS); the check keeps a table typo harmless. */
			if (src && src->type == k->type && src->size == k->size)
				memcpy(elem + k->offset, parent_elem + src->offset, k->size);
		}
	}
}

/* Line of member @name of @hs, else of @hs, else @fallback. */
static int hline(const config_setting_t *hs, const char *name, int fallback)
{
	const config_setting_t *m = hs && name ? config_setting_get_member(hs, name) : NULL;

	if (m)
		return sl_cfg_line(m);
	return hs ? sl_cfg_line(hs) : fallback;
}

static int has(const config_setting_t *hs, const char *name)
{
	return hs && config_setting_get_member(hs, name);
}

/* HTTP request text is built from these: a space or CR/LF would let a config inject headers. */
static int bad_http_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

int sl_cfg_check_health(struct sl_cfg_ctx *ctx, const struct sl_cfg_health *h, const config_setting_t *hs,
			int fallback, const char *prefix, uint16_t vip_port)
{
	char key[SL_CFG_PATH_LEN];
	const char *blame;

	if (h->type != SL_PROBE_NONE && h->port == 0 && vip_port == 0) {
		snprintf(key, sizeof(key), "%s.health.port", prefix);
		return sl_cfg_error(ctx, hline(hs, has(hs, "port") ? "port" : "type", fallback), key,
				    "required (not 0) when the VIP is any-port (port = 0) and health.type is not \"none\"");
	}
	if (h->timeout_ms > h->interval_ms) {
		/* Blame the key this group set: a backend that only shortened interval_ms broke the pair. */
		blame = has(hs, "interval_ms") && !has(hs, "timeout_ms") ? "interval_ms" : "timeout_ms";
		snprintf(key, sizeof(key), "%s.health.%s", prefix, blame);
		return sl_cfg_error(ctx, hline(hs, blame, fallback), key,
				    "timeout_ms %u is longer than interval_ms %u", h->timeout_ms, h->interval_ms);
	}
	if (h->path[0] != '/' || bad_http_text(h->path)) {
		snprintf(key, sizeof(key), "%s.health.path", prefix);
		return sl_cfg_error(ctx, hline(hs, "path", fallback), key,
				    "\"%.64s\" must start with \"/\" and hold no spaces or control characters", h->path);
	}
	if (bad_http_text(h->host)) {
		snprintf(key, sizeof(key), "%s.health.host", prefix);
		return sl_cfg_error(ctx, hline(hs, "host", fallback), key,
				    "\"%.64s\" holds a space or control character", h->host);
	}
	return 0;
}
