/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet classification for the DPDK worker, on a plain byte buffer.
 *
 * No DPDK includes, so unit tests feed it hostile buffers directly. It reads
 * at most the headers it needs and never writes. Pure function; safe on any
 * lcore.
 */
#ifndef SLUICE_PKT_PARSE_H
#define SLUICE_PKT_PARSE_H

#include <stdint.h>

#include "drop_reason.h"
#include "flow_key.h"

enum sl_pkt_class {
	SL_PKT_FLOW,      /* TCP/UDP: key filled, candidate for a VIP */
	SL_PKT_ICMP_ECHO, /* ICMP/ICMPv6 echo request: key dst = target, ports 0 */
	SL_PKT_ICMP_ERR,  /* frag-needed / packet-too-big: key = the embedded flow, reversed
			     so it reads client -> VIP like the flow it belongs to */
	SL_PKT_HOST,      /* not for the balancer (ARP, ND, other protocols): to the kernel */
	SL_PKT_DROP,      /* malformed: see drop */
};

struct sl_pkt_info {
	struct sl_flow_key key;
	uint16_t l3_off;     /* offset of the IPv4/IPv6 header */
	uint16_t l4_off;     /* offset of the TCP/UDP/ICMP header */
	uint16_t l3_len;     /* IPv4 total length, or 40 + IPv6 payload length */
	uint16_t ethertype;  /* innermost, host byte order */
	uint16_t vlan_tci;   /* host byte order; 0 without a tag */
	uint8_t  has_vlan;
	uint8_t  tos;        /* IPv4 TOS / IPv6 traffic class (DSCP + ECN) */
	uint8_t  ttl;        /* TTL / hop limit */
	uint8_t  tcp_flags;  /* TCP only */
	uint8_t  df;         /* IPv4 don't-fragment bit (always 1 for IPv6) */
	uint8_t  icmp_type;  /* ICMP classes only */
	uint16_t icmp_mtu;   /* SL_PKT_ICMP_ERR: the MTU the error reports */
	enum sl_drop_reason drop; /* SL_PKT_DROP only */
};

/*
 * Classify the Ethernet frame @data[0..len). Handles up to two
 * 802.1Q/802.1ad tags (vlan_tci is the outer one), IPv4 with options, IPv6
 * with hop-by-hop/routing/destination-options extension headers (at most
 * SL_PARSE_MAX_EXT), TCP, UDP, ICMP, ICMPv6.
 * Fragments, bad lengths, bad versions and truncated headers give
 * SL_PKT_DROP with a reason. Frames whose L3 length is shorter than the
 * frame (Ethernet padding) are fine; longer is SL_DROP_TRUNCATED.
 *
 * @pi is zeroed first, then filled: ethertype, vlan and l3_off once the
 * Ethernet header and tags are present; the L3 fields and the key's
 * addresses/family/proto for every IP packet not dropped (then
 * l3_off + l3_len <= len); l4_off for FLOW and the ICMP classes (then the L4
 * header lies within l3_off + l3_len).
 * docs/parser.md lists every decision and reason.
 * Returns the class; never reads outside @data[0..len), never fails
 * otherwise. Pure function; safe on any lcore.
 */
#define SL_PARSE_MAX_EXT 4
enum sl_pkt_class sl_pkt_parse(const uint8_t *data, uint32_t len, struct sl_pkt_info *pi);

#endif
