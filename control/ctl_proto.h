/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol: one JSON object per line each way.
 *
 *   request  {"cmd":"NAME","args":{...},"id":ANY}   args and id optional
 *   reply    {"ok":true,"result":RESULT,"id":ANY}    id only if the request had one
 *            {"ok":false,"error":"message","id":ANY}
 *
 * Encoders and decoders only, no sockets: the server, sluicectl and the
 * tests share them. docs/control.md is the full specification.
 *
 * Error convention: negative errno, with a one-line message in the caller's
 * buffer. Thread-safe (jansson values are not shared between calls).
 */
#ifndef SLUICE_CTL_PROTO_H
#define SLUICE_CTL_PROTO_H

#include <jansson.h>
#include <stddef.h>

/* Longest request line the server reads, newline excluded. */
#define SL_CTL_MAX_LINE (64u * 1024u)

struct sl_ctl_request {
	const char *cmd;  /* borrowed from root */
	json_t     *args; /* borrowed from root, or an owned empty object: never NULL after success */
	json_t     *id;   /* borrowed from root; NULL if absent */
	json_t     *root; /* owned */
	json_t     *own_args;
};

/*
 * Decode one request line of @len bytes (no newline; a trailing '\r' is
 * ignored). On success returns 0 and @req holds the request: release it with
 * sl_ctl_request_free. On a bad request (malformed JSON, not an object,
 * missing or non-string "cmd", non-object "args", an unknown or duplicate
 * field) returns -EINVAL with the reason in @err; @req->id is still set
 * when the line was an object carrying one, so the error reply can echo it,
 * and sl_ctl_request_free must still be called.
 */
int sl_ctl_request_parse(const char *line, size_t len, struct sl_ctl_request *req, char *err,
			 size_t errlen);

/* Release what sl_ctl_request_parse allocated; safe on a zeroed request. */
void sl_ctl_request_free(struct sl_ctl_request *req);

/*
 * Encode a success reply line ending in '\n'. Steals @result (NULL encodes
 * as null); @id is borrowed and omitted when NULL. Returns a malloc'd string
 * (its length in *@len) or NULL if out of memory.
 */
char *sl_ctl_reply_ok(json_t *result, json_t *id, size_t *len);

/* Same for an error reply carrying @msg. */
char *sl_ctl_reply_error(const char *msg, json_t *id, size_t *len);

/*
 * Encode a request line ending in '\n' (client side). @args (borrowed) may
 * be NULL; @id (borrowed) may be NULL. Returns a malloc'd string or NULL.
 */
char *sl_ctl_request_encode(const char *cmd, json_t *args, json_t *id, size_t *len);

/*
 * Decode a reply line (client side). Returns 0 with the result in *@result
 * (a new reference; JSON null if absent) for an ok reply, 1 with the
 * server's message in @err for an error reply, or -EPROTO with a reason in
 * @err if the line is not a reply. *@id, if @id is non-NULL, receives a new
 * reference to the echoed id or NULL.
 */
int sl_ctl_reply_parse(const char *line, size_t len, json_t **result, json_t **id, char *err,
		       size_t errlen);

#endif
