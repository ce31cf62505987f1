/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to config/: the stages of a load (prescan, walk, validate) and their shared error sink. */
#ifndef SLUICE_CONFIG_INTERNAL_H
#define SLUICE_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stddef.h>

#include "config.h"
#include "config_keys.h"

/* Longest key path in a message ("vips.[65534].backends.[65534].address" fits easily). */
#define SL_CFG_PATH_LEN 160

struct sl_cfg_ctx {
	const char *file;  /* file name used in messages */
	char *err;         /* caller's buffer, may be NULL */
	size_t errlen;
};

/* Source line of @s as an int (libconfig keeps it as unsigned short, so it wraps past 65535). */
static inline int sl_cfg_line(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

/* Write "FILE:LINE: KEY: why" into ctx->err. Always returns -EINVAL so callers can `return sl_cfg_error(...)`. */
int sl_cfg_error(struct sl_cfg_ctx *ctx, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Reject what libconfig 1.5 would accept silently wrong: integer literals it
 * wraps to 32 bits, NUL bytes, @include (a config is one file). 0 or -EINVAL.
 */
int sl_cfg_prescan(struct sl_cfg_ctx *ctx, const char *text, size_t len);

/* Fill @cfg from the parsed tree, driven by the key table. 0 or -EINVAL/-ENOMEM; @cfg may be partly filled. */
int sl_cfg_walk(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg);

/* Derived defaults and rules across keys (duplicates, families, workers). 0 or -EINVAL. */
int sl_cfg_validate(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg);

/* config/examples/demo.conf, embedded by embed_text.sh at build time. */
extern const char sl_config_demo_text[];

#endif
