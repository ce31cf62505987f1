/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl-config-check: validate config files without starting the dataplane
 * (CI, pre-deploy), print the built-in demo config, or print the generated
 * key reference that docs/config.md embeds.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"

static int usage(FILE *out)
{
	fputs("usage: sl-config-check FILE...     validate each file; exit 1 if any is invalid\n"
	      "       sl-config-check --default   print the embedded demo config\n"
	      "       sl-config-check --reference print the key reference (Markdown)\n",
	      out);
	return out == stdout ? 0 : 2;
}

static int check(const char *path)
{
	struct sl_config cfg;
	char err[512];
	uint32_t i, nb = 0;
	int rc = sl_config_load_file(path, &cfg, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < cfg.n_vips; i++)
		nb += cfg.vips[i].n_backends;
	printf("%s: ok: %u ports, %u workers, %u VIPs, %u backends\n", path, cfg.n_ports, cfg.n_workers,
	       cfg.n_vips, nb);
	sl_config_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--default") == 0) {
		fputs(sl_config_default_text(), stdout);
		return 0;
	}
	if (strcmp(argv[1], "--reference") == 0)
		return sl_cfg_write_reference(stdout) ? 1 : 0;
	for (i = 1; i < argc; i++)
		bad |= check(argv[i]);
	return bad;
}
