#!/usr/bin/env bash
# Scale benchmark of the desktop app: COUNT connections captured with the window open.
#
# Starts the e2e harness pieces (Xvfb, tauri-driver; see tests/e2e/run.sh), opens the release
# app, adds a listener through the Admin form in front of tcpmon-bench's echo responder, runs
# `tcpmon-bench conns` through it and prints figures (bench/app-scale.mjs does the measuring):
# load rate, time until the table shows the last row, time to scroll to the end, the RSS of the
# app and of its WebKit processes. It prints figures and judges nothing.
#
#   bash bench/app-scale.sh                  # 100,000 connections
#   COUNT=5000 bash bench/app-scale.sh       # a quick look
#
# Knobs (environment): COUNT (100000), SIZE (bytes each way per connection, 1024),
# CONCURRENCY (32), RATE (connections started per second at most; 0, the default: as fast
# as they go; the window's goal is set at RATE=3000), DIRECT_COUNT (connections of the direct
# baseline run without the app, 20000; 0 skips it), CATCH_UP_TIMEOUT (seconds to wait for the last row, 600),
# TCPMON_APP (an app binary to use as it is: no build), APP_SCALE_BUILD=0 (skip the build and
# use what is in $CARGO_TARGET_DIR/release), KEEP_WORK=1 (keep the temp dir with the app's log).
# Needs: Xvfb, WebKitWebDriver (webkit2gtk-driver), node_modules (npm ci), cargo, Linux /proc.
# Figures mean something only on an otherwise idle machine: the load average is printed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

: "${COUNT:=100000}" "${SIZE:=1024}" "${CONCURRENCY:=32}" "${RATE:=0}" "${DIRECT_COUNT:=20000}"
: "${CATCH_UP_TIMEOUT:=600}" "${APP_SCALE_BUILD:=1}" "${KEEP_WORK:=0}"
say() { echo "app-scale: $*" >&2; }
die() {
  say "$*"
  exit 1
}

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tcpmon-target}"
[[ $CARGO_TARGET_DIR == /* ]] || CARGO_TARGET_DIR="$root/$CARGO_TARGET_DIR"
bench="$CARGO_TARGET_DIR/release/tcpmon-bench"
if [[ -n "${TCPMON_APP:-}" ]]; then
  app="$TCPMON_APP"
  [[ $APP_SCALE_BUILD == 0 ]] || { say "building tcpmon-bench"; cargo build --release -p tcpmon-bench; }
else
  app="$CARGO_TARGET_DIR/release/tcpmon"
  if [[ $APP_SCALE_BUILD != 0 ]]; then
    say "building the UI and the release app (npm run build:ui; cargo build --release)"
    npm run --silent build:ui
    cargo build --release -p tcpmon-app -p tcpmon-bench
  fi
fi
[[ -x "$app" ]] || die "no app at $app"
[[ -x "$bench" ]] || die "no tcpmon-bench at $bench (cargo build --release -p tcpmon-bench)"
for tool in Xvfb WebKitWebDriver; do
  command -v "$tool" >/dev/null || die "$tool is missing (see scripts/test.sh)"
done
[[ -d node_modules/webdriverio ]] || npm ci --no-audit --no-fund
# Kept out of package.json, as in tests/e2e/run.sh.
driver="$root/node_modules/.bin/tauri-driver"
[[ -x "$driver" ]] || npm install --no-save --no-audit --no-fund @crabnebula/tauri-driver@2 >/dev/null

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tcpmon-app-scale.XXXXXX")"
pids=()

# Every process started here, by PID, with what it started (as tests/e2e/run.sh does it).
. "$root/tests/e2e/lib/processes.sh"
cleanup() {
  local status=$? victims=() kids=() pid i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    mapfile -t kids < <(descendants "${pids[i]}")
    victims+=("${kids[@]}" "${pids[i]}")
  done
  end_processes "${victims[@]}"
  if ((status != 0)); then
    local log
    for log in app tauri-driver serve; do
      [[ -s "$tmp/$log.log" ]] || continue
      say "last 20 lines of $log.log"
      tail -n 20 "$tmp/$log.log" >&2
    done
  fi
  if [[ $KEEP_WORK == 1 ]]; then say "logs kept in $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r load_before _ </proc/loadavg

# The echo responder: reads SIZE bytes, sends them back, closes.
"$bench" serve --reply-size "$SIZE" >"$tmp/serve.out" 2>"$tmp/serve.log" &
pids+=($!)
for _ in $(seq 100); do grep -q '^reply ' "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
reply_port="$(awk '$1 == "reply" { sub(/.*:/, "", $2); print $2 }' "$tmp/serve.out")"
[[ -n $reply_port ]] || die "tcpmon-bench serve printed no reply address"

# A free X display, picked by the server itself.
exec {fd}>"$tmp/display"
Xvfb -displayfd "$fd" -screen 0 1280x800x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
pids+=($!)
exec {fd}>&-
for _ in $(seq 100); do [[ -s "$tmp/display" ]] && break; sleep 0.05; done
[[ -s "$tmp/display" ]] || die "Xvfb did not start: $(cat "$tmp/xvfb.log")"
display_number="$(head -n1 "$tmp/display")"
export DISPLAY=":$display_number"

port="$("$bench" free-port)"
native_port="$("$bench" free-port)"
# tests/e2e/app.sh starts the app with a fresh config dir and its output in app.log.
E2E_TMP="$tmp" E2E_APP_BINARY="$app" E2E_APP_LOG="$tmp/app.log" \
  "$driver" --port "$port" --native-port "$native_port" >"$tmp/tauri-driver.log" 2>&1 &
driver_pid=$!
pids+=("$driver_pid")
driver_up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
for _ in $(seq 100); do driver_up && break; sleep 0.1; done
driver_up || die "tauri-driver did not start"

say "$COUNT connections of $SIZE B each way, $CONCURRENCY at a time, through $app on DISPLAY=$DISPLAY"
export E2E_DRIVER_PORT="$port" E2E_TMP="$tmp" E2E_APP="$root/tests/e2e/app.sh"
export APP_SCALE_DRIVER_PID="$driver_pid" APP_SCALE_APP="$app" APP_SCALE_BENCH="$bench"
export APP_SCALE_REPLY_PORT="$reply_port" APP_SCALE_LOAD_BEFORE="$load_before"
export COUNT SIZE CONCURRENCY RATE DIRECT_COUNT CATCH_UP_TIMEOUT
# In the background and waited for, so a signal reaches the trap at once.
node bench/app-scale.mjs &
pids+=($!)
wait $!
