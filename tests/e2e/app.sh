#!/usr/bin/env bash
# What tauri-driver starts: the app itself (exec, same PID), with its stdout and stderr kept in
# the run's log so a failing run can show them. run.sh sets both variables.
exec "$E2E_APP_BINARY" "$@" >>"$E2E_APP_LOG" 2>&1
