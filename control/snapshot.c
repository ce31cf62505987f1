/* SPDX-License-Identifier: BSD-3-Clause */
/* From the model to the immutable dataplane snapshot: tables, pick sequences, MACs, the VIP index. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/maglev.h"
#include "model.h"

/* Longest pick sequence of the non-Maglev schedulers: weights are scaled down to fit. */
#define PICK_MAX 4096u

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Smooth weighted round-robin order (each step: every slot gains its weight,
 * the largest runs and pays the total back), so a backend of weight 3 among
 * weights 1 and 1 is spread out as A B A C A rather than A A A B C.
 */
static int build_pick(struct sl_table *t, const uint32_t *w, uint32_t n)
{
	uint64_t sum = 0;
	uint32_t g = 0, i, len;
	int64_t *cur;
	uint32_t *scaled = calloc(n ? n : 1, sizeof(*scaled));

	if (!scaled)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sum += w[i];
	for (i = 0; i < n; i++) {
		scaled[i] = w[i];
		if (sum > PICK_MAX && w[i])
			scaled[i] = (uint32_t)(((uint64_t)w[i] * PICK_MAX + sum - 1) / sum);
		g = scaled[i] ? gcd(g, scaled[i]) : g;
	}
	len = 0;
	for (i = 0; i < n; i++) {
		if (g)
			scaled[i] /= g;
		len += scaled[i];
	}
	t->n_pick = 0;
	t->pick = NULL;
	if (len == 0) {
		free(scaled);
		return 0;
	}
	t->pick = malloc(sizeof(*t->pick) * len);
	cur = calloc(n, sizeof(*cur));
	if (!t->pick || !cur) {
		free(cur);
		free(scaled);
		return -ENOMEM;
	}
	for (t->n_pick = 0; t->n_pick < len; t->n_pick++) {
		uint32_t best = 0;

		for (i = 0; i < n; i++) {
			cur[i] += scaled[i];
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= len;
		t->pick[t->n_pick] = best;
	}
	free(cur);
	free(scaled);
	return 0;
}

/* Least response time: weights scaled by how much faster than the slowest known backend each answers. */
static void lrt_weights(const struct sl_model_vip *v, uint32_t *w)
{
	uint32_t k, min_rtt = 0;

	for (k = 0; k < v->n_slots; k++)
		if (w[k] && v->slots[k].rtt_us && (!min_rtt || v->slots[k].rtt_us < min_rtt))
			min_rtt = v->slots[k].rtt_us;
	if (!min_rtt)
		return;
	for (k = 0; k < v->n_slots; k++) {
		uint32_t rtt = v->slots[k].rtt_us ? v->slots[k].rtt_us : min_rtt;
		uint64_t x;

		if (!w[k])
			continue;
		x = (uint64_t)w[k] * 16 * min_rtt / rtt;
		w[k] = x ? (uint32_t)(x > SL_MAGLEV_MAX_WEIGHT ? SL_MAGLEV_MAX_WEIGHT : x) : 1;
	}
}

static struct sl_table *build_table(struct sl_model_vip *v, bool ignore_health, char *err, size_t errlen)
{
	uint32_t k, n = v->n_slots;
	struct sl_table *t = calloc(1, sizeof(*t) + sizeof(uint32_t) * v->cfg.table_size);
	struct sl_maglev_backend *mb = calloc(n ? n : 1, sizeof(*mb));
	uint32_t *w = calloc(n ? n : 1, sizeof(*w));
	int rc;

	if (!t || !mb || !w) {
		snprintf(err, errlen, "out of memory building VIP %s", v->cfg.name);
		goto fail;
	}
	t->refs = 1;
	t->size = v->cfg.table_size;
	for (k = 0; k < n; k++) {
		const struct sl_model_backend *b = &v->slots[k];

		memcpy(mb[k].id, b->cfg.addr.w, sizeof(mb[k].id));
		w[k] = ignore_health ? (b->in_use && !b->drained ? b->cfg.weight : 0) : sl_model_backend_weight(b);
	}
	if (v->cfg.scheduler == SL_SCHED_LRT)
		lrt_weights(v, w);
	for (k = 0; k < n; k++)
		mb[k].weight = w[k];
	rc = sl_maglev_build(mb, n, v->cfg.table_size, t->slots);
	if (!rc && v->cfg.scheduler != SL_SCHED_MAGLEV)
		rc = build_pick(t, w, n);
	if (rc) {
		snprintf(err, errlen, "VIP %s: table build failed: %s", v->cfg.name, strerror(-rc));
		goto fail;
	}
	free(mb);
	free(w);
	return t;
fail:
	if (t)
		free(t->pick);
	free(t);
	free(mb);
	free(w);
	return NULL;
}

void sl_snapshot_free(struct sl_dp_state *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_vips; i++) {
		sl_table_unref(s->vips[i].table_ref);
		free(s->vips[i].backends);
	}
	free(s->vips);
	free(s->vip_slots);
	free(s->vip_slot_keys);
	free(s);
}

int sl_dp_vip_index_add(struct sl_dp_state *s, const struct sl_vip_key *k, uint32_t vip_index)
{
	uint32_t i = sl_vip_key_hash(k) & s->vip_slots_mask, probes = 0;

	while (s->vip_slots[i]) {
		if (sl_vip_key_eq(&s->vip_slot_keys[i], k))
			return -EEXIST;
		if (++probes > s->vip_slots_mask)
			return -ENOSPC;
		i = (i + 1) & s->vip_slots_mask;
	}
	s->vip_slots[i] = vip_index + 1;
	s->vip_slot_keys[i] = *k;
	return 0;
}

static void resolve_mac(const struct sl_config *cfg, const struct sl_cfg_vip *vip,
			const struct sl_cfg_backend *cb, struct sl_dp_backend *db, sl_mac_lookup_fn lookup,
			void *ctx)
{
	struct sl_ip nh;

	db->mac_ok = 0;
	if (cb->has_mac) {
		memcpy(db->mac, cb->mac, 6);
		db->mac_ok = 1;
		return;
	}
	if (vip->method != SL_FWD_L2DSR && cfg->has_gw_mac) {
		memcpy(db->mac, cfg->gw_mac, 6);
		db->mac_ok = 1;
		return;
	}
	sl_model_nexthop(cfg, vip, cb, &nh);
	if (lookup && lookup(ctx, &nh, db->mac) == 0)
		db->mac_ok = 1;
}

/*
 * Every backend of @v is down. "keep": forward as if they were all up, on
 * the table they last had (sending to a backend that may be dead beats a
 * certain drop, and a flapping health check then moves nothing). "drop":
 * the table empties and packets count as no_backend drops.
 */
static int vip_table(struct sl_model_vip *v, bool *ignore_health, char *err, size_t errlen)
{
	uint32_t k, up = 0, in_use = 0;
	bool was_down = v->all_down;

	for (k = 0; k < v->n_slots; k++) {
		in_use += v->slots[k].in_use;
		up += sl_model_backend_up(&v->slots[k]);
	}
	v->all_down = in_use > 0 && up == 0;
	if (v->all_down && !was_down)
		v->all_down_events++;
	*ignore_health = v->all_down && v->cfg.all_down == SL_ALL_DOWN_KEEP;
	if (v->all_down != was_down)
		sl_model_vip_dirty(v);
	if (*ignore_health && was_down && v->table)
		return 0; /* already on the kept table */
	if (!v->table) {
		v->table = build_table(v, *ignore_health, err, errlen);
		if (!v->table)
			return -ENOMEM;
	}
	return 0;
}

struct sl_dp_state *sl_model_snapshot(struct sl_model *m, uint64_t generation, sl_mac_lookup_fn lookup,
				      void *ctx, char *err, size_t errlen)
{
	const struct sl_config *cfg = &m->cfg;
	struct sl_dp_state *s = calloc(1, sizeof(*s));
	uint32_t i, k, slots = 16;

	if (!s)
		goto nomem;
	s->generation = generation;
	/* Each VIP takes its own key plus at most one address marker: keep the index under half full. */
	while (slots < 4 * (m->n_vips + 1))
		slots <<= 1;
	s->vip_slots_mask = slots - 1;
	s->vip_slots = calloc(slots, sizeof(*s->vip_slots));
	s->vip_slot_keys = calloc(slots, sizeof(*s->vip_slot_keys));
	s->vips = calloc(m->n_vips ? m->n_vips : 1, sizeof(*s->vips));
	if (!s->vip_slots || !s->vip_slot_keys || !s->vips)
		goto nomem;
	memcpy(s->src_v4, cfg->src_v4.w, sizeof(s->src_v4));
	memcpy(s->src_v6, cfg->src_v6.w, sizeof(s->src_v6));
	s->outer_ttl = cfg->outer_ttl;
	s->tcp_timeout_ms = cfg->tcp_timeout * 1000u;
	s->udp_timeout_ms = cfg->udp_timeout * 1000u;

	for (i = 0; i < m->n_vips; i++) {
		struct sl_model_vip *mv = &m->vips[i];
		struct sl_dp_vip *dv = &s->vips[i];
		struct sl_vip_key marker;
		bool ignore_health;
		int rc;

		if (vip_table(mv, &ignore_health, err, errlen))
			goto fail;
		s->n_vips = i + 1;
		mv->table->refs++;
		dv->table_ref = mv->table;
		dv->table = mv->table->slots;
		dv->pick = mv->table->pick;
		dv->n_pick = mv->table->n_pick;
		dv->table_size = mv->table->size;
		memcpy(dv->key.addr, mv->cfg.addr.w, sizeof(dv->key.addr));
		dv->key.port = htons(mv->cfg.port);
		dv->key.proto = mv->cfg.proto;
		dv->key.family = mv->cfg.addr.family;
		dv->method = mv->cfg.method;
		dv->hash_fields = mv->cfg.hash_fields;
		dv->gue_port = mv->cfg.gue_port;
		dv->sched = (uint8_t)mv->cfg.scheduler;
		dv->drop_all_down = mv->all_down && mv->cfg.all_down == SL_ALL_DOWN_DROP;
		dv->index = i;
		dv->id = mv->id;
		dv->n_backends = mv->n_slots;
		dv->backends = calloc(mv->n_slots ? mv->n_slots : 1, sizeof(*dv->backends));
		if (!dv->backends)
			goto nomem;
		for (k = 0; k < mv->n_slots; k++) {
			const struct sl_model_backend *mb = &mv->slots[k];
			struct sl_dp_backend *db = &dv->backends[k];

			memcpy(db->addr, mb->cfg.addr.w, sizeof(db->addr));
			db->family = mb->cfg.addr.family;
			db->up = ignore_health ? mb->in_use : sl_model_backend_up(mb);
			db->gen = mb->gen;
			db->weight = sl_model_backend_weight(mb);
			db->id = mb->id;
			if (mb->in_use)
				resolve_mac(cfg, &mv->cfg, &mb->cfg, db, lookup, ctx);
			/* perf: the worker's per-backend header template (common/encap_fast.h), after the MAC. */
			sl_dp_backend_tmpl_fill(s, dv, db);
		}
		rc = sl_dp_vip_index_add(s, &dv->key, i);
		if (rc) {
			snprintf(err, errlen, "VIP %s: %s", mv->cfg.name,
				 rc == -EEXIST ? "duplicate address/port/protocol" : "index full");
			goto fail;
		}
		marker = dv->key;
		marker.port = 0;
		marker.proto = 0;
		rc = sl_dp_vip_index_add(s, &marker, i);
		if (rc && rc != -EEXIST) {
			snprintf(err, errlen, "VIP %s: index full", mv->cfg.name);
			goto fail;
		}
	}
	return s;
nomem:
	snprintf(err, errlen, "out of memory building the dataplane snapshot");
fail:
	sl_snapshot_free(s);
	return NULL;
}
