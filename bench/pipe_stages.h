/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The measured stages of sluice-bench-pipeline. Each runs over a stream of
 * packets in bursts of PIPE_BURST and returns the TSC cycles it took.
 *
 * Stages that touch packet bytes restore every packet first (mbuf
 * allocation + a copy of its template frame) and free or transmit it after,
 * exactly as the matching restore stage does, so `stage - restore` is the
 * stage's own cost. Stages that only need what parsing produced (key, hash)
 * read it from a pre-parsed stream laid out sequentially in packet order, as
 * the worker has it on its stack, so they measure their own memory traffic
 * and not the benchmark's. Main lcore only; not thread-safe.
 */
#ifndef SLUICE_PIPE_STAGES_H
#define SLUICE_PIPE_STAGES_H

#include <stdint.h>

#include "../common/pkt_parse.h"
#include "pipe_fixture.h"
#include "pipe_frames.h"

#define PIPE_BURST 32u

/* One packet as the worker knows it after its first pass. */
struct pipe_pkt {
	struct sl_pkt_info pi;
	uint32_t hash;     /* sl_flow_hash(key, SL_HF_ALL) */
	uint32_t backend;  /* Maglev's choice for the flow */
};

enum pipe_stage {
	PIPE_RESTORE,        /* mbuf alloc + template copy + free: the baseline */
	PIPE_RESTORE_FRESH,  /* the same, plus a never-seen source address/port written in */
	PIPE_PARSE,
	PIPE_VIP,
	PIPE_HASH,
	PIPE_MAGLEV,
	PIPE_FLOW_HIT,
	PIPE_FLOW_MISS,
	PIPE_ENCAP,
	PIPE_BURST_EST,
	PIPE_BURST_NEW,
	PIPE__MAX
};

struct pipe_stage_desc {
	const char *key;   /* short name: CSV and --only */
	const char *name;
	int base;          /* stage whose cost is subtracted for "net", or -1 */
};

extern const struct pipe_stage_desc pipe_stages[PIPE__MAX];

struct pipe_run {
	struct pipe_fixture *fx;
	const struct sl_dp_vip *vip;
	const struct pipe_frames *frames;
	const uint32_t *order;     /* @n flow ids (frame indices) in random order */
	struct pipe_pkt *stream;   /* @n packets parsed, in the same order */
	struct pipe_pkt *fresh;    /* @n never-seen packets, refilled by PIPE_FLOW_MISS */
	uint32_t n;                /* packets per measurement, a multiple of PIPE_BURST */
	uint32_t now;              /* ms, as the worker passes it */
	uint64_t next_fresh;       /* lowest flow id not used yet */
	uint64_t sink;             /* results fold in here so nothing is optimised away */
	/* set by pipe_stage_run: packets the stage handled as expected (a parse of class
	 * FLOW, the right VIP, a hit, a miss, an encapsulation, a packet transmitted) */
	uint64_t ok;
	uint64_t flow_hits, flow_misses;  /* worker counters' change, burst stages only */
};

/*
 * Fill @r->stream from @r->order by parsing the frames, hashing and asking
 * Maglev. Returns 0, or -EINVAL if a template frame does not parse as a flow
 * of @r->vip (a bug in pipe_frames), or -ENOMEM.
 */
int pipe_stream_build(struct pipe_run *r);

/*
 * Run stage @s once over @r->n packets. Returns the TSC cycles taken (0 if
 * the mempool ran dry, which only a bug can cause: the bench holds one burst
 * at a time), with @r->ok and the flow counters set as described above.
 */
uint64_t pipe_stage_run(struct pipe_run *r, enum pipe_stage s);

#endif
