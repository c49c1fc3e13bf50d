#!/usr/bin/env bash
# TLS relay benchmark, in one go: HTTPS in front of HTTPS (`tcpmon-cli --listen-tls --target-tls`)
# against socat doing the same (openssl-listen ... openssl-connect), mitmdump in reverse mode
# and nginx directly, all on loopback, one run, one machine.
#
# Rows: new TLS connections per second with one small request each (openssl s_time -new),
# keep-alive requests per second over TLS (wrk), bulk MB/s of one download (curl); for
# tcpmon-cli its CPU time per handshake and per GB and its peak RSS; RSS per open relayed TLS
# connection (both legs) with OPEN connections held; and, through a decrypting proxy, the
# time to the first response from a host never seen (a leaf certificate is issued) and from a
# cached one. It prints figures and judges nothing.
#
#   bash bench/tls.sh            # 10 s per rate, 1 GiB download
#   QUICK=1 bash bench/tls.sh    # 3 s per rate, 128 MiB download
#
# Knobs: QUICK, DURATION (seconds), BULK_MB, WRK_CONNECTIONS, OPEN (connections held, 1000),
# HOSTS (never-seen hosts, 20), KEEP_WORK=1 (keep the temp dir).
# Needs: openssl, socat, nginx, wrk, curl, cargo, python3; mitmproxy 11 is installed into
# ~/.cache/tcpmon-bench-venv from PyPI on first use. Numbers mean something on an idle machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ${QUICK:-0} == 1 ]]; then : "${DURATION:=3}" "${BULK_MB:=128}"; else : "${DURATION:=10}" "${BULK_MB:=1024}"; fi
: "${WRK_CONNECTIONS:=32}" "${KEEP_WORK:=0}" "${NGINX:=/usr/sbin/nginx}" "${OPEN:=1000}" "${HOSTS:=20}"
say() { echo "tls.sh: $*" >&2; }
for tool in openssl socat wrk curl cargo "$NGINX"; do
    command -v "$tool" >/dev/null 2>&1 || { say "missing: $tool"; exit 1; }
done

VENV=${TCPMON_BENCH_VENV:-$HOME/.cache/tcpmon-bench-venv}
MITMDUMP=$VENV/bin/mitmdump
if [[ ! -x $MITMDUMP ]]; then
    say "installing mitmproxy 11 into $VENV"
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check mitmproxy==11.0.2
fi
ulimit -n 16384 # both legs of OPEN connections, for each relay

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
  server { listen 127.0.0.1:$ORIGIN ssl; $(for i in $(seq 2 $((HOSTS + 1))); do echo "listen 127.0.0.$i:$ORIGIN ssl;"; done)
    ssl_certificate $WORK/leaf.pem;
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
MITM=$(free_port)
"$MITMDUMP" -q --mode "reverse:https://localhost:$ORIGIN" --listen-host 127.0.0.1 -p "$MITM" \
    --set confdir="$WORK/mitm" --set ssl_verify_upstream_trusted_ca="$WORK/ca.pem" \
    --set flow_detail=0 > mitm.log 2>&1 & pids+=($!)
MITM_PID=$!
for port in "$ORIGIN" "$SOCAT" "$TCPMON" "$MITM"; do wait_port "$port"; done
TCPMON_CA=$WORK/config/org.tcpmon.desktop/ca/ca.pem
# s_time and curl verify against a bundle of the CAs: the origin's (direct, socat), TCPMon's
# and mitmproxy's.
cat ca.pem "$TCPMON_CA" "$WORK/mitm/mitmproxy-ca-cert.pem" > trusted.pem

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

row() { printf '%-34s %12s %12s %12s %12s\n' "$@"; }
row "" direct socat mitmdump tcpmon-cli
declare -A H R B
for name in direct socat mitm tcpmon; do
    case $name in direct) port=$ORIGIN ;; socat) port=$SOCAT ;; mitm) port=$MITM ;; tcpmon) port=$TCPMON ;; esac
    before=$(cpu_ticks "$TCPMON_PID")
    H[$name]=$(handshakes "$port")
    [[ $name == tcpmon ]] && HS_TICKS=$(( $(cpu_ticks "$TCPMON_PID") - before ))
    R[$name]=$(requests "$port")
    before=$(cpu_ticks "$TCPMON_PID")
    B[$name]=$(bulk "$port")
    [[ $name == tcpmon ]] && BULK_TICKS=$(( $(cpu_ticks "$TCPMON_PID") - before ))
done
row "new TLS connections/s (1 req each)" "${H[direct]}" "${H[socat]}" "${H[mitm]}" "${H[tcpmon]}"
row "keep-alive requests/s (wrk)" "${R[direct]}" "${R[socat]}" "${R[mitm]}" "${R[tcpmon]}"
row "bulk download MB/s (${BULK_MB} MiB)" "${B[direct]}" "${B[socat]}" "${B[mitm]}" "${B[tcpmon]}"
TCK=$(getconf CLK_TCK)
HS_COUNT=$(( ${H[tcpmon]:-0} * DURATION ))
awk -v t="$HS_TICKS" -v n="$HS_COUNT" -v k="$TCK" 'BEGIN { if (n > 0) printf "tcpmon-cli CPU per handshake (both legs): %.0f us\n", t / k / n * 1e6 }'
awk -v t="$BULK_TICKS" -v mb="$BULK_MB" -v k="$TCK" 'BEGIN { printf "tcpmon-cli CPU per GB relayed (both legs): %.2f s\n", t / k / (mb / 1024) }'
echo "tcpmon-cli peak RSS so far: $(awk '/VmHWM/ {print $2, $3}' "/proc/$TCPMON_PID/status")"

# OPEN TLS connections held open through each relay, one request each (so both legs are up).
cat > hold.py <<'PY'
import socket, ssl, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
context = ssl.create_default_context(cafile="trusted.pem")
held = []
for _ in range(count):
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    s.sendall(b"GET /small HTTP/1.1\r\nHost: localhost\r\n\r\n")
    got = b""
    while len(got) < 1024 or b"\r\n\r\n" not in got:
        got += s.recv(65536)
    held.append(s)
print("held", flush=True)
sys.stdin.read()
PY
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
per_connection() { # relay pid, port: KiB of RSS per held connection
    local before after
    before=$(rss_kib "$1")
    coproc HOLD { python3 hold.py "$2" "$OPEN"; }
    read -r _ <&"${HOLD[0]}"
    after=$(rss_kib "$1")
    exec {HOLD[1]}>&-; wait "$HOLD_PID" 2>/dev/null || true
    awk -v a="$after" -v b="$before" -v n="$OPEN" 'BEGIN { printf "%.1f", (a - b) / n }'
}
# Fresh relays: what the rates above left in their heaps (Python's above all) blurs a delta.
kill "$TCPMON_PID" "$MITM_PID"
TCPMON=$(free_port); MITM=$(free_port)
XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache "$CLI" "$TCPMON" localhost "$ORIGIN" \
    --listen-tls --target-tls --target-ca ca.pem --quiet > /dev/null 2>> tcpmon.err & pids+=($!)
TCPMON_PID=$!
"$MITMDUMP" -q --mode "reverse:https://localhost:$ORIGIN" --listen-host 127.0.0.1 -p "$MITM" \
    --set confdir="$WORK/mitm" --set ssl_verify_upstream_trusted_ca="$WORK/ca.pem" \
    --set flow_detail=0 >> mitm.log 2>&1 & pids+=($!)
MITM_PID=$!
wait_port "$TCPMON"; wait_port "$MITM"
echo "RSS per open relayed TLS connection, both legs ($OPEN held; rustls publishes ~13 KiB per session):"
echo "  tcpmon-cli: $(per_connection "$TCPMON_PID" "$TCPMON") KiB   mitmdump: $(per_connection "$MITM_PID" "$MITM") KiB"

# A decrypting proxy's first response from a host never seen (a leaf is issued) and from a
# cached one: HOSTS loopback addresses, each fetched twice; medians.
TPROXY=$(free_port); MPROXY=$(free_port)
XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache "$CLI" --proxy "$TPROXY" --decrypt-tls \
    --target-ca ca.pem --quiet > /dev/null 2>> tcpmon.err & pids+=($!)
"$MITMDUMP" -q --mode regular --listen-host 127.0.0.1 -p "$MPROXY" --set confdir="$WORK/mitm" \
    --set ssl_verify_upstream_trusted_ca="$WORK/ca.pem" --set flow_detail=0 >> mitm.log 2>&1 & pids+=($!)
wait_port "$TPROXY"; wait_port "$MPROXY"
# The origin's leaf names localhost only: an address is accepted by its CA, not by name.
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -days 2 -out leaf.pem 2>/dev/null \
    -extfile <(printf 'subjectAltName=DNS:localhost%s\nextendedKeyUsage=serverAuth\n' \
        "$(for i in $(seq 2 $((HOSTS + 1))); do printf ',IP:127.0.0.%s' "$i"; done)")
kill -HUP "$(cat nginx.pid)"; sleep 0.5
first_response() { # proxy port, host
    curl -sS -o /dev/null --cacert trusted.pem ${1:+-x "http://127.0.0.1:$1"} -w '%{time_total}' "https://$2:$ORIGIN/small"
}
median_ms() { sort -n | awk '{v[NR] = $1} END {printf "%.1f", v[int((NR + 1) / 2)] * 1000}'; }
declare -A NEW CACHED
for name in direct mitm tcpmon; do
    proxy=""; [[ $name == mitm ]] && proxy=$MPROXY; [[ $name == tcpmon ]] && proxy=$TPROXY
    : > new.txt; : > cached.txt
    for i in $(seq 2 $((HOSTS + 1))); do
        first_response "$proxy" "127.0.0.$i" >> new.txt; echo >> new.txt
        first_response "$proxy" "127.0.0.$i" >> cached.txt; echo >> cached.txt
    done
    NEW[$name]=$(median_ms < new.txt); CACHED[$name]=$(median_ms < cached.txt)
done
printf '%-34s %12s %12s %12s\n' "first response, ms (median)" direct mitmdump tcpmon-cli
printf '%-34s %12s %12s %12s\n' "  host never seen (leaf issued)" "${NEW[direct]}" "${NEW[mitm]}" "${NEW[tcpmon]}"
printf '%-34s %12s %12s %12s\n' "  host seen before (leaf cached)" "${CACHED[direct]}" "${CACHED[mitm]}" "${CACHED[tcpmon]}"
