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
int cmd_replay(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_unblock(int argc, char **argv);
int cmd_limit(int argc, char **argv);
int cmd_unlimit(int argc, char **argv);
int cmd_blocks(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_gen(int argc, char **argv);

int cmd_emit(int argc, char **argv);

#endif
