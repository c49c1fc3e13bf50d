// Breakpoints in the real window: a listener whose rules break on requests to /bp/ and on
// responses to /resp/, made in the Admin tab's Rules panel; curl waits on the far side while the
// paused-message editor decides: a request edited and continued (the server gets the edit), one
// dropped (curl gets nothing, the server neither), one answered from the editor, ten paused at
// once and continued with Continue all, a response edited and one replaced from a file.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchApp, PANEL, tid } from "./lib/app.mjs";
import { curl, startRequestEcho, tempDir } from "./lib/servers.mjs";

let app;
let server;
let port;
const dir = tempDir("breakpoints");
const responseFile = path.join(dir, "response.http");
const FROM_FILE = "HTTP/1.1 202 Accepted\nX-From: file\n\nfrom a file";

before(async () => {
  server = await startRequestEcho();
  fs.writeFileSync(responseFile, FROM_FILE);
  // "Load from file..." reads where the open dialog would have asked.
  app = await launchApp({ dialogPath: responseFile });
  await app.selectTab("Admin");
  const rule = (n, testid) => `${tid("rules-panel")} .rules-list > .rule:nth-child(${n}) ${tid(testid)}`;
  const choose = async (selector, value) => (await app.$(selector)).selectByAttribute("value", value);
  await app.click(tid("rule-add"));
  await app.type(rule(1, "rule-when"), "path:/bp/");
  await choose(rule(1, "rule-action"), "break");
  await app.click(tid("rule-add"));
  await app.type(rule(2, "rule-when"), "path:/resp/");
  await choose(rule(2, "rule-action"), "break");
  await choose(rule(2, "rule-phase"), "response");
  port = await app.addListener({ targetPort: server.port });
});
after(async () => {
  await app?.close();
  await server?.stop();
});

const url = (urlPath) => `http://127.0.0.1:${port}${urlPath}`;
/** curl with time for the test to decide (the editor is typed in meanwhile). */
const slowCurl = (args) => curl(["--max-time", "40", ...args]);
const editor = (testid) => `${PANEL} ${tid("paused-editor")} ${tid(testid)}`;
const value = (selector) => app.browser.execute((s) => document.querySelector(s)?.value ?? null, selector);
const text = (selector) => app.browser.execute((s) => document.querySelector(s)?.textContent ?? null, selector);

/** Types `lines` into a text box as a user does, Enter between lines (WebDriver drops "\n"). */
async function typeLines(selector, lines) {
  const box = await app.$(selector);
  await box.waitForEnabled();
  await box.clearValue();
  await box.click();
  for (const [i, line] of lines.split("\n").entries()) {
    if (i > 0) await app.browser.keys(["Enter"]);
    if (line !== "") await box.addValue(line);
  }
  assert.equal(await box.getValue(), lines, `typing into ${selector}`);
}

/** Waits for the row of `urlPath` paused at `phase`, clicks it, and returns the editor's text. */
async function openPaused(urlPath, phase) {
  const rows = await app.waitForRows(
    (rows) => rows.some((r) => r.url.includes(urlPath) && r.state === `⏸ paused ${phase}`),
    `the row of ${urlPath} paused at its ${phase}`,
  );
  await app.clickRow(rows.find((r) => r.url.includes(urlPath)));
  return app.waitFor(async () => (await value(editor("paused-text"))) || null, `the editor's text for ${urlPath}`);
}

/** The editor closes once the engine says the message went on. */
const editorClosed = () =>
  app.waitFor(
    () => app.browser.execute((s) => document.querySelector(s)?.hidden === true, `${PANEL} ${tid("paused-editor")}`),
    "the editor closed",
  );

test("a paused POST edited in the editor reaches the server as edited; curl gets the answer", async () => {
  const reply = slowCurl(["--data-binary", "original", url("/bp/edit")]);
  const shown = await openPaused("/bp/edit", "request");
  assert.match(shown, /^POST \/bp\/edit HTTP\/1\.1\n[^]*\n\noriginal$/);
  const notice = await app.waitFor(() => text(tid("paused-notice-open")), "the notice");
  assert.equal(notice, "Request paused at rule 1: POST /bp/edit HTTP/1.1");
  assert.equal(await text(`${PANEL} ${tid("paused-count")}`), "1 paused");

  await typeLines(editor("paused-text"), shown.replace(/original$/, "edited in TCPMon"));
  await app.click(editor("continue"));
  const result = await reply;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "POST /bp/edit: edited in TCPMon");
  assert.deepEqual(server.received.at(-1), { method: "POST", url: "/bp/edit", body: "edited in TCPMon" });
  await editorClosed();

  // The capture keeps what curl sent; the request as the server got it is kept beside it.
  await app.chooseView("request", "raw");
  await app.waitForPane("request", (p) => p.text.endsWith("\n\noriginal"), "curl's request, as captured");
  const note = await app.waitFor(() => text(`${PANEL} ${tid("exchange-rules")}`), "what the rules did");
  assert.match(note, /^✎ Changed by TCPMon: rule 1 break: paused the request; continued as edited/);
  const side = await app.inPanel("request-side");
  await side.selectByAttribute("value", "server");
  await app.waitForPane("request", (p) => p.text.endsWith("\n\nedited in TCPMon"), "the request as the server got it");
  assert.deepEqual(await app.problems(), []);
});

test("Drop closes curl's connection; the server gets nothing", async () => {
  const before = server.received.length;
  const reply = slowCurl(["--data-binary", "never sent", url("/bp/drop")]);
  await openPaused("/bp/drop", "request");
  await app.click(editor("drop"));
  const result = await reply;
  assert.notEqual(result.code, 0, `curl got: ${result.stdout}`);
  assert.match(result.stderr, /Empty reply from server|Recv failure|Connection reset/);
  assert.equal(server.received.length, before, "the server got nothing");
  await editorClosed();
});

test("Respond answers curl with the response typed in the editor; the server gets nothing", async () => {
  const before = server.received.length;
  const reply = slowCurl(["-w", "\n%{http_code}", url("/bp/respond")]);
  await openPaused("/bp/respond", "request");
  await app.click(editor("respond"));
  assert.equal(await value(editor("respond-text")), "HTTP/1.1 200 OK\nContent-Type: text/plain\n\n");
  await typeLines(editor("respond-text"), "HTTP/1.1 418 I'm a teapot\nContent-Type: text/plain\n\nshort and stout");
  await app.click(editor("respond-send"));
  const result = await reply;
  assert.equal(result.stdout, "short and stout\n418", result.stderr);
  assert.equal(server.received.length, before, "the server got nothing");
  await editorClosed();
});

test("ten requests paused at once: the count says 10, Continue all lets all ten through", async () => {
  const before = server.received.length;
  const replies = Array.from({ length: 10 }, (_, i) => slowCurl(["--data-binary", `n${i}`, url(`/bp/many/${i}`)]));
  await app.waitFor(async () => (await text(`${PANEL} ${tid("paused-count")}`)) === "10 paused", "10 paused");
  assert.equal(server.received.length, before, "none reached the server yet");
  await app.click(`${PANEL} ${tid("continue-all")}`);
  const results = await Promise.all(replies);
  results.forEach((result, i) => {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `POST /bp/many/${i}: n${i}`);
  });
  assert.equal(server.received.length, before + 10);
  await app.waitFor(
    () => app.browser.execute((s) => document.querySelector(s)?.closest("[hidden]") !== null, `${PANEL} ${tid("paused-count")}`),
    "the count hidden",
  );
});

test("a paused response edited, another replaced by one loaded from a file", async () => {
  const reply = slowCurl([url("/resp/edit")]);
  const shown = await openPaused("/resp/edit", "response");
  assert.match(shown, /^HTTP\/1\.1 200 OK\n[^]*\n\nGET \/resp\/edit: $/);
  await typeLines(editor("paused-text"), shown.replace(/GET \/resp\/edit: $/, "a response edited in TCPMon"));
  await app.click(editor("continue"));
  const edited = await reply;
  assert.equal(edited.stdout, "a response edited in TCPMon", edited.stderr);
  await editorClosed();

  const replaced = slowCurl(["-i", url("/resp/file")]);
  await openPaused("/resp/file", "response");
  await app.click(editor("respond"));
  await app.click(editor("respond-load"));
  await app.waitFor(async () => (await value(editor("respond-text"))) === FROM_FILE, "the file's response in the box");
  await app.click(editor("respond-send"));
  const result = await replaced;
  assert.match(result.stdout, /^HTTP\/1\.1 202 Accepted\r\n/, result.stderr);
  assert.match(result.stdout, /^x-from: file\r$/im);
  assert.match(result.stdout, /\r\n\r\nfrom a file$/);
  assert.deepEqual(await app.problems(), []);
});
