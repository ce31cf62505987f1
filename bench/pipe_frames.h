/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Template client frames for sluice-bench-pipeline: one TCP SYN-less data
 * frame per flow towards one VIP, built once so the benchmark can restore a
 * packet by copying it instead of re-deriving headers per packet.
 *
 * Flow @id maps to a source identity by an odd-multiplier bijection, so ids
 * are distinct flows (up to 2^33 for IPv4, 2^64 for IPv6) and the benchmark
 * can mint never-seen flows by counting ids upwards. Plain buffers, no DPDK.
 * Not thread-safe per struct; distinct structs are independent.
 */
#ifndef SLUICE_PIPE_FRAMES_H
#define SLUICE_PIPE_FRAMES_H

#include <stdint.h>

#include "flow_key.h"

/* IPv4 TCP: 14 + 20 + 20 + 6 bytes payload = 60 (64 on the wire with the FCS). */
#define PIPE_FRAME_LEN_V4 60u
/* IPv6 TCP without payload: the smallest such frame, 74 (78 on the wire). */
#define PIPE_FRAME_LEN_V6 74u
#define PIPE_FRAME_STRIDE 128u

struct pipe_frames {
	uint8_t *data;     /* n frames, PIPE_FRAME_STRIDE apart */
	uint32_t n;
	uint32_t len;      /* bytes per frame */
	uint8_t  family;
};

/*
 * Build @n frames (ids 0..n-1) from client to @vip (flow_key layout, family
 * @family) port @vport (host order), Ethernet destination @dst_mac.
 * Returns 0, -EINVAL (n == 0, bad family, NULL argument) or -ENOMEM; on
 * error @f is zeroed.
 */
int pipe_frames_build(struct pipe_frames *f, uint32_t n, uint8_t family, const uint32_t vip[4],
		      uint16_t vport, const uint8_t dst_mac[6]);

/* Free what pipe_frames_build allocated; safe on a zeroed struct and twice. */
void pipe_frames_free(struct pipe_frames *f);

/* Frame @i (i < n). */
static inline const uint8_t *pipe_frame(const struct pipe_frames *f, uint32_t i)
{
	return f->data + (uint64_t)i * PIPE_FRAME_STRIDE;
}

/* The flow key sl_pkt_parse gives for flow @id of a pipe_frames_build set. */
void pipe_flow_key(struct sl_flow_key *k, uint8_t family, const uint32_t vip[4], uint16_t vport,
		   uint64_t id);

#define PIPE_ID_MUL 0x9e3779b97f4a7c15ull /* odd: multiplication is a bijection mod 2^k */

/* The 17 host bits of 198.18.0.0/15 and a 16-bit port: 33 bits of IPv4 identity. */
static inline void pipe_id_v4(uint64_t id, uint32_t *src_host, uint16_t *sport)
{
	uint64_t x = (id * PIPE_ID_MUL) & ((1ull << 33) - 1);

	*src_host = 0xc6120000u | (uint32_t)(x & 0x1ffffu); /* 198.18.0.0 + 17 bits */
	*sport = (uint16_t)(x >> 17);
}

/* IPv6: the 64-bit interface id of 2001:db8::/64 is the identity; the port only adds spread. */
static inline void pipe_id_v6(uint64_t id, uint64_t *iid, uint16_t *sport)
{
	uint64_t x = id * PIPE_ID_MUL;

	*iid = x;
	*sport = (uint16_t)(1024u + ((x >> 20) & 0x7fffu));
}

static inline void pipe_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pipe_put32(uint8_t *p, uint32_t v)
{
	pipe_put16(p, (uint16_t)(v >> 16));
	pipe_put16(p + 2, (uint16_t)v);
}

/*
 * Rewrite the source address and port of @frame (a frame of family @family
 * built by pipe_frames_build) so it belongs to flow @id. Checksums are left
 * stale: sluice neither checks nor depends on the client's checksums.
 * Inline because the benchmark's "new flow" restore calls it per packet.
 */
static inline void pipe_frame_set_flow(uint8_t *frame, uint8_t family, uint64_t id)
{
	uint16_t sport;

	if (family == SL_AF_INET) {
		uint32_t src;

		pipe_id_v4(id, &src, &sport);
		pipe_put32(frame + 14 + 12, src);
		pipe_put16(frame + 14 + 20, sport);
	} else {
		uint64_t iid;

		pipe_id_v6(id, &iid, &sport);
		pipe_put32(frame + 14 + 8 + 8, (uint32_t)(iid >> 32));
		pipe_put32(frame + 14 + 8 + 12, (uint32_t)iid);
		pipe_put16(frame + 14 + 40, sport);
	}
}

#endif
