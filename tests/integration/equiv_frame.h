/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random client traffic for the equivalence test: a seeded PRNG, random
 * flows towards a VIP, and the Ethernet frames of their packets.
 *
 * Everything is derived from the PRNG state, so a printed seed reproduces a
 * run exactly. Plain buffers, no DPDK or BPF. Not thread-safe per generator;
 * distinct generators are independent.
 */
#ifndef SLUICE_EQUIV_FRAME_H
#define SLUICE_EQUIV_FRAME_H

#include <stdint.h>

/* Largest frame built: 1500-byte IP packet + Ethernet + one VLAN tag. */
#define EQ_FRAME_MAX 1518

/* splitmix64: tiny, full-period, and every seed (including 0) is good. */
struct eq_rng {
	uint64_t s;
};

/* Next 64 random bits. */
uint64_t eq_rand(struct eq_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t eq_rand_below(struct eq_rng *r, uint32_t n);

/* Where a generated flow goes: one VIP of the config. */
struct eq_target {
	uint8_t family;       /* 4 or 6 (SL_AF_*) */
	uint8_t proto;        /* 6 or 17 */
	uint16_t port;        /* host order; 0: any-port VIP, a random port is used */
	uint8_t addr[16];     /* VIP address bytes (4 used for IPv4) */
};

/* One client flow: the fields that stay the same for all its packets. */
struct eq_flow {
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;  /* host order */
	uint8_t tos;            /* DSCP + ECN, as the client sets it */
	uint8_t ttl;
	uint8_t df;             /* IPv4 only */
	uint8_t vlan;           /* 1: one 802.1Q tag */
	uint16_t vlan_tci;
	uint32_t flow_label;    /* IPv6 only */
};

/*
 * A random flow to @t: client in 198.19.0.0/16 (IPv4) or 2001:db8:c::/64
 * (IPv6), source port 1024..65535, destination port @t->port or (any-port
 * VIP) 1..65535, random DSCP/ECN, TTL 2..255, DF on 15 of 16 IPv4 flows,
 * a VLAN tag on 1 of 8, random IPv6 flow label.
 */
void eq_flow_random(struct eq_rng *r, const struct eq_target *t, struct eq_flow *f);

/*
 * Write one packet of @f into @buf (EQ_FRAME_MAX bytes): Ethernet from
 * @src_mac to @dst_mac, the IP header (valid IPv4 checksum, random ID),
 * TCP with @tcp_flags (ignored for UDP; random seq/ack/window, and TCP
 * options on 1 of 4 packets) and @payload random bytes; frames under 60
 * bytes are zero-padded as on the wire. @payload is cut so the IP packet
 * stays within 1500 bytes. Returns the frame length.
 */
uint32_t eq_frame_build(struct eq_rng *r, const struct eq_flow *f, uint8_t tcp_flags,
			uint32_t payload, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			uint8_t *buf);

#endif
