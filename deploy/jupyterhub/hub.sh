#!/usr/bin/env bash
# A JupyterHub for a small class on this machine, serving the course from this checkout.
#   deploy/jupyterhub/hub.sh start    serve the checkout's last commit, start the hub, print the link
#   deploy/jupyterhub/hub.sh stop     stop the hub and every learner's server
#   deploy/jupyterhub/hub.sh status   running or not, and the link
# Environment: HUB_STATE, HUB_PORT, HUB_IP, HUB_PYTHON, HUB_PASSWORD, HUB_SERVICE_TOKEN (see
# jupyterhub_config.py). `make hub` and `make hub-stop` call this.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CHECKOUT=$(cd "$HERE/../.." && pwd)
# Outside the checkout: `make clean` or a fresh clone must never delete learners' homes and answers.
export HUB_STATE=${HUB_STATE:-${XDG_DATA_HOME:-$HOME/.local/share}/threelevels-hub}
export HUB_PORT=${HUB_PORT:-8000}
export HUB_IP=${HUB_IP:-127.0.0.1}
export HUB_PYTHON=${HUB_PYTHON:-$CHECKOUT/.venv/bin/python}
export HUB_PROXY=${HUB_PROXY:-$CHECKOUT/.cache/hub/node/node_modules/.bin/configurable-http-proxy}
RUN=$HUB_STATE/run
PIDFILE=$RUN/hub.pid
# The course remote learners pull from: a bare repository named three-levels (nbgitpuller names
# the learner's folder after the last part of the URL, so it must not end in .git).
REMOTE=$HUB_STATE/course/three-levels
BASE=http://$HUB_IP:$HUB_PORT

link() {
  local py=$HUB_PYTHON; [ -x "$py" ] || py=python3
  "$py" - "$BASE" "$REMOTE" <<'PY'
import sys, urllib.parse
base, repo = sys.argv[1:]
q = urllib.parse.urlencode({"repo": repo, "branch": "main",
                            "urlpath": "lab/tree/three-levels/lessons/01-three-levels.ipynb"})
print(f"{base}/hub/user-redirect/git-pull?{q}")
PY
}

running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# Put the checkout's last commit on the remote's main branch. Learners get it through the link;
# a learner who clicks again gets the update merged with their own edits (nbgitpuller).
publish() {
  [ -d "$REMOTE" ] || git init --quiet --bare "$REMOTE"
  git -C "$CHECKOUT" push --quiet --force "$REMOTE" HEAD:refs/heads/main
  git -C "$REMOTE" symbolic-ref HEAD refs/heads/main
  if [ -n "$(git -C "$CHECKOUT" status --porcelain -- lessons exercises 2>/dev/null)" ]; then
    echo "Note: lessons/ or exercises/ have uncommitted changes; learners get the last commit only."
  fi
}

start() {
  if running; then
    publish
    echo "A hub is already running (pid $(cat "$PIDFILE")); the checkout's last commit is published. Learner link:"
    link; return 0
  fi
  for tool in "$HUB_PYTHON" "$HUB_PROXY"; do
    [ -x "$tool" ] || { echo "Missing $tool: run 'make hub' (it installs the hub first)." >&2; exit 1; }
  done
  mkdir -p "$RUN" "$HUB_STATE/logs"
  publish
  # exec: the background subshell becomes the hub (its pid is $!), holding none of our output
  (cd "$RUN" && exec nohup "$HUB_PYTHON" -m jupyterhub -f "$HERE/jupyterhub_config.py" \
      >"$HUB_STATE/logs/hub.log" 2>&1 </dev/null) &
  echo $! >"$PIDFILE"
  for _ in $(seq 120); do
    if "$HUB_PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
        "$BASE/hub/api/" >/dev/null 2>&1; then
      echo "JupyterHub is running at $BASE (pid $(cat "$PIDFILE"); log: $HUB_STATE/logs/hub.log)."
      echo
      echo "Learner link: each learner opens it and logs in with their own name and $([ -n "${HUB_PASSWORD:-}" ] && echo "the class password" || echo "any password (demo)");"
      echo "the hub starts their server and copies the course into their home."
      link
      echo
      echo "Exports are collected in $HUB_STATE/exports (learners: threelevels export --output \"\$CLASS_EXPORTS\")."
      echo "Stop the hub and every learner's server with: make hub-stop"
      return 0
    fi
    if ! running; then break; fi
    sleep 0.5
  done
  echo "The hub did not start; the end of $HUB_STATE/logs/hub.log:" >&2
  tail -20 "$HUB_STATE/logs/hub.log" >&2
  stop >/dev/null || true
  exit 1
}

stop() {
  if ! running; then echo "No hub is running (state: $HUB_STATE)."; rm -f "$PIDFILE"; return 0; fi
  local pid; pid=$(cat "$PIDFILE")
  kill -TERM "$pid"
  for _ in $(seq 120); do
    if ! kill -0 "$pid" 2>/dev/null; then rm -f "$PIDFILE"; echo "Hub stopped (pid $pid); learners' homes are kept in $HUB_STATE/homes."; return 0; fi
    sleep 0.5
  done
  echo "The hub (pid $pid) did not stop in 60 s." >&2; exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$PIDFILE"))"; link; else echo "not running"; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
