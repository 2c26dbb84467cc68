#!/bin/bash
# convocate-clone DIR URL [BRANCH]: the session's repository into its
# workspace, as the session user, inside the container. BRANCH is checked out
# when the remote has it, else made from the remote's default branch; which
# one it left from is kept in .git/convocate-base for `convocate-diff`.
# Credentials come from the session env through the system git config
# (convocate-git-credential, convocate-git-ssh), never from the repository's.
# On failure the activity carries git's last error line and DIR is left empty.
set -u
dir=$1 url=$2 branch=${3:-}
convocate-activity starting "cloning $url"
log=$(mktemp)
fail() {
  local why
  why=$(grep -v '^\s*$' "$log" | tail -n 1)
  convocate-activity exited "clone failed: ${why:-$1}"
  rm -f "$log"
  find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
  exit 1
}
# `--` so that a URL can never be read as an option.
GIT_TERMINAL_PROMPT=0 git clone --quiet -- "$url" "$dir" >"$log" 2>&1 || fail "git clone exited $?"
cd "$dir" || fail "no workspace"
base=$(git symbolic-ref --quiet --short refs/remotes/origin/HEAD 2>/dev/null)
if [ -n "$branch" ]; then
  if git rev-parse --verify --quiet "refs/remotes/origin/$branch" >/dev/null; then
    git checkout --quiet -B "$branch" "origin/$branch" >"$log" 2>&1 || fail "checkout $branch"
    base="origin/$branch"
  elif [ "$(git branch --show-current)" != "$branch" ]; then
    git checkout --quiet -b "$branch" >"$log" 2>&1 || fail "checkout -b $branch"
  fi
fi
[ -n "$base" ] && printf '%s\n' "$base" > .git/convocate-base
rm -f "$log"
exit 0
