# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Where the shared ground-truth captures are, for the tests that check
# them (replay_truth, live_captures); sourced from the repository root.
# Prints $XS_PCAPS when set, else ../shared/pcaps next to the repository
# or next to the main worktree of this clone; nothing when the chosen
# folder has no TRUTH.tsv.
truth_pcaps() {
	local d dirs
	if [[ -n ${XS_PCAPS:-} ]]; then
		dirs=("$XS_PCAPS")
	else
		dirs=(../shared/pcaps "$(dirname "$(git rev-parse --path-format=absolute \
			--git-common-dir 2>/dev/null || echo .)")/../shared/pcaps")
	fi
	for d in "${dirs[@]}"; do
		if [[ -f $d/TRUTH.tsv ]]; then
			echo "$d"
			return
		fi
	done
}

# Where the corpus captures taken from public repositories are (kind
# "github" in tests/corpus/MANIFEST.tsv): $XS_CORPUS_SHARED when set, else
# ../shared/corpus next to the repository or next to the main worktree of
# this clone; nothing when no such folder exists.
corpus_shared() {
	local d dirs
	if [[ -n ${XS_CORPUS_SHARED:-} ]]; then
		dirs=("$XS_CORPUS_SHARED")
	else
		dirs=(../shared/corpus "$(dirname "$(git rev-parse --path-format=absolute \
			--git-common-dir 2>/dev/null || echo .)")/../shared/corpus")
	fi
	for d in "${dirs[@]}"; do
		if [[ -d $d ]]; then
			echo "$d"
			return
		fi
	done
}
