#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 20) each, with the committed seeds, and fails on
# the first crash. Needs cargo-fuzz; uses nightly when installed, else stable with
# RUSTC_BOOTSTRAP (the sanitizer flags are unstable).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/tcpmon-fuzz-target}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
targets=$(cargo "${toolchain[@]}" fuzz list)
cargo "${toolchain[@]}" fuzz build -O
for target in $targets; do
    mkdir -p "corpus/$target" "seeds/$target"
    echo "fuzz: $target for ${seconds}s"
    cargo "${toolchain[@]}" fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -dict=http.dict -print_final_stats=1 2>&1 |
        grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)|panicked|ERROR|SUMMARY|Test unit written' || true
    # A crash leaves its input under artifacts/: that is the failure.
    if compgen -G "artifacts/$target/crash-*" >/dev/null || compgen -G "artifacts/$target/oom-*" >/dev/null; then
        echo "fuzz: $target found a crash: fuzz/artifacts/$target" >&2
        exit 1
    fi
done
