/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP side of the equivalence test: the balancer program loaded by
 * libsl_xdp_lb on a veth inside private network and mount namespaces (its
 * own bpffs for the pins), run one frame at a time with BPF_PROG_TEST_RUN,
 * repeat = 1 (a later repeat would be fed the already rewritten frame).
 *
 * Errors: negative errno and a message in the caller's buffer. One thread.
 */
#ifndef SLUICE_EQUIV_XDP_H
#define SLUICE_EQUIV_XDP_H

#include <stddef.h>
#include <stdint.h>

#include "../../config/config.h"
#include "../../dataplane/dp_counters.h"
#include "equiv_out.h"

struct sl_xdp;

struct eq_xdp {
	struct sl_xdp *x;
	char pin_root[64];          /* bpffs mount point; "" when not mounted */
	struct sl_lcore_ctr last;   /* counters after the previous run: drop reasons are deltas */
	uint64_t run_ns;            /* sum of the kernel's per-run timing */
};

/*
 * Enter new network and mount namespaces (must be called while the process
 * has one thread, i.e. before rte_eal_init), mount a bpffs on a fresh
 * directory under /tmp, and create veth @ifname (peer "<ifname>p") with MAC
 * @mac and MTU @mtu. Writes "<mount>/sluice" to @pin_path. The namespaces
 * die with the process; eq_xdp_fini unmounts and removes the directory.
 * Returns 0 or -errno.
 */
int eq_xdp_netns(struct eq_xdp *e, const char *ifname, const char *mac, uint16_t mtu,
		 char *pin_path, size_t pin_len, char *err, size_t errlen);

/* sl_xdp_open(@cfg) (nothing attached: test runs need no attachment). 0 or -errno. */
int eq_xdp_open(struct eq_xdp *e, const struct sl_config *cfg, char *err, size_t errlen);

/* Run @frame once; verdict, output bytes and the drop reason whose counter moved in @o. 0 or -errno. */
int eq_xdp_run(struct eq_xdp *e, const uint8_t *frame, uint32_t len, struct eq_out *o);

/* Detach/unpin, close, unmount the bpffs. Safe on a zeroed or partly built @e. */
void eq_xdp_fini(struct eq_xdp *e);

#endif
