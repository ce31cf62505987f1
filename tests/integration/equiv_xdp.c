/* SPDX-License-Identifier: BSD-3-Clause */
#include "equiv_xdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xdp_lb.h"

/* The bpffs directory, for the signal handler: a killed test (meson's timeout) must not leave it behind. */
static const char *mounted_dir;

static void on_signal(int sig)
{
	/* Only async-signal-safe calls here; the namespaces and the veth die with the process. */
	if (mounted_dir) {
		umount2(mounted_dir, MNT_DETACH);
		rmdir(mounted_dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int eq_xdp_netns(struct eq_xdp *e, const char *ifname, const char *mac, uint16_t mtu,
		 char *pin_path, size_t pin_len, char *err, size_t errlen)
{
	char cmd[256];

	memset(e, 0, sizeof(*e));
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		snprintf(err, errlen, "unshare: %s", strerror(errno));
		return -errno;
	}
	/* Private propagation first, or the bpffs mount would appear in the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		snprintf(err, errlen, "make mounts private: %s", strerror(errno));
		return -errno;
	}
	snprintf(e->pin_root, sizeof(e->pin_root), "/tmp/sl-equiv-%d", (int)getpid());
	if (mkdir(e->pin_root, 0700) < 0 || mount("bpf", e->pin_root, "bpf", 0, "mode=0700") < 0) {
		int rc = -errno;

		snprintf(err, errlen, "bpffs on %s: %s", e->pin_root, strerror(errno));
		rmdir(e->pin_root);
		e->pin_root[0] = '\0';
		return rc;
	}
	snprintf(pin_path, pin_len, "%s/sluice", e->pin_root);
	mounted_dir = e->pin_root;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type veth peer name %sp && ip link set %s address %s mtu %u up && "
		 "ip link set %sp up", ifname, ifname, ifname, mac, mtu, ifname);
	if (system(cmd) != 0) {
		snprintf(err, errlen, "cannot create veth %s", ifname);
		return -EIO;
	}
	return 0;
}

int eq_xdp_open(struct eq_xdp *e, const struct sl_config *cfg, char *err, size_t errlen)
{
	int rc;

	e->x = sl_xdp_open(cfg, err, errlen);
	if (!e->x)
		return -errno;
	rc = sl_xdp_read_counters(e->x, &e->last, NULL, 0, NULL, 0, NULL, 0);
	if (rc)
		snprintf(err, errlen, "reading counters: %s", strerror(-rc));
	return rc;
}

int eq_xdp_run(struct eq_xdp *e, const uint8_t *frame, uint32_t len, struct eq_out *o)
{
	LIBBPF_OPTS(bpf_test_run_opts, t);
	struct sl_lcore_ctr now;
	int i, rc;

	t.data_in = frame;
	t.data_size_in = len;
	t.data_out = o->b;
	t.data_size_out = sizeof(o->b);
	t.repeat = 1;
	if (bpf_prog_test_run_opts(sl_xdp_prog_fd(e->x), &t) < 0)
		return -errno;
	e->run_ns += t.duration;
	rc = sl_xdp_read_counters(e->x, &now, NULL, 0, NULL, 0, NULL, 0);
	if (rc)
		return rc;
	o->drop = -1;
	for (i = 0; i < SL_DROP__MAX; i++)
		if (now.drops[i] != e->last.drops[i])
			o->drop = i;
	e->last = now;
	o->len = 0;
	switch (t.retval) {
	case XDP_TX:
		o->verdict = EQ_TX;
		o->len = t.data_size_out;
		break;
	case XDP_PASS:
		o->verdict = EQ_PASS;
		break;
	case XDP_DROP:
		o->verdict = EQ_DROP;
		break;
	default:
		o->verdict = EQ_OTHER;
		break;
	}
	return 0;
}

void eq_xdp_fini(struct eq_xdp *e)
{
	if (e->x)
		sl_xdp_detach(e->x, true, NULL, 0);
	sl_xdp_close(e->x);
	e->x = NULL;
	if (e->pin_root[0]) {
		mounted_dir = NULL;
		umount2(e->pin_root, MNT_DETACH);
		rmdir(e->pin_root);
		e->pin_root[0] = '\0';
	}
}
