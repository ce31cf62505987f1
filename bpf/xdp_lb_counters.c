/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the per-CPU counters and summing them into the rows the DPDK
 * dataplane reports, so the control plane reads both the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb.skel.h"
#include "xdp_lb_internal.h"

#define LCORE_WORDS (sizeof(struct sl_lcore_ctr) / sizeof(uint64_t))

/* Both structs are arrays of uint64_t, so summing is word by word. */
static void add_words(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] += src[i];
}

static int read_lcore(struct sl_xdp *x, struct sl_lcore_ctr *total, struct sl_lcore_ctr *per_cpu,
		      uint32_t n_per_cpu)
{
	uint32_t ncpu = x->st.n_cpus, c;
	struct sl_lcore_ctr *v = calloc(ncpu, sizeof(*v));
	__u32 k = 0;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	/* Per-CPU values come back one 8-byte-rounded slot per possible CPU. */
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_lb_lcore), &k, v)) {
		rc = -errno;
		goto out;
	}
	if (total)
		memset(total, 0, sizeof(*total));
	for (c = 0; c < ncpu; c++) {
		if (total)
			add_words((uint64_t *)total, (const uint64_t *)&v[c], LCORE_WORDS);
		if (per_cpu && c < n_per_cpu)
			per_cpu[c] = v[c];
	}
out:
	free(v);
	return rc;
}

static int read_rows(struct sl_xdp *x, struct bpf_map *m, struct sl_ctr *rows, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t ncpu = x->st.n_cpus, done = 0, i, c;
	struct sl_ctr *vals;
	__u32 *keys, out_batch, count;
	void *in = NULL;
	int rc = 0;

	memset(rows, 0, (size_t)n * sizeof(*rows));
	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	vals = calloc((size_t)n * ncpu, sizeof(*vals));
	if (!keys || !vals) {
		rc = -ENOMEM;
		goto out;
	}
	while (done < n) {
		count = n - done;
		rc = bpf_map_lookup_batch(bpf_map__fd(m), in, &out_batch, keys + done,
					  vals + (size_t)done * ncpu, &count, &bo);
		/* ENOENT: the map's end reached, with @count the last rows. */
		if (rc && errno != ENOENT) {
			rc = -errno;
			goto out;
		}
		done += count;
		in = &out_batch;
		if (rc || !count)
			break;
	}
	rc = 0;
	for (i = 0; i < done; i++) {
		if (keys[i] >= n)
			continue;
		for (c = 0; c < ncpu; c++)
			add_words((uint64_t *)&rows[keys[i]], (const uint64_t *)&vals[(size_t)i * ncpu + c],
				  sizeof(struct sl_ctr) / sizeof(uint64_t));
	}
out:
	free(keys);
	free(vals);
	return rc;
}

int sl_xdp_read_counters(struct sl_xdp *x, struct sl_lcore_ctr *total,
			 struct sl_lcore_ctr *per_cpu, uint32_t n_per_cpu,
			 struct sl_ctr *vip_rows, uint32_t n_vip_rows,
			 struct sl_ctr *backend_rows, uint32_t n_backend_rows)
{
	int rc;

	if (!x || n_vip_rows > SL_XDP_MAX_VIPS || n_backend_rows > SL_XDP_MAX_BACKENDS)
		return -EINVAL;
	if (total || (per_cpu && n_per_cpu)) {
		rc = read_lcore(x, total, per_cpu, n_per_cpu);
		if (rc)
			return rc;
	}
	if (vip_rows) {
		rc = read_rows(x, x->skel->maps.sl_lb_vip_ctr, vip_rows, n_vip_rows);
		if (rc)
			return rc;
	}
	if (backend_rows)
		return read_rows(x, x->skel->maps.sl_lb_be_ctr, backend_rows, n_backend_rows);
	return 0;
}

int sl_xdp_zero_row(struct sl_xdp *x, bool is_vip, uint32_t id)
{
	struct bpf_map *m = is_vip ? x->skel->maps.sl_lb_vip_ctr : x->skel->maps.sl_lb_be_ctr;
	struct sl_ctr *zero = calloc(x->st.n_cpus ? x->st.n_cpus : 1, sizeof(*zero));
	__u32 k = id;
	int rc = 0;

	if (!zero)
		return -ENOMEM;
	/* One update writes every CPU's copy of the row. */
	if (bpf_map_update_elem(bpf_map__fd(m), &k, zero, BPF_EXIST))
		rc = -errno;
	free(zero);
	return rc;
}
