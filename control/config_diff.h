/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What changed between the running config and a new one, for reload: pure
 * functions over two struct sl_config (no DPDK), so the reload path and its
 * unit tests share them.
 *
 * VIPs are matched by identity (address, port, protocol): a renamed VIP is
 * CHANGED, not removed and added. Backends are matched within a VIP by
 * address, so reordering them changes nothing (Maglev tables do not depend on
 * order). Whether a change needs a restart comes from the key table's
 * reloadable flags, so a new key is classified without touching this file.
 *
 * Error convention: 0 or negative errno. Thread-safe as long as neither
 * config changes during the call; each diff belongs to its caller.
 */
#ifndef SLUICE_CONFIG_DIFF_H
#define SLUICE_CONFIG_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "../config/config.h"

enum sl_diff_op { SL_DIFF_SAME, SL_DIFF_ADDED, SL_DIFF_REMOVED, SL_DIFF_CHANGED };

struct sl_cfg_diff_backend {
	enum sl_diff_op op;
	int32_t old_idx, new_idx;   /* index in the old / new VIP's backends; -1 when absent */
	bool weight_changed, health_changed, name_changed, mac_changed;
};

struct sl_cfg_diff_vip {
	enum sl_diff_op op;
	int32_t old_idx, new_idx;   /* index in old->vips / new->vips; -1 when absent */
	bool table_changed;         /* method, table_size, hash_fields, gue_port, scheduler, all_down */
	bool health_changed;        /* any vips.[].health key */
	struct sl_cfg_diff_backend *backends; /* new order first, then removed ones in old order; an
					       * ADDED VIP lists every backend ADDED, a REMOVED one REMOVED */
	uint32_t n_backends;
};

struct sl_cfg_diff {
	bool restart_needed;
	char restart_reason[256];   /* first non-reloadable key that differs, by key path ("dataplane.workers") */
	struct sl_cfg_diff_vip *vips; /* new order first, then removed VIPs in old order */
	uint32_t n_vips;
	bool flows_changed;         /* a reloadable flows.* key (timeouts) */
	bool metrics_changed;       /* control.metrics */
};

/*
 * Compute the diff from @old to @new into @out (overwritten; release with
 * sl_cfg_diff_free()). Both configs should be valid (loaded or
 * sl_config_validate()d).
 * Returns 0, -EINVAL (a NULL argument, or two VIPs of one config with the
 * same identity, or two backends of one VIP with the same address) or
 * -ENOMEM; on error @out is zeroed and nothing is allocated.
 */
int sl_cfg_diff(const struct sl_config *old, const struct sl_config *new, struct sl_cfg_diff *out);

/* Free what sl_cfg_diff() allocated and zero @d; safe on a zeroed diff and twice. */
void sl_cfg_diff_free(struct sl_cfg_diff *d);

#endif
