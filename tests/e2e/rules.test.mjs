// Rules in the real window: a listener with a mock rule (path:/mocked → 418 "teapot") made in
// the Admin tab's Rules panel answers curl without the target, a response setHeader rule is
// seen by curl, the tab shows each rule's hits, and the panel's Export writes a file
// tcpmon-cli --rules reads and acts on.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, tid } from "./lib/app.mjs";
import { curl, startCli, startFixedServer, tempDir } from "./lib/servers.mjs";

let app;
let server;
const dir = tempDir("rules");
const exported = path.join(dir, "exported.json");
before(async () => {
  server = await startFixedServer({ "/plain": { body: "from the target\n" } });
  // Export... writes where the save dialog would have asked.
  app = await launchApp({ dialogPath: exported });
});
after(async () => {
  await app?.close();
  await server?.stop();
});

const rule = (n, testid) => `${tid("rules-panel")} .rules-list > .rule:nth-child(${n}) ${tid(testid)}`;
const text = (selector) => app.browser.execute((s) => document.querySelector(s)?.textContent ?? null, selector);
const choose = async (selector, value) => (await app.$(selector)).selectByAttribute("value", value);

test("a mock and a response setHeader rule act on curl's requests; hits show; the export runs in tcpmon-cli", async () => {
  await app.selectTab("Admin");
  await app.click(tid("rule-add"));
  await app.type(rule(1, "rule-when"), "path:/mocked");
  await app.type(rule(1, "rule-status"), "418");
  await app.type(rule(1, "rule-body"), "teapot");
  await app.click(tid("rule-add"));
  await app.type(rule(2, "rule-when"), "path:/plain");
  await choose(rule(2, "rule-action"), "setHeader");
  await choose(rule(2, "rule-phase"), "response");
  await app.type(rule(2, "rule-headers"), "X-Rule: seen");
  const port = await app.addListener({ targetPort: server.port });

  const mocked = await curl(["-w", "\n%{http_code}", `http://127.0.0.1:${port}/mocked`]);
  assert.equal(mocked.stdout, "teapot\n418", mocked.stderr);
  assert.equal(server.hits.size, 0, "the target was never contacted");
  const plain = await curl(["-i", `http://127.0.0.1:${port}/plain`]);
  assert.match(plain.stdout, /^x-rule: seen\r$/im, plain.stdout);
  assert.match(plain.stdout, /from the target\n$/);

  const hits = await app.waitFor(async () => {
    const shown = await app.browser.execute(() =>
      [...document.querySelectorAll('.tab-panel:not([hidden]) [data-testid="rule-hit"]')].map((b) => b.textContent),
    );
    return shown.length === 2 && shown.every((t) => t.endsWith(": 1 hit")) && shown;
  }, "each rule's hit in the tab");
  assert.deepEqual(hits, ["1. path:/mocked → mock: 1 hit", "2. path:/plain → setHeader: 1 hit"]);

  await app.selectTab("Admin");
  await app.click(tid("rules-export"));
  await app.waitFor(async () => (await text(tid("rules-exported"))) === `Exported to ${exported}`, "the export");
  const cli = await startCli(["0", "127.0.0.1", String(server.port), "--rules", exported, "--quiet"]);
  const again = await curl(["-w", "\n%{http_code}", `http://127.0.0.1:${cli.port}/mocked`]);
  assert.equal(again.stdout, "teapot\n418", again.stderr);
  const viaCli = await curl(["-i", `http://127.0.0.1:${cli.port}/plain`]);
  assert.match(viaCli.stdout, /^x-rule: seen\r$/im);
  const totals = await cli.stop();
  assert.match(totals, /^rule 1 mock "path:\/mocked": 1 hit$/m, totals);
  assert.match(totals, /^rule 2 setHeader "path:\/plain": 1 hit$/m, totals);
  assert.ok(fs.readFileSync(exported, "utf8").includes('"path:/mocked"'));
});

test("Mock from this row: the next request for that path is answered with the captured response, without the target", async () => {
  // The Admin form still holds the first test's two rules: the new listener starts with them.
  await app.selectTab("Admin");
  const port = await app.addListener({ targetPort: server.port });
  const first = await curl(["-i", `http://127.0.0.1:${port}/plain`]);
  assert.match(first.stdout, /from the target\n$/);
  const served = server.hits.get("/plain");
  const [row] = await app.waitForRows((rows) => rows.length === 1 && rows[0].status === "200", "the answered row");
  await app.clickRow(row);
  await app.clickInPanel("mock-from-row");
  const status = await app.waitFor(
    async () => ((await text(tid("status-message"))) ?? "").includes("mock for") && text(tid("status-message")),
    "the rule added",
  );
  assert.match(status, /^Rule 3 of .*: mock for "method:GET path:\/plain", from its next connection on$/);
  const again = await curl(["-i", `http://127.0.0.1:${port}/plain`]);
  assert.match(again.stdout, /^HTTP\/1\.1 200 OK\r$/m, again.stdout);
  assert.match(again.stdout, /from the target\n$/);
  assert.equal(server.hits.get("/plain"), served, "the mock answered; the target was not asked");
  const listed = await app.waitFor(
    () =>
      app.browser.execute(
        () => document.querySelectorAll('.tab-panel:not([hidden]) [data-testid="rule-hit"]')[2]?.textContent ?? null,
      ),
    "the listener's tab lists the rule",
  );
  assert.match(listed, /^3\. method:GET path:\/plain → mock/);
});
