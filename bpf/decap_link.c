/* SPDX-License-Identifier: BSD-3-Clause */
#include "../common/errmsg.h"
#include "decap_link.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "decap.skel.h"

static const char *const mode_names[] = {
	[SL_DECAP_MODE_AUTO] = "auto",
	[SL_DECAP_MODE_NATIVE] = "native",
	[SL_DECAP_MODE_GENERIC] = "generic",
};

const char *sl_decap_mode_name(enum sl_decap_mode m)
{
	if ((unsigned int)m >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "?";
	return mode_names[m];
}

int sl_decap_mode_parse(const char *s)
{
	unsigned int i;

	for (i = 0; s && i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(s, mode_names[i]))
			return (int)i;
	return -EINVAL;
}


static uint32_t mode_flag(enum sl_decap_mode m)
{
	return m == SL_DECAP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
}

static int perm_or(int rc, char *err, size_t errlen, const char *what, const char *ifname)
{
	if (rc == -EPERM || rc == -EACCES)
		return sl_fail(err, errlen, -EPERM,
			    "%s %s: permission denied (run as root: needs CAP_BPF and CAP_NET_ADMIN)",
			    what, ifname);
	return sl_fail(err, errlen, rc, "%s %s: %s", what, ifname, strerror(-rc));
}

void sl_decap_handle_close(struct sl_decap_handle *h)
{
	int *fds[] = { &h->prog_fd, &h->cnt_fd, &h->addr_fd, &h->rodata_fd };
	unsigned int i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Open the maps the program uses that we know by name. */
static int open_maps(struct sl_decap_handle *h)
{
	uint32_t ids[16], n, i;
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);

	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (uint64_t)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(h->prog_fd, &info, &len))
		return -errno;
	n = info.nr_map_ids < sizeof(ids) / sizeof(ids[0]) ? info.nr_map_ids
							   : sizeof(ids) / sizeof(ids[0]);
	for (i = 0; i < n; i++) {
		struct bpf_map_info mi = { 0 };
		uint32_t mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		int *slot = NULL;

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
			if (!strcmp(mi.name, SL_DECAP_CNT_MAP))
				slot = &h->cnt_fd;
			else if (!strcmp(mi.name, SL_DECAP_ADDR_MAP))
				slot = &h->addr_fd;
			else if (strstr(mi.name, ".rodata") && mi.value_size <=
				 sizeof(struct decap_bpf__rodata))
				slot = &h->rodata_fd;
		}
		if (slot && *slot < 0)
			*slot = fd;
		else
			close(fd);
	}
	return h->cnt_fd < 0 ? -ENOENT : 0;
}

int sl_decap_find(const char *ifname, struct sl_decap_handle *h, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int rc;

	memset(h, 0, sizeof(*h));
	h->prog_fd = h->cnt_fd = h->addr_fd = h->rodata_fd = -1;
	h->ifindex = (int)if_nametoindex(ifname);
	if (!h->ifindex)
		return sl_fail(err, errlen, -ENODEV, "no such interface: %s", ifname);
	rc = bpf_xdp_query(h->ifindex, 0, &q);
	if (rc)
		return perm_or(rc, err, errlen, "cannot query XDP on", ifname);
	if (q.drv_prog_id) {
		h->prog_id = q.drv_prog_id;
		h->mode = SL_DECAP_MODE_NATIVE;
	} else if (q.skb_prog_id) {
		h->prog_id = q.skb_prog_id;
		h->mode = SL_DECAP_MODE_GENERIC;
	} else {
		return sl_fail(err, errlen, -ENOENT, "no XDP program is attached to %s", ifname);
	}
	h->prog_fd = bpf_prog_get_fd_by_id(h->prog_id);
	if (h->prog_fd < 0)
		return perm_or(-errno, err, errlen, "cannot open the XDP program of", ifname);
	if (bpf_obj_get_info_by_fd(h->prog_fd, &info, &len)) {
		rc = -errno;
		sl_decap_handle_close(h);
		return perm_or(rc, err, errlen, "cannot inspect the XDP program of", ifname);
	}
	if (strcmp(info.name, SL_DECAP_PROG_NAME)) {
		sl_decap_handle_close(h);
		return sl_fail(err, errlen, -EBUSY,
			    "%s runs another XDP program (id %u, name \"%s\"), not sluice's decap",
			    ifname, h->prog_id, info.name);
	}
	rc = open_maps(h);
	if (rc) {
		sl_decap_handle_close(h);
		return sl_fail(err, errlen, rc, "XDP program on %s has no sluice decap counters", ifname);
	}
	return 0;
}

static int fill_addrs(struct decap_bpf *skel, const struct sl_decap_attach_opts *o)
{
	int fd = bpf_map__fd(skel->maps.sl_decap_addrs);
	uint8_t one = 1;
	unsigned int i;

	for (i = 0; i < o->naddrs; i++)
		if (bpf_map_update_elem(fd, &o->addrs[i], &one, BPF_ANY))
			return -errno;
	return 0;
}

/* Attach @fd in @mode, replacing our own program @old (-1 if none) when one is there. */
static int xdp_attach(int ifindex, int fd, enum sl_decap_mode mode, int old_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = old_fd);
	uint32_t flags = mode_flag(mode);

	flags |= old_fd >= 0 ? XDP_FLAGS_REPLACE : XDP_FLAGS_UPDATE_IF_NOEXIST;
	return bpf_xdp_attach(ifindex, fd, flags, old_fd >= 0 ? &ao : NULL);
}

int sl_decap_attach(const char *ifname, const struct sl_decap_attach_opts *o,
		    enum sl_decap_mode *used, char *err, size_t errlen)
{
	struct sl_decap_handle old;
	struct decap_bpf *skel = NULL;
	enum sl_decap_mode mode = o->mode;
	int ifindex, old_fd = -1, fd, rc;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return sl_fail(err, errlen, -ENODEV, "no such interface: %s", ifname);
	if (o->naddrs > SL_DECAP_MAX_ADDRS)
		return sl_fail(err, errlen, -E2BIG, "at most %d decap addresses", SL_DECAP_MAX_ADDRS);

	rc = sl_decap_find(ifname, &old, err, errlen);
	if (rc == -EBUSY || rc == -EPERM)
		return rc;
	if (!rc) {
		/* Same mode: swap atomically. Another mode: the kernel allows one at a time. */
		if (mode == SL_DECAP_MODE_AUTO || mode == old.mode) {
			mode = old.mode;
			old_fd = old.prog_fd;
		} else if ((rc = bpf_xdp_detach(ifindex, mode_flag(old.mode), NULL))) {
			sl_decap_handle_close(&old);
			return perm_or(rc, err, errlen, "cannot detach the old program from", ifname);
		}
	}

	skel = decap_bpf__open();
	if (!skel) {
		rc = sl_fail(err, errlen, -errno, "cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	skel->rodata->gue_port = o->gue_port;
	skel->rodata->accept_any = o->naddrs == 0;
	rc = decap_bpf__load(skel);
	if (rc) {
		rc = perm_or(rc, err, errlen, "cannot load the decap program for", ifname);
		goto out;
	}
	rc = fill_addrs(skel, o);
	if (rc) {
		rc = sl_fail(err, errlen, rc, "cannot fill the decap address map: %s", strerror(-rc));
		goto out;
	}

	fd = bpf_program__fd(skel->progs.sl_decap);
	if (mode == SL_DECAP_MODE_AUTO) {
		rc = xdp_attach(ifindex, fd, SL_DECAP_MODE_NATIVE, -1);
		mode = SL_DECAP_MODE_NATIVE;
		if (rc == -EOPNOTSUPP) {
			rc = xdp_attach(ifindex, fd, SL_DECAP_MODE_GENERIC, -1);
			mode = SL_DECAP_MODE_GENERIC;
		}
	} else {
		rc = xdp_attach(ifindex, fd, mode, old_fd);
	}
	if (rc == -EOPNOTSUPP && mode == SL_DECAP_MODE_NATIVE)
		rc = sl_fail(err, errlen, rc,
			  "the driver of %s does not support native XDP; use --mode generic "
			  "(works on any device, slower) or --mode auto", ifname);
	else if (rc == -EBUSY || rc == -EEXIST)
		rc = sl_fail(err, errlen, -EBUSY,
			  "another XDP program is attached to %s; detach it first "
			  "(ip link set dev %s xdp off)", ifname, ifname);
	else if (rc)
		rc = perm_or(rc, err, errlen, "cannot attach XDP to", ifname);
	else if (used)
		*used = mode;
out:
	/* The kernel holds the attached program; our references can go. */
	decap_bpf__destroy(skel);
	sl_decap_handle_close(&old);
	return rc;
}

int sl_decap_detach(const char *ifname, char *err, size_t errlen)
{
	struct sl_decap_handle h;
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao);
	int rc;

	rc = sl_decap_find(ifname, &h, err, errlen);
	if (rc)
		return rc;
	/* Only our program: a racing replacement by someone else makes this fail, not remove theirs. */
	ao.old_prog_fd = h.prog_fd;
	rc = bpf_xdp_detach(h.ifindex, mode_flag(h.mode) | XDP_FLAGS_REPLACE, &ao);
	sl_decap_handle_close(&h);
	if (rc)
		return perm_or(rc, err, errlen, "cannot detach from", ifname);
	return 0;
}
