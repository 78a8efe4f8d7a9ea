/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One logger for xdpstream, libbpf and libxdp. */
#ifndef XS_LOG_H
#define XS_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum xs_log_level { XS_LOG_ERROR = 0, XS_LOG_WARN, XS_LOG_INFO, XS_LOG_DEBUG };

void xs_log_init(enum xs_log_level level);
void xs_log_set_level(enum xs_log_level level);
enum xs_log_level xs_log_get_level(void);
void xs_log(enum xs_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last lines libbpf/libxdp printed (whatever the level), kept so that a
 * verifier rejection can show the tail of the verifier log. */
void xs_log_print_lib_tail(int max_lines);
/* A library's message (libxdp's print callback, set up by the loader):
 * kept in the tail; shown at debug level, warnings just above info. */
int xs_log_lib(bool warn, const char *fmt, va_list ap);
void xs_log_clear_lib_tail(void);

#define xs_err(...) xs_log(XS_LOG_ERROR, __VA_ARGS__)
#define xs_warn(...) xs_log(XS_LOG_WARN, __VA_ARGS__)
#define xs_info(...) xs_log(XS_LOG_INFO, __VA_ARGS__)
#define xs_dbg(...) xs_log(XS_LOG_DEBUG, __VA_ARGS__)

#endif
