/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Looking into the XDP balancer's own flow table (lb_shared.h) from user
 * space: tests and operators go through these calls, so the table's layout
 * can change without them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../common/flow_hash.h"
#include "lb.skel.h"
#include "xdp_lb_internal.h"

int sl_xdp_flows_clear(struct sl_xdp *x)
{
	struct bpf_map *m = x->skel->maps.sl_lb_flows;
	size_t len = (size_t)bpf_map__max_entries(m) * sizeof(struct sl_xdp_flow_bucket);
	void *p;

	/* Mapped, not written a bucket a syscall: the default table is ~150 MB. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	if (p == MAP_FAILED)
		return -errno;
	memset(p, 0, len);
	munmap(p, len);
	return 0;
}

int sl_xdp_flow_find(struct sl_xdp *x, const struct sl_flow_key *key, uint32_t cpu,
		     struct sl_xdp_flow *out)
{
	struct bpf_map *m = x->skel->maps.sl_lb_flows;
	uint32_t bits = x->skel->rodata->flow_bucket_bits;
	uint32_t hash, i, b;
	struct sl_xdp_flow_bucket bk;

	if (!key || !out)
		return -EINVAL;
	if (cpu >= (bpf_map__max_entries(m) >> bits))
		return -ERANGE;
	hash = sl_flow_hash_all(key);
	/* Both of the key's buckets, as lb.bpf.c's lb_flow_probe. */
	for (b = 0; b < 2; b++) {
		uint32_t mask = (1u << bits) - 1;
		uint32_t idx = cpu << bits | ((b ? hash ^ (hash >> 16 | 1) : hash) & mask);

		if (bpf_map_lookup_elem(bpf_map__fd(m), &idx, &bk))
			return -errno;
		for (i = 0; i < SL_XDP_FLOW_WAYS; i++)
			if (bk.sig[i] == (hash | 1) && memcmp(&bk.e[i].key, key, sizeof(*key)) == 0) {
				*out = bk.e[i];
				return 0;
			}
	}
	return -ENOENT;
}

int sl_xdp_flow_evictions(struct sl_xdp *x, uint64_t *out)
{
	int n = libbpf_num_possible_cpus(), i;
	uint32_t zero = 0;
	uint64_t *v;

	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_lb_flow_evict), &zero, v)) {
		i = -errno;
		free(v);
		return i;
	}
	*out = 0;
	for (i = 0; i < n; i++)
		*out += v[i];
	free(v);
	return 0;
}
