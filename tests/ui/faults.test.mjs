// Faults in the window against the fake backend: the Admin tab's Faults panel (one fault a
// line, sent as typed, a refused line named next to it), the listener's badge, and the faults
// that acted on the shown connection.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, oneListener, useHarness } from "./harness.mjs";

const withApp = useHarness();

describe("faults", () => {
  test("the Faults panel sends its lines; a refused one is named next to it; the tab says what it injects", async () => {
    await withApp({}, async (page) => {
      const panel = page.getByTestId("faults-panel");
      const faults = panel.getByTestId("faults");
      await faults.fill("status=503\nbogus=1");
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("add-listener").click();
      const error = panel.getByTestId("error-faults");
      await error.waitFor();
      assert.match(await error.textContent(), /^fault "bogus=1": no fault "bogus"/);
      assert.equal(await page.getByTestId("listener-tab").count(), 0);

      await faults.fill("status=503\n\nrefuse");
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").waitFor();
      const sent = (await calls(page, "add_listener")).map(({ form }) => form.faults);
      assert.deepEqual(sent, ["status=503\nbogus=1", "status=503\n\nrefuse"]);
      const badges = await activePanel(page).locator(".badge").allTextContents();
      assert.ok(badges.includes("faults: status=503; refuse"), badges.join());
      await page.waitForFunction(() => window.fake.settings()?.admin?.faults === "status=503\n\nrefuse");
    });
  });

  test("the faults that acted on a connection show with it, as text", async () => {
    await withApp(oneListener, async (page) => {
      const what = "answered 503 without the target <b>";
      const id = await page.evaluate((w) => window.fake.open(1, { faults: [{ what: w, at: Date.now() * 1000 }] }), what);
      const plain = await page.evaluate(() => window.fake.open(1));
      const row = (conn) => activePanel(page).locator(`[data-testid=connection-row][data-conn="${conn}"]`);
      const note = activePanel(page).getByTestId("connection-faults");
      await row(id).click();
      await note.filter({ hasText: "⚡ Faults: answered 503" }).waitFor();
      assert.equal(await note.textContent(), `⚡ Faults: ${what}`);
      assert.equal(await note.locator("b").count(), 0, "text, never markup");
      await row(plain).click();
      await note.waitFor({ state: "hidden" });
    });
  });
});
