#!/bin/bash
# core.sshCommand (system config): git over ssh with the session env's
# GIT_SSH_KEY (a deploy key, given once with `convocate env set GIT_SSH_KEY`),
# written to a private file outside the workspace for the length of one call.
if [ -z "${GIT_SSH_KEY:-}" ]; then exec ssh "$@"; fi
key=$(mktemp)
trap 'rm -f "$key"' EXIT
chmod 600 "$key"
printf '%s\n' "$GIT_SSH_KEY" > "$key"
ssh -i "$key" -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new "$@"
