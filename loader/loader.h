/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Opens and loads the XDP object, attaches it to interfaces through libxdp
 * (dispatcher, or the single-program fallback where the kernel refuses
 * freplace), pins its maps, and undoes all of it.
 *
 * No libxdp type appears here: only loader/attach.c and loader/instance.c,
 * which attach and detach, include libxdp.
 */
#ifndef XS_LOADER_H
#define XS_LOADER_H

#include <stdbool.h>
#include <net/if.h>

#include "exitcode.h"
#include "sizes.h"
#include "xs_abi.h"

#define XS_MAX_IFACES 16
#define XS_PIN_DIR_DEFAULT "/sys/fs/bpf/xdpstream"

struct xdpstream_bpf;
struct xdp_program;

/* How the program is attached (libxdp's enum xdp_attach_mode, same order). */
enum xs_attach_mode {
	XS_MODE_AUTO = 0,	/* native if the driver can, else skb */
	XS_MODE_NATIVE,
	XS_MODE_SKB,
	XS_MODE_HW,
};

struct xs_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	enum xs_attach_mode mode;	/* mode actually in use */
	bool attached;
	bool dispatcher;		/* through libxdp's dispatcher (else alone) */
};

struct xs_bpf {
	struct xdpstream_bpf *skel;
	struct xdp_program *prog;	/* NULL when loaded without attach */
	struct xs_iface ifaces[XS_MAX_IFACES];
	int nifaces;
	char pin_dir[256];		/* empty when not pinned */
	bool keep;			/* on close: stay attached, keep the pins */
	struct xs_secret secret;	/* the instance's hashing secret */
};

/* Open the object, size the maps, load it (no attach): replay and tests.
 * Returns 0 or a negative errno; on failure the error was logged. */
int xs_bpf_load(struct xs_bpf *b, const struct xs_sizes *sz);

/* Open and size the object for attaching; the first xs_bpf_attach() loads
 * it (libxdp must load it itself to use its dispatcher). */
int xs_bpf_open(struct xs_bpf *b, const struct xs_sizes *sz);

/* Use the ELF object at path instead of the built-in program (same maps
 * and program names), for every later xs_bpf_open(). */
void xs_bpf_set_object_file(const char *path);

/* The hashing secret (struct xs_secret) of the next xs_bpf_open() or
 * xs_bpf_load(), instead of a random one: replay derives it from the
 * capture so that its output is the same on every run. NULL: random
 * again. xs_bpf_open() also keys the daemon's own tables with it
 * (siphash.h), and xs_bpf_adopt() with the adopted program's. */
void xs_bpf_set_secret(const struct xs_secret *s);

/* Attach to one interface. force: replace a foreign XDP program.
 * Returns 0 or a negative xs_exit code (-XS_EXIT_*), with the error
 * already logged as one line saying what to do. */
int xs_bpf_attach(struct xs_bpf *b, const char *ifname, enum xs_attach_mode mode, bool force);

/* Pin every map under dir (created if missing). */
int xs_bpf_pin(struct xs_bpf *b, const char *dir);

/* Detach from every interface, unpin, free (with b->keep: leave the
 * program attached and the maps pinned). Safe on a partial setup. */
void xs_bpf_close(struct xs_bpf *b);

int xs_bpf_prog_fd(const struct xs_bpf *b);

/* Does any interface use libxdp's dispatcher? (Detaching from it needs
 * CAP_SYS_ADMIN; a program attached alone needs only CAP_NET_ADMIN.) */
bool xs_bpf_uses_dispatcher(const struct xs_bpf *b);

/* Pre-flight checks, each logging one line with the remedy. */
int xs_check_privileges(void);
int xs_check_bpffs(const char *pin_dir);

const char *xs_mode_name(enum xs_attach_mode mode);
int xs_mode_parse(const char *s, enum xs_attach_mode *mode);

#endif
