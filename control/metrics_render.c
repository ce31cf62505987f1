/* SPDX-License-Identifier: BSD-3-Clause */
#include "metrics_render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* JSON field -> metric family. */
struct field {
	const char *key, *suffix;
	bool        counter;
	const char *help;
};

/* Scalars at the top of `stats`. */
static const struct field stats_fields[] = {
	{ "rx", "rx_packets_total", true, "Packets received by the dataplane workers." },
	{ "tx", "tx_packets_total", true, "Packets transmitted by the dataplane workers." },
	{ "host", "host_packets_total", true, "Packets passed to the host kernel (exception path)." },
	{ "host_from_kernel", "host_from_kernel_packets_total", true,
	  "Packets the host kernel sent out through the exception path." },
	{ "icmp_echo", "icmp_echo_replies_total", true, "ICMP echo requests to a VIP answered." },
	{ "icmp_err", "icmp_errors_total", true, "ICMP errors about VIP flows handled." },
	{ "icmp_too_big_sent", "icmp_too_big_sent_total", true,
	  "ICMP fragmentation-needed / packet-too-big messages sent to clients." },
	{ "flow_hits", "flow_hits_total", true, "Flow table lookups that found the flow." },
	{ "flow_misses", "flow_misses_total", true, "Flow table lookups that did not find the flow." },
	{ "flow_moved", "flow_moved_total", true,
	  "Remembered flows re-scheduled because their backend went away." },
	{ "flow_inserts", "flow_inserts_total", true, "Flows inserted into the flow tables." },
	{ "flow_evictions", "flow_evictions_total", true,
	  "Live flows evicted from a full flow table bucket." },
	{ "generation", "table_generation", false,
	  "Generation of the published forwarding state; changes on every update." },
};

/* Per-lcore rows of `stats.lcores`, labelled lcore. */
static const struct field lcore_fields[] = {
	{ "rx", "lcore_rx_packets_total", true, "Packets received, per worker lcore." },
	{ "tx", "lcore_tx_packets_total", true, "Packets transmitted, per worker lcore." },
	{ "dropped", "lcore_drops_total", true, "Packets dropped for any reason, per worker lcore." },
	{ "flow_evictions", "lcore_flow_evictions_total", true,
	  "Live flows evicted from a full bucket, per worker lcore." },
};

/* Each VIP of `vips`, labelled vip. */
static const struct field vip_fields[] = {
	{ "packets", "vip_packets_total", true, "Packets forwarded for the VIP." },
	{ "bytes", "vip_bytes_total", true, "Bytes forwarded for the VIP (client packets as received)." },
	{ "new_flows", "vip_new_flows_total", true, "New flows scheduled for the VIP." },
};

/* Each backend of `vips[].backends`, labelled vip, backend, address. */
static const struct field backend_fields[] = {
	{ "packets", "backend_packets_total", true, "Packets forwarded to the backend." },
	{ "bytes", "backend_bytes_total", true, "Bytes forwarded to the backend (before encapsulation)." },
	{ "new_flows", "backend_new_flows_total", true, "New flows scheduled to the backend." },
	{ "weight", "backend_weight", false, "Configured Maglev weight (0 = drained)." },
	{ "table_entries", "backend_table_entries", false,
	  "Maglev lookup table slots owned by the backend." },
	{ "probe_ok", "backend_probe_successes_total", true, "Health probes that succeeded." },
	{ "probe_fail", "backend_probe_failures_total", true, "Health probes that failed." },
};

struct family {
	struct sl_metrics_writer *w;
	char        name[128];
	const char *type, *help;
	bool        started;
};

static void family_init(struct family *f, struct sl_metrics_writer *w, const char *prefix,
			const char *suffix, bool counter, const char *help)
{
	f->w = w;
	/* An over-long prefix truncates to a name that is still checked by the writer. */
	snprintf(f->name, sizeof(f->name), "%s_%s", prefix, suffix);
	f->type = counter ? "counter" : "gauge";
	f->help = help;
	f->started = false;
}

/* HELP/TYPE go out with the first sample, so an absent field leaves no empty family. */
static void family_start(struct family *f)
{
	if (!f->started)
		sl_mw_family(f->w, f->name, f->type, f->help);
	f->started = true;
}

/*
 * One sample of @v (number or skipped) with up to three labels (a NULL
 * label name ends the list early).
 */
static void emit(struct family *f, json_t *v, const char *l1, const char *v1, const char *l2,
		 const char *v2, const char *l3, const char *v3)
{
	bool counter = f->type[0] == 'c';

	if (json_is_integer(v)) {
		family_start(f);
		if (counter)
			sl_mw_sample(f->w, f->name, (uint64_t)json_integer_value(v), l1, v1, l2, v2,
				     l3, v3, NULL);
		else
			sl_mw_sample_double(f->w, f->name, (double)json_integer_value(v), l1, v1, l2,
					    v2, l3, v3, NULL);
	} else if (json_is_real(v)) {
		/* A counter cannot be negative; a negative real is not a cast counter. */
		if (counter && !(json_real_value(v) >= 0))
			return;
		family_start(f);
		sl_mw_sample_double(f->w, f->name, json_real_value(v), l1, v1, l2, v2, l3, v3, NULL);
	}
}

/* The string @key of @o, or "" (a label must exist for every sample of a family). */
static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void render_stats(struct sl_metrics_writer *w, const char *prefix, json_t *stats)
{
	json_t *drops = json_object_get(stats, "drops"), *lcores = json_object_get(stats, "lcores");
	struct family f;
	const char *reason;
	json_t *v, *row;
	size_t i, k;
	char id[24];

	for (i = 0; i < sizeof(stats_fields) / sizeof(stats_fields[0]); i++) {
		family_init(&f, w, prefix, stats_fields[i].suffix, stats_fields[i].counter,
			    stats_fields[i].help);
		emit(&f, json_object_get(stats, stats_fields[i].key), NULL, NULL, NULL, NULL, NULL,
		     NULL);
	}

	family_init(&f, w, prefix, "drops_total", true, "Packets dropped, by reason.");
	if (json_is_object(drops))
		json_object_foreach(drops, reason, v)
			emit(&f, v, "reason", reason, NULL, NULL, NULL, NULL);

	if (!json_is_array(lcores))
		return;
	for (k = 0; k < sizeof(lcore_fields) / sizeof(lcore_fields[0]); k++) {
		family_init(&f, w, prefix, lcore_fields[k].suffix, lcore_fields[k].counter,
			    lcore_fields[k].help);
		json_array_foreach(lcores, i, row) {
			/* Without its id a row cannot be told apart from its siblings. */
			if (!json_is_integer(json_object_get(row, "lcore")))
				continue;
			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(row, "lcore")));
			emit(&f, json_object_get(row, lcore_fields[k].key), "lcore", id, NULL, NULL, NULL,
			     NULL);
		}
	}
}

static void render_vip_info(struct sl_metrics_writer *w, const char *prefix, json_t *vips)
{
	struct family f;
	json_t *vip, *port;
	size_t i;
	char ps[24];

	family_init(&f, w, prefix, "vip_info", false,
		    "Always 1; the labels describe the VIP (address, port, protocol, method).");
	json_array_foreach(vips, i, vip) {
		if (!json_is_object(vip))
			continue;
		port = json_object_get(vip, "port");
		ps[0] = '\0';
		if (json_is_integer(port))
			snprintf(ps, sizeof(ps), "%" JSON_INTEGER_FORMAT, json_integer_value(port));
		family_start(&f);
		sl_mw_sample_double(w, f.name, 1.0, "vip", str(vip, "name"), "address",
				    str(vip, "address"), "port", ps, "protocol", str(vip, "protocol"),
				    "method", str(vip, "method"), NULL);
	}
}

/*
 * State names change as features arrive (up, down, draining, weight0, ...);
 * only "down" means the backend gets no traffic for health reasons.
 */
static bool backend_is_up(json_t *b, double *up)
{
	const char *state = json_string_value(json_object_get(b, "state"));

	if (!state || !*state)
		return false;
	*up = strcmp(state, "down") != 0;
	return true;
}

/* "passing" / "failing"; "none" and "off" (no probing) give no sample. */
static bool backend_is_healthy(json_t *b, double *healthy)
{
	const char *h = json_string_value(json_object_get(b, "health"));

	if (!h || (strcmp(h, "passing") && strcmp(h, "failing")))
		return false;
	*healthy = !strcmp(h, "passing");
	return true;
}

/* A 0/1 gauge per backend from @get; backends it declines are left out. */
static void backend_gauge(struct sl_metrics_writer *w, const char *prefix, json_t *vips,
			  const char *suffix, const char *help, bool (*get)(json_t *, double *))
{
	struct family f;
	json_t *vip, *b;
	size_t i, j;
	double x;

	family_init(&f, w, prefix, suffix, false, help);
	json_array_foreach(vips, i, vip)
		json_array_foreach(json_object_get(vip, "backends"), j, b)
			if (get(b, &x)) {
				family_start(&f);
				sl_mw_sample_double(w, f.name, x, "vip", str(vip, "name"), "backend",
						    str(b, "name"), "address", str(b, "address"), NULL);
			}
}

static void render_backends(struct sl_metrics_writer *w, const char *prefix, json_t *vips)
{
	struct family f;
	json_t *vip, *b, *rtt;
	size_t i, j, k;

	for (k = 0; k < sizeof(backend_fields) / sizeof(backend_fields[0]); k++) {
		family_init(&f, w, prefix, backend_fields[k].suffix, backend_fields[k].counter,
			    backend_fields[k].help);
		json_array_foreach(vips, i, vip)
			json_array_foreach(json_object_get(vip, "backends"), j, b)
				emit(&f, json_object_get(b, backend_fields[k].key), "vip",
				     str(vip, "name"), "backend", str(b, "name"), "address",
				     str(b, "address"));
	}

	backend_gauge(w, prefix, vips, "backend_up",
		      "1 unless the backend's state is down (draining and weight-0 backends are up).",
		      backend_is_up);
	backend_gauge(w, prefix, vips, "backend_healthy",
		      "1 if the backend's health probe is passing, 0 if failing; absent without probing.",
		      backend_is_healthy);

	family_init(&f, w, prefix, "backend_state", false,
		    "Always 1; the state label is the backend's state (up, down, draining, ...).");
	json_array_foreach(vips, i, vip)
		json_array_foreach(json_object_get(vip, "backends"), j, b)
			if (json_string_length(json_object_get(b, "state")) > 0) {
				family_start(&f);
				sl_mw_sample_double(w, f.name, 1.0, "vip", str(vip, "name"), "backend",
						    str(b, "name"), "address", str(b, "address"),
						    "state", str(b, "state"), NULL);
			}

	family_init(&f, w, prefix, "backend_rtt_seconds", false,
		    "Round-trip time of the last successful health probe.");
	json_array_foreach(vips, i, vip)
		json_array_foreach(json_object_get(vip, "backends"), j, b) {
			rtt = json_object_get(b, "rtt_us");
			if (!json_is_number(rtt) || !(json_number_value(rtt) >= 0))
				continue;
			family_start(&f);
			sl_mw_sample_double(w, f.name, json_number_value(rtt) / 1e6, "vip",
					    str(vip, "name"), "backend", str(b, "name"), "address",
					    str(b, "address"), NULL);
		}
}

void sl_metrics_render_json(struct sl_metrics_writer *w, const char *prefix, json_t *stats,
			    json_t *vips)
{
	struct family f;
	json_t *vip;
	size_t i, k;

	if (!w)
		return;
	if (!prefix)
		prefix = "sluice";
	if (json_is_object(stats))
		render_stats(w, prefix, stats);
	if (!json_is_array(vips))
		return;
	render_vip_info(w, prefix, vips);
	for (k = 0; k < sizeof(vip_fields) / sizeof(vip_fields[0]); k++) {
		family_init(&f, w, prefix, vip_fields[k].suffix, vip_fields[k].counter,
			    vip_fields[k].help);
		json_array_foreach(vips, i, vip)
			emit(&f, json_object_get(vip, vip_fields[k].key), "vip", str(vip, "name"),
			     NULL, NULL, NULL, NULL);
	}
	render_backends(w, prefix, vips);
}
