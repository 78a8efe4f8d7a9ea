#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every command of `xdpstream --help` has a man page in docs/man/ (block's
# page answers for the mitigation commands listed in the Makefile's
# MAN_ALIASES), groff renders each page without a warning, `man -l`
# renders it, and every flag the command's --help prints is in its page.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
bin=$OUT/xdpstream
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

aliases=" $(sed -n 's/^MAN_ALIASES *:= *//p' Makefile) "
# The rendered page as plain ASCII, one paragraph per line.
render() { LC_ALL=C MANWIDTH=1000 man -l "$1" 2>/dev/null | col -b; }
# Flags as --help prints them: -x and --long, after a space, a bracket, a
# comma or a slash.
flags_of() { grep -oE '(^|[][ (,/])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[][ (,/]//' | sort -u; }
has_flag() { grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" <<<"$1"; }

check_page() { # page, help text, what
	local page=$1 help=$2 what=$3 text warn flag n=0
	[[ -f $page ]] || { fail "$what: no man page $page"; return; }
	warn=$(groff -man -ww -z "$page" 2>&1)
	[[ -z $warn ]] || fail "$page: groff warns: $warn"
	text=$(render "$page")
	[[ -n $text ]] || { fail "$page: man -l renders nothing"; return; }
	while read -r flag; do
		[[ -n $flag ]] || continue
		n=$((n + 1))
		has_flag "$text" "$flag" || fail "$what: $flag of --help is not in $page"
	done < <(flags_of <<<"$help")
	echo "ok: $what: $page has the $n flags of its --help"
}

help=$("$bin" --help) || { fail "xdpstream --help failed"; exit 1; }
cmds=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | awk 'NF > 1 { print $1 }')
[[ $(wc -w <<<"$cmds") -ge 10 ]] || fail "could not read the commands from xdpstream --help"
main=$(render docs/man/xdpstream.8)
for c in $cmds; do
	has_flag "$main" "$c" || fail "xdpstream.8 does not list the command $c"
	page=docs/man/xdpstream-$c.8
	[[ $aliases == *" $c "* ]] && page=docs/man/xdpstream-block.8
	check_page "$page" "$("$bin" "$c" --help 2>&1)" "$c"
done
check_page docs/man/xdpstream.8 "$help" "xdpstream"
# No page for a command that does not exist.
for p in docs/man/xdpstream-*.8; do
	c=${p#docs/man/xdpstream-}
	c=${c%.8}
	grep -qx "$c" <<<"$cmds" || fail "$p documents no command of xdpstream --help"
done
((fails == 0)) || { echo "$fails problem(s)"; exit 1; }
echo "ok: man pages"
