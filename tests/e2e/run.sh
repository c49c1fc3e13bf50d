#!/usr/bin/env bash
# End-to-end tests of the desktop app: the real window (WebKitGTK) driven over WebDriver, with
# real clients (curl) and servers (Python's http.server, nginx, a small SOAP server).
#
#   bash tests/e2e/run.sh                 build the app, then run every tests/e2e/*.test.mjs
#   bash tests/e2e/run.sh relay proxy     only relay.test.mjs and proxy.test.mjs
#   bash tests/e2e/run.sh screenshots     write the README screenshots to docs/screenshots/
#
# TCPMON_APP=/usr/bin/tcpmon tests an installed binary (no build); E2E_BUILD=0 skips the build.
# Needs: Xvfb, WebKitWebDriver (webkit2gtk-driver), curl, python3, nginx, node_modules.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

if [[ -n "${TCPMON_APP:-}" ]]; then
  app="$TCPMON_APP"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tcpmon-target}"
  app="$CARGO_TARGET_DIR/debug/tcpmon"
  if [[ "${E2E_BUILD:-1}" != 0 ]]; then
    echo "== e2e: building the app (npm run build:app) and tcpmon-cli (rules.test.mjs runs it)"
    npm run --silent build:app
    cargo build -p tcpmon-cli
  fi
fi
[[ -x "$app" ]] || { echo "e2e: no app at $app (npm run build:app)" >&2; exit 1; }
for tool in Xvfb WebKitWebDriver curl python3 nginx; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing (see scripts/test.sh)" >&2; exit 1; }
done
[[ -d node_modules/webdriverio ]] || npm ci --no-audit --no-fund
# Kept out of package.json: its lockfile entries break `npm ci` (docs: tauri-on-debian12.md).
driver="$root/node_modules/.bin/tauri-driver"
[[ -x "$driver" ]] || npm install --no-save --no-audit --no-fund @crabnebula/tauri-driver@2 >/dev/null

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tcpmon-e2e.XXXXXX")"
pids=()

# Every process this run started, by PID: Xvfb, tauri-driver and what it spawned (WebKitWebDriver,
# the app and WebKit's helpers), the tests and the servers they started.
. "$root/tests/e2e/lib/processes.sh"
cleanup() {
  local status=$? victims=() pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    victims+=($(descendants "${pids[i]}") "${pids[i]}")
  done
  # Servers whose test process died before ending them: "PID program" lines, checked against
  # the process's command line so a reused PID is never hit.
  local program
  while read -r pid program; do
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$program" && victims+=("$pid")
  done < <(cat "$tmp/pids" 2>/dev/null)
  end_processes "${victims[@]}"
  if ((status != 0)); then
    local log
    for log in app tauri-driver; do
      [[ -s "$tmp/$log.log" ]] || continue
      echo "== e2e: last 40 lines of $log.log"
      tail -n 40 "$tmp/$log.log"
    done
  fi
  [[ "${E2E_KEEP_TMP:-0}" == 1 ]] || rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free X display, picked by the server itself (a fixed :99 may be taken).
exec {fd}>"$tmp/display"
Xvfb -displayfd "$fd" -screen 0 1280x800x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
pids+=($!)
exec {fd}>&-
for _ in $(seq 100); do [[ -s "$tmp/display" ]] && break; sleep 0.05; done
[[ -s "$tmp/display" ]] || { echo "e2e: Xvfb did not start" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$tmp/display")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
native_port="$(free_port)"
mkdir -p "$tmp/dialog"
# tauri-driver hands its environment to every app it starts (through app.sh, which gives each
# start a fresh config dir and logs its output): every save/open dialog answers with one file
# in the run's temp dir.
TCPMON_TEST_DIALOG_PATH="$tmp/dialog/capture.tcpmon" \
  E2E_TMP="$tmp" E2E_APP_BINARY="$app" E2E_APP_LOG="$tmp/app.log" \
  "$driver" --port "$port" --native-port "$native_port" >"$tmp/tauri-driver.log" 2>&1 &
pids+=($!)
driver_up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
for _ in $(seq 100); do driver_up && break; sleep 0.1; done
driver_up || { echo "e2e: tauri-driver did not start" >&2; exit 1; }

export E2E_DRIVER_PORT="$port" E2E_TMP="$tmp" E2E_APP="$root/tests/e2e/app.sh"
export E2E_DIALOG_PATH="$tmp/dialog/capture.tcpmon"

if [[ "${1:-}" == screenshots ]]; then
  command=(node tests/e2e/screenshots.mjs)
else
  files=()
  for name in "$@"; do files+=("tests/e2e/$name.test.mjs"); done
  ((${#files[@]})) || files=(tests/e2e/*.test.mjs)
  echo "== e2e: ${#files[@]} files against $app on DISPLAY=$DISPLAY"
  # One window at a time: there is one display and two cores.
  command=(node --test --test-concurrency=1 --test-timeout=90000 "${files[@]}")
fi
# In the background and waited for, so a signal reaches the trap at once, not after the tests.
"${command[@]}" &
pids+=($!)
wait $!
