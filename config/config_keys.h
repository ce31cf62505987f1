/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config key table: every key sluice accepts, declared once.
 *
 * The parser walks it (types, ranges, defaults, unknown-key detection), the
 * reference docs/config.md is generated from it, and the control socket can
 * ask it whether a key may change on reload. Adding a key means adding one
 * row here and a field in struct sl_config; nothing else.
 *
 * Paths use "[]" for list elements: "vips.[].backends.[].weight". In error
 * messages the "[]" carries the element index: "vips.[1].backends.[0].weight".
 *
 * The table is const: every function here is thread-safe.
 */
#ifndef SLUICE_CONFIG_KEYS_H
#define SLUICE_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sl_cfg_type {
	SL_CFG_GROUP,      /* { ... }: keys of the same struct */
	SL_CFG_LIST,       /* ( { ... }, ... ): each element a new struct (port, VIP, backend) */
	SL_CFG_BOOL,
	SL_CFG_UINT,       /* integer in min..max, stored in `size` bytes */
	SL_CFG_STRING,     /* at most max bytes, into char[size]; one of `choices` if set */
	SL_CFG_CHOICE,     /* string from `choices`, stored as its integer value in `size` bytes */
	SL_CFG_FLAGS,      /* [ "a", "b" ]: names from `choices`, OR-ed into a uint32_t */
	SL_CFG_ADDR,       /* IPv4 or IPv6 text into struct sl_ip */
	SL_CFG_MAC,        /* "02:00:00:00:00:fe" into uint8_t[6]; bool at aux_offset set */
	SL_CFG_STR_ARRAY,  /* [ "..." ]: strdup'ed into char *[max_count], count at aux_offset */
	SL_CFG_UINT_ARRAY, /* [ 1, 2 ]: uint32_t[max_count] each in min..max, count at aux_offset */
};

struct sl_cfg_choice {
	const char *name;
	uint32_t value;
};

struct sl_cfg_key {
	const char *parent;     /* schema path of the enclosing group; "" at top level */
	const char *name;
	enum sl_cfg_type type;
	bool required;
	const char *required_if; /* required only under a condition (checked in config_validate.c); docs text */
	bool reloadable;        /* may change on reload without restarting the dataplane */
	bool unicast;           /* SL_CFG_ADDR: reject unspecified, multicast, broadcast */
	uint8_t family;         /* SL_CFG_ADDR: 0 = either, else SL_AF_INET / SL_AF_INET6 */
	int64_t min, max;       /* UINT(_ARRAY) value range; STRING(_ARRAY) max length */
	uint32_t max_count;     /* LIST / *_ARRAY: most elements */
	int64_t def_int;        /* default for BOOL, UINT, CHOICE, FLAGS */
	const char *def_str;    /* default for STRING; shown in docs for every type */
	bool def_computed;      /* def_str only describes a default derived after parsing */
	const struct sl_cfg_choice *choices; /* NULL-name terminated */
	const char *(*check)(int64_t v); /* UINT: extra rule (e.g. prime); returns why not, or NULL */
	size_t offset;          /* field in the struct of the enclosing list element (or sl_config) */
	size_t aux_offset;      /* count (arrays, lists), has-flag (MAC) */
	size_t size;            /* field size; LIST: element size */
	size_t elem_line_offset; /* LIST: offset of `int line` in the element */
	bool elem_inline;       /* LIST: elements live in a fixed array, not a calloc'ed pointer */
	const char *inherits;   /* GROUP: schema path of the group in the enclosing list element whose
				 * values its keys take when not set here ("vips.[].health") */
	const char *doc;        /* one line for the reference */
};

/* The whole table, in document order; @n receives its length. */
const struct sl_cfg_key *sl_cfg_keys(size_t *n);

/*
 * Find a key by path. Accepts schema paths ("vips.[].port") and concrete ones
 * ("vips.[3].port", "vips.web.port": an element index or name is ignored).
 * A path ending in an element ("vips.[3]") finds the list's key.
 * Returns NULL if no such key.
 */
const struct sl_cfg_key *sl_cfg_key_find(const char *path);

/* Schema path of @k ("vips.[].port") into @buf of @len bytes. Returns @buf. */
const char *sl_cfg_key_path(const struct sl_cfg_key *k, char *buf, size_t len);

/*
 * Does key @k hold the same value in @a and @b, two structs of the kind @k's
 * offset is relative to (struct sl_config, a VIP, a backend, a port)?
 * Strings compare up to their NUL, addresses by family and bytes (two unset
 * addresses are equal), MACs by has-flag and then bytes, arrays by count and
 * elements. GROUP and LIST keys return true: their members are keys of their own.
 */
bool sl_cfg_key_equal(const struct sl_cfg_key *k, const void *a, const void *b);

/*
 * Is @k a key of the struct that starts at list-element scope @scope ("" =
 * struct sl_config, "vips.[]" = a VIP)? True for keys whose parent is @scope
 * or a group below it, false for keys inside a deeper list.
 */
bool sl_cfg_key_in_scope(const struct sl_cfg_key *k, const char *scope);

/*
 * Elements of LIST key @k in the struct @base: returns the first element
 * (elements are k->size bytes apart; NULL when there are none) and stores
 * their number in @count.
 */
const void *sl_cfg_list_elems(const struct sl_cfg_key *k, const void *base, uint32_t *count);

/* Scope path of the elements of LIST key @k ("vips.[].backends.[]") into @buf. Returns @buf. */
const char *sl_cfg_elem_scope(const struct sl_cfg_key *k, char *buf, size_t len);

/* Integer value of a UINT/CHOICE/FLAGS field of @size bytes (1, 2 or 4) at @field. */
uint32_t sl_cfg_get_uint(const void *field, size_t size);

/* Human type name for docs ("integer", "string", "list of groups", ...). */
const char *sl_cfg_type_name(enum sl_cfg_type t);

/*
 * Write the Markdown reference table section (the part of docs/config.md
 * between its GENERATED markers) to @out. Returns 0 or -EIO.
 */
int sl_cfg_write_reference(FILE *out);

#endif
