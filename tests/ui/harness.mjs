// Serves ui/dist under the shell's CSP and opens it in headless Chromium with the fake backend
// injected before the app, so the UI runs exactly as in the window but against a mocked IPC.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import { after, before } from "node:test";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "ui/dist");
const fakeBackend = path.join(root, "node_modules/.cache/tcpmon-ui/fake-backend.js");
/** The policy src-tauri sets: a violation in the tests is a violation in the app. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

export async function startHarness() {
  for (const file of [path.join(dist, "main.js"), fakeBackend]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run test:ui:browser"`);
  }
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, "http://x").pathname.replace(/^\/$/, "/index.html");
    if (name === "/favicon.ico") return res.writeHead(204).end(); // the browser asks; the app has none
    const file = path.join(dist, path.normalize(name));
    if (!file.startsWith(dist) || !fs.existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, {
      "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "content-security-policy": CSP,
    });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

  return {
    /**
     * A fresh window on the app with the fake backend configured by `fakeConfig`. `problems`
     * collects page errors and CSP violations; tests assert it stays empty.
     */
    async open(fakeConfig = {}, { colorScheme = "light" } = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
      await context.addInitScript({ content: `window.fakeConfig = ${JSON.stringify(fakeConfig)};` });
      await context.addInitScript({ path: fakeBackend });
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
      });
      await page.goto(base);
      await page.getByTestId("admin-tab").waitFor();
      return { page, problems, close: () => context.close() };
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * For a test file: starts the harness before its tests and closes it after them. Returns
 * `withApp(config, body)`, which opens the app on a fake backend configured by `config`, runs
 * `body(page)`, and fails on any page error or CSP violation it caused.
 */
export function useHarness() {
  let harness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.close();
  });
  return async function withApp(config, body) {
    const app = await harness.open(config);
    try {
      await body(app.page);
      assert.deepEqual(app.problems, [], "page errors or CSP violations");
    } finally {
      await app.close();
    }
  };
}

/** The IPC calls the page made so far to `cmd`, as the fake backend recorded them. */
export const calls = (page, cmd) => page.evaluate((c) => window.fake.callsTo(c), cmd);

/** The visible tab panel: tests act inside it, as a user looking at the window does. */
export const activePanel = (page) => page.locator(".tab-panel:not([hidden])");

/** A running forward listener as ListenerInfo, for fakeConfig. */
export function listenerInfo(id, port, target = { host: "example.org", port: 80 }) {
  return {
    id,
    config: {
      bind: "127.0.0.1",
      port,
      mode: { kind: "forward", target },
      upstream_proxy: null,
      slow_link: null,
      connect_timeout: 10000,
    },
    local_addr: `127.0.0.1:${port}`,
    running: true,
    error: null,
  };
}

/** A fake backend with one forward listener (id 1, port 8081), its tab selected. */
export const oneListener = { listeners: [listenerInfo(1, 8081)], selected_listener: 1 };
