/* SPDX-License-Identifier: BSD-3-Clause */
#include "port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

void sl_port_dev_name(const char *device, char *name, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, device, n);
	name[n] = '\0';
}

int sl_port_is_vdev(const char *device)
{
	return strncmp(device, "net_", 4) == 0;
}

int sl_port_start(uint16_t port_id, uint16_t nq, uint16_t rx_desc, uint16_t tx_desc, uint16_t mtu,
		  struct rte_mempool *pool, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(port_id);
	uint16_t q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc) {
		snprintf(err, errlen, "port %u: cannot read device info: %s", port_id, strerror(-rc));
		return rc;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		snprintf(err, errlen, "port %u (%s): %u workers need %u queues, the device has %u rx / %u tx",
			 port_id, info.driver_name, nq, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (nq > 1) {
		/* RSS keeps each flow on one queue, hence one worker and one flow table. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

	rc = rte_eth_dev_configure(port_id, nq, nq, &conf);
	if (rc) {
		snprintf(err, errlen, "port %u (%s): configure failed: %s", port_id, info.driver_name,
			 strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);
	if (rc) {
		snprintf(err, errlen, "port %u: descriptor counts rejected: %s", port_id, strerror(-rc));
		return rc;
	}
	if (mtu) {
		rc = rte_eth_dev_set_mtu(port_id, mtu);
		/* Virtual devices often cannot change MTU; the configured value still bounds encapsulation. */
		if (rc && rc != -ENOTSUP && rc != -EINVAL)
			fprintf(stderr, "sluiced: port %u: cannot set MTU %u: %s (continuing)\n", port_id, mtu,
				strerror(-rc));
	}
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rx_desc, socket, NULL, pool);
		if (rc) {
			snprintf(err, errlen, "port %u: rx queue %u: %s", port_id, q, strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, tx_desc, socket, NULL);
		if (rc) {
			snprintf(err, errlen, "port %u: tx queue %u: %s", port_id, q, strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc) {
		snprintf(err, errlen, "port %u (%s): start failed: %s", port_id, info.driver_name, strerror(-rc));
		return rc;
	}
	return 0;
}

int sl_port_create_tap(const char *ifname, uint16_t data_port, uint32_t index, char *err, size_t errlen)
{
	struct rte_ether_addr mac;
	char name[32], args[128];
	uint16_t port_id;
	int rc;

	rc = rte_eth_macaddr_get(data_port, &mac);
	if (rc) {
		snprintf(err, errlen, "port %u: cannot read MAC: %s", data_port, strerror(-rc));
		return rc;
	}
	snprintf(name, sizeof(name), "net_tap_sl%u", index);
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT, ifname,
		 RTE_ETHER_ADDR_BYTES(&mac));
	rc = rte_vdev_init(name, args);
	if (rc) {
		snprintf(err, errlen, "exception interface %s: cannot create TAP (%s): %s", ifname, args,
			 strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_get_port_by_name(name, &port_id);
	if (rc) {
		snprintf(err, errlen, "exception interface %s: TAP created but not found", ifname);
		return rc;
	}
	return port_id;
}

void sl_port_close(uint16_t port_id)
{
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}
