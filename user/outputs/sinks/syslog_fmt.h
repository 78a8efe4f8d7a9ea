/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Syslog message formats (RFC 5424, RFC 3164 for the local socket, RFC
 * 6587 octet counting), separate from the sockets so tests check bytes. */
#ifndef XS_SYSLOG_FMT_H
#define XS_SYSLOG_FMT_H

#include <stddef.h>

#include "records.h"

/* Our SD-ID: "xdpstream@32473". 32473 is the Private Enterprise Number
 * IANA reserves for documentation (RFC 5612); until the project has its
 * own PEN it is the honest choice, and sd_id: in the config changes it. */
#define XS_SYSLOG_SD_ID "xdpstream@32473"

struct xs_syslog_hdr {
	int facility;		/* 0..23 */
	const char *hostname;
	const char *app_name;
	int pid;
	const char *sd_id;
};

/* The facility named s (kern, user, ..., local7), or -1. */
int xs_syslog_facility(const char *s);
/* Syslog severity (0 emerg .. 7 debug) for an alert: see docs/outputs.md. */
int xs_syslog_severity(const struct xs_alert_out *a);

/* Formats one message into a malloc'ed string (*out, length returned), or
 * returns -1. rfc5424: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID
 * MSGID [SD] MSG with the alert's JSON as MSG; otherwise the BSD form
 * "<PRI>Mmm dd hh:mm:ss APP[PID]: MSG" that local syslog daemons parse.
 * frame: prefix the RFC 6587 octet count ("LEN ").*/
long xs_syslog_format(const struct xs_syslog_hdr *h, const struct xs_alert_out *a, int rfc5424,
		      int frame, char **out);

#endif
