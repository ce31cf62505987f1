/* SPDX-License-Identifier: BSD-3-Clause */
/* Why a packet was dropped: one counter each, per lcore, named in stats. */
#ifndef SLUICE_DROP_REASON_H
#define SLUICE_DROP_REASON_H

#define SL_DROP_REASONS(X) \
	X(NONE, "none") \
	X(TRUNCATED, "truncated") \
	X(BAD_L3, "bad_l3_header") \
	X(BAD_L4, "bad_l4_header") \
	X(FRAGMENT, "fragment") \
	X(TTL, "ttl_expired") \
	X(NO_VIP, "no_vip") \
	X(NO_BACKEND, "no_backend") \
	X(NO_NEXTHOP, "no_nexthop_mac") \
	X(TOO_BIG, "too_big") \
	X(UNSUPPORTED, "unsupported") \
	X(NO_MBUF, "no_mbuf") \
	X(TX_FULL, "tx_full") \
	X(EXCEPTION_FULL, "exception_full")

#define SL_DROP_ENUM(name, str) SL_DROP_##name,
enum sl_drop_reason { SL_DROP_REASONS(SL_DROP_ENUM) SL_DROP__MAX };
#undef SL_DROP_ENUM

/* Stable snake_case name for stats and metrics. */
const char *sl_drop_reason_name(enum sl_drop_reason r);

#endif
