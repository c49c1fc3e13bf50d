#!/usr/bin/env bash
# Runs the TCPMon desktop app, installing what is missing. Arguments go to the app, as Apache
# TCPMon's: `scripts/run.sh 8081 example.org 80` opens the window with that listener running.
# Without arguments it opens a demo: a listener on 127.0.0.1:8081 in front of Python's
# http.server on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages build-essential pkg-config libwebkit2gtk-4.1-dev python3
need_node_modules
npm run --silent build:ui
cargo build --locked --release -p tcpmon-app
app="$CARGO_TARGET_DIR/release/tcpmon"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "TCPMon opens a window: run it in a desktop session (or under xvfb-run -a)." >&2
  exit 1
fi
if [ $# -gt 0 ]; then exec "$app" "$@"; fi

python3 -m http.server 8000 --bind 127.0.0.1 --directory "$PWD/docs" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
echo "demo: TCPMon listens on 127.0.0.1:8081; try  curl http://127.0.0.1:8081/  in another terminal" >&2
"$app" 8081 127.0.0.1 8000
