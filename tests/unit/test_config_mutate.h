/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the config tests: change one key's value in place, whatever its type, through the key table. */
#ifndef SLUICE_TEST_CONFIG_MUTATE_H
#define SLUICE_TEST_CONFIG_MUTATE_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"

/* Scopes whose structs the tests reach: root, first port, first VIP, its first backend. */
static inline void *test_scope_base(struct sl_config *c, const struct sl_cfg_key *k)
{
	if (sl_cfg_key_in_scope(k, ""))
		return c;
	if (sl_cfg_key_in_scope(k, "dataplane.ports.[]"))
		return c->n_ports ? &c->ports[0] : NULL;
	if (sl_cfg_key_in_scope(k, "vips.[]"))
		return c->n_vips ? &c->vips[0] : NULL;
	if (sl_cfg_key_in_scope(k, "vips.[].backends.[]"))
		return c->n_vips && c->vips[0].n_backends ? &c->vips[0].backends[0] : NULL;
	return NULL;
}

/* Make key @k of the struct at @base hold a different value. Returns 0, or -1 for GROUP/LIST keys. */
static inline int test_mutate_key(const struct sl_cfg_key *k, void *base)
{
	uint8_t *p = (uint8_t *)base + k->offset;
	struct sl_ip ip;
	uint32_t n, v;
	char *s;

	switch (k->type) {
	case SL_CFG_BOOL:
		*p = !*p;
		return 0;
	case SL_CFG_UINT:
	case SL_CFG_CHOICE:
	case SL_CFG_FLAGS:
		v = sl_cfg_get_uint(p, k->size) ^ 1;
		if (k->size == 1)
			*p = (uint8_t)v;
		else if (k->size == 2)
			memcpy(p, &(uint16_t){ (uint16_t)v }, 2);
		else
			memcpy(p, &v, 4);
		return 0;
	case SL_CFG_STRING:
		if (!p[0])
			strcpy((char *)p, "x");
		else
			p[0] ^= 1;
		return 0;
	case SL_CFG_ADDR:
		memcpy(&ip, p, sizeof(ip));
		if (!ip.family)
			sl_ip_parse(k->family == SL_AF_INET6 ? "2001:db8::99" : "198.18.9.9", &ip);
		else
			ip.w[3] ^= htonl(1);
		memcpy(p, &ip, sizeof(ip));
		return 0;
	case SL_CFG_MAC:
		((uint8_t *)base)[k->aux_offset] ^= 1;
		return 0;
	case SL_CFG_UINT_ARRAY:
		memcpy(&n, (uint8_t *)base + k->aux_offset, 4);
		if (!n)
			memcpy((uint8_t *)base + k->aux_offset, &(uint32_t){ 1 }, 4);
		memcpy(&v, p, 4);
		v ^= 1;
		memcpy(p, &v, 4);
		return 0;
	case SL_CFG_STR_ARRAY:
		memcpy(&n, (uint8_t *)base + k->aux_offset, 4);
		memcpy(&s, p, sizeof(s));
		free(n ? s : NULL);
		s = strdup("--mutated");
		memcpy(p, &s, sizeof(s));
		if (!n)
			memcpy((uint8_t *)base + k->aux_offset, &(uint32_t){ 1 }, 4);
		return 0;
	default:
		return -1;
	}
}

#endif
