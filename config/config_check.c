/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validation of a config built or changed in memory (live changes over the
 * control socket): every value against its key, as the walk checks text,
 * then the loader's own cross-key rules. Messages carry the key path and no
 * line: "<runtime>: vips.[1].backends.[0].weight: 70000 is out of range 0..65535".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

static int choice_known(const struct sl_cfg_choice *c, const char *name, uint32_t value, int by_name)
{
	for (; c->name; c++)
		if (by_name ? strcmp(c->name, name) == 0 : c->value == value)
			return 1;
	return 0;
}

static int check_uint(struct sl_cfg_ctx *ctx, const struct sl_cfg_key *k, const char *path, uint32_t v)
{
	const char *why;

	if ((int64_t)v < k->min || (int64_t)v > k->max)
		return sl_cfg_error(ctx, 0, path, "%u is out of range %" PRId64 "..%" PRId64, v, k->min, k->max);
	if (k->check && (why = k->check(v)))
		return sl_cfg_error(ctx, 0, path, "%u %s", v, why);
	return 0;
}

static int check_string(struct sl_cfg_ctx *ctx, const struct sl_cfg_key *k, const char *path, const char *s)
{
	const char *end = memchr(s, '\0', k->size);

	if (!end)
		return sl_cfg_error(ctx, 0, path, "is not NUL-terminated within %zu bytes", k->size);
	if ((int64_t)(end - s) > k->max)
		return sl_cfg_error(ctx, 0, path, "is %zu bytes long, at most %" PRId64 " allowed",
				    (size_t)(end - s), k->max);
	if (k->required && !s[0])
		return sl_cfg_error(ctx, 0, path, "required key is missing");
	if (k->choices && !choice_known(k->choices, s, 0, 1))
		return sl_cfg_error(ctx, 0, path, "unknown value \"%.64s\"", s);
	return 0;
}

static int check_scope(struct sl_cfg_ctx *ctx, const char *scope, const uint8_t *base, const char *prefix);

static int check_key(struct sl_cfg_ctx *ctx, const struct sl_cfg_key *k, const uint8_t *base, const char *path)
{
	char es[SL_CFG_PATH_LEN], epath[SL_CFG_PATH_LEN];
	const uint8_t *f = base + k->offset, *elems;
	const char *why, *s;
	struct sl_ip ip;
	uint32_t c, j, v;
	int rc;

	switch (k->type) {
	case SL_CFG_GROUP:
	case SL_CFG_BOOL:
	case SL_CFG_MAC:
		return 0;
	case SL_CFG_UINT:
		return check_uint(ctx, k, path, sl_cfg_get_uint(f, k->size));
	case SL_CFG_CHOICE:
		v = sl_cfg_get_uint(f, k->size);
		return choice_known(k->choices, NULL, v, 0) ? 0 : sl_cfg_error(ctx, 0, path, "unknown value %u", v);
	case SL_CFG_FLAGS:
		v = sl_cfg_get_uint(f, k->size);
		for (c = 0; k->choices[c].name; c++)
			v &= ~k->choices[c].value;
		if (v || !sl_cfg_get_uint(f, k->size))
			return sl_cfg_error(ctx, 0, path, "flags 0x%x: at least one, only known ones",
					    sl_cfg_get_uint(f, k->size));
		return 0;
	case SL_CFG_STRING:
		return check_string(ctx, k, path, (const char *)f);
	case SL_CFG_ADDR:
		memcpy(&ip, f, sizeof(ip));
		if (!ip.family)
			return k->required ? sl_cfg_error(ctx, 0, path, "required key is missing") : 0;
		why = sl_cfg_addr_problem(k, &ip);
		return why ? sl_cfg_error(ctx, 0, path, "%s", why) : 0;
	case SL_CFG_STR_ARRAY:
	case SL_CFG_UINT_ARRAY:
		memcpy(&c, base + k->aux_offset, sizeof(c));
		if (c > k->max_count)
			return sl_cfg_error(ctx, 0, path, "%u entries, at most %u allowed", c, k->max_count);
		for (j = 0; j < c; j++) {
			if (k->type == SL_CFG_UINT_ARRAY) {
				memcpy(&v, f + (size_t)j * sizeof(v), sizeof(v));
				rc = check_uint(ctx, k, path, v);
				if (rc)
					return rc;
				continue;
			}
			memcpy(&s, f + (size_t)j * sizeof(s), sizeof(s));
			if (!s || !s[0] || (int64_t)strlen(s) > k->max)
				return sl_cfg_error(ctx, 0, path, "entry %u is missing, empty or longer than %" PRId64
						    " bytes", j, k->max);
		}
		return 0;
	case SL_CFG_LIST:
		elems = sl_cfg_list_elems(k, base, &c);
		if (c > k->max_count)
			return sl_cfg_error(ctx, 0, path, "%u entries, at most %u allowed", c, k->max_count);
		if (c && !elems)
			return sl_cfg_error(ctx, 0, path, "%u entries but no storage", c);
		sl_cfg_elem_scope(k, es, sizeof(es));
		for (j = 0; j < c; j++) {
			if (snprintf(epath, sizeof(epath), "%s.[%u]", path, j) >= (int)sizeof(epath))
				return sl_cfg_error(ctx, 0, path, "nested too deeply");
			rc = check_scope(ctx, es, elems + (size_t)j * k->size, epath);
			if (rc)
				return rc;
		}
		return 0;
	}
	return sl_cfg_error(ctx, 0, path, "internal: key of unknown type");
}

/* Check the keys of the struct at @base, whose list-element scope is @scope and concrete path @prefix. */
static int check_scope(struct sl_cfg_ctx *ctx, const char *scope, const uint8_t *base, const char *prefix)
{
	char path[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys, *k;
	const char *rel;
	size_t n, i;
	int rc;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (!sl_cfg_key_in_scope(k, scope))
			continue;
		/* "vips.[]" + ".health" + "port" -> "vips.[3].health.port" */
		rel = k->parent + strlen(scope);
		snprintf(path, sizeof(path), "%s%s%s%s", prefix, rel, prefix[0] || rel[0] ? "." : "", k->name);
		rc = check_key(ctx, k, base, path);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_cfg_check_values(struct sl_cfg_ctx *ctx, const struct sl_config *cfg)
{
	return check_scope(ctx, "", (const uint8_t *)cfg, "");
}

int sl_config_validate(struct sl_config *cfg, char *err, size_t errlen)
{
	struct sl_cfg_ctx ctx = { .file = "<runtime>", .err = err, .errlen = errlen, .runtime = true };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!cfg) {
		if (err && errlen)
			snprintf(err, errlen, "<runtime>: no config");
		return -EINVAL;
	}
	rc = sl_cfg_check_values(&ctx, cfg);
	return rc ? rc : sl_cfg_validate(&ctx, NULL, cfg);
}
