/* SPDX-License-Identifier: BSD-3-Clause */
#include "metrics_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sl_metrics_writer {
	char  *buf;
	size_t len, cap;
	int    status;
	unsigned alloc_failures; /* lets a line detect that part of it was lost */
};

struct sl_metrics_writer *sl_mw_create(void)
{
	struct sl_metrics_writer *w = calloc(1, sizeof(*w));

	if (w && !(w->buf = calloc(1, 1))) {
		free(w);
		return NULL;
	}
	if (w)
		w->cap = 1;
	return w;
}

void sl_mw_destroy(struct sl_metrics_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

static void set_status(struct sl_metrics_writer *w, int err)
{
	if (w->status != -ENOMEM)
		w->status = err;
}

static bool reserve(struct sl_metrics_writer *w, size_t more)
{
	size_t need = w->len + more + 1, cap = w->cap;
	char *nb;

	if (need <= cap)
		return true;
	while (cap < need)
		cap = cap < 4096 ? 4096 : cap * 2;
	nb = realloc(w->buf, cap);
	if (!nb) {
		w->alloc_failures++;
		set_status(w, -ENOMEM);
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

static void put(struct sl_metrics_writer *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct sl_metrics_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static bool valid_name(const char *s, bool colon)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (p = s; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (colon && c == ':')))
			return false;
	}
	return true;
}

/* Prometheus reserves label names beginning "__" for itself. */
static bool valid_label(const char *s)
{
	return valid_name(s, false) && strncmp(s, "__", 2) != 0;
}

/* Length of the valid UTF-8 sequence at @s (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* @s escaped for a label value (@quote) or a HELP text (!@quote). */
static void put_escaped(struct sl_metrics_writer *w, const char *s, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		if (*p == '\\') {
			puts_(w, "\\\\");
			p++;
		} else if (*p == '\n') {
			puts_(w, "\\n");
			p++;
		} else if (*p == '"' && quote) {
			puts_(w, "\\\"");
			p++;
		} else if ((n = utf8_len(p)) > 0) {
			put(w, (const char *)p, n);
			p += n;
		} else {
			puts_(w, "?");
			p++;
		}
	}
}

/* Drop a line being written: the output holds whole lines only. */
static void truncate_to(struct sl_metrics_writer *w, size_t start)
{
	w->len = start;
	w->buf[start] = '\0';
}

void sl_mw_family(struct sl_metrics_writer *w, const char *name, const char *type,
		  const char *help)
{
	size_t start;
	unsigned failures0;

	if (!w)
		return;
	if (!valid_name(name, true) || !type ||
	    (strcmp(type, "counter") && strcmp(type, "gauge") && strcmp(type, "untyped"))) {
		set_status(w, -EINVAL);
		return;
	}
	start = w->len;
	failures0 = w->alloc_failures;
	if (help && *help) {
		puts_(w, "# HELP ");
		puts_(w, name);
		puts_(w, " ");
		put_escaped(w, help, false);
		puts_(w, "\n");
	}
	puts_(w, "# TYPE ");
	puts_(w, name);
	puts_(w, " ");
	puts_(w, type);
	puts_(w, "\n");
	if (w->alloc_failures != failures0)
		truncate_to(w, start);
}

static void format_double(char *out, size_t cap, double v)
{
	int prec;

	if (isnan(v)) {
		snprintf(out, cap, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	/* Whole numbers (weights, states, slot counts) skip the search below. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		snprintf(out, cap, "%" PRId64, (int64_t)v);
		return;
	}
	/* Shortest form that reads back exactly: 0.1 rather than 0.10000000000000001. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/*
 * The sample line, built whole before anything is appended: on a bad label
 * name nothing of the line may reach the output.
 */
static void sample(struct sl_metrics_writer *w, const char *name, const char *value, va_list ap)
{
	size_t start = w->len;
	unsigned failures0 = w->alloc_failures;
	const char *lname, *lval;
	bool first = true;

	if (!valid_name(name, true)) {
		set_status(w, -EINVAL);
		return;
	}
	puts_(w, name);
	while ((lname = va_arg(ap, const char *)) != NULL) {
		lval = va_arg(ap, const char *);
		if (!valid_label(lname)) {
			set_status(w, -EINVAL);
			truncate_to(w, start);
			return;
		}
		puts_(w, first ? "{" : ",");
		puts_(w, lname);
		puts_(w, "=\"");
		put_escaped(w, lval ? lval : "", true);
		puts_(w, "\"");
		first = false;
	}
	if (!first)
		puts_(w, "}");
	puts_(w, " ");
	puts_(w, value);
	puts_(w, "\n");
	if (w->alloc_failures != failures0)
		truncate_to(w, start);
}

void sl_mw_sample(struct sl_metrics_writer *w, const char *name, uint64_t value, ...)
{
	char num[32];
	va_list ap;

	if (!w)
		return;
	snprintf(num, sizeof(num), "%" PRIu64, value);
	va_start(ap, value);
	sample(w, name, num, ap);
	va_end(ap);
}

void sl_mw_sample_double(struct sl_metrics_writer *w, const char *name, double value, ...)
{
	char num[40];
	va_list ap;

	if (!w)
		return;
	format_double(num, sizeof(num), value);
	va_start(ap, value);
	sample(w, name, num, ap);
	va_end(ap);
}

const char *sl_mw_text(const struct sl_metrics_writer *w, size_t *len)
{
	if (len)
		*len = w->len;
	return w->buf;
}

char *sl_mw_take(struct sl_metrics_writer *w, size_t *len)
{
	char *out = w->buf, *fresh = calloc(1, 1);

	if (!fresh) {
		set_status(w, -ENOMEM);
		return NULL;
	}
	if (len)
		*len = w->len;
	w->buf = fresh;
	w->len = 0;
	w->cap = 1;
	return out;
}

int sl_mw_status(const struct sl_metrics_writer *w)
{
	return w->status;
}
