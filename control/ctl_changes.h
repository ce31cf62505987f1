/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-socket commands that change what runs (add/remove/weight/drain/health/reload/save) or show it in detail. */
#ifndef SLUICE_CTL_CHANGES_H
#define SLUICE_CTL_CHANGES_H

#include <stddef.h>

#include "ctl_server.h"

extern const struct sl_ctl_cmd sl_ctl_change_cmds[];
extern const size_t sl_ctl_n_change_cmds;

#endif
