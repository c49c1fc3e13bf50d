// Captured traffic is hostile: a response carrying <script> and <img onerror> must show as the
// text it is, in every view, and nothing in it may run.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, PANEL } from "./lib/app.mjs";
import { curlOk, rawRequest, startPythonServer, tempDir } from "./lib/servers.mjs";

const SCRIPT = `<script>window.__pwned = "script"; document.title = "pwned by script";</script>`;
const IMG = `<img src="x" onerror="window.__pwned = 'img'; document.title = 'pwned by img'">`;
const SVG = `<svg onload="window.__pwned = 'svg'"></svg>`;
const PAGE = `<!doctype html>\n<html><body>\n${SCRIPT}\n${IMG}\n${SVG}\n</body></html>\n`;

let app;
let web;
before(async () => {
  const dir = tempDir("xss");
  fs.writeFileSync(path.join(dir, "evil.html"), PAGE);
  web = await startPythonServer(dir);
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await web?.stop();
});

/** What would show that markup from the capture became DOM, or ran. */
const damage = () =>
  app.browser.execute((panel) => {
    const panes = document.querySelector(`${panel} .panes`);
    return {
      elements: [...panes.querySelectorAll("script, img, svg, iframe, object")].map((e) => e.outerHTML),
      pwned: window.__pwned ?? null,
      title: document.title,
      anyImgInWindow: document.querySelectorAll("img").length,
    };
  }, PANEL);

test("a response with <script> and <img onerror> shows as inert text in every view", async () => {
  const port = await app.addListener({ targetPort: web.port });
  assert.equal(await curlOk([`http://127.0.0.1:${port}/evil.html`]), PAGE, "the relay passed the page on intact");
  await app.waitForRows((rows) => rows.length === 1 && rows[0].state === "Done", "the connection, finished");

  for (const view of ["auto", "raw", "xml", "json", "hex"]) {
    await app.chooseView("response", view);
    const pane = await app.waitForPane(
      "response",
      (p) => p.text.startsWith(view === "hex" ? "00000000  48 54 54 50" : "HTTP/1.0 200 OK\n"),
      `the response in the ${view} view`,
    );
    if (view !== "hex") {
      assert.ok(pane.text.includes(SCRIPT), `${view}: the <script> shows as text`);
      assert.ok(pane.text.includes(IMG), `${view}: the <img onerror> shows as text`);
    } else {
      // The ASCII column starts at character 60 of each line ("00000000  " + 16 bytes + gaps).
      const ascii = pane.text
        .split("\n")
        .map((line) => line.slice(60))
        .join("");
      assert.ok(ascii.includes(SCRIPT) && ascii.includes(IMG), `hex: the ASCII column holds the markup: ${ascii}`);
    }
    assert.deepEqual(
      await damage(),
      { elements: [], pwned: null, title: "TCPMon", anyImgInWindow: 0 },
      `${view}: nothing from the capture became an element or ran`,
    );
  }
  assert.deepEqual(await app.problems(), [], "no script errors and no CSP violations (nothing tried to run)");
});

test("markup in a request's URL and Host shows as text in the table", async () => {
  const port = Number((await app.selectedTab()).title.replace(/^Port /, ""));
  const target = `/<img/src=x/onerror=window.__pwned='url'>`;
  const host = `<svg/onload=window.__pwned='host'>`;
  const answer = await rawRequest(port, `GET ${target} HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
  assert.match(answer, /^HTTP\/1\.0 404 /, "http.server answered");
  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows[1].status === "404",
    "the hostile request's row",
  );
  assert.deepEqual([rows[1].host, rows[1].url], [host, `http://${host}${target}`]);
  const table = await app.browser.execute((panel) => {
    const table = document.querySelector(`${panel} [data-testid="connection-table"]`);
    return {
      elements: [...table.querySelectorAll("img, svg, script")].map((e) => e.outerHTML),
      pwned: window.__pwned ?? null,
    };
  }, PANEL);
  assert.deepEqual(table, { elements: [], pwned: null });
  await app.clickRow(rows[1]);
  await app.chooseView("request", "raw");
  await app.waitForPane("request", (p) => p.text.startsWith(`GET ${target} HTTP/1.0\nHost: ${host}\n`), "the request");
  assert.deepEqual(await damage(), { elements: [], pwned: null, title: "TCPMon", anyImgInWindow: 0 });
  assert.deepEqual(await app.problems(), []);
});
