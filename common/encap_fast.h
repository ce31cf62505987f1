/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's per-packet encapsulation: a header template per backend.
 *
 * sl_encap_write (encap.h) is the reference: it fills every header field
 * from a parameter struct and sums the outer IPv4 header from scratch, which
 * costs a third of an established packet's time. Everything but a handful of
 * fields is the same for every packet to one backend, so the control plane
 * runs sl_encap_write once per backend into a template (sl_encap_tmpl_build)
 * and the worker copies it and patches what varies per packet: the source
 * MAC (the egress port's), TOS / traffic class, lengths, the GUE source
 * port and IPv6 flow label (flow entropy), and checksums, updated from
 * partial sums kept with the template (RFC 1624 style: only the changed
 * words are added). The bytes are identical to sl_encap_write's; the unit
 * test test_encap_fast checks that over random parameters and packets.
 *
 * Plain buffers and header-only, like encap.h: no DPDK. The BPF program
 * sees dp_state.h, hence this header, but only the struct: the functions
 * need libc headers that -target bpf lacks.
 */
#ifndef SLUICE_ENCAP_FAST_H
#define SLUICE_ENCAP_FAST_H

#include "encap.h"

/* Longest header a template holds: Ethernet + IPv6 + UDP + GUE (66), rounded up. */
#define SL_ENCAP_TMPL_MAX 68

/* Which writer a template needs: one per (method, outer family) layout. */
enum sl_encap_tmpl_kind {
	SL_TMPL_NONE,   /* no template: use sl_encap_write */
	SL_TMPL_IPIP,
	SL_TMPL_IP6TNL,
	SL_TMPL_GUE4,
	SL_TMPL_GUE6,
	SL_TMPL_L2DSR,
};

struct sl_encap_tmpl {
	uint8_t  hdr[SL_ENCAP_TMPL_MAX]; /* sl_encap_write's bytes; per-packet fields zero */
	uint32_t sum;          /* partial sum of the fixed checksummed words (see build) */
	uint8_t  len;          /* header length; 0 with SL_TMPL_NONE */
	uint8_t  kind;         /* enum sl_encap_tmpl_kind */
	uint8_t  inner_family; /* the only inner family this template encapsulates */
	uint8_t  pad;
};

/*
 * Build @t for the headers sl_encap_write(@p, inner family @inner_family)
 * writes. @p->src_mac and @p->entropy are ignored: they are per packet.
 * Returns 0, or -EINVAL (NULL argument, or a combination sl_encap_write
 * refuses) leaving @t (when not NULL) an empty SL_TMPL_NONE template.
 * Pure function; safe anywhere (the control thread builds them).
 */
int sl_encap_tmpl_build(struct sl_encap_tmpl *t, const struct sl_encap_params *p, uint8_t inner_family);

#ifndef __bpf__
/* ---- inline per-packet path ---- */
#include <errno.h>
#include <string.h>

/* A 16-bit big-endian field's value as a native 16-bit load of its bytes reads it (checksum form). */
static inline uint16_t sl_fast_be16(uint16_t host)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(host);
#else
	return host;
#endif
}

static inline uint32_t sl_fast_be32(uint32_t host)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(host);
#else
	return host;
#endif
}

static inline void sl_fast_put16(uint8_t *p, uint16_t host)
{
	uint16_t v = sl_fast_be16(host);

	memcpy(p, &v, sizeof(v));
}

/* One's complement of the folded 16-bit sum, ready for a native store (as sl_csum_fold). */
static inline uint16_t sl_fast_csum(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet source: the egress port's MAC (the template leaves it zero). */
static inline void sl_fast_src_mac(uint8_t *out, const uint8_t *src_mac)
{
	memcpy(out + 6, src_mac, 6);
}

/* Outer IPv4 at @ip: version/IHL, TOS, total length; the header checksum from the template's sum. */
static inline void sl_fast_ipv4(uint8_t *ip, uint32_t tmpl_sum, uint8_t tos, uint16_t total_len)
{
	uint32_t w;
	uint16_t csum;

	/* Bytes 0x45, tos, total_len (big endian) as one native word, built in registers. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = 0x45u | (uint32_t)tos << 8 | (uint32_t)__builtin_bswap16(total_len) << 16;
#else
	w = 0x45u << 24 | (uint32_t)tos << 16 | total_len;
#endif
	memcpy(ip, &w, sizeof(w));
	csum = sl_fast_csum((uint64_t)tmpl_sum + (w & 0xffff) + (w >> 16));
	memcpy(ip + 10, &csum, sizeof(csum));
}

/* Outer IPv6 at @ip: version, traffic class, flow label, payload length. */
static inline void sl_fast_ipv6(uint8_t *ip, uint8_t tclass, uint32_t entropy, uint16_t payload_len)
{
	uint32_t w = sl_fast_be32(6u << 28 | (uint32_t)tclass << 20 | (entropy & 0xfffffu));

	memcpy(ip, &w, sizeof(w));
	sl_fast_put16(ip + 4, payload_len);
}

/* GUE source port: in the ephemeral range, chosen by the flow (as sl_encap_write). */
static inline uint16_t sl_fast_gue_sport(uint32_t entropy)
{
	return (uint16_t)(49152u + entropy % 16384u);
}

/*
 * Write the headers of template @t at @out (@t->len bytes) for an inner
 * packet of @t->inner_family, @inner_len bytes, TOS/traffic class
 * @inner_tos, flow hash @entropy, leaving Ethernet from @src_mac. @inner is
 * read only for GUE over IPv6 (the UDP checksum covers it); it may follow
 * @out directly, as in an mbuf. The result is byte for byte what
 * sl_encap_write writes for the template's parameters with this @src_mac
 * and @entropy.
 * Returns @t->len, -EINVAL for an empty template (SL_TMPL_NONE) or a NULL @inner
 * that GUE over IPv6 needs, -EMSGSIZE when the outer length would exceed
 * 65535 (nothing useful written then). Pure; safe on any lcore.
 */
static inline int sl_encap_tmpl_write(uint8_t *out, const struct sl_encap_tmpl *t, const uint8_t *src_mac,
				      const uint8_t *inner, uint16_t inner_len, uint8_t inner_tos,
				      uint32_t entropy)
{
	uint8_t *ip = out + SL_ETH_HLEN, *udp;
	uint32_t udp_len;
	uint64_t sum;
	uint16_t csum;

	/* Constant-size copies per case: the compiler emits a few vector moves, never a call. */
	switch (t->kind) {
	case SL_TMPL_GUE4:
		udp_len = 8 + 4 + (uint32_t)inner_len;
		if (udp_len + 20 > UINT16_MAX)
			return -EMSGSIZE;
		memcpy(out, t->hdr, 46);
		sl_fast_src_mac(out, src_mac);
		sl_fast_ipv4(ip, t->sum, inner_tos, (uint16_t)(udp_len + 20));
		udp = ip + 20;
		sl_fast_put16(udp, sl_fast_gue_sport(entropy));
		sl_fast_put16(udp + 4, (uint16_t)udp_len);
		return 46;
	case SL_TMPL_IPIP:
		if (inner_len > UINT16_MAX - 20)
			return -EMSGSIZE;
		memcpy(out, t->hdr, 34);
		sl_fast_src_mac(out, src_mac);
		sl_fast_ipv4(ip, t->sum, inner_tos, (uint16_t)(inner_len + 20));
		return 34;
	case SL_TMPL_IP6TNL:
		memcpy(out, t->hdr, 54);
		sl_fast_src_mac(out, src_mac);
		sl_fast_ipv6(ip, inner_tos, entropy, inner_len);
		return 54;
	case SL_TMPL_GUE6:
		udp_len = 8 + 4 + (uint32_t)inner_len;
		if (udp_len > UINT16_MAX)
			return -EMSGSIZE;
		if (!inner && inner_len)
			return -EINVAL;
		memcpy(out, t->hdr, 66);
		sl_fast_src_mac(out, src_mac);
		sl_fast_ipv6(ip, inner_tos, entropy, (uint16_t)udp_len);
		udp = ip + 40;
		sl_fast_put16(udp, sl_fast_gue_sport(entropy));
		sl_fast_put16(udp + 4, (uint16_t)udp_len);
		/* Template sum: pseudo-header addresses and next header, UDP dport, GUE word.
		 * Added: the length (in the pseudo-header and the UDP header), sport, payload. */
		sum = (uint64_t)t->sum + 2u * sl_fast_be16((uint16_t)udp_len) +
		      sl_fast_be16(sl_fast_gue_sport(entropy)) + sl_csum_partial(inner, inner_len, 0);
		csum = sl_fast_csum(sum);
		/* 0 means "no checksum"; its one's-complement twin 0xffff is sent instead (RFC 768). */
		csum = csum ? csum : 0xffff;
		memcpy(udp + 6, &csum, sizeof(csum));
		return 66;
	case SL_TMPL_L2DSR:
		memcpy(out, t->hdr, 14);
		sl_fast_src_mac(out, src_mac);
		return 14;
	default:
		return -EINVAL;
	}
}
#endif /* !__bpf__ */

#endif
