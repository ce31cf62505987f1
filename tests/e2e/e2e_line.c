/* SPDX-License-Identifier: BSD-3-Clause */
#include "e2e_line.h"

#include <errno.h>
#include <string.h>

void e2e_linebuf_init(struct e2e_linebuf *lb)
{
	lb->len = 0;
}

char *e2e_linebuf_space(struct e2e_linebuf *lb, size_t *room)
{
	*room = sizeof(lb->buf) - lb->len;
	return lb->buf + lb->len;
}

void e2e_linebuf_commit(struct e2e_linebuf *lb, size_t n)
{
	lb->len += n;
}

int e2e_linebuf_take(struct e2e_linebuf *lb, char *line, size_t cap)
{
	const char *nl = memchr(lb->buf, '\n', lb->len);
	size_t n, used;

	if (!nl)
		return lb->len == sizeof(lb->buf) ? -EMSGSIZE : -EAGAIN;
	used = (size_t)(nl - lb->buf) + 1;
	n = used - 1;
	if (n > 0 && lb->buf[n - 1] == '\r')
		n--;
	if (n + 1 > cap)
		return -ENOSPC;
	memcpy(line, lb->buf, n);
	line[n] = '\0';
	/* Lines are a few bytes and buffers 160: moving the rest down is cheaper than a ring. */
	memmove(lb->buf, lb->buf + used, lb->len - used);
	lb->len -= used;
	return (int)n;
}

bool e2e_word_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > E2E_WORD_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}
