/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON summary sl_client prints: what scripts parse, so its keys are a stable interface. */
#ifndef SLUICE_E2E_CLIENT_REPORT_H
#define SLUICE_E2E_CLIENT_REPORT_H

#include <stdio.h>

#include "e2e_client.h"

/*
 * Print one JSON object (one line) describing @res for the run @cfg to @f:
 *   target, protocol, connections, succeeded, failures, failure_reasons{},
 *   requests_answered, elapsed_ms, backends{NAME: {connections, share}}
 * and, when @w is not NULL, weights{tolerance, ok, backends{NAME: {expected,
 * observed, deviation, listed, ok}}} from e2e_share_check(@w, ..., @tol).
 * Returns 0 when every connection succeeded and (if checked) the shares are
 * within tolerance, 1 otherwise, -ENOMEM/-EIO when the JSON could not be
 * built or written. Not thread-safe (writes @f).
 */
int e2e_client_report(FILE *f, const struct e2e_client_cfg *cfg,
		      const struct e2e_client_result *res, const struct e2e_weights *w, double tol);

#endif
