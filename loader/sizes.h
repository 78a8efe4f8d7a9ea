/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The sizes of the XDP program's tables, from the configuration. Read by
 * the settings, the engine and the status page, which need no loader. */
#ifndef XS_SIZES_H
#define XS_SIZES_H

#include <linux/types.h>

struct xs_sizes {
	__u32 dst_entries;	/* destinations per CPU per tick (rounded up to 2^n) */
	__u32 src_entries;	/* sources per CPU per tick (rounded up to 2^n) */
	__u32 flow_entries;
	__u32 ringbuf_bytes;	/* power of two, >= page size */
	__u32 fleet_watch;	/* victims with a fleet sketch (0: none, no memory for them) */
};

void xs_sizes_default(struct xs_sizes *s);
/* Buckets of XS_TABLE_WAYS slots for a per-address table of this many
 * entries: 12 keys a bucket on average at that fill, so that few buckets
 * overflow (about 2 % of the keys at the configured size, none at three
 * quarters of it); at least 8. */
__u32 xs_table_buckets(__u32 entries);
/* Buckets of XS_FLOW_WAYS entries for the flow table; at least 8. */
__u32 xs_flow_buckets(__u32 entries);

#endif
