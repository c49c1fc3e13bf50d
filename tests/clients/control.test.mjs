// `tcpmon-cli control` driven by a Python integration suite, as a user's would be (Python
// requests; every call checked against the OpenAPI document the API serves). Needs
// $TCPMON_VENV (scripts/test.sh makes it). Run: node --test tests/clients/
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import os from "node:os";
import path from "node:path";
import { cli } from "../lib/monitor.mjs";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const venv = process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv");

test("a Python suite puts tcpmon-cli control between its client and server", async () => {
  const { stdout } = await run(path.join(venv, "bin/python"), [path.join(here, "control_suite.py"), cli],
    { timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: os.tmpdir() } });
  assert.match(stdout, /^ok \d+ calls checked against the OpenAPI document$/m);
});
