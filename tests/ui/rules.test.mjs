// Rules in the window against the fake backend: the Admin tab's Rules panel (rows added,
// edited, reordered, removed; sent as the rules file's JSON; an error shown on the rule it
// names), import and export through Rust's dialogs, the listener tab's rules with their hits.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { activePanel, calls, useHarness } from "./harness.mjs";

const withApp = useHarness();

describe("rules", () => {
  test("the panel's rules go with the form as the rules file's JSON; a refused rule says so on that rule", async () => {
    await withApp({}, async (page) => {
      const panel = page.getByTestId("rules-panel");
      const rules = panel.getByTestId("rule");
      await panel.getByTestId("rule-add").click();
      await panel.getByTestId("rule-add").click();
      assert.equal(await rules.count(), 2);
      await rules.nth(0).getByTestId("rule-when").fill("path:/mocked");
      await rules.nth(0).getByTestId("rule-status").fill("418");
      await rules.nth(0).getByTestId("rule-body").fill("teapot");
      await rules.nth(1).getByTestId("rule-when").fill("path:/api");
      await rules.nth(1).getByTestId("rule-status").fill("OK");
      await page.getByTestId("listen-port").fill("0");
      await page.getByTestId("add-listener").click();
      const error = rules.nth(1).getByTestId("error-rules");
      await error.waitFor();
      assert.match(await error.textContent(), /^rule 2: invalid type: string/);
      assert.equal(await page.getByTestId("listener-tab").count(), 0);

      // Now a response rule, moved first; the bad mock gone.
      await rules.nth(1).getByTestId("rule-action").selectOption("setHeader");
      assert.equal(await rules.nth(1).getByTestId("rule-phase").isDisabled(), false);
      assert.equal(await rules.nth(0).getByTestId("rule-phase").isDisabled(), true, "a mock acts on requests");
      await rules.nth(1).getByTestId("rule-phase").selectOption("response");
      await rules.nth(1).getByTestId("rule-headers").fill("X-Debug: 1");
      await rules.nth(1).getByTestId("rule-up").click();
      await panel.getByTestId("rule-add").click();
      await rules.nth(2).getByTestId("rule-remove").click();
      await rules.nth(1).getByTestId("rule-enabled").uncheck();
      assert.deepEqual(await rules.getByTestId("rule-when").evaluateAll((els) => els.map((e) => e.value)), [
        "path:/api",
        "path:/mocked",
      ]);
      await page.getByTestId("add-listener").click();
      await page.getByTestId("listener-tab").waitFor();
      const sent = (await calls(page, "add_listener")).at(-1).form.rules;
      assert.deepEqual(JSON.parse(sent.text), [
        { when: "path:/api", on: "response", then: { setHeader: { "X-Debug": "1" } } },
        { when: "path:/mocked", then: { mock: { status: 418, body: "teapot" } }, enabled: false },
      ]);
      assert.equal(sent.folder, "");
      await page.waitForFunction((text) => window.fake.settings()?.admin?.rules === text, sent.text);

      // The listener's tab lists its rules with their hits.
      const hits = activePanel(page).getByTestId("rule-hit");
      await hits.filter({ hasText: "2 hits" }).waitFor();
      assert.deepEqual(await hits.allTextContents(), [
        "1. path:/api → setHeader: 2 hits",
        "2. path:/mocked → mock (off): 0 hits",
      ]);
    });
  });

  test("Import reads a rules file into rows (its folder kept); Export writes them; both checked", async () => {
    const text = JSON.stringify([
      { when: "method:POST path:/orders", then: { mock: { status: 201, bodyFile: "created.json" } } },
      { when: "path:/x", then: { mock: { status: "OK" } } },
    ]);
    await withApp({ importedRules: { text, folder: "/home/dev/rules" } }, async (page) => {
      const panel = page.getByTestId("rules-panel");
      await panel.getByTestId("rules-import").click();
      // The fake, as Rust, refuses the file's second rule: nothing is read in.
      await panel.getByTestId("error-rules").filter({ hasText: "rule 2: invalid type" }).waitFor();
      assert.equal(await panel.getByTestId("rule").count(), 0);
      assert.equal((await calls(page, "import_rules")).length, 1);
    });
    const good = JSON.stringify([{ when: "method:POST path:/orders", then: { mock: { status: 201, bodyFile: "created.json" } } }]);
    await withApp({ importedRules: { text: good, folder: "/home/dev/rules" } }, async (page) => {
      const panel = page.getByTestId("rules-panel");
      await panel.getByTestId("rules-import").click();
      const rule = panel.getByTestId("rule");
      await rule.waitFor();
      assert.equal(await rule.getByTestId("rule-when").inputValue(), "method:POST path:/orders");
      assert.equal(await rule.getByTestId("rule-action").inputValue(), "mock");
      assert.equal(await rule.getByTestId("rule-bodyfile").inputValue(), "created.json");
      await page.waitForFunction(() => window.fake.settings()?.admin?.rules_folder === "/home/dev/rules");
      await panel.getByTestId("rules-export").click();
      await panel.getByTestId("rules-exported").filter({ hasText: "Exported to /home/dev/rules.json" }).waitFor();
      const [{ text, folder }] = await calls(page, "export_rules");
      assert.deepEqual(JSON.parse(text), JSON.parse(good));
      assert.equal(folder, "/home/dev/rules", "body files are found where the rules came from");
    });
  });
});
