/* SPDX-License-Identifier: BSD-3-Clause */
#include "state_build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/maglev.h"

uint32_t sl_state_backend_count(const struct sl_config *cfg)
{
	uint32_t i, n = 0;

	for (i = 0; i < cfg->n_vips; i++)
		n += cfg->vips[i].n_backends;
	return n;
}

void sl_state_nexthop(const struct sl_config *cfg, const struct sl_cfg_vip *vip,
		      const struct sl_cfg_backend *b, struct sl_ip *nh)
{
	const struct sl_ip *gw = b->addr.family == SL_AF_INET ? &cfg->gw_v4 : &cfg->gw_v6;

	*nh = (vip->method != SL_FWD_L2DSR && gw->family) ? *gw : b->addr;
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
	sl_state_nexthop(cfg, vip, cb, &nh);
	if (lookup && lookup(ctx, &nh, db->mac) == 0)
		db->mac_ok = 1;
}

void sl_state_free(struct sl_dp_state *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_vips; i++) {
		free((void *)s->vips[i].table);
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

static int build_vip(const struct sl_config *cfg, const struct sl_cfg_vip *cv, struct sl_dp_vip *dv,
		     uint32_t *ctr_next, const uint8_t *up, sl_mac_lookup_fn lookup, void *ctx,
		     char *err, size_t errlen)
{
	struct sl_maglev_backend *mb = NULL;
	uint32_t *table;
	uint32_t j;
	int rc;

	memcpy(dv->key.addr, cv->addr.w, sizeof(dv->key.addr));
	dv->key.port = htons(cv->port);
	dv->key.proto = cv->proto;
	dv->key.family = cv->addr.family;
	dv->method = cv->method;
	dv->hash_fields = cv->hash_fields;
	dv->gue_port = cv->gue_port;
	dv->table_size = cv->table_size;
	dv->n_backends = cv->n_backends;
	dv->backends = calloc(cv->n_backends ? cv->n_backends : 1, sizeof(*dv->backends));
	table = malloc(sizeof(*table) * cv->table_size);
	if (cv->n_backends)
		mb = calloc(cv->n_backends, sizeof(*mb));
	dv->table = table;
	if (!dv->backends || !table || (cv->n_backends && !mb)) {
		free(mb);
		snprintf(err, errlen, "out of memory building VIP %s", cv->name);
		return -ENOMEM;
	}
	for (j = 0; j < cv->n_backends; j++) {
		const struct sl_cfg_backend *cb = &cv->backends[j];
		struct sl_dp_backend *db = &dv->backends[j];
		uint32_t ctr = (*ctr_next)++;

		memcpy(db->addr, cb->addr.w, sizeof(db->addr));
		db->family = cb->addr.family;
		db->weight = cb->weight;
		db->up = up ? up[ctr] : 1;
		db->id = ctr;
		resolve_mac(cfg, cv, cb, db, lookup, ctx);
		memcpy(mb[j].id, cb->addr.w, sizeof(mb[j].id));
		/* A backend that is down keeps its row but owns no slot. */
		mb[j].weight = db->up ? cb->weight : 0;
	}
	rc = sl_maglev_build(mb, cv->n_backends, cv->table_size, table);
	free(mb);
	if (rc) {
		snprintf(err, errlen, "VIP %s: Maglev table build failed: %s", cv->name, strerror(-rc));
		return rc;
	}
	return 0;
}

struct sl_dp_state *sl_state_build(const struct sl_config *cfg, uint64_t generation, const uint8_t *up,
				   sl_mac_lookup_fn lookup, void *ctx, char *err, size_t errlen)
{
	struct sl_dp_state *s = calloc(1, sizeof(*s));
	uint32_t i, slots = 16, ctr_next = 0;

	if (!s)
		goto nomem;
	s->generation = generation;
	/* Each VIP takes its own key plus at most one address marker: keep the index under half full. */
	while (slots < 4 * (cfg->n_vips + 1))
		slots <<= 1;
	s->vip_slots_mask = slots - 1;
	s->vip_slots = calloc(slots, sizeof(*s->vip_slots));
	s->vip_slot_keys = calloc(slots, sizeof(*s->vip_slot_keys));
	s->vips = calloc(cfg->n_vips ? cfg->n_vips : 1, sizeof(*s->vips));
	if (!s->vip_slots || !s->vip_slot_keys || !s->vips)
		goto nomem;
	memcpy(s->src_v4, cfg->src_v4.w, sizeof(s->src_v4));
	memcpy(s->src_v6, cfg->src_v6.w, sizeof(s->src_v6));
	s->outer_ttl = cfg->outer_ttl;
	s->tcp_timeout_ms = cfg->tcp_timeout * 1000u;
	s->udp_timeout_ms = cfg->udp_timeout * 1000u;

	for (i = 0; i < cfg->n_vips; i++) {
		struct sl_dp_vip *dv = &s->vips[i];
		struct sl_vip_key marker;
		int rc;

		s->n_vips = i + 1;
		dv->index = i;
		dv->id = i;
		if (build_vip(cfg, &cfg->vips[i], dv, &ctr_next, up, lookup, ctx, err, errlen))
			goto fail;
		rc = sl_dp_vip_index_add(s, &dv->key, i);
		if (rc) {
			snprintf(err, errlen, "VIP %s: %s", cfg->vips[i].name,
				 rc == -EEXIST ? "duplicate address/port/protocol" : "index full");
			goto fail;
		}
		marker = dv->key;
		marker.port = 0;
		marker.proto = 0;
		rc = sl_dp_vip_index_add(s, &marker, i);
		if (rc && rc != -EEXIST) {
			snprintf(err, errlen, "VIP %s: index full", cfg->vips[i].name);
			goto fail;
		}
	}
	return s;
nomem:
	snprintf(err, errlen, "out of memory building the dataplane state");
fail:
	sl_state_free(s);
	return NULL;
}
