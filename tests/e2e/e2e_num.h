/* SPDX-License-Identifier: BSD-3-Clause */
/* Strict number parsing for the e2e tools' options: a typo must stop the test, not become 0. */
#ifndef SLUICE_E2E_NUM_H
#define SLUICE_E2E_NUM_H

/*
 * Parse decimal digits @s into *@out, requiring @min <= value <= @max.
 * Returns 0, or -EINVAL (not all digits, empty, sign, overflow) / -ERANGE
 * (outside the bounds). *@out is untouched on error. Pure; thread-safe.
 */
int e2e_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * Parse a plain non-negative decimal number ("0.05", "2", ".5") into *@out,
 * requiring @min <= value <= @max. No sign, blanks, "inf", "nan" or hex.
 * Returns 0, -EINVAL or -ERANGE as above. Pure; thread-safe.
 */
int e2e_parse_double(const char *s, double min, double max, double *out);

#endif
