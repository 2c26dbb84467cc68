#!/bin/bash
# Session container entrypoint: fit the convocate user to the bind-mounted
# home, start tmux session `claude`, say `convocate: ready`, and live as long
# as that session does. Runs as root; the session itself runs as convocate.
set -u

HOME_DIR=/home/convocate
CLIENTS_FILE="$HOME_DIR/.convocate-clients"

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

as_user() {
  runuser -u convocate -- env HOME="$HOME_DIR" USER=convocate LOGNAME=convocate \
    SHELL=/bin/bash TERM=xterm-256color "$@"
}

if [ -n "${CONVOCATE_SESSION_COMMAND:-}" ]; then
  session_cmd=$CONVOCATE_SESSION_COMMAND
elif as_user bash -lc 'command -v claude' >/dev/null 2>&1; then
  session_cmd=claude
else
  session_cmd='bash -l'
fi

shutdown() {
  as_user tmux kill-server >/dev/null 2>&1
  exit 0
}
trap shutdown TERM INT

as_user sh -c "echo 0 > '$CLIENTS_FILE'"
cd "$HOME_DIR" || exit 1
# The agent reads the clients file to show "attached"; hooks keep it current.
count="tmux list-clients -t claude 2>/dev/null | wc -l > $CLIENTS_FILE"
as_user tmux new-session -d -s claude -x 200 -y 50 -c "$HOME_DIR" "$session_cmd" || exit 1
as_user tmux set-hook -g client-attached "run-shell '$count'"
as_user tmux set-hook -g client-detached "run-shell '$count'"
echo 'convocate: ready'

# `sleep & wait` instead of a bare sleep so that the TERM trap runs at once.
while as_user tmux has-session -t claude 2>/dev/null; do
  sleep 1 &
  wait $!
done
