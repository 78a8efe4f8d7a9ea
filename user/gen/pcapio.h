/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Ethernet captures through libpcap, behind a small API: <pcap/pcap.h>
 * and <linux/bpf.h> (libbpf, libxdp) both define struct bpf_insn and
 * cannot meet in one file. Timestamps are nanoseconds since the epoch.
 */
#ifndef XS_PCAPIO_H
#define XS_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

struct xs_pcap_in;
struct xs_pcap_out;

/* Opens a pcap or pcapng file; it must be Ethernet. On failure returns
 * NULL with a one-line reason in err. */
struct xs_pcap_in *xs_pcap_in_open(const char *path, char *err, size_t errlen);
/* The next frame: 1, 0 at the end, -1 on a read error (see
 * xs_pcap_in_error; a truncated file ends this way). data is valid until
 * the next call. */
int xs_pcap_in_next(struct xs_pcap_in *in, const uint8_t **data, uint32_t *caplen,
		    uint32_t *len, uint64_t *ts_ns);
const char *xs_pcap_in_error(struct xs_pcap_in *in);
void xs_pcap_in_close(struct xs_pcap_in *in);

/* Creates an Ethernet pcap with nanosecond timestamps. */
struct xs_pcap_out *xs_pcap_out_open(const char *path, char *err, size_t errlen);
void xs_pcap_out_write(struct xs_pcap_out *out, uint64_t ts_ns, const uint8_t *data,
		       uint32_t len);
/* Flushes and closes; returns 0 or -1 if anything failed to be written. */
int xs_pcap_out_close(struct xs_pcap_out *out);

#endif
