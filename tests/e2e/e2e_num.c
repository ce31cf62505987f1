/* SPDX-License-Identifier: BSD-3-Clause */
#include "e2e_num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int e2e_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul would accept "-1" (as ULONG_MAX) and leading blanks. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int e2e_parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.') || strpbrk(s, "xXpP"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
