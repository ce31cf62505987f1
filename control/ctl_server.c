/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control server event loop. Level-triggered epoll over the listener and
 * at most SL_CTL_MAX_CLIENTS clients kept in a fixed slot array; each
 * epoll event carries (generation, slot) so an event for a client closed
 * earlier in the same batch is recognised and ignored even if its slot was
 * already reused.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_buf.h"
#include "ctl_peer.h"
#include "ctl_server.h"
#include "ctl_socket.h"

#define CTL_EVENTS      32
#define CTL_READ_CHUNK  16384u
/* Bytes read from one client per wake-up: a client streaming requests
 * cannot starve the others (level-triggered epoll calls us back). */
#define CTL_READ_BUDGET (256u * 1024u)
#define CTL_ACCEPT_BUDGET 16
#define CTL_LISTENER_TAG 0xffu

struct ctl_client {
	int      fd;          /* -1: free slot */
	uint32_t gen;         /* bumped when the slot is freed */
	bool     closing;     /* no more reading; close once out is flushed */
	uint32_t events;      /* what is registered with epoll */
	struct sl_ctl_buf in; /* partial request line */
	struct sl_ctl_buf out;/* reply bytes the client has not taken yet */
};

struct sl_ctl_server {
	int      listen_fd;
	int      epfd;
	bool     listen_paused; /* out of fds: wait for a client to leave */
	uid_t    self_uid;
	int      gid;
	char    *path;
	dev_t    sock_dev;      /* identity of the file we bound, so destroy */
	ino_t    sock_ino;      /* never unlinks a successor's socket */
	const struct sl_ctl_cmd *cmds;
	size_t   n_cmds;
	void    *ctx;
	unsigned n_clients;
	struct sl_ctl_server_stats stats;
	struct ctl_client clients[SL_CTL_MAX_CLIENTS];
};

static uint64_t ev_tag(uint32_t gen, uint32_t slot)
{
	return (uint64_t)gen << 8 | slot;
}

static int set_events(struct sl_ctl_server *srv, struct ctl_client *c, uint32_t events)
{
	struct epoll_event ev = { .events = events,
				  .data.u64 = ev_tag(c->gen, (uint32_t)(c - srv->clients)) };

	if (events == c->events)
		return 0;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -errno;
	c->events = events;
	return 0;
}

static void client_close(struct sl_ctl_server *srv, struct ctl_client *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = CTL_LISTENER_TAG };

	if (c->fd < 0)
		return;
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->gen++;
	c->closing = false;
	c->events = 0;
	sl_ctl_buf_free(&c->in);
	sl_ctl_buf_free(&c->out);
	srv->n_clients--;
	if (srv->listen_paused && epoll_ctl(srv->epfd, EPOLL_CTL_MOD, srv->listen_fd, &ev) == 0)
		srv->listen_paused = false;
}

/* Send what the kernel takes now, then (re)arm EPOLLOUT only while bytes
 * remain, and finish a closing client once it has everything. */
static void client_flush(struct sl_ctl_server *srv, struct ctl_client *c)
{
	ssize_t n;

	while (sl_ctl_buf_len(&c->out)) {
		n = send(c->fd, sl_ctl_buf_begin(&c->out), sl_ctl_buf_len(&c->out),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(srv, c);
			return;
		}
		sl_ctl_buf_consume(&c->out, (size_t)n);
	}
	if (c->closing && !sl_ctl_buf_len(&c->out)) {
		client_close(srv, c);
		return;
	}
	if (set_events(srv, c, (c->closing ? 0 : EPOLLIN) |
				       (sl_ctl_buf_len(&c->out) ? EPOLLOUT : 0)) < 0)
		client_close(srv, c);
}

/* Queue one reply line (owned by us now). Returns false if the client was dropped. */
static bool client_queue(struct sl_ctl_server *srv, struct ctl_client *c, char *line, size_t len,
			 bool is_error)
{
	char msg[128];
	int rc;

	if (!line) {
		/* Out of memory encoding the reply: the request/reply pairing
		 * would be lost, so the connection must go. */
		client_close(srv, c);
		return false;
	}
	if (len > SL_CTL_MAX_OUTPUT) {
		/* One reply larger than the whole budget is the command's
		 * fault, not the client's: say so instead of dropping. */
		free(line);
		snprintf(msg, sizeof(msg), "reply of %zu bytes exceeds the %u-byte limit", len,
			 SL_CTL_MAX_OUTPUT);
		line = sl_ctl_reply_error(msg, NULL, &len);
		if (!line) {
			client_close(srv, c);
			return false;
		}
		is_error = true;
	}
	rc = sl_ctl_buf_append(&c->out, line, len, SL_CTL_MAX_OUTPUT);
	free(line);
	if (rc < 0) {
		if (rc == -ENOBUFS)
			srv->stats.dropped_slow++;
		client_close(srv, c);
		return false;
	}
	if (is_error)
		srv->stats.errors++;
	return true;
}

static json_t *help_result(const struct sl_ctl_server *srv)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	json_array_append_new(a, json_pack("{s:s,s:s}", "name", "help", "help",
					   "list the commands this daemon accepts"));
	for (i = 0; i < srv->n_cmds; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "name", srv->cmds[i].name, "help",
						   srv->cmds[i].help ? srv->cmds[i].help : ""));
	return a;
}

static const struct sl_ctl_cmd *find_cmd(const struct sl_ctl_server *srv, const char *name)
{
	size_t i;

	for (i = 0; i < srv->n_cmds; i++)
		if (!strcmp(srv->cmds[i].name, name))
			return &srv->cmds[i];
	return NULL;
}

static bool is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Handle one complete request line. Returns false if the client was dropped. */
static bool handle_line(struct sl_ctl_server *srv, struct ctl_client *c, const char *line,
			size_t len)
{
	struct sl_ctl_request req;
	const struct sl_ctl_cmd *cmd;
	json_t *result = NULL;
	char err[512] = "";
	char *reply;
	size_t rlen = 0;
	bool ok;
	int rc;

	/* Blank lines are not requests: `nc` users hitting enter get no
	 * reply rather than a parse error. */
	if (is_blank(line, len))
		return true;
	srv->stats.requests++;
	rc = sl_ctl_request_parse(line, len, &req, err, sizeof(err));
	if (rc < 0) {
		reply = sl_ctl_reply_error(err, req.id, &rlen);
		sl_ctl_request_free(&req);
		return client_queue(srv, c, reply, rlen, true);
	}
	if (!strcmp(req.cmd, "help")) {
		result = help_result(srv);
		rc = result ? 0 : -ENOMEM;
	} else if ((cmd = find_cmd(srv, req.cmd))) {
		rc = cmd->fn(srv->ctx, req.args, &result, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "unknown command \"%.64s\" (try \"help\")", req.cmd);
		rc = -ENOENT;
	}
	if (rc < 0) {
		json_decref(result);
		if (!err[0])
			snprintf(err, sizeof(err), "%s: %s", req.cmd, strerror(-rc));
		reply = sl_ctl_reply_error(err, req.id, &rlen);
		ok = client_queue(srv, c, reply, rlen, true);
	} else {
		reply = sl_ctl_reply_ok(result, req.id, &rlen);
		ok = client_queue(srv, c, reply, rlen, false);
	}
	sl_ctl_request_free(&req);
	return ok;
}

/* Answer a too-long line and stop listening to the client. */
static void reject_long_line(struct sl_ctl_server *srv, struct ctl_client *c)
{
	char msg[96];
	char *reply;
	size_t rlen = 0;

	srv->stats.dropped_long++;
	snprintf(msg, sizeof(msg), "request line longer than %u bytes; closing connection",
		 SL_CTL_MAX_LINE);
	reply = sl_ctl_reply_error(msg, NULL, &rlen);
	c->closing = true;
	sl_ctl_buf_free(&c->in);
	client_queue(srv, c, reply, rlen, true);
}

/* Run every complete line in c->in; keep the partial tail. False if dropped. */
static bool handle_lines(struct sl_ctl_server *srv, struct ctl_client *c, bool eof)
{
	char *start, *nl;
	size_t left, n;

	while ((left = sl_ctl_buf_len(&c->in))) {
		start = sl_ctl_buf_begin(&c->in);
		nl = memchr(start, '\n', left);
		if (!nl) {
			if (left > SL_CTL_MAX_LINE) {
				reject_long_line(srv, c);
				return c->fd >= 0;
			}
			if (!eof)
				return true;
			/* A last request without its newline (printf | nc) is
			 * still a request. */
			n = left;
		} else {
			n = (size_t)(nl - start);
		}
		if (n > SL_CTL_MAX_LINE) {
			reject_long_line(srv, c);
			return c->fd >= 0;
		}
		if (!handle_line(srv, c, start, n))
			return false;
		sl_ctl_buf_consume(&c->in, nl ? n + 1 : n);
	}
	return true;
}

static void client_read(struct sl_ctl_server *srv, struct ctl_client *c)
{
	char chunk[CTL_READ_CHUNK];
	size_t budget = CTL_READ_BUDGET;
	bool eof = false;
	ssize_t n;

	while (budget && !c->closing) {
		n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(srv, c);
			return;
		}
		if (n == 0) {
			eof = true;
			c->closing = true;
		} else {
			/* in never holds more than one partial line plus a chunk:
			 * handle_lines() rejects longer lines below. */
			if (sl_ctl_buf_append(&c->in, chunk, (size_t)n,
					      SL_CTL_MAX_LINE + CTL_READ_CHUNK + 1) < 0) {
				client_close(srv, c);
				return;
			}
			budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
		}
		if (!handle_lines(srv, c, eof))
			return;
	}
	client_flush(srv, c);
}

/* Best-effort one-line refusal on a connection we will not keep. */
static void refuse(int fd, const char *msg)
{
	size_t len = 0;
	char *reply = sl_ctl_reply_error(msg, NULL, &len);

	if (reply) {
		/* A fresh socket's buffer takes one short line; if not, the
		 * close alone tells the client. */
		(void)send(fd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(reply);
	}
	close(fd);
}

static void accept_clients(struct sl_ctl_server *srv)
{
	struct sl_ctl_peer peer;
	struct ctl_client *c;
	struct epoll_event ev;
	char msg[128];
	int i, fd, slot;

	for (i = 0; i < CTL_ACCEPT_BUDGET; i++) {
		fd = accept4(srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* The connection stays queued and the listener stays
				 * readable: stop watching it until a client leaves,
				 * or this loop would spin. */
				ev.events = 0;
				ev.data.u64 = CTL_LISTENER_TAG;
				if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, srv->listen_fd, &ev) == 0)
					srv->listen_paused = true;
			}
			return;
		}
		if (sl_ctl_peer_get(fd, &peer) < 0) {
			srv->stats.rejected_cred++;
			refuse(fd, "permission denied: cannot read peer credentials");
			continue;
		}
		if (!sl_ctl_peer_allowed(&peer, srv->self_uid, srv->gid)) {
			srv->stats.rejected_cred++;
			snprintf(msg, sizeof(msg), "permission denied: uid %u may not use this socket",
				 (unsigned)peer.uid);
			refuse(fd, msg);
			continue;
		}
		if (srv->n_clients >= SL_CTL_MAX_CLIENTS) {
			srv->stats.rejected_full++;
			snprintf(msg, sizeof(msg), "too many control clients (max %d); try again",
				 SL_CTL_MAX_CLIENTS);
			refuse(fd, msg);
			continue;
		}
		for (slot = 0; srv->clients[slot].fd >= 0; slot++)
			;
		c = &srv->clients[slot];
		ev.events = EPOLLIN;
		ev.data.u64 = ev_tag(c->gen, (uint32_t)slot);
		if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		c->closing = false;
		srv->n_clients++;
		srv->stats.accepted++;
	}
}

struct sl_ctl_server *sl_ctl_server_create(const char *path, int mode, int gid, char *err,
					   size_t errlen)
{
	struct sl_ctl_server *srv;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = CTL_LISTENER_TAG };
	struct stat st;
	int i, rc;

	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	srv->epfd = -1;
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		srv->clients[i].fd = -1;
	srv->self_uid = geteuid();
	srv->gid = gid < 0 ? -1 : gid;

	rc = sl_ctl_socket_listen(path, mode, gid, err, errlen);
	if (rc < 0)
		goto err_free;
	srv->listen_fd = rc;
	srv->path = strdup(path);
	if (!srv->path || fstat(srv->listen_fd, &st) < 0 || lstat(path, &st) < 0) {
		rc = srv->path ? -errno : -ENOMEM;
		snprintf(err, errlen, "cannot record %s: %s", path, strerror(-rc));
		goto err_unlink;
	}
	srv->sock_dev = st.st_dev;
	srv->sock_ino = st.st_ino;

	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0 || epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->listen_fd, &ev) < 0) {
		rc = -errno;
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto err_unlink;
	}
	return srv;

err_unlink:
	unlink(path);
	close(srv->listen_fd);
	if (srv->epfd >= 0)
		close(srv->epfd);
	free(srv->path);
err_free:
	free(srv);
	errno = -rc;
	return NULL;
}

int sl_ctl_server_set_commands(struct sl_ctl_server *srv, const struct sl_ctl_cmd *cmds, size_t n,
			       void *ctx)
{
	size_t i, j;

	if (n && !cmds)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!cmds[i].name || !cmds[i].name[0] || !cmds[i].fn || !strcmp(cmds[i].name, "help"))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(cmds[i].name, cmds[j].name))
				return -EINVAL;
	}
	srv->cmds = cmds;
	srv->n_cmds = n;
	srv->ctx = ctx;
	return 0;
}

int sl_ctl_server_fd(const struct sl_ctl_server *srv)
{
	return srv->epfd;
}

int sl_ctl_server_poll(struct sl_ctl_server *srv, int timeout_ms)
{
	struct epoll_event evs[CTL_EVENTS];
	struct ctl_client *c;
	uint32_t slot, gen;
	int n, i;

	n = epoll_wait(srv->epfd, evs, CTL_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		if (evs[i].data.u64 == CTL_LISTENER_TAG) {
			accept_clients(srv);
			continue;
		}
		slot = (uint32_t)(evs[i].data.u64 & 0xff);
		gen = (uint32_t)(evs[i].data.u64 >> 8);
		if (slot >= SL_CTL_MAX_CLIENTS)
			continue;
		c = &srv->clients[slot];
		if (c->fd < 0 || c->gen != gen)
			continue; /* closed earlier in this batch */
		if (evs[i].events & EPOLLERR) {
			client_close(srv, c);
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP))
			client_read(srv, c);
		if (c->fd >= 0 && c->gen == gen && (evs[i].events & EPOLLOUT))
			client_flush(srv, c);
	}
	return n;
}

unsigned sl_ctl_server_n_clients(const struct sl_ctl_server *srv)
{
	return srv->n_clients;
}

const struct sl_ctl_server_stats *sl_ctl_server_stats(const struct sl_ctl_server *srv)
{
	return &srv->stats;
}

void sl_ctl_server_destroy(struct sl_ctl_server *srv)
{
	struct stat st;
	int i;

	if (!srv)
		return;
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		client_close(srv, &srv->clients[i]);
	close(srv->epfd);
	close(srv->listen_fd);
	/* Only our own file: a newer daemon may have replaced it after
	 * finding it stale, and its socket must survive us. */
	if (lstat(srv->path, &st) == 0 && st.st_dev == srv->sock_dev && st.st_ino == srv->sock_ino)
		unlink(srv->path);
	free(srv->path);
	free(srv);
}
