/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-gen's own command line (what follows the EAL arguments and "--").
 * No DPDK. Error convention: negative errno plus a message.
 */
#ifndef SLUICE_GEN_OPTS_H
#define SLUICE_GEN_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "gen_flow.h"

struct gen_opts {
	int      family;       /* from --vip */
	uint8_t  vip[16];
	uint16_t vip_port;     /* --vip-port, default 80 */
	uint32_t flows;        /* --flows, 1..GEN_MAX_FLOWS, default 1000 */
	uint16_t size;         /* --size, Ethernet frame incl. FCS, 64..1518, default 64 */
	enum gen_l4 l4;        /* --traffic syn|ack|mix|udp, default ack */
	uint8_t  dst_mac[6];   /* --dst-mac, required */
	double   duration;     /* --duration seconds (0.1..3600), default 5 */
	double   warmup;       /* --warmup seconds (0..3600), default 0 */
	uint64_t rate;         /* --rate pps, 0 = as fast as possible */
	uint16_t gue_port;     /* --gue-port, default 6080 */
	uint16_t port_id;      /* --port-id, default 0 */
	uint16_t burst;        /* --burst 1..256, default 32 */
	double   link_wait;    /* --link-wait seconds for link up, default 10 */
	uint32_t drain_ms;     /* --drain-ms after the last tx, default 200 */
	double   hold;         /* --hold seconds to wait for the peer to go after the report, default 0 */
	int      json;         /* --json */
};

/*
 * Parse @argc/@argv (argv[0] is the program name) into @o, defaults first.
 * Returns 0; 1 when --help was given (usage printed to stdout); -EINVAL on a
 * bad or missing option with a message in @err (@errlen bytes).
 * Uses getopt_long: not thread-safe, resets optind.
 */
int gen_opts_parse(struct gen_opts *o, int argc, char **argv, char *err, size_t errlen);

/* Usage text (without the EAL part) to @f (a FILE *). */
void gen_opts_usage(void *f);

/* "syn", "ack", "mix", "udp"; "?" out of range. */
const char *gen_l4_name(enum gen_l4 l4);

#endif
