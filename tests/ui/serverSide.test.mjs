// A message a rule or a breakpoint changed, against the fake backend: its row is marked, its
// pane offers the server's side (read with read_server_side) beside the client's, and what the
// rules did is said over the panes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const CRLF = (lines) => lines.join("\r\n");

describe("server side", () => {
  test("a changed response is marked and its pane shows either side; unchanged ones offer nothing", async () => {
    await withApp(oneListener, async (page) => {
      const texts = {
        client_to_server: CRLF(["GET /a HTTP/1.1", "Host: example.org", "", ""]),
        server_to_client: CRLF(["HTTP/1.1 200 OK", "Content-Length: 7", "X-Debug: 1", "", "changed"]),
      };
      const changed = await page.evaluate((t) => window.fake.open(1, {}, t), texts);
      const plain = await page.evaluate((t) => window.fake.open(1, {}, t), texts);
      const original = CRLF(["HTTP/1.1 200 OK", "Content-Length: 8", "X-Server: <b>nginx</b>", "", "original"]);
      await page.evaluate(([id, text]) => window.fake.serverSide(id, 0, "server_to_client", text), [changed, original]);
      const panel = activePanel(page);
      const row = (id) => panel.locator(`[data-testid=connection-row][data-conn="${id}"][data-place="0"]`);
      await panel.locator(`[data-testid=connection-row][data-conn="${changed}"].changed`).waitFor();
      assert.equal(await row(plain).evaluate((r) => r.classList.contains("changed")), false);

      await row(changed).click();
      const response = panel.getByTestId("response-pane");
      await panel.getByTestId("response-view").selectOption("raw");
      await response.filter({ hasText: "changed" }).waitFor();
      const side = panel.getByTestId("response-side");
      assert.equal(await side.isVisible(), true);
      assert.equal(await panel.getByTestId("request-side").isVisible(), false, "the request went unchanged");
      await side.selectOption("server");
      await response.filter({ hasText: "original" }).waitFor();
      assert.equal(await response.locator("pre").textContent(), original);
      assert.equal(await response.locator("pre b").count(), 0, "text, never markup");
      const asked = (await calls(page, "read_server_side")).at(-1);
      assert.deepEqual(
        [asked.id, asked.exchange, asked.direction, asked.view],
        [changed, 0, "server_to_client", "raw"],
      );

      // Another row goes back to the client's side, and offers no choice when nothing changed.
      await row(plain).click();
      await response.filter({ hasText: "changed" }).waitFor();
      assert.equal(await side.isVisible(), false);
      assert.equal(await side.inputValue(), "client");
    });
  });

  test("a mocked exchange is marked and what each rule did is said over the panes, as text", async () => {
    await withApp(oneListener, async (page) => {
      const texts = {
        client_to_server: CRLF(["GET /a HTTP/1.1", "", "GET /b HTTP/1.1", "", ""]),
        server_to_client: CRLF(["HTTP/1.1 418 Mocked", "Content-Length: 0", "", "HTTP/1.1 200 OK", "Content-Length: 0", "", ""]),
      };
      const rules = [
        { exchange: 0, rule: 1, action: "mock", what: "answered 418 without the target <i>" },
        { exchange: 1, rule: 2, action: "setHeader", what: "set X-A in the request" },
        { exchange: 1, rule: 3, action: "break", what: "paused the request; continued unchanged" },
      ];
      const id = await page.evaluate(([t, r]) => window.fake.open(1, { rules: r }, t), [texts, rules]);
      const panel = activePanel(page);
      const row = (k) => panel.locator(`[data-testid=connection-row][data-conn="${id}"][data-place="${k}"]`);
      await row(0).waitFor();
      assert.equal(await row(0).evaluate((r) => r.classList.contains("mocked")), true);
      assert.equal(await row(1).evaluate((r) => r.classList.contains("mocked")), false);
      const note = panel.getByTestId("exchange-rules");
      await row(0).click();
      await note.filter({ hasText: "rule 1 mock" }).waitFor();
      assert.equal(await note.textContent(), "✎ Changed by TCPMon: rule 1 mock: answered 418 without the target <i>");
      assert.equal(await note.locator("i").count(), 0, "text, never markup");
      await row(1).click();
      await note.filter({ hasText: "rule 2" }).waitFor();
      assert.equal(
        await note.textContent(),
        "✎ Changed by TCPMon: rule 2 setHeader: set X-A in the request; rule 3 break: paused the request; continued unchanged",
      );
    });
  });
});
