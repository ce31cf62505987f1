/* SPDX-License-Identifier: BSD-3-Clause */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SL_METRICS_MAX_CONN    32
#define SL_METRICS_CONN_MEM    16384
#define SL_METRICS_IDLE_SEC    10
#define SL_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct sl_metrics {
	struct MHD_Daemon   *mhd;
	int                  epfd;
	uint16_t             port;
	sl_metrics_render_fn render;
	void                *ctx;
	uint64_t             scrapes;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Numeric address only: a name would mean a resolver call at start-up and an ambiguous bind. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s, *end;
	unsigned long port;
	size_t hlen;
	bool v6;
	char *pe;

	if (!listen)
		return -EINVAL;
	v6 = listen[0] == '[';
	if (v6) {
		end = strchr(listen, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hlen = (size_t)(end - listen - 1);
		port_s = end + 2;
		listen++;
	} else {
		end = strrchr(listen, ':');
		if (!end)
			return -EINVAL;
		hlen = (size_t)(end - listen);
		port_s = end + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host) || *port_s < '0' || *port_s > '9')
		return -EINVAL;
	errno = 0;
	port = strtoul(port_s, &pe, 10);
	if (errno || *pe || port > 65535)
		return -EINVAL;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*s4);
	}
	return 0;
}

/*
 * We bind the socket ourselves rather than hand libmicrohttpd an address:
 * start-up errors then carry a real errno ("address in use"), IPv6 is
 * v6-only for sure, and the bound port is read back for port 0.
 */
static int open_listener(const struct sockaddr_storage *ss, socklen_t sslen, uint16_t *port)
{
	int fd, one = 1, err;
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restarted daemon must rebind while old connections sit in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)ss, sslen) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						 : ((struct sockaddr_in *)&got)->sin_port);
	return fd;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     int owned)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (owned)
		r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	else
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	if (status == MHD_HTTP_OK)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, SL_METRICS_CONTENT_TYPE);
	else
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "not found: try /metrics\n";
	static char not_allowed[] = "only GET and HEAD\n";
	static char no_mem[] = "out of memory rendering metrics\n";
	struct sl_metrics *m = cls;
	struct sl_metrics_writer *w;
	size_t len;
	char *text;

	(void)version;
	(void)req_cls;
	/* Answer at the first call, before any request body: nothing here
	 * reads one, and MHD discards it and closes the connection. */
	(void)upload_data;
	*upload_data_size = 0;
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1, 0);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, sizeof(not_allowed) - 1, 0);

	w = sl_mw_create();
	if (!w)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, no_mem, sizeof(no_mem) - 1, 0);
	if (m->render)
		m->render(m->ctx, w);
	/* A scrape that silently lost samples would look like counters going
	 * backwards; better to fail it. Skipped bad names (-EINVAL) are the
	 * renderer's bug and the rest is still valid, so that is served. */
	text = sl_mw_status(w) == -ENOMEM ? NULL : sl_mw_take(w, &len);
	sl_mw_destroy(w);
	if (!text)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, no_mem, sizeof(no_mem) - 1, 0);
	m->scrapes++;
	return reply(c, MHD_HTTP_OK, text, len, 1);
}

/* MHD's own messages would go to stderr of a daemon that logs to syslog. */
static void quiet_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

struct sl_metrics *sl_metrics_create(const char *listen, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	struct sl_metrics *m;
	socklen_t sslen;
	int fd;

	if (parse_listen(listen, &ss, &sslen) < 0) {
		set_err(err, errlen, "metrics: bad listen address \"%s\" (want IPv4:PORT or [IPv6]:PORT)",
			listen ? listen : "(null)");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		set_err(err, errlen, "metrics: out of memory");
		return NULL;
	}
	fd = open_listener(&ss, sslen, &m->port);
	if (fd < 0) {
		set_err(err, errlen, "metrics: listen on %s: %s", listen, strerror(-fd));
		free(m);
		return NULL;
	}
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)SL_METRICS_MAX_CONN,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SL_METRICS_CONN_MEM,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SL_METRICS_IDLE_SEC,
				  MHD_OPTION_END);
	if (!m->mhd) {
		/* Whether MHD already closed a passed socket on failure is not
		 * documented; close it only if it is still open. Start-up runs
		 * before any other thread opens files, so the number is ours. */
		if (fcntl(fd, F_GETFD) >= 0)
			close(fd);
		set_err(err, errlen, "metrics: libmicrohttpd failed to start on %s", listen);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		set_err(err, errlen, "metrics: libmicrohttpd has no epoll fd");
		MHD_stop_daemon(m->mhd);
		free(m);
		return NULL;
	}
	m->epfd = info->epoll_fd;
	return m;
}

int sl_metrics_fd(const struct sl_metrics *m)
{
	return m->epfd;
}

uint16_t sl_metrics_port(const struct sl_metrics *m)
{
	return m->port;
}

int sl_metrics_timeout_ms(const struct sl_metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(m->mhd, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void sl_metrics_poll(struct sl_metrics *m)
{
	MHD_run(m->mhd);
}

void sl_metrics_set_renderer(struct sl_metrics *m, sl_metrics_render_fn fn, void *ctx)
{
	m->render = fn;
	m->ctx = fn ? ctx : NULL;
}

uint64_t sl_metrics_scrapes(const struct sl_metrics *m)
{
	return m->scrapes;
}

void sl_metrics_destroy(struct sl_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->mhd);
	free(m);
}
