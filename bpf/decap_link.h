/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attaching the decap XDP program to an interface and finding it again.
 *
 * The program is attached through netlink (bpf_xdp_attach), so the kernel
 * keeps it, and its maps, after the loader exits; later commands find it by
 * querying the interface's XDP program and recognising it by name
 * (SL_DECAP_PROG_NAME), then its maps through the program's map ids. No bpffs
 * mount is needed.
 *
 * Error convention: negative errno; when @err is non-NULL a one-line
 * human explanation is written there too. Not thread-safe (one command per
 * process); different interfaces may be handled by concurrent processes.
 */
#ifndef SLUICE_DECAP_LINK_H
#define SLUICE_DECAP_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "decap_shared.h"

enum sl_decap_mode {
	SL_DECAP_MODE_AUTO,    /* native if the driver supports it, else generic */
	SL_DECAP_MODE_NATIVE,  /* driver XDP (XDP_FLAGS_DRV_MODE) */
	SL_DECAP_MODE_GENERIC, /* skb XDP (XDP_FLAGS_SKB_MODE): any device, slower */
};

/* "auto", "native", "generic"; "?" if out of range. */
const char *sl_decap_mode_name(enum sl_decap_mode m);
/* Parse a mode name; returns the mode or -EINVAL. */
int sl_decap_mode_parse(const char *s);

struct sl_decap_attach_opts {
	enum sl_decap_mode mode;
	uint16_t gue_port;                  /* host byte order, non-zero */
	const struct sl_decap_addr *addrs;  /* outer destinations to decapsulate */
	unsigned int naddrs;                /* 0: decapsulate whatever the destination */
};

/* What is attached to an interface, for stats and detach. Close with sl_decap_handle_close. */
struct sl_decap_handle {
	int ifindex;
	uint32_t prog_id;
	enum sl_decap_mode mode;  /* NATIVE or GENERIC */
	int prog_fd;
	int cnt_fd;               /* per-CPU counter array, -1 if not found */
	int addr_fd;              /* decap address hash, -1 if not found */
	int rodata_fd;            /* the knobs the program was loaded with, -1 if not found */
};

/*
 * Load the program with @o's knobs and attach it to @ifname. If sluice's
 * decap program is already attached there it is replaced (atomically when
 * the mode is unchanged). *@used receives the mode actually used.
 * Returns 0; -ENODEV (no such interface), -EPERM (not privileged),
 * -EOPNOTSUPP (native mode asked and the driver has none), -EBUSY (another
 * XDP program is attached), -E2BIG (too many addresses), other -errno from
 * the kernel.
 */
int sl_decap_attach(const char *ifname, const struct sl_decap_attach_opts *o,
		    enum sl_decap_mode *used, char *err, size_t errlen);

/*
 * Find sluice's decap program on @ifname and open it and its maps into @h.
 * Returns 0; -ENODEV, -EPERM, -ENOENT (no XDP program attached), -EBUSY (the
 * attached program is not sluice's decap), other -errno.
 */
int sl_decap_find(const char *ifname, struct sl_decap_handle *h, char *err, size_t errlen);

/* Close what sl_decap_find opened in @h (also after it failed); idempotent. */
void sl_decap_handle_close(struct sl_decap_handle *h);

/*
 * Detach sluice's decap program from @ifname; never removes another program.
 * Returns 0, or the errors of sl_decap_find.
 */
int sl_decap_detach(const char *ifname, char *err, size_t errlen);

#endif
