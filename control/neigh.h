/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next-hop MACs learned from the kernel's neighbour table (netlink), so
 * operators need not configure MACs: the kernel resolves ARP/ND on the
 * interface it shares with the dataplane (af_packet's interface, or the TAP
 * exception interface for a dedicated NIC). Entries the kernel forgets stay
 * cached: the dataplane keeps sending to the last known MAC.
 *
 * Control thread only. Errors: negative errno.
 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <stdint.h>

#include "../config/config.h"

struct sl_neigh;

struct sl_neigh *sl_neigh_create(void);
void sl_neigh_destroy(struct sl_neigh *n);

/* Re-read the kernel table. Returns how many cached MACs were added or changed, or a negative errno. */
int sl_neigh_refresh(struct sl_neigh *n);

/* 0 and @mac filled when @ip is known; -ENOENT otherwise. Signature fits sl_mac_lookup_fn. */
int sl_neigh_lookup(void *n, const struct sl_ip *ip, uint8_t mac[6]);

/* Make the kernel resolve @ip (one UDP datagram to the discard port triggers ARP/ND). */
void sl_neigh_solicit(const struct sl_ip *ip);

#endif
