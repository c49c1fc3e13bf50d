// Proxy mode: the listener is an HTTP proxy (curl -x), each row names the origin the request
// asked for, here an nginx.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curl, curlOk, startNginx, tempDir } from "./lib/servers.mjs";

const PAGE = "<h1>served by nginx</h1>\n";
let app;
let nginx;
before(async () => {
  const dir = tempDir("nginx-root");
  fs.writeFileSync(path.join(dir, "index.html"), PAGE);
  fs.writeFileSync(path.join(dir, "data.txt"), "plain data\n");
  nginx = await startNginx(dir);
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await nginx?.stop();
});

test("choosing Proxy greys out the target fields of the Admin form", async () => {
  await app.selectTab("Admin");
  await app.click(tid("mode-listener"));
  assert.equal(await (await app.$(tid("target-host"))).isEnabled(), true);
  await app.click(tid("mode-proxy"));
  assert.equal(await (await app.$(tid("target-host"))).isEnabled(), false);
  assert.equal(await (await app.$(tid("target-port"))).isEnabled(), false);
});

test("a proxy listener relays curl -x requests to the origin they name, one row each", async () => {
  const port = await app.addListener({ proxy: true });
  const badges = await app.browser.execute(() =>
    [...document.querySelectorAll(".tab-panel:not([hidden]) .listener-bar .badge")]
      .filter((b) => b.offsetParent !== null) // shown ones: the paused count hides when 0
      .map((b) => b.textContent),
  );
  assert.deepEqual(badges, ["Proxy"]);
  assert.equal(await (await app.inPanel("tab-target-host")).isDisplayed(), false, "no target in proxy mode");

  const proxy = `http://127.0.0.1:${port}`;
  assert.equal(await curlOk(["-x", proxy, `http://127.0.0.1:${nginx.port}/index.html`]), PAGE);
  assert.equal(await curlOk(["-x", proxy, `http://127.0.0.1:${nginx.port}/data.txt`]), "plain data\n");

  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows.every((r) => r.state === "Done" && r.status !== ""),
    "two finished proxied exchanges",
  );
  const origin = `127.0.0.1:${nginx.port}`;
  assert.deepEqual(
    rows.map((r) => [r.target, r.host, r.method, r.url, r.status]),
    [
      [origin, origin, "GET", `http://${origin}/index.html`, "200"],
      [origin, origin, "GET", `http://${origin}/data.txt`, "200"],
    ],
  );
  assert.notEqual(rows[0].conn, rows[1].conn, "two curl runs, two connections");

  await app.clickRow(rows[0].id);
  await app.chooseView("response", "raw");
  const response = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.1 200 OK\n") && p.text.endsWith(`\n\n${PAGE}`),
    "nginx's answer",
  );
  assert.match(response.text, /\nServer: nginx\/[\d.]+\n/);
});

test("a CONNECT tunnel (curl -p) is one CONNECT row; what went through it shows in its panes", async () => {
  const port = (await app.selectedTab()).title.replace(/^Port /, "");
  const origin = `127.0.0.1:${nginx.port}`;
  const result = await curl(["-p", "-x", `http://127.0.0.1:${port}`, `http://${origin}/data.txt`]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "plain data\n");
  const rows = await app.waitForRows(
    (rows) => rows.length === 3 && rows[2].state === "Done" && rows[2].status !== "",
    "the tunnel's row, closed",
  );
  const tunnel = rows[2];
  assert.deepEqual([tunnel.method, tunnel.url, tunnel.status, tunnel.target], ["CONNECT", origin, "200", origin]);
  await app.clickRow(tunnel);
  await app.chooseView("request", "raw");
  await app.chooseView("response", "raw");
  // The tunnel's bytes belong to the CONNECT exchange: the GET and nginx's answer inside it.
  const request = await app.waitForPane(
    "request",
    (p) => p.text.startsWith(`CONNECT ${origin} HTTP/1.1\n`),
    "the CONNECT request",
  );
  assert.match(request.text, /\n\nGET \/data\.txt HTTP\/1\.1\n/);
  const response = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.1 200 ") && p.text.endsWith("\n\nplain data\n"),
    "the tunnel's answer and nginx's inside it",
  );
  assert.match(response.text, /\n\nHTTP\/1\.1 200 OK\n/);
  assert.deepEqual(await app.problems(), []);
});
