#!/usr/bin/env bash
# WebSocket benchmark, in one go: small messages both ways on one WebSocket, direct vs socat vs
# tcpmon-cli (capture on, every message counted by the tracker), then the frame reader's MB/s.
# It prints figures and judges nothing.
#
#   bash bench/ws.sh             # 1,000,000 messages each way, 32 bytes, 100 per write
#   QUICK=1 bash bench/ws.sh     # 100,000
#
# Knobs: QUICK, COUNT, SIZE, BATCH. Needs: socat, cargo. Numbers mean something on an idle
# machine.
set -euo pipefail

if [[ ${QUICK:-0} == 1 ]]; then : "${COUNT:=100000}"; else : "${COUNT:=1000000}"; fi
: "${SIZE:=32}" "${BATCH:=100}"
NAME=ws.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v socat >/dev/null || { say "missing: socat"; exit 1; }

"$BENCH" ws-serve > "$WORK/serve.out" & pids+=($!)
for _ in $(seq 100); do [[ -s $WORK/serve.out ]] && break; sleep 0.05; done
SERVER=$(awk '/^ws / {print $2}' "$WORK/serve.out")
PORT=${SERVER##*:}
SOCAT=$("$BENCH" free-port)
socat -lf /dev/null "tcp-listen:$SOCAT,bind=127.0.0.1,reuseaddr,fork" "tcp:127.0.0.1:$PORT" & pids+=($!)
TCPMON=$("$BENCH" free-port)
XDG_CACHE_HOME=$WORK/cache "$CLI" "$TCPMON" 127.0.0.1 "$PORT" --quiet > /dev/null & pids+=($!)
TCPMON_PID=$!
sleep 0.5

rate() { "$BENCH" ws --to "127.0.0.1:$1" --count "$COUNT" --size "$SIZE" --batch "$BATCH" | awk '{print $NF}' | cut -d= -f2; }
direct=$(rate "$PORT")
via_socat=$(rate "$SOCAT")
before=$(ticks "$TCPMON_PID")
via_tcpmon=$(rate "$TCPMON")
used=$(( $(ticks "$TCPMON_PID") - before ))
printf '%-44s %12s %12s %12s\n' "" direct socat tcpmon-cli
printf '%-44s %12s %12s %12s\n' "messages/s, ${SIZE} B, both ways, ${BATCH} per write" "$direct" "$via_socat" "$via_tcpmon"
awk -v t="$used" -v k="$(getconf CLK_TCK)" -v n="$COUNT" 'BEGIN { printf "tcpmon-cli CPU per message: %.2f us\n", t / k / (2 * n) * 1e6 }'
echo "tcpmon-cli peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$TCPMON_PID/status")"
"$BENCH" ws-decode --size "$SIZE"
"$BENCH" ws-decode --size 4096
