#!/bin/bash
# Claude Code hook (see /etc/claude-code/managed-settings.json): writes the
# session's activity to ~/.convocate-activity as three lines (activity, RFC
# 3339 time of the change, one-line detail), atomically. Called as
#   convocate-activity STATE [DETAIL]   or   convocate-activity --hook < payload
# The agent reads the file as untrusted input; this script only keeps it tidy.
# Beside it: ~/.convocate-conversation (the conversation id SessionStart
# reports, resumed at the next start) and ~/.convocate-changes (the
# workspace's `files added removed` at the end of each turn).
file=/home/convocate/.convocate-activity

field() { # the first JSON string value of key $1 in $payload (no jq in the image)
  printf '%s' "$payload" | tr -d '\n' | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\(\\([^\"\\\\]\\|\\\\.\\)*\\)\".*/\\1/p" | sed 's/\\"/"/g; s/\\\\/\\/g' | head -c 400
}

state=${1:-}
detail=${2:-}
if [ "$state" = --hook ]; then
  payload=$(head -c 65536)
  # The conversation this Claude writes, as every hook reports it (a fork
  # gets its own id only once it has written): resumed at the next start.
  id=$(field session_id)
  conv=/home/convocate/.convocate-conversation
  if printf '%s' "$id" | grep -Eqx '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' && [ "$(cat "$conv" 2>/dev/null)" != "$id" ]; then
    printf '%s\n' "$id" > "$conv.$$.tmp" && mv -f "$conv.$$.tmp" "$conv"
  fi
  case "$(field hook_event_name)" in
    SessionStart)
      state=idle
      detail=$(cat /home/convocate/.convocate-resume-note 2>/dev/null | head -n 1)
      rm -f /home/convocate/.convocate-resume-note ;;
    UserPromptSubmit) state=working; detail= ;;
    PreToolUse|PostToolUse) state=working; detail=$(field tool_name) ;;
    Stop)
      state=idle; detail=
      # Bounded: a hook must not hold up the next turn.
      if summary=$(timeout 3 convocate-diff --summary 2>/dev/null); then
        printf '%s\n' "$summary" > /home/convocate/.convocate-changes.$$.tmp && mv -f /home/convocate/.convocate-changes.$$.tmp /home/convocate/.convocate-changes
      fi ;;
    SessionEnd) state=exited; detail= ;;
    Notification)
      case "$(field notification_type)" in
        permission_prompt|elicitation_dialog) state=waiting; detail=$(field message) ;;
        idle_prompt) state=idle; detail= ;;
        *) exit 0 ;;
      esac ;;
    *) exit 0 ;;
  esac
fi
case "$state" in starting|working|waiting|idle|exited) ;; *) echo "convocate-activity: unknown state '$state'" >&2; exit 0 ;; esac

detail=$(printf '%s' "$detail" | tr -d '\000-\037\177' | head -c 400)
if [ -f "$file" ] && [ "$(head -n1 "$file" 2>/dev/null)" = "$state" ] && [ "$(sed -n 3p "$file" 2>/dev/null)" = "$detail" ]; then
  exit 0  # no change: keep the time it began
fi
tmp="$file.$$.tmp"
printf '%s\n%s\n%s\n' "$state" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$detail" > "$tmp" && mv -f "$tmp" "$file"
exit 0
