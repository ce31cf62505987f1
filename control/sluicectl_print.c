/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sluicectl_print.h"

/*
 * One value as table-cell / key-value text, malloc'd. Strings are shown
 * bare, with control characters replaced so a hostile name cannot break the
 * layout or drive the terminal; containers are compact JSON.
 */
static char *cell_text(json_t *v)
{
	char *s = NULL;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = strdup(json_string_value(v));
		if (s)
			for (i = 0; s[i]; i++)
				if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
					s[i] = '?';
		return s;
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			return NULL;
		return s;
	case JSON_REAL:
		if (asprintf(&s, "%.10g", json_real_value(v)) < 0)
			return NULL;
		return s;
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("-");
	default:
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	}
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

/* A key as text, control characters replaced like cell strings, optionally upper-cased. */
static void put_key(FILE *out, const char *k, bool upper)
{
	for (; *k; k++) {
		unsigned char c = (unsigned char)*k;

		fputc(c < 0x20 || c == 0x7f ? '?' : upper ? toupper(c) : c, out);
	}
}

static bool all_objects(json_t *a)
{
	size_t i;
	json_t *v;

	if (json_array_size(a) == 0)
		return false;
	json_array_foreach(a, i, v)
		if (!json_is_object(v))
			return false;
	return true;
}

/*
 * A nested object inside a table cell as "k=v k=v" (values as cells, so
 * deeper containers stay compact JSON): a per-row breakdown such as an
 * lcore's drops stays on its row.
 */
static char *kv_text(json_t *obj)
{
	char *s = NULL, *t, *n;
	const char *key;
	json_t *v;
	size_t i;

	if (json_object_size(obj) == 0)
		return strdup("(none)");
	json_object_foreach(obj, key, v) {
		t = cell_text(v);
		if (!t || asprintf(&n, "%s%s%s=%s", s ? s : "", s ? " " : "", key, t) < 0) {
			free(t);
			free(s);
			return NULL;
		}
		free(t);
		free(s);
		s = n;
	}
	/* Keys are not cleaned by cell_text; a newline in one must not break the row. */
	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
	return s;
}

static char *table_cell(json_t *v)
{
	if (!v)
		return strdup("-");
	return json_is_object(v) ? kv_text(v) : cell_text(v);
}

/* Does @key hold an array of objects in any row? Then it is a sub-table, not a column. */
static bool is_subtable_key(json_t *rows, const char *key)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (all_objects(json_object_get(row, key)))
			return true;
	return false;
}

static int print_table(FILE *out, json_t *rows, size_t indent);

/* The sub-tables of one row, each under a "key:" line, indented below the row. */
static int print_row_subtables(FILE *out, json_t *row, json_t *subs, size_t indent)
{
	json_t *c, *v;
	size_t j;
	char *t;
	int rc;

	json_array_foreach(subs, j, c) {
		v = json_object_get(row, json_string_value(c));
		if (!v)
			continue;
		pad(out, indent + 2);
		put_key(out, json_string_value(c), false);
		fputc(':', out);
		if (all_objects(v)) {
			fputc('\n', out);
			rc = print_table(out, v, indent + 4);
			if (rc < 0)
				return rc;
			continue;
		}
		/* The same key as a scalar or empty array in this row. */
		t = json_is_array(v) && json_array_size(v) == 0 ? strdup("(none)") : table_cell(v);
		if (!t)
			return -ENOMEM;
		fprintf(out, " %s\n", t);
		free(t);
	}
	return 0;
}

static int print_table(FILE *out, json_t *rows, size_t indent)
{
	json_t *cols = json_array(), *subs = json_array(), *row, *v;
	const char *key;
	size_t i, j, ncol, *width = NULL;
	char *t;
	int rc = -ENOMEM;

	if (!cols || !subs)
		goto out;
	/* Columns: the union of keys, first-seen order, so rows that lack a
	 * key still line up and a key only some rows have still shows. */
	json_array_foreach(rows, i, row) {
		json_object_foreach(row, key, v) {
			json_t *list = is_subtable_key(rows, key) ? subs : cols, *c;
			bool seen = false;

			json_array_foreach(list, j, c)
				if (!strcmp(json_string_value(c), key))
					seen = true;
			if (!seen && json_array_append_new(list, json_string(key)) < 0)
				goto out;
		}
	}
	ncol = json_array_size(cols);
	width = calloc(ncol ? ncol : 1, sizeof(*width));
	if (!width)
		goto out;
	for (j = 0; j < ncol; j++)
		width[j] = text_width(json_string_value(json_array_get(cols, j)));
	json_array_foreach(rows, i, row) {
		for (j = 0; j < ncol; j++) {
			t = table_cell(json_object_get(row, json_string_value(json_array_get(cols, j))));
			if (!t)
				goto out;
			if (text_width(t) > width[j])
				width[j] = text_width(t);
			free(t);
		}
	}

	if (ncol) {
		pad(out, indent);
		for (j = 0; j < ncol; j++) {
			const char *h = json_string_value(json_array_get(cols, j));

			put_key(out, h, true);
			if (j + 1 < ncol)
				pad(out, width[j] - text_width(h) + 2);
		}
		fputc('\n', out);
	}
	json_array_foreach(rows, i, row) {
		if (ncol) {
			pad(out, indent);
			for (j = 0; j < ncol; j++) {
				t = table_cell(json_object_get(row, json_string_value(json_array_get(cols, j))));
				if (!t)
					goto out;
				fputs(t, out);
				if (j + 1 < ncol)
					pad(out, width[j] - text_width(t) + 2);
				free(t);
			}
			fputc('\n', out);
		}
		rc = print_row_subtables(out, row, subs, indent);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	free(width);
	json_decref(cols);
	json_decref(subs);
	return rc;
}

static int print_value(FILE *out, json_t *v, size_t indent);

static int print_object(FILE *out, json_t *obj, size_t indent)
{
	const char *key;
	size_t w = 0;
	json_t *v;
	char *t;
	int rc;

	json_object_foreach(obj, key, v)
		if (text_width(key) > w)
			w = text_width(key);
	json_object_foreach(obj, key, v) {
		pad(out, indent);
		put_key(out, key, false);
		fputc(':', out);
		if (json_is_object(v) || (json_is_array(v) && all_objects(v))) {
			fputc('\n', out);
			rc = print_value(out, v, indent + 2);
			if (rc < 0)
				return rc;
			continue;
		}
		t = cell_text(v);
		if (!t)
			return -ENOMEM;
		pad(out, w - text_width(key) + 1);
		fprintf(out, "%s\n", t);
		free(t);
	}
	return 0;
}

static int print_value(FILE *out, json_t *v, size_t indent)
{
	json_t *e;
	size_t i;
	char *t;

	if (json_is_null(v))
		return 0;
	if (json_is_object(v))
		return print_object(out, v, indent);
	if (json_is_array(v)) {
		if (json_array_size(v) == 0) {
			pad(out, indent);
			fputs("(none)\n", out);
			return 0;
		}
		if (all_objects(v))
			return print_table(out, v, indent);
		json_array_foreach(v, i, e) {
			t = cell_text(e);
			if (!t)
				return -ENOMEM;
			pad(out, indent);
			fprintf(out, "%s\n", t);
			free(t);
		}
		return 0;
	}
	t = cell_text(v);
	if (!t)
		return -ENOMEM;
	pad(out, indent);
	fprintf(out, "%s\n", t);
	free(t);
	return 0;
}

int sl_ctl_print_human(FILE *out, json_t *result)
{
	return print_value(out, result, 0);
}
