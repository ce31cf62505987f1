/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A lexical pass over the raw text before libconfig sees it.
 *
 * libconfig 1.5 (Debian 12) silently wraps integer literals to 32 bits unless
 * they carry an L suffix: "weight = 4294967396;" would load as 100. It also
 * stops at a NUL byte and follows @include to any file. This pass finds those
 * cases with the line and key they occur at; it skips strings and comments the
 * way libconfig's scanner does, and leaves all other syntax to libconfig
 * (except an unterminated string, which it pins to its opening line).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '*';
}

/* Check one numeric token [p, end); 0 or -EINVAL. */
static int check_number(struct sl_cfg_ctx *ctx, const char *p, const char *end, int line, const char *key)
{
	char tok[64];
	size_t n = (size_t)(end - p);
	int is_long, is_hex;
	const char *digits;
	unsigned long long mag;
	char *stop;

	if (n >= sizeof(tok))
		return sl_cfg_error(ctx, line, key, "number \"%.20s...\" is too long", p);
	memcpy(tok, p, n);
	tok[n] = '\0';
	digits = tok + (tok[0] == '-' || tok[0] == '+');
	is_hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
	if (!is_hex && strpbrk(digits, ".eE"))
		return 0; /* a float: the walk rejects it where an integer is expected */
	is_long = n > 0 && (tok[n - 1] == 'L' || tok[n - 1] == 'l');
	errno = 0;
	mag = strtoull(digits, &stop, is_hex ? 16 : 10);
	while (*stop == 'L' || *stop == 'l')
		stop++;
	if (*stop)
		return 0; /* not a plain integer: libconfig reports the syntax error */
	if (errno == ERANGE || mag > (is_long ? (unsigned long long)INT64_MAX : (unsigned long long)INT32_MAX))
		return sl_cfg_error(ctx, line, key, "integer %s is out of range (libconfig would wrap it)", tok);
	return 0;
}

int sl_cfg_prescan(struct sl_cfg_ctx *ctx, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *q, *nul;
	char key[SL_CFG_PATH_LEN] = "";
	int line = 1, rc;
	size_t kl;

	nul = memchr(text, '\0', len);
	if (nul) {
		for (q = text; q < nul; q++)
			line += *q == '\n';
		return sl_cfg_error(ctx, line, "-", "NUL byte in config text (binary file?)");
	}
	while (p < end) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '#' || (*p == '/' && p + 1 < end && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2; p < end && !(*p == '*' && p + 1 < end && p[1] == '/'); p++)
				line += *p == '\n';
			p += 2;
		} else if (*p == '"') {
			int open_line = line;

			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				line += *p == '\n';
			}
			/* libconfig would blame the end of the file; the opening quote is what to fix. */
			if (p >= end)
				return sl_cfg_error(ctx, open_line, key[0] ? key : "-", "unterminated string");
			p++;
		} else if (*p == '@') {
			return sl_cfg_error(ctx, line, key[0] ? key : "-",
					    "@include and other directives are not supported: a config is one file");
		} else if (isdigit((unsigned char)*p) ||
			   ((*p == '-' || *p == '+') && p + 1 < end && isdigit((unsigned char)p[1]))) {
			for (q = p + 1; q < end && (isalnum((unsigned char)*q) || *q == '.' ||
						    ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E')));
			     q++)
				;
			rc = check_number(ctx, p, q, line, key[0] ? key : "-");
			if (rc)
				return rc;
			p = q;
		} else if (isalpha((unsigned char)*p) || *p == '_' || *p == '*') {
			/* Remember the latest name so a bad literal is reported with its key. */
			for (q = p; q < end && ident_char(*q); q++)
				;
			kl = (size_t)(q - p) < sizeof(key) - 1 ? (size_t)(q - p) : sizeof(key) - 1;
			memcpy(key, p, kl);
			key[kl] = '\0';
			p = q;
		} else {
			p++;
		}
	}
	return 0;
}
