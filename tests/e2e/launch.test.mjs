// `tcpmon LISTEN_PORT TARGET_HOST TARGET_PORT`: the app starts with that listener running and
// its tab in view; a port in use is said in words rather than ignored.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { webProcesses } from "./lib/memory.mjs";
import { curlOk, freePort, occupyPort, startPythonServer, tempDir } from "./lib/servers.mjs";

let web;
before(async () => {
  const dir = tempDir("launch");
  fs.writeFileSync(path.join(dir, "index.html"), "<p>launched</p>\n");
  web = await startPythonServer(dir);
});
after(() => web?.stop());

test("started with LISTEN_PORT TARGET_HOST TARGET_PORT, the window opens on that listener, running", async () => {
  const port = await freePort();
  const app = await launchApp({ args: [String(port), "127.0.0.1", String(web.port)] });
  try {
    const tab = await app.waitFor(async () => {
      const selected = await app.selectedTab();
      return selected?.testid === "listener-tab" && selected;
    }, "the listener tab selected at start");
    assert.equal(tab.title, `Port ${port}`);
    assert.equal(tab.tone, "running");
    assert.equal(await (await app.inPanel("start-stop")).getText(), "Stop");
    assert.equal(await (await app.inPanel("tab-listen-port")).getValue(), String(port));
    assert.equal(await (await app.inPanel("tab-target-host")).getValue(), "127.0.0.1");
    assert.equal(await (await app.inPanel("tab-target-port")).getValue(), String(web.port));
    assert.match(await (await app.$(tid("status"))).getText(), /^1 listener running/);

    assert.equal(await curlOk([`http://127.0.0.1:${port}/index.html`]), "<p>launched</p>\n");
    const [row] = await app.waitForRows(
      (rows) => rows.length === 1 && rows[0].status !== "",
      "the request's row, answered",
    );
    assert.deepEqual(
      [row.method, row.url, row.status, row.target],
      ["GET", `http://127.0.0.1:${port}/index.html`, "200", `127.0.0.1:${web.port}`],
    );
    assert.deepEqual(await app.problems(), []);
  } finally {
    await app.close();
  }
});

test("started with a LISTEN_PORT in use, the window says so and opens on Admin", async () => {
  const busy = await occupyPort();
  const app = await launchApp({ args: [String(busy.port), "127.0.0.1", String(web.port)] });
  try {
    const message = await app.waitFor(async () => app.statusMessage(), "a message on the status line");
    assert.match(message, new RegExp(`command line.*\\b${busy.port}\\b`));
    assert.match(message, /in use/i);
    const tabs = await app.tabs();
    assert.deepEqual(
      tabs.map((t) => t.testid),
      ["admin-tab", "sender-tab"],
      "no listener tab",
    );
    assert.ok(tabs[0].selected);
  } finally {
    await app.close();
    await busy.close();
  }
});

/** The names of the threads of the app's page process(es). */
function webThreads(appPid) {
  return webProcesses(appPid).flatMap((pid) =>
    fs.readdirSync(`/proc/${pid}/task`).map((task) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").trim();
      } catch {
        return ""; // ended meanwhile
      }
    }),
  );
}

/** Whether the page, drawn once more, runs software OpenGL threads (Mesa's llvmpipe). */
async function drawsWithSoftwareGl(app) {
  await (await app.$(tid("admin-tab"))).click();
  await app.waitFor(async () => webProcesses(app.pid).length > 0, "the page process");
  return webThreads(app.pid).some((name) => name.startsWith("llvmpipe"));
}

// Without a GPU, WebKit composites through software OpenGL, which drew a busy table at a third
// of the frame rate (bench/app-scale.sh): the app draws on the CPU unless the user says otherwise.
test("the window draws on the CPU, and composites again when the user sets WEBKIT_DISABLE_COMPOSITING_MODE=0", async () => {
  // Compositing first: how long its software GL threads take to show is how long the default
  // must go without any for the check to mean something.
  const gl = await launchApp({ env: { WEBKIT_DISABLE_COMPOSITING_MODE: "0" } });
  const started = Date.now();
  try {
    // This machine has no GPU (Xvfb): compositing means Mesa's software renderer.
    await gl.waitFor(async () => drawsWithSoftwareGl(gl), "software GL threads when compositing is asked for");
  } finally {
    await gl.close();
  }
  const glShowedAfter = Date.now() - started;
  const cpu = await launchApp();
  try {
    const until = Date.now() + Math.max(2000, 2 * glShowedAfter);
    do {
      assert.equal(await drawsWithSoftwareGl(cpu), false, "no software GL threads by default");
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < until);
  } finally {
    await cpu.close();
  }
});
