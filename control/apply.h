/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Changing the running configuration without stopping a worker: reload from
 * the file (SIGHUP, `sluicectl reload`), live changes from the control
 * socket, and writing the running config back to a file. A change is
 * validated and applied whole, or rejected with the running state untouched.
 * Control thread only. Errors: negative errno with a message.
 */
#ifndef SLUICE_APPLY_H
#define SLUICE_APPLY_H

#include <jansson.h>
#include <stddef.h>

#include "daemon.h"

/*
 * Make @next (validated) the running config: only the difference takes
 * effect — unchanged VIPs keep their tables and flows. A change to a key that
 * is not reloadable is refused (-EPERM, the key named). Takes ownership of
 * @next on success. @summary (optional) receives counts of what changed.
 */
int sl_daemon_apply_config(struct sl_daemon *d, struct sl_config *next, json_t **summary, char *err,
			   size_t errlen);

/* Re-read the config file and apply it; a broken file changes nothing. */
int sl_daemon_reload(struct sl_daemon *d, json_t **summary, char *err, size_t errlen);

/* Write the running config to @path ("" or NULL: the file it was loaded from), atomically. */
int sl_daemon_save(struct sl_daemon *d, const char *path, char *err, size_t errlen);

#endif
