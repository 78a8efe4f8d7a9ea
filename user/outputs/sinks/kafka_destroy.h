/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Destroying a librdkafka client without waiting on absent brokers.
 * rd_kafka_destroy() of a client whose brokers are away can take tens of
 * seconds (seen: ~45 s for a producer after a transaction aborted with the
 * link cut, and for a sensor's exit with the fleet consumer's link cut):
 * the daemon's exit or a reload must not wait that long while the kernel
 * counts with no daemon behind it.
 */
#ifndef XS_KAFKA_DESTROY_H
#define XS_KAFKA_DESTROY_H

#include <stdbool.h>
#include <librdkafka/rdkafka.h>

/* rd_kafka_destroy_flags(rk, flags) on a thread of its own, waited for at
 * most wait_s; past that it is left to finish on its own (or to the
 * exiting process) and a warning names `what`. True if it finished. */
bool xs_kafka_destroy_within(rd_kafka_t *rk, int flags, double wait_s, const char *what);

#endif
