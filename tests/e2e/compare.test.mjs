// Compare in the real window: curl posts two orders whose JSON bodies differ in one value
// through a listener in front of a small Node server; both rows selected (Ctrl-click), Compare
// shows the requests side by side with the changed line marked and its changed word; typing a
// header into "Ignore headers" removes that header's row.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curlOk, startFixedServer } from "./lib/servers.mjs";

let app;
let server;
before(async () => {
  server = await startFixedServer({ "/order": { body: '{"ok":true}', headers: { "content-type": "application/json" } } });
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await server?.stop();
});

const diffRows = (part) => app.diffRows(part);

test("two selected exchanges compared: the changed body line marked, an ignored header's row gone", async () => {
  const port = await app.addListener({ targetPort: server.port });
  for (const [trace, qty] of [["one", 1], ["two", 2]]) {
    await curlOk([
      "-H", "Content-Type: application/json",
      "-H", `X-Trace: ${trace}`,
      "-d", `{"item":"tea","qty":${qty}}`,
      `http://127.0.0.1:${port}/order`,
    ]);
  }
  const rows = await app.waitForRows(
    (rows) => rows.length === 2 && rows.every((r) => r.status === "200"),
    "two answered orders",
  );
  await app.clickRow(rows[0]);
  assert.equal(await (await app.inPanel("compare")).isEnabled(), false, "one row selected");
  await app.clickRow(rows[1], { ctrl: true });
  await app.clickInPanel("compare");

  const requests = await app.waitFor(async () => {
    const found = await diffRows("diff-requests");
    return found.length > 0 && found;
  }, "the requests compared");
  const qty = requests.find((r) => r.new.includes('"qty"'));
  assert.equal(qty?.kind, "changed", JSON.stringify(requests));
  assert.match(qty.old, /"qty": 1/);
  assert.match(qty.new, /"qty": 2/);
  assert.ok(qty.marked.includes("1") && qty.marked.includes("2"), JSON.stringify(qty));
  const trace = requests.find((r) => r.old.startsWith("X-Trace"));
  assert.equal(trace?.kind, "changed", JSON.stringify(requests));
  assert.ok(requests.some((r) => r.kind === "same" && r.old.startsWith("POST /order")), JSON.stringify(requests));

  await app.type(tid("compare-ignore-headers"), "X-Trace, Date");
  const ignored = await app.waitFor(async () => {
    const found = await diffRows("diff-requests");
    return found.length > 0 && !found.some((r) => r.old.startsWith("X-Trace") || r.new.startsWith("X-Trace")) && found;
  }, "the X-Trace row gone");
  assert.deepEqual(
    ignored.filter((r) => r.kind !== "same").map((r) => r.new.trim()),
    ['"qty": 2'],
  );
  const responses = () => app.browser.execute((s) => document.querySelector(s)?.textContent ?? "", tid("diff-responses"));
  await app.waitFor(
    async () => (await responses()).includes("The responses are the same."),
    async () => `the responses the same once Date is ignored: ${await responses()}`,
  );
  await app.click(tid("compare-close"));
  await app.waitFor(async () => !(await (await app.$(tid("diff-view"))).isExisting()), "the view closed");
});
