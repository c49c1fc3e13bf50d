// Breakpoints in the window against the fake backend: a paused message's row, the tab's count,
// the notice, and the paused-message editor (Continue with the edited text, Drop, Respond with a
// typed or loaded response, an error that keeps the editor), and Continue all.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

const POST = "POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Length: 2\r\n\r\nhi";
const POST_TEXT = POST.replaceAll("\r\n", "\n");

/** A live connection on listener 1 that sent `request`, its request paused (rule `rule`); [conn, pause id]. */
function pauseRequest(page, request = POST, rule = 1, bodyKept = null) {
  return page.evaluate(
    ([request, rule, bodyKept]) => {
      const conn = window.fake.open(1, { closed_at: null, state: { kind: "active" } }, { client_to_server: request });
      const id = window.fake.pause(conn, "request", request.replaceAll("\r\n", "\n"), { rule }, bodyKept);
      return [conn, id];
    },
    [request, rule, bodyKept],
  );
}

const row = (page, conn) => activePanel(page).locator(`[data-testid=connection-row][data-conn="${conn}"]`);

describe("breakpoints", () => {
  test("a paused request: its row, the count and the notice; Continue sends the edited text", async () => {
    await withApp(oneListener, async (page) => {
      const panel = activePanel(page);
      const [first, firstId] = await pauseRequest(page, POST, 2);
      const [second] = await pauseRequest(page, "GET /slow HTTP/1.1\r\nHost: shop\r\n\r\n");
      await panel.getByTestId("paused-count").filter({ hasText: "2 paused" }).waitFor();
      await row(page, first).locator(".c-state").filter({ hasText: "paused request" }).waitFor();
      assert.ok(await row(page, first).evaluate((r) => r.classList.contains("paused")));
      const notice = page.getByTestId("paused-notice");
      assert.equal(await notice.getByTestId("paused-notice-open").textContent(), "Request paused at rule 1: GET /slow HTTP/1.1 (and 1 more)");

      await row(page, first).click();
      const editor = panel.getByTestId("paused-editor");
      await editor.getByTestId("paused-title").filter({ hasText: "Request paused at rule 2: POST /orders HTTP/1.1" }).waitFor();
      const text = editor.getByTestId("paused-text");
      await page.waitForFunction(() => document.querySelector(".tab-panel:not([hidden]) [data-testid=paused-text]").value !== "");
      assert.equal(await text.inputValue(), POST_TEXT);
      assert.equal(await editor.getByTestId("paused-body-kept").isHidden(), true);
      const edited = POST_TEXT.replace("\n\nhi", "\n\nhello, edited");
      await text.fill(edited);
      await editor.getByTestId("continue").click();
      await editor.waitFor({ state: "hidden" });
      assert.deepEqual(await calls(page, "resume_paused"), [{ id: firstId, decision: { kind: "continue", edited } }]);
      await panel.getByTestId("paused-count").filter({ hasText: "1 paused" }).waitFor();
      assert.equal(await row(page, first).evaluate((r) => r.classList.contains("paused")), false);
      assert.doesNotMatch(await row(page, first).locator(".c-state").textContent(), /paused/);

      // The notice names the one left; a click opens it in the editor.
      assert.equal(await notice.getByTestId("paused-notice-open").textContent(), "Request paused at rule 1: GET /slow HTTP/1.1");
      await row(page, first).click();
      await notice.getByTestId("paused-notice-open").click();
      assert.equal(await row(page, second).evaluate((r) => r.classList.contains("selected")), true);
      await editor.getByTestId("paused-title").filter({ hasText: "GET /slow" }).waitFor();
      await page.waitForFunction(() => document.activeElement?.getAttribute("data-testid") === "paused-text");
    });
  });

  test("Drop; Respond with a typed response refused in the editor, then one loaded from a file", async () => {
    const file = "HTTP/1.1 503 Busy\nRetry-After: 5\n\nlater";
    await withApp({ ...oneListener, responseFile: file }, async (page) => {
      const panel = activePanel(page);
      const editor = panel.getByTestId("paused-editor");
      const [conn, id] = await pauseRequest(page, POST, 1, "binary body of 4 bytes: goes on as it came (Respond can replace it)");
      await row(page, conn).click();
      await editor.getByTestId("paused-body-kept").filter({ hasText: "Body not shown: binary body of 4 bytes" }).waitFor();

      await editor.getByTestId("respond").click();
      const response = editor.getByTestId("respond-text");
      assert.equal(await response.inputValue(), "HTTP/1.1 200 OK\nContent-Type: text/plain\n\n");
      await response.fill("hello");
      await editor.getByTestId("respond-send").click();
      const error = editor.getByTestId("error-paused");
      await error.filter({ hasText: "does not start with an HTTP head" }).waitFor();
      assert.equal(await editor.isVisible(), true, "the editor stays while the message waits");
      assert.equal(await panel.getByTestId("paused-count").textContent(), "1 paused");

      await editor.getByTestId("respond-load").click();
      await page.waitForFunction(
        (file) => document.querySelector(".tab-panel:not([hidden]) [data-testid=respond-text]").value === file,
        file,
      );
      await editor.getByTestId("respond-send").click();
      await editor.waitFor({ state: "hidden" });
      assert.deepEqual((await calls(page, "resume_paused")).at(-1), { id, decision: { kind: "respond", response: file } });
      assert.equal((await calls(page, "load_response")).length, 1);
      await panel.getByTestId("paused-count").waitFor({ state: "hidden" });

      const [other, otherId] = await pauseRequest(page);
      await row(page, other).click();
      await editor.getByTestId("error-paused").waitFor({ state: "hidden" });
      await editor.getByTestId("drop").click();
      await editor.waitFor({ state: "hidden" });
      assert.deepEqual((await calls(page, "resume_paused")).at(-1), { id: otherId, decision: { kind: "drop" } });
      await page.getByTestId("paused-notice").waitFor({ state: "hidden" });
    });
  });

  test("Continue all continues every paused message of the listener", async () => {
    await withApp(oneListener, async (page) => {
      const panel = activePanel(page);
      const conns = [];
      for (let i = 0; i < 3; i++) conns.push((await pauseRequest(page))[0]);
      await panel.getByTestId("paused-count").filter({ hasText: "3 paused" }).waitFor();
      await panel.getByTestId("continue-all").click();
      await panel.getByTestId("paused-count").waitFor({ state: "hidden" });
      assert.deepEqual(await calls(page, "continue_all"), [{ listener: 1 }]);
      for (const conn of conns) assert.equal(await row(page, conn).evaluate((r) => r.classList.contains("paused")), false);
      await page.getByTestId("paused-notice").waitFor({ state: "hidden" });
      assert.equal(await page.getByTestId("status-message").textContent(), "Continued 3 paused messages");
    });
  });
});
