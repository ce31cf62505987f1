/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluicectl_args.h"

json_t *sl_ctl_arg_value(const char *text)
{
	size_t n = strlen(text);
	json_t *v;

	/* Let the JSON grammar decide what a number is: "007", "0x10",
	 * "1.2.3" and "inf" stay strings, exactly as a JSON reader would
	 * refuse them as numbers. Padding is meaningful to the user, so
	 * " 5" stays a string although JSON would skip the space. */
	if (n && !isspace((unsigned char)text[0]) && !isspace((unsigned char)text[n - 1])) {
		v = json_loads(text, JSON_DECODE_ANY, NULL);
		if (v && (json_is_number(v) || json_is_boolean(v)))
			return v;
		json_decref(v);
	}
	return json_string(text);
}

int sl_ctl_args_parse(int argc, char *const argv[], json_t **args, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj, *val;
	const char *eq;
	char key[256];
	size_t klen;
	int i, raw;

	*args = NULL;
	obj = json_object();
	if (!obj)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		eq = strchr(argv[i], '=');
		if (!eq) {
			snprintf(err, errlen, "argument \"%s\" is not key=value", argv[i]);
			goto bad;
		}
		klen = (size_t)(eq - argv[i]);
		raw = klen > 0 && argv[i][klen - 1] == ':';
		if (raw)
			klen--;
		if (klen == 0 || klen >= sizeof(key)) {
			snprintf(err, errlen, "argument \"%s\" has an empty or too long key", argv[i]);
			goto bad;
		}
		memcpy(key, argv[i], klen);
		key[klen] = '\0';
		if (json_object_get(obj, key)) {
			snprintf(err, errlen, "key \"%s\" given twice", key);
			goto bad;
		}
		if (raw) {
			val = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
			if (!val) {
				snprintf(err, errlen, "argument \"%s\": invalid JSON after \":=\": %s",
					 argv[i], jerr.text);
				goto bad;
			}
		} else {
			val = sl_ctl_arg_value(eq + 1);
			if (!val) {
				snprintf(err, errlen, "argument \"%s\" is not valid UTF-8", argv[i]);
				goto bad;
			}
		}
		/* json_object_set_new fails on a key that is not UTF-8. */
		if (json_object_set_new(obj, key, val) < 0) {
			snprintf(err, errlen, "argument \"%s\": key is not valid UTF-8", argv[i]);
			goto bad;
		}
	}
	*args = obj;
	return 0;
bad:
	json_decref(obj);
	return -EINVAL;
}
