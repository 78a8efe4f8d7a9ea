/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one name this host goes by in alerts, syslog and Kafka. */
#ifndef XS_HOSTNAME_H
#define XS_HOSTNAME_H

/* gethostname(), read once; "localhost" if the host has no name. */
const char *xs_hostname(void);

/* The configured name when there is one, else this host's. */
static inline const char *xs_hostname_or(const char *configured)
{
	return configured && configured[0] ? configured : xs_hostname();
}

#endif
