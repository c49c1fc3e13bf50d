// gRPC in the real window: a listener relaying a Python grpcio client to a grpcio server over
// h2c (tests/clients/grpc_peers.py); each call is a row that says HTTP/2 and its gRPC status,
// the response pane shows the messages decoded without a schema (field numbers), and once the
// Admin tab's Protobuf schema (proto-file) names the .proto file, with field names.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { runGrpcClient, startGrpcServer, tempDir } from "./lib/servers.mjs";

const proto = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../crates/inspect/tests/fixtures/grpc/shop.proto");
let app;
let server;
let descriptors;
before(async () => {
  descriptors = path.join(tempDir("tcpmon-e2e-grpc-"), "shop.pb");
  execFileSync("protoc", ["--include_imports", `-I${path.dirname(proto)}`, "-o", descriptors, path.basename(proto)]);
  server = await startGrpcServer(descriptors);
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await server?.stop();
});

test("gRPC calls are HTTP/2 rows whose messages the panes decode, with field names once the schema is set", async () => {
  const port = await app.addListener({ targetPort: server.port });
  const printed = await runGrpcClient(descriptors, `127.0.0.1:${port}`);
  assert.match(printed, /GetItem NOT_FOUND/, "the client's calls went through the relay");
  const rows = await app.waitForRows(
    (rows) => rows.length === 3 && rows.every((r) => r.url.endsWith(" · HTTP/2")) && rows[2].status === "200 NOT_FOUND",
    "three HTTP/2 rows, the last NOT_FOUND",
  );
  assert.deepEqual(
    rows.map((r) => [r.url.replace(/^.*\/demo/, "/demo"), r.status]),
    [
      ["/demo.shop.Shop/GetItem · HTTP/2", "200 OK"],
      ["/demo.shop.Shop/ListItems · HTTP/2", "200 OK"],
      ["/demo.shop.Shop/GetItem · HTTP/2", "200 NOT_FOUND"],
    ],
  );
  await app.clickRow(rows[0]);
  await app.waitForPane(
    "response",
    (p) => p.text.includes('[message 1] 18 bytes\n1: "pen"\n4: "\\001\\002"\n') && p.text.endsWith("grpc-status: 0 OK\n"),
    "the response's message decoded without a schema, and the status",
  );

  await app.selectTab("Admin");
  await app.type(tid("proto-file"), proto);
  await app.browser.keys(["Enter"]);
  await app.waitFor(
    async () => (await (await app.$(tid("proto-file-state"))).getText()) === "services: demo.shop.Shop",
    "the schema loaded",
  );
  await app.selectTab(`Port ${port}`);
  await app.clickRow(rows[1]);
  await app.waitForPane(
    "response",
    (p) => /\[message 3\] \d+ bytes, demo\.shop\.Item\nname: "tool-2"\n/.test(p.text),
    "the streamed messages with field names",
  );
  await app.clickRow(rows[0]);
  await app.waitForPane(
    "request",
    (p) => p.text.includes('[message 1] 7 bytes, demo.shop.Query\nname: "pen"\nlimit: 1\n'),
    "the request's message with field names",
  );
  assert.deepEqual(await app.problems(), []);
});
