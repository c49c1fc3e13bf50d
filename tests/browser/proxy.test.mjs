// A real browser (Debian's headless Chromium) loads a page through tcpmon-cli in proxy mode
// and in relay mode; the CLI's lines show every request the page made.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { chromium } from "playwright-core";

const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), ".cache/tcpmon-target");
const cli = path.join(targetDir, "debug/tcpmon-cli");
const children = [];
after(() => children.forEach((c) => c.kill("SIGKILL")));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 300; i++) {
    const ok = await new Promise((r) => net.connect(port, "127.0.0.1").on("connect", function () { this.destroy(); r(true); }).on("error", () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Python's http.server serving a page that loads a script and an image. */
async function site() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tcpmon-site-"));
  fs.writeFileSync(path.join(dir, "index.html"), '<!doctype html><title>loading</title><script src="app.js"></script><img src="dot.gif">');
  fs.writeFileSync(path.join(dir, "app.js"), 'document.title = "loaded through TCPMon";');
  fs.writeFileSync(path.join(dir, "dot.gif"), Buffer.from("R0lGODlhAQABAAAAACwAAAAAAQABAAA=", "base64"));
  const port = await freePort();
  const server = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dir], { stdio: "ignore" });
  children.push(server);
  await waitForPort(port);
  return port;
}

/** Starts tcpmon-cli; resolves with its port and a function returning the lines so far. */
async function monitor(args) {
  const child = spawn(cli, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const lines = [];
  const rl = createInterface({ input: child.stdout });
  const first = await new Promise((resolve) => rl.once("line", resolve));
  rl.on("line", (l) => lines.push(l));
  const port = Number(/listening on 127\.0\.0\.1:(\d+) /.exec(first)[1]);
  return { port, lines, stop: () => new Promise((r) => { child.on("exit", r); child.kill("SIGTERM"); }) };
}

async function browser(extraArgs) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

test("a page loads through the HTTP proxy and every request is listed", async () => {
  const sitePort = await site();
  const tcpmon = await monitor(["--proxy", "0"]);
  // Chromium skips proxies for loopback unless told otherwise.
  const b = await browser([`--proxy-server=http://127.0.0.1:${tcpmon.port}`, "--proxy-bypass-list=<-loopback>"]);
  const page = await b.newPage();
  await page.goto(`http://127.0.0.1:${sitePort}/index.html`);
  await page.waitForFunction(() => document.title === "loaded through TCPMon");
  await b.close();
  await tcpmon.stop();
  const text = tcpmon.lines.join("\n");
  for (const file of ["index.html", "app.js", "dot.gif"]) {
    assert.match(text, new RegExp(`-> 127\\.0\\.0\\.1:${sitePort} "GET http://127\\.0\\.0\\.1:${sitePort}/${file.replace(".", "\\.")} HTTP/1\\.1"`), text);
  }
  // Chromium's own background requests to the internet fail here (no network); the page's must not.
  const pageLines = tcpmon.lines.filter((l) => l.includes(`-> 127.0.0.1:${sitePort} `));
  assert.ok(pageLines.length >= 3 && pageLines.every((l) => l.endsWith(" done")), text);
});

test("a page loads through a relay listener", async () => {
  const sitePort = await site();
  const tcpmon = await monitor(["0", "127.0.0.1", String(sitePort)]);
  const b = await browser([]);
  const page = await b.newPage();
  await page.goto(`http://127.0.0.1:${tcpmon.port}/index.html`);
  await page.waitForFunction(() => document.title === "loaded through TCPMon");
  await b.close();
  await tcpmon.stop();
  const text = tcpmon.lines.join("\n");
  assert.match(text, /"GET \/index\.html HTTP\/1\.1"/, text);
  assert.match(text, /"GET \/app\.js HTTP\/1\.1"/, text);
});
