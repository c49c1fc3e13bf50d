// A message a rule or a breakpoint changed, against the fake backend: its row is marked, and
// its pane offers the server's side (read with read_server_side) beside the client's.
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
});
