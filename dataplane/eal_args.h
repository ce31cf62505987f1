/* SPDX-License-Identifier: BSD-3-Clause */
/* The EAL command line sluiced derives from its config, so operators write one file, not two. */
#ifndef SLUICE_EAL_ARGS_H
#define SLUICE_EAL_ARGS_H

#include <stdbool.h>

#include "../config/config.h"

#define SL_EAL_ARGV_MAX (SL_MAX_EAL_ARGS + 2 * SL_MAX_PORTS + 16)

struct sl_eal_argv {
	int argc;
	char *argv[SL_EAL_ARGV_MAX + 1];
	char store[8192];  /* backing text for generated arguments */
	unsigned used;
};

/*
 * Fill @a from @cfg: lcores (main + workers), --in-memory (so a killed daemon
 * leaves no hugepage files), --no-huge when the config or @force_no_huge asks,
 * -m, --vdev / -a for the data ports, --no-pci when no port is PCI, then the
 * config's own eal.args verbatim. Returns 0 or -ENOSPC.
 */
int sl_eal_argv_build(const struct sl_config *cfg, bool force_no_huge, struct sl_eal_argv *a);

#endif
