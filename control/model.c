/* SPDX-License-Identifier: BSD-3-Clause */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ID_FREE = 0, ID_USED = 1, ID_RELEASED = 2 };

static int id_alloc(uint8_t *used, uint32_t n, uint32_t *id)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (used[i] == ID_FREE) {
			used[i] = ID_USED;
			*id = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static bool ip_eq(const struct sl_ip *a, const struct sl_ip *b)
{
	return a->family == b->family && memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

static bool vip_same_identity(const struct sl_cfg_vip *a, const struct sl_cfg_vip *b)
{
	return ip_eq(&a->addr, &b->addr) && a->port == b->port && a->proto == b->proto;
}

void sl_table_unref(struct sl_table *t)
{
	if (t && --t->refs == 0) {
		free(t->pick);
		free(t);
	}
}

void sl_model_vip_dirty(struct sl_model_vip *v)
{
	sl_table_unref(v->table);
	v->table = NULL;
}

static void vip_free(struct sl_model_vip *v)
{
	sl_model_vip_dirty(v);
	free(v->slots);
	v->slots = NULL;
}

void sl_model_free(struct sl_model *m)
{
	uint32_t i;

	for (i = 0; i < m->n_vips; i++)
		vip_free(&m->vips[i]);
	free(m->vips);
	free(m->vip_id_used);
	free(m->backend_id_used);
	sl_config_free(&m->cfg);
	memset(m, 0, sizeof(*m));
}

/* Scratch used while applying a config: the new VIP array, built aside so a failure changes nothing. */
struct apply_ctx {
	struct sl_model_vip *vips;
	uint32_t n;
	uint32_t *new_vip_ids, n_new_vip_ids;
	uint32_t *new_backend_ids, n_new_backend_ids;
};

static int take_backend_id(struct sl_model *m, struct apply_ctx *a, uint32_t *id)
{
	if (id_alloc(m->backend_id_used, SL_MAX_BACKEND_IDS, id))
		return -ENOSPC;
	a->new_backend_ids[a->n_new_backend_ids++] = *id;
	return 0;
}

/* Lay out the slots of new VIP @nv from old VIP @ov (NULL for a new VIP). */
static int build_slots(struct sl_model *m, struct apply_ctx *a, struct sl_model_vip *nv,
		       const struct sl_model_vip *ov, const struct sl_cfg_vip *cv)
{
	uint32_t j, k, cap = cv->n_backends + (ov ? ov->n_slots : 0);
	bool *placed = calloc(cv->n_backends ? cv->n_backends : 1, sizeof(bool));

	nv->slots = calloc(cap ? cap : 1, sizeof(*nv->slots));
	if (!placed || !nv->slots) {
		free(placed);
		return -ENOMEM;
	}
	nv->cap_slots = cap ? cap : 1;
	/* Old slots keep their position: same address = same backend, same slot. */
	for (k = 0; ov && k < ov->n_slots; k++) {
		struct sl_model_backend *s = &nv->slots[k];

		*s = ov->slots[k];
		s->in_use = false;
		for (j = 0; j < cv->n_backends; j++) {
			if (!placed[j] && ip_eq(&cv->backends[j].addr, &ov->slots[k].cfg.addr)) {
				s->cfg = cv->backends[j];
				s->in_use = true;
				if (!ov->slots[k].in_use) {
					/* A returning address is a new backend as far as old flows go. */
					s->gen++;
					s->drained = false;
					s->health_on = true;
					s->healthy = true;
					s->rtt_us = 0;
				}
				placed[j] = true;
				break;
			}
		}
	}
	nv->n_slots = ov ? ov->n_slots : 0;
	/* New addresses take a tombstone if there is one, else a new slot. */
	for (j = 0; j < cv->n_backends; j++) {
		struct sl_model_backend *s = NULL;
		uint32_t id;

		if (placed[j])
			continue;
		for (k = 0; k < nv->n_slots; k++) {
			if (!nv->slots[k].in_use && !ip_eq(&nv->slots[k].cfg.addr, &cv->backends[j].addr)) {
				bool addr_taken = false;
				uint32_t q;

				/* Never reuse a tombstone whose address another new backend will claim. */
				for (q = 0; q < cv->n_backends && !addr_taken; q++)
					addr_taken = !placed[q] && q != j &&
						     ip_eq(&nv->slots[k].cfg.addr, &cv->backends[q].addr);
				if (!addr_taken) {
					s = &nv->slots[k];
					break;
				}
			}
		}
		if (!s)
			s = &nv->slots[nv->n_slots++];
		if (take_backend_id(m, a, &id)) {
			free(placed);
			return -ENOSPC;
		}
		s->gen++;
		s->cfg = cv->backends[j];
		s->id = id;
		s->in_use = true;
		s->drained = false;
		s->health_on = true;
		s->healthy = true;
		s->rtt_us = 0;
		placed[j] = true;
	}
	free(placed);
	return 0;
}

static bool table_inputs_changed(const struct sl_model_vip *ov, const struct sl_model_vip *nv)
{
	uint32_t k;

	if (ov->cfg.method != nv->cfg.method || ov->cfg.table_size != nv->cfg.table_size ||
	    ov->cfg.hash_fields != nv->cfg.hash_fields || ov->cfg.scheduler != nv->cfg.scheduler ||
	    ov->cfg.all_down != nv->cfg.all_down || ov->n_slots != nv->n_slots)
		return true;
	for (k = 0; k < nv->n_slots; k++)
		if (sl_model_backend_weight(&ov->slots[k]) != sl_model_backend_weight(&nv->slots[k]) ||
		    ov->slots[k].gen != nv->slots[k].gen)
			return true;
	return false;
}

static void apply_rollback(struct sl_model *m, struct apply_ctx *a)
{
	uint32_t i;

	for (i = 0; i < a->n; i++) {
		free(a->vips[i].slots);
		sl_table_unref(a->vips[i].table);
	}
	for (i = 0; i < a->n_new_vip_ids; i++)
		m->vip_id_used[a->new_vip_ids[i]] = ID_FREE;
	for (i = 0; i < a->n_new_backend_ids; i++)
		m->backend_id_used[a->new_backend_ids[i]] = ID_FREE;
	free(a->vips);
	free(a->new_vip_ids);
	free(a->new_backend_ids);
}

int sl_model_apply(struct sl_model *m, struct sl_config *next, char *err, size_t errlen)
{
	struct apply_ctx a;
	uint32_t i, k, total = 0;
	bool *kept = calloc(m->n_vips ? m->n_vips : 1, sizeof(bool));
	int rc = -ENOMEM;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < next->n_vips; i++)
		total += next->vips[i].n_backends;
	a.vips = calloc(next->n_vips ? next->n_vips : 1, sizeof(*a.vips));
	a.new_vip_ids = calloc(next->n_vips + 1, sizeof(uint32_t));
	a.new_backend_ids = calloc(total + 1, sizeof(uint32_t));
	if (!kept || !a.vips || !a.new_vip_ids || !a.new_backend_ids)
		goto fail;

	for (i = 0; i < next->n_vips; i++) {
		const struct sl_cfg_vip *cv = &next->vips[i];
		struct sl_model_vip *nv = &a.vips[a.n++], *ov = NULL;

		for (k = 0; k < m->n_vips && !ov; k++)
			if (!kept[k] && vip_same_identity(&m->vips[k].cfg, cv))
				ov = &m->vips[k], kept[k] = true;
		nv->cfg = *cv;
		nv->cfg.backends = NULL;
		nv->cfg.n_backends = 0;
		if (ov) {
			nv->id = ov->id;
			nv->all_down = ov->all_down;
			nv->all_down_events = ov->all_down_events;
		} else if (id_alloc(m->vip_id_used, SL_MAX_VIP_IDS, &nv->id)) {
			rc = -ENOSPC;
			snprintf(err, errlen, "too many VIPs (at most %u)", SL_MAX_VIP_IDS);
			goto fail;
		} else {
			a.new_vip_ids[a.n_new_vip_ids++] = nv->id;
		}
		rc = build_slots(m, &a, nv, ov, cv);
		if (rc) {
			snprintf(err, errlen, rc == -ENOSPC ? "too many backends (at most %u)" : "out of memory",
				 SL_MAX_BACKEND_IDS);
			goto fail;
		}
		/* An untouched VIP keeps its table: reload does not even rebuild it. */
		if (ov && ov->table && !table_inputs_changed(ov, nv)) {
			nv->table = ov->table;
			nv->table->refs++;
		}
	}

	/* Commit: release what the new config no longer has, swap in the new arrays. */
	for (k = 0; k < m->n_vips; k++) {
		struct sl_model_vip *ov = &m->vips[k];
		uint32_t j;

		if (!kept[k])
			m->vip_id_used[ov->id] = ID_RELEASED;
		for (j = 0; j < ov->n_slots; j++) {
			bool still = false;

			if (!ov->slots[j].in_use)
				continue;
			for (i = 0; kept[k] && i < a.n && !still; i++) {
				uint32_t q;

				if (a.vips[i].id != ov->id)
					continue;
				for (q = 0; q < a.vips[i].n_slots; q++)
					if (a.vips[i].slots[q].in_use && a.vips[i].slots[q].id == ov->slots[j].id)
						still = true;
			}
			if (!still)
				m->backend_id_used[ov->slots[j].id] = ID_RELEASED;
		}
		vip_free(ov);
	}
	free(m->vips);
	m->vips = a.vips;
	m->n_vips = m->cap_vips = a.n;
	sl_config_free(&m->cfg);
	m->cfg = *next;
	memset(next, 0, sizeof(*next));
	free(a.new_vip_ids);
	free(a.new_backend_ids);
	free(kept);
	return 0;
fail:
	if (rc == -ENOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "out of memory");
	apply_rollback(m, &a);
	free(kept);
	return rc;
}

int sl_model_init(struct sl_model *m, struct sl_config *cfg, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->vip_id_used = calloc(SL_MAX_VIP_IDS, 1);
	m->backend_id_used = calloc(SL_MAX_BACKEND_IDS, 1);
	if (!m->vip_id_used || !m->backend_id_used) {
		sl_model_free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = sl_model_apply(m, cfg, err, errlen);
	if (rc)
		sl_model_free(m);
	return rc;
}

struct sl_model_vip *sl_model_vip_find(struct sl_model *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->n_vips; i++)
		if (strcmp(m->vips[i].cfg.name, name) == 0)
			return &m->vips[i];
	return NULL;
}

struct sl_model_backend *sl_model_backend_find(struct sl_model_vip *v, const char *name_or_addr)
{
	struct sl_ip ip;
	bool is_ip = sl_ip_parse(name_or_addr, &ip) == 0;
	uint32_t k;

	for (k = 0; k < v->n_slots; k++) {
		struct sl_model_backend *b = &v->slots[k];

		if (!b->in_use)
			continue;
		if (strcmp(b->cfg.name, name_or_addr) == 0 || (is_ip && ip_eq(&b->cfg.addr, &ip)))
			return b;
	}
	return NULL;
}

struct sl_model_backend *sl_model_backend_by_id(struct sl_model *m, uint32_t id, struct sl_model_vip **vip_out)
{
	uint32_t i, k;

	for (i = 0; i < m->n_vips; i++) {
		for (k = 0; k < m->vips[i].n_slots; k++) {
			if (m->vips[i].slots[k].in_use && m->vips[i].slots[k].id == id) {
				if (vip_out)
					*vip_out = &m->vips[i];
				return &m->vips[i].slots[k];
			}
		}
	}
	return NULL;
}

void sl_model_ids_quiesced(struct sl_model *m, void (*zero)(void *ctx, bool is_vip, uint32_t id), void *ctx)
{
	uint32_t i;

	for (i = 0; i < SL_MAX_VIP_IDS; i++) {
		if (m->vip_id_used[i] == ID_RELEASED) {
			if (zero)
				zero(ctx, true, i);
			m->vip_id_used[i] = ID_FREE;
		}
	}
	for (i = 0; i < SL_MAX_BACKEND_IDS; i++) {
		if (m->backend_id_used[i] == ID_RELEASED) {
			if (zero)
				zero(ctx, false, i);
			m->backend_id_used[i] = ID_FREE;
		}
	}
}

void sl_model_nexthop(const struct sl_config *cfg, const struct sl_cfg_vip *vip,
		      const struct sl_cfg_backend *b, struct sl_ip *nh)
{
	const struct sl_ip *gw = b->addr.family == SL_AF_INET ? &cfg->gw_v4 : &cfg->gw_v6;

	*nh = (vip->method != SL_FWD_L2DSR && gw->family) ? *gw : b->addr;
}
