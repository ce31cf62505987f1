/* SPDX-License-Identifier: BSD-3-Clause */
/* Changing what runs: reload from the file, live changes, write-back. All-or-nothing. */
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_diff.h"
#include "health.h"
#include "log.h"

static void count_ops(const struct sl_cfg_diff *diff, json_t *o)
{
	uint32_t i, j, n[4] = { 0 }, b[4] = { 0 };

	for (i = 0; i < diff->n_vips; i++) {
		n[diff->vips[i].op]++;
		for (j = 0; j < diff->vips[i].n_backends; j++)
			b[diff->vips[i].backends[j].op]++;
	}
	json_object_set_new(o, "vips_added", json_integer(n[SL_DIFF_ADDED]));
	json_object_set_new(o, "vips_removed", json_integer(n[SL_DIFF_REMOVED]));
	json_object_set_new(o, "vips_changed", json_integer(n[SL_DIFF_CHANGED]));
	json_object_set_new(o, "vips_unchanged", json_integer(n[SL_DIFF_SAME]));
	json_object_set_new(o, "backends_added", json_integer(b[SL_DIFF_ADDED]));
	json_object_set_new(o, "backends_removed", json_integer(b[SL_DIFF_REMOVED]));
	json_object_set_new(o, "backends_changed", json_integer(b[SL_DIFF_CHANGED]));
}

int sl_daemon_apply_config(struct sl_daemon *d, struct sl_config *next, json_t **summary, char *err,
			   size_t errlen)
{
	struct sl_cfg_diff diff;
	json_t *o = NULL;
	int rc;

	rc = sl_cfg_diff(&d->model.cfg, next, &diff);
	if (rc) {
		snprintf(err, errlen, "cannot compare configurations: %s", strerror(-rc));
		return rc;
	}
	if (diff.restart_needed) {
		snprintf(err, errlen, "%s changed: that needs a restart of sluiced; nothing was applied",
			 diff.restart_reason);
		sl_cfg_diff_free(&diff);
		return -EPERM;
	}
	if (summary) {
		o = json_object();
		count_ops(&diff, o);
	}
	sl_cfg_diff_free(&diff);
	rc = sl_model_apply(&d->model, next, err, errlen);
	if (!rc) {
		sl_health_sync(d);
		rc = sl_daemon_rebuild(d, err, errlen);
	}
	if (rc) {
		json_decref(o);
		return rc;
	}
	if (o) {
		json_object_set_new(o, "generation", json_integer((json_int_t)d->generation));
		*summary = o;
	}
	return 0;
}

int sl_daemon_reload(struct sl_daemon *d, json_t **summary, char *err, size_t errlen)
{
	struct sl_config next;
	int rc;

	if (!d->config_path[0]) {
		snprintf(err, errlen, "sluiced runs its embedded config: there is no file to reload");
		return -ENOENT;
	}
	rc = sl_config_load_file(d->config_path, &next, err, errlen);
	if (rc)
		return rc;
	rc = sl_daemon_apply_config(d, &next, summary, err, errlen);
	if (rc) {
		sl_config_free(&next);
		return rc;
	}
	sl_log(SL_LOG_INFO, "reloaded %s (generation %llu)", d->config_path, (unsigned long long)d->generation);
	return 0;
}

int sl_daemon_save(struct sl_daemon *d, const char *path, char *err, size_t errlen)
{
	char tmp[SL_PATH_MAX + 16];
	FILE *f;
	int rc;

	if (!path || !path[0])
		path = d->config_path;
	if (!path[0]) {
		snprintf(err, errlen, "no config file to write: give path=FILE");
		return -EINVAL;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return rc;
	}
	rc = sl_config_write(&d->model.cfg, f);
	if (fflush(f) || fsync(fileno(f)))
		rc = rc ? rc : -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	/* Write aside and rename: a crash never leaves a half-written config behind. */
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	sl_log(SL_LOG_INFO, "running configuration written to %s", path);
	return 0;
}
