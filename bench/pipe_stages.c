/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipe_stages.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "../common/encap.h"
#include "../common/flow_hash.h"
#include "../common/maglev.h"

const struct pipe_stage_desc pipe_stages[PIPE__MAX] = {
	[PIPE_RESTORE] = { "restore", "restore (alloc+copy+free)", -1 },
	[PIPE_RESTORE_FRESH] = { "restore_new", "restore, new flow", -1 },
	[PIPE_PARSE] = { "parse", "parse", PIPE_RESTORE },
	[PIPE_VIP] = { "vip", "VIP lookup", -1 },
	[PIPE_HASH] = { "hash", "flow hash", -1 },
	[PIPE_MAGLEV] = { "maglev", "Maglev slot", -1 },
	[PIPE_FLOW_HIT] = { "flow_hit", "flow table hit", -1 },
	[PIPE_FLOW_MISS] = { "flow_miss", "flow table miss+insert", -1 },
	[PIPE_ENCAP] = { "encap", "encapsulation write", PIPE_RESTORE },
	[PIPE_BURST_EST] = { "burst_est", "whole burst, established", PIPE_RESTORE },
	[PIPE_BURST_NEW] = { "burst_new", "whole burst, new flows", PIPE_RESTORE_FRESH },
};

static inline uint32_t timeout_of(const struct pipe_run *r)
{
	return r->fx->st->tcp_timeout_ms;
}

/*
 * Restore burst @b: fresh mbufs holding copies of the burst's template
 * frames. The next burst's templates are prefetched so that a big flow set
 * costs the restore (which is subtracted) and not the measured stage.
 * @fresh: give every packet a flow id never used before.
 */
static inline int restore(struct pipe_run *r, struct rte_mbuf **m, uint32_t b, int fresh)
{
	const struct pipe_frames *f = r->frames;
	const uint32_t *ids = &r->order[b * PIPE_BURST];
	uint32_t i;

	if (unlikely(rte_pktmbuf_alloc_bulk(r->fx->pool, m, PIPE_BURST) != 0))
		return -ENOMEM;
	if ((b + 1) * PIPE_BURST < r->n)
		for (i = 0; i < PIPE_BURST; i++)
			rte_prefetch0(pipe_frame(f, ids[PIPE_BURST + i]));
	for (i = 0; i < PIPE_BURST; i++) {
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);

		memcpy(d, pipe_frame(f, ids[i]), f->len);
		m[i]->data_len = (uint16_t)f->len;
		m[i]->pkt_len = f->len;
		if (fresh)
			pipe_frame_set_flow(d, f->family, r->next_fresh++);
	}
	return 0;
}

static uint64_t run_restore(struct pipe_run *r, int fresh)
{
	struct rte_mbuf *m[PIPE_BURST];
	uint64_t t0 = rte_rdtsc();
	uint32_t b;

	for (b = 0; b < r->n / PIPE_BURST; b++) {
		if (restore(r, m, b, fresh))
			return 0;
		rte_pktmbuf_free_bulk(m, PIPE_BURST);
	}
	r->ok = r->n;
	return rte_rdtsc() - t0;
}

static uint64_t run_parse(struct pipe_run *r)
{
	struct rte_mbuf *m[PIPE_BURST];
	struct sl_pkt_info pi;
	uint64_t t0 = rte_rdtsc(), ok = 0;
	uint32_t b, i;

	for (b = 0; b < r->n / PIPE_BURST; b++) {
		if (restore(r, m, b, 0))
			return 0;
		for (i = 0; i < PIPE_BURST; i++) {
			enum sl_pkt_class c = sl_pkt_parse(rte_pktmbuf_mtod(m[i], const uint8_t *),
							   rte_pktmbuf_data_len(m[i]), &pi);

			ok += c == SL_PKT_FLOW;
			r->sink += pi.key.sport;
		}
		rte_pktmbuf_free_bulk(m, PIPE_BURST);
	}
	r->ok = ok;
	return rte_rdtsc() - t0;
}

static uint64_t run_vip(struct pipe_run *r)
{
	const struct sl_dp_state *st = r->fx->st;
	uint64_t t0 = rte_rdtsc(), ok = 0;
	uint32_t j;

	for (j = 0; j < r->n; j++)
		ok += sl_dp_vip_find(st, &r->stream[j].pi.key) == r->vip;
	r->ok = ok;
	return rte_rdtsc() - t0;
}

static uint64_t run_hash(struct pipe_run *r)
{
	uint64_t t0 = rte_rdtsc(), ok = 0;
	uint32_t j;

	for (j = 0; j < r->n; j++)
		ok += sl_flow_hash(&r->stream[j].pi.key, SL_HF_ALL) == r->stream[j].hash;
	r->ok = ok;
	return rte_rdtsc() - t0;
}

static uint64_t run_maglev(struct pipe_run *r)
{
	const struct sl_dp_vip *v = r->vip;
	uint64_t t0 = rte_rdtsc(), ok = 0;
	uint32_t j;

	for (j = 0; j < r->n; j++)
		ok += v->table[sl_maglev_slot(r->stream[j].hash, v->table_size)] == r->stream[j].backend;
	r->ok = ok;
	return rte_rdtsc() - t0;
}

/* Lookups of a burst as the worker does them: all buckets prefetched in pass 1, looked up in pass 2. */
static uint64_t run_flow(struct pipe_run *r, int miss)
{
	struct sl_flow_table *t = r->fx->w->flows;
	const struct pipe_pkt *s = miss ? r->fresh : r->stream;
	uint32_t to = timeout_of(r), b, i;
	uint64_t t0, ok = 0;

	if (miss)
		for (i = 0; i < r->n; i++) {
			pipe_flow_key(&r->fresh[i].pi.key, r->frames->family, r->vip->key.addr, PIPE_VIP_PORT,
				      r->next_fresh++);
			r->fresh[i].hash = sl_flow_hash(&r->fresh[i].pi.key, SL_HF_ALL);
		}
	t0 = rte_rdtsc();
	for (b = 0; b < r->n; b += PIPE_BURST) {
		for (i = 0; i < PIPE_BURST; i++)
			sl_flow_prefetch(t, s[b + i].hash);
		for (i = 0; i < PIPE_BURST; i++) {
			const struct pipe_pkt *p = &s[b + i];
			struct sl_flow_entry *e = sl_flow_lookup(t, &p->pi.key, p->hash, r->now, to);

			if (miss) {
				ok += e == NULL;
				e = sl_flow_insert(t, &p->pi.key, p->hash, r->now, to);
				/* as the worker's balance() fills a new entry */
				e->backend = p->backend;
				e->vip = (uint16_t)r->vip->id;
				e->flags = r->vip->backends[p->backend].gen;
			} else {
				ok += e != NULL;
				r->sink += e ? e->backend : 0;
			}
		}
	}
	r->ok = ok;
	return rte_rdtsc() - t0;
}

/* What the worker's forward() does to a packet once it knows the backend. */
static uint64_t run_encap(struct pipe_run *r)
{
	const struct sl_dp_state *st = r->fx->st;
	const struct sl_worker_port *port = &r->fx->w->ports[0];
	const struct sl_dp_vip *v = r->vip;
	struct rte_mbuf *m[PIPE_BURST];
	uint64_t t0 = rte_rdtsc(), ok = 0;
	uint32_t b, i;

	for (b = 0; b < r->n / PIPE_BURST; b++) {
		if (restore(r, m, b, 0))
			return 0;
		for (i = 0; i < PIPE_BURST; i++) {
			const struct sl_pkt_info *pi = &r->stream[b * PIPE_BURST + i].pi;
			const struct sl_dp_backend *be = &v->backends[r->stream[b * PIPE_BURST + i].backend];
			uint16_t hlen = sl_encap_hdr_len(v->method, be->family);
			uint32_t frame_len = pi->l3_off + pi->l3_len;
			struct sl_encap_params ep;
			uint8_t *hdr;

			if (rte_pktmbuf_pkt_len(m[i]) > frame_len)
				rte_pktmbuf_trim(m[i], rte_pktmbuf_pkt_len(m[i]) - frame_len);
			rte_pktmbuf_adj(m[i], pi->l3_off);
			hdr = (uint8_t *)rte_pktmbuf_prepend(m[i], hlen);
			if (!hdr)
				continue;
			ep.method = v->method;
			ep.outer_family = be->family;
			memcpy(ep.outer_src, be->family == SL_AF_INET ? st->src_v4 : st->src_v6,
			       sizeof(ep.outer_src));
			memcpy(ep.outer_dst, be->addr, sizeof(ep.outer_dst));
			memcpy(ep.src_mac, port->mac.addr_bytes, 6);
			memcpy(ep.dst_mac, be->mac, 6);
			ep.ttl = st->outer_ttl;
			ep.gue_port = v->gue_port;
			ep.entropy = r->stream[b * PIPE_BURST + i].hash;
			ok += sl_encap_write(hdr, &ep, hdr + hlen, pi->l3_len, pi->key.family, pi->tos) == hlen;
		}
		rte_pktmbuf_free_bulk(m, PIPE_BURST);
	}
	r->ok = ok;
	return rte_rdtsc() - t0;
}

/* The real thing: sl_worker_process_burst + sl_worker_flush into net_null (which frees). */
static uint64_t run_burst(struct pipe_run *r, int fresh)
{
	struct sl_worker *w = r->fx->w;
	struct sl_worker_port *p = &w->ports[0];
	struct rte_mbuf *m[PIPE_BURST];
	uint64_t tx0 = w->ctr.tx, h0 = w->ctr.flow_hits, m0 = w->ctr.flow_misses;
	uint64_t t0 = rte_rdtsc(), t;
	uint32_t b;

	for (b = 0; b < r->n / PIPE_BURST; b++) {
		if (restore(r, m, b, fresh))
			return 0;
		sl_worker_process_burst(w, r->fx->st, p, m, PIPE_BURST, r->now);
		sl_worker_flush(w, p);
	}
	t = rte_rdtsc() - t0;
	r->ok = w->ctr.tx - tx0;
	r->flow_hits = w->ctr.flow_hits - h0;
	r->flow_misses = w->ctr.flow_misses - m0;
	return t;
}

uint64_t pipe_stage_run(struct pipe_run *r, enum pipe_stage s)
{
	r->ok = r->flow_hits = r->flow_misses = 0;
	switch (s) {
	case PIPE_RESTORE:
		return run_restore(r, 0);
	case PIPE_RESTORE_FRESH:
		return run_restore(r, 1);
	case PIPE_PARSE:
		return run_parse(r);
	case PIPE_VIP:
		return run_vip(r);
	case PIPE_HASH:
		return run_hash(r);
	case PIPE_MAGLEV:
		return run_maglev(r);
	case PIPE_FLOW_HIT:
		return run_flow(r, 0);
	case PIPE_FLOW_MISS:
		return run_flow(r, 1);
	case PIPE_ENCAP:
		return run_encap(r);
	case PIPE_BURST_EST:
		return run_burst(r, 0);
	case PIPE_BURST_NEW:
		return run_burst(r, 1);
	default:
		return 0;
	}
}

int pipe_stream_build(struct pipe_run *r)
{
	const struct pipe_frames *f = r->frames;
	const struct sl_dp_vip *v = r->vip;
	struct pipe_pkt *per_flow = malloc((size_t)f->n * sizeof(*per_flow));
	uint32_t i;

	if (!per_flow)
		return -ENOMEM;
	/* Parse each flow once, then lay the packets out in stream order. */
	for (i = 0; i < f->n; i++) {
		struct pipe_pkt *p = &per_flow[i];

		if (sl_pkt_parse(pipe_frame(f, i), f->len, &p->pi) != SL_PKT_FLOW ||
		    sl_dp_vip_find(r->fx->st, &p->pi.key) != v) {
			free(per_flow);
			return -EINVAL;
		}
		p->hash = sl_flow_hash(&p->pi.key, SL_HF_ALL);
		p->backend = v->table[sl_maglev_slot(p->hash, v->table_size)];
	}
	for (i = 0; i < r->n; i++)
		r->stream[i] = per_flow[r->order[i]];
	/* The miss stage rewrites keys and hashes only: the rest of a packet is a stream packet's. */
	for (i = 0; i < r->n; i++)
		r->fresh[i] = r->stream[i];
	free(per_flow);
	return 0;
}
