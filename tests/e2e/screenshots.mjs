// The README's screenshots of the real window: `bash tests/e2e/run.sh screenshots` (or
// `npm run screenshot:app`) writes docs/screenshots/app-*.png from real traffic:
//   app-soap-xml.png  a listener tab: one row per SOAP exchange (a keep-alive connection's
//                     three among them), the search box filtering them, an exchange as XML
//   app-hex.png       the Sender tab: a SOAP request composed with the SOAP helper and sent,
//                     its response in the Hex view
//   app-admin.png     the Admin form being filled in, Rewrite Host header ticked
//   app-websocket.png a WebSocket through a listener (Python's websockets, deflate on): its
//                     messages listed under the table, one shown as JSON
//   app-grpc.png      gRPC calls (Python grpcio over h2c) as HTTP/2 rows with their status,
//                     a server-streaming response's messages decoded with the user's schema
//   app-compare.png   two orders compared side by side, the changed value marked
// With ImageMagick's /usr/bin/convert, each is reduced to 256 colours (a third of the bytes).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import {
  curlOk,
  runGrpcClient,
  startFixedServer,
  startGrpcServer,
  runWsClient,
  soapPost,
  soapPosts,
  startPythonServer,
  startSoapServer,
  startWsEcho,
  tempDir,
} from "./lib/servers.mjs";

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/screenshots");
fs.mkdirSync(out, { recursive: true });
// /usr/local/bin/convert may be a stand-in on these machines: ImageMagick's own, or none.
const CONVERT = "/usr/bin/convert";

async function shoot(app, name) {
  const file = path.join(out, name);
  await app.screenshot(file);
  if (fs.existsSync(CONVERT)) {
    const small = `${file}.tmp.png`;
    execFileSync(CONVERT, [file, "-strip", "-colors", "256", `PNG8:${small}`]);
    fs.renameSync(small, file);
  }
  console.log(`${name}: ${fs.statSync(file).size} bytes`);
}

const dir = tempDir("shots");
fs.writeFileSync(path.join(dir, "status.json"), '{"status":"ok","uptime_s":4711,"queue":[3,1,4]}\n');
const [soap, web, echo] = await Promise.all([
  startSoapServer({ keepAlive: true }),
  startPythonServer(dir),
  startWsEcho(),
]);
const proto = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../crates/inspect/tests/fixtures/grpc/shop.proto");
const descriptors = path.join(dir, "shop.pb");
execFileSync("protoc", ["--include_imports", `-I${path.dirname(proto)}`, "-o", descriptors, path.basename(proto)]);
const [grpc, orders] = await Promise.all([
  startGrpcServer(descriptors),
  startFixedServer({ "/order": { body: '{"ok":true}', headers: { "content-type": "application/json" } } }),
]);
const app = await launchApp();
try {
  await app.browser.setWindowSize(1200, 800);
  const soapPort = await app.addListener({ targetPort: soap.port });
  await soapPost(soapPort, "World");
  await soapPosts(soapPort, ["TCPMon", "Apache Axis", "WS-I"]); // on one connection
  await curlOk(["-o", "/dev/null", `http://127.0.0.1:${soapPort}/soap`]); // a GET: 400
  const rows = await app.waitForRows(
    (rows) => rows.length === 5 && rows.every((r) => r.state === "Done" && r.status !== ""),
    "five finished exchanges",
  );
  // The status line polls the capture size every 2 s: let it catch up with the traffic.
  await app.waitFor(
    async () => /capture [\d.]+ KiB$/.test(await (await app.$(tid("status"))).getText()),
    "the capture size on the status line",
  );
  await app.search("method:POST");
  await app.clickRow(rows[2]); // the keep-alive connection's second exchange
  await app.chooseView("request", "xml");
  await app.chooseView("response", "xml");
  await app.waitForPane("response", (p) => p.text.includes("Hello, Apache Axis"), "the XML view");
  await app.waitForPane("request", (p) => p.text.includes("\n  <soap:Body>\n"), "the XML view");
  await shoot(app, "app-soap-xml.png");

  // The Sender: a GET of http.server's JSON, then a SOAP request composed with the helper.
  await app.selectTab("Sender");
  const urlField = `${PANEL} ${tid("sender-url")}`;
  await app.type(urlField, `http://127.0.0.1:${web.port}/status.json`);
  await app.clickInPanel("sender-send");
  await app.waitForRows((rows) => rows.length === 1 && rows[0].status === "200", "the GET, answered");
  await app.type(urlField, `http://127.0.0.1:${soap.port}/soap`);
  await app.clickInPanel("sender-soap");
  await app.typeIntoSoapBody('<m:hello xmlns:m="urn:tcpmon-e2e"><m:name>Sender</m:name></m:hello>');
  await app.clickInPanel("sender-send");
  await app.waitForRows((rows) => rows.length === 2 && rows[1].status === "200", "the SOAP POST, answered");
  await app.chooseView("request", "raw");
  await app.chooseView("response", "hex");
  await app.waitForPane("response", (p) => p.text.startsWith("00000000  48 54"), "the hex view");
  await app.waitForPane("request", (p) => p.text.startsWith("POST /soap HTTP/1.1\n"), "the raw request");
  await shoot(app, "app-hex.png");

  // A second listener in front of http.server, then the Admin form as one fills it in.
  const webPort = await app.addListener({ targetPort: web.port });
  await curlOk(["-o", "/dev/null", `http://127.0.0.1:${webPort}/status.json`]);
  await app.selectTab("Admin");
  await app.click(tid("mode-listener"));
  await app.type(tid("listen-port"), "8081");
  await app.type(tid("bind-address"), "127.0.0.1");
  await app.type(tid("target-host"), "api.example.org");
  await app.type(tid("target-port"), "80");
  if (!(await (await app.$(tid("rewrite-host"))).isSelected())) await app.click(tid("rewrite-host"));
  await shoot(app, "app-admin.png");

  // A WebSocket: its messages under the table, the first one as JSON.
  const wsPort = await app.addListener({ targetPort: echo.port });
  await runWsClient(`ws://127.0.0.1:${wsPort}/prices`);
  const [upgrade] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].url.endsWith("WebSocket 6↑ 6↓, closed 1000"),
    "the WebSocket's row",
  );
  await app.clickRow(upgrade);
  const message = `${PANEL} ${tid("ws-message-row")}[data-index="0"]`;
  await app.waitFor(async () => (await app.browser.$(message)).isExisting(), "the message rows");
  await app.click(message);
  await app.chooseView("request", "json");
  await app.waitForPane("request", (p) => p.text.includes('"price": 101.5'), "the message as JSON");
  await shoot(app, "app-websocket.png");

  // gRPC: three calls as HTTP/2 rows, the streamed response decoded with the schema.
  await app.selectTab("Admin");
  await app.type(tid("proto-file"), proto);
  await app.browser.keys(["Enter"]);
  await app.waitFor(
    async () => (await (await app.$(tid("proto-file-state"))).getText()).startsWith("services:"),
    "the schema loaded",
  );
  const grpcPort = await app.addListener({ targetPort: grpc.port });
  await runGrpcClient(descriptors, `127.0.0.1:${grpcPort}`);
  const calls = await app.waitForRows(
    (rows) => rows.length === 3 && rows[2].status === "200 NOT_FOUND",
    "three gRPC calls",
  );
  await app.clickRow(calls[1]);
  await app.chooseView("request", "grpc");
  await app.chooseView("response", "grpc");
  await app.waitForPane("response", (p) => p.text.includes("demo.shop.Item"), "the streamed messages");
  await shoot(app, "app-grpc.png");

  // Compare: two orders whose JSON differs in one value, both rows selected.
  const orderPort = await app.addListener({ targetPort: orders.port });
  for (const qty of [1, 2]) {
    await curlOk(["-H", "Content-Type: application/json", "-d", `{"item":"tea","qty":${qty}}`, `http://127.0.0.1:${orderPort}/order`]);
  }
  const posted = await app.waitForRows((rows) => rows.length === 2 && rows.every((r) => r.status === "200"), "two orders");
  await app.clickRow(posted[0]);
  await app.clickRow(posted[1], { ctrl: true });
  await app.clickInPanel("compare");
  await app.waitFor(
    async () => app.browser.execute((s) => document.querySelectorAll(`${s} .diff-row`).length > 0, tid("diff-view")),
    "the comparison",
  );
  await shoot(app, "app-compare.png");

  console.log(`screenshots written to ${out}`);
} finally {
  await app.close();
  await Promise.all([soap.stop(), web.stop(), echo.stop(), grpc.stop(), orders.stop()]);
}
