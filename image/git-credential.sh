#!/bin/bash
# Git credential helper (system config): answers https requests with the
# session env's GH_TOKEN or GIT_TOKEN, so a token never lands in a repository's
# config or URL. Stores and erases nothing.
[ "${1:-}" = get ] || exit 0
token=${GH_TOKEN:-${GIT_TOKEN:-}}
[ -n "$token" ] || exit 0
printf 'username=x-access-token\npassword=%s\n' "$token"
