/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipe_frames.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "encap.h"

static const uint8_t client_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0xc1, 0x01 };

static void put_words(uint8_t *p, const uint32_t *w, int n)
{
	/* flow_key words are already in network byte order: copy their bytes as they lie. */
	memcpy(p, w, (size_t)n * 4);
}

static void build_one(uint8_t *f, uint8_t family, const uint32_t vip[4], uint16_t vport,
		      const uint8_t dst_mac[6], uint32_t len)
{
	uint8_t *l3 = f + SL_ETH_HLEN, *tcp;

	memset(f, 0, PIPE_FRAME_STRIDE);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, client_mac, 6);
	if (family == SL_AF_INET) {
		pipe_put16(f + 12, 0x0800);
		l3[0] = 0x45;
		pipe_put16(l3 + 2, (uint16_t)(len - SL_ETH_HLEN));
		pipe_put16(l3 + 6, 0x4000); /* DF, as TCP stacks send */
		l3[8] = 64;
		l3[9] = IPPROTO_TCP;
		put_words(l3 + 16, vip, 1);
		/* The source (bytes 12..15) is the flow identity: pipe_frame_set_flow writes it. */
		tcp = l3 + 20;
	} else {
		pipe_put16(f + 12, 0x86dd);
		l3[0] = 0x60;
		pipe_put16(l3 + 4, (uint16_t)(len - SL_ETH_HLEN - 40));
		l3[6] = IPPROTO_TCP;
		l3[7] = 64;
		pipe_put32(l3 + 8, 0x20010db8u);
		put_words(l3 + 24, vip, 4);
		tcp = l3 + 40;
	}
	pipe_put16(tcp + 2, vport);
	pipe_put32(tcp + 4, 1);       /* seq */
	pipe_put32(tcp + 8, 1);       /* ack */
	tcp[12] = 5 << 4;             /* data offset */
	tcp[13] = 0x10;               /* ACK: an established flow's data packet */
	pipe_put16(tcp + 14, 65535);
}

int pipe_frames_build(struct pipe_frames *f, uint32_t n, uint8_t family, const uint32_t vip[4],
		      uint16_t vport, const uint8_t dst_mac[6])
{
	uint32_t i;

	if (!f)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	if (n == 0 || !vip || !dst_mac || (family != SL_AF_INET && family != SL_AF_INET6))
		return -EINVAL;
	f->data = aligned_alloc(64, (size_t)n * PIPE_FRAME_STRIDE);
	if (!f->data)
		return -ENOMEM;
	f->n = n;
	f->family = family;
	f->len = family == SL_AF_INET ? PIPE_FRAME_LEN_V4 : PIPE_FRAME_LEN_V6;
	build_one(f->data, family, vip, vport, dst_mac, f->len);
	for (i = 0; i < n; i++) {
		uint8_t *fr = f->data + (uint64_t)i * PIPE_FRAME_STRIDE;

		if (i)
			memcpy(fr, f->data, PIPE_FRAME_STRIDE);
		pipe_frame_set_flow(fr, family, i);
		if (family == SL_AF_INET) {
			/* A valid header checksum per frame, though sluice does not check it. */
			uint8_t *l3 = fr + SL_ETH_HLEN;
			uint16_t c;

			l3[10] = l3[11] = 0;
			c = sl_csum_fold(sl_csum_partial(l3, 20, 0));
			memcpy(l3 + 10, &c, 2);
		}
	}
	return 0;
}

void pipe_frames_free(struct pipe_frames *f)
{
	if (!f)
		return;
	free(f->data);
	memset(f, 0, sizeof(*f));
}

void pipe_flow_key(struct sl_flow_key *k, uint8_t family, const uint32_t vip[4], uint16_t vport,
		   uint64_t id)
{
	uint16_t sport;

	memset(k, 0, sizeof(*k));
	k->family = family;
	k->proto = IPPROTO_TCP;
	k->dport = htons(vport);
	if (family == SL_AF_INET) {
		uint32_t src;

		pipe_id_v4(id, &src, &sport);
		k->src[0] = htonl(src);
		k->dst[0] = vip[0];
	} else {
		uint64_t iid;

		pipe_id_v6(id, &iid, &sport);
		k->src[0] = htonl(0x20010db8u);
		k->src[2] = htonl((uint32_t)(iid >> 32));
		k->src[3] = htonl((uint32_t)iid);
		memcpy(k->dst, vip, 16);
	}
	k->sport = htons(sport);
}
