/* SPDX-License-Identifier: BSD-3-Clause */
/* The body of struct sl_xdp, shared by the xdp_lb*.c files only. */
#ifndef SLUICE_XDP_LB_INTERNAL_H
#define SLUICE_XDP_LB_INTERNAL_H

#include <stdarg.h>

#include "lb_shared.h"
#include "xdp_lb.h"

/* What was last written for one VIP id, so an unchanged VIP is not rewritten. */
struct sl_xdp_shadow {
	bool valid;
	struct sl_xdp_vip rec;          /* includes the live buf */
	uint32_t *table;                /* n_table entries */
	uint32_t n_table;
	struct sl_xdp_backend *be;      /* rec.n_backends entries */
};

struct sl_xdp {
	struct lb_bpf *skel;
	char pin_path[SL_PATH_MAX];
	char mode[8];                   /* cfg->xdp_mode, "" = native */
	struct sl_xdp_status st;
	struct sl_xdp_shadow *shadow;   /* SL_XDP_MAX_VIPS entries */
	bool applied_once;              /* ids unknown to the shadow may still hold buffers */
	int sync_fd;                    /* 1-entry table written to SL_XDP_SYNC_SLOT to wait */
	uint32_t *keys;                 /* 0..n-1, for batch updates */
	uint32_t n_keys;
	struct sl_xdp_vix_slot *vix;    /* sl_lb_vip_index mapped: 2 * SL_XDP_VIX_SLOTS slots, or NULL */
	size_t vix_len;                 /* bytes mapped */
};

/* snprintf into @err when it is not NULL; returns @rc for tail calls. */
int sl_xdp_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
