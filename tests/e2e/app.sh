#!/usr/bin/env bash
# What tauri-driver starts for every session: the app itself (exec, same PID), with settings in
# a config dir of its own and its capture log in a cache dir of its own, so no test sees what
# an earlier app start saved (views, layout, the Admin form, the window size) or left (a capture
# log, which the app would offer to recover), and its stdout and stderr in the run's app.log.
# run.sh sets the E2E_* variables in tauri-driver's environment, which passes them on.
XDG_CONFIG_HOME="$(mktemp -d "$E2E_TMP/config.XXXXXX")"
XDG_CACHE_HOME="$(mktemp -d "$E2E_TMP/cache.XXXXXX")"
export XDG_CONFIG_HOME XDG_CACHE_HOME
# A test that wants its dialogs answered with another file than run.sh's (a .har, say) names it
# in this file before it starts the app (launchApp's dialogPath): for this start only.
if [[ -f "$E2E_TMP/dialog-path" ]]; then
  TCPMON_TEST_DIALOG_PATH="$(cat "$E2E_TMP/dialog-path")"
  export TCPMON_TEST_DIALOG_PATH
  rm -f "$E2E_TMP/dialog-path"
fi
# A test that starts the app again where an earlier start left its settings and capture (crash
# recovery) names those dirs in this file, as NAME=VALUE lines (launchApp's env): this start only.
# WebKit's compositing switch passes too (the test of how the window draws).
if [[ -f "$E2E_TMP/app-env" ]]; then
  while IFS='=' read -r name value; do
    case "$name" in
      XDG_CONFIG_HOME | XDG_CACHE_HOME | WEBKIT_DISABLE_COMPOSITING_MODE) export "$name=$value" ;;
    esac
  done <"$E2E_TMP/app-env"
  rm -f "$E2E_TMP/app-env"
fi
# The app's PID (this shell's, after exec): tests measure its memory, or kill -9 it.
echo "$$" >"$E2E_TMP/app.pid"
echo "== $(date +%T) $E2E_APP_BINARY $* (config: $XDG_CONFIG_HOME, cache: $XDG_CACHE_HOME, dialogs: $TCPMON_TEST_DIALOG_PATH)" >>"$E2E_APP_LOG"
exec "$E2E_APP_BINARY" "$@" >>"$E2E_APP_LOG" 2>&1
