/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live changes over the control socket. Each change is made on a copy of the
 * running config in libconfig form and loaded back through the same parser
 * and validator as a file, so defaults, ranges and cross-key rules are
 * exactly those of the config file, and a bad change is rejected whole with
 * the key it broke. The result then goes through the same path as a reload.
 */
#include "ctl_changes.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "health.h"
#include "log.h"
#include "stats.h"

static const char *arg_str(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

static int need_str(json_t *args, const char *key, const char **out, char *err, size_t errlen)
{
	*out = arg_str(args, key);
	if (!*out || !**out) {
		snprintf(err, errlen, "missing '%s'", key);
		return -EINVAL;
	}
	return 0;
}

/* Set @key in group @g from a JSON value, with the libconfig type it maps to. */
static int set_value(config_setting_t *g, const char *key, json_t *v, char *err, size_t errlen)
{
	config_setting_t *s;
	size_t i;

	config_setting_remove(g, key);
	if (json_is_string(v)) {
		s = config_setting_add(g, key, CONFIG_TYPE_STRING);
		return s && config_setting_set_string(s, json_string_value(v)) ? 0 : -EINVAL;
	}
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (x < INT32_MIN || x > INT32_MAX) {
			snprintf(err, errlen, "'%s': %lld is out of range", key, (long long)x);
			return -EINVAL;
		}
		s = config_setting_add(g, key, CONFIG_TYPE_INT);
		return s && config_setting_set_int(s, (int)x) ? 0 : -EINVAL;
	}
	if (json_is_boolean(v)) {
		s = config_setting_add(g, key, CONFIG_TYPE_BOOL);
		return s && config_setting_set_bool(s, json_is_true(v)) ? 0 : -EINVAL;
	}
	if (json_is_array(v)) {
		s = config_setting_add(g, key, CONFIG_TYPE_ARRAY);
		for (i = 0; s && i < json_array_size(v); i++) {
			json_t *e = json_array_get(v, i);

			if (!json_is_string(e) ||
			    !config_setting_set_string_elem(s, -1, json_string_value(e))) {
				snprintf(err, errlen, "'%s' must be a list of strings", key);
				return -EINVAL;
			}
		}
		return s ? 0 : -EINVAL;
	}
	snprintf(err, errlen, "'%s' has a type no config key takes", key);
	return -EINVAL;
}

/* Copy every argument except those in @skip into group @g. */
static int set_values(config_setting_t *g, json_t *args, const char *const *skip, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		const char *const *s;
		bool skipped = false;

		for (s = skip; *s && !skipped; s++)
			skipped = strcmp(*s, key) == 0;
		if (skipped)
			continue;
		if (strchr(key, '.') || strchr(key, '[')) {
			snprintf(err, errlen, "'%s': nested keys are not accepted here", key);
			return -EINVAL;
		}
		if (set_value(g, key, v, err, errlen)) {
			if (!err[0])
				snprintf(err, errlen, "'%s': cannot set", key);
			return -EINVAL;
		}
	}
	return 0;
}

struct edit {
	config_t lc;
	config_setting_t *vips;
};

static int edit_begin(struct sl_daemon *d, struct edit *e, char *err, size_t errlen)
{
	char *text = sl_config_to_string(&d->model.cfg);

	config_init(&e->lc);
	if (!text || !config_read_string(&e->lc, text)) {
		snprintf(err, errlen, "internal error: the running config does not re-parse (%s)",
			 text ? config_error_text(&e->lc) : "out of memory");
		free(text);
		config_destroy(&e->lc);
		return -EIO;
	}
	free(text);
	e->vips = config_lookup(&e->lc, "vips");
	if (!e->vips)
		e->vips = config_setting_add(config_root_setting(&e->lc), "vips", CONFIG_TYPE_LIST);
	return e->vips ? 0 : -ENOMEM;
}

static config_setting_t *find_named(config_setting_t *list, const char *key_a, const char *key_b,
				    const char *want, int *index)
{
	int i, n = config_setting_length(list);

	for (i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		const char *a = NULL, *b = NULL;

		config_setting_lookup_string(g, key_a, &a);
		if (key_b)
			config_setting_lookup_string(g, key_b, &b);
		if ((a && strcmp(a, want) == 0) || (b && strcmp(b, want) == 0)) {
			if (index)
				*index = i;
			return g;
		}
	}
	return NULL;
}

/* Find the VIP group by name; names default to text the loader generated, which to_string wrote out. */
static config_setting_t *edit_vip(struct edit *e, const char *name, int *index, char *err, size_t errlen)
{
	config_setting_t *g = find_named(e->vips, "name", NULL, name, index);

	if (!g)
		snprintf(err, errlen, "no VIP named '%s'", name);
	return g;
}

static config_setting_t *edit_backend(config_setting_t *vip, const char *which, int *index, char *err,
				      size_t errlen)
{
	config_setting_t *bl = config_setting_get_member(vip, "backends");
	config_setting_t *g = bl ? find_named(bl, "name", "address", which, index) : NULL;

	if (!g)
		snprintf(err, errlen, "no backend '%s' in this VIP", which);
	return g;
}

/* Load the edited text back through the parser and validator, then apply it like a reload. */
static int edit_commit(struct sl_daemon *d, struct edit *e, const char *what, json_t **result, char *err,
		       size_t errlen)
{
	struct sl_config next;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		config_destroy(&e->lc);
		return -ENOMEM;
	}
	config_write(&e->lc, f);
	fclose(f);
	config_destroy(&e->lc);
	rc = sl_config_load_string(buf, "<change>", &next, err, errlen);
	free(buf);
	if (rc)
		return rc;
	snprintf(next.path, sizeof(next.path), "%s", d->model.cfg.path);
	rc = sl_daemon_apply_config(d, &next, result, err, errlen);
	if (rc) {
		sl_config_free(&next);
		return rc;
	}
	sl_log(SL_LOG_INFO, "%s (generation %llu)", what, (unsigned long long)d->generation);
	return 0;
}

static int cmd_add_vip(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	static const char *const skip[] = { NULL };
	struct sl_daemon *d = ctx;
	struct edit e;
	config_setting_t *g;
	const char *name;
	char what[128];
	int rc;

	if (need_str(args, "name", &name, err, errlen) || need_str(args, "address", &name, err, errlen))
		return -EINVAL;
	name = arg_str(args, "name");
	if (sl_model_vip_find(&d->model, name)) {
		snprintf(err, errlen, "a VIP named '%s' exists", name);
		return -EEXIST;
	}
	rc = edit_begin(d, &e, err, errlen);
	if (rc)
		return rc;
	g = config_setting_add(e.vips, NULL, CONFIG_TYPE_GROUP);
	if (!g || set_values(g, args, skip, err, errlen) ||
	    !config_setting_add(g, "backends", CONFIG_TYPE_LIST)) {
		config_destroy(&e.lc);
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "VIP %s added", name);
	return edit_commit(d, &e, what, result, err, errlen);
}

static int cmd_remove_vip(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	struct edit e;
	const char *name;
	char what[128];
	int rc, idx;

	if (need_str(args, "name", &name, err, errlen))
		return -EINVAL;
	rc = edit_begin(d, &e, err, errlen);
	if (rc)
		return rc;
	if (!edit_vip(&e, name, &idx, err, errlen)) {
		config_destroy(&e.lc);
		return -ENOENT;
	}
	config_setting_remove_elem(e.vips, (unsigned)idx);
	snprintf(what, sizeof(what), "VIP %s removed", name);
	return edit_commit(d, &e, what, result, err, errlen);
}

static int cmd_add_backend(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	static const char *const skip[] = { "vip", NULL };
	struct sl_daemon *d = ctx;
	struct edit e;
	config_setting_t *v, *bl, *g;
	const char *vip, *addr;
	char what[160];
	int rc;

	if (need_str(args, "vip", &vip, err, errlen) || need_str(args, "address", &addr, err, errlen))
		return -EINVAL;
	rc = edit_begin(d, &e, err, errlen);
	if (rc)
		return rc;
	v = edit_vip(&e, vip, NULL, err, errlen);
	bl = v ? config_setting_get_member(v, "backends") : NULL;
	if (v && !bl)
		bl = config_setting_add(v, "backends", CONFIG_TYPE_LIST);
	g = bl ? config_setting_add(bl, NULL, CONFIG_TYPE_GROUP) : NULL;
	if (!g || set_values(g, args, skip, err, errlen)) {
		config_destroy(&e.lc);
		return v ? -EINVAL : -ENOENT;
	}
	snprintf(what, sizeof(what), "backend %s added to VIP %s", addr, vip);
	return edit_commit(d, &e, what, result, err, errlen);
}

static int cmd_remove_backend(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	struct edit e;
	config_setting_t *v, *bl;
	const char *vip, *be;
	char what[160];
	int rc, idx;

	if (need_str(args, "vip", &vip, err, errlen) || need_str(args, "backend", &be, err, errlen))
		return -EINVAL;
	rc = edit_begin(d, &e, err, errlen);
	if (rc)
		return rc;
	v = edit_vip(&e, vip, NULL, err, errlen);
	if (!v || !edit_backend(v, be, &idx, err, errlen)) {
		config_destroy(&e.lc);
		return -ENOENT;
	}
	bl = config_setting_get_member(v, "backends");
	config_setting_remove_elem(bl, (unsigned)idx);
	snprintf(what, sizeof(what), "backend %s removed from VIP %s", be, vip);
	return edit_commit(d, &e, what, result, err, errlen);
}

static int cmd_set_weight(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	json_t *w = json_object_get(args, "weight");
	struct edit e;
	config_setting_t *v, *b;
	const char *vip, *be;
	char what[160];
	int rc;

	if (need_str(args, "vip", &vip, err, errlen) || need_str(args, "backend", &be, err, errlen))
		return -EINVAL;
	if (!json_is_integer(w)) {
		snprintf(err, errlen, "'weight' must be an integer");
		return -EINVAL;
	}
	rc = edit_begin(d, &e, err, errlen);
	if (rc)
		return rc;
	v = edit_vip(&e, vip, NULL, err, errlen);
	b = v ? edit_backend(v, be, NULL, err, errlen) : NULL;
	if (!b || set_value(b, "weight", w, err, errlen)) {
		config_destroy(&e.lc);
		return b ? -EINVAL : -ENOENT;
	}
	snprintf(what, sizeof(what), "VIP %s backend %s weight %lld", vip, be, (long long)json_integer_value(w));
	return edit_commit(d, &e, what, result, err, errlen);
}

/* Runtime-only flags (not written to the file): drain and health-check enable. */
static int backend_flag(struct sl_daemon *d, json_t *args, struct sl_model_vip **vo, struct sl_model_backend **bo,
			char *err, size_t errlen)
{
	const char *vip, *be;

	if (need_str(args, "vip", &vip, err, errlen) || need_str(args, "backend", &be, err, errlen))
		return -EINVAL;
	*vo = sl_model_vip_find(&d->model, vip);
	if (!*vo) {
		snprintf(err, errlen, "no VIP named '%s'", vip);
		return -ENOENT;
	}
	*bo = sl_model_backend_find(*vo, be);
	if (!*bo) {
		snprintf(err, errlen, "no backend '%s' in VIP %s", be, vip);
		return -ENOENT;
	}
	return 0;
}

static int set_drain(struct sl_daemon *d, json_t *args, bool on, json_t **result, char *err, size_t errlen)
{
	struct sl_model_vip *v;
	struct sl_model_backend *b;
	int rc = backend_flag(d, args, &v, &b, err, errlen);

	if (rc)
		return rc;
	if (b->drained != on) {
		b->drained = on;
		sl_model_vip_dirty(v);
		rc = sl_daemon_rebuild(d, err, errlen);
		if (rc) {
			b->drained = !on;
			sl_model_vip_dirty(v);
			return rc;
		}
		sl_log(SL_LOG_INFO, "VIP %s backend %s %s", v->cfg.name, b->cfg.name, on ? "draining" : "undrained");
	}
	*result = sl_vip_json(d, sl_daemon_counters(d), v, true);
	return 0;
}

static int cmd_drain(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_drain(ctx, args, true, result, err, errlen);
}

static int cmd_undrain(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	return set_drain(ctx, args, false, result, err, errlen);
}

static int cmd_health(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	struct sl_model_vip *v;
	struct sl_model_backend *b;
	const char *state = arg_str(args, "state");
	bool on;
	int rc = backend_flag(d, args, &v, &b, err, errlen);

	if (rc)
		return rc;
	if (!state || (strcmp(state, "on") && strcmp(state, "off"))) {
		snprintf(err, errlen, "'state' must be on or off");
		return -EINVAL;
	}
	on = strcmp(state, "on") == 0;
	if (b->health_on != on) {
		b->health_on = on;
		sl_health_enable(d, b, on);
		sl_model_vip_dirty(v);
		rc = sl_daemon_rebuild(d, err, errlen);
		if (rc)
			return rc;
		sl_log(SL_LOG_INFO, "VIP %s backend %s health checks %s", v->cfg.name, b->cfg.name, state);
	}
	*result = sl_vip_json(d, sl_daemon_counters(d), v, true);
	return 0;
}

static int cmd_vip(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	const char *name;
	struct sl_model_vip *v;

	if (need_str(args, "name", &name, err, errlen))
		return -EINVAL;
	v = sl_model_vip_find(&d->model, name);
	if (!v) {
		snprintf(err, errlen, "no VIP named '%s'", name);
		return -ENOENT;
	}
	*result = sl_vip_json(d, sl_daemon_counters(d), v, true);
	return 0;
}

/* Entries per backend in the VIP's current table: how the weights came out. */
static int cmd_table(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	const char *name;
	struct sl_model_vip *v;
	json_t *rows;
	uint32_t k, *owned, total = 0, wsum = 0;

	if (need_str(args, "vip", &name, err, errlen))
		return -EINVAL;
	v = sl_model_vip_find(&d->model, name);
	if (!v || !v->table) {
		snprintf(err, errlen, v ? "VIP %s has no table yet" : "no VIP named '%s'", name);
		return -ENOENT;
	}
	owned = calloc(v->n_slots ? v->n_slots : 1, sizeof(*owned));
	if (!owned)
		return -ENOMEM;
	for (k = 0; k < v->table->size; k++)
		if (v->table->slots[k] < v->n_slots)
			owned[v->table->slots[k]]++, total++;
	for (k = 0; k < v->n_slots; k++)
		wsum += sl_model_backend_weight(&v->slots[k]);
	rows = json_array();
	for (k = 0; k < v->n_slots; k++) {
		json_t *r;

		if (!v->slots[k].in_use)
			continue;
		r = json_object();
		json_object_set_new(r, "backend", json_string(v->slots[k].cfg.name));
		json_object_set_new(r, "weight", json_integer(sl_model_backend_weight(&v->slots[k])));
		json_object_set_new(r, "entries", json_integer(owned[k]));
		json_object_set_new(r, "share", json_real(total ? (double)owned[k] / total : 0.0));
		json_object_set_new(r, "weight_share",
				    json_real(wsum ? (double)sl_model_backend_weight(&v->slots[k]) / wsum : 0.0));
		json_array_append_new(rows, r);
	}
	free(owned);
	*result = json_object();
	json_object_set_new(*result, "vip", json_string(v->cfg.name));
	json_object_set_new(*result, "table_size", json_integer(v->table->size));
	json_object_set_new(*result, "empty_entries", json_integer(v->table->size - total));
	json_object_set_new(*result, "backends", rows);
	return 0;
}

static int cmd_reload(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	(void)args;
	return sl_daemon_reload(ctx, result, err, errlen);
}

static int cmd_save(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	const char *path = arg_str(args, "path");
	int rc = sl_daemon_save(d, path, err, errlen);

	if (!rc) {
		*result = json_object();
		json_object_set_new(*result, "written", json_string(path && path[0] ? path : d->config_path));
	}
	return rc;
}

static int cmd_show_config(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct sl_daemon *d = ctx;
	char *text = sl_config_to_string(&d->model.cfg);

	(void)args;
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*result = json_object();
	json_object_set_new(*result, "path", json_string(d->config_path[0] ? d->config_path : "<embedded>"));
	json_object_set_new(*result, "generation", json_integer((json_int_t)d->generation));
	json_object_set_new(*result, "text", json_string(text));
	free(text);
	return 0;
}

const struct sl_ctl_cmd sl_ctl_change_cmds[] = {
	{ "vip", "one VIP with its backends: name=", cmd_vip },
	{ "table", "Maglev table entries per backend: vip=", cmd_table },
	{ "add-vip", "add a VIP: name= address= [port=] [protocol=] [method=] [scheduler=] ... (config keys)", cmd_add_vip },
	{ "remove-vip", "remove a VIP: name=", cmd_remove_vip },
	{ "add-backend", "add a backend: vip= address= [weight=] [name=] [mac=]", cmd_add_backend },
	{ "remove-backend", "remove a backend: vip= backend=NAME|ADDRESS", cmd_remove_backend },
	{ "set-weight", "change a backend's weight: vip= backend= weight=", cmd_set_weight },
	{ "drain", "no new flows for a backend, existing flows stay: vip= backend=", cmd_drain },
	{ "undrain", "end a drain: vip= backend=", cmd_undrain },
	{ "health", "enable/disable a backend's health checks (off = kept up): vip= backend= state=on|off", cmd_health },
	{ "reload", "re-read the config file and apply the difference", cmd_reload },
	{ "save", "write the running config: [path=] (default: the file it came from)", cmd_save },
	{ "show-config", "the running configuration as a config file", cmd_show_config },
};
const size_t sl_ctl_n_change_cmds = sizeof(sl_ctl_change_cmds) / sizeof(sl_ctl_change_cmds[0]);
