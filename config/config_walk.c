/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven walk of the libconfig tree into struct sl_config: every group
 * is checked against the key table for unknown keys, then each known key is
 * type- and range-checked and stored at its offset. Rules spanning several
 * keys live in config_validate.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static const char *libconfig_type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	}
	return "something else";
}

static int wrong_type(struct sl_cfg_ctx *ctx, const config_setting_t *s, const char *path,
		      const char *want)
{
	return sl_cfg_error(ctx, sl_cfg_line(s), path, "expected %s, got %s", want,
			    libconfig_type_name(config_setting_type(s)));
}

static void store_uint(void *field, size_t size, uint32_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;

	/* Ranges in the table guarantee v fits the field. */
	if (size == 1)
		memcpy(field, &u8, 1);
	else if (size == 2)
		memcpy(field, &u16, 2);
	else
		memcpy(field, &v, 4);
}

static const struct sl_cfg_choice *choice_find(const struct sl_cfg_choice *c, const char *name)
{
	for (; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void choice_list(const struct sl_cfg_choice *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; c->name && n < len; c++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", c->name);
}

static int bad_choice(struct sl_cfg_ctx *ctx, const config_setting_t *s, const char *path,
		      const struct sl_cfg_key *k, const char *v)
{
	char list[128];

	choice_list(k->choices, list, sizeof(list));
	return sl_cfg_error(ctx, sl_cfg_line(s), path, "unknown value \"%.64s\" (one of: %s)",
			    v, list);
}

static int get_uint(struct sl_cfg_ctx *ctx, const config_setting_t *s, const char *path,
		    const struct sl_cfg_key *k, uint32_t *out)
{
	int64_t v;
	const char *why;

	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return wrong_type(ctx, s, path, "an integer");
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max)
		return sl_cfg_error(ctx, sl_cfg_line(s), path,
				    "%" PRId64 " is out of range %" PRId64 "..%" PRId64, v, k->min, k->max);
	if (k->check && (why = k->check(v)))
		return sl_cfg_error(ctx, sl_cfg_line(s), path, "%" PRId64 " %s", v, why);
	*out = (uint32_t)v;
	return 0;
}

static int get_string(struct sl_cfg_ctx *ctx, const config_setting_t *s, const char *path,
		      int64_t max, const char **out)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return wrong_type(ctx, s, path, "a string");
	v = config_setting_get_string(s);
	if (!v[0])
		return sl_cfg_error(ctx, sl_cfg_line(s), path, "must not be empty");
	if ((int64_t)strlen(v) > max)
		return sl_cfg_error(ctx, sl_cfg_line(s), path,
				    "is %zu bytes long, at most %" PRId64 " allowed", strlen(v), max);
	*out = v;
	return 0;
}

static int walk_group(struct sl_cfg_ctx *ctx, const config_setting_t *g, const char *schema,
		      const char *path, uint8_t *base);

static void child_path(char *buf, const char *path, const char *name)
{
	snprintf(buf, SL_CFG_PATH_LEN, "%s%s%s", path, path[0] ? "." : "", name);
}

/* Defaults for every key of the struct that starts at @scope ("" = sl_config, "vips.[]" = a VIP). */
static void apply_defaults(const char *scope, uint8_t *base)
{
	size_t n, i;
	const struct sl_cfg_key *keys = sl_cfg_keys(&n);
	const struct sl_cfg_key *k;

	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (!sl_cfg_key_in_scope(k, scope))
			continue;
		switch (k->type) {
		case SL_CFG_BOOL:
			base[k->offset] = k->def_int != 0;
			break;
		case SL_CFG_UINT:
		case SL_CFG_CHOICE:
		case SL_CFG_FLAGS:
			store_uint(base + k->offset, k->size, (uint32_t)k->def_int);
			break;
		case SL_CFG_STRING:
			if (k->def_str && !k->def_computed)
				snprintf((char *)base + k->offset, k->size, "%s", k->def_str);
			break;
		default:
			break; /* zeroed: unset address/MAC, empty array or list */
		}
	}
}

static int walk_list(struct sl_cfg_ctx *ctx, const config_setting_t *s, const struct sl_cfg_key *k,
		     const char *path, uint8_t *base)
{
	char schema[SL_CFG_PATH_LEN], epath[SL_CFG_PATH_LEN];
	int n = config_setting_length(s), i, rc;
	uint8_t *elems;
	const config_setting_t *e;

	/* An empty list may be written "()" or "[]"; libconfig calls the latter an array. */
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY && n == 0))
		return wrong_type(ctx, s, path, "a list of groups \"( { ... }, ... )\"");
	if ((uint32_t)n > k->max_count)
		return sl_cfg_error(ctx, sl_cfg_line(s), path, "%d entries, at most %u allowed",
				    n, k->max_count);
	if (k->elem_inline) {
		elems = base + k->offset;
	} else if (n > 0) {
		elems = calloc((size_t)n, k->size);
		if (!elems)
			return -ENOMEM;
		memcpy(base + k->offset, &elems, sizeof(elems));
	} else {
		return 0;
	}
	/* Count first, so sl_config_free() sees every element even if a later one fails. */
	memcpy(base + k->aux_offset, &(uint32_t){ (uint32_t)n }, sizeof(uint32_t));
	snprintf(schema, sizeof(schema), "%s%s%s.[]", k->parent, k->parent[0] ? "." : "", k->name);
	for (i = 0; i < n; i++) {
		uint8_t *elem = elems + (size_t)i * k->size;
		int line;

		e = config_setting_get_elem(s, (unsigned)i);
		if (snprintf(epath, sizeof(epath), "%s.[%d]", path, i) >= (int)sizeof(epath))
			return sl_cfg_error(ctx, sl_cfg_line(s), path, "nested too deeply");
		if (config_setting_type(e) != CONFIG_TYPE_GROUP)
			return wrong_type(ctx, e, epath, "a group \"{ ... }\"");
		line = sl_cfg_line(e);
		memcpy(elem + k->elem_line_offset, &line, sizeof(line));
		apply_defaults(schema, elem);
		rc = walk_group(ctx, e, schema, epath, elem);
		if (rc)
			return rc;
	}
	return 0;
}

static int walk_flags(struct sl_cfg_ctx *ctx, const config_setting_t *s, const struct sl_cfg_key *k,
		      const char *path, uint8_t *base)
{
	const struct sl_cfg_choice *c;
	const config_setting_t *e;
	uint32_t bits = 0;
	int i, n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return wrong_type(ctx, s, path, "an array of strings");
	if (n == 0)
		return sl_cfg_error(ctx, sl_cfg_line(s), path, "must name at least one field");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return wrong_type(ctx, s, path, "an array of strings");
		c = choice_find(k->choices, config_setting_get_string(e));
		if (!c)
			return bad_choice(ctx, s, path, k, config_setting_get_string(e));
		if (bits & c->value)
			return sl_cfg_error(ctx, sl_cfg_line(s), path, "\"%s\" listed twice",
					    c->name);
		bits |= c->value;
	}
	memcpy(base + k->offset, &bits, sizeof(bits));
	return 0;
}

static int walk_array(struct sl_cfg_ctx *ctx, const config_setting_t *s, const struct sl_cfg_key *k,
		      const char *path, uint8_t *base)
{
	int i, n = config_setting_length(s), rc;
	const config_setting_t *e;
	const char *str;
	uint32_t v, count;
	char *dup;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return wrong_type(ctx, s, path, k->type == SL_CFG_STR_ARRAY ? "an array of strings \"[ ... ]\""
									 : "an array of integers \"[ ... ]\"");
	if ((uint32_t)n > k->max_count)
		return sl_cfg_error(ctx, sl_cfg_line(s), path, "%d entries, at most %u allowed",
				    n, k->max_count);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (k->type == SL_CFG_UINT_ARRAY) {
			rc = get_uint(ctx, e, path, k, &v);
			if (rc)
				return rc;
			memcpy(base + k->offset + (size_t)i * sizeof(uint32_t), &v, sizeof(v));
		} else {
			rc = get_string(ctx, e, path, k->max, &str);
			if (rc)
				return rc;
			dup = strdup(str);
			if (!dup)
				return -ENOMEM;
			memcpy(base + k->offset + (size_t)i * sizeof(char *), &dup, sizeof(dup));
		}
		/* Count as we go so a failure part-way frees exactly what was copied. */
		count = (uint32_t)i + 1;
		memcpy(base + k->aux_offset, &count, sizeof(count));
	}
	return 0;
}

const char *sl_cfg_addr_problem(const struct sl_cfg_key *k, const struct sl_ip *ip)
{
	uint8_t b0 = ((const uint8_t *)ip->w)[0];

	if (ip->family != SL_AF_INET && ip->family != SL_AF_INET6)
		return "is not an IPv4 or IPv6 address";
	if (k->family == SL_AF_INET && ip->family != SL_AF_INET)
		return "is not an IPv4 address";
	if (k->family == SL_AF_INET6 && ip->family != SL_AF_INET6)
		return "is not an IPv6 address";
	if (k->unicast && ((ip->w[0] | ip->w[1] | ip->w[2] | ip->w[3]) == 0 ||
			   (ip->family == SL_AF_INET && (b0 >= 224 || b0 == 0)) ||
			   (ip->family == SL_AF_INET6 && b0 == 0xff)))
		return "is not a unicast address";
	return NULL;
}

static int walk_addr(struct sl_cfg_ctx *ctx, const config_setting_t *s, const struct sl_cfg_key *k,
		     const char *path, uint8_t *base)
{
	struct sl_ip ip;
	const char *str;
	int rc = get_string(ctx, s, path, 63, &str);
	const char *why;

	if (rc)
		return rc;
	sl_ip_parse(str, &ip); /* on failure family 0, which sl_cfg_addr_problem() names */
	why = sl_cfg_addr_problem(k, &ip);
	if (why)
		return sl_cfg_error(ctx, sl_cfg_line(s), path, "\"%s\" %s", str, why);
	memcpy(base + k->offset, &ip, sizeof(ip));
	return 0;
}

static int walk_key(struct sl_cfg_ctx *ctx, const config_setting_t *s, const struct sl_cfg_key *k,
		    const char *path, uint8_t *base)
{
	char schema[SL_CFG_PATH_LEN];
	const struct sl_cfg_choice *c;
	const char *str;
	uint32_t v;
	int rc, line = sl_cfg_line(s);

	switch (k->type) {
	case SL_CFG_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return wrong_type(ctx, s, path, "a group \"{ ... }\"");
		child_path(schema, k->parent, k->name);
		return walk_group(ctx, s, schema, path, base);
	case SL_CFG_LIST:
		return walk_list(ctx, s, k, path, base);
	case SL_CFG_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return wrong_type(ctx, s, path, "true or false");
		base[k->offset] = config_setting_get_bool(s) != 0;
		return 0;
	case SL_CFG_UINT:
		rc = get_uint(ctx, s, path, k, &v);
		if (!rc)
			store_uint(base + k->offset, k->size, v);
		return rc;
	case SL_CFG_STRING:
		rc = get_string(ctx, s, path, k->max, &str);
		if (rc)
			return rc;
		if (k->choices && !choice_find(k->choices, str))
			return bad_choice(ctx, s, path, k, str);
		snprintf((char *)base + k->offset, k->size, "%s", str);
		return 0;
	case SL_CFG_CHOICE:
		rc = get_string(ctx, s, path, 63, &str);
		if (rc)
			return rc;
		c = choice_find(k->choices, str);
		if (!c)
			return bad_choice(ctx, s, path, k, str);
		store_uint(base + k->offset, k->size, c->value);
		return 0;
	case SL_CFG_FLAGS:
		return walk_flags(ctx, s, k, path, base);
	case SL_CFG_ADDR:
		return walk_addr(ctx, s, k, path, base);
	case SL_CFG_MAC:
		rc = get_string(ctx, s, path, 63, &str);
		if (rc)
			return rc;
		if (sl_mac_parse(str, base + k->offset))
			return sl_cfg_error(ctx, line, path, "\"%s\" is not a MAC address (02:00:00:00:00:01)", str);
		base[k->aux_offset] = 1;
		return 0;
	case SL_CFG_STR_ARRAY:
	case SL_CFG_UINT_ARRAY:
		return walk_array(ctx, s, k, path, base);
	}
	return sl_cfg_error(ctx, line, path, "internal: key of unknown type");
}

/* Nearest-looking known key, for "did you mean": same first letter and length within 2. */
static const char *suggest(const char *schema, const char *name)
{
	size_t n, i, nl = strlen(name), kl;
	const struct sl_cfg_key *keys = sl_cfg_keys(&n);

	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].parent, schema) != 0)
			continue;
		kl = strlen(keys[i].name);
		if (keys[i].name[0] == name[0] && kl + 2 >= nl && nl + 2 >= kl)
			return keys[i].name;
	}
	return NULL;
}

static int walk_group(struct sl_cfg_ctx *ctx, const config_setting_t *g, const char *schema,
		      const char *path, uint8_t *base)
{
	char cpath[SL_CFG_PATH_LEN];
	size_t n, i;
	const struct sl_cfg_key *keys = sl_cfg_keys(&n);
	const config_setting_t *c;
	const char *name, *hint;
	int len = config_setting_length(g), j, rc;

	/* Unknown keys first: a typo must not hide behind "missing required key". */
	for (j = 0; j < len; j++) {
		c = config_setting_get_elem(g, (unsigned)j);
		name = config_setting_name(c);
		for (i = 0; i < n; i++)
			if (strcmp(keys[i].parent, schema) == 0 && strcmp(keys[i].name, name) == 0)
				break;
		if (i == n) {
			child_path(cpath, path, name);
			hint = suggest(schema, name);
			return sl_cfg_error(ctx, sl_cfg_line(c), cpath, "unknown key%s%s%s",
					    hint ? " (did you mean \"" : "", hint ? hint : "", hint ? "\"?)" : "");
		}
	}
	for (i = 0; i < n; i++) {
		if (strcmp(keys[i].parent, schema) != 0)
			continue;
		child_path(cpath, path, keys[i].name);
		c = config_setting_get_member(g, keys[i].name);
		if (!c) {
			if (keys[i].required)
				return sl_cfg_error(ctx, sl_cfg_line(g) ? sl_cfg_line(g) : 1,
						    cpath, "required key is missing");
			continue;
		}
		rc = walk_key(ctx, c, &keys[i], cpath, base);
		if (rc)
			return rc;
	}
	return 0;
}

int sl_cfg_walk(struct sl_cfg_ctx *ctx, const config_t *lc, struct sl_config *cfg)
{
	apply_defaults("", (uint8_t *)cfg);
	return walk_group(ctx, config_root_setting(lc), "", "", (uint8_t *)cfg);
}
