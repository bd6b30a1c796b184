#!/usr/bin/env bash
# Install what a hub needs beside the course, for `make hub`, `make bench-hub` and the hub test:
#   - jupyterhub and nbgitpuller (requirements.txt) into the Python environment that has the course;
#   - configurable-http-proxy (npm) into .cache/hub/node (JupyterHub cannot run without a proxy).
# Usage: deploy/jupyterhub/install.sh PYTHON     (run from the checkout; idempotent)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:?usage: install.sh PYTHON}
CHP_VERSION=5.3.0
NODE_DIR=.cache/hub/node

"$PY" -m pip install --quiet -c constraints.txt -r deploy/jupyterhub/requirements.txt

if [ -x "$NODE_DIR/node_modules/.bin/configurable-http-proxy" ]; then
  :
elif command -v npm >/dev/null 2>&1; then
  mkdir -p "$NODE_DIR"
  npm install --silent --no-save --no-audit --no-fund --prefix "$NODE_DIR" "configurable-http-proxy@$CHP_VERSION"
else
  echo "install.sh: npm not found, so configurable-http-proxy is not installed:" \
       "make hub cannot start a hub and the hub test is skipped (install npm, then run this again)." >&2
  exit 0
fi
mkdir -p .cache/hub && touch .cache/hub/.installed
