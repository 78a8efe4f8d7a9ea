#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The public capture corpus of tests/corpus/MANIFEST.tsv.
#   fetch [BUILD_DIR]  downloads the Debian source packages that hold the
#                      registry captures (kind "deb"), checks each file's
#                      sha256, converts it as the manifest says and leaves it
#                      in BUILD_DIR/corpus/ (default build/). Idempotent.
#   list  [BUILD_DIR]  every capture: name, class, kind, where it is (or why
#                      not: absent, bad sha256).
#   path NAME [BUILD_DIR]  the replayable file of NAME; exit 1 when absent.
# Captures of kind "github" come from public repositories and are never in
# this repository: they live in ../shared/corpus ($XS_CORPUS_SHARED), as
# ../shared/pcaps does; fetch leaves them alone.
# The source packages come through apt, from the deb-src twins of this
# machine's own apt sources, in a private apt state under BUILD_DIR/corpus/.
# XS_CORPUS_FETCH_TIMEOUT=S gives up a download after S seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MANIFEST=tests/corpus/MANIFEST.tsv

usage() {
	echo "usage: $0 fetch [BUILD_DIR] | list [BUILD_DIR] | path NAME [BUILD_DIR]" >&2
	exit 2
}

source tests/sh/lib/pcaps.sh

# Manifest rows without the header and comments, one per line.
rows() { grep -v -e '^#' -e '^name	' -e '^$' "$MANIFEST"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The file NAME replays from, for kind KIND: prints it, or nothing.
where() {
	local name=$1 kind=$2 out=$3 dir
	if [[ $kind == deb ]]; then
		dir=$out/corpus
	else
		dir=$(corpus_shared)
		[[ -n $dir ]] || return 0
	fi
	[[ -f $dir/$name ]] && echo "$dir/$name"
	return 0
}

# A private apt state whose sources are the deb-src twins of the system's.
apt_setup() {
	local a=$1 f
	mkdir -p "$a/sources.list.d" "$a/lists/partial" "$a/cache/archives/partial" "$a/src"
	rm -f "$a/sources.list.d/"*
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$a/sources.list.d/$(basename "$f")"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		sed -nE 's/^deb[[:space:]]+/deb-src /p' "$f" >"$a/sources.list.d/$(basename "$f" .list)-src.list"
	done
	if [[ -z $(ls -A "$a/sources.list.d") ]]; then
		echo "corpus: no apt sources on this machine to derive deb-src lines from" >&2
		return 1
	fi
	cat >"$a/apt.conf" <<-EOF
		Dir::Etc::SourceList "/dev/null";
		Dir::Etc::SourceParts "$a/sources.list.d";
		Dir::State::Lists "$a/lists";
		Dir::Cache "$a/cache";
		APT::Sandbox::User "root";
	EOF
}

apt_run() {
	if ((${XS_CORPUS_FETCH_TIMEOUT:-0} > 0)); then
		APT_CONFIG=$APT_CONF timeout "$XS_CORPUS_FETCH_TIMEOUT" apt-get "$@"
	else
		APT_CONFIG=$APT_CONF apt-get "$@"
	fi
}

# Downloads (once) the source package PKG at VER, or its current version
# when VER is gone from the archive; prints the directory holding it.
get_source() {
	local pkg=$1 ver=$2
	local dir=$A/src/$pkg
	if compgen -G "$dir/*.orig.tar.*" >/dev/null; then
		echo "$dir"
		return
	fi
	mkdir -p "$dir"
	# Only the upstream tarball matters (each file in it is checked by
	# sha256): a mirror missing the Debian part still serves the capture.
	(cd "$dir" && apt_run source --download-only -qq "$pkg=$ver" >/dev/null 2>"$dir/err") || true
	if ! compgen -G "$dir/*.orig.tar.*" >/dev/null; then
		echo "corpus: $pkg=$ver not to be had, taking its current version" >&2
		(cd "$dir" && apt_run source --download-only -qq "$pkg" >/dev/null 2>"$dir/err") || true
	fi
	if ! compgen -G "$dir/*.orig.tar.*" >/dev/null; then
		echo "corpus: cannot download source package $pkg: $(tail -1 "$dir/err")" >&2
		return 1
	fi
	echo "$dir"
}

# Applies the manifest's conversion steps to IN, writing OUT.
convert() {
	local in=$1 out=$2 steps=$3 step cur=$1 n=0
	IFS=, read -ra steps <<<"$steps"
	for step in "${steps[@]}"; do
		n=$((n + 1))
		case $step in
		none) continue ;;
		gunzip) gzip -dc "$cur" >"$out.$n" ;;
		pcap) editcap -F pcap "$cur" "$out.$n" ;;
		sll2eth) python3 scripts/lib/sll2eth.py "$cur" "$out.$n" 2>/dev/null ;;
		*)
			echo "corpus: unknown conversion '$step'" >&2
			return 1
			;;
		esac
		cur=$out.$n
	done
	cp "$cur" "$out"
	rm -f "$out".[0-9]*
}

fetch() {
	local out=$1 name class kind src rev path conv sha_src sha_rep rest dir tarball tmp n=0 got=0
	mkdir -p "$out/corpus"
	A=$ROOT/$out/corpus/.apt
	APT_CONF=$A/apt.conf
	local updated=0
	while IFS=$'\t' read -r name class kind src rev path conv sha_src sha_rep rest; do
		[[ $kind == deb ]] || continue
		n=$((n + 1))
		if [[ -f $out/corpus/$name && $(sha "$out/corpus/$name") == "$sha_rep" ]]; then
			got=$((got + 1))
			continue
		fi
		if ((!updated)); then
			apt_setup "$A"
			apt_run update -qq >/dev/null 2>"$A/update.err" || {
				echo "corpus: apt-get update failed: $(tail -1 "$A/update.err")" >&2
				return 1
			}
			updated=1
		fi
		dir=$(get_source "$src" "$rev") || return 1
		tmp=$(mktemp "$out/corpus/.part.XXXXXX")
		for tarball in "$dir"/*.orig.tar.*; do
			[[ $tarball == *.asc ]] && continue
			tar -xf "$tarball" --wildcards --no-anchored -O "*/$path" >"$tmp" 2>/dev/null && [[ -s $tmp ]] && break
		done
		if [[ ! -s $tmp ]]; then
			rm -f "$tmp"
			echo "corpus: $name: $path not in source package $src" >&2
			return 1
		fi
		if [[ $(sha "$tmp") != "$sha_src" ]]; then
			echo "corpus: $name: $src:$path has sha256 $(sha "$tmp"), manifest says $sha_src" >&2
			rm -f "$tmp"
			return 1
		fi
		convert "$tmp" "$tmp.conv" "$conv"
		if [[ $(sha "$tmp.conv") != "$sha_rep" ]]; then
			echo "corpus: $name: converted file has sha256 $(sha "$tmp.conv"), manifest says $sha_rep" >&2
			rm -f "$tmp" "$tmp.conv"
			return 1
		fi
		mv "$tmp.conv" "$out/corpus/$name"
		rm -f "$tmp"
		got=$((got + 1))
	done < <(rows)
	echo "corpus: $got of $n registry captures in $out/corpus"
}

list() {
	local out=$1 name class kind rest f sha_rep
	while IFS=$'\t' read -r name class kind rest; do
		sha_rep=$(cut -f6 <<<"$rest")
		f=$(where "$name" "$kind" "$out")
		if [[ -z $f ]]; then
			printf '%-58s %-22s %-6s absent\n' "$name" "$class" "$kind"
		elif [[ $(sha "$f") != "$sha_rep" ]]; then
			printf '%-58s %-22s %-6s bad sha256: %s\n' "$name" "$class" "$kind" "$f"
		else
			printf '%-58s %-22s %-6s %s\n' "$name" "$class" "$kind" "$f"
		fi
	done < <(rows)
}

path() {
	local want=$1 out=$2 name class kind rest f
	while IFS=$'\t' read -r name class kind rest; do
		[[ $name == "$want" ]] || continue
		f=$(where "$name" "$kind" "$out")
		if [[ -n $f && $(sha "$f") == "$(cut -f6 <<<"$rest")" ]]; then
			echo "$f"
			return 0
		fi
		return 1
	done < <(rows)
	echo "corpus: no capture named $want in $MANIFEST" >&2
	return 2
}

case ${1:-} in
fetch) fetch "${2:-build}" ;;
list) list "${2:-build}" ;;
path)
	[[ -n ${2:-} ]] || usage
	path "$2" "${3:-build}"
	;;
*) usage ;;
esac
