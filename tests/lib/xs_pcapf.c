// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <pcap/pcap.h>

#include "xs_pcapf.h"

struct xs_pcapf {
	struct bpf_program prog;
};

struct xs_pcapf *xs_pcapf_new(const char *expr)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	struct xs_pcapf *f = calloc(1, sizeof(*f));

	if (!pd || !f || pcap_compile(pd, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		printf("\n  bad filter '%s': %s", expr, pd ? pcap_geterr(pd) : "no memory");
		free(f);
		f = NULL;
	}
	if (pd)
		pcap_close(pd);
	return f;
}

int xs_pcapf_match(struct xs_pcapf *f, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };

	return pcap_offline_filter(&f->prog, &h, frame) != 0;
}

void xs_pcapf_free(struct xs_pcapf *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
