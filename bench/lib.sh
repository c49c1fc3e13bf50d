# What the smaller bench scripts (ws.sh, h2.sh, rules.sh) share; sourced after each sets NAME
# (its name, for messages) and, optionally, BUILD=0 and KEEP_WORK=1.
#
# Sets ROOT, CLI, BENCH (the release binaries, built unless BUILD=0), WORK (a temp folder,
# removed at exit unless KEEP_WORK=1) and `pids` (processes killed at exit); defines say,
# ticks PID (user+system CPU ticks) and wait_port PORT.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=1}" "${KEEP_WORK:=0}"
say() { echo "$NAME: $*" >&2; }

if [[ $BUILD == 1 ]]; then
    say "building release binaries"
    (cd "$ROOT" && cargo build --release -q -p tcpmon-cli -p tcpmon-bench)
fi
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
CLI=$TARGET_DIR/release/tcpmon-cli
BENCH=$TARGET_DIR/release/tcpmon-bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpmon-$NAME.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ $KEEP_WORK == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_port() {
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
        sleep 0.05
    done
    say "port $1 never opened"
    exit 1
}
