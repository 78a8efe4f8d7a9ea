// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "xdpstream.skel.h"
#include "loader.h"
#include "xs_abi.h"
#include "log.h"

void xs_sizes_default(struct xs_sizes *s)
{
	s->dst_entries = 65536;
	s->src_entries = 65536;
	s->flow_entries = 262144;
	s->ringbuf_bytes = 4u << 20;
}

__u32 xs_table_slots(__u32 entries)
{
	__u32 n = 64;

	while (n < entries && n < (1u << 30))
		n <<= 1;
	return n;
}

static int size_maps(struct xdpstream_bpf *skel, const struct xs_sizes *sz)
{
	__u32 dslots = xs_table_slots(sz->dst_entries), sslots = xs_table_slots(sz->src_entries);
	__u64 regions = (__u64)libbpf_num_possible_cpus() * XS_GENS;
	int err;

	if (regions * dslots > UINT32_MAX || regions * sslots > UINT32_MAX)
		return -E2BIG;
	skel->rodata->xs_dst_mask = dslots - 1;
	skel->rodata->xs_src_mask = sslots - 1;
	err = bpf_map__set_max_entries(skel->maps.xs_dtab, regions * dslots);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_dlist, regions * dslots);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_stab, regions * sslots);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_slist, regions * sslots);
	if (!err) {
		__u32 fslots = xs_table_slots(sz->flow_entries);

		skel->rodata->xs_flow_mask = fslots - 1;
		err = bpf_map__set_max_entries(skel->maps.xs_flowtab, fslots);
	}
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_events, sz->ringbuf_bytes);
	return err;
}

static const char *obj_file;
static void *obj_buf;

void xs_bpf_set_object_file(const char *path)
{
	obj_file = path;
}

/* The skeleton with the ELF from obj_file instead of the built-in one: for
 * developers trying a modified program (and for the verifier test). The
 * file must define the same maps and program. */
static struct xdpstream_bpf *open_skel(void)
{
	struct xdpstream_bpf *obj;
	long n;
	FILE *f;
	int err;

	if (!obj_file)
		return xdpstream_bpf__open();
	f = fopen(obj_file, "rb");
	if (!f) {
		xs_err("cannot read BPF object %s: %s", obj_file, strerror(errno));
		return NULL;
	}
	free(obj_buf);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	obj_buf = n > 0 ? malloc(n) : NULL;
	if (!obj_buf || fread(obj_buf, 1, n, f) != (size_t)n) {
		fclose(f);
		xs_err("cannot read BPF object %s", obj_file);
		return NULL;
	}
	fclose(f);
	obj = calloc(1, sizeof(*obj));
	if (!obj || xdpstream_bpf__create_skeleton(obj)) {
		free(obj);
		return NULL;
	}
	obj->skeleton->data = obj_buf;
	obj->skeleton->data_sz = n;
	err = bpf_object__open_skeleton(obj->skeleton, NULL);
	if (err) {
		xs_err("%s is not an xdpstream BPF object: %s", obj_file, strerror(-err));
		xdpstream_bpf__destroy(obj);
		return NULL;
	}
	return obj;
}

int xs_bpf_open(struct xs_bpf *b, const struct xs_sizes *sz)
{
	int err;

	memset(b, 0, sizeof(*b));
	b->skel = open_skel();
	if (!b->skel) {
		err = errno ? -errno : -EINVAL;
		xs_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = size_maps(b->skel, sz);
	if (err) {
		xs_err("invalid map size in configuration: %s", strerror(-err));
		xdpstream_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	return err;
}

static void report_load_failure(int err)
{
	xs_err("the kernel refused to load the XDP program (%s); tail of the verifier log:",
	       strerror(-err));
	xs_log_print_lib_tail(20);
	if (err == -EPERM)
		xs_err("loading BPF needs root or CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON");
}

int xs_bpf_load(struct xs_bpf *b, const struct xs_sizes *sz)
{
	int err = xs_bpf_open(b, sz);

	if (err)
		return err;
	xs_log_clear_lib_tail();
	err = xdpstream_bpf__load(b->skel);
	if (err) {
		report_load_failure(err);
		xdpstream_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	return err;
}

int xs_bpf_prog_fd(const struct xs_bpf *b)
{
	return bpf_program__fd(b->skel->progs.xdpstream);
}

const char *xs_mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "skb";
	case XDP_MODE_HW:
		return "hw";
	default:
		return "auto";
	}
}

int xs_mode_parse(const char *s, enum xdp_attach_mode *mode)
{
	if (!strcmp(s, "native"))
		*mode = XDP_MODE_NATIVE;
	else if (!strcmp(s, "skb") || !strcmp(s, "generic"))
		*mode = XDP_MODE_SKB;
	else if (!strcmp(s, "auto"))
		*mode = XDP_MODE_UNSPEC;
	else
		return -EINVAL;
	return 0;
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

int xs_bpf_attach(struct xs_bpf *b, const char *ifname, enum xdp_attach_mode mode, bool force)
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
	err = xdp_program__attach(b->prog, ifindex, mode, 0);
	if (err) {
		if (xdp_program__fd(b->prog) < 0) {
			report_load_failure(err);
			return err == -EPERM ? -XS_EXIT_PERM : -XS_EXIT_LOAD;
		}
		libxdp_strerror(err, msg, sizeof(msg));
		if (err == -EOPNOTSUPP && mode == XDP_MODE_NATIVE)
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
	ifc->mode = xdp_program__is_attached(b->prog, ifindex);
	ifc->attached = true;
	ifc->dispatcher = uses_dispatcher(ifindex);
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
		return xdp_program__detach(b->prog, ifc->ifindex, ifc->mode, 0);
	flags |= ifc->mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE :
		 ifc->mode == XDP_MODE_HW  ? XDP_FLAGS_HW_MODE :
					     XDP_FLAGS_DRV_MODE;
	return bpf_xdp_attach(ifc->ifindex, -1, flags, &opts);
}

int xs_bpf_pin(struct xs_bpf *b, const char *dir)
{
	struct bpf_map *m;
	char path[PATH_MAX];
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		xs_err("cannot create %s: %s", dir, strerror(errno));
		return err;
	}
	bpf_object__for_each_map(m, b->skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		/* A leftover pin from a crashed run would make pinning fail;
		 * the caller holds the instance lock, so it is stale. */
		unlink(path);
		err = bpf_map__pin(m, path);
		if (err) {
			xs_err("cannot pin map %s at %s: %s", bpf_map__name(m), path,
			       strerror(-err));
			return err;
		}
	}
	snprintf(b->pin_dir, sizeof(b->pin_dir), "%s", dir);
	return 0;
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

int xs_check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data)) {
		xs_err("cannot read this process's capabilities: %s", strerror(errno));
		return -XS_EXIT_PERM;
	}
	eff = (__u64)data[1].effective << 32 | data[0].effective;
#define HAS(cap) (eff & (1ULL << (cap)))
	if (HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_NET_ADMIN) && HAS(CAP_PERFMON)))
		return 0;
#undef HAS
	xs_err("this needs root (or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON): run it with sudo");
	return -XS_EXIT_PERM;
}

int xs_check_bpffs(const char *pin_dir)
{
	char path[PATH_MAX];
	struct statfs st;
	char *slash;

	/* Check the file system of the nearest existing ancestor. */
	snprintf(path, sizeof(path), "%s", pin_dir);
	while (statfs(path, &st)) {
		slash = strrchr(path, '/');
		if (!slash || slash == path) {
			strcpy(path, "/");
			if (statfs(path, &st))
				return -XS_EXIT_ENV;
			break;
		}
		*slash = '\0';
	}
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	xs_err("no BPF file system at %s (needed to pin maps): mount it with "
	       "'mount -t bpf bpf %s', or pass --pin-dir on a bpffs",
	       path, path);
	return -XS_EXIT_ENV;
}
