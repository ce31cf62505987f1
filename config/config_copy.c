/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deep copy, driven by the key table: a shallow copy first, then every
 * pointer the key table knows (calloc'ed lists, strdup'ed string arrays)
 * replaced by a copy of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Forget every pointer a shallow copy shares with its source, so freeing @base never frees the source's. */
static void detach(const char *scope, uint8_t *base)
{
	char es[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys = NULL, *k;
	const uint8_t *elems;
	uint32_t c, j, zero = 0;
	size_t n, i;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (!sl_cfg_key_in_scope(k, scope))
			continue;
		if (k->type == SL_CFG_LIST && k->elem_inline) {
			elems = sl_cfg_list_elems(k, base, &c);
			sl_cfg_elem_scope(k, es, sizeof(es));
			for (j = 0; j < c && j < k->max_count; j++)
				detach(es, (uint8_t *)elems + (size_t)j * k->size);
		} else if (k->type == SL_CFG_LIST) {
			memset(base + k->offset, 0, sizeof(void *));
			memcpy(base + k->aux_offset, &zero, sizeof(zero));
		} else if (k->type == SL_CFG_STR_ARRAY) {
			memset(base + k->offset, 0, (size_t)k->max_count * sizeof(char *));
			memcpy(base + k->aux_offset, &zero, sizeof(zero));
		}
	}
}

/* Give @dst (a detached shallow copy of @src) its own copy of everything @src points to. 0 or -ENOMEM. */
static int fill(const char *scope, uint8_t *dst, const uint8_t *src)
{
	char es[SL_CFG_PATH_LEN];
	const struct sl_cfg_key *keys = NULL, *k;
	const uint8_t *se;
	uint8_t *de;
	char *s, *dup;
	uint32_t c, j;
	size_t n, i;
	int rc;

	keys = sl_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		k = &keys[i];
		if (!sl_cfg_key_in_scope(k, scope))
			continue;
		if (k->type == SL_CFG_LIST) {
			se = sl_cfg_list_elems(k, src, &c);
			if (c > k->max_count || (c && !se))
				return -EINVAL;
			sl_cfg_elem_scope(k, es, sizeof(es));
			if (k->elem_inline) {
				de = dst + k->offset;
			} else if (c) {
				/* Zeroed elements and the count set first: sl_config_free() copes at any failure point. */
				de = calloc(c, k->size);
				if (!de)
					return -ENOMEM;
				memcpy(dst + k->offset, &de, sizeof(de));
				memcpy(dst + k->aux_offset, &c, sizeof(c));
			} else {
				continue;
			}
			for (j = 0; j < c; j++) {
				if (!k->elem_inline) {
					memcpy(de + (size_t)j * k->size, se + (size_t)j * k->size, k->size);
					detach(es, de + (size_t)j * k->size);
				}
				rc = fill(es, de + (size_t)j * k->size, se + (size_t)j * k->size);
				if (rc)
					return rc;
			}
		} else if (k->type == SL_CFG_STR_ARRAY) {
			memcpy(&c, src + k->aux_offset, sizeof(c));
			if (c > k->max_count)
				return -EINVAL;
			memcpy(dst + k->aux_offset, &c, sizeof(c)); /* entries NULL until copied */
			for (j = 0; j < c; j++) {
				memcpy(&s, src + k->offset + (size_t)j * sizeof(char *), sizeof(s));
				if (!s)
					continue;
				dup = strdup(s);
				if (!dup)
					return -ENOMEM;
				memcpy(dst + k->offset + (size_t)j * sizeof(char *), &dup, sizeof(dup));
			}
		}
	}
	return 0;
}

int sl_config_copy(struct sl_config *dst, const struct sl_config *src)
{
	int rc;

	if (!dst || !src || dst == src) {
		if (dst && dst != src)
			memset(dst, 0, sizeof(*dst));
		return -EINVAL;
	}
	memcpy(dst, src, sizeof(*dst));
	detach("", (uint8_t *)dst);
	rc = fill("", (uint8_t *)dst, (const uint8_t *)src);
	if (rc)
		sl_config_free(dst);
	return rc;
}
