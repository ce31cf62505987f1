/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config writer, driven by the key table: the running config as a libconfig
 * file that loads back to an equal config. Walking the table (not the
 * struct by hand) means a new key is written the day it is declared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static void indent(FILE *f, int depth)
{
	fprintf(f, "%*s", depth * 2, "");
}

/* A libconfig string literal: quotes, backslashes and control bytes escaped. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *choice_name(const struct sl_cfg_choice *c, uint32_t v)
{
	for (; c->name; c++)
		if (c->value == v)
			return c->name;
	return NULL;
}

/* Does @k hold a value a file can spell? Empty strings and unset addresses/MACs have none. */
static int has_value(const struct sl_cfg_key *k, const uint8_t *base)
{
	struct sl_ip ip;

	switch (k->type) {
	case SL_CFG_STRING:
		return base[k->offset] != '\0';
	case SL_CFG_ADDR:
		memcpy(&ip, base + k->offset, sizeof(ip));
		return ip.family != 0;
	case SL_CFG_MAC:
		return base[k->aux_offset] != 0;
	default:
		return 1;
	}
}

/* "name = value;" for a scalar or array key; 0 or -EINVAL. */
static int put_value(FILE *f, const struct sl_cfg_key *k, const uint8_t *base, int depth)
{
	const uint8_t *p = base + k->offset;
	const struct sl_cfg_choice *c;
	const char *name, *s;
	char buf[64];
	uint32_t v, n, i;
	struct sl_ip ip;

	if (!has_value(k, base))
		return 0;
	indent(f, depth);
	fprintf(f, "%s = ", k->name);
	switch (k->type) {
	case SL_CFG_BOOL:
		fputs(*p ? "true" : "false", f);
		break;
	case SL_CFG_UINT:
		v = sl_cfg_get_uint(p, k->size);
		/* libconfig 1.5 reads plain literals as 32-bit signed. */
		fprintf(f, "%u%s", v, v > 0x7fffffffu ? "L" : "");
		break;
	case SL_CFG_CHOICE:
		name = choice_name(k->choices, sl_cfg_get_uint(p, k->size));
		if (!name)
			return -EINVAL;
		put_string(f, name);
		break;
	case SL_CFG_FLAGS:
		v = sl_cfg_get_uint(p, k->size);
		fputs("[", f);
		i = 0;
		for (c = k->choices; c->name; c++)
			if (v & c->value) {
				fputs(i++ ? ", " : " ", f);
				put_string(f, c->name);
				v &= ~c->value;
			}
		if (v || !sl_cfg_get_uint(p, k->size))
			return -EINVAL; /* unknown bits, or none: the loader would reject the file */
		fputs(" ]", f);
		break;
	case SL_CFG_STRING:
		put_string(f, (const char *)p);
		break;
	case SL_CFG_ADDR:
		memcpy(&ip, p, sizeof(ip));
		put_string(f, sl_ip_str(&ip, buf, sizeof(buf)));
		break;
	case SL_CFG_MAC:
		fprintf(f, "\"%02x:%02x:%02x:%02x:%02x:%02x\"", p[0], p[1], p[2], p[3], p[4], p[5]);
		break;
	case SL_CFG_STR_ARRAY:
	case SL_CFG_UINT_ARRAY:
		memcpy(&n, base + k->aux_offset, sizeof(n));
		if (n > k->max_count)
			return -EINVAL;
		fputs("[", f);
		for (i = 0; i < n; i++) {
			fputs(i ? ", " : " ", f);
			if (k->type == SL_CFG_UINT_ARRAY) {
				memcpy(&v, p + (size_t)i * sizeof(v), sizeof(v));
				fprintf(f, "%u", v);
			} else {
				memcpy(&s, p + (size_t)i * sizeof(s), sizeof(s));
				if (!s)
					return -EINVAL;
				put_string(f, s);
			}
		}
		fputs(" ]", f);
		break;
	default:
		return -EINVAL;
	}
	fputs(";\n", f);
	return 0;
}

/* Field of @a (key @k) equal to the field of @b (key @src)? Both keys of one shape at different offsets. */
static int fields_equal(const struct sl_cfg_key *k, const uint8_t *a, const struct sl_cfg_key *src, const uint8_t *b)
{
	uint8_t fa[512], fb[512];
	struct sl_cfg_key at0 = *k;

	if (k->size > sizeof(fa) || src->size != k->size || src->type != k->type)
		return 0;
	memcpy(fa, a + k->offset, k->size);
	memcpy(fb, b + src->offset, k->size);
	at0.offset = 0;
	return sl_cfg_key_equal(&at0, fa, fb);
}

static int put_group(FILE *f, const char *gpath, const uint8_t *base, const uint8_t *parent, int depth);

/* A group whose keys default to another group's: only the keys that differ from @parent's. */
static int put_inheriting(FILE *f, const struct sl_cfg_key *g, const char *gpath, const uint8_t *base,
			  const uint8_t *parent, int depth)
{
	char spath[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys = NULL, *k, *src;
	size_t n, i;
	int open = 0, rc;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (strcmp(k->parent, gpath) != 0)
			continue;
		snprintf(spath, sizeof(spath), "%s.%s", g->inherits, k->name);
		src = sl_cfg_key_find(spath);
		if (parent && src && fields_equal(k, base, src, parent))
			continue;
		if (!open) {
			indent(f, depth);
			fprintf(f, "%s = {\n", g->name);
			open = 1;
		}
		rc = put_value(f, k, base, depth + 1);
		if (rc)
			return rc;
	}
	if (open) {
		indent(f, depth);
		fputs("};\n", f);
	}
	return 0;
}

static int put_list(FILE *f, const struct sl_cfg_key *k, const uint8_t *base, int depth)
{
	char es[SL_CFG_PATH_LEN];
	const uint8_t *elems;
	uint32_t c, j;
	int rc;

	elems = sl_cfg_list_elems(k, base, &c);
	if (c > k->max_count || (c && !elems))
		return -EINVAL;
	sl_cfg_elem_scope(k, es, sizeof(es));
	indent(f, depth);
	fprintf(f, "%s = (\n", k->name);
	for (j = 0; j < c; j++) {
		indent(f, depth + 1);
		fputs("{\n", f);
		rc = put_group(f, es, elems + (size_t)j * k->size, base, depth + 2);
		if (rc)
			return rc;
		indent(f, depth + 1);
		fputs(j + 1 < c ? "},\n" : "}\n", f);
	}
	indent(f, depth);
	fputs(");\n", f);
	return 0;
}

/* Every key whose parent is @gpath, in table order. @parent: the struct holding @base's list, for inheritance. */
static int put_group(FILE *f, const char *gpath, const uint8_t *base, const uint8_t *parent, int depth)
{
	char cpath[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys = NULL, *k;
	size_t n, i;
	int rc;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (strcmp(k->parent, gpath) != 0)
			continue;
		sl_cfg_key_path(k, cpath, sizeof(cpath));
		if (k->type == SL_CFG_GROUP && k->inherits) {
			rc = put_inheriting(f, k, cpath, base, parent, depth);
		} else if (k->type == SL_CFG_GROUP) {
			indent(f, depth);
			fprintf(f, "%s%s = {\n", depth ? "" : "\n", k->name);
			rc = put_group(f, cpath, base, parent, depth + 1);
			indent(f, depth);
			fputs("};\n", f);
		} else if (k->type == SL_CFG_LIST) {
			if (!depth)
				fputc('\n', f);
			rc = put_list(f, k, base, depth);
		} else {
			rc = put_value(f, k, base, depth);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int sl_config_write(const struct sl_config *cfg, FILE *f)
{
	const char *p;
	int rc;

	if (!cfg || !f)
		return -EINVAL;
	fputs("# Written by sluiced: the running configuration, every key with a value spelled\n"
	      "# out (defaults included). docs/config.md describes each key.\n# Loaded from: ", f);
	/* The path is text from elsewhere: keep it on its comment line. */
	for (p = cfg->path; *p && p < cfg->path + sizeof(cfg->path); p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
	fputc('\n', f);
	rc = put_group(f, "", (const uint8_t *)cfg, NULL, 0);
	if (rc)
		return rc;
	return fflush(f) || ferror(f) ? -EIO : 0;
}

char *sl_config_to_string(const struct sl_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	rc = sl_config_write(cfg, f);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (rc) {
		free(buf);
		errno = rc == -EIO ? ENOMEM : -rc;
		return NULL;
	}
	return buf;
}
