/* SPDX-License-Identifier: BSD-3-Clause */
#include "worker.h"

#include <netinet/in.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "../common/encap.h"
#include "../common/encap_fast.h"
#include "../common/flow_hash.h"
#include "../common/flow_table_inline.h"
#include "../common/maglev.h"
#include "../common/pkt_parse.h"
#include "../config/config.h"

#define TCP_FLAG_RST 0x04
/* How far ahead of parsing we prefetch packet data; a few packets hides DRAM latency. */
#define PREFETCH_AHEAD 4
#define SWEEP_BUCKETS_PER_MS 64

static inline void drop(struct sl_worker *w, struct rte_mbuf *m, enum sl_drop_reason r)
{
	w->ctr.drops[r]++;
	rte_pktmbuf_free(m);
}

void sl_worker_flush(struct sl_worker *w, struct sl_worker_port *p)
{
	struct sl_txbuf *bufs[2] = { &p->tx, &p->exc_tx };
	int i;

	for (i = 0; i < 2; i++) {
		struct sl_txbuf *b = bufs[i];
		uint16_t sent;

		if (b->n == 0)
			continue;
		sent = rte_eth_tx_burst(b->port, b->queue, b->pkts, b->n);
		if (i == 0)
			w->ctr.tx += sent;
		if (unlikely(sent < b->n)) {
			w->ctr.drops[i == 0 ? SL_DROP_TX_FULL : SL_DROP_EXCEPTION_FULL] += b->n - sent;
			rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
		}
		b->n = 0;
	}
}

static inline void txbuf_add(struct sl_worker *w, struct sl_worker_port *p, struct sl_txbuf *b,
			     struct rte_mbuf *m)
{
	b->pkts[b->n++] = m;
	if (unlikely(b->n == SL_MAX_BURST))
		sl_worker_flush(w, p);
}

static void to_host(struct sl_worker *w, struct sl_worker_port *p, struct rte_mbuf *m)
{
	w->ctr.host++;
	if (p->has_exc)
		txbuf_add(w, p, &p->exc_tx, m);
	else
		rte_pktmbuf_free(m); /* af_packet-style ports: the kernel saw its own copy */
}

/* Client packet + outer headers would exceed the port MTU: tell the client, as a router would. */
static void send_too_big(struct sl_worker *w, const struct sl_dp_state *st, struct sl_worker_port *p,
			 struct rte_mbuf *m, const struct sl_pkt_info *pi, uint16_t overhead)
{
	struct rte_mbuf *r;
	int len;

	if (pi->key.family == SL_AF_INET && !pi->df) {
		/* The client allows fragmentation, but sluice does not fragment tunnels. */
		drop(w, m, SL_DROP_TOO_BIG);
		return;
	}
	r = rte_pktmbuf_alloc(w->pool);
	if (unlikely(!r)) {
		drop(w, m, SL_DROP_NO_MBUF);
		return;
	}
	len = sl_icmp_too_big(rte_pktmbuf_mtod(r, uint8_t *), rte_pktmbuf_tailroom(r),
			      rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), pi,
			      (uint16_t)(p->mtu - overhead),
			      pi->key.family == SL_AF_INET ? st->src_v4 : st->src_v6);
	if (len < 0) {
		rte_pktmbuf_free(r);
		drop(w, m, SL_DROP_TOO_BIG);
		return;
	}
	r->data_len = r->pkt_len = (uint32_t)len;
	w->ctr.icmp_too_big_sent++;
	drop(w, m, SL_DROP_TOO_BIG);
	txbuf_add(w, p, &p->tx, r);
}

static inline void count_tx(struct sl_worker *w, const struct sl_dp_vip *vip, const struct sl_dp_backend *b,
			    uint16_t l3_len)
{
	w->vip_ctr[vip->id].pkts++;
	w->vip_ctr[vip->id].bytes += l3_len;
	w->backend_ctr[b->id].pkts++;
	w->backend_ctr[b->id].bytes += l3_len;
}

/*
 * The reference path: sl_encap_write from a parameter struct. Taken only
 * when @b has no header template (a state built without them) or the
 * template is for another inner family; forward() has checked mac_ok.
 */
static void forward_ref(struct sl_worker *w, const struct sl_dp_state *st, struct sl_worker_port *p,
			struct rte_mbuf *m, const struct sl_pkt_info *pi, const struct sl_dp_vip *vip,
			const struct sl_dp_backend *b, uint32_t entropy)
{
	struct sl_encap_params ep;
	uint16_t hlen = sl_encap_hdr_len(vip->method, b->family);
	uint8_t *hdr;
	uint32_t frame_len = pi->l3_off + pi->l3_len;

	if (unlikely(pi->l3_len + hlen - SL_ETH_HLEN > p->mtu)) {
		send_too_big(w, st, p, m, pi, (uint16_t)(hlen - SL_ETH_HLEN));
		return;
	}
	/* Ethernet padding after the IP packet must not be tunnelled as payload. */
	if (rte_pktmbuf_pkt_len(m) > frame_len)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - frame_len);
	rte_pktmbuf_adj(m, pi->l3_off);
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, hlen);
	if (unlikely(!hdr)) {
		drop(w, m, SL_DROP_UNSUPPORTED);
		return;
	}

	ep.method = vip->method;
	ep.outer_family = b->family;
	memcpy(ep.outer_src, b->family == SL_AF_INET ? st->src_v4 : st->src_v6, sizeof(ep.outer_src));
	memcpy(ep.outer_dst, b->addr, sizeof(ep.outer_dst));
	memcpy(ep.src_mac, p->mac.addr_bytes, 6);
	memcpy(ep.dst_mac, b->mac, 6);
	ep.ttl = st->outer_ttl;
	ep.gue_port = vip->gue_port;
	ep.entropy = entropy;
	if (unlikely(sl_encap_write(hdr, &ep, hdr + hlen, pi->l3_len, pi->key.family, pi->tos) < 0)) {
		drop(w, m, SL_DROP_UNSUPPORTED);
		return;
	}
	count_tx(w, vip, b, pi->l3_len);
	txbuf_add(w, p, &p->tx, m);
}

/*
 * Encapsulate (or re-address) @m for backend @b of @vip and queue it out of
 * the ingress port: copy the backend's header template and patch the
 * per-packet fields (encap_fast.h), same bytes as the reference path.
 */
static inline __attribute__((always_inline)) void forward(struct sl_worker *w, const struct sl_dp_state *st,
							  struct sl_worker_port *p, struct rte_mbuf *m,
							  const struct sl_pkt_info *pi, const struct sl_dp_vip *vip,
							  const struct sl_dp_backend *b, uint32_t entropy)
{
	const struct sl_encap_tmpl *t = &b->tmpl;
	uint16_t hlen = t->len, l3_len = pi->l3_len;
	uint8_t *hdr;

	if (unlikely(!b->mac_ok)) {
		drop(w, m, SL_DROP_NO_NEXTHOP);
		return;
	}
	if (unlikely(t->kind == SL_TMPL_NONE || t->inner_family != pi->key.family)) {
		forward_ref(w, st, p, m, pi, vip, b, entropy);
		return;
	}
	if (unlikely(l3_len + hlen - SL_ETH_HLEN > p->mtu)) {
		send_too_big(w, st, p, m, pi, (uint16_t)(hlen - SL_ETH_HLEN));
		return;
	}
	/*
	 * The mbuf is one segment (pass 1 checked) holding l3_off + l3_len bytes
	 * or more (the parser checked): dropping the client's L2 header and any
	 * Ethernet padding and prepending ours is moving data_off and setting
	 * the length, what rte_pktmbuf_trim/adj/prepend do with more checks.
	 */
	if (unlikely(m->data_off + pi->l3_off < hlen)) {
		drop(w, m, SL_DROP_UNSUPPORTED); /* no headroom: prepend would fail */
		return;
	}
	m->data_off = (uint16_t)(m->data_off + pi->l3_off - hlen);
	m->data_len = (uint16_t)(l3_len + hlen);
	m->pkt_len = m->data_len;
	hdr = rte_pktmbuf_mtod(m, uint8_t *);
	if (unlikely(sl_encap_tmpl_write(hdr, t, p->mac.addr_bytes, hdr + hlen, l3_len, pi->tos, entropy) < 0)) {
		drop(w, m, SL_DROP_UNSUPPORTED);
		return;
	}
	count_tx(w, vip, b, l3_len);
	txbuf_add(w, p, &p->tx, m);
}

static inline uint32_t flow_timeout(const struct sl_dp_state *st, uint8_t proto)
{
	return proto == IPPROTO_UDP ? st->udp_timeout_ms : st->tcp_timeout_ms;
}

/*
 * The per-node schedulers: they choose only for a flow's first packet, and
 * the flow table keeps the choice. Unlike Maglev, another LB node would
 * choose differently, so a flow moved between nodes may change backend.
 */
static inline uint32_t pick_other(struct sl_worker *w, const struct sl_dp_vip *vip)
{
	uint64_t x;

	if (unlikely(vip->n_pick == 0))
		return SL_MAGLEV_EMPTY;
	if (vip->sched == SL_SCHED_WRR)
		return vip->pick[w->rr[vip->id]++ % vip->n_pick];
	x = w->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	return vip->pick[sl_hash_reduce((uint32_t)(x >> 32), vip->n_pick)];
}

/*
 * A flow the table does not know (or whose backend went away): choose a
 * backend, remember it, count it. Returns the backend, or NULL after
 * dropping @m. Out of line: established flows never come here.
 */
static __attribute__((noinline)) const struct sl_dp_backend *
balance_new(struct sl_worker *w, struct rte_mbuf *m, const struct sl_pkt_info *pi, const struct sl_dp_vip *vip,
	    struct sl_flow_entry *e, uint32_t hash, uint32_t now, uint32_t timeout)
{
	uint32_t bi, slot_hash;

	/* A remembered flow whose backend went away (or whose VIP changed) is re-balanced. */
	if (e)
		w->ctr.flow_moved++;
	w->ctr.flow_misses++;
	if (likely(vip->sched == SL_SCHED_MAGLEV)) {
		slot_hash = vip->hash_fields == SL_HF_ALL ? hash : sl_flow_hash(&pi->key, vip->hash_fields);
		bi = vip->table[sl_maglev_slot(slot_hash, vip->table_size)];
	} else {
		bi = pick_other(w, vip);
	}
	if (unlikely(bi == SL_MAGLEV_EMPTY || bi >= vip->n_backends)) {
		drop(w, m, SL_DROP_NO_BACKEND);
		return NULL;
	}
	/* A RST ends the flow: remembering it would only evict a live one (as Katran does). */
	if (!(pi->key.proto == IPPROTO_TCP && (pi->tcp_flags & TCP_FLAG_RST))) {
		if (!e)
			e = sl_flow_insert(w->flows, &pi->key, hash, now, timeout);
		e->backend = bi;
		e->vip = (uint16_t)vip->id;
		e->flags = vip->backends[bi].gen;
	}
	w->vip_ctr[vip->id].new_flows++;
	w->backend_ctr[vip->backends[bi].id].new_flows++;
	return &vip->backends[bi];
}

/*
 * Pick the backend for a VIP packet, the flow table first, and forward it.
 * Forced inline (one call site), with forward(): the established path then
 * runs without a call from pass 2 to the template copy.
 */
static inline __attribute__((always_inline)) void balance(struct sl_worker *w, const struct sl_dp_state *st,
							  struct sl_worker_port *p, struct rte_mbuf *m,
							  const struct sl_pkt_info *pi, const struct sl_dp_vip *vip,
							  uint32_t hash, uint32_t now)
{
	uint32_t timeout = flow_timeout(st, pi->key.proto);
	struct sl_flow_entry *e = sl_flow_lookup_inline(w->flows, &pi->key, hash, now, timeout);
	const struct sl_dp_backend *b;

	if (likely(e != NULL && e->vip == vip->id && e->backend < vip->n_backends &&
		   vip->backends[e->backend].gen == e->flags && vip->backends[e->backend].up)) {
		w->ctr.flow_hits++;
		b = &vip->backends[e->backend];
	} else {
		b = balance_new(w, m, pi, vip, e, hash, now, timeout);
		if (!b)
			return;
	}
	forward(w, st, p, m, pi, vip, b, hash);
}

static void echo_reply(struct sl_worker *w, struct sl_worker_port *p, struct rte_mbuf *m,
		       const struct sl_pkt_info *pi)
{
	if (sl_icmp_echo_reply(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), pi) < 0) {
		drop(w, m, SL_DROP_BAD_L4);
		return;
	}
	w->ctr.icmp_echo++;
	txbuf_add(w, p, &p->tx, m);
}

void sl_worker_process_burst(struct sl_worker *w, const struct sl_dp_state *st,
			     struct sl_worker_port *p, struct rte_mbuf **pkts, uint16_t n, uint32_t now)
{
	struct sl_pkt_info pi[SL_MAX_BURST];
	const struct sl_dp_vip *vip[SL_MAX_BURST];
	uint32_t hash[SL_MAX_BURST];
	uint8_t cls[SL_MAX_BURST];
	struct sl_vip_memo memo;
	uint16_t i;

	w->ctr.rx += n;
	sl_vip_memo_init(&memo);
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));

	/* Pass 1a: classify. */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		if (unlikely(m->nb_segs != 1)) {
			cls[i] = SL_PKT_DROP;
			pi[i].drop = SL_DROP_UNSUPPORTED;
			continue;
		}
		cls[i] = (uint8_t)sl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
					       rte_pktmbuf_data_len(m), &pi[i]);
	}

	/*
	 * Pass 1b: find the VIP, hash the flow and prefetch its flow-table bucket.
	 * A separate loop because the flow hash is a ~45-cycle dependent multiply
	 * chain: alone in a short loop body, out-of-order execution runs several
	 * packets' chains at once; behind the parser call it ran them one by one.
	 */
	for (i = 0; i < n; i++) {
		vip[i] = NULL;
		if (likely(cls[i] == SL_PKT_FLOW || cls[i] == SL_PKT_ICMP_ERR)) {
			vip[i] = sl_dp_vip_find_memo(st, &memo, &pi[i].key);
			if (vip[i]) {
				hash[i] = sl_flow_hash_all(&pi[i].key);
				sl_flow_prefetch_inline(w->flows, hash[i]);
			}
		} else if (cls[i] == SL_PKT_ICMP_ECHO) {
			vip[i] = sl_dp_vip_find_addr(st, &pi[i].key);
		}
	}

	/*
	 * The buckets prefetched above have had a pass to arrive: read their signatures
	 * and prefetch the matching entry lines too. Pass 2 does too much work per packet
	 * for out-of-order execution to overlap one packet's entry miss with the next
	 * one's, so without this every hit on a big table waits for DRAM in turn.
	 */
	for (i = 0; i < n; i++)
		if (vip[i] && cls[i] != SL_PKT_ICMP_ECHO)
			sl_flow_prefetch_entry_inline(w->flows, hash[i]);

	/* Pass 2: decide and queue. */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		switch (cls[i]) {
		case SL_PKT_ICMP_ERR:
			/* Steered like the flow it quotes, so the owning backend learns the path MTU. */
			if (vip[i])
				w->ctr.icmp_err++;
			__attribute__((fallthrough));
		case SL_PKT_FLOW:
			if (likely(vip[i] != NULL))
				balance(w, st, p, m, &pi[i], vip[i], hash[i], now);
			else
				to_host(w, p, m);
			break;
		case SL_PKT_ICMP_ECHO:
			if (vip[i])
				echo_reply(w, p, m, &pi[i]);
			else
				to_host(w, p, m);
			break;
		case SL_PKT_HOST:
			to_host(w, p, m);
			break;
		default:
			drop(w, m, pi[i].drop);
			break;
		}
	}
}

/* Kernel -> wire: whatever the host stack sends through the exception port goes out unchanged. */
static void poll_exception(struct sl_worker *w, struct sl_worker_port *p)
{
	struct rte_mbuf *pkts[SL_MAX_BURST];
	uint16_t n = rte_eth_rx_burst(p->exc_port, p->exc_queue, pkts, (uint16_t)w->burst), i;

	w->ctr.host_from_kernel += n;
	for (i = 0; i < n; i++)
		txbuf_add(w, p, &p->tx, pkts[i]);
}

int sl_worker_main(void *arg)
{
	struct sl_worker *w = arg;
	struct rte_mbuf *pkts[SL_MAX_BURST];
	uint32_t last_sweep = 0;

	rte_rcu_qsbr_thread_register(w->qsbr, w->idx);
	rte_rcu_qsbr_thread_online(w->qsbr, w->idx);

	while (!w->stop) {
		/* Acquire pairs with the control thread's release store: the tables it points
		 * to are fully written before we can see the pointer. */
		const struct sl_dp_state *st = __atomic_load_n(w->state, __ATOMIC_ACQUIRE);
		uint32_t now = (uint32_t)(rte_rdtsc() / w->tsc_per_ms);
		uint16_t pi;

		for (pi = 0; pi < w->n_ports; pi++) {
			struct sl_worker_port *p = &w->ports[pi];
			uint16_t n = rte_eth_rx_burst(p->port_id, p->queue_id, pkts, (uint16_t)w->burst);

			if (n)
				sl_worker_process_burst(w, st, p, pkts, n, now);
			if (p->has_exc)
				poll_exception(w, p);
			sl_worker_flush(w, p);
		}
		/* Reclaim idle flows a little at a time (64 buckets a millisecond covers a
		 * million entries in two seconds): entries nobody looks up again would
		 * otherwise look live once the 32-bit millisecond clock wraps. */
		if (unlikely(now != last_sweep)) {
			last_sweep = now;
			sl_flow_sweep(w->flows, now, SWEEP_BUCKETS_PER_MS);
		}
		/* Nothing from `st` is used past this point: the control thread may free
		 * a replaced snapshot once every worker has reported this. */
		rte_rcu_qsbr_quiescent(w->qsbr, w->idx);
	}

	rte_rcu_qsbr_thread_offline(w->qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(w->qsbr, w->idx);
	return 0;
}
