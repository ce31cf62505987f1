/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's model of what should be forwarded: the running config
 * plus everything that is not in a file — stable ids, backend slots, health
 * verdicts, drains, the last built tables. Reload, sluicectl changes and
 * health probes all mutate the model; sl_model_snapshot() turns it into the
 * immutable struct sl_dp_state that the dataplanes read.
 *
 * Identity rules (what keeps established flows where they are):
 *  - a VIP is (address, port, protocol): renaming or re-weighting it keeps
 *    its id, counters and flows;
 *  - a backend is its address within a VIP: it keeps its slot, id and
 *    generation across reloads; a removed backend leaves a tombstone slot
 *    (up = 0) so the slot numbers of the others never shift;
 *  - a slot given to a different backend gets a new generation, so flows
 *    remembered for the old one are re-balanced instead of misdelivered.
 *
 * Control thread only. Errors: negative errno with a message.
 */
#ifndef SLUICE_MODEL_H
#define SLUICE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "../dataplane/dp_state.h"

/* A built Maglev table (and the pick sequence of the non-Maglev schedulers),
 * shared by the model and every snapshot that uses it. Reference-counted by
 * the control thread only, so plain integers suffice. */
struct sl_table {
	uint32_t refs;
	uint32_t size;
	uint32_t *pick;
	uint32_t n_pick;
	uint32_t slots[];
};

/* Drop a reference; the table is freed with its last one. */
void sl_table_unref(struct sl_table *t);

struct sl_model_backend {
	struct sl_cfg_backend cfg;  /* as configured; cfg.weight is the configured weight */
	uint32_t id;                /* stable backend id: counter row */
	uint16_t gen;               /* bumped when the slot changes hands */
	bool     in_use;            /* false: tombstone of a removed backend */
	bool     drained;           /* operator drain: no new flows, existing flows stay */
	bool     health_on;         /* probes enabled (sluicectl health off freezes it UP) */
	bool     healthy;           /* last probe verdict; true without probes */
	uint32_t rtt_us;            /* probe RTT EWMA, 0 = unknown */
};

struct sl_model_vip {
	struct sl_cfg_vip cfg;      /* cfg.backends unused here: the slots are authoritative */
	uint32_t id;                /* stable VIP id: counter row and flow-entry tag */
	struct sl_model_backend *slots;
	uint32_t n_slots, cap_slots;
	struct sl_table *table;     /* last built; NULL = rebuild at the next snapshot */
	bool     all_down;          /* every backend is down right now */
	uint64_t all_down_events;
};

struct sl_model {
	struct sl_config cfg;       /* running config; cfg.vips[i] describes vips[i] */
	struct sl_model_vip *vips;
	uint32_t n_vips, cap_vips;
	uint8_t *vip_id_used;       /* SL_MAX_VIP_IDS flags: 0 free, 1 used, 2 released (awaiting quiescence) */
	uint8_t *backend_id_used;   /* SL_MAX_BACKEND_IDS flags, same states */
};

/* Build the model of @cfg, taking ownership of it (cfg is zeroed). */
int sl_model_init(struct sl_model *m, struct sl_config *cfg, char *err, size_t errlen);
void sl_model_free(struct sl_model *m);

/*
 * Make @next the running config, keeping the identity of every VIP and
 * backend that exists in both (see the rules above). Takes ownership of
 * @next on success; on failure (out of ids or memory) the model is unchanged
 * and @next still belongs to the caller.
 */
int sl_model_apply(struct sl_model *m, struct sl_config *next, char *err, size_t errlen);

/* VIP by name, NULL if none; backend of a VIP by name or address text, NULL if none. */
struct sl_model_vip *sl_model_vip_find(struct sl_model *m, const char *name);
struct sl_model_backend *sl_model_backend_find(struct sl_model_vip *v, const char *name_or_addr);

/* Mark a VIP's table for rebuilding (weights, drain or health changed). */
void sl_model_vip_dirty(struct sl_model_vip *v);

/* Backend by stable id (health callbacks); NULL if the id is not in use. Sets *vip_out. */
struct sl_model_backend *sl_model_backend_by_id(struct sl_model *m, uint32_t id,
						struct sl_model_vip **vip_out);

/* Whether a backend may take flows (configured, healthy or unprobed). */
static inline bool sl_model_backend_up(const struct sl_model_backend *b)
{
	return b->in_use && (b->healthy || !b->health_on);
}

/* The weight a backend gets in the table right now. */
static inline uint32_t sl_model_backend_weight(const struct sl_model_backend *b)
{
	return (sl_model_backend_up(b) && !b->drained) ? b->cfg.weight : 0;
}

/*
 * Build the dataplane snapshot, rebuilding dirty tables (the snapshot holds
 * references to them). MACs come from the backend's configured `mac`, the
 * gateway MAC or @lookup. Returns NULL with a message on failure.
 */
typedef int (*sl_mac_lookup_fn)(void *ctx, const struct sl_ip *ip, uint8_t mac[6]);
struct sl_dp_state *sl_model_snapshot(struct sl_model *m, uint64_t generation, sl_mac_lookup_fn lookup,
				      void *ctx, char *err, size_t errlen);

/* Free a snapshot (drops its table references). Only after no worker can read it. */
void sl_snapshot_free(struct sl_dp_state *s);

/*
 * Ids released since the last call are no longer referenced by any worker
 * (the caller has published a snapshot without them and waited for a grace
 * period): call @zero for each so its counter rows start clean, and make
 * them reusable.
 */
void sl_model_ids_quiesced(struct sl_model *m, void (*zero)(void *ctx, bool is_vip, uint32_t id), void *ctx);

/* The address whose MAC a backend's packets are sent to: the gateway for tunnels when one is set, else the backend. */
void sl_model_nexthop(const struct sl_config *cfg, const struct sl_cfg_vip *vip,
		      const struct sl_cfg_backend *b, struct sl_ip *nh);

#endif
