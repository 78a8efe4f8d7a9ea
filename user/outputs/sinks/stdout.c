// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* stdout: one JSON line per alert, or the human line when stdout is a
 * terminal (format: auto), or always one or the other. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sink.h"

enum { FMT_AUTO, FMT_JSON, FMT_HUMAN };

struct stdout_sink {
	int format;
	bool human;
};

static int so_configure(struct xs_sink *s, xs_node n)
{
	static const char *const formats[] = { "auto", "json", "human", NULL };
	struct stdout_sink *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	s->priv = p;
	if (xs_node_present(n))
		return xs_cfg_enum(n, "format", formats, &p->format);
	return 0;
}

static int so_open(struct xs_sink *s)
{
	struct stdout_sink *p = s->priv;

	p->human = p->format == FMT_HUMAN || (p->format == FMT_AUTO && isatty(STDOUT_FILENO));
	s->st.up = true;
	return 0;
}

static void so_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct stdout_sink *p = s->priv;
	const char *line = p->human && a->human ? a->human : a->json;

	/* A closed pipe (EPIPE) or a full disk counts as failed; the daemon
	 * goes on (SIGPIPE is ignored while the outputs are open). */
	if (printf("%s\n", line) < 0 || fflush(stdout)) {
		s->st.failed++;
		clearerr(stdout);
		return;
	}
	s->st.sent++;
}

static void so_close(struct xs_sink *s)
{
	fflush(stdout);
	s->st.up = false;
}

const struct xs_sink_ops xs_sink_stdout = {
	.type = "stdout",
	.configure = so_configure,
	.open = so_open,
	.alert = so_alert,
	.close = so_close,
};
