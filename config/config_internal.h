/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to config/: the stages of a load (prescan, walk, validate) and their shared error sink. */
#ifndef SLUICE_CONFIG_INTERNAL_H
#define SLUICE_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "config_keys.h"

/* Longest key path in a message ("vips.[65534].backends.[65534].address" fits easily). */
#define SL_CFG_PATH_LEN 160

struct sl_cfg_ctx {
	const char *file;  /* file name used in messages */
	char *err;         /* caller's buffer, may be NULL */
	size_t errlen;
	bool runtime;      /* checking a config built in memory: messages carry no line */
};

/* Source line of @s as an int (libconfig keeps it as unsigned short, so it wraps past 65535). */
static inline int sl_cfg_line(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

/* Write "FILE:LINE: KEY: why" (runtime: "FILE: KEY: why") into ctx->err. Always returns -EINVAL so callers can `return sl_cfg_error(...)`. */
int sl_cfg_error(struct sl_cfg_ctx *ctx, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Reject what libconfig 1.5 would accept silently wrong: integer literals it
 * wraps to 32 bits, NUL bytes, @include (a config is one file). 0 or -EINVAL.
 */
int sl_cfg_prescan(struct sl_cfg_ctx *ctx, const char *text, size_t len);

/* Fill @cfg from the parsed tree, driven by the key table. 0 or -EINVAL/-ENOMEM; @cfg may be partly filled. */
int sl_cfg_walk(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg);

/*
 * Derived defaults and rules across keys (duplicates, families, workers,
 * health, dataplane type). @lc: the parsed tree, for merging inherited keys
 * and for line numbers; NULL for a config built in memory (already merged).
 * 0 or -EINVAL.
 */
int sl_cfg_validate(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg);

/*
 * Check every value of @cfg against its key's type, range, choices and
 * length, as the walk does for text: what a config built in memory must pass
 * before the cross-key rules. 0 or -EINVAL.
 */
int sl_cfg_check_values(struct sl_cfg_ctx *ctx, const struct sl_config *cfg);

/*
 * For each group key of list-element scope @scope ("vips.[].backends.[]")
 * that `inherits`, copy into @elem every key its setting (in element setting
 * @es, may be NULL) does not set, from the inherited group of @parent_elem.
 */
void sl_cfg_inherit_groups(const char *scope, const config_setting_t *es, uint8_t *elem,
			   const uint8_t *parent_elem);

/*
 * Rules across health keys of @h: port set for an any-port VIP, timeout_ms <=
 * interval_ms, path and host safe for an HTTP request. @hs: its group setting
 * (NULL when absent or in memory), for lines; @fallback: line otherwise;
 * @prefix: "vips.[0]" or "vips.[0].backends.[1]". 0 or -EINVAL.
 */
int sl_cfg_check_health(struct sl_cfg_ctx *ctx, const struct sl_cfg_health *h, const config_setting_t *hs,
			int fallback, const char *prefix, uint16_t vip_port);

/* Why address @ip may not be the value of @k (family, unicast), or NULL if it may. */
const char *sl_cfg_addr_problem(const struct sl_cfg_key *k, const struct sl_ip *ip);

/* config/examples/demo.conf, embedded by embed_text.sh at build time. */
extern const char sl_config_demo_text[];

#endif
