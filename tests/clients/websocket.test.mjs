// WebSocket and Server-Sent Events through tcpmon-cli between real peers (Python's websockets, with and without
// permessage-deflate): the upgrade's line, a line per message with --ws, the summary when the
// connection closes, the HAR's _webSocketMessages as Chromium's dev tools write them, and
// `show --search ws:` over a saved session.
//
// Needs tests/clients/requirements.txt in $TCPMON_VENV (scripts/test.sh makes it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, monitor, serverOnPort } from "../lib/monitor.mjs";
import { checkRules, validate } from "../har/rules.mjs";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const venv = process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv");
const python = path.join(venv, "bin/python");
const peers = path.join(here, "ws_peers.py");

for (const deflate of [true, false]) {
  const flags = deflate ? [] : ["--no-deflate"];
  test(`WebSocket ${deflate ? "with" : "without"} permessage-deflate: lines per message, a summary, the HAR's messages`, async () => {
    const server = await serverOnPort(python, [peers, "server", ...flags]);
    // One run saves a HAR, the other a session file that `show --search ws:` reads.
    const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-ws-")), deflate ? "ws.har" : "ws.tcpmon");
    const tcpmon = await monitor(["0", "127.0.0.1", String(server), "--ws", "--save", saved]);
    const { stdout } = await run(python, [peers, "client", `ws://127.0.0.1:${tcpmon.port}/chat`, ...flags], { timeout: 20_000 });
    assert.match(stdout, /'fragmented'/, "the client got its echoes");
    await tcpmon.stop();
    const lines = tcpmon.lines.join("\n");

    assert.match(lines, /^#1\.1 .* GET http:\/\/127\.0\.0\.1:\d+\/chat "101 Switching Protocols"/m);
    const deflated = deflate ? " deflated" : "";
    assert.match(lines, new RegExp(`^#1\\.1\\.m1 \\S+ -> text \\d+B${deflated} "\\{\\\\"price\\\\": 101\\.5\\}"$`, "m"));
    assert.match(lines, new RegExp(`^#1\\.1\\.m2 \\S+ <- text \\d+B${deflated} "\\{\\\\"price\\\\": 101\\.5\\}"$`, "m"));
    assert.match(lines, /^#1\.1\.m\d+ \S+ -> binary \d+B( deflated)? 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f \.\.\.$/m);
    assert.match(lines, /^#1\.1\.m\d+ \S+ -> text \d+B( deflated)? "fragmented"$/m);
    assert.match(lines, /^#1\.1\.m\d+ \S+ -> close 6B 1000 "done"$/m);
    assert.equal(lines.match(/^#1\.1\.m\d+ /gm).length, 12, "six messages each way, closes included");
    assert.match(lines, /^#1\.1 websocket: -> 6 messages \d+B, <- 6 messages \d+B, closed by the client \(1000 "done"\)$/m);

    if (!deflate) {
      const show = (query) => run(cli, ["show", saved, "--search", query]).then((r) => r.stdout);
      assert.match(await show("ws:fragmented"), /^#1\.1 .*"101 Switching Protocols"/m);
      assert.equal(await show("ws:nowhere"), "");
      const { stdout: shown } = await run(cli, ["show", saved, "#1.1"]);
      assert.match(shown, /^--- #1\.1 messages ---$/m);
      assert.match(shown, /^#1\.1\.m9 \S+ -> text 10B "fragmented"$/m);
      assert.equal(shown.match(/^#1\.1\.m\d+ /gm).length, 12);
      // One message: its line, then its payload in a view (the first, a JSON text).
      const { stdout: one } = await run(cli, ["show", saved, "#1.1.m1"]);
      assert.match(one, /^#1\.1\.m1 \S+ -> text \d+B "/);
      assert.match(one, /^--- #1\.1\.m1 payload: json ---\n\{\n  "price": 101\.5\n\}$/m);
      const missing = await run(cli, ["show", saved, "#1.1.m13"]).catch((e) => e);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /#1\.1 has 12 messages: there is no #1\.1\.m13/);
      return;
    }
    const har = JSON.parse(fs.readFileSync(saved, "utf8"));
    await validate(har);
    checkRules(saved, har);
    const [entry] = har.log.entries;
    assert.equal(entry.response.status, 101);
    const messages = entry._webSocketMessages;
    assert.equal(messages.length, 12);
    const sent = messages.filter((m) => m.type === "send");
    assert.deepEqual(sent.map((m) => m.opcode), [1, 1, 1, 2, 1, 8]);
    assert.equal(sent[2].data, "héllo wörld");
    assert.deepEqual([...Buffer.from(sent[3].data, "base64")], [...Array(256).keys()]);
    assert.equal(sent[4].data, "fragmented");
    assert.ok(messages.every((m, i) => i === 0 || m.time >= messages[i - 1].time), "in capture order");
    assert.ok(Math.abs(messages[0].time * 1000 - Date.parse(entry.startedDateTime)) < 60_000, "seconds since the epoch");
    assert.doesNotMatch(entry.comment ?? "", /not in this file/);
  });
}

test("Server-Sent Events: the exchange's line at once, a line per event with --ws, a summary, ws: search", async () => {
  const server = await serverOnPort(python, [path.join(here, "sse_server.py")]);
  const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-sse-")), "sse.tcpmon");
  const tcpmon = await monitor(["0", "127.0.0.1", String(server), "--ws", "--save", saved]);
  const { stdout } = await run("curl", ["-sSN", "--max-time", "20", `http://127.0.0.1:${tcpmon.port}/events`]);
  assert.match(stdout, /data: three/);
  await tcpmon.stop();
  const lines = tcpmon.lines.join("\n");
  assert.match(lines, /^#1\.1 .* GET http:\/\/127\.0\.0\.1:\d+\/events "200 OK"/m);
  assert.match(lines, /^#1\.1\.m1 \S+ <- event message "one"$/m);
  assert.match(lines, /^#1\.1\.m2 \S+ <- event add id="7" "two"$/m);
  assert.match(lines, /^#1\.1\.m3 \S+ <- event message "three\\nlines"$/m);
  assert.match(lines, /^#1\.1 event stream: 3 events$/m);
  assert.ok(lines.indexOf("#1.1 ") < lines.indexOf("#1.1.m1"), "the exchange's line comes first");
  const show = (query) => run(cli, ["show", saved, "--search", query]).then((r) => r.stdout);
  assert.match(await show("ws:lines"), /^#1\.1 .*\/events "200 OK"/m);
  const { stdout: shown } = await run(cli, ["show", saved, "#1.1"]);
  assert.match(shown, /^#1\.1\.m2 \S+ <- event add id="7" "two"$/m);
  const { stdout: event } = await run(cli, ["show", saved, "#1.1.m3", "--view", "raw"]);
  assert.match(event, /^--- #1\.1\.m3 payload: raw ---\nthree\nlines$/m);
});
