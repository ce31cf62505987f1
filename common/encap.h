/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builders for what the balancer sends: tunnel headers put in front of a
 * client packet, and the ICMP messages it answers with. Plain buffers, no
 * DPDK: the worker reserves headroom and calls these; unit tests check the
 * bytes. Pure functions; safe on any lcore.
 */
#ifndef SLUICE_ENCAP_H
#define SLUICE_ENCAP_H

#include <stdint.h>

#include "flow_key.h"

enum sl_fwd_method {
	SL_FWD_IPIP,   /* IPv4-in-IPv4 (proto 4); IPv4 VIPs and backends */
	SL_FWD_IP6TNL, /* IPv6 outer, IPv4 (next header 4) or IPv6 (41) inner; IPv6 backends */
	SL_FWD_GUE,    /* outer IPv4/IPv6 (the backend's family) + UDP + 4-byte GUE header */
	SL_FWD_L2DSR,  /* destination MAC rewritten only; backend on the same L2 segment */
	SL_FWD__MAX
};

#define SL_GUE_DEFAULT_PORT 6080
#define SL_ETH_HLEN 14

struct sl_encap_params {
	enum sl_fwd_method method;
	uint8_t  outer_family;   /* SL_AF_INET/SL_AF_INET6: the backend's family */
	uint32_t outer_src[4];   /* the LB's own address in that family (flow_key layout) */
	uint32_t outer_dst[4];   /* the backend's address */
	uint8_t  src_mac[6];
	uint8_t  dst_mac[6];     /* next hop (tunnels) or backend (L2 DSR) */
	uint8_t  ttl;            /* outer TTL / hop limit */
	uint16_t gue_port;       /* host byte order: GUE destination UDP port */
	uint32_t entropy;        /* flow hash: GUE source port and IPv6 flow label */
};

/* Name used in config and stats ("ipip", "ip6tnl", "gue", "l2dsr"); NULL if out of range. */
const char *sl_fwd_method_name(enum sl_fwd_method m);
/* Parse a name; returns the method or -1. */
int sl_fwd_method_parse(const char *name);

/*
 * Bytes the method adds in front of the inner L3 packet, *including* the new
 * Ethernet header (the inner Ethernet header is dropped): IPIP 34, IP6TNL 54,
 * GUE 46 (IPv4 outer) or 66 (IPv6 outer). L2 DSR adds 0 beyond the existing
 * 14-byte header: returns SL_ETH_HLEN whatever @outer_family.
 * Returns 0 for an impossible combination (IPIP with an IPv6 outer, IP6TNL
 * with an IPv4 outer, GUE with an unknown family, unknown method).
 * Pure function; safe anywhere.
 */
uint16_t sl_encap_hdr_len(enum sl_fwd_method m, uint8_t outer_family);

/*
 * Write the Ethernet + outer headers for @p at @out (sl_encap_hdr_len bytes),
 * in front of an inner L3 packet of @inner_len bytes and family
 * @inner_family whose TOS/traffic class is @inner_tos (DSCP copied out, ECN
 * copied too). Checksums are complete, including the UDP checksum of GUE over
 * IPv6 (which needs @inner: the inner packet, contiguous after @out or not;
 * it is only read, and may be NULL otherwise). GUE over IPv4 sends UDP
 * checksum 0. Outer IPv4: DF set, ID 0, TTL @p->ttl. Outer IPv6: flow label
 * @p->entropy & 0xfffff. GUE source port 49152 + @p->entropy % 16384.
 * L2 DSR writes only Ethernet with the inner family's ethertype; that the
 * backend has the VIP's family is the caller's business.
 * Returns the header length, -EINVAL for an impossible combination (IPIP
 * with an IPv6 inner or outer, IP6TNL with an IPv4 outer, unknown method or
 * family, NULL @out/@p, NULL @inner where needed) or -EMSGSIZE when the
 * outer length would exceed 65535. Pure function; safe on any lcore.
 */
int sl_encap_write(uint8_t *out, const struct sl_encap_params *p, const uint8_t *inner,
		   uint16_t inner_len, uint8_t inner_family, uint8_t inner_tos);

/*
 * Internet checksum (RFC 1071), exposed for tests and ICMP builders.
 *
 * sl_csum_partial adds @len bytes at @data (any alignment) to the running
 * sum @sum (0 to start) and returns the new 32-bit running sum. The sum is
 * kept over *native* 16-bit loads, so values added by hand must be in the
 * same form (a big-endian field's bytes as they lie in memory, e.g.
 * htons(len)). Every chunk but the last must have an even length; an odd
 * final byte is padded with zero. 64-bit accumulation, about 8 bytes per add.
 * sl_csum_fold folds a running sum and returns its one's complement: the
 * checksum to store with a native 16-bit store (memcpy) into a zeroed field.
 * Summing a packet whose checksum field is filled in and folding gives 0 when
 * it is valid. Pure functions; safe anywhere.
 */
uint32_t sl_csum_partial(const void *data, uint32_t len, uint32_t sum);
uint16_t sl_csum_fold(uint32_t sum);

/*
 * Turn an ICMP/ICMPv6 echo request frame in place into the reply: swap MACs
 * and addresses, set type 0 / 129, reset TTL / hop limit to 64, recompute the
 * IPv4 header checksum and update the ICMP checksum incrementally (a corrupt
 * request gives an equally corrupt reply). @pi from sl_pkt_parse: uses
 * key.family, l3_off, l4_off and l3_len, so VLAN-tagged
 * frames and IPv6 extension headers work; Ethernet padding past l3_len is
 * left alone. Returns 0, or -EINVAL (NULL argument, offsets outside @len,
 * not an echo request of @pi's family) leaving @frame untouched.
 * Safe on any lcore for distinct frames.
 */
struct sl_pkt_info;
int sl_icmp_echo_reply(uint8_t *frame, uint32_t len, const struct sl_pkt_info *pi);

/*
 * Build, in @out (capacity @cap), the Ethernet frame of an ICMP "fragmentation
 * needed" (IPv4, type 3 code 4) or ICMPv6 "packet too big" (type 2) error
 * answering the client frame @frame/@len, reporting @mtu. Source address is
 * @lb_src (the LB's address in that family; flow_key layout), destination the
 * original source, TTL 64 (IPv4 TOS 0xc0, DF, ID 0). Quotes the original L3
 * packet (at most pi->l3_len bytes, never Ethernet padding) as far as it fits
 * in 576 (IPv4) / 1280 (IPv6) bytes of IP packet. The L2 header is the
 * original's with MACs swapped and any VLAN tag kept. Checksums complete.
 * @pi from sl_pkt_parse: uses key.family, l3_off, l4_off, l3_len.
 * @out must not overlap @frame.
 * Returns the frame length; -ENOSPC if @cap is below it (nothing written);
 * -EINVAL for a NULL argument, a malformed original, @mtu below 68 (IPv4) or
 * 1280 (IPv6), and where the RFCs forbid an error: about an ICMP error, about
 * a non-first IPv4 fragment, or to an unspecified, loopback, multicast or
 * broadcast source. Safe on any lcore.
 */
int sl_icmp_too_big(uint8_t *out, uint32_t cap, const uint8_t *frame, uint32_t len,
		    const struct sl_pkt_info *pi, uint16_t mtu, const uint32_t lb_src[4]);

#endif
