// WebSocket messages in the real window: a listener relaying to a Python `websockets` echo
// server (tests/clients/ws_peers.py, permessage-deflate on), its client run through it; the
// exchange's row gives the counts, its messages come as rows under it, and a selected one shows
// its payload (inflated) in the pane of its direction. Then messages typed into the Send box of
// a live WebSocket reach the real peers, toward the client and toward the server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import { runWsClient, startWsEcho, startWsWaiter } from "./lib/servers.mjs";

let app;
let echo;
before(async () => {
  echo = await startWsEcho();
  app = await launchApp();
});
after(async () => {
  await app?.close();
  await echo?.stop();
});

test("a WebSocket's messages are rows under its exchange, and one shows its payload", async () => {
  const port = await app.addListener({ targetPort: echo.port });
  const printed = await runWsClient(`ws://127.0.0.1:${port}/chat`);
  assert.match(printed, /'fragmented'/, "the client got its echoes through the relay");
  const [row] = await app.waitForRows(
    (rows) => rows.length === 1 && rows[0].url.endsWith("WebSocket 6↑ 6↓, closed 1000"),
    "the upgrade's row with the messages counted",
  );
  assert.equal(row.status, "101");
  await app.clickRow(row);
  const summary = await app.inPanel("ws-summary");
  await app.waitFor(
    async () => (await summary.getText()) === "WebSocket 6↑ 6↓, closed 1000 by the client",
    "the message list's summary",
  );
  let rows = [];
  await app.waitFor(async () => (rows = await app.messageRows()).length === 12, () => `12 message rows: ${JSON.stringify(rows)}`);
  const directions = rows.map(([, dir]) => dir);
  assert.equal(directions.filter((d) => d === "→").length, 6, "six to the server");
  assert.equal(directions.filter((d) => d === "←").length, 6, "six to the client");
  assert.deepEqual(
    rows.filter(([, dir]) => dir === "→").map(([, , kind]) => kind),
    ["text", "text", "text", "binary", "text", "close"],
  );
  assert.deepEqual(rows[0].slice(1, 3), ["→", "text"]);
  assert.match(rows[0][3], /^\d+ B ⇲$/, "sent deflated");
  assert.equal(rows[0][4], '{"price": 101.5}');
  assert.ok(rows.some(([, dir, kind, , preview]) => dir === "→" && kind === "close" && preview === "1000 done"));
  assert.ok(rows.some(([, dir, kind, , preview]) => dir === "←" && kind === "binary" && preview.startsWith("00 01 02 03")));

  // The fragmented message, joined and inflated, in the request pane.
  const fragmented = rows.findIndex(([, dir, , , preview]) => dir === "→" && preview === "fragmented");
  await app.click(`${PANEL} ${tid("ws-message-row")}[data-index="${fragmented}"]`);
  await app.chooseView("request", "raw");
  await app.waitForPane("request", (p) => p.text === "fragmented", "the fragmented message's payload");
  // The first message's JSON, pretty.
  await app.click(`${PANEL} ${tid("ws-message-row")}[data-index="0"]`);
  await app.chooseView("request", "json");
  await app.waitForPane("request", (p) => p.text === '{\n  "price": 101.5\n}', "the first message as JSON");
  await app.chooseView("request", "hex");
  await app.waitForPane("request", (p) => p.text.startsWith("00000000  7b 22 70 72"), "the first message in hex");
  // The response pane keeps the exchange (the 101, then the frames as captured: hex in Auto).
  await app.waitForPane("response", (p) => p.text.includes("HTTP/1.1 101 Swi"), "the 101");
  assert.deepEqual(await app.problems(), [], "no script errors and no CSP violations");
});

test("the Send box of a live WebSocket reaches the real peers, and the messages are listed as sent by TCPMon", async () => {
  const port = Number((await app.selectedTab()).title.replace(/^Port /, ""));
  const waiter = await startWsWaiter(`ws://127.0.0.1:${port}/wait`, 2);
  try {
    const rows = await app.waitForRows(
      (rows) => rows.length === 2 && rows[1].url.endsWith("WebSocket 0↑ 0↓"),
      "the waiting client's WebSocket",
    );
    await app.clickRow(rows[1]);
    const send = async (direction, text, { confirmed = true } = {}) => {
      await (await app.inPanel("ws-send-direction")).selectByAttribute("value", direction);
      await app.type(`${PANEL} ${tid("ws-send-text")}`, text);
      await app.clickInPanel("ws-send");
      if (!confirmed) return;
      const toward = direction === "client_to_server" ? "server" : "client";
      const note = await app.inPanel("ws-send-note");
      let said = "";
      await app.waitFor(
        async () => (said = await note.getText()) === `Sent to the ${toward}`,
        () => `sent to the ${toward}; the box says ${JSON.stringify(said)}`,
        15_000,
      );
    };
    await send("server_to_client", "hello from TCPMon");
    // The echo server sends it back: the client gets it from the server, and then closes,
    // which hides the box of a WebSocket no longer live (its note with it): what the client
    // printed is the proof.
    await send("client_to_server", "echo this", { confirmed: false });
    const printed = await waiter.done;
    assert.match(printed, /^connected\n'hello from TCPMon'\n'echo this'\n$/, "what the client received");
    let listed = [];
    await app.waitFor(
      async () => (listed = await app.messageRows()).length >= 3,
      () => `the sent messages and the echo listed: ${JSON.stringify(listed)}`,
    );
    const [toClient, toServer, echoed] = listed;
    assert.deepEqual(toClient.slice(1, 3).concat(toClient[4]), ["←", "text", "[sent by TCPMon] hello from TCPMon"]);
    assert.deepEqual(toServer.slice(1, 3).concat(toServer[4]), ["→", "text", "[sent by TCPMon] echo this"]);
    assert.deepEqual(echoed.slice(1, 3), ["←", "text"]);
    assert.match(echoed[4], /^echo this$/, "the server's echo is the server's own");
    assert.deepEqual(await app.problems(), [], "no script errors and no CSP violations");
  } finally {
    await waiter.stop();
  }
});
