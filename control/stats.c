/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/maglev.h"

#define LCORE_FIELDS(X) \
	X(rx) X(tx) X(host) X(host_from_kernel) X(icmp_echo) X(icmp_err) X(icmp_too_big_sent) \
	X(flow_hits) X(flow_misses) X(flow_moved)

static void add_lcore(struct sl_lcore_ctr *sum, const struct sl_lcore_ctr *c)
{
	int r;

#define ADD(f) sum->f += c->f;
	LCORE_FIELDS(ADD)
#undef ADD
	for (r = 0; r < SL_DROP__MAX; r++)
		sum->drops[r] += c->drops[r];
}

static json_t *lcore_json(const struct sl_lcore_ctr *c)
{
	json_t *o = json_object(), *drops = json_object();
	uint64_t total = 0;
	int r;

#define PUT(f) json_object_set_new(o, #f, json_integer((json_int_t)c->f));
	LCORE_FIELDS(PUT)
#undef PUT
	for (r = 1; r < SL_DROP__MAX; r++) {
		total += c->drops[r];
		json_object_set_new(drops, sl_drop_reason_name((enum sl_drop_reason)r),
				    json_integer((json_int_t)c->drops[r]));
	}
	json_object_set_new(o, "dropped", json_integer((json_int_t)total));
	json_object_set_new(o, "drops", drops);
	return o;
}

json_t *sl_stats_json(const struct sl_daemon *d)
{
	struct sl_lcore_ctr sum = { 0 };
	json_t *root, *lcores = json_array();
	uint64_t flows_live = 0, evictions = 0;
	uint32_t i;

	for (i = 0; i < d->n_workers; i++) {
		const struct sl_worker *w = d->workers[i];
		const struct sl_flow_stats *fs = sl_flow_table_stats(w->flows);
		json_t *lj = lcore_json(&w->ctr);

		add_lcore(&sum, &w->ctr);
		json_object_set_new(lj, "lcore", json_integer(w->lcore_id));
		json_object_set_new(lj, "flow_evictions", json_integer((json_int_t)fs->evictions));
		json_object_set_new(lj, "flow_capacity", json_integer(sl_flow_table_capacity(w->flows)));
		evictions += fs->evictions;
		flows_live += fs->inserts;
		json_array_append_new(lcores, lj);
	}
	root = lcore_json(&sum);
	json_object_set_new(root, "flow_inserts", json_integer((json_int_t)flows_live));
	json_object_set_new(root, "flow_evictions", json_integer((json_int_t)evictions));
	json_object_set_new(root, "generation", json_integer((json_int_t)d->generation));
	json_object_set_new(root, "lcores", lcores);
	return root;
}

static void ctr_sum(const struct sl_daemon *d, uint32_t row, int backend, struct sl_ctr *out)
{
	uint32_t i;

	out->pkts = out->bytes = out->new_flows = 0;
	for (i = 0; i < d->n_workers; i++) {
		const struct sl_ctr *c = backend ? &d->workers[i]->backend_ctr[row] : &d->workers[i]->vip_ctr[row];

		out->pkts += c->pkts;
		out->bytes += c->bytes;
		out->new_flows += c->new_flows;
	}
}

static void put_ctr(json_t *o, const struct sl_ctr *c)
{
	json_object_set_new(o, "packets", json_integer((json_int_t)c->pkts));
	json_object_set_new(o, "bytes", json_integer((json_int_t)c->bytes));
	json_object_set_new(o, "new_flows", json_integer((json_int_t)c->new_flows));
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "?";
}

json_t *sl_vips_json(const struct sl_daemon *d)
{
	const struct sl_dp_state *s = d->state;
	json_t *arr = json_array();
	uint32_t i, j, k;

	for (i = 0; s && i < d->cfg.n_vips; i++) {
		const struct sl_cfg_vip *cv = &d->cfg.vips[i];
		const struct sl_dp_vip *dv = &s->vips[i];
		json_t *v = json_object(), *bs = json_array();
		uint32_t *owned = calloc(dv->n_backends ? dv->n_backends : 1, sizeof(*owned));
		struct sl_ctr c;
		char buf[64];

		for (k = 0; owned && k < dv->table_size; k++)
			if (dv->table[k] < dv->n_backends)
				owned[dv->table[k]]++;
		json_object_set_new(v, "name", json_string(cv->name));
		json_object_set_new(v, "address", json_string(sl_ip_str(&cv->addr, buf, sizeof(buf))));
		json_object_set_new(v, "port", json_integer(cv->port));
		json_object_set_new(v, "protocol", json_string(proto_name(cv->proto)));
		json_object_set_new(v, "method", json_string(sl_fwd_method_name(cv->method)));
		json_object_set_new(v, "table_size", json_integer(cv->table_size));
		ctr_sum(d, dv->id, 0, &c);
		put_ctr(v, &c);
		for (j = 0; j < dv->n_backends; j++) {
			const struct sl_dp_backend *db = &dv->backends[j];
			json_t *b = json_object();

			json_object_set_new(b, "name", json_string(cv->backends[j].name));
			json_object_set_new(b, "address",
					    json_string(sl_ip_str(&cv->backends[j].addr, buf, sizeof(buf))));
			json_object_set_new(b, "weight", json_integer(db->weight));
			json_object_set_new(b, "state", json_string(!db->up ? "down" : db->weight ? "up" : "drained"));
			if (db->mac_ok)
				snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", db->mac[0], db->mac[1],
					 db->mac[2], db->mac[3], db->mac[4], db->mac[5]);
			json_object_set_new(b, "next_hop_mac", db->mac_ok ? json_string(buf) : json_null());
			json_object_set_new(b, "table_entries", json_integer(owned ? owned[j] : 0));
			ctr_sum(d, db->id, 1, &c);
			put_ctr(b, &c);
			json_array_append_new(bs, b);
		}
		free(owned);
		json_object_set_new(v, "backends", bs);
		json_array_append_new(arr, v);
	}
	return arr;
}
