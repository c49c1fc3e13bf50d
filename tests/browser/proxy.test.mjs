// A real browser (Debian's headless Chromium) loads a page through tcpmon-cli in proxy mode
// and in relay mode, and an https page through the decrypting proxy with TCPMon's CA trusted;
// the CLI's lines and the HAR show every request the page made; a page's WebSocket through a
// relay shows each message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { freePort, monitor, serverOnPort, start, waitForPort } from "../lib/monitor.mjs";
import { caPath, httpsOrigin, ownConfig } from "../lib/tls.mjs";
import { checkRules, validate } from "../har/rules.mjs";

const run = promisify(execFile);

/** A page that loads a script and an image; the script sets its title. */
const PAGE = {
  "index.html": '<!doctype html><title>loading</title><script src="app.js"></script><img src="dot.gif">',
  "app.js": 'document.title = "loaded through TCPMon";',
  "dot.gif": Buffer.from("R0lGODlhAQABAAAAACwAAAAAAQABAAA=", "base64"),
};

/** Python's http.server serving PAGE. */
async function site() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-site-"));
  for (const [name, contents] of Object.entries(PAGE)) fs.writeFileSync(path.join(dir, name), contents);
  const port = await freePort();
  start("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dir], { stdio: "ignore" });
  await waitForPort(port);
  return port;
}

async function browser(extraArgs, env = process.env) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    env,
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

/** An NSS database in `home`/.pki/nssdb (where Chromium on Linux looks) trusting `ca` to
 * issue server certificates, made with certutil as docs/https.md says. */
async function trustInNss(home, ca) {
  const db = `sql:${path.join(home, ".pki/nssdb")}`;
  fs.mkdirSync(path.join(home, ".pki/nssdb"), { recursive: true });
  await run("certutil", ["-d", db, "-N", "--empty-password"], { timeout: 20_000 });
  await run("certutil", ["-d", db, "-A", "-t", "C,,", "-n", "TCPMon local CA", "-i", ca], { timeout: 20_000 });
}

test("an https page loads through the decrypting proxy, with TCPMon's CA in Chromium's NSS db", async () => {
  const origin = await httpsOrigin(PAGE);
  const { home, env } = ownConfig();
  await trustInNss(home, await caPath(env));
  const file = harFile();
  const tcpmon = await monitor(["0", "--decrypt-tls", "--target-ca", origin.cert, "--save", file], { env });
  const b = await browser([`--proxy-server=http://127.0.0.1:${tcpmon.port}`, "--proxy-bypass-list=<-loopback>"],
    { ...process.env, HOME: home });
  const page = await b.newPage();
  const base = `https://localhost:${origin.port}`;
  await page.goto(`${base}/index.html`, { timeout: 20_000 });
  await page.waitForFunction(() => document.title === "loaded through TCPMon", null, { timeout: 20_000 });
  await b.close();
  await tcpmon.stop();
  const har = await savedHar(file);
  const entry = (name) => har.log.entries.find((e) => e.request.url === `${base}/${name}`);
  for (const name of Object.keys(PAGE)) {
    assert.equal(entry(name)?.response.status, 200, `${name} in ${har.log.entries.map((e) => e.request.url).join(" ")}`);
  }
  assert.equal(entry("app.js").response.content.text, PAGE["app.js"], "the script in clear");
  assert.equal(entry("dot.gif").response.content.text, PAGE["dot.gif"].toString("base64"));
});

test("a page's WebSocket through a relay listener: each message listed as Chromium sent it", async () => {
  const venv = process.env.TCPMON_VENV ?? path.join(os.homedir(), ".cache/tcpmon-venv");
  const peers = path.join(path.dirname(new URL(import.meta.url).pathname), "../clients/ws_peers.py");
  const server = await serverOnPort(path.join(venv, "bin/python"), [peers, "server"]);
  const tcpmon = await monitor(["0", "127.0.0.1", String(server), "--ws"]);
  const b = await browser([]);
  const page = await b.newPage();
  const echoes = await page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
    const next = () => new Promise((ok) => { ws.onmessage = (e) => ok(e.data); });
    const got = [];
    ws.send("hello from Chromium");
    got.push(await next());
    ws.send(new Uint8Array([1, 2, 3]).buffer);
    got.push([...new Uint8Array(await next())]);
    const closed = new Promise((ok) => { ws.onclose = (e) => ok(e.code); });
    ws.close(1000, "bye");
    got.push(await closed);
    return got;
  }, `ws://127.0.0.1:${tcpmon.port}/`);
  await b.close();
  await tcpmon.stop();
  assert.deepEqual(echoes, ["hello from Chromium", [1, 2, 3], 1000]);
  const text = tcpmon.lines.join("\n");
  // Chromium offers permessage-deflate and the server accepts: both ways are deflated.
  assert.match(text, /^#1\.1\.m1 \S+ -> text \d+B deflated "hello from Chromium"$/m, text);
  assert.match(text, /^#1\.1\.m2 \S+ <- text \d+B deflated "hello from Chromium"$/m, text);
  assert.match(text, /^#1\.1\.m\d \S+ -> binary \d+B deflated 01 02 03$/m, text);
  assert.match(text, /^#1\.1\.m\d \S+ -> close 5B 1000 "bye"$/m, text);
  assert.match(text, /^#1\.1 websocket: -> 3 messages \d+B, <- 3 messages \d+B, closed by the client \(1000 "bye"\)$/m, text);
});
