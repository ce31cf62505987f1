/* SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

static enum sl_log_level max_level = SL_LOG_INFO;
static bool to_syslog;

void sl_log_setup(enum sl_log_level level, bool use_syslog)
{
	max_level = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("sluiced", LOG_PID, LOG_DAEMON);
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { [SL_LOG_ERR] = "error", [SL_LOG_WARN] = "warning",
					     [SL_LOG_INFO] = "info", [SL_LOG_DEBUG] = "debug" };
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	if (to_syslog) {
		vsyslog((int)level, fmt, ap);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld sluiced %s: ", when, ts.tv_nsec / 1000000, names[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
