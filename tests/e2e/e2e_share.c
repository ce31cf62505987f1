/* SPDX-License-Identifier: BSD-3-Clause */
#include "e2e_share.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "e2e_num.h"

void e2e_tally_init(struct e2e_tally *t)
{
	t->n = 0;
}

int e2e_tally_add(struct e2e_tally *t, const char *name)
{
	size_t len = strlen(name);
	unsigned i;

	if (!e2e_word_valid(name, len))
		return -EINVAL;
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->b[i].name, name) == 0) {
			t->b[i].count++;
			return 0;
		}
	}
	if (t->n == E2E_MAX_BACKENDS)
		return -ENOSPC;
	memcpy(t->b[t->n].name, name, len + 1);
	t->b[t->n].count = 1;
	t->n++;
	return 0;
}

uint64_t e2e_tally_total(const struct e2e_tally *t)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < t->n; i++)
		sum += t->b[i].count;
	return sum;
}

static int find_weight(const struct e2e_weights *w, const char *name)
{
	unsigned i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->w[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* One "name=weight" item of @len bytes at @s. */
static int parse_item(const char *s, size_t len, struct e2e_weights *w)
{
	const char *eq = memchr(s, '=', len);
	char num[32];
	size_t nlen, vlen;
	double v;

	if (!eq)
		return -EINVAL;
	nlen = (size_t)(eq - s);
	vlen = len - nlen - 1;
	if (!e2e_word_valid(s, nlen) || vlen == 0 || vlen >= sizeof(num))
		return -EINVAL;
	if (w->n == E2E_MAX_BACKENDS)
		return -E2BIG;
	memcpy(num, eq + 1, vlen);
	num[vlen] = '\0';
	if (e2e_parse_double(num, 0, 1e12, &v))
		return -EINVAL;
	memcpy(w->w[w->n].name, s, nlen);
	w->w[w->n].name[nlen] = '\0';
	if (find_weight(w, w->w[w->n].name) >= 0)
		return -EINVAL;
	w->w[w->n].weight = v;
	w->sum += v;
	w->n++;
	return 0;
}

int e2e_weights_parse(const char *spec, struct e2e_weights *w)
{
	const char *p, *comma;
	int rc;

	if (!spec || !w)
		return -EINVAL;
	w->n = 0;
	w->sum = 0;
	for (p = spec;; p = comma + 1) {
		comma = strchr(p, ',');
		rc = parse_item(p, comma ? (size_t)(comma - p) : strlen(p), w);
		if (rc)
			return rc;
		if (!comma)
			break;
	}
	return w->sum > 0 ? 0 : -EINVAL;
}

int e2e_share_check(const struct e2e_weights *w, const struct e2e_tally *t, double tol,
		    struct e2e_share_result *out, unsigned *nout)
{
	uint64_t total = e2e_tally_total(t);
	unsigned i, j, n = 0;
	int rc = 0;

	*nout = 0;
	if (!(tol >= 0 && tol <= 1))
		return -EINVAL;
	if (total == 0)
		return -ENODATA;
	for (i = 0; i < w->n; i++, n++) {
		uint64_t count = 0;

		for (j = 0; j < t->n; j++)
			if (strcmp(t->b[j].name, w->w[i].name) == 0)
				count = t->b[j].count;
		strcpy(out[n].name, w->w[i].name);
		out[n].expected = w->w[i].weight / w->sum;
		out[n].observed = (double)count / (double)total;
		out[n].deviation = fabs(out[n].observed - out[n].expected);
		out[n].listed = true;
		/* Slack for binary fractions: 0.30 - 0.25 must pass a 0.05 tolerance. */
		out[n].ok = out[n].deviation <= tol + 1e-9;
	}
	for (j = 0; j < t->n; j++) {
		if (find_weight(w, t->b[j].name) >= 0)
			continue;
		strcpy(out[n].name, t->b[j].name);
		out[n].expected = 0;
		out[n].observed = (double)t->b[j].count / (double)total;
		out[n].deviation = out[n].observed;
		out[n].listed = false;
		out[n].ok = false;
		n++;
	}
	for (i = 0; i < n; i++)
		if (!out[i].ok)
			rc = -ERANGE;
	*nout = n;
	return rc;
}
