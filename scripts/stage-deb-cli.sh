#!/usr/bin/env bash
# Tauri's beforeBundleCommand (src-tauri/tauri.conf.json): puts the CLI parts of the .deb in
# target/deb-cli, where bundle.linux.deb.files takes them from: the tcpmon-cli binary, its man
# pages (gzipped, as Debian ships them) and its bash, zsh and fish completions, all made from
# the CLI's own clap definition by tcpmon-cli-docs. Rebuilt on every bundle, so nothing stale ships.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
[ "${TAURI_ENV_DEBUG:-}" = true ] && profile=debug # `tauri build --debug`
bins="${CARGO_TARGET_DIR:-target}/$profile"
stage=target/deb-cli

cargo build --locked --profile "${profile/debug/dev}" -p tcpmon-cli -p tcpmon-cli-docs
rm -rf "$stage"
mkdir -p "$stage"
cp "$bins/tcpmon-cli" "$stage/"
"$bins/tcpmon-cli-docs" "$stage" >/dev/null
gzip -9n "$stage"/man1/*.1
