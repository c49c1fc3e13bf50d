// Rewrite Host header: a forward listener with the Admin form's checkbox on sets each
// request's Host to its target, so a server that routes by name sees its own name. The
// server here answers with the Host it got; the capture shows the request as it went out.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import { curl, curlOk, startHostEcho } from "./lib/servers.mjs";

let app;
let echo;
before(async () => {
  echo = await startHostEcho();
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await echo?.stop();
});

const badges = () =>
  app.browser.execute(
    (panel) =>
      [...document.querySelectorAll(`${panel} .listener-bar .badge`)]
        .filter((b) => b.offsetParent !== null) // shown ones: the paused count hides when 0
        .map((b) => b.textContent),
    PANEL,
  );

test("the Rewrite Host header checkbox is for forward listeners only", async () => {
  await app.selectTab("Admin");
  const rewrite = await app.$(tid("rewrite-host"));
  await app.click(tid("mode-listener"));
  assert.equal(await rewrite.isEnabled(), true);
  await app.click(tid("mode-proxy"));
  assert.equal(await rewrite.isEnabled(), false, "greyed out in Proxy mode");
  await app.click(tid("mode-listener"));
});

test("with Rewrite Host on, the server gets the target as Host, on every keep-alive request", async () => {
  const port = await app.addListener({ targetPort: echo.port, rewriteHost: true });
  assert.deepEqual(await badges(), ["Listener", "Host rewritten"]);
  const target = `127.0.0.1:${echo.port}`;

  // Two requests on one connection: both are rewritten.
  const result = await curl([`http://127.0.0.1:${port}/first`, `http://127.0.0.1:${port}/second`]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${target}\n${target}\n`, "the server saw its own host twice");
  assert.deepEqual(
    echo.received.map((r) => [r.url, r.host]),
    [
      ["/first", target],
      ["/second", target],
    ],
  );

  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows.every((r) => r.state === "Done" && r.status === "200"),
    "two finished exchanges",
  );
  assert.equal(rows[0].conn, rows[1].conn, "one connection");
  assert.deepEqual(
    rows.map((r) => [r.host, r.url]),
    [
      [target, `http://${target}/first`],
      [target, `http://${target}/second`],
    ],
    "the rows show the Host as it went out",
  );

  // The captured request is the one the server got: the target's host, not the listener's.
  await app.clickRow(rows[1]);
  await app.chooseView("request", "raw");
  const request = await app.waitForPane(
    "request",
    (p) => p.text.startsWith("GET /second HTTP/1.1\n"),
    "the second request",
  );
  assert.match(request.text, new RegExp(`\nHost: 127\\.0\\.0\\.1:${echo.port}\n`));
  assert.ok(!request.text.includes(`:${port}`), `no trace of the listener's port: ${request.text}`);
  assert.match(request.text, /\nUser-Agent: curl\//, "the other headers go untouched");
  await app.waitForPane("response", (p) => p.text.endsWith(`\n\n${target}\n`), "the echo");
});

test("without the checkbox, the Host header goes through untouched", async () => {
  const port = await app.addListener({ targetPort: echo.port, rewriteHost: false });
  assert.deepEqual(await badges(), ["Listener"]);
  assert.equal(await curlOk([`http://127.0.0.1:${port}/plain`]), `127.0.0.1:${port}\n`);
  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].status === "200",
    "the exchange",
  );
  assert.equal(row.host, `127.0.0.1:${port}`);
  await app.waitForPane(
    "request",
    (p) => p.text.includes(`\nHost: 127.0.0.1:${port}\n`),
    "the request with curl's Host",
  );
  assert.deepEqual(await app.problems(), []);
});
