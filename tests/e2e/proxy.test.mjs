// Proxy mode: the listener is an HTTP proxy (curl -x), each row names the origin the request
// asked for, here an nginx.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curlOk, startNginx, tempDir } from "./lib/servers.mjs";

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
    [...document.querySelectorAll(".tab-panel:not([hidden]) .listener-bar .badge")].map((b) => b.textContent),
  );
  assert.deepEqual(badges, ["Proxy"]);
  assert.equal(await (await app.inPanel("tab-target-host")).isDisplayed(), false, "no target in proxy mode");

  const proxy = `http://127.0.0.1:${port}`;
  assert.equal(await curlOk(["-x", proxy, `http://127.0.0.1:${nginx.port}/index.html`]), PAGE);
  assert.equal(await curlOk(["-x", proxy, `http://127.0.0.1:${nginx.port}/data.txt`]), "plain data\n");

  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows.every((r) => r.state === "Done"),
    "two finished proxied connections",
  );
  assert.deepEqual(
    rows.map((r) => [r.target, r.request]),
    [
      [`127.0.0.1:${nginx.port}`, `GET http://127.0.0.1:${nginx.port}/index.html HTTP/1.1`],
      [`127.0.0.1:${nginx.port}`, `GET http://127.0.0.1:${nginx.port}/data.txt HTTP/1.1`],
    ],
  );

  await app.clickRow(rows[0].id);
  await app.chooseView("response", "raw");
  const response = await app.waitForPane(
    "response",
    (p) => p.text.startsWith("HTTP/1.1 200 OK\n") && p.text.endsWith(`\n\n${PAGE}`),
    "nginx's answer",
  );
  assert.match(response.text, /\nServer: nginx\/[\d.]+\n/);
  assert.deepEqual(await app.problems(), []);
});
