#!/usr/bin/env bash
# Rules and faults benchmark, in one go (issue 12's figures): HTTP requests/s and tcpmon-cli's
# CPU per request with wrk (keep-alive) against `tcpmon-bench serve`'s HTTP responder, direct
# and through tcpmon-cli with no rules, with 10 rules that match nothing, and with one rule
# that changes every response; then the latency a `latency=` fault adds against its setting
# (p50 and p99, from wrk's latency distribution). It prints figures and judges nothing.
#
#   bash bench/rules.sh            # 10 s per run
#   QUICK=1 bash bench/rules.sh    # 3 s per run
#
# Knobs: QUICK, DURATION (s), CONNECTIONS (wrk), LATENCY_MS (the fault's setting). Needs: wrk,
# cargo. Numbers mean something on an idle machine.
set -euo pipefail

if [[ ${QUICK:-0} == 1 ]]; then : "${DURATION:=3}"; else : "${DURATION:=10}"; fi
: "${CONNECTIONS:=32}" "${LATENCY_MS:=20}"
NAME=rules.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v wrk >/dev/null || { say "missing: wrk (apt-get install wrk)"; exit 1; }

"$BENCH" serve > "$WORK/serve.out" & pids+=($!)
for _ in $(seq 100); do grep -q '^http ' "$WORK/serve.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(awk '/^http / {print $2}' "$WORK/serve.out" | cut -d: -f2)

# Ten rules that never match (paths no request has), and one that sets a header on every
# response: the cost of looking, and of changing.
{
    echo '['
    for i in $(seq 1 10); do
        echo "{\"when\": \"path:/never-$i\", \"then\": {\"setHeader\": {\"X-Rule\": \"$i\"}}},"
    done
    echo '{"when": "path:/never-11", "then": {"removeHeader": ["X-None"]}}'
    echo ']'
} > "$WORK/ten.json"
echo '[{"when": "path:/", "on": "response", "then": {"setHeader": {"X-Debug": "1"}}}]' > "$WORK/one.json"

TCPMON_PID=
start_tcpmon() { # ARGS...: tcpmon-cli in front of the responder; sets TCPMON and TCPMON_PID
    TCPMON=$("$BENCH" free-port)
    XDG_CACHE_HOME=$WORK/cache "$CLI" "$TCPMON" 127.0.0.1 "$PORT" --quiet "$@" > /dev/null &
    TCPMON_PID=$!
    pids+=("$TCPMON_PID")
    wait_port "$TCPMON"
}
stop_tcpmon() { kill "$TCPMON_PID"; wait "$TCPMON_PID" 2>/dev/null || true; }

# wrk_run PORT [ARGS]: "requests/s requests p50 p99" (latencies in ms)
to_ms() { awk -v v="$1" 'BEGIN { u = v; sub(/[0-9.]+/, "", u); n = v + 0;
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; printf "%.2f", n }'; }
wrk_run() {
    local port=$1
    shift
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "http://127.0.0.1:$port/item" > "$WORK/wrk.out"
    local rps reqs p50 p99
    rps=$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.out")
    reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")")
    echo "$rps $reqs $p50 $p99"
}

# through NAME ARGS...: a fresh tcpmon-cli with ARGS, wrk through it; prints the row.
through() {
    local name=$1
    shift
    start_tcpmon "$@"
    local before used
    before=$(ticks "$TCPMON_PID")
    read -r rps reqs p50 p99 < <(wrk_run "$TCPMON")
    used=$(( $(ticks "$TCPMON_PID") - before ))
    stop_tcpmon
    awk -v n="$name" -v r="$rps" -v q="$reqs" -v t="$used" -v k="$(getconf CLK_TCK)" -v p="$p99" \
        'BEGIN { printf "%-44s %12.0f %14.2f %10.2f\n", n, r, t / k / q * 1e6, p }'
}

say "wrk -t2 -c$CONNECTIONS -d${DURATION}s, keep-alive, a 2-byte answer"
printf '%-44s %12s %14s %10s\n' "" "requests/s" "CPU us/request" "p99 ms"
read -r rps _ _ p99 < <(wrk_run "$PORT")
printf '%-44s %12.0f %14s %10.2f\n' "direct" "$rps" "-" "$p99"
through "tcpmon-cli, no rules"
through "tcpmon-cli, 11 rules that match nothing" --rules "$WORK/ten.json"
through "tcpmon-cli, 1 rule changing every response" --rules "$WORK/one.json"

say "the latency fault: --fault latency=${LATENCY_MS}ms,dir=down against no fault"
start_tcpmon
read -r _ _ base50 base99 < <(wrk_run "$TCPMON" -c4)
stop_tcpmon
start_tcpmon --fault "latency=${LATENCY_MS}ms,dir=down"
read -r _ _ f50 f99 < <(wrk_run "$TCPMON" -c4)
stop_tcpmon
awk -v s="$LATENCY_MS" -v b50="$base50" -v b99="$base99" -v f50="$f50" -v f99="$f99" 'BEGIN {
    printf "latency fault %d ms: added p50 %.2f ms (error %+.2f), p99 %.2f ms (error %+.2f); without the fault p50 %.2f, p99 %.2f ms\n",
        s, f50 - b50, f50 - b50 - s, f99 - b99, f99 - b99 - s, b50, b99 }'
