/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A running or kept-attached instance: the XDP programs on this host's
 * interfaces that write the maps pinned in a directory. Lets a new daemon
 * adopt them (restart without a gap) and `xdpstream detach` remove them.
 */
#ifndef XS_INSTANCE_H
#define XS_INSTANCE_H

#include <stdbool.h>
#include <sys/types.h>
#include <net/if.h>

#include "loader.h"

struct xs_instance {
	bool pinned;			/* the pin directory holds our maps */
	unsigned int rt_map_id;		/* id of the pinned xs_rt map */
	int nifaces;
	struct xs_iface ifaces[XS_MAX_IFACES];
	unsigned int prog_id;		/* the program attached (0: none) */
};

/* One daemon per pin directory: takes a lock on the directory itself
 * (created if missing), so it is scoped to that bpffs. Returns the fd to
 * keep open, or a negative xs_exit code after logging why. */
int xs_instance_lock(const char *pin_dir);

/* Looks for pinned maps in pin_dir and for xdpstream programs using them
 * on every interface of this network namespace. */
int xs_instance_find(const char *pin_dir, struct xs_instance *inst);

/* Does the instance run on ifname? */
bool xs_instance_has(const struct xs_instance *inst, const char *ifname);

/* Opens the object reusing the pinned maps, without loading a program of
 * its own, and takes over the attached program (detached later by
 * xs_bpf_close unless kept). */
int xs_bpf_adopt(struct xs_bpf *b, const struct xs_sizes *sz, const char *pin_dir,
		 const struct xs_instance *inst);

/* Opens the map DIR/NAME of a running instance. Returns its fd, or a
 * negative xs_exit code after logging why (ENV: no instance pinned
 * there; PERM: not allowed to open it). */
int xs_open_pinned(const char *dir, const char *name);

/* Reads entry 0 of the pinned map DIR/NAME into val; logs and returns a
 * negative xs_exit code on failure. */
int xs_read_pinned(const char *dir, const char *name, void *val);

/* Removes the pins of a directory (maps stay alive while used). */
void xs_unpin_dir(const char *pin_dir);

/* Detaches every program of the instance and removes its pins. */
int xs_instance_detach(const struct xs_instance *inst, const char *pin_dir);

/* Hands the pin directory and its pins to uid:gid (a daemon that runs
 * as its own user unpins them at exit). */
int xs_pins_chown(const char *pin_dir, uid_t uid, gid_t gid);

#endif
