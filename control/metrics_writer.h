/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition format (version 0.0.4) written into a growing
 * memory buffer: "# HELP" / "# TYPE" lines per metric family, then one line
 * per sample with escaped label values.
 *
 * The writer never fails half-way through a line: a sample or family that
 * cannot be written whole (bad metric or label name, out of memory) is left
 * out entirely and remembered in sl_mw_status(), so one bad name never
 * corrupts the rest of a scrape. Label values may hold anything; backslash,
 * double quote and newline are escaped and invalid UTF-8 bytes become '?'.
 *
 * Error convention: negative errno. Thread-compatible: one writer per thread.
 */
#ifndef SLUICE_METRICS_WRITER_H
#define SLUICE_METRICS_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct sl_metrics_writer;

/* A new, empty writer. Returns NULL when out of memory. */
struct sl_metrics_writer *sl_mw_create(void);

/* Free @w and its text. NULL is a no-op. */
void sl_mw_destroy(struct sl_metrics_writer *w);

/*
 * Start the metric family @name: writes "# HELP name help" (help's backslash
 * and newline escaped; NULL or "" writes no HELP line) and "# TYPE name type".
 * @type: "counter", "gauge" or "untyped". An invalid @name or @type skips
 * the family and sets the status to -EINVAL. Samples of the family follow.
 */
void sl_mw_family(struct sl_metrics_writer *w, const char *name, const char *type,
		  const char *help);

/*
 * Write one sample line `name{l1="v1",...} value`. The variable arguments
 * are label name / label value pairs (const char *) ended by a NULL label
 * name; a NULL value is written as "". Names must match
 * [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':' and not starting "__"), else the
 * sample is skipped and the status set to -EINVAL.
 * sl_mw_sample writes @value exactly (counters); sl_mw_sample_double uses the
 * shortest decimal that reads back as the same double, "NaN", "+Inf", "-Inf".
 */
void sl_mw_sample(struct sl_metrics_writer *w, const char *name, uint64_t value, ...)
	__attribute__((sentinel));
void sl_mw_sample_double(struct sl_metrics_writer *w, const char *name, double value, ...)
	__attribute__((sentinel));

/*
 * The text written so far (NUL-terminated, owned by @w, valid until the
 * next write or destroy); its length in @len if @len is not NULL.
 */
const char *sl_mw_text(const struct sl_metrics_writer *w, size_t *len);

/*
 * Hand the text over to the caller (free() it) and leave @w empty; its
 * length in @len. Returns NULL when out of memory.
 */
char *sl_mw_take(struct sl_metrics_writer *w, size_t *len);

/*
 * 0 if everything asked for was written; -ENOMEM if anything was lost to a
 * failed allocation (takes precedence); -EINVAL if a family or sample was
 * skipped for a bad name or type.
 */
int sl_mw_status(const struct sl_metrics_writer *w);

#endif
