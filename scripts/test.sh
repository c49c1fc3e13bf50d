#!/usr/bin/env bash
# Runs every test of TCPMon, installing what the tests need that is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

# Build tools and WebKitGTK for the desktop app; the real servers and clients the tests drive
# (nginx, tinyproxy, Python's http.server, curl, openssl, Java 17, tshark; nghttpd, nghttp and
# h2load for HTTP/2; protoc, whose --decode_raw the protobuf decoder is compared with and which
# makes the gRPC tests' descriptor set); Chromium for the UI
# tests and certutil for its trust of TCPMon's CA; man and the shells whose completions the
# .deb ships, to use them.
need_packages build-essential pkg-config libwebkit2gtk-4.1-dev \
  curl python3 python3-venv nginx-light tinyproxy openssl openjdk-17-jdk-headless tshark \
  chromium libnss3-tools xvfb xauth webkit2gtk-driver man-db zsh fish protobuf-compiler \
  nghttp2-client nghttp2-server
need_node_modules
need_python_venv

echo "== Rust: format, lints, unit and integration tests"
npm run --silent build:ui # the app embeds ui/dist when it compiles
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
echo "== HAR files as written, against har-validator and the HAR spec's other rules"
node --test tests/har/
echo "== Real clients through the CLI: curl, Python requests, zeep to spyne (SOAP); over TLS: requests, Java's HttpClient, openssl s_client, tshark with --keylog; WebSocket (websockets) and Server-Sent Events; gRPC (grpcio); HTTP/2 (nghttpd, nghttp, curl); a Python suite driving tcpmon-cli control"
node --test tests/clients/
echo "== A real browser through the relay, the proxy and the decrypting proxy (https)"
node --test tests/browser/
echo "== Fuzz targets, briefly (longer runs: bash fuzz/run.sh SECONDS)"
bash fuzz/run.sh "${FUZZ_SECONDS:-15}"
echo "== UI: unit tests and headless Chromium"
npm run --silent test:ui
echo "== The real app window over WebDriver"
npm run --silent test:e2e # builds the app binary it drives
echo "== The .deb: release build, contents, and its CLI, man pages and completions used"
node --test tests/package/ # builds it with scripts/package-deb.sh
