/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/errmsg.h"
#include "ctl_proto.h"


int sl_ctl_request_parse(const char *line, size_t len, struct sl_ctl_request *req, char *err,
			 size_t errlen)
{
	json_error_t jerr;
	json_t *cmd, *args;
	const char *key;
	json_t *val;

	memset(req, 0, sizeof(*req));
	if (len && line[len - 1] == '\r')
		len--;
	/* DECODE_ANY so that `42` is reported as "not an object" rather than
	 * as a syntax error; REJECT_DUPLICATES because a request with two
	 * "cmd" fields has no single meaning. */
	req->root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!req->root)
		return sl_fail(err, errlen, -EINVAL, "malformed JSON at column %d: %s", jerr.column,
			    jerr.text);
	if (!json_is_object(req->root))
		return sl_fail(err, errlen, -EINVAL, "request must be a JSON object");

	req->id = json_object_get(req->root, "id");
	json_object_foreach(req->root, key, val) {
		if (strcmp(key, "cmd") && strcmp(key, "args") && strcmp(key, "id"))
			return sl_fail(err, errlen, -EINVAL,
				    "unknown request field \"%.64s\" (expected cmd, args, id)", key);
	}

	cmd = json_object_get(req->root, "cmd");
	if (!cmd)
		return sl_fail(err, errlen, -EINVAL, "missing \"cmd\"");
	if (!json_is_string(cmd) || json_string_length(cmd) == 0)
		return sl_fail(err, errlen, -EINVAL, "\"cmd\" must be a non-empty string");
	if (strlen(json_string_value(cmd)) != json_string_length(cmd))
		return sl_fail(err, errlen, -EINVAL, "\"cmd\" contains a NUL character");
	req->cmd = json_string_value(cmd);

	args = json_object_get(req->root, "args");
	if (args && !json_is_object(args) && !json_is_null(args))
		return sl_fail(err, errlen, -EINVAL, "\"args\" must be an object");
	if (!args || json_is_null(args)) {
		req->own_args = json_object();
		if (!req->own_args)
			return sl_fail(err, errlen, -ENOMEM, "out of memory");
		args = req->own_args;
	}
	req->args = args;
	return 0;
}

void sl_ctl_request_free(struct sl_ctl_request *req)
{
	json_decref(req->own_args);
	json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

/* Encode @obj compactly and append the line's newline. Steals @obj. */
static char *encode_line(json_t *obj, size_t *len)
{
	char *s, *line;
	size_t n;

	if (!obj)
		return NULL;
	/* COMPACT keeps the reply on one line: jansson escapes control
	 * characters inside strings, so no raw '\n' can appear. */
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

char *sl_ctl_reply_ok(json_t *result, json_t *id, size_t *len)
{
	json_t *o = json_object();

	if (!o) {
		json_decref(result);
		return NULL;
	}
	if (json_object_set_new(o, "ok", json_true()) ||
	    json_object_set_new(o, "result", result ? result : json_null()) ||
	    (id && json_object_set(o, "id", id))) {
		json_decref(o);
		return NULL;
	}
	return encode_line(o, len);
}

char *sl_ctl_reply_error(const char *msg, json_t *id, size_t *len)
{
	json_t *o = json_object();
	json_t *m = json_string(msg ? msg : "unspecified error");

	/* json_string rejects invalid UTF-8, and a command's message may
	 * quote hostile input: better a vaguer message than no reply. */
	if (!m)
		m = json_string("(error message was not valid UTF-8)");
	if (!o) {
		json_decref(m);
		return NULL;
	}
	if (json_object_set_new(o, "ok", json_false()) || json_object_set_new(o, "error", m) ||
	    (id && json_object_set(o, "id", id))) {
		json_decref(o);
		return NULL;
	}
	return encode_line(o, len);
}

char *sl_ctl_request_encode(const char *cmd, json_t *args, json_t *id, size_t *len)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "cmd", json_string(cmd)) ||
	    (args && json_object_set(o, "args", args)) || (id && json_object_set(o, "id", id))) {
		json_decref(o);
		return NULL;
	}
	return encode_line(o, len);
}

int sl_ctl_reply_parse(const char *line, size_t len, json_t **result, json_t **id, char *err,
		       size_t errlen)
{
	json_error_t jerr;
	json_t *root, *ok, *msg;
	int rc;

	*result = NULL;
	if (id)
		*id = NULL;
	root = json_loadb(line, len, 0, &jerr);
	if (!root)
		return sl_fail(err, errlen, -EPROTO, "malformed reply at column %d: %s", jerr.column,
			    jerr.text);
	ok = json_object_get(root, "ok");
	if (!json_is_object(root) || !json_is_boolean(ok)) {
		rc = sl_fail(err, errlen, -EPROTO, "reply has no boolean \"ok\"");
		goto out;
	}
	if (id && json_object_get(root, "id"))
		*id = json_incref(json_object_get(root, "id"));
	if (json_is_true(ok)) {
		*result = json_object_get(root, "result");
		*result = json_incref(*result ? *result : json_null());
		rc = 0;
		goto out;
	}
	msg = json_object_get(root, "error");
	rc = sl_fail(err, errlen, 1, "%s", json_is_string(msg) ? json_string_value(msg) : "unspecified error");
out:
	json_decref(root);
	return rc;
}
