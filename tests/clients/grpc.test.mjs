// gRPC through tcpmon-cli between real peers (Python's grpcio over h2c, server on its own
// port, the client dialling the relay): the live lines say HTTP/2 and the grpc-status, and
// `show SESSION '#1.N'` shows each body as its gRPC messages decoded as protobuf: field numbers
// without a schema, field names with `--proto` (a .proto file or a descriptor set), and the
// call's status by name. A bad schema file is a usage error that names it.
//
// Needs tests/clients/requirements.txt in $TCPMON_VENV (scripts/test.sh makes it) and protoc.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, monitor, serverOnPort } from "../lib/monitor.mjs";

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const venv = process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv");
const python = path.join(venv, "bin/python");
const peers = path.join(here, "grpc_peers.py");
const proto = path.join(here, "../../crates/inspect/tests/fixtures/grpc/shop.proto");

test("gRPC unary and server-streaming calls: decoded raw, with --proto, and their status", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-grpc-"));
  const descriptors = path.join(dir, "shop.pb");
  await run("protoc", ["--include_imports", `-I${path.dirname(proto)}`, "-o", descriptors, path.basename(proto)]);
  const server = await serverOnPort(python, [peers, "server", descriptors]);
  const saved = path.join(dir, "grpc.tcpmon");
  const tcpmon = await monitor(["0", "127.0.0.1", String(server), "--save", saved]);
  const { stdout } = await run(python, [peers, "client", descriptors, `127.0.0.1:${tcpmon.port}`], { timeout: 30_000 });
  assert.equal(stdout, "GetItem pen\nListItems tool-0\nListItems tool-1\nListItems tool-2\nGetItem NOT_FOUND\n");
  await tcpmon.stop();
  const lines = tcpmon.lines.join("\n");
  assert.match(lines, /^#1\.1 .* POST \S+\/demo\.shop\.Shop\/GetItem HTTP\/2 "200[^"]*" grpc-status=0:OK /m);
  assert.match(lines, /^#1\.3 .*\/GetItem HTTP\/2 "200[^"]*" grpc-status=5:NOT_FOUND /m);

  const show = (...args) => run(cli, ["show", saved, ...args]).then((r) => r.stdout);
  const raw = await show("#1.1");
  assert.match(raw, /^--- #1\.1 request: grpc ---\nPOST http:\/\/127\.0\.0\.1:\d+\/demo\.shop\.Shop\/GetItem HTTP\/2\.0\n/m);
  assert.match(raw, /^content-type: application\/grpc\n/m);
  assert.match(raw, /^\[message 1\] 7 bytes\n1: "pen"\n2: 1\n$/m);
  assert.match(raw, /^--- #1\.1 response: grpc ---\nHTTP\/2\.0 200/m);
  assert.match(raw, /^\[message 1\] \d+ bytes\n1: "pen"\n4: "\\001\\002"\n8: 0x4023000000000000\n$/m);
  assert.match(raw, /^grpc-status: 0 OK$/m);
  assert.doesNotMatch(raw, /name:|demo\.shop\.Item/, "no field names without a schema");

  for (const schema of [proto, descriptors]) {
    const named = await show("#1.1", "--proto", schema);
    assert.match(named, /^\[message 1\] 7 bytes, demo\.shop\.Query\nname: "pen"\nlimit: 1\n$/m);
    assert.match(named, /^\[message 1\] \d+ bytes, demo\.shop\.Item\nname: "pen"\nsizes: \[1, 2\]\nprice: 9\.5\n$/m);
    assert.match(named, /^grpc-status: 0 OK$/m);
  }
  const stream = await show("#1.2", "--proto", proto, "--view", "grpc");
  for (const n of [0, 1, 2]) {
    assert.match(stream, new RegExp(`^\\[message ${n + 1}\\] \\d+ bytes, demo\\.shop\\.Item\\nname: "tool-${n}"\\n`, "m"));
  }
  const failed = await show("#1.3");
  assert.match(failed, /^\(no messages\)\ngrpc-status: 5 NOT_FOUND\ngrpc-message: no item named missing$/m);

  const bad = path.join(dir, "bad.proto");
  fs.writeFileSync(bad, 'syntax = "proto3";\nmessage {\n');
  const reasons = [[bad, /\S*bad\.proto: expected an identifier/], [path.join(dir, "none.pb"), /\S*none\.pb: No such file/]];
  for (const [file, reason] of reasons) {
    const err = await run(cli, ["show", saved, "#1.1", "--proto", file]).then(() => null, (e) => e);
    assert.equal(err?.code, 2, `--proto ${file} fails as a usage error`);
    assert.match(err.stderr, new RegExp(`--proto ${reason.source}`));
  }
});
