// WebSocket messages under their exchange against the fake backend: the rows, their payloads
// in the panes' views, hostile text kept inert, live growth, and a long list kept virtual. Run
// with `npm run test:ui:browser`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const HOSTILE = '<img src=x onerror="window.pwned=1">';
const BINARY = String.fromCharCode(0, 1, 2, 0xff, 0x10, 0x80);

/** A chat: a hostile text and binary to the server, JSON back, then the client closes. */
const chat = [
  { direction: "client_to_server", opcode: "text", payload: HOSTILE },
  { direction: "server_to_client", opcode: "text", payload: '{"ok":true,"n":[1,2]}', compressed: true },
  { direction: "client_to_server", opcode: "binary", payload: BINARY },
  { direction: "client_to_server", opcode: "close", payload: "\u0003\u00e8bye", close: { code: 1000, reason: "bye" } },
];

const websocket = (page, messages, overrides = {}) =>
  page.evaluate(([m, o]) => window.fake.websocket(1, m, o), [messages, overrides]);
const exchangeRow = (page, id) =>
  activePanel(page).locator(`[data-testid=connection-row][data-conn="${id}"][data-place="0"]`);
const messageRows = (page) => activePanel(page).getByTestId("ws-message-row");
/** The message rows' texts, cell by cell, in list order. */
const messageTexts = (page) =>
  messageRows(page).evaluateAll((rows) =>
    rows
      .sort((a, b) => a.dataset.index - b.dataset.index)
      .map((r) => Array.from(r.children, (c) => c.textContent)),
  );

describe("WebSocket messages", () => {
  test("a WebSocket exchange shows its counts, and its messages as rows under it", async () => {
    await withApp(oneListener, async (page) => {
      const id = await websocket(page, chat);
      const row = exchangeRow(page, id);
      await row.waitFor();
      assert.match(await row.locator(".c-url").textContent(), /· WebSocket 3↑ 1↓, closed 1000$/);
      await row.click();
      const panel = activePanel(page);
      assert.equal(await panel.getByTestId("ws-summary").textContent(), "WebSocket 3↑ 1↓, closed 1000 by the client");
      await panel.locator("[data-testid=ws-message-row]:not(.loading)").nth(3).waitFor();
      const texts = await messageTexts(page);
      assert.deepEqual(
        texts.map(([, dir, kind, size, preview]) => [dir, kind, size, preview]),
        [
          ["→", "text", `${HOSTILE.length} B`, HOSTILE],
          ["←", "text", "21 B ⇲", '{"ok":true,"n":[1,2]}'],
          ["→", "binary", "6 B", "00 01 02 ff 10 80"],
          ["→", "close", "5 B", "1000 bye"],
        ],
      );
      assert.match(texts[0][0], /^\d\d:\d\d:\d\d\.\d{3}$/);
      // Collapsible: closed, the rows go; opened, they are back.
      await panel.getByTestId("ws-summary").click();
      assert.equal(await panel.getByTestId("ws-list").isVisible(), false);
      await panel.getByTestId("ws-summary").click();
      assert.equal(await panel.getByTestId("ws-list").isVisible(), true);
    });
  });

  test("selecting a message shows its payload in its direction's pane, in the usual views", async () => {
    await withApp(oneListener, async (page) => {
      await page.evaluate(() => window.fake.open(1)); // a row above, for the arrow keys to leave alone
      const id = await websocket(page, chat);
      await exchangeRow(page, id).click();
      const panel = activePanel(page);
      const request = panel.getByTestId("request-pane");
      const response = panel.getByTestId("response-pane");
      await messageRows(page).nth(1).click();
      await response.filter({ hasText: '"ok": true' }).waitFor();
      await panel.getByTestId("response-view").selectOption("auto");
      await response.filter({ hasText: '"ok": true' }).waitFor();
      assert.match(await response.locator("header").textContent(), /message 2 ← text, 21 B, deflated/);
      // The other pane keeps the handshake.
      assert.match(await request.locator("pre").textContent(), /^GET \/chat HTTP\/1\.1/);
      await panel.getByTestId("response-view").selectOption("raw");
      await response.filter({ hasText: '{"ok":true,"n":[1,2]}' }).waitFor();

      await messageRows(page).nth(2).click();
      await panel.getByTestId("request-view").selectOption("hex");
      await request.filter({ hasText: "00000000  00 01 02 ff 10 80" }).waitFor();
      const args = (await calls(page, "read_message_view")).at(-1);
      assert.deepEqual(args, { session: null, id, exchange: 0, index: 2, view: "hex", offset: 0 });
      // The response pane went back to the 101.
      await response.filter({ hasText: "101 Switching Protocols" }).waitFor();
      // Arrow keys move through the messages.
      await panel.getByTestId("ws-list").press("ArrowUp");
      await response.filter({ hasText: '{"ok":true,"n":[1,2]}' }).waitFor();
      await panel.getByTestId("ws-list").press("ArrowUp");
      await request.filter({ hasText: "00000000  3c 69 6d 67" }).waitFor();
      assert.equal(await panel.getByTestId("edit-request").isDisabled(), true);
    });
  });

  test("hostile message text stays inert text, in the row and in the pane", async () => {
    await withApp(oneListener, async (page) => {
      const id = await websocket(page, chat);
      await exchangeRow(page, id).click();
      const panel = activePanel(page);
      await messageRows(page).first().click();
      await panel.getByTestId("request-view").selectOption("raw");
      const pane = panel.getByTestId("request-pane");
      await pane.filter({ hasText: HOSTILE }).waitFor();
      assert.equal(await pane.locator("pre").textContent(), HOSTILE);
      assert.equal(await messageRows(page).first().locator(".ws-preview").textContent(), HOSTILE);
      assert.equal(await page.locator(".tab-panel img, .tab-panel script").count(), 0);
      await page.waitForTimeout(100);
      assert.equal(await page.evaluate(() => window.pwned), undefined);
    });
  });

  test("new messages appear as the exchange's counts grow", async () => {
    await withApp(oneListener, async (page) => {
      const id = await websocket(page, chat.slice(0, 2));
      await exchangeRow(page, id).click();
      await messageRows(page).nth(1).waitFor();
      await page.evaluate(
        (i) => window.fake.wsMessage(i, { direction: "server_to_client", opcode: "text", payload: "later" }),
        id,
      );
      const panel = activePanel(page);
      await panel.locator("[data-testid=ws-message-row] .ws-preview", { hasText: "later" }).waitFor();
      assert.equal(await panel.getByTestId("ws-summary").textContent(), "WebSocket 1↑ 2↓");
      assert.match(await exchangeRow(page, id).locator(".c-url").textContent(), /WebSocket 1↑ 2↓$/);
      assert.equal(await messageRows(page).count(), 3);
    });
  });

  test("100,000 messages stay a handful of rows, read a chunk at a time", async () => {
    await withApp(oneListener, async (page) => {
      const many = Array.from({ length: 100_000 }, (_, i) => ({
        direction: i % 2 ? "server_to_client" : "client_to_server",
        opcode: "text",
        payload: `message ${i}`,
      }));
      const id = await websocket(page, many);
      await exchangeRow(page, id).click();
      const panel = activePanel(page);
      const list = panel.getByTestId("ws-list");
      // It follows the end, like the table.
      await panel.locator(".ws-preview", { hasText: "message 99999" }).waitFor();
      assert.ok((await messageRows(page).count()) < 60, "rows in the DOM");
      await list.evaluate((l) => (l.scrollTop = 50_000 * 22));
      await panel.locator(".ws-preview", { hasText: /^message 50000$/ }).waitFor();
      const asked = await calls(page, "exchange_messages");
      assert.ok(asked.length < 10, `${asked.length} reads`);
      assert.ok(asked.every((a) => a.count <= 1000));
      // Rows read are not all kept: after 40 other places, the top is read again.
      const reads = async () => (await calls(page, "exchange_messages")).filter((a) => a.from === 0).length;
      await list.evaluate((l) => (l.scrollTop = 0));
      await panel.locator(".ws-preview", { hasText: /^message 0$/ }).waitFor();
      const before = await reads();
      for (let i = 1; i <= 40; i++) {
        await list.evaluate((l, top) => (l.scrollTop = top), i * 2000 * 22);
        await panel.locator(".ws-preview", { hasText: new RegExp(`^message ${i * 2000}$`) }).waitFor();
      }
      await list.evaluate((l) => (l.scrollTop = 0));
      await panel.locator(".ws-preview", { hasText: /^message 0$/ }).waitFor();
      assert.equal(await reads(), before + 1);
    });
  });

  test("a live WebSocket's Send box sends text or hex toward either side; the message comes marked", async () => {
    await withApp(oneListener, async (page) => {
      const id = await websocket(page, chat.slice(0, 2));
      await exchangeRow(page, id).click();
      const panel = activePanel(page);
      const note = panel.getByTestId("ws-send-note");
      await panel.getByTestId("ws-send-text").fill("hello <b>");
      await panel.getByTestId("ws-send-direction").selectOption("server_to_client");
      await panel.getByTestId("ws-send").click();
      await note.filter({ hasText: "Sent to the client" }).waitFor();
      assert.equal(await panel.getByTestId("ws-send-text").inputValue(), "", "the box empties once sent");
      assert.deepEqual((await calls(page, "send_websocket")).at(-1), {
        id,
        exchange: 0,
        direction: "server_to_client",
        kind: "text",
        text: "hello <b>",
      });
      const sent = messageRows(page).nth(2);
      await sent.locator(".ws-preview", { hasText: "[sent by TCPMon] hello <b>" }).waitFor();
      assert.equal(await sent.locator(".ws-dir").textContent(), "←");
      assert.match(await sent.getAttribute("class"), /\binjected\b/);

      await panel.getByTestId("ws-send-kind").selectOption("binary");
      await panel.getByTestId("ws-send-direction").selectOption("client_to_server");
      await panel.getByTestId("ws-send-text").fill("zz");
      await panel.getByTestId("ws-send").click();
      await note.filter({ hasText: 'Not sent: "zz" is not a byte in hex (00 to ff)' }).waitFor();
      assert.equal(await panel.getByTestId("ws-send-text").inputValue(), "zz", "a refused message stays to fix");
      await panel.getByTestId("ws-send-text").fill("01 02 ff");
      await panel.getByTestId("ws-send-text").press("Control+Enter");
      await note.filter({ hasText: "Sent to the server" }).waitFor();
      await messageRows(page).nth(3).locator(".ws-preview", { hasText: "[sent by TCPMon] 01 02 ff" }).waitFor();
      assert.equal(await messageRows(page).nth(3).locator(".ws-kind").textContent(), "binary");
    });
  });

  test("a WebSocket that has ended offers no Send box", async () => {
    await withApp(oneListener, async (page) => {
      const id = await websocket(page, chat, { state: { kind: "done" } });
      await exchangeRow(page, id).click();
      const panel = activePanel(page);
      await messageRows(page).nth(3).waitFor();
      assert.equal(await panel.getByTestId("ws-send-box").isHidden(), true);
    });
  });
});

describe("Server-Sent Events", () => {
  const HOSTILE_EVENT = "<img src=x onerror=alert(1)>";
  const stream = [
    { data: HOSTILE_EVENT },
    { event: "add", id: "7", data: '{"n":[1,2]}' },
    { data: "three" },
  ];
  const events = (page) => page.evaluate((e) => window.fake.events(1, e), stream);

  test("an event stream's events are rows under its exchange, the data shown in the response pane", async () => {
    await withApp(oneListener, async (page) => {
      const alerts = [];
      page.on("dialog", (dialog) => {
        alerts.push(dialog.message());
        void dialog.dismiss();
      });
      const id = await events(page);
      const row = exchangeRow(page, id);
      await row.waitFor();
      assert.match(await row.locator(".c-url").textContent(), /· events 3$/);
      await row.click();
      const panel = activePanel(page);
      assert.equal(await panel.getByTestId("ws-summary").textContent(), "events 3");
      await panel.locator("[data-testid=ws-message-row]:not(.loading)").nth(2).waitFor();
      const texts = await messageTexts(page);
      assert.deepEqual(
        texts.map(([, dir, kind, size, preview]) => [dir, kind, size, preview]),
        [
          ["←", "event", `${HOSTILE_EVENT.length} B`, HOSTILE_EVENT],
          ["←", "add", "11 B", 'id 7 · {"n":[1,2]}'],
          ["←", "event", "5 B", "three"],
        ],
      );
      // No Send box, live as it is: an event stream is not sent into.
      assert.equal(await panel.getByTestId("ws-send-box").isVisible(), false);

      const response = panel.getByTestId("response-pane");
      await messageRows(page).nth(1).click();
      await panel.getByTestId("response-view").selectOption("auto");
      await response.filter({ hasText: '"n": [' }).waitFor();
      assert.match(await response.locator("header").textContent(), /message 2 ← add, 11 B, id 7/);
      const args = (await calls(page, "read_message_view")).at(-1);
      assert.deepEqual(args, { session: null, id, exchange: 0, index: 1, view: "auto", offset: 0 });

      // The hostile event's data is text, in the row and in the pane.
      await messageRows(page).first().click();
      await panel.getByTestId("response-view").selectOption("raw");
      await response.filter({ hasText: HOSTILE_EVENT }).waitFor();
      assert.equal(await response.locator("pre").textContent(), HOSTILE_EVENT);
      assert.equal(await page.locator(".tab-panel img, .tab-panel script").count(), 0);
      await page.waitForTimeout(100);
      assert.deepEqual(alerts, []);
    });
  });
});
