/* SPDX-License-Identifier: BSD-3-Clause */
/* Leveled logging for the control side (never called on a worker lcore): stderr, or syslog when asked. */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdbool.h>

enum sl_log_level { SL_LOG_ERR = 3, SL_LOG_WARN = 4, SL_LOG_INFO = 6, SL_LOG_DEBUG = 7 };

/* Messages above @level are suppressed; @use_syslog sends them to syslog(3) instead of stderr. */
void sl_log_setup(enum sl_log_level level, bool use_syslog);

void sl_log(enum sl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
