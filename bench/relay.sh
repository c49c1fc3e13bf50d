#!/usr/bin/env bash
# Relay benchmark, in one go: direct vs socat vs tcpmon-cli (capture on).
#
# Rows: bulk MB/s over one connection each way (checksummed), HTTP req/s and p99 with wrk
# against nginx (keep-alive), connections/s with `Connection: close`, relay CPU time per
# request, per connection and per GB, peak RSS; then tcpmon-cli's three memory checks (many
# short connections; many requests pipelined on one keep-alive connection; one big transfer
# each way). It prints figures and judges nothing.
#
#   bash bench/relay.sh              # full run: 1 GiB bulk, 10 s wrk, 100,000 connections, 1,000,000 pipelined requests
#   QUICK=1 bash bench/relay.sh      # smoke run: 64 MiB, 3 s, 5,000 connections, 100,000 requests
#   BEFORE=/tmp/tcpmon-cli-old bash bench/relay.sh   # adds a row for another build of tcpmon-cli,
#                                    # measured in the same run (a change, before and after)
#   REPEAT=3 DROP_CACHES=1 bash bench/relay.sh       # every path three times, interleaved, the page
#                                    # cache dropped before each bulk run (root): comparable bulk rows
#
# Knobs (environment): QUICK, BULK_SIZE (bytes, or with K/M/G), DURATION (wrk seconds),
# CONNS, CONNS_SIZE, CONNS_CONCURRENCY, PIPELINE, WRK_THREADS, WRK_CONNECTIONS, BODY_SIZE, NGINX,
# TCPMON_LOG=1 (run tcpmon-cli without --quiet and summarise its per-connection lines; costs
# relay CPU, so only for diagnosis), KEEP_WORK=1 (keep the temp dir with every log).
# Needs: wrk, socat, nginx (Debian: apt-get install wrk socat nginx-light), cargo, Linux /proc.
# The numbers mean something only on an otherwise idle machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
    : "${BULK_SIZE:=64M}" "${DURATION:=3}" "${CONNS:=5000}" "${PIPELINE:=100000}"
else
    : "${BULK_SIZE:=1G}" "${DURATION:=10}" "${CONNS:=100000}" "${PIPELINE:=1000000}"
fi
: "${CONNS_SIZE:=1024}" "${CONNS_CONCURRENCY:=32}"
: "${WRK_THREADS:=2}" "${WRK_CONNECTIONS:=64}" "${BODY_SIZE:=1024}"
: "${NGINX:=/usr/sbin/nginx}" "${TCPMON_LOG:=0}" "${KEEP_WORK:=0}" "${BEFORE:=}" "${REPEAT:=1}"
: "${DROP_CACHES:=0}"

die() {
    echo "relay.sh: $*" >&2
    exit 1
}
say() { echo "relay.sh: $*" >&2; }

# --- tools -------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=("wrk (apt-get install wrk)")
command -v socat >/dev/null 2>&1 || missing+=("socat (apt-get install socat)")
[[ -x $NGINX ]] || missing+=("nginx at $NGINX (apt-get install nginx-light, or set NGINX=/path/to/nginx)")
command -v cargo >/dev/null 2>&1 || missing+=("cargo")
command -v getconf >/dev/null 2>&1 || missing+=("getconf (libc-bin)")
[[ -r /proc/self/stat && -r /proc/self/status ]] || missing+=("Linux /proc")
if ((${#missing[@]})); then
    for m in "${missing[@]}"; do echo "relay.sh: missing: $m" >&2; done
    die "cannot run without the tools above"
fi
CLK_TCK=$(getconf CLK_TCK)

say "building release binaries"
(cd "$ROOT" && cargo build --release -p tcpmon-cli -p tcpmon-bench) || die "cargo build failed"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
CLI=$TARGET_DIR/release/tcpmon-cli
BENCH=$TARGET_DIR/release/tcpmon-bench
[[ -x $CLI && -x $BENCH ]] || die "built binaries not found in $TARGET_DIR/release"

# --- processes -----------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpmon-bench.XXXXXX")
# nginx's workers may run as another user (nobody, when started as root): they must read it.
chmod 755 "$WORK"
declare -A LIVE=() # pid -> name, for every process started here and not yet stopped
LAST_PID=

# start NAME CMD...: runs CMD in the background, output in $WORK/NAME.{out,err}.
start() {
    local name=$1
    shift
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    LAST_PID=$!
    LIVE[$LAST_PID]=$name
}

# proc_state PID: the state letter (Z for a zombie), or nothing once it is gone.
proc_state() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    echo "${s%% *}"
}

children() {
    local kids=()
    read -r -a kids 2>/dev/null <"/proc/$1/task/$1/children" || true
    echo "${kids[@]}"
}

# stop PID: TERM to it (and to its children: socat's forks), KILL after 5 s, then reap.
stop() {
    local pid=$1 kid i
    [[ -n ${LIVE[$pid]:-} ]] || return 0
    local kids
    kids=$(children "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for kid in $kids; do kill -TERM "$kid" 2>/dev/null || true; done
    for ((i = 0; i < 50; i++)); do
        case $(proc_state "$pid") in "" | Z) break ;; esac
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "LIVE[$pid]"
}

cleanup() {
    local pid
    for pid in "${!LIVE[@]}"; do stop "$pid"; done
    if [[ $KEEP_WORK == 1 ]]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

alive_or_die() { # PID NAME
    case $(proc_state "$1") in
    "" | Z) die "$2 exited early; its stderr: $(tail -n 5 "$WORK/$2.err" 2>/dev/null)" ;;
    esac
}

listening() { # PORT: whether something listens on 127.0.0.1:PORT
    local hex
    printf -v hex '%04X' "$1"
    awk -v want="0100007F:$hex" '$4 == "0A" && $2 == want { found = 1 } END { exit !found }' \
        /proc/net/tcp
}

wait_listening() { # PORT PID NAME
    local i
    for ((i = 0; i < 100; i++)); do
        listening "$1" && return 0
        alive_or_die "$2" "$3"
        sleep 0.1
    done
    die "$3 does not listen on 127.0.0.1:$1 after 10 s"
}

wait_line() { # FILE REGEX PID NAME
    local i
    for ((i = 0; i < 100; i++)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        alive_or_die "$3" "$4"
        sleep 0.1
    done
    die "$4 printed no line matching '$2' in 10 s"
}

free_port() { "$BENCH" free-port; }

cpu_ticks() { # PID: utime+stime, plus cutime+cstime (children it has reaped: socat's forks)
    local s
    s=$(cat "/proc/$1/stat")
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo $((${12} + ${13} + ${14} + ${15}))
}

status_kb() { # PID FIELD: a kB figure from /proc/PID/status
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# Sum of PSS over a process and its children, its peak written to FILE every 0.2 s: socat's
# memory is spread over a fork per connection, whose VmHWM alone would say nothing.
pss_sampler() { # PID FILE
    local root=$1 file=$2 peak=0 total pid k v
    while [[ -d /proc/$root ]]; do
        total=0
        for pid in $root $(children "$root"); do
            while read -r k v _; do
                if [[ $k == Pss: ]]; then
                    total=$((total + v))
                    break
                fi
            done 2>/dev/null <"/proc/$pid/smaps_rollup" || true
        done
        if ((total > peak)); then
            peak=$total
            echo "$peak" >"$file"
        fi
        sleep 0.2
    done
}

calc() { awk "BEGIN { printf \"%s\", $* }"; }
fmt() { # VALUE DECIMALS: a number rounded; "-" for nothing; anything else (FAILED) as it is
    if [[ -z $1 ]]; then
        echo "-"
    elif [[ $1 =~ ^-?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$ ]]; then
        awk -v v="$1" -v d="$2" 'BEGIN { printf "%." d "f", v }'
    else
        echo "$1"
    fi
}

to_ms() { # a wrk duration (812.00us, 1.23ms, 1.02s, 2.00m) in ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
        else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
        else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 }
        else print "" }'
}

# --- servers -------------------------------------------------------------------------------
start_nginx() {
    local port dir=$WORK/nginx
    port=$(free_port)
    mkdir -p "$dir/www" "$dir/tmp"
    chmod 755 "$dir" "$dir/www"
    head -c "$BODY_SIZE" /dev/urandom >"$dir/www/body.bin"
    chmod 644 "$dir/www/body.bin"
    cat >"$dir/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    open_file_cache max=16;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$port backlog=4096;
        root $dir/www;
    }
}
EOF
    start nginx "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    NGINX_PID=$LAST_PID
    wait_listening "$port" "$NGINX_PID" nginx
    NGINX_PORT=$port
    local status
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET /body.bin HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n' >&3
    read -r status <&3 || true
    exec 3<&-
    [[ $status == *" 200 "* ]] || die "nginx answers '$status' for /body.bin; see $dir/error.log"
}

start_bench_server() {
    start serve "$BENCH" serve --reply-size "$CONNS_SIZE"
    SERVE_PID=$LAST_PID
    wait_line "$WORK/serve.out" '^http ' "$SERVE_PID" serve
    BULK_PORT=$(awk '$1 == "bulk" { sub(/.*:/, "", $2); print $2 }' "$WORK/serve.out")
    REPLY_PORT=$(awk '$1 == "reply" { sub(/.*:/, "", $2); print $2 }' "$WORK/serve.out")
    HTTP_PORT=$(awk '$1 == "http" { sub(/.*:/, "", $2); print $2 }' "$WORK/serve.out")
}

# --- relays --------------------------------------------------------------------------------
# start_relay KIND TARGET_PORT NAME: sets RELAY_PID, RELAY_PORT, and the CPU reading at start.
start_relay() {
    local kind=$1 target=$2 name=$3 port
    case $kind in
    socat)
        port=$(free_port)
        start "$name" socat "TCP-LISTEN:$port,fork,reuseaddr,backlog=1024,bind=127.0.0.1" \
            "TCP:127.0.0.1:$target"
        RELAY_PID=$LAST_PID
        wait_listening "$port" "$RELAY_PID" "$name"
        RELAY_PORT=$port
        echo 0 >"$WORK/$name.pss"
        start "$name-sampler" pss_sampler "$RELAY_PID" "$WORK/$name.pss"
        SAMPLER_PID=$LAST_PID
        ;;
    tcpmon | before)
        local flags=(--quiet) cli=$CLI
        [[ $TCPMON_LOG == 1 ]] && flags=()
        [[ $kind == before ]] && cli=$BEFORE
        start "$name" "$cli" 0 127.0.0.1 "$target" "${flags[@]}"
        RELAY_PID=$LAST_PID
        wait_line "$WORK/$name.out" '^listening on ' "$RELAY_PID" "$name"
        RELAY_PORT=$(sed -n '1s/^listening on [0-9.]*:\([0-9]*\) .*/\1/p' "$WORK/$name.out")
        [[ -n $RELAY_PORT ]] || die "cannot read the port from: $(head -n 1 "$WORK/$name.out")"
        SAMPLER_PID=
        ;;
    esac
    RELAY_KIND=$kind
    RELAY_NAME=$name
    RELAY_TICKS0=$(cpu_ticks "$RELAY_PID")
}

# end_relay: waits for the relay's connections to end (socat: until its forks are reaped, so
# their CPU time is in cutime), reads CPU seconds and memory, stops it.
# Sets RELAY_CPU_S, RELAY_PEAK_KB, RELAY_RSS_KB (RSS now; socat: PSS sum now).
end_relay() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -z $(children "$RELAY_PID") ]] && break
        sleep 0.1
    done
    [[ -z $(children "$RELAY_PID") ]] || say "$RELAY_NAME: forks still running after 10 s; their CPU time is not counted"
    sleep 0.3 # connections that are closing
    alive_or_die "$RELAY_PID" "$RELAY_NAME"
    RELAY_CPU_S=$(calc "($(cpu_ticks "$RELAY_PID") - $RELAY_TICKS0) / $CLK_TCK")
    if [[ $RELAY_KIND != socat ]]; then
        RELAY_PEAK_KB=$(status_kb "$RELAY_PID" VmHWM)
        RELAY_RSS_KB=$(status_kb "$RELAY_PID" VmRSS)
    else
        sleep 0.3 # one more sample
        RELAY_PEAK_KB=$(cat "$WORK/$RELAY_NAME.pss")
        RELAY_RSS_KB=$(awk '$1 == "Pss:" { print $2 }' "/proc/$RELAY_PID/smaps_rollup")
        stop "$SAMPLER_PID"
    fi
    if [[ $RELAY_KIND != socat && $TCPMON_LOG == 1 ]]; then
        local log=$WORK/$RELAY_NAME.out
        NOTES+=("$RELAY_NAME log: $(($(wc -l <"$log") - 1)) connections listed, $(grep -c ' failed: ' "$log" || true) failed, $(grep -c 'output fell behind' "$log" || true) 'fell behind' lines")
        while read -r n why; do
            NOTES+=("$RELAY_NAME log:   $n x failed: $why")
        done < <(grep -o ' failed: .*' "$log" | sed 's/^ failed: //' | sort | uniq -c | sort -rn | head -n 5)
    fi
    stop "$RELAY_PID"
    local err=$WORK/$RELAY_NAME.err
    if [[ -s $err ]]; then
        NOTES+=("$RELAY_NAME wrote $(wc -l <"$err") stderr line(s), e.g. $(head -n 3 "$err" | tr '\n' '|')")
    fi
}

# --- measurements --------------------------------------------------------------------------
# drop_caches: with DROP_CACHES=1, writes dirty pages out and empties the page cache, so each
# bulk run starts from the same state (a run right after another pays for its dirty pages).
drop_caches() {
    [[ $DROP_CACHES == 1 ]] || return 0
    sync
    if ! echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
        die "DROP_CACHES=1 needs root (writing /proc/sys/vm/drop_caches)"
    fi
    sleep 1
}

declare -A R=() # KIND.FIGURE -> value
NOTES=()
FAILURES=()

peak() { # KIND KB: keeps the largest peak seen for KIND
    local cur=${R[$1.peak_kb]:-0}
    ((${2:-0} > cur)) && R[$1.peak_kb]=$2
    return 0
}

measure_bulk() { # KIND
    local kind=$1 port=$BULK_PORT key=$1$REP_TAG out=$WORK/bulk-$1$REP_TAG
    drop_caches
    if [[ $kind != direct ]]; then
        start_relay "$kind" "$BULK_PORT" "$kind-bulk$REP_TAG"
        port=$RELAY_PORT
    fi
    say "$kind: bulk, $BULK_SIZE each way"
    if "$BENCH" bulk --to "127.0.0.1:$port" --size "$BULK_SIZE" >"$out.out" 2>"$out.err"; then
        R[$key.up]=$(awk '$1 == "up" { sub(/.*=/, "", $4); print $4 }' "$out.out")
        R[$key.down]=$(awk '$1 == "down" { sub(/.*=/, "", $4); print $4 }' "$out.out")
        R[$key.bulk_bytes]=$(awk '{ sub(/.*=/, "", $2); n += $2 } END { print n }' "$out.out")
    else
        R[$key.up]=FAILED R[$key.down]=FAILED
        FAILURES+=("$kind bulk: $(tail -n 3 "$out.err" | tr '\n' ' ')")
    fi
    if [[ $kind != direct ]]; then
        end_relay
        if [[ -n ${R[$key.bulk_bytes]:-} ]]; then
            R[$key.cpu_gb]=$(calc "$RELAY_CPU_S / (${R[$key.bulk_bytes]} / 1e9)")
        fi
        R[$key.bulk_peak_kb]=$RELAY_PEAK_KB
        R[$key.bulk_rss_kb]=$RELAY_RSS_KB
        peak "$key" "$RELAY_PEAK_KB"
    fi
}

# run_wrk KIND MODE(keepalive|close) PORT: sets WRK_RPS, WRK_REQUESTS, WRK_P99_MS
run_wrk() {
    local kind=$1 mode=$2 port=$3 out=$WORK/wrk-$1-$2.txt
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${DURATION}s" --latency)
    [[ $mode == close ]] && args+=(-H "Connection: close")
    WRK_RPS='' WRK_REQUESTS='' WRK_P99_MS=''
    if ! wrk "${args[@]}" "http://127.0.0.1:$port/body.bin" >"$out" 2>&1; then
        FAILURES+=("$kind wrk $mode: $(tail -n 3 "$out" | tr '\n' ' ')")
        return 0
    fi
    WRK_RPS=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
    WRK_REQUESTS=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$out")
    WRK_P99_MS=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    local trouble
    trouble=$(grep -E 'Socket errors|Non-2xx' "$out" | sed 's/^ *//' | tr '\n' ';' || true)
    [[ -z $trouble ]] || NOTES+=("$kind wrk $mode: $trouble (of $WRK_REQUESTS requests)")
}

measure_http() { # KIND MODE
    local kind=$1 mode=$2 port=$NGINX_PORT key=$1$REP_TAG
    if [[ $kind != direct ]]; then
        start_relay "$kind" "$NGINX_PORT" "$kind-http-$mode$REP_TAG"
        port=$RELAY_PORT
    fi
    say "$kind: wrk ${DURATION}s, $WRK_CONNECTIONS connections, $mode"
    run_wrk "$key" "$mode" "$port"
    if [[ $mode == keepalive ]]; then
        R[$key.rps]=${WRK_RPS:-FAILED}
        R[$key.p99]=$WRK_P99_MS
    else
        R[$key.cps]=${WRK_RPS:-FAILED}
    fi
    if [[ $kind != direct ]]; then
        end_relay
        if [[ -n $WRK_REQUESTS && $WRK_REQUESTS -gt 0 ]]; then
            local per
            per=$(calc "$RELAY_CPU_S * 1e6 / $WRK_REQUESTS")
            if [[ $mode == keepalive ]]; then R[$key.cpu_req]=$per; else R[$key.cpu_conn]=$per; fi
        fi
        peak "$key" "$RELAY_PEAK_KB"
    fi
}

measure_churn() { # tcpmon only: the memory check with many short connections
    local out=$WORK/conns
    start_relay tcpmon "$REPLY_PORT" tcpmon-conns
    say "tcpmon: $CONNS connections of $CONNS_SIZE bytes each way, $CONNS_CONCURRENCY at a time"
    if "$BENCH" conns --to "127.0.0.1:$RELAY_PORT" --count "$CONNS" --size "$CONNS_SIZE" \
        --concurrency "$CONNS_CONCURRENCY" >"$out.out" 2>"$out.err"; then
        :
    else
        FAILURES+=("tcpmon conns: $(tail -n 6 "$out.err" | tr '\n' ' ')")
    fi
    R[churn.line]=$(cat "$out.out")
    end_relay
    R[churn.peak_kb]=$RELAY_PEAK_KB
    R[churn.rss_kb]=$RELAY_RSS_KB
    R[churn.cpu_conn]=$(calc "$RELAY_CPU_S * 1e6 / $CONNS")
}

measure_pipeline() { # tcpmon only: the memory check with one long keep-alive connection
    local out=$WORK/pipeline
    start_relay tcpmon "$HTTP_PORT" tcpmon-pipeline
    say "tcpmon: $PIPELINE requests on one keep-alive connection, 100 per write"
    if "$BENCH" pipeline --to "127.0.0.1:$RELAY_PORT" --count "$PIPELINE" --batch 100 \
        >"$out.out" 2>"$out.err"; then
        :
    else
        FAILURES+=("tcpmon pipeline: $(tail -n 6 "$out.err" | tr '\n' ' ')")
    fi
    R[pipeline.line]=$(cat "$out.out")
    end_relay
    R[pipeline.peak_kb]=$RELAY_PEAK_KB
    R[pipeline.rss_kb]=$RELAY_RSS_KB
    R[pipeline.cpu_req]=$(calc "$RELAY_CPU_S * 1e6 / $PIPELINE")
}

# --- run -----------------------------------------------------------------------------------
read -r LOAD_BEFORE _ </proc/loadavg
if [[ $QUICK != 1 ]] && awk -v l="$LOAD_BEFORE" 'BEGIN { exit !(l > 0.5) }'; then
    say "warning: load average $LOAD_BEFORE: the machine is not idle, figures will be low"
fi
start_nginx
start_bench_server
say "nginx on 127.0.0.1:$NGINX_PORT, bulk server on :$BULK_PORT, echo responder on :$REPLY_PORT"

KINDS=(direct socat tcpmon)
[[ -n $BEFORE ]] && KINDS=(direct socat before tcpmon)
REP_TAG=
for ((rep = 1; rep <= REPEAT; rep++)); do
    ((rep == 1)) || REP_TAG="#$rep"
    for kind in "${KINDS[@]}"; do
        measure_bulk "$kind"
        sleep 1
        measure_http "$kind" keepalive
        sleep 1
        measure_http "$kind" close
        sleep 1
    done
done
REP_TAG=
measure_churn
measure_pipeline
read -r LOAD_AFTER _ </proc/loadavg

# --- report --------------------------------------------------------------------------------
mb() { [[ -n ${1:-} ]] && calc "$1 / 1024" || echo ""; }
bulk_label=$BULK_SIZE
echo
echo "### Relay benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $([[ $QUICK == 1 ]] && echo QUICK || echo full) run)"
echo
echo "| path | bulk up MB/s | bulk down MB/s | req/s | p99 ms | conn/s | CPU µs/req | CPU µs/conn | CPU s/GB | peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
# Rows: each path, then again for each repetition ("tcpmon#2").
for kind in $(for ((rep = 1; rep <= REPEAT; rep++)); do
    for k in "${KINDS[@]}"; do echo "$k$( ((rep == 1)) || echo "#$rep")"; done
done); do
    label=$kind
    [[ $kind == tcpmon* ]] && label="tcpmon (capture on)${kind#tcpmon}"
    [[ $kind == before* ]] && label="tcpmon before${kind#before} ($BEFORE)"
    [[ $kind == socat* ]] && label="socat (fork)${kind#socat}"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
        "$(fmt "${R[$kind.up]:-}" 0)" "$(fmt "${R[$kind.down]:-}" 0)" \
        "$(fmt "${R[$kind.rps]:-}" 0)" "$(fmt "${R[$kind.p99]:-}" 2)" \
        "$(fmt "${R[$kind.cps]:-}" 0)" "$(fmt "${R[$kind.cpu_req]:-}" 1)" \
        "$(fmt "${R[$kind.cpu_conn]:-}" 1)" "$(fmt "${R[$kind.cpu_gb]:-}" 2)" \
        "$(fmt "$(mb "${R[$kind.peak_kb]:-}")" 1)"
done
echo
echo "| tcpmon-cli memory check | peak RSS MB (VmHWM) | RSS at end MB | figures |"
echo "| --- | ---: | ---: | --- |"
printf '| %s connections, %s B each way, %s at a time | %s | %s | %s; relay CPU %s µs/conn |\n' \
    "$CONNS" "$CONNS_SIZE" "$CONNS_CONCURRENCY" \
    "$(fmt "$(mb "${R[churn.peak_kb]:-}")" 1)" "$(fmt "$(mb "${R[churn.rss_kb]:-}")" 1)" \
    "${R[churn.line]:-FAILED}" "$(fmt "${R[churn.cpu_conn]:-}" 1)"
printf '| %s pipelined requests on one keep-alive connection (every exchange kept) | %s | %s | %s; relay CPU %s µs/req |\n' \
    "$PIPELINE" "$(fmt "$(mb "${R[pipeline.peak_kb]:-}")" 1)" "$(fmt "$(mb "${R[pipeline.rss_kb]:-}")" 1)" \
    "${R[pipeline.line]:-FAILED}" "$(fmt "${R[pipeline.cpu_req]:-}" 2)"
printf '| one %s transfer each way (up, then down) | %s | %s | %s MB/s up, %s MB/s down |\n' \
    "$bulk_label" "$(fmt "$(mb "${R[tcpmon.bulk_peak_kb]:-}")" 1)" \
    "$(fmt "$(mb "${R[tcpmon.bulk_rss_kb]:-}")" 1)" \
    "$(fmt "${R[tcpmon.up]:-}" 0)" "$(fmt "${R[tcpmon.down]:-}" 0)"

ratio() { # A B: A/B with 2 decimals, or "-"
    if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
        calc "sprintf(\"%.2f\", $1 / $2)"
    else echo "-"; fi
}
echo
echo "tcpmon vs socat (the issue asks: req/s >= 1x, p99 <= 1x, conn/s >= 2x, bulk >= 1.5x, peak RSS < 100 MB):"
echo "req/s $(ratio "${R[tcpmon.rps]:-}" "${R[socat.rps]:-}")x, p99 $(ratio "${R[tcpmon.p99]:-}" "${R[socat.p99]:-}")x," \
    "conn/s $(ratio "${R[tcpmon.cps]:-}" "${R[socat.cps]:-}")x," \
    "bulk up $(ratio "${R[tcpmon.up]:-}" "${R[socat.up]:-}")x, bulk down $(ratio "${R[tcpmon.down]:-}" "${R[socat.down]:-}")x," \
    "peak RSS $(fmt "$(mb "${R[tcpmon.peak_kb]:-}")" 1) MB"
echo "tcpmon vs direct (the physical limit): bulk up $(ratio "${R[tcpmon.up]:-}" "${R[direct.up]:-}")x," \
    "bulk down $(ratio "${R[tcpmon.down]:-}" "${R[direct.down]:-}")x, req/s $(ratio "${R[tcpmon.rps]:-}" "${R[direct.rps]:-}")x," \
    "conn/s $(ratio "${R[tcpmon.cps]:-}" "${R[direct.cps]:-}")x"
echo
echo "Notes:"
echo "- bulk: one connection per direction, $bulk_label each, checksum verified by the receiver; MB = 10^6 bytes."
echo "- wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${DURATION}s against nginx serving $BODY_SIZE B; conn/s: the same with 'Connection: close'."
echo "- relay CPU: utime+stime (+cutime+cstime of reaped forks, for socat) from /proc/PID/stat over each phase, a fresh relay process per phase; s/GB counts bytes of both directions; tick = 1/$CLK_TCK s."
echo "- peak RSS: tcpmon-cli VmHWM, largest over its bulk and HTTP phases; socat: largest sampled (5/s) sum of PSS over socat and its forks."
echo "- load average: $LOAD_BEFORE before, $LOAD_AFTER after."
for n in "${NOTES[@]}"; do echo "- $n"; done
if ((${#FAILURES[@]})); then
    echo
    for f in "${FAILURES[@]}"; do echo "FAILED: $f"; done
    exit 1
fi
