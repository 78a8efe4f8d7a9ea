#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The include graph follows the flow (scripts/include-graph.py): no file
# includes a module of a higher layer, no include cycle, header names are
# unique, and only what attaches includes libxdp. Also run by `make lint`;
# here so that CI, which runs the tests, sees a back edge too.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(scripts/include-graph.py) || { echo "$out"; exit 1; }
echo "$out"
# The flow is printed as one line, with every module of it.
grep -q '^  bpf -> abi .* -> sinks$' <<<"$out" || { echo "FAIL: the flow line is missing"; exit 1; }
echo "ok: include graph"
