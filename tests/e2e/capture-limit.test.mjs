// The capture limit in the Admin tab, on the real app: traffic past it is relayed in full but
// no longer recorded, and the status line, the row and the pane say so; clearing the limit
// lets recording resume.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curlOk, startFixedServer } from "./lib/servers.mjs";

let app;
let server;
const BIG = "x".repeat(300_000);

before(async () => {
  server = await startFixedServer({
    "/big": { body: BIG, headers: { "content-type": "text/plain" } },
    "/small": { body: '{"small":true}', headers: { "content-type": "application/json" } },
  });
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await server?.stop();
});

const recording = () =>
  app.browser.execute(() => {
    const node = document.querySelector('[data-testid="status-recording"]');
    return node && !node.hidden ? node.textContent : null;
  });
const statusFigures = () => app.browser.execute(() => document.querySelector('[data-testid="status"]').textContent);

test("a small limit set in the Admin tab stops recording, and the status line says so", async () => {
  await app.selectTab("Admin");
  await app.type(tid("capture-limit"), "64KiB");
  await app.browser.keys(["Enter"]);
  await app.waitFor(
    async () => (await (await app.$(tid("capture-limit-state"))).getText()) === "recording stops at 64.0 KiB",
    "the limit applied",
  );
  await app.waitFor(async () => (await statusFigures()).includes("of 64.0 KiB"), "the limit on the status line");
  assert.equal(await recording(), null);

  const port = await app.addListener({ targetPort: server.port });
  const body = await curlOk([`http://127.0.0.1:${port}/big`]);
  assert.equal(body, BIG, "relayed in full past the limit");
  const stopped = await app.waitFor(recording, "recording stopped on the status line");
  assert.match(stopped, /^Recording stopped: .*capture limit.*64.*\(relaying goes on\)$/);
  console.log(`status line: ${stopped} | ${await statusFigures()}`);

  const [row] = await app.waitForRows((rows) => rows.length === 1 && rows[0].status.includes("⚠"), "a warned row");
  await app.clickRow(row);
  const why = await app.waitFor(async () => {
    const node = await app.inPanel("response-truncation");
    return (await node.isDisplayed()) && (await node.getText());
  }, "the response pane says recording stopped");
  assert.match(why, /^Recording stopped: .*capture limit.*Relaying went on/);
  assert.deepEqual(await app.problems(), []);
});

test("clearing the limit lets recording resume", async () => {
  await app.selectTab("Admin");
  await app.type(tid("capture-limit"), "");
  await app.browser.keys(["Enter"]);
  await app.waitFor(async () => (await recording()) === null, "recording resumed on the status line");
  const port = await app.addListener({ targetPort: server.port });
  await curlOk([`http://127.0.0.1:${port}/small`]);
  await app.waitForRows((rows) => rows.length === 1 && rows[0].status === "200", "the new exchange, recorded");
  await app.waitForPane("response", (p) => p.text.includes('"small": true'), "the answer, recorded and shown");
  assert.equal(await recording(), null);
  assert.deepEqual(await app.problems(), []);
});
