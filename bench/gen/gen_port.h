/* SPDX-License-Identifier: BSD-3-Clause */
/* Bring up the generator's DPDK port. Error convention: negative errno plus a message. */
#ifndef SLUICE_GEN_PORT_H
#define SLUICE_GEN_PORT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mempool;

/*
 * Configure @port_id with one RX and one TX queue on @pool (RX buffers; TX
 * buffers come from the caller's pool), enable promiscuous mode where the
 * driver has it (the balancer's output is addressed to backends, not us),
 * start it and wait up to @link_wait_s seconds for link up. Copies the
 * port's MAC into @mac. Returns 0; -ENODEV (no such port), -ETIMEDOUT (no
 * link; the port is left started), or the driver's negative errno, with a
 * message in @err. Call from the main lcore before the loop.
 */
int gen_port_start(uint16_t port_id, struct rte_mempool *pool, double link_wait_s, uint8_t mac[6],
		   char *err, size_t errlen);

/* Stop and close @port_id; errors are ignored (used on the way out). */
/*
 * Wait until @port_id's link goes down (the peer left) or @wait_s seconds
 * pass or *@stop becomes non-zero. Why: closing a memif server while the
 * client still polls the shared rings is what crashed dpdk-testpmd at exit,
 * so benchmark scripts stop the peer first and the generator waits for it.
 * Returns 0 when the link went down, -ETIMEDOUT otherwise.
 */
int gen_port_wait_down(uint16_t port_id, double wait_s, volatile const sig_atomic_t *stop);

void gen_port_stop(uint16_t port_id);

#endif
