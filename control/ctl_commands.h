/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's control-socket commands and the socket's place in the control loop. */
#ifndef SLUICE_CTL_COMMANDS_H
#define SLUICE_CTL_COMMANDS_H

#include <stddef.h>

struct sl_daemon;

/* Open the control socket from the config (no-op when the path is empty). 0 or -errno with @err. */
int sl_ctl_start(struct sl_daemon *d, char *err, size_t errlen);

/* Close the socket and remove its file. */
void sl_ctl_stop(struct sl_daemon *d);

#endif
