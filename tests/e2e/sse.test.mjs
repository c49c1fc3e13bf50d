// Server-Sent Events in the real window: curl -N through a listener to a Python event stream
// (tests/clients/sse_server.py: three events, chunked, a comment between them); the exchange's
// row counts the events, they come as rows under it, and a selected one shows its data in the
// response pane.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import { curlOk, startSseServer } from "./lib/servers.mjs";

let app;
let origin;
before(async () => {
  origin = await startSseServer();
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await origin?.stop();
});

test("an event stream's events are rows under its exchange, and one shows its data", async () => {
  const port = await app.addListener({ targetPort: origin.port });
  const body = await curlOk(["-sN", `http://127.0.0.1:${port}/events`]);
  assert.match(body, /data: three\ndata: lines/, "curl got the stream through the relay");
  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].url.endsWith("· events 3"),
    "the stream's row with its events counted",
  );
  assert.equal(row.status, "200");
  await app.clickRow(row);
  const summary = await app.inPanel("ws-summary");
  await app.waitFor(async () => (await summary.getText()) === "events 3", "the list's summary");
  let rows = [];
  await app.waitFor(async () => (rows = await app.messageRows()).length === 3, () => `3 event rows: ${JSON.stringify(rows)}`);
  assert.deepEqual(
    rows.map(([, dir, kind, size, preview]) => [dir, kind, size, preview]),
    [
      ["←", "event", "3 B", "one"],
      ["←", "add", "3 B", "id 7 · two"],
      ["←", "event", "11 B", "three lines"],
    ],
  );
  await app.click(`${PANEL} ${tid("ws-message-row")}[data-index="2"]`);
  await app.chooseView("response", "raw");
  await app.waitForPane("response", (p) => p.text === "three\nlines", "the third event's data");
  await app.chooseView("response", "hex");
  await app.waitForPane("response", (p) => p.text.startsWith("00000000  74 68 72 65 65 0a"), "its data in hex");
  // The request pane keeps the exchange's request.
  await app.waitForPane("request", (p) => p.text.startsWith("GET /events HTTP/1.1"), "the request");
  assert.deepEqual(await app.problems(), [], "no script errors and no CSP violations");
});
