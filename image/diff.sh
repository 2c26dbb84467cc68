#!/bin/bash
# convocate-diff [--stat|--summary] [BASE]: the workspace's changes against the
# point where its branch left BASE (default: the branch it was made from):
# committed, uncommitted and untracked alike. Runs inside the session's
# container (or a throwaway one with the home read-only), never on the agent
# host: the repository's config is the session's to write. Writes nothing in
# the repository (its home may be mounted read-only): untracked files are
# added to a copy of the index, and the empty blob that takes goes to a
# scratch object store in front of the repository's own.
# Exit 3: no repository in the workspace; 4: BASE has no common history.
mode=patch
case "${1:-}" in --stat) mode=stat; shift ;; --summary) mode=summary; shift ;; esac
base=${1:-}
work=${CONVOCATE_WORKDIR:-/home/convocate/work}
cd "$work" 2>/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "no repository in the workspace" >&2; exit 3; }
gitdir=$(git rev-parse --git-dir)
[ -n "$base" ] || base=$(head -n 1 "$gitdir/convocate-base" 2>/dev/null)
[ -n "$base" ] || base=$(git symbolic-ref --quiet --short refs/remotes/origin/HEAD 2>/dev/null)
[ -n "$base" ] || base=HEAD
from=$(git merge-base HEAD "$base" 2>/dev/null) || from=$(git rev-parse --verify --quiet "$base^{commit}") || { echo "no common history with $base" >&2; exit 4; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$gitdir/index" "$scratch/index" 2>/dev/null
export GIT_INDEX_FILE=$scratch/index GIT_OPTIONAL_LOCKS=0
export GIT_OBJECT_DIRECTORY=$scratch/objects GIT_ALTERNATE_OBJECT_DIRECTORIES=$(cd "$gitdir/objects" && pwd)
mkdir -p "$GIT_OBJECT_DIRECTORY"
git add --intent-to-add --all >/dev/null 2>"$scratch/err" || { cat "$scratch/err" >&2; exit 1; }
# What the repository's own hooks or monitor say on stderr is not part of the diff.
case $mode in
  patch) git diff --no-color --no-ext-diff "$from" 2>"$scratch/err" ;;
  stat) git diff --no-color --stat=120 "$from" 2>"$scratch/err" ;;
  summary) git diff --numstat "$from" 2>"$scratch/err" | awk '{ f++; if ($1 != "-") a += $1; if ($2 != "-") r += $2 } END { printf "%d %d %d\n", f, a, r }' ;;
esac
code=${PIPESTATUS[0]}
[ "$code" = 0 ] || cat "$scratch/err" >&2
exit "$code"
