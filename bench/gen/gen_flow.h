/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What sluice-gen sends: per-flow client addresses and ports, and packet
 * templates patched per flow with incremental checksums. Plain buffers, no
 * DPDK, so unit tests check the bytes. Error convention: negative errno.
 *
 * Flow i (0 <= i < GEN_MAX_FLOWS) comes from client address PREFIX + (i & 0xffff)
 * (198.19.0.0/16, or the last 16 bits of 2001:db8:c::/64) and source port
 * GEN_PORT_BASE + (i >> 16): every (address, port) pair is distinct, and a
 * returned packet's inner source maps back to its flow index.
 */
#ifndef SLUICE_GEN_FLOW_H
#define SLUICE_GEN_FLOW_H

#include <stdint.h>
#include <string.h>

#define GEN_MAX_FLOWS  10000000u
#define GEN_PORT_BASE  1024u
#define GEN_FRAME_MIN  60u    /* 64-byte Ethernet frame without its 4-byte FCS */
#define GEN_FRAME_MAX  1514u  /* 1518 with FCS */
#define GEN_FCS_LEN    4u

enum gen_l4 { GEN_TCP_SYN, GEN_TCP_ACK, GEN_TCP_MIX, GEN_UDP, GEN_L4__MAX };

#define GEN_TCP_FLAG_SYN 0x02
#define GEN_TCP_FLAG_ACK 0x10

struct gen_flow_cfg {
	int      family;        /* AF_INET or AF_INET6 */
	uint8_t  vip[16];       /* network byte order; IPv4 in the first 4 bytes */
	uint16_t vip_port;      /* host byte order */
	int      udp;           /* 1: UDP, 0: TCP */
	uint8_t  tcp_flags;     /* TCP only */
	uint16_t frame_len;     /* bytes in the buffer, no FCS; raised to the headers' length */
	uint8_t  src_mac[6];
	uint8_t  dst_mac[6];
};

/*
 * A prebuilt frame for flow 0 with the varying words (source address low 16
 * bits, source port) zero, and the one's complement sums of the checksummed
 * regions without them, so gen_tmpl_write needs two 16-bit adds per checksum.
 */
struct gen_tmpl {
	uint8_t  frame[GEN_FRAME_MAX];
	uint16_t len;
	uint16_t addr_off;     /* offset of the source address's last 16 bits */
	uint16_t port_off;     /* offset of the L4 source port */
	uint16_t ip_csum_off;  /* 0 for IPv6 (no header checksum) */
	uint16_t l4_csum_off;
	uint32_t ip_sum;       /* folded sum of the IPv4 header, host order, csum field 0 */
	uint32_t l4_sum;       /* folded sum of pseudo header + L4 segment, host order */
	uint8_t  udp;
};

/*
 * Client address and source port of flow @idx in @family. @addr gets 16
 * bytes (IPv4 uses the first 4, rest zeroed); @port is host order.
 * Returns 0, or -EINVAL if @idx >= GEN_MAX_FLOWS or @family is neither
 * AF_INET nor AF_INET6 or a pointer is NULL (outputs untouched). Pure; thread-safe.
 */
int gen_flow_src(int family, uint32_t idx, uint8_t addr[16], uint16_t *port);

/*
 * Inverse of gen_flow_src: the flow index whose client is @addr/@port
 * (@port host order), given @n_flows flows. Returns the index, or -ENOENT if
 * the address is outside the client prefix, the port outside the range, or
 * the index >= @n_flows; -EINVAL for a bad family or NULL @addr. Pure; thread-safe.
 */
int64_t gen_flow_index(int family, const uint8_t *addr, uint16_t port, uint32_t n_flows);

/*
 * Build @t for @c: Ethernet, IPv4 (DF, TTL 64) or IPv6 (hop limit 64), TCP
 * (20-byte header, window 65535, flags @c->tcp_flags) or UDP, zero payload up to
 * @c->frame_len (raised to the headers' length: 54/74 B TCP, 42/62 B UDP).
 * Returns the frame length, -EINVAL for a NULL argument, bad family, or a
 * frame_len above GEN_FRAME_MAX. Pure; thread-safe for distinct @t.
 */
int gen_tmpl_build(struct gen_tmpl *t, const struct gen_flow_cfg *c);

static inline uint16_t gen_csum_add_fold(uint32_t sum, uint32_t a, uint32_t b)
{
	sum += a + b;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void gen_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Write the frame of flow @idx (< GEN_MAX_FLOWS, not checked: hot path) into
 * @dst (at least t->len bytes): a copy of the template with the source
 * address and port set and both checksums fixed from the precomputed sums.
 * Returns t->len. Thread-safe for distinct @dst.
 */
static inline uint16_t gen_tmpl_write(const struct gen_tmpl *t, uint8_t *dst, uint32_t idx)
{
	uint32_t lo = idx & 0xffff, port = GEN_PORT_BASE + (idx >> 16);
	uint16_t c;

	memcpy(dst, t->frame, t->len);
	gen_put16(dst + t->addr_off, (uint16_t)lo);
	gen_put16(dst + t->port_off, (uint16_t)port);
	if (t->ip_csum_off)
		gen_put16(dst + t->ip_csum_off, gen_csum_add_fold(t->ip_sum, lo, 0));
	c = gen_csum_add_fold(t->l4_sum, lo, port);
	/* UDP sends 0 as "no checksum": a computed 0 goes on the wire as 0xffff. */
	if (t->udp && c == 0)
		c = 0xffff;
	gen_put16(dst + t->l4_csum_off, c);
	return t->len;
}

#endif
