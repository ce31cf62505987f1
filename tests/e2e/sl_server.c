/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_server: the backend application of the e2e tests. Answers every line
 * "TOKEN" with "NAME TOKEN", NAME being this backend's name, so a client can
 * tell which backend served each request. TCP always, UDP with --udp. One
 * epoll loop, so hundreds of connections cost nothing; always bounded by
 * --max-seconds so a forgotten server cannot outlive its test for long.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e_addr.h"
#include "e2e_clock.h"
#include "e2e_line.h"
#include "e2e_num.h"

#define MAX_LISTEN 8
#define DEFAULT_MAX_SECONDS 300
/* "NAME TOKEN\n" at its longest. */
#define REPLY_MAX (2 * E2E_WORD_MAX + 2)

enum ep_kind { EP_SIGNAL, EP_TCP_LISTEN, EP_UDP, EP_CONN };

/* Every epoll registration starts with this, so one pointer tells what woke us. */
struct ep_item {
	enum ep_kind kind;
	int fd;
};

struct conn {
	struct ep_item ep;
	uint32_t events;  /* what epoll watches now */
	struct e2e_linebuf in;
	size_t out_len, out_off;
	char out[8 * REPLY_MAX];
};

struct server {
	const char *name;
	size_t name_len;
	int epfd;
	unsigned long max_conns, nconns;
	uint64_t accepted, refused, replies, bad_lines;
};

struct options {
	const char *name;
	const char *listen[MAX_LISTEN];
	unsigned nlisten;
	bool udp;
	unsigned long max_seconds, max_conns;
	const char *ready_file;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sl_server --name NAME --listen ADDR:PORT [--listen ...] [--udp]\n"
		"                 [--max-seconds N] [--max-conns N] [--ready-file PATH]\n"
		"  ADDR:PORT  198.18.0.11:8080, [2001:db8::11]:8080, or *:8080 (all, both families)\n"
		"  Answers each line TOKEN with \"NAME TOKEN\". Exits on SIGTERM/SIGINT or after\n"
		"  --max-seconds (default %d). --ready-file is created once every socket listens.\n",
		DEFAULT_MAX_SECONDS);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option lopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "udp", no_argument, NULL, 'u' },
		{ "max-seconds", required_argument, NULL, 't' },
		{ "max-conns", required_argument, NULL, 'c' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->max_seconds = DEFAULT_MAX_SECONDS;
	o->max_conns = 10000;
	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o->name = optarg;
			break;
		case 'l':
			if (o->nlisten == MAX_LISTEN) {
				fprintf(stderr, "sl_server: at most %d --listen\n", MAX_LISTEN);
				return -EINVAL;
			}
			o->listen[o->nlisten++] = optarg;
			break;
		case 'u':
			o->udp = true;
			break;
		case 't':
			if (e2e_parse_ulong(optarg, 1, 86400, &o->max_seconds)) {
				fprintf(stderr, "sl_server: --max-seconds must be 1..86400\n");
				return -EINVAL;
			}
			break;
		case 'c':
			if (e2e_parse_ulong(optarg, 1, 1000000, &o->max_conns)) {
				fprintf(stderr, "sl_server: --max-conns must be 1..1000000\n");
				return -EINVAL;
			}
			break;
		case 'r':
			o->ready_file = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !o->name || o->nlisten == 0) {
		usage(stderr);
		return -EINVAL;
	}
	if (!e2e_word_valid(o->name, strlen(o->name))) {
		fprintf(stderr, "sl_server: NAME must be 1..%d printable characters, no blanks\n",
			E2E_WORD_MAX);
		return -EINVAL;
	}
	return 0;
}

static int ep_add(struct server *s, struct ep_item *it, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = it };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, it->fd, &ev) ? -errno : 0;
}

static int open_socket(const struct sockaddr_storage *ss, socklen_t len, int type)
{
	int one = 1, zero = 0, fd, pktinfo_level, pktinfo_opt;

	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Restarted tests reuse ports still in TIME_WAIT from the last run. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		/* "*:PORT" is "::" and must take IPv4 clients too, whatever the sysctl default. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (type == SOCK_DGRAM) {
		/*
		 * A backend behind a DSR balancer must answer from the VIP the
		 * datagram was sent to, not from whatever address routing picks
		 * for a wildcard socket: learn the destination of each datagram.
		 */
		pktinfo_level = ss->ss_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
		pktinfo_opt = ss->ss_family == AF_INET6 ? IPV6_RECVPKTINFO : IP_PKTINFO;
		if (setsockopt(fd, pktinfo_level, pktinfo_opt, &one, sizeof(one)) ||
		    (ss->ss_family == AF_INET6 &&
		     setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))))
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)ss, len))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 1024))
		goto fail;
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

static void conn_close(struct server *s, struct conn *c)
{
	close(c->ep.fd); /* also removes it from epoll */
	free(c);
	s->nconns--;
}

static int conn_set_events(struct server *s, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == c->events)
		return 0;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->ep.fd, &ev))
		return -errno;
	c->events = events;
	return 0;
}

static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->ep.fd, c->out + c->out_off, c->out_len - c->out_off);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static size_t format_reply(const struct server *s, char *out, const char *token, size_t tlen)
{
	memcpy(out, s->name, s->name_len);
	out[s->name_len] = ' ';
	memcpy(out + s->name_len + 1, token, tlen);
	out[s->name_len + 1 + tlen] = '\n';
	return s->name_len + tlen + 2;
}

/*
 * Answer every complete buffered line while the output buffer has room, then
 * push out what fits. A client that sends but never reads fills our output
 * buffer; we then stop reading from it (back-pressure) instead of growing.
 */
static int conn_process(struct server *s, struct conn *c)
{
	char line[E2E_LINE_MAX];
	int n, rc;

	while (c->out_len + REPLY_MAX <= sizeof(c->out)) {
		n = e2e_linebuf_take(&c->in, line, sizeof(line));
		if (n == -EAGAIN)
			break;
		if (n < 0 || !e2e_word_valid(line, (size_t)n)) {
			s->bad_lines++;
			return -EPROTO;
		}
		c->out_len += format_reply(s, c->out + c->out_len, line, (size_t)n);
		s->replies++;
	}
	rc = conn_flush(c);
	if (rc)
		return rc;
	return conn_set_events(s, c, c->out_len + REPLY_MAX <= sizeof(c->out) ? EPOLLIN
		: EPOLLOUT);
}

static int conn_on_event(struct server *s, struct conn *c, uint32_t events)
{
	size_t room;
	char *space;
	ssize_t n;

	if (events & EPOLLOUT) {
		int rc = conn_flush(c);

		if (rc)
			return rc;
		if (c->out_len == 0)
			return conn_process(s, c);
		return 0;
	}
	space = e2e_linebuf_space(&c->in, &room);
	n = read(c->ep.fd, space, room);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	e2e_linebuf_commit(&c->in, (size_t)n);
	return conn_process(s, c);
}

static void on_accept(struct server *s, int lfd)
{
	struct conn *c;
	int fd;

	/* Level-triggered: take one per wake-up so a SYN flood cannot starve the others. */
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	s->accepted++;
	c = s->nconns < s->max_conns ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		s->refused++;
		close(fd);
		return;
	}
	c->ep.kind = EP_CONN;
	c->ep.fd = fd;
	c->events = EPOLLIN;
	e2e_linebuf_init(&c->in);
	if (ep_add(s, &c->ep, EPOLLIN)) {
		s->refused++;
		close(fd);
		free(c);
		return;
	}
	s->nconns++;
}

/*
 * Reply from the address the datagram was sent to: hand the kernel back the
 * destination it reported (IPv4 or IPv6, or IPv4 on a dual-stack socket).
 */
static void on_datagram(struct server *s, int fd)
{
	char buf[E2E_LINE_MAX], reply[REPLY_MAX];
	/* Control buffers must be aligned for struct cmsghdr. */
	union {
		char b[256];
		struct cmsghdr align;
	} cin, cout;
	struct sockaddr_storage peer;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr in = {
		.msg_name = &peer, .msg_namelen = sizeof(peer),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cin.b, .msg_controllen = sizeof(cin.b),
	};
	struct msghdr out = { 0 };
	struct cmsghdr *cm, *co = &cout.align;
	ssize_t n;
	size_t len;

	n = recvmsg(fd, &in, 0);
	if (n <= 0)
		return;
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if ((in.msg_flags & MSG_TRUNC) || !e2e_word_valid(buf, len)) {
		s->bad_lines++;
		return;
	}
	memset(&cout, 0, sizeof(cout));
	for (cm = CMSG_FIRSTHDR(&in); cm; cm = CMSG_NXTHDR(&in, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			co->cmsg_level = IPPROTO_IP;
			co->cmsg_type = IP_PKTINFO;
			co->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(co), &pi, sizeof(pi));
			out.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			pi.ipi6_ifindex = 0;
			co->cmsg_level = IPPROTO_IPV6;
			co->cmsg_type = IPV6_PKTINFO;
			co->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(co), &pi, sizeof(pi));
			out.msg_controllen = CMSG_SPACE(sizeof(pi));
		}
	}
	iov.iov_base = reply;
	iov.iov_len = format_reply(s, reply, buf, len);
	out.msg_name = &peer;
	out.msg_namelen = in.msg_namelen;
	out.msg_iov = &iov;
	out.msg_iovlen = 1;
	out.msg_control = out.msg_controllen ? cout.b : NULL;
	if (sendmsg(fd, &out, MSG_DONTWAIT) > 0)
		s->replies++;
}

static int open_listeners(struct server *s, const struct options *o, struct ep_item *items,
			  unsigned *nitems)
{
	struct sockaddr_storage ss;
	char abuf[80];
	socklen_t len;
	unsigned i, t;
	int fd;

	for (i = 0; i < o->nlisten; i++) {
		if (e2e_addr_parse(o->listen[i], &ss, &len)) {
			fprintf(stderr, "sl_server: bad --listen '%s'\n", o->listen[i]);
			return -EINVAL;
		}
		for (t = 0; t < (o->udp ? 2u : 1u); t++) {
			fd = open_socket(&ss, len, t ? SOCK_DGRAM : SOCK_STREAM);
			if (fd < 0) {
				fprintf(stderr, "sl_server: %s %s: %s\n", t ? "udp" : "tcp",
					e2e_addr_str((struct sockaddr *)&ss, abuf, sizeof(abuf)),
					strerror(-fd));
				return fd;
			}
			items[*nitems].kind = t ? EP_UDP : EP_TCP_LISTEN;
			items[*nitems].fd = fd;
			if (ep_add(s, &items[*nitems], EPOLLIN)) {
				close(fd);
				return -errno;
			}
			(*nitems)++;
		}
	}
	return 0;
}

static int write_ready_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) ? -errno : 0;
}

/* Hundreds of connections per backend exceed the usual 1024 soft limit. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int run(struct server *s, int64_t deadline)
{
	struct epoll_event evs[64];
	int i, n, rc;

	for (;;) {
		int64_t left = deadline - e2e_now_ms();

		if (left <= 0) {
			fprintf(stderr, "sl_server %s: --max-seconds reached\n", s->name);
			return 0;
		}
		n = epoll_wait(s->epfd, evs, 64, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < n; i++) {
			struct ep_item *it = evs[i].data.ptr;

			switch (it->kind) {
			case EP_SIGNAL:
				return 0;
			case EP_TCP_LISTEN:
				on_accept(s, it->fd);
				break;
			case EP_UDP:
				on_datagram(s, it->fd);
				break;
			case EP_CONN:
				rc = conn_on_event(s, (struct conn *)it, evs[i].events);
				if (rc || (evs[i].events & (EPOLLERR | EPOLLHUP)))
					conn_close(s, (struct conn *)it);
				break;
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct ep_item items[2 * MAX_LISTEN + 1];
	struct server s = { 0 };
	struct options o;
	unsigned nitems = 0, i;
	sigset_t sigs;
	int rc;

	if (parse_options(argc, argv, &o))
		return 2;
	s.name = o.name;
	s.name_len = strlen(o.name);
	s.max_conns = o.max_conns;
	raise_fd_limit();
	/* A peer closing mid-write must give EPIPE, not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	items[0].kind = EP_SIGNAL;
	items[0].fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.epfd < 0 || items[0].fd < 0 || ep_add(&s, &items[0], EPOLLIN)) {
		perror("sl_server: epoll/signalfd");
		return 1;
	}
	nitems = 1;
	rc = open_listeners(&s, &o, items, &nitems);
	if (rc == 0 && o.ready_file)
		rc = write_ready_file(o.ready_file);
	if (rc == 0)
		rc = run(&s, e2e_now_ms() + (int64_t)o.max_seconds * 1000);
	fprintf(stderr, "sl_server %s: accepted %llu refused %llu replies %llu bad_lines %llu\n",
		s.name, (unsigned long long)s.accepted, (unsigned long long)s.refused,
		(unsigned long long)s.replies, (unsigned long long)s.bad_lines);
	for (i = 0; i < nitems; i++)
		close(items[i].fd);
	close(s.epfd);
	return rc ? 1 : 0;
}
