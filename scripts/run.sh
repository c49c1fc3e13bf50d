#!/usr/bin/env bash
# Runs TCPMon against a demo target, installing what is missing. Extra arguments go to the
# CLI instead of the demo ones, e.g. `scripts/run.sh 8081 example.org 80`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages build-essential pkg-config python3
cargo build --locked --release -p tcpmon-cli
cli="$CARGO_TARGET_DIR/release/tcpmon-cli"
if [ $# -gt 0 ]; then exec "$cli" "$@"; fi

# The demo: Python's http.server on 127.0.0.1:8000, TCPMon on 127.0.0.1:8081 in front of it.
python3 -m http.server 8000 --bind 127.0.0.1 --directory "$PWD/docs" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
echo "demo: try  curl http://127.0.0.1:8081/  in another terminal; Ctrl-C ends" >&2
"$cli" 8081 127.0.0.1 8000 --save tcpmon-demo.tcpmon
