/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP(S) probe on libcurl's multi interface, driven by the prober's epoll:
 * curl's sockets live in a nested epoll fd (CURLMOPT_SOCKETFUNCTION) and its
 * timeout joins the prober's timer (CURLMOPT_TIMERFUNCTION), so curl never
 * blocks and never runs a loop of its own.
 *
 * One GET per probe on a fresh connection, pinned to the backend address
 * with CURLOPT_CONNECT_TO so the URL can carry the configured Host (and SNI)
 * without any DNS lookup. Certificates are not verified: backends commonly
 * present self-signed ones, and the probe asks "is it serving", not "is it
 * who it claims to be" (docs/health.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "probe_internal.h"

#define CURL_EVENTS_BATCH 64

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct sl_prober *p = userp;
	struct epoll_event ev = { .data.fd = s };

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		/* curl may already have closed it; a failing DEL is harmless then. */
		epoll_ctl(p->curl_epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(p->multi, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(p->curl_epfd, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) && errno == EEXIST)
		epoll_ctl(p->curl_epfd, EPOLL_CTL_MOD, s, &ev);
	/* socketp only needs to be non-NULL: "this socket is in the epoll set". */
	curl_multi_assign(p->multi, s, p);
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct sl_prober *p = userp;

	(void)multi;
	/* The timerfd is re-armed when the poll or API call that got us here returns. */
	p->curl_due_us = timeout_ms < 0 ? 0 : sl_probe_now_us() + (uint64_t)timeout_ms * 1000u;
	return 0;
}

/* The status line is all the probe needs: stop at the first body byte
 * (CURLE_WRITE_ERROR, judged by the status already read) instead of
 * downloading whatever the health page serves. */
static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)size;
	(void)nmemb;
	(void)userdata;
	return 0;
}

static void judge(struct sl_prober *p, CURL *easy, CURLcode res)
{
	struct sl_probe_target *t = NULL;
	char reason[SL_PROBE_REASON_MAX];
	long code = 0;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	if (!t || t->easy != easy)
		return;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (code == t->h.expect_status && (res == CURLE_OK || res == CURLE_WRITE_ERROR)) {
		sl_probe_finish(p, t, true, "ok");
		return;
	}
	if (code)
		snprintf(reason, sizeof(reason), "HTTP %ld (expected %u)", code, t->h.expect_status);
	else
		snprintf(reason, sizeof(reason), "%s", curl_easy_strerror(res));
	sl_probe_finish(p, t, false, reason);
}

static void reap(struct sl_prober *p)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(p->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			judge(p, msg->easy_handle, msg->data.result);
}

void sl_probe_http_on_sockets(struct sl_prober *p)
{
	struct epoll_event evs[CURL_EVENTS_BATCH];
	int running, n = epoll_wait(p->curl_epfd, evs, CURL_EVENTS_BATCH, 0);

	for (int i = 0; i < n; i++) {
		int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);

		curl_multi_socket_action(p->multi, evs[i].data.fd, flags, &running);
	}
	reap(p);
}

void sl_probe_http_on_timeout(struct sl_prober *p)
{
	int running;

	curl_multi_socket_action(p->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	reap(p);
}

/* A Host that could reshape the URL (userinfo, path, query) is refused. */
static bool host_ok(const char *host)
{
	for (; *host; host++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]", *host))
			return false;
	return true;
}

static int http_start(struct sl_prober *p, struct sl_probe_target *t, char *reason, size_t len)
{
	const bool tls = t->h.type == SL_PROBE_HTTPS;
	const bool v6 = t->sa.ss_family == AF_INET6;
	const void *a = v6 ? (const void *)&((struct sockaddr_in6 *)&t->sa)->sin6_addr
			   : (const void *)&((struct sockaddr_in *)&t->sa)->sin_addr;
	uint16_t port = ntohs(((struct sockaddr_in *)&t->sa)->sin_port); /* same offset in both */
	char ip[INET6_ADDRSTRLEN], host[SL_NAME_MAX + 2 + INET6_ADDRSTRLEN], url[1024], pin[128];
	const char *path = t->h.path[0] ? t->h.path : "/";

	inet_ntop(t->sa.ss_family, a, ip, sizeof(ip));
	if (t->h.host[0] && !host_ok(t->h.host)) {
		snprintf(reason, len, "invalid Host \"%.40s\"", t->h.host);
		return -EINVAL;
	}
	if (t->h.host[0])
		snprintf(host, sizeof(host), "%s", t->h.host);
	else
		snprintf(host, sizeof(host), v6 ? "[%s]" : "%s", ip);
	snprintf(url, sizeof(url), "%s://%s:%u%s%s", tls ? "https" : "http", host, port,
		 path[0] == '/' ? "" : "/", path);
	/* Empty host and port fields: every connection of this handle goes to the backend. */
	snprintf(pin, sizeof(pin), v6 ? "::[%s]:%u" : "::%s:%u", ip, port);

	t->curl_hdrs = curl_slist_append(NULL, pin);
	t->easy = curl_easy_init();
	if (!t->easy || !t->curl_hdrs) {
		snprintf(reason, len, "out of memory");
		return -ENOMEM;
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_CONNECT_TO, t->curl_hdrs);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, (char *)t);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_NOPROXY, "*"); /* http_proxy in the environment must not reroute probes */
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)t->h.timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(t->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(t->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "sluice-health/1");
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	if (curl_multi_add_handle(p->multi, t->easy) != CURLM_OK) {
		snprintf(reason, len, "curl_multi_add_handle failed");
		return -ENOMEM;
	}
	return 0;
}

static void http_release(struct sl_prober *p, struct sl_probe_target *t)
{
	if (t->easy) {
		curl_multi_remove_handle(p->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
	}
	curl_slist_free_all(t->curl_hdrs);
	t->curl_hdrs = NULL;
}

const struct sl_probe_ops sl_probe_http_ops = {
	.start = http_start,
	.on_event = NULL,
	.release = http_release,
};

int sl_probe_http_init(struct sl_prober *p)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &p->curl_epfd };

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -ENOMEM;
	p->curl_global = true;
	p->curl_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->curl_epfd < 0)
		return -errno;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->curl_epfd, &ev))
		return -errno;
	p->multi = curl_multi_init();
	if (!p->multi)
		return -ENOMEM;
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
	return 0;
}

void sl_probe_http_fini(struct sl_prober *p)
{
	if (p->multi)
		curl_multi_cleanup(p->multi);
	p->multi = NULL;
	if (p->curl_epfd >= 0)
		close(p->curl_epfd);
	p->curl_epfd = -1;
	if (p->curl_global)
		curl_global_cleanup();
	p->curl_global = false;
}
