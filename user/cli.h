/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Subcommands of the xdpstream binary: one file each, one table entry. */
#ifndef XS_CLI_H
#define XS_CLI_H

struct xs_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_gen(int argc, char **argv);

/* Parses a non-negative integer flag value in [min, max]; on error logs
 * "--flag: ..." and returns -1. */
int xs_parse_u64(const char *flag, const char *s, unsigned long long min,
		 unsigned long long max, unsigned long long *out);

#endif
