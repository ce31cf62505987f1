/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's view of the world: VIPs, their backends and Maglev tables,
 * next-hop MACs, outer addresses, and the counters workers write.
 *
 * One immutable snapshot at a time is published by the control thread
 * through an RCU pointer (see dp_publish.h). Workers read it without locks;
 * the only fields a worker writes are its own counter rows. No DPDK includes
 * here, so the builder and the lookup are unit-testable.
 */
#ifndef SLUICE_DP_STATE_H
#define SLUICE_DP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/drop_reason.h"
#include "../common/encap.h"
#include "../common/encap_fast.h"
#include "../common/flow_hash.h"
#include "../common/flow_key.h"

struct sl_vip_key {
	uint32_t addr[4];
	uint16_t port;   /* network order; 0 = any port (or the address marker) */
	uint8_t  proto;  /* 0 = the "this address is a VIP" marker used for ICMP */
	uint8_t  family;
};

/* Stable identities: a VIP's `id` and a backend's `id` survive every table
 * change for as long as the VIP/backend exists, and name their counter rows.
 * Flow entries remember (vip id, backend slot, slot generation), so a flow
 * whose backend was removed, or whose slot was reused, is re-balanced rather
 * than sent to a stranger. */
#define SL_MAX_VIP_IDS     4096u
#define SL_MAX_BACKEND_IDS 65536u

struct sl_dp_backend {
	uint32_t addr[4];
	uint8_t  family;
	uint8_t  up;          /* 0: no new flows, and its existing flows move (health, removal) */
	uint8_t  mac_ok;      /* next-hop MAC resolved */
	uint8_t  mac[6];      /* next hop for this backend (gateway or the backend itself) */
	uint16_t gen;         /* slot generation: bumped when the slot gets a different backend */
	uint32_t weight;      /* effective weight (0 = drained: owns no slot, keeps its flows) */
	uint32_t id;          /* stable backend id: counter row */
	/* The VIP's headers to this backend, ready to copy (sl_dp_backend_tmpl_fill);
	 * SL_TMPL_NONE in a state built without it: the worker then uses sl_encap_write. */
	struct sl_encap_tmpl tmpl;
};

struct sl_dp_vip {
	struct sl_vip_key key;
	enum sl_fwd_method method;
	uint32_t hash_fields;
	uint16_t gue_port;
	uint8_t  sched;              /* enum sl_sched (config.h); maglev is the default */
	uint8_t  drop_all_down;      /* every backend down and policy "drop": count no_backend */
	uint32_t table_size;
	const uint32_t *table;       /* Maglev: slot -> backend slot index, SL_MAGLEV_EMPTY if none */
	const uint32_t *pick;        /* other schedulers: weighted sequence of backend slots */
	uint32_t n_pick;
	struct sl_dp_backend *backends; /* slots; a removed backend leaves a slot with up = 0 */
	uint32_t n_backends;
	uint32_t index;              /* position in sl_dp_state.vips (this snapshot only) */
	uint32_t id;                 /* stable VIP id: counter row, kept in flow entries */
	void    *table_ref;          /* the control plane's reference on table/pick (opaque here) */
};

struct sl_dp_state {
	uint64_t generation;
	uint32_t n_vips;
	struct sl_dp_vip *vips;

	/* open-addressed VIP index: power-of-two slots holding vip index + 1 (0 = empty) */
	uint32_t vip_slots_mask;
	uint32_t *vip_slots;
	struct sl_vip_key *vip_slot_keys;

	uint32_t src_v4[4], src_v6[4];
	uint8_t  outer_ttl;
	uint32_t tcp_timeout_ms, udp_timeout_ms;
};

static inline uint32_t sl_vip_key_hash(const struct sl_vip_key *k)
{
	uint32_t h = SL_FLOW_HASH_SEED;

	h = sl_hash_mix(h, k->addr[0]);
	h = sl_hash_mix(h, k->addr[1] ^ k->addr[2] ^ k->addr[3]);
	h = sl_hash_mix(h, (uint32_t)k->port << 16 | (uint32_t)k->proto << 8 | k->family);
	return sl_hash_final(h);
}

static inline int sl_vip_key_eq(const struct sl_vip_key *a, const struct sl_vip_key *b)
{
	return a->addr[0] == b->addr[0] && a->addr[1] == b->addr[1] && a->addr[2] == b->addr[2] &&
	       a->addr[3] == b->addr[3] && a->port == b->port && a->proto == b->proto &&
	       a->family == b->family;
}

static inline const struct sl_dp_vip *sl_dp_vip_get(const struct sl_dp_state *s,
						     const struct sl_vip_key *k)
{
	uint32_t i = sl_vip_key_hash(k) & s->vip_slots_mask, v;

	/* The index is at most half full, so a probe run always ends at an empty slot. */
	while ((v = s->vip_slots[i]) != 0) {
		if (sl_vip_key_eq(&s->vip_slot_keys[i], k))
			return &s->vips[v - 1];
		i = (i + 1) & s->vip_slots_mask;
	}
	return NULL;
}

/*
 * The last four bytes of a struct sl_vip_key (port, proto, family) as one
 * native word, built in registers. The worker's lookups compare a flow key
 * against the index in place: building a struct sl_vip_key on the stack
 * from byte and halfword stores and then reading it back as words stalled
 * store forwarding on every packet (a fifth of the worker's time).
 */
_Static_assert(__builtin_offsetof(struct sl_vip_key, port) == 16 &&
	       __builtin_offsetof(struct sl_vip_key, proto) == 18 &&
	       __builtin_offsetof(struct sl_vip_key, family) == 19 && sizeof(struct sl_vip_key) == 20,
	       "sl_vip_key_tail assumes this layout");

static inline uint32_t sl_vip_key_tail(uint16_t port, uint8_t proto, uint8_t family)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint32_t)port | (uint32_t)proto << 16 | (uint32_t)family << 24;
#else
	return (uint32_t)port << 16 | (uint32_t)proto << 8 | family;
#endif
}

/* sl_vip_key_hash of the key {fk->dst, @port, @proto, fk->family}, without building it. */
static inline uint32_t sl_vip_flow_hash(const struct sl_flow_key *fk, uint16_t port, uint8_t proto)
{
	uint32_t h = SL_FLOW_HASH_SEED;

	h = sl_hash_mix(h, fk->dst[0]);
	h = sl_hash_mix(h, fk->dst[1] ^ fk->dst[2] ^ fk->dst[3]);
	h = sl_hash_mix(h, (uint32_t)port << 16 | (uint32_t)proto << 8 | fk->family);
	return sl_hash_final(h);
}

/* sl_dp_vip_get of {fk->dst, @tail's port/proto/family} (hash @h); same probe sequence. */
static inline const struct sl_dp_vip *sl_dp_vip_get_flow(const struct sl_dp_state *s,
							  const struct sl_flow_key *fk, uint32_t h,
							  uint32_t tail)
{
	uint32_t i = h & s->vip_slots_mask, v, t;

	while ((v = s->vip_slots[i]) != 0) {
		const struct sl_vip_key *k = &s->vip_slot_keys[i];

		__builtin_memcpy(&t, &k->port, sizeof(t));
		/* 32-bit loads of fk: each lies inside one store of the parser, so they forward. */
		if (t == tail && k->addr[0] == fk->dst[0] && k->addr[1] == fk->dst[1] &&
		    k->addr[2] == fk->dst[2] && k->addr[3] == fk->dst[3])
			return &s->vips[v - 1];
		i = (i + 1) & s->vip_slots_mask;
	}
	return NULL;
}

/* VIP for the flow's (dst, dport, proto), falling back to the any-port VIP. NULL on a miss. Lock-free read. */
static inline const struct sl_dp_vip *sl_dp_vip_find(const struct sl_dp_state *s,
						      const struct sl_flow_key *fk)
{
	const struct sl_dp_vip *v;

	v = sl_dp_vip_get_flow(s, fk, sl_vip_flow_hash(fk, fk->dport, fk->proto),
			       sl_vip_key_tail(fk->dport, fk->proto, fk->family));
	if (v)
		return v;
	return sl_dp_vip_get_flow(s, fk, sl_vip_flow_hash(fk, 0, fk->proto),
				  sl_vip_key_tail(0, fk->proto, fk->family));
}

/*
 * The previous answer of sl_dp_vip_find, for a run of packets to one VIP:
 * packets of a burst mostly go to a few VIPs, and comparing five words
 * costs far less than the hash's dependent multiply chain. Valid for one
 * state: start each burst with sl_vip_memo_init.
 */
struct sl_vip_memo {
	uint32_t dst[4];
	uint32_t tail;                /* sl_vip_key_tail of the flow; 0 = nothing memoised */
	const struct sl_dp_vip *vip;  /* the answer, NULL included */
};

/* Forget @m's answer: call at the start of each burst (and whenever the state may have changed). */
static inline void sl_vip_memo_init(struct sl_vip_memo *m)
{
	m->tail = 0; /* a real tail has a nonzero family byte, so this never matches */
	m->vip = NULL;
	__builtin_memset(m->dst, 0, sizeof(m->dst));
}

/* sl_dp_vip_find(@s, @fk), answered from @m when @fk's (dst, dport, proto, family) repeats. Lock-free read. */
static inline const struct sl_dp_vip *sl_dp_vip_find_memo(const struct sl_dp_state *s, struct sl_vip_memo *m,
							   const struct sl_flow_key *fk)
{
	uint32_t tail = sl_vip_key_tail(fk->dport, fk->proto, fk->family);

	if (tail == m->tail && fk->dst[0] == m->dst[0] && fk->dst[1] == m->dst[1] &&
	    fk->dst[2] == m->dst[2] && fk->dst[3] == m->dst[3])
		return m->vip;
	m->vip = sl_dp_vip_find(s, fk);
	m->tail = tail;
	__builtin_memcpy(m->dst, fk->dst, sizeof(m->dst));
	return m->vip;
}

/* Any VIP on the flow's destination address (ICMP echo). Lock-free read. */
static inline const struct sl_dp_vip *sl_dp_vip_find_addr(const struct sl_dp_state *s,
							   const struct sl_flow_key *fk)
{
	return sl_dp_vip_get_flow(s, fk, sl_vip_flow_hash(fk, 0, 0), sl_vip_key_tail(0, 0, fk->family));
}

/*
 * Fill @b->tmpl, the header template of VIP @v's method to backend @b, from
 * @s's outer source address and TTL and @b's address, family and MAC (set
 * those first; rebuild when they change). A combination sl_encap_write
 * refuses leaves SL_TMPL_NONE, so the worker takes the reference path and
 * drops as it always did. Control thread, before the state is published.
 */
static inline void sl_dp_backend_tmpl_fill(const struct sl_dp_state *s, const struct sl_dp_vip *v,
					   struct sl_dp_backend *b)
{
	struct sl_encap_params p;

	__builtin_memset(&p, 0, sizeof(p));
	p.method = v->method;
	p.outer_family = b->family;
	__builtin_memcpy(p.outer_src, b->family == SL_AF_INET ? s->src_v4 : s->src_v6, sizeof(p.outer_src));
	__builtin_memcpy(p.outer_dst, b->addr, sizeof(p.outer_dst));
	__builtin_memcpy(p.dst_mac, b->mac, sizeof(p.dst_mac));
	p.ttl = s->outer_ttl;
	p.gue_port = v->gue_port;
	sl_encap_tmpl_build(&b->tmpl, &p, v->key.family);
}

/* Build-time insert used by the state builder; -EEXIST for a duplicate, -ENOSPC when full. */
int sl_dp_vip_index_add(struct sl_dp_state *s, const struct sl_vip_key *k, uint32_t vip_index);

#endif
