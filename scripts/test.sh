#!/usr/bin/env bash
# Runs every test of TCPMon, installing what the tests need that is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

# Real servers and clients the tests drive: nginx, tinyproxy, Python's http.server, curl;
# Chromium for the UI tests.
need_packages build-essential pkg-config curl python3 nginx-light tinyproxy chromium
need_node_modules

echo "== Rust: unit and integration tests"
cargo test --workspace --locked
echo "== UI: unit tests and headless Chromium"
npm run --silent test:ui
