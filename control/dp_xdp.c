/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP dataplane: bpf/lb.bpf.c on an ordinary interface, for hosts that
 * cannot give a NIC to DPDK. Same snapshots, same decisions, same counters
 * as the DPDK path. The program and its maps outlive the daemon (pinned), so
 * a restart or upgrade never stops forwarding; `--xdp-detach` removes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bpf/xdp_lb.h"
#include "daemon.h"
#include "dp_ops.h"
#include "log.h"

static int xdp_open(struct sl_daemon *d, char *err, size_t errlen)
{
	struct sl_xdp_status st;

	d->xdp = sl_xdp_open(&d->model.cfg, err, errlen);
	if (!d->xdp)
		return errno ? -errno : -EINVAL;
	sl_xdp_get_status(d->xdp, &st);
	sl_log(SL_LOG_INFO, "XDP balancer loaded for %s (%u instructions verified; %u pinned maps adopted%s)",
	       d->model.cfg.xdp_iface, st.verified_insns, st.maps_adopted,
	       st.maps_recreated ? ", some recreated: their flows are lost" : "");
	return 0;
}

static int xdp_publish(struct sl_daemon *d, struct sl_dp_state *next, char *err, size_t errlen)
{
	/* The library copies the snapshot into maps and waits out readers of replaced buffers. */
	return sl_xdp_apply(d->xdp, next, err, errlen);
}

static int xdp_run(struct sl_daemon *d, char *err, size_t errlen)
{
	struct sl_xdp_status st;
	int rc = sl_xdp_attach(d->xdp, err, errlen);

	if (rc)
		return rc;
	sl_xdp_get_status(d->xdp, &st);
	if (st.fell_back)
		sl_log(SL_LOG_WARN, "%s: native XDP unavailable, running in generic mode (slower): %s",
		       d->model.cfg.xdp_iface, err);
	sl_log(SL_LOG_INFO, "XDP balancer attached to %s (%s mode)", d->model.cfg.xdp_iface,
	       st.generic ? "generic" : "native");
	err[0] = '\0';
	return 0;
}

static void xdp_zero_row(struct sl_daemon *d, bool is_vip, uint32_t id)
{
	int rc = sl_xdp_zero_row(d->xdp, is_vip, id);

	if (rc)
		sl_log(SL_LOG_WARN, "cannot zero the counters of released %s id %u: %s", is_vip ? "VIP" : "backend",
		       id, strerror(-rc));
}

static int xdp_read(struct sl_daemon *d, struct sl_counters *c)
{
	struct sl_xdp_status st;
	uint32_t i, n;
	int rc;

	sl_xdp_get_status(d->xdp, &st);
	n = st.n_cpus < SL_MAX_COUNTER_ROWS ? st.n_cpus : SL_MAX_COUNTER_ROWS;
	rc = sl_xdp_read_counters(d->xdp, NULL, c->row, n, c->vip, SL_MAX_VIP_IDS, c->backend,
				  SL_MAX_BACKEND_IDS);
	if (rc)
		return rc;
	c->row_label = "cpu";
	c->n_rows = n;
	for (i = 0; i < n; i++) {
		c->row_id[i] = i;
		c->flow_inserts[i] = c->flow_evictions[i] = c->flow_capacity[i] = 0;
	}
	/* Evictions are kept per CPU in the program but reported as one total: put it on the first row. */
	if (n && sl_xdp_flow_evictions(d->xdp, &c->flow_evictions[0]))
		c->flow_evictions[0] = 0;
	return 0;
}

static void xdp_quiesce(struct sl_daemon *d)
{
	(void)d; /* forwarding is meant to continue past the daemon */
}

static void xdp_close(struct sl_daemon *d)
{
	char err[256];

	if (d->xdp && d->xdp_detach_on_exit && sl_xdp_detach(d->xdp, true, err, sizeof(err)))
		sl_log(SL_LOG_ERR, "XDP detach: %s", err);
	else if (d->xdp && !d->xdp_detach_on_exit)
		sl_log(SL_LOG_INFO, "XDP balancer stays attached to %s with the last tables (pinned under %s)",
		       d->model.cfg.xdp_iface, d->model.cfg.xdp_pin_path);
	sl_xdp_close(d->xdp);
	d->xdp = NULL;
}

const struct sl_dp_ops sl_dp_xdp_ops = {
	.name = "xdp",
	.open = xdp_open,
	.publish = xdp_publish,
	.run = xdp_run,
	.zero_row = xdp_zero_row,
	.read = xdp_read,
	.quiesce = xdp_quiesce,
	.close = xdp_close,
};
