/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the XDP balancer (lb.bpf.c) and its user-space library (xdp_lb*.c)
 * share: map values, map names and sizes. The map keys are the dataplane's
 * own structs (struct sl_vip_key from dp_state.h, struct sl_flow_key), and
 * the counter values are struct sl_lcore_ctr / struct sl_ctr from
 * dp_counters.h, so both dataplanes are read the same way.
 *
 * Included by the BPF program (clang -target bpf -ffreestanding) and by user
 * space; every struct has explicit padding so both compilers lay it out
 * alike. Changing a layout here changes a pinned map's ABI: the library then
 * recreates that map (losing its contents) rather than misreading it.
 */
#ifndef SLUICE_LB_SHARED_H
#define SLUICE_LB_SHARED_H

#include <linux/types.h>

#include "../dataplane/dp_counters.h"
#include "../dataplane/dp_state.h"

/* Value of the VIP hash map, one per struct sl_vip_key (the VIP's own key and
 * its address marker). Replaced whole by user space: readers see the old or
 * the new record, never a mix (BPF_F_NO_PREALLOC hash: RCU-freed elements). */
struct sl_xdp_vip {
	__u32 id;          /* stable VIP id: counter row, flow entries, table slots */
	__u32 table_size;  /* entries of the live table: Maglev M, or the pick sequence's length */
	__u32 n_backends;  /* entries of the live backend array */
	__u32 hash_fields; /* SL_HF_* */
	__u16 gue_port;    /* host byte order */
	__u8  method;      /* enum sl_fwd_method */
	__u8  buf;         /* 0/1: which table/backend buffer of this VIP is live */
	__u8  sched;       /* enum sl_sched: maglev table, or wrr/wrandom/lrt pick sequence */
	__u8  pad[3];
	/* Idle timeout of the VIP's protocol: here, not in the globals, so a
	 * packet reads one record (a second hash lookup cost ~30 ns). */
	__u64 timeout_ns;
};

/*
 * The VIP index the program probes itself (sl_lb_vip_index, an ARRAY): two
 * halves of SL_XDP_VIX_SLOTS slots, open addressing with linear probing on
 * sl_vip_key_hash, as dp_state.h's sl_dp_vip_get. An array lookup is inlined
 * by the verifier; the hash map it replaces cost ~25 ns a lookup here (a
 * call chain down to memcmp, each call paying the retpoline/SRSO toll).
 * sl_lb_vix_live[0] names the live half. The library writes the spare half
 * whole, flips the word, then waits for running programs before that half
 * may be written again (docs/xdp.md, "Update protocol").
 */
#define SL_XDP_VIX_SLOTS  (1u << 15) /* per half: SL_XDP_VIP_KEYS keys at most half full */
#define SL_XDP_VIX_MASK   (SL_XDP_VIX_SLOTS - 1)
#define SL_XDP_VIX_PROBE  32         /* longest probe run the library accepts */

struct sl_xdp_vix_slot {
	struct sl_vip_key key;  /* meaningful when used */
	__u32 used;             /* 0: empty, ends a probe run */
	struct sl_xdp_vip rec;
	__u8  pad[8];           /* one 64-byte line a slot */
};
_Static_assert(sizeof(struct sl_xdp_vix_slot) == 64, "a VIP index slot is one cache line");

/* One backend slot (dp_state.h's struct sl_dp_backend, minus the weight). */
struct sl_xdp_backend {
	__u32 addr[4];
	__u32 id;          /* stable backend id: counter row */
	__u16 gen;         /* slot generation, kept in flow entries */
	__u8  family;
	__u8  up;
	__u8  mac_ok;
	__u8  mac[6];
	__u8  pad;
	/* The VIP's headers to this backend (common/encap_fast.h), with the
	 * sending interface's MAC already in: the program copies them in a few
	 * 8-byte stores and patches lengths, TOS, entropy and checksums, as the
	 * DPDK worker does, instead of writing ~50 fields and summing the
	 * outer IPv4 header. Offset 32: the copies read aligned words. */
	struct sl_encap_tmpl tmpl;
};

/* Snapshot-wide settings (dp_state.h), one element under key 0. */
struct sl_xdp_globals {
	__u32 src_v4[4];
	__u32 src_v6[4];
	__u64 tcp_timeout_ns;
	__u64 udp_timeout_ns;
	__u8  ttl;
	__u8  pad[7];
};

/*
 * The flow table the program probes itself (sl_lb_flows, an ARRAY of
 * buckets), laid out like common/flow_table.c: each CPU owns
 * 2^flow_bucket_bits consecutive buckets (element cpu << bits | hash & mask),
 * so a packet touches its own CPU's lines only and needs no lock. A bucket
 * is one line of 8 signatures and 8 expiry stamps, which decides "miss",
 * "which slot" and "expired?" alone, then the 8 entries, one line each:
 * a hit reads two lines. The kernel LRU hash it replaces cost ~55 ns a
 * lookup and ~300 ns an insert here (helper calls, jhash, LRU lists); an
 * array lookup is inlined by the verifier.
 */
#define SL_XDP_FLOW_WAYS     8
#define SL_XDP_FLOW_MAX_BITS 24  /* 2^24 buckets = 2^27 entries a CPU at most */
/* Stamps count 2^20 ns (~1.05 ms): a shift of the ns clock, no divide, and
 * a u32 compared signed stays right for timeouts up to ~26 days. */
#define SL_XDP_FLOW_TICK_SHIFT 20

struct sl_xdp_flow {
	struct sl_flow_key key;
	__u32 vip;         /* VIP id */
	__u32 backend;     /* backend slot in that VIP's array */
	__u32 hash;        /* sl_flow_hash(key, SL_HF_ALL): the bucket and the encapsulation's entropy */
	__u16 gen;         /* the slot's generation when chosen */
	__u8  pad[10];     /* one line an entry: a 54-byte stride would split entries across lines */
};
_Static_assert(sizeof(struct sl_xdp_flow) == 64, "a flow entry is one cache line");

struct sl_xdp_flow_bucket {
	__u32 sig[SL_XDP_FLOW_WAYS];    /* hash | 1; 0 = free */
	__u32 expire[SL_XDP_FLOW_WAYS]; /* in 2^20 ns units; meaningful when sig != 0 */
	struct sl_xdp_flow e[SL_XDP_FLOW_WAYS];
};
_Static_assert(sizeof(struct sl_xdp_flow_bucket) == 64 * (1 + SL_XDP_FLOW_WAYS), "bucket line + 8 entry lines");

/*
 * Table and backend arrays live in two ARRAY_OF_MAPS indexed by
 * 2 * vip id + buf; the last slot of the table map is only ever written to
 * make the kernel wait for running programs (see xdp_lb_apply.c).
 */
#define SL_XDP_MAX_VIPS      SL_MAX_VIP_IDS
#define SL_XDP_MAX_BACKENDS  SL_MAX_BACKEND_IDS
#define SL_XDP_VIP_KEYS      (2 * SL_XDP_MAX_VIPS)     /* own key + address marker */
#define SL_XDP_BUF_SLOTS     (2 * SL_XDP_MAX_VIPS + 1)
#define SL_XDP_SYNC_SLOT     (2 * SL_XDP_MAX_VIPS)
#define SL_XDP_MAX_TABLE     (1u << 24)                /* largest Maglev M accepted */

/* Object names: the library finds and pins by these. */
#define SL_XDP_PROG_NAME     "sl_lb"
#define SL_XDP_MAP_VIPS      "sl_lb_vips"
#define SL_XDP_MAP_TABLES    "sl_lb_tables"
#define SL_XDP_MAP_BACKENDS  "sl_lb_backends"
#define SL_XDP_MAP_GLOBALS   "sl_lb_globals"
#define SL_XDP_MAP_FLOWS     "sl_lb_flows"
#define SL_XDP_MAP_FLOW_EVICT "sl_lb_flow_evict"
#define SL_XDP_MAP_LCORE     "sl_lb_lcore"
#define SL_XDP_MAP_VIP_CTR   "sl_lb_vip_ctr"
#define SL_XDP_MAP_BE_CTR    "sl_lb_be_ctr"
#define SL_XDP_MAP_RR        "sl_lb_rr"
#define SL_XDP_MAP_ADDRS     "sl_lb_vip_addrs"
#define SL_XDP_MAP_VIX       "sl_lb_vip_index"
#define SL_XDP_MAP_VIX_LIVE  "sl_lb_vix_live"

/*
 * Filter of VIP addresses: an ARRAY of SL_XDP_ADDR_SLOTS __u32, nonzero
 * where some VIP address falls (sl_xdp_addr_slot). A packet whose slot is
 * zero is for no VIP and goes to the kernel after one inlined array read,
 * where the VIP hash map would take two ~25 ns lookups (port, then any
 * port). A nonzero slot only means "look it up". The library sets slots
 * before it adds VIP keys and clears them after it removed them, so the
 * filter never hides a VIP.
 */
#define SL_XDP_ADDR_SLOTS 4096u

/* Filter slot of a flow-key-layout address (network order words; IPv4 uses w[0] only). */
static inline __u32 sl_xdp_addr_slot(const __u32 *w, __u8 family)
{
	__u32 x = family == SL_AF_INET ? w[0] : w[0] ^ w[1] ^ w[2] ^ w[3];

	/* Fibonacci hashing: the top bits of a multiply mix every address bit in. */
	return (x * 0x9e3779b1u) >> 20; /* 12 bits: SL_XDP_ADDR_SLOTS */
}

#endif
