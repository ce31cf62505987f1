/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data and exception port bring-up. Control thread only, before workers
 * start. Errors: negative errno plus a message in the caller's buffer.
 */
#ifndef SLUICE_PORT_H
#define SLUICE_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

/* The ethdev name a config `device` string creates: the vdev name before the first ',' or the PCI address. */
void sl_port_dev_name(const char *device, char *name, size_t len);

/* Nonzero when @device names a virtual device ("net_...") rather than a PCI address. */
int sl_port_is_vdev(const char *device);

/*
 * Configure @port_id with @nq RX and TX queues (RSS across them when nq > 1),
 * set @mtu (0 = leave), set up queues from @pool and start it.
 */
int sl_port_start(uint16_t port_id, uint16_t nq, uint16_t rx_desc, uint16_t tx_desc, uint16_t mtu,
		  struct rte_mempool *pool, char *err, size_t errlen);

/*
 * Create the TAP exception interface @ifname mirroring data port @data_port's
 * MAC, so the kernel answers ARP/ND and runs BGP/SSH as if it owned the NIC.
 * Returns the new port id (>= 0) or a negative errno.
 */
int sl_port_create_tap(const char *ifname, uint16_t data_port, uint32_t index, char *err, size_t errlen);

/* Stop and close a port (ignore errors: used on the way out). */
void sl_port_close(uint16_t port_id);

#endif
