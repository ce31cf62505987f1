/* SPDX-License-Identifier: BSD-3-Clause */
#include "drop_reason.h"

#define SL_DROP_STR(name, str) [SL_DROP_##name] = str,
static const char *const names[SL_DROP__MAX] = { SL_DROP_REASONS(SL_DROP_STR) };

const char *sl_drop_reason_name(enum sl_drop_reason r)
{
	return (unsigned)r < SL_DROP__MAX ? names[r] : "invalid";
}
