/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_buf.h"

#define CTL_BUF_MIN 4096u

int sl_ctl_buf_append(struct sl_ctl_buf *b, const void *p, size_t n, size_t max)
{
	size_t need, cap;
	char *d;

	if (n > max || b->len > max - n)
		return -ENOBUFS;
	if (n == 0)
		return 0;
	need = b->len + n;
	if (b->head + need <= b->cap) {
		memcpy(b->data + b->head + b->len, p, n);
		b->len += n;
		return 0;
	}
	/* Slide the live bytes to the front before growing: a client that
	 * keeps a steady backlog then never makes the buffer grow. */
	if (need <= b->cap) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
		memcpy(b->data + b->len, p, n);
		b->len = need;
		return 0;
	}
	cap = b->cap ? b->cap : CTL_BUF_MIN;
	while (cap < need)
		cap *= 2;
	d = malloc(cap);
	if (!d)
		return -ENOMEM;
	if (b->len)
		memcpy(d, b->data + b->head, b->len);
	memcpy(d + b->len, p, n);
	free(b->data);
	b->data = d;
	b->head = 0;
	b->len = need;
	b->cap = cap;
	return 0;
}

void sl_ctl_buf_consume(struct sl_ctl_buf *b, size_t n)
{
	if (n >= b->len) {
		b->head = 0;
		b->len = 0;
		return;
	}
	b->head += n;
	b->len -= n;
}

void sl_ctl_buf_free(struct sl_ctl_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}
