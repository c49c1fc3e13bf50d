#!/usr/bin/env bash
# Soak: a mixed load through release tcpmon-cli relays for MINUTES (default 30), then a
# byte-for-byte accounting of every connection. Figures, not asserts, except that anything
# unexpected (bytes altered or lost, a connection that failed without a reason to) makes it
# exit 1.
#
#   sudo bash bench/soak.sh          # 30 minutes
#   sudo bash bench/soak.sh 2        # the short mode: 2 minutes, every phase included
#
# What runs (all on 127.0.0.1; see bench/README.md, "Soak"):
# - `tcpmon-bench soak serve`: echo, HTTP keep-alive (sized, gzip'ed, chunked, hostile bodies),
#   resets mid-body;
# - the main relay, `tcpmon-cli PORT 127.0.0.1 SERVE_PORT --save CAPFS/main.tcpmon
#   --keep-free KEEP_FREE`, its capture on a tmpfs of its own (mounted in a private mount
#   namespace: nothing is left mounted whatever happens). Part way through, a ballast file
#   fills that tmpfs until recording stops, is held, then removed: recording resumes;
# - the capture-limit relay, `--capture-limit LIMIT`, which LIMIT_SHARE percent of the
#   connections go through: it stops recording once the capture holds LIMIT and (the CLI cannot
#   remove connections) never resumes;
# - `tcpmon-bench soak load` for MINUTES, then `tcpmon-bench soak check`.
# Every SAMPLE_EVERY s the relays' RSS, open fds, threads, CPU time and capture size go to a CSV.
#
# Knobs (environment): RATE (byte budget of the load, both directions, default 2M, powers of
# 1024), KEEP_FREE_MB (64), LIMIT (16MiB), LIMIT_SHARE (10), SAMPLE_EVERY (10),
# KEEP_WORK=1 (keep the work folder: logs, samples, stdout of the relays), KEEP_CAPTURE=1
# (also copy the main capture out of the tmpfs into it), BUILD=0 (use the binaries as built).
# The capture lives in memory (tmpfs): its size is the budget times the duration plus
# margins, about 4 GB for 30 minutes at 2M. Needs root (mount), unshare, fallocate, cargo.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=${1:-30}
[[ $MINUTES =~ ^[0-9]+$ && $MINUTES -ge 1 ]] || {
    echo "usage: bash bench/soak.sh [MINUTES]" >&2
    exit 2
}
: "${RATE:=2M}" "${KEEP_FREE_MB:=64}" "${LIMIT:=16MiB}" "${LIMIT_SHARE:=10}"
: "${SAMPLE_EVERY:=10}" "${KEEP_WORK:=0}" "${KEEP_CAPTURE:=0}" "${BUILD:=1}"

say() { echo "soak.sh: $*" >&2; }
die() {
    say "$*"
    exit 1
}

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$ROOT/$TARGET_DIR
CLI=$TARGET_DIR/release/tcpmon-cli
BENCH=$TARGET_DIR/release/tcpmon-bench

# --- outside: tools, build, then the same script again in a private mount namespace --------
if [[ -z ${SOAK_IN_NAMESPACE:-} ]]; then
    [[ $(id -u) == 0 ]] || die "needs root (it mounts a tmpfs in a private mount namespace)"
    for tool in unshare fallocate df gzip getconf; do
        command -v "$tool" >/dev/null 2>&1 || die "missing: $tool"
    done
    if [[ $BUILD == 1 ]]; then
        say "building release tcpmon-cli and tcpmon-bench"
        (cd "$ROOT" && cargo build --release -p tcpmon-cli -p tcpmon-bench) || die "cargo build failed"
    fi
    [[ -x $CLI && -x $BENCH ]] || die "binaries not found in $TARGET_DIR/release"
    exec unshare -m --propagation private env SOAK_IN_NAMESPACE=1 bash "$0" "$@"
fi

# --- inside ----------------------------------------------------------------------------------
SECS=$((MINUTES * 60))
CLK_TCK=$(getconf CLK_TCK)
KEEP_FREE=$((KEEP_FREE_MB << 20))
to_bytes() { # 2M, 512K, 1G, 3000000: bytes (powers of 1024)
    local n=${1%[KkMmGg]} unit=${1: -1}
    case $unit in
    K | k) echo $((n << 10)) ;; M | m) echo $((n << 20)) ;; G | g) echo $((n << 30)) ;; *) echo "$1" ;;
    esac
}
RATE_BYTES=$(to_bytes "$RATE")
# The budget counts both directions; the capture adds record headers and metadata (~15%);
# then the reservation TCPMon makes ahead (64 MiB), the kept-free space, and slack.
FS_BYTES=$((RATE_BYTES * SECS * 115 / 100 + KEEP_FREE + (256 << 20)))

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpmon-soak.XXXXXX")
CAPFS=$WORK/capfs
mkdir -p "$CAPFS" "$WORK/cache"
mount -t tmpfs -o "size=$FS_BYTES,mode=0700" tmpfs "$CAPFS" || die "cannot mount a tmpfs on $CAPFS"
MAIN_CAP=$CAPFS/main.tcpmon
LIMIT_CAP=$WORK/limit.tcpmon
SAMPLES=$WORK/samples.csv
PHASES=$WORK/phases.txt
: >"$PHASES"

declare -A LIVE=() # pid -> name: every process started here and not yet stopped
LAST_PID=
start() { # NAME CMD...: runs CMD in the background, stdout and stderr in WORK/NAME.{out,err}
    local name=$1
    shift
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" 7>&- &
    LAST_PID=$!
    LIVE[$LAST_PID]=$name
}
alive() { [[ -r /proc/$1/stat ]] && [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
stop() { # PID: TERM, KILL after 30 s, reap
    local pid=$1 i
    [[ -n ${LIVE[$pid]:-} ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        alive "$pid" || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "LIVE[$pid]"
}
cleanup() {
    local pid
    exec 7>&- 2>/dev/null || true
    for pid in "${!LIVE[@]}"; do stop "$pid"; done
    if [[ $KEEP_CAPTURE == 1 && -f $MAIN_CAP ]]; then cp "$MAIN_CAP" "$WORK/" || true; fi
    umount "$CAPFS" 2>/dev/null || true
    if [[ $KEEP_WORK == 1 || $KEEP_CAPTURE == 1 ]]; then say "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T0=$EPOCHREALTIME
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }'; }
phase() {
    echo "$(elapsed) s: $*" >>"$PHASES"
    say "$(elapsed) s: $*"
}

listening() { # PORT: whether something listens on 127.0.0.1:PORT
    local hex
    printf -v hex '%04X' "$1"
    awk -v want="0100007F:$hex" '$4 == "0A" && $2 == want { found = 1 } END { exit !found }' /proc/net/tcp
}
wait_listening() { # PORT PID NAME
    local i
    for ((i = 0; i < 100; i++)); do
        listening "$1" && return 0
        alive "$2" || die "$3 exited early: $(tail -n 5 "$WORK/$3.err" 2>/dev/null)"
        sleep 0.1
    done
    die "$3 does not listen on 127.0.0.1:$1 after 10 s"
}

# --- servers and relays ----------------------------------------------------------------------
mkfifo "$WORK/serve.in"
# The server serves until its stdin ends: this shell holds the FIFO's only writing end, fd 7,
# and closes it when the load is done (every other child is started with fd 7 closed). The
# server's open of the FIFO waits for this writer, and this one for that reader.
"$BENCH" soak serve --log "$WORK/servers.tsv" <"$WORK/serve.in" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVE_PID=$!
LIVE[$SERVE_PID]=serve
exec 7>"$WORK/serve.in"
for ((i = 0; i < 100; i++)); do
    grep -q '^soak-serve ' "$WORK/serve.out" 2>/dev/null && break
    sleep 0.1
done
SERVE_PORT=$(sed -n 's/^soak-serve 127.0.0.1:\([0-9]*\)$/\1/p' "$WORK/serve.out")
[[ -n $SERVE_PORT ]] || die "the soak server did not start: $(cat "$WORK/serve.err")"

stamp() { # each line of stdin with the seconds since the start in front
    local line
    while IFS= read -r line; do echo "$(elapsed) s: $line"; done
}

# start_relay NAME ARGS...: tcpmon-cli in relay mode in front of the server; its stdout (a line
# per exchange) is gzip'ed, its stderr stamped with the time, each through a FIFO.
# Sets RELAY_PORT, RELAY_PID.
start_relay() {
    local name=$1
    shift
    RELAY_PORT=$("$BENCH" free-port)
    mkfifo "$WORK/$name.fifo" "$WORK/$name.err-fifo"
    gzip -1 <"$WORK/$name.fifo" >"$WORK/$name.out.gz" 7>&- &
    LIVE[$!]=$name-pipe
    stamp <"$WORK/$name.err-fifo" >"$WORK/$name.err" 7>&- &
    LIVE[$!]=$name-pipe
    XDG_CACHE_HOME=$WORK/cache "$CLI" "$RELAY_PORT" 127.0.0.1 "$SERVE_PORT" "$@" \
        >"$WORK/$name.fifo" 2>"$WORK/$name.err-fifo" 7>&- &
    RELAY_PID=$!
    LIVE[$RELAY_PID]=$name
    wait_listening "$RELAY_PORT" "$RELAY_PID" "$name"
}
start_relay main --save "$MAIN_CAP" --keep-free "${KEEP_FREE_MB}MiB"
MAIN_PORT=$RELAY_PORT MAIN_PID=$RELAY_PID
start_relay limit --save "$LIMIT_CAP" --capture-limit "$LIMIT"
LIMIT_PORT=$RELAY_PORT LIMIT_PID=$RELAY_PID
say "server on :$SERVE_PORT; main relay on :$MAIN_PORT (pid $MAIN_PID, capture on a $((FS_BYTES >> 20)) MiB tmpfs); capture-limit relay on :$LIMIT_PORT (pid $LIMIT_PID)"

# --- samples -------------------------------------------------------------------------------
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
cpu_s() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    awk -v t="$((${12} + ${13}))" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", t / hz }'
}
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
disk_of() { stat -c '%b %B' "$1" 2>/dev/null | awk '{ print $1 * $2 }' || echo 0; }
sample() {
    local fs_used
    fs_used=$(df -B1 --output=used "$CAPFS" | tail -n 1 | tr -d ' ')
    echo "$(elapsed),$(status_kb "$MAIN_PID" VmRSS),$(status_kb "$MAIN_PID" VmHWM),$(status_kb "$MAIN_PID" RssAnon),$(status_kb "$MAIN_PID" RssFile),$(status_kb "$MAIN_PID" RssShmem),$(fds "$MAIN_PID"),$(status_kb "$MAIN_PID" Threads),$(cpu_s "$MAIN_PID"),$(size_of "$MAIN_CAP"),$(disk_of "$MAIN_CAP"),$fs_used,$(status_kb "$LIMIT_PID" VmRSS),$(fds "$LIMIT_PID"),$(cpu_s "$LIMIT_PID"),$(size_of "$LIMIT_CAP")"
}
echo "t_s,rss_kb,hwm_kb,anon_kb,file_kb,shmem_kb,fds,threads,cpu_s,capture_bytes,capture_disk_bytes,fs_used_bytes,limit_rss_kb,limit_fds,limit_cpu_s,limit_capture_bytes" >"$SAMPLES"
sampler() {
    local next=0 now
    while [[ ! -e $WORK/stop-sampling ]]; do
        now=$(elapsed)
        if ((now >= next)); then
            sample >>"$SAMPLES"
            next=$((next + SAMPLE_EVERY))
        fi
        sleep 0.5
    done
}
sampler 7>&- &
LIVE[$!]=sampler
SAMPLER_PID=$!

# --- load ----------------------------------------------------------------------------------
phase "load starts: $MINUTES min, budget $RATE/s both ways, $LIMIT_SHARE% through the capture-limit relay"
start load "$BENCH" soak load --to "127.0.0.1:$MAIN_PORT" --limit-to "127.0.0.1:$LIMIT_PORT" \
    --limit-share "$LIMIT_SHARE" --secs "$SECS" --rate "$RATE_BYTES" --log "$WORK/clients.tsv"
LOAD_PID=$LAST_PID

# --- the full disk: a ballast fills the tmpfs until recording stops, then goes ---------------
fs_avail() { df -B1 --output=avail "$CAPFS" | tail -n 1 | tr -d ' '; }
lines_of() { grep -c "$1" "$WORK/main.err" 2>/dev/null || true; }
wait_line() { # PATTERN COUNT_BEFORE TIMEOUT_S: until PATTERN has more lines than before
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        (($(lines_of "$1") > $2)) && return 0
        alive "$MAIN_PID" || return 1
        sleep 0.1
    done
    return 1
}
fill_ballast() { # leaves KEEP_FREE/2 free (tcpmon's reservation ahead is already taken)
    local i size
    for ((i = 0; i < 5; i++)); do
        size=$(($(fs_avail) - KEEP_FREE / 2))
        ((size > 0)) || return 0
        fallocate -l "$size" "$CAPFS/ballast" 2>/dev/null && return 0
        rm -f "$CAPFS/ballast"
        sleep 0.2
    done
    return 1
}
HOLD=$((SECS / 12 < 30 ? SECS / 12 : 30))
sleep $((SECS * 35 / 100))
if alive "$LOAD_PID"; then
    stopped_before=$(lines_of 'recording stopped') resumed_before=$(lines_of 'recording resumed')
    if fill_ballast; then
        phase "ballast of $(($(size_of "$CAPFS/ballast") >> 20)) MiB: $(($(fs_avail) >> 20)) MiB left free on the tmpfs, tcpmon-cli keeps $KEEP_FREE_MB MiB free"
        if wait_line 'recording stopped' "$stopped_before" 180; then
            phase "$(grep 'recording stopped' "$WORK/main.err" | tail -n 1 | sed 's/^[0-9]* s: //')"
        else
            phase "NO 'recording stopped' on tcpmon-cli's stderr within 180 s"
        fi
        sleep "$HOLD"
        rm -f "$CAPFS/ballast"
        phase "ballast removed after $HOLD s more"
        if wait_line 'recording resumed' "$resumed_before" 60; then
            phase "tcpmon-cli: recording resumed"
        else
            phase "NO 'recording resumed' on tcpmon-cli's stderr within 60 s"
        fi
    else
        phase "could not place the ballast"
    fi
fi

wait "$LOAD_PID" || say "the load exited with an error: $(tail -n 3 "$WORK/load.err")"
unset "LIVE[$LOAD_PID]"
phase "load done: $(cat "$WORK/load.out")"
sleep 1 # the relays' last closes
touch "$WORK/stop-sampling"
wait "$SAMPLER_PID" 2>/dev/null || true
unset "LIVE[$SAMPLER_PID]"
sample >>"$SAMPLES"
stop "$MAIN_PID"
stop "$LIMIT_PID"
exec 7>&- # the server writes its log and exits
wait "$SERVE_PID" || say "the soak server exited with an error: $(tail -n 3 "$WORK/serve.err")"
unset "LIVE[$SERVE_PID]"
for pid in "${!LIVE[@]}"; do # the relays' output pipes end with them
    if [[ ${LIVE[$pid]} == *-pipe ]]; then
        wait "$pid" || true
        unset "LIVE[$pid]"
    fi
done

# --- the accounting ------------------------------------------------------------------------
echo
echo "### Soak: $MINUTES min through tcpmon-cli ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
rc=0
"$BENCH" soak check --clients "$WORK/clients.tsv" --servers "$WORK/servers.tsv" \
    --capture "$MAIN_CAP" --limit-capture "$LIMIT_CAP" --samples "$SAMPLES" || rc=$?
echo
echo "phases:"
sed 's/^/  /' "$PHASES"
for name in main limit; do
    out=$WORK/$name.out.gz
    exchange_lines=$(zcat "$out" | grep -cE '^#[0-9]+\.[0-9]+ ' || true)
    conn_lines=$(zcat "$out" | grep -cE '^#[0-9]+ ' || true)
    behind=$(zcat "$out" | grep -c 'output fell behind' || true)
    echo "tcpmon-cli ($name) stdout: $exchange_lines exchange lines, $conn_lines connection lines, $behind 'output fell behind' lines"
    echo "tcpmon-cli ($name) stderr ($(wc -l <"$WORK/$name.err") lines, the first 20, with the time since the start):"
    head -n 20 "$WORK/$name.err" | sed 's/^/  /'
done

# A hostile body of each kind from the capture, through the reader the app's panes use.
for body in xml gzip; do
    hostile=$("$CLI" show "$MAIN_CAP" --search "path:/hostile/$body" 2>/dev/null | head -n 1 | cut -d' ' -f1 || true)
    [[ -n $hostile ]] || continue
    bytes=$(/usr/bin/time -o "$WORK/show.time" -f '%e s, max RSS %M KB' \
        "$CLI" show "$MAIN_CAP" "${hostile#\#}" --view xml 2>"$WORK/show.err" | wc -c)
    echo "tcpmon-cli show CAPTURE ${hostile#\#} --view xml (/hostile/$body): $bytes bytes of output in $(cat "$WORK/show.time"); its notes on stderr:"
    sed 's/^/  /' "$WORK/show.err"
done
exit "$rc"
