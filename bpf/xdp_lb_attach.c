/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attaching the balancer through netlink (the kernel keeps it after we exit)
 * and taking it off again. A sluice balancer already there is recognised by
 * its program name and replaced; anything else is left alone.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "lb.skel.h"
#include "xdp_lb_internal.h"

/* What is attached now: its id and mode flag (0 if nothing). */
static int attached(int ifindex, __u32 *id, __u32 *mode_flag)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int rc = bpf_xdp_query(ifindex, 0, &q);

	if (rc)
		return rc;
	*id = 0;
	*mode_flag = 0;
	if (q.attach_mode == XDP_ATTACHED_DRV) {
		*id = q.drv_prog_id;
		*mode_flag = XDP_FLAGS_DRV_MODE;
	} else if (q.attach_mode == XDP_ATTACHED_SKB) {
		*id = q.skb_prog_id;
		*mode_flag = XDP_FLAGS_SKB_MODE;
	} else if (q.attach_mode == XDP_ATTACHED_HW || q.attach_mode == XDP_ATTACHED_MULTI) {
		*id = q.prog_id ? q.prog_id : q.hw_prog_id;
		*mode_flag = XDP_FLAGS_HW_MODE;
	}
	return 0;
}

/* An fd for program @id if it is a sluice balancer; -EBUSY if it is someone else's. */
static int open_ours(__u32 id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    strncmp(info.name, SL_XDP_PROG_NAME, sizeof(info.name)) != 0) {
		close(fd);
		return -EBUSY;
	}
	return fd;
}

static int attach_mode(struct sl_xdp *x, __u32 flag, int old_fd, __u32 old_flag)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = old_fd);
	int fd = sl_xdp_prog_fd(x);

	/* Same mode: one atomic swap. Another mode: the old one must go first. */
	if (old_fd >= 0 && old_flag == flag)
		return bpf_xdp_attach(x->st.ifindex, fd, flag | XDP_FLAGS_REPLACE, &ao);
	if (old_fd >= 0) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, d, .old_prog_fd = old_fd);
		int rc = bpf_xdp_detach(x->st.ifindex, old_flag | XDP_FLAGS_REPLACE, &d);

		if (rc)
			return rc;
	}
	return bpf_xdp_attach(x->st.ifindex, fd, flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
}

int sl_xdp_attach(struct sl_xdp *x, char *err, size_t errlen)
{
	bool native = !x->mode[0] || !strcmp(x->mode, "native") || !strcmp(x->mode, "auto");
	__u32 id, old_flag;
	int old_fd = -1, rc;

	if (err && errlen)
		err[0] = '\0';
	if (x->mode[0] && strcmp(x->mode, "native") && strcmp(x->mode, "generic") &&
	    strcmp(x->mode, "auto"))
		return sl_xdp_errf(err, errlen, -EINVAL, "dataplane.xdp.mode %s: not native, generic or auto",
				   x->mode);
	rc = attached(x->st.ifindex, &id, &old_flag);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "cannot query XDP on ifindex %d: %s",
				   x->st.ifindex, strerror(-rc));
	if (id) {
		old_fd = open_ours(id);
		if (old_fd < 0)
			return sl_xdp_errf(err, errlen, old_fd == -EBUSY ? -EBUSY : old_fd,
					   "another XDP program (id %u) is attached; not replacing it", id);
	}
	rc = attach_mode(x, native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE, old_fd, old_flag);
	x->st.generic = !native;
	if (rc && native && !strcmp(x->mode, "auto")) {
		/* Whatever the failed attempt left attached (the old program or nothing) is replaced. */
		if (old_fd >= 0)
			close(old_fd);
		old_fd = -1;
		if (attached(x->st.ifindex, &id, &old_flag) == 0 && id)
			old_fd = open_ours(id);
		if (old_fd == -EBUSY)
			rc = -EBUSY;
		else
			rc = attach_mode(x, XDP_FLAGS_SKB_MODE, old_fd, old_flag);
		if (!rc) {
			x->st.generic = true;
			x->st.fell_back = true;
			sl_xdp_errf(err, errlen, 0, "native XDP refused on ifindex %d; attached in generic mode",
				    x->st.ifindex);
		}
	}
	if (old_fd >= 0)
		close(old_fd);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "cannot attach XDP (%s mode) on ifindex %d: %s",
				   native ? "native" : "generic", x->st.ifindex, strerror(-rc));
	x->st.attached = true;
	return 0;
}

static void unpin_all(struct sl_xdp *x)
{
	struct bpf_map *m;
	char path[SL_PATH_MAX + 16];

	bpf_object__for_each_map(m, x->skel->obj)
		if (bpf_map__pin_path(m))
			bpf_map__unpin(m, NULL);
	snprintf(path, sizeof(path), "%s/prog", x->pin_path);
	unlink(path);
	rmdir(x->pin_path);
}

int sl_xdp_detach(struct sl_xdp *x, bool unpin, char *err, size_t errlen)
{
	__u32 id, flag;
	int fd, rc;

	rc = attached(x->st.ifindex, &id, &flag);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "cannot query XDP: %s", strerror(-rc));
	if (id) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, d);

		fd = open_ours(id);
		if (fd < 0)
			return sl_xdp_errf(err, errlen, fd, "XDP program %u is not sluice's; left attached", id);
		d.old_prog_fd = fd;
		rc = bpf_xdp_detach(x->st.ifindex, flag | XDP_FLAGS_REPLACE, &d);
		close(fd);
		if (rc)
			return sl_xdp_errf(err, errlen, rc, "cannot detach: %s", strerror(-rc));
	}
	x->st.attached = false;
	if (unpin)
		unpin_all(x);
	return 0;
}
