/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow key: the identity of a flow as every sluice dataplane sees it.
 *
 * Shared by the DPDK worker, the XDP program and the control plane, so it uses
 * only fixed-width types and has no DPDK, libc or BPF includes of its own:
 * the includer provides <stdint.h> (user space) or <linux/types.h> (BPF).
 */
#ifndef SLUICE_FLOW_KEY_H
#define SLUICE_FLOW_KEY_H

#ifndef __bpf__
#include <stdint.h>
#endif

#define SL_AF_INET  4
#define SL_AF_INET6 6

/*
 * Addresses are kept as four 32-bit words in network byte order. An IPv4
 * address lives in word 0 and words 1..3 are zero, so one code path hashes
 * and compares both families and equal flows always have equal bytes.
 */
struct sl_flow_key {
	uint32_t src[4];
	uint32_t dst[4];
	uint16_t sport;  /* network byte order; 0 for ICMP */
	uint16_t dport;  /* network byte order; 0 for ICMP */
	uint8_t  proto;  /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP(V6) */
	uint8_t  family; /* SL_AF_INET or SL_AF_INET6 */
	uint16_t pad;    /* always zero: keys are compared as bytes */
};

#endif
