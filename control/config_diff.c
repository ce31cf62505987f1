/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload diff: match VIPs by identity and backends by address through sorted
 * index arrays (O(n log n): configs may hold 65535 VIPs of 65535 backends),
 * then compare fields through the key table.
 */
#include "config_diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/config_keys.h"

/* Identity of a VIP (port/proto 0 for a backend) and where it sits. */
struct ident {
	uint8_t family, proto;
	uint16_t port;
	uint32_t w[4];
	int32_t idx;
};

static int ident_cmp(const void *pa, const void *pb)
{
	const struct ident *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->w, b->w, sizeof(a->w));
	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return 0;
}

static void ident_set(struct ident *id, const struct sl_ip *ip, uint16_t port, uint8_t proto, uint32_t idx)
{
	memset(id, 0, sizeof(*id));
	id->family = ip->family;
	if (ip->family)
		memcpy(id->w, ip->w, sizeof(id->w));
	id->port = port;
	id->proto = proto;
	id->idx = (int32_t)idx;
}

/* Sort @ids (n of them); -EINVAL if two share an identity (the match would be ambiguous). */
static int ident_sort(struct ident *ids, uint32_t n)
{
	uint32_t i;

	qsort(ids, n, sizeof(*ids), ident_cmp);
	for (i = 1; i < n; i++)
		if (ident_cmp(&ids[i - 1], &ids[i]) == 0)
			return -EINVAL;
	return 0;
}

/* Do the keys under group @gpath ("vips.[].health") differ between @a and @b (only reloadable ones if @reloadable)? */
static bool group_differs(const char *gpath, const void *a, const void *b, bool reloadable)
{
	const struct sl_cfg_key *keys;
	size_t n, i;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i].parent, gpath) == 0 && (!reloadable || keys[i].reloadable) &&
		    !sl_cfg_key_equal(&keys[i], a, b))
			return true;
	return false;
}

/* Does any non-list key of list-element scope @scope differ? */
static bool scalars_differ(const char *scope, const void *a, const void *b)
{
	const struct sl_cfg_key *keys;
	size_t n, i;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++)
		if (keys[i].type != SL_CFG_LIST && sl_cfg_key_in_scope(&keys[i], scope) &&
		    !sl_cfg_key_equal(&keys[i], a, b))
			return true;
	return false;
}

/*
 * First non-reloadable key of scope @scope that differs, its concrete path
 * (under @prefix) into @reason. Reloadable lists are skipped: their elements
 * are matched by identity and checked by the caller.
 */
static bool restart_key(const char *scope, const uint8_t *a, const uint8_t *b, const char *prefix,
			char *reason, size_t len)
{
	char path[192], es[192], ep[208];
	const struct sl_cfg_key *keys, *k;
	const uint8_t *ea, *eb;
	uint32_t ca, cb, j;
	const char *rel;
	size_t n, i;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (!sl_cfg_key_in_scope(k, scope) || (k->reloadable && k->type == SL_CFG_LIST))
			continue;
		rel = k->parent + strlen(scope);
		snprintf(path, sizeof(path), "%s%s%s%s", prefix, rel, prefix[0] || rel[0] ? "." : "", k->name);
		if (k->type != SL_CFG_LIST) {
			if (!k->reloadable && !sl_cfg_key_equal(k, a, b)) {
				snprintf(reason, len, "%s", path);
				return true;
			}
			continue;
		}
		ea = sl_cfg_list_elems(k, a, &ca);
		eb = sl_cfg_list_elems(k, b, &cb);
		if (ca != cb || (ca && (!ea || !eb))) {
			snprintf(reason, len, "%s", path);
			return true;
		}
		sl_cfg_elem_scope(k, es, sizeof(es));
		for (j = 0; j < ca; j++) {
			snprintf(ep, sizeof(ep), "%s.[%u]", path, j);
			if (restart_key(es, ea + (size_t)j * k->size, eb + (size_t)j * k->size, ep, reason, len))
				return true;
		}
	}
	return false;
}

static void note_restart(struct sl_cfg_diff *out, const char *scope, const void *a, const void *b,
			 const char *prefix)
{
	if (!out->restart_needed)
		out->restart_needed = restart_key(scope, a, b, prefix, out->restart_reason,
						  sizeof(out->restart_reason));
}

/* Backends of @ov (may be NULL: VIP added) against @nv (may be NULL: VIP removed) into @dv. */
static int diff_backends(const struct sl_cfg_vip *ov, const struct sl_cfg_vip *nv, uint32_t vi,
			 struct sl_cfg_diff_vip *dv, struct sl_cfg_diff *out)
{
	uint32_t no = ov ? ov->n_backends : 0, nn = nv ? nv->n_backends : 0, i, cnt = 0;
	struct ident *ids = NULL, key, *hit;
	struct sl_cfg_diff_backend *db;
	bool *matched = NULL;
	char prefix[64];
	int rc = -ENOMEM;

	if (no + nn == 0)
		return 0;
	dv->backends = calloc((size_t)no + nn, sizeof(*dv->backends));
	ids = calloc(no > nn ? no : nn, sizeof(*ids));
	matched = calloc(no ? no : 1, sizeof(*matched));
	if (!dv->backends || !ids || !matched)
		goto out;
	/* Sorting the new side too finds two new backends with one address, matched in old or not. */
	for (i = 0; i < nn; i++)
		ident_set(&ids[i], &nv->backends[i].addr, 0, 0, i);
	rc = ident_sort(ids, nn);
	if (rc)
		goto out;
	for (i = 0; i < no; i++)
		ident_set(&ids[i], &ov->backends[i].addr, 0, 0, i);
	rc = ident_sort(ids, no);
	if (rc)
		goto out;
	for (i = 0; i < nn; i++) {
		const struct sl_cfg_backend *nb = &nv->backends[i], *ob;

		db = &dv->backends[cnt++];
		db->new_idx = (int32_t)i;
		ident_set(&key, &nb->addr, 0, 0, 0);
		hit = no ? bsearch(&key, ids, no, sizeof(*ids), ident_cmp) : NULL;
		if (!hit) {
			db->op = SL_DIFF_ADDED;
			db->old_idx = -1;
			continue;
		}
		if (matched[hit->idx]) {
			rc = -EINVAL; /* two new backends with one address */
			goto out;
		}
		matched[hit->idx] = true;
		ob = &ov->backends[hit->idx];
		db->old_idx = hit->idx;
		db->weight_changed = ob->weight != nb->weight;
		db->name_changed = strcmp(ob->name, nb->name) != 0;
		db->mac_changed = ob->has_mac != nb->has_mac || (nb->has_mac && memcmp(ob->mac, nb->mac, 6) != 0);
		db->health_changed = group_differs("vips.[].backends.[].health", ob, nb, false);
		db->op = scalars_differ("vips.[].backends.[]", ob, nb) ? SL_DIFF_CHANGED : SL_DIFF_SAME;
		snprintf(prefix, sizeof(prefix), "vips.[%u].backends.[%u]", vi, i);
		note_restart(out, "vips.[].backends.[]", ob, nb, prefix);
	}
	for (i = 0; i < no; i++)
		if (!matched[i]) {
			db = &dv->backends[cnt++];
			db->op = SL_DIFF_REMOVED;
			db->old_idx = (int32_t)i;
			db->new_idx = -1;
		}
	dv->n_backends = cnt;
	rc = 0;
out:
	free(ids);
	free(matched);
	return rc;
}

static bool table_differs(const struct sl_cfg_vip *a, const struct sl_cfg_vip *b)
{
	return a->method != b->method || a->table_size != b->table_size || a->hash_fields != b->hash_fields ||
	       a->gue_port != b->gue_port || a->scheduler != b->scheduler || a->all_down != b->all_down;
}

static int diff_vips(const struct sl_config *old, const struct sl_config *new, struct sl_cfg_diff *out)
{
	uint32_t no = old->n_vips, nn = new->n_vips, i, j;
	struct ident *ids, key, *hit;
	struct sl_cfg_diff_vip *dv;
	bool *matched;
	char prefix[32];
	int rc = -ENOMEM;

	out->vips = calloc((size_t)no + nn ? (size_t)no + nn : 1, sizeof(*out->vips));
	ids = calloc(no > nn ? no : nn ? nn : 1, sizeof(*ids));
	matched = calloc(no ? no : 1, sizeof(*matched));
	if (!out->vips || !ids || !matched)
		goto out;
	for (i = 0; i < nn; i++)
		ident_set(&ids[i], &new->vips[i].addr, new->vips[i].port, new->vips[i].proto, i);
	rc = ident_sort(ids, nn);
	if (rc)
		goto out;
	for (i = 0; i < no; i++)
		ident_set(&ids[i], &old->vips[i].addr, old->vips[i].port, old->vips[i].proto, i);
	rc = ident_sort(ids, no);
	for (i = 0; rc == 0 && i < nn; i++) {
		const struct sl_cfg_vip *nv = &new->vips[i], *ov = NULL;

		dv = &out->vips[out->n_vips++];
		dv->new_idx = (int32_t)i;
		dv->old_idx = -1;
		ident_set(&key, &nv->addr, nv->port, nv->proto, 0);
		hit = no ? bsearch(&key, ids, no, sizeof(*ids), ident_cmp) : NULL;
		if (hit && matched[hit->idx]) {
			rc = -EINVAL; /* two new VIPs with one identity */
			break;
		}
		if (hit) {
			matched[hit->idx] = true;
			ov = &old->vips[hit->idx];
			dv->old_idx = hit->idx;
			dv->table_changed = table_differs(ov, nv);
			dv->health_changed = group_differs("vips.[].health", ov, nv, false);
			snprintf(prefix, sizeof(prefix), "vips.[%u]", i);
			note_restart(out, "vips.[]", ov, nv, prefix);
		}
		rc = diff_backends(ov, nv, i, dv, out);
		if (rc)
			break;
		if (!ov) {
			dv->op = SL_DIFF_ADDED;
			continue;
		}
		dv->op = scalars_differ("vips.[]", ov, nv) ? SL_DIFF_CHANGED : SL_DIFF_SAME;
		for (j = 0; j < dv->n_backends && dv->op == SL_DIFF_SAME; j++)
			if (dv->backends[j].op != SL_DIFF_SAME)
				dv->op = SL_DIFF_CHANGED;
	}
	for (i = 0; rc == 0 && i < no; i++) {
		if (matched[i])
			continue;
		dv = &out->vips[out->n_vips++];
		dv->op = SL_DIFF_REMOVED;
		dv->old_idx = (int32_t)i;
		dv->new_idx = -1;
		rc = diff_backends(&old->vips[i], NULL, i, dv, out);
	}
out:
	free(ids);
	free(matched);
	return rc;
}

int sl_cfg_diff(const struct sl_config *old, const struct sl_config *new, struct sl_cfg_diff *out)
{
	const struct sl_cfg_key *metrics = sl_cfg_key_find("control.metrics");
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!old || !new || (old->n_vips && !old->vips) || (new->n_vips && !new->vips))
		return -EINVAL;
	note_restart(out, "", old, new, "");
	out->flows_changed = group_differs("flows", old, new, true);
	out->metrics_changed = metrics && !sl_cfg_key_equal(metrics, old, new);
	rc = diff_vips(old, new, out);
	if (rc)
		sl_cfg_diff_free(out);
	return rc;
}

void sl_cfg_diff_free(struct sl_cfg_diff *d)
{
	uint32_t i;

	if (!d)
		return;
	for (i = 0; d->vips && i < d->n_vips; i++)
		free(d->vips[i].backends);
	free(d->vips);
	memset(d, 0, sizeof(*d));
}
