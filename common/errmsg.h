/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side's error convention in one place: return a negative errno
 * and, when the caller gave a buffer, a one-line message for the operator
 * (Redis anetSetError style). Not for the dataplane: it formats text.
 */
#ifndef SLUICE_ERRMSG_H
#define SLUICE_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Write the message to @err (if any) and return @rc, so `return sl_fail(...)` reads as one step. */
static inline int sl_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int sl_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

#endif
