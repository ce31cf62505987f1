/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading what a dataplane sent: which backend of a VIP a frame is for, and
 * the name of the header field at a byte offset (so a mismatch report says
 * "outer IPv6 flow label", not "byte 15"). Plain buffers; pure functions,
 * safe anywhere.
 */
#ifndef SLUICE_EQUIV_FIELDS_H
#define SLUICE_EQUIV_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "../../dataplane/dp_state.h"

#define EQ_NOT_A_BACKEND   (-1) /* sent to nobody in @vip (an ICMP error back to the client) */
#define EQ_BACKEND_CONFUSED (-2) /* destination MAC of one backend, outer address of another */

/*
 * The slot in @vip->backends that @frame (@len bytes, as sent) is addressed
 * to: the backend whose MAC is the Ethernet destination (every backend of
 * the test has its own), and for tunnel methods whose address is also the
 * outer destination. Returns the slot, EQ_NOT_A_BACKEND or
 * EQ_BACKEND_CONFUSED.
 */
int eq_backend_of(const struct sl_dp_vip *vip, const uint8_t *frame, uint32_t len);

/*
 * Write into @name (@n bytes) the field of @frame that byte @off belongs to:
 * Ethernet, VLAN, outer IPv4/IPv6 fields, UDP/GUE, ICMP, then the same for
 * the inner packet prefixed "inner ". Returns @name.
 */
const char *eq_field_name(const uint8_t *frame, uint32_t len, uint32_t off, char *name, size_t n);

#endif
