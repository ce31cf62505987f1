/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Newline-framed messages of the e2e protocol: the client sends "TOKEN\n",
 * the server answers "NAME TOKEN\n". One small buffer per connection that
 * bytes are read into and whole lines are taken out of; a peer that sends a
 * line longer than the buffer is hostile and the caller drops it.
 */
#ifndef SLUICE_E2E_LINE_H
#define SLUICE_E2E_LINE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line including its "\n"; replies are "NAME TOKEN\n", so keep room for both. */
#define E2E_LINE_MAX 160
/* Longest backend name or token (printable, no blanks). */
#define E2E_WORD_MAX 63

struct e2e_linebuf {
	size_t len;
	char buf[E2E_LINE_MAX];
};

/* Empty @lb. Not thread-safe (one buffer per connection). */
void e2e_linebuf_init(struct e2e_linebuf *lb);

/*
 * Where the next read(2) should write: returns a pointer into @lb and stores
 * the free room in *@room (0 when full; then take lines out first).
 */
char *e2e_linebuf_space(struct e2e_linebuf *lb, size_t *room);

/* Record that @n bytes were written at e2e_linebuf_space(); n <= room. */
void e2e_linebuf_commit(struct e2e_linebuf *lb, size_t n);

/*
 * Move the oldest complete line out of @lb into @line (@cap bytes), without
 * its "\n" or "\r\n", NUL-terminated.
 * Returns the line length (>= 0), -EAGAIN when no complete line is buffered,
 * -EMSGSIZE when the buffer is full and holds no newline (overlong line),
 * -ENOSPC when @cap is too small for the line (the line stays buffered).
 */
int e2e_linebuf_take(struct e2e_linebuf *lb, char *line, size_t cap);

/*
 * True when @s (length @n) is a usable name or token: 1..E2E_WORD_MAX bytes
 * of printable ASCII without blanks. Anything else (empty, NUL, control
 * bytes, spaces, UTF-8) is false, so a reply can always be split on its one
 * space. Pure.
 */
bool e2e_word_valid(const char *s, size_t n);

#endif
