// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice XDP balancer: the DPDK worker's decisions (dataplane/worker.c) in
 * one XDP program, producing the same bytes.
 *
 * Per packet: classify as common/pkt_parse.c does, find the VIP (port, then
 * any-port), keep established flows on their backend through a per-CPU
 * flow table, choose new flows' backends with the shared flow hash and
 * Maglev slot (common/flow_hash.h, common/maglev.h, included unchanged), put
 * the tunnel headers in front (byte for byte what common/encap.c writes) and
 * send the frame back out (XDP_TX) or to the egress interface. ICMP echo to a
 * VIP is answered, frag-needed / packet-too-big follow the flow they quote,
 * packets that would exceed the MTU once encapsulated are answered with the
 * ICMP error in place. Everything that is not for a VIP goes to the kernel
 * (XDP_PASS) untouched.
 *
 * The tables are double-buffered per VIP (see lb_shared.h and
 * xdp_lb_apply.c): a packet reads the VIP record once and uses the table and
 * backend array of the buffer that record names, so it never sees half of an
 * update. Counters are per-CPU: XDP runs with preemption off and each CPU
 * writes only its own copy, so plain increments cannot race; readers sum.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/*
 * The shared C code inlined wherever it is used: clang otherwise keeps
 * sl_flow_hash as a BPF subprogram, and under retpolines and SRSO every
 * call and return costs several nanoseconds.
 */
#pragma clang attribute push(__attribute__((always_inline)), apply_to = function)
#include "lb_shared.h"
#include "../common/flow_hash.h"
#include "../common/maglev.h"
#pragma clang attribute pop
#include "../common/pkt_parse.h" /* SL_PARSE_MAX_EXT: the same header budget */

/* Knobs set by the library before load; the verifier prunes on them. */
/* Ethernet source of what we send: the library bakes it into the backend templates; kept
 * here so the skeleton, and a program adopted across versions, keep their layout. */
const volatile __u8 if_mac[6] = {};
const volatile __u16 mtu = 1500;           /* of the sending interface, for "too big" */
const volatile __u32 egress_ifindex = 0;   /* 0: XDP_TX, else bpf_redirect there */
const volatile __u32 flow_bucket_bits = 0; /* log2 of each CPU's flow buckets */

/* Both halves of the VIP index (lb_shared.h): an ARRAY lookup is inlined. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the library writes a half in place, no syscall a slot */
	__uint(max_entries, 2 * SL_XDP_VIX_SLOTS);
	__type(key, __u32);
	__type(value, struct sl_xdp_vix_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_vip_index SEC(".maps");

/* [0]: which half of sl_lb_vip_index is live (0/1). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_vix_live SEC(".maps");

struct sl_table_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP); /* each VIP's table has its own size */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SL_XDP_BUF_SLOTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct sl_table_inner);
} sl_lb_tables SEC(".maps");

struct sl_backend_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	/* Sizes, not types: the struct appears nowhere else in BTF (only as a forward),
	 * and the kernel wants key and value both typed or both untyped. */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct sl_xdp_backend));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, SL_XDP_BUF_SLOTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct sl_backend_inner);
} sl_lb_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* replaced whole, like the VIP records */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_xdp_globals);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_globals SEC(".maps");

/* Each CPU's buckets, consecutive (lb_shared.h). A plain ARRAY, not a
 * per-CPU one: its lookup is inlined, and a per-CPU array could not hold a
 * CPU's whole table in one value (32 KiB) or would allocate per bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the library reads and clears it without a syscall a bucket */
	__uint(max_entries, 1);            /* the library sets n_cpus << flow_bucket_bits */
	__type(key, __u32);
	__type(value, struct sl_xdp_flow_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_flows SEC(".maps");

/* Live entries a new flow pushed out of a full bucket, per CPU: a table too
 * small for its traffic shows here (the flow counters stay the worker's). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_flow_evict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_lcore_ctr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_lcore SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_XDP_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct sl_ctr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_vip_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_XDP_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct sl_ctr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_be_ctr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_ADDR_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_lb_vip_addrs SEC(".maps");

/* Per-CPU round-robin position per VIP id for the wrr scheduler (the worker keeps one per lcore). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_XDP_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u32);
} sl_lb_rr SEC(".maps");

/* enum sl_sched (config/config.h), which BPF cannot include. */
#define SCHED_MAGLEV 0
#define SCHED_WRR    1

#define ETH_P_8021AD_ 0x88a8
#define VLAN_HLEN   4
#define IPV4_HLEN   20
#define IPV6_HLEN   40
#define TCP_HLEN    20
#define UDP_HLEN    8
#define GUE_HLEN    4
#define ICMP_HLEN   8
#define QUOTE_L4    8

#define PROTO_HOPOPTS  0
#define PROTO_ICMP     1
#define PROTO_IPIP     4
#define PROTO_TCP      6
#define PROTO_UDP      17
#define PROTO_IPV6     41
#define PROTO_ROUTING  43
#define PROTO_FRAGMENT 44
#define PROTO_ICMPV6   58
#define PROTO_DSTOPTS  60

#define TCP_FLAG_RST 0x04
#define IPV4_DF       0x4000
#define IPV4_FRAG_MSK 0x3fff

#define ICMP_ECHO_REPLY   0
#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED  4
#define ICMP_ECHO_REQ     8
#define ICMP6_PKT_TOO_BIG 2
#define ICMP6_ECHO_REQ    128
#define ICMP6_ECHO_REPLY  129
#define ICMP6_FIRST_INFO  128

#define REPLY_TTL     64
#define ICMP_ERR_TOS  0xc0
#define ICMP4_ERR_MAX 576
#define ICMP6_ERR_MAX 1280
#define IPV4_MIN_MTU  68
#define IPV6_MIN_MTU  1280

/*
 * Largest offset we form. The verifier only grants a range when offset plus
 * access size stays within 0xffff; a linear XDP frame is far below 16 KiB,
 * so an offset past this is past the frame anyway.
 */
#define PKT_MAX_OFF 0x3fff
/* bpf_csum_diff sums at most 512 bytes a call; 8 calls cover any linear XDP frame. */
#define CSUM_CHUNK      512
#define CSUM_MAX_CHUNKS 8

enum pkt_class { PKT_FLOW, PKT_ICMP_ECHO, PKT_ICMP_ERR, PKT_HOST, PKT_DROP };

/* The fields of struct sl_pkt_info the decisions need. */
struct pkt {
	struct sl_flow_key key;
	__u32 len;       /* frame length as received */
	__u32 l3_off;
	__u32 l4_off;
	__u32 l3_len;
	__u32 drop;      /* enum sl_drop_reason, PKT_DROP only */
	__u8 tos;
	__u8 df;
	__u8 tcp_flags;
	__u8 icmp_err;  /* PKT_ICMP_ERR: the packet itself is an ICMP error */
};

static __always_inline __u8 *pkt_ptr(struct xdp_md *ctx, __u32 off, __u32 size)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p;

	if (off > PKT_MAX_OFF)
		return NULL;
	/* The compiler may test a copy of @off and add another; a mask it cannot
	 * drop (the barrier hides that it is a no-op) bounds the one added. */
	asm volatile("" : "+r"(off));
	off &= PKT_MAX_OFF;
	p = data + off;
	/* Opaque to the compiler: it must use this register, not recompute data + off,
	 * or the pointer it dereferences is not the one the verifier saw checked. */
	asm volatile("" : "+r"(p));
	if ((void *)(p + size) > end)
		return NULL;
	return p;
}

static __always_inline __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static __always_inline void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static __always_inline void put32(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

static __always_inline int drop_as(struct pkt *pi, __u32 reason)
{
	pi->drop = reason;
	return PKT_DROP;
}

/* ---- classification: common/pkt_parse.c decision for decision ---------- */

static __always_inline void key_addrs(struct pkt *pi, const __u8 *src, const __u8 *dst, int v6)
{
	if (v6) {
		__builtin_memcpy(pi->key.src, src, 16);
		__builtin_memcpy(pi->key.dst, dst, 16);
		pi->key.family = SL_AF_INET6;
	} else {
		__builtin_memcpy(pi->key.src, src, 4);
		__builtin_memcpy(pi->key.dst, dst, 4);
		pi->key.family = SL_AF_INET;
	}
}

static __always_inline int parse_tcp(struct xdp_md *ctx, __u32 l4, __u32 l4_len, struct pkt *pi)
{
	__u8 *t;
	__u32 doff;

	if (l4_len < TCP_HLEN)
		return drop_as(pi, SL_DROP_BAD_L4);
	t = pkt_ptr(ctx, l4, TCP_HLEN);
	if (!t)
		return drop_as(pi, SL_DROP_BAD_L4);
	doff = (__u32)(t[12] >> 4) * 4;
	if (doff < TCP_HLEN || doff > l4_len)
		return drop_as(pi, SL_DROP_BAD_L4);
	__builtin_memcpy(&pi->key.sport, t, 2);
	__builtin_memcpy(&pi->key.dport, t + 2, 2);
	pi->tcp_flags = t[13];
	return PKT_FLOW;
}

static __always_inline int parse_udp(struct xdp_md *ctx, __u32 l4, __u32 l4_len, struct pkt *pi)
{
	__u8 *u;
	__u32 ulen;

	if (l4_len < UDP_HLEN)
		return drop_as(pi, SL_DROP_BAD_L4);
	u = pkt_ptr(ctx, l4, UDP_HLEN);
	if (!u)
		return drop_as(pi, SL_DROP_BAD_L4);
	ulen = rd16(u + 4);
	if (ulen < UDP_HLEN || ulen > l4_len)
		return drop_as(pi, SL_DROP_BAD_L4);
	__builtin_memcpy(&pi->key.sport, u, 2);
	__builtin_memcpy(&pi->key.dport, u + 2, 2);
	return PKT_FLOW;
}

/* The quote reads VIP -> client; the flow is keyed client -> VIP. */
static __always_inline int quote_ports(struct xdp_md *ctx, __u32 off, __u8 proto, struct pkt *pi)
{
	__u8 *l4 = pkt_ptr(ctx, off, QUOTE_L4);

	if (!l4)
		return drop_as(pi, SL_DROP_BAD_L4);
	__builtin_memcpy(&pi->key.sport, l4 + 2, 2);
	__builtin_memcpy(&pi->key.dport, l4, 2);
	pi->key.proto = proto;
	pi->icmp_err = 1;
	return PKT_ICMP_ERR;
}

static __always_inline int parse_icmp4_err(struct xdp_md *ctx, __u32 q, __u32 qlen, struct pkt *pi)
{
	__u8 *h;
	__u32 ihl;

	if (qlen < IPV4_HLEN)
		return drop_as(pi, SL_DROP_BAD_L4);
	h = pkt_ptr(ctx, q, IPV4_HLEN);
	if (!h || (h[0] >> 4) != 4)
		return drop_as(pi, SL_DROP_BAD_L4);
	ihl = (__u32)(h[0] & 0xf) * 4;
	if (ihl < IPV4_HLEN || ihl + QUOTE_L4 > qlen || rd16(h + 2) < ihl + QUOTE_L4)
		return drop_as(pi, SL_DROP_BAD_L4);
	if (h[9] != PROTO_TCP && h[9] != PROTO_UDP)
		return PKT_HOST;
	/* A non-first fragment quotes payload, not ports: no flow to find. */
	if (rd16(h + 6) & 0x1fff)
		return drop_as(pi, SL_DROP_UNSUPPORTED);
	key_addrs(pi, h + 16, h + 12, 0);
	return quote_ports(ctx, q + ihl, h[9], pi);
}

/*
 * IPv6 extension headers from next header @*nh at absolute offset @*off, not
 * past @end; bad lengths count as @bad. Returns -1 to go on (with @*nh/@*off
 * at the upper-layer header) or the class to stop with.
 */
static __always_inline int skip_ext(struct xdp_md *ctx, __u32 end, __u32 *off, __u8 *nh,
				    struct pkt *pi, __u32 bad)
{
	__u32 hl;
	__u8 *e;
	int i;

	/* A bounded loop, not unrolled: the verifier walks each pass. */
	for (i = 0; i <= SL_PARSE_MAX_EXT; i++) {
		if (*nh == PROTO_HOPOPTS) {
			if (i != 0)
				return drop_as(pi, bad);
		} else if (*nh == PROTO_FRAGMENT) {
			return drop_as(pi, SL_DROP_FRAGMENT);
		} else if (*nh != PROTO_ROUTING && *nh != PROTO_DSTOPTS) {
			return -1;
		}
		if (i == SL_PARSE_MAX_EXT)
			return drop_as(pi, SL_DROP_UNSUPPORTED);
		if (end - *off < 8)
			return drop_as(pi, bad);
		e = pkt_ptr(ctx, *off, 8);
		if (!e)
			return drop_as(pi, bad);
		hl = ((__u32)e[1] + 1) * 8;
		if (hl > end - *off)
			return drop_as(pi, bad);
		/* Segments left: not the final destination, the kernel routes it on. */
		if (*nh == PROTO_ROUTING && e[3] != 0)
			return PKT_HOST;
		*nh = e[0];
		*off += hl;
	}
	return drop_as(pi, SL_DROP_UNSUPPORTED);
}

static __always_inline int parse_icmp6_err(struct xdp_md *ctx, __u32 q, __u32 qlen, struct pkt *pi)
{
	__u32 off = q + IPV6_HLEN;
	__u8 *h, nh;
	int r;

	if (qlen < IPV6_HLEN)
		return drop_as(pi, SL_DROP_BAD_L4);
	h = pkt_ptr(ctx, q, IPV6_HLEN);
	if (!h || (h[0] >> 4) != 6)
		return drop_as(pi, SL_DROP_BAD_L4);
	nh = h[6];
	r = skip_ext(ctx, q + qlen, &off, &nh, pi, SL_DROP_BAD_L4);
	if (r >= 0) {
		/* The quote's own fragment header: its "ports" are not ports. */
		if (r == PKT_DROP && pi->drop == SL_DROP_FRAGMENT)
			pi->drop = SL_DROP_UNSUPPORTED;
		return r;
	}
	if (nh != PROTO_TCP && nh != PROTO_UDP)
		return PKT_HOST;
	if (off - q + QUOTE_L4 > qlen || rd16(h + 4) < off - q - IPV6_HLEN + QUOTE_L4)
		return drop_as(pi, SL_DROP_BAD_L4);
	key_addrs(pi, h + 24, h + 8, 1);
	return quote_ports(ctx, off, nh, pi);
}

static __always_inline int parse_icmp(struct xdp_md *ctx, __u32 l4, __u32 l4_len, struct pkt *pi,
				      int v6)
{
	__u8 *c;
	__u32 m;

	if (l4_len < ICMP_HLEN)
		return drop_as(pi, SL_DROP_BAD_L4);
	c = pkt_ptr(ctx, l4, ICMP_HLEN);
	if (!c)
		return drop_as(pi, SL_DROP_BAD_L4);
	if (!v6) {
		if (c[0] == ICMP_ECHO_REQ)
			return PKT_ICMP_ECHO;
		if (c[0] == ICMP_DEST_UNREACH && c[1] == ICMP_FRAG_NEEDED)
			return parse_icmp4_err(ctx, l4 + ICMP_HLEN, l4_len - ICMP_HLEN, pi);
		return PKT_HOST;
	}
	if (c[0] == ICMP6_ECHO_REQ)
		return PKT_ICMP_ECHO;
	if (c[0] == ICMP6_PKT_TOO_BIG) {
		m = rd32(c + 4);
		(void)m; /* the MTU is the backend's to read; we only steer */
		return parse_icmp6_err(ctx, l4 + ICMP_HLEN, l4_len - ICMP_HLEN, pi);
	}
	return PKT_HOST;
}

static __always_inline int parse_ipv4(struct xdp_md *ctx, __u32 off, struct pkt *pi)
{
	__u32 ihl, tot, l4;
	__u16 frag;
	__u8 *ip;

	if (pi->len - off < IPV4_HLEN)
		return drop_as(pi, SL_DROP_TRUNCATED);
	ip = pkt_ptr(ctx, off, IPV4_HLEN);
	if (!ip)
		return drop_as(pi, SL_DROP_TRUNCATED);
	ihl = (__u32)(ip[0] & 0xf) * 4;
	if ((ip[0] >> 4) != 4 || ihl < IPV4_HLEN)
		return drop_as(pi, SL_DROP_BAD_L3);
	tot = rd16(ip + 2);
	if (tot < ihl)
		return drop_as(pi, SL_DROP_BAD_L3);
	if (tot > pi->len - off)
		return drop_as(pi, SL_DROP_TRUNCATED);
	frag = rd16(ip + 6);
	pi->df = !!(frag & IPV4_DF);
	if (frag & IPV4_FRAG_MSK)
		return drop_as(pi, SL_DROP_FRAGMENT);

	l4 = off + ihl;
	pi->l3_len = tot;
	pi->l4_off = l4;
	pi->tos = ip[1];
	key_addrs(pi, ip + 12, ip + 16, 0);
	pi->key.proto = ip[9];

	if (ip[9] == PROTO_TCP)
		return parse_tcp(ctx, l4, tot - ihl, pi);
	if (ip[9] == PROTO_UDP)
		return parse_udp(ctx, l4, tot - ihl, pi);
	if (ip[9] == PROTO_ICMP)
		return parse_icmp(ctx, l4, tot - ihl, pi, 0);
	return PKT_HOST;
}

static __always_inline int parse_ipv6(struct xdp_md *ctx, __u32 off, struct pkt *pi)
{
	__u32 tot, end, l4;
	__u8 *ip, nh;
	int r;

	if (pi->len - off < IPV6_HLEN)
		return drop_as(pi, SL_DROP_TRUNCATED);
	ip = pkt_ptr(ctx, off, IPV6_HLEN);
	if (!ip)
		return drop_as(pi, SL_DROP_TRUNCATED);
	if ((ip[0] >> 4) != 6)
		return drop_as(pi, SL_DROP_BAD_L3);
	tot = IPV6_HLEN + (__u32)rd16(ip + 4);
	if (tot > pi->len - off)
		return drop_as(pi, SL_DROP_TRUNCATED);
	if (tot > 0xffff)
		return drop_as(pi, SL_DROP_TOO_BIG);

	pi->l3_len = tot;
	pi->tos = (__u8)(ip[0] << 4 | ip[1] >> 4);
	pi->df = 1;
	key_addrs(pi, ip + 8, ip + 24, 1);

	nh = ip[6];
	end = off + tot;
	l4 = off + IPV6_HLEN;
	if (nh != PROTO_TCP && nh != PROTO_UDP) {
		r = skip_ext(ctx, end, &l4, &nh, pi, SL_DROP_BAD_L3);
		if (r >= 0)
			return r;
	}
	pi->l4_off = l4;
	pi->key.proto = nh;

	if (nh == PROTO_TCP)
		return parse_tcp(ctx, l4, end - l4, pi);
	if (nh == PROTO_UDP)
		return parse_udp(ctx, l4, end - l4, pi);
	if (nh == PROTO_ICMPV6)
		return parse_icmp(ctx, l4, end - l4, pi, 1);
	return PKT_HOST;
}

static __always_inline int is_vlan(__u16 et)
{
	return et == ETH_P_8021Q || et == ETH_P_8021AD_;
}

/*
 * Classify the frame into @pi; returns the class. Inlined into its one
 * caller: as a global function it was verified once, but every packet paid
 * a call and a return (each ~7 ns here under retpolines and SRSO "safe
 * RET") and @pi had to live on the stack across the call.
 */
static __always_inline int lb_parse(struct xdp_md *ctx, struct pkt *pi)
{
	__u32 off = ETH_HLEN;
	__u8 *eth;
	__u16 et;

	if (!pi)
		return PKT_HOST;
	pi->len = (__u32)(ctx->data_end - ctx->data);
	eth = pkt_ptr(ctx, 0, ETH_HLEN);
	if (!eth)
		return drop_as(pi, SL_DROP_TRUNCATED);
	et = rd16(eth + 12);
	if (is_vlan(et)) {
		__u8 *v = pkt_ptr(ctx, ETH_HLEN, VLAN_HLEN);

		if (!v)
			return drop_as(pi, SL_DROP_TRUNCATED);
		et = rd16(v + 2);
		off += VLAN_HLEN;
		if (is_vlan(et)) {
			v = pkt_ptr(ctx, ETH_HLEN + VLAN_HLEN, VLAN_HLEN);
			if (!v)
				return drop_as(pi, SL_DROP_TRUNCATED);
			et = rd16(v + 2);
			off += VLAN_HLEN;
			/* A third tag is nothing a balancer port is configured for. */
			if (is_vlan(et))
				return drop_as(pi, SL_DROP_UNSUPPORTED);
		}
	}
	pi->l3_off = off;
	if (et == ETH_P_IP)
		return parse_ipv4(ctx, off, pi);
	if (et == ETH_P_IPV6)
		return parse_ipv6(ctx, off, pi);
	return PKT_HOST;
}

/* ---- checksums: the same one's-complement sums as common/encap.c ------- */

static __always_inline __u32 csum_add(__u32 sum, __u32 v)
{
	sum += v;
	return sum + (sum < v);
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * Add @n packet bytes from @off to @seed, native 16-bit lanes as
 * sl_csum_partial does (an odd last byte is padded with a zero). Returns the
 * new 32-bit running sum, or -1 when the bytes are not all in the frame or @n
 * exceeds what the bounded loop covers. A global function so the verifier
 * checks it once, not at each of its four call sites.
 */
__noinline __s64 lb_csum_pkt(struct xdp_md *ctx, __u32 off, __u32 n, __u32 seed)
{
	__u32 s = seed, step;
	__u8 tail[4] = {};
	__u8 *p;
	int i;

	for (i = 0; i < CSUM_MAX_CHUNKS && n >= CSUM_CHUNK; i++) {
		p = pkt_ptr(ctx, off, CSUM_CHUNK);
		if (!p)
			return -1;
		s = bpf_csum_diff(NULL, 0, (__be32 *)p, CSUM_CHUNK, s);
		off += CSUM_CHUNK;
		n -= CSUM_CHUNK;
	}
	if (n >= CSUM_CHUNK)
		return -1;
	/* The rest in power-of-two pieces, each a constant size for the verifier. */
#pragma unroll
	for (step = CSUM_CHUNK / 2; step >= 4; step /= 2) {
		if (n >= step) {
			p = pkt_ptr(ctx, off, step);
			if (!p)
				return -1;
			s = bpf_csum_diff(NULL, 0, (__be32 *)p, step, s);
			off += step;
			n -= step;
		}
	}
	if (n) {
#pragma unroll
		for (i = 0; i < 3; i++) {
			if ((__u32)i < n) {
				p = pkt_ptr(ctx, off + i, 1);
				if (!p)
					return -1;
				tail[i] = *p;
			}
		}
		s = bpf_csum_diff(NULL, 0, (__be32 *)tail, 4, s);
	}
	return s;
}

static __always_inline int csum_pkt(struct xdp_md *ctx, __u32 off, __u32 n, __u32 *sum)
{
	__s64 r = lb_csum_pkt(ctx, off, n, *sum);

	if (r < 0)
		return -1;
	*sum = (__u32)r;
	return 0;
}

/* ---- header writers: byte-identical to common/encap.c ------------------ */

/* IPv4 header with ID 0 and DF (an atomic datagram, RFC 6864); checksum filled. */
static __always_inline void write_ipv4(__u8 *ip, const void *src, const void *dst, __u8 tos,
				       __u8 ttl, __u8 proto, __u16 total_len)
{
	__u32 sum = 0;
	__u16 w, c;
	int i;

	ip[0] = 0x45;
	ip[1] = tos;
	put16(ip + 2, total_len);
	put16(ip + 4, 0);
	put16(ip + 6, IPV4_DF);
	ip[8] = ttl;
	ip[9] = proto;
	ip[10] = 0;
	ip[11] = 0;
	__builtin_memcpy(ip + 12, src, 4);
	__builtin_memcpy(ip + 16, dst, 4);
#pragma unroll
	for (i = 0; i < IPV4_HLEN; i += 2) {
		__builtin_memcpy(&w, ip + i, 2);
		sum += w;
	}
	c = csum_fold(sum);
	__builtin_memcpy(ip + 10, &c, 2);
}

static __always_inline void write_ipv6(__u8 *ip, const void *src, const void *dst, __u8 tclass,
				       __u32 flow_label, __u8 hop_limit, __u8 nh, __u16 payload_len)
{
	put32(ip, 6u << 28 | (__u32)tclass << 20 | (flow_label & 0xfffff));
	put16(ip + 4, payload_len);
	ip[6] = nh;
	ip[7] = hop_limit;
	__builtin_memcpy(ip + 8, src, 16);
	__builtin_memcpy(ip + 24, dst, 16);
}

/* RFC 8200 8.1 pseudo-header sum, native lanes like encap.c's pseudo6_sum. */
static __always_inline __u32 pseudo6_sum(const __u8 *src, const __u8 *dst, __u32 ulen, __u8 nh)
{
	__u8 tail[8] = {};
	__u32 sum = 0, w;
	int i;

	put32(tail, ulen);
	tail[7] = nh;
#pragma unroll
	for (i = 0; i < 16; i += 4) {
		__builtin_memcpy(&w, src + i, 4);
		sum = csum_add(sum, w);
		__builtin_memcpy(&w, dst + i, 4);
		sum = csum_add(sum, w);
	}
	__builtin_memcpy(&w, tail, 4);
	sum = csum_add(sum, w);
	__builtin_memcpy(&w, tail + 4, 4);
	return csum_add(sum, w);
}

/* ---- clock --------------------------------------------------------------- */

/* The kernel's tick rate, from its config; 0 when libbpf cannot read it. */
extern unsigned int CONFIG_HZ __kconfig __weak;

/*
 * Nanoseconds since boot at tick granularity, the scale of
 * bpf_ktime_get_coarse_ns (flow entries written by either compare alike,
 * within a few ms: timeouts are seconds). From bpf_jiffies64, which the
 * verifier inlines to one load of jiffies, where the coarse clock is a
 * helper call; the common tick rates get a constant multiply. Jiffies
 * start at INITIAL_JIFFIES, (u32)(-300 * HZ), not at zero.
 */
static __always_inline __u64 tick_now_ns(void)
{
	__u64 j = bpf_jiffies64() - (__u64)(__u32)(-300 * (int)CONFIG_HZ);

	if (CONFIG_HZ == 250)
		return j * 4000000ull;
	if (CONFIG_HZ == 1000)
		return j * 1000000ull;
	if (CONFIG_HZ == 100)
		return j * 10000000ull;
	if (CONFIG_HZ == 300)
		return j * 3333333ull + j / 3; /* 10^9 / 300 = 3333333 + 1/3 */
	return bpf_ktime_get_coarse_ns();
}

/* ---- counters ----------------------------------------------------------- */

static __always_inline void row_add(void *map, __u32 id, __u32 bytes, int new_flow)
{
	struct sl_ctr *c = bpf_map_lookup_elem(map, &id);

	if (!c)
		return;
	if (new_flow) {
		c->new_flows++;
		return;
	}
	c->pkts++;
	c->bytes += bytes;
}

static __always_inline int drop(struct sl_lcore_ctr *ctr, __u32 reason)
{
	if (reason < SL_DROP__MAX)
		ctr->drops[reason]++;
	return XDP_DROP;
}

static __always_inline int send(struct sl_lcore_ctr *ctr)
{
	ctr->tx++;
	if (egress_ifindex)
		return bpf_redirect(egress_ifindex, 0);
	return XDP_TX;
}

/* ---- ICMP answers -------------------------------------------------------- */

/* Echo request -> reply in place, as sl_icmp_echo_reply: swap, TTL 64, incremental type change. */
static __always_inline int echo_reply(struct xdp_md *ctx, struct pkt *pi, struct sl_lcore_ctr *ctr)
{
	__u8 mac[6], a[16], *eth, *ip, *icmp;
	__u16 old_word, new_word, c;
	__u32 sum = 0;

	eth = pkt_ptr(ctx, 0, ETH_HLEN);
	icmp = pkt_ptr(ctx, pi->l4_off, ICMP_HLEN);
	if (!eth || !icmp)
		return drop(ctr, SL_DROP_BAD_L4);
	__builtin_memcpy(mac, eth, 6);
	__builtin_memcpy(eth, eth + 6, 6);
	__builtin_memcpy(eth + 6, mac, 6);

	if (pi->key.family == SL_AF_INET) {
		ip = pkt_ptr(ctx, pi->l3_off, IPV4_HLEN);
		if (!ip)
			return drop(ctr, SL_DROP_BAD_L4);
		__builtin_memcpy(a, ip + 12, 4);
		__builtin_memcpy(ip + 12, ip + 16, 4);
		__builtin_memcpy(ip + 16, a, 4);
		ip[8] = REPLY_TTL;
		ip[10] = 0;
		ip[11] = 0;
		if (csum_pkt(ctx, pi->l3_off, pi->l4_off - pi->l3_off, &sum))
			return drop(ctr, SL_DROP_BAD_L4);
		ip = pkt_ptr(ctx, pi->l3_off, IPV4_HLEN);
		if (!ip)
			return drop(ctr, SL_DROP_BAD_L4);
		c = csum_fold(sum);
		__builtin_memcpy(ip + 10, &c, 2);
	} else {
		ip = pkt_ptr(ctx, pi->l3_off, IPV6_HLEN);
		if (!ip)
			return drop(ctr, SL_DROP_BAD_L4);
		__builtin_memcpy(a, ip + 8, 16);
		__builtin_memcpy(ip + 8, ip + 24, 16);
		__builtin_memcpy(ip + 24, a, 16);
		ip[7] = REPLY_TTL;
	}
	/* Only the type changes under the ICMP checksum: RFC 1624 eq. 3, as encap.c. */
	icmp = pkt_ptr(ctx, pi->l4_off, ICMP_HLEN);
	if (!icmp)
		return drop(ctr, SL_DROP_BAD_L4);
	__builtin_memcpy(&old_word, icmp, 2);
	icmp[0] = pi->key.family == SL_AF_INET ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY;
	__builtin_memcpy(&new_word, icmp, 2);
	__builtin_memcpy(&c, icmp + 2, 2);
	c = csum_fold((__u32)(__u16)~c + (__u16)~old_word + new_word);
	__builtin_memcpy(icmp + 2, &c, 2);
	ctr->icmp_echo++;
	return send(ctr);
}

/*
 * The ICMP error sl_icmp_too_big would build, made in place: grow the head
 * by the new IP + ICMP headers, move the (MAC-swapped) link header to the
 * front, write the headers, cut the quote to size. Returns the verdict.
 */
static __always_inline int too_big(struct xdp_md *ctx, struct pkt *pi, struct sl_lcore_ctr *ctr,
				   const struct sl_xdp_globals *g, __u16 overhead)
{
	int v6 = pi->key.family == SL_AF_INET6;
	__u32 grow = v6 ? IPV6_HLEN + ICMP_HLEN : IPV4_HLEN + ICMP_HLEN;
	__u32 l3 = pi->l3_off, orig_len, quote, total, sum = 0;
	__u16 report = mtu - overhead, c;
	__u8 l2[22], osrc[16], *ip, *oip, *icmp, *eth;

	/* The client allows fragmentation, but sluice does not fragment tunnels. */
	if (!v6 && !pi->df)
		return drop(ctr, SL_DROP_TOO_BIG);
	orig_len = pi->len - l3;
	if (pi->l3_len && pi->l3_len < orig_len)
		orig_len = pi->l3_len;
	if (!v6) {
		__u32 ihl;
		__u8 *l4;

		ip = pkt_ptr(ctx, l3, IPV4_HLEN);
		if (!ip)
			return drop(ctr, SL_DROP_TOO_BIG);
		ihl = (__u32)(ip[0] & 0xf) * 4;

		if (report < IPV4_MIN_MTU)
			return drop(ctr, SL_DROP_TOO_BIG);
		/* RFC 1122 3.2.2: never an error about an ICMP error. */
		if (ip[9] == PROTO_ICMP && orig_len > ihl) {
			l4 = pkt_ptr(ctx, l3 + ihl, 1);
			if (!l4 || (l4[0] != ICMP_ECHO_REQ && l4[0] != ICMP_ECHO_REPLY))
				return drop(ctr, SL_DROP_TOO_BIG);
		}
		/* Unspecified, loopback, multicast, class E, broadcast: nobody to answer. */
		if (ip[12] == 0 || ip[12] == 127 || ip[12] >= 224)
			return drop(ctr, SL_DROP_TOO_BIG);
		__builtin_memcpy(osrc, ip + 12, 4);
		quote = orig_len > ICMP4_ERR_MAX - IPV4_HLEN - ICMP_HLEN ?
			ICMP4_ERR_MAX - IPV4_HLEN - ICMP_HLEN : orig_len;
	} else {
		__u32 w[4];

		if (report < IPV6_MIN_MTU)
			return drop(ctr, SL_DROP_TOO_BIG);
		/* RFC 4443 2.4(e): never an error about an ICMPv6 error (a steered PTB). */
		if (pi->icmp_err)
			return drop(ctr, SL_DROP_TOO_BIG);
		ip = pkt_ptr(ctx, l3, IPV6_HLEN);
		if (!ip)
			return drop(ctr, SL_DROP_TOO_BIG);
		__builtin_memcpy(w, ip + 8, 16);
		if (ip[8] == 0xff || (w[0] | w[1] | w[2] | w[3]) == 0)
			return drop(ctr, SL_DROP_TOO_BIG);
		__builtin_memcpy(osrc, ip + 8, 16);
		quote = orig_len > ICMP6_ERR_MAX - IPV6_HLEN - ICMP_HLEN ?
			ICMP6_ERR_MAX - IPV6_HLEN - ICMP_HLEN : orig_len;
	}
	total = grow + quote;

	eth = pkt_ptr(ctx, 0, sizeof(l2));
	if (!eth)
		return drop(ctr, SL_DROP_TOO_BIG);
	__builtin_memcpy(l2, eth + 6, 6);
	__builtin_memcpy(l2 + 6, eth, 6);
	__builtin_memcpy(l2 + 12, eth + 12, sizeof(l2) - 12);
	if (bpf_xdp_adjust_head(ctx, -(int)grow))
		return drop(ctr, SL_DROP_TOO_BIG);
	/* Cut to link header + new headers + quote; the rest of the original goes. */
	if (bpf_xdp_adjust_tail(ctx, (int)(l3 + total) - (int)(pi->len + grow)))
		return drop(ctr, SL_DROP_TOO_BIG);
	/* The copy covers the longest link header; shorter ones get overwritten below. */
	eth = pkt_ptr(ctx, 0, sizeof(l2));
	if (!eth)
		return drop(ctr, SL_DROP_TOO_BIG);
	__builtin_memcpy(eth, l2, sizeof(l2));
	if (!v6) {
		oip = pkt_ptr(ctx, l3, IPV4_HLEN + ICMP_HLEN);
		if (!oip)
			return drop(ctr, SL_DROP_TOO_BIG);
		write_ipv4(oip, g->src_v4, osrc, ICMP_ERR_TOS, REPLY_TTL, PROTO_ICMP, (__u16)total);
		icmp = oip + IPV4_HLEN;
		icmp[0] = ICMP_DEST_UNREACH;
		icmp[1] = ICMP_FRAG_NEEDED;
		put16(icmp + 2, 0);
		put16(icmp + 4, 0);
		put16(icmp + 6, report);
		if (csum_pkt(ctx, l3 + IPV4_HLEN, ICMP_HLEN + quote, &sum))
			return drop(ctr, SL_DROP_TOO_BIG);
		icmp = pkt_ptr(ctx, l3 + IPV4_HLEN, ICMP_HLEN);
	} else {
		oip = pkt_ptr(ctx, l3, IPV6_HLEN + ICMP_HLEN);
		if (!oip)
			return drop(ctr, SL_DROP_TOO_BIG);
		write_ipv6(oip, g->src_v6, osrc, 0, 0, REPLY_TTL, PROTO_ICMPV6,
			   (__u16)(ICMP_HLEN + quote));
		icmp = oip + IPV6_HLEN;
		icmp[0] = ICMP6_PKT_TOO_BIG;
		icmp[1] = 0;
		put16(icmp + 2, 0);
		put32(icmp + 4, report);
		sum = pseudo6_sum(oip + 8, oip + 24, ICMP_HLEN + quote, PROTO_ICMPV6);
		if (csum_pkt(ctx, l3 + IPV6_HLEN, ICMP_HLEN + quote, &sum))
			return drop(ctr, SL_DROP_TOO_BIG);
		icmp = pkt_ptr(ctx, l3 + IPV6_HLEN, ICMP_HLEN);
	}
	if (!icmp)
		return drop(ctr, SL_DROP_TOO_BIG);
	c = csum_fold(sum);
	__builtin_memcpy(icmp + 2, &c, 2);
	/* As the worker: the client's packet counts as a too_big drop, the error as sent. */
	ctr->drops[SL_DROP_TOO_BIG]++;
	ctr->icmp_too_big_sent++;
	return send(ctr);
}

/* ---- forwarding -------------------------------------------------------- */

static __always_inline __u32 encap_hdr_len(__u8 method, __u8 family)
{
	if (method == SL_FWD_IPIP)
		return family == SL_AF_INET ? ETH_HLEN + IPV4_HLEN : 0;
	if (method == SL_FWD_IP6TNL)
		return family == SL_AF_INET6 ? ETH_HLEN + IPV6_HLEN : 0;
	if (method == SL_FWD_GUE) {
		if (family == SL_AF_INET)
			return ETH_HLEN + IPV4_HLEN + UDP_HLEN + GUE_HLEN;
		if (family == SL_AF_INET6)
			return ETH_HLEN + IPV6_HLEN + UDP_HLEN + GUE_HLEN;
		return 0;
	}
	if (method == SL_FWD_L2DSR)
		return ETH_HLEN;
	return 0;
}

/* An 8-byte copy in one load and one store: clang -target bpf turns a
 * memcpy to a byte pointer into single-byte moves. Packet stores need no
 * alignment on the hosts XDP runs on (no BPF_F_STRICT_ALIGNMENT). */
static __always_inline void cp64(__u8 *d, const __u8 *s)
{
	*(__u64 *)d = *(const __u64 *)s;
}

static __always_inline void cp32(__u8 *d, const __u8 *s)
{
	*(__u32 *)d = *(const __u32 *)s;
}

static __always_inline void cp16(__u8 *d, const __u8 *s)
{
	*(__u16 *)d = *(const __u16 *)s;
}

/* sl_fast_csum: one's complement of the folded 64-bit sum of native lanes. */
static __always_inline __u16 fast_csum(__u64 sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* sl_fast_ipv4: version/IHL, TOS and total length as one word; the checksum from the template's sum. */
static __always_inline void tmpl_ipv4(__u8 *ip, __u32 tmpl_sum, __u8 tos, __u16 total_len)
{
	__u32 w = 0x45u | (__u32)tos << 8 | (__u32)__builtin_bswap16(total_len) << 16;

	*(__u32 *)ip = w;
	*(__u16 *)(ip + 10) = fast_csum((__u64)tmpl_sum + (w & 0xffff) + (w >> 16));
}

/* sl_fast_ipv6: version, traffic class, flow label; payload length. */
static __always_inline void tmpl_ipv6(__u8 *ip, __u8 tclass, __u32 entropy, __u16 payload_len)
{
	*(__u32 *)ip = __builtin_bswap32(6u << 28 | (__u32)tclass << 20 | (entropy & 0xfffffu));
	*(__u16 *)(ip + 4) = __builtin_bswap16(payload_len);
}

/* Encapsulate for @b and send; the verdict. Mirrors worker.c's forward(). */
static __always_inline int forward(struct xdp_md *ctx, struct pkt *pi, struct sl_lcore_ctr *ctr,
				   const struct sl_xdp_vip *vip, const struct sl_xdp_backend *b,
				   __u32 entropy)
{
	__u32 hlen = encap_hdr_len(vip->method, b->family);
	__u32 l3_len = pi->l3_len, pad, sum, ulen;
	int inner_v6 = pi->key.family == SL_AF_INET6;
	__u32 vip_id = vip->id, be_id = b->id;
	const struct sl_encap_tmpl *t = &b->tmpl;
	__u16 sport = (__u16)(49152 + entropy % 16384), c;
	__u64 sum64;
	__u8 *p;

	if (!b->mac_ok)
		return drop(ctr, SL_DROP_NO_NEXTHOP);
	/* A method the backend's family cannot carry: sl_encap_write refuses it too. */
	if (!hlen)
		return drop(ctr, SL_DROP_UNSUPPORTED);
	if (l3_len + hlen - ETH_HLEN > mtu) {
		__u32 key0 = 0;
		const struct sl_xdp_globals *g = bpf_map_lookup_elem(&sl_lb_globals, &key0);

		if (!g)
			return drop(ctr, SL_DROP_TOO_BIG);
		return too_big(ctx, pi, ctr, g, (__u16)(hlen - ETH_HLEN));
	}
	if (vip->method == SL_FWD_IPIP && inner_v6)
		return drop(ctr, SL_DROP_UNSUPPORTED);
	/* The library builds a template for every combination that got this far. */
	if (t->len != hlen)
		return drop(ctr, SL_DROP_UNSUPPORTED);

	/* Ethernet padding after the IP packet must not be tunnelled as payload. */
	pad = pi->len - (pi->l3_off + l3_len);
	if (pad && bpf_xdp_adjust_tail(ctx, -(int)pad))
		return drop(ctr, SL_DROP_UNSUPPORTED);
	if (bpf_xdp_adjust_head(ctx, (int)pi->l3_off - (int)hlen))
		return drop(ctr, SL_DROP_UNSUPPORTED);

	/* The template's bytes, then what varies per packet: sl_encap_tmpl_write's cases. */
	switch (t->kind) {
	case SL_TMPL_GUE4:
		p = pkt_ptr(ctx, 0, 46);
		if (!p)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		cp64(p, t->hdr);
		cp64(p + 8, t->hdr + 8);
		cp64(p + 16, t->hdr + 16);
		cp64(p + 24, t->hdr + 24);
		cp64(p + 32, t->hdr + 32);
		cp32(p + 40, t->hdr + 40);
		cp16(p + 44, t->hdr + 44);
		ulen = UDP_HLEN + GUE_HLEN + l3_len;
		tmpl_ipv4(p + ETH_HLEN, t->sum, pi->tos, (__u16)(IPV4_HLEN + ulen));
		/* GUE over IPv4: UDP checksum 0 is allowed and saves reading the packet. */
		put16(p + ETH_HLEN + IPV4_HLEN, sport);
		put16(p + ETH_HLEN + IPV4_HLEN + 4, (__u16)ulen);
		break;
	case SL_TMPL_IPIP:
		p = pkt_ptr(ctx, 0, 34);
		if (!p)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		cp64(p, t->hdr);
		cp64(p + 8, t->hdr + 8);
		cp64(p + 16, t->hdr + 16);
		cp64(p + 24, t->hdr + 24);
		cp16(p + 32, t->hdr + 32);
		tmpl_ipv4(p + ETH_HLEN, t->sum, pi->tos, (__u16)(IPV4_HLEN + l3_len));
		break;
	case SL_TMPL_IP6TNL:
		p = pkt_ptr(ctx, 0, 54);
		if (!p)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		cp64(p, t->hdr);
		cp64(p + 8, t->hdr + 8);
		cp64(p + 16, t->hdr + 16);
		cp64(p + 24, t->hdr + 24);
		cp64(p + 32, t->hdr + 32);
		cp64(p + 40, t->hdr + 40);
		cp32(p + 48, t->hdr + 48);
		cp16(p + 52, t->hdr + 52);
		tmpl_ipv6(p + ETH_HLEN, pi->tos, entropy, (__u16)l3_len);
		break;
	case SL_TMPL_GUE6:
		/* GUE over IPv6: the UDP checksum is mandatory and covers the whole packet. */
		ulen = UDP_HLEN + GUE_HLEN + l3_len;
		if (ulen > 0xffff)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		p = pkt_ptr(ctx, 0, 66);
		if (!p)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		cp64(p, t->hdr);
		cp64(p + 8, t->hdr + 8);
		cp64(p + 16, t->hdr + 16);
		cp64(p + 24, t->hdr + 24);
		cp64(p + 32, t->hdr + 32);
		cp64(p + 40, t->hdr + 40);
		cp64(p + 48, t->hdr + 48);
		cp64(p + 56, t->hdr + 56);
		cp16(p + 64, t->hdr + 64);
		tmpl_ipv6(p + ETH_HLEN, pi->tos, entropy, (__u16)ulen);
		put16(p + ETH_HLEN + IPV6_HLEN, sport);
		put16(p + ETH_HLEN + IPV6_HLEN + 4, (__u16)ulen);
		/* Template sum (pseudo-header addresses and next header, dport, GUE word)
		 * plus the length (pseudo-header and UDP header), sport and payload. */
		sum64 = (__u64)t->sum + 2u * __builtin_bswap16((__u16)ulen) + __builtin_bswap16(sport);
		sum64 = (sum64 & 0xffffffffu) + (sum64 >> 32);
		sum = (__u32)((sum64 & 0xffffffffu) + (sum64 >> 32));
		if (csum_pkt(ctx, 66, l3_len, &sum))
			return drop(ctr, SL_DROP_UNSUPPORTED);
		p = pkt_ptr(ctx, ETH_HLEN + IPV6_HLEN, UDP_HLEN);
		if (!p)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		c = csum_fold(sum);
		/* 0 means "no checksum"; its one's-complement twin is sent instead (RFC 768). */
		if (!c)
			c = 0xffff;
		__builtin_memcpy(p + 6, &c, 2);
		break;
	case SL_TMPL_L2DSR:
		p = pkt_ptr(ctx, 0, ETH_HLEN);
		if (!p)
			return drop(ctr, SL_DROP_UNSUPPORTED);
		cp64(p, t->hdr);
		cp32(p + 8, t->hdr + 8);
		cp16(p + 12, t->hdr + 12);
		break;
	default:
		return drop(ctr, SL_DROP_UNSUPPORTED);
	}
	row_add(&sl_lb_vip_ctr, vip_id, l3_len, 0);
	row_add(&sl_lb_be_ctr, be_id, l3_len, 0);
	return send(ctr);
}

static __always_inline const struct sl_xdp_backend *backend_at(const struct sl_xdp_vip *vip,
								__u32 slot)
{
	__u32 idx = vip->id * 2 + (vip->buf & 1);
	void *arr;

	if (slot >= vip->n_backends)
		return NULL;
	arr = bpf_map_lookup_elem(&sl_lb_backends, &idx);
	if (!arr)
		return NULL;
	return bpf_map_lookup_elem(arr, &slot);
}

/* ---- flow table ------------------------------------------------------- */

/* Keys compared as ten words: struct sl_flow_key is only 4-byte aligned. */
static __always_inline int flow_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 d = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*a) / 4); i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

#define FLOW_SLOT   (SL_XDP_FLOW_WAYS - 1) /* lb_flow_probe: the slot, */
#define FLOW_SECOND 8                        /* in the second bucket, */
#define FLOW_MISS   16                       /* not found live: where to insert, */
#define FLOW_EVICT  32                       /* pushing out a live entry */

/* One bucket's part of lb_flow_probe. */
struct flow_scan {
	int found, free_i, old_i, best_i;
	__s32 best;
};

static __always_inline void flow_scan(const struct sl_xdp_flow_bucket *bk, const struct sl_flow_key *key,
				      __u32 sig, __u32 now, struct flow_scan *r)
{
	int i;

	r->found = r->free_i = r->old_i = -1;
	r->best_i = 0;
	r->best = 0x7fffffff;
#pragma unroll
	for (i = 0; i < SL_XDP_FLOW_WAYS; i++) {
		__s32 left = (__s32)(bk->expire[i] - now); /* signed: stamps wrap */

		if (!bk->sig[i]) {
			if (r->free_i < 0)
				r->free_i = i;
			continue;
		}
		if (bk->sig[i] == sig && flow_key_eq(&bk->e[i].key, key)) {
			r->found = i;
			r->best = left; /* the caller reads it as "still live?" */
			return;
		}
		if (left <= 0) {
			if (r->old_i < 0)
				r->old_i = i;
		} else if (left < r->best) {
			r->best = left;
			r->best_i = i;
		}
	}
}

/*
 * Find @key (signature @sig, clock @now) in its bucket @b1 or its second
 * bucket @b2: the slot (| FLOW_SECOND) of its live entry, or FLOW_MISS | the
 * slot a new entry takes -- the same key's expired slot, else a free one
 * (first bucket first), else an expired one, else the live entry closest to
 * expiry of the 16 (| FLOW_EVICT), as common/flow_table.c does in its one
 * bucket. A second bucket because an 8-way bucket overflows long before the
 * table is full (with 120k flows in 512k entries, a few buckets out of 64k
 * hold more than 8, and their flows would be evicted where an LRU hash or
 * a larger worker table keeps them); a new flow takes it only when its
 * first bucket is full, so established flows nearly always hit in the
 * first. -1 on a NULL argument.
 * A global function: verified once with an unknown result, where inlined
 * each of its outcomes (constant slot, pointer offset) made the rest of the
 * program be verified again (647,717 instructions instead of ~100k).
 */
__noinline int lb_flow_probe(const struct sl_xdp_flow_bucket *b1, const struct sl_xdp_flow_bucket *b2,
			     const struct sl_flow_key *key, __u32 sig, __u32 now)
{
	struct flow_scan r1, r2;

	if (!b1 || !b2 || !key)
		return -1;
	flow_scan(b1, key, sig, now, &r1);
	if (r1.found >= 0)
		return r1.best > 0 ? r1.found : FLOW_MISS | r1.found;
	flow_scan(b2, key, sig, now, &r2);
	if (r2.found >= 0)
		return FLOW_SECOND | (r2.best > 0 ? r2.found : FLOW_MISS | r2.found);
	if (r1.free_i >= 0)
		return FLOW_MISS | r1.free_i;
	if (r1.old_i >= 0)
		return FLOW_MISS | r1.old_i;
	if (r2.free_i >= 0)
		return FLOW_MISS | FLOW_SECOND | r2.free_i;
	if (r2.old_i >= 0)
		return FLOW_MISS | FLOW_SECOND | r2.old_i;
	if (r2.best < r1.best)
		return FLOW_MISS | FLOW_EVICT | FLOW_SECOND | r2.best_i;
	return FLOW_MISS | FLOW_EVICT | r1.best_i;
}

/*
 * The slot of @key's live entry in its first bucket when exactly one
 * signature matches, else -1 (lb_flow_probe then decides). Without a branch
 * per slot: the call it spares costs ~20 ns here (a return pays the SRSO
 * toll), and branches would give the verifier a state per outcome. The
 * empty asm keeps clang from turning the zero test back into a compare.
 */
static __always_inline int flow_hit_first(const struct sl_xdp_flow_bucket *bk, const struct sl_flow_key *key,
					  __u32 sig, __u32 now)
{
	__u32 idx = 0, n = 0, i;

#pragma unroll
	for (i = 0; i < SL_XDP_FLOW_WAYS; i++) {
		__u32 x = bk->sig[i] ^ sig, nx = 0 - x, eq;

		asm volatile("" : "+r"(nx));
		eq = ((x | nx) >> 31) ^ 1; /* 1 when the signatures are equal */
		n += eq;
		idx |= (0 - eq) & i;
	}
	idx &= FLOW_SLOT;
	if (n != 1 || !flow_key_eq(&bk->e[idx].key, key) || (__s32)(bk->expire[idx] - now) <= 0)
		return -1;
	return (int)idx;
}

/* The flow table first, Maglev for new flows: worker.c's balance(). */
static __always_inline int balance(struct xdp_md *ctx, struct pkt *pi, struct sl_lcore_ctr *ctr,
				   const struct sl_xdp_vip *vip)
{
	__u32 hash, slot_hash, idx, bi, sig, now, ttl, i1, i2, cpu0, mask;
	struct sl_xdp_flow_bucket *bk, *bk1, *bk2;
	const struct sl_xdp_backend *b;
	struct sl_xdp_flow *f = NULL;
	void *table;
	__u32 *slot;
	int probe;

	/* The tick-granular clock: the precise one reads the TSC through the
	 * hypervisor's scaling (~10 ns a packet). Idle timeouts are seconds; a
	 * tick of error is nothing. */
	now = (__u32)(tick_now_ns() >> SL_XDP_FLOW_TICK_SHIFT);
	/* The VIP's protocol is the packet's; rounded up so a timeout never shrinks. */
	ttl = (__u32)((vip->timeout_ns + (1ull << SL_XDP_FLOW_TICK_SHIFT) - 1) >> SL_XDP_FLOW_TICK_SHIFT);
	/* sl_flow_hash(key, SL_HF_ALL), with IPv4's zero address words folded:
	 * it picks the bucket, and is the encapsulation's entropy. */
	hash = sl_flow_hash_all(&pi->key);
	sig = hash | 1; /* never 0, which marks a free slot */
	cpu0 = bpf_get_smp_processor_id() << flow_bucket_bits;
	mask = (1u << flow_bucket_bits) - 1;
	i1 = cpu0 | (hash & mask);
	bk1 = bpf_map_lookup_elem(&sl_lb_flows, &i1);
	/* The second bucket: other hash bits, never the first when there are two. */
	i2 = cpu0 | ((hash ^ (hash >> 16 | 1)) & mask);
	bk2 = bpf_map_lookup_elem(&sl_lb_flows, &i2);

	/* The common case inline, the rest (second bucket, insert slot) in the call. */
	probe = bk1 ? flow_hit_first(bk1, &pi->key, sig, now) : -1;
	if (probe < 0)
		probe = lb_flow_probe(bk1, bk2, &pi->key, sig, now);
	/* Looked up again (inlined: a multiply and an add) rather than chosen
	 * between two pointers, which would have the verifier walk the rest of
	 * the program once for each (~200k instructions instead of ~110k). */
	if (probe & FLOW_SECOND)
		i1 = i2;
	bk = probe >= 0 ? bpf_map_lookup_elem(&sl_lb_flows, &i1) : NULL;
	/* Masked: the verifier then knows the slot is in the bucket. */
	if (bk && probe < FLOW_MISS)
		f = &bk->e[probe & FLOW_SLOT];
	if (f) {
		bk->expire[probe & FLOW_SLOT] = now + ttl;
		if (f->vip == vip->id) {
			b = backend_at(vip, f->backend);
			if (b && b->gen == f->gen && b->up) {
				ctr->flow_hits++;
				return forward(ctx, pi, ctr, vip, b, hash);
			}
		}
		/* A remembered flow whose backend went away (or whose VIP changed) moves. */
		ctr->flow_moved++;
	}
	ctr->flow_misses++;

	idx = vip->id * 2 + (vip->buf & 1);
	table = bpf_map_lookup_elem(&sl_lb_tables, &idx);
	if (!table || !vip->table_size)
		return drop(ctr, SL_DROP_NO_BACKEND);
	if (vip->sched == SCHED_MAGLEV) {
		slot_hash = vip->hash_fields == SL_HF_ALL ? hash :
			sl_flow_hash(&pi->key, vip->hash_fields);
		idx = sl_maglev_slot(slot_hash, vip->table_size);
	} else if (vip->sched == SCHED_WRR) {
		/* Per node and per CPU, like the worker's per-lcore position: not fleet-consistent. */
		__u32 id = vip->id, *rr = bpf_map_lookup_elem(&sl_lb_rr, &id);

		if (!rr)
			return drop(ctr, SL_DROP_NO_BACKEND);
		idx = *rr % vip->table_size;
		*rr += 1;
	} else {
		/* wrandom / lrt: a weighted random draw from the pick sequence. */
		idx = sl_hash_reduce(bpf_get_prandom_u32(), vip->table_size);
	}
	slot = bpf_map_lookup_elem(table, &idx);
	if (!slot)
		return drop(ctr, SL_DROP_NO_BACKEND);
	bi = *slot;
	b = backend_at(vip, bi);
	if (bi == SL_MAGLEV_EMPTY || !b)
		return drop(ctr, SL_DROP_NO_BACKEND);

	/* A RST ends the flow: remembering it would only evict a live one. */
	if (bk && !(pi->key.proto == PROTO_TCP && (pi->tcp_flags & TCP_FLAG_RST))) {
		if (!f) {
			__u32 v = (__u32)probe & FLOW_SLOT;

			if (probe & FLOW_EVICT) {
				__u32 zero = 0;
				__u64 *ev = bpf_map_lookup_elem(&sl_lb_flow_evict, &zero);

				if (ev)
					*ev += 1;
			}
			bk->sig[v] = sig;
			bk->expire[v] = now + ttl;
			f = &bk->e[v];
			f->key = pi->key;
			f->hash = hash;
		}
		if (f) {
			f->vip = vip->id;
			f->backend = bi;
			f->gen = b->gen;
		}
	}
	row_add(&sl_lb_vip_ctr, vip->id, 0, 1);
	row_add(&sl_lb_be_ctr, b->id, 0, 1);
	return forward(ctx, pi, ctr, vip, b, hash);
}

/*
 * The record of {dst, @port, @proto, family} in half @half of the index, or
 * NULL: sl_dp_vip_get's probe, compared in place against the flow key (no
 * VIP key built on the stack). The loop is bounded for the verifier; the
 * library refuses an index whose runs are longer.
 */
static __always_inline const struct sl_xdp_vip *vix_get(const struct sl_flow_key *fk, __u16 port,
							 __u8 proto, __u32 half)
{
	__u32 h = sl_vip_flow_hash(fk, port, proto), tail = sl_vip_key_tail(port, proto, fk->family);
	const struct sl_xdp_vix_slot *s;
	__u32 i, idx, t;

	for (i = 0; i < SL_XDP_VIX_PROBE; i++) {
		idx = (half & 1) * SL_XDP_VIX_SLOTS + ((h + i) & SL_XDP_VIX_MASK);
		s = bpf_map_lookup_elem(&sl_lb_vip_index, &idx);
		if (!s || !s->used)
			return NULL;
		__builtin_memcpy(&t, &s->key.port, sizeof(t));
		if (t == tail && s->key.addr[0] == fk->dst[0] && s->key.addr[1] == fk->dst[1] &&
		    s->key.addr[2] == fk->dst[2] && s->key.addr[3] == fk->dst[3])
			return &s->rec;
	}
	return NULL;
}

static __always_inline const struct sl_xdp_vip *vip_find(const struct pkt *pi, int addr_only)
{
	const struct sl_xdp_vip *v;
	__u32 key0 = 0, *live = bpf_map_lookup_elem(&sl_lb_vix_live, &key0), half;

	if (!live)
		return NULL;
	/* Read once: the whole lookup uses one half, whatever the library flips meanwhile. */
	half = *(volatile __u32 *)live;
	if (addr_only)
		return vix_get(&pi->key, 0, 0, half);
	v = vix_get(&pi->key, pi->key.dport, pi->key.proto, half);
	if (v)
		return v;
	return vix_get(&pi->key, 0, pi->key.proto, half);
}

SEC("xdp")
int sl_lb(struct xdp_md *ctx)
{
	struct sl_lcore_ctr *ctr;
	const struct sl_xdp_vip *vip;
	struct pkt pi = {};
	__u32 key0 = 0;
	int cls;

	ctr = bpf_map_lookup_elem(&sl_lb_lcore, &key0);
	if (!ctr)
		return XDP_PASS;
	ctr->rx++;
	cls = lb_parse(ctx, &pi);
	if (cls == PKT_FLOW || cls == PKT_ICMP_ERR || cls == PKT_ICMP_ECHO) {
		__u32 slot = sl_xdp_addr_slot(pi.key.dst, pi.key.family);
		__u32 *any = bpf_map_lookup_elem(&sl_lb_vip_addrs, &slot);

		/* No VIP on this address: what both VIP lookups would say, far cheaper. */
		if (!any || !*any)
			cls = PKT_HOST;
	}
	switch (cls) {
	case PKT_FLOW:
	case PKT_ICMP_ERR:
		vip = vip_find(&pi, 0);
		if (!vip)
			break;
		/* Steered like the flow it quotes, so the owning backend learns the path MTU. */
		if (cls == PKT_ICMP_ERR)
			ctr->icmp_err++;
		return balance(ctx, &pi, ctr, vip);
	case PKT_ICMP_ECHO:
		vip = vip_find(&pi, 1);
		if (!vip)
			break;
		return echo_reply(ctx, &pi, ctr);
	case PKT_HOST:
		break;
	default:
		return drop(ctr, pi.drop);
	}
	ctr->host++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
