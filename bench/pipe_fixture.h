/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What sluice-bench-pipeline runs the worker against: a config parsed from
 * text, the control model of it and the dataplane snapshot the model makes
 * (backends with fixed MACs, so no neighbour lookup), a net_null TX port (transmission frees the
 * mbufs and nothing else), a mempool and a struct sl_worker with its flow
 * table and counter rows, wired as control/daemon.c wires a real worker.
 *
 * Needs an initialised EAL with a "net_null0" vdev. Errors: negative errno
 * and a message in the caller's buffer. Main lcore only; not thread-safe.
 */
#ifndef SLUICE_PIPE_FIXTURE_H
#define SLUICE_PIPE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "../control/model.h"
#include "../dataplane/worker.h"

/* One VIP of the built-in config: a (family, forwarding method) pair. */
struct pipe_variant {
	const char *name;       /* also the VIP name in the config */
	uint8_t family;         /* the VIP's and the clients' family */
};

extern const struct pipe_variant pipe_variants[];
extern const unsigned pipe_n_variants;

#define PIPE_VIP_PORT 80

struct pipe_fixture {
	struct sl_model model;  /* model.cfg is the running config */
	struct sl_dp_state *st;
	struct sl_worker *w;
	struct rte_mempool *pool;
	uint16_t port_id;
	void *flow_mem;
	uint32_t flow_entries;  /* as asked; the table rounds up */
};

/*
 * Build everything in @fx for a flow table of @flow_entries entries.
 * Returns 0, -ENODEV (no net_null0), -ENOMEM, or -EINVAL (config, model or
 * snapshot refused: a bug in the built-in config) with a message in @err.
 * On error, pipe_fixture_fini(@fx) releases what was made.
 */
int pipe_fixture_init(struct pipe_fixture *fx, uint32_t flow_entries, char *err, size_t errlen);

/* Empty the flow table and zero the worker's counters (between scenarios). */
void pipe_fixture_reset(struct pipe_fixture *fx);

/* The dataplane VIP of @v (NULL if the config lacks it, which is a bug). */
const struct sl_dp_vip *pipe_fixture_vip(const struct pipe_fixture *fx, const struct pipe_variant *v);

/* Release everything; safe on a zeroed or partly built fixture. */
void pipe_fixture_fini(struct pipe_fixture *fx);

#endif
