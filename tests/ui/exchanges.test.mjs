// HTTP-aware inspection against the fake backend: one row per exchange, the panes of one
// exchange, the search box, export formats. Run with `npm run test:ui:browser`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const open = (page, overrides = {}, texts = {}) =>
  page.evaluate(([o, t]) => window.fake.open(1, o, t), [overrides, texts]);
/** The row of exchange `k` of connection `id` (or its only row) in the visible tab. */
const row = (page, id, k = 0) =>
  activePanel(page).locator(`[data-testid=connection-row][data-conn="${id}"][data-place="${k}"]`);
/** The visible tab's rows in table order, as "conn:exchange" ("conn:-" for a raw row). */
const order = (page) =>
  activePanel(page)
    .getByTestId("connection-row")
    .evaluateAll((rows) =>
      rows
        .sort((a, b) => a.dataset.index - b.dataset.index)
        .map((r) => `${r.dataset.conn}:${r.dataset.exchange ?? "-"}`),
    );
const cell = (locator, name) => locator.locator(`.c-${name}`).textContent();

const CRLF = (lines) => lines.join("\r\n");
const keepAlive = {
  client_to_server:
    CRLF(["GET /a HTTP/1.1", "Host: example.org", "", ""]) +
    CRLF(["POST /b HTTP/1.1", "Host: example.org", "Expect: 100-continue", "Content-Length: 5", "", "hello"]) +
    CRLF(["GET /c HTTP/1.1", "Host: example.org", "", ""]),
  server_to_client:
    CRLF(["HTTP/1.1 200 OK", "Content-Length: 2", "", "hi"]) +
    CRLF(["HTTP/1.1 100 Continue", "", "HTTP/1.1 201 Created", "Content-Length: 7", "", "created"]) +
    CRLF(["HTTP/1.1 404 Not Found", "Content-Length: 9", "", "not found"]),
};

/** Connection 1 (one exchange), 2 (keep-alive: three), 3 (raw), 4 (one). */
async function fourConnections(page) {
  await open(page);
  await open(page, { request_line: "GET /a HTTP/1.1" }, keepAlive);
  await open(page, { request_line: null }, { client_to_server: "PING\r\n", server_to_client: "+PONG\r\n" });
  await open(page);
  await row(page, 4).waitFor();
}

describe("exchanges as rows", () => {
  test("a keep-alive connection shows one row per exchange, adjacent and in order", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      assert.deepEqual(await order(page), ["1:0", "2:0", "2:1", "2:2", "3:-", "4:0"]);
      const post = row(page, 2, 1);
      assert.equal(await cell(post, "method"), "POST");
      assert.equal(await cell(post, "url"), "http://example.org/b");
      assert.equal(await cell(post, "status"), "100→201");
      assert.equal(await cell(post, "req-size"), "5 B");
      assert.equal(await cell(post, "resp-size"), "7 B");
      assert.match(await post.locator(".c-status").getAttribute("title"), /Created/);
      assert.match(await row(page, 2, 2).locator(".c-status").getAttribute("class"), /\bst-4xx\b/);
      assert.equal(await cell(row(page, 2, 2), "status"), "404");
      // Later exchanges of a connection still name it.
      assert.equal(await cell(row(page, 2, 2), "id"), "2");
      const raw = row(page, 3);
      assert.equal(await raw.getAttribute("data-exchange"), null);
      assert.deepEqual([await cell(raw, "method"), await cell(raw, "url")], ["", "raw"]);
      assert.equal(await cell(raw, "req-size"), "6 B");
    });
  });

  test("selecting an exchange shows that exchange's request and response only", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      await row(page, 2, 1).click();
      const panel = activePanel(page);
      await panel.getByTestId("request-view").selectOption("raw");
      await panel.getByTestId("response-view").selectOption("raw");
      const request = panel.getByTestId("request-pane").locator("pre");
      const response = panel.getByTestId("response-pane").locator("pre");
      await panel.getByTestId("response-pane").filter({ hasText: "201 Created" }).waitFor();
      assert.equal(
        await request.textContent(),
        CRLF(["POST /b HTTP/1.1", "Host: example.org", "Expect: 100-continue", "Content-Length: 5", "", "hello"]),
      );
      assert.equal(
        await response.textContent(),
        CRLF(["HTTP/1.1 100 Continue", "", "HTTP/1.1 201 Created", "Content-Length: 7", "", "created"]),
      );
      const raw = (await calls(page, "read_view")).filter((r) => r.view === "raw");
      assert.deepEqual(new Set(raw.map((r) => `${r.id}:${r.exchange}`)), new Set(["2:1"]));
      assert.equal(await row(page, 2, 1).getAttribute("aria-selected"), "true");
      assert.equal(await row(page, 2, 0).getAttribute("aria-selected"), "false");

      // The raw connection reads whole streams, as before.
      await row(page, 3).click();
      await panel.getByTestId("request-pane").filter({ hasText: "PING" }).waitFor();
      assert.equal((await calls(page, "read_view")).at(-1).exchange, null);
    });
  });

  test("an exchange's note is marked in its row and shown, as text, over the panes", async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    await withApp(oneListener, async (page) => {
      await open(
        page,
        {},
        {
          client_to_server: CRLF(["GET /cut HTTP/1.1", `Host: ${hostile}`, "", ""]),
          server_to_client: CRLF(["HTTP/1.1 200 OK", "Content-Length: 100", "", "only part"]),
        },
      );
      const cut = row(page, 1);
      await cut.waitFor();
      assert.equal(await cell(cut, "status"), "200 ⚠");
      assert.equal(await cell(cut, "state"), "Cut");
      assert.equal(await cell(cut, "host"), hostile);
      assert.match(await cut.locator(".c-status").getAttribute("title"), /ended inside the body/);
      const note = activePanel(page).getByTestId("exchange-note");
      await cut.click();
      await note.waitFor();
      assert.match(await note.textContent(), /Exchange 1: response side: the connection ended inside the body/);
      const plain = await open(page);
      await row(page, plain).click();
      await note.waitFor({ state: "hidden" });
      assert.equal(await page.locator(".tab-panel img").count(), 0);
      assert.equal(await page.evaluate(() => window.pwned), undefined);
    });
  });

  test("exchanges found while a connection lives join its rows in place", async () => {
    await withApp(oneListener, async (page) => {
      const live = await open(page, { state: { kind: "active" }, closed_at: null });
      await open(page);
      await row(page, 2).waitFor();
      await page.evaluate(
        (id) => window.fake.grow(id, "client_to_server", "GET /second HTTP/1.1\r\nHost: example.org\r\n\r\n"),
        live,
      );
      await row(page, live, 1).waitFor();
      assert.deepEqual(await order(page), ["1:0", "1:1", "2:0"]);
      assert.equal(await cell(row(page, live, 1), "state"), "Waiting");
      assert.equal(await cell(row(page, live, 1), "status"), "");
      await page.evaluate(
        (id) => window.fake.grow(id, "server_to_client", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
        live,
      );
      await row(page, live, 1).locator(".c-status").filter({ hasText: "204" }).waitFor();
      assert.equal(await cell(row(page, live, 1), "state"), "Done");
    });
  });

  test("Resend on an exchange row resends that exchange and selects the new row", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      await row(page, 2, 2).click();
      await page.keyboard.press("Control+r");
      await row(page, 5).waitFor();
      assert.deepEqual(await calls(page, "resend"), [{ id: 2, edited: null, exchange: 2 }]);
      assert.equal(await row(page, 5).getAttribute("aria-selected"), "true");
      assert.equal(await cell(row(page, 5), "url"), "http://example.org/c");
      assert.equal(await cell(row(page, 5), "client"), "↻ resend of #2");
    });
  });

  test("Edit on an exchange row loads only that exchange's request", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      await row(page, 2, 1).click();
      const panel = activePanel(page);
      await panel.getByTestId("edit-request").click();
      const editor = panel.getByTestId("request-editor");
      await editor.waitFor();
      // A textarea holds LF line ends; Rust gives an edit back the capture's CRLF.
      assert.equal(
        await editor.inputValue(),
        "POST /b HTTP/1.1\nHost: example.org\nExpect: 100-continue\nContent-Length: 5\n\nhello",
      );
      await editor.fill("POST /b HTTP/1.1\nHost: example.org\n\nhello again");
      await panel.getByTestId("resend").click();
      await row(page, 5).waitFor();
      assert.deepEqual(await calls(page, "resend"), [
        { id: 2, edited: "POST /b HTTP/1.1\nHost: example.org\n\nhello again", exchange: 1 },
      ]);
    });
  });
});

describe("search", () => {
  test("typing filters the rows after a pause and counts them; Escape shows all again", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const panel = activePanel(page);
      await panel.getByTestId("connection-table").focus();
      await page.keyboard.press("Control+f");
      const box = panel.getByTestId("search");
      assert.equal(await box.evaluate((b) => b === document.activeElement), true, "Ctrl+F focuses the box");
      await page.keyboard.type("method:POST");
      await panel.getByTestId("search-count").filter({ hasText: "1 of 6 rows" }).waitFor();
      assert.deepEqual(await order(page), ["2:1"]);
      assert.deepEqual(await calls(page, "search"), [{ session: null, query: "method:POST" }], "one search, debounced");
      await page.keyboard.press("Escape");
      assert.equal(await box.inputValue(), "");
      await panel.getByTestId("search-count").waitFor({ state: "hidden" });
      assert.equal((await order(page)).length, 6);
    });
  });

  test("the query language reaches the shell as typed: status classes, negation, bodies", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const box = activePanel(page).getByTestId("search");
      const shows = async (query, rows) => {
        await box.fill(query);
        await page.waitForFunction(
          ([q, n]) =>
            document.querySelector(".tab-panel:not([hidden]) [data-testid=search-box]")?.dataset.query === q &&
            document.querySelectorAll(".tab-panel:not([hidden]) [data-testid=connection-row]").length === n,
          [query, rows.length],
        );
        assert.deepEqual(await order(page), rows, query);
      };
      await shows("status:4xx", ["2:2"]);
      await shows("status:2xx -method:GET", ["2:1"]);
      await shows("body:created", ["2:1"]);
      await shows("header:Expect=100", ["2:1"]);
      await shows("/PO+NG/", ["3:-"]);
      await shows("items", ["1:0", "4:0"]);
    });
  });

  test("a bad regex is explained next to the box, not in a dialog", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const panel = activePanel(page);
      await panel.getByTestId("search").fill("/(unclosed/");
      const error = panel.getByTestId("search-error");
      await error.waitFor();
      assert.match(await error.textContent(), /not a regular expression/);
      assert.equal(await page.locator("dialog").count(), 0);
      assert.equal((await order(page)).length, 6, "the rows stay as they were");
      await panel.getByTestId("search").fill("method:GET");
      await error.waitFor({ state: "hidden" });
    });
  });

  test("rows arriving under a filter appear when they match", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const panel = activePanel(page);
      await panel.getByTestId("search").fill("path:/special");
      await panel.getByTestId("search-count").filter({ hasText: "0 of 6 rows" }).waitFor();
      await open(page, {}, { client_to_server: "GET /other HTTP/1.1\r\nHost: x\r\n\r\n" });
      const special = await open(page, {}, { client_to_server: "GET /special/1 HTTP/1.1\r\nHost: x\r\n\r\n" });
      await row(page, special).waitFor({ timeout: 3000 });
      assert.deepEqual(await order(page), [`${special}:0`]);
      await panel.getByTestId("search-count").filter({ hasText: "1 of 8 rows" }).waitFor();
      const searches = (await calls(page, "search")).length;
      assert.ok(searches <= 4, `${searches} searches for one query and two arrivals`);
    });
  });
});

describe("save and export", () => {
  test("HAR of the selected rows passes those rows and their connections", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const panel = activePanel(page);
      await row(page, 2, 0).click();
      await row(page, 2, 2).click({ modifiers: ["Control"] });
      await row(page, 3).click({ modifiers: ["Control"] });
      const formats = await panel.getByTestId("save-format").locator("option").evaluateAll((o) => o.map((x) => x.value));
      assert.deepEqual(formats, ["session", "text", "har", "curl"]);
      await panel.getByTestId("save-format").selectOption("har");
      await panel.getByTestId("save").click();
      // The raw row has no place in a HAR: two requests written.
      await page
        .getByTestId("status-message")
        .filter({ hasText: "Saved 2 requests to /home/dev/captures/checkout.har" })
        .waitFor();
      assert.deepEqual(await calls(page, "save_connections"), [
        { session: null, ids: [2, 3], format: "har", exchanges: [[2, 0], [2, 2], [3, null]] },
      ]);
      await page.waitForFunction(() => window.fake.settings()?.save_format === "har");
    });
  });

  test("a new Save replaces the last one's outcome at once; a cancelled one leaves none", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const panel = activePanel(page);
      const message = page.getByTestId("status-message");
      await panel.getByTestId("save-format").selectOption("har");
      await panel.getByTestId("save").click();
      // Every exchange of the four connections (1 + 3 + 1; the raw one has none).
      await message.filter({ hasText: "Saved 5 requests to /home/dev/captures/checkout.har" }).waitFor();
      // The user cancels the next dialog: the earlier outcome is gone, not left standing.
      await page.evaluate(() => (window.fakeConfig.cancelSave = true));
      await row(page, 2, 1).click();
      await panel.getByTestId("save").click();
      await page.waitForFunction(() => window.fake.callsTo("save_connections").length === 2);
      await page.waitForFunction(() => document.querySelector("[data-testid=status-message]").textContent === "");
    });
  });

  test("without a selection, a filter's rows are what curl exports", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      const panel = activePanel(page);
      await panel.getByTestId("search").fill("method:GET");
      await panel.getByTestId("search-count").filter({ hasText: "4 of 6 rows" }).waitFor();
      await panel.getByTestId("save-format").selectOption("curl");
      await panel.getByTestId("save").click();
      await page.getByTestId("status-message").filter({ hasText: "Saved 4 requests" }).waitFor();
      assert.deepEqual(await calls(page, "save_connections"), [
        { session: null, ids: [1, 2, 4], format: "curl", exchanges: [[1, 0], [2, 0], [2, 2], [4, 0]] },
      ]);
    });
  });

  test("Remove Selected on exchange rows removes their connections", async () => {
    await withApp(oneListener, async (page) => {
      await fourConnections(page);
      await row(page, 2, 1).click();
      await row(page, 4).click({ modifiers: ["Control"] });
      await activePanel(page).getByTestId("remove-selected").click();
      await row(page, 4).waitFor({ state: "detached" });
      assert.deepEqual(await calls(page, "remove_connections"), [{ ids: [2, 4] }]);
      assert.deepEqual(await order(page), ["1:0", "3:-"]);
    });
  });
});

describe("session tabs", () => {
  test("a session's exchanges are rows, and its search names the session", async () => {
    const at = 1_764_000_000_000_000;
    const span = (start, end, body_len) => ({
      start,
      head_at: start,
      head_len: end - start - body_len,
      end,
      body_len,
      complete: true,
      first_at: at,
      last_at: at + 7000,
    });
    const exchange = (target, status) => ({
      method: "GET",
      target,
      version: 1,
      host: "api.internal",
      request: span(0, 30, 0),
      response: span(0, 40, 2),
      status,
      reason: "",
      interim: [],
      tunnel: false,
      note: null,
    });
    const session = {
      session: 3,
      name: "checkout.har",
      note: null,
      connections: [
        {
          id: 9001,
          listener: 7,
          listen_port: 8081,
          client: "10.0.0.5:40000",
          target: { host: "api.internal", port: 8080 },
          accepted_at: at,
          connected_at: null,
          closed_at: at + 50_000,
          state: { kind: "done" },
          bytes: [60, 80],
          truncated: [false, false],
          resend_of: null,
          request_line: "GET /one HTTP/1.1",
          exchanges: [exchange("/one", 200), exchange("/two", 500)],
        },
      ],
    };
    await withApp({ session }, async (page) => {
      await page.getByTestId("open-session").click();
      await page.getByTestId("session-tab").waitFor();
      assert.deepEqual(await order(page), ["9001:0", "9001:1"]);
      assert.equal(await cell(row(page, 9001, 1), "duration"), "7 ms");
      await activePanel(page).getByTestId("search").fill("status:5xx");
      await activePanel(page).getByTestId("search-count").filter({ hasText: "1 of 2 rows" }).waitFor();
      assert.deepEqual(await calls(page, "search"), [{ session: 3, query: "status:5xx" }]);
    });
  });
});

describe("compare", () => {
  const post = (value, date) =>
    CRLF([
      "POST /api/order HTTP/1.1",
      "Host: example.org",
      `Date: ${date}`,
      "Content-Length: 24",
      "",
      JSON.stringify({ item: "tea", qty: value }).padEnd(24),
    ]);
  const ok = CRLF(["HTTP/1.1 200 OK", "Content-Length: 2", "", "ok"]);

  test("two exchange rows side by side: the changed row and its word marked; an ignored header's row gone", async () => {
    await withApp(oneListener, async (page) => {
      const a = await open(page, {}, { client_to_server: post(1, "Mon"), server_to_client: ok });
      await open(page, { request_line: null }, { client_to_server: "PING\r\n", server_to_client: "+PONG\r\n" });
      const b = await open(page, {}, { client_to_server: post(2, "Tue"), server_to_client: ok });
      await row(page, b).waitFor();
      const panel = activePanel(page);
      const compare = panel.getByTestId("compare");
      await row(page, a).click();
      assert.equal(await compare.isDisabled(), true, "one row");
      await row(page, a + 1).click({ modifiers: ["Control"] });
      assert.equal(await compare.isDisabled(), true, "a raw row has no exchange");
      await row(page, a + 1).click({ modifiers: ["Control"] });
      await row(page, b).click({ modifiers: ["Control"] });
      assert.equal(await compare.isDisabled(), false);
      await compare.click();

      const view = page.getByTestId("diff-view");
      const requests = view.getByTestId("diff-requests");
      await requests.locator(".diff-row").first().waitFor();
      const changed = requests.locator(".diff-row[data-kind=changed]");
      assert.deepEqual(await changed.locator(".diff-text.new").allTextContents(), ["Date: Tue", '  "qty": 2']);
      assert.deepEqual(await changed.locator("mark.diff-word").allTextContents(), ["Mon", "Tue", "1", "2"]);
      assert.equal(await requests.locator(".diff-row").first().locator(".diff-num.old").textContent(), "1");
      await view.getByTestId("diff-responses").filter({ hasText: "The responses are the same." }).waitFor();

      await view.getByTestId("compare-ignore-headers").fill("Date, Set-Cookie");
      await requests.locator(".diff-row", { hasText: "Date:" }).waitFor({ state: "detached" });
      assert.equal(await changed.count(), 1);
      const last = (await calls(page, "compare")).at(-1);
      assert.deepEqual(last, {
        session: null,
        left: [a, 0],
        right: [b, 0],
        options: { ignore_headers: ["Date", "Set-Cookie"], ignore_key_order: false, raw: false },
      });
      await page.keyboard.press("Escape");
      await view.waitFor({ state: "detached" });
    });
  });
});
