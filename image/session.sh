#!/bin/bash
# Runs in the tmux pane: the session command, then a login shell, so that the
# session (and its container) outlives Claude. When Claude ends, by /exit or a
# crash, the activity says so even if no hook ran.
cmd=${1:-}
if [ -n "$cmd" ]; then
  bash -c "$cmd"
  code=$?
  if [ "$cmd" = claude ]; then
    if [ "$code" = 0 ]; then convocate-activity exited; else convocate-activity exited "claude exited with code $code"; fi
  fi
fi
exec bash -l
