/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload diff: identity matching of VIPs and backends, which flags each
 * change sets, restart detection for every non-reloadable key of the key
 * table (so a new key is covered without a new test), hostile input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "../../control/config_diff.h"
#include "config_keys.h"
#include "cunit_main.h"
#include "test_config_mutate.h"

static char err[512];

/* Two VIPs: web (3 backends, one with a health override) and dns; backends as given. */
#define HEAD                                                                               \
	"eal = { args = [ \"--in-memory\" ]; };\n"                                         \
	"dataplane = { ports = ( { name = \"p0\"; device = \"net_null0\"; } ); workers = [ 1 ]; };\n" \
	"network = { src_ipv4 = \"198.18.0.2\"; src_ipv6 = \"2001:db8::2\"; };\n"

static const char base_text[] = HEAD
	"vips = (\n"
	"  { name = \"web\"; address = \"198.18.100.1\"; port = 80;\n"
	"    health = { type = \"http\"; path = \"/h\"; };\n"
	"    backends = ( { address = \"198.18.0.11\"; name = \"be1\"; },\n"
	"                 { address = \"198.18.0.12\"; weight = 50; },\n"
	"                 { address = \"198.18.0.13\"; health = { port = 8080; }; } ); },\n"
	"  { name = \"dns\"; address = \"2001:db8:100::53\"; port = 53; protocol = \"udp\";\n"
	"    backends = ( { address = \"2001:db8::1\"; } ); }\n"
	");\n";

static void load(const char *text, struct sl_config *c)
{
	int rc = sl_config_load_string(text, "t.conf", c, err, sizeof(err));

	if (rc)
		fprintf(stderr, "\n  load: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void copy(const struct sl_config *src, struct sl_config *dst)
{
	CU_ASSERT_EQUAL_FATAL(sl_config_copy(dst, src), 0);
}

static int count_op(const struct sl_cfg_diff_vip *v, enum sl_diff_op op)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < v->n_backends; i++)
		n += v->backends[i].op == op;
	return n;
}

/* The diff entry of the VIP at new index @ni (or old index @oi when @ni < 0). */
static const struct sl_cfg_diff_vip *vip_entry(const struct sl_cfg_diff *d, int ni, int oi)
{
	uint32_t i;

	for (i = 0; i < d->n_vips; i++)
		if (ni >= 0 ? d->vips[i].new_idx == ni : d->vips[i].old_idx == oi)
			return &d->vips[i];
	return NULL;
}

static const struct sl_cfg_diff_backend *be_entry(const struct sl_cfg_diff_vip *v, int ni, int oi)
{
	uint32_t i;

	for (i = 0; i < v->n_backends; i++)
		if (ni >= 0 ? v->backends[i].new_idx == ni : v->backends[i].old_idx == oi)
			return &v->backends[i];
	return NULL;
}

static void test_identical(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	uint32_t i;

	load(base_text, &a);
	load(base_text, &b);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_FALSE(d.restart_needed);
	CU_ASSERT_STRING_EQUAL(d.restart_reason, "");
	CU_ASSERT_FALSE(d.flows_changed);
	CU_ASSERT_FALSE(d.metrics_changed);
	CU_ASSERT_EQUAL_FATAL(d.n_vips, 2);
	for (i = 0; i < d.n_vips; i++) {
		CU_ASSERT_EQUAL(d.vips[i].op, SL_DIFF_SAME);
		CU_ASSERT_EQUAL(d.vips[i].old_idx, (int32_t)i);
		CU_ASSERT_EQUAL(d.vips[i].new_idx, (int32_t)i);
		CU_ASSERT_FALSE(d.vips[i].table_changed || d.vips[i].health_changed);
		CU_ASSERT_EQUAL(count_op(&d.vips[i], SL_DIFF_SAME), (int)d.vips[i].n_backends);
	}
	CU_ASSERT_EQUAL(d.vips[0].n_backends, 3);
	sl_cfg_diff_free(&d);
	CU_ASSERT_PTR_NULL(d.vips);
	sl_cfg_diff_free(&d); /* twice is harmless */
	/* A config against itself, too. */
	CU_ASSERT_EQUAL(sl_cfg_diff(&a, &a, &d), 0);
	CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_SAME);
	sl_cfg_diff_free(&d);
	sl_config_free(&a);
	sl_config_free(&b);
}

static void test_weight_change(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	const struct sl_cfg_diff_backend *be;

	load(base_text, &a);
	copy(&a, &b);
	b.vips[0].backends[1].weight = 0;
	CU_ASSERT_EQUAL_FATAL(sl_config_validate(&b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_FALSE(d.restart_needed);
	CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_CHANGED);
	CU_ASSERT_FALSE(d.vips[0].table_changed);
	CU_ASSERT_EQUAL(d.vips[1].op, SL_DIFF_SAME);
	be = be_entry(&d.vips[0], 1, -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(be);
	CU_ASSERT_EQUAL(be->op, SL_DIFF_CHANGED);
	CU_ASSERT_TRUE(be->weight_changed);
	CU_ASSERT_FALSE(be->health_changed || be->name_changed || be->mac_changed);
	CU_ASSERT_EQUAL(count_op(&d.vips[0], SL_DIFF_SAME), 2);
	sl_cfg_diff_free(&d);
	sl_config_free(&a);
	sl_config_free(&b);
}

static void test_backend_added_removed_reordered(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	struct sl_cfg_backend tmp;
	const struct sl_cfg_diff_backend *be;

	load(base_text, &a);
	/* Reordered: same set, other order -> SAME, indices follow the move. */
	copy(&a, &b);
	tmp = b.vips[0].backends[0];
	b.vips[0].backends[0] = b.vips[0].backends[2];
	b.vips[0].backends[2] = tmp;
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_SAME);
	CU_ASSERT_EQUAL(count_op(&d.vips[0], SL_DIFF_SAME), 3);
	be = be_entry(&d.vips[0], 0, -1);
	CU_ASSERT_EQUAL(be->old_idx, 2);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);

	/* Removed (the middle one) and added (a new address). */
	load(HEAD "vips = (\n"
	     "  { name = \"web\"; address = \"198.18.100.1\"; port = 80;\n"
	     "    health = { type = \"http\"; path = \"/h\"; };\n"
	     "    backends = ( { address = \"198.18.0.11\"; name = \"be1\"; },\n"
	     "                 { address = \"198.18.0.14\"; },\n"
	     "                 { address = \"198.18.0.13\"; health = { port = 8080; }; } ); },\n"
	     "  { name = \"dns\"; address = \"2001:db8:100::53\"; port = 53; protocol = \"udp\";\n"
	     "    backends = ( { address = \"2001:db8::1\"; } ); }\n"
	     ");\n", &b);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_FALSE(d.restart_needed);
	CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_CHANGED);
	CU_ASSERT_EQUAL_FATAL(d.vips[0].n_backends, 4);
	be = be_entry(&d.vips[0], 1, -1);
	CU_ASSERT_EQUAL(be->op, SL_DIFF_ADDED);
	CU_ASSERT_EQUAL(be->old_idx, -1);
	be = be_entry(&d.vips[0], -1, 1);
	CU_ASSERT_EQUAL(be->op, SL_DIFF_REMOVED);
	CU_ASSERT_EQUAL(be->new_idx, -1);
	CU_ASSERT_PTR_EQUAL(be, &d.vips[0].backends[3]); /* removed ones come last */
	CU_ASSERT_EQUAL(be_entry(&d.vips[0], 2, -1)->old_idx, 2);
	CU_ASSERT_EQUAL(be_entry(&d.vips[0], 2, -1)->op, SL_DIFF_SAME);
	CU_ASSERT_EQUAL(d.vips[1].op, SL_DIFF_SAME);
	sl_cfg_diff_free(&d);
	sl_config_free(&a);
	sl_config_free(&b);
}

static void test_vip_added_removed_renamed_method(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	const struct sl_cfg_diff_vip *v;

	load(base_text, &a);
	/* Renamed: CHANGED, not removed + added. */
	copy(&a, &b);
	strcpy(b.vips[1].name, "dns-renamed");
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_EQUAL(d.n_vips, 2);
	CU_ASSERT_EQUAL(d.vips[1].op, SL_DIFF_CHANGED);
	CU_ASSERT_EQUAL(d.vips[1].old_idx, 1);
	CU_ASSERT_FALSE(d.vips[1].table_changed);
	CU_ASSERT_EQUAL(count_op(&d.vips[1], SL_DIFF_SAME), 1);
	sl_cfg_diff_free(&d);
	/* Method changed: table_changed. */
	b.vips[0].method = SL_FWD_IPIP;
	CU_ASSERT_EQUAL_FATAL(sl_config_validate(&b, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_CHANGED);
	CU_ASSERT_TRUE(d.vips[0].table_changed);
	CU_ASSERT_FALSE(d.vips[0].health_changed);
	CU_ASSERT_FALSE(d.restart_needed);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);

	/* dns removed, a new VIP on a different port of web's address added, web moved to index 1. */
	load(HEAD "vips = (\n"
	     "  { name = \"web443\"; address = \"198.18.100.1\"; port = 443;\n"
	     "    backends = ( { address = \"198.18.0.11\"; } ); },\n"
	     "  { name = \"web\"; address = \"198.18.100.1\"; port = 80;\n"
	     "    health = { type = \"http\"; path = \"/h\"; };\n"
	     "    backends = ( { address = \"198.18.0.11\"; name = \"be1\"; },\n"
	     "                 { address = \"198.18.0.12\"; weight = 50; },\n"
	     "                 { address = \"198.18.0.13\"; health = { port = 8080; }; } ); } );\n", &b);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_EQUAL_FATAL(d.n_vips, 3);
	v = vip_entry(&d, 0, -1);
	CU_ASSERT_EQUAL(v->op, SL_DIFF_ADDED);
	CU_ASSERT_EQUAL(v->old_idx, -1);
	CU_ASSERT_EQUAL(v->n_backends, 1);
	CU_ASSERT_EQUAL(v->backends[0].op, SL_DIFF_ADDED);
	v = vip_entry(&d, 1, -1);
	CU_ASSERT_EQUAL(v->op, SL_DIFF_SAME);
	CU_ASSERT_EQUAL(v->old_idx, 0);
	v = vip_entry(&d, -1, 1);
	CU_ASSERT_PTR_EQUAL(v, &d.vips[2]);
	CU_ASSERT_EQUAL(v->op, SL_DIFF_REMOVED);
	CU_ASSERT_EQUAL(v->new_idx, -1);
	CU_ASSERT_EQUAL(count_op(v, SL_DIFF_REMOVED), 1);
	CU_ASSERT_FALSE(d.restart_needed);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);

	/* Same address and port, other protocol: a different VIP. */
	copy(&a, &b);
	b.vips[1].proto = IPPROTO_TCP;
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_EQUAL(d.n_vips, 3);
	CU_ASSERT_EQUAL(d.vips[1].op, SL_DIFF_ADDED);
	CU_ASSERT_EQUAL(d.vips[2].op, SL_DIFF_REMOVED);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);
	sl_config_free(&a);
}

static void test_restart_keys(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;

	load(base_text, &a);
	copy(&a, &b);
	b.workers[0] = 2;
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_TRUE(d.restart_needed);
	CU_ASSERT_STRING_EQUAL(d.restart_reason, "dataplane.workers");
	CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_SAME); /* VIPs still diffed */
	sl_cfg_diff_free(&d);
	sl_config_free(&b);

	copy(&a, &b);
	strcpy(b.ports[0].device, "net_null1");
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_TRUE(d.restart_needed);
	CU_ASSERT_STRING_EQUAL(d.restart_reason, "dataplane.ports.[0].device");
	sl_cfg_diff_free(&d);
	b.n_ports = 2;
	strcpy(b.ports[1].device, "net_null2");
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_STRING_EQUAL(d.restart_reason, "dataplane.ports");
	sl_cfg_diff_free(&d);
	sl_config_free(&b);

	/* Timeouts and metrics reload; flows.entries does not. */
	copy(&a, &b);
	b.tcp_timeout = 10;
	strcpy(b.metrics_listen, "127.0.0.1:9100");
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_FALSE(d.restart_needed);
	CU_ASSERT_TRUE(d.flows_changed);
	CU_ASSERT_TRUE(d.metrics_changed);
	sl_cfg_diff_free(&d);
	b.flow_entries *= 2;
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_TRUE(d.restart_needed);
	CU_ASSERT_STRING_EQUAL(d.restart_reason, "flows.entries");
	sl_cfg_diff_free(&d);
	sl_config_free(&b);
	sl_config_free(&a);
}

/* Every key of the table: a change restarts exactly when the key is not reloadable, naming it. */
static void test_every_key_classified(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	const struct sl_cfg_key *keys, *k;
	char want[160];
	size_t n, i;
	int tested = 0;
	void *base;

	load(base_text, &a);
	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		copy(&a, &b);
		base = test_scope_base(&b, k);
		if (!base || test_mutate_key(k, base) != 0) {
			sl_config_free(&b);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
		sl_cfg_key_path(k, want, sizeof(want));
		/* The mutated element is index 0 of each list. */
		for (char *p; (p = strstr(want, "[]"));)
			memmove(p + 3, p + 2, strlen(p + 2) + 1), p[1] = '0', p[2] = ']';
		if (d.restart_needed != !k->reloadable || (!k->reloadable && strcmp(d.restart_reason, want)))
			fprintf(stderr, "\n  %s: restart %d reason \"%s\"\n", want, d.restart_needed, d.restart_reason);
		CU_ASSERT_EQUAL(d.restart_needed, !k->reloadable);
		if (!k->reloadable)
			CU_ASSERT_STRING_EQUAL(d.restart_reason, want);
		if (k->reloadable && strncmp(want, "vips", 4) == 0 && !strstr(want, ".address") &&
		    !strstr(want, ".port") && !strstr(want, ".protocol"))
			CU_ASSERT_EQUAL(d.vips[0].op, SL_DIFF_CHANGED);
		sl_cfg_diff_free(&d);
		sl_config_free(&b);
		tested++;
	}
	CU_ASSERT_TRUE(tested > 60);
	sl_config_free(&a);
}

static void test_health_override(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	const struct sl_cfg_diff_backend *be;

	load(base_text, &a);
	CU_ASSERT_EQUAL(a.vips[0].backends[2].health.port, 8080);
	CU_ASSERT_STRING_EQUAL(a.vips[0].backends[2].health.path, "/h"); /* inherited */
	/* The override changes: that backend only. */
	load(HEAD "vips = (\n"
	     "  { name = \"web\"; address = \"198.18.100.1\"; port = 80;\n"
	     "    health = { type = \"http\"; path = \"/h\"; };\n"
	     "    backends = ( { address = \"198.18.0.11\"; name = \"be1\"; },\n"
	     "                 { address = \"198.18.0.12\"; weight = 50; },\n"
	     "                 { address = \"198.18.0.13\"; health = { port = 8081; }; } ); },\n"
	     "  { name = \"dns\"; address = \"2001:db8:100::53\"; port = 53; protocol = \"udp\";\n"
	     "    backends = ( { address = \"2001:db8::1\"; } ); }\n"
	     ");\n", &b);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_FALSE(d.vips[0].health_changed);
	be = be_entry(&d.vips[0], 2, -1);
	CU_ASSERT_TRUE(be->health_changed);
	CU_ASSERT_EQUAL(be->op, SL_DIFF_CHANGED);
	CU_ASSERT_FALSE(be->weight_changed);
	CU_ASSERT_EQUAL(count_op(&d.vips[0], SL_DIFF_SAME), 2);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);
	/* The VIP's path changes: the VIP and every backend inheriting it. */
	load(HEAD "vips = (\n"
	     "  { name = \"web\"; address = \"198.18.100.1\"; port = 80;\n"
	     "    health = { type = \"http\"; path = \"/h2\"; };\n"
	     "    backends = ( { address = \"198.18.0.11\"; name = \"be1\"; },\n"
	     "                 { address = \"198.18.0.12\"; weight = 50; },\n"
	     "                 { address = \"198.18.0.13\"; health = { port = 8080; }; } ); },\n"
	     "  { name = \"dns\"; address = \"2001:db8:100::53\"; port = 53; protocol = \"udp\";\n"
	     "    backends = ( { address = \"2001:db8::1\"; } ); }\n"
	     ");\n", &b);
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_TRUE(d.vips[0].health_changed);
	CU_ASSERT_EQUAL(count_op(&d.vips[0], SL_DIFF_CHANGED), 3);
	CU_ASSERT_TRUE(d.vips[0].backends[0].health_changed);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);
	sl_config_free(&a);
}

static void test_hostile(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;

	load(base_text, &a);
	memset(&d, 0x5a, sizeof(d));
	CU_ASSERT_EQUAL(sl_cfg_diff(NULL, &a, &d), -EINVAL);
	CU_ASSERT_PTR_NULL(d.vips);
	CU_ASSERT_EQUAL(sl_cfg_diff(&a, NULL, &d), -EINVAL);
	CU_ASSERT_EQUAL(sl_cfg_diff(&a, &a, NULL), -EINVAL);
	/* Duplicate identities (an unvalidated config) are refused, on either side. */
	copy(&a, &b);
	free(b.vips[1].backends);
	b.vips[1] = b.vips[0];
	b.vips[1].backends = NULL;
	b.vips[1].n_backends = 0;
	CU_ASSERT_EQUAL(sl_cfg_diff(&a, &b, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.n_vips, 0);
	CU_ASSERT_PTR_NULL(d.vips);
	CU_ASSERT_EQUAL(sl_cfg_diff(&b, &a, &d), -EINVAL);
	sl_config_free(&b);
	copy(&a, &b);
	b.vips[0].backends[2].addr = b.vips[0].backends[0].addr;
	CU_ASSERT_EQUAL(sl_cfg_diff(&a, &b, &d), -EINVAL);
	CU_ASSERT_EQUAL(sl_cfg_diff(&b, &a, &d), -EINVAL);
	CU_ASSERT_PTR_NULL(d.vips);
	sl_config_free(&b);
	/* A count with no storage. */
	copy(&a, &b);
	free(b.vips[1].backends);
	free(b.vips[0].backends);
	free(b.vips);
	b.vips = NULL;
	CU_ASSERT_EQUAL(sl_cfg_diff(&a, &b, &d), -EINVAL);
	b.n_vips = 0;
	sl_config_free(&b);
	sl_config_free(&a);
}

/* 30000 backends reversed: all SAME, and fast (sorted matching, not quadratic). */
static void test_big_reorder(void)
{
	struct sl_config a, b;
	struct sl_cfg_diff d;
	uint32_t i, n = 30000;

	load(base_text, &a);
	free(a.vips[0].backends);
	a.vips[0].backends = calloc(n, sizeof(struct sl_cfg_backend));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a.vips[0].backends);
	a.vips[0].n_backends = n;
	a.vips[0].table_size = 655373;
	for (i = 0; i < n; i++) {
		a.vips[0].backends[i].addr.family = SL_AF_INET;
		a.vips[0].backends[i].addr.w[0] = htonl(0xc6120000u + i + 1);
		a.vips[0].backends[i].weight = 100;
		a.vips[0].backends[i].health = a.vips[0].health;
	}
	CU_ASSERT_EQUAL_FATAL(sl_config_validate(&a, err, sizeof(err)), 0);
	copy(&a, &b);
	for (i = 0; i < n; i++)
		b.vips[0].backends[i] = a.vips[0].backends[n - 1 - i];
	b.vips[0].backends[7].weight = 1;
	CU_ASSERT_EQUAL_FATAL(sl_cfg_diff(&a, &b, &d), 0);
	CU_ASSERT_EQUAL(d.vips[0].n_backends, n);
	CU_ASSERT_EQUAL(count_op(&d.vips[0], SL_DIFF_SAME), (int)n - 1);
	CU_ASSERT_EQUAL(d.vips[0].backends[7].old_idx, (int32_t)(n - 8));
	CU_ASSERT_TRUE(d.vips[0].backends[7].weight_changed);
	sl_cfg_diff_free(&d);
	sl_config_free(&b);
	sl_config_free(&a);
}

SL_CU_MAIN("config_diff",
	   { "identical configs: all SAME", test_identical },
	   { "weight change", test_weight_change },
	   { "backend added, removed, reordered", test_backend_added_removed_reordered },
	   { "VIP added, removed, renamed, method changed", test_vip_added_removed_renamed_method },
	   { "non-reloadable keys need a restart", test_restart_keys },
	   { "every key classified by its reloadable flag", test_every_key_classified },
	   { "health override change", test_health_override },
	   { "hostile: NULL, duplicates, no storage", test_hostile },
	   { "30000 backends reversed", test_big_reorder });
