/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl's command-line arguments to request "args": `key=value` pairs,
 * where a value that is a JSON number or boolean is sent typed (port=80 is
 * 80, not "80") and anything else as a string; `key:=JSON` sends any JSON
 * value verbatim (backends:='["198.18.0.2"]', name:='"80"').
 *
 * Error convention: negative errno, with a message in the caller's buffer.
 * Thread-safe (no shared state).
 */
#ifndef SLUICE_SLUICECTL_ARGS_H
#define SLUICE_SLUICECTL_ARGS_H

#include <jansson.h>
#include <stddef.h>

/*
 * The JSON value of the text after '=': an integer, real, true or false if
 * @text is exactly such a JSON literal, otherwise the string itself.
 * Returns a new reference, or NULL if @text is not valid UTF-8 or memory ran out.
 */
json_t *sl_ctl_arg_value(const char *text);

/*
 * Build the args object from @argv[0..argc). Returns 0 with a new object in
 * *@args, or -EINVAL (an argument without '=', an empty key, a key given
 * twice, invalid JSON after ":=", invalid UTF-8) with the offending argument
 * named in @err, or -ENOMEM.
 */
int sl_ctl_args_parse(int argc, char *const argv[], json_t **args, char *err, size_t errlen);

#endif
