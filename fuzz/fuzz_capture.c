// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* libFuzzer target: the capture reader on arbitrary files (pcap or pcapng,
 * as libpcap reads them), with the replay's clock and the engine's
 * handling of gaps, out-of-order and absurd timestamps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>

#include "log.h"
#include "replay.h"
#include "settings.h"

static struct xs_settings set;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xs_log_init(XS_LOG_ERROR);
	if (xs_settings_init(&set))
		abort();
	/* Small engine tables: fast iterations, same code paths. */
	set.limits = (struct xs_limits){ .destinations = 64, .pairs = 64, .scan_keys = 64,
					 .sweep_keys = 64, .services = 64, .connections = 64,
					 .alerts = 64, .frag_sources = 64,
					 .prefixes = 64 };
	set.tick_ms = 100;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct xs_replay_stats st;
	FILE *f = fmemopen((void *)data, size, "rb");
	pcap_t *p;

	if (!f)
		return 0;
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fclose(f);
		return 0;
	}
	if (pcap_datalink(p) == DLT_EN10MB)
		xs_replay_dry(p, &set, &st);
	pcap_close(p);	/* closes f */
	return 0;
}
