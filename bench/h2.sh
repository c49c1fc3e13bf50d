#!/usr/bin/env bash
# HTTP/2 benchmark, in one go: h2load against nghttpd (h2c, a small static file) directly,
# through socat and through tcpmon-cli (capture on, the default), RUNS rounds with the three
# paths taking turns in each, reported lowest-highest (a 2-core VM is noisy); then tcpmon-cli's
# CPU per request and peak RSS, and every protocol decoder's MB/s (tcpmon-bench decoders).
# It prints figures and judges nothing.
#
#   bash bench/h2.sh             # 3 rounds: 1,000,000 requests on 10 connections x 10 streams,
#                                # 200,000 on 100 connections x 1 stream (~2 min)
#   QUICK=1 bash bench/h2.sh     # 1 round, a tenth of the requests
#
# Knobs: QUICK, RUNS, REQUESTS, MANY_REQUESTS (the 100-connection run; 0 skips it), BODY_SIZE
# (bytes, 1024), DECODERS_MB (MiB per decoder, 64; 0 skips them), BUILD=0 (use the binaries as
# built), KEEP_WORK=1 (keep the temp dir with the logs). Needs: h2load (nghttp2-client),
# nghttpd (nghttp2-server), socat, cargo. Numbers mean something on an idle machine.
set -euo pipefail

if [[ ${QUICK:-0} == 1 ]]; then
    : "${RUNS:=1}" "${REQUESTS:=100000}" "${MANY_REQUESTS:=20000}"
else
    : "${RUNS:=3}" "${REQUESTS:=1000000}" "${MANY_REQUESTS:=200000}"
fi
: "${BODY_SIZE:=1024}" "${DECODERS_MB:=64}"
NAME=h2.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for tool in h2load nghttpd socat; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing: $tool (apt-get install nghttp2-client nghttp2-server socat)"; exit 1; }
done

mkdir "$WORK/www"
head -c "$BODY_SIZE" /dev/zero | tr '\0' x > "$WORK/www/small"
ORIGIN=$("$BENCH" free-port)
nghttpd --no-tls -d "$WORK/www" "$ORIGIN" > "$WORK/nghttpd.log" 2>&1 & pids+=($!)
SOCAT=$("$BENCH" free-port)
socat -lf /dev/null "tcp-listen:$SOCAT,bind=127.0.0.1,reuseaddr,fork,backlog=1024" "tcp:127.0.0.1:$ORIGIN" & pids+=($!)
for port in "$ORIGIN" "$SOCAT"; do wait_port "$port"; done

# A fresh tcpmon-cli for each of its runs, so that its capture (about 1.1 KB a request) never
# holds more than one run's bytes on disk; sets TCPMON (its port) and TCPMON_PID.
start_tcpmon() {
    TCPMON=$("$BENCH" free-port)
    XDG_CACHE_HOME=$WORK/cache "$CLI" "$TCPMON" 127.0.0.1 "$ORIGIN" --quiet > /dev/null 2>> "$WORK/tcpmon.err" &
    TCPMON_PID=$!
    pids+=("$TCPMON_PID")
    wait_port "$TCPMON"
}
stop_tcpmon() { kill "$TCPMON_PID"; wait "$TCPMON_PID" 2>/dev/null || true; }

# Requests per second of one h2load run: port, requests, connections, streams per connection.
# A run where any request failed stops the benchmark (its rate would mean nothing).
rate() {
    local out
    out=$(h2load -n "$2" -c "$3" -m "$4" "http://127.0.0.1:$1/small" 2>&1)
    if ! awk '/^requests:/ && $2 == $8 {ok = 1} END {exit !ok}' <<< "$out"; then
        say "h2load through port $1 did not succeed:"; echo "$out" >&2; exit 1
    fi
    awk '/^finished in/ {printf "%.0f", $4}' <<< "$out"
}
# "lowest-highest" of the numbers given, printed with the awk format $1.
span() {
    local format=$1; shift
    printf '%s\n' "$@" | sort -g | awk -v f="$format" 'NR == 1 {lo = $1} {hi = $1}
        END {s = sprintf(f, lo); if (hi != lo) s = s "-" sprintf(f, hi); print s}'
}

SHAPES=("$REQUESTS 10 10")
[[ $MANY_REQUESTS -gt 0 ]] && SHAPES+=("$MANY_REQUESTS 100 1")
declare -A DIRECT SOCATR TCPMONR VS_SOCAT VS_DIRECT TICKS
PEAK_KB=0
for round in $(seq "$RUNS"); do
    say "round $round of $RUNS"
    for shape in "${SHAPES[@]}"; do
        read -r n c m <<< "$shape"
        d=$(rate "$ORIGIN" "$n" "$c" "$m")
        s=$(rate "$SOCAT" "$n" "$c" "$m")
        start_tcpmon
        before=$(ticks "$TCPMON_PID")
        t=$(rate "$TCPMON" "$n" "$c" "$m")
        TICKS[$shape]=$(( ${TICKS[$shape]:-0} + $(ticks "$TCPMON_PID") - before ))
        peak=$(awk '/VmHWM/ {print $2}' "/proc/$TCPMON_PID/status")
        PEAK_KB=$(( peak > PEAK_KB ? peak : PEAK_KB ))
        stop_tcpmon
        DIRECT[$shape]+="$d "; SOCATR[$shape]+="$s "; TCPMONR[$shape]+="$t "
        VS_SOCAT[$shape]+="$(awk -v a="$t" -v b="$s" 'BEGIN {print a / b}') "
        VS_DIRECT[$shape]+="$(awk -v a="$t" -v b="$d" 'BEGIN {print a / b}') "
    done
done

runs="1 run"; [[ $RUNS -gt 1 ]] && runs="lowest-highest of $RUNS runs"
echo "HTTP/2 requests/s (h2load, h2c, ${BODY_SIZE}-byte file from nghttpd), $runs:"
row() { printf '%-36s %16s %16s %16s %14s %14s\n' "$@"; }
row "" direct socat tcpmon-cli tcpmon/socat tcpmon/direct
for shape in "${SHAPES[@]}"; do
    read -r n c m <<< "$shape"
    # shellcheck disable=SC2086 # the lists are space-separated numbers
    row "$n req, $c conn x $m streams" "$(span %.0f ${DIRECT[$shape]})" "$(span %.0f ${SOCATR[$shape]})" \
        "$(span %.0f ${TCPMONR[$shape]})" "$(span %.2f ${VS_SOCAT[$shape]})" "$(span %.2f ${VS_DIRECT[$shape]})"
done
for shape in "${SHAPES[@]}"; do
    read -r n c m <<< "$shape"
    awk -v t="${TICKS[$shape]}" -v k="$(getconf CLK_TCK)" -v n="$n" -v r="$RUNS" -v c="$c" -v m="$m" \
        'BEGIN { printf "tcpmon-cli CPU per request (%s conn x %s streams): %.2f us\n", c, m, t / k / (n * r) * 1e6 }'
done
echo "tcpmon-cli peak RSS (the largest of its runs, each a fresh process): $PEAK_KB kB"
[[ -s $WORK/tcpmon.err ]] && { say "tcpmon-cli's stderr:"; head -5 "$WORK/tcpmon.err" >&2; }
if [[ $DECODERS_MB -gt 0 ]]; then
    echo "Decoders (tcpmon-bench decoders, MB/s of input, ${DECODERS_MB} MiB each):"
    "$BENCH" decoders --mb "$DECODERS_MB"
fi
