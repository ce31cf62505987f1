/* SPDX-License-Identifier: BSD-3-Clause */
/* The key reference of docs/config.md, generated from the key table so it cannot drift. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config_keys.h"

static const char *choice_name(const struct sl_cfg_choice *c, uint32_t v)
{
	for (; c && c->name; c++)
		if (c->value == v)
			return c->name;
	return "?";
}

static void write_default(FILE *out, const struct sl_cfg_key *k)
{
	const struct sl_cfg_choice *c;
	int first = 1;

	if (k->required) {
		fputs("**required**", out);
		return;
	}
	if (k->required_if) {
		fprintf(out, "**required** if %s", k->required_if);
		return;
	}
	if (k->def_computed) {
		fputs(k->def_str, out); /* derived or inherited: the text says from what */
		return;
	}
	switch (k->type) {
	case SL_CFG_BOOL:
		fputs(k->def_int ? "`true`" : "`false`", out);
		return;
	case SL_CFG_UINT:
		fprintf(out, "`%" PRId64 "`", k->def_int);
		return;
	case SL_CFG_CHOICE:
		fprintf(out, "`\"%s\"`", choice_name(k->choices, (uint32_t)k->def_int));
		return;
	case SL_CFG_FLAGS:
		fputs("`[", out);
		for (c = k->choices; c->name; c++)
			if ((uint32_t)k->def_int & c->value) {
				fprintf(out, "%s\"%s\"", first ? " " : ", ", c->name);
				first = 0;
			}
		fputs(" ]`", out);
		return;
	case SL_CFG_STRING:
		if (k->def_str)
			fprintf(out, "`\"%s\"`", k->def_str);
		else
			fputs("—", out);
		return;
	case SL_CFG_STR_ARRAY:
		fputs("`[]`", out);
		return;
	case SL_CFG_LIST:
		fputs("`()`", out);
		return;
	case SL_CFG_GROUP:
		fputs("—", out);
		return;
	default:
		fputs("unset", out);
		return;
	}
}

static void write_range(FILE *out, const struct sl_cfg_key *k)
{
	const struct sl_cfg_choice *c;

	switch (k->type) {
	case SL_CFG_UINT:
	case SL_CFG_UINT_ARRAY:
		fprintf(out, "%" PRId64 "..%" PRId64 "%s", k->min, k->max, k->check ? ", prime" : "");
		if (k->type == SL_CFG_UINT_ARRAY)
			fprintf(out, "; 1..%u entries", k->max_count);
		return;
	case SL_CFG_CHOICE:
	case SL_CFG_FLAGS:
	case SL_CFG_STRING:
		if (k->choices) {
			for (c = k->choices; c->name; c++)
				fprintf(out, "%s`%s`", c == k->choices ? "" : ", ", c->name);
			if (k->type == SL_CFG_FLAGS)
				fputs(" (each once)", out);
		} else {
			fprintf(out, "1..%" PRId64 " bytes", k->max);
		}
		return;
	case SL_CFG_STR_ARRAY:
		fprintf(out, "0..%u entries of 1..%" PRId64 " bytes", k->max_count, k->max);
		return;
	case SL_CFG_LIST:
		fprintf(out, "%d..%u entries", k->required ? 1 : 0, k->max_count);
		return;
	case SL_CFG_ADDR:
		fprintf(out, "%s%s", k->family == 4 ? "IPv4" : k->family == 6 ? "IPv6" : "IPv4 or IPv6",
			k->unicast ? ", unicast" : "");
		return;
	case SL_CFG_MAC:
		fputs("`xx:xx:xx:xx:xx:xx`", out);
		return;
	default:
		fputs("", out);
		return;
	}
}

int sl_cfg_write_reference(FILE *out)
{
	char path[160];
	size_t n, i;
	const struct sl_cfg_key *keys = sl_cfg_keys(&n);

	for (i = 0; i < n; i++) {
		const struct sl_cfg_key *k = &keys[i];

		if (!k->parent[0]) {
			fprintf(out, "%s### `%s`\n\n%s.%s\n\n", i ? "\n" : "", k->name, k->doc,
				k->required ? " **Required.**" : "");
			fputs("| key | type | default | range | reload | meaning |\n", out);
			fputs("|-----|------|---------|-------|--------|---------|\n", out);
			if (k->type != SL_CFG_LIST)
				continue; /* a group's row would only repeat the heading */
		}
		fprintf(out, "| `%s` | %s | ", sl_cfg_key_path(k, path, sizeof(path)), sl_cfg_type_name(k->type));
		write_default(out, k);
		fputs(" | ", out);
		write_range(out, k);
		fprintf(out, " | %s | %s |\n", k->reloadable ? "yes" : "no", k->doc);
	}
	return ferror(out) ? -EIO : 0;
}
