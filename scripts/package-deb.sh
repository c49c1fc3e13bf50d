#!/usr/bin/env bash
# Builds the release binaries and the .deb (`npm run bundle:deb`); prints the package's path.
# What goes in it is set in src-tauri/tauri.conf.json (bundle.linux.deb), the CLI's part staged
# by scripts/stage-deb-cli.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
deb_dir="${CARGO_TARGET_DIR:-target}/release/bundle/deb"
rm -f "$deb_dir"/*.deb
npx tauri build --bundles deb >&2
ls "$deb_dir"/*.deb
