/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running daemon: EAL, ports, workers, the published dataplane snapshot
 * and the control loop that owns them. Everything here runs on the main
 * (control) lcore; workers only see their struct sl_worker and the snapshot.
 */
#ifndef SLUICE_DAEMON_H
#define SLUICE_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "../config/config.h"
#include "../dataplane/dp_state.h"
#include "../dataplane/worker.h"
#include "model.h"
#include "neigh.h"

struct sl_ctl_server;
struct sl_dp_ops;
struct sl_counters;
struct sl_xdp;
struct sl_prober;
struct sl_metrics;

struct sl_daemon_port {
	uint16_t port_id;
	int exc_port;       /* TAP port id, -1 without an exception interface */
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
};

struct sl_daemon {
	struct sl_model model;         /* running config + ids, health, drains, tables */
	char config_path[SL_PATH_MAX]; /* "" = embedded config (reload re-reads this file) */
	bool no_huge;

	struct sl_daemon_port ports[SL_MAX_PORTS];
	uint32_t n_ports;
	struct sl_worker *workers[SL_MAX_WORKERS];
	uint32_t n_workers;

	const struct sl_dp_ops *ops;   /* DPDK or XDP, from dataplane.type */
	struct sl_counters *counters;  /* filled on demand by sl_daemon_counters() */
	struct sl_xdp *xdp;            /* XDP dataplane handle */
	bool xdp_detach_on_exit;       /* --xdp-detach: remove the program and pins when stopping */
	bool eal_up, workers_running;
	struct rte_rcu_qsbr *qsbr;
	struct sl_dp_state *state;     /* published: workers load it with acquire */
	uint64_t generation;

	struct sl_neigh *neigh;
	struct sl_ctl_server *ctl;
	struct sl_prober *prober;
	struct sl_metrics *metrics;
	int loop_fd;                   /* epoll over the control socket, probes and metrics */
	uint64_t next_rtt_refresh;
	uint64_t health_changes;       /* UP/DOWN transitions applied */
	uint64_t last_health_publish_us; /* probe verdict -> new table live, last time */
	volatile sig_atomic_t reload;  /* SIGHUP seen */
	volatile sig_atomic_t stop;
};

/* Initialise EAL and ports, build and publish the first snapshot, start workers. Returns 0 or -errno (message printed). */
int sl_daemon_start(struct sl_daemon *d);

/* Control loop until d->stop: neighbour refresh, republish on change, control socket. */
void sl_daemon_run(struct sl_daemon *d);

/* Stop workers, close ports and the socket, free everything. */
void sl_daemon_shutdown(struct sl_daemon *d);

/*
 * Make @next live in the dataplane and free the previous snapshot once no
 * packet can use it (takes @next; freed on failure). 0 or -errno with @err.
 */
int sl_daemon_publish(struct sl_daemon *d, struct sl_dp_state *next, char *err, size_t errlen);

/* Every counter of the dataplane right now (owned by @d, valid until the next call). */
const struct sl_counters *sl_daemon_counters(struct sl_daemon *d);

/* Snapshot the model (rebuilding dirty tables) with the neighbour cache's MACs and publish it. 0 or -errno. */
int sl_daemon_rebuild(struct sl_daemon *d, char *err, size_t errlen);

#endif
