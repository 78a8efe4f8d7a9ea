// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attaching and detaching through libxdp: the only part of the loader
 * (with instance.c, which adopts and detaches what a run left attached)
 * that includes libxdp.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "xdpstream.skel.h"
#include "loader_int.h"
#include "log.h"

/* libxdp's messages go to the one logger (and its tail of library lines).
 * Hooked here, where libxdp is linked in, so that the logger needs no
 * libxdp: a constructor runs before any libxdp call of the program. */
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return xs_log_lib(level == LIBXDP_WARN, fmt, ap);
}

__attribute__((constructor)) static void route_libxdp_log(void)
{
	libxdp_set_print(libxdp_print);
}

int xs_mode_to_xdp(enum xs_attach_mode mode)
{
	switch (mode) {
	case XS_MODE_NATIVE:
		return XDP_MODE_NATIVE;
	case XS_MODE_SKB:
		return XDP_MODE_SKB;
	case XS_MODE_HW:
		return XDP_MODE_HW;
	default:
		return XDP_MODE_UNSPEC;
	}
}

enum xs_attach_mode xs_mode_from_xdp(int xdp_mode)
{
	switch (xdp_mode) {
	case XDP_MODE_NATIVE:
		return XS_MODE_NATIVE;
	case XDP_MODE_SKB:
		return XS_MODE_SKB;
	case XDP_MODE_HW:
		return XS_MODE_HW;
	default:
		return XS_MODE_AUTO;
	}
}

static bool uses_dispatcher(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool d;

	if (libxdp_get_error(mp) || !mp)
		return false;
	d = !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return d;
}

/* Refuse to step on an XDP program that is already there, unless forced.
 * Returns 0 when the way is clear. */
static int check_existing(const char *ifname, int ifindex, bool force)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p, *main_prog;
	int ret = 0;

	if (libxdp_get_error(mp) || !mp)
		return 0;	/* nothing attached (or unreadable: attach will say) */

	main_prog = xdp_multiprog__main_prog(mp);
	if (!main_prog) {
		xdp_multiprog__close(mp);
		return 0;
	}
	/* A dispatcher shares the interface: look at what it runs. */
	for (p = xdp_multiprog__is_legacy(mp) ? main_prog : xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__is_legacy(mp) ? NULL : xdp_multiprog__next_prog(p, mp)) {
		if (!strcmp(xdp_program__name(p), "xdpstream")) {
			xs_err("%s already runs xdpstream (program id %u): stop the other instance, "
			       "or remove it with 'xdpstream detach -i %s'",
			       ifname, xdp_program__id(p), ifname);
			ret = -XS_EXIT_BUSY;
			goto out;
		}
	}
	if (!xdp_multiprog__is_legacy(mp))
		goto out;	/* libxdp adds us to the dispatcher: no replacement */
	if (!force) {
		xs_err("%s already has XDP program '%s' (id %u) attached: remove it "
		       "('xdp-loader unload %s --all') or pass --force to replace it",
		       ifname, xdp_program__name(main_prog), xdp_program__id(main_prog), ifname);
		ret = -XS_EXIT_BUSY;
		goto out;
	}
	xs_warn("replacing XDP program '%s' (id %u) on %s (--force)",
		xdp_program__name(main_prog), xdp_program__id(main_prog), ifname);
	if (xdp_multiprog__detach(mp)) {
		xs_err("cannot remove the XDP program on %s", ifname);
		ret = -XS_EXIT_BUSY;
	}
out:
	xdp_multiprog__close(mp);
	return ret;
}

int xs_bpf_attach(struct xs_bpf *b, const char *ifname, enum xs_attach_mode mode, bool force)
{
	struct xs_iface *ifc;
	char msg[256];
	int ifindex, err;

	if (b->nifaces >= XS_MAX_IFACES) {
		xs_err("too many interfaces (at most %d)", XS_MAX_IFACES);
		return -XS_EXIT_USAGE;
	}
	if (strlen(ifname) >= IF_NAMESIZE || !(ifindex = if_nametoindex(ifname))) {
		xs_err("unknown interface '%s': see 'ip link' for the names on this host", ifname);
		return -XS_EXIT_ENV;
	}
	err = check_existing(ifname, ifindex, force);
	if (err)
		return err;

	if (!b->prog) {
		DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = b->skel->obj,
				    .prog_name = "xdpstream");

		b->prog = xdp_program__create(&opts);
		err = libxdp_get_error(b->prog);
		if (err) {
			b->prog = NULL;
			libxdp_strerror(err, msg, sizeof(msg));
			xs_err("cannot prepare the XDP program: %s", msg);
			return -XS_EXIT_LOAD;
		}
	}
	xs_log_clear_lib_tail();
	err = xdp_program__attach(b->prog, ifindex, xs_mode_to_xdp(mode), 0);
	if (err) {
		if (xdp_program__fd(b->prog) < 0) {
			xs_report_load_failure(err);
			return err == -EPERM ? -XS_EXIT_PERM : -XS_EXIT_LOAD;
		}
		libxdp_strerror(err, msg, sizeof(msg));
		if (err == -EOPNOTSUPP && mode == XS_MODE_NATIVE)
			xs_err("%s does not support native XDP: use --mode skb (or auto)", ifname);
		else if (err == -EEXIST || err == -EBUSY)
			xs_err("%s is busy with another XDP program: %s", ifname, msg);
		else if (err == -EPERM)
			xs_err("not allowed to attach to %s: run as root", ifname);
		else
			xs_err("cannot attach to %s in %s mode: %s", ifname, xs_mode_name(mode), msg);
		return err == -EPERM ? -XS_EXIT_PERM : -XS_EXIT_BUSY;
	}
	ifc = &b->ifaces[b->nifaces++];
	snprintf(ifc->name, sizeof(ifc->name), "%s", ifname);
	ifc->ifindex = ifindex;
	ifc->mode = xs_mode_from_xdp(xdp_program__is_attached(b->prog, ifindex));
	ifc->attached = true;
	ifc->dispatcher = uses_dispatcher(ifindex);
	/* Loaded by the first attach: keep the secret for an adopter (on
	 * failure the caller detaches, as from any failed setup). */
	if (b->nifaces == 1 && xs_bpf_store_secret(b))
		return -XS_EXIT_FAIL;
	return 0;
}

bool xs_bpf_uses_dispatcher(const struct xs_bpf *b)
{
	int i;

	for (i = 0; i < b->nifaces; i++)
		if (b->ifaces[i].attached && b->ifaces[i].dispatcher)
			return true;
	return false;
}

/* A program attached alone is removed with the netlink call itself, and
 * only if it is still ours (XDP_FLAGS_REPLACE): that needs CAP_NET_ADMIN
 * only, so it works after the daemon dropped CAP_SYS_ADMIN. The
 * dispatcher is libxdp's business. */
static int detach_one(struct xs_bpf *b, const struct xs_iface *ifc)
{
	DECLARE_LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = xdp_program__fd(b->prog));
	__u32 flags = XDP_FLAGS_REPLACE;

	if (ifc->dispatcher || opts.old_prog_fd < 0)
		return xdp_program__detach(b->prog, ifc->ifindex, xs_mode_to_xdp(ifc->mode), 0);
	flags |= ifc->mode == XS_MODE_SKB ? XDP_FLAGS_SKB_MODE :
		 ifc->mode == XS_MODE_HW  ? XDP_FLAGS_HW_MODE :
					     XDP_FLAGS_DRV_MODE;
	return bpf_xdp_attach(ifc->ifindex, -1, flags, &opts);
}

void xs_bpf_close(struct xs_bpf *b)
{
	struct bpf_map *m;
	int i;

	for (i = 0; i < b->nifaces && !b->keep; i++) {
		struct xs_iface *ifc = &b->ifaces[i];

		if (!ifc->attached)
			continue;
		if (detach_one(b, ifc))
			xs_warn("could not detach from %s; remove it with "
				"'xdp-loader unload %s --all'",
				ifc->name, ifc->name);
		ifc->attached = false;
	}
	if (b->pin_dir[0] && b->skel && !b->keep) {
		bpf_object__for_each_map(m, b->skel->obj)
			if (!bpf_map__is_internal(m))
				bpf_map__unpin(m, NULL);
		rmdir(b->pin_dir);
		b->pin_dir[0] = '\0';
	}
	if (b->prog) {
		xdp_program__close(b->prog);
		b->prog = NULL;
	}
	if (b->skel) {
		xdpstream_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	b->nifaces = 0;
}

