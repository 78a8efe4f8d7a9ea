// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "xdpstream.skel.h"
#include "instance.h"
#include "loader_int.h"
#include "log.h"
#include "siphash.h"

/* One instance per pin directory: a lock on the directory itself, held
 * for the daemon's life. Scoped to that bpffs (a namespace's own bpffs is
 * another instance), unlike a lock file in /run. */
int xs_instance_lock(const char *pin_dir)
{
	int fd;

	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		xs_err("cannot create pin directory %s: %s", pin_dir, strerror(errno));
		return -XS_EXIT_ENV;
	}
	fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		xs_err("cannot open pin directory %s: %s", pin_dir, strerror(errno));
		return -XS_EXIT_ENV;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		xs_err("another xdpstream instance is running with pin directory %s: stop it "
		       "first, or pass --pin-dir",
		       pin_dir);
		close(fd);
		return -XS_EXIT_BUSY;
	}
	return fd;
}

/* Does program id use the map with id map_id? */
static bool prog_uses_map(unsigned int prog_id, unsigned int map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64] = {}, i;
	int fd = bpf_prog_get_fd_by_id(prog_id);
	bool found = false;

	if (fd < 0)
		return false;
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (i = 0; i < info.nr_map_ids && i < 64; i++)
			if (ids[i] == map_id)
				found = true;
	close(fd);
	return found;
}

int xs_instance_find(const char *pin_dir, struct xs_instance *inst)
{
	struct if_nameindex *ifs, *it;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	memset(inst, 0, sizeof(*inst));
	snprintf(path, sizeof(path), "%s/xs_rt", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	inst->pinned = true;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		close(fd);
		return -errno;
	}
	close(fd);
	inst->rt_map_id = info.id;

	ifs = if_nameindex();
	for (it = ifs; it && it->if_index; it++) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(it->if_index);
		struct xdp_program *p;
		bool legacy;

		if (libxdp_get_error(mp) || !mp)
			continue;
		legacy = xdp_multiprog__is_legacy(mp);
		for (p = legacy ? xdp_multiprog__main_prog(mp) : xdp_multiprog__next_prog(NULL, mp);
		     p; p = legacy ? NULL : xdp_multiprog__next_prog(p, mp)) {
			struct xs_iface *ifc;

			if (strcmp(xdp_program__name(p), "xdpstream") ||
			    !prog_uses_map(xdp_program__id(p), inst->rt_map_id) ||
			    inst->nifaces >= XS_MAX_IFACES)
				continue;
			ifc = &inst->ifaces[inst->nifaces++];
			snprintf(ifc->name, sizeof(ifc->name), "%s", it->if_name);
			ifc->ifindex = it->if_index;
			ifc->mode = xs_mode_from_xdp(xdp_multiprog__attach_mode(mp));
			ifc->attached = true;
			ifc->dispatcher = !legacy;
			inst->prog_id = xdp_program__id(p);
		}
		xdp_multiprog__close(mp);
	}
	if_freenameindex(ifs);
	return 0;
}

bool xs_instance_has(const struct xs_instance *inst, const char *ifname)
{
	int i;

	for (i = 0; i < inst->nifaces; i++)
		if (!strcmp(inst->ifaces[i].name, ifname))
			return true;
	return false;
}

int xs_bpf_adopt(struct xs_bpf *b, const struct xs_sizes *sz, const char *pin_dir,
		 const struct xs_instance *inst)
{
	struct bpf_map *m;
	char path[512];
	int err = xs_bpf_open(b, sz);

	if (err)
		return err;
	/* Reuse every pinned map; load no program of our own. */
	bpf_object__for_each_map(m, b->skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(m));
		if (access(path, F_OK))
			continue;
		err = bpf_map__set_pin_path(m, path);
		if (err)
			goto fail;
	}
	bpf_program__set_autoload(b->skel->progs.xdpstream, false);
	err = xdpstream_bpf__load(b->skel);
	if (err) {
		xs_err("cannot reuse the maps pinned in %s (%s): run 'xdpstream detach' and start "
		       "again",
		       pin_dir, strerror(-err));
		goto fail;
	}
	/* The running program hashes under the secret it was loaded with;
	 * the daemon's tables take that instance's half too. */
	{
		struct xs_secret sec = {};
		__u32 zero = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.xs_secret), &zero, &sec) ||
		    !(sec.k[0] | sec.k[1] | sec.k[2] | sec.k[3])) {
			xs_warn("the adopted program (id %u) kept no hashing secret (an older "
				"xdpstream?): its tables stay unkeyed until 'xdpstream detach' and "
				"a new start",
				inst->prog_id);
		} else {
			b->secret = sec;
			xs_hash_set_key(sec.k[2], sec.k[3]);
		}
	}
	b->prog = xdp_program__from_id(inst->prog_id);
	err = libxdp_get_error(b->prog);
	if (err) {
		b->prog = NULL;
		xs_err("the attached program (id %u) went away", inst->prog_id);
		goto fail;
	}
	memcpy(b->ifaces, inst->ifaces, sizeof(inst->ifaces));
	b->nifaces = inst->nifaces;
	snprintf(b->pin_dir, sizeof(b->pin_dir), "%s", pin_dir);
	return 0;
fail:
	xs_bpf_close(b);
	return err;
}

int xs_open_pinned(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT) {
		xs_err("no running instance: %s does not exist (start 'xdpstream run', or pass "
		       "--pin-dir)",
		       path);
		return -XS_EXIT_ENV;
	}
	xs_err("cannot open %s: %s", path, strerror(errno));
	return -XS_EXIT_PERM;
}

int xs_read_pinned(const char *dir, const char *name, void *val)
{
	__u32 zero = 0;
	int fd = xs_open_pinned(dir, name), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, val)) {
		xs_err("cannot read %s/%s: %s", dir, name, strerror(errno));
		err = -XS_EXIT_FAIL;
	}
	close(fd);
	return err;
}

void xs_unpin_dir(const char *pin_dir)
{
	struct dirent *d;
	char path[512];
	DIR *dir = opendir(pin_dir);

	while (dir && (d = readdir(dir)))
		if (!strncmp(d->d_name, "xs_", 3)) {
			snprintf(path, sizeof(path), "%s/%s", pin_dir, d->d_name);
			unlink(path);
		}
	if (dir)
		closedir(dir);
	rmdir(pin_dir);
}

int xs_instance_detach(const struct xs_instance *inst, const char *pin_dir)
{
	struct xdp_program *p = inst->prog_id ? xdp_program__from_id(inst->prog_id) : NULL;
	int i, err = 0;

	if (libxdp_get_error(p))
		p = NULL;
	for (i = 0; i < inst->nifaces && p; i++)
		if (xdp_program__detach(p, inst->ifaces[i].ifindex,
					xs_mode_to_xdp(inst->ifaces[i].mode), 0)) {
			xs_err("could not detach from %s", inst->ifaces[i].name);
			err = -EBUSY;
		}
	if (p)
		xdp_program__close(p);
	if (!err)
		xs_unpin_dir(pin_dir);
	return err;
}

int xs_pins_chown(const char *pin_dir, uid_t uid, gid_t gid)
{
	struct dirent *d;
	char path[512];
	DIR *dir = opendir(pin_dir);
	int err = 0;

	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "xs_", 3)) {
			snprintf(path, sizeof(path), "%s/%s", pin_dir, d->d_name);
			if (chown(path, uid, gid) && !err)
				err = -errno;
		}
	closedir(dir);
	if (chown(pin_dir, uid, gid) && !err)
		err = -errno;
	return err;
}
