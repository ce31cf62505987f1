/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which backend a returned frame was sent to, and which of our flows it
 * carries. Plain buffers, no DPDK. Error convention: negative errno.
 */
#ifndef SLUICE_GEN_DECODE_H
#define SLUICE_GEN_DECODE_H

#include <stdint.h>

enum gen_rx_kind {
	GEN_RX_PLAIN,   /* our frame, destination MAC unchanged (e.g. testpmd io forwarding) */
	GEN_RX_L2DSR,   /* our frame, destination MAC rewritten: the backend is that MAC */
	GEN_RX_IPIP,    /* IPv4 outer, protocol 4 */
	GEN_RX_IP6TNL,  /* IPv6 outer, next header 4 or 41 */
	GEN_RX_GUE,     /* IPv4/IPv6 outer + UDP to the GUE port + GUE variant 0 */
	GEN_RX__MAX
};

struct gen_rx {
	enum gen_rx_kind kind;
	uint8_t  backend[16];  /* outer destination address, or the MAC in the first 6 bytes */
	uint32_t flow;         /* flow index (gen_flow_index) */
};

/* "plain", "l2dsr", "ipip", "ip6tnl", "gue"; "?" when out of range. Thread-safe. */
const char *gen_rx_kind_name(enum gen_rx_kind k);

/*
 * Decode @frame/@len as the balancer's output for one of our @n_flows flows
 * to VIP @vip/@vip_port in @family, which we sent with destination MAC
 * @sent_dst_mac. Outer IPv4 options and IPv6 extension headers are not
 * expected (sluice writes neither) and are refused. @gue_port in host order.
 * Returns 0 with @out filled; -EINVAL for a NULL argument; -EPROTO when the
 * frame is truncated or not a tunnel/plain packet we know; -ENOENT when the
 * inner packet is not ours (other VIP, other client, flow index out of range).
 * Pure; thread-safe.
 */
int gen_decode(const uint8_t *frame, uint32_t len, int family, const uint8_t *vip, uint16_t vip_port,
	       const uint8_t *sent_dst_mac, uint16_t gue_port, uint32_t n_flows, struct gen_rx *out);

#endif
