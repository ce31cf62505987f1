/* SPDX-License-Identifier: BSD-3-Clause */
#include "decap_stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "decap.skel.h"
#include "decap_addr.h"

#define SL_DECAP_NAME(name, str) str,
static const char *const counter_names[] = { SL_DECAP_COUNTERS(SL_DECAP_NAME) };
#undef SL_DECAP_NAME

const char *sl_decap_counter_name(unsigned int c)
{
	return c < SL_DECAP_C__MAX ? counter_names[c] : NULL;
}

int sl_decap_stats_read(int cnt_fd, struct sl_decap_count *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_decap_count *percpu;
	uint32_t key;
	int cpu, rc = 0;

	if (ncpu <= 0)
		return -ENOMEM;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (key = 0; key < SL_DECAP_C__MAX; key++) {
		out[key].packets = out[key].bytes = 0;
		if (bpf_map_lookup_elem(cnt_fd, &key, percpu)) {
			rc = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++) {
			out[key].packets += percpu[cpu].packets;
			out[key].bytes += percpu[cpu].bytes;
		}
	}
	free(percpu);
	return rc;
}

/* Knobs from the program's frozen .rodata; zeros if it could not be read. */
static struct decap_bpf__rodata read_knobs(int rodata_fd)
{
	struct decap_bpf__rodata k = { 0 };
	uint32_t zero = 0;

	if (rodata_fd >= 0 && bpf_map_lookup_elem(rodata_fd, &zero, &k))
		memset(&k, 0, sizeof(k));
	return k;
}

static json_t *addr_list(int addr_fd)
{
	struct sl_decap_addr key, next;
	char text[INET6_ADDRSTRLEN];
	json_t *arr = json_array();
	const void *prev = NULL;

	while (arr && addr_fd >= 0 && !bpf_map_get_next_key(addr_fd, prev, &next)) {
		if (!sl_decap_addr_format(&next, text, sizeof(text)))
			json_array_append_new(arr, json_string(text));
		key = next;
		prev = &key;
	}
	return arr;
}

int sl_decap_stats_print(FILE *f, const char *ifname, const struct sl_decap_handle *h, int json)
{
	struct sl_decap_count c[SL_DECAP_C__MAX];
	struct decap_bpf__rodata k = read_knobs(h->rodata_fd);
	json_t *root, *addrs, *cnt;
	unsigned int i;
	size_t ai;
	int rc;

	rc = sl_decap_stats_read(h->cnt_fd, c);
	if (rc)
		return rc;
	addrs = addr_list(h->addr_fd);
	if (!addrs)
		return -ENOMEM;

	if (!json) {
		json_t *a;

		fprintf(f, "interface %s: prog id %u, mode %s, gue port %u, decap addresses:",
			ifname, h->prog_id, sl_decap_mode_name(h->mode), k.gue_port);
		if (k.accept_any)
			fprintf(f, " any");
		json_array_foreach(addrs, ai, a)
			fprintf(f, " %s", json_string_value(a));
		fprintf(f, "\n");
		for (i = 0; i < SL_DECAP_C__MAX; i++)
			fprintf(f, "  %-24s %20llu packets %20llu bytes\n", counter_names[i],
				(unsigned long long)c[i].packets, (unsigned long long)c[i].bytes);
		json_decref(addrs);
		return 0;
	}

	cnt = json_object();
	for (i = 0; cnt && i < SL_DECAP_C__MAX; i++)
		json_object_set_new(cnt, counter_names[i],
				    json_pack("{sIsI}", "packets", (json_int_t)c[i].packets,
					      "bytes", (json_int_t)c[i].bytes));
	root = json_pack("{sssIsssIsbsoso}", "interface", ifname,
			 "prog_id", (json_int_t)h->prog_id, "mode", sl_decap_mode_name(h->mode),
			 "gue_port", (json_int_t)k.gue_port, "accept_any", (int)k.accept_any,
			 "addresses", addrs, "counters", cnt);
	if (!root)
		return -ENOMEM;
	rc = json_dumpf(root, f, JSON_INDENT(2)) ? -EIO : 0;
	fputc('\n', f);
	json_decref(root);
	return rc;
}
