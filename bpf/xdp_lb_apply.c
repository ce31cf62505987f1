/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Syncing the maps with a dataplane snapshot.
 *
 * Update protocol (docs/xdp.md): each VIP id owns two buffers, slots
 * 2*id and 2*id+1 of the table and backend map-in-maps, and the VIP index
 * (sl_lb_vip_index) has two halves. A changed VIP gets fresh inner maps,
 * filled completely, in its spare slot; then the spare half of the index is
 * written whole (every key's record naming its VIP's buffer) and the live
 * word (sl_lb_vix_live) flipped to it. A packet reads the live word once,
 * then one record, and uses the buffer that record names, so it sees all of
 * the old state or all of the new. Writing an ARRAY_OF_MAPS element makes
 * the kernel wait for every running XDP program (synchronize_rcu in the map
 * update syscall); that write after the flip guarantees no packet still
 * reads the old half or the buffers it names, so the next apply may
 * overwrite them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../common/maglev.h"
#include "lb.skel.h"
#include "xdp_lb_internal.h"

#define NS_PER_MS 1000000ull

struct apply_ctx {
	struct sl_xdp *x;
	const struct sl_dp_state *st;
	int8_t *live;    /* per VIP id: buffer its records name now, -1 if none */
	struct sl_xdp_vip *recs; /* per snapshot VIP index: the record to publish */
	char *err;
	size_t errlen;
};

static int fd_of(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int write_globals(struct apply_ctx *a)
{
	struct sl_xdp_globals g;
	__u32 k = 0;

	memset(&g, 0, sizeof(g));
	memcpy(g.src_v4, a->st->src_v4, sizeof(g.src_v4));
	memcpy(g.src_v6, a->st->src_v6, sizeof(g.src_v6));
	g.tcp_timeout_ns = (__u64)a->st->tcp_timeout_ms * NS_PER_MS;
	g.udp_timeout_ns = (__u64)a->st->udp_timeout_ms * NS_PER_MS;
	g.ttl = a->st->outer_ttl;
	return bpf_map_update_elem(fd_of(a->x->skel->maps.sl_lb_globals), &k, &g, BPF_ANY);
}

/* Write to an ARRAY_OF_MAPS: returns only once no program can see the replaced map. */
static int wait_programs(struct sl_xdp *x)
{
	__u32 k = SL_XDP_SYNC_SLOT;
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_INNER_MAP);

	if (x->sync_fd < 0) {
		x->sync_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_lb_sync", 4, 4, 1, &o);
		if (x->sync_fd < 0)
			return -errno;
	}
	if (bpf_map_update_elem(fd_of(x->skel->maps.sl_lb_tables), &k, &x->sync_fd, BPF_ANY))
		return -errno;
	return 0;
}

/* sl_lb_vip_index in our address space (BPF_F_MMAPABLE): a half is written in place. */
static int map_index(struct sl_xdp *x)
{
	size_t len = (size_t)2 * SL_XDP_VIX_SLOTS * sizeof(struct sl_xdp_vix_slot);
	void *p;

	if (x->vix)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_of(x->skel->maps.sl_lb_vip_index),
		 0);
	if (p == MAP_FAILED)
		return -errno;
	x->vix = p;
	x->vix_len = len;
	return 0;
}

static int read_live_half(struct sl_xdp *x, __u32 *half)
{
	__u32 k = 0;

	if (bpf_map_lookup_elem(fd_of(x->skel->maps.sl_lb_vix_live), &k, half))
		return -errno;
	*half &= 1;
	return 0;
}

/* Which buffer every id the live half names is live in (all of them, also ids being dropped). */
static void learn_live(struct apply_ctx *a, const struct sl_xdp_vix_slot *half)
{
	uint32_t i;

	for (i = 0; i < SL_XDP_VIX_SLOTS; i++)
		if (half[i].used && half[i].rec.id < SL_XDP_MAX_VIPS)
			a->live[half[i].rec.id] = (int8_t)(half[i].rec.buf & 1);
}

/*
 * Lay the snapshot's keys, each with its VIP's record from a->recs, into
 * @half (cleared first) with sl_dp_vip_get's probe sequence. -ENOSPC when a
 * probe run would exceed what the program walks (SL_XDP_VIX_PROBE).
 */
static int build_half(struct apply_ctx *a, struct sl_xdp_vix_slot *half)
{
	const struct sl_dp_state *st = a->st;
	uint32_t i, j, h;

	memset(half, 0, SL_XDP_VIX_SLOTS * sizeof(*half));
	for (i = 0; i <= st->vip_slots_mask; i++) {
		const struct sl_vip_key *k = &st->vip_slot_keys[i];
		uint32_t v = st->vip_slots[i];

		if (!v)
			continue;
		if (v > st->n_vips)
			return -EINVAL;
		h = sl_vip_key_hash(k);
		for (j = 0; j < SL_XDP_VIX_PROBE; j++)
			if (!half[(h + j) & SL_XDP_VIX_MASK].used)
				break;
		if (j == SL_XDP_VIX_PROBE)
			return -ENOSPC;
		h = (h + j) & SL_XDP_VIX_MASK;
		half[h].key = *k;
		half[h].used = 1;
		half[h].rec = a->recs[v - 1];
	}
	return 0;
}

static int flip_half(struct sl_xdp *x, __u32 half)
{
	__u32 k = 0;

	if (bpf_map_update_elem(fd_of(x->skel->maps.sl_lb_vix_live), &k, &half, BPF_ANY))
		return -errno;
	return 0;
}

static int fill_array(struct sl_xdp *x, int fd, const void *vals, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t i, count = n;

	if (x->n_keys < n) {
		uint32_t *k = realloc(x->keys, (size_t)n * sizeof(*k));

		if (!k)
			return -ENOMEM;
		for (i = x->n_keys; i < n; i++)
			k[i] = i;
		x->keys = k;
		x->n_keys = n;
	}
	if (bpf_map_update_batch(fd, x->keys, vals, &count, &bo))
		return -errno;
	return count == n ? 0 : -EIO;
}

/*
 * The VIP address filter (lb_shared.h) of @st into @f (SL_XDP_ADDR_SLOTS
 * entries). With @set_only, only raise the slots @f names in the map (before
 * keys are added); otherwise write the whole map (after keys were removed).
 */
static int write_addr_filter(struct apply_ctx *a, __u32 *f, bool set_only)
{
	int fd = fd_of(a->x->skel->maps.sl_lb_vip_addrs);
	uint32_t i;

	memset(f, 0, SL_XDP_ADDR_SLOTS * sizeof(*f));
	for (i = 0; i <= a->st->vip_slots_mask; i++) {
		const struct sl_vip_key *k = &a->st->vip_slot_keys[i];

		if (a->st->vip_slots[i])
			f[sl_xdp_addr_slot(k->addr, k->family)] = 1;
	}
	if (!set_only)
		return fill_array(a->x, fd, f, SL_XDP_ADDR_SLOTS);
	for (i = 0; i < SL_XDP_ADDR_SLOTS; i++)
		if (f[i] && bpf_map_update_elem(fd, &i, &f[i], BPF_ANY))
			return -errno;
	return 0;
}

/* A new inner map of @n entries holding @vals, placed in slot @slot of @outer. */
static int put_inner(struct sl_xdp *x, int outer, __u32 slot, const char *name, uint32_t vsize,
		     const void *vals, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_INNER_MAP);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, vsize, n, &o), rc;

	if (fd < 0)
		return -errno;
	rc = fill_array(x, fd, vals, n);
	if (!rc && bpf_map_update_elem(outer, &slot, &fd, BPF_ANY))
		rc = -errno;
	close(fd); /* the outer map holds its own reference */
	return rc;
}

static void record_of(const struct sl_dp_state *st, const struct sl_dp_vip *v, struct sl_xdp_vip *r)
{
	memset(r, 0, sizeof(*r));
	r->timeout_ns = (__u64)(v->key.proto == IPPROTO_UDP ? st->udp_timeout_ms : st->tcp_timeout_ms) *
			NS_PER_MS;
	r->id = v->id;
	r->table_size = v->table_size;
	r->n_backends = v->n_backends;
	r->hash_fields = v->hash_fields;
	r->gue_port = v->gue_port;
	r->method = (__u8)v->method;
	r->sched = v->sched;
	/* Other schedulers draw from the pick sequence, which then stands in for the table. */
	if (v->sched != SL_SCHED_MAGLEV)
		r->table_size = v->n_pick;
}

/* What the table buffer holds: Maglev slots or the pick sequence (n entries). */
static const uint32_t *table_of(const struct sl_dp_vip *v, uint32_t *n)
{
	static const uint32_t none = SL_MAGLEV_EMPTY;

	if (v->sched == SL_SCHED_MAGLEV) {
		*n = v->table_size;
		return v->table;
	}
	*n = v->n_pick;
	if (!v->n_pick || !v->pick) {
		*n = 1; /* an array needs an entry; table_size 0 says "no backend" */
		return &none;
	}
	return v->pick;
}

static int backends_of(const struct sl_xdp *x, const struct sl_dp_state *st, const struct sl_dp_vip *v,
		       struct sl_xdp_backend *be)
{
	uint32_t i;

	for (i = 0; i < v->n_backends; i++) {
		const struct sl_dp_backend *b = &v->backends[i];
		struct sl_dp_backend t = *b;

		if (b->id >= SL_XDP_MAX_BACKENDS)
			return -E2BIG;
		memset(&be[i], 0, sizeof(be[i]));
		memcpy(be[i].addr, b->addr, sizeof(be[i].addr));
		be[i].id = b->id;
		be[i].gen = b->gen;
		be[i].family = b->family;
		be[i].up = b->up;
		be[i].mac_ok = b->mac_ok;
		memcpy(be[i].mac, b->mac, 6);
		/* Built here, not taken from the snapshot: a state built without
		 * templates must not send the program to a missing one. */
		sl_dp_backend_tmpl_fill(st, v, &t);
		be[i].tmpl = t.tmpl;
		/* The source MAC is the worker's per-port patch; ours never changes. */
		if (t.tmpl.kind != SL_TMPL_NONE)
			memcpy(be[i].tmpl.hdr + 6, x->st.mac, 6);
	}
	return 0;
}

static bool unchanged(const struct sl_xdp_shadow *sh, const struct sl_xdp_vip *r, int8_t live,
		      const struct sl_dp_vip *v, const struct sl_xdp_backend *be)
{
	struct sl_xdp_vip cur = *r;
	uint32_t n;
	const uint32_t *t = table_of(v, &n);

	if (!sh->valid || live < 0 || sh->rec.buf != live)
		return false;
	cur.buf = sh->rec.buf;
	return memcmp(&cur, &sh->rec, sizeof(cur)) == 0 &&
	       sh->n_table == n && memcmp(sh->table, t, (size_t)n * sizeof(*t)) == 0 &&
	       memcmp(sh->be, be, (size_t)v->n_backends * sizeof(*be)) == 0;
}

static int remember(struct sl_xdp_shadow *sh, const struct sl_xdp_vip *r,
		    const struct sl_dp_vip *v, struct sl_xdp_backend *be)
{
	uint32_t n;
	const uint32_t *src = table_of(v, &n);
	uint32_t *t = malloc((size_t)n * sizeof(*t));

	if (!t)
		return -ENOMEM;
	memcpy(t, src, (size_t)n * sizeof(*t));
	sh->n_table = n;
	free(sh->table);
	free(sh->be);
	sh->table = t;
	sh->be = be; /* ownership moves */
	sh->rec = *r;
	sh->valid = true;
	return 0;
}

static int apply_vip(struct apply_ctx *a, const struct sl_dp_vip *v)
{
	struct sl_xdp *x = a->x;
	struct sl_xdp_shadow *sh;
	struct sl_xdp_backend *be;
	struct sl_xdp_vip r;
	const uint32_t *tbl;
	uint32_t nb, n_tbl;
	int rc;

	if (v->id >= SL_XDP_MAX_VIPS)
		return sl_xdp_errf(a->err, a->errlen, -E2BIG, "VIP id %u over %u", v->id,
				   SL_XDP_MAX_VIPS);
	tbl = table_of(v, &n_tbl);
	if (!tbl || !n_tbl || n_tbl > SL_XDP_MAX_TABLE || (v->n_backends && !v->backends))
		return sl_xdp_errf(a->err, a->errlen, -EINVAL, "VIP id %u: table of %u entries refused",
				   v->id, v->table_size);
	sh = &x->shadow[v->id];
	nb = v->n_backends ? v->n_backends : 1;
	be = calloc(nb, sizeof(*be));
	if (!be)
		return sl_xdp_errf(a->err, a->errlen, -ENOMEM, "out of memory");
	rc = backends_of(x, a->st, v, be);
	if (rc) {
		free(be);
		return sl_xdp_errf(a->err, a->errlen, rc, "VIP id %u: backend id over %u", v->id,
				   SL_XDP_MAX_BACKENDS);
	}
	record_of(a->st, v, &r);
	if (unchanged(sh, &r, a->live[v->id], v, be)) {
		free(be);
		a->recs[v->index] = sh->rec;
		return 0;
	}
	/* The spare buffer: never the one the live record names. */
	r.buf = a->live[v->id] < 0 ? 0 : (__u8)!a->live[v->id];
	rc = put_inner(x, fd_of(x->skel->maps.sl_lb_tables), v->id * 2 + r.buf, "sl_lb_tbl",
		       sizeof(uint32_t), tbl, n_tbl);
	if (!rc)
		rc = put_inner(x, fd_of(x->skel->maps.sl_lb_backends), v->id * 2 + r.buf, "sl_lb_be",
			       sizeof(*be), be, nb);
	if (rc) {
		free(be);
		sh->valid = false;
		return sl_xdp_errf(a->err, a->errlen, rc, "VIP id %u: map update failed: %s", v->id,
				   strerror(-rc));
	}
	/* Published by the next half of the index, written once every buffer is complete. */
	a->recs[v->index] = r;
	rc = remember(sh, &r, v, be);
	if (rc) {
		free(be);
		sh->valid = false;
	}
	return 0;
}

/* Free the buffers of ids the snapshot does not use (all of them on the first apply). */
static void release_unused(struct apply_ctx *a, const bool *used)
{
	int tf = fd_of(a->x->skel->maps.sl_lb_tables), bf = fd_of(a->x->skel->maps.sl_lb_backends);
	__u32 id, k;

	for (id = 0; id < SL_XDP_MAX_VIPS; id++) {
		if (used[id] || (a->x->applied_once && !a->x->shadow[id].valid))
			continue;
		for (k = id * 2; k < id * 2 + 2; k++) {
			bpf_map_delete_elem(tf, &k);
			bpf_map_delete_elem(bf, &k);
		}
		a->x->shadow[id].valid = false;
	}
}

int sl_xdp_apply(struct sl_xdp *x, const struct sl_dp_state *st, char *err, size_t errlen)
{
	struct apply_ctx a = { .x = x, .st = st, .err = err, .errlen = errlen };
	struct sl_xdp_vix_slot *live_h, *spare_h;
	bool *used = NULL;
	__u32 *filter = NULL, half;
	uint32_t i;
	int rc;

	if (!x || !st || !st->vip_slots || !st->vip_slot_keys || (st->n_vips && !st->vips))
		return sl_xdp_errf(err, errlen, -EINVAL, "no dataplane state");
	a.live = malloc(SL_XDP_MAX_VIPS * sizeof(*a.live));
	a.recs = calloc(st->n_vips ? st->n_vips : 1, sizeof(*a.recs));
	used = calloc(SL_XDP_MAX_VIPS, sizeof(*used));
	filter = malloc(SL_XDP_ADDR_SLOTS * sizeof(*filter));
	if (!a.live || !a.recs || !used || !filter) {
		rc = sl_xdp_errf(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	memset(a.live, -1, SL_XDP_MAX_VIPS * sizeof(*a.live));
	rc = map_index(x);
	if (!rc)
		rc = read_live_half(x, &half);
	if (rc) {
		sl_xdp_errf(err, errlen, rc, "cannot reach the VIP index: %s", strerror(-rc));
		goto out;
	}
	live_h = x->vix + (size_t)half * SL_XDP_VIX_SLOTS;
	spare_h = x->vix + (size_t)!half * SL_XDP_VIX_SLOTS;
	learn_live(&a, live_h);

	rc = write_globals(&a);
	if (rc) {
		rc = sl_xdp_errf(err, errlen, -errno, "cannot write settings: %s", strerror(errno));
		goto out;
	}
	rc = write_addr_filter(&a, filter, true);
	if (rc) {
		sl_xdp_errf(err, errlen, rc, "cannot write the VIP address filter: %s", strerror(-rc));
		goto out;
	}
	for (i = 0; i < st->n_vips; i++) {
		if (st->vips[i].index != i) {
			rc = sl_xdp_errf(err, errlen, -EINVAL, "VIP %u: index %u", i, st->vips[i].index);
			goto out;
		}
		rc = apply_vip(&a, &st->vips[i]);
		if (rc)
			goto out;
		used[st->vips[i].id] = true;
	}
	/* No packet reads the spare half: the previous apply waited after its flip. */
	rc = build_half(&a, spare_h);
	if (rc) {
		sl_xdp_errf(err, errlen, rc, "cannot build the VIP index: %s", strerror(-rc));
		goto out;
	}
	if (memcmp(spare_h, live_h, SL_XDP_VIX_SLOTS * sizeof(*spare_h)) != 0) {
		rc = flip_half(x, !half);
		/* From here no new packet reads the old half; wait for those that do. */
		if (!rc)
			rc = wait_programs(x);
		if (rc) {
			sl_xdp_errf(err, errlen, rc, "cannot switch the VIP index: %s", strerror(-rc));
			goto out;
		}
	}
	/* Nobody reads these buffers any more: the half naming them is retired. */
	release_unused(&a, used);
	/* The keys are gone: their addresses' slots may drop now. */
	rc = write_addr_filter(&a, filter, false);
	if (rc) {
		sl_xdp_errf(err, errlen, rc, "cannot write the VIP address filter: %s", strerror(-rc));
		goto out;
	}
	x->applied_once = true;
out:
	free(a.live);
	free(a.recs);
	free(used);
	free(filter);
	return rc;
}
