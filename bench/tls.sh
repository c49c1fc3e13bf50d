#!/usr/bin/env bash
# TLS relay benchmark, in one go: HTTPS in front of HTTPS (`tcpmon-cli --listen-tls --target-tls`)
# against socat doing the same (openssl-listen ... openssl-connect) and against nginx directly,
# all on loopback, one run, one machine.
#
# Rows: new TLS connections per second with one small request each (openssl s_time -new),
# keep-alive requests per second over TLS (wrk), bulk MB/s of one download (curl), and for
# tcpmon-cli its CPU time per handshake and per GB and its peak RSS. It prints figures and
# judges nothing.
#
#   bash bench/tls.sh            # 10 s per rate, 1 GiB download
#   QUICK=1 bash bench/tls.sh    # 3 s per rate, 128 MiB download
#
# Knobs: QUICK, DURATION (seconds), BULK_MB, WRK_CONNECTIONS, KEEP_WORK=1 (keep the temp dir).
# Needs: openssl, socat, nginx, wrk, curl, cargo. Numbers mean something on an idle machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ${QUICK:-0} == 1 ]]; then : "${DURATION:=3}" "${BULK_MB:=128}"; else : "${DURATION:=10}" "${BULK_MB:=1024}"; fi
: "${WRK_CONNECTIONS:=32}" "${KEEP_WORK:=0}" "${NGINX:=/usr/sbin/nginx}"
say() { echo "tls.sh: $*" >&2; }
for tool in openssl socat wrk curl cargo "$NGINX"; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing: $tool"; exit 1; }
done

say "building release tcpmon-cli"
(cd "$ROOT" && cargo build --release -q -p tcpmon-cli)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
CLI=$TARGET_DIR/release/tcpmon-cli

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpmon-tls-bench.XXXXXX")
chmod 755 "$WORK" # nginx's workers (nobody) read www/ below it
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ $KEEP_WORK == 1 ]] && say "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; say "port $1 never opened"; exit 1; }

# A private CA and a leaf for localhost, as a company's HTTPS service has.
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench CA" \
    -days 2 -keyout ca-key.pem -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout leaf-key.pem -out leaf.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -days 2 -extfile leaf.ext \
    -out leaf.pem 2>/dev/null

# nginx over TLS: a 1 KiB page and the bulk file.
mkdir -p www logs
head -c 1024 /dev/zero | tr '\0' x > www/small
head -c $((BULK_MB << 20)) /dev/urandom > www/big
ORIGIN=$(free_port)
cat > nginx.conf <<EOF
daemon off; worker_processes 1; error_log $WORK/logs/error.log; pid $WORK/nginx.pid;
events { worker_connections 4096; }
http { access_log off; sendfile on;
  server { listen 127.0.0.1:$ORIGIN ssl; ssl_certificate $WORK/leaf.pem;
    ssl_certificate_key $WORK/leaf-key.pem; root $WORK/www; keepalive_requests 1000000; } }
EOF
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" & pids+=($!)

SOCAT=$(free_port)
socat -lf /dev/null "openssl-listen:$SOCAT,bind=127.0.0.1,reuseaddr,fork,backlog=1024,cert=leaf.pem,key=leaf-key.pem,verify=0" \
    "openssl-connect:localhost:$ORIGIN,cafile=ca.pem" & pids+=($!)

TCPMON=$(free_port)
XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache "$CLI" "$TCPMON" localhost "$ORIGIN" \
    --listen-tls --target-tls --target-ca ca.pem --quiet > /dev/null 2> tcpmon.err & pids+=($!)
TCPMON_PID=$!
for port in "$ORIGIN" "$SOCAT" "$TCPMON"; do wait_port "$port"; done
TCPMON_CA=$WORK/config/org.tcpmon.desktop/ca/ca.pem
# s_time and curl verify against a bundle of both CAs: the origin's (direct, socat) and TCPMon's.
cat ca.pem "$TCPMON_CA" > trusted.pem

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
handshakes() {
    openssl s_time -connect "localhost:$1" -new -time "$DURATION" -www /small -CAfile trusted.pem 2>/dev/null |
        awk '/connections in/ && /real seconds/ {printf "%.0f", $1 / $4}'
}
requests() {
    wrk -t2 -c"$WRK_CONNECTIONS" -d"${DURATION}s" "https://localhost:$1/small" 2>/dev/null |
        awk '/Requests\/sec/ {printf "%.0f", $2}'
}
bulk() {
    curl -sS -o /dev/null --cacert trusted.pem -w '%{speed_download}' "https://localhost:$1/big" |
        awk '{printf "%.0f", $1 / 1e6}'
}

printf '%-34s %12s %12s %12s\n' "" direct socat tcpmon-cli
declare -A H R B
for name in direct socat tcpmon; do
    port=$ORIGIN; [[ $name == socat ]] && port=$SOCAT; [[ $name == tcpmon ]] && port=$TCPMON
    before=$(cpu_ticks "$TCPMON_PID")
    H[$name]=$(handshakes "$port")
    [[ $name == tcpmon ]] && HS_TICKS=$(( $(cpu_ticks "$TCPMON_PID") - before ))
    R[$name]=$(requests "$port")
    before=$(cpu_ticks "$TCPMON_PID")
    B[$name]=$(bulk "$port")
    [[ $name == tcpmon ]] && BULK_TICKS=$(( $(cpu_ticks "$TCPMON_PID") - before ))
done
printf '%-34s %12s %12s %12s\n' "new TLS connections/s (1 req each)" "${H[direct]}" "${H[socat]}" "${H[tcpmon]}"
printf '%-34s %12s %12s %12s\n' "keep-alive requests/s (wrk)" "${R[direct]}" "${R[socat]}" "${R[tcpmon]}"
printf '%-34s %12s %12s %12s\n' "bulk download MB/s (${BULK_MB} MiB)" "${B[direct]}" "${B[socat]}" "${B[tcpmon]}"
TCK=$(getconf CLK_TCK)
HS_COUNT=$(( ${H[tcpmon]:-0} * DURATION ))
awk -v t="$HS_TICKS" -v n="$HS_COUNT" -v k="$TCK" 'BEGIN { if (n > 0) printf "tcpmon-cli CPU per handshake (both legs): %.0f us\n", t / k / n * 1e6 }'
awk -v t="$BULK_TICKS" -v mb="$BULK_MB" -v k="$TCK" 'BEGIN { printf "tcpmon-cli CPU per GB relayed (both legs): %.2f s\n", t / k / (mb / 1024) }'
echo "tcpmon-cli peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$TCPMON_PID/status")"
