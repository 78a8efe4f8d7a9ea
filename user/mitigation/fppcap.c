// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>

#include "fppcap.h"
#include "log.h"
#include "xs_abi.h"

#define HDR_BYTES 24	/* pcap file header */
#define REC_BYTES 16	/* per-packet record header */

struct xs_fppcap {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t bytes, max_bytes;
	bool full;
};

/* Our files only: 16 hexadecimal digits (an alert id) and ".pcap". */
static bool ours(const char *name)
{
	int i;

	for (i = 0; i < 16; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return !strcmp(name + 16, ".pcap");
}

/* Removes the oldest of our files until fewer than keep are left. */
static void prune(const char *dir, uint32_t keep)
{
	for (;;) {
		char path[512], oldest[512] = "";
		time_t t_old = 0;
		uint32_t n = 0;
		struct dirent *de;
		struct stat st;
		DIR *d = opendir(dir);

		if (!d)
			return;
		while ((de = readdir(d))) {
			if (!ours(de->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st))
				continue;
			n++;
			if (!oldest[0] || st.st_mtime < t_old ||
			    (st.st_mtime == t_old && strcmp(path, oldest) < 0)) {
				t_old = st.st_mtime;
				snprintf(oldest, sizeof(oldest), "%s", path);
			}
		}
		closedir(d);
		if (n < keep || !oldest[0] || unlink(oldest))
			return;
	}
}

struct xs_fppcap *xs_fppcap_open(const char *dir, const char *id, uint64_t max_bytes,
				 uint32_t max_files)
{
	struct xs_fppcap *f = calloc(1, sizeof(*f));
	char path[512];
	FILE *fp;
	int fd;

	if (!f)
		return NULL;
	if (mkdir(dir, 0750) && errno != EEXIST) {
		xs_warn("fingerprint pcap: cannot make %s: %s", dir, strerror(errno));
		goto fail;
	}
	prune(dir, max_files);
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, id);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0 || !(fp = fdopen(fd, "wb"))) {
		xs_warn("fingerprint pcap: cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	f->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, XS_FP_SNAP,
						       PCAP_TSTAMP_PRECISION_NANO);
	f->d = f->dead ? pcap_dump_fopen(f->dead, fp) : NULL;
	if (!f->d) {
		xs_warn("fingerprint pcap: cannot write %s", path);
		fclose(fp);
		if (f->dead)
			pcap_close(f->dead);
		goto fail;
	}
	f->bytes = HDR_BYTES;
	f->max_bytes = max_bytes;
	return f;
fail:
	free(f);
	return NULL;
}

bool xs_fppcap_write(struct xs_fppcap *f, double ts, const uint8_t *data, uint32_t caplen,
		     uint32_t len)
{
	struct pcap_pkthdr h = {};

	if (!f || f->full)
		return false;
	if (f->bytes + REC_BYTES + caplen > f->max_bytes) {
		f->full = true;
		return false;
	}
	h.ts.tv_sec = (time_t)ts;
	/* Nanosecond precision: tv_usec holds nanoseconds. */
	h.ts.tv_usec = (suseconds_t)((ts - (double)h.ts.tv_sec) * 1e9);
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)f->d, &h, data);
	f->bytes += REC_BYTES + caplen;
	return true;
}

void xs_fppcap_close(struct xs_fppcap *f)
{
	if (!f)
		return;
	pcap_dump_close(f->d);
	pcap_close(f->dead);
	free(f);
}
