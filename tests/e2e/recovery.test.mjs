// Crash recovery of the app: a kill -9 leaves the capture log, the next start (same config and
// cache dirs) offers it, and Open shows what was captured; a clean exit (the window closed)
// leaves no log behind.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curlOk, startFixedServer, tempDir } from "./lib/servers.mjs";

let app;
let server;
const dirs = {};
const json = (name) => ({ body: JSON.stringify({ name, ok: true }), headers: { "content-type": "application/json" } });

before(async () => {
  server = await startFixedServer({ "/one": json("one"), "/two": json("two") });
  dirs.XDG_CONFIG_HOME = tempDir("recover-config");
  dirs.XDG_CACHE_HOME = tempDir("recover-cache");
});
after(async () => {
  await app?.close();
  await server?.stop();
});

/** The capture logs in the test's cache dir. */
const logs = () => {
  const folder = path.join(dirs.XDG_CACHE_HOME, "tcpmon", "captures");
  return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
};

test("kill -9 leaves the capture log; the next start offers it and Open shows its two exchanges", async () => {
  app = await launchApp({ env: dirs });
  const port = await app.addListener({ targetPort: server.port });
  await curlOk([`http://127.0.0.1:${port}/one`]);
  await curlOk([`http://127.0.0.1:${port}/two`]);
  await app.waitForRows((rows) => rows.length === 2 && rows.every((r) => r.state === "Done"), "two exchanges");
  const running = logs();
  assert.equal(running.length, 1, "one log while it runs");
  // The log is written within a second of the bytes.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await app.kill();
  assert.deepEqual(logs(), running, "a kill -9 leaves it");

  app = await launchApp({ env: dirs });
  const notice = await app.$(tid("recover-notice"));
  await notice.waitForDisplayed({ timeout: 10000 });
  assert.match(await notice.getText(), /TCPMon found 1 capture left by a crash/);
  assert.equal(logs().length, 2, "the left one and the new start's own");

  await app.click(tid("recover-open"));
  const tab = await app.waitFor(async () => {
    const selected = await app.selectedTab();
    return selected?.testid === "session-tab" && selected;
  }, "the recovered capture's tab, selected");
  assert.equal(tab.title, running[0]);
  const rows = await app.waitForRows((rows) => rows.length === 2, "the two exchanges");
  assert.deepEqual(
    rows.map((r) => [r.method, r.url, r.status, r.state]),
    [
      ["GET", `http://127.0.0.1:${port}/one`, "200", "Done"],
      ["GET", `http://127.0.0.1:${port}/two`, "200", "Done"],
    ],
  );
  await app.clickRow(rows[1]);
  await app.waitForPane("response", (p) => p.text.includes('"name": "two"'), "the second answer, as JSON");
  assert.deepEqual(await app.problems(), []);
});

test("Discard removes the capture a crash left, and closing the window leaves no log", async () => {
  await app.click(tid("recover-discard"));
  await app.click(tid("dialog-confirm"));
  await app.waitFor(async () => !(await (await app.$(tid("recover-notice"))).isExisting()), "the notice gone");
  assert.equal(logs().length, 1, "only the running capture's");
  assert.deepEqual(await app.problems(), []);
  await app.closeWindow();
  assert.deepEqual(logs(), [], "a clean exit removes the capture log");
  app = null;
});
