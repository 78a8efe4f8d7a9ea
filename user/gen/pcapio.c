// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "pcapio.h"

struct xs_pcap_in {
	pcap_t *pc;
};

struct xs_pcap_out {
	pcap_t *pd;
	pcap_dumper_t *d;
};

struct xs_pcap_in *xs_pcap_in_open(const char *path, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct xs_pcap_in *in;
	pcap_t *pc;

	/* Nanosecond precision: libpcap scales microsecond files up. */
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		snprintf(err, errlen, "%s", errbuf);
		return NULL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(pc));

		snprintf(err, errlen, "link type %s: only Ethernet captures are supported",
			 name ? name : "unknown");
		pcap_close(pc);
		return NULL;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, errlen, "out of memory");
		pcap_close(pc);
		return NULL;
	}
	in->pc = pc;
	return in;
}

int xs_pcap_in_next(struct xs_pcap_in *in, const uint8_t **data, uint32_t *caplen,
		    uint32_t *len, uint64_t *ts_ns)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(in->pc, &h, &d);

	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1)
		return -1;
	*data = d;
	*caplen = h->caplen;
	*len = h->len;
	/* tv_usec holds nanoseconds at nanosecond precision. */
	*ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
	return 1;
}

const char *xs_pcap_in_error(struct xs_pcap_in *in)
{
	return pcap_geterr(in->pc);
}

void xs_pcap_in_close(struct xs_pcap_in *in)
{
	if (!in)
		return;
	pcap_close(in->pc);
	free(in);
}

struct xs_pcap_out *xs_pcap_out_open(const char *path, char *err, size_t errlen)
{
	struct xs_pcap_out *out = calloc(1, sizeof(*out));

	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	out->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (out->pd)
		out->d = pcap_dump_open(out->pd, path);
	if (!out->d) {
		snprintf(err, errlen, "%s", out->pd ? pcap_geterr(out->pd) : "out of memory");
		if (out->pd)
			pcap_close(out->pd);
		free(out);
		return NULL;
	}
	return out;
}

void xs_pcap_out_write(struct xs_pcap_out *out, uint64_t ts_ns, const uint8_t *data,
		       uint32_t len)
{
	struct pcap_pkthdr h = {};

	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ULL);	/* nanoseconds */
	h.caplen = h.len = len;
	pcap_dump((u_char *)out->d, &h, data);
}

int xs_pcap_out_close(struct xs_pcap_out *out)
{
	int ret = 0;

	if (pcap_dump_flush(out->d) || ferror(pcap_dump_file(out->d)))
		ret = -1;
	pcap_dump_close(out->d);
	pcap_close(out->pd);
	free(out);
	return ret;
}
