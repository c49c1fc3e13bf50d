// Save and reopen: rows saved as Apache TCPMon text and as a session file, and the session file
// opened again read-only in its own tab. Every save/open dialog answers with $E2E_DIALOG_PATH
// (run.sh sets TCPMON_TEST_DIALOG_PATH to it for the app).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, PANEL } from "./lib/app.mjs";
import { curlOk, startPythonServer, tempDir } from "./lib/servers.mjs";

const file = process.env.E2E_DIALOG_PATH;
const ALPHA = "alpha\n";
const BETA = '{"beta": [1, 2, 3]}\n';

let app;
let web;
let port;
before(async () => {
  const dir = tempDir("session");
  fs.writeFileSync(path.join(dir, "alpha.txt"), ALPHA);
  fs.writeFileSync(path.join(dir, "beta.json"), BETA);
  web = await startPythonServer(dir);
  app = await launchApp();
  fs.rmSync(file, { force: true });
});
after(async () => {
  await app?.close();
  await web?.stop();
});

test("Save with TCPMon text writes Apache TCPMon's format, one entry per row", async () => {
  port = await app.addListener({ targetPort: web.port });
  await curlOk([`http://127.0.0.1:${port}/alpha.txt`]);
  await curlOk([`http://127.0.0.1:${port}/beta.json`]);
  await app.waitForRows(
    (rows) => rows.length === 2 && rows.every((r) => r.state === "Done" && r.status !== ""),
    "two finished exchanges",
  );

  const message = await app.saveAs("text", file);
  assert.equal(message, `Saved 2 connections to ${file}`);
  const text = fs.readFileSync(file, "latin1");
  const entries = text.split("\n==============\n").filter((e) => e.trim() !== "");
  assert.equal(entries.length, 2, text);
  entries.forEach((entry, i) => {
    assert.ok(
      entry.startsWith(`Listen Port: ${port}\nTarget Host: 127.0.0.1\nTarget Port: ${web.port}\n==== Request ====\n`),
      entry,
    );
    assert.ok(entry.includes(`GET /${["alpha.txt", "beta.json"][i]} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`));
    assert.ok(entry.includes("\r\n\r\n==== Response ====\nHTTP/1.0 200 OK\r\n"), entry);
    assert.ok(entry.endsWith([ALPHA, BETA][i]), entry);
  });
});

test("Save as Session, then Open Session shows the same rows read-only in a new tab", async () => {
  const saved = await app.rows();
  assert.equal(saved.length, 2);
  const cells = (r) => [r.method, r.url, r.status, r.state, r.host, r.target, r.client, r.reqSize, r.respSize];
  assert.deepEqual(
    saved.map((r) => [r.method, r.url, r.status]),
    [
      ["GET", `http://127.0.0.1:${port}/alpha.txt`, "200"],
      ["GET", `http://127.0.0.1:${port}/beta.json`, "200"],
    ],
  );
  // One selected row is saved alone; none selected saves all. Here: all.
  const message = await app.saveAs("session", file);
  assert.equal(message, `Saved 2 connections to ${file}`);
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x54, 0x43, 0x50, 0x4d, 0x4f, 0x4e, 0x0a], "the session magic");

  const tab = await app.openSession();
  const name = path.basename(file);
  assert.equal(tab.title, name);
  const opened = await app.waitForRows((rows) => rows.length === 2, "the saved rows");
  assert.deepEqual(
    opened.map(cells),
    saved.map(cells),
  );

  await app.clickRow(opened[0]);
  await app.waitForPane("request", (p) => p.text.startsWith("GET /alpha.txt HTTP/1.1\n"), "the first request");
  await app.waitForPane("response", (p) => p.text.endsWith(`\n\n${ALPHA}`), "the first response");
  await app.clickRow(opened[1]);
  await app.chooseView("response", "json");
  await app.waitForPane(
    "response",
    (p) => p.text.endsWith('\n\n{\n  "beta": [\n    1,\n    2,\n    3\n  ]\n}'),
    "the JSON body pretty-printed from the file",
  );

  // Read-only: no Remove, Resend or Edit; the session badge names the file.
  assert.deepEqual(await app.controls(), ["save", "close-tab"]);
  assert.match(await (await app.$(`${PANEL} .session-name`)).getText(), new RegExp(name.replace(".", "\\.")));
});

test("closing the session tab leaves the live listener and its rows alone", async () => {
  await app.clickInPanel("close-tab");
  await app.waitFor(async () => !(await app.tabs()).some((t) => t.testid === "session-tab"), "the session tab to go");
  await app.selectTab(`Port ${port}`);
  assert.equal((await app.rows()).length, 2);
  assert.deepEqual(await app.problems(), []);
});
