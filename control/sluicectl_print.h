/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How sluicectl shows a result to a person: an array of objects is a table
 * (one column per key, in first-seen order, headers upper-cased), an object
 * is aligned "key: value" lines (nested objects indented, nested arrays of
 * objects as indented tables), an array of scalars is one value per line,
 * a scalar is itself, null prints nothing. Missing cells print "-".
 * Inside a table, a key holding an array of objects in any row is not a
 * column: under each row it prints as "key:" and an indented sub-table
 * ("key: (none)" when empty); a nested object in a cell prints as
 * "k=v k=v". Control characters in keys and strings print as '?'.
 *
 * Thread-safe if @out is not shared.
 */
#ifndef SLUICE_SLUICECTL_PRINT_H
#define SLUICE_SLUICECTL_PRINT_H

#include <jansson.h>
#include <stdio.h>

/* Print @result (borrowed) to @out as described above. Returns 0 or -ENOMEM. */
int sl_ctl_print_human(FILE *out, json_t *result);

#endif
