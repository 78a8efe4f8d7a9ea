#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The include graph of xdpstream, module by module, checked.

Prints the modules in the order a packet meets them (bpf -> ABI -> loader
-> collector -> pipeline -> engine -> detectors -> alert -> outputs ->
sinks, then the modules beside that line) with what each one includes,
and fails (exit 1) when:
  - a file includes a module of a higher layer (a back edge): every
    module may include only the layers below its own;
  - files include each other in a cycle;
  - two headers share a name on one side (the Makefile puts every user/
    folder on the include path, so a name must say which file it is; the
    BPF side, bpf/ and maps/, is compiled apart);
  - a file outside loader/attach.c, loader/instance.c and user/gen/gen_xsk.c
    (an AF_XDP socket bound to the interface: libxdp's xsk API) includes libxdp.

Usage: scripts/include-graph.py [--quiet]
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# Layers, bottom up: a module may include its own layer and those below.
# Each entry: module name, path prefixes (files, or folders ending in /).
LAYERS = [
    ("abi", ["maps/"]),
    ("util", ["user/util/"]),
    ("bpf", ["bpf/", "@skel"]),
    ("loader", ["loader/"]),
    ("config", ["user/config/config."]),
    ("collector", ["user/pipeline/collector."]),
    ("sinks", ["user/outputs/sinks/"]),
    ("outputs", ["user/outputs/"]),
    ("rules", ["user/detection/rules."]),
    # The BGP section of the settings lives with the speaker it configures.
    ("settings", ["user/config/settings.", "user/mitigation/bgp/bgp_cfg.h",
                  "user/mitigation/bgp/bgp_config."]),
    ("alert", ["user/detection/alert."]),
    ("engine", ["user/detection/"]),
    ("detectors", ["user/detection/detectors/"]),
    ("mitigation", ["user/mitigation/"]),
    ("gen", ["user/gen/"]),
    ("pipeline", ["user/pipeline/"]),
    ("cmd", ["user/cmd/"]),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}

# The way from a packet to an alert, as docs/internals.md
# draw it, and the modules beside it.
FLOW = ["bpf", "abi", "loader", "collector", "pipeline", "engine", "detectors", "alert",
        "outputs", "sinks"]
BESIDE = ["util", "config", "rules", "settings", "mitigation", "gen", "cmd"]

SOURCE_DIRS = ["maps", "bpf", "loader", "user"]
# What each compiler sees: clang -target bpf, and gcc for userspace.
SIDES = {"bpf": ("maps/", "bpf/"), "user": ("maps/", "loader/", "user/")}


def side_of(path):
    return "bpf" if path.startswith("bpf/") else "user"

LIBXDP_ALLOWED = {"loader/attach.c", "loader/instance.c", "user/gen/gen_xsk.c"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def module_of(path):
    """The module of a file: the longest matching prefix."""
    best, best_len = None, -1
    for name, prefixes in LAYERS:
        for pre in prefixes:
            if pre == "@skel":
                hit = path.endswith(".skel.h") or path == "vmlinux.h"
            else:
                hit = path.startswith(pre)
            if hit and len(pre) > best_len:
                best, best_len = name, len(pre)
    return best


def sources():
    out = []
    for d in SOURCE_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(dirpath, f), ROOT))
    return sorted(out)


def main():
    quiet = "--quiet" in sys.argv[1:]
    files = sources()
    problems = []

    # Header names are unique on each side: an #include "name.h" names
    # one file.
    for side, dirs in sorted(SIDES.items()):
        by_name = {}
        for f in files:
            if f.endswith(".h") and f.startswith(dirs):
                by_name.setdefault(os.path.basename(f), []).append(f)
        for name, paths in sorted(by_name.items()):
            if len(paths) > 1:
                problems.append("two %s headers named %s: %s" % (side, name, ", ".join(paths)))

    def resolve(src, inc):
        """The file a quoted include names: next to the includer, else by
        its path under one of the include folders, else by name."""
        here = os.path.normpath(os.path.join(os.path.dirname(src), inc))
        if here in files:
            return here
        if inc.endswith(".skel.h") or inc == "vmlinux.h":
            return inc  # generated into the build folder
        for f in files:
            if f.startswith(SIDES[side_of(src)]) and f.endswith("/" + inc):
                return f
        return None

    edges = {}  # file -> set of files
    mod_edges = {}  # (from module, to module) -> example "a -> b"
    for f in files:
        text = open(os.path.join(ROOT, f), encoding="utf-8", errors="replace").read()
        edges[f] = set()
        for kind, inc in INCLUDE.findall(text):
            if kind == "<":
                if inc.startswith("xdp/") and f not in LIBXDP_ALLOWED:
                    problems.append("%s includes <%s>: only what attaches (%s) may"
                                    % (f, inc, ", ".join(sorted(LIBXDP_ALLOWED))))
                continue
            target = resolve(f, inc)
            if target is None:
                problems.append('%s: cannot find "%s"' % (f, inc))
                continue
            edges[f].add(target)
            a, b = module_of(f), module_of(target)
            if a is None or b is None:
                problems.append("%s or %s belongs to no module: move it into its "
                                "subsystem's folder (LAYERS in %s)" % (f, target, sys.argv[0]))
                continue
            if a != b:
                mod_edges.setdefault((a, b), "%s -> %s" % (f, target))
                if RANK[b] > RANK[a]:
                    problems.append("back edge %s -> %s: %s includes %s"
                                    % (a, b, f, target))

    # Cycles between files (a header including, in the end, itself).
    state = {}
    stack = []

    def visit(f):
        state[f] = 1
        stack.append(f)
        for g in sorted(edges.get(f, ())):
            if state.get(g) == 1:
                problems.append("include cycle: " + " -> ".join(stack[stack.index(g):] + [g]))
            elif g in edges and not state.get(g):
                visit(g)
        stack.pop()
        state[f] = 2

    for f in files:
        if not state.get(f):
            visit(f)

    if not quiet:
        deps = {}
        for (a, b) in mod_edges:
            deps.setdefault(a, set()).add(b)
        line = FLOW[0]
        for a, b in zip(FLOW, FLOW[1:]):
            fwd, back = (a, b) in mod_edges, (b, a) in mod_edges
            line += " %s %s" % ("<>" if fwd and back else "->" if fwd else "<-" if back
                                else "..", b)
        print("The flow, a packet's way to an alert, each neighbour joined by its include")
        print("(A -> B: A includes B; A <- B: B includes A; ..: through another module):")
        print("  " + line)
        print("Modules, each with what it includes (layers below its own only):")
        for name in FLOW + BESIDE:
            incs = sorted(deps.get(name, ()), key=lambda m: RANK[m])
            print("  %-10s %s" % (name, ", ".join(incs) if incs else "-"))
        print("Layers, bottom up: " + " < ".join(n for n, _ in LAYERS))

    if problems:
        for p in problems:
            print("include-graph: " + p, file=sys.stderr)
        return 1
    if not quiet:
        print("ok: %d files, %d module edges, no back edge, no cycle, header names unique, "
              "libxdp only where it attaches" % (len(files), len(mod_edges)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
