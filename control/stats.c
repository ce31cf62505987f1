/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/maglev.h"
#include "dp_ops.h"
#include "health.h"

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

json_t *sl_stats_json(struct sl_daemon *d)
{
	const struct sl_counters *c = sl_daemon_counters(d);
	struct sl_lcore_ctr sum = { 0 };
	json_t *root, *rows = json_array();
	uint64_t inserts = 0, evictions = 0;
	uint32_t i;

	for (i = 0; i < c->n_rows; i++) {
		json_t *lj = lcore_json(&c->row[i]);

		add_lcore(&sum, &c->row[i]);
		json_object_set_new(lj, c->row_label, json_integer(c->row_id[i]));
		json_object_set_new(lj, "flow_evictions", json_integer((json_int_t)c->flow_evictions[i]));
		json_object_set_new(lj, "flow_capacity", json_integer((json_int_t)c->flow_capacity[i]));
		evictions += c->flow_evictions[i];
		inserts += c->flow_inserts[i];
		json_array_append_new(rows, lj);
	}
	root = lcore_json(&sum);
	json_object_set_new(root, "dataplane", json_string(d->ops ? d->ops->name : "none"));
	json_object_set_new(root, "flow_inserts", json_integer((json_int_t)inserts));
	json_object_set_new(root, "flow_evictions", json_integer((json_int_t)evictions));
	json_object_set_new(root, "generation", json_integer((json_int_t)d->generation));
	json_object_set_new(root, "lcores", rows);
	return root;
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

static const char *sched_name(enum sl_sched s)
{
	static const char *const names[] = { "maglev", "wrr", "wrandom", "lrt" };

	return (unsigned)s < 4 ? names[s] : "?";
}

static const char *backend_state(const struct sl_model_backend *b)
{
	if (!sl_model_backend_up(b))
		return "down";
	return b->drained ? "draining" : (b->cfg.weight ? "up" : "weight0");
}

json_t *sl_backend_json(const struct sl_daemon *d, const struct sl_counters *ctr, const struct sl_model_vip *v,
			uint32_t k, uint32_t owned)
{
	const struct sl_model_backend *mb = &v->slots[k];
	const struct sl_dp_state *s = d->state;
	const struct sl_dp_backend *db = NULL;
	json_t *b = json_object();
	char buf[64];
	uint32_t i;

	for (i = 0; s && i < s->n_vips && !db; i++)
		if (s->vips[i].id == v->id && k < s->vips[i].n_backends)
			db = &s->vips[i].backends[k];
	json_object_set_new(b, "name", json_string(mb->cfg.name));
	json_object_set_new(b, "address", json_string(sl_ip_str(&mb->cfg.addr, buf, sizeof(buf))));
	json_object_set_new(b, "weight", json_integer(mb->cfg.weight));
	json_object_set_new(b, "state", json_string(backend_state(mb)));
	json_object_set_new(b, "health", json_string(mb->cfg.health.type == SL_PROBE_NONE ? "none"
						     : !mb->health_on			 ? "off"
						     : mb->healthy			 ? "passing"
											 : "failing"));
	json_object_set_new(b, "rtt_us", mb->rtt_us ? json_integer(mb->rtt_us) : json_null());
	if (db && db->mac_ok)
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", db->mac[0], db->mac[1], db->mac[2],
			 db->mac[3], db->mac[4], db->mac[5]);
	json_object_set_new(b, "next_hop_mac", db && db->mac_ok ? json_string(buf) : json_null());
	json_object_set_new(b, "table_entries", json_integer(owned));
	sl_health_json(d, mb->id, b);
	put_ctr(b, &ctr->backend[mb->id]);
	return b;
}

/* Slots each backend of @v owns in its current table (entries[k] for slot k). */
static uint32_t *table_shares(const struct sl_model_vip *v)
{
	uint32_t *owned = calloc(v->n_slots ? v->n_slots : 1, sizeof(*owned)), k;

	for (k = 0; owned && v->table && k < v->table->size; k++)
		if (v->table->slots[k] < v->n_slots)
			owned[v->table->slots[k]]++;
	return owned;
}

json_t *sl_vip_json(const struct sl_daemon *d, const struct sl_counters *ctr, const struct sl_model_vip *v,
		    bool with_backends)
{
	json_t *o = json_object(), *bs = json_array();
	uint32_t *owned = table_shares(v), k;
	char buf[64];

	json_object_set_new(o, "name", json_string(v->cfg.name));
	json_object_set_new(o, "address", json_string(sl_ip_str(&v->cfg.addr, buf, sizeof(buf))));
	json_object_set_new(o, "port", json_integer(v->cfg.port));
	json_object_set_new(o, "protocol", json_string(proto_name(v->cfg.proto)));
	json_object_set_new(o, "method", json_string(sl_fwd_method_name(v->cfg.method)));
	json_object_set_new(o, "scheduler", json_string(sched_name(v->cfg.scheduler)));
	json_object_set_new(o, "table_size", json_integer(v->cfg.table_size));
	json_object_set_new(o, "all_down", json_boolean(v->all_down));
	json_object_set_new(o, "all_down_events", json_integer((json_int_t)v->all_down_events));
	put_ctr(o, &ctr->vip[v->id]);
	for (k = 0; with_backends && k < v->n_slots; k++)
		if (v->slots[k].in_use)
			json_array_append_new(bs, sl_backend_json(d, ctr, v, k, owned ? owned[k] : 0));
	free(owned);
	if (with_backends)
		json_object_set_new(o, "backends", bs);
	else
		json_decref(bs);
	return o;
}

json_t *sl_vips_json(struct sl_daemon *d)
{
	const struct sl_counters *ctr = sl_daemon_counters(d);
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; i < d->model.n_vips; i++)
		json_array_append_new(arr, sl_vip_json(d, ctr, &d->model.vips[i], true));
	return arr;
}
