# Sourced by tests/e2e/run.sh and bench/app-scale.sh: ending every process a run started.

# Prints the PIDs of every descendant of $1, deepest first.
descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

# Ends the processes in "$@" (TERM, up to 3 s of grace, then KILL) and reaps them.
end_processes() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 30); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
