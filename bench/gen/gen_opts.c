/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *const l4_names[GEN_L4__MAX] = {
	[GEN_TCP_SYN] = "syn", [GEN_TCP_ACK] = "ack", [GEN_TCP_MIX] = "mix", [GEN_UDP] = "udp",
};

const char *gen_l4_name(enum gen_l4 l4)
{
	return (unsigned)l4 < GEN_L4__MAX ? l4_names[l4] : "?";
}

void gen_opts_usage(void *f)
{
	fputs("usage: sluice-gen [EAL args] -- --vip ADDR --dst-mac MAC [options]\n"
	      "  --vip ADDR          VIP (IPv4 or IPv6); clients come from 198.19.0.0/16 or 2001:db8:c::/64\n"
	      "  --vip-port N        VIP port (default 80)\n"
	      "  --dst-mac MAC       destination MAC: the balancer port's\n"
	      "  --flows N           distinct client flows, 1..10000000 (default 1000)\n"
	      "  --size B            Ethernet frame incl. FCS, 64..1518 (default 64)\n"
	      "  --traffic T         syn, ack, mix (alternating) or udp (default ack)\n"
	      "  --duration S        measured seconds (default 5)\n"
	      "  --warmup S          seconds of traffic before measuring (default 0)\n"
	      "  --rate PPS          packets per second (default: as fast as possible)\n"
	      "  --gue-port N        GUE UDP port to decode (default 6080)\n"
	      "  --port-id N         DPDK port (default 0)\n"
	      "  --burst N           tx/rx burst, 1..256 (default 32)\n"
	      "  --link-wait S       seconds to wait for link up (default 10)\n"
	      "  --drain-ms N        keep receiving this long after the last tx (default 200)\n"
	      "  --hold S            after the report, keep the port open until the peer\n"
	      "                      disconnects or S seconds pass (default 0)\n"
	      "  --json              JSON report instead of text\n",
	      (FILE *)f);
}

static int num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || isnan(v) || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int integer(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || *s == '+' || *s == '\0')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int mac(const char *s, uint8_t out[6])
{
	unsigned v[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		out[i] = (uint8_t)v[i];
	return 0;
}

enum { O_VIP = 256, O_VIP_PORT, O_DST_MAC, O_FLOWS, O_SIZE, O_TRAFFIC, O_DURATION, O_WARMUP, O_RATE,
       O_GUE_PORT, O_PORT_ID, O_BURST, O_LINK_WAIT, O_DRAIN, O_JSON, O_HOLD, O_HELP };

static const struct option longopts[] = {
	{ "vip", required_argument, NULL, O_VIP },
	{ "vip-port", required_argument, NULL, O_VIP_PORT },
	{ "dst-mac", required_argument, NULL, O_DST_MAC },
	{ "flows", required_argument, NULL, O_FLOWS },
	{ "size", required_argument, NULL, O_SIZE },
	{ "traffic", required_argument, NULL, O_TRAFFIC },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "warmup", required_argument, NULL, O_WARMUP },
	{ "rate", required_argument, NULL, O_RATE },
	{ "gue-port", required_argument, NULL, O_GUE_PORT },
	{ "port-id", required_argument, NULL, O_PORT_ID },
	{ "burst", required_argument, NULL, O_BURST },
	{ "link-wait", required_argument, NULL, O_LINK_WAIT },
	{ "drain-ms", required_argument, NULL, O_DRAIN },
	{ "json", no_argument, NULL, O_JSON },
	{ "hold", required_argument, NULL, O_HOLD },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* One option's value into @o; -EINVAL if it does not parse or is out of range. */
static int apply(struct gen_opts *o, int c, const char *arg, int *have_vip, int *have_mac)
{
	uint64_t u;
	int i;

	switch (c) {
	case O_VIP:
		memset(o->vip, 0, sizeof(o->vip));
		if (inet_pton(AF_INET, arg, o->vip) == 1)
			o->family = AF_INET;
		else if (inet_pton(AF_INET6, arg, o->vip) == 1)
			o->family = AF_INET6;
		else
			return -EINVAL;
		*have_vip = 1;
		return 0;
	case O_DST_MAC:
		*have_mac = 1;
		return mac(arg, o->dst_mac);
	case O_VIP_PORT:
		if (integer(arg, 1, 65535, &u))
			return -EINVAL;
		o->vip_port = (uint16_t)u;
		return 0;
	case O_FLOWS:
		if (integer(arg, 1, GEN_MAX_FLOWS, &u))
			return -EINVAL;
		o->flows = (uint32_t)u;
		return 0;
	case O_SIZE:
		if (integer(arg, GEN_FRAME_MIN + GEN_FCS_LEN, GEN_FRAME_MAX + GEN_FCS_LEN, &u))
			return -EINVAL;
		o->size = (uint16_t)u;
		return 0;
	case O_TRAFFIC:
		for (i = 0; i < GEN_L4__MAX; i++)
			if (strcmp(arg, l4_names[i]) == 0) {
				o->l4 = (enum gen_l4)i;
				return 0;
			}
		return -EINVAL;
	case O_DURATION:
		return num(arg, 0.1, 3600, &o->duration);
	case O_WARMUP:
		return num(arg, 0, 3600, &o->warmup);
	case O_LINK_WAIT:
		return num(arg, 0, 3600, &o->link_wait);
	case O_RATE:
		return integer(arg, 0, 1000000000ull, &o->rate);
	case O_GUE_PORT:
		if (integer(arg, 1, 65535, &u))
			return -EINVAL;
		o->gue_port = (uint16_t)u;
		return 0;
	case O_PORT_ID:
		if (integer(arg, 0, 65535, &u))
			return -EINVAL;
		o->port_id = (uint16_t)u;
		return 0;
	case O_BURST:
		if (integer(arg, 1, 256, &u))
			return -EINVAL;
		o->burst = (uint16_t)u;
		return 0;
	case O_DRAIN:
		if (integer(arg, 0, 60000, &u))
			return -EINVAL;
		o->drain_ms = (uint32_t)u;
		return 0;
	case O_JSON:
		o->json = 1;
		return 0;
	case O_HOLD:
		return num(arg, 0, 3600, &o->hold);
	}
	return -EINVAL;
}

int gen_opts_parse(struct gen_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	int c, have_vip = 0, have_mac = 0;

	memset(o, 0, sizeof(*o));
	o->vip_port = 80;
	o->flows = 1000;
	o->size = 64;
	o->l4 = GEN_TCP_ACK;
	o->duration = 5;
	o->gue_port = 6080;
	o->burst = 32;
	o->link_wait = 10;
	o->drain_ms = 200;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == O_HELP) {
			gen_opts_usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			snprintf(err, errlen, "unknown option or missing value: %s",
				 optind > 0 && optind <= argc ? argv[optind - 1] : "?");
			return -EINVAL;
		}
		if (apply(o, c, optarg, &have_vip, &have_mac)) {
			snprintf(err, errlen, "--%s: bad value '%s'", longopts[c - O_VIP].name, optarg);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!have_vip || !have_mac) {
		snprintf(err, errlen, "--vip and --dst-mac are required");
		return -EINVAL;
	}
	return 0;
}
