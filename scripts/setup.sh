#!/usr/bin/env bash
# Brings a fresh Debian 12 machine (as root) to a working convocate: system
# packages, a Docker daemon, the npm install and build, and the session image
# built offline with Claude Code (from the npm registry). Idempotent: installs
# only what is missing, reuses a running dockerd and a session image whose
# files and Claude are current.
set -euo pipefail

cd "$(dirname "$0")/.."
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}

section() { printf '\n==== %s ====\n' "$*"; }

section "system packages"
# command name -> Debian package. g++, make and python3 build ssh2's native
# crypto binding at npm ci: its ciphers, and no WebAssembly in any process.
declare -A wanted=(
  [dockerd]=docker.io [tmux]=tmux [ssh]=openssh-client [sshd]=openssh-server
  [dnsmasq]=dnsmasq [dig]=dnsutils [debootstrap]=debootstrap [hyperfine]=hyperfine
  [chromium]=chromium [git]=git [g++]=g++ [make]=make [python3]=python3
)
missing=()
for cmd in "${!wanted[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    missing+=("${wanted[$cmd]}")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi

section "docker daemon"
if docker info >/dev/null 2>&1; then
  echo "dockerd already answering; leaving it alone"
else
  echo "starting dockerd (log: $DOCKERD_LOG)"
  nohup dockerd >"$DOCKERD_LOG" 2>&1 &
  deadline=$((SECONDS + 60))
  tries=0
  until docker info >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ $SECONDS -ge $deadline ] || [ $tries -ge 240 ]; then
      echo "dockerd did not answer within 60 s; last log lines:" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      exit 1
    fi
    sleep 0.25
  done
  echo "dockerd up after $tries polls"
fi

section "npm ci"
npm ci

section "build"
npm run build

section "session image (offline, with Claude Code)"
start=$SECONDS
node dist/bin/convocate-agent.js image build --offline
echo "image ready in $((SECONDS - start)) s"

