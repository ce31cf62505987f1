/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP dataplane: load (or adopt) the balancer program bpf/lb.bpf.c, keep
 * its maps in step with the dataplane snapshot the control plane builds for
 * every dataplane (struct sl_dp_state), attach it, read its counters.
 *
 * Maps live pinned under cfg->xdp_pin_path, and the program stays attached
 * when the handle is closed: a daemon that stops leaves forwarding running,
 * and the next one reuses the pinned flow table, tables and counters, so
 * established flows keep their backends across restarts (docs/xdp.md).
 *
 * No DPDK here. Error convention: negative errno, and when @err is non-NULL a
 * one-line explanation in it. Thread safety: a handle belongs to one thread
 * (the control thread); the kernel program runs concurrently and is never
 * blocked by any call here.
 */
#ifndef SLUICE_XDP_LB_H
#define SLUICE_XDP_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/config.h"
#include "../dataplane/dp_counters.h"
#include "../dataplane/dp_state.h"
#include "lb_shared.h" /* struct sl_xdp_flow */

struct sl_xdp;

/* What sl_xdp_open/attach found and did, for the daemon's log and stats. */
struct sl_xdp_status {
	int      ifindex;          /* cfg->xdp_iface */
	int      egress_ifindex;   /* 0: XDP_TX out of ifindex */
	uint8_t  mac[6];           /* Ethernet source of what the program sends */
	uint16_t mtu;              /* of the sending interface, for "too big" */
	uint32_t prog_id;          /* the loaded program */
	uint32_t verified_insns;   /* instructions the verifier processed */
	uint32_t maps_adopted;     /* pinned maps reused (contents kept) */
	uint32_t maps_recreated;   /* pinned maps whose layout changed: replaced, contents lost */
	uint32_t n_cpus;           /* per-CPU counter rows (possible CPUs) */
	bool     attached;         /* by this handle or found attached and replaced */
	bool     generic;          /* attached in generic (skb) mode */
	bool     fell_back;        /* mode "auto" and native failed */
};

/*
 * Load the balancer for @cfg: interface cfg->xdp_iface (required), optional
 * egress cfg->xdp_egress, pins under cfg->xdp_pin_path ("" = /sys/fs/bpf/sluice;
 * created, and /sys/fs/bpf mounted if it is not), flow table of
 * cfg->flow_entries entries. Pinned maps with the current layout are reused
 * as they are; the program itself is always loaded fresh (its knobs -- MAC,
 * MTU, egress -- are read-only data fixed at load) and pinned as "prog".
 * Nothing is attached yet: the interface keeps whatever it runs until
 * sl_xdp_attach().
 * Returns the handle, or NULL with errno set (ENODEV no interface, EPERM
 * not privileged, EOPNOTSUPP pin path not on bpffs, EINVAL bad @cfg, or the
 * kernel's errno) and @err filled.
 */
struct sl_xdp *sl_xdp_open(const struct sl_config *cfg, char *err, size_t errlen);

/*
 * Attach the loaded program to the interface in cfg->xdp_mode: "native"
 * (default), "generic", or "auto" (native, else generic; status.fell_back
 * set and a note left in @err though the call succeeds). A sluice balancer
 * already attached (a previous daemon's) is replaced atomically when the
 * mode is the same, so forwarding never stops; another XDP program is never
 * replaced. Returns 0, -EBUSY (a foreign XDP program is attached),
 * -EOPNOTSUPP (native asked, driver has none) or the kernel's error.
 */
int sl_xdp_attach(struct sl_xdp *x, char *err, size_t errlen);

/*
 * Make the maps say what @st says: snapshot-wide settings (outer sources,
 * TTL, timeouts), VIP keys added and removed, each changed VIP's Maglev
 * table and backend slots written to its spare buffer and switched in with
 * one record replacement (a packet sees the old or the new set, never a
 * mix). Unchanged VIPs are not rewritten. Before returning it waits until no
 * running program can still read a replaced buffer, so the next call may
 * reuse it. Flow entries are kept; their validity is checked per packet
 * (VIP id, slot < n, slot generation, backend up), as on the DPDK path.
 * Returns 0, -E2BIG (VIP id >= SL_MAX_VIP_IDS, backend id >=
 * SL_MAX_BACKEND_IDS, table larger than SL_XDP_MAX_TABLE), -EINVAL, -ENOMEM
 * or the kernel's error; on error the VIPs already switched stay switched
 * and every VIP is complete (old or new).
 */
int sl_xdp_apply(struct sl_xdp *x, const struct sl_dp_state *st, char *err, size_t errlen);

/*
 * Sum the per-CPU counters. Any output may be NULL. @total: the program's
 * struct sl_lcore_ctr summed over CPUs. @per_cpu: up to @n_per_cpu rows, one
 * per possible CPU (status.n_cpus). @vip_rows / @backend_rows: rows 0..n-1
 * by VIP id / backend id, summed over CPUs (n at most SL_MAX_VIP_IDS /
 * SL_MAX_BACKEND_IDS). Outputs are overwritten, not added to. Values are
 * read without stopping the program: each counter is exact or a few packets
 * stale. Returns 0, -EINVAL (a row count too large) or the kernel's error.
 */
int sl_xdp_read_counters(struct sl_xdp *x, struct sl_lcore_ctr *total,
			 struct sl_lcore_ctr *per_cpu, uint32_t n_per_cpu,
			 struct sl_ctr *vip_rows, uint32_t n_vip_rows,
			 struct sl_ctr *backend_rows, uint32_t n_backend_rows);

/*
 * Zero the VIP (@is_vip) or backend counter row @id on every CPU, for an id
 * about to be reused (no snapshot references it any more). 0 or -errno.
 */
int sl_xdp_zero_row(struct sl_xdp *x, bool is_vip, uint32_t id);

/*
 * Empty the flow table on every CPU (for tests: packets running meanwhile
 * may leave entries behind). Returns 0 or -errno from mapping the table.
 */
int sl_xdp_flows_clear(struct sl_xdp *x);

/*
 * Copy CPU @cpu's entry for @key into @out. An entry past its idle timeout
 * is still reported until its slot is reused (the program judges freshness
 * per packet). Returns 0, -ENOENT (not remembered on that CPU), -ERANGE
 * (@cpu not a possible CPU), -EINVAL (NULL argument) or the kernel's error.
 * Safe while the program runs (the entry may be a packet old).
 */
int sl_xdp_flow_find(struct sl_xdp *x, const struct sl_flow_key *key, uint32_t cpu,
		     struct sl_xdp_flow *out);

/*
 * Live flows a new flow pushed out of a full bucket, summed over CPUs, into
 * @out. Returns 0 or the kernel's error.
 */
int sl_xdp_flow_evictions(struct sl_xdp *x, uint64_t *out);

/* Fill @s with the handle's status. Never fails. */
void sl_xdp_get_status(const struct sl_xdp *x, struct sl_xdp_status *s);

/*
 * File descriptor of the loaded program (for BPF_PROG_TEST_RUN in tests and
 * benchmarks); owned by the handle, valid until sl_xdp_close().
 */
int sl_xdp_prog_fd(const struct sl_xdp *x);

/*
 * Detach the sluice balancer from the interface (whichever sluice program is
 * attached there, this handle's or an earlier one's; never a foreign one).
 * With @unpin, also remove the pins, so the next sl_xdp_open starts empty.
 * Returns 0 (also when nothing was attached), -EBUSY (a foreign program is
 * attached; left alone), or the kernel's error.
 */
int sl_xdp_detach(struct sl_xdp *x, bool unpin, char *err, size_t errlen);

/*
 * Free the handle. The program stays attached and the maps pinned, so
 * forwarding continues with the last applied state. NULL is fine.
 */
void sl_xdp_close(struct sl_xdp *x);

#endif
