# Sourced by scripts/run.sh and scripts/test.sh: installs what is missing, nothing else.

# Installs the Debian packages among "$@" that are not installed yet.
need_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # Through env: sudo drops the caller's environment, and tshark's package asks a question.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Installs the npm packages from package-lock.json when node_modules is missing or older.
need_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# A Python venv with the real HTTP and SOAP clients and servers the client tests drive,
# (re)made when tests/clients/requirements.txt is newer than it.
export TCPMON_VENV="${TCPMON_VENV:-$HOME/.cache/tcpmon-venv}"
need_python_venv() {
  local stamp="$TCPMON_VENV/.requirements"
  if [ ! -f "$stamp" ] || ! cmp -s tests/clients/requirements.txt "$stamp"; then
    python3 -m venv "$TCPMON_VENV"
    "$TCPMON_VENV/bin/pip" install -q --disable-pip-version-check -r tests/clients/requirements.txt
    cp tests/clients/requirements.txt "$stamp"
  fi
}

# Builds go to a shared cache so a fresh clone rebuilds only the project's own crates.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tcpmon-target}"
