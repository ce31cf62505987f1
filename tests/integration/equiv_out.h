/* SPDX-License-Identifier: BSD-3-Clause */
/* What one dataplane did with one frame, in terms both dataplanes share. */
#ifndef SLUICE_EQUIV_OUT_H
#define SLUICE_EQUIV_OUT_H

#include <stdint.h>

/* Room for a 1518-byte frame plus the largest encapsulation (66 bytes), with slack. */
#define EQ_OUT_MAX 2048

enum eq_verdict {
	EQ_DROP, /* worker: freed and counted; XDP_DROP */
	EQ_PASS, /* worker: to the kernel (host); XDP_PASS */
	EQ_TX,   /* worker: queued on the ingress port's TX buffer; XDP_TX */
	EQ_OTHER /* anything else (an XDP_ABORTED, two packets out of one): always a mismatch */
};

struct eq_out {
	int verdict;      /* enum eq_verdict */
	int drop;         /* enum sl_drop_reason whose counter moved; -1 if none or not read */
	uint32_t len;     /* bytes of @b: the frame sent (EQ_TX) */
	uint8_t b[EQ_OUT_MAX];
};

#endif
