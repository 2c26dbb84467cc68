#!/bin/bash
# convocate-diff [--stat|--summary] [BASE]: the workspace's changes against the
# point where its branch left BASE (default: the branch it was made from):
# committed, uncommitted and untracked alike. Runs inside the session's
# container (or a throwaway one with the home read-only), never on the agent
# host: the repository's config is the session's to write. Writes nothing in
# the repository: untracked files are added to a copy of the index.
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
index=$(mktemp)
trap 'rm -f "$index" "$index.lock"' EXIT
cp "$gitdir/index" "$index" 2>/dev/null || rm -f "$index"
export GIT_INDEX_FILE=$index GIT_OPTIONAL_LOCKS=0
git add --intent-to-add --all >/dev/null 2>&1
case $mode in
  patch) git diff --no-color --no-ext-diff "$from" ;;
  stat) git diff --no-color --stat=120 "$from" ;;
  summary) git diff --numstat "$from" | awk '{ f++; if ($1 != "-") a += $1; if ($2 != "-") r += $2 } END { printf "%d %d %d\n", f, a, r }' ;;
esac
