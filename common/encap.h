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
 * Ethernet header (the inner Ethernet header is dropped). L2 DSR adds 0
 * beyond the existing 14-byte header: returns SL_ETH_HLEN.
 */
uint16_t sl_encap_hdr_len(enum sl_fwd_method m, uint8_t outer_family);

/*
 * Write the Ethernet + outer headers for @p at @out (sl_encap_hdr_len bytes),
 * in front of an inner L3 packet of @inner_len bytes and family
 * @inner_family whose TOS/traffic class is @inner_tos (DSCP copied out, ECN
 * copied too). Checksums are complete, including the UDP checksum of GUE over
 * IPv6 (which needs @inner: the inner packet, contiguous after @out).
 * Returns the header length, or -EINVAL for an impossible combination
 * (IPIP with an IPv6 inner or outer, IP6TNL with an IPv4 outer).
 */
int sl_encap_write(uint8_t *out, const struct sl_encap_params *p, const uint8_t *inner,
		   uint16_t inner_len, uint8_t inner_family, uint8_t inner_tos);

/* Internet checksum helpers (RFC 1071), exposed for tests and ICMP builders. */
uint32_t sl_csum_partial(const void *data, uint32_t len, uint32_t sum);
uint16_t sl_csum_fold(uint32_t sum);

/*
 * Turn an ICMP/ICMPv6 echo request frame in place into the reply: swap MACs
 * and addresses, set type, fix checksums, reset TTL to 64. @pi from
 * sl_pkt_parse. Returns 0 or -EINVAL.
 */
struct sl_pkt_info;
int sl_icmp_echo_reply(uint8_t *frame, uint32_t len, const struct sl_pkt_info *pi);

/*
 * Build, in @out (capacity @cap), the Ethernet frame of an ICMP "fragmentation
 * needed" (IPv4, type 3 code 4) or ICMPv6 "packet too big" error answering the
 * client frame @frame/@len, reporting @mtu. Source address is @lb_src (the
 * LB's address in that family; flow_key layout), quoting as much of the
 * original as fits in 576 (IPv4) / 1280 (IPv6) bytes. MACs are swapped from
 * the original. Returns the frame length, or -EINVAL/-ENOSPC.
 */
int sl_icmp_too_big(uint8_t *out, uint32_t cap, const uint8_t *frame, uint32_t len,
		    const struct sl_pkt_info *pi, uint16_t mtu, const uint32_t lb_src[4]);

#endif
