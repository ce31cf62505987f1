/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Turn a validated config into a dataplane snapshot (struct sl_dp_state):
 * VIP index, backends with their next-hop MACs, one Maglev table per VIP.
 * Control thread only; the result is immutable once published.
 */
#ifndef SLUICE_STATE_BUILD_H
#define SLUICE_STATE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "../dataplane/dp_state.h"

/* Resolve @ip to a MAC; 0 when known. */
typedef int (*sl_mac_lookup_fn)(void *ctx, const struct sl_ip *ip, uint8_t mac[6]);

/*
 * Build a snapshot of @cfg. @up, if not NULL, holds one flag per backend in
 * config order across all VIPs (0 = down: out of the Maglev table). MACs come
 * from the backend's configured `mac`, the configured gateway MAC, or @lookup.
 * Returns NULL with a message on failure (-ENOMEM, or Maglev rejecting input).
 */
struct sl_dp_state *sl_state_build(const struct sl_config *cfg, uint64_t generation, const uint8_t *up,
				   sl_mac_lookup_fn lookup, void *ctx, char *err, size_t errlen);

void sl_state_free(struct sl_dp_state *s);

/* The address whose MAC a backend's packets are sent to: the gateway for tunnels when one is set, else the backend. */
void sl_state_nexthop(const struct sl_config *cfg, const struct sl_cfg_vip *vip,
		      const struct sl_cfg_backend *b, struct sl_ip *nh);

/* Total backends over all VIPs (the size of the backend counter rows and of @up). */
uint32_t sl_state_backend_count(const struct sl_config *cfg);

#endif
