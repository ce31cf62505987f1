/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#define RX_DESC 1024
#define TX_DESC 1024

int gen_port_start(uint16_t port_id, struct rte_mempool *pool, double link_wait_s, uint8_t mac[6],
		   char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	struct rte_ether_addr ea;
	uint64_t deadline;
	int rc;

	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen, "port %u does not exist (give a --vdev or a PCI device)", port_id);
		return -ENODEV;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port_id, 0, RX_DESC, rte_eth_dev_socket_id(port_id), NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port_id, 0, TX_DESC, rte_eth_dev_socket_id(port_id), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		snprintf(err, errlen, "port %u: setup failed: %s", port_id, rte_strerror(-rc));
		return rc;
	}
	/* Not every virtual driver has promiscuous mode; those that lack it do not filter. */
	(void)rte_eth_promiscuous_enable(port_id);
	rte_eth_macaddr_get(port_id, &ea);
	memcpy(mac, ea.addr_bytes, 6);

	deadline = rte_get_timer_cycles() + (uint64_t)(link_wait_s * (double)rte_get_timer_hz());
	for (;;) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(port_id, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (rte_get_timer_cycles() >= deadline)
			break;
		rte_delay_ms(10);
	}
	snprintf(err, errlen, "port %u: no link after %.1f s (is the peer running?)", port_id, link_wait_s);
	return -ETIMEDOUT;
}

int gen_port_wait_down(uint16_t port_id, double wait_s, volatile const sig_atomic_t *stop)
{
	uint64_t deadline = rte_get_timer_cycles() + (uint64_t)(wait_s * (double)rte_get_timer_hz());
	struct rte_eth_link link;

	while (!*stop && rte_get_timer_cycles() < deadline) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(port_id, &link);
		if (link.link_status == RTE_ETH_LINK_DOWN)
			return 0;
		rte_delay_ms(10);
	}
	return -ETIMEDOUT;
}

void gen_port_stop(uint16_t port_id)
{
	(void)rte_eth_dev_stop(port_id);
	(void)rte_eth_dev_close(port_id);
}
