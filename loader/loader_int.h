/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared by loader.c, attach.c and instance.c only. */
#ifndef XS_LOADER_INT_H
#define XS_LOADER_INT_H

#include "loader.h"

/* The kernel refused the program: says why, with the verifier log's tail. */
void xs_report_load_failure(int err);

/* Writes b->secret into the loaded program's xs_secret map, for a daemon
 * that adopts it later. */
int xs_bpf_store_secret(struct xs_bpf *b);

/* libxdp's enum xdp_attach_mode <-> ours, as ints so that this header
 * needs no libxdp. */
int xs_mode_to_xdp(enum xs_attach_mode mode);
enum xs_attach_mode xs_mode_from_xdp(int xdp_mode);

#endif
