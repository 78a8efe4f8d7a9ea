#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What a test run left behind: list it, and with --remove remove it.

A run is known by its tag (XS_RUN_TAG, set by scripts/run-tests.sh): every
name its tests make starts with "xs" and the tag, and every process they
start carries XS_RUN_TAG=<tag> in its environment. So this finds what one
run left and nothing of another run going on at the same time:
  - processes with XS_RUN_TAG=<tag> (this one and its ancestors excepted);
  - network namespaces and host interfaces named xs<tag>... (with the XDP
    program attached to them, and the processes inside);
  - mounts with a path component xs<tag>... (bpffs of a lab, a test's own);
  - /run/xs<tag>..., /tmp/xs<tag>..., pins /sys/fs/bpf/*xs<tag>*, and, given
    what was there at the start (--pins-before), new pins /sys/fs/bpf/xdpstream*;
  - what is in the run's temporary directory (--tmpdir).
Inside a sandbox (scripts/lib/sandbox.sh, --sandbox) everything private to
it belongs to the one suite that ran there, so it also lists every other
process (--host-pids: a sandbox without its own PID namespace; then the
processes with the tag), every namespace in /run/netns, every mount made
since the start (--mounts-before), every pin in /sys/fs/bpf and everything
in /tmp. --settle S first gives processes up to S seconds to end.

Usage: leftovers.py --tag TAG [--tmpdir DIR] [--pins-before NAMES]
                    [--sandbox [--host-pids] --mounts-before IDS] [--settle S] [--remove]
       leftovers.py --tag TAG --signal SIG   sends SIG to the processes with the tag
Prints one line per thing left; exit 0 if there was nothing, 1 if there was
(even once removed), 2 on a usage error.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

GRACE = 5.0


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def proc_stat(pid):
    """(state, ppid, start time) of a process, or None."""
    s = read(f"/proc/{pid}/stat")
    if not s:
        return None
    f = s[s.rindex(")") + 2:].split()
    return f[0], int(f[1]), int(f[19])


def pids():
    for d in os.listdir("/proc"):
        if d.isdigit():
            yield int(d)


def alive(pid, start=None):
    st = proc_stat(pid)
    return bool(st) and st[0] not in "ZX" and (start is None or st[2] == start)


def cmdline(pid):
    c = read(f"/proc/{pid}/cmdline", "rb") or b""
    return c.replace(b"\0", b" ").decode(errors="replace").strip()[:120] or "?"


def ancestors():
    """This process and its ancestors: they run the check, they are no leftover."""
    out, pid = set(), os.getpid()
    while pid > 0 and pid not in out:
        out.add(pid)
        st = proc_stat(pid)
        pid = st[1] if st else 0
    return out


def end_processes(victims):
    """SIGTERM, then SIGKILL for those still there after the grace time."""
    victims = [(p, proc_stat(p)[2]) for p in victims if alive(p)]
    for p, _ in victims:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.time() + GRACE
    while time.time() < deadline and any(alive(p, s) for p, s in victims):
        time.sleep(0.05)
    for p, s in victims:
        if alive(p, s):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
    deadline = time.time() + 2
    while time.time() < deadline and any(alive(p, s) for p, s in victims):
        time.sleep(0.05)


def run(*cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True).stdout


def xdp_of(ns=None):
    """{interface: "prog/xdp id N"} in a namespace (None: this one)."""
    out = run("ip", *(["-n", ns] if ns else []), "link", "show")
    found, ifname = {}, None
    for line in out.splitlines():
        m = re.match(r"\d+: ([^:@]+)", line)
        if m:
            ifname = m.group(1)
        m = re.search(r"prog/xdp id \d+", line)
        if m and ifname:
            found[ifname] = m.group(0)
    return found


def netns_pids(name):
    try:
        ns = os.stat(f"/run/netns/{name}")
    except OSError:
        return []
    found = []
    for p in pids():
        try:
            st = os.stat(f"/proc/{p}/ns/net")
        except OSError:
            continue
        if (st.st_ino, st.st_dev) == (ns.st_ino, ns.st_dev) and alive(p):
            found.append(p)
    return found


def mounts():
    """[(id, mount point, fs type)] of this mount namespace."""
    out = []
    for line in (read("/proc/self/mountinfo") or "").splitlines():
        f = line.split()
        sep = f.index("-")
        point = f[4].encode().decode("unicode_escape")
        out.append((f[0], point, f[sep + 1]))
    return out


class Scan:
    def __init__(self, a):
        self.a = a
        self.prefix = "xs" + a.tag
        self.found = []  # (kind, what, detail)
        self.skip = ancestors()

    def add(self, kind, what, detail=""):
        self.found.append((kind, what, detail))

    def ours(self, name):
        return name.startswith(self.prefix)

    def live_pids(self):
        """This run's processes: every one in a sandbox's own PID namespace,
        else those with the tag in their environment."""
        want = f"XS_RUN_TAG={self.a.tag}".encode()
        everyone = self.a.sandbox and not self.a.host_pids
        for p in pids():
            if p in self.skip or (everyone and p == 1) or not alive(p):
                continue
            if not everyone:
                env = read(f"/proc/{p}/environ", "rb")
                if not env or want not in env.split(b"\0"):
                    continue
            yield p

    def processes(self):
        for p in self.live_pids():
            self.add("process", p, cmdline(p))

    def namespaces(self):
        try:
            names = sorted(os.listdir("/run/netns"))
        except OSError:
            names = []
        for n in names:
            if not (self.a.sandbox or self.ours(n)):
                continue
            detail = [f"{i}: {x}" for i, x in sorted(xdp_of(n).items())]
            inside = netns_pids(n)
            if inside:
                detail.append("processes " + " ".join(map(str, inside)))
            self.add("netns", n, ", ".join(detail))

    def interfaces(self):
        try:
            names = sorted(os.listdir("/sys/class/net"))
        except OSError:
            names = []
        xdp = None
        for n in names:
            if self.ours(n):
                xdp = xdp_of() if xdp is None else xdp
                self.add("interface", n, xdp.get(n, ""))

    def mount_points(self):
        before = set(self.a.mounts_before.split()) if self.a.mounts_before else set()
        for mid, point, fstype in mounts():
            if fstype == "nsfs" and point.startswith("/run/netns/"):
                continue  # a namespace's name: listed as the namespace
            tagged = any(self.ours(c) for c in point.split("/"))
            new = self.a.sandbox and self.a.mounts_before is not None and mid not in before
            if tagged or new:
                self.add("mount", point, fstype)

    def paths(self):
        def entries(d, keep=lambda n: True):
            try:
                return [os.path.join(d, n) for n in sorted(os.listdir(d)) if keep(n)]
            except OSError:
                return []

        tmpdir = os.path.realpath(self.a.tmpdir) if self.a.tmpdir else None
        mounted = {p for _, p, _ in mounts()}
        for p in entries("/run", self.ours):
            if p not in mounted:
                self.add("path", p)
        tmp_all = self.a.sandbox
        for p in entries("/tmp", lambda n: tmp_all or self.ours(n)):
            if p == tmpdir or p in mounted:
                continue
            self.add("path", p)
        if tmpdir:
            for p in entries(tmpdir):
                self.add("path", p)
        pins_before = set((self.a.pins_before or "").split(","))
        for p in entries("/sys/fs/bpf"):
            n = os.path.basename(p)
            if n in pins_before:
                continue
            # The default pin dir has no tag: new since the start, it is ours.
            new_default = self.a.pins_before is not None and n.startswith("xdpstream")
            if self.a.sandbox or self.prefix in n or new_default:
                if p not in mounted:
                    self.add("pin", p)

    def settle(self):
        """Inside a sandbox: give what is still ending (a reaper at work) time."""
        deadline = time.time() + self.a.settle
        while time.time() < deadline:
            if not any(True for _ in self.live_pids()):
                return
            time.sleep(0.1)

    def scan(self):
        if self.a.settle:
            self.settle()
        self.processes()
        self.namespaces()
        self.interfaces()
        self.mount_points()
        self.paths()

    def remove(self):
        procs = [w for k, w, _ in self.found if k == "process"]
        for k, w, _ in self.found:
            if k == "netns":
                procs += netns_pids(w)
        end_processes(sorted(set(procs)))
        for k, w, _ in self.found:
            if k == "netns":
                subprocess.run(["ip", "netns", "del", w], stderr=subprocess.DEVNULL)
            elif k == "interface":
                subprocess.run(["ip", "link", "del", w], stderr=subprocess.DEVNULL)
        # Deepest first, each as many times as it is stacked.
        for k, w, _ in sorted(self.found, key=lambda x: -len(str(x[1]))):
            if k == "mount":
                while subprocess.run(["umount", "-l", w], stderr=subprocess.DEVNULL).returncode == 0:
                    pass
                # A mount point the run made (named so) goes too.
                if self.ours(os.path.basename(w)):
                    try:
                        os.rmdir(w)
                    except OSError:
                        pass
        for k, w, _ in self.found:
            if k in ("path", "pin"):
                if os.path.isdir(w) and not os.path.islink(w):
                    shutil.rmtree(w, ignore_errors=True)
                else:
                    try:
                        os.unlink(w)
                    except OSError:
                        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tag", required=True)
    ap.add_argument("--tmpdir")
    ap.add_argument("--pins-before")
    ap.add_argument("--sandbox", action="store_true")
    ap.add_argument("--host-pids", action="store_true")
    ap.add_argument("--signal")
    ap.add_argument("--mounts-before")
    ap.add_argument("--settle", type=float, default=0)
    ap.add_argument("--remove", action="store_true")
    a = ap.parse_args()
    if not re.fullmatch(r"[a-z0-9]{1,8}", a.tag):
        print(f"leftovers: bad tag {a.tag!r}", file=sys.stderr)
        return 2
    s = Scan(a)
    if a.signal:
        sig = signal.Signals["SIG" + a.signal.upper().removeprefix("SIG")]
        for p in list(s.live_pids()):
            try:
                os.kill(p, sig)
            except OSError:
                pass
        return 0
    s.scan()
    for kind, what, detail in s.found:
        print(f"  {kind:9} {what}" + (f" ({detail})" if detail else ""))
    if a.remove and s.found:
        s.remove()
        a.settle = 0
        left = Scan(a)
        left.scan()
        for kind, what, detail in left.found:
            print(f"  could not remove: {kind} {what}")
    return 1 if s.found else 0


if __name__ == "__main__":
    sys.exit(main())
