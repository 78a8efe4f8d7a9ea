// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rfc3339.h"
#include "sink.h"
#include "syslog_fmt.h"

static const char *const facilities[24] = {
	"kern",	  "user",   "mail",   "daemon", "auth",	  "syslog", "lpr",    "news",
	"uucp",	  "cron",   "authpriv", "ftp",  "ntp",	  "audit",  "alert",  "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

int xs_syslog_facility(const char *s)
{
	int i;

	for (i = 0; i < 24; i++)
		if (!strcmp(s, facilities[i]))
			return i;
	return -1;
}

int xs_syslog_severity(const struct xs_alert_out *a)
{
	/* The end of an attack is news, not an emergency. */
	if (a->action && !strcmp(a->action, "end"))
		return 5;	/* notice */
	if (a->severity >= 90)
		return 2;	/* crit */
	if (a->severity >= 70)
		return 3;	/* err */
	if (a->severity >= 40)
		return 4;	/* warning */
	return 5;		/* notice */
}

/* PARAM-VALUE escaping (RFC 5424 6.3.3): '"', '\' and ']' get a backslash. */
static void sd_param(FILE *f, const char *name, const char *v)
{
	if (!v || !*v)
		return;
	fprintf(f, " %s=\"", name);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\' || *v == ']')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

/* Header fields are PRINTUSASCII without spaces, at most max characters;
 * anything else becomes '_' so the header always parses. */
static void hdr_field(FILE *f, const char *v, int max)
{
	int i;

	if (!v || !*v) {
		fputc('-', f);
		return;
	}
	for (i = 0; i < max && v[i]; i++)
		fputc(v[i] > 32 && v[i] < 127 ? v[i] : '_', f);
}

long xs_syslog_format(const struct xs_syslog_hdr *h, const struct xs_alert_out *a, int rfc5424,
		      int frame, char **out)
{
	int pri = h->facility * 8 + xs_syslog_severity(a);
	char *msg = NULL, ts[40], port[16];
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);

	if (!f)
		return -1;
	if (rfc5424) {
		xs_rfc3339(a->ts, 6, ts, sizeof(ts));
		fprintf(f, "<%d>1 %s ", pri, ts);
		hdr_field(f, h->hostname, 255);
		fputc(' ', f);
		hdr_field(f, h->app_name, 48);
		fprintf(f, " %d ", h->pid);
		hdr_field(f, a->rule, 32);
		fprintf(f, " [%s", h->sd_id);
		sd_param(f, "rule", a->rule);
		sd_param(f, "action", a->action);
		sd_param(f, "event_id", a->event_id);
		sd_param(f, "attacker", a->src_ip);
		sd_param(f, "victim", a->dst_ip);
		if (a->dst_port >= 0) {
			snprintf(port, sizeof(port), "%d", a->dst_port);
			sd_param(f, "victim_port", port);
		}
		snprintf(port, sizeof(port), "%d", a->severity);
		sd_param(f, "severity", port);
		fprintf(f, "] %s", a->json);
	} else {
		time_t sec = (time_t)a->ts;
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		fprintf(f, "<%d>%s ", pri, ts);
		hdr_field(f, h->app_name, 48);
		fprintf(f, "[%d]: %s", h->pid, a->json);
	}
	if (fclose(f)) {
		free(msg);
		return -1;
	}
	if (frame) {
		char *framed = NULL;
		int n = asprintf(&framed, "%zu %s", len, msg);

		free(msg);
		if (n < 0)
			return -1;
		msg = framed;
		len = n;
	}
	*out = msg;
	return (long)len;
}
