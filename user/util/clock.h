/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The two clocks the daemon reads. CLOCK_MONOTONIC is what the XDP
 * program's bpf_ktime_get_ns() returns, so deadlines shared with the
 * kernel (block TTLs, event budgets) use it; CLOCK_REALTIME is only for
 * timestamps that people and other hosts read. */
#ifndef XS_CLOCK_H
#define XS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t xs_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double xs_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double xs_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
