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

#include "xdpstream.skel.h"
#include "loader.h"
#include "xs_abi.h"
#include "loader_int.h"
#include "log.h"
#include "siphash.h"

static int size_maps(struct xdpstream_bpf *skel, const struct xs_sizes *sz)
{
	__u32 db = xs_table_buckets(sz->dst_entries), sb = xs_table_buckets(sz->src_entries);
	__u64 regions = (__u64)libbpf_num_possible_cpus() * XS_GENS;
	int err;

	if (regions * db * XS_TABLE_WAYS > UINT32_MAX || regions * sb * XS_TABLE_WAYS > UINT32_MAX)
		return -E2BIG;
	skel->rodata->xs_dst_buckets = db;
	skel->rodata->xs_src_buckets = sb;
	err = bpf_map__set_max_entries(skel->maps.xs_dtab, regions * db * XS_TABLE_WAYS);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_dtags, regions * db);
	if (!err)	/* each region: its count, then at most every bucket */
		err = bpf_map__set_max_entries(skel->maps.xs_dlist, regions * (db + 1));
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_stab, regions * sb * XS_TABLE_WAYS);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_stags, regions * sb);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_slist, regions * (sb + 1));
	if (!err) {
		__u32 fb = xs_flow_buckets(sz->flow_entries);

		skel->rodata->xs_flow_buckets = fb;
		err = bpf_map__set_max_entries(skel->maps.xs_flowtab, fb);
	}
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xs_events, sz->ringbuf_bytes);
	/* 16 KiB per watched victim, CPU and generation: only with a fleet key. */
	if (!err && sz->fleet_watch)
		err = bpf_map__set_max_entries(skel->maps.xs_fleet_hll, regions * XS_FLEET_WATCH);
	return err;
}

static const char *obj_file;
static void *obj_buf;
static struct xs_secret fixed_secret;
static bool have_fixed_secret;

void xs_bpf_set_secret(const struct xs_secret *s)
{
	have_fixed_secret = s != NULL;
	if (s)
		fixed_secret = *s;
}

/* A random secret (or the fixed one) into b and the program's read-only
 * data; the daemon's tables take the other half. */
static int make_secret(struct xs_bpf *b)
{
	int err = 0;

	if (have_fixed_secret)
		b->secret = fixed_secret;
	else
		err = xs_random_bytes(&b->secret, sizeof(b->secret));
	if (err) {
		xs_err("cannot draw the hashing secret: %s", strerror(-err));
		return err;
	}
	b->skel->rodata->xs_hkey0 = b->secret.k[0];
	b->skel->rodata->xs_hkey1 = b->secret.k[1];
	xs_hash_set_key(b->secret.k[2], b->secret.k[3]);
	return 0;
}

int xs_bpf_store_secret(struct xs_bpf *b)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.xs_secret), &zero, &b->secret,
				BPF_ANY)) {
		xs_err("cannot store the hashing secret: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

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
	if (err)
		xs_err("invalid map size in configuration: %s", strerror(-err));
	else
		err = make_secret(b);
	if (err) {
		xdpstream_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	return err;
}

void xs_report_load_failure(int err)
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
		xs_report_load_failure(err);
		xdpstream_bpf__destroy(b->skel);
		b->skel = NULL;
		return err;
	}
	err = xs_bpf_store_secret(b);
	if (err) {
		xdpstream_bpf__destroy(b->skel);
		b->skel = NULL;
	}
	return err;
}

int xs_bpf_prog_fd(const struct xs_bpf *b)
{
	return bpf_program__fd(b->skel->progs.xdpstream);
}

const char *xs_mode_name(enum xs_attach_mode mode)
{
	switch (mode) {
	case XS_MODE_NATIVE:
		return "native";
	case XS_MODE_SKB:
		return "skb";
	case XS_MODE_HW:
		return "hw";
	default:
		return "auto";
	}
}

int xs_mode_parse(const char *s, enum xs_attach_mode *mode)
{
	if (!strcmp(s, "native"))
		*mode = XS_MODE_NATIVE;
	else if (!strcmp(s, "skb") || !strcmp(s, "generic"))
		*mode = XS_MODE_SKB;
	else if (!strcmp(s, "auto"))
		*mode = XS_MODE_AUTO;
	else
		return -EINVAL;
	return 0;
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
