// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "sizes.h"

void xs_sizes_default(struct xs_sizes *s)
{
	s->dst_entries = 65536;
	s->src_entries = 65536;
	s->flow_entries = 262144;
	s->ringbuf_bytes = 4u << 20;
}

__u32 xs_table_buckets(__u32 entries)
{
	__u32 n = (entries + 11) / 12;

	return n < 8 ? 8 : n;
}

__u32 xs_flow_buckets(__u32 entries)
{
	__u32 n = (entries + 7) / 8;

	return n < 8 ? 8 : n;
}
