/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading the balancer: interface facts into the program's read-only knobs,
 * pinned maps reused when their layout still matches, program pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb.skel.h"
#include "xdp_lb_internal.h"

#define DEFAULT_PIN_PATH "/sys/fs/bpf/sluice"
#define BPFFS_ROOT       "/sys/fs/bpf"
#define PROG_PIN_NAME    "prog"

int sl_xdp_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* MAC and MTU of @ifname through the classic ioctls: no netlink needed for two facts. */
static int if_facts(const char *ifname, uint8_t mac[6], uint16_t *mtu)
{
	struct ifreq ifr;
	int fd, rc = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	*mtu = ifr.ifr_mtu > UINT16_MAX ? UINT16_MAX : (uint16_t)ifr.ifr_mtu;
out:
	close(fd);
	return rc;
}

static int mkdir_p(const char *path)
{
	char buf[SL_PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int on_bpffs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == BPF_FS_MAGIC;
}

/* The pin directory must be on bpffs; mount the standard one if that is where it goes. */
static int prepare_pin_dir(const char *path, char *err, size_t errlen)
{
	int rc;

	if (strncmp(path, BPFFS_ROOT "/", strlen(BPFFS_ROOT) + 1) == 0 && !on_bpffs(BPFFS_ROOT) &&
	    mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700") < 0)
		return sl_xdp_errf(err, errlen, -errno, "cannot mount bpffs on %s: %s", BPFFS_ROOT,
				   strerror(errno));
	rc = mkdir_p(path);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "cannot create pin directory %s: %s", path,
				   strerror(-rc));
	if (!on_bpffs(path))
		return sl_xdp_errf(err, errlen, -EOPNOTSUPP,
				   "pin path %s is not on a bpf filesystem (mount -t bpf bpf DIR)", path);
	return 0;
}

/*
 * libbpf refuses to load when a pinned map's layout differs from the
 * object's; that only happens after an upgrade or a flows.entries change,
 * and the old contents cannot be read with the new layout anyway, so the
 * stale pin goes and a fresh map is created.
 */
static void check_pins(struct sl_xdp *x)
{
	/* The VIP hash map, replaced by the array index (sl_lb_vip_index). */
	static const char *const retired_pins[] = { "sl_lb_vips" };
	struct bpf_map *m;
	size_t i;

	bpf_object__for_each_map(m, x->skel->obj) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		char path[SL_PATH_MAX + 64];
		int fd;

		if (!bpf_map__pin_path(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", x->pin_path, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    info.type == bpf_map__type(m) && info.key_size == bpf_map__key_size(m) &&
		    info.value_size == bpf_map__value_size(m) &&
		    info.max_entries == bpf_map__max_entries(m) &&
		    info.map_flags == bpf_map__map_flags(m)) {
			x->st.maps_adopted++;
		} else {
			unlink(path);
			x->st.maps_recreated++;
		}
		close(fd);
	}
	/* Pins of maps an older object had and this one does not: nothing reads them. */
	for (i = 0; i < sizeof(retired_pins) / sizeof(retired_pins[0]); i++) {
		char path[SL_PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/%s", x->pin_path, retired_pins[i]);
		unlink(path);
	}
}

static int pin_prog(struct sl_xdp *x, char *err, size_t errlen)
{
	char path[SL_PATH_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", x->pin_path, PROG_PIN_NAME);
	unlink(path); /* the previous daemon's: still attached, it needs no pin */
	rc = bpf_program__pin(x->skel->progs.sl_lb, path);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "cannot pin program at %s: %s", path,
				   strerror(-rc));
	return 0;
}

/*
 * Each CPU gets flows.entries rounded up to a power of two of 8-entry
 * buckets (at least one), as the worker's table; the array holds every
 * possible CPU's buckets back to back. A changed size changes max_entries,
 * so check_pins recreates the pinned table.
 */
static int size_flows(struct sl_xdp *x, uint32_t entries)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t bits = 0;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	while (bits < SL_XDP_FLOW_MAX_BITS && ((uint64_t)SL_XDP_FLOW_WAYS << bits) < entries)
		bits++;
	if (((uint64_t)SL_XDP_FLOW_WAYS << bits) < entries || ((uint64_t)ncpu << bits) > UINT32_MAX)
		return -E2BIG;
	x->skel->rodata->flow_bucket_bits = bits;
	return bpf_map__set_max_entries(x->skel->maps.sl_lb_flows, (uint32_t)ncpu << bits);
}

static int set_knobs(struct sl_xdp *x, const struct sl_config *cfg, char *err, size_t errlen)
{
	const char *tx_if = cfg->xdp_egress[0] ? cfg->xdp_egress : cfg->xdp_iface;
	uint32_t flows = cfg->flow_entries ? cfg->flow_entries : 1u << 20;
	int rc;

	x->st.ifindex = (int)if_nametoindex(cfg->xdp_iface);
	if (!x->st.ifindex)
		return sl_xdp_errf(err, errlen, -ENODEV, "dataplane.xdp.interface %s: no such interface",
				   cfg->xdp_iface);
	if (cfg->xdp_egress[0]) {
		x->st.egress_ifindex = (int)if_nametoindex(cfg->xdp_egress);
		if (!x->st.egress_ifindex)
			return sl_xdp_errf(err, errlen, -ENODEV,
					   "dataplane.xdp.egress %s: no such interface", cfg->xdp_egress);
	}
	rc = if_facts(tx_if, x->st.mac, &x->st.mtu);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "%s: cannot read MAC/MTU: %s", tx_if,
				   strerror(-rc));
	memcpy((void *)x->skel->rodata->if_mac, x->st.mac, 6);
	x->skel->rodata->mtu = x->st.mtu;
	x->skel->rodata->egress_ifindex = (__u32)x->st.egress_ifindex;
	rc = size_flows(x, flows);
	if (rc)
		return sl_xdp_errf(err, errlen, rc, "flows.entries %u refused", flows);
	return 0;
}

static int fill_status(struct sl_xdp *x)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int n = libbpf_num_possible_cpus();

	if (n < 0)
		return n;
	x->st.n_cpus = (uint32_t)n;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(x->skel->progs.sl_lb), &info, &len) == 0) {
		x->st.prog_id = info.id;
		x->st.verified_insns = info.verified_insns;
	}
	return 0;
}

struct sl_xdp *sl_xdp_open(const struct sl_config *cfg, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct sl_xdp *x;
	int rc;

	if (!cfg || !cfg->xdp_iface[0]) {
		rc = sl_xdp_errf(err, errlen, -EINVAL, "dataplane.xdp.interface is not set");
		goto fail_noalloc;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		rc = sl_xdp_errf(err, errlen, -ENOMEM, "out of memory");
		goto fail_noalloc;
	}
	x->sync_fd = -1;
	snprintf(x->pin_path, sizeof(x->pin_path), "%s",
		 cfg->xdp_pin_path[0] ? cfg->xdp_pin_path : DEFAULT_PIN_PATH);
	snprintf(x->mode, sizeof(x->mode), "%s", cfg->xdp_mode);
	x->shadow = calloc(SL_XDP_MAX_VIPS, sizeof(*x->shadow));
	if (!x->shadow) {
		rc = sl_xdp_errf(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	rc = prepare_pin_dir(x->pin_path, err, errlen);
	if (rc)
		goto fail;
	oo.pin_root_path = x->pin_path;
	x->skel = lb_bpf__open_opts(&oo);
	if (!x->skel) {
		rc = sl_xdp_errf(err, errlen, -errno, "cannot open the balancer object: %s",
				 strerror(errno));
		goto fail;
	}
	rc = set_knobs(x, cfg, err, errlen);
	if (rc)
		goto fail;
	check_pins(x);
	rc = lb_bpf__load(x->skel);
	if (rc) {
		rc = sl_xdp_errf(err, errlen, rc, "cannot load the balancer program: %s%s",
				 strerror(-rc), rc == -EPERM ? " (run as root)" : "");
		goto fail;
	}
	rc = pin_prog(x, err, errlen);
	if (rc)
		goto fail;
	rc = fill_status(x);
	if (rc) {
		sl_xdp_errf(err, errlen, rc, "cannot count CPUs");
		goto fail;
	}
	return x;
fail:
	sl_xdp_close(x);
fail_noalloc:
	errno = -rc;
	return NULL;
}

void sl_xdp_get_status(const struct sl_xdp *x, struct sl_xdp_status *s)
{
	*s = x->st;
}

int sl_xdp_prog_fd(const struct sl_xdp *x)
{
	return bpf_program__fd(x->skel->progs.sl_lb);
}

void sl_xdp_close(struct sl_xdp *x)
{
	uint32_t i;

	if (!x)
		return;
	if (x->shadow) {
		for (i = 0; i < SL_XDP_MAX_VIPS; i++) {
			free(x->shadow[i].table);
			free(x->shadow[i].be);
		}
		free(x->shadow);
	}
	if (x->sync_fd >= 0)
		close(x->sync_fd);
	free(x->keys);
	if (x->vix)
		munmap(x->vix, x->vix_len);
	/* Destroying the skeleton closes our fds only: the attachment and pins keep it all alive. */
	lb_bpf__destroy(x->skel);
	free(x);
}
