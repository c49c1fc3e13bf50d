// "Mock from this row" against the fake backend: the shown answered exchange becomes a mock rule
// of its listener (mock_from_row), which the listener's tab then lists; the button waits for a
// response.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const CRLF = (lines) => lines.join("\r\n");

describe("mock from this row", () => {
  test("Mock makes the shown exchange a rule of its listener, which its tab lists", async () => {
    await withApp(oneListener, async (page) => {
      const answered = {
        client_to_server: CRLF(["GET /api/items?page=2 HTTP/1.1", "Host: example.org", "", ""]),
        server_to_client: CRLF(["HTTP/1.1 200 OK", "Content-Length: 9", "", '{"a": 1}\n']),
      };
      const unanswered = { client_to_server: CRLF(["GET /slow HTTP/1.1", "", ""]), server_to_client: "" };
      const id = await page.evaluate((t) => window.fake.open(1, {}, t), answered);
      const waiting = await page.evaluate((t) => window.fake.open(1, { closed_at: null, state: { kind: "open" } }, t), unanswered);
      const panel = activePanel(page);
      const row = (conn) => panel.locator(`[data-testid=connection-row][data-conn="${conn}"][data-place="0"]`);
      const mock = panel.getByTestId("mock-from-row");

      await row(waiting).click();
      await panel.getByTestId("request-pane").filter({ hasText: "/slow" }).waitFor();
      assert.equal(await mock.isDisabled(), true, "no response to mock yet");
      await row(id).click();
      await page.waitForFunction(() =>
        !document.querySelector('.tab-panel:not([hidden]) [data-testid="mock-from-row"]')?.disabled,
      );
      await mock.click();
      const status = page.getByTestId("status-message");
      await status.filter({ hasText: "mock for" }).waitFor();
      assert.match(await status.textContent(), /^Rule 1 of .*: mock for "method:GET path:\/api\/items", from its next connection on$/);
      assert.deepEqual(await calls(page, "mock_from_row"), [{ id, exchange: 0 }]);
      const listed = panel.getByTestId("rule-hit");
      await listed.first().waitFor();
      assert.match(await listed.first().textContent(), /^1\. method:GET path:\/api\/items → mock/);
    });
  });
});
