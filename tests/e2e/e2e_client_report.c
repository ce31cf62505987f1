/* SPDX-License-Identifier: BSD-3-Clause */
#include "e2e_client_report.h"

#include <errno.h>
#include <jansson.h>

#include "e2e_addr.h"

static json_t *backends_json(const struct e2e_tally *t)
{
	uint64_t total = e2e_tally_total(t);
	json_t *o = json_object();
	unsigned i;

	for (i = 0; o && i < t->n; i++)
		json_object_set_new(o, t->b[i].name,
				    json_pack("{s:I, s:f}", "connections", (json_int_t)t->b[i].count,
					      "share", (double)t->b[i].count / (double)total));
	return o;
}

/* {"be2": 17}: connections that broke after this backend had answered them. */
static json_t *failed_json(const struct e2e_tally *t)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; o && i < t->n; i++)
		json_object_set_new(o, t->b[i].name, json_integer((json_int_t)t->b[i].count));
	return o;
}

/* Adds "weights" to @root; returns whether the shares passed. */
static bool add_weights(json_t *root, const struct e2e_weights *w, const struct e2e_tally *t,
			double tol)
{
	struct e2e_share_result r[2 * E2E_MAX_BACKENDS];
	json_t *wj, *bj = json_object();
	unsigned n, i;
	int rc;

	rc = e2e_share_check(w, t, tol, r, &n);
	for (i = 0; bj && i < n; i++)
		json_object_set_new(bj, r[i].name,
				    json_pack("{s:f, s:f, s:f, s:b, s:b}", "expected", r[i].expected,
					      "observed", r[i].observed, "deviation", r[i].deviation,
					      "listed", r[i].listed, "ok", r[i].ok));
	wj = json_pack("{s:f, s:b, s:o*}", "tolerance", tol, "ok", rc == 0, "backends", bj);
	if (rc == -ENODATA && wj)
		json_object_set_new(wj, "error", json_string("no successful connections to judge"));
	json_object_set_new(root, "weights", wj);
	return rc == 0;
}

int e2e_client_report(FILE *f, const struct e2e_client_cfg *cfg,
		      const struct e2e_client_result *res, const struct e2e_weights *w, double tol)
{
	json_t *root, *reasons = json_object();
	uint64_t failures = 0;
	char abuf[80];
	bool ok;
	int i;

	for (i = 0; reasons && i < E2E_FAIL__MAX; i++) {
		if (i == E2E_FAIL_NONE)
			continue;
		failures += res->fails[i];
		json_object_set_new(reasons, e2e_fail_name((enum e2e_fail)i),
				    json_integer((json_int_t)res->fails[i]));
	}
	root = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o*, s:I, s:I, s:o*}",
			 "target", e2e_addr_str((const struct sockaddr *)&cfg->target, abuf,
						sizeof(abuf)),
			 "protocol", cfg->udp ? "udp" : "tcp",
			 "connections", (json_int_t)cfg->connections,
			 "succeeded", (json_int_t)res->succeeded,
			 "failures", (json_int_t)failures,
			 "failure_reasons", reasons,
			 "requests_answered", (json_int_t)res->answered,
			 "elapsed_ms", (json_int_t)res->elapsed_ms,
			 "backends", backends_json(&res->backends));
	json_object_set_new(root, "failed_on", failed_json(&res->failed_on));
	if (!root)
		return -ENOMEM;
	ok = failures == 0 && res->succeeded == cfg->connections;
	if (w && !add_weights(root, w, &res->backends, tol))
		ok = false;
	if (json_dumpf(root, f, JSON_COMPACT | JSON_REAL_PRECISION(10)) || fputc('\n', f) == EOF ||
	    fflush(f)) {
		json_decref(root);
		return -EIO;
	}
	json_decref(root);
	return ok ? 0 : 1;
}
