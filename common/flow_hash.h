/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one flow hash of sluice.
 *
 * Every node of a fleet, DPDK or XDP, must map a flow to the same Maglev slot,
 * so this file is the single definition compiled into the DPDK worker, the
 * control plane (`sluicectl lookup`), the tests and the BPF program. It is
 * header-only, loop bounds are constants and it uses 32-bit arithmetic only,
 * so the BPF verifier accepts it unchanged.
 *
 * The mix is MurmurHash3's 32-bit block and finalizer: cheap (one multiply pair
 * per word), well distributed for addresses that differ in a few bits, and
 * trivially reproducible by anyone who wants to predict a flow's backend.
 */
#ifndef SLUICE_FLOW_HASH_H
#define SLUICE_FLOW_HASH_H

#include "flow_key.h"

/* Which parts of the 5-tuple feed the hash; chosen per VIP. */
#define SL_HF_SRC_ADDR (1u << 0)
#define SL_HF_SRC_PORT (1u << 1)
#define SL_HF_DST_ADDR (1u << 2)
#define SL_HF_DST_PORT (1u << 3)
#define SL_HF_PROTO    (1u << 4)
#define SL_HF_ALL      0x1fu

/* Fixed so that every node, build and restart agrees. Changing it moves every flow. */
#define SL_FLOW_HASH_SEED 0x51c3a7e1u

static inline uint32_t sl_hash_rotl32(uint32_t x, uint32_t r)
{
	return (x << r) | (x >> (32 - r));
}

static inline uint32_t sl_hash_mix(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = sl_hash_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = sl_hash_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline uint32_t sl_hash_final(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * Hash a flow key over the fields selected by @fields (SL_HF_*).
 * Unselected fields contribute a constant zero word, so the number of mixing
 * steps is always the same (10) and the result depends only on the selected
 * values. Pure function; safe anywhere.
 */
static inline uint32_t sl_flow_hash(const struct sl_flow_key *k, uint32_t fields)
{
	uint32_t h = SL_FLOW_HASH_SEED;
	uint32_t sa = (fields & SL_HF_SRC_ADDR) ? 0xffffffffu : 0;
	uint32_t da = (fields & SL_HF_DST_ADDR) ? 0xffffffffu : 0;
	uint32_t ports = 0;
	int i;

	if (fields & SL_HF_SRC_PORT)
		ports |= (uint32_t)k->sport << 16;
	if (fields & SL_HF_DST_PORT)
		ports |= k->dport;

	for (i = 0; i < 4; i++)
		h = sl_hash_mix(h, k->src[i] & sa);
	for (i = 0; i < 4; i++)
		h = sl_hash_mix(h, k->dst[i] & da);
	h = sl_hash_mix(h, ports);
	h = sl_hash_mix(h, (fields & SL_HF_PROTO) ? k->proto : 0);
	return sl_hash_final(h ^ 40);
}

/*
 * sl_flow_hash(@k, SL_HF_ALL), the worker's per-packet hash, with the same
 * result for every key. IPv4 keys (and any key whose address words 1..3 are
 * zero) take a path where those six words are the constant 0, so the
 * compiler folds their multiplies away: a zero word still goes through the
 * mix (h = rotl(h, 13) * 5 + c), as the hash's definition demands, but
 * costs three cheap operations instead of seven. The test fastpath checks
 * identity over random keys. Pure function; safe anywhere.
 */
static inline uint32_t sl_flow_hash_all(const struct sl_flow_key *k)
{
	uint32_t h = SL_FLOW_HASH_SEED;
	int i;

	if ((k->src[1] | k->src[2] | k->src[3] | k->dst[1] | k->dst[2] | k->dst[3]) != 0)
		return sl_flow_hash(k, SL_HF_ALL);
	h = sl_hash_mix(h, k->src[0]);
	for (i = 1; i < 4; i++)
		h = sl_hash_mix(h, 0);
	h = sl_hash_mix(h, k->dst[0]);
	for (i = 1; i < 4; i++)
		h = sl_hash_mix(h, 0);
	h = sl_hash_mix(h, (uint32_t)k->sport << 16 | k->dport);
	h = sl_hash_mix(h, k->proto);
	return sl_hash_final(h ^ 40);
}

/* Hash arbitrary bytes (backend identities for Maglev permutations). */
static inline uint32_t sl_hash_bytes(const void *data, uint32_t len, uint32_t seed)
{
	const uint8_t *p = (const uint8_t *)data;
	uint32_t h = seed, i, k;

	for (i = 0; i + 4 <= len; i += 4) {
		k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
		    (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
		h = sl_hash_mix(h, k);
	}
	k = 0;
	for (; i < len; i++)
		k = (k << 8) | p[i];
	h = sl_hash_mix(h, k);
	return sl_hash_final(h ^ len);
}

/*
 * Map a 32-bit hash onto [0, m) with a multiply and shift instead of a modulo:
 * as uniform as `hash % m`, cheaper, and the same in C and BPF.
 */
static inline uint32_t sl_hash_reduce(uint32_t hash, uint32_t m)
{
	return (uint32_t)(((uint64_t)hash * m) >> 32);
}

#endif
