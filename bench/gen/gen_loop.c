/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_loop.h"

#include <errno.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define MAX_BURST 256
/* RX bursts per loop turn: draining first keeps our RX ring from overflowing into "loss". */
#define RX_ROUNDS 4

struct run {
	uint64_t tx, tx_full, rx;
	uint32_t flow;   /* next flow index */
	uint64_t seq;    /* packets built, for template alternation */
};

static void receive(struct gen_loop *l, struct run *s)
{
	struct rte_mbuf *pkts[MAX_BURST];
	struct gen_rx rx;
	int round;

	for (round = 0; round < RX_ROUNDS; round++) {
		uint16_t n = rte_eth_rx_burst(l->port_id, 0, pkts, l->burst), i;

		for (i = 0; i < n; i++) {
			int rc = gen_decode(rte_pktmbuf_mtod(pkts[i], const uint8_t *), rte_pktmbuf_data_len(pkts[i]),
					    l->family, l->vip, l->vip_port, l->sent_dst_mac, l->gue_port,
					    l->n_flows, &rx);

			if (likely(rc == 0))
				gen_acct_record(l->acct, &rx);
			else
				gen_acct_record_error(l->acct, rc);
		}
		s->rx += n;
		if (n)
			rte_pktmbuf_free_bulk(pkts, n);
		if (n < l->burst)
			break;
	}
}

/* Build and send up to @want packets; returns how many were built (sent or refused). */
static uint16_t transmit(struct gen_loop *l, struct run *s, uint16_t want)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint16_t i, sent;

	if (rte_pktmbuf_alloc_bulk(l->tx_pool, pkts, want) != 0)
		return 0;
	for (i = 0; i < want; i++) {
		const struct gen_tmpl *t = l->tmpl[s->seq++ & 1];
		struct rte_mbuf *m = pkts[i];

		m->data_len = gen_tmpl_write(t, rte_pktmbuf_mtod(m, uint8_t *), s->flow);
		m->pkt_len = m->data_len;
		if (unlikely(++s->flow == l->n_flows))
			s->flow = 0;
	}
	sent = rte_eth_tx_burst(l->port_id, 0, pkts, want);
	s->tx += sent;
	if (unlikely(sent < want)) {
		s->tx_full += want - sent;
		rte_pktmbuf_free_bulk(&pkts[sent], want - sent);
	}
	return want;
}

int gen_loop_run(struct gen_loop *l, double warmup_s, double duration_s, uint32_t drain_ms,
		 struct gen_result *r)
{
	const uint64_t hz = rte_get_timer_hz();
	uint64_t now = rte_get_timer_cycles();
	uint64_t t_measure = now + (uint64_t)(warmup_s * (double)hz);
	uint64_t t_end = t_measure + (uint64_t)(duration_s * (double)hz);
	uint64_t t0 = now, built_since_t0 = 0, last_progress = now;
	struct run s = { 0 };
	int measuring = warmup_s <= 0;

	while (!*l->stop) {
		uint16_t want = l->burst, built;

		now = rte_get_timer_cycles();
		if (unlikely(!measuring && now >= t_measure)) {
			/* Keep which backend each flow went to; forget the warm-up's packet counts. */
			gen_acct_reset_pkts(l->acct);
			s.tx = s.tx_full = s.rx = 0;
			t0 = now;
			built_since_t0 = 0;
			measuring = 1;
		}
		if (unlikely(now >= t_end))
			break;
		receive(l, &s);
		if (l->rate) {
			uint64_t due = (uint64_t)((double)(now - t0) * (double)l->rate / (double)hz);

			if (due <= built_since_t0)
				continue;
			if (due - built_since_t0 < want)
				want = (uint16_t)(due - built_since_t0);
		}
		built = transmit(l, &s, want);
		built_since_t0 += built;
		if (built)
			last_progress = now;
		else if (now - last_progress > hz)
			return -ENOMEM;
	}
	r->seconds = (double)(now - (measuring ? t0 : now)) / (double)hz;
	r->tx = s.tx;
	r->tx_full = s.tx_full;

	/* Packets still inside the balancer belong to the measured interval. */
	t_end = rte_get_timer_cycles() + (uint64_t)drain_ms * hz / 1000;
	while (!*l->stop && rte_get_timer_cycles() < t_end)
		receive(l, &s);
	r->rx = s.rx;
	return 0;
}
