/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus endpoint: GET /metrics over HTTP/1.1 (libmicrohttpd), served
 * from the daemon's control thread with no thread of its own.
 *
 * libmicrohttpd runs in its external-event-loop epoll mode: the caller adds
 * sl_metrics_fd() (an epoll fd) to its own poll set and calls
 * sl_metrics_poll() when it is readable and when sl_metrics_timeout_ms()
 * expires (calling it on every wake-up of the loop is fine and cheap). Every scrape calls the renderer on that same thread, so the
 * renderer reads daemon state with no locking, and a scrape costs nothing
 * between scrapes.
 *
 * Responses: GET or HEAD /metrics -> 200 "text/plain; version=0.0.4;
 * charset=utf-8"; another method on /metrics -> 405; any other path -> 404;
 * renderer ran out of memory -> 500. Query strings are ignored. Limits
 * against hostile clients: 32 connections, 16 KiB of request (headers) per
 * connection (larger requests are refused by libmicrohttpd with 431/413 or
 * a close), 10 s idle timeout.
 *
 * Error convention: NULL plus a message in the caller's buffer at creation;
 * nothing else can fail. Thread safety: all functions, and the renderer,
 * run on the one thread that owns @m.
 */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include <stdint.h>

#include "metrics_writer.h"

struct sl_metrics;

/* Fills @w with the exposition text of one scrape. Called from sl_metrics_poll. */
typedef void (*sl_metrics_render_fn)(void *ctx, struct sl_metrics_writer *w);

/*
 * Listen on @listen, a numeric "IPv4:port" or "[IPv6]:port" (e.g.
 * "127.0.0.1:9100", "[::1]:9100"; port 0 picks a free port, see
 * sl_metrics_port). Binds that address only (IPv6 sockets are v6-only).
 * Returns the endpoint, or NULL with a message in @err (@errlen bytes,
 * always NUL-terminated if @errlen > 0) for a malformed address or port,
 * a bind/listen failure (e.g. address in use) or libmicrohttpd failing to
 * start. No renderer is set: scrapes return an empty 200 until one is.
 */
struct sl_metrics *sl_metrics_create(const char *listen, char *err, size_t errlen);

/*
 * libmicrohttpd's epoll fd, valid until destroy. Add it (EPOLLIN) to the
 * caller's own epoll set, or poll() it; never epoll_wait() on it directly:
 * that would consume the edge-triggered events of its connections, which
 * then stall.
 */
int sl_metrics_fd(const struct sl_metrics *m);

/* The bound TCP port (host byte order): the real one when 0 was asked for. */
uint16_t sl_metrics_port(const struct sl_metrics *m);

/*
 * Milliseconds until sl_metrics_poll must run even without fd activity (to
 * close idle connections), or -1 for no deadline. For the caller's
 * epoll_wait timeout.
 */
int sl_metrics_timeout_ms(const struct sl_metrics *m);

/* Accept, read, answer and close whatever is ready; never blocks. */
void sl_metrics_poll(struct sl_metrics *m);

/*
 * Set (or with @fn NULL, clear) the renderer and its @ctx (borrowed; must
 * outlive @m or the next call).
 */
void sl_metrics_set_renderer(struct sl_metrics *m, sl_metrics_render_fn fn, void *ctx);

/* Number of 200 responses to /metrics so far (for the daemon's own stats). */
uint64_t sl_metrics_scrapes(const struct sl_metrics *m);

/* Close every connection and the listening socket; free @m. NULL is a no-op. */
void sl_metrics_destroy(struct sl_metrics *m);

#endif
