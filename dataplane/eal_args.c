/* SPDX-License-Identifier: BSD-3-Clause */
#include "eal_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "port.h"

static int add(struct sl_eal_argv *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->argc >= SL_EAL_ARGV_MAX)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(a->store + a->used, sizeof(a->store) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (unsigned)n >= sizeof(a->store) - a->used)
		return -ENOSPC;
	a->argv[a->argc++] = a->store + a->used;
	a->argv[a->argc] = NULL;
	a->used += (unsigned)n + 1;
	return 0;
}

static int has_arg(const struct sl_config *cfg, const char *prefix)
{
	uint32_t i;

	for (i = 0; i < cfg->n_eal_args; i++)
		if (strncmp(cfg->eal_args[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

int sl_eal_argv_build(const struct sl_config *cfg, bool force_no_huge, struct sl_eal_argv *a)
{
	char lcores[512];
	size_t off;
	bool any_pci = false, no_huge = cfg->no_huge || force_no_huge;
	uint32_t i, mem = cfg->memory_mb;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	off = (size_t)snprintf(lcores, sizeof(lcores), "%u", cfg->main_lcore);
	for (i = 0; i < cfg->n_workers && off < sizeof(lcores); i++)
		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, ",%u", cfg->workers[i]);
	if (off >= sizeof(lcores))
		return -ENOSPC;

	rc |= add(a, "sluiced");
	/* An explicit --lcores (lcore-to-CPU map, e.g. more workers than CPUs in a lab) replaces -l. */
	if (!has_arg(cfg, "--lcores")) {
		rc |= add(a, "-l");
		rc |= add(a, "%s", lcores);
	}
	rc |= add(a, "--main-lcore=%u", cfg->main_lcore);
	if (no_huge) {
		/* --no-huge implies legacy memory, which EAL refuses together with --in-memory;
		 * --no-shconf keeps the same promise: nothing left behind in /run/dpdk. */
		rc |= add(a, "--no-huge");
		rc |= add(a, "--no-shconf");
		/* Without hugepages EAL's default is far too small for the flow tables. */
		if (!mem)
			mem = 1024;
	} else if (!has_arg(cfg, "--in-memory") && !has_arg(cfg, "--file-prefix")) {
		/* No hugepage files: a killed daemon cannot pin memory that the next run needs. */
		rc |= add(a, "--in-memory");
	}
	if (mem) {
		rc |= add(a, "-m");
		rc |= add(a, "%u", mem);
	}
	for (i = 0; i < cfg->n_ports; i++) {
		if (sl_port_is_vdev(cfg->ports[i].device)) {
			rc |= add(a, "--vdev=%s", cfg->ports[i].device);
		} else {
			rc |= add(a, "-a");
			rc |= add(a, "%s", cfg->ports[i].device);
			any_pci = true;
		}
	}
	if (!any_pci && !has_arg(cfg, "-a") && !has_arg(cfg, "--allow"))
		rc |= add(a, "--no-pci");
	for (i = 0; i < cfg->n_eal_args; i++) {
		if (no_huge && strcmp(cfg->eal_args[i], "--in-memory") == 0)
			continue; /* replaced by --no-shconf above */
		rc |= add(a, "%s", cfg->eal_args[i]);
	}
	return rc ? -ENOSPC : 0;
}
