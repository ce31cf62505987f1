/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A byte queue with a hard size cap, used for each control client's
 * partial request line and pending reply bytes. Private to the control
 * server. Not thread-safe: one owner (the control thread).
 */
#ifndef SLUICE_CTL_BUF_H
#define SLUICE_CTL_BUF_H

#include <stddef.h>

struct sl_ctl_buf {
	char  *data;
	size_t head; /* first unconsumed byte */
	size_t len;  /* bytes held, starting at head */
	size_t cap;  /* allocated bytes */
};

/* Bytes held. */
static inline size_t sl_ctl_buf_len(const struct sl_ctl_buf *b)
{
	return b->len;
}

/* First held byte (valid until the next append or consume). */
static inline char *sl_ctl_buf_begin(const struct sl_ctl_buf *b)
{
	return b->data + b->head;
}

/*
 * Append @n bytes of @p unless the queue would then hold more than @max.
 * Returns 0, -ENOBUFS (cap reached; nothing appended) or -ENOMEM.
 */
int sl_ctl_buf_append(struct sl_ctl_buf *b, const void *p, size_t n, size_t max);

/* Drop the first @n held bytes (n <= len). */
void sl_ctl_buf_consume(struct sl_ctl_buf *b, size_t n);

/* Release the memory; the buffer is empty and reusable afterwards. */
void sl_ctl_buf_free(struct sl_ctl_buf *b);

#endif
