#!/bin/bash
# Session container entrypoint: fit the convocate user to the bind-mounted
# home, start tmux session `claude` running the session command (Claude when
# the image has it, then a login shell), say `convocate: ready`, and live as
# long as that tmux session does. Runs as root; the session runs as convocate.
set -u

HOME_DIR=/home/convocate
CLIENTS_FILE="$HOME_DIR/.convocate-clients"
ACTIVITY_FILE="$HOME_DIR/.convocate-activity"

# A root-owned home is a fresh directory made by a root agent; a home owned by
# another uid belongs to a non-root agent, so the user moves to that uid
# rather than rewriting the operator's files.
owner=$(stat -c %u "$HOME_DIR")
if [ "$owner" = 0 ]; then
  chown convocate:convocate "$HOME_DIR"
elif [ "$owner" != "$(id -u convocate)" ]; then
  usermod --non-unique --uid "$owner" convocate >/dev/null
  groupmod --non-unique --gid "$(stat -c %g "$HOME_DIR")" convocate >/dev/null 2>&1 || true
fi

# The container's environment (the agent's session env included) reaches
# tmux, Claude and every shell in the session.
as_user() {
  runuser -u convocate -- env HOME="$HOME_DIR" USER=convocate LOGNAME=convocate \
    SHELL=/bin/bash TERM=xterm-256color "$@"
}

if [ -n "${CONVOCATE_SESSION_COMMAND:-}" ]; then
  session_cmd=$CONVOCATE_SESSION_COMMAND
elif command -v claude >/dev/null 2>&1; then
  session_cmd=claude
else
  session_cmd=
fi

shutdown() {
  as_user tmux kill-server >/dev/null 2>&1
  exit 0
}
trap shutdown TERM INT

as_user sh -c "echo 0 > '$CLIENTS_FILE'"
# Whatever the last run left behind is stale: Claude reports afresh, and a
# session without Claude has no activity file at all.
as_user rm -f "$ACTIVITY_FILE"
if [ "$session_cmd" = claude ]; then as_user convocate-activity starting; fi
cd "$HOME_DIR" || exit 1
# The agent reads the clients file to show "attached"; hooks keep it current.
count="tmux list-clients -t claude 2>/dev/null | wc -l > $CLIENTS_FILE"
as_user tmux new-session -d -s claude -x 200 -y 50 -c "$HOME_DIR" convocate-session "$session_cmd" || exit 1
as_user tmux set-hook -g client-attached "run-shell '$count'"
as_user tmux set-hook -g client-detached "run-shell '$count'"
as_user tmux set-hook -g session-closed "wait-for -S convocate-closed"
echo 'convocate: ready'

# Block until the session closes (its hook signals) or the server goes away
# (the waiting client's connection drops): an idle container spends no CPU.
# `& wait` so that the TERM trap runs at once.
while as_user tmux has-session -t claude 2>/dev/null; do
  as_user tmux wait-for convocate-closed &
  wait $!
done
