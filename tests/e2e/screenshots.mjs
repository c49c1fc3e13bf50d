// The README's screenshots of the real window: `bash tests/e2e/run.sh screenshots` (or
// `npm run screenshot:app`) writes docs/screenshots/app-*.png from real traffic.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchApp, tid } from "./lib/app.mjs";
import { curlOk, soapPost, startPythonServer, startSoapServer, tempDir } from "./lib/servers.mjs";

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/screenshots");
fs.mkdirSync(out, { recursive: true });

const dir = tempDir("shots");
fs.writeFileSync(path.join(dir, "status.json"), '{"status":"ok","uptime_s":4711,"queue":[3,1,4]}\n');
const [soap, web] = await Promise.all([startSoapServer(), startPythonServer(dir)]);
const app = await launchApp();
try {
  const soapPort = await app.addListener({ targetPort: soap.port });
  for (const name of ["World", "TCPMon", "Apache Axis"]) await soapPost(soapPort, name);
  await curlOk(["-o", "/dev/null", `http://127.0.0.1:${soapPort}/soap`]); // a GET: 400
  const rows = await app.waitForRows(
    (rows) => rows.length === 4 && rows.every((r) => r.state === "Done"),
    "four finished connections",
  );
  // The status line polls the capture size every 2 s: let it catch up with the traffic.
  await app.waitFor(
    async () => /capture [\d.]+ KiB$/.test(await (await app.$(tid("status"))).getText()),
    "the capture size on the status line",
  );
  await app.clickRow(rows[1].id);
  await app.chooseView("request", "xml");
  await app.chooseView("response", "xml");
  await app.waitForPane("response", (p) => p.text.includes("\n  <soap:Body>\n"), "the XML view");
  await app.waitForPane("request", (p) => p.text.includes("\n  <soap:Body>\n"), "the XML view");
  await app.screenshot(path.join(out, "app-soap-xml.png"));

  await app.chooseView("request", "raw");
  await app.chooseView("response", "hex");
  await app.waitForPane("response", (p) => p.text.startsWith("00000000  48 54"), "the hex view");
  await app.screenshot(path.join(out, "app-hex.png"));

  // A second listener in front of http.server, then the Admin form as one fills it in.
  const webPort = await app.addListener({ targetPort: web.port });
  await curlOk(["-o", "/dev/null", `http://127.0.0.1:${webPort}/status.json`]);
  await app.selectTab("Admin");
  await app.click(tid("mode-listener"));
  await app.type(tid("listen-port"), "8081");
  await app.type(tid("bind-address"), "127.0.0.1");
  await app.type(tid("target-host"), "api.example.org");
  await app.type(tid("target-port"), "80");
  await app.screenshot(path.join(out, "app-admin.png"));

  console.log(`screenshots written to ${out}`);
} finally {
  await app.close();
  await Promise.all([soap.stop(), web.stop()]);
}
