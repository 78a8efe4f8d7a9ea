// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The sink types, one line each (a sink is one file in this folder with
 * one ops table); `type:` in an output's configuration names one. */
#include "sink.h"

const struct xs_sink_ops *const xs_sink_types[] = {
	&xs_sink_stdout, &xs_sink_file, &xs_sink_syslog, &xs_sink_kafka, &xs_sink_metrics, NULL,
};
