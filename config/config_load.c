/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry points: read, prescan, parse with libconfig, walk, validate. The
 * result is built in a scratch config and handed over only when every stage
 * passed, so a caller never sees a half-loaded config.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"

int sl_cfg_error(struct sl_cfg_ctx *ctx, int line, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!ctx->err || !ctx->errlen)
		return -EINVAL;
	if (ctx->runtime)
		n = snprintf(ctx->err, ctx->errlen, "%s: %s: ", ctx->file, key);
	else
		n = snprintf(ctx->err, ctx->errlen, "%s:%d: %s: ", ctx->file, line, key);
	if (n >= 0 && (size_t)n < ctx->errlen) {
		va_start(ap, fmt);
		vsnprintf(ctx->err + n, ctx->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void sl_config_free(struct sl_config *cfg)
{
	uint32_t i;

	for (i = 0; i < cfg->n_eal_args && i < SL_MAX_EAL_ARGS; i++)
		free(cfg->eal_args[i]);
	for (i = 0; cfg->vips && i < cfg->n_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	memset(cfg, 0, sizeof(*cfg));
}

static int load_text(const char *text, size_t len, const char *name, struct sl_config *cfg, char *err,
		     size_t errlen)
{
	struct sl_cfg_ctx ctx = { .file = name, .err = err, .errlen = errlen };
	struct sl_config *tmp;
	config_t lc;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (err && errlen)
		err[0] = '\0';
	if (len > SL_CONFIG_MAX_BYTES) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %zu bytes, larger than the %u-byte limit", name, len,
				 SL_CONFIG_MAX_BYTES);
		return -EFBIG;
	}
	rc = sl_cfg_prescan(&ctx, text, len);
	if (rc)
		return rc;
	/* struct sl_config is ~40 KiB: keep it off the (possibly small) caller's stack. */
	tmp = calloc(1, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	config_init(&lc);
	if (!config_read_string(&lc, text)) {
		rc = sl_cfg_error(&ctx, config_error_line(&lc), "-", "%s", config_error_text(&lc));
		goto out;
	}
	snprintf(tmp->path, sizeof(tmp->path), "%s", name);
	rc = sl_cfg_walk(&ctx, &lc, tmp);
	if (rc == 0)
		rc = sl_cfg_validate(&ctx, &lc, tmp);
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	if (rc == 0) {
		*cfg = *tmp;
		memset(tmp, 0, sizeof(*tmp)); /* ownership moved to cfg */
	}
out:
	sl_config_free(tmp);
	free(tmp);
	config_destroy(&lc);
	return rc;
}

int sl_config_load_string(const char *text, const char *name, struct sl_config *cfg, char *err, size_t errlen)
{
	if (!name)
		name = "<embedded>";
	if (!text) {
		memset(cfg, 0, sizeof(*cfg));
		if (err && errlen)
			snprintf(err, errlen, "%s: no config text", name);
		return -EINVAL;
	}
	return load_text(text, strlen(text), name, cfg, err, errlen);
}

/* Read all of @path (at most SL_CONFIG_MAX_BYTES + 1 bytes, so "too big" is detectable) into a NUL-terminated buffer. */
static int read_all(const char *path, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = NULL, *nb;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (!buf || n + 1 >= cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SL_CONFIG_MAX_BYTES)
			break;
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int sl_config_load_file(const char *path, struct sl_config *cfg, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!path) {
		if (err && errlen)
			snprintf(err, errlen, "no config path");
		return -EINVAL;
	}
	rc = read_all(path, &text, &len);
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	rc = load_text(text, len, path, cfg, err, errlen);
	free(text);
	return rc;
}

const char *sl_config_default_text(void)
{
	return sl_config_demo_text;
}
