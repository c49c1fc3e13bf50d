// Faults in the real window: the Admin tab's Faults panel refuses a line the CLI's parser
// refuses (next to the field), then a listener with `status=503` answers curl with 503 without
// ever reaching the target; the tab names its faults and the connection says what acted on it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curl, startFixedServer } from "./lib/servers.mjs";

let app;
let server;
before(async () => {
  server = await startFixedServer({ "/": { body: "from the target\n" } });
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await server?.stop();
});

const text = (selector) => app.browser.execute((s) => document.querySelector(s)?.textContent ?? null, selector);

test("a status=503 fault answers curl without the target, and the connection says so", async () => {
  await app.submitListenerForm({ targetPort: server.port, faults: "status=42" });
  const refused = await app.waitFor(
    async () => {
      const shown = await text(`${tid("faults-panel")} ${tid("error-faults")}:not([hidden])`);
      return shown || null;
    },
    async () => `the faults field's error; ${await app.formErrors()}`,
  );
  assert.match(refused, /^fault "status=42": status: give a code from 100 to 999/);

  const port = await app.addListener({ targetPort: server.port, faults: "status=503" });
  const result = await curl(["-o", "/dev/null", "-w", "%{http_code}", `http://127.0.0.1:${port}/`]);
  assert.equal(result.stdout, "503", result.stderr);
  assert.equal(server.hits.size, 0, "the target was never contacted");

  const [row] = await app.waitForRows((rows) => rows.length === 1 && rows[0].status.startsWith("503"), "the 503 row");
  await app.clickRow(row);
  const faults = await app.waitFor(
    async () => {
      const shown = await text(`${tid("connection-faults")}:not([hidden])`);
      return shown || null;
    },
    "the connection's faults",
  );
  assert.equal(faults, "⚡ Faults: answered 503 without the target");
  const badges = await app.browser.execute(() =>
    [...document.querySelectorAll(".tab-panel:not([hidden]) .badge")].map((b) => b.textContent),
  );
  assert.ok(badges.includes("faults: status=503"), badges.join());
});
