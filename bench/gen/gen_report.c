/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_report.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

char *gen_backend_str(const struct gen_backend *b, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	const uint8_t *k = b->key;
	static const uint8_t zero12[12];

	if (b->kind == GEN_RX_PLAIN || b->kind == GEN_RX_L2DSR)
		snprintf(addr, sizeof(addr), "%02x:%02x:%02x:%02x:%02x:%02x", k[0], k[1], k[2], k[3], k[4], k[5]);
	else if (memcmp(k + 4, zero12, 12) == 0 && b->kind != GEN_RX_IP6TNL)
		inet_ntop(AF_INET, k, addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, k, addr, sizeof(addr));
	snprintf(buf, len, "%s:%s", gen_rx_kind_name(b->kind), addr);
	return buf;
}

static void pps(const struct gen_result *r, uint64_t n, double *out)
{
	*out = r->seconds > 0 ? (double)n / r->seconds : 0.0;
}

int gen_report_print(FILE *f, const struct gen_opts *o, const struct gen_result *r, const struct gen_acct *a)
{
	struct gen_acct_summary s;
	double tx_pps, rx_pps, ratio;
	uint64_t lost = gen_loss(r->tx, a->rx_ours, &ratio);
	char name[96];
	uint32_t i;

	gen_acct_summarize(a, &s);
	pps(r, r->tx, &tx_pps);
	pps(r, a->rx_ours, &rx_pps);
	if (o->json) {
		fprintf(f, "{\"traffic\":\"%s\",\"flows\":%u,\"size\":%u,\"seconds\":%.3f,\"hugepages\":%s,"
			"\"tx\":%llu,\"tx_full\":%llu,\"rx\":%llu,\"rx_ours\":%llu,\"rx_foreign\":%llu,"
			"\"rx_bad\":%llu,\"tx_pps\":%.0f,\"rx_pps\":%.0f,\"lost\":%llu,\"loss\":%.6f,"
			"\"flows_seen\":%llu,\"flows_split\":%llu,\"backends\":[",
			gen_l4_name(o->l4), o->flows, o->size, r->seconds, r->hugepages ? "true" : "false",
			(unsigned long long)r->tx, (unsigned long long)r->tx_full, (unsigned long long)r->rx,
			(unsigned long long)a->rx_ours, (unsigned long long)a->rx_foreign,
			(unsigned long long)a->rx_bad, tx_pps, rx_pps, (unsigned long long)lost, ratio,
			(unsigned long long)s.flows_seen, (unsigned long long)s.flows_split);
		for (i = 0; i < a->n_backends; i++)
			fprintf(f, "%s{\"backend\":\"%s\",\"packets\":%llu,\"flows\":%llu}", i ? "," : "",
				gen_backend_str(&a->be[i], name, sizeof(name)), (unsigned long long)a->be[i].pkts,
				(unsigned long long)s.flows_per_be[i]);
		fprintf(f, "]}\n");
	} else {
		fprintf(f, "traffic %s, %u flows, %u-byte frames, %.3f s%s\n", gen_l4_name(o->l4), o->flows, o->size,
			r->seconds, r->hugepages ? "" : " (no hugepages)");
		fprintf(f, "tx %llu (%.0f pps), tx ring full %llu\n", (unsigned long long)r->tx, tx_pps,
			(unsigned long long)r->tx_full);
		fprintf(f, "rx %llu of ours (%.0f pps), %llu foreign, %llu undecodable\n",
			(unsigned long long)a->rx_ours, rx_pps, (unsigned long long)a->rx_foreign,
			(unsigned long long)a->rx_bad);
		fprintf(f, "lost %llu (%.4f %%)\n", (unsigned long long)lost, ratio * 100);
		fprintf(f, "flows seen %llu, on two backends %llu\n", (unsigned long long)s.flows_seen,
			(unsigned long long)s.flows_split);
		for (i = 0; i < a->n_backends; i++)
			fprintf(f, "  %-40s %12llu pkts %10llu flows\n", gen_backend_str(&a->be[i], name, sizeof(name)),
				(unsigned long long)a->be[i].pkts, (unsigned long long)s.flows_per_be[i]);
	}
	return ferror(f) ? -EIO : 0;
}
