// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice backend decapsulation, XDP.
 *
 * The balancer delivers client packets to backends wrapped in IPIP, an IPv6
 * tunnel or GUE (common/encap.h). Backends often lack the ipip/ip6_tunnel/fou
 * modules, so this program strips the outer headers itself and passes the
 * inner packet (addressed to a VIP the backend holds on lo) to the stack,
 * which answers the client directly (DSR).
 *
 * Contract: a tunnel packet addressed to one of the host's decap addresses
 * leaves as the inner IP packet behind the original Ethernet header (MACs and
 * VLAN tag kept, ethertype set to the inner family), verdict XDP_PASS. A
 * malformed one is dropped. Anything else passes untouched. Every packet
 * bumps exactly one counter.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "decap_shared.h"

/* Knobs, set by the loader before load; the verifier then prunes on them. */
const volatile __u16 gue_port = 6080; /* host byte order */
const volatile __u8 accept_any = 0;   /* decapsulate whatever the outer destination */

/*
 * Per-CPU so the hot path needs no atomic: each CPU's slot is written only by
 * the CPU running the program, and XDP runs with preemption off, so plain
 * increments cannot race. Readers sum the slots and tolerate a value that is
 * one packet stale.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DECAP_C__MAX);
	__type(key, __u32);
	__type(value, struct sl_decap_count);
} sl_decap_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DECAP_MAX_ADDRS);
	__type(key, struct sl_decap_addr);
	__type(value, __u8);
} sl_decap_addrs SEC(".maps");

struct sl_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* The link header we keep: room for one VLAN tag, used or not. */
struct sl_l2_hdr {
	struct ethhdr eth;
	struct sl_vlan_hdr vlan;
} __attribute__((packed));

#define SL_GUE_HLEN   4
#define SL_IP_MF      0x2000
#define SL_IP_OFFMASK 0x1fff
#define SL_MAX_V6_EXT 2 /* hop-by-hop + destination options (tunnel encap limit) */

/* Where the tunnel was found and what it carries, once the outer parse is done. */
struct sl_tun {
	__u32 inner_off; /* from the start of the frame */
	__u32 end;       /* end of the outer IP packet (excludes Ethernet padding) */
	__u8 inner_proto;/* IPPROTO_IPIP or IPPROTO_IPV6 */
	__u8 kind;       /* SL_DECAP_C_DECAP_*_V4 of the tunnel kind */
};

static __always_inline int count(__u32 idx, __u64 len, int verdict)
{
	struct sl_decap_count *c = bpf_map_lookup_elem(&sl_decap_cnt, &idx);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
	return verdict;
}

static __always_inline int is_local(const struct sl_decap_addr *a)
{
	if (accept_any)
		return 1;
	return bpf_map_lookup_elem(&sl_decap_addrs, a) != NULL;
}

static __always_inline int is_local_v4(__be32 daddr)
{
	struct sl_decap_addr a = {};

	a.addr[10] = 0xff;
	a.addr[11] = 0xff;
	__builtin_memcpy(&a.addr[12], &daddr, 4);
	return is_local(&a);
}

/*
 * GUE header at @off (after the UDP header). Variant 0 only: version 1 is
 * "direct IP", which sluice never sends; the C bit marks a control message.
 * Returns -1 and sets @drop on a malformed header, else 0 with @t filled.
 */
static __always_inline int parse_gue(struct xdp_md *ctx, __u32 off, __u32 udp_len,
				     struct sl_tun *t, __u32 *drop)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *gue = data + off;
	__u32 hlen;

	if ((void *)(gue + SL_GUE_HLEN) > data_end) {
		*drop = SL_DECAP_C_DROP_TRUNCATED;
		return -1;
	}
	if ((gue[0] >> 6) != 0 || (gue[0] & 0x20) ||
	    (gue[1] != IPPROTO_IPIP && gue[1] != IPPROTO_IPV6)) {
		*drop = SL_DECAP_C_DROP_GUE;
		return -1;
	}
	hlen = SL_GUE_HLEN + (gue[0] & 0x1f) * 4;
	if (udp_len < sizeof(struct udphdr) + hlen) {
		*drop = SL_DECAP_C_DROP_TRUNCATED;
		return -1;
	}
	/* The inner packet must fit in the UDP payload, not only in the IP packet. */
	t->end = off - sizeof(struct udphdr) + udp_len;
	t->inner_off = off + hlen;
	t->inner_proto = gue[1];
	t->kind = SL_DECAP_C_DECAP_GUE_V4;
	return 0;
}

/*
 * Outer IPv4. Returns an XDP verdict (packet finished and counted) or -1 with
 * @t filled for a tunnel to decapsulate.
 */
static __always_inline int parse_outer_v4(struct xdp_md *ctx, __u32 l2len, __u64 len,
					  struct sl_tun *t)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + l2len;
	__u32 ihl, tot, drop;

	if ((void *)(ip + 1) > data_end)
		return count(SL_DECAP_C_PASS_SHORT, len, XDP_PASS);
	if (ip->protocol != IPPROTO_IPIP && ip->protocol != IPPROTO_IPV6 &&
	    ip->protocol != IPPROTO_UDP)
		return count(SL_DECAP_C_PASS_NOT_TUNNEL, len, XDP_PASS);
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);

	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)ip + ihl;

		/* Without a sane header we cannot know it is GUE: the stack judges it. */
		if (ip->version != 4 || ihl < sizeof(*ip))
			return count(SL_DECAP_C_PASS_NOT_TUNNEL, len, XDP_PASS);
		if ((void *)(udp + 1) > data_end)
			return count(SL_DECAP_C_PASS_SHORT, len, XDP_PASS);
		if (udp->dest != bpf_htons(gue_port))
			return count(SL_DECAP_C_PASS_NOT_TUNNEL, len, XDP_PASS);
	}
	if (!is_local_v4(ip->daddr))
		return count(SL_DECAP_C_PASS_NOT_LOCAL, len, XDP_PASS);

	if (ip->version != 4 || ihl < sizeof(*ip) || tot < ihl)
		return count(SL_DECAP_C_DROP_OUTER, len, XDP_DROP);
	if (l2len + tot > len)
		return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);
	if (ip->frag_off & bpf_htons(SL_IP_MF | SL_IP_OFFMASK))
		return count(SL_DECAP_C_DROP_FRAGMENT, len, XDP_DROP);

	t->end = l2len + tot;
	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)ip + ihl;

		if ((void *)(udp + 1) > data_end) /* re-checked for the verifier */
			return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);
		if (bpf_ntohs(udp->len) > tot - ihl)
			return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);
		if (parse_gue(ctx, l2len + ihl + sizeof(*udp), bpf_ntohs(udp->len), t, &drop))
			return count(drop, len, XDP_DROP);
		return -1;
	}
	t->inner_off = l2len + ihl;
	t->inner_proto = ip->protocol;
	t->kind = SL_DECAP_C_DECAP_IPIP_V4;
	return -1;
}

/* Outer IPv6; same return convention as parse_outer_v4. */
static __always_inline int parse_outer_v6(struct xdp_md *ctx, __u32 l2len, __u64 len,
					  struct sl_tun *t)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + l2len;
	struct sl_decap_addr dst;
	__u32 off = l2len + sizeof(*ip6), plen, drop;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return count(SL_DECAP_C_PASS_SHORT, len, XDP_PASS);
	if (ip6->version != 6)
		return count(SL_DECAP_C_PASS_NOT_TUNNEL, len, XDP_PASS);
	__builtin_memcpy(dst.addr, &ip6->daddr, sizeof(dst.addr));
	plen = bpf_ntohs(ip6->payload_len);
	nh = ip6->nexthdr;

	/* Linux ip6tnl senders add a destination-options header (encap limit). */
#pragma unroll
	for (i = 0; i < SL_MAX_V6_EXT; i++) {
		struct ipv6_opt_hdr *o = data + off;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_DSTOPTS)
			break;
		if ((void *)(o + 1) > data_end)
			return count(SL_DECAP_C_PASS_SHORT, len, XDP_PASS);
		nh = o->nexthdr;
		off += (o->hdrlen + 1) * 8;
	}
	if (nh == IPPROTO_FRAGMENT) {
		if (!is_local(&dst))
			return count(SL_DECAP_C_PASS_NOT_LOCAL, len, XDP_PASS);
		return count(SL_DECAP_C_DROP_FRAGMENT, len, XDP_DROP);
	}
	if (nh != IPPROTO_IPIP && nh != IPPROTO_IPV6 && nh != IPPROTO_UDP)
		return count(SL_DECAP_C_PASS_NOT_TUNNEL, len, XDP_PASS);
	if (nh == IPPROTO_UDP) {
		struct udphdr *udp = data + off;

		if ((void *)(udp + 1) > data_end)
			return count(SL_DECAP_C_PASS_SHORT, len, XDP_PASS);
		if (udp->dest != bpf_htons(gue_port))
			return count(SL_DECAP_C_PASS_NOT_TUNNEL, len, XDP_PASS);
	}
	if (!is_local(&dst))
		return count(SL_DECAP_C_PASS_NOT_LOCAL, len, XDP_PASS);

	/* Jumbograms (payload length 0) are never tunnel traffic from sluice. */
	if (plen == 0)
		return count(SL_DECAP_C_DROP_OUTER, len, XDP_DROP);
	t->end = l2len + sizeof(*ip6) + plen;
	if (t->end > len || off > t->end)
		return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);

	if (nh == IPPROTO_UDP) {
		struct udphdr *udp = data + off;

		if ((void *)(udp + 1) > data_end)
			return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);
		if (bpf_ntohs(udp->len) > t->end - off)
			return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);
		if (parse_gue(ctx, off + sizeof(*udp), bpf_ntohs(udp->len), t, &drop))
			return count(drop, len, XDP_DROP);
		return -1;
	}
	t->inner_off = off;
	t->inner_proto = nh;
	t->kind = SL_DECAP_C_DECAP_IP6TNL_V4;
	return -1;
}

/*
 * The inner header must be what the tunnel says it is and fit in the outer
 * packet; the stack validates the rest of it as for any received packet.
 */
static __always_inline int inner_ok(struct xdp_md *ctx, const struct sl_tun *t, __u32 *drop)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *in = data + t->inner_off;
	__u32 need = t->inner_proto == IPPROTO_IPIP ? sizeof(struct iphdr)
						    : sizeof(struct ipv6hdr);

	if (t->inner_off + need > t->end) {
		*drop = SL_DECAP_C_DROP_TRUNCATED;
		return 0;
	}
	if ((void *)(in + 1) > data_end) {
		*drop = SL_DECAP_C_DROP_TRUNCATED;
		return 0;
	}
	if (t->inner_proto == IPPROTO_IPIP) {
		if ((in[0] >> 4) != 4 || (in[0] & 0xf) < 5) {
			*drop = SL_DECAP_C_DROP_INNER;
			return 0;
		}
	} else if ((in[0] >> 4) != 6) {
		*drop = SL_DECAP_C_DROP_INNER;
		return 0;
	}
	return 1;
}

SEC("xdp")
int sl_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct sl_l2_hdr l2, *out;
	struct ethhdr *eth = data;
	struct sl_tun t = {};
	__u32 l2len = sizeof(struct ethhdr), drop = 0;
	__be16 proto;
	int ret;

	if ((void *)(eth + 1) > data_end)
		return count(SL_DECAP_C_PASS_NOT_IP, len, XDP_PASS);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct sl_vlan_hdr *vlan = (void *)(eth + 1);

		if ((void *)(vlan + 1) > data_end)
			return count(SL_DECAP_C_PASS_SHORT, len, XDP_PASS);
		proto = vlan->proto;
		l2len += sizeof(*vlan);
	}

	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_outer_v4(ctx, l2len, len, &t);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_outer_v6(ctx, l2len, len, &t);
	else
		return count(SL_DECAP_C_PASS_NOT_IP, len, XDP_PASS);
	if (ret >= 0)
		return ret;
	if (!inner_ok(ctx, &t, &drop))
		return count(drop, len, XDP_DROP);

	/*
	 * Keep the link header (18 bytes are always there: the outer IP header
	 * alone is longer than a VLAN tag), cut the outer headers, put it back.
	 */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(l2) > data_end)
		return count(SL_DECAP_C_DROP_TRUNCATED, len, XDP_DROP);
	__builtin_memcpy(&l2, data, sizeof(l2));
	if (bpf_xdp_adjust_head(ctx, (int)(t.inner_off - l2len)))
		return count(SL_DECAP_C_DROP_ADJUST, len, XDP_DROP);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	out = data;
	if ((void *)(out + 1) > data_end)
		return count(SL_DECAP_C_DROP_ADJUST, len, XDP_DROP);
	proto = t.inner_proto == IPPROTO_IPIP ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
	if (l2len == sizeof(struct ethhdr)) {
		__builtin_memcpy(&out->eth, &l2.eth, sizeof(l2.eth));
		out->eth.h_proto = proto;
	} else {
		*out = l2;
		out->vlan.proto = proto;
	}
	return count(t.kind + (t.inner_proto == IPPROTO_IPV6), len, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
