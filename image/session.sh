#!/bin/bash
# Runs in the tmux pane as the session user: the workspace (cloned from the
# session's repository on the first start), then the session command (Claude,
# resuming the session's conversation), then a login shell, so that the
# session (and its container) outlives Claude. When Claude ends, by /exit or a
# crash, the activity says so even if no hook ran.
#
# From the agent, in the environment: CONVOCATE_WORKDIR (unset for sessions
# made before workspaces: Claude stays in the home), CONVOCATE_REPO and
# CONVOCATE_BRANCH, CONVOCATE_RESUME (the conversation to resume) and
# CONVOCATE_FORK=1 (resume a fork of it: a clone's first start).
cmd=${1:-}
work=${CONVOCATE_WORKDIR:-$HOME}

if [ "$work" != "$HOME" ]; then
  mkdir -p "$work"
  if [ -n "${CONVOCATE_REPO:-}" ] && [ ! -e "$work/.git" ]; then
    if ! convocate-clone "$work" "$CONVOCATE_REPO" "${CONVOCATE_BRANCH:-}"; then
      # The error is in the activity; a restart tries again.
      cd "$work" && exec bash -l
    fi
    # Claude's hooks report from here on; another command has no activity at all.
    [ "$cmd" = claude ] || rm -f "$HOME/.convocate-activity"
  fi
fi
cd "$work" || cd "$HOME" || exit 1

# Claude keeps a conversation's transcript under its folder's project dir.
transcript() {
  printf '%s/.claude/projects/%s/%s.jsonl' "$HOME" "$(printf '%s' "$PWD" | sed 's/[^A-Za-z0-9]/-/g')" "$1"
}

run_claude() {
  local args=() id=${CONVOCATE_RESUME:-}
  if [ -n "$id" ]; then
    if [ -f "$(transcript "$id")" ]; then
      args=(--resume "$id")
      if [ "${CONVOCATE_FORK:-}" = 1 ]; then args+=(--fork-session); fi
    else
      # The SessionStart hook shows this once, beside the fresh prompt.
      printf 'conversation %s could not be resumed: started a new one\n' "${id:0:8}" > "$HOME/.convocate-resume-note"
    fi
  fi
  claude "${args[@]}"
}

if [ -n "$cmd" ]; then
  if [ "$cmd" = claude ]; then run_claude; else bash -c "$cmd"; fi
  code=$?
  if [ "$cmd" = claude ]; then
    if [ "$code" = 0 ]; then convocate-activity exited; else convocate-activity exited "claude exited with code $code"; fi
  fi
fi
exec bash -l
