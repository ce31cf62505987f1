/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow table: hits, misses, expiry with uint32 wraparound, eviction, capacity, hostile keys. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "flow_hash.h"
#include "flow_table.h"

#define TMO 1000u

static struct sl_flow_table *new_table(uint32_t entries)
{
	size_t size = sl_flow_table_mem_size(entries);
	void *mem;

	CU_ASSERT_FATAL(size != 0);
	mem = aligned_alloc(64, size);
	CU_ASSERT_FATAL(mem != NULL);
	/* Garbage in the block must not matter: init owns clearing it. */
	memset(mem, 0xa5, size);
	return sl_flow_table_init(mem, entries);
}

/* Distinct keys for distinct @i: a TCP flow 198.18.x.y:port -> 198.19.0.1:443. */
static struct sl_flow_key key_v4(uint32_t i)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = SL_AF_INET;
	k.proto = IPPROTO_TCP;
	k.src[0] = htonl(0xc6120000u | (i & 0xffffu));
	k.dst[0] = htonl(0xc6130001u);
	k.sport = htons((uint16_t)(1024 + (i >> 16)));
	k.dport = htons(443);
	return k;
}

static struct sl_flow_key key_v6(uint32_t i)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = SL_AF_INET6;
	k.proto = IPPROTO_UDP;
	k.src[0] = htonl(0x20010db8u);
	k.src[3] = htonl(i);
	k.dst[0] = htonl(0x20010db8u);
	k.dst[1] = htonl(0x00010000u);
	k.dst[3] = htonl(1);
	k.sport = htons(5353);
	k.dport = htons(53);
	return k;
}

static uint32_t H(const struct sl_flow_key *k)
{
	return sl_flow_hash(k, SL_HF_ALL);
}

static struct sl_flow_entry *lookup(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t now)
{
	return sl_flow_lookup(t, k, H(k), now, TMO);
}

static struct sl_flow_entry *insert(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t now,
				    uint32_t backend)
{
	struct sl_flow_entry *e = sl_flow_insert(t, k, H(k), now, TMO);

	CU_ASSERT_FATAL(e != NULL);
	e->backend = backend;
	e->vip = (uint16_t)(backend * 3);
	return e;
}

static void test_insert_then_hit(void)
{
	struct sl_flow_table *t = new_table(1024);
	struct sl_flow_key a = key_v4(1), b = key_v4(2);
	struct sl_flow_entry *ea, *eb;

	CU_ASSERT_PTR_NULL(lookup(t, &a, 10));
	ea = insert(t, &a, 10, 7);
	eb = insert(t, &b, 10, 9);
	CU_ASSERT_PTR_NOT_EQUAL(ea, eb);
	CU_ASSERT_PTR_EQUAL(lookup(t, &a, 20), ea);
	CU_ASSERT_PTR_EQUAL(lookup(t, &b, 20), eb);
	CU_ASSERT_EQUAL(ea->backend, 7);
	CU_ASSERT_EQUAL(ea->vip, 21);
	CU_ASSERT_EQUAL(eb->backend, 9);
	CU_ASSERT_EQUAL(memcmp(&ea->key, &a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(sl_flow_count(t, 20), 2);

	/* Re-inserting a live key refreshes it in place and keeps what the dataplane stored. */
	CU_ASSERT_PTR_EQUAL(sl_flow_insert(t, &a, H(&a), 30, TMO), ea);
	CU_ASSERT_EQUAL(ea->backend, 7);
	CU_ASSERT_EQUAL(sl_flow_count(t, 30), 2);

	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->lookups, 3);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->hits, 2);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->inserts, 3);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 0);
	free(t);
}

/* Every byte of the key matters, whether or not the hash (and so the signature) changes. */
static void test_one_byte_differs(void)
{
	struct sl_flow_table *t = new_table(256);
	struct sl_flow_key base = key_v4(42), k6 = key_v6(42);
	size_t off;

	insert(t, &base, 0, 1);
	insert(t, &k6, 0, 2);
	/* Bytes 0..37: src, dst, sport, dport, proto, family. The pad (38..39) is always zero. */
	for (off = 0; off < offsetof(struct sl_flow_key, pad); off++) {
		struct sl_flow_key k = base;

		((uint8_t *)&k)[off] ^= 0x01;
		CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &k, H(&k), 1, TMO));
		/* Same hash as the stored key: bucket and signature match, only the key compare saves us. */
		CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &k, H(&base), 1, TMO));
		k = k6;
		((uint8_t *)&k)[off] ^= 0x80;
		CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &k, H(&k6), 1, TMO));
	}
	CU_ASSERT_EQUAL(lookup(t, &base, 1)->backend, 1);
	CU_ASSERT_EQUAL(lookup(t, &k6, 1)->backend, 2);
	/* A wrong hash for the right key looks in another bucket: a miss, not some other entry. */
	CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &base, H(&base) ^ 1u, 1, TMO));
	free(t);
}

static void test_full_hash_collision(void)
{
	struct sl_flow_table *t = new_table(64);
	struct sl_flow_key a = key_v4(1), b = key_v4(2);
	uint32_t h = 0xdeadbeefu;
	struct sl_flow_entry *ea, *eb;

	/* Two keys forced onto one hash: both live side by side, each finds its own entry. */
	ea = sl_flow_insert(t, &a, h, 0, TMO);
	eb = sl_flow_insert(t, &b, h, 0, TMO);
	CU_ASSERT_PTR_NOT_EQUAL(ea, eb);
	CU_ASSERT_PTR_EQUAL(sl_flow_lookup(t, &a, h, 1, TMO), ea);
	CU_ASSERT_PTR_EQUAL(sl_flow_lookup(t, &b, h, 1, TMO), eb);
	CU_ASSERT_EQUAL(sl_flow_delete(t, &a, h), 1);
	CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &a, h, 1, TMO));
	CU_ASSERT_PTR_EQUAL(sl_flow_lookup(t, &b, h, 1, TMO), eb);
	/* Hash 0 and ~0 are ordinary hashes, not "empty" markers. */
	CU_ASSERT_PTR_NOT_NULL(sl_flow_insert(t, &a, 0, 0, TMO));
	CU_ASSERT_PTR_NOT_NULL(sl_flow_lookup(t, &a, 0, 1, TMO));
	CU_ASSERT_PTR_NOT_NULL(sl_flow_insert(t, &b, UINT32_MAX, 0, TMO));
	CU_ASSERT_PTR_NOT_NULL(sl_flow_lookup(t, &b, UINT32_MAX, 1, TMO));
	free(t);
}

static void test_timeout(void)
{
	struct sl_flow_table *t = new_table(64);
	struct sl_flow_key a = key_v4(5);

	sl_flow_insert(t, &a, H(&a), 1000, 100);     /* expires at 1100 */
	CU_ASSERT_PTR_NOT_NULL(sl_flow_lookup(t, &a, H(&a), 1099, 100)); /* hit: now 1199 */
	CU_ASSERT_PTR_NOT_NULL(sl_flow_lookup(t, &a, H(&a), 1198, 100)); /* alive only thanks to the refresh */
	CU_ASSERT_EQUAL(sl_flow_count(t, 1297), 1);
	CU_ASSERT_EQUAL(sl_flow_count(t, 1298), 0);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 0);
	CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &a, H(&a), 1298, 100)); /* exactly at expiry: gone */
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 1);
	/* The slot was freed: a later miss is not counted again. */
	CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &a, H(&a), 1299, 100));
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 1);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->hits, 2);

	/* Timeout 0 expires at once; re-inserting an expired key starts a clean entry. */
	sl_flow_insert(t, &a, H(&a), 2000, 0);
	CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &a, H(&a), 2000, TMO));
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 2);
	insert(t, &a, 4000, 77);
	CU_ASSERT_EQUAL(sl_flow_insert(t, &a, H(&a), 4000 + TMO, TMO)->backend, 0);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 3);
	CU_ASSERT_EQUAL(sl_flow_count(t, 4000 + TMO), 1);
	free(t);
}

static void test_time_wraparound(void)
{
	struct sl_flow_table *t = new_table(64);
	struct sl_flow_key a = key_v4(6);
	uint32_t start = UINT32_MAX - 10;

	sl_flow_insert(t, &a, H(&a), start, 100); /* expires at 89 after the wrap */
	/* An unsigned "expire > now" would call this expired (89 < 2^32 - 6). */
	CU_ASSERT_PTR_NOT_NULL(sl_flow_lookup(t, &a, H(&a), UINT32_MAX - 5, 100)); /* now expires at 94 */
	CU_ASSERT_EQUAL(sl_flow_count(t, UINT32_MAX), 1);
	CU_ASSERT_PTR_NOT_NULL(sl_flow_lookup(t, &a, H(&a), 50, 100)); /* expires at 150 */
	CU_ASSERT_EQUAL(sl_flow_count(t, 149), 1);
	CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &a, H(&a), 150, 100));
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 1);
	free(t);
}

/* A one-bucket table: every key shares the bucket, so the ninth insert must evict. */
static void test_full_bucket_eviction(void)
{
	struct sl_flow_table *t = new_table(SL_FLOW_BUCKET_SLOTS);
	struct sl_flow_key k[SL_FLOW_BUCKET_SLOTS + 1];
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(sl_flow_table_capacity(t), SL_FLOW_BUCKET_SLOTS);
	for (i = 0; i <= SL_FLOW_BUCKET_SLOTS; i++)
		k[i] = key_v4(100 + i);
	for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++)
		insert(t, &k[i], i, i);
	/* Refresh k[0]: now k[1] is the one closest to expiry, not the first inserted. */
	CU_ASSERT_PTR_NOT_NULL(lookup(t, &k[0], 20));
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 0);
	insert(t, &k[SL_FLOW_BUCKET_SLOTS], 21, 99);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 1);
	CU_ASSERT_EQUAL(sl_flow_count(t, 21), SL_FLOW_BUCKET_SLOTS);
	CU_ASSERT_PTR_NULL(lookup(t, &k[1], 22));
	CU_ASSERT_PTR_NOT_NULL(lookup(t, &k[0], 22));
	for (i = 2; i <= SL_FLOW_BUCKET_SLOTS; i++)
		CU_ASSERT_PTR_NOT_NULL(lookup(t, &k[i], 22));
	CU_ASSERT_EQUAL(lookup(t, &k[SL_FLOW_BUCKET_SLOTS], 23)->backend, 99);

	/* Many more keys: the table never holds more than its capacity, each newcomer evicts one. */
	for (i = 0; i < 1000; i++) {
		struct sl_flow_key x = key_v4(5000 + i);

		insert(t, &x, 100 + i, i);
		CU_ASSERT_PTR_NOT_NULL(lookup(t, &x, 100 + i));
	}
	CU_ASSERT_EQUAL(sl_flow_count(t, 1100), SL_FLOW_BUCKET_SLOTS);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 1001);
	free(t);
}

/* Eviction in a many-bucket table, with keys found to share one bucket; expired slots go first. */
static void test_expired_slot_before_eviction(void)
{
	struct sl_flow_table *t = new_table(512);
	uint32_t mask = sl_flow_table_capacity(t) / SL_FLOW_BUCKET_SLOTS - 1;
	struct sl_flow_key k[SL_FLOW_BUCKET_SLOTS + 2];
	uint32_t i, n = 0, target;

	target = H(&(struct sl_flow_key){ 0 }) & mask;
	for (i = 0; n < SL_FLOW_BUCKET_SLOTS + 2; i++) {
		struct sl_flow_key x = key_v4(i);

		CU_ASSERT_FATAL(i < 10000000);
		if ((H(&x) & mask) == target)
			k[n++] = x;
	}
	for (i = 0; i < SL_FLOW_BUCKET_SLOTS; i++)
		sl_flow_insert(t, &k[i], H(&k[i]), 0, i == 3 ? 10 : TMO);
	/* k[3] expired at 10: the newcomer takes its slot instead of evicting a live flow. */
	insert(t, &k[SL_FLOW_BUCKET_SLOTS], 50, 1);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 0);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 1);
	CU_ASSERT_EQUAL(sl_flow_count(t, 50), SL_FLOW_BUCKET_SLOTS);
	for (i = 0; i <= SL_FLOW_BUCKET_SLOTS; i++)
		CU_ASSERT_EQUAL(lookup(t, &k[i], 51) != NULL, i != 3);
	/* Now the bucket is full of live flows: the next one evicts. */
	insert(t, &k[SL_FLOW_BUCKET_SLOTS + 1], 60, 2);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 1);
	CU_ASSERT_EQUAL(sl_flow_count(t, 60), SL_FLOW_BUCKET_SLOTS);
	free(t);
}

static void test_delete(void)
{
	struct sl_flow_table *t = new_table(64);
	struct sl_flow_key a = key_v4(1), b = key_v4(2), c = key_v4(3);

	insert(t, &a, 0, 1);
	insert(t, &b, 0, 2);
	CU_ASSERT_EQUAL(sl_flow_delete(t, &c, H(&c)), 0);
	CU_ASSERT_EQUAL(sl_flow_delete(t, &a, H(&a)), 1);
	CU_ASSERT_PTR_NULL(lookup(t, &a, 1));
	CU_ASSERT_EQUAL(sl_flow_delete(t, &a, H(&a)), 0);
	CU_ASSERT_EQUAL(lookup(t, &b, 1)->backend, 2);
	CU_ASSERT_EQUAL(sl_flow_count(t, 1), 1);
	/* Delete has no clock: an expired entry is still removed (and so is not counted as expired). */
	CU_ASSERT_EQUAL(sl_flow_delete(t, &b, H(&b)), 1);
	CU_ASSERT_EQUAL(sl_flow_count(t, 1), 0);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 0);
	/* The freed slot is usable again. */
	insert(t, &a, 5, 3);
	CU_ASSERT_EQUAL(lookup(t, &a, 6)->backend, 3);
	free(t);
}

static void test_capacity_rounding(void)
{
	static const struct { uint32_t ask, cap; } cases[] = {
		{ 1, 8 }, { 7, 8 }, { 8, 8 }, { 9, 16 }, { 16, 16 }, { 17, 32 }, { 1000, 1024 },
		{ 65536, 65536 }, { 65537, 131072 }, { 1u << 20, 1u << 20 },
	};
	size_t i, prev = 0;
	void *mem;

	CU_ASSERT_EQUAL(sl_flow_table_mem_size(0), 0);
	CU_ASSERT_EQUAL(sl_flow_table_mem_size(SL_FLOW_TABLE_MAX_ENTRIES + 1), 0);
	CU_ASSERT_EQUAL(sl_flow_table_mem_size(UINT32_MAX), 0);
	/* The largest table is sized without overflow (not allocated). */
	CU_ASSERT(sl_flow_table_mem_size(SL_FLOW_TABLE_MAX_ENTRIES) >
		  (size_t)SL_FLOW_TABLE_MAX_ENTRIES * sizeof(struct sl_flow_entry));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t size = sl_flow_table_mem_size(cases[i].ask);
		struct sl_flow_table *t;

		CU_ASSERT(size >= (size_t)cases[i].cap * (sizeof(struct sl_flow_entry) + 8));
		CU_ASSERT_EQUAL(size % 64, 0);
		CU_ASSERT(size >= prev);
		prev = size;
		CU_ASSERT_EQUAL(size, sl_flow_table_mem_size(cases[i].cap));
		mem = aligned_alloc(64, size);
		CU_ASSERT_FATAL(mem != NULL);
		t = sl_flow_table_init(mem, cases[i].ask);
		CU_ASSERT_PTR_EQUAL(t, mem);
		CU_ASSERT_EQUAL(sl_flow_table_capacity(t), cases[i].cap);
		CU_ASSERT_EQUAL(sl_flow_count(t, 0), 0);
		CU_ASSERT_EQUAL(sl_flow_table_stats(t)->lookups, 0);
		free(mem);
	}
	/* Bad arguments: no table, and no write through a bad pointer. */
	mem = aligned_alloc(64, 4096);
	CU_ASSERT_FATAL(mem != NULL);
	CU_ASSERT_PTR_NULL(sl_flow_table_init(mem, 0));
	CU_ASSERT_PTR_NULL(sl_flow_table_init((uint8_t *)mem + 8, 8));
	CU_ASSERT_PTR_NULL(sl_flow_table_init(NULL, 8));
	CU_ASSERT_PTR_NULL(sl_flow_table_init(mem, UINT32_MAX));
	free(mem);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Unique random-looking keys: @i is spread over src address and port, the rest is random. */
static struct sl_flow_key key_random(uint32_t i)
{
	struct sl_flow_key k;
	uint64_t r = rng();

	memset(&k, 0, sizeof(k));
	k.family = (r & 1) ? SL_AF_INET6 : SL_AF_INET;
	k.proto = (r & 2) ? IPPROTO_TCP : IPPROTO_UDP;
	k.src[0] = i;
	k.dst[0] = (uint32_t)(r >> 32);
	if (k.family == SL_AF_INET6) {
		k.src[1] = (uint32_t)r;
		k.dst[3] = (uint32_t)(r >> 16);
	}
	k.sport = (uint16_t)(r >> 8);
	k.dport = (uint16_t)(r >> 24);
	return k;
}

static void test_many_random_flows(void)
{
	enum { N = 1000000, CAP = 65536, RECENT = 1000 };
	struct sl_flow_table *t = new_table(CAP);
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	uint32_t i, now = 0, count;

	CU_ASSERT_EQUAL_FATAL(sl_flow_table_capacity(t), CAP);
	for (i = 0; i < N; i++) {
		struct sl_flow_key k = key_random(i);

		now = i / 16;
		CU_ASSERT_PTR_NULL(sl_flow_lookup(t, &k, H(&k), now, 1u << 30));
		sl_flow_insert(t, &k, H(&k), now, 1u << 30)->backend = i;
	}
	count = sl_flow_count(t, now);
	/* Every bucket saw ~128 inserts, so every slot is taken, and every extra insert evicted one. */
	CU_ASSERT_EQUAL(count, CAP);
	CU_ASSERT_EQUAL(st->evictions, (uint64_t)N - count);
	CU_ASSERT_EQUAL(st->inserts, N);
	CU_ASSERT_EQUAL(st->hits, 0);
	CU_ASSERT_EQUAL(st->expirations, 0);

	/* Replay the same key stream: the oldest flows were evicted, the newest survive intact. */
	rng_state = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < N; i++) {
		struct sl_flow_key k = key_random(i);
		struct sl_flow_entry *e = sl_flow_lookup(t, &k, H(&k), now, 1u << 30);

		if (i < RECENT)
			CU_ASSERT_PTR_NULL(e);
		if (i >= N - RECENT) {
			CU_ASSERT_PTR_NOT_NULL(e);
			if (e)
				CU_ASSERT_EQUAL(e->backend, i);
		}
	}
	CU_ASSERT_EQUAL(st->hits, CAP);
	free(t);
}

static void test_ipv6_keys(void)
{
	/* Roomy (2000 keys in 8192 buckets) so no bucket overflows and every key must be found. */
	struct sl_flow_table *t = new_table(65536);
	struct sl_flow_key v4 = key_v4(9), v6 = key_v6(9);
	uint32_t i;

	/* An IPv6 key whose first words equal an IPv4 key's is still a different flow. */
	v6.src[0] = v4.src[0];
	v6.dst[0] = v4.dst[0];
	v6.sport = v4.sport;
	v6.dport = v4.dport;
	v6.proto = v4.proto;
	insert(t, &v4, 0, 4);
	CU_ASSERT_PTR_NULL(lookup(t, &v6, 1));
	insert(t, &v6, 0, 6);
	CU_ASSERT_EQUAL(lookup(t, &v4, 1)->backend, 4);
	CU_ASSERT_EQUAL(lookup(t, &v6, 1)->backend, 6);
	/* Keys differing only in the last address word (the interface id) all coexist. */
	for (i = 0; i < 2000; i++) {
		struct sl_flow_key k = key_v6(i);

		insert(t, &k, 2, i);
	}
	for (i = 0; i < 2000; i++) {
		struct sl_flow_key k = key_v6(i);
		struct sl_flow_entry *e = lookup(t, &k, 3);

		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->backend, i);
		CU_ASSERT_EQUAL(e->key.family, SL_AF_INET6);
	}
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->evictions, 0);
	free(t);
}

static void test_sweep(void)
{
	struct sl_flow_table *t = new_table(1024);
	uint32_t buckets = sl_flow_table_capacity(t) / SL_FLOW_BUCKET_SLOTS, i, freed = 0;
	struct sl_flow_key a = key_v4(0);

	for (i = 0; i < 100; i++) {
		struct sl_flow_key k = key_v4(i);

		sl_flow_insert(t, &k, H(&k), 0, i < 60 ? 10 : 1000);
	}
	/* Partial sweeps round-robin over the table and together reach every bucket. */
	for (i = 0; i < buckets; i += 7)
		freed += sl_flow_sweep(t, 20, 7);
	CU_ASSERT_EQUAL(freed, 60);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 60);
	CU_ASSERT_EQUAL(sl_flow_count(t, 20), 40);
	CU_ASSERT_EQUAL(sl_flow_sweep(t, 20, UINT32_MAX), 0);
	/*
	 * Why sweeping matters: 2^31 units after expiring, an untouched entry would
	 * read as live again. Swept, it stays gone.
	 */
	CU_ASSERT_PTR_NULL(lookup(t, &a, 0x90000000u));
	CU_ASSERT_EQUAL(sl_flow_sweep(t, 2000, UINT32_MAX), 40);
	CU_ASSERT_EQUAL(sl_flow_count(t, 0x90000000u), 0);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->expirations, 100);
	free(t);
}

static void test_prefetch_is_harmless(void)
{
	struct sl_flow_table *t = new_table(64);
	struct sl_flow_key a = key_v4(1);
	struct sl_flow_entry *e;

	insert(t, &a, 0, 5);
	/* Any hash is a valid argument: prefetch must not fault or change state. */
	sl_flow_prefetch(t, 0);
	sl_flow_prefetch(t, UINT32_MAX);
	sl_flow_prefetch_entry(t, UINT32_MAX);
	sl_flow_prefetch(t, H(&a));
	sl_flow_prefetch_entry(t, H(&a));
	e = lookup(t, &a, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->backend, 5);
	CU_ASSERT_EQUAL(sl_flow_table_stats(t)->lookups, 1);
	free(t);
}

SL_CU_MAIN("flow_table",
	   { "insert then hit", test_insert_then_hit },
	   { "one byte differs", test_one_byte_differs },
	   { "full hash collision", test_full_hash_collision },
	   { "timeout and refresh", test_timeout },
	   { "uint32 time wraparound", test_time_wraparound },
	   { "full bucket eviction", test_full_bucket_eviction },
	   { "expired slot before eviction", test_expired_slot_before_eviction },
	   { "delete", test_delete },
	   { "capacity rounding", test_capacity_rounding },
	   { "1M random flows into 64k", test_many_random_flows },
	   { "IPv6 keys", test_ipv6_keys },
	   { "sweep", test_sweep },
	   { "prefetch is harmless", test_prefetch_is_harmless })
