/* SPDX-License-Identifier: BSD-3-Clause */
/* Config equality, driven by the key table: a new key is compared without touching this file. */
#include <string.h>

#include "config_internal.h"

static int scope_equal(const char *scope, const uint8_t *a, const uint8_t *b)
{
	char es[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys, *k;
	const uint8_t *ea, *eb;
	uint32_t ca, cb, j;
	size_t n, i;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (!sl_cfg_key_in_scope(k, scope))
			continue;
		if (k->type != SL_CFG_LIST) {
			if (!sl_cfg_key_equal(k, a, b))
				return 0;
			continue;
		}
		ea = sl_cfg_list_elems(k, a, &ca);
		eb = sl_cfg_list_elems(k, b, &cb);
		if (ca != cb || ca > k->max_count || (ca && (!ea || !eb)))
			return 0;
		sl_cfg_elem_scope(k, es, sizeof(es));
		for (j = 0; j < ca; j++)
			if (!scope_equal(es, ea + (size_t)j * k->size, eb + (size_t)j * k->size))
				return 0;
	}
	return 1;
}

int sl_config_equal(const struct sl_config *a, const struct sl_config *b)
{
	if (!a || !b)
		return a == b;
	return scope_equal("", (const uint8_t *)a, (const uint8_t *)b);
}
