/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl_commands.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <grp.h>

#include "../common/flow_hash.h"
#include "../common/maglev.h"
#include "ctl_changes.h"
#include "ctl_server.h"
#include "daemon.h"
#include "stats.h"

static int cmd_stats(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)args, (void)err, (void)errlen;
	*result = sl_stats_json(ctx);
	return 0;
}

static int cmd_vips(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)args, (void)err, (void)errlen;
	*result = sl_vips_json(ctx);
	return 0;
}

static int get_ip(json_t *args, const char *key, struct sl_ip *ip, char *err, size_t errlen)
{
	const char *s = json_string_value(json_object_get(args, key));

	if (!s || sl_ip_parse(s, ip)) {
		snprintf(err, errlen, "'%s' must be an IPv4 or IPv6 address", key);
		return -EINVAL;
	}
	return 0;
}

static int get_port(json_t *args, const char *key, uint16_t *port, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);

	if (!v) {
		*port = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
		snprintf(err, errlen, "'%s' must be a port number 0..65535", key);
		return -EINVAL;
	}
	*port = (uint16_t)json_integer_value(v);
	return 0;
}

/* Which backend would a new flow get: answers "why did this client land there" without a capture. */
static int cmd_lookup(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	const struct sl_dp_state *s = d->state;
	const char *proto = json_string_value(json_object_get(args, "proto"));
	struct sl_ip src, dst;
	struct sl_flow_key k;
	const struct sl_dp_vip *v;
	uint16_t sport, dport;
	uint32_t slot, bi;
	char buf[64];

	if (get_ip(args, "src", &src, err, errlen) || get_ip(args, "dst", &dst, err, errlen) ||
	    get_port(args, "sport", &sport, err, errlen) || get_port(args, "dport", &dport, err, errlen))
		return -EINVAL;
	if (src.family != dst.family) {
		snprintf(err, errlen, "'src' and 'dst' must be the same address family");
		return -EINVAL;
	}
	memset(&k, 0, sizeof(k));
	memcpy(k.src, src.w, sizeof(k.src));
	memcpy(k.dst, dst.w, sizeof(k.dst));
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.family = src.family;
	k.proto = (!proto || strcmp(proto, "tcp") == 0) ? IPPROTO_TCP
		  : strcmp(proto, "udp") == 0	      ? IPPROTO_UDP
							      : 0;
	if (!k.proto) {
		snprintf(err, errlen, "'proto' must be tcp or udp");
		return -EINVAL;
	}
	v = sl_dp_vip_find(s, &k);
	if (!v) {
		snprintf(err, errlen, "no VIP matches %s port %u/%s", sl_ip_str(&dst, buf, sizeof(buf)), dport,
			 proto ? proto : "tcp");
		return -ENOENT;
	}
	slot = sl_maglev_slot(sl_flow_hash(&k, v->hash_fields), v->table_size);
	bi = v->table[slot];
	*result = json_object();
	json_object_set_new(*result, "vip", json_string(d->model.vips[v->index].cfg.name));
	if (v->sched != SL_SCHED_MAGLEV) {
		/* wrr/wrandom/lrt choose per node at the flow's first packet: nothing to predict. */
		json_object_set_new(*result, "scheduler_per_node", json_true());
		json_object_set_new(*result, "backend", json_null());
		return 0;
	}
	json_object_set_new(*result, "hash", json_integer(sl_flow_hash(&k, v->hash_fields)));
	json_object_set_new(*result, "slot", json_integer(slot));
	if (bi >= v->n_backends) {
		json_object_set_new(*result, "backend", json_null());
		return 0;
	}
	json_object_set_new(*result, "backend", json_string(d->model.vips[v->index].slots[bi].cfg.name));
	json_object_set_new(*result, "address",
			    json_string(sl_ip_str(&d->model.vips[v->index].slots[bi].cfg.addr, buf, sizeof(buf))));
	return 0;
}

static int cmd_config(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;

	(void)args, (void)err, (void)errlen;
	*result = json_object();
	json_object_set_new(*result, "path", json_string(d->model.cfg.path));
	json_object_set_new(*result, "generation", json_integer((json_int_t)d->generation));
	json_object_set_new(*result, "vips", json_integer(d->model.cfg.n_vips));
	json_object_set_new(*result, "workers", json_integer(d->model.cfg.n_workers));
	json_object_set_new(*result, "health_changes", json_integer((json_int_t)d->health_changes));
	json_object_set_new(*result, "last_health_publish_us", json_integer((json_int_t)d->last_health_publish_us));
	return 0;
}

static const struct sl_ctl_cmd commands[] = {
	{ "stats", "counters: totals, drops by reason, per lcore", cmd_stats },
	{ "vips", "VIPs and their backends: state, next hop, table share, counters", cmd_vips },
	{ "lookup", "backend a new flow would get: src= dst= [sport=] [dport=] [proto=tcp|udp]", cmd_lookup },
	{ "config", "the running configuration's source and generation", cmd_config },
};

int sl_ctl_start(struct sl_daemon *d, char *err, size_t errlen)
{
	static struct sl_ctl_cmd all[sizeof(commands) / sizeof(commands[0]) + 32];
	size_t n = sizeof(commands) / sizeof(commands[0]);
	int gid = -1, mode = 0600;

	if (!d->model.cfg.socket_path[0])
		return 0;
	if (d->model.cfg.socket_group[0]) {
		struct group *g = getgrnam(d->model.cfg.socket_group);

		if (!g) {
			snprintf(err, errlen, "control.socket_group: no group named '%s'", d->model.cfg.socket_group);
			return -ENOENT;
		}
		gid = (int)g->gr_gid;
		mode = 0660;
	}
	memcpy(all, commands, sizeof(commands));
	memcpy(all + n, sl_ctl_change_cmds, sizeof(struct sl_ctl_cmd) * sl_ctl_n_change_cmds);
	n += sl_ctl_n_change_cmds;
	d->ctl = sl_ctl_server_create(d->model.cfg.socket_path, mode, gid, err, errlen);
	if (!d->ctl)
		return -errno;
	return sl_ctl_server_set_commands(d->ctl, all, n, d);
}

void sl_ctl_stop(struct sl_daemon *d)
{
	sl_ctl_server_destroy(d->ctl);
	d->ctl = NULL;
}
