// A real browser (Debian's headless Chromium) loads a page through tcpmon-cli in proxy mode
// and in relay mode; the CLI's lines show every request the page made.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { freePort, monitor, start, waitForPort } from "../lib/monitor.mjs";
import { checkRules, validate } from "../har/rules.mjs";

/** Python's http.server serving a page that loads a script and an image. */
async function site() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-site-"));
  fs.writeFileSync(path.join(dir, "index.html"), '<!doctype html><title>loading</title><script src="app.js"></script><img src="dot.gif">');
  fs.writeFileSync(path.join(dir, "app.js"), 'document.title = "loaded through TCPMon";');
  fs.writeFileSync(path.join(dir, "dot.gif"), Buffer.from("R0lGODlhAQABAAAAACwAAAAAAQABAAA=", "base64"));
  const port = await freePort();
  start("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dir], { stdio: "ignore" });
  await waitForPort(port);
  return port;
}

async function browser(extraArgs) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** The HAR tcpmon-cli saved, checked against the schema and the spec's other rules. */
async function savedHar(file) {
  const har = JSON.parse(fs.readFileSync(file, "utf8"));
  await validate(har);
  checkRules(file, har);
  return har;
}

const harFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-har-")), "page.har");

test("a page loads through the HTTP proxy and every request is listed", async () => {
  const sitePort = await site();
  const file = harFile();
  const tcpmon = await monitor(["--proxy", "0", "--save", file]);
  // Chromium skips proxies for loopback unless told otherwise.
  const b = await browser([`--proxy-server=http://127.0.0.1:${tcpmon.port}`, "--proxy-bypass-list=<-loopback>"]);
  const page = await b.newPage();
  await page.goto(`http://127.0.0.1:${sitePort}/index.html`);
  await page.waitForFunction(() => document.title === "loaded through TCPMon");
  await b.close();
  await tcpmon.stop();
  const text = tcpmon.lines.join("\n");
  for (const file of ["index.html", "app.js", "dot.gif"]) {
    const url = `http://127.0.0.1:${sitePort}/${file}`.replaceAll(".", "\\.");
    assert.match(text, new RegExp(`-> 127\\.0\\.0\\.1:${sitePort} GET ${url} "200 OK"`), text);
  }
  const har = await savedHar(file);
  const urls = har.log.entries.map((e) => e.request.url);
  for (const name of ["index.html", "app.js", "dot.gif"]) {
    assert.ok(urls.includes(`http://127.0.0.1:${sitePort}/${name}`), urls.join(" "));
  }
  const gif = har.log.entries.find((e) => e.request.url.endsWith("dot.gif"));
  assert.equal(gif.response.content.encoding, "base64", "a binary body is base64");
});

test("a page loads through a relay listener", async () => {
  const sitePort = await site();
  const file = harFile();
  const tcpmon = await monitor(["0", "127.0.0.1", String(sitePort), "--save", file]);
  const b = await browser([]);
  const page = await b.newPage();
  await page.goto(`http://127.0.0.1:${tcpmon.port}/index.html`);
  await page.waitForFunction(() => document.title === "loaded through TCPMon");
  await b.close();
  await tcpmon.stop();
  const text = tcpmon.lines.join("\n");
  assert.match(text, new RegExp(`GET http://127\\.0\\.0\\.1:${tcpmon.port}/index\\.html "200 OK"`), text);
  assert.match(text, /\/app\.js "200 OK"/, text);
  const har = await savedHar(file);
  assert.ok(har.log.entries.length >= 3, JSON.stringify(har.log.entries.map((e) => e.request.url)));
});
