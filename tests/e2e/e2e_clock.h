/* SPDX-License-Identifier: BSD-3-Clause */
/* The e2e tools' one clock: monotonic milliseconds, immune to wall-clock steps during a test. */
#ifndef SLUICE_E2E_CLOCK_H
#define SLUICE_E2E_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since an arbitrary fixed point. Thread-safe. */
static inline int64_t e2e_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
