/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the decap XDP program and its loader (sluice-decap) share: the
 * counter indices and names, the address-map key, and map sizes.
 *
 * Included by the BPF program (clang -target bpf, <linux/types.h>) and by
 * user space (<stdint.h> via <linux/types.h> too), so it uses __u types only.
 */
#ifndef SLUICE_DECAP_SHARED_H
#define SLUICE_DECAP_SHARED_H

#include <linux/types.h>

/*
 * One counter per outcome; every packet the program sees bumps exactly one.
 * X(enum suffix, stats name). Order is ABI between a running program and a
 * newer loader reading its stats: append only.
 */
#define SL_DECAP_COUNTERS(X) \
	X(DECAP_IPIP_V4,   "decap_ipip_inner_v4")   /* IPv4 outer, proto 4 */ \
	X(DECAP_IPIP_V6,   "decap_ipip_inner_v6")   /* IPv4 outer, proto 41 */ \
	X(DECAP_IP6TNL_V4, "decap_ip6tnl_inner_v4") /* IPv6 outer, next header 4 */ \
	X(DECAP_IP6TNL_V6, "decap_ip6tnl_inner_v6") /* IPv6 outer, next header 41 */ \
	X(DECAP_GUE_V4,    "decap_gue_inner_v4")    /* GUE (either outer), proto 4 */ \
	X(DECAP_GUE_V6,    "decap_gue_inner_v6")    /* GUE (either outer), proto 41 */ \
	X(PASS_NOT_IP,     "pass_not_ip")           /* ARP, LLDP, ... */ \
	X(PASS_NOT_TUNNEL, "pass_not_tunnel")       /* IP, but not IPIP/IPv6/GUE */ \
	X(PASS_NOT_LOCAL,  "pass_not_local")        /* tunnel to an address not ours */ \
	X(PASS_SHORT,      "pass_short_outer")      /* outer header unreadable: kernel decides */ \
	X(DROP_OUTER,      "drop_bad_outer_header") /* bad outer length/header */ \
	X(DROP_FRAGMENT,   "drop_outer_fragment")   /* cannot decapsulate part of a packet */ \
	X(DROP_TRUNCATED,  "drop_truncated")        /* tunnel/inner header cut short */ \
	X(DROP_GUE,        "drop_bad_gue")          /* GUE version, control bit, proto */ \
	X(DROP_INNER,      "drop_bad_inner")        /* inner version does not match proto */ \
	X(DROP_ADJUST,     "drop_adjust_head")      /* bpf_xdp_adjust_head failed */

#define SL_DECAP_ENUM(name, str) SL_DECAP_C_##name,
enum sl_decap_counter { SL_DECAP_COUNTERS(SL_DECAP_ENUM) SL_DECAP_C__MAX };
#undef SL_DECAP_ENUM

/* Value of one slot of the per-CPU counter array. */
struct sl_decap_count {
	__u64 packets;
	__u64 bytes; /* frame length as received, before decapsulation */
};

/*
 * Key of the decap-address hash map: a 16-byte IPv6 address; IPv4 addresses
 * are stored IPv4-mapped (::ffff:a.b.c.d) so the two families never collide.
 * The value is a __u8, unused (presence is what matters).
 */
struct sl_decap_addr {
	__u8 addr[16];
};

#define SL_DECAP_MAX_ADDRS 64

/* Names the loader uses to recognise its own program and maps in the kernel. */
#define SL_DECAP_PROG_NAME  "sl_decap"
#define SL_DECAP_CNT_MAP    "sl_decap_cnt"
#define SL_DECAP_ADDR_MAP   "sl_decap_addrs"

#endif
