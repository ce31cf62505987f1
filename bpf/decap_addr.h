/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decap addresses as the XDP program's map keys (struct sl_decap_addr:
 * IPv6, IPv4 stored IPv4-mapped). Pure functions, no kernel access;
 * thread-safe.
 */
#ifndef SLUICE_DECAP_ADDR_H
#define SLUICE_DECAP_ADDR_H

#include <stddef.h>

#include "decap_shared.h"

/*
 * Parse a literal IPv4 ("198.18.0.1") or IPv6 ("2001:db8::1") address into
 * @out. No prefix lengths, no host names, no surrounding space.
 * Returns 0, or -EINVAL (NULL, empty, or not an address).
 */
int sl_decap_addr_parse(const char *s, struct sl_decap_addr *out);

/*
 * Write @a as text into @buf (@len bytes, INET6_ADDRSTRLEN is enough):
 * IPv4-mapped keys are written as dotted IPv4. Returns 0, or -ENOSPC.
 */
int sl_decap_addr_format(const struct sl_decap_addr *a, char *buf, size_t len);

#endif
